/* natter_fe.h - the natter text protocol (docs/protocol.md, version 2) as a
 * front-end of the chat model: it turns a connection's lines into model
 * operations and the model's events into natter lines.
 *
 * The server tells it "a client connected / sent a line / left"; it answers
 * through frontend_io. Every line it sends is complete and CRLF-terminated.
 * A broadcast is formatted once (keyed by the event's sequence number) and
 * the same bytes are queued for every natter recipient. Unit tests drive it
 * with a fake frontend_io and no sockets. */
#ifndef NATTER_CORE_NATTER_FE_H
#define NATTER_CORE_NATTER_FE_H

#include <stddef.h>
#include <stdint.h>

#include "core/chat.h"
#include "core/frontend.h"

typedef struct natter_fe natter_fe;
typedef struct natter_session natter_session;

#define NATTER_DEFAULT_ANNOUNCE_LIMIT 200

typedef struct natter_fe_config {
    size_t max_line; /* quoted in "Line too long (limit N bytes)" */
    /* Join, part and quit notices are sent only through rooms of at most
     * this many members (0: always), so a join or disconnect storm in a huge
     * room is not O(n^2) lines. */
    size_t announce_limit;
    /* A connection that has not chosen a name by then is told so and
     * closed (0: never). */
    uint64_t register_timeout_ms;
    /* A named connection that sends no line for this long is closed
     * ("left (idle)"); 0: never. */
    uint64_t idle_timeout_ms;
} natter_fe_config;

/* Returns NULL when memory runs out. io is copied; c must outlive the
 * front-end. */
natter_fe *natter_fe_create(chat *c, const natter_fe_config *cfg, const frontend_io *io);
/* Frees every session (their users must be gone, or the chat destroyed
 * after). Sends nothing. */
void natter_fe_destroy(natter_fe *fe);

/* A connection arrived: sends the welcome and the name question. peer is a
 * label for the log ("127.0.0.1:5000"). Returns NULL when memory runs out. */
natter_session *natter_fe_connected(natter_fe *fe, void *conn, const char *peer);

/* One line from the client (without its line end, not yet sanitised). */
void natter_fe_line(natter_fe *fe, natter_session *s, const char *line, size_t len);

/* The client sent a line longer than max_line: tell it, relay nothing. */
void natter_fe_line_too_long(natter_fe *fe, natter_session *s);

/* The connection ended for a reason other than /quit ("connection closed",
 * "too slow", "server shutting down"): the user leaves the chat, and s is
 * freed. */
void natter_fe_left(natter_fe *fe, natter_session *s, const char *reason);

/* Tell every connection "*** Server is shutting down."; lines that arrive
 * afterwards are ignored. (The server also calls chat_shutdown.) */
void natter_fe_shutdown(natter_fe *fe);

/* Timers (the name timeout). now_ms is the server's monotonic clock. */
void natter_fe_tick(natter_fe *fe, uint64_t now_ms);

/* The front-end as the server drives it. */
frontend natter_fe_frontend(natter_fe *fe);

/* Connections, and how many of them have chosen a name. */
size_t natter_fe_session_count(const natter_fe *fe);
size_t natter_fe_named_count(const natter_fe *fe);

#endif
