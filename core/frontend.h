/* frontend.h - what a protocol front-end needs from the server that runs it:
 * a way to queue bytes for a connection, to close one, to log, and to turn
 * a time into local calendar text. Connections are opaque pointers owned by
 * the server. The natter text front-end (natter_fe.h) uses this; the IRC
 * front-end will use the same. */
#ifndef NATTER_CORE_FRONTEND_H
#define NATTER_CORE_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

typedef struct frontend_io {
    void *ctx;
    /* Queue data (one or more complete lines ending in CRLF) for conn. */
    void (*send)(void *ctx, void *conn, const char *data, size_t len);
    /* The user quit: close conn once its queued output is sent. The
     * front-end has already forgotten the session. */
    void (*close)(void *ctx, void *conn);
    /* One log line (CHAT_LOG_EVENT / CHAT_LOG_CHAT), no line end. May be NULL. */
    void (*log)(void *ctx, int kind, const char *text);
    /* Local time of t (seconds since the epoch): "YYYY-MM-DD", "HH:MM:SS". */
    void (*local_time)(void *ctx, int64_t t, char date[11], char hms[9]);
} frontend_io;

/* One protocol front-end as the server sees it: a connection on that
 * protocol's listener gets a session from connected(), its framed lines go
 * to line(), and its end to left(). tick() runs every loop iteration (it
 * must be O(1) unless its own timer is due; may be NULL) and may close
 * sessions through frontend_io.close. max_line is the protocol's longest
 * line, for the server's framer. */
typedef struct frontend {
    void *fe;
    const char *protocol; /* "natter", "irc": for the log */
    size_t max_line;
    void *(*connected)(void *fe, void *conn, const char *peer);
    void (*line)(void *fe, void *session, const char *line, size_t len);
    void (*line_too_long)(void *fe, void *session);
    void (*left)(void *fe, void *session, const char *reason);
    void (*shutdown)(void *fe);
    void (*tick)(void *fe, uint64_t now_ms);
    /* Milliseconds until tick() has work (timers), or 0 for none. */
    uint64_t (*next_timer)(void *fe, uint64_t now_ms);
} frontend;

#endif
