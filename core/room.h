/* room.h - the chat rules: names, commands, and who receives which line.
 *
 * The room knows nothing about sockets. The event loop tells it "a client
 * connected / sent a line / left", and the room answers by calling ops->send
 * with complete CRLF-terminated lines for a connection. Connections are
 * opaque pointers (void *conn) owned by the caller. A broadcast line is
 * formatted once and handed to every member, so the cost per recipient is one
 * send callback (a memcpy into its queue). Unit tests drive a room with no
 * network at all. Protocol details: docs/protocol.md. */
#ifndef NATTER_CORE_ROOM_H
#define NATTER_CORE_ROOM_H

#include <stddef.h>

typedef struct room room;
typedef struct room_member room_member;

/* Kinds of log lines, so the server can hide chat text with --quiet. */
#define ROOM_LOG_EVENT 0   /* connect, join, rename, leave */
#define ROOM_LOG_CHAT  1   /* public chat and /me text */

typedef struct room_ops {
    void *ctx;
    /* Queue data (one or more complete lines ending in CRLF) for conn. */
    void (*send)(void *ctx, void *conn, const char *data, size_t len);
    /* The member said /quit: close conn once its queued output is sent. The
     * room has already forgotten it; do not call room_client_left for it. */
    void (*close)(void *ctx, void *conn);
    /* Local time now as "HH:MM:SS" (out holds 9 bytes). */
    void (*now_hms)(void *ctx, char *out);
    /* One log line, no line end. May be NULL. */
    void (*log)(void *ctx, int kind, const char *text);
} room_ops;

typedef struct room_config {
    size_t max_line;    /* quoted in "Line too long (limit N bytes)" */
} room_config;

/* Returns NULL when memory runs out. ops is copied. */
room *room_create(const room_config *cfg, const room_ops *ops);
/* Frees every member without sending anything. */
void room_destroy(room *r);

/* A connection arrived: sends the welcome and the name question. peer is a
 * label for the log ("127.0.0.1:5000"). Returns NULL when memory runs out. */
room_member *room_client_connected(room *r, void *conn, const char *peer);

/* One line from the client (without its line end, not yet sanitised). */
void room_client_line(room *r, room_member *m, const char *line, size_t len);

/* The client sent a line longer than max_line: tell it, relay nothing. */
void room_client_line_too_long(room *r, room_member *m);

/* The connection ended for a reason other than /quit: "connection closed",
 * "too slow", "server shutting down". Tells the others if the member had a
 * name, then frees m. */
void room_client_left(room *r, room_member *m, const char *reason);

/* Tell everyone "*** Server is shutting down."; from now on departures are
 * only logged, not broadcast. */
void room_shutdown(room *r);

/* Connections in the room, and how many of them have chosen a name. */
size_t room_client_count(const room *r);
size_t room_named_count(const room *r);

#endif
