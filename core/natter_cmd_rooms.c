/* natter_cmd_rooms.c - natter commands about rooms: /join, /part, /rooms,
 * /topic, /who, /kick, /op, /deop, plain lines to the current room, and
 * what a joiner is shown (topic, members, history). */
#include "core/natter_internal.h"

#include <string.h>

#include "core/names.h"

/* Member names per "*** Members of" line, so a 10,000-member room is many
 * readable lines rather than one line bigger than clients accept. */
#define MEMBERS_LINE_BYTES 400

static const char NO_ROOM[] = "! You are in no room. Type /join ROOM.";

/* "rust" means "#rust": the room name for a word, in fe->arg. */
static const char *room_word(natter_fe *fe, const char *word, size_t len, size_t *out_len)
{
    tb_reset(&fe->arg);
    if (len == 0 || word[0] != '#')
        tb_putc(&fe->arg, '#');
    tb_append(&fe->arg, word, len);
    if (!tb_ok(&fe->arg)) {
        *out_len = 0;
        return "";
    }
    *out_len = fe->arg.len;
    return fe->arg.data;
}

static void reply_bad_room_name(natter_fe *fe, natter_session *s, const char *name, size_t n)
{
    char msg[160];
    const char *text =
        room_name_status_message(chat_check_room_name(name, n), name, n, msg, sizeof msg);

    nfe_begin(fe);
    tb_puts(&fe->line, "! ");
    tb_append_sanitized(&fe->line, text, strlen(text));
    nfe_end_send(fe, s);
}

static void reply_no_room(natter_fe *fe, natter_session *s, const char *name, size_t n)
{
    nfe_begin(fe);
    tb_puts(&fe->line, "! No room named ");
    tb_append_echo(&fe->line, name, n, NATTER_ECHO_MAX_CHARS);
    tb_puts(&fe->line, ".");
    nfe_end_send(fe, s);
}

/* The room a command names (word non-empty) or the current room. NULL after
 * telling the user why there is none. */
static chat_room *named_or_current(natter_fe *fe, natter_session *s, const char *word, size_t len)
{
    size_t n;
    const char *name;
    chat_room *r;

    if (len == 0) {
        if (!s->current)
            nfe_reply(fe, s, NO_ROOM, (const char *)NULL);
        return s->current;
    }
    name = room_word(fe, word, len, &n);
    r = chat_find_room(fe->chat, name, n);
    if (!r)
        reply_no_room(fe, s, name, n);
    return r;
}

/* ---- what a joiner sees ----------------------------------------------- */

static void send_topic(natter_fe *fe, natter_session *s, chat_room *r, bool say_none)
{
    size_t len;
    const char *topic = chat_room_topic(r, &len);

    nfe_begin(fe);
    if (len == 0) {
        if (!say_none)
            return;
        tb_puts(&fe->line, "*** ");
        tb_puts(&fe->line, chat_room_name(r));
        tb_puts(&fe->line, " has no topic.");
    } else {
        tb_puts(&fe->line, "*** Topic of ");
        tb_puts(&fe->line, chat_room_name(r));
        tb_puts(&fe->line, ": ");
        tb_append(&fe->line, topic, len);
        tb_puts(&fe->line, " (set by ");
        tb_puts(&fe->line, chat_room_topic_setter(r));
        tb_puts(&fe->line, ", ");
        nfe_put_datetime(fe, &fe->line, chat_room_topic_time(r));
        tb_puts(&fe->line, ")");
    }
    nfe_end_send(fe, s);
}

static void members_line_start(natter_fe *fe, chat_room *r)
{
    nfe_begin(fe);
    tb_puts(&fe->line, "*** Members of ");
    tb_puts(&fe->line, chat_room_name(r));
    tb_puts(&fe->line, " (");
    tb_put_size(&fe->line, chat_room_member_count(r));
    tb_puts(&fe->line, chat_room_member_count(r) > 0 ? "): " : ").");
}

/* "*** Members of #rust (3): @bob, carol, alice", longest-present first,
 * over several lines in a big room. */
static void send_members(natter_fe *fe, natter_session *s, chat_room *r)
{
    chat_member *m;
    size_t start;
    bool first = true;

    members_line_start(fe, r);
    start = fe->line.len;
    for (m = chat_room_members(r); m; m = chat_member_next_in_room(m)) {
        if (fe->line.len - start > MEMBERS_LINE_BYTES) {
            nfe_end_send(fe, s);
            members_line_start(fe, r);
            first = true;
        }
        if (!first)
            tb_puts(&fe->line, ", ");
        if (chat_member_is_operator(m))
            tb_putc(&fe->line, '@');
        tb_puts(&fe->line, chat_user_name(chat_member_user(m)));
        first = false;
    }
    nfe_end_send(fe, s);
}

typedef struct replay_ctx {
    natter_fe *fe;
    natter_session *s;
} replay_ctx;

static void replay_line(void *arg, const chat_event *ev)
{
    replay_ctx *rc = (replay_ctx *)arg;

    if (nfe_format_event(rc->fe, &rc->fe->line, ev, false, false))
        nfe_send_line(rc->fe, rc->s);
}

/* The room's history, exactly as first sent, between two "***" lines so a
 * script can tell it from live lines. It goes to the joiner's own output
 * queue like any output, so a replay can never stall anyone else. */
static void send_history(natter_fe *fe, natter_session *s, chat_room *r)
{
    size_t n = chat_room_history_count(r);
    replay_ctx rc;

    if (n == 0)
        return;
    nfe_begin(fe);
    tb_puts(&fe->line, "*** History of ");
    tb_puts(&fe->line, chat_room_name(r));
    tb_puts(&fe->line, " (");
    tb_put_size(&fe->line, n);
    tb_puts(&fe->line, n == 1 ? " line):" : " lines):");
    nfe_end_send(fe, s);
    rc.fe = fe;
    rc.s = s;
    chat_replay_history(fe->chat, r, replay_line, &rc);
    nfe_reply(fe, s, "*** End of history of ", chat_room_name(r), ".", (const char *)NULL);
}

/* The joiner's view of a room just joined: topic, members, history, and it
 * becomes the current room. */
void nfe_joined_room(void *ctx, void *session, chat_user *user, chat_room *room)
{
    natter_fe *fe = (natter_fe *)ctx;
    natter_session *s = (natter_session *)session;
    (void)user;
    send_topic(fe, s, room, false);
    send_members(fe, s, room);
    send_history(fe, s, room);
    nfe_set_current(fe, s, room);
}

void nfe_join(natter_fe *fe, natter_session *s, const char *name, size_t len)
{
    chat_room *r;
    chat_result res = chat_join(fe->chat, s->user, name, len, &r);

    switch (res) {
    case CHAT_OK:
    case CHAT_PENDING:
        break; /* nfe_joined_room shows the room (cluster mode: once it is ours) */
    case CHAT_ERR_ALREADY_MEMBER:
        /* Joining a room you are in only makes it current. */
        nfe_set_current(fe, s, r);
        break;
    default:
        nfe_join_refused(fe, s, res, name, len);
        break;
    }
}

void nfe_join_refused(natter_fe *fe, natter_session *s, chat_result res, const char *name,
                      size_t len)
{
    switch (res) {
    case CHAT_ERR_BAD_ROOM_NAME:
        reply_bad_room_name(fe, s, name, len);
        break;
    case CHAT_ERR_TOO_MANY_ROOMS:
        nfe_begin(fe);
        tb_puts(&fe->line, "! Too many rooms (limit ");
        tb_put_size(&fe->line, chat_room_count(fe->chat));
        tb_puts(&fe->line, ").");
        nfe_end_send(fe, s);
        break;
    case CHAT_ERR_TOO_MANY_JOINED:
        nfe_begin(fe);
        tb_puts(&fe->line, "! You are in too many rooms (limit ");
        tb_put_size(&fe->line, CHAT_MAX_ROOMS_PER_USER);
        tb_puts(&fe->line, "). Leave one with /part first.");
        nfe_end_send(fe, s);
        break;
    default:
        nfe_reply(fe, s, "! The server is out of memory.", (const char *)NULL);
        break;
    }
}

/* ---- commands ----------------------------------------------------------- */

void nfe_cmd_join(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    const char *word, *name;
    size_t word_len, len;

    nfe_split_word(&arg, &n, &word, &word_len);
    if (word_len == 0) {
        nfe_reply(fe, s, "! Usage: /join ROOM", (const char *)NULL);
        return;
    }
    name = room_word(fe, word, word_len, &len);
    nfe_join(fe, s, name, len);
}

/* The user left a room (part or kick): if it was the current one, the room
 * joined most recently among those left becomes current. */
void nfe_left_room(void *ctx, void *session, chat_user *user, chat_room *room)
{
    natter_fe *fe = (natter_fe *)ctx;
    natter_session *s = (natter_session *)session;
    chat_member *last = chat_user_rooms_last(user);

    if (s->current != room)
        return;
    nfe_set_current(fe, s, last ? chat_member_room(last) : NULL);
}

void nfe_cmd_part(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    const char *word, *rest = arg, *name;
    size_t word_len, rest_len = n, len;
    chat_room *r = s->current;

    /* "/part #rust bye", "/part rust" (a room you are in), or "/part bye"
     * (the current room, with parting words). */
    nfe_split_word(&rest, &rest_len, &word, &word_len);
    if (word_len > 0) {
        name = room_word(fe, word, word_len, &len);
        chat_room *named = chat_find_room(fe->chat, name, len);
        if (word[0] == '#' || (named && chat_membership(s->user, named))) {
            if (!named) {
                reply_no_room(fe, s, name, len);
                return;
            }
            r = named;
            arg = rest;
            n = rest_len;
        }
    }
    if (!r) {
        nfe_reply(fe, s, NO_ROOM, (const char *)NULL);
        return;
    }
    nfe_trim_trailing(arg, &n);
    if (chat_part(fe->chat, s->user, r, arg, n) == CHAT_ERR_NOT_MEMBER)
        nfe_reply(fe, s, "! You are not in ", chat_room_name(r), ".", (const char *)NULL);
}

void nfe_cmd_rooms(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    chat_room *r;

    (void)arg;
    (void)n;
    nfe_begin(fe);
    tb_puts(&fe->line, "*** Rooms (");
    tb_put_size(&fe->line, chat_room_count(fe->chat));
    tb_puts(&fe->line, "):");
    nfe_end_send(fe, s);
    for (r = chat_room_first(fe->chat); r; r = chat_room_next(r)) {
        size_t topic_len;
        const char *topic = chat_room_topic(r, &topic_len);
        nfe_begin(fe);
        tb_puts(&fe->line, "***   ");
        tb_puts(&fe->line, chat_room_name(r));
        tb_puts(&fe->line, " (");
        tb_put_size(&fe->line, chat_room_member_count(r));
        tb_puts(&fe->line, ")");
        if (topic_len > 0) {
            tb_puts(&fe->line, ": ");
            tb_append(&fe->line, topic, topic_len);
        }
        nfe_end_send(fe, s);
    }
    nfe_reply(fe, s, "*** End of rooms.", (const char *)NULL);
}

void nfe_cmd_topic(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    chat_room *r = s->current;

    if (!r) {
        nfe_reply(fe, s, NO_ROOM, (const char *)NULL);
        return;
    }
    nfe_trim_trailing(arg, &n);
    if (n == 0) {
        send_topic(fe, s, r, true);
        return;
    }
    switch (chat_set_topic(fe->chat, s->user, r, arg, n)) {
    case CHAT_OK:
        break;
    case CHAT_ERR_NOT_OPERATOR:
        nfe_reply(fe, s, "! You are not an operator of ", chat_room_name(r), ".",
                  (const char *)NULL);
        break;
    case CHAT_ERR_TOO_LONG:
        nfe_begin(fe);
        tb_puts(&fe->line, "! Topic too long (max ");
        tb_put_size(&fe->line, CHAT_TOPIC_MAX_BYTES);
        tb_puts(&fe->line, " bytes).");
        nfe_end_send(fe, s);
        break;
    default:
        nfe_reply(fe, s, "! The server is out of memory.", (const char *)NULL);
        break;
    }
}

void nfe_cmd_who(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    const char *word;
    size_t word_len;
    chat_room *r;

    nfe_split_word(&arg, &n, &word, &word_len);
    r = named_or_current(fe, s, word, word_len);
    if (r)
        send_members(fe, s, r);
}

/* For /kick, /op, /deop: the current room and the member NAME in it. */
static bool operator_target(natter_fe *fe, natter_session *s, const char **arg, size_t *n,
                            const char *usage, chat_room **room, chat_user **target)
{
    const char *word;
    size_t word_len;
    chat_user *u;

    nfe_split_word(arg, n, &word, &word_len);
    if (word_len == 0) {
        nfe_reply(fe, s, usage, (const char *)NULL);
        return false;
    }
    if (!s->current) {
        nfe_reply(fe, s, NO_ROOM, (const char *)NULL);
        return false;
    }
    if (!chat_is_operator(s->user, s->current)) {
        nfe_reply(fe, s, "! You are not an operator of ", chat_room_name(s->current), ".",
                  (const char *)NULL);
        return false;
    }
    u = chat_find_user(fe->chat, word, word_len);
    if (!u || !chat_membership(u, s->current)) {
        nfe_begin(fe);
        tb_puts(&fe->line, "! No user named ");
        tb_append_echo(&fe->line, word, word_len, NATTER_ECHO_MAX_CHARS);
        tb_puts(&fe->line, " in ");
        tb_puts(&fe->line, chat_room_name(s->current));
        tb_puts(&fe->line, ".");
        nfe_end_send(fe, s);
        return false;
    }
    *room = s->current;
    *target = u;
    return true;
}

void nfe_cmd_kick(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    chat_room *r;
    chat_user *u;

    if (!operator_target(fe, s, &arg, &n, "! Usage: /kick NAME [REASON]", &r, &u))
        return;
    nfe_trim_trailing(arg, &n);
    if (chat_kick(fe->chat, s->user, r, u, arg, n) != CHAT_OK)
        nfe_reply(fe, s, "! The server is out of memory.", (const char *)NULL);
}

static void set_operator(natter_fe *fe, natter_session *s, const char *arg, size_t n, bool on)
{
    chat_room *r;
    chat_user *u;

    if (!operator_target(fe, s, &arg, &n, on ? "! Usage: /op NAME" : "! Usage: /deop NAME", &r, &u))
        return;
    if (chat_is_operator(u, r) == on) {
        nfe_reply(fe, s, "*** ", chat_user_name(u), on ? " is already" : " is not",
                  " an operator of ", chat_room_name(r), ".", (const char *)NULL);
        return;
    }
    if (!on && chat_room_member_count(r) == 1) {
        nfe_reply(fe, s, "*** You are alone in ", chat_room_name(r),
                  ": somebody has to be its operator.", (const char *)NULL);
        return;
    }
    (void)chat_set_operator(fe->chat, s->user, r, u, on);
}

void nfe_cmd_op(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    set_operator(fe, s, arg, n, true);
}

void nfe_cmd_deop(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    set_operator(fe, s, arg, n, false);
}

void nfe_say(natter_fe *fe, natter_session *s, const char *text, size_t n, bool action)
{
    if (!s->current) {
        nfe_reply(fe, s, NO_ROOM, (const char *)NULL);
        return;
    }
    if (chat_say(fe->chat, s->user, s->current, text, n, action) != CHAT_OK)
        nfe_reply(fe, s, "! The server is out of memory; not sent.", (const char *)NULL);
}
