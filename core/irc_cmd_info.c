/* irc_cmd_info.c - IRC information commands: the welcome burst (001-005),
 * LUSERS, MOTD, WHO, WHOIS. The ISUPPORT tokens say what natter really
 * enforces (names, rooms, topics, the one prefix @). */
#include "core/irc_internal.h"

#include <stdio.h>
#include <string.h>

/* 005 tokens, in two lines (a line holds at most 13 tokens). */
static void send_isupport(irc_fe *fe, irc_session *s)
{
    char line1[400];
    char line2[200];

    /* NICKLEN and CHANNELLEN count characters, as natter does (names are
     * also at most 64 bytes of UTF-8); TOPICLEN, KICKLEN and AWAYLEN bytes.
     * UTF8ONLY: natter keeps non-ASCII names and sanitises everything
     * else to UTF-8. */
    snprintf(line1, sizeof line1,
             "CASEMAPPING=ascii CHANTYPES=# CHANMODES=,,,nt PREFIX=(o)@ NETWORK=%s "
             "NICKLEN=%d CHANNELLEN=%d TOPICLEN=%d KICKLEN=%d AWAYLEN=%d CHANLIMIT=#:%d",
             fe->network, NAME_MAX_CHARS, ROOM_NAME_MAX_CHARS + 1, CHAT_TOPIC_MAX_BYTES,
             CHAT_REASON_MAX_BYTES, CHAT_AWAY_MAX_BYTES, CHAT_MAX_ROOMS_PER_USER);
    snprintf(line2, sizeof line2, "UTF8ONLY");
    irc_numeric_begin(fe, s, "005");
    tb_putc(&fe->line, ' ');
    tb_puts(&fe->line, line1);
    irc_trailing(fe, "are supported by this server");
    irc_send(fe, s);
    irc_numeric_begin(fe, s, "005");
    tb_putc(&fe->line, ' ');
    tb_puts(&fe->line, line2);
    irc_trailing(fe, "are supported by this server");
    irc_send(fe, s);
}

static void numeric_size(irc_fe *fe, irc_session *s, const char *numeric, size_t n,
                         const char *text)
{
    irc_numeric_begin(fe, s, numeric);
    tb_putc(&fe->line, ' ');
    tb_put_size(&fe->line, n);
    irc_trailing(fe, text);
    irc_send(fe, s);
}

void irc_cmd_lusers(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    size_t users = chat_user_count(fe->chat);

    (void)m;
    irc_numeric_begin(fe, s, "251");
    tb_puts(&fe->line, " :There are ");
    tb_put_size(&fe->line, users);
    tb_puts(&fe->line, " users and 0 invisible on 1 servers");
    irc_send(fe, s);
    numeric_size(fe, s, "252", 0, "operator(s) online");
    numeric_size(fe, s, "253", fe->count - fe->registered, "unknown connection(s)");
    numeric_size(fe, s, "254", chat_room_count(fe->chat), "channels formed");
    irc_numeric_begin(fe, s, "255");
    tb_puts(&fe->line, " :I have ");
    tb_put_size(&fe->line, users);
    tb_puts(&fe->line, " clients and 0 servers");
    irc_send(fe, s);
}

void irc_cmd_motd(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    const char *p;

    (void)m;
    if (!fe->motd) {
        irc_numeric(fe, s, "422", NULL, "MOTD File is missing");
        return;
    }
    irc_numeric_begin(fe, s, "375");
    tb_puts(&fe->line, " :- ");
    tb_puts(&fe->line, fe->server_name);
    tb_puts(&fe->line, " Message of the day - ");
    irc_send(fe, s);
    for (p = fe->motd; *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        irc_numeric_begin(fe, s, "372");
        tb_puts(&fe->line, " :- ");
        /* One MOTD line per 372, cut to fit 512 bytes. */
        tb_append_sanitized(&fe->line, p, n > 400 ? 400 : n);
        irc_send(fe, s);
        p = end ? end + 1 : p + strlen(p);
    }
    irc_numeric(fe, s, "376", NULL, "End of /MOTD command.");
}

void irc_send_welcome(irc_fe *fe, irc_session *s)
{
    irc_numeric_begin(fe, s, "001");
    tb_puts(&fe->line, " :Welcome to the ");
    tb_puts(&fe->line, fe->network);
    tb_puts(&fe->line, " Network, ");
    irc_put_mask(&fe->line, s->user);
    irc_send(fe, s);
    irc_numeric_begin(fe, s, "002");
    tb_puts(&fe->line, " :Your host is ");
    tb_puts(&fe->line, fe->server_name);
    tb_puts(&fe->line, ", running version natter-");
    tb_puts(&fe->line, fe->version);
    irc_send(fe, s);
    irc_numeric_begin(fe, s, "003");
    tb_puts(&fe->line, " :This server was created ");
    tb_puts(&fe->line, fe->created);
    irc_send(fe, s);
    irc_numeric_begin(fe, s, "004");
    irc_param(fe, fe->server_name);
    tb_puts(&fe->line, " natter-");
    tb_puts(&fe->line, fe->version);
    /* No user modes; channel modes n and t, and o with a parameter. */
    tb_puts(&fe->line, " iw nto o");
    irc_send(fe, s);
    send_isupport(fe, s);
    irc_cmd_lusers(fe, s, NULL);
    irc_cmd_motd(fe, s, NULL);
}

/* ---- WHO and WHOIS ---------------------------------------------------------- */

/* 352: "<client> <channel> <user> <host> <server> <nick> <flags> :0 <realname>" */
static void who_reply(irc_fe *fe, irc_session *s, const char *channel, chat_user *u, bool op)
{
    irc_numeric_begin(fe, s, "352");
    irc_param(fe, channel);
    irc_param(fe, chat_user_ident(u));
    irc_param(fe, chat_user_host(u));
    irc_param(fe, fe->server_name);
    irc_param(fe, chat_user_name(u));
    tb_putc(&fe->line, ' ');
    tb_putc(&fe->line, chat_user_away(u) ? 'G' : 'H');
    if (op)
        tb_putc(&fe->line, '@');
    tb_puts(&fe->line, " :0 ");
    tb_puts(&fe->line, chat_user_realname(u));
    irc_send(fe, s);
}

void irc_cmd_who(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    const char *mask = m->nparams > 0 ? m->params[0] : "*";
    size_t len = m->nparams > 0 ? m->param_len[0] : 1;

    if (mask[0] == '#') {
        chat_room *r = chat_find_room(fe->chat, mask, len);
        if (r) {
            chat_member *mem;
            for (mem = chat_room_members(r); mem; mem = chat_member_next_in_room(mem))
                who_reply(fe, s, chat_room_name(r), chat_member_user(mem),
                          chat_member_is_operator(mem));
        }
    } else {
        chat_user *u = chat_find_user(fe->chat, mask, len);
        if (u) {
            chat_member *first = chat_user_rooms(u);
            who_reply(fe, s, first ? chat_room_name(chat_member_room(first)) : "*", u,
                      first && chat_member_is_operator(first));
        }
    }
    irc_numeric_echo(fe, s, "315", mask, len, "End of /WHO list");
}

void irc_cmd_whois(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    const char *nick;
    size_t len;
    chat_user *u;
    chat_member *mem;

    if (m->nparams < 1 || m->param_len[0] == 0) {
        irc_numeric(fe, s, "431", NULL, "No nickname given");
        return;
    }
    /* "WHOIS server nick" asks a given server: there is only this one. */
    nick = m->params[m->nparams > 1 ? 1 : 0];
    len = m->param_len[m->nparams > 1 ? 1 : 0];
    u = chat_find_user(fe->chat, nick, len);
    if (!u) {
        irc_numeric_echo(fe, s, "401", nick, len, "No such nick/channel");
        irc_numeric_echo(fe, s, "318", nick, len, "End of /WHOIS list");
        return;
    }
    irc_numeric_begin(fe, s, "311");
    irc_param(fe, chat_user_name(u));
    irc_param(fe, chat_user_ident(u));
    irc_param(fe, chat_user_host(u));
    irc_param(fe, "*");
    irc_trailing(fe, chat_user_realname(u));
    irc_send(fe, s);
    if ((mem = chat_user_rooms(u)) != NULL) {
        irc_numeric_begin(fe, s, "319");
        irc_param(fe, chat_user_name(u));
        tb_puts(&fe->line, " :");
        size_t start = fe->line.len;
        for (; mem; mem = chat_member_next_of_user(mem)) {
            /* Keep the line within 512 bytes; the rest is left out. */
            if (fe->line.len > 440)
                break;
            if (fe->line.len > start)
                tb_putc(&fe->line, ' ');
            if (chat_member_is_operator(mem))
                tb_putc(&fe->line, '@');
            tb_puts(&fe->line, chat_room_name(chat_member_room(mem)));
        }
        irc_send(fe, s);
    }
    irc_numeric_begin(fe, s, "312");
    irc_param(fe, chat_user_name(u));
    irc_param(fe, fe->server_name);
    irc_trailing(fe, fe->network);
    irc_send(fe, s);
    if (chat_user_away(u)) {
        irc_numeric_begin(fe, s, "301");
        irc_param(fe, chat_user_name(u));
        irc_trailing(fe, chat_user_away(u));
        irc_send(fe, s);
    }
    irc_numeric(fe, s, "318", chat_user_name(u), "End of /WHOIS list");
}
