/* server.c - natter's select() loop: listening sockets, connections with
 * their input framers and output queues, flood control, and the room.
 *
 * One thread, nothing ever blocks. Each iteration builds the readiness sets
 * from the connection list, waits in select(), then accepts, reads and frames
 * lines (handing them to the room), and finally writes. Output the room
 * produces during an iteration only lands in each connection's queue; it is
 * sent afterwards with one send() per connection, so many messages to one
 * client cost one system call. Departures caused while the room is talking
 * (a queue overflowing, a send failing) are recorded on the connection and
 * carried out between phases, so the room is never re-entered. */
#include "core/server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "core/buffer.h"
#include "core/linebuf.h"
#include "core/ratelimit.h"
#include "core/room.h"
#include "platform/clock.h"
#include "platform/poll.h"

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

typedef enum conn_state {
    CONN_OPEN,      /* reading and writing */
    CONN_CLOSING,   /* member gone; flushing our output */
    CONN_DRAINING,  /* output sent and FIN sent; discarding input until EOF */
    CONN_DEAD       /* socket closed; freed at the end of the iteration */
} conn_state;

/* How a departing connection is closed. */
typedef enum leave_mode {
    LEAVE_FLUSH,    /* send what is queued, then close (peer hung up) */
    LEAVE_CLOSE,    /* close now (the connection is already broken) */
    LEAVE_RESET     /* reset now: a too-slow client may have megabytes in the
                     * kernel's send buffer, and a reset frees them at once
                     * instead of trickling them to a reader that is not there */
} leave_mode;

typedef struct connection {
    net_socket sock;
    conn_state state;
    char peer[64];
    line_framer in;
    byte_queue out;
    room_member *member;    /* NULL once the room has forgotten it */
    rate_limiter flood;
    uint64_t resume_ms;     /* flood control: do not read before this; 0 = not paused */
    uint64_t deadline_ms;   /* CLOSING/DRAINING: force-close at this time */
    bool peer_eof;          /* the peer sent FIN; finish its pending lines, then leave */
    bool dirty;             /* got output this iteration: try to send it */
    const char *leave_reason;   /* set: leave the room and close, see leave_how */
    leave_mode leave_how;
} connection;

struct server {
    server_config cfg;
    net_socket listeners[SERVER_MAX_LISTENERS];
    int listener_count;
    net_socket wake[2];     /* [1] is written to wake the loop, [0] is read */
    volatile sig_atomic_t stop_requested;
    net_poll *poll;
    room *room;
    connection **conns;
    size_t conn_count;
    size_t conn_cap;
    int capacity;
    uint64_t accept_resume_ms;
    bool kills_pending;
    int poll_failures;      /* consecutive select() errors */
    char *read_scratch;
};

/* ---- logging ----------------------------------------------------------- */

static void server_log(server *s, int kind, const char *fmt, ...) {
    if (!s->cfg.log) return;
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
static void mark_departure(server *s, connection *c, const char *reason, leave_mode how) {
    if (c->leave_reason) return;
    c->leave_reason = reason;
    c->leave_how = how;
    s->kills_pending = true;
}

static void begin_close(connection *c, uint64_t now) {
    c->state = CONN_CLOSING;
    c->deadline_ms = now + CLOSE_LINGER_MS;
}

/* Tell the room c is gone (if it still has a member there). */
static void leave_room(server *s, connection *c, const char *reason) {
    room_member *m = c->member;
    if (!m) return;
    c->member = NULL;
    room_client_left(s->room, m, reason);
}

/* ---- room callbacks ---------------------------------------------------- */

static void flush_connection(server *s, connection *c);

/* The room queues a line for one connection. Past max_queue the client is
 * not keeping up: it is dropped (as "too slow") rather than letting the
 * server's memory or the other clients pay for it. */
static void room_send_cb(void *ctx, void *conn, const char *data, size_t len) {
    server *s = ctx;
    connection *c = conn;
    if (c->state != CONN_OPEN && c->state != CONN_CLOSING) return;
    if (c->leave_reason) return;   /* already on its way out */
    /* Output is normally sent once per iteration; before calling a client
     * too slow, give the kernel what it will take now, so a burst within
     * one iteration never counts against a client that is reading. */
    if (byte_queue_length(&c->out) + len > s->cfg.max_queue) flush_connection(s, c);
    if (c->leave_reason) return;
    /* One line always fits in an empty queue, whatever the limit. */
    bool over = byte_queue_length(&c->out) > 0 &&
                byte_queue_length(&c->out) + len > s->cfg.max_queue;
    if (over || byte_queue_append(&c->out, data, len) != 0) {
        mark_departure(s, c, "too slow", LEAVE_RESET);
        return;
    }
    c->dirty = true;
}

/* /quit: the room said goodbye and forgot the member; flush, then close. */
static void room_close_cb(void *ctx, void *conn) {
    (void)ctx;
    connection *c = conn;
    c->member = NULL;
    if (c->state == CONN_OPEN) begin_close(c, clock_monotonic_ms());
}

static void room_now_cb(void *ctx, char *out) {
    (void)ctx;
    clock_local_hms(out, 9);
}

static void room_log_cb(void *ctx, int kind, const char *text) {
    server *s = ctx;
    if (s->cfg.log) s->cfg.log(s->cfg.log_ctx, kind, text);
}

/* ---- configuration and set-up ----------------------------------------- */

void server_config_defaults(server_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->bind_host = NULL;
    cfg->port = SERVER_DEFAULT_PORT;
    cfg->max_clients = SERVER_DEFAULT_MAX_CLIENTS;
    cfg->max_line = SERVER_DEFAULT_MAX_LINE;
    cfg->max_queue = SERVER_DEFAULT_MAX_QUEUE;
    cfg->rate = SERVER_DEFAULT_RATE;
    cfg->burst = SERVER_DEFAULT_BURST;
    cfg->shutdown_flush_ms = 2000;
}

/* "0.0.0.0:8923", "[::1]:8923", "localhost:8923" for error messages. */
static void format_bind_address(const server_config *cfg, char *buf, size_t len) {
    const char *host = cfg->bind_host;
    if (!host || !*host || strcmp(host, "*") == 0) host = "0.0.0.0";
    if (strchr(host, ':'))
        snprintf(buf, len, "[%s]:%s", host, cfg->port);
    else
        snprintf(buf, len, "%s:%s", host, cfg->port);
}

server *server_create(const server_config *cfg, char *err, size_t err_len) {
    char reason[256] = "";
    server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->wake[0] = s->wake[1] = NET_INVALID_SOCKET;

    if (net_init() != 0) {
        snprintf(err, err_len, "cannot initialise networking");
        free(s);
        return NULL;
    }
    int n = net_listen(cfg->bind_host, cfg->port, s->listeners, SERVER_MAX_LISTENERS,
                       reason, sizeof reason);
    if (n < 1) {
        char where[300];
        format_bind_address(cfg, where, sizeof where);
        snprintf(err, err_len, "cannot listen on %s: %s", where, reason);
        net_cleanup();
        free(s);
        return NULL;
    }
    s->listener_count = n;

    room_config rc = { cfg->max_line };
    room_ops ops = { s, room_send_cb, room_close_cb, room_now_cb, room_log_cb };
    s->poll = net_poll_create();
    s->room = room_create(&rc, &ops);
    s->read_scratch = malloc(READ_CHUNK);
    if (!s->poll || !s->room || !s->read_scratch ||
        net_socket_pair(s->wake, reason, sizeof reason) != 0) {
        snprintf(err, err_len, "cannot start: %s", reason[0] ? reason : "out of memory");
        server_destroy(s);
        return NULL;
    }

    int select_room = net_poll_capacity() - RESERVED_SOCKETS;
    s->capacity = cfg->max_clients < select_room ? cfg->max_clients : select_room;
    if (s->capacity < 1) s->capacity = 1;
    /* Ask for enough descriptors for that many clients. If the system will
     * not give them, accept() fails with EMFILE later and the loop backs off
     * (see accept_connections); the limit is reported once here. */
    long fd_limit = net_raise_descriptor_limit((long)s->capacity + RESERVED_SOCKETS);
    if (fd_limit >= 0 && fd_limit < (long)s->capacity + RESERVED_SOCKETS)
        server_log(s, ROOM_LOG_EVENT,
                   "note: the open-file limit (%ld) allows fewer than %d clients; "
                   "raise it with ulimit -n", fd_limit, s->capacity);
    return s;
}

static void connection_free(connection *c) {
    if (c->state != CONN_DEAD && c->sock != NET_INVALID_SOCKET) net_close(c->sock);
    line_framer_free(&c->in);
    byte_queue_free(&c->out);
    free(c);
}

void server_destroy(server *s) {
    if (!s) return;
    for (size_t i = 0; i < s->conn_count; i++) connection_free(s->conns[i]);
    free(s->conns);
    if (s->room) room_destroy(s->room);
    if (s->poll) net_poll_destroy(s->poll);
    for (int i = 0; i < s->listener_count; i++) net_close(s->listeners[i]);
    if (s->wake[0] != NET_INVALID_SOCKET) net_close(s->wake[0]);
    if (s->wake[1] != NET_INVALID_SOCKET) net_close(s->wake[1]);
    free(s->read_scratch);
    free(s);
    net_cleanup();
}

int server_listener_count(const server *s) { return s->listener_count; }

const char *server_listener_name(const server *s, int i, char *buf, size_t len) {
    return net_local_name(s->listeners[i], buf, len);
}

int server_port(const server *s) { return net_local_port(s->listeners[0]); }

int server_capacity(const server *s) { return s->capacity; }

void server_request_stop(void *arg) {
    server *s = arg;
    s->stop_requested = 1;
    /* Best effort: if the pipe is full the loop is already awake. */
    (void)net_send(s->wake[1], "x", 1);
}

/* ---- accepting --------------------------------------------------------- */

/* Refuse a connection we cannot serve: one line telling why, then close.
 * The socket is new and its send buffer empty, so the line fits. */
static void refuse_connection(server *s, net_socket sock, const char *why_log) {
    char peer[64], msg[96];
    net_peer_name(sock, peer, sizeof peer);
    int n = snprintf(msg, sizeof msg, "! Server full (%d users). Try again later.\r\n",
                     s->capacity);
    (void)net_send(sock, msg, (size_t)n);
    net_close(sock);
    server_log(s, ROOM_LOG_EVENT, "refused %s (%s)", peer, why_log);
}

static int conns_reserve(server *s) {
    if (s->conn_count < s->conn_cap) return 0;
    size_t cap = s->conn_cap ? s->conn_cap * 2 : 64;
    connection **grown = realloc(s->conns, cap * sizeof *grown);
    if (!grown) return -1;
    s->conns = grown;
    s->conn_cap = cap;
    return 0;
}

static void add_connection(server *s, net_socket sock, uint64_t now) {
    (void)net_set_send_buffer(sock, SERVER_SEND_BUFFER);  /* best effort */
    (void)net_set_keepalive(sock);
    connection *c = calloc(1, sizeof *c);
    if (!c || conns_reserve(s) != 0 || line_framer_init(&c->in, s->cfg.max_line) != 0) {
        if (c) line_framer_free(&c->in);
        free(c);
        net_close(sock);
        server_log(s, ROOM_LOG_EVENT, "refused a connection: out of memory");
        return;
    }
    c->sock = sock;
    c->state = CONN_OPEN;
    byte_queue_init(&c->out);
    rate_limiter_init(&c->flood, s->cfg.rate, s->cfg.burst, now);
    net_peer_name(sock, c->peer, sizeof c->peer);
    s->conns[s->conn_count++] = c;
    c->member = room_client_connected(s->room, c, c->peer);
    if (!c->member) mark_departure(s, c, "out of memory", LEAVE_CLOSE);
}

static void accept_connections(server *s, net_socket listener, uint64_t now) {
    /* Bounded so a connection storm cannot starve the clients we have. */
    for (int i = 0; i < 64; i++) {
        net_socket sock;
        int r = net_accept(listener, &sock);
        if (r == NET_WOULD_BLOCK) return;
        if (r != 0) {
            int e = net_last_error();
            char why[128];
            server_log(s, ROOM_LOG_EVENT, "accept failed: %s; pausing new connections",
                       net_error_string(e, why, sizeof why));
            s->accept_resume_ms = now + ACCEPT_BACKOFF_MS;
            return;
        }
        if ((int)s->conn_count >= s->capacity)
            refuse_connection(s, sock, "server full");
        else if (!net_poll_can_hold(sock))
            refuse_connection(s, sock, "descriptor too large for select()");
        else
            add_connection(s, sock, now);
    }
}

/* ---- reading ----------------------------------------------------------- */

/* Hand complete lines to the room, as fast as flood control allows. Lines
 * that must wait stay in the framer and the socket is not read meanwhile, so
 * TCP pushes back on the sender: delayed, never dropped. */
static void process_lines(server *s, connection *c, uint64_t now) {
    while (c->state == CONN_OPEN && c->member && !c->leave_reason) {
        uint64_t wait = rate_limiter_wait_ms(&c->flood, now);
        if (wait > 0) {
            c->resume_ms = now + wait;
            return;
        }
        const char *line;
        size_t len;
        int r = line_framer_next(&c->in, &line, &len);
        if (r == LINE_NONE) break;
        if (r == LINE_TOO_LONG) {
            room_client_line_too_long(s->room, c->member);
            continue;
        }
        rate_limiter_take(&c->flood, now);
        room_client_line(s->room, c->member, line, len);
    }
    c->resume_ms = 0;
    /* Everything the peer finished sending has been handled. */
    if (c->peer_eof && c->state == CONN_OPEN)
        mark_departure(s, c, "connection closed", LEAVE_FLUSH);
}

static void read_connection(server *s, connection *c, uint64_t now) {
    size_t avail;
    char *space = line_framer_space(&c->in, &avail);
    if (avail > READ_CHUNK) avail = READ_CHUNK;
    long n = net_recv(c->sock, space, avail);
    if (n > 0) {
        line_framer_commit(&c->in, (size_t)n);
        process_lines(s, c, now);
    } else if (n == 0) {
        c->peer_eof = true;
        process_lines(s, c, now);
    } else if (n == NET_ERROR) {
        mark_departure(s, c, "connection closed", LEAVE_CLOSE);
    }
}

/* CLOSING/DRAINING connections: throw input away; EOF or error ends them. */
static void drain_connection(server *s, connection *c) {
    long n = net_recv(c->sock, s->read_scratch, READ_CHUNK);
    if (n == 0 || n == NET_ERROR) {
        net_close(c->sock);
        c->state = CONN_DEAD;
    }
}

/* ---- writing ----------------------------------------------------------- */

/* Send as much queued output as the kernel takes, in one call. */
static void flush_connection(server *s, connection *c) {
    c->dirty = false;
    size_t len = byte_queue_length(&c->out);
    if (len == 0) return;
    long n = net_send(c->sock, byte_queue_data(&c->out), len);
    if (n > 0) {
        byte_queue_consume(&c->out, (size_t)n);
    } else if (n == NET_ERROR) {
        mark_departure(s, c, "connection closed", LEAVE_CLOSE);
    }
}

/* ---- departures, carried out -------------------------------------------- */

/* Carry out recorded departures. Telling the room may overflow another
 * client's queue and record another departure, so repeat until none. */
static void handle_departures(server *s, uint64_t now) {
    while (s->kills_pending) {
        s->kills_pending = false;
        for (size_t i = 0; i < s->conn_count; i++) {
            connection *c = s->conns[i];
            if (!c->leave_reason || c->state == CONN_DEAD) continue;
            const char *reason = c->leave_reason;
            c->leave_reason = NULL;
            leave_room(s, c, reason);
            if (c->leave_how == LEAVE_FLUSH) {
                if (c->state == CONN_OPEN) begin_close(c, now);
            } else {
                if (c->leave_how == LEAVE_RESET)
                    net_close_reset(c->sock);
                else
                    net_close(c->sock);
                c->state = CONN_DEAD;
            }
        }
    }
}

/* Move closing connections along and free the dead ones. Order in the array
 * does not matter, so removal swaps in the last element. */
static void advance_closing(server *s, uint64_t now) {
    for (size_t i = 0; i < s->conn_count;) {
        connection *c = s->conns[i];
        if (c->state == CONN_CLOSING && byte_queue_length(&c->out) == 0) {
            net_shutdown_write(c->sock);
            c->state = CONN_DRAINING;
        }
        if ((c->state == CONN_CLOSING || c->state == CONN_DRAINING) && now >= c->deadline_ms) {
            net_close(c->sock);
            c->state = CONN_DEAD;
        }
        if (c->state == CONN_DEAD) {
            connection_free(c);
            s->conns[i] = s->conns[--s->conn_count];
            continue;
        }
        i++;
    }
}

/* ---- the loop ---------------------------------------------------------- */

static uint64_t earlier(uint64_t a, uint64_t b) { return a == 0 ? b : (b == 0 || b > a ? a : b); }

/* Fill the readiness sets; return the next timer (0 = none). */
static uint64_t build_poll_sets(server *s, bool accepting, uint64_t now) {
    uint64_t next_timer = 0;
    net_poll_clear(s->poll);
    net_poll_add(s->poll, s->wake[0], NET_POLL_READ);
    if (accepting) {
        if (s->accept_resume_ms > now)
            next_timer = s->accept_resume_ms;
        else
            for (int i = 0; i < s->listener_count; i++)
                net_poll_add(s->poll, s->listeners[i], NET_POLL_READ);
    }
    for (size_t i = 0; i < s->conn_count; i++) {
        connection *c = s->conns[i];
        int events = 0;
        if (c->state == CONN_OPEN) {
            if (c->resume_ms)
                next_timer = earlier(next_timer, c->resume_ms);
            else if (!c->peer_eof)
                events |= NET_POLL_READ;
        } else if (c->state == CONN_DRAINING) {
            events |= NET_POLL_READ;
        }
        if (c->state == CONN_CLOSING || c->state == CONN_DRAINING)
            next_timer = earlier(next_timer, c->deadline_ms);
        if (byte_queue_length(&c->out) > 0) events |= NET_POLL_WRITE;
        if (events) net_poll_add(s->poll, c->sock, events);
    }
    return next_timer;
}

static void drain_wake_socket(server *s) {
    char buf[64];
    while (net_recv(s->wake[0], buf, sizeof buf) > 0) {
    }
}

/* One pass: wait, then accept, read, write and tidy up. */
static void run_iteration(server *s, bool accepting) {
    uint64_t now = clock_monotonic_ms();
    uint64_t timer = build_poll_sets(s, accepting, now);
    long wait_ms = MAX_WAIT_MS;
    if (timer) wait_ms = timer > now ? (long)(timer - now) : 0;
    if (wait_ms > MAX_WAIT_MS) wait_ms = MAX_WAIT_MS;

    int ready = net_poll_wait(s->poll, wait_ms);
    now = clock_monotonic_ms();
    if (ready == NET_ERROR) {
        /* Should not happen (every socket in the sets is open); if it does,
         * say so and pause rather than spin on the failing call. */
        char why[128];
        server_log(s, ROOM_LOG_EVENT, "select() failed: %s",
                   net_error_string(net_last_error(), why, sizeof why));
        s->poll_failures++;
        clock_sleep_ms(100);
        return;
    }
    s->poll_failures = 0;
    if (ready > 0 && (net_poll_ready(s->poll, s->wake[0]) & NET_POLL_READ)) drain_wake_socket(s);

    if (accepting && ready > 0 && s->accept_resume_ms <= now)
        for (int i = 0; i < s->listener_count; i++)
            if (net_poll_ready(s->poll, s->listeners[i]) & NET_POLL_READ)
                accept_connections(s, s->listeners[i], now);

    /* Newly accepted connections are at the end and were not polled. */
    size_t polled = s->conn_count;
    for (size_t i = 0; i < polled; i++) {
        connection *c = s->conns[i];
        int ev = ready > 0 ? net_poll_ready(s->poll, c->sock) : 0;
        if (c->state == CONN_OPEN) {
            if (c->resume_ms && now >= c->resume_ms)
                process_lines(s, c, now);
            else if (ev & NET_POLL_READ)
                read_connection(s, c, now);
        } else if (c->state == CONN_DRAINING && (ev & NET_POLL_READ)) {
            drain_connection(s, c);
        }
        if (ev & NET_POLL_WRITE) c->dirty = true;
    }

    /* Departures add output for others, and sends can fail and cause
     * departures: alternate until both settle. */
    do {
        handle_departures(s, now);
        for (size_t i = 0; i < s->conn_count; i++) {
            connection *c = s->conns[i];
            if (c->dirty && (c->state == CONN_OPEN || c->state == CONN_CLOSING))
                flush_connection(s, c);
        }
    } while (s->kills_pending);
    advance_closing(s, now);
}

/* Shutdown: tell everyone, stop reading, flush for a bounded time. */
static void shut_down(server *s) {
    uint64_t now = clock_monotonic_ms();
    uint64_t give_up = now + (uint64_t)(s->cfg.shutdown_flush_ms > 0 ? s->cfg.shutdown_flush_ms : 0);
    server_log(s, ROOM_LOG_EVENT, "shutting down (%lu connections)", (unsigned long)s->conn_count);
    room_shutdown(s->room);
    for (size_t i = 0; i < s->conn_count; i++) {
        connection *c = s->conns[i];
        leave_room(s, c, "server shutting down");
        if (c->state == CONN_OPEN) begin_close(c, now);
        c->dirty = true;
        if (c->deadline_ms > give_up) c->deadline_ms = give_up;
    }
    while (s->conn_count > 0 && clock_monotonic_ms() < give_up) run_iteration(s, false);
    for (size_t i = 0; i < s->conn_count; i++) connection_free(s->conns[i]);
    s->conn_count = 0;
}

/* select() failing this many times in a row (10 s of pauses) is fatal. */
#define MAX_POLL_FAILURES 100

int server_run(server *s) {
    while (!s->stop_requested && s->poll_failures < MAX_POLL_FAILURES) run_iteration(s, true);
    int status = s->poll_failures < MAX_POLL_FAILURES ? 0 : -1;
    shut_down(s);
    return status;
}
