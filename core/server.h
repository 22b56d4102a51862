/* server.h - natter's server: listening sockets, the select() loop, and the
 * room, wired together. apps/server parses options into a server_config;
 * tests start a server on port 0 in a thread and stop it with
 * server_request_stop(). */
#ifndef NATTER_CORE_SERVER_H
#define NATTER_CORE_SERVER_H

#include <stddef.h>
#include "platform/net.h"

#define SERVER_DEFAULT_PORT        "8923"
#define SERVER_DEFAULT_MAX_CLIENTS 10000
#define SERVER_DEFAULT_MAX_LINE    1024
#define SERVER_DEFAULT_MAX_QUEUE   (1024 * 1024)
#define SERVER_DEFAULT_RATE        50
#define SERVER_DEFAULT_BURST       100
#define SERVER_MAX_LISTENERS       8
/* SO_SNDBUF of every client socket: what a non-reader holds in the kernel on
 * top of --max-queue (Linux reserves twice this), instead of the megabytes
 * the kernel's autotuning would give it. */
#define SERVER_SEND_BUFFER         (64 * 1024)

typedef struct server_config {
    const char *bind_host;  /* NULL: every interface */
    const char *port;       /* "0": any free port */
    int max_clients;
    size_t max_line;
    size_t max_queue;
    unsigned rate;          /* lines/s per client; 0: no flood control */
    unsigned burst;
    long shutdown_flush_ms; /* how long to try flushing output at shutdown */
    /* Log lines (ROOM_LOG_EVENT / ROOM_LOG_CHAT), no line end; may be NULL. */
    void (*log)(void *ctx, int kind, const char *text);
    void *log_ctx;
} server_config;

typedef struct server server;

void server_config_defaults(server_config *cfg);

/* Listen and prepare. Returns NULL with a readable reason in err
 * ("cannot listen on 0.0.0.0:8923: Address already in use"). */
server *server_create(const server_config *cfg, char *err, size_t err_len);
void server_destroy(server *s);

/* Listening sockets, for printing ("[::]:8923") and for tests (the port). */
int server_listener_count(const server *s);
const char *server_listener_name(const server *s, int i, char *buf, size_t len);
int server_port(const server *s);

/* The largest number of clients this server will hold (max_clients capped
 * by what select() can wait on). */
int server_capacity(const server *s);

/* Run until server_request_stop(); then tell everyone, flush (bounded by
 * shutdown_flush_ms) and close every connection. Returns 0, or -1 on a fatal
 * error (after logging it). */
int server_run(server *s);

/* Safe from another thread and from a signal handler: sets a flag and wakes
 * the loop. */
void server_request_stop(void *s);

#endif
