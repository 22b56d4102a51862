/* irc_cmd_message.c - IRC messages between people: PRIVMSG and NOTICE to
 * channels and nicks (CTCP ACTION is natter's /me), AWAY, and NICK changes
 * after registration. */
#include "core/irc_internal.h"

#include <string.h>

/* "\x01ACTION text\x01" -> text; other CTCP messages are not relayed
 * (natter terminals cannot show them, and a CTCP flood must reach nobody). */
typedef enum ctcp_kind { CTCP_NONE, CTCP_ACTION, CTCP_OTHER } ctcp_kind;

static ctcp_kind ctcp(char **text, size_t *len)
{
    char *t = *text;
    size_t n = *len;

    if (n == 0 || t[0] != 0x01)
        return CTCP_NONE;
    t++;
    n--;
    if (n > 0 && t[n - 1] == 0x01)
        n--;
    if (n >= 6 && memcmp(t, "ACTION", 6) == 0 && (n == 6 || t[6] == ' ')) {
        *text = t + (n > 6 ? 7 : 6);
        *len = n > 6 ? n - 7 : 0;
        return CTCP_ACTION;
    }
    return CTCP_OTHER;
}

static void message(irc_fe *fe, irc_session *s, const irc_msg *m, bool notice)
{
    const char *list, *item;
    char *text;
    size_t len, item_len;
    ctcp_kind kind;

    /* NOTICE never gets an error reply (RFC 2812 3.3.2), so bots cannot
     * loop on each other. */
    if (m->nparams < 1 || m->param_len[0] == 0) {
        if (!notice)
            irc_numeric(fe, s, "411", NULL, "No recipient given (PRIVMSG)");
        return;
    }
    if (m->nparams < 2 || m->param_len[1] == 0) {
        if (!notice)
            irc_numeric(fe, s, "412", NULL, "No text to send");
        return;
    }
    text = (char *)m->params[1];
    len = irc_strip_formatting(text, m->param_len[1]);
    kind = ctcp(&text, &len);
    if (kind == CTCP_OTHER)
        return;
    if (len == 0) {
        if (!notice)
            irc_numeric(fe, s, "412", NULL, "No text to send");
        return;
    }
    list = m->params[0];
    while (irc_next_item(&list, &item, &item_len)) {
        if (item[0] == '#') {
            chat_room *r = chat_find_room(fe->chat, item, item_len);
            chat_result res;
            if (!r) {
                if (!notice)
                    irc_numeric_echo(fe, s, "403", item, item_len, "No such channel");
                continue;
            }
            if (kind == CTCP_ACTION)
                res = chat_say(fe->chat, s->user, r, text, len, true);
            else if (notice)
                res = chat_notice(fe->chat, s->user, r, text, len);
            else
                res = chat_say(fe->chat, s->user, r, text, len, false);
            if (res == CHAT_ERR_NOT_MEMBER && !notice)
                irc_numeric(fe, s, "404", chat_room_name(r), "Cannot send to channel");
        } else {
            chat_user *to = chat_find_user(fe->chat, item, item_len);
            if (!to) {
                if (!notice)
                    irc_numeric_echo(fe, s, "401", item, item_len, "No such nick/channel");
                continue;
            }
            if (notice) {
                chat_private_notice(fe->chat, s->user, to, text, len);
            } else if (kind == CTCP_ACTION) {
                /* natter has no private /me: the text says who acts. */
                tb_reset(&fe->scratch);
                tb_puts(&fe->scratch, "* ");
                tb_puts(&fe->scratch, chat_user_name(s->user));
                tb_putc(&fe->scratch, ' ');
                tb_append(&fe->scratch, text, len);
                if (tb_ok(&fe->scratch))
                    chat_private(fe->chat, s->user, to, fe->scratch.data, fe->scratch.len);
            } else {
                chat_private(fe->chat, s->user, to, text, len);
            }
            if (!notice && chat_user_away(to)) {
                irc_numeric_begin(fe, s, "301");
                irc_param(fe, chat_user_name(to));
                irc_trailing(fe, chat_user_away(to));
                irc_send(fe, s);
            }
        }
    }
}

void irc_cmd_privmsg(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    message(fe, s, m, false);
}

void irc_cmd_notice(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    message(fe, s, m, true);
}

void irc_cmd_away(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    if (m->nparams < 1 || m->param_len[0] == 0) {
        chat_user_set_away(fe->chat, s->user, NULL, 0);
        irc_numeric(fe, s, "305", NULL, "You are no longer marked as being away");
        return;
    }
    chat_user_set_away(fe->chat, s->user, m->params[0], m->param_len[0]);
    irc_numeric(fe, s, "306", NULL, "You have been marked as being away");
}

void irc_cmd_nick_registered(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    name_status st;
    const char *nick = m->params[0];
    size_t len = m->param_len[0];
    chat_result r = chat_check_name(fe->chat, s->user, nick, len, &st);

    if (r == CHAT_ERR_BAD_NAME) {
        irc_numeric_echo(fe, s, "432", nick, len, "Erroneous nickname");
        return;
    }
    if (r == CHAT_ERR_NAME_TAKEN) {
        irc_numeric_echo(fe, s, "433", nick, len, "Nickname is already in use");
        return;
    }
    if (len == chat_user_name_len(s->user) && memcmp(nick, chat_user_name(s->user), len) == 0)
        return; /* the same nick: nothing to do */
    /* Everyone sharing a channel, and the user, get ":old NICK :new". */
    chat_user_rename(fe->chat, s->user, nick, len);
}
