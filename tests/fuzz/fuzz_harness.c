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
    /* The room has already freed the member. */
    c->live = false;
    c->named = false;
    c->member = NULL;
}

static void on_now(void *ctx, char *out)
{
    (void)ctx;
    memcpy(out, "12:34:56", 9);
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
    if (room_client_count(h->room) != live)
        fuzz_fail("room_client_count is wrong", "", 0);
    if (room_named_count(h->room) != named)
        fuzz_fail("room_named_count is wrong", "", 0);
}

bool harness_init(fuzz_harness *h)
{
    room_config cfg = {FUZZ_MAX_LINE};
    room_ops ops = {NULL, on_send, on_close, on_now, on_log};
    int i;
    memset(h, 0, sizeof *h);
    for (i = 0; i < FUZZ_SLOTS; i++)
        h->conns[i].slot = i;
    h->room = room_create(&cfg, &ops);
    return h->room != NULL;
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
    c->member = room_client_connected(h->room, c, peers[c->slot]);
    if (!c->member)
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
    room_client_line(h->room, c->member, line, len);
    check_counts(h);
}

void harness_too_long(fuzz_harness *h, int slot)
{
    fake_conn *c = &h->conns[slot % FUZZ_SLOTS];
    if (!c->live)
        return;
    room_client_line_too_long(h->room, c->member);
    check_counts(h);
}

void harness_left(fuzz_harness *h, int slot, const char *reason)
{
    fake_conn *c = &h->conns[slot % FUZZ_SLOTS];
    room_member *m = c->member;
    if (!c->live)
        return;
    /* The member is freed by the room: mark the connection gone first, so
     * a send to it during its own departure is caught. */
    c->live = false;
    c->named = false;
    c->member = NULL;
    room_client_left(h->room, m, reason);
    check_counts(h);
}

void harness_shutdown(fuzz_harness *h)
{
    int i;
    if (h->shut_down)
        return;
    room_shutdown(h->room);
    h->shut_down = true;
    for (i = 0; i < FUZZ_SLOTS; i++)
        harness_left(h, i, "server shutting down");
}

void harness_destroy(fuzz_harness *h)
{
    room_destroy(h->room);
    h->room = NULL;
}
