/* redis_link_hiredis.c - the cluster's Redis link over hiredis's asynchronous API,
 * driven by natter's select() loop (see redis_link.h for what it promises).
 *
 * hiredis does the protocol and buffering; it tells us through its adapter
 * hooks (ev.addRead ...) which way each connection waits, and we call its
 * redisAsyncHandleRead/Write when select() says so. Everything about time
 * is ours: hiredis 0.14 has no connect timeout and no reconnection.
 *
 * One rule keeps the teardown simple: hiredis callbacks never free
 * anything. They only record that the link failed (link_fail), and
 * redis_link_service() tears both connections down afterwards, outside any
 * hiredis callback, then schedules the next attempt. hiredis frees a
 * context by itself when its connection fails; its disconnect callback tells
 * us, and we forget the pointer. */
#include "core/redis_link.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/net.h"

/* hiredis 1.x renamed sds's functions; 0.14 (Debian 12) is what this is
 * tested with. */
#if HIREDIS_MAJOR >= 1
#define pending_bytes(ac) hi_sdslen((ac)->c.obuf)
#else
#define pending_bytes(ac) sdslen((ac)->c.obuf)
#endif

typedef enum link_state {
    LINK_WAITING,    /* until deadline_ms, then a new attempt */
    LINK_CONNECTING, /* both connections on their way; give up at deadline_ms */
    LINK_UP
} link_state;

typedef struct link_conn {
    redis_link *link;
    redisAsyncContext *ac; /* NULL when closed */
    bool want_read, want_write;
    bool ready; /* connected, authenticated, selected or subscribed */
} link_conn;

/* Once up, the command connection is asked PING this often; no answer
 * within connect_timeout_ms means Redis is frozen or cut off (TCP alone
 * would not notice for minutes), and the link is dropped and retried. */
#define PING_EVERY_MS 1000

struct redis_link {
    char *address, *password, *channel;
    int port, db;
    size_t max_pending;
    uint64_t connect_timeout_ms, retry_max_ms;
    redis_link_handler h;

    link_state state;
    link_conn sub, cmd;
    uint64_t deadline_ms;
    uint64_t retry_ms;
    bool failed; /* recorded by a callback; service tears down */
    char failure[256];
    bool tearing_down;
    bool said_unreachable; /* once per outage, not per attempt */
    /* Bytes hiredis still held for the command connection after the last
     * write attempt: what Redis has not taken (see may_send). */
    size_t unsent_after_write;
    uint64_t next_ping_ms, ping_sent_ms;
    bool ping_outstanding;
    /* Handlers run inside redis_link_service(); a destroy asked for there
     * waits until service returns. */
    int servicing;
    bool destroy_pending;
};

/* A command's callback and its context, hiredis's privdata. */
typedef struct pending_cmd {
    redis_link_reply_fn *fn;
    void *ctx;
} pending_cmd;

bool redis_link_available(void)
{
    return true;
}

static char *copy_string(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s ? s : "", n);
    return p;
}

static void link_log(redis_link *l, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (!l->h.log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    l->h.log(l->h.ctx, line);
}

/* Record the first reason; the teardown waits for redis_link_service(). */
static void link_fail(redis_link *l, const char *fmt, ...)
{
    va_list ap;
    if (l->failed || l->tearing_down)
        return;
    l->failed = true;
    va_start(ap, fmt);
    vsnprintf(l->failure, sizeof l->failure, fmt, ap);
    va_end(ap);
}

/* ---- hiredis's adapter hooks: remember which way the socket waits -------- */

static void hook_add_read(void *d)
{
    if (d)
        ((link_conn *)d)->want_read = true;
}
static void hook_del_read(void *d)
{
    if (d)
        ((link_conn *)d)->want_read = false;
}
static void hook_add_write(void *d)
{
    if (d)
        ((link_conn *)d)->want_write = true;
}
static void hook_del_write(void *d)
{
    if (d)
        ((link_conn *)d)->want_write = false;
}
static void hook_cleanup(void *d)
{
    link_conn *c = d;
    if (c)
        c->want_read = c->want_write = false;
}

/* ---- hiredis callbacks: record, never free -------------------------------- */

static void on_connect(const redisAsyncContext *ac, int status)
{
    link_conn *c = ac->data;
    if (!c || status == REDIS_OK)
        return;
    /* hiredis frees this context when we return. */
    c->ac = NULL;
    link_fail(c->link, "%s", ac->errstr[0] ? ac->errstr : "connection failed");
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    link_conn *c = ac->data;
    if (!c)
        return;
    c->ac = NULL;
    link_fail(c->link, "%s",
              status == REDIS_OK || !ac->errstr[0] ? "Redis closed the connection" : ac->errstr);
}

/* AUTH and SELECT: an error reply is the end of this attempt. */
static void on_setup_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply *reply = r;
    const char *what = privdata;
    link_conn *c = ac->data;
    if (!c || !reply || reply->type != REDIS_REPLY_ERROR)
        return;
    link_fail(c->link, "Redis refused %s: %s", what, reply->str);
}

/* The PING after AUTH and SELECT: the command connection is ready. */
static void on_ready_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply *reply = r;
    link_conn *c = ac->data;
    (void)privdata;
    if (!c || !reply)
        return;
    if (reply->type == REDIS_REPLY_ERROR)
        link_fail(c->link, "Redis: %s", reply->str);
    else
        c->ready = true;
}

/* Everything the subscribed connection receives: the SUBSCRIBE
 * confirmation, then the channel's messages. */
static void on_subscription(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply *reply = r;
    link_conn *c = ac->data;
    (void)privdata;
    if (!c || !reply || c->link->tearing_down)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        link_fail(c->link, "Redis: %s", reply->str);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING)
        return;
    const char *kind = reply->element[0]->str;
    if (strcmp(kind, "subscribe") == 0) {
        c->ready = true;
    } else if (strcmp(kind, "message") == 0 && reply->element[2]->type == REDIS_REPLY_STRING) {
        redis_link *l = c->link;
        if (l->state == LINK_UP && l->h.message)
            l->h.message(l->h.ctx, reply->element[2]->str, reply->element[2]->len);
    }
}

/* The answer to the heartbeat PING. */
static void on_heartbeat(redisAsyncContext *ac, void *r, void *privdata)
{
    link_conn *c = ac->data;
    (void)privdata;
    if (c && r)
        c->link->ping_outstanding = false;
}

static void on_command_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply *reply = r;
    pending_cmd *p = privdata;
    redis_link_reply out = {REDIS_LINK_LOST, 0, NULL, 0};
    (void)ac;
    if (reply) {
        switch (reply->type) {
        case REDIS_REPLY_NIL:
            out.type = REDIS_LINK_NIL;
            break;
        case REDIS_REPLY_INTEGER:
            out.type = REDIS_LINK_INTEGER;
            out.integer = reply->integer;
            break;
        case REDIS_REPLY_ERROR:
            out.type = REDIS_LINK_ERROR;
            out.str = reply->str;
            out.len = reply->len;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = REDIS_LINK_ARRAY;
            out.integer = (long long)reply->elements;
            break;
        default: /* STRING, STATUS */
            out.type = REDIS_LINK_STRING;
            out.str = reply->str;
            out.len = reply->len;
            break;
        }
    }
    if (p->fn)
        p->fn(p->ctx, &out);
    free(p);
}

/* ---- connections ---------------------------------------------------------- */

/* Start connection c (non-blocking connect) and queue its set-up commands,
 * which hiredis sends once connected. */
static void open_conn(redis_link *l, link_conn *c, bool subscriber)
{
    c->link = l;
    c->ready = false;
    c->want_read = c->want_write = false;
    redisAsyncContext *ac = redisAsyncConnect(l->address, l->port);
    if (!ac) {
        link_fail(l, "out of memory");
        return;
    }
    if (ac->err) {
        link_fail(l, "%s", ac->errstr);
        redisAsyncFree(ac);
        return;
    }
    ac->data = c;
    ac->ev.data = c;
    ac->ev.addRead = hook_add_read;
    ac->ev.delRead = hook_del_read;
    ac->ev.addWrite = hook_add_write;
    ac->ev.delWrite = hook_del_write;
    ac->ev.cleanup = hook_cleanup;
    /* After the hooks: setting the connect callback asks for writability,
     * which is how the end of a non-blocking connect shows. */
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    c->ac = ac;
    /* A peer that vanishes (a pulled cable) is noticed by TCP too. */
    (void)redisEnableKeepAlive(&ac->c);
    if (l->password[0])
        redisAsyncCommand(ac, on_setup_reply, (void *)"the password", "AUTH %s", l->password);
    if (subscriber) {
        redisAsyncCommand(ac, on_subscription, NULL, "SUBSCRIBE %s", l->channel);
    } else {
        if (l->db != 0)
            redisAsyncCommand(ac, on_setup_reply, (void *)"the database number", "SELECT %d",
                              l->db);
        redisAsyncCommand(ac, on_ready_reply, NULL, "PING");
    }
}

static void close_conn(link_conn *c)
{
    redisAsyncContext *ac = c->ac;
    c->ac = NULL;
    c->ready = false;
    c->want_read = c->want_write = false;
    if (ac) {
        /* Pending command callbacks still run (with no reply); ours ignore
         * everything but their own REDIS_LINK_LOST. */
        ac->data = NULL;
        ac->ev.data = NULL;
        redisAsyncFree(ac);
    }
}

static void start_attempt(redis_link *l, uint64_t now)
{
    l->unsent_after_write = 0;
    l->ping_outstanding = false;
    l->failed = false;
    l->failure[0] = '\0';
    l->state = LINK_CONNECTING;
    l->deadline_ms = now + l->connect_timeout_ms;
    open_conn(l, &l->sub, true);
    open_conn(l, &l->cmd, false);
}

/* Close both connections, tell whoever needs telling, and schedule the next
 * attempt after the backoff. */
static void tear_down(redis_link *l, uint64_t now)
{
    bool was_up = l->state == LINK_UP;
    char why[sizeof l->failure];
    snprintf(why, sizeof why, "%s", l->failure[0] ? l->failure : "link lost");
    l->tearing_down = true;
    close_conn(&l->sub);
    close_conn(&l->cmd);
    l->tearing_down = false;
    l->failed = false;
    l->state = LINK_WAITING;
    l->deadline_ms = now + l->retry_ms;
    if (was_up) {
        link_log(l, "cluster: lost the link to Redis at %s:%d (%s); trying again", l->address,
                 l->port, why);
        l->said_unreachable = true;
        if (l->h.down)
            l->h.down(l->h.ctx, why);
    } else if (!l->said_unreachable) {
        link_log(l,
                 "cluster: cannot link to Redis at %s:%d (%s); trying again every %.1f s at most",
                 l->address, l->port, why, (double)l->retry_max_ms / 1000.0);
        l->said_unreachable = true;
    }
    l->retry_ms *= 2;
    if (l->retry_ms > l->retry_max_ms)
        l->retry_ms = l->retry_max_ms;
}

redis_link *redis_link_create(const redis_link_config *cfg, const redis_link_handler *handler,
                              uint64_t now_ms, char *err, size_t err_len)
{
    if (!cfg->address || !cfg->address[0] || !cfg->channel || !cfg->channel[0] || cfg->port <= 0 ||
        cfg->port > 65535) {
        snprintf(err, err_len, "cluster: a Redis address, port and channel are needed");
        return NULL;
    }
    redis_link *l = calloc(1, sizeof *l);
    if (!l || !(l->address = copy_string(cfg->address)) ||
        !(l->password = copy_string(cfg->password)) || !(l->channel = copy_string(cfg->channel))) {
        snprintf(err, err_len, "cluster: out of memory");
        redis_link_destroy(l);
        return NULL;
    }
    /* hiredis writes with write(), not net_send(): a Redis that goes away
     * must be an error, not a fatal SIGPIPE. */
    net_ignore_broken_pipe();
    l->port = cfg->port;
    l->db = cfg->db;
    l->max_pending = cfg->max_pending ? cfg->max_pending : REDIS_LINK_DEFAULT_MAX_PENDING;
    l->connect_timeout_ms =
        cfg->connect_timeout_ms ? cfg->connect_timeout_ms : REDIS_LINK_DEFAULT_CONNECT_TIMEOUT_MS;
    l->retry_max_ms = cfg->retry_max_ms ? cfg->retry_max_ms : REDIS_LINK_DEFAULT_RETRY_MAX_MS;
    l->retry_ms = REDIS_LINK_FIRST_RETRY_MS;
    l->h = *handler;
    start_attempt(l, now_ms);
    return l;
}

static void free_link(redis_link *l)
{
    l->tearing_down = true;
    close_conn(&l->sub);
    close_conn(&l->cmd);
    free(l->address);
    free(l->password);
    free(l->channel);
    free(l);
}

void redis_link_destroy(redis_link *l)
{
    if (!l)
        return;
    if (l->servicing || l->tearing_down) {
        l->destroy_pending = true;
        return;
    }
    free_link(l);
}

bool redis_link_has_output(const redis_link *l)
{
    return l->cmd.ac && pending_bytes(l->cmd.ac) > 0;
}

bool redis_link_is_up(const redis_link *l)
{
    return l->state == LINK_UP && !l->failed;
}

static void add_conn(link_conn *c, net_poll *p)
{
    int events = (c->want_read ? NET_POLL_READ : 0) | (c->want_write ? NET_POLL_WRITE : 0);
    if (c->ac && events)
        (void)net_poll_add(p, (net_socket)c->ac->c.fd, events);
}

void redis_link_add_to_poll(redis_link *l, net_poll *p)
{
    add_conn(&l->sub, p);
    add_conn(&l->cmd, p);
}

static void service_conn(link_conn *c, const net_poll *p)
{
    if (!c->ac)
        return;
    int ev = net_poll_ready(p, (net_socket)c->ac->c.fd);
    /* Reading may end the connection (hiredis frees it; c->ac is NULL). */
    if ((ev & NET_POLL_READ) && c->ac)
        redisAsyncHandleRead(c->ac);
    if ((ev & NET_POLL_WRITE) && c->ac)
        redisAsyncHandleWrite(c->ac);
}

static void heartbeat(redis_link *l, uint64_t now)
{
    if (l->ping_outstanding) {
        if (now - l->ping_sent_ms >= l->connect_timeout_ms)
            link_fail(l, "no answer from Redis within %.1f s",
                      (double)l->connect_timeout_ms / 1000.0);
    } else if (now >= l->next_ping_ms && l->cmd.ac) {
        if (redisAsyncCommand(l->cmd.ac, on_heartbeat, NULL, "PING") == REDIS_OK) {
            l->ping_outstanding = true;
            l->ping_sent_ms = now;
            l->next_ping_ms = now + PING_EVERY_MS;
        } else {
            /* hiredis refuses commands on a connection it is closing. */
            link_fail(l, "the connection to Redis is closing");
        }
    }
}

static void service_all(redis_link *l, const net_poll *p, uint64_t now_ms)
{
    if (p) {
        service_conn(&l->sub, p);
        service_conn(&l->cmd, p);
        if (l->cmd.ac)
            l->unsent_after_write = pending_bytes(l->cmd.ac);
    }
    if (!l->failed && l->state == LINK_CONNECTING) {
        if (l->sub.ready && l->cmd.ready) {
            l->state = LINK_UP;
            l->retry_ms = REDIS_LINK_FIRST_RETRY_MS;
            l->said_unreachable = false;
            l->next_ping_ms = now_ms + PING_EVERY_MS;
            link_log(l, "cluster: linked to Redis at %s:%d", l->address, l->port);
            if (l->h.up)
                l->h.up(l->h.ctx);
        } else if (now_ms >= l->deadline_ms) {
            link_fail(l, "no answer within %.1f s", (double)l->connect_timeout_ms / 1000.0);
        }
    }
    if (!l->failed && l->state == LINK_UP)
        heartbeat(l, now_ms);
    if (l->failed)
        tear_down(l, now_ms);
    else if (l->state == LINK_WAITING && now_ms >= l->deadline_ms)
        start_attempt(l, now_ms);
}

void redis_link_service(redis_link *l, const net_poll *p, uint64_t now_ms)
{
    l->servicing++;
    service_all(l, p, now_ms);
    l->servicing--;
    if (l->destroy_pending && l->servicing == 0)
        free_link(l);
}

uint64_t redis_link_next_deadline(const redis_link *l)
{
    if (l->failed)
        return 0;
    if (l->state != LINK_UP)
        return l->deadline_ms;
    return l->ping_outstanding ? l->ping_sent_ms + l->connect_timeout_ms : l->next_ping_ms;
}

/* May another command go to Redis now? hiredis sends its buffer when the
 * loop services the link, so what counts is what was left over after the
 * last write attempt: more than max_pending of that means Redis is not
 * taking our output (slow or stuck), and the link is dropped. Commands
 * queued within one pass are not counted against it. */
static bool may_send(redis_link *l)
{
    if (l->state != LINK_UP || l->failed || !l->cmd.ac)
        return false;
    /* Going down already (hiredis is running the lost replies' callbacks):
     * its own reason will follow. */
    if (l->cmd.ac->c.flags & (REDIS_DISCONNECTING | REDIS_FREEING)) {
        link_fail(l, "the connection to Redis is closing");
        return false;
    }
    if (l->unsent_after_write > l->max_pending) {
        link_fail(l, "Redis is not keeping up: %zu bytes not taken", l->unsent_after_write);
        return false;
    }
    return true;
}

/* Subscribing commands keep their callback for every later message (and
 * MONITOR repeats it): they belong to the subscriber connection, not here. */
static bool subscribing_command(const char *w, size_t n)
{
    static const char *const refused[] = {"subscribe",   "psubscribe",   "ssubscribe",
                                          "unsubscribe", "punsubscribe", "monitor"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        size_t len = strlen(refused[i]), j = 0;
        if (len != n)
            continue;
        while (j < n && (w[j] | 0x20) == refused[i][j])
            j++;
        if (j == n)
            return true;
    }
    return false;
}

int redis_link_publish(redis_link *l, const void *data, size_t len)
{
    if (!may_send(l))
        return -1;
    if (redisAsyncCommand(l->cmd.ac, NULL, NULL, "PUBLISH %s %b", l->channel, data, len) !=
        REDIS_OK) {
        link_fail(l, "cannot queue a message for Redis");
        return -1;
    }
    return 0;
}

int redis_link_command(redis_link *l, redis_link_reply_fn *fn, void *ctx, int argc,
                       const char *const *argv, const size_t *lens)
{
    if (argc < 1 || subscribing_command(argv[0], lens[0]) || !may_send(l))
        return -1;
    pending_cmd *p = malloc(sizeof *p);
    if (!p)
        return -1;
    p->fn = fn;
    p->ctx = ctx;
    if (redisAsyncCommandArgv(l->cmd.ac, on_command_reply, p, argc, (const char **)argv, lens) !=
        REDIS_OK) {
        free(p);
        link_fail(l, "cannot queue a command for Redis");
        return -1;
    }
    return 0;
}
