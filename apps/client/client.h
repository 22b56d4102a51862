/* client.h - the natter console client behind apps/client/main.c: connect,
 * then relay between the keyboard (or a pipe) and the server until one side
 * ends. main.c only parses the command line into client_options. */
#ifndef NATTER_APPS_CLIENT_H
#define NATTER_APPS_CLIENT_H

#include <stdbool.h>

#define CLIENT_DEFAULT_HOST     "localhost"
#define CLIENT_DEFAULT_PORT     "8923"
#define CLIENT_DEFAULT_TLS_PORT "8924"

/* Exit statuses. */
#define CLIENT_EXIT_OK    0
#define CLIENT_EXIT_ERROR 1 /* cannot connect, connection lost, name refused */
#define CLIENT_EXIT_USAGE 2 /* bad command line (main.c) */

typedef struct client_options {
    const char *host; /* without IPv6 brackets */
    const char *port;
    const char *name;    /* NULL: ask (terminal) or the first input line (pipe) */
    bool tls;            /* --tls: TLS, verifying the server's certificate */
    const char *ca_file; /* --ca: trust these certificates, not the system's */
    bool insecure;       /* --insecure: TLS without verification */
} client_options;

/* Run the client; returns an exit status. Messages for the user go to
 * stdout, failures as one "natter: ..." line to stderr. */
int client_run(const client_options *opt);

#endif
