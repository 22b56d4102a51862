/* main.c - natter-bench's command line: parse options into a bench_config,
 * run, print the report. Exit status: 0 for a clean run (zero loss), 1 when
 * something was lost, duplicated, reordered or disconnected, the run hit its
 * time limit, or it could not start; 2 for usage errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/net.h"
#include "platform/term.h"

#include "bench.h"
#include "report.h"

#ifndef NATTER_VERSION
#define NATTER_VERSION "unknown"
#endif

#define EXIT_CLEAN 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

static void usage(FILE *out) {
    fprintf(out,
        "Usage: natter-bench [options]\n"
        "Load-test a line-based broadcast chat server (natter, ncat --chat, ...).\n"
        "\n"
        "  --host H             server address (default " BENCH_DEFAULT_HOST ")\n"
        "  --port P             server port (default " BENCH_DEFAULT_PORT ")\n"
        "  --clients N          connections to open (default %d)\n"
        "  --senders S          the first S clients send (default %d)\n"
        "  --messages M         messages per sender (default %d)\n"
        "  --window W           at most W messages per sender not yet seen by the\n"
        "                       observer (the last client) (default %d)\n"
        "  --ack-all            the window counts a message as seen once every other\n"
        "                       client has it (the slowest receiver paces senders)\n"
        "  --rate R             instead of a window: R messages/s per sender\n"
        "  --size BYTES         pad each message to BYTES of text (default %d)\n"
        "  --hello TEMPLATE     send TEMPLATE as a first line, %%d = client index\n"
        "                       (natter: --hello 'b%%d'; default: nothing)\n"
        "  --duration-limit S   stop after S seconds and report (default %g)\n"
        "  --hold S             keep the clients connected S more seconds after\n"
        "                       the run (to measure the server's memory)\n"
        "  --server-pid PID     Linux: report the server's CPU time per 1,000 deliveries\n"
        "                       (from /proc/PID/stat, over the message phase)\n"
        "  --read-size BYTES    read at most BYTES per recv() (default 262144)\n"
        "  --tls                connect over TLS (default port " BENCH_DEFAULT_TLS_PORT "), one full\n"
        "                       handshake per client, verified against the system's CAs\n"
        "  --ca FILE            verify against the certificates in FILE instead\n"
        "  --insecure           TLS without verifying the certificate\n"
        "  --json               print one JSON object instead of the summary\n"
        "  --help, --version\n"
        "\n"
        "Messages read \"NB1 <sender> <seq> <time>\" (hex) and may appear anywhere\n"
        "in a received line, after any prefix the server adds. Exit status 0 when\n"
        "every message reached every other client once and in order, 1 otherwise,\n"
        "2 for usage errors.\n",
        BENCH_DEFAULT_CLIENTS, BENCH_DEFAULT_SENDERS, BENCH_DEFAULT_MESSAGES,
        BENCH_DEFAULT_WINDOW, BENCH_DEFAULT_SIZE, BENCH_DEFAULT_LIMIT_S);
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "natter-bench: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'natter-bench --help' for more information.\n");
    return EXIT_USAGE;
}

/* A whole-string integer in [min, max]. */
static bool parse_long(const char *s, long min, long max, long *out) {
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return false;
    *out = v;
    return true;
}

static bool parse_double(const char *s, double min, double max, double *out) {
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= min && v <= max)) return false;
    *out = v;
    return true;
}

typedef struct options {
    bench_config cfg;
    bool json;
    bool window_given;
    bool rate_given;
    bool help;
    bool version;
    bool port_given;
} options;

/* Apply "--name value"; returns EXIT_CLEAN or EXIT_USAGE. */
static int apply_option(options *o, const char *name, const char *value) {
    bench_config *cfg = &o->cfg;
    long n;
    double d;
    if (strcmp(name, "--host") == 0) {
        cfg->host = value;
    } else if (strcmp(name, "--port") == 0) {
        if (!parse_long(value, 1, 65535, &n)) return usage_error("bad --port: %s", value);
        cfg->port = value;
        o->port_given = true;
    } else if (strcmp(name, "--server-pid") == 0) {
        if (!parse_long(value, 1, 0x7fffffffL, &n)) return usage_error("bad --server-pid: %s", value);
        cfg->server_pid = n;
    } else if (strcmp(name, "--read-size") == 0) {
        if (!parse_long(value, 1, 64L * 1024 * 1024, &n)) return usage_error("bad --read-size: %s", value);
        cfg->read_size = (size_t)n;
    } else if (strcmp(name, "--ca") == 0) {
        cfg->ca_file = value;
        cfg->tls = true;
    } else if (strcmp(name, "--clients") == 0) {
        if (!parse_long(value, 2, 1000000, &n)) return usage_error("bad --clients (at least 2): %s", value);
        cfg->clients = (int)n;
    } else if (strcmp(name, "--senders") == 0) {
        if (!parse_long(value, 1, 1000000, &n)) return usage_error("bad --senders (at least 1): %s", value);
        cfg->senders = (int)n;
    } else if (strcmp(name, "--messages") == 0) {
        if (!parse_long(value, 0, 1000000000L, &n)) return usage_error("bad --messages: %s", value);
        cfg->messages = (uint32_t)n;
    } else if (strcmp(name, "--window") == 0) {
        if (!parse_long(value, 1, 1000000, &n)) return usage_error("bad --window (at least 1): %s", value);
        cfg->window = (int)n;
        o->window_given = true;
    } else if (strcmp(name, "--rate") == 0) {
        if (!parse_double(value, 0.001, 1e7, &d)) return usage_error("bad --rate (messages/s per sender): %s", value);
        cfg->rate = d;
        o->rate_given = true;
    } else if (strcmp(name, "--size") == 0) {
        if (!parse_long(value, 0, BENCH_MAX_SIZE, &n)) return usage_error("bad --size: %s", value);
        cfg->size = (size_t)n;
    } else if (strcmp(name, "--hello") == 0) {
        if (!bench_hello_valid(value))
            return usage_error("bad --hello (only %%d and %%%% may follow %%): %s", value);
        cfg->hello = value;
    } else if (strcmp(name, "--duration-limit") == 0) {
        if (!parse_double(value, 0.001, 1e6, &d)) return usage_error("bad --duration-limit (seconds): %s", value);
        cfg->duration_limit_s = d;
    } else if (strcmp(name, "--hold") == 0) {
        if (!parse_double(value, 0, 1e6, &d)) return usage_error("bad --hold (seconds): %s", value);
        cfg->hold_s = d;
    } else {
        return usage_error("unknown option: %s", name);
    }
    return EXIT_CLEAN;
}

static bool takes_value(const char *name) {
    static const char *const with_value[] = {
        "--host", "--port", "--clients", "--senders", "--messages", "--window",
        "--rate", "--size", "--hello", "--duration-limit", "--hold", "--ca",
        "--server-pid", "--read-size"};
    size_t i;
    for (i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (strcmp(name, with_value[i]) == 0) return true;
    return false;
}

/* Accepts "--name value" and "--name=value". */
static int parse_args(int argc, char **argv, options *o) {
    int i;
    for (i = 1; i < argc; i++) {
        char name[64];
        const char *arg = argv[i], *eq = strchr(arg, '='), *value;
        int rc;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            o->help = true;
            continue;
        }
        if (strcmp(arg, "--version") == 0) {
            o->version = true;
            continue;
        }
        if (strcmp(arg, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(arg, "--ack-all") == 0) {
            o->cfg.ack_all = true;
            continue;
        }
        if (strcmp(arg, "--tls") == 0 || strcmp(arg, "--insecure") == 0) {
            o->cfg.tls = true;
            if (arg[2] == 'i') o->cfg.insecure = true;
            continue;
        }
        if (eq && (size_t)(eq - arg) < sizeof name) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = '\0';
            value = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", arg);
            value = NULL;
        }
        if (!takes_value(name)) return usage_error("unknown option: %s", arg);
        if (!value) {
            if (i + 1 >= argc) return usage_error("%s needs a value", name);
            value = argv[++i];
        }
        rc = apply_option(o, name, value);
        if (rc != EXIT_CLEAN) return rc;
    }
    if (o->window_given && o->rate_given)
        return usage_error("%s", "--window and --rate cannot be used together");
    if (o->cfg.insecure && o->cfg.ca_file)
        return usage_error("%s", "--ca and --insecure cannot be used together");
    if (o->cfg.tls && !o->port_given) o->cfg.port = BENCH_DEFAULT_TLS_PORT;
    return EXIT_CLEAN;
}

int main(int argc, char **argv) {
    options o;
    bench_result res;
    char err[512] = "";
    int rc;
    memset(&o, 0, sizeof o);
    bench_config_defaults(&o.cfg);
    rc = parse_args(argc, argv, &o);
    if (rc != EXIT_CLEAN) return rc;
    if (o.help) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    if (o.version) {
        printf("natter-bench %s\n", NATTER_VERSION);
        return EXIT_CLEAN;
    }
    if (bench_config_check(&o.cfg, err, sizeof err) != 0)
        return usage_error("%s", err);
    /* The progress line is for someone watching; term.h can tell whether
     * stdout is a terminal, which is where they are watching from. */
    o.cfg.progress = term_stdout_is_tty();
    if (net_init() != 0) {
        fprintf(stderr, "natter-bench: cannot initialise networking\n");
        return EXIT_FAILED;
    }
    /* One descriptor per client plus a few; macOS starts at 256. */
    {
        long limit = net_raise_descriptor_limit((long)o.cfg.clients + 16);
        if (limit >= 0 && limit < (long)o.cfg.clients + 8) {
            fprintf(stderr, "natter-bench: the open-file limit (%ld) is too low for "
                    "%d clients; raise it with ulimit -n\n", limit, o.cfg.clients);
            net_cleanup();
            return EXIT_FAILED;
        }
    }
    rc = bench_run(&o.cfg, &res, err, sizeof err);
    net_cleanup();
    if (rc != 0) {
        fprintf(stderr, "natter-bench: %s\n", err);
        return EXIT_FAILED;
    }
    if (o.json)
        report_json(stdout, &o.cfg, &res);
    else
        report_human(stdout, &o.cfg, &res);
    fflush(stdout);
    return bench_result_clean(&res) ? EXIT_CLEAN : EXIT_FAILED;
}
