/* fuzz_harness.c - see fuzz_harness.h. */
#include "fuzz_harness.h"

#include <string.h>

#include "fuzz_check.h"

static bool has_line_starting(const char *data, size_t len, char first)
{
    size_t i;
    for (i = 0; i < len; i++)
        if ((i == 0 || data[i - 1] == '\n') && data[i] == first)
            return true;
    return false;
}

static void on_send(void *ctx, void *conn, const char *data, size_t len)
{
    fake_conn *c = conn;
    (void)ctx;
    if (!c->live)
        fuzz_fail("output for a connection that is gone", data, len);
    fuzz_check_sent(data, len);
    if (len >= 12 && memcmp(data, "*** You are ", 12) == 0)
        c->named = true;
    if (!c->named && has_line_starting(data, len, '['))
        fuzz_fail("a connection without a name was sent room events", data, len);
}

static void on_close(void *ctx, void *conn)
{
    fake_conn *c = conn;
    (void)ctx;
    if (!c->live)
        fuzz_fail("close for a connection that is gone", "", 0);
    /* The front-end has already freed the session. */
    c->live = false;
    c->named = false;
    c->session = NULL;
}

/* The clock advances a little with every call, so history lines come from
 * different times, some from an earlier day. */
static int64_t on_now(void *ctx)
{
    fuzz_harness *h = ctx;
    h->clock += 3000;
    return h->clock;
}

static void on_local_time(void *ctx, int64_t t, char date[11], char hms[9])
{
    long day = (long)(t / 86400) % 28, secs = (long)(t % 86400);
    (void)ctx;
    date[0] = '2', date[1] = '0', date[2] = '2', date[3] = '6', date[4] = '-';
    date[5] = '1', date[6] = '1', date[7] = '-';
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

/* The room's counts agree with what the connections were told. */
static void check_counts(fuzz_harness *h)
{
    size_t live = 0, named = 0;
    int i;
    for (i = 0; i < FUZZ_SLOTS; i++) {
        live += h->conns[i].live;
        named += h->conns[i].live && h->conns[i].named;
    }
    if (natter_fe_session_count(h->fe) != live)
        fuzz_fail("natter_fe_session_count is wrong", "", 0);
    if (natter_fe_named_count(h->fe) != named)
        fuzz_fail("natter_fe_named_count is wrong", "", 0);
    if (chat_user_count(h->chat) != named)
        fuzz_fail("chat_user_count is wrong", "", 0);
}

bool harness_init(fuzz_harness *h)
{
    chat_config cc;
    natter_fe_config nc = {FUZZ_MAX_LINE, 4, 0, 0};
    int i;
    memset(h, 0, sizeof *h);
    chat_config_defaults(&cc);
    /* Small limits, so the fuzzer reaches room eviction, the per-user room
     * limit does not matter, history wraps and big rooms go quiet. */
    cc.max_rooms = 4;
    cc.history = 3;
    {
        chat_ops co = {h, on_now, on_log};
        frontend_io io = {h, on_send, on_close, on_log, on_local_time};
        for (i = 0; i < FUZZ_SLOTS; i++)
            h->conns[i].slot = i;
        h->clock = 1764000000;
        h->chat = chat_create(&cc, &co);
        h->fe = h->chat ? natter_fe_create(h->chat, &nc, &io) : NULL;
    }
    if (!h->fe) {
        chat_destroy(h->chat);
        return false;
    }
    return true;
}

void harness_connect(fuzz_harness *h, int slot)
{
    fake_conn *c = &h->conns[slot % FUZZ_SLOTS];
    static const char *const peers[FUZZ_SLOTS] = {"127.0.0.1:1000", "127.0.0.1:1001", "[::1]:1002",
                                                  "127.0.0.1:1003", "127.0.0.1:1004", "[::1]:1005",
                                                  "127.0.0.1:1006", "127.0.0.1:1007"};
    /* The server accepts nobody once it is shutting down. */
    if (c->live || h->shut_down)
        return;
    c->live = true;
    c->named = false;
    c->session = natter_fe_connected(h->fe, c, peers[c->slot]);
    if (!c->session)
        c->live = false;
    check_counts(h);
}

void harness_line(fuzz_harness *h, int slot, const char *line, size_t len)
{
    fake_conn *c = &h->conns[slot % FUZZ_SLOTS];
    if (!c->live)
        return;
    if (len > FUZZ_MAX_LINE)
        len = FUZZ_MAX_LINE;
    natter_fe_line(h->fe, c->session, line, len);
    check_counts(h);
}

void harness_too_long(fuzz_harness *h, int slot)
{
    fake_conn *c = &h->conns[slot % FUZZ_SLOTS];
    if (!c->live)
        return;
    natter_fe_line_too_long(h->fe, c->session);
    check_counts(h);
}

void harness_left(fuzz_harness *h, int slot, const char *reason)
{
    fake_conn *c = &h->conns[slot % FUZZ_SLOTS];
    natter_session *s = c->session;
    if (!c->live)
        return;
    /* The session is freed by the front-end: mark the connection gone
     * first, so a send to it during its own departure is caught. */
    c->live = false;
    c->named = false;
    c->session = NULL;
    natter_fe_left(h->fe, s, reason);
    check_counts(h);
}

void harness_shutdown(fuzz_harness *h)
{
    int i;
    if (h->shut_down)
        return;
    natter_fe_shutdown(h->fe);
    chat_shutdown(h->chat);
    h->shut_down = true;
    for (i = 0; i < FUZZ_SLOTS; i++)
        harness_left(h, i, "server shutting down");
}

void harness_destroy(fuzz_harness *h)
{
    natter_fe_destroy(h->fe);
    chat_destroy(h->chat);
    h->fe = NULL;
    h->chat = NULL;
}
