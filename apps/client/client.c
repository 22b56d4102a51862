/* client.c - the natter console client: one select() loop over the server
 * socket, standard input and a wake-up socket for signals.
 *
 * Interactive mode (stdin and stdout are terminals): keys go through the line
 * editor at the bottom; each incoming line is printed above it (erase the
 * input line, print, redraw), so typing is never garbled. Pipe mode: input
 * lines are sent as they come, server lines are written as they arrive, and
 * at the end of input "/quit" is sent and the rest is printed until the
 * server closes (bounded). Lines from the network are sanitised before they
 * reach the terminal, whatever the server did. Every line also feeds the
 * room state (prompt, dimmed history) and the Tab completion candidates;
 * both understand protocol v1 and v2 lines.
 *
 * With --tls the bytes go through core/transport (TLS over the socket). The
 * handshake is finished right after connecting, bounded like the connect,
 * so that a certificate problem is one clear line before anything else. */
#include "apps/client/client.h"
#include "apps/client/format.h"
#include "apps/client/known.h"
#include "apps/client/roomstate.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buffer.h"
#include "core/linebuf.h"
#include "core/lineedit.h"
#include "core/transport.h"
#include "core/utf8.h"
#include "platform/clock.h"
#include "platform/console.h"
#include "platform/net.h"
#include "platform/poll.h"
#include "platform/stop.h"
#include "platform/term.h"
#include "platform/tls.h"

#define SERVER_LINE_MAX    (64 * 1024) /* the server never sends more; longer is dropped */
#define INPUT_LINE_MAX     1024        /* the editor's limit, the server's default */
#define HISTORY_MAX        200
#define PIPE_LINE_MAX      (64 * 1024) /* a longer pipe line is forwarded in pieces */
#define SEND_QUEUE_HIGH    (64 * 1024) /* stop reading input while this much is unsent */
#define CONNECT_TIMEOUT_MS 10000
#define PIPE_QUIT_WAIT_MS  5000 /* after /quit at end of input */
#define LEAVE_WAIT_MS      2000 /* after Ctrl-C / Ctrl-D / /quit on a terminal */
#define RESIZE_POLL_MS     250  /* Windows has no SIGWINCH: poll the width */
#define LIST_MAX           40   /* candidates shown for a second Tab */

#define NAME_PROMPT "Your name: "

typedef enum client_phase {
    PHASE_ASK_NAME, /* the next line typed is our name */
    PHASE_NAMING,   /* name sent; waiting for "*** You are" or "! reason" */
    PHASE_CHAT      /* named (or, in pipe mode without --name, not tracked) */
} client_phase;

typedef struct client {
    const client_options *opt;
    bool interactive;
    bool colour;
    net_socket sock;     /* NET_INVALID_SOCKET until connected */
    transport io;        /* over sock: plain or TLS */
    tls_client_ctx *tls; /* --tls: made at start */
    net_socket wake[2];  /* [1] is written by the stop hook */
    net_poll *poll;
    console_input *in;
    line_framer from_server;
    char *clean; /* one sanitised server line */
    byte_queue to_server;
    byte_queue screen;    /* terminal output, written once per round */
    byte_queue pipe_line; /* pipe mode: the incomplete input line */
    bool pipe_line_cut;   /* pipe mode: part of this line went out already */
    line_editor ed;
    bool input_hidden; /* the input line was erased for messages */
    client_phase phase;
    room_state rs;     /* our name (once accepted), room, history */
    known_words known; /* names and rooms seen: Tab completes them */
    bool name_sent;
    bool stdin_eof;
    bool quitting; /* /quit sent: the server's close is expected */
    uint64_t quit_deadline;
    bool done;
    int status;
    char error[512]; /* printed once the terminal is restored */
    volatile sig_atomic_t stop_requested;
} client;

/* ---- small helpers --------------------------------------------------- */

/* "/quit" or "/quit TEXT", in any case: the server will close after it. */
static bool is_quit_command(const char *s, size_t n)
{
    return n >= 5 && chat_same_name(s, 5, "/quit", 5) && (n == 5 || s[5] == ' ');
}

static void set_error(client *c, const char *a, const char *b, const char *d)
{
    snprintf(c->error, sizeof c->error, "natter: %s%s%s", a, b ? b : "", d ? d : "");
}

static void finish(client *c, int status)
{
    c->done = true;
    c->status = status;
}

/* "host:port", or "[v6]:port" when the host has colons. */
static void format_target(const client_options *o, char *out, size_t len)
{
    if (strchr(o->host, ':'))
        snprintf(out, len, "[%s]:%s", o->host, o->port);
    else
        snprintf(out, len, "%s:%s", o->host, o->port);
}

/* ---- terminal output -------------------------------------------------- */

static void screen_put(client *c, const char *s, size_t n)
{
    /* Output that cannot be queued is lost; nothing better can be done
     * without memory. */
    (void)byte_queue_append(&c->screen, s, n);
}

/* Move what the editor drew into the screen queue. */
static void take_editor_output(client *c)
{
    size_t n;
    const char *out = lineedit_output(&c->ed, &n);
    screen_put(c, out, n);
    lineedit_output_taken(&c->ed);
}

/* Write the round's output; in interactive mode the input line comes back
 * below whatever was printed. */
static void flush_screen(client *c)
{
    if (c->interactive && c->input_hidden) {
        lineedit_redraw(&c->ed);
        take_editor_output(c);
        c->input_hidden = false;
    }
    if (byte_queue_length(&c->screen) == 0)
        return;
    if (term_write(byte_queue_data(&c->screen), byte_queue_length(&c->screen)) != 0 && !c->done) {
        /* Our terminal or pipe is gone: nobody is left to read the chat. */
        finish(c, CLIENT_EXIT_ERROR);
    }
    byte_queue_consume(&c->screen, byte_queue_length(&c->screen));
}

/* Print one line above the input line, dimmed if it is history. */
static void show_line(client *c, const char *s, size_t n, bool dim)
{
    chat_look look;

    if (c->interactive && !c->input_hidden) {
        lineedit_hide(&c->ed);
        take_editor_output(c);
        c->input_hidden = true;
    }
    look.own_name = c->rs.name;
    look.colour = c->colour;
    look.dim = dim;
    if (chat_format(&c->screen, s, n, &look) != 0 ||
        byte_queue_append(&c->screen, c->interactive ? "\r\n" : "\n", c->interactive ? 2 : 1) !=
            0) {
        set_error(c, "out of memory", NULL, NULL);
        finish(c, CLIENT_EXIT_ERROR);
    }
}

/* ---- talking to the server ------------------------------------------- */

/* "alice> ", or "alice #rust> " once the server (v2) put us in a room. */
static void set_chat_prompt(client *c)
{
    char prompt[ROOMSTATE_PROMPT_MAX];
    roomstate_prompt(&c->rs, prompt, sizeof prompt);
    (void)lineedit_set_prompt(&c->ed, prompt, c->colour ? "1" : NULL);
}

static void lost_connection(client *c)
{
    if (c->quitting) {
        finish(c, CLIENT_EXIT_OK);
        return;
    }
    set_error(c, "connection to server lost", NULL, NULL);
    finish(c, CLIENT_EXIT_ERROR);
}

static void flush_to_server(client *c)
{
    while (byte_queue_length(&c->to_server) > 0) {
        long n = transport_send(&c->io, byte_queue_data(&c->to_server),
                                byte_queue_length(&c->to_server));
        if (n == NET_WOULD_BLOCK)
            return;
        if (n < 0) {
            lost_connection(c);
            return;
        }
        byte_queue_consume(&c->to_server, (size_t)n);
    }
}

/* The TLS handshake, waiting (bounded) for the socket as it asks. The
 * client has nothing else to do until it knows whom it talks to. */
static bool finish_handshake(client *c)
{
    char err[256] = "", target[300];
    int r;

    if (transport_init_tls_client(&c->io, c->sock, c->tls, c->opt->host, err, sizeof err) != 0) {
        set_error(c, "TLS: ", err, NULL);
        return false;
    }
    r = transport_handshake_wait(&c->io, c->poll, CONNECT_TIMEOUT_MS);
    if (r == TRANSPORT_AGAIN) {
        format_target(c->opt, target, sizeof target);
        set_error(c, "TLS: no handshake with ", target, " within 10 seconds");
        return false;
    }
    if (r == TRANSPORT_FAILED) {
        if (transport_wrong_name(&c->io)) {
            /* Trusted, but for another name: --ca would not help. */
            snprintf(c->error, sizeof c->error,
                     "natter: TLS: %s; the certificate is not for %s (connect by a name it lists)",
                     transport_error(&c->io), c->opt->host);
        } else if (transport_verify_failed(&c->io)) {
            set_error(c, "TLS: ", transport_error(&c->io),
                      c->opt->ca_file ? "; is --ca the right file?"
                                      : "; use --ca FILE to trust it");
        } else {
            format_target(c->opt, target, sizeof target);
            snprintf(c->error, sizeof c->error, "natter: TLS handshake with %s failed: %s", target,
                     transport_error(&c->io));
        }
        return false;
    }
    return true;
}

static bool connect_to_server(client *c)
{
    char err[256] = "", target[300];

    if (c->sock != NET_INVALID_SOCKET)
        return true;
    if (net_connect(c->opt->host, c->opt->port, &c->sock, CONNECT_TIMEOUT_MS, err, sizeof err) !=
        0) {
        c->sock = NET_INVALID_SOCKET;
        format_target(c->opt, target, sizeof target);
        set_error(c, "cannot connect to ", target, "");
        snprintf(c->error + strlen(c->error), sizeof c->error - strlen(c->error), ": %s",
                 err[0] ? err : "failed");
        finish(c, CLIENT_EXIT_ERROR);
        return false;
    }
    net_set_nonblocking(c->sock, true);
    transport_init_plain(&c->io, c->sock);
    if (c->tls && !finish_handshake(c)) {
        finish(c, CLIENT_EXIT_ERROR);
        return false;
    }
    return true;
}

/* Queue one line (a line end is added) and start sending it. */
static void send_line(client *c, const char *s, size_t n)
{
    if (byte_queue_append(&c->to_server, s, n) != 0 ||
        byte_queue_append(&c->to_server, "\n", 1) != 0) {
        set_error(c, "out of memory", NULL, NULL);
        finish(c, CLIENT_EXIT_ERROR);
        return;
    }
    flush_to_server(c);
}

static void start_quit(client *c, long wait_ms)
{
    c->quitting = true;
    c->quit_deadline = clock_monotonic_ms() + (uint64_t)wait_ms;
}

static void send_name(client *c, const char *name, size_t n)
{
    if (!connect_to_server(c))
        return;
    c->phase = PHASE_NAMING;
    c->name_sent = true;
    send_line(c, name, n);
}

/* ---- lines from the server -------------------------------------------- */

/* "*** You are NAME. ..." - remember the name the server gave. */
static void name_accepted(client *c)
{
    c->phase = PHASE_CHAT;
    if (c->interactive)
        set_chat_prompt(c);
}

/* "! reason" while naming: ask again on a terminal; a pipe with --name
 * has nobody to ask. */
static void name_refused(client *c, const char *s, size_t n)
{
    static const char ask[] = " Choose another name:";
    char reason[300];
    if (c->interactive) {
        c->phase = PHASE_ASK_NAME;
        (void)lineedit_set_prompt(&c->ed, NAME_PROMPT, NULL);
        return;
    }
    if (n >= 2 + strlen(ask) && memcmp(s + n - strlen(ask), ask, strlen(ask)) == 0)
        n -= strlen(ask);
    snprintf(reason, sizeof reason, "%.*s", (int)(n - 2), s + 2);
    set_error(c, "the server refused the name: ", reason, NULL);
    finish(c, CLIENT_EXIT_ERROR);
}

static void server_line(client *c, const char *raw, size_t raw_len)
{
    static const char question[] = " What is your name?";
    size_t n = utf8_sanitize(raw, raw_len, c->clean);
    const char *s = c->clean;
    int flags = 0;

    if (c->phase != PHASE_CHAT && roomstate_accept_name(&c->rs, s, n)) {
        name_accepted(c);
    } else if (c->phase == PHASE_NAMING && chat_starts_with(s, n, "! ")) {
        name_refused(c, s, n);
    } else if (c->phase == PHASE_CHAT) {
        flags = roomstate_line(&c->rs, s, n);
        if ((flags & ROOMSTATE_PROMPT) && c->interactive && c->rs.name[0])
            set_chat_prompt(c);
    }
    known_learn(&c->known, s, n, (flags & ROOMSTATE_DIM) != 0);
    /* On a terminal the name was already asked for: the question would
     * only confuse. A pipe gets every line as it came. */
    if (c->interactive && c->name_sent && chat_starts_with(s, n, "*** Welcome") &&
        n >= strlen(question) && memcmp(s + n - strlen(question), question, strlen(question)) == 0)
        n -= strlen(question);
    show_line(c, s, n, (flags & ROOMSTATE_DIM) != 0);
}

static void read_server(client *c)
{
    size_t avail;
    char *space = line_framer_space(&c->from_server, &avail);
    long n = transport_recv(&c->io, space, avail);
    const char *line;
    size_t len;
    int r;

    if (n == NET_WOULD_BLOCK)
        return;
    if (n <= 0) {
        lost_connection(c);
        return;
    }
    line_framer_commit(&c->from_server, (size_t)n);
    while ((r = line_framer_next(&c->from_server, &line, &len)) != LINE_NONE) {
        if (r == LINE_READY && !c->done)
            server_line(c, line, len);
    }
}

/* ---- keyboard (interactive) ------------------------------------------- */

/* Ctrl-C, Ctrl-D on an empty line, or the end of input: leave politely,
 * or at once if already leaving. */
static void leave(client *c)
{
    if (c->sock == NET_INVALID_SOCKET || c->quitting) {
        finish(c, CLIENT_EXIT_OK);
        return;
    }
    send_line(c, "/quit", 5);
    start_quit(c, LEAVE_WAIT_MS);
}

static void trim_blanks(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static void submitted(client *c)
{
    size_t n;
    const char *s = lineedit_submitted(&c->ed, &n);

    if (c->phase == PHASE_ASK_NAME) {
        trim_blanks(&s, &n);
        if (n == 0)
            return;
        if (is_quit_command(s, n)) {
            leave(c);
            return;
        }
        send_name(c, s, n);
        return;
    }
    if (n == 0)
        return;
    if (is_quit_command(s, n))
        start_quit(c, LEAVE_WAIT_MS);
    send_line(c, s, n);
}

/* A second Tab on an ambiguous word: the candidates, dimmed, above the
 * input line. */
static void list_candidates(client *c)
{
    byte_queue list;
    size_t len;
    const char *word = lineedit_word(&c->ed, &len);

    byte_queue_init(&list);
    if (known_list_matches(&c->known, word, len, LIST_MAX, &list) > 0)
        show_line(c, byte_queue_data(&list), byte_queue_length(&list), true);
    byte_queue_free(&list);
}

static void typed(client *c, const char *data, size_t len)
{
    while (len > 0 && !c->done) {
        int ev;
        size_t used = lineedit_feed(&c->ed, data, len, &ev);
        take_editor_output(c);
        data += used;
        len -= used;
        if (ev == LINEEDIT_SUBMIT)
            submitted(c);
        else if (ev == LINEEDIT_QUIT)
            leave(c);
        else if (ev == LINEEDIT_LIST)
            list_candidates(c);
    }
}

/* ---- standard input (pipe mode) ---------------------------------------- */

/* One input line (complete: a line end follows) or a piece of an over-long
 * one. The first line connects when we waited for a typed name. */
static void pipe_send(client *c, const char *s, size_t n, bool complete)
{
    if (!connect_to_server(c))
        return;
    if (complete && !c->pipe_line_cut && is_quit_command(s, n))
        start_quit(c, PIPE_QUIT_WAIT_MS);
    if (complete) {
        send_line(c, s, n);
        c->pipe_line_cut = false;
    } else {
        (void)byte_queue_append(&c->to_server, s, n);
        c->pipe_line_cut = true;
        flush_to_server(c);
    }
}

static void piped(client *c, const char *data, size_t len)
{
    while (len > 0 && !c->done && !c->quitting) {
        const char *lf = (const char *)memchr(data, '\n', len);
        size_t take = lf ? (size_t)(lf - data) : len;
        const char *line;
        size_t n;

        if (byte_queue_append(&c->pipe_line, data, take) != 0) {
            set_error(c, "out of memory", NULL, NULL);
            finish(c, CLIENT_EXIT_ERROR);
            return;
        }
        data += take + (lf ? 1 : 0);
        len -= take + (lf ? 1 : 0);
        line = byte_queue_data(&c->pipe_line);
        n = byte_queue_length(&c->pipe_line);
        if (lf) {
            if (n > 0 && line[n - 1] == '\r')
                n--;
            pipe_send(c, line, n, true);
        } else if (n >= PIPE_LINE_MAX) {
            pipe_send(c, line, n, false);
        } else {
            continue;
        }
        byte_queue_consume(&c->pipe_line, byte_queue_length(&c->pipe_line));
    }
}

/* End of input: send the last unterminated line, then /quit, and wait for
 * the server to close. */
static void pipe_ended(client *c)
{
    size_t n = byte_queue_length(&c->pipe_line);
    if (n > 0 || c->pipe_line_cut)
        pipe_send(c, byte_queue_data(&c->pipe_line), n, true);
    byte_queue_consume(&c->pipe_line, n);
    if (c->done)
        return;
    if (c->sock == NET_INVALID_SOCKET) { /* nothing was ever typed */
        finish(c, CLIENT_EXIT_OK);
        return;
    }
    if (!c->quitting) {
        send_line(c, "/quit", 5);
        start_quit(c, PIPE_QUIT_WAIT_MS);
    }
}

static void read_input(client *c)
{
    char buf[4096];
    long n = console_input_read(c->in, buf, sizeof buf);

    if (n == NET_WOULD_BLOCK)
        return;
    if (n <= 0) {
        c->stdin_eof = true;
        if (c->interactive)
            leave(c);
        else
            pipe_ended(c);
        return;
    }
    if (c->interactive)
        typed(c, buf, (size_t)n);
    else
        piped(c, buf, (size_t)n);
}

/* ---- the loop ---------------------------------------------------------- */

static void on_stop(void *arg)
{
    client *c = (client *)arg;
    c->stop_requested = 1;
    (void)net_send(c->wake[1], "!", 1);
}

static long poll_timeout(const client *c)
{
    long t = c->interactive ? RESIZE_POLL_MS : -1;
    if (c->quitting) {
        uint64_t now = clock_monotonic_ms();
        long left = now >= c->quit_deadline ? 0 : (long)(c->quit_deadline - now);
        if (t < 0 || left < t)
            t = left;
    }
    return t;
}

/* Read stdin unless it ended, a pipe already said /quit, or the server is
 * not taking what we send (then the pipe waits, not our memory). */
static bool want_input(const client *c)
{
    if (c->stdin_eof || (c->quitting && !c->interactive))
        return false;
    return byte_queue_length(&c->to_server) < SEND_QUEUE_HIGH;
}

static void drain_wake(client *c)
{
    char buf[64];
    while (net_recv(c->wake[0], buf, sizeof buf) > 0) {
    }
}

static void run_round(client *c)
{
    net_socket in = console_input_handle(c->in);
    bool connected = c->sock != NET_INVALID_SOCKET;
    int n;

    net_poll_clear(c->poll);
    net_poll_add(c->poll, c->wake[0], NET_POLL_READ);
    if (connected)
        net_poll_add(c->poll, c->sock,
                     transport_poll_events(&c->io, true, byte_queue_length(&c->to_server) > 0));
    if (want_input(c))
        net_poll_add(c->poll, in, NET_POLL_READ);

    /* Lines TLS already decrypted are read now, not after the next packet. */
    n = net_poll_wait(c->poll, connected && transport_pending(&c->io) ? 0 : poll_timeout(c));
    if (n == NET_ERROR) {
        set_error(c, "waiting for input failed", NULL, NULL);
        finish(c, CLIENT_EXIT_ERROR);
        return;
    }
    if (c->stop_requested) {
        finish(c, CLIENT_EXIT_OK);
        return;
    }
    if (n > 0 && net_poll_ready(c->poll, c->wake[0]))
        drain_wake(c);
    if (connected) {
        /* Over TLS a read may need the socket writable and a write readable,
         * so any readiness drives both. */
        int ready = n > 0 ? net_poll_ready(c->poll, c->sock) : 0;
        bool tls = c->io.tls != NULL;
        if ((ready & NET_POLL_READ) || (tls && ready) || transport_pending(&c->io))
            read_server(c);
        if (!c->done && ((ready & NET_POLL_WRITE) || (tls && ready)) &&
            byte_queue_length(&c->to_server) > 0)
            flush_to_server(c);
    }
    if (n > 0 && !c->done && want_input(c) && (net_poll_ready(c->poll, in) & NET_POLL_READ))
        read_input(c);
    if (c->interactive && term_resized()) {
        lineedit_set_columns(&c->ed, term_columns());
        lineedit_redraw(&c->ed);
        take_editor_output(c);
    }
    if (!c->done && c->quitting && clock_monotonic_ms() >= c->quit_deadline)
        finish(c, CLIENT_EXIT_OK);
    flush_screen(c);
}

/* ---- set-up and tear-down ---------------------------------------------- */

static bool colour_wanted(void)
{
    const char *no_colour = getenv("NO_COLOR");
    return term_stdout_is_tty() && !(no_colour && no_colour[0]);
}

/* A terminal that understands cursor movement on both ends. */
static bool interactive_possible(void)
{
    const char *term = getenv("TERM");
    if (!term_stdin_is_tty() || !term_stdout_is_tty())
        return false;
    return !(term && strcmp(term, "dumb") == 0);
}

static int client_init(client *c, const client_options *opt)
{
    char err[256];

    memset(c, 0, sizeof *c);
    c->opt = opt;
    c->sock = NET_INVALID_SOCKET;
    c->wake[0] = c->wake[1] = NET_INVALID_SOCKET;
    byte_queue_init(&c->to_server);
    byte_queue_init(&c->screen);
    byte_queue_init(&c->pipe_line);
    roomstate_init(&c->rs);
    if (line_framer_init(&c->from_server, SERVER_LINE_MAX) != 0 ||
        lineedit_init(&c->ed, INPUT_LINE_MAX, HISTORY_MAX) != 0 || known_init(&c->known) != 0 ||
        !(c->clean = (char *)malloc(UTF8_SANITIZED_MAX(SERVER_LINE_MAX))) ||
        !(c->poll = net_poll_create())) {
        set_error(c, "out of memory", NULL, NULL);
        return -1;
    }
    if (net_socket_pair(c->wake, err, sizeof err) != 0) {
        set_error(c, "cannot create a wake-up socket pair: ", err, NULL);
        return -1;
    }
    transport_init_plain(&c->io, NET_INVALID_SOCKET);
    if (opt->tls || opt->insecure || opt->ca_file) {
        if (!tls_client_available()) {
            set_error(c, "TLS is not available in this build", NULL, NULL);
            return -1;
        }
        c->tls = tls_client_ctx_create(opt->ca_file, opt->insecure, err, sizeof err);
        if (!c->tls) {
            set_error(c, "TLS: ", err, NULL);
            return -1;
        }
        if (opt->insecure)
            fputs("natter: warning: --insecure: the server's certificate is not checked; "
                  "anyone on the way can read and change this chat\n",
                  stderr);
    }
    return 0;
}

static void client_free(client *c)
{
    if (c->in)
        console_input_close(c->in);
    transport_free(&c->io);
    if (c->tls)
        tls_client_ctx_free(c->tls);
    if (c->sock != NET_INVALID_SOCKET)
        net_close(c->sock);
    if (c->wake[0] != NET_INVALID_SOCKET)
        net_close(c->wake[0]);
    if (c->wake[1] != NET_INVALID_SOCKET)
        net_close(c->wake[1]);
    if (c->poll)
        net_poll_destroy(c->poll);
    free(c->clean);
    lineedit_free(&c->ed);
    known_free(&c->known);
    line_framer_free(&c->from_server);
    byte_queue_free(&c->to_server);
    byte_queue_free(&c->screen);
    byte_queue_free(&c->pipe_line);
}

/* Raw mode and the editor for a terminal; falls back to pipe mode when the
 * terminal cannot do it. */
static void start_terminal(client *c)
{
    /* UTF-8 code pages help every mode on Windows; VT output is needed
     * only for the editor. */
    bool vt = term_prepare_output() == 0;
    c->interactive = interactive_possible() && vt && term_raw_enable() == 0;
    c->colour = c->interactive && colour_wanted();
    if (!c->interactive)
        return;
    lineedit_set_columns(&c->ed, term_columns());
    lineedit_set_completion(&c->ed, known_complete, &c->known);
    (void)lineedit_set_prompt(&c->ed, c->opt->name ? "> " : NAME_PROMPT, NULL);
}

/* Who we are, as far as it is known before connecting. */
static void start_session(client *c)
{
    const char *name = c->opt->name;

    if (name) {
        send_name(c, name, strlen(name));
    } else if (c->interactive) {
        c->phase = PHASE_ASK_NAME; /* the editor asks */
    } else {
        /* Pipe mode: the first input line is the name, sent like any
         * other. On a terminal (output redirected) ask for it first. */
        c->phase = PHASE_CHAT;
        if (term_stdin_is_tty())
            fputs(NAME_PROMPT, stderr);
        else
            connect_to_server(c);
    }
    if (c->interactive && !c->done) {
        lineedit_redraw(&c->ed);
        take_editor_output(c);
        flush_screen(c);
    }
}

/* Erase the input line so the shell prompt lands on a clean line. */
static void end_terminal(client *c)
{
    if (!c->interactive)
        return;
    if (!c->input_hidden) {
        lineedit_hide(&c->ed);
        take_editor_output(c);
    }
    c->input_hidden = false;
    c->interactive = false; /* flush_screen must not redraw */
    flush_screen(c);
    term_raw_disable();
}

int client_run(const client_options *opt)
{
    client *c = (client *)malloc(sizeof *c);
    int status = CLIENT_EXIT_ERROR;
    bool hooked = false;

    if (!c) {
        fputs("natter: out of memory\n", stderr);
        return CLIENT_EXIT_ERROR;
    }
    if (net_init() != 0) {
        fputs("natter: cannot initialise networking\n", stderr);
        free(c);
        return CLIENT_EXIT_ERROR;
    }
    if (client_init(c, opt) == 0) {
        hooked = stop_hook_install(on_stop, c) == 0;
        start_terminal(c);
        c->in = console_input_open();
        if (!c->in) {
            set_error(c, "cannot read standard input", NULL, NULL);
            finish(c, CLIENT_EXIT_ERROR);
        }
        if (!c->done)
            start_session(c);
        while (!c->done)
            run_round(c);
        status = c->status;
        end_terminal(c);
    }
    if (c->error[0])
        fprintf(stderr, "%s\n", c->error);
    if (hooked) {
        stop_hook_done();
        stop_hook_remove();
    }
    client_free(c);
    free(c);
    net_cleanup();
    return status;
}
