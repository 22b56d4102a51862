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

#endif
