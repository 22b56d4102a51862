/* natter_format.c - the model's events as natter protocol lines, and their
 * delivery. An event reaching many natter users is formatted once: the line
 * is kept with the event's sequence number (and, for private messages, which
 * side the recipient is on) and reused for every further recipient. */
#include "core/natter_internal.h"

#include <string.h>

static void local_time(natter_fe *fe, int64_t t, char date[11], char hms[9])
{
    memcpy(date, "1970-01-01", 11);
    memcpy(hms, "00:00:00", 9);
    if (fe->io.local_time)
        fe->io.local_time(fe->io.ctx, t, date, hms);
    date[10] = '\0';
    hms[8] = '\0';
}

void nfe_put_stamp(natter_fe *fe, text_buf *b, int64_t t, bool replay)
{
    char date[11], hms[9];

    local_time(fe, t, date, hms);
    tb_putc(b, '[');
    if (replay) {
        /* A history line from an earlier day says which day. */
        char today[11], now_hms[9];
        local_time(fe, chat_now(fe->chat), today, now_hms);
        if (strcmp(today, date) != 0) {
            tb_puts(b, date);
            tb_putc(b, ' ');
        }
    }
    tb_puts(b, hms);
    tb_puts(b, "] ");
}

void nfe_put_datetime(natter_fe *fe, text_buf *b, int64_t t)
{
    char date[11], hms[9];

    local_time(fe, t, date, hms);
    tb_puts(b, date);
    tb_putc(b, ' ');
    tb_puts(b, hms);
}

/* " (REASON)" or " (REASON: TEXT)" */
static void put_reason(text_buf *b, const char *reason, const chat_event *ev)
{
    tb_puts(b, " (");
    tb_puts(b, reason);
    if (ev->text_len > 0) {
        tb_puts(b, ": ");
        tb_append(b, ev->text, ev->text_len);
    }
    tb_putc(b, ')');
}

bool nfe_format_event(natter_fe *fe, text_buf *b, const chat_event *ev, bool to_actor,
                      bool to_target)
{
    tb_reset(b);
    if (ev->kind == CHAT_PRIVATE || ev->kind == CHAT_PRIVATE_NOTICE) {
        /* The target sees "*FROM* text", the sender "-> *TO* text"; someone
         * writing to themselves gets both. A notice is "-FROM-". */
        char mark = ev->kind == CHAT_PRIVATE ? '*' : '-';
        if (to_target) {
            nfe_put_stamp(fe, b, ev->time, false);
            tb_putc(b, mark);
            tb_puts(b, ev->actor_name);
            tb_putc(b, mark);
            tb_putc(b, ' ');
            tb_append(b, ev->text, ev->text_len);
            tb_puts(b, "\r\n");
        }
        if (to_actor) {
            nfe_put_stamp(fe, b, ev->time, false);
            tb_puts(b, "-> ");
            tb_putc(b, mark);
            tb_puts(b, ev->target_name);
            tb_putc(b, mark);
            tb_putc(b, ' ');
            tb_append(b, ev->text, ev->text_len);
            tb_puts(b, "\r\n");
        }
        return tb_ok(b) && b->len > 0;
    }

    if (ev->kind == CHAT_SYSTEM) {
        tb_puts(b, "*** ");
        tb_append(b, ev->text, ev->text_len);
        tb_puts(b, "\r\n");
        return tb_ok(b);
    }
    nfe_put_stamp(fe, b, ev->time, ev->replay);
    if (ev->room_name) {
        tb_puts(b, ev->room_name);
        tb_putc(b, ' ');
    }
    switch (ev->kind) {
    case CHAT_SAY:
        tb_putc(b, '<');
        tb_puts(b, ev->actor_name);
        tb_puts(b, "> ");
        tb_append(b, ev->text, ev->text_len);
        break;
    case CHAT_NOTICE:
        tb_putc(b, '-');
        tb_puts(b, ev->actor_name);
        tb_puts(b, "- ");
        tb_append(b, ev->text, ev->text_len);
        break;
    case CHAT_TOPIC_RULE:
        tb_puts(b, "*** ");
        tb_puts(b, ev->actor_name);
        tb_puts(b, ev->flag ? " let only operators set the topic" : " let anyone set the topic");
        break;
    case CHAT_ACTION:
        tb_puts(b, "* ");
        tb_puts(b, ev->actor_name);
        tb_putc(b, ' ');
        tb_append(b, ev->text, ev->text_len);
        break;
    case CHAT_JOIN:
        tb_puts(b, "*** ");
        tb_puts(b, ev->actor_name);
        tb_puts(b, " joined");
        break;
    case CHAT_PART:
        tb_puts(b, "*** ");
        tb_puts(b, ev->actor_name);
        tb_puts(b, " left");
        put_reason(b, "part", ev);
        break;
    case CHAT_KICK:
        tb_puts(b, "*** ");
        tb_puts(b, ev->actor_name);
        tb_puts(b, " kicked ");
        tb_puts(b, ev->target_name);
        if (ev->text_len > 0) {
            tb_puts(b, " (");
            tb_append(b, ev->text, ev->text_len);
            tb_putc(b, ')');
        }
        break;
    case CHAT_TOPIC:
        tb_puts(b, "*** ");
        tb_puts(b, ev->actor_name);
        if (ev->text_len > 0) {
            tb_puts(b, " set the topic: ");
            tb_append(b, ev->text, ev->text_len);
        } else {
            tb_puts(b, " cleared the topic");
        }
        break;
    case CHAT_OP:
        tb_puts(b, "*** ");
        if (ev->actor_name) {
            tb_puts(b, ev->actor_name);
            tb_puts(b, " made ");
            tb_puts(b, ev->target_name);
            tb_puts(b, " an operator");
        } else {
            tb_puts(b, ev->target_name);
            tb_puts(b, " is now an operator");
        }
        break;
    case CHAT_DEOP:
        tb_puts(b, "*** ");
        tb_puts(b, ev->actor_name);
        tb_puts(b, " took operator status from ");
        tb_puts(b, ev->target_name);
        break;
    case CHAT_RENAME:
        tb_puts(b, "*** ");
        tb_puts(b, ev->old_name);
        tb_puts(b, " is now known as ");
        tb_puts(b, ev->actor_name);
        break;
    case CHAT_QUIT:
        tb_puts(b, "*** ");
        tb_puts(b, ev->actor_name);
        tb_puts(b, " left");
        put_reason(b, ev->reason ? ev->reason : "quit", ev);
        break;
    default:
        return false;
    }
    tb_puts(b, "\r\n");
    return tb_ok(b);
}

/* Join and leave notices stay out of rooms bigger than the announce limit:
 * 10,000 people joining (or dropping out of) a room must not cost 10,000 x
 * 10,000 lines. A departure from the server is still told to whoever shares
 * a room of announceable size with the leaver (ev->via is the smallest). */
static bool too_big_to_announce(const natter_fe *fe, const chat_event *ev)
{
    const chat_room *r;

    if (ev->kind == CHAT_JOIN || ev->kind == CHAT_PART)
        r = ev->room;
    else if (ev->kind == CHAT_QUIT)
        r = ev->via;
    else
        return false;
    return fe->cfg.announce_limit > 0 && r && chat_room_member_count(r) > fe->cfg.announce_limit;
}

void nfe_deliver(void *ctx, void *session, const chat_user *to, const chat_event *ev)
{
    natter_fe *fe = (natter_fe *)ctx;
    natter_session *s = (natter_session *)session;
    int variant = 0;

    if (too_big_to_announce(fe, ev))
        return;
    if (ev->kind == CHAT_PRIVATE || ev->kind == CHAT_PRIVATE_NOTICE)
        variant = (to == ev->actor ? 1 : 0) | (to == ev->target ? 2 : 0);
    if (ev->seq != fe->ev_seq || variant != fe->ev_variant || !tb_ok(&fe->ev_line)) {
        fe->ev_seq = ev->seq;
        fe->ev_variant = variant;
        if (!nfe_format_event(fe, &fe->ev_line, ev, (variant & 1) != 0, (variant & 2) != 0)) {
            fe->ev_seq = 0;
            return;
        }
    }
    fe->io.send(fe->io.ctx, s->conn, fe->ev_line.data, fe->ev_line.len);
}
