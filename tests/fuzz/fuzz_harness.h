/* fuzz_harness.h - the chat model and the natter front-end with up to
 * FUZZ_SLOTS fake connections, driven the way core/server.c drives them, and
 * checked after every call: output only ever goes to a live connection,
 * every send passes fuzz_check_sent, room events reach only connections that
 * have a name, and the counts match what the connections were told. */
#ifndef NATTER_FUZZ_HARNESS_H
#define NATTER_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/chat.h"
#include "core/natter_fe.h"

#define FUZZ_SLOTS 8
#define FUZZ_MAX_LINE 256

typedef struct fake_conn {
    int slot;
    bool live;          /* connected and not yet gone */
    bool named;         /* was told "*** You are ..." */
    natter_session *session;
} fake_conn;

typedef struct fuzz_harness {
    chat *chat;
    natter_fe *fe;
    int64_t clock;
    fake_conn conns[FUZZ_SLOTS];
    bool shut_down;
} fuzz_harness;

/* Returns false when memory runs out (the input is then skipped). */
bool harness_init(fuzz_harness *h);
void harness_connect(fuzz_harness *h, int slot);
/* A framed line (as the server hands it over: no LF, at most FUZZ_MAX_LINE). */
void harness_line(fuzz_harness *h, int slot, const char *line, size_t len);
void harness_too_long(fuzz_harness *h, int slot);
void harness_left(fuzz_harness *h, int slot, const char *reason);
/* What server.c does on stop: natter_fe_shutdown and chat_shutdown, then
 * every connection leaves. */
void harness_shutdown(fuzz_harness *h);
void harness_destroy(fuzz_harness *h);

#endif
