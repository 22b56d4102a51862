/* irc_format.c - the model's events as IRC messages, and what a joiner is
 * shown (topic, names, history).
 *
 * An event reaching many IRC users is formatted once per variant: with or
 * without the server-time tag, and for private messages which side the
 * recipient is on. Text longer than one IRC line allows (natter lines may be
 * 1024 bytes, IRC's are 512 with the prefix) is split into several messages
 * at character boundaries. */
#include "core/irc_internal.h"

#include <string.h>

#define VARIANT_TIME   1
#define VARIANT_ACTOR  2
#define VARIANT_TARGET 4

/* Bytes of text per message: 512 minus CRLF minus a generous prefix budget. */
static size_t text_room(size_t prefix_len)
{
    return prefix_len + 2 + 16 < 512 ? 512 - 2 - prefix_len : 16;
}

static void put_time_tag(text_buf *b, int64_t t)
{
    char when[25];

    irc_utc_time(t, when);
    tb_puts(b, "@time=");
    tb_puts(b, when);
    tb_putc(b, ' ');
}

/* ":nick!ident@host" of the actor, or ":nick" when only the name is known
 * (history), or the server for automatic changes. */
static void put_source(irc_fe *fe, text_buf *b, const chat_event *ev, const char *name)
{
    tb_putc(b, ':');
    if (ev->actor) {
        tb_puts(b, name);
        tb_putc(b, '!');
        tb_puts(b, chat_user_ident(ev->actor));
        tb_putc(b, '@');
        tb_puts(b, chat_user_host(ev->actor));
    } else if (name) {
        tb_puts(b, name);
    } else {
        tb_puts(b, fe->server_name);
    }
}

/* One or more "PREFIX text" lines: text split so no line passes 512 bytes.
 * The prefix (tags, source, command, target, " :") is in pre. */
static void put_split(text_buf *b, const char *pre, size_t pre_len, size_t tag_len,
                      const char *open, const char *text, size_t len, const char *close)
{
    size_t room = text_room(pre_len - tag_len + strlen(open) + strlen(close));

    do {
        size_t n = len > room ? room : len;
        /* Cut at a character boundary. */
        while (n < len && n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
        if (n == 0)
            n = len > room ? room : len;
        tb_append(b, pre, pre_len);
        tb_puts(b, open);
        tb_append(b, text, n);
        tb_puts(b, close);
        tb_puts(b, "\r\n");
        text += n;
        len -= n;
    } while (len > 0);
}

/* A message with text: "[tag] :source COMMAND target :text" (split). */
static void put_text_message(irc_fe *fe, text_buf *b, const chat_event *ev, bool time_tag,
                             const char *command, const char *target, const char *open,
                             const char *close)
{
    text_buf pre = {NULL, 0, 0, false};
    size_t tag_len = 0;

    if (time_tag) {
        put_time_tag(&pre, ev->time);
        tag_len = pre.len;
    }
    put_source(fe, &pre, ev, ev->actor_name);
    tb_putc(&pre, ' ');
    tb_puts(&pre, command);
    tb_putc(&pre, ' ');
    tb_puts(&pre, target);
    tb_puts(&pre, " :");
    if (tb_ok(&pre))
        put_split(b, pre.data, pre.len, tag_len, open, ev->text, ev->text_len, close);
    else
        b->failed = true;
    tb_free(&pre);
}

/* "Quit: words", "Connection closed", "Ping timeout": IRC's QUIT text. */
static void put_quit_reason(text_buf *b, const chat_event *ev)
{
    const char *r = ev->reason ? ev->reason : "quit";

    if (strcmp(r, "quit") == 0) {
        tb_puts(b, "Quit");
        if (ev->text_len > 0) {
            tb_puts(b, ": ");
            tb_append(b, ev->text, ev->text_len);
        }
        return;
    }
    /* natter's reasons are lower case ("connection closed"). */
    if (r[0] >= 'a' && r[0] <= 'z') {
        tb_putc(b, (char)(r[0] - 'a' + 'A'));
        tb_puts(b, r + 1);
    } else {
        tb_puts(b, r);
    }
}

/* The event as IRC lines into b. */
static bool format_event(irc_fe *fe, text_buf *b, const chat_event *ev, int variant)
{
    bool time_tag = (variant & VARIANT_TIME) != 0;
    size_t line_start;

    tb_reset(b);
    switch (ev->kind) {
    case CHAT_SAY:
        put_text_message(fe, b, ev, time_tag, "PRIVMSG", ev->room_name, "", "");
        return tb_ok(b);
    case CHAT_ACTION:
        put_text_message(fe, b, ev, time_tag, "PRIVMSG", ev->room_name,
                         "\x01"
                         "ACTION ",
                         "\x01");
        return tb_ok(b);
    case CHAT_NOTICE:
        put_text_message(fe, b, ev, time_tag, "NOTICE", ev->room_name, "", "");
        return tb_ok(b);
    case CHAT_PRIVATE:
    case CHAT_PRIVATE_NOTICE:
        put_text_message(fe, b, ev, time_tag, ev->kind == CHAT_PRIVATE ? "PRIVMSG" : "NOTICE",
                         ev->target_name, "", "");
        return tb_ok(b);
    default:
        break;
    }
    if (time_tag)
        put_time_tag(b, ev->time);
    line_start = b->len; /* tags do not count toward 512 */
    switch (ev->kind) {
    case CHAT_JOIN:
        put_source(fe, b, ev, ev->actor_name);
        tb_puts(b, " JOIN ");
        tb_puts(b, ev->room_name);
        break;
    case CHAT_PART:
        put_source(fe, b, ev, ev->actor_name);
        tb_puts(b, " PART ");
        tb_puts(b, ev->room_name);
        if (ev->text_len > 0) {
            tb_puts(b, " :");
            tb_append(b, ev->text, ev->text_len);
        }
        break;
    case CHAT_KICK:
        put_source(fe, b, ev, ev->actor_name);
        tb_puts(b, " KICK ");
        tb_puts(b, ev->room_name);
        tb_putc(b, ' ');
        tb_puts(b, ev->target_name);
        tb_puts(b, " :");
        /* IRC shows a kick without reason with the kicker's nick. The
         * reason is cut so the line stays within 512 bytes. */
        if (ev->text_len > 0) {
            size_t used = b->len - line_start, room = used + 2 < 512 ? 510 - used : 0;
            size_t n = ev->text_len > room ? room : ev->text_len;
            while (n < ev->text_len && n > 0 && ((unsigned char)ev->text[n] & 0xC0) == 0x80)
                n--;
            tb_append(b, ev->text, n);
        } else {
            tb_puts(b, ev->actor_name);
        }
        break;
    case CHAT_TOPIC:
        put_source(fe, b, ev, ev->actor_name);
        tb_puts(b, " TOPIC ");
        tb_puts(b, ev->room_name);
        tb_puts(b, " :");
        tb_append(b, ev->text, ev->text_len);
        break;
    case CHAT_OP:
    case CHAT_DEOP:
        put_source(fe, b, ev, ev->actor_name);
        tb_puts(b, " MODE ");
        tb_puts(b, ev->room_name);
        tb_puts(b, ev->kind == CHAT_OP ? " +o " : " -o ");
        tb_puts(b, ev->target_name);
        break;
    case CHAT_TOPIC_RULE:
        put_source(fe, b, ev, ev->actor_name);
        tb_puts(b, " MODE ");
        tb_puts(b, ev->room_name);
        tb_puts(b, ev->flag ? " +t" : " -t");
        break;
    case CHAT_RENAME:
        /* The source is the old nick. */
        put_source(fe, b, ev, ev->old_name);
        tb_puts(b, " NICK :");
        tb_puts(b, ev->actor_name);
        break;
    case CHAT_QUIT:
        put_source(fe, b, ev, ev->actor_name);
        tb_puts(b, " QUIT :");
        put_quit_reason(b, ev);
        break;
    default:
        return false;
    }
    tb_puts(b, "\r\n");
    return tb_ok(b);
}

static bool is_message(chat_event_kind k)
{
    return k == CHAT_SAY || k == CHAT_ACTION || k == CHAT_NOTICE || k == CHAT_PRIVATE ||
           k == CHAT_PRIVATE_NOTICE;
}

void irc_deliver(void *ctx, void *session, const chat_user *to, const chat_event *ev)
{
    irc_fe *fe = (irc_fe *)ctx;
    irc_session *s = (irc_session *)session;
    int variant = 0;

    /* A word from the server to this user: a server notice to the nick. */
    if (ev->kind == CHAT_SYSTEM) {
        tb_reset(&fe->line);
        tb_putc(&fe->line, ':');
        tb_puts(&fe->line, fe->server_name);
        tb_puts(&fe->line, " NOTICE ");
        tb_puts(&fe->line, irc_target_nick(s));
        tb_puts(&fe->line, " :*** ");
        tb_append(&fe->line, ev->text, ev->text_len);
        irc_send(fe, s);
        return;
    }
    /* Without echo-message an IRC client does not get its own messages
     * back (it shows them itself). */
    if (is_message(ev->kind) && ev->actor == to && !(s->caps & IRC_CAP_ECHO_MESSAGE)) {
        if (ev->kind != CHAT_PRIVATE && ev->kind != CHAT_PRIVATE_NOTICE)
            return;
        if (ev->target != to)
            return;
    }
    if (s->caps & IRC_CAP_SERVER_TIME)
        variant |= VARIANT_TIME;
    if (ev->seq != fe->ev_seq || variant != fe->ev_variant || !tb_ok(&fe->ev_line)) {
        fe->ev_seq = ev->seq;
        fe->ev_variant = variant;
        if (!format_event(fe, &fe->ev_line, ev, variant)) {
            fe->ev_seq = 0;
            return;
        }
    }
    fe->io.send(fe->io.ctx, s->conn, fe->ev_line.data, fe->ev_line.len);
}

/* ---- what a joiner sees ----------------------------------------------------- */

void irc_send_topic(irc_fe *fe, irc_session *s, chat_room *r, bool say_none)
{
    size_t len;
    const char *topic = chat_room_topic(r, &len);
    char num[24];
    text_buf *b = &fe->line;

    if (len == 0) {
        if (say_none)
            irc_numeric(fe, s, "331", chat_room_name(r), "No topic is set");
        return;
    }
    irc_numeric_begin(fe, s, "332");
    irc_param(fe, chat_room_name(r));
    irc_trailing_n(fe, topic, len);
    irc_send(fe, s);
    irc_numeric_begin(fe, s, "333");
    irc_param(fe, chat_room_name(r));
    {
        /* nick!user@host while the setter is online, else the nick. */
        const char *setter = chat_room_topic_setter(r);
        chat_user *u = chat_find_user(fe->chat, setter, strlen(setter));
        tb_putc(&fe->line, ' ');
        if (u)
            irc_put_mask(&fe->line, u);
        else
            tb_puts(&fe->line, setter);
    }
    {
        /* Seconds since the epoch, as a decimal. */
        int64_t t = chat_room_topic_time(r);
        char *p = num + sizeof num;
        *--p = '\0';
        if (t < 0)
            t = 0;
        do {
            *--p = (char)('0' + t % 10);
            t /= 10;
        } while (t);
        irc_param(fe, p);
    }
    (void)b;
    irc_send(fe, s);
}

void irc_send_names(irc_fe *fe, irc_session *s, chat_room *r)
{
    chat_member *m;
    bool any = false;
    size_t start = 0;

    for (m = chat_room_members(r); m; m = chat_member_next_in_room(m)) {
        const char *name = chat_user_name(chat_member_user(m));
        if (!any || fe->line.len + strlen(name) + 2 > 480) {
            if (any)
                irc_send(fe, s);
            irc_numeric_begin(fe, s, "353");
            irc_param(fe, "=");
            irc_param(fe, chat_room_name(r));
            tb_puts(&fe->line, " :");
            start = fe->line.len;
            any = true;
        }
        if (fe->line.len > start)
            tb_putc(&fe->line, ' ');
        if (chat_member_is_operator(m))
            tb_putc(&fe->line, '@');
        tb_puts(&fe->line, name);
    }
    if (any)
        irc_send(fe, s);
    irc_numeric(fe, s, "366", chat_room_name(r), "End of /NAMES list");
}

typedef struct replay_ctx {
    irc_fe *fe;
    irc_session *s;
} replay_ctx;

/* History: a client with server-time gets the original messages with their
 * original time tags; one without gets NOTICEs naming time and author. A
 * topic change is always a NOTICE: replaying TOPIC would set an old topic. */
static void replay_line(void *arg, const chat_event *ev)
{
    replay_ctx *rc = (replay_ctx *)arg;
    irc_fe *fe = rc->fe;
    text_buf *b = &fe->line;

    if ((rc->s->caps & IRC_CAP_SERVER_TIME) && ev->kind != CHAT_TOPIC) {
        if (format_event(fe, b, ev, VARIANT_TIME))
            fe->io.send(fe->io.ctx, rc->s->conn, b->data, b->len);
        return;
    }
    {
        char date[11] = "1970-01-01", hms[9] = "00:00:00";
        chat_event note = *ev;
        text_buf text = {NULL, 0, 0, false};

        if (fe->io.local_time)
            fe->io.local_time(fe->io.ctx, ev->time, date, hms);
        tb_putc(&text, '[');
        tb_puts(&text, date);
        tb_putc(&text, ' ');
        tb_puts(&text, hms);
        tb_puts(&text, "] ");
        if (ev->kind == CHAT_SAY) {
            tb_putc(&text, '<');
            tb_puts(&text, ev->actor_name);
            tb_puts(&text, "> ");
        } else if (ev->kind == CHAT_ACTION) {
            tb_puts(&text, "* ");
            tb_puts(&text, ev->actor_name);
            tb_putc(&text, ' ');
        } else {
            tb_puts(&text, ev->actor_name);
            tb_puts(&text, " set the topic: ");
        }
        tb_append(&text, ev->text, ev->text_len);
        if (tb_ok(&text)) {
            note.actor = NULL;
            note.actor_name = NULL;
            note.text = text.data;
            note.text_len = text.len;
            tb_reset(b);
            put_text_message(fe, b, &note, (rc->s->caps & IRC_CAP_SERVER_TIME) != 0, "NOTICE",
                             ev->room_name, "", "");
            if (tb_ok(b))
                fe->io.send(fe->io.ctx, rc->s->conn, b->data, b->len);
        }
        tb_free(&text);
    }
}

void irc_send_join_info(irc_fe *fe, irc_session *s, chat_room *r)
{
    replay_ctx rc;

    irc_send_topic(fe, s, r, false);
    irc_send_names(fe, s, r);
    rc.fe = fe;
    rc.s = s;
    chat_replay_history(fe->chat, r, replay_line, &rc);
}
