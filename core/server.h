/* server.h - natter's server: listening sockets, the select() loop, and the
 * room, wired together. apps/server parses options into a server_config;
 * tests start a server on port 0 in a thread and stop it with
 * server_request_stop(). */
#ifndef NATTER_CORE_SERVER_H
#define NATTER_CORE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/net.h"

#define SERVER_DEFAULT_PORT         "8923"
#define SERVER_DEFAULT_MAX_CLIENTS  10000
#define SERVER_DEFAULT_MAX_LINE     1024
#define SERVER_DEFAULT_MAX_QUEUE    (1024 * 1024)
#define SERVER_DEFAULT_RATE         50
#define SERVER_DEFAULT_BURST        100
#define SERVER_MAX_LISTENERS        16
#define SERVER_DEFAULT_IRC_PORT     "6667"
#define SERVER_DEFAULT_TLS_PORT     "8924"
#define SERVER_DEFAULT_IRC_TLS_PORT "6697"
/* A TLS handshake not finished by then is closed. */
#define SERVER_DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS (10 * 1000)
#define SERVER_DEFAULT_REGISTER_TIMEOUT_MS      (60 * 1000)
/* SO_SNDBUF of every client socket: what a non-reader holds in the kernel on
 * top of --max-queue (Linux reserves twice this), instead of the megabytes
 * the kernel's autotuning would give it. */
#define SERVER_SEND_BUFFER (64 * 1024)
/* Write coalescing (see docs/performance.md, "Sustained load"): the server
 * aims for at most this many send() calls per second in all, by letting a
 * connection that was sent to less than T ago wait until T has passed, where
 * T = (connections sent to lately) / budget, at most the cap. A quiet
 * connection never waits; a busy one gets several messages per send(). */
#define SERVER_DEFAULT_SEND_BUDGET     50000
#define SERVER_DEFAULT_COALESCE_MAX_MS 25

typedef struct server_config {
    const char *bind_host; /* NULL: every interface */
    const char *port;      /* "0": any free port */
    int max_clients;
    size_t max_line;
    size_t max_queue;
    unsigned rate; /* lines/s per client; 0: no flood control */
    unsigned burst;
    long shutdown_flush_ms; /* how long to try flushing output at shutdown */
    /* Rooms (see core/chat.h, core/natter_fe.h). */
    size_t max_rooms;
    size_t history;  /* lines kept per room; 0: off */
    bool open_topic; /* anyone may set a topic, not only operators */
    const char *default_room;
    size_t announce_limit; /* join/leave notices only in rooms up to this size */
    /* IRC (core/irc_fe.h): NULL port = off, "0" = any free port. */
    const char *irc_port;
    const char *version;     /* shown to IRC clients (002, 004) */
    const char *server_name; /* IRC server name (default "natter") */
    const char *network;     /* IRC network name (default "natter") */
    const char *motd;        /* message of the day text, or NULL (422) */
    bool show_hosts;         /* show users' IP addresses in IRC masks */
    uint64_t irc_ping_interval_ms;
    uint64_t irc_ping_timeout_ms;
    /* Not registered (no name, no IRC NICK/USER) by then: closed; 0: never. */
    uint64_t register_timeout_ms;
    /* A registered connection that sends no line for this long is closed
     * ("left (idle)"); 0: never (the default). */
    uint64_t idle_timeout_ms;
    /* TLS (docs/tls.md): a PEM certificate chain and key, or NULL for no
     * TLS. With them, the natter protocol is also offered over TLS on
     * tls_port and IRC on irc_tls_port (NULL: that one off; "0": any free
     * port); no_plain drops the plain-text ports. */
    const char *tls_cert;
    const char *tls_key;
    const char *tls_port;
    const char *irc_tls_port;
    bool no_plain;
    uint64_t tls_handshake_timeout_ms;
    /* Write coalescing: send() calls per second aimed for (0: send every
     * iteration, no waiting) and the longest a connection may wait. */
    unsigned send_budget;
    unsigned coalesce_max_ms;
    /* Cluster mode (docs/cluster.md): redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
     * or NULL; this node's name (NULL: host name and natter port); the
     * Redis password when the URL has none; how long a silent node keeps
     * its users (0: 15 s). */
    const char *cluster_url;
    const char *node_name;
    const char *redis_password;
    uint64_t cluster_lease_ms;
    /* Log lines (CHAT_LOG_EVENT / CHAT_LOG_CHAT), no line end; may be NULL. */
    void (*log)(void *ctx, int kind, const char *text);
    void *log_ctx;
} server_config;

typedef struct server server;

void server_config_defaults(server_config *cfg);

/* Listen and prepare. Returns NULL with a readable reason in err
 * ("cannot listen on 0.0.0.0:8923: Address already in use"). */
server *server_create(const server_config *cfg, char *err, size_t err_len);
void server_destroy(server *s);

/* Listening sockets, for printing ("[::]:8923 (natter)") and for tests (the
 * ports). */
int server_listener_count(const server *s);
const char *server_listener_name(const server *s, int i, char *buf, size_t len);
const char *server_listener_protocol(const server *s, int i);
int server_port(const server *s);
/* The IRC port, or 0 when IRC is off; the natter port is 0 too with
 * no_plain. */
int server_irc_port(const server *s);
/* The TLS ports (natter, IRC), or 0 when that listener is off. */
int server_tls_port(const server *s);
int server_irc_tls_port(const server *s);

/* The largest number of clients this server will hold (max_clients capped
 * by what select() can wait on). */
int server_capacity(const server *s);

/* Counters since start, for tests and measurements: send() calls made on
 * client connections, and lines queued to clients (deliveries). */
typedef struct server_stats {
    uint64_t sends;
    uint64_t lines_queued;
} server_stats;
void server_get_stats(const server *s, server_stats *out);

/* Run until server_request_stop(); then tell everyone, flush (bounded by
 * shutdown_flush_ms) and close every connection. Returns 0, or -1 on a fatal
 * error (after logging it). */
int server_run(server *s);

/* Safe from another thread and from a signal handler: sets a flag and wakes
 * the loop. */
void server_request_stop(void *s);

/* Load the TLS certificate and key again (SIGHUP) for new connections;
 * connections already made keep theirs. Safe from a signal handler, like
 * server_request_stop; the loop does the work and logs the outcome. */
void server_request_reload(void *s);

#endif
