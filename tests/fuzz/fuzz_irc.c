/* fuzz_irc.c - libFuzzer target for the IRC front-end: the input is what one
 * IRC connection sends, framed by the real line framer (IRC_MAX_LINE) and
 * handed to irc_fe_line / irc_fe_line_too_long, in a chat where a natter
 * user (alice, through natter_fe) and an already registered IRC user (carol,
 * with server-time and echo-message) are in #lobby. A fake millisecond clock
 * advances with every line and irc_fe_tick runs after each, so pings, ping
 * timeouts and the registration timeout happen; carol answers her pings.
 * After QUIT or a close, the fuzzed connection connects again and goes on.
 *
 * A line "NATTER text" is said by alice instead ("NATTER2 text": the text
 * twice, so natter lines longer than one IRC line reach IRC users).
 *
 * Every send to an IRC connection must be complete CRLF lines without CR,
 * LF or NUL inside, valid UTF-8, no control bytes but TAB and the \x01
 * pair of a CTCP ACTION, at most 512 bytes with CRLF not counting a leading
 * "@time=... " tag, and in a shape IRC allows (":source ...", "PING :",
 * "ERROR :"); an unregistered connection gets only lines from the server.
 * Every send to alice must pass fuzz_check_sent, every log line
 * fuzz_check_log, and the front-ends' counts must match the connections. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/chat.h"
#include "core/irc_fe.h"
#include "core/linebuf.h"
#include "core/natter_fe.h"
#include "fuzz_check.h"

#define SERVER "irc.fuzz"

enum { ALICE = 0, CAROL = 1, FUZZ = 2, NCONNS = 3 };

typedef struct conn {
    int slot;
    bool irc;
    bool live;
    bool named;  /* natter: told "*** You are "; IRC: got 001 */
    bool pinged; /* carol: a PING to answer */
    void *session;
} conn;

typedef struct world {
    chat *chat;
    natter_fe *nfe;
    irc_fe *ife;
    int64_t clock;
    uint64_t ms;
    conn conns[NCONNS];
} world;

/* ---- checks ----------------------------------------------------------------- */

static bool has_prefix(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && memcmp(s, p, k) == 0;
}

static bool digits(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "@time=YYYY-MM-DDThh:mm:ss.000Z " at s: its length, or 0. */
static size_t time_tag_length(const char *s, size_t n)
{
    if (n < 31 || !has_prefix(s, n, "@time="))
        return 0;
    s += 6;
    if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2) ||
        s[10] != 'T' || !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' ||
        !digits(s + 17, 2) || memcmp(s + 19, ".000Z ", 6) != 0)
        return 0;
    return 31;
}

/* Control bytes: none, but "\x01ACTION " right after " :" and a closing
 * \x01 as the line's last byte. */
static void check_controls(const char *line, size_t len)
{
    size_t i, ctcp = 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == 0x01) {
            bool opening = ctcp == 0 && i >= 2 && line[i - 2] == ' ' && line[i - 1] == ':' &&
                           len - i > 7 && memcmp(line + i + 1, "ACTION ", 7) == 0;
            bool closing = ctcp == 1 && i + 1 == len;
            if (!opening && !closing)
                fuzz_fail("an IRC line with \\x01 outside a CTCP ACTION", line, len);
            ctcp++;
        } else if ((c < 0x20 && c != '\t') || c == 0x7F) {
            /* TAB is text to the model (natter keeps it too). */
            fuzz_fail("a control byte in an IRC line", line, len);
        } else if (c == 0xC2 && i + 1 < len && (unsigned char)line[i + 1] <= 0x9F) {
            fuzz_fail("a C1 control in an IRC line", line, len);
        }
    }
    if (ctcp == 1)
        fuzz_fail("an unterminated CTCP ACTION", line, len);
}

static void check_irc_line(conn *c, const char *line, size_t len)
{
    const char *body = line;
    size_t n = len, tag = 0;

    if (memchr(line, '\0', len))
        fuzz_fail("a NUL inside an IRC line", line, len);
    if (!fuzz_utf8_valid(line, len))
        fuzz_fail("invalid UTF-8 in an IRC line", line, len);
    check_controls(line, len);
    if (n > 0 && body[0] == '@') {
        tag = time_tag_length(body, n);
        if (tag == 0)
            fuzz_fail("a malformed tag", line, len);
        body += tag;
        n -= tag;
    }
    if (n + 2 > 512)
        fuzz_fail("an IRC line over 512 bytes", line, len);
    if (n < 2 ||
        !(body[0] == ':' || has_prefix(body, n, "PING :") || has_prefix(body, n, "ERROR :")))
        fuzz_fail("an IRC line of unknown shape", line, len);
    if (body[0] == ':' && (n < 3 || body[1] == ' '))
        fuzz_fail("an IRC line with an empty source", line, len);
    if (!c->named && body[0] == ':' && !has_prefix(body, n, ":" SERVER " "))
        fuzz_fail("an unregistered IRC connection got a user's message", line, len);
    if (has_prefix(body, n, ":" SERVER " 001 "))
        c->named = true;
    if (has_prefix(body, n, "PING :"))
        c->pinged = true;
}

static void check_irc_sent(conn *c, const char *data, size_t len)
{
    size_t start = 0, i;
    if (len == 0)
        fuzz_fail("an empty send", data, len);
    for (i = 0; i < len; i++) {
        if (data[i] == '\n') {
            if (i == start || data[i - 1] != '\r')
                fuzz_fail("LF without CR", data, len);
            check_irc_line(c, data + start, i - 1 - start);
            start = i + 1;
        } else if (data[i] == '\r' && (i + 1 >= len || data[i + 1] != '\n')) {
            fuzz_fail("CR without LF", data, len);
        }
    }
    if (start != len)
        fuzz_fail("a send that does not end with CRLF", data, len);
}

/* ---- the fake server ----------------------------------------------------------- */

static void on_send(void *ctx, void *conn_ptr, const char *data, size_t len)
{
    conn *c = conn_ptr;
    (void)ctx;
    if (!c->live)
        fuzz_fail("output for a connection that is gone", data, len);
    if (c->irc) {
        check_irc_sent(c, data, len);
    } else {
        fuzz_check_sent(data, len);
        if (len >= 12 && memcmp(data, "*** You are ", 12) == 0)
            c->named = true;
    }
}

static void on_close(void *ctx, void *conn_ptr)
{
    conn *c = conn_ptr;
    (void)ctx;
    if (!c->live)
        fuzz_fail("close for a connection that is gone", "", 0);
    c->live = false;
    c->named = false;
    c->pinged = false;
    c->session = NULL;
}

static int64_t on_now(void *ctx)
{
    world *w = ctx;
    w->clock += 3000;
    return w->clock;
}

static void on_local_time(void *ctx, int64_t t, char date[11], char hms[9])
{
    long day = (long)(t / 86400) % 28, secs = (long)(t % 86400);
    (void)ctx;
    memcpy(date, "2026-11-", 8);
    date[8] = (char)('0' + (day + 1) / 10), date[9] = (char)('0' + (day + 1) % 10);
    date[10] = '\0';
    hms[0] = (char)('0' + secs / 36000), hms[1] = (char)('0' + secs / 3600 % 10), hms[2] = ':';
    hms[3] = (char)('0' + secs / 600 % 6), hms[4] = (char)('0' + secs / 60 % 10), hms[5] = ':';
    hms[6] = (char)('0' + secs % 60 / 10), hms[7] = (char)('0' + secs % 10), hms[8] = '\0';
}

static void on_log(void *ctx, int kind, const char *text)
{
    (void)ctx;
    (void)kind;
    fuzz_check_log(text);
}

static void check_counts(world *w)
{
    size_t irc_live = 0, irc_named = 0, nat_live = 0, nat_named = 0;
    int i;
    for (i = 0; i < NCONNS; i++) {
        conn *c = &w->conns[i];
        if (!c->live)
            continue;
        if (c->irc) {
            irc_live++;
            irc_named += c->named;
        } else {
            nat_live++;
            nat_named += c->named;
        }
    }
    if (irc_fe_session_count(w->ife) != irc_live)
        fuzz_fail("irc_fe_session_count is wrong", "", 0);
    if (irc_fe_registered_count(w->ife) != irc_named)
        fuzz_fail("irc_fe_registered_count is wrong", "", 0);
    if (natter_fe_session_count(w->nfe) != nat_live)
        fuzz_fail("natter_fe_session_count is wrong", "", 0);
    if (natter_fe_named_count(w->nfe) != nat_named)
        fuzz_fail("natter_fe_named_count is wrong", "", 0);
    if (chat_user_count(w->chat) != irc_named + nat_named)
        fuzz_fail("chat_user_count is wrong", "", 0);
}

static void irc_say(world *w, int slot, const char *line, size_t len)
{
    conn *c = &w->conns[slot];
    if (!c->live)
        return;
    irc_fe_line(w->ife, c->session, line, len);
    check_counts(w);
}

static void irc_says(world *w, int slot, const char *line)
{
    irc_say(w, slot, line, strlen(line));
}

static void natter_say(world *w, const char *line, size_t len)
{
    conn *c = &w->conns[ALICE];
    if (!c->live)
        return;
    natter_fe_line(w->nfe, c->session, line, len);
    check_counts(w);
}

/* Connect whoever is gone: alice by her name (or another one, when an IRC
 * user took it), carol registered and in #lobby, the fuzzed connection
 * fresh. */
static void reconnect(world *w)
{
    conn *c = &w->conns[ALICE];
    if (!c->live) {
        c->live = true;
        c->session = natter_fe_connected(w->nfe, c, "127.0.0.1:1000");
        if (!c->session) {
            c->live = false;
        } else {
            natter_say(w, "alice", 5);
            if (!c->named)
                natter_say(w, "alice_", 6);
        }
    }
    c = &w->conns[CAROL];
    if (!c->live) {
        c->live = true;
        c->session = irc_fe_connected(w->ife, c, "127.0.0.1:1001");
        if (!c->session) {
            c->live = false;
        } else {
            irc_says(w, CAROL, "CAP LS 302");
            irc_says(w, CAROL, "CAP REQ :server-time echo-message");
            irc_says(w, CAROL, "NICK carol");
            if (c->live && !c->named)
                irc_says(w, CAROL, "USER carol 0 * :Carol C");
            irc_says(w, CAROL, "CAP END");
            if (c->live && !c->named)
                irc_says(w, CAROL, "NICK carol_");
            irc_says(w, CAROL, "JOIN #lobby");
        }
    }
    c = &w->conns[FUZZ];
    if (!c->live) {
        c->live = true;
        c->session = irc_fe_connected(w->ife, c, "[::1]:1002");
        if (!c->session)
            c->live = false;
    }
    check_counts(w);
}

static void tick(world *w, uint64_t step_ms)
{
    w->ms += step_ms;
    irc_fe_tick(w->ife, w->ms);
    natter_fe_tick(w->nfe, w->ms);
    check_counts(w);
    if (w->conns[CAROL].live && w->conns[CAROL].pinged) {
        w->conns[CAROL].pinged = false;
        irc_says(w, CAROL, "PONG :" SERVER);
    }
}

static bool world_init(world *w)
{
    chat_config cc;
    natter_fe_config nc;
    irc_fe_config ic;
    int i;

    memset(w, 0, sizeof *w);
    chat_config_defaults(&cc);
    cc.max_rooms = 4;
    cc.history = 3;
    memset(&nc, 0, sizeof nc);
    nc.max_line = 1024;
    nc.announce_limit = 4;
    irc_fe_config_defaults(&ic);
    ic.server_name = SERVER;
    ic.network = "FuzzNet";
    ic.version = "fuzz";
    ic.created = "now";
    ic.motd = "Welcome\r\nto the fuzz server";
    ic.ping_interval_ms = 20000;
    ic.ping_timeout_ms = 10000;
    ic.register_timeout_ms = 60000;
    for (i = 0; i < NCONNS; i++) {
        w->conns[i].slot = i;
        w->conns[i].irc = i != ALICE;
    }
    w->clock = 1764000000;
    w->ms = 1000;
    {
        chat_ops co = {w, on_now, on_log};
        frontend_io io = {w, on_send, on_close, on_log, on_local_time};
        w->chat = chat_create(&cc, &co);
        w->nfe = w->chat ? natter_fe_create(w->chat, &nc, &io) : NULL;
        w->ife = w->nfe ? irc_fe_create(w->chat, &ic, &io) : NULL;
    }
    if (!w->ife) {
        natter_fe_destroy(w->nfe);
        chat_destroy(w->chat);
        return false;
    }
    irc_fe_tick(w->ife, w->ms);
    return true;
}

/* What the server does on stop, then everything is freed. */
static void world_end(world *w)
{
    int i;
    irc_fe_shutdown(w->ife);
    natter_fe_shutdown(w->nfe);
    chat_shutdown(w->chat);
    for (i = 0; i < NCONNS; i++) {
        conn *c = &w->conns[i];
        void *s = c->session;
        if (!c->live)
            continue;
        c->live = false;
        c->named = false;
        c->session = NULL;
        if (c->irc)
            irc_fe_left(w->ife, s, "server shutting down");
        else
            natter_fe_left(w->nfe, s, "server shutting down");
    }
    check_counts(w);
    irc_fe_destroy(w->ife);
    natter_fe_destroy(w->nfe);
    chat_destroy(w->chat);
}

static void one_line(world *w, const char *line, size_t len)
{
    static char twice[2 * IRC_MAX_LINE];
    if (has_prefix(line, len, "NATTER2 ")) {
        size_t n = len - 8;
        memcpy(twice, line + 8, n);
        memcpy(twice + n, line + 8, n);
        natter_say(w, twice, 2 * n);
    } else if (has_prefix(line, len, "NATTER ")) {
        natter_say(w, line + 7, len - 7);
    } else {
        irc_say(w, FUZZ, line, len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    world w;
    line_framer f;
    size_t off = 0;

    if (!world_init(&w))
        return 0;
    if (line_framer_init(&f, IRC_MAX_LINE) != 0) {
        world_end(&w);
        return 0;
    }
    reconnect(&w);
    while (off < size) {
        const char *line;
        size_t len;
        int r;
        off += line_framer_feed(&f, (const char *)data + off, size - off);
        while ((r = line_framer_next(&f, &line, &len)) != LINE_NONE) {
            if (r == LINE_TOO_LONG) {
                if (w.conns[FUZZ].live) {
                    irc_fe_line_too_long(w.ife, w.conns[FUZZ].session);
                    check_counts(&w);
                }
                tick(&w, 1000);
            } else {
                one_line(&w, line, len);
                /* 1 to 8 seconds a line: a run of lines reaches the ping
                 * interval and timeout. */
                tick(&w, 1000 * (1 + (uint64_t)(len % 8)));
            }
            reconnect(&w);
        }
    }
    line_framer_free(&f);
    world_end(&w);
    return 0;
}
