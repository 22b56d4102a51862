/* natter_cmd_users.c - natter commands about people rather than rooms:
 * /nick, /msg, /me, /help (/quit is in natter_fe.c, next to the session
 * lifetime it ends). */
#include "core/natter_internal.h"

#include <string.h>

void nfe_cmd_nick(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    chat_result r;

    nfe_trim_trailing(arg, &n);
    if (n == 0) {
        nfe_reply(fe, s, "! Usage: /nick NEW", (const char *)NULL);
        return;
    }
    nfe_begin(fe);
    tb_puts(&fe->line, "! ");
    if (nfe_append_name_problem(fe, s, arg, n)) {
        nfe_end_send(fe, s);
        return;
    }
    if (n == chat_user_name_len(s->user) && memcmp(arg, chat_user_name(s->user), n) == 0) {
        nfe_reply(fe, s, "*** You are already ", chat_user_name(s->user), ".", (const char *)NULL);
        return;
    }
    r = chat_user_rename(fe->chat, s->user, arg, n);
    if (r != CHAT_OK && r != CHAT_PENDING)
        nfe_reply(fe, s, "! The server is out of memory; your name is unchanged.",
                  (const char *)NULL);
}

void nfe_cmd_msg(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    const char *target_name;
    size_t target_len;
    chat_user *to;

    nfe_split_word(&arg, &n, &target_name, &target_len);
    if (target_len == 0 || n == 0) {
        nfe_reply(fe, s, "! Usage: /msg NAME TEXT", (const char *)NULL);
        return;
    }
    to = chat_find_user(fe->chat, target_name, target_len);
    if (!to) {
        nfe_begin(fe);
        tb_puts(&fe->line, "! No user named ");
        tb_append_echo(&fe->line, target_name, target_len, NATTER_ECHO_MAX_CHARS);
        tb_puts(&fe->line, ".");
        nfe_end_send(fe, s);
        return;
    }
    if (chat_private(fe->chat, s->user, to, arg, n) != CHAT_OK)
        nfe_reply(fe, s, "! The server is out of memory; not sent.", (const char *)NULL);
}

void nfe_cmd_me(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    if (n == 0) {
        nfe_reply(fe, s, "! Usage: /me TEXT", (const char *)NULL);
        return;
    }
    nfe_say(fe, s, arg, n, true);
}

void nfe_cmd_help(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    (void)arg;
    (void)n;
    /* One send for the whole list: it is several complete lines. */
    nfe_begin(fe);
    tb_puts(&fe->line,
            "*** Commands:\r\n"
            "***   /join ROOM            join ROOM (created if new) and talk there\r\n"
            "***   /part [ROOM] [TEXT]   leave ROOM (default: the current room; also /leave)\r\n"
            "***   /rooms                list the rooms (also /list)\r\n"
            "***   /who [ROOM]           list a room's members, @ marks operators (also /names)\r\n"
            "***   /topic [TEXT]         show or set the current room's topic\r\n"
            "***   /msg NAME TEXT        send TEXT to NAME only\r\n"
            "***   /me TEXT              act: shown as \"* NAME TEXT\"\r\n"
            "***   /nick NEW             change your name\r\n"
            "***   /kick NAME [REASON]   operators: remove NAME from the current room\r\n"
            "***   /op NAME, /deop NAME  operators: give or take operator status\r\n"
            "***   /quit [TEXT]          leave, optionally saying why\r\n"
            "***   /help                 this list\r\n"
            "*** Any other line goes to your current room; start it with // to send a line "
            "beginning with /.\r\n");
    nfe_send_line(fe, s);
}
