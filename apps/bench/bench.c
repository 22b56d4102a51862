/* bench.c - see bench.h. The run has four phases: connect (blocking connects,
 * each timed, draining what earlier clients receive as we go), settle (until
 * registration chatter stops), messages (send, count, acknowledge), and an
 * optional hold. One select() loop iteration is pump(). */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/transport.h"
#include "platform/clock.h"
#include "platform/net.h"
#include "platform/poll.h"
#include "platform/tls.h"

#include "message.h"
#include "tally.h"

/* A client keeps at most this much of an unfinished line between reads
 * (more for big --size); longer lines are not ours and are skipped. */
#define PARTIAL_MIN 4096
#define TX_MIN (64 * 1024)
#define PROGRESS_EVERY_US 200000
/* While connecting, read what earlier clients were sent every so often, so
 * join notices cannot fill the server's queues for them. */
#define DRAIN_EVERY_CONNECTS 16
#define CONNECT_TIMEOUT_MS 10000
#define CONNECT_FIRST_ATTEMPT_MS 100
/* Registration chatter that never stops (a server sending keep-alives)
 * must not stall the run. */
#define SETTLE_MAX_US 10000000

typedef struct client {
    net_socket sock;
    transport io;           /* over sock: plain or TLS */
    bool alive;
    bool discarding;        /* skipping the rest of an overlong line */
    size_t partial_len;
    char *partial;          /* unfinished line from the previous read */
    /* Senders only. */
    char *tx;
    size_t tx_len, tx_off;
    uint32_t next_seq;      /* messages queued so far */
    uint32_t acked;         /* of those, how many the observer has seen */
    double next_due_us;     /* --rate: when the next message is due */
} client;

typedef struct bench {
    const bench_config *cfg;
    bench_result *res;
    tls_client_ctx *tls;    /* --tls */
    client *clients;
    int connected;
    int observer;           /* the client whose receipt acknowledges */
    size_t partial_cap;
    size_t tx_cap;
    size_t line_max;        /* longest message line we generate */
    char *rx;
    tally tally;
    net_poll *poll;
    uint64_t t0;            /* run start; message times are relative to it */
    uint64_t deadline;
    uint64_t last_rx_us;
    uint64_t send_start_us;
    uint64_t last_delivery_us;
    uint64_t next_progress_us;
    uint64_t line_bytes;    /* text bytes of every queued message */
    double server_cpu_start; /* --server-pid: its CPU seconds as sending began */
    uint32_t *receipts;     /* --ack-all: [sender][seq] receivers that have it */
    bool counting_drops;    /* a closed connection counts as disconnected */
    bool sending;           /* in the message phase */
    bool progress_shown;
} bench;

void bench_config_defaults(bench_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->host = BENCH_DEFAULT_HOST;
    cfg->port = BENCH_DEFAULT_PORT;
    cfg->clients = BENCH_DEFAULT_CLIENTS;
    cfg->senders = BENCH_DEFAULT_SENDERS;
    cfg->messages = BENCH_DEFAULT_MESSAGES;
    cfg->window = BENCH_DEFAULT_WINDOW;
    cfg->rate = 0;
    cfg->size = BENCH_DEFAULT_SIZE;
    cfg->hello = NULL;
    cfg->duration_limit_s = BENCH_DEFAULT_LIMIT_S;
    cfg->settle_quiet_s = 0.3;
    cfg->drain_quiet_s = 2.0;
    cfg->hold_s = 0;
    cfg->progress = false;
    /* Big reads keep the bench's syscalls per delivery low. */
    cfg->read_size = BENCH_DEFAULT_READ_SIZE;
}

/* The process's user + system CPU seconds from Linux's /proc/PID/stat
 * (fields 14 and 15, after the parenthesised command name), or -1 where
 * there is no such file. */
static double process_cpu_s(long pid) {
    char path[64], buf[1024], *p;
    unsigned long long utime, stime;
    size_t n;
    long ticks = 100; /* USER_HZ, the unit of /proc times on Linux's usual ports */
    FILE *f;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f) return -1.0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                     &stime) != 2)
        return -1.0;
    return (double)(utime + stime) / (double)ticks;
}

bool bench_hello_valid(const char *tmpl) {
    const char *p;
    for (p = tmpl; *p; p++) {
        if (*p == '\n' || *p == '\r') return false;
        if (*p != '%') continue;
        p++;
        if (*p != 'd' && *p != '%') return false;
    }
    return true;
}

/* The registration line for client index, with its "\n". */
static size_t hello_format(const char *tmpl, int index, char *out, size_t cap) {
    size_t n = 0;
    const char *p;
    char num[16];
    for (p = tmpl; *p && n + sizeof num + 2 < cap; p++) {
        if (*p != '%') {
            out[n++] = *p;
        } else if (*++p == '%') {
            out[n++] = '%';
        } else {
            int len = snprintf(num, sizeof num, "%d", index);
            memcpy(out + n, num, (size_t)len);
            n += (size_t)len;
        }
    }
    out[n++] = '\n';
    return n;
}

int bench_config_check(const bench_config *cfg, char *err, size_t err_len) {
    if (cfg->clients < 2) {
        snprintf(err, err_len, "--clients must be at least 2");
        return -1;
    }
    if (cfg->senders < 1 || cfg->senders > cfg->clients) {
        snprintf(err, err_len, "--senders must be between 1 and --clients (%d)",
                 cfg->clients);
        return -1;
    }
    if (cfg->rate <= 0 && cfg->senders >= cfg->clients) {
        snprintf(err, err_len,
                 "--window needs a client that does not send to acknowledge: "
                 "use --senders below --clients (%d)", cfg->clients);
        return -1;
    }
    if (cfg->rate <= 0 && cfg->window < 1) {
        snprintf(err, err_len, "--window must be at least 1");
        return -1;
    }
    if (cfg->clients > net_poll_capacity()) {
        snprintf(err, err_len,
                 "--clients %d is more than select() and the open-file "
                 "limit allow here (%d)",
                 cfg->clients, net_poll_capacity());
        return -1;
    }
    if (cfg->read_size < 1) {
        snprintf(err, err_len, "--read-size must be at least 1");
        return -1;
    }
    if (cfg->size > BENCH_MAX_SIZE) {
        snprintf(err, err_len, "--size must be at most %d", BENCH_MAX_SIZE);
        return -1;
    }
    if (tally_bits_needed(cfg->clients, cfg->senders, cfg->messages) >
        TALLY_MAX_BITS) {
        snprintf(err, err_len,
                 "clients x senders x messages must be at most %llu",
                 (unsigned long long)TALLY_MAX_BITS);
        return -1;
    }
    if (!(cfg->duration_limit_s > 0)) {
        snprintf(err, err_len, "--duration-limit must be more than 0");
        return -1;
    }
    if (cfg->hello && !bench_hello_valid(cfg->hello)) {
        snprintf(err, err_len,
                 "--hello: only %%d (client index) and %%%% may follow %%");
        return -1;
    }
    return 0;
}

bool bench_result_clean(const bench_result *res) {
    return !res->timed_out && res->lost == 0 && res->duplicates == 0 &&
           res->out_of_order == 0 && res->disconnected == 0;
}

/* ---- setup and teardown ------------------------------------------------ */

static const char *host_port(const bench_config *cfg, char *buf, size_t len) {
    bool v6 = strchr(cfg->host, ':') != NULL;
    snprintf(buf, len, v6 ? "[%s]:%s" : "%s:%s", cfg->host, cfg->port);
    return buf;
}

static int bench_setup(bench *b, const bench_config *cfg, bench_result *res) {
    int i;
    memset(b, 0, sizeof *b);
    b->cfg = cfg;
    b->res = res;
    b->observer = cfg->clients - 1;
    b->line_max = (cfg->size > MESSAGE_MAX_BARE ? cfg->size : MESSAGE_MAX_BARE) + 1;
    b->partial_cap = PARTIAL_MIN + 2 * b->line_max;
    b->tx_cap = TX_MIN > 4 * b->line_max ? TX_MIN : 4 * b->line_max;
    b->clients = calloc((size_t)cfg->clients, sizeof *b->clients);
    b->rx = malloc(cfg->read_size + b->partial_cap);
    b->poll = net_poll_create();
    if (cfg->ack_all && cfg->rate <= 0) {
        b->receipts = calloc((size_t)cfg->senders * cfg->messages + 1, sizeof *b->receipts);
        if (!b->receipts) return -1;
    }
    if (!b->clients || !b->rx || !b->poll ||
        tally_init(&b->tally, cfg->clients, cfg->senders, cfg->messages) != 0)
        return -1;
    for (i = 0; i < cfg->clients; i++) {
        client *c = &b->clients[i];
        c->sock = NET_INVALID_SOCKET;
        transport_init_plain(&c->io, NET_INVALID_SOCKET);
        c->partial = malloc(b->partial_cap);
        if (!c->partial) return -1;
        if (i < cfg->senders) {
            c->tx = malloc(b->tx_cap);
            if (!c->tx) return -1;
        }
    }
    return 0;
}

static void bench_teardown(bench *b) {
    int i;
    if (b->clients) {
        for (i = 0; i < b->cfg->clients; i++) {
            transport_free(&b->clients[i].io);
            if (b->clients[i].alive) net_close(b->clients[i].sock);
            free(b->clients[i].partial);
            free(b->clients[i].tx);
        }
    }
    free(b->clients);
    free(b->receipts);
    free(b->rx);
    if (b->poll) net_poll_destroy(b->poll);
    if (b->tls) tls_client_ctx_free(b->tls);
    tally_free(&b->tally);
}

/* ---- progress ------------------------------------------------------------ */

static void progress_line(bench *b, uint64_t now, const char *phase) {
    const bench_config *cfg = b->cfg;
    uint64_t total = (uint64_t)cfg->senders * cfg->messages;
    uint64_t expected = tally_expected(&b->tally);
    if (!cfg->progress || now < b->next_progress_us) return;
    b->next_progress_us = now + PROGRESS_EVERY_US;
    b->progress_shown = true;
    if (phase)
        fprintf(stderr, "\rnatter-bench: %s %d/%d clients        ", phase,
                b->connected, cfg->clients);
    else
        fprintf(stderr,
                "\rnatter-bench: sent %llu/%llu, delivered %llu/%llu (%.0f%%), %.1f s  ",
                (unsigned long long)b->res->sent, (unsigned long long)total,
                (unsigned long long)b->tally.delivered,
                (unsigned long long)expected,
                expected ? 100.0 * (double)b->tally.delivered / (double)expected : 100.0,
                (double)(now - b->t0) / 1e6);
    fflush(stderr);
}

static void progress_clear(bench *b) {
    if (!b->progress_shown) return;
    fprintf(stderr, "\r%79s\r", "");
    fflush(stderr);
}

/* ---- reading ------------------------------------------------------------- */

static void drop_client(bench *b, int i) {
    client *c = &b->clients[i];
    if (!c->alive) return;
    transport_free(&c->io);
    net_close(c->sock);
    c->alive = false;
    c->tx_len = c->tx_off = 0;
    if (b->counting_drops) b->res->disconnected++;
}

static void handle_line(bench *b, int i, const char *line, size_t len,
                        uint64_t now) {
    bench_message m;
    /* Before the message phase nothing of this run was sent: markers then
     * are an earlier run's, replayed as room history (natter shows the last
     * 50 lines to whoever joins), and would pass for this run's. */
    if (!b->sending) return;
    if (!message_find(line, len, &m)) return;
    if (tally_record(&b->tally, i, &m, now - b->t0) != TALLY_NEW) return;
    b->last_delivery_us = now;
    if (b->receipts) {
        /* Acknowledged in order, once all the others have each message. */
        client *s = &b->clients[m.sender];
        uint32_t *r = b->receipts + (size_t)m.sender * b->cfg->messages;
        uint32_t others = (uint32_t)b->cfg->clients - 1;
        r[m.seq]++;
        while (s->acked < s->next_seq && r[s->acked] == others) s->acked++;
    } else if (i == b->observer) {
        b->clients[m.sender].acked++;
    }
}

/* Split data into lines; keep the unfinished tail for the next read. */
static void process_lines(bench *b, int i, char *data, size_t len,
                          uint64_t now) {
    client *c = &b->clients[i];
    char *p = data, *end = data + len, *nl;
    size_t tail;
    while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        if (c->discarding)
            c->discarding = false;
        else
            handle_line(b, i, p, (size_t)(nl - p), now);
        p = nl + 1;
    }
    tail = (size_t)(end - p);
    if (c->discarding || tail > b->partial_cap) {
        c->discarding = true;
        c->partial_len = 0;
    } else {
        memmove(c->partial, p, tail);
        c->partial_len = tail;
    }
}

static void read_client(bench *b, int i) {
    client *c = &b->clients[i];
    long n;
    uint64_t now;
    /* TLS hands out at most a record per read: take what it already holds
     * too, or it would wait for the next packet. */
    do {
        memcpy(b->rx, c->partial, c->partial_len);
        n = transport_recv(&c->io, b->rx + c->partial_len, b->cfg->read_size);
        if (n == NET_WOULD_BLOCK) return;
        if (n <= 0) {
            drop_client(b, i);
            return;
        }
        /* One clock reading per read: every line in it arrived by now. */
        now = clock_monotonic_us();
        b->last_rx_us = now;
        process_lines(b, i, b->rx, c->partial_len + (size_t)n, now);
    } while (c->alive && transport_pending(&c->io));
}

/* ---- writing ------------------------------------------------------------- */

static void flush_client(bench *b, int i) {
    client *c = &b->clients[i];
    while (c->alive && c->tx_off < c->tx_len) {
        long n = transport_send(&c->io, c->tx + c->tx_off, c->tx_len - c->tx_off);
        if (n == NET_WOULD_BLOCK) break;
        if (n < 0) {
            drop_client(b, i);
            return;
        }
        c->tx_off += (size_t)n;
    }
    if (c->tx_off == c->tx_len) c->tx_off = c->tx_len = 0;
}

/* May sender i queue another message now (window or rate permitting)? */
static bool sender_may_send(const bench *b, const client *c, uint64_t now) {
    if (c->next_seq >= b->cfg->messages) return false;
    if (b->cfg->rate > 0) return c->next_due_us <= (double)now;
    return c->next_seq - c->acked < (uint32_t)b->cfg->window;
}

/* Queue every message sender i may send now, stamped with the time. */
static void fill_sender(bench *b, int i, uint64_t now) {
    client *c = &b->clients[i];
    bench_message m;
    if (!c->alive) return;
    m.sender = (uint32_t)i;
    m.send_us = now - b->t0;
    while (sender_may_send(b, c, now)) {
        size_t n;
        if (b->tx_cap - c->tx_len < b->line_max && c->tx_off > 0) {
            memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
            c->tx_len -= c->tx_off;
            c->tx_off = 0;
        }
        if (b->tx_cap - c->tx_len < b->line_max) break;
        m.seq = c->next_seq++;
        n = message_format(c->tx + c->tx_len, b->tx_cap - c->tx_len, &m,
                           b->cfg->size);
        c->tx_len += n;
        b->line_bytes += n - 1;
        b->res->sent++;
        if (b->cfg->rate > 0) c->next_due_us += 1e6 / b->cfg->rate;
    }
}

static bool all_sent(const bench *b) {
    int i;
    for (i = 0; i < b->cfg->senders; i++) {
        const client *c = &b->clients[i];
        if (c->alive && (c->next_seq < b->cfg->messages || c->tx_len > 0))
            return false;
    }
    return true;
}

/* ---- the loop ------------------------------------------------------------ */

static long ms_until(uint64_t now, uint64_t when) {
    if (when <= now) return 0;
    return (long)((when - now + 999) / 1000);
}

/* The loop waits in microseconds: a sender at 4,000 messages/s is due every
 * 250 us, and a millisecond timeout would send its lines in bunches at
 * whatever moment the server's output wakes us, so they would no longer
 * arrive at the fixed rate an open-loop run promises. */
static int64_t us_until(uint64_t now, uint64_t when) {
    return when <= now ? 0 : (int64_t)(when - now);
}

/* Read from / flush client i as far as the last select() said it can. */
static void service_client(bench *b, int i) {
    client *c = &b->clients[i];
    int ready;
    if (!c->alive) return;
    ready = net_poll_ready(b->poll, c->sock);
    /* Over TLS a read may need the socket writable and a write readable. */
    if (c->io.tls && ready) ready = NET_POLL_READ | NET_POLL_WRITE;
    if (ready & NET_POLL_READ) read_client(b, i);
    if ((ready & NET_POLL_WRITE) && c->alive) flush_client(b, i);
}

/* Queue and send whatever every sender may send now. */
static void refill_senders(bench *b) {
    uint64_t now = clock_monotonic_us();
    int i;
    for (i = 0; i < b->cfg->senders; i++) {
        fill_sender(b, i, now);
        if (b->clients[i].tx_len > 0) flush_client(b, i);
    }
}

/* One select() round: wait up to timeout_us, then read from every readable
 * client and flush every writable one. */
static int pump(bench *b, int64_t timeout_us) {
    int i, n;
    net_poll_clear(b->poll);
    for (i = 0; i < b->cfg->clients; i++) {
        client *c = &b->clients[i];
        if (!c->alive) continue;
        net_poll_add(b->poll, c->sock,
                     transport_poll_events(&c->io, true, c->tx_len > c->tx_off));
    }
    n = net_poll_wait_us(b->poll, timeout_us);
    if (n <= 0) return n;
    /* The observer first: its acknowledgements let the senders send again
     * before we spend time reading everybody else. */
    service_client(b, b->observer);
    if (b->sending) refill_senders(b);
    for (i = 0; i < b->cfg->clients; i++)
        if (i != b->observer) service_client(b, i);
    return n;
}

static bool any_alive(const bench *b) {
    int i;
    for (i = 0; i < b->cfg->clients; i++)
        if (b->clients[i].alive) return true;
    return false;
}

/* Send client i's registration line (bounded in time like a connect). */
static int send_hello(bench *b, int i) {
    char line[512];
    size_t len;
    if (!b->cfg->hello) return 0;
    len = hello_format(b->cfg->hello, i, line, sizeof line);
    return transport_send_wait(&b->clients[i].io, b->poll, line, len, CONNECT_TIMEOUT_MS);
}

/* --tls: client i's handshake, timed. Returns 0, or -1 with err set. */
static int tls_handshake_one(bench *b, int i, const char *where, char *err, size_t err_len) {
    client *c = &b->clients[i];
    uint64_t start = clock_monotonic_us();
    double ms;
    int r;
    if (transport_init_tls_client(&c->io, c->sock, b->tls, b->cfg->host, err, err_len) != 0)
        return -1;
    r = transport_handshake_wait(&c->io, b->poll, CONNECT_TIMEOUT_MS);
    if (r != TRANSPORT_DONE) {
        snprintf(err, err_len, "TLS handshake of client %d of %d with %s failed: %s", i + 1,
                 b->cfg->clients, where,
                 r == TRANSPORT_AGAIN ? "no answer within 10 s" : transport_error(&c->io));
        return -1;
    }
    ms = (double)(clock_monotonic_us() - start) / 1000.0;
    b->res->handshake_total_ms += ms;
    if (ms > b->res->handshake_max_ms) b->res->handshake_max_ms = ms;
    return 0;
}

/* Read whatever the connected clients were sent, without waiting. */
static void drain_now(bench *b) {
    int rounds;
    for (rounds = 0; rounds < 8 && pump(b, 0) > 0; rounds++) {
    }
}

/* Connect with short attempts, draining in between. Returns 0, -1 when
 * the server refused or never answered, 1 when the run's time is up. A server with a small
 * listen backlog (ncat's is 10) drops SYNs while it is busy, and the kernel
 * would only retry after a second; meanwhile a server that writes with
 * blocking sends (ncat again) may be stuck on one of our full sockets.
 * Starting a fresh attempt after attempt_ms, and reading in between, keeps
 * both moving. A quick failure (refused) is final. The first client makes
 * one long attempt: there is nothing to drain yet, and Windows reports a
 * refusal only after retrying for a second or two. */
static int connect_with_retries(bench *b, int i, net_socket *s, char *why,
                                size_t why_len) {
    uint64_t start = clock_monotonic_us();
    uint64_t give_up = start + (uint64_t)CONNECT_TIMEOUT_MS * 1000;
    long attempt_ms = i == 0 ? CONNECT_TIMEOUT_MS : CONNECT_FIRST_ATTEMPT_MS;
    if (give_up > b->deadline) give_up = b->deadline;
    for (;;) {
        uint64_t now = clock_monotonic_us(), t;
        long left_ms = (long)ms_until(now, give_up);
        if (left_ms <= 0) left_ms = 1;
        if (attempt_ms > left_ms) attempt_ms = left_ms;
        t = now;
        if (net_connect(b->cfg->host, b->cfg->port, s, attempt_ms, why,
                        why_len) == 0)
            return 0;
        now = clock_monotonic_us();
        if (now >= b->deadline) return 1;
        if (now - t < (uint64_t)attempt_ms * 500 || now >= give_up) return -1;
        drain_now(b);
        attempt_ms *= 2;
    }
}

/* Connect, check and register client i. Returns 0, -1 on a failure (with
 * err set) or 1 when the run's time ran out. */
static int connect_one(bench *b, int i, char *err, size_t err_len) {
    const bench_config *cfg = b->cfg;
    char where[300], why[256] = "", oserr[128];
    net_socket s;
    uint64_t start = clock_monotonic_us();
    double ms;
    int rc = connect_with_retries(b, i, &s, why, sizeof why);
    ms = (double)(clock_monotonic_us() - start) / 1000.0;
    host_port(cfg, where, sizeof where);
    if (rc > 0) return 1;
    if (rc != 0) {
        if (i == 0)
            snprintf(err, err_len, "cannot connect to %s: %s", where, why);
        else
            snprintf(err, err_len, "cannot connect client %d of %d to %s: %s",
                     i + 1, cfg->clients, where, why);
        return -1;
    }
    b->res->connect_total_ms += ms;
    if (ms > b->res->connect_max_ms) b->res->connect_max_ms = ms;
    if (!net_poll_can_hold(s)) {
        net_close(s);
        snprintf(err, err_len,
                 "cannot hold client %d of %d: its descriptor is beyond what "
                 "select() can wait on; use fewer clients",
                 i + 1, cfg->clients);
        return -1;
    }
    b->clients[i].sock = s;
    transport_init_plain(&b->clients[i].io, s);
    if (net_set_nonblocking(s, true) != 0) {
        snprintf(err, err_len, "cannot register client %d of %d on %s: %s", i + 1,
                 cfg->clients, where, net_error_string(net_last_error(), oserr, sizeof oserr));
        net_close(s);
        return -1;
    }
    err[0] = '\0';
    if ((b->tls && tls_handshake_one(b, i, where, err, err_len) != 0) || send_hello(b, i) != 0) {
        if (!err[0])
            snprintf(err, err_len, "cannot register client %d of %d on %s: %s", i + 1,
                     cfg->clients, where, net_error_string(net_last_error(), oserr, sizeof oserr));
        transport_free(&b->clients[i].io);
        net_close(s);
        return -1;
    }
    b->clients[i].alive = true;
    b->connected++;
    return 0;
}

/* Returns 0, or -1 on a setup failure. Stops early at the deadline. */
static int connect_all(bench *b, char *err, size_t err_len) {
    uint64_t start = clock_monotonic_us();
    int i, rc;
    for (i = 0; i < b->cfg->clients; i++) {
        uint64_t now = clock_monotonic_us();
        if (now >= b->deadline) {
            b->res->timed_out = true;
            break;
        }
        rc = connect_one(b, i, err, err_len);
        if (rc < 0) return -1;
        if (rc > 0) {
            b->res->timed_out = true;
            break;
        }
        if ((i + 1) % DRAIN_EVERY_CONNECTS == 0) drain_now(b);
        progress_line(b, now, "connecting");
    }
    b->res->clients_connected = b->connected;
    if (b->connected > 0)
        b->res->connect_wall_ms = (double)(clock_monotonic_us() - start) / 1000.0;
    return 0;
}

/* Wait until nobody has received anything for settle_quiet_s: registration
 * replies and join notices are over (or never came). */
static void settle(bench *b) {
    uint64_t start = clock_monotonic_us();
    uint64_t quiet = (uint64_t)(b->cfg->settle_quiet_s * 1e6);
    b->last_rx_us = start;
    for (;;) {
        uint64_t now = clock_monotonic_us(), until;
        if (now >= b->deadline) {
            b->res->timed_out = true;
            break;
        }
        if (now - b->last_rx_us >= quiet || now - start >= SETTLE_MAX_US ||
            !any_alive(b))
            break;
        until = b->last_rx_us + quiet;
        if (until > b->deadline) until = b->deadline;
        pump(b, us_until(now, until));
        progress_line(b, now, "settling");
    }
    b->res->settle_ms = (double)(clock_monotonic_us() - start) / 1000.0;
}

/* When to wake up next in the message phase. */
static uint64_t next_wakeup(const bench *b, uint64_t now, bool waiting_quiet) {
    uint64_t when = b->deadline;
    int i;
    if (waiting_quiet) {
        uint64_t q = b->last_delivery_us + (uint64_t)(b->cfg->drain_quiet_s * 1e6);
        if (q < when) when = q;
    }
    if (b->cfg->rate > 0) {
        for (i = 0; i < b->cfg->senders; i++) {
            const client *c = &b->clients[i];
            /* One with unsent output waits for writability instead. */
            if (c->alive && c->next_seq < b->cfg->messages && c->tx_len == 0 &&
                c->next_due_us < (double)when)
                when = c->next_due_us <= (double)now ? now : (uint64_t)c->next_due_us;
        }
    }
    if (b->cfg->progress && b->next_progress_us < when) when = b->next_progress_us;
    return when;
}

static void exchange_messages(bench *b) {
    const bench_config *cfg = b->cfg;
    uint64_t expected = tally_expected(&b->tally);
    uint64_t quiet = (uint64_t)(cfg->drain_quiet_s * 1e6);
    uint64_t now = clock_monotonic_us();
    int i;
    b->send_start_us = b->last_delivery_us = now;
    for (i = 0; i < cfg->senders; i++) {
        /* Spread rate-driven senders over one interval, not all at once. */
        if (cfg->rate > 0)
            b->clients[i].next_due_us =
                (double)now + (1e6 / cfg->rate) * i / cfg->senders;
    }
    b->sending = true;
    if (cfg->server_pid > 0) b->server_cpu_start = process_cpu_s(cfg->server_pid);
    for (;;) {
        bool waiting_quiet;
        refill_senders(b);
        now = clock_monotonic_us();
        if (b->tally.delivered >= expected) break;
        if (now >= b->deadline) {
            b->res->timed_out = true;
            break;
        }
        /* With a window, no delivery for a while means senders are stuck
         * waiting for acknowledgements that will never come. */
        waiting_quiet = cfg->rate <= 0 || all_sent(b);
        if (waiting_quiet && now - b->last_delivery_us >= quiet) break;
        if (!any_alive(b)) break;
        progress_line(b, now, NULL);
        pump(b, us_until(now, next_wakeup(b, now, waiting_quiet)));
    }
    b->sending = false;
    if (cfg->server_pid > 0) {
        double end = process_cpu_s(cfg->server_pid);
        b->res->server_cpu_s = end < 0 || b->server_cpu_start < 0 ? -1.0 : end - b->server_cpu_start;
    }
}

static void hold(bench *b) {
    uint64_t start = clock_monotonic_us();
    uint64_t end = start + (uint64_t)(b->cfg->hold_s * 1e6);
    for (;;) {
        uint64_t now = clock_monotonic_us();
        if (now >= end || !any_alive(b)) break;
        progress_line(b, now, "holding");
        pump(b, us_until(now, end < now + PROGRESS_EVERY_US ? end : now + PROGRESS_EVERY_US));
    }
}

static void fill_result(bench *b) {
    bench_result *res = b->res;
    const histogram *h = &b->tally.latency;
    res->expected = tally_expected(&b->tally);
    res->delivered = b->tally.delivered;
    res->lost = res->expected - res->delivered;
    res->duplicates = b->tally.duplicates;
    res->out_of_order = b->tally.out_of_order;
    res->echoes = b->tally.echoes;
    res->invalid = b->tally.invalid;
    if (b->send_start_us && b->last_delivery_us > b->send_start_us) {
        res->run_s = (double)(b->last_delivery_us - b->send_start_us) / 1e6;
        res->deliveries_per_s = (double)res->delivered / res->run_s;
    }
    res->latency_min_us = h->min;
    res->latency_p50_us = histogram_percentile(h, 50);
    res->latency_p90_us = histogram_percentile(h, 90);
    res->latency_p99_us = histogram_percentile(h, 99);
    res->latency_max_us = h->max;
    res->latency_mean_us = histogram_mean(h);
    if (res->sent) res->mean_line_bytes = (double)b->line_bytes / (double)res->sent;
    res->elapsed_s = (double)(clock_monotonic_us() - b->t0) / 1e6;
}

int bench_run(const bench_config *cfg, bench_result *res, char *err,
              size_t err_len) {
    bench b;
    int rc = 0;
    memset(res, 0, sizeof *res);
    if (bench_config_check(cfg, err, err_len) != 0) return -1;
    if (bench_setup(&b, cfg, res) != 0) {
        snprintf(err, err_len, "out of memory");
        bench_teardown(&b);
        return -1;
    }
    if (cfg->tls) {
        char why[256] = "TLS is not available in this build";
        if (tls_client_available())
            b.tls = tls_client_ctx_create(cfg->ca_file, cfg->insecure, why, sizeof why);
        if (!b.tls) {
            snprintf(err, err_len, "TLS: %s", why);
            bench_teardown(&b);
            return -1;
        }
    }
    b.t0 = clock_monotonic_us();
    b.deadline = b.t0 + (uint64_t)(cfg->duration_limit_s * 1e6);
    b.counting_drops = true;
    if (connect_all(&b, err, err_len) != 0) {
        rc = -1;
    } else {
        if (!res->timed_out) settle(&b);
        if (!res->timed_out) exchange_messages(&b);
        fill_result(&b);
        b.counting_drops = false;
        if (cfg->hold_s > 0) hold(&b);
    }
    progress_clear(&b);
    bench_teardown(&b);
    return rc;
}
