/* server.c - natter's select() loop: listening sockets, connections with
 * their input framers and output queues, flood control, and the chat (the
 * model in chat.c, spoken to through the natter front-end in natter_fe.c).
 *
 * One thread, nothing ever blocks. Each iteration builds the readiness sets
 * from the connection list, waits in select(), then accepts, reads and frames
 * lines (handing them to the front-end), and finally writes. Output the chat
 * produces during an iteration only lands in each connection's queue; it is
 * sent afterwards with one send() per connection, so many messages to one
 * client cost one system call. Under sustained load the loop also paces
 * itself (write coalescing, see update_coalescing): an iteration starts no
 * sooner than T after the one before, so one send() carries many messages
 * and one select() finds many ready sockets. Departures caused while the room is talking
 * (a queue overflowing, a send failing) are recorded on the connection and
 * carried out between phases, so the chat is never re-entered. */
#include "core/server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "core/buffer.h"
#include "core/linebuf.h"
#include "core/ratelimit.h"
#include "core/chat.h"
#include "core/cluster.h"
#include "core/irc_fe.h"
#include "core/redis_link.h"
#include "core/redis_url.h"
#include "core/natter_fe.h"
#include "core/transport.h"
#include "platform/clock.h"
#include "platform/poll.h"
#include "platform/tls.h"

/* Read at most this much per connection per iteration, so one busy client
 * cannot starve the others. */
#define READ_CHUNK 16384
/* Descriptors kept for ourselves (listeners, wake-up pair, stdio) when working
 * out how many clients select() can hold. */
#define RESERVED_SOCKETS (SERVER_MAX_LISTENERS + 8)
/* After running out of descriptors, stop accepting for this long instead of
 * spinning on a listener that stays readable. */
#define ACCEPT_BACKOFF_MS 250
/* How long a closing connection may take to drain (flush our output, then
 * wait for the peer's FIN so our close does not reset what it has not read). */
#define CLOSE_LINGER_MS 2000
/* The longest select() sleeps without a timer; a safety net only. */
#define MAX_WAIT_MS 1000
/* Write coalescing re-derives its wait from the sends of this long. */
#define COALESCE_WINDOW_US 100000
/* An output queue emptied by a send keeps up to this much storage while its
 * connection is busy; connections not sent to for a whole coalescing window
 * give it back (update_coalescing), so idle ones hold none. */
#define OUT_KEEP_CAP 16384

typedef enum conn_state {
    CONN_OPEN,     /* reading and writing */
    CONN_CLOSING,  /* member gone; flushing our output */
    CONN_DRAINING, /* output sent and FIN sent; discarding input until EOF */
    CONN_DEAD      /* socket closed; freed at the end of the iteration */
} conn_state;

/* How a departing connection is closed. */
typedef enum leave_mode {
    LEAVE_FLUSH, /* send what is queued, then close (peer hung up) */
    LEAVE_CLOSE, /* close now (the connection is already broken) */
    LEAVE_RESET  /* reset now: a too-slow client may have megabytes in the
                  * kernel's send buffer, and a reset frees them at once
                  * instead of trickling them to a reader that is not there */
} leave_mode;

typedef struct connection {
    net_socket sock;
    transport io; /* plain or TLS over sock */
    conn_state state;
    char peer[64];
    line_framer in;
    byte_queue out;
    const frontend *fe; /* the protocol of the listener it came in on */
    void *session;      /* the front-end's; NULL once it has forgotten it,
                         * and until a TLS handshake has finished */
    rate_limiter flood;
    uint64_t resume_ms;       /* flood control: do not read before this; 0 = not paused */
    uint64_t deadline_ms;     /* CLOSING/DRAINING, TLS handshake: close at this time */
    bool peer_eof;            /* the peer sent FIN; finish its pending lines, then leave */
    bool dirty;               /* in the server's dirty list: output to send */
    bool closing;             /* in the server's closing list (CLOSING, DRAINING, DEAD) */
    const char *leave_reason; /* set: in the departing list; see leave_how */
    leave_mode leave_how;
    size_t index;         /* where it is in server.conns */
    uint32_t send_window; /* the coalescing window it was last counted in */
} connection;

/* Connections that need attention this iteration, so that handling them
 * never walks every connection: with 10,000 mostly idle clients only the
 * building of the select() sets and the scan of what is ready are O(n).
 * Each connection is in each list at most once (the flag in the
 * connection says so), and every list has room for every connection
 * (reserved when one is accepted), so adding to a list cannot fail. */
typedef struct conn_list {
    connection **items;
    size_t count;
    size_t cap;
} conn_list;

/* The last time stamp formatted for the front-ends: every event carries
 * one, and localtime_r plus formatting per event was about 3% of a busy
 * server's CPU (perf, issue 12's steady stream), all for the same second. */
typedef struct stamp_cache {
    bool valid;
    int64_t t;
    char date[11], hms[9];
} stamp_cache;

struct server {
    stamp_cache stamp;
    cluster *cluster; /* NULL without --cluster */
    server_config cfg;
    net_socket listeners[SERVER_MAX_LISTENERS];
    const frontend *listener_fe[SERVER_MAX_LISTENERS];
    bool listener_tls[SERVER_MAX_LISTENERS];
    int listener_count;
    int first_listener[4]; /* index of the first of each listener_kind; -1: none */
    tls_server_ctx *tls;   /* NULL: no TLS */
    volatile sig_atomic_t reload_requested;
    net_socket wake[2]; /* [1] is written to wake the loop, [0] is read */
    volatile sig_atomic_t stop_requested;
    net_poll *poll;
    chat *chat;
    natter_fe *natter;
    irc_fe *irc;     /* NULL when IRC is off */
    frontend fes[2]; /* [0] natter, [1] IRC */
    int fe_count;
    connection **conns;
    size_t conn_count;
    size_t conn_cap;
    conn_list departing; /* leave_reason set, not yet carried out */
    conn_list dirty;     /* output to try to send this iteration */
    conn_list closing;   /* on their way out; they do not count as clients */
    int capacity;
    int select_room; /* connections select() can wait on besides ours */
    uint64_t accept_resume_ms;
    int poll_failures; /* consecutive select() errors */
    char *read_scratch;
    /* Write coalescing: the pace (0: none), when an iteration last sent
     * something, and the window in which the connections sent to are
     * counted. */
    uint64_t coalesce_us;
    uint64_t last_flush_us;
    uint64_t window_start_us;
    uint32_t window_id;
    size_t window_conns;
    server_stats stats;
};

/* The four kinds of listener, in the order they are opened. */
enum listener_kind { LISTEN_NATTER, LISTEN_IRC, LISTEN_NATTER_TLS, LISTEN_IRC_TLS };

/* ---- logging ----------------------------------------------------------- */

static void server_log(server *s, int kind, const char *fmt, ...)
{
    if (!s->cfg.log)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->cfg.log(s->cfg.log_ctx, kind, line);
}

/* ---- departures, recorded ---------------------------------------------- */

/* Record that c must leave; handle_departures() carries it out between
 * phases, so nothing here re-enters the room. The first reason stands. */
static void list_push(conn_list *l, connection *c)
{
    /* Room was reserved in reserve_lists(). */
    if (l->count < l->cap)
        l->items[l->count++] = c;
}

static void mark_departure(server *s, connection *c, const char *reason, leave_mode how)
{
    if (c->leave_reason)
        return;
    c->leave_reason = reason;
    c->leave_how = how;
    list_push(&s->departing, c);
}

static void mark_dirty(server *s, connection *c)
{
    if (c->dirty)
        return;
    c->dirty = true;
    list_push(&s->dirty, c);
}

static void mark_closing(server *s, connection *c)
{
    if (c->closing)
        return;
    c->closing = true;
    list_push(&s->closing, c);
}

static void begin_close(server *s, connection *c, uint64_t now)
{
    c->state = CONN_CLOSING;
    c->deadline_ms = now + CLOSE_LINGER_MS;
    mark_closing(s, c);
}

/* Tell the front-end c is gone (if it still has a session there). */
static void leave_chat(server *s, connection *c, const char *reason)
{
    void *session = c->session;
    (void)s;
    if (!session)
        return;
    c->session = NULL;
    c->fe->left(c->fe->fe, session, reason);
}

/* ---- front-end and model callbacks -------------------------------------- */

static void flush_connection(server *s, connection *c);

/* The front-end queues lines for one connection. Past max_queue the client is
 * not keeping up: it is dropped (as "too slow") rather than letting the
 * server's memory or the other clients pay for it. */
static void fe_send_cb(void *ctx, void *conn, const char *data, size_t len)
{
    server *s = ctx;
    connection *c = conn;
    if (c->state != CONN_OPEN && c->state != CONN_CLOSING)
        return;
    if (c->leave_reason)
        return; /* already on its way out */
    /* Output is normally sent once per iteration; before calling a client
     * too slow, give the kernel what it will take now, so a burst within
     * one iteration never counts against a client that is reading. */
    if (byte_queue_length(&c->out) + len > s->cfg.max_queue)
        flush_connection(s, c);
    if (c->leave_reason)
        return;
    /* One line always fits in an empty queue, whatever the limit. */
    bool over =
        byte_queue_length(&c->out) > 0 && byte_queue_length(&c->out) + len > s->cfg.max_queue;
    if (over || byte_queue_append(&c->out, data, len) != 0) {
        mark_departure(s, c, "too slow", LEAVE_RESET);
        return;
    }
    s->stats.lines_queued++;
    mark_dirty(s, c);
}

/* /quit: the front-end said goodbye and forgot the session; flush, then close. */
static void fe_close_cb(void *ctx, void *conn)
{
    server *s = ctx;
    connection *c = conn;
    c->session = NULL;
    if (c->state == CONN_OPEN)
        begin_close(s, c, clock_monotonic_ms());
}

static void fe_local_time_cb(void *ctx, int64_t t, char date[11], char hms[9])
{
    server *s = ctx;
    if (!s->stamp.valid || s->stamp.t != t) {
        clock_local_date_hms(t, s->stamp.date, s->stamp.hms);
        s->stamp.t = t;
        s->stamp.valid = true;
    }
    memcpy(date, s->stamp.date, sizeof s->stamp.date);
    memcpy(hms, s->stamp.hms, sizeof s->stamp.hms);
}

static int64_t chat_now_cb(void *ctx)
{
    (void)ctx;
    return clock_wall_seconds();
}

static void log_cb(void *ctx, int kind, const char *text)
{
    server *s = ctx;
    if (s->cfg.log)
        s->cfg.log(s->cfg.log_ctx, kind, text);
}

/* ---- configuration and set-up ----------------------------------------- */

void server_config_defaults(server_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->bind_host = NULL;
    cfg->port = SERVER_DEFAULT_PORT;
    cfg->max_clients = SERVER_DEFAULT_MAX_CLIENTS;
    cfg->max_line = SERVER_DEFAULT_MAX_LINE;
    cfg->max_queue = SERVER_DEFAULT_MAX_QUEUE;
    cfg->rate = SERVER_DEFAULT_RATE;
    cfg->burst = SERVER_DEFAULT_BURST;
    cfg->shutdown_flush_ms = 2000;
    cfg->max_rooms = CHAT_DEFAULT_MAX_ROOMS;
    cfg->history = CHAT_DEFAULT_HISTORY;
    cfg->open_topic = false;
    cfg->default_room = CHAT_DEFAULT_ROOM;
    cfg->announce_limit = NATTER_DEFAULT_ANNOUNCE_LIMIT;
    cfg->irc_port = NULL;
    cfg->server_name = "natter";
    cfg->network = "natter";
    cfg->motd = NULL;
    cfg->show_hosts = false;
    cfg->irc_ping_interval_ms = IRC_DEFAULT_PING_INTERVAL_MS;
    cfg->irc_ping_timeout_ms = IRC_DEFAULT_PING_TIMEOUT_MS;
    cfg->register_timeout_ms = SERVER_DEFAULT_REGISTER_TIMEOUT_MS;
    cfg->tls_port = SERVER_DEFAULT_TLS_PORT;
    cfg->irc_tls_port = SERVER_DEFAULT_IRC_TLS_PORT;
    cfg->tls_handshake_timeout_ms = SERVER_DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
    cfg->send_budget = SERVER_DEFAULT_SEND_BUDGET;
    cfg->coalesce_max_ms = SERVER_DEFAULT_COALESCE_MAX_MS;
}

/* "0.0.0.0:8923", "[::1]:8923", "localhost:8923" for error messages. */
static void format_bind_address(const server_config *cfg, const char *port, char *buf, size_t len)
{
    const char *host = cfg->bind_host;
    if (!host || !*host || strcmp(host, "*") == 0)
        host = "0.0.0.0";
    if (strchr(host, ':'))
        snprintf(buf, len, "[%s]:%s", host, port);
    else
        snprintf(buf, len, "%s:%s", host, port);
}

/* Listen on port for fe (over TLS or not), after the listeners there are. */
static int listen_for(server *s, int kind, const char *port, const frontend *fe, char *err,
                      size_t err_len)
{
    char reason[256] = "";
    int room = SERVER_MAX_LISTENERS - s->listener_count;
    int n = net_listen(s->cfg.bind_host, port, s->listeners + s->listener_count, room, reason,
                       sizeof reason);
    if (n < 1) {
        char where[300];
        format_bind_address(&s->cfg, port, where, sizeof where);
        snprintf(err, err_len, "cannot listen on %s: %s", where, reason);
        return -1;
    }
    s->first_listener[kind] = s->listener_count;
    for (int i = 0; i < n; i++) {
        s->listener_fe[s->listener_count + i] = fe;
        s->listener_tls[s->listener_count + i] =
            kind == LISTEN_NATTER_TLS || kind == LISTEN_IRC_TLS;
    }
    s->listener_count += n;
    return 0;
}

/* Every listener the configuration asks for. */
static int open_listeners(server *s, char *err, size_t err_len)
{
    const server_config *cfg = &s->cfg;
    const frontend *irc = s->irc ? &s->fes[1] : NULL;
    if (!cfg->no_plain) {
        if (listen_for(s, LISTEN_NATTER, cfg->port, &s->fes[0], err, err_len) != 0)
            return -1;
        if (irc && cfg->irc_port &&
            listen_for(s, LISTEN_IRC, cfg->irc_port, irc, err, err_len) != 0)
            return -1;
    }
    if (s->tls) {
        if (cfg->tls_port &&
            listen_for(s, LISTEN_NATTER_TLS, cfg->tls_port, &s->fes[0], err, err_len) != 0)
            return -1;
        if (irc && cfg->irc_tls_port &&
            listen_for(s, LISTEN_IRC_TLS, cfg->irc_tls_port, irc, err, err_len) != 0)
            return -1;
    }
    if (s->listener_count == 0) {
        snprintf(err, err_len, "nothing to listen on (--no-plain without a TLS port)");
        return -1;
    }
    return 0;
}

/* The certificate and key, checked now so that a bad file is one clear
 * line at start rather than a failure at the first connection. */
static int load_tls(server *s, char *err, size_t err_len)
{
    const server_config *cfg = &s->cfg;
    if (!cfg->tls_cert && !cfg->tls_key) {
        if (cfg->no_plain) {
            snprintf(err, err_len, "--no-plain needs --tls-cert and --tls-key");
            return -1;
        }
        return 0;
    }
    if (!cfg->tls_cert || !cfg->tls_key) {
        snprintf(err, err_len, "TLS needs both --tls-cert and --tls-key");
        return -1;
    }
    if (!tls_server_available()) {
        snprintf(err, err_len, "TLS is not available in this build");
        return -1;
    }
    s->tls = tls_server_ctx_create(cfg->tls_cert, cfg->tls_key, err, err_len);
    return s->tls ? 0 : -1;
}

/* SIGHUP: new connections get the files as they are now. A failure keeps
 * the certificate in use, so a half-copied renewal cannot take TLS down. */
static void reload_tls(server *s)
{
    char err[256] = "";
    s->reload_requested = 0;
    if (!s->tls) {
        server_log(s, CHAT_LOG_EVENT, "reload requested, but TLS is not configured");
        return;
    }
    tls_server_ctx *fresh = tls_server_ctx_create(s->cfg.tls_cert, s->cfg.tls_key, err, sizeof err);
    if (!fresh) {
        server_log(s, CHAT_LOG_EVENT, "TLS reload failed: %s; keeping the certificate in use", err);
        return;
    }
    tls_server_ctx_free(s->tls); /* connections keep their own reference */
    s->tls = fresh;
    server_log(s, CHAT_LOG_EVENT, "TLS certificate and key reloaded from %s and %s",
               s->cfg.tls_cert, s->cfg.tls_key);
}

/* The model and the front-ends, from the configuration. */
static int create_chat(server *s)
{
    const server_config *cfg = &s->cfg;
    chat_config cc;
    chat_config_defaults(&cc);
    cc.max_rooms = cfg->max_rooms;
    cc.history = cfg->history;
    cc.open_topic = cfg->open_topic;
    cc.default_room = cfg->default_room;
    cc.show_hosts = cfg->show_hosts;
    chat_ops co = {s, chat_now_cb, log_cb};
    frontend_io io = {s, fe_send_cb, fe_close_cb, log_cb, fe_local_time_cb};
    s->chat = chat_create(&cc, &co);
    if (!s->chat)
        return -1;
    natter_fe_config nc = {cfg->max_line, cfg->announce_limit, cfg->register_timeout_ms,
                           cfg->idle_timeout_ms};
    s->natter = natter_fe_create(s->chat, &nc, &io);
    if (!s->natter)
        return -1;
    s->fes[s->fe_count++] = natter_fe_frontend(s->natter);
    /* IRC is on when either of its ports is: plain, or over TLS. */
    if (cfg->irc_port || (cfg->tls_cert && cfg->irc_tls_port)) {
        irc_fe_config ic;
        char created[32];
        irc_fe_config_defaults(&ic);
        clock_local_datetime(created, sizeof created);
        ic.server_name = cfg->server_name;
        ic.network = cfg->network;
        ic.version = cfg->version ? cfg->version : "dev";
        ic.created = created;
        ic.motd = cfg->motd;
        ic.ping_interval_ms = cfg->irc_ping_interval_ms;
        ic.ping_timeout_ms = cfg->irc_ping_timeout_ms;
        ic.register_timeout_ms = cfg->register_timeout_ms;
        ic.idle_timeout_ms = cfg->idle_timeout_ms;
        s->irc = irc_fe_create(s->chat, &ic, &io);
        if (!s->irc)
            return -1;
        s->fes[s->fe_count++] = irc_fe_frontend(s->irc);
    }
    return 0;
}

static void cluster_log_cb(void *ctx, const char *line)
{
    server_log((server *)ctx, CHAT_LOG_EVENT, "%s", line);
}

/* --cluster: parse the URL, resolve Redis's host (blocking, but before the
 * loop runs), name this node, link. */
static int start_cluster(server *s, char *err, size_t err_len)
{
    const server_config *cfg = &s->cfg;
    redis_url url;
    char reason[200], address[64], node[CLUSTER_NODE_MAX + 1];

    if (!redis_link_available()) {
        snprintf(err, err_len, "cluster mode is not available in this build");
        return -1;
    }
    if (redis_url_parse(cfg->cluster_url, &url, reason, sizeof reason) != 0) {
        snprintf(err, err_len, "--cluster: %s", reason);
        return -1;
    }
    if (net_resolve_address(url.host, address, sizeof address, reason, sizeof reason) != 0) {
        snprintf(err, err_len, "--cluster: cannot resolve %s: %s", url.host, reason);
        return -1;
    }
    if (cfg->node_name) {
        snprintf(node, sizeof node, "%s", cfg->node_name);
    } else {
        char host[256];
        snprintf(node, sizeof node, "%s:%d", net_host_name(host, sizeof host), server_port(s));
    }
    cluster_config cc = {address, url.port, url.password[0] ? url.password : cfg->redis_password,
                         url.db,  node,     cfg->cluster_lease_ms};
    s->cluster =
        cluster_create(s->chat, &cc, cluster_log_cb, s, clock_monotonic_ms(), err, err_len);
    if (!s->cluster)
        return -1;
    server_log(s, CHAT_LOG_EVENT, "cluster: node %s, Redis at %s:%d (database %d)", node, address,
               url.port, url.db);
    return 0;
}

server *server_create(const server_config *cfg, char *err, size_t err_len)
{
    char reason[256] = "";
    server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->wake[0] = s->wake[1] = NET_INVALID_SOCKET;
    for (int k = 0; k < 4; k++)
        s->first_listener[k] = -1;

    if (net_init() != 0) {
        snprintf(err, err_len, "cannot initialise networking");
        free(s);
        return NULL;
    }
    if (create_chat(s) != 0) {
        snprintf(err, err_len, "cannot start: out of memory");
        server_destroy(s);
        return NULL;
    }
    if (load_tls(s, err, err_len) != 0 || open_listeners(s, err, err_len) != 0 ||
        (cfg->cluster_url && start_cluster(s, err, err_len) != 0)) {
        server_destroy(s);
        return NULL;
    }

    s->poll = net_poll_create();
    s->read_scratch = malloc(READ_CHUNK);
    if (!s->poll || !s->read_scratch || net_socket_pair(s->wake, reason, sizeof reason) != 0) {
        snprintf(err, err_len, "cannot start: %s", reason[0] ? reason : "out of memory");
        server_destroy(s);
        return NULL;
    }

    int select_room = net_poll_capacity() - RESERVED_SOCKETS;
    s->select_room = select_room;
    s->capacity = cfg->max_clients < select_room ? cfg->max_clients : select_room;
    if (s->capacity < 1)
        s->capacity = 1;
    /* Ask for enough descriptors for that many clients. If the system will
     * not give them, accept() fails with EMFILE later and the loop backs off
     * (see accept_connections); the limit is reported once here. */
    long fd_limit = net_raise_descriptor_limit((long)s->capacity + RESERVED_SOCKETS);
    if (fd_limit >= 0 && fd_limit < (long)s->capacity + RESERVED_SOCKETS)
        server_log(s, CHAT_LOG_EVENT,
                   "note: the open-file limit (%ld) allows fewer than %d clients; "
                   "raise it with ulimit -n",
                   fd_limit, s->capacity);
    return s;
}

static void connection_free(connection *c)
{
    transport_free(&c->io);
    if (c->state != CONN_DEAD && c->sock != NET_INVALID_SOCKET)
        net_close(c->sock);
    line_framer_free(&c->in);
    byte_queue_free(&c->out);
    free(c);
}

void server_destroy(server *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->conn_count; i++)
        connection_free(s->conns[i]);
    free(s->conns);
    free(s->departing.items);
    free(s->dirty.items);
    free(s->closing.items);
    cluster_destroy(s->cluster);
    /* Sessions first: they refer to users the chat owns. */
    if (s->natter)
        natter_fe_destroy(s->natter);
    if (s->irc)
        irc_fe_destroy(s->irc);
    if (s->chat)
        chat_destroy(s->chat);
    if (s->poll)
        net_poll_destroy(s->poll);
    if (s->tls)
        tls_server_ctx_free(s->tls);
    for (int i = 0; i < s->listener_count; i++)
        net_close(s->listeners[i]);
    if (s->wake[0] != NET_INVALID_SOCKET)
        net_close(s->wake[0]);
    if (s->wake[1] != NET_INVALID_SOCKET)
        net_close(s->wake[1]);
    free(s->read_scratch);
    free(s);
    net_cleanup();
}

int server_listener_count(const server *s)
{
    return s->listener_count;
}

const char *server_listener_name(const server *s, int i, char *buf, size_t len)
{
    return net_local_name(s->listeners[i], buf, len);
}

const char *server_listener_protocol(const server *s, int i)
{
    if (!s->listener_tls[i])
        return s->listener_fe[i]->protocol;
    return s->listener_fe[i] == &s->fes[0] ? "natter over TLS" : "irc over TLS";
}

static int kind_port(const server *s, int kind)
{
    int i = s->first_listener[kind];
    return i < 0 ? 0 : net_local_port(s->listeners[i]);
}

int server_port(const server *s)
{
    return kind_port(s, LISTEN_NATTER);
}

int server_irc_port(const server *s)
{
    return kind_port(s, LISTEN_IRC);
}

int server_tls_port(const server *s)
{
    return kind_port(s, LISTEN_NATTER_TLS);
}

int server_irc_tls_port(const server *s)
{
    return kind_port(s, LISTEN_IRC_TLS);
}

int server_capacity(const server *s)
{
    return s->capacity;
}

void server_get_stats(const server *s, server_stats *out)
{
    *out = s->stats;
}

void server_request_stop(void *arg)
{
    server *s = arg;
    s->stop_requested = 1;
    /* Best effort: if the pipe is full the loop is already awake. */
    (void)net_send(s->wake[1], "x", 1);
}

void server_request_reload(void *arg)
{
    server *s = arg;
    s->reload_requested = 1;
    (void)net_send(s->wake[1], "x", 1);
}

/* ---- accepting --------------------------------------------------------- */

/* Refuse a connection we cannot serve: one line telling why, then close.
 * The socket is new and its send buffer empty, so the line fits. */
static void refuse_connection(server *s, net_socket sock, int listener, const char *why_log)
{
    char peer[64], msg[128];
    const frontend *fe = s->listener_fe[listener];
    net_peer_name(sock, peer, sizeof peer);
    if (s->listener_tls[listener]) {
        /* Nothing readable can be said before a handshake. */
        net_close(sock);
        server_log(s, CHAT_LOG_EVENT, "refused %s (%s)", peer, why_log);
        return;
    }
    /* In the words of the protocol the client speaks. */
    int n = fe == &s->fes[0]
                ? snprintf(msg, sizeof msg, "! Server full (%d users). Try again later.\r\n",
                           s->capacity)
                : snprintf(msg, sizeof msg,
                           "ERROR :Closing Link: Server full (%d users). Try again later.\r\n",
                           s->capacity);
    (void)net_send(sock, msg, (size_t)n);
    net_close(sock);
    server_log(s, CHAT_LOG_EVENT, "refused %s (%s)", peer, why_log);
}

static int list_reserve(conn_list *l, size_t cap)
{
    if (l->cap >= cap)
        return 0;
    connection **grown = realloc(l->items, cap * sizeof *grown);
    if (!grown)
        return -1;
    l->items = grown;
    l->cap = cap;
    return 0;
}

/* Room for one more connection in the array and in every list. */
static int conns_reserve(server *s)
{
    if (s->conn_count < s->conn_cap)
        return 0;
    size_t cap = s->conn_cap ? s->conn_cap * 2 : 64;
    if (list_reserve(&s->departing, cap) != 0 || list_reserve(&s->dirty, cap) != 0 ||
        list_reserve(&s->closing, cap) != 0)
        return -1;
    connection **grown = realloc(s->conns, cap * sizeof *grown);
    if (!grown)
        return -1;
    s->conns = grown;
    s->conn_cap = cap;
    return 0;
}

/* Connections that count toward --max-clients: not those on their way out. */
static size_t client_count(const server *s)
{
    return s->conn_count - s->closing.count;
}

/* The front-end meets the connection: at once, or after its TLS handshake. */
static void start_session(server *s, connection *c)
{
    c->session = c->fe->connected(c->fe->fe, c, c->peer);
    if (!c->session)
        mark_departure(s, c, "out of memory", LEAVE_CLOSE);
}

static void add_connection(server *s, net_socket sock, int listener, uint64_t now)
{
    const frontend *fe = s->listener_fe[listener];
    (void)net_set_send_buffer(sock, SERVER_SEND_BUFFER); /* best effort */
    (void)net_set_keepalive(sock);
    connection *c = calloc(1, sizeof *c);
    if (!c || conns_reserve(s) != 0 || line_framer_init(&c->in, fe->max_line) != 0) {
        if (c)
            line_framer_free(&c->in);
        free(c);
        net_close(sock);
        server_log(s, CHAT_LOG_EVENT, "refused a connection: out of memory");
        return;
    }
    c->sock = sock;
    transport_init_plain(&c->io, sock);
    c->state = CONN_OPEN;
    byte_queue_init(&c->out);
    rate_limiter_init(&c->flood, s->cfg.rate, s->cfg.burst, now);
    net_peer_name(sock, c->peer, sizeof c->peer);
    c->index = s->conn_count;
    s->conns[s->conn_count++] = c;
    c->fe = fe;
    if (!s->listener_tls[listener]) {
        start_session(s, c);
    } else if (transport_init_tls(&c->io, sock, s->tls) != 0) {
        mark_departure(s, c, "out of memory", LEAVE_CLOSE);
    } else {
        /* The client speaks first (ClientHello); the handshake is driven as
         * the socket becomes ready, and must finish in time. */
        c->deadline_ms = now + s->cfg.tls_handshake_timeout_ms;
    }
}

static void accept_connections(server *s, int listener, uint64_t now)
{
    /* Bounded so a connection storm cannot starve the clients we have. */
    for (int i = 0; i < 64; i++) {
        net_socket sock;
        int r = net_accept(s->listeners[listener], &sock);
        if (r == NET_WOULD_BLOCK)
            return;
        if (r != 0) {
            int e = net_last_error();
            char why[128];
            server_log(s, CHAT_LOG_EVENT, "accept failed: %s; pausing new connections",
                       net_error_string(e, why, sizeof why));
            s->accept_resume_ms = now + ACCEPT_BACKOFF_MS;
            return;
        }
        /* Closing connections do not count as clients, but they are still
         * in the select() sets, which have a fixed size on Windows. */
        if (client_count(s) >= (size_t)s->capacity ||
            (s->select_room > 0 && s->conn_count >= (size_t)s->select_room))
            refuse_connection(s, sock, listener, "server full");
        else if (!net_poll_can_hold(sock))
            refuse_connection(s, sock, listener, "descriptor too large for select()");
        else
            add_connection(s, sock, listener, now);
    }
}

/* ---- reading ----------------------------------------------------------- */

/* Hand complete lines to the front-end, as fast as flood control allows. Lines
 * that must wait stay in the framer and the socket is not read meanwhile, so
 * TCP pushes back on the sender: delayed, never dropped. */
static void process_lines(server *s, connection *c, uint64_t now)
{
    while (c->state == CONN_OPEN && c->session && !c->leave_reason) {
        uint64_t wait = rate_limiter_wait_ms(&c->flood, now);
        if (wait > 0) {
            c->resume_ms = now + wait;
            return;
        }
        const char *line;
        size_t len;
        int r = line_framer_next(&c->in, &line, &len);
        if (r == LINE_NONE)
            break;
        if (r == LINE_TOO_LONG) {
            c->fe->line_too_long(c->fe->fe, c->session);
            continue;
        }
        rate_limiter_take(&c->flood, now);
        c->fe->line(c->fe->fe, c->session, line, len);
    }
    c->resume_ms = 0;
    /* Everything the peer finished sending has been handled. */
    if (c->peer_eof && c->state == CONN_OPEN)
        mark_departure(s, c, "connection closed", LEAVE_FLUSH);
}

/* Users are told "connection closed"; the log gets TLS's own reason. */
static void log_tls_error(server *s, connection *c)
{
    if (c->io.tls && !c->leave_reason)
        server_log(s, CHAT_LOG_EVENT, "TLS error with %s: %s", c->peer, transport_error(&c->io));
}

static void read_connection(server *s, connection *c, uint64_t now)
{
    size_t avail;
    char *space = line_framer_space(&c->in, &avail);
    if (avail > READ_CHUNK)
        avail = READ_CHUNK;
    long n = transport_recv(&c->io, space, avail);
    if (n > 0) {
        line_framer_commit(&c->in, (size_t)n);
        process_lines(s, c, now);
    } else if (n == 0) {
        c->peer_eof = true;
        process_lines(s, c, now);
    } else if (n == NET_ERROR) {
        log_tls_error(s, c);
        mark_departure(s, c, "connection closed", LEAVE_CLOSE);
    }
}

/* A TLS connection that has not finished its handshake: take it a step
 * further; once done, the front-end meets it and anything the client sent
 * right after the handshake is read. */
static void continue_handshake(server *s, connection *c, uint64_t now)
{
    int r = transport_handshake(&c->io);
    if (r == TRANSPORT_AGAIN)
        return;
    if (r == TRANSPORT_FAILED) {
        server_log(s, CHAT_LOG_EVENT, "TLS handshake with %s failed: %s", c->peer,
                   transport_error(&c->io));
        mark_departure(s, c, "TLS handshake failed", LEAVE_CLOSE);
        return;
    }
    c->deadline_ms = 0;
    /* Before the front-end's "connect" line, so the log says which were TLS. */
    server_log(s, CHAT_LOG_EVENT, "TLS %s with %s", transport_version(&c->io), c->peer);
    start_session(s, c);
    if (c->session)
        read_connection(s, c, now);
}

/* CLOSING/DRAINING connections: throw input away; EOF or error ends them. */
static void drain_connection(server *s, connection *c)
{
    long n = net_recv(c->sock, s->read_scratch, READ_CHUNK);
    if (n == 0 || n == NET_ERROR) {
        net_close(c->sock);
        c->state = CONN_DEAD;
        mark_closing(s, c);
    }
}

/* ---- writing ----------------------------------------------------------- */

/* Send as much queued output as the kernel takes, in one call. */
static void flush_connection(server *s, connection *c)
{
    size_t len = byte_queue_length(&c->out);
    if (len == 0)
        return;
    if (c->send_window != s->window_id) {
        c->send_window = s->window_id;
        s->window_conns++;
    }
    s->stats.sends++;
    long n = transport_send(&c->io, byte_queue_data(&c->out), len);
    if (n > 0) {
        byte_queue_consume_keep(&c->out, (size_t)n, OUT_KEEP_CAP);
    } else if (n == NET_ERROR && c->state == CONN_CLOSING) {
        /* Leaving already, and now the peer is gone too: close at once,
         * or the socket would read as writable and fail again every pass
         * until the linger time is up. */
        net_close(c->sock);
        c->state = CONN_DEAD;
    } else if (n == NET_ERROR) {
        log_tls_error(s, c);
        mark_departure(s, c, "connection closed", LEAVE_CLOSE);
    }
}

/* ---- departures, carried out -------------------------------------------- */

/* Carry out recorded departures. Telling the chat may overflow another
 * client's queue and record another departure: the list grows while it is
 * walked, and the walk takes those too. */
static void handle_departures(server *s, uint64_t now)
{
    for (size_t i = 0; i < s->departing.count; i++) {
        connection *c = s->departing.items[i];
        const char *reason = c->leave_reason;
        if (c->state == CONN_DEAD)
            continue;
        leave_chat(s, c, reason);
        if (c->leave_how == LEAVE_FLUSH) {
            if (c->state == CONN_OPEN)
                begin_close(s, c, now);
        } else {
            if (c->leave_how == LEAVE_RESET)
                net_close_reset(c->sock);
            else
                net_close(c->sock);
            c->state = CONN_DEAD;
            mark_closing(s, c);
        }
    }
    s->departing.count = 0;
}

/* Write coalescing. Each send() costs about the same whether it carries one
 * line or fifty (the kernel's TCP path is most of the server's CPU under
 * load, see docs/performance.md), so at high rates the way to spend less is
 * to send less often. The server aims for at most send_budget send() calls
 * a second: over each window it counts the connections it sent to (N), and
 * the loop then starts an iteration no sooner than T = N / budget (capped
 * at coalesce_max_ms) after one that sent something, so no connection is
 * sent to more often. Input that comes later than T after the last send is
 * handled at once, and a quiet window makes T 0 again: a quiet server never
 * waits; under load, lines wait at most T. */
static void update_coalescing(server *s, uint64_t now_us)
{
    if (now_us - s->window_start_us < COALESCE_WINDOW_US)
        return;
    uint64_t t = 0;
    if (s->cfg.send_budget > 0)
        t = (uint64_t)s->window_conns * 1000000u / s->cfg.send_budget;
    uint64_t cap = (uint64_t)s->cfg.coalesce_max_ms * 1000u;
    s->coalesce_us = t < cap ? t : cap;
    /* Give back the output buffers of connections idle for a window. */
    for (size_t i = 0; i < s->conn_count; i++) {
        connection *c = s->conns[i];
        if (c->send_window != s->window_id && byte_queue_length(&c->out) == 0)
            byte_queue_free(&c->out);
    }
    s->window_start_us = now_us;
    s->window_id++;
    s->window_conns = 0;
}

/* Under load, wait until T has passed since the last iteration that sent. */
static void pace_iteration(server *s)
{
    if (s->coalesce_us == 0)
        return;
    uint64_t since = clock_monotonic_us() - s->last_flush_us;
    if (since < s->coalesce_us)
        clock_sleep_us(s->coalesce_us - since);
}

/* Send what the dirty connections have queued, one send() each. */
static void flush_dirty(server *s)
{
    if (s->dirty.count > 0)
        s->last_flush_us = clock_monotonic_us();
    for (size_t i = 0; i < s->dirty.count; i++) {
        connection *c = s->dirty.items[i];
        c->dirty = false;
        if (c->state == CONN_OPEN || c->state == CONN_CLOSING)
            flush_connection(s, c);
    }
    s->dirty.count = 0;
}

/* Forget c: out of server.conns (the last one moves into its place). */
static void remove_connection(server *s, connection *c)
{
    connection *last = s->conns[--s->conn_count];
    s->conns[c->index] = last;
    last->index = c->index;
    connection_free(c);
}

/* Move closing connections along and free the dead ones: a walk of the
 * closing list only. */
static void advance_closing(server *s, uint64_t now)
{
    for (size_t i = 0; i < s->closing.count;) {
        connection *c = s->closing.items[i];
        if (c->state == CONN_CLOSING && byte_queue_length(&c->out) == 0) {
            transport_close_notify(&c->io);
            net_shutdown_write(c->sock);
            c->state = CONN_DRAINING;
        }
        if ((c->state == CONN_CLOSING || c->state == CONN_DRAINING) && now >= c->deadline_ms) {
            net_close(c->sock);
            c->state = CONN_DEAD;
        }
        if (c->state == CONN_DEAD) {
            s->closing.items[i] = s->closing.items[--s->closing.count];
            remove_connection(s, c);
            continue;
        }
        i++;
    }
}

/* ---- the loop ---------------------------------------------------------- */

static uint64_t earlier(uint64_t a, uint64_t b)
{
    return a == 0 ? b : (b == 0 || b > a ? a : b);
}

/* Fill the readiness sets; return the next timer (0 = none). */
static uint64_t build_poll_sets(server *s, bool accepting, uint64_t now)
{
    uint64_t next_timer = 0;
    net_poll_clear(s->poll);
    net_poll_add(s->poll, s->wake[0], NET_POLL_READ);
    if (s->cluster) {
        uint64_t d = cluster_next_deadline(s->cluster);
        cluster_add_to_poll(s->cluster, s->poll);
        if (d != UINT64_MAX)
            next_timer = d > now ? d : now;
    }
    if (accepting) {
        if (s->accept_resume_ms > now)
            next_timer = earlier(next_timer, s->accept_resume_ms);
        else
            for (int i = 0; i < s->listener_count; i++)
                net_poll_add(s->poll, s->listeners[i], NET_POLL_READ);
        /* Front-end timers: name timeouts, IRC pings. */
        for (int i = 0; i < s->fe_count; i++) {
            uint64_t in_ms = s->fes[i].next_timer ? s->fes[i].next_timer(s->fes[i].fe, now) : 0;
            if (in_ms)
                next_timer = earlier(next_timer, now + in_ms);
        }
    }
    for (size_t i = 0; i < s->conn_count; i++) {
        connection *c = s->conns[i];
        int events = 0;
        bool reading = false;
        if (c->state == CONN_OPEN) {
            if (c->resume_ms)
                next_timer = earlier(next_timer, c->resume_ms);
            else if (!c->peer_eof)
                reading = true;
            if (c->io.handshaking)
                next_timer = earlier(next_timer, c->deadline_ms);
            else if (reading && transport_pending(&c->io))
                next_timer = now; /* decrypted already: no waiting */
        }
        if (c->state == CONN_OPEN || c->state == CONN_CLOSING)
            events = transport_poll_events(&c->io, reading, byte_queue_length(&c->out) > 0);
        else if (c->state == CONN_DRAINING)
            events = NET_POLL_READ;
        if (c->state == CONN_CLOSING || c->state == CONN_DRAINING)
            next_timer = earlier(next_timer, c->deadline_ms);
        if (events)
            net_poll_add(s->poll, c->sock, events);
    }
    return next_timer;
}

static void drain_wake_socket(server *s)
{
    char buf[64];
    while (net_recv(s->wake[0], buf, sizeof buf) > 0) {
    }
}

/* One pass: wait, then accept, read, write and tidy up. */
static void run_iteration(server *s, bool accepting)
{
    pace_iteration(s);
    uint64_t now = clock_monotonic_ms();
    uint64_t timer = build_poll_sets(s, accepting, now);
    long wait_ms = MAX_WAIT_MS;
    if (timer)
        wait_ms = timer > now ? (long)(timer - now) : 0;
    if (wait_ms > MAX_WAIT_MS)
        wait_ms = MAX_WAIT_MS;

    int ready = net_poll_wait(s->poll, wait_ms);
    now = clock_monotonic_ms();
    if (ready == NET_ERROR) {
        /* Should not happen (every socket in the sets is open); if it does,
         * say so and pause rather than spin on the failing call. */
        char why[128];
        server_log(s, CHAT_LOG_EVENT, "select() failed: %s",
                   net_error_string(net_last_error(), why, sizeof why));
        s->poll_failures++;
        clock_sleep_ms(100);
        return;
    }
    s->poll_failures = 0;
    if (ready > 0 && (net_poll_ready(s->poll, s->wake[0]) & NET_POLL_READ))
        drain_wake_socket(s);
    if (s->reload_requested)
        reload_tls(s);
    /* The front-ends learn the time (for new sessions) and run their timers;
     * each walks its sessions at most once a second. */
    if (accepting)
        for (int i = 0; i < s->fe_count; i++)
            if (s->fes[i].tick)
                s->fes[i].tick(s->fes[i].fe, now);

    /* The other nodes' changes (and ours, back from the cluster). */
    if (s->cluster)
        cluster_service(s->cluster, s->poll, now);

    if (accepting && ready > 0 && s->accept_resume_ms <= now)
        for (int i = 0; i < s->listener_count; i++)
            if (net_poll_ready(s->poll, s->listeners[i]) & NET_POLL_READ)
                accept_connections(s, i, now);

    /* Newly accepted connections are at the end and were not polled. */
    size_t polled = s->conn_count;
    for (size_t i = 0; i < polled; i++) {
        connection *c = s->conns[i];
        int ev = ready > 0 ? net_poll_ready(s->poll, c->sock) : 0;
        if (c->state == CONN_OPEN && c->io.handshaking) {
            if (ev)
                continue_handshake(s, c, now);
            else if (now >= c->deadline_ms) {
                server_log(s, CHAT_LOG_EVENT, "TLS handshake with %s timed out", c->peer);
                mark_departure(s, c, "TLS handshake timed out", LEAVE_CLOSE);
            }
        } else if (c->state == CONN_OPEN) {
            /* TLS: a read may have waited for writability, and records the
             * library already holds show no readiness at all. */
            bool tls_ready = c->io.tls && (ev || transport_pending(&c->io));
            if (c->resume_ms && now >= c->resume_ms)
                process_lines(s, c, now);
            else if (!c->resume_ms && !c->peer_eof && ((ev & NET_POLL_READ) || tls_ready))
                read_connection(s, c, now);
        } else if (c->state == CONN_DRAINING && (ev & NET_POLL_READ)) {
            drain_connection(s, c);
        }
        /* A TLS write may have waited for readability instead. */
        if ((ev & NET_POLL_WRITE) || (c->io.tls && ev && byte_queue_length(&c->out) > 0))
            mark_dirty(s, c);
    }

    /* Departures add output for others, and sends can fail and cause
     * departures: alternate until both settle. */
    do {
        handle_departures(s, now);
        flush_dirty(s);
    } while (s->departing.count > 0);
    advance_closing(s, now);
    update_coalescing(s, clock_monotonic_us());
}

/* Shutdown: tell everyone, stop reading, flush for a bounded time. */
static void shut_down(server *s)
{
    uint64_t now = clock_monotonic_ms();
    uint64_t give_up =
        now + (uint64_t)(s->cfg.shutdown_flush_ms > 0 ? s->cfg.shutdown_flush_ms : 0);
    server_log(s, CHAT_LOG_EVENT, "shutting down (%lu connections)", (unsigned long)s->conn_count);
    /* The goodbye goes out at once: no coalescing from here on. */
    s->cfg.send_budget = 0;
    s->coalesce_us = 0;
    for (int i = 0; i < s->fe_count; i++)
        s->fes[i].shutdown(s->fes[i].fe);
    /* The other nodes drop our users at once, not a lease later. */
    if (s->cluster)
        cluster_shutdown(s->cluster);
    chat_shutdown(s->chat);
    for (size_t i = 0; i < s->conn_count; i++) {
        connection *c = s->conns[i];
        leave_chat(s, c, "server shutting down");
        if (c->state == CONN_OPEN)
            begin_close(s, c, now);
        mark_dirty(s, c);
        if (c->deadline_ms > give_up)
            c->deadline_ms = give_up;
    }
    while ((s->conn_count > 0 || (s->cluster && cluster_has_output(s->cluster))) &&
           clock_monotonic_ms() < give_up)
        run_iteration(s, false);
    for (size_t i = 0; i < s->conn_count; i++)
        connection_free(s->conns[i]);
    s->conn_count = 0;
}

/* select() failing this many times in a row (10 s of pauses) is fatal. */
#define MAX_POLL_FAILURES 100

int server_run(server *s)
{
    while (!s->stop_requested && s->poll_failures < MAX_POLL_FAILURES)
        run_iteration(s, true);
    int status = s->poll_failures < MAX_POLL_FAILURES ? 0 : -1;
    shut_down(s);
    return status;
}
