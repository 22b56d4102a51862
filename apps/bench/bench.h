/* bench.h - natter-bench's run: connect N clients to a line-based broadcast
 * chat server, let S of them send M messages each (windowed or at a fixed
 * rate), and count what every client receives.
 *
 * One thread, one select() loop over non-blocking sockets (platform/poll.h).
 * The run is bounded by duration_limit_s; whatever happened by then is
 * reported, with undelivered messages counted as lost. main.c parses options
 * into a bench_config and prints the bench_result; tests call bench_run()
 * directly against an in-process server. */
#ifndef NATTER_BENCH_BENCH_H
#define NATTER_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_DEFAULT_HOST     "127.0.0.1"
#define BENCH_DEFAULT_PORT     "8923"
#define BENCH_DEFAULT_TLS_PORT "8924"
#define BENCH_DEFAULT_CLIENTS  50
#define BENCH_DEFAULT_SENDERS  5
#define BENCH_DEFAULT_MESSAGES 1000
#define BENCH_DEFAULT_WINDOW   16
#define BENCH_DEFAULT_SIZE     16
#define BENCH_DEFAULT_LIMIT_S  60.0
#define BENCH_MAX_SIZE         65536
#define BENCH_DEFAULT_READ_SIZE (256 * 1024)

typedef struct bench_config {
    const char *host;
    const char *port;
    int clients;            /* N connections */
    int senders;            /* the first S clients send */
    uint32_t messages;      /* M per sender */
    int window;             /* > 0: at most W unacknowledged per sender */
    double rate;            /* > 0: messages/s per sender (window unused) */
    size_t size;            /* pad each message's text to this many bytes */
    const char *hello;      /* registration line template ("b%d") or NULL */
    double duration_limit_s;
    /* Settling after registration ends once no client received anything
     * for this long (servers that answer nothing are settled at once). */
    double settle_quiet_s;
    /* Give up waiting once no new delivery arrived for this long after
     * sending ended (or, with a window, at any time: senders are stuck). */
    double drain_quiet_s;
    /* Keep every client connected this long after the run (reading and
     * discarding), so the server's memory can be measured with N idle
     * clients. Not part of duration_limit_s. */
    double hold_s;
    bool progress;          /* "\r" progress line on stderr */
    /* TLS (--tls): every client does a full handshake while connecting,
     * verifying against ca_file (NULL: the system's CAs) unless insecure. */
    bool tls;
    const char *ca_file;
    bool insecure;
    /* Linux: the server's pid, to read its CPU time (/proc/PID/stat) at
     * the start and end of the message phase; 0: not measured. */
    long server_pid;
    /* Window mode: a message counts as acknowledged once every other
     * client has it (the slowest receiver paces the senders), instead of
     * once the observer has it. */
    bool ack_all;
    /* Bytes one recv() may return (default BENCH_DEFAULT_READ_SIZE); small
     * values imitate generators that read in small pieces. */
    size_t read_size;
} bench_config;

typedef struct bench_result {
    int clients_connected;
    double connect_total_ms;    /* sum of every client's connect() time */
    double connect_max_ms;
    double connect_wall_ms;     /* first connect to last, with draining */
    double handshake_total_ms;  /* --tls: sum of every TLS handshake's time */
    double handshake_max_ms;
    double settle_ms;
    uint64_t sent;              /* messages written to the server */
    uint64_t expected;          /* messages x senders x (clients - 1) */
    uint64_t delivered;         /* unique deliveries to other clients */
    uint64_t lost;              /* expected - delivered */
    uint64_t duplicates;
    uint64_t out_of_order;
    uint64_t echoes;            /* a sender's own message sent back to it */
    uint64_t invalid;           /* marker lines with unknown sender/seq */
    int disconnected;           /* clients the server closed on us */
    bool timed_out;             /* stopped by duration_limit_s */
    double run_s;               /* first send to last delivery */
    double deliveries_per_s;
    uint64_t latency_p50_us, latency_p90_us, latency_p99_us, latency_max_us;
    uint64_t latency_min_us;
    double latency_mean_us;
    double mean_line_bytes;     /* message text length, without "\n" */
    double elapsed_s;           /* the whole run, connecting included */
    /* --server-pid: the server's user + system CPU seconds during the
     * message phase; negative when it could not be read. */
    double server_cpu_s;
} bench_result;

void bench_config_defaults(bench_config *cfg);

/* Is tmpl a usable --hello template: text where "%d" stands for the client
 * index and "%%" for a percent sign? */
bool bench_hello_valid(const char *tmpl);

/* Check the numbers make sense together; on error writes a message suitable
 * for "natter-bench: <message>" into err and returns -1. */
int bench_config_check(const bench_config *cfg, char *err, size_t err_len);

/* Run the benchmark. Returns 0 when it ran (the result says how well), or
 * -1 on a setup failure (cannot connect, out of descriptors or memory) with
 * a message such as "cannot connect to 127.0.0.1:8923: Connection refused"
 * in err. Call net_init() first. */
int bench_run(const bench_config *cfg, bench_result *res, char *err,
              size_t err_len);

/* Zero loss, no duplicates or reordering, nobody disconnected, finished
 * before the limit. */
bool bench_result_clean(const bench_result *res);

#endif
