/* main.c - natter, the console client: parse the command line and run.
 *   natter [--name NAME] [--tls [--ca FILE | --insecure]] [HOST [PORT]]
 * HOST may also be HOST:PORT or [IPv6]:PORT. Everything else is in
 * client.c. */
#include <stdio.h>
#include <string.h>

#include "apps/client/client.h"

#ifndef NATTER_VERSION
#define NATTER_VERSION "unknown"
#endif

#define HOST_MAX 256

static void print_usage(FILE *to)
{
    fprintf(to,
            "Usage: natter [--name NAME] [--tls [--ca FILE | --insecure]] [HOST [PORT]]\n"
            "Chat on a natter server (default %s, port %s; with --tls, port %s).\n"
            "\n"
            "  HOST            a name or address; also HOST:PORT or [IPv6]:PORT\n"
            "  -n, --name NAME join as NAME instead of being asked\n"
            "      --tls       encrypt the connection (TLS) and check the server's\n"
            "                  certificate and name against the system's trusted CAs\n"
            "      --ca FILE   trust the certificates in FILE (PEM: a private CA or the\n"
            "                  server's self-signed certificate) instead; implies --tls\n"
            "      --insecure  TLS without checking the certificate (warns); implies --tls\n"
            "  -h, --help      show this help and exit\n"
            "  -V, --version   show the version and exit\n"
            "\n"
            "On a terminal, type a line and press Enter to send it; messages appear\n"
            "above what you are typing. Keys: Left/Right, Home/End, Backspace/Delete,\n"
            "Up/Down for earlier lines, Ctrl-A/E/U/W/K/L; Ctrl-C or /quit to leave.\n"
            "With input from a pipe, each line is sent, then /quit at the end:\n"
            "  printf 'bot\\nhello\\n' | natter localhost\n"
            "Colours are off when NO_COLOR is set.\n",
            CLIENT_DEFAULT_HOST, CLIENT_DEFAULT_PORT, CLIENT_DEFAULT_TLS_PORT);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "natter: %s '%s'\nTry 'natter --help'.\n", what, arg);
    return CLIENT_EXIT_USAGE;
}

/* A port is a decimal number 1-65535. */
static int port_is_valid(const char *s)
{
    long v = 0;
    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (*s - '0');
        if (v > 65535)
            return 0;
    }
    return v >= 1;
}

/* Split "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address
 * (two or more colons, no brackets) into host (copied into host_buf) and
 * port (pointing into spec, or NULL). Returns 0, or -1 if malformed. */
static int split_target(const char *spec, char *host_buf, size_t host_len, const char **port)
{
    const char *colon = strchr(spec, ':');
    size_t n;

    *port = NULL;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || (close[1] != '\0' && close[1] != ':'))
            return -1;
        n = (size_t)(close - spec - 1);
        if (close[1] == ':')
            *port = close + 2;
        spec++;
    } else if (colon && strchr(colon + 1, ':') == NULL) {
        n = (size_t)(colon - spec);
        *port = colon + 1;
    } else {
        n = strlen(spec);
    }
    if (n == 0 || n >= host_len)
        return -1;
    memcpy(host_buf, spec, n);
    host_buf[n] = '\0';
    return 0;
}

/* "--name=X", "--name X" and "-n X". Returns the value and advances *i, or
 * NULL if arg is not the name option. *missing is set when the value is. */
static const char *name_option(int argc, char **argv, int *i, int *missing)
{
    const char *arg = argv[*i];
    *missing = 0;
    if (strncmp(arg, "--name=", 7) == 0)
        return arg + 7;
    if (strcmp(arg, "--name") != 0 && strcmp(arg, "-n") != 0)
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int main(int argc, char **argv)
{
    static char host_buf[HOST_MAX];
    client_options opt;
    const char *positional[2];
    const char *spec_port = NULL;
    int npos = 0, i, options_done = 0;

    opt.host = CLIENT_DEFAULT_HOST;
    opt.port = NULL;
    opt.name = NULL;
    opt.tls = false;
    opt.ca_file = NULL;
    opt.insecure = false;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *name;
        int missing;

        if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            if (strcmp(arg, "--") == 0) {
                options_done = 1;
            } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
                print_usage(stdout);
                return CLIENT_EXIT_OK;
            } else if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
                printf("natter %s\n", NATTER_VERSION);
                return CLIENT_EXIT_OK;
            } else if (strcmp(arg, "--tls") == 0) {
                opt.tls = true;
            } else if (strcmp(arg, "--insecure") == 0) {
                opt.tls = opt.insecure = true;
            } else if (strcmp(arg, "--ca") == 0) {
                if (i + 1 >= argc)
                    return usage_error("missing file after", arg);
                opt.ca_file = argv[++i];
                opt.tls = true;
            } else if ((name = name_option(argc, argv, &i, &missing)) != NULL) {
                if (name[0] == '\0')
                    return usage_error("empty name", name);
                opt.name = name;
            } else if (missing) {
                return usage_error("missing name after", arg);
            } else {
                return usage_error("unknown option", arg);
            }
            continue;
        }
        if (npos == 2)
            return usage_error("unexpected argument", arg);
        positional[npos++] = arg;
    }

    if (npos >= 1) {
        if (split_target(positional[0], host_buf, sizeof host_buf, &spec_port) != 0)
            return usage_error("invalid host", positional[0]);
        opt.host = host_buf;
        if (spec_port)
            opt.port = spec_port;
    }
    if (npos == 2) {
        if (spec_port)
            return usage_error("port given twice, also as", positional[1]);
        opt.port = positional[1];
    }
    if (opt.insecure && opt.ca_file) {
        fputs("natter: --ca and --insecure contradict each other; use one\n"
              "Try 'natter --help'.\n",
              stderr);
        return CLIENT_EXIT_USAGE;
    }
    if (!opt.port)
        opt.port = opt.tls ? CLIENT_DEFAULT_TLS_PORT : CLIENT_DEFAULT_PORT;
    if (!port_is_valid(opt.port))
        return usage_error("invalid port", opt.port);

    return client_run(&opt);
}
