/* natter-server - the console chat server.
 *
 * Parses options into a server_config, starts the server, prints where it
 * listens and one timestamped log line per event, and stops cleanly on
 * Ctrl-C / SIGTERM / console close. Every start-up failure is one line on
 * stderr and exit status 1. Everything for stdout goes through a log sink
 * (platform/logsink.h): a bounded queue and a writer thread, so a stdout
 * that blocks or breaks never stops the server. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chat.h"
#include "core/names.h"
#include "core/server.h"
#include "platform/clock.h"
#include "platform/logsink.h"
#include "platform/net.h"
#include "platform/stop.h"

#ifndef NATTER_VERSION
#define NATTER_VERSION "dev"
#endif

static const char usage_text[] =
    "Usage: natter-server [OPTIONS]\n"
    "A chat server with rooms: people join #rooms and talk; newcomers start in #lobby.\n"
    "Connect with the natter client, or with nc/telnet HOST PORT.\n"
    "\n"
    "Options:\n"
    "  -p, --port N            port to listen on (default 8923; 0 = any free port)\n"
    "  -b, --bind ADDR         address to listen on (default: all interfaces, IPv6 and IPv4)\n"
    "      --max-clients N     most simultaneous connections (default 10000)\n"
    "      --max-line BYTES    longest line relayed (default 1024)\n"
    "      --max-queue BYTES   output queued for a slow reader before it is dropped\n"
    "                          (default 1048576; K and M suffixes allowed)\n"
    "      --rate N            lines per second per client before it is slowed down\n"
    "                          (default 50; 0 = no flood control)\n"
    "      --burst N           lines a client may send at once (default 100)\n"
    "      --default-room NAME the room everyone starts in (default #lobby)\n"
    "      --max-rooms N       most rooms kept at once; the empty room unused for longest\n"
    "                          is forgotten to make space (default 1000)\n"
    "      --history N         lines of each room shown to whoever joins (default 50;\n"
    "                          0 = no history)\n"
    "      --open-topic        anyone in a room may set its topic (default: operators)\n"
    "      --announce-limit N  announce joins, parts and quits only through rooms of at\n"
    "                          most N members (default 200; 0 = always)\n"
    "      --register-timeout S  close connections that have not chosen a name (or\n"
    "                          finished IRC registration) within S seconds (default 60;\n"
    "                          0 = never)\n"
    "      --idle-timeout S    close connections that send nothing for S seconds\n"
    "                          (default 0 = never)\n"
    "      --send-budget N     under load, aim for at most N send() calls a second by\n"
    "                          letting busy connections collect lines (default 50000;\n"
    "                          0 = send every line at once)\n"
    "      --coalesce-max MS   the longest a line may wait for that (default 25)\n"
    "\n"
    "IRC (any IRC client can join the same rooms):\n"
    "      --irc-port N        IRC port (default 6667; 0 = no plain-text IRC)\n"
    "      --server-name NAME  the IRC server name (default: this host's name)\n"
    "      --network NAME      the IRC network name (default natter)\n"
    "      --motd FILE         message of the day for IRC clients (default: none)\n"
    "      --show-hosts        show users' IP addresses in IRC (default: hidden)\n"
    "\n"
    "TLS (see docs/tls.md):\n"
    "      --tls-cert FILE     certificate chain (PEM, e.g. Let's Encrypt's fullchain.pem)\n"
    "      --tls-key FILE      its private key (PEM); both turn on the TLS ports\n"
    "      --tls-port N        natter protocol over TLS (default 8924; 0 = off)\n"
    "      --irc-tls-port N    IRC over TLS (default 6697; 0 = off)\n"
    "      --no-plain          only the TLS ports, no plain-text ones\n"
    "      --tls-handshake-timeout S  close a TLS handshake not done in S seconds\n"
    "                          (default 10)\n"
    "      (SIGHUP reloads the certificate and key for new connections)\n"
    "\n"
    "Cluster (several servers, one chat, through Redis; see docs/cluster.md):\n"
    "      --cluster URL       redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]; every server\n"
    "                          given the same Redis and database is one chat\n"
    "                          (password also from NATTER_REDIS_PASSWORD)\n"
    "      --node-name NAME    this server's name in the cluster (default HOST:PORT)\n"
    "      --cluster-lease S   a server silent for S seconds is taken for dead and its\n"
    "                          users leave (default 15)\n"
    "\n"
    "  -q, --quiet             do not log chat text (connections are still logged)\n"
    "  -V, --version           print the version and exit\n"
    "  -h, --help              print this help and exit\n";

/* Log lines queued for stdout at most; past it lines are dropped (and
 * counted in one "log: N lines dropped" line) rather than blocking. */
#define LOG_QUEUE_BYTES (128 * 1024)
/* How long the log may take to drain at exit. */
#define LOG_DRAIN_MS 2000

typedef struct server_options {
    server_config cfg;
    bool quiet;
    const char *motd_file;
    bool server_name_given;
    log_sink *log;
} server_options;

/* The one place errors are printed: "natter-server: WHAT". Returns 1. */
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "natter-server: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

/* Parse a whole decimal number in [min, max], with an optional K/M suffix
 * when allow_suffix is set. */
static bool parse_number(const char *text, unsigned long long min, unsigned long long max,
                         bool allow_suffix, unsigned long long *out)
{
    /* Digits only: strtoull would also skip spaces and take a sign. */
    if (!text || *text < '0' || *text > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text)
        return false;
    if (allow_suffix && (*end == 'K' || *end == 'k') && end[1] == '\0') {
        if (v > ULLONG_MAX / 1024)
            return false;
        v *= 1024, end++;
    } else if (allow_suffix && (*end == 'M' || *end == 'm') && end[1] == '\0') {
        if (v > ULLONG_MAX / (1024 * 1024))
            return false;
        v *= 1024 * 1024, end++;
    }
    if (*end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* An IRC server or network name: one word that cannot break a message. */
static bool irc_word_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* The MOTD file's text (at most 64 KiB), or NULL with a reason in why. */
static char *read_motd(const char *path, char *why, size_t why_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_len, "cannot read --motd file '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 64 * 1024;
    char *text = malloc(cap + 1);
    if (!text) {
        fclose(f);
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    size_t n = fread(text, 1, cap, f);
    bool bigger = fgetc(f) != EOF;
    fclose(f);
    if (bigger) {
        free(text);
        snprintf(why, why_len, "--motd file '%s' is larger than 64 KiB", path);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

/* Returns 0 to run, 1 on a usage error (already reported), 2 to exit 0
 * (after --help / --version). */
static int parse_options(int argc, char **argv, server_options *opt)
{
    static char port_text[8], irc_port_text[8], tls_port_text[8], irc_tls_port_text[8];
    server_config_defaults(&opt->cfg);
    opt->cfg.irc_port = SERVER_DEFAULT_IRC_PORT;
    opt->cfg.version = NATTER_VERSION;
    opt->quiet = false;
    opt->motd_file = NULL;
    opt->server_name_given = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        char name[32];
        /* Accept both "--opt value" and "--opt=value". */
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        if (eq && (size_t)(eq - arg) < sizeof name) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = '\0';
            value = eq + 1;
            arg = name;
        }
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            fputs(usage_text, stdout);
            return 2;
        }
        if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
            printf("natter-server %s\n", NATTER_VERSION);
            return 2;
        }
        if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) {
            opt->quiet = true;
            continue;
        }
        if (!strcmp(arg, "--open-topic")) {
            opt->cfg.open_topic = true;
            continue;
        }
        if (!strcmp(arg, "--no-plain")) {
            opt->cfg.no_plain = true;
            continue;
        }
        if (!strcmp(arg, "--show-hosts")) {
            opt->cfg.show_hosts = true;
            continue;
        }
        static const char *const with_value[] = {"-p",
                                                 "--port",
                                                 "-b",
                                                 "--bind",
                                                 "--max-clients",
                                                 "--max-line",
                                                 "--max-queue",
                                                 "--rate",
                                                 "--burst",
                                                 "--default-room",
                                                 "--max-rooms",
                                                 "--history",
                                                 "--announce-limit",
                                                 "--register-timeout",
                                                 "--idle-timeout",
                                                 "--send-budget",
                                                 "--coalesce-max",
                                                 "--irc-port",
                                                 "--server-name",
                                                 "--network",
                                                 "--motd",
                                                 "--tls-cert",
                                                 "--tls-key",
                                                 "--tls-port",
                                                 "--irc-tls-port",
                                                 "--tls-handshake-timeout",
                                                 "--cluster",
                                                 "--node-name",
                                                 "--cluster-lease"};
        bool known = false;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            if (!strcmp(arg, with_value[k]))
                known = true;
        if (!known) {
            fail("unknown option '%s' (try --help)", argv[i]);
            return 1;
        }
        if (!value) {
            if (i + 1 >= argc) {
                fail("option '%s' needs a value (try --help)", arg);
                return 1;
            }
            value = argv[++i];
        }
        unsigned long long n = 0;
        if (!strcmp(arg, "-b") || !strcmp(arg, "--bind")) {
            if (!*value) {
                fail("%s needs an address", arg);
                return 1;
            }
            opt->cfg.bind_host = value;
        } else if (!strcmp(arg, "-p") || !strcmp(arg, "--port")) {
            if (!parse_number(value, 0, 65535, false, &n)) {
                fail("invalid port '%s' (use 0-65535)", value);
                return 1;
            }
            snprintf(port_text, sizeof port_text, "%u", (unsigned)n);
            opt->cfg.port = port_text;
        } else if (!strcmp(arg, "--max-clients")) {
            if (!parse_number(value, 1, 1000000, false, &n)) {
                fail("invalid --max-clients '%s' (use 1 or more)", value);
                return 1;
            }
            opt->cfg.max_clients = (int)n;
        } else if (!strcmp(arg, "--max-line")) {
            if (!parse_number(value, 16, 1024 * 1024, true, &n)) {
                fail("invalid --max-line '%s' (use 16 to 1M bytes)", value);
                return 1;
            }
            opt->cfg.max_line = (size_t)n;
        } else if (!strcmp(arg, "--max-queue")) {
            if (!parse_number(value, 4096, 1024ull * 1024 * 1024, true, &n)) {
                fail("invalid --max-queue '%s' (use 4K to 1024M bytes)", value);
                return 1;
            }
            opt->cfg.max_queue = (size_t)n;
        } else if (!strcmp(arg, "--rate")) {
            if (!parse_number(value, 0, 1000000, false, &n)) {
                fail("invalid --rate '%s' (use 0 or more lines per second)", value);
                return 1;
            }
            opt->cfg.rate = (unsigned)n;
        } else if (!strcmp(arg, "--default-room")) {
            /* "lobby" means "#lobby", as /join does. */
            static char room[ROOM_NAME_MAX_BYTES + 2];
            snprintf(room, sizeof room, "%s%s", value[0] == '#' ? "" : "#", value);
            char why[160];
            name_status st = chat_check_room_name(room, strlen(room));
            if (strlen(value) > ROOM_NAME_MAX_BYTES || st != NAME_OK) {
                fail("invalid --default-room '%s': %s", value,
                     room_name_status_message(st, room, strlen(room), why, sizeof why));
                return 1;
            }
            opt->cfg.default_room = room;
        } else if (!strcmp(arg, "--max-rooms")) {
            if (!parse_number(value, 1, 1000000, false, &n)) {
                fail("invalid --max-rooms '%s' (use 1 or more)", value);
                return 1;
            }
            opt->cfg.max_rooms = (size_t)n;
        } else if (!strcmp(arg, "--history")) {
            if (!parse_number(value, 0, 10000, false, &n)) {
                fail("invalid --history '%s' (use 0 to 10000 lines)", value);
                return 1;
            }
            opt->cfg.history = (size_t)n;
        } else if (!strcmp(arg, "--announce-limit")) {
            if (!parse_number(value, 0, 1000000, false, &n)) {
                fail("invalid --announce-limit '%s' (use 0 or more members)", value);
                return 1;
            }
            opt->cfg.announce_limit = (size_t)n;
        } else if (!strcmp(arg, "--register-timeout")) {
            if (!parse_number(value, 0, 86400, false, &n)) {
                fail("invalid --register-timeout '%s' (use 0 to 86400 seconds)", value);
                return 1;
            }
            opt->cfg.register_timeout_ms = (uint64_t)n * 1000;
        } else if (!strcmp(arg, "--idle-timeout")) {
            if (!parse_number(value, 0, 30 * 86400, false, &n)) {
                fail("invalid --idle-timeout '%s' (use 0 to 2592000 seconds)", value);
                return 1;
            }
            opt->cfg.idle_timeout_ms = (uint64_t)n * 1000;
        } else if (!strcmp(arg, "--send-budget")) {
            if (!parse_number(value, 0, 100000000, false, &n)) {
                fail("invalid --send-budget '%s' (use 0 or more send() calls a second)", value);
                return 1;
            }
            opt->cfg.send_budget = (unsigned)n;
        } else if (!strcmp(arg, "--coalesce-max")) {
            if (!parse_number(value, 0, 1000, false, &n)) {
                fail("invalid --coalesce-max '%s' (use 0 to 1000 milliseconds)", value);
                return 1;
            }
            opt->cfg.coalesce_max_ms = (unsigned)n;
        } else if (!strcmp(arg, "--irc-port")) {
            if (!parse_number(value, 0, 65535, false, &n)) {
                fail("invalid --irc-port '%s' (use 1-65535, or 0 for no IRC)", value);
                return 1;
            }
            snprintf(irc_port_text, sizeof irc_port_text, "%u", (unsigned)n);
            opt->cfg.irc_port = n == 0 ? NULL : irc_port_text;
        } else if (!strcmp(arg, "--server-name") || !strcmp(arg, "--network")) {
            if (!irc_word_ok(value)) {
                fail("invalid %s '%s' (use 1-63 letters, digits, '.', '-' or '_')", arg, value);
                return 1;
            }
            if (!strcmp(arg, "--network"))
                opt->cfg.network = value;
            else {
                opt->cfg.server_name = value;
                opt->server_name_given = true;
            }
        } else if (!strcmp(arg, "--motd")) {
            opt->motd_file = value;
        } else if (!strcmp(arg, "--tls-cert")) {
            opt->cfg.tls_cert = value;
        } else if (!strcmp(arg, "--tls-key")) {
            opt->cfg.tls_key = value;
        } else if (!strcmp(arg, "--tls-port") || !strcmp(arg, "--irc-tls-port")) {
            bool irc = !strcmp(arg, "--irc-tls-port");
            char *text = irc ? irc_tls_port_text : tls_port_text;
            if (!parse_number(value, 0, 65535, false, &n)) {
                fail("invalid %s '%s' (use 1-65535, or 0 for none)", arg, value);
                return 1;
            }
            snprintf(text, 8, "%u", (unsigned)n);
            if (irc)
                opt->cfg.irc_tls_port = n == 0 ? NULL : text;
            else
                opt->cfg.tls_port = n == 0 ? NULL : text;
        } else if (!strcmp(arg, "--cluster")) {
            opt->cfg.cluster_url = value;
        } else if (!strcmp(arg, "--node-name")) {
            if (!*value) {
                fail("--node-name needs a name");
                return 1;
            }
            opt->cfg.node_name = value;
        } else if (!strcmp(arg, "--cluster-lease")) {
            if (!parse_number(value, 1, 3600, false, &n)) {
                fail("invalid --cluster-lease '%s' (use 1 to 3600 seconds)", value);
                return 1;
            }
            opt->cfg.cluster_lease_ms = (uint64_t)n * 1000;
        } else if (!strcmp(arg, "--tls-handshake-timeout")) {
            if (!parse_number(value, 1, 3600, false, &n)) {
                fail("invalid --tls-handshake-timeout '%s' (use 1 to 3600 seconds)", value);
                return 1;
            }
            opt->cfg.tls_handshake_timeout_ms = (uint64_t)n * 1000;
        } else if (!strcmp(arg, "--burst")) {
            if (!parse_number(value, 1, 1000000, false, &n)) {
                fail("invalid --burst '%s' (use 1 or more)", value);
                return 1;
            }
            opt->cfg.burst = (unsigned)n;
        }
    }
    if ((opt->cfg.node_name || opt->cfg.cluster_lease_ms) && !opt->cfg.cluster_url) {
        fail("--node-name and --cluster-lease need --cluster");
        return 1;
    }
    /* The password may stay out of the command line (ps shows it). */
    opt->cfg.redis_password = getenv("NATTER_REDIS_PASSWORD");
    /* A limit on line length beyond what fits in the output queue would
     * drop every sender of a long line as "too slow". */
    if (opt->cfg.max_queue < opt->cfg.max_line * 4) {
        fail("--max-queue must be at least 4 x --max-line");
        return 1;
    }
    return 0;
}

/* One log line: "[2026-11-25 18:40:46] join alice (127.0.0.1:5000)",
 * queued for the writer thread, so a log file or pipe is current without the
 * loop ever waiting for it. */
static void print_log(void *ctx, int kind, const char *text)
{
    const server_options *opt = ctx;
    if (kind == CHAT_LOG_CHAT && opt->quiet)
        return;
    char when[32], prefix[40];
    clock_local_datetime(when, sizeof when);
    snprintf(prefix, sizeof prefix, "[%s] ", when);
    log_sink_write(opt->log, prefix, text);
}

/* An untimestamped line on stdout (start-up banner, "stopped"). */
static void print_line(const server_options *opt, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_sink_write(opt->log, "", line);
}

int main(int argc, char **argv)
{
    server_options opt;
    int r = parse_options(argc, argv, &opt);
    if (r != 0)
        return r == 2 ? 0 : 1;
    char err[512];
    char *motd = NULL;
    if (opt.motd_file) {
        motd = read_motd(opt.motd_file, err, sizeof err);
        if (!motd)
            return fail("%s", err);
        opt.cfg.motd = motd;
    }
    /* The IRC server name defaults to this host's name, made one safe word. */
    static char host[64];
    if (!opt.server_name_given && net_init() == 0) {
        net_host_name(host, sizeof host);
        net_cleanup();
        for (char *p = host; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
                *p = '-';
        opt.cfg.server_name = host;
    }
    opt.log = log_sink_start_stdout(LOG_QUEUE_BYTES);
    if (!opt.log) {
        free(motd);
        return fail("cannot start the log writer");
    }
    opt.cfg.log = print_log;
    opt.cfg.log_ctx = &opt;
    server *srv = server_create(&opt.cfg, err, sizeof err);
    if (!srv) {
        free(motd);
        log_sink_stop(opt.log, LOG_DRAIN_MS);
        return fail("%s", err);
    }

    print_line(&opt, "natter-server %s", NATTER_VERSION);
    for (int i = 0; i < server_listener_count(srv); i++) {
        char name[80];
        print_line(&opt, "listening on %s (%s)", server_listener_name(srv, i, name, sizeof name),
                   server_listener_protocol(srv, i));
    }
    if (server_capacity(srv) < opt.cfg.max_clients)
        print_line(&opt, "note: at most %d clients (the limit of select() on this system)",
                   server_capacity(srv));
    print_line(&opt, "press Ctrl-C to stop");

    if (stop_hook_install(server_request_stop, srv) != 0)
        fprintf(stderr, "natter-server: warning: cannot catch Ctrl-C; it will stop abruptly\n");
    /* With TLS, SIGHUP means "reload the certificate" (renewals), not stop. */
    if (opt.cfg.tls_cert)
        stop_hook_set_reload(server_request_reload, srv);
    int status = server_run(srv);
    stop_hook_remove();
    server_destroy(srv);
    free(motd);
    print_line(&opt, "stopped");
    log_sink_stop(opt.log, LOG_DRAIN_MS);
    stop_hook_done();
    return status == 0 ? 0 : 1;
}
