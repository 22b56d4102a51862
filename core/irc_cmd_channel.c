/* irc_cmd_channel.c - IRC channel commands on natter rooms: JOIN, PART,
 * TOPIC, NAMES, LIST, KICK, MODE. A channel is a room; +o is a room
 * operator, +t the room's topic rule, +n always on (only members may speak). */
#include "core/irc_internal.h"

#include <string.h>

static void need_more_params(irc_fe *fe, irc_session *s, const char *command)
{
    irc_numeric(fe, s, "461", command, "Not enough parameters");
}

chat_room *irc_find_room(irc_fe *fe, irc_session *s, const char *name, size_t len)
{
    chat_room *r = chat_find_room(fe->chat, name, len);

    if (!r)
        irc_numeric_echo(fe, s, "403", name, len, "No such channel");
    return r;
}

/* The room, or NULL after 403/442. */
static chat_room *room_of_member(irc_fe *fe, irc_session *s, const char *name, size_t len)
{
    chat_room *r = irc_find_room(fe, s, name, len);

    if (r && !chat_membership(s->user, r)) {
        irc_numeric(fe, s, "442", chat_room_name(r), "You're not on that channel");
        return NULL;
    }
    return r;
}

/* The sink's joined_room: the joiner gets the channel's topic and names. */
void irc_joined_room(void *ctx, void *session, chat_user *user, chat_room *room)
{
    (void)user;
    irc_send_join_info((irc_fe *)ctx, (irc_session *)session, room);
}

static void join_one(irc_fe *fe, irc_session *s, const char *name, size_t len)
{
    chat_room *r;
    chat_result res = chat_join(fe->chat, s->user, name, len, &r);

    switch (res) {
    case CHAT_OK:
    case CHAT_PENDING:
        break; /* irc_joined_room sends the topic and names (cluster mode: later) */
    case CHAT_ERR_ALREADY_MEMBER:
        break; /* IRC servers ignore a JOIN of a channel one is in */
    default:
        irc_join_refused(fe, s, res, name, len);
        break;
    }
}

void irc_join_refused(irc_fe *fe, irc_session *s, chat_result res, const char *name, size_t len)
{
    switch (res) {
    case CHAT_ERR_BAD_ROOM_NAME:
        irc_numeric_echo(fe, s, "479", name, len, "Illegal channel name");
        break;
    case CHAT_ERR_TOO_MANY_JOINED:
        irc_numeric_echo(fe, s, "405", name, len, "You have joined too many channels");
        break;
    case CHAT_ERR_TOO_MANY_ROOMS:
        irc_numeric_echo(fe, s, "405", name, len, "Too many channels on this server");
        break;
    default:
        irc_numeric_echo(fe, s, "405", name, len, "Out of memory");
        break;
    }
}

void irc_cmd_join(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    const char *list, *item;
    size_t len;

    if (m->nparams < 1 || m->param_len[0] == 0) {
        need_more_params(fe, s, "JOIN");
        return;
    }
    /* "JOIN 0" leaves every channel. */
    if (strcmp(m->params[0], "0") == 0) {
        chat_member *mem;
        while ((mem = chat_user_rooms(s->user)) != NULL)
            if (chat_part(fe->chat, s->user, chat_member_room(mem), NULL, 0) != CHAT_OK)
                break; /* out of memory: do not spin */
        return;
    }
    /* Keys (the second parameter) are ignored: natter rooms have none. */
    list = m->params[0];
    while (irc_next_item(&list, &item, &len))
        join_one(fe, s, item, len);
}

void irc_cmd_part(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    const char *list, *item;
    size_t len, n;

    if (m->nparams < 1 || m->param_len[0] == 0) {
        need_more_params(fe, s, "PART");
        return;
    }
    /* Stripped once: the same words go to every channel. */
    n = m->nparams > 1 ? irc_strip_formatting((char *)m->params[1], m->param_len[1]) : 0;
    list = m->params[0];
    while (irc_next_item(&list, &item, &len)) {
        chat_room *r = room_of_member(fe, s, item, len);
        if (r)
            chat_part(fe->chat, s->user, r, m->nparams > 1 ? m->params[1] : NULL, n);
    }
}

void irc_cmd_topic(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    chat_room *r;

    if (m->nparams < 1) {
        need_more_params(fe, s, "TOPIC");
        return;
    }
    r = irc_find_room(fe, s, m->params[0], m->param_len[0]);
    if (!r)
        return;
    if (m->nparams < 2) {
        irc_send_topic(fe, s, r, true);
        return;
    }
    switch (chat_set_topic(fe->chat, s->user, r, m->params[1],
                           irc_strip_formatting((char *)m->params[1], m->param_len[1]))) {
    case CHAT_OK:
        break;
    case CHAT_ERR_NOT_MEMBER:
        irc_numeric(fe, s, "442", chat_room_name(r), "You're not on that channel");
        break;
    case CHAT_ERR_NOT_OPERATOR:
        irc_numeric(fe, s, "482", chat_room_name(r), "You're not channel operator");
        break;
    case CHAT_ERR_TOO_LONG:
        irc_numeric(fe, s, "417", NULL, "Topic too long");
        break;
    default:
        break;
    }
}

void irc_cmd_names(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    const char *list, *item;
    size_t len;

    if (m->nparams < 1) {
        irc_numeric(fe, s, "366", "*", "End of /NAMES list");
        return;
    }
    list = m->params[0];
    while (irc_next_item(&list, &item, &len)) {
        chat_room *r = chat_find_room(fe->chat, item, len);
        if (r)
            irc_send_names(fe, s, r);
        else
            irc_numeric_echo(fe, s, "366", item, len, "End of /NAMES list");
    }
}

static void list_one(irc_fe *fe, irc_session *s, chat_room *r)
{
    size_t topic_len;
    const char *topic = chat_room_topic(r, &topic_len);
    text_buf count = {NULL, 0, 0, false};

    tb_put_size(&count, chat_room_member_count(r));
    irc_numeric_begin(fe, s, "322");
    irc_param(fe, chat_room_name(r));
    irc_param(fe, tb_ok(&count) ? count.data : "0");
    irc_trailing_n(fe, topic, topic_len);
    irc_send(fe, s);
    tb_free(&count);
}

void irc_cmd_list(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    chat_room *r;

    irc_numeric(fe, s, "321", "Channel", "Users  Name");
    if (m->nparams > 0 && m->param_len[0] > 0) {
        const char *list = m->params[0], *item;
        size_t len;
        while (irc_next_item(&list, &item, &len))
            if ((r = chat_find_room(fe->chat, item, len)) != NULL)
                list_one(fe, s, r);
    } else {
        for (r = chat_room_first(fe->chat); r; r = chat_room_next(r))
            list_one(fe, s, r);
    }
    irc_numeric(fe, s, "323", NULL, "End of /LIST");
}

void irc_cmd_kick(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    chat_room *r;
    const char *list, *item;
    size_t len, rlen;

    if (m->nparams < 2) {
        need_more_params(fe, s, "KICK");
        return;
    }
    r = room_of_member(fe, s, m->params[0], m->param_len[0]);
    if (!r)
        return;
    if (!chat_is_operator(s->user, r)) {
        irc_numeric(fe, s, "482", chat_room_name(r), "You're not channel operator");
        return;
    }
    /* Stripped once: the same reason goes with every kick. */
    rlen = m->nparams > 2 ? irc_strip_formatting((char *)m->params[2], m->param_len[2]) : 0;
    list = m->params[1];
    while (irc_next_item(&list, &item, &len)) {
        chat_user *target = chat_find_user(fe->chat, item, len);
        if (!target) {
            irc_numeric_echo(fe, s, "401", item, len, "No such nick/channel");
            continue;
        }
        if (!chat_membership(target, r)) {
            irc_numeric_begin(fe, s, "441");
            irc_param(fe, chat_user_name(target));
            irc_param(fe, chat_room_name(r));
            irc_trailing(fe, "They aren't on that channel");
            irc_send(fe, s);
            continue;
        }
        chat_kick(fe->chat, s->user, r, target, m->nparams > 2 ? m->params[2] : NULL, rlen);
    }
}

/* ---- MODE ------------------------------------------------------------------ */

static void channel_modes(irc_fe *fe, irc_session *s, chat_room *r)
{
    char num[24];
    int64_t t = chat_room_created(r);
    char *p = num + sizeof num;

    irc_numeric_begin(fe, s, "324");
    irc_param(fe, chat_room_name(r));
    irc_param(fe, chat_room_topic_ops_only(r) ? "+nt" : "+n");
    irc_send(fe, s);
    *--p = '\0';
    if (t < 0)
        t = 0;
    do {
        *--p = (char)('0' + t % 10);
        t /= 10;
    } while (t);
    irc_numeric_begin(fe, s, "329");
    irc_param(fe, chat_room_name(r));
    irc_param(fe, p);
    irc_send(fe, s);
}

/* "MODE #r +o-o+t nick nick": apply each letter in turn. */
static void change_channel_modes(irc_fe *fe, irc_session *s, chat_room *r, const irc_msg *m)
{
    const char *modes = m->params[1];
    int arg = 2;
    bool plus = true;

    for (; *modes; modes++) {
        char c = *modes;
        if (c == '+' || c == '-') {
            plus = c == '+';
            continue;
        }
        if (c == 'b' || c == 'e' || c == 'I') {
            /* Ban, exception and invite lists: natter keeps none. Clients
             * ask for them on join; answer with an empty list. */
            if (arg >= m->nparams) {
                const char *end = c == 'b' ? "368" : c == 'e' ? "349" : "347";
                irc_numeric(fe, s, end, chat_room_name(r),
                            c == 'b'   ? "End of channel ban list"
                            : c == 'e' ? "End of channel exception list"
                                       : "End of channel invite list");
                continue;
            }
            irc_numeric_echo(fe, s, "472", &c, 1, "is not supported on this server");
            arg++;
            continue;
        }
        if (c != 'o' && c != 't' && c != 'n') {
            irc_numeric_echo(fe, s, "472", &c, 1, "is unknown mode char to me");
            continue;
        }
        if (!chat_is_operator(s->user, r)) {
            irc_numeric(fe, s, "482", chat_room_name(r), "You're not channel operator");
            return;
        }
        if (c == 't') {
            chat_set_topic_rule(fe->chat, s->user, r, plus);
        } else if (c == 'o') {
            chat_user *target;
            if (arg >= m->nparams) {
                need_more_params(fe, s, "MODE");
                return;
            }
            target = chat_find_user(fe->chat, m->params[arg], m->param_len[arg]);
            if (!target) {
                irc_numeric_echo(fe, s, "401", m->params[arg], m->param_len[arg],
                                 "No such nick/channel");
            } else if (!chat_membership(target, r)) {
                irc_numeric_begin(fe, s, "441");
                irc_param(fe, chat_user_name(target));
                irc_param(fe, chat_room_name(r));
                irc_trailing(fe, "They aren't on that channel");
                irc_send(fe, s);
            } else {
                chat_set_operator(fe->chat, s->user, r, target, plus);
            }
            arg++;
        }
        /* 'n' is always on: nothing to change. */
    }
}

static void user_modes(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    if (!chat_find_user(fe->chat, m->params[0], m->param_len[0])) {
        irc_numeric_echo(fe, s, "401", m->params[0], m->param_len[0], "No such nick/channel");
        return;
    }
    if (chat_find_user(fe->chat, m->params[0], m->param_len[0]) != s->user) {
        irc_numeric(fe, s, "502", NULL, "Can't change mode for other users");
        return;
    }
    if (m->nparams < 2) {
        irc_numeric_begin(fe, s, "221");
        irc_param(fe, "+");
        irc_send(fe, s);
        return;
    }
    /* natter has no user modes; +i and +w (which clients set on connect)
     * are accepted silently, anything else is unknown. */
    {
        const char *p;
        for (p = m->params[1]; *p; p++)
            if (*p != '+' && *p != '-' && *p != 'i' && *p != 'w') {
                irc_numeric(fe, s, "501", NULL, "Unknown MODE flag");
                return;
            }
    }
}

void irc_cmd_mode(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    chat_room *r;

    if (m->nparams < 1 || m->param_len[0] == 0) {
        need_more_params(fe, s, "MODE");
        return;
    }
    if (m->params[0][0] != '#') {
        user_modes(fe, s, m);
        return;
    }
    r = irc_find_room(fe, s, m->params[0], m->param_len[0]);
    if (!r)
        return;
    if (m->nparams < 2)
        channel_modes(fe, s, r);
    else
        change_channel_modes(fe, s, r, m);
}
