/* redis_link.h - a node's link to the Redis that joins it to its cluster
 * (issue 14), driven by the server's own select() loop.
 *
 * One link is two Redis connections: one subscribed to the cluster's
 * pub/sub channel (a subscribed connection can issue nothing else), one for
 * publishing and for commands on keys. The link is "up" once both are
 * connected, authenticated, on the right database and subscribed; then
 * published messages come back, in Redis's one order, through
 * handler.message on every node, this one included.
 *
 * Nothing here blocks. The connections are hiredis's asynchronous ones with
 * natter's loop behind hiredis's adapter hooks: redis_link_add_to_poll()
 * before the loop's wait, redis_link_service() after it. hiredis 0.14 has no
 * timers, so the link keeps its own: a connection attempt not up within
 * connect_timeout_ms is dropped, and a lost or failed link is tried again
 * after a backoff that doubles from 100 ms up to retry_max_ms. The loop asks
 * redis_link_next_deadline() how long it may wait.
 *
 * Output to Redis is bounded: a publish or command that finds more than
 * max_pending bytes left unsent after the last write attempt (Redis slow or
 * stuck) drops the link, which then reconnects, rather than letting the
 * buffer grow without limit. Once up, the link PINGs Redis every second; no
 * answer within connect_timeout_ms (a frozen Redis, a cut network) drops it
 * too. TCP keepalive is on as well.
 *
 * Builds without hiredis (Windows: there is no mingw build of it) get
 * redis_link_none.c, where redis_link_available() is false and
 * redis_link_create() fails with "cluster mode is not available in this
 * build". */
#ifndef NATTER_CORE_REDIS_LINK_H
#define NATTER_CORE_REDIS_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/poll.h"

#define REDIS_LINK_DEFAULT_CONNECT_TIMEOUT_MS 5000
#define REDIS_LINK_DEFAULT_RETRY_MAX_MS       5000
#define REDIS_LINK_FIRST_RETRY_MS             100
#define REDIS_LINK_DEFAULT_MAX_PENDING        (4 * 1024 * 1024)

typedef struct redis_link redis_link;

typedef struct redis_link_config {
    /* An IP address: hiredis resolves names with a blocking getaddrinfo(),
     * so the caller resolves a name once, before the loop runs. */
    const char *address;
    int port;
    const char *password;        /* NULL or "": no AUTH */
    int db;                      /* SELECT on the command connection */
    const char *channel;         /* the pub/sub channel of the cluster */
    size_t max_pending;          /* 0: REDIS_LINK_DEFAULT_MAX_PENDING */
    uint64_t connect_timeout_ms; /* 0: the default */
    uint64_t retry_max_ms;       /* 0: the default */
} redis_link_config;

typedef struct redis_link_handler {
    void *ctx;
    /* The link is up (again). */
    void (*up)(void *ctx);
    /* The link that was up is lost; why is for a person. Once per loss. */
    void (*down)(void *ctx, const char *why);
    /* A message published on the channel (by any node, in Redis's order). */
    void (*message)(void *ctx, const char *data, size_t len);
    /* A line for the server's log ("cluster: ..."); may be NULL. */
    void (*log)(void *ctx, const char *line);
} redis_link_handler;

/* A command's reply, simplified to what natter uses. */
typedef enum redis_link_reply_type {
    REDIS_LINK_LOST = 0, /* no reply: the link went down first */
    REDIS_LINK_NIL,
    REDIS_LINK_INTEGER,
    REDIS_LINK_STRING, /* bulk strings and status replies ("OK") */
    REDIS_LINK_ERROR,
    REDIS_LINK_ARRAY /* elements not given; count in integer */
} redis_link_reply_type;

typedef struct redis_link_reply {
    redis_link_reply_type type;
    long long integer;
    const char *str; /* STRING and ERROR; valid during the callback only */
    size_t len;
} redis_link_reply;

typedef void redis_link_reply_fn(void *ctx, const redis_link_reply *reply);

bool redis_link_available(void);

/* Start linking (the first attempt is made at once). The strings in cfg are
 * copied. Returns NULL with a reason in err. */
redis_link *redis_link_create(const redis_link_config *cfg, const redis_link_handler *handler,
                              uint64_t now_ms, char *err, size_t err_len);
/* Close both connections; pending command callbacks get REDIS_LINK_LOST.
 * No down event. Called from one of the link's own handlers, it frees the
 * link when redis_link_service() returns, so the handler's caller never
 * touches freed memory. */
void redis_link_destroy(redis_link *l);

bool redis_link_is_up(const redis_link *l);
/* Bytes queued for Redis and not yet written. */
bool redis_link_has_output(const redis_link *l);

/* Loop integration: add the connections' sockets for what hiredis waits
 * for; after the wait, read and write what is ready and run the timers. */
void redis_link_add_to_poll(redis_link *l, net_poll *p);
void redis_link_service(redis_link *l, const net_poll *p, uint64_t now_ms);
/* The next time service must run even if no socket is ready (UINT64_MAX:
 * none). */
uint64_t redis_link_next_deadline(const redis_link *l);

/* Publish data on the channel. 0 when queued; -1 when the link is not up,
 * or is over max_pending (the link is then dropped and retried). */
int redis_link_publish(redis_link *l, const void *data, size_t len);

/* Any command on the command connection (argv[i] is lens[i] bytes) but the
 * subscribing ones and MONITOR, which are refused: their replies never end.
 * fn runs once with the reply, or with REDIS_LINK_LOST if the link goes
 * first. Returns 0, or -1 (fn is then never called) as for publish. */
int redis_link_command(redis_link *l, redis_link_reply_fn *fn, void *ctx, int argc,
                       const char *const *argv, const size_t *lens);

#endif
