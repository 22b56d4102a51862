/* room.c - the chat rules: names, commands, and who receives which line.
 * No sockets here: the event loop feeds lines in, and every reply leaves
 * through ops->send as complete CRLF-terminated lines. docs/protocol.md is
 * the user-facing description of what this file implements. */
#include "core/room.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"
#include "core/utf8.h"

/* Client-chosen words quoted back in errors (unknown command, unknown user)
 * are cut to this many code points so an error never echoes a whole line. */
#define ECHO_MAX_CHARS 32

/* A growable NUL-terminated text buffer. "failed" is sticky until the next
 * reset, so a line whose growth ran out of memory is dropped, never sent
 * half-built. */
typedef struct text_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} text_buf;

struct room_member {
    room_member *prev;
    room_member *next;
    void *conn;
    bool named;
    size_t name_len;
    char name[NAME_MAX_BYTES + 1];
    const char *peer;           /* stored in the same allocation, after m */
};

struct room {
    room_ops ops;
    size_t max_line;
    /* Connections in order; a member moves to the tail when it picks a name,
     * so walking the list and skipping unnamed ones gives join order. */
    room_member *head;
    room_member *tail;
    size_t count;
    size_t named;
    bool shutting_down;
    /* Scratch owned by the room: a broadcast is formatted once here and
     * handed to every member; after warm-up no message allocates. */
    text_buf line;
    text_buf log;
};

/* ---- text buffers ---------------------------------------------------- */

static void tb_reset(text_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data)
        b->data[0] = '\0';
}

/* Make room for extra more bytes plus the terminating NUL. */
static bool tb_reserve(text_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->failed)
        return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return false;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = (char *)realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

static void tb_append(text_buf *b, const char *s, size_t n)
{
    if (n == 0 || !tb_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void tb_puts(text_buf *b, const char *s)
{
    tb_append(b, s, strlen(s));
}

/* Append text from a client: invalid UTF-8 and control characters become
 * U+FFFD, so nothing a client sends can drive another user's terminal. */
static void tb_append_sanitized(text_buf *b, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (n > SIZE_MAX / 3) {
        b->failed = true;
        return;
    }
    if (!tb_reserve(b, UTF8_SANITIZED_MAX(n)))
        return;
    b->len += utf8_sanitize(s, n, b->data + b->len);
    b->data[b->len] = '\0';
}

/* Append a client-chosen word for an error message: sanitised and cut to
 * ECHO_MAX_CHARS code points, with "..." when cut. */
static void tb_append_echo(text_buf *b, const char *s, size_t n)
{
    size_t used = 0, chars = 0;
    uint32_t cp;

    while (used < n && chars < ECHO_MAX_CHARS) {
        used += utf8_decode(s + used, n - used, &cp);
        chars++;
    }
    tb_append_sanitized(b, s, used);
    if (used < n)
        tb_puts(b, "...");
}

/* Decimal without printf: "%zu" is not understood by every C runtime we
 * build for (older msvcrt under MinGW). */
static const char *size_str(size_t v, char out[24])
{
    char *p = out + 23;

    *p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

/* ---- small text helpers ---------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_blank_line(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!is_blank(s[i]))
            return false;
    return true;
}

static void skip_blanks(const char **s, size_t *n)
{
    while (*n > 0 && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
}

static void trim_trailing_blanks(const char *s, size_t *n)
{
    while (*n > 0 && is_blank(s[*n - 1]))
        (*n)--;
}

static void trim_blanks(const char **s, size_t *n)
{
    skip_blanks(s, n);
    trim_trailing_blanks(*s, n);
}

/* Split the first blank-separated word off s; s/n become the rest with its
 * leading blanks skipped. */
static void split_word(const char **s, size_t *n, const char **word, size_t *word_len)
{
    size_t i = 0;

    while (i < *n && !is_blank((*s)[i]))
        i++;
    *word = *s;
    *word_len = i;
    *s += i;
    *n -= i;
    skip_blanks(s, n);
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* word (not NUL-terminated) equals the lower-case literal lit, ignoring
 * ASCII case. */
static bool word_is(const char *word, size_t n, const char *lit)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (lit[i] == '\0' || ascii_lower(word[i]) != lit[i])
            return false;
    return lit[n] == '\0';
}

/* ---- member list ----------------------------------------------------- */

static void list_append(room *r, room_member *m)
{
    m->prev = r->tail;
    m->next = NULL;
    if (r->tail)
        r->tail->next = m;
    else
        r->head = m;
    r->tail = m;
}

static void list_remove(room *r, room_member *m)
{
    if (m->prev)
        m->prev->next = m->next;
    else
        r->head = m->next;
    if (m->next)
        m->next->prev = m->prev;
    else
        r->tail = m->prev;
    m->prev = m->next = NULL;
}

/* Forget m (it stays allocated for the caller to finish with). */
static void unlink_member(room *r, room_member *m)
{
    list_remove(r, m);
    r->count--;
    if (m->named)
        r->named--;
}

static room_member *find_named(room *r, const char *name, size_t len)
{
    room_member *m;

    for (m = r->head; m; m = m->next)
        if (m->named && name_equal(m->name, m->name_len, name, len))
            return m;
    return NULL;
}

/* ---- output ---------------------------------------------------------- */

/* Log the NULL-terminated list of strings as one line. */
static void room_log(room *r, int kind, ...)
{
    va_list ap;
    const char *part;

    if (!r->ops.log)
        return;
    tb_reset(&r->log);
    va_start(ap, kind);
    while ((part = va_arg(ap, const char *)) != NULL)
        tb_puts(&r->log, part);
    va_end(ap);
    if (!r->log.failed && r->log.data)
        r->ops.log(r->ops.ctx, kind, r->log.data);
}

static void now_hms(room *r, char out[9])
{
    memcpy(out, "00:00:00", 9);
    r->ops.now_hms(r->ops.ctx, out);
    out[8] = '\0';
}

/* Start a line in r->line; with a time, as "[HH:MM:SS] ". */
static void line_begin(room *r, const char *hms)
{
    tb_reset(&r->line);
    if (hms) {
        tb_puts(&r->line, "[");
        tb_puts(&r->line, hms);
        tb_puts(&r->line, "] ");
    }
}

static void line_end(room *r)
{
    tb_puts(&r->line, "\r\n");
}

static void send_line(room *r, room_member *m)
{
    if (!r->line.failed && r->line.len > 0)
        r->ops.send(r->ops.ctx, m->conn, r->line.data, r->line.len);
}

/* Send r->line to every named member. The ops callbacks only queue or
 * record; they must not call back into the room (a member freed during this
 * walk would break it). */
static void broadcast_line(room *r)
{
    room_member *m;

    for (m = r->head; m; m = m->next)
        if (m->named)
            send_line(r, m);
}

/* Reply to one member with the NULL-terminated list of trusted strings. */
static void reply(room *r, room_member *m, ...)
{
    va_list ap;
    const char *part;

    line_begin(r, NULL);
    va_start(ap, m);
    while ((part = va_arg(ap, const char *)) != NULL)
        tb_puts(&r->line, part);
    va_end(ap);
    line_end(r);
    send_line(r, m);
}

/* Log r->line's text after its time stamp (stamp_len bytes), minus CRLF. */
static void log_line_text(room *r, int kind, size_t stamp_len)
{
    if (!r->ops.log || r->line.failed || r->line.len < stamp_len + 2)
        return;
    tb_reset(&r->log);
    tb_append(&r->log, r->line.data + stamp_len, r->line.len - stamp_len - 2);
    if (!r->log.failed && r->log.data)
        r->ops.log(r->ops.ctx, kind, r->log.data);
}

/* "a, b, c": every named member in join order. */
static void append_online_list(room *r, const room_member *first_member)
{
    room_member *m;
    bool first = true;

    /* The newcomer's own reply names them first ("Online (3): NAME, b, c"),
     * then everyone else in the order they joined. */
    if (first_member) {
        tb_append(&r->line, first_member->name, first_member->name_len);
        first = false;
    }
    for (m = r->head; m; m = m->next) {
        if (!m->named || m == first_member)
            continue;
        if (!first)
            tb_puts(&r->line, ", ");
        tb_append(&r->line, m->name, m->name_len);
        first = false;
    }
}

/* "NAME left (REASON)" or "NAME left (REASON: TEXT)" to everyone still in
 * the room; m must already be unlinked. */
static void announce_departure(room *r, room_member *m, const char *reason,
                               const char *text, size_t text_len)
{
    char hms[9];

    now_hms(r, hms);
    line_begin(r, hms);
    tb_puts(&r->line, "*** ");
    tb_append(&r->line, m->name, m->name_len);
    tb_puts(&r->line, " left (");
    tb_puts(&r->line, reason);
    if (text_len > 0) {
        tb_puts(&r->line, ": ");
        tb_append_sanitized(&r->line, text, text_len);
    }
    tb_puts(&r->line, ")");
    line_end(r);
    broadcast_line(r);
}

/* Log a departure: "leave NAME (REASON) (PEER)" or "disconnect PEER (REASON)". */
static void log_departure(room *r, room_member *m, const char *reason)
{
    if (m->named)
        room_log(r, ROOM_LOG_EVENT, "leave ", m->name, " (", reason, ") (", m->peer, ")",
                 (const char *)NULL);
    else
        room_log(r, ROOM_LOG_EVENT, "disconnect ", m->peer, " (", reason, ")",
                 (const char *)NULL);
}

/* ---- public chat ----------------------------------------------------- */

/* "[t] <NAME> TEXT" to every named member, the sender included, so
 * everyone sees the same order. */
static void say_chat(room *r, room_member *m, const char *text, size_t n)
{
    char hms[9];
    size_t stamp_len;

    now_hms(r, hms);
    line_begin(r, hms);
    stamp_len = r->line.len;
    tb_puts(&r->line, "<");
    tb_append(&r->line, m->name, m->name_len);
    tb_puts(&r->line, "> ");
    tb_append_sanitized(&r->line, text, n);
    line_end(r);
    broadcast_line(r);
    log_line_text(r, ROOM_LOG_CHAT, stamp_len);
}

/* ---- names ----------------------------------------------------------- */

/* Why name (already trimmed) cannot be taken by m, as a sentence written
 * into r->line after whatever is there; false when the name is free.
 * Renaming to one's own name in another case is allowed. */
static bool append_name_problem(room *r, room_member *m, const char *name, size_t n)
{
    char msg[160];
    name_status st = name_check(name, n);
    room_member *holder;

    if (st != NAME_OK) {
        /* The message may quote a raw byte of the attempt: sanitise it. */
        const char *text = name_status_message(st, name, n, msg, sizeof msg);
        if (!text)
            text = "That name is not allowed.";
        tb_append_sanitized(&r->line, text, strlen(text));
        return true;
    }
    holder = find_named(r, name, n);
    if (holder && holder != m) {
        tb_puts(&r->line, "Name \"");
        tb_append_sanitized(&r->line, name, n);
        tb_puts(&r->line, "\" is taken.");
        return true;
    }
    return false;
}

static void set_name(room_member *m, const char *name, size_t n)
{
    if (n > NAME_MAX_BYTES)   /* name_check already refused these */
        n = NAME_MAX_BYTES;
    memcpy(m->name, name, n);
    m->name[n] = '\0';
    m->name_len = n;
}

/* The first line of an unnamed client: its name. */
static void choose_name(room *r, room_member *m, const char *name, size_t n)
{
    char hms[9], num[24];

    trim_blanks(&name, &n);
    line_begin(r, NULL);
    tb_puts(&r->line, "! ");
    if (append_name_problem(r, m, name, n)) {
        tb_puts(&r->line, " Choose another name:");
        line_end(r);
        send_line(r, m);
        return;
    }

    set_name(m, name, n);
    m->named = true;
    r->named++;
    list_remove(r, m);
    list_append(r, m);

    line_begin(r, NULL);
    tb_puts(&r->line, "*** You are ");
    tb_append(&r->line, m->name, m->name_len);
    tb_puts(&r->line, ". Online (");
    tb_puts(&r->line, size_str(r->named, num));
    tb_puts(&r->line, "): ");
    append_online_list(r, m);
    tb_puts(&r->line, ". Type /help for commands.");
    line_end(r);
    send_line(r, m);

    now_hms(r, hms);
    line_begin(r, hms);
    tb_puts(&r->line, "*** ");
    tb_append(&r->line, m->name, m->name_len);
    tb_puts(&r->line, " joined");
    line_end(r);
    broadcast_line(r);

    room_log(r, ROOM_LOG_EVENT, "join ", m->name, " (", m->peer, ")", (const char *)NULL);
}

/* ---- commands -------------------------------------------------------- */

static void cmd_nick(room *r, room_member *m, const char *arg, size_t n)
{
    char hms[9], old[NAME_MAX_BYTES + 1];

    trim_trailing_blanks(arg, &n);
    if (n == 0) {
        reply(r, m, "! Usage: /nick NEW", (const char *)NULL);
        return;
    }
    line_begin(r, NULL);
    tb_puts(&r->line, "! ");
    if (append_name_problem(r, m, arg, n)) {
        line_end(r);
        send_line(r, m);
        return;
    }
    if (n == m->name_len && memcmp(arg, m->name, n) == 0) {
        reply(r, m, "*** You are already ", m->name, ".", (const char *)NULL);
        return;
    }

    memcpy(old, m->name, m->name_len + 1);
    set_name(m, arg, n);

    now_hms(r, hms);
    line_begin(r, hms);
    tb_puts(&r->line, "*** ");
    tb_puts(&r->line, old);
    tb_puts(&r->line, " is now known as ");
    tb_append(&r->line, m->name, m->name_len);
    line_end(r);
    broadcast_line(r);

    room_log(r, ROOM_LOG_EVENT, "rename ", old, " -> ", m->name, " (", m->peer, ")",
             (const char *)NULL);
}

static void cmd_who(room *r, room_member *m, const char *arg, size_t n)
{
    char num[24];

    (void)arg;
    (void)n;
    line_begin(r, NULL);
    tb_puts(&r->line, "*** Online (");
    tb_puts(&r->line, size_str(r->named, num));
    tb_puts(&r->line, "): ");
    append_online_list(r, NULL);
    line_end(r);
    send_line(r, m);
}

static void cmd_msg(room *r, room_member *m, const char *arg, size_t n)
{
    const char *target_name;
    size_t target_len;
    room_member *to;
    char hms[9];

    split_word(&arg, &n, &target_name, &target_len);
    if (target_len == 0 || n == 0) {
        reply(r, m, "! Usage: /msg NAME TEXT", (const char *)NULL);
        return;
    }
    to = find_named(r, target_name, target_len);
    if (!to) {
        line_begin(r, NULL);
        tb_puts(&r->line, "! No user named ");
        tb_append_echo(&r->line, target_name, target_len);
        tb_puts(&r->line, ".");
        line_end(r);
        send_line(r, m);
        return;
    }

    now_hms(r, hms);
    line_begin(r, hms);
    tb_puts(&r->line, "*");
    tb_append(&r->line, m->name, m->name_len);
    tb_puts(&r->line, "* ");
    tb_append_sanitized(&r->line, arg, n);
    line_end(r);
    send_line(r, to);

    line_begin(r, hms);
    tb_puts(&r->line, "-> *");
    tb_append(&r->line, to->name, to->name_len);
    tb_puts(&r->line, "* ");
    tb_append_sanitized(&r->line, arg, n);
    line_end(r);
    send_line(r, m);

    /* Private text stays private: only who wrote to whom is logged. */
    room_log(r, ROOM_LOG_EVENT, "msg ", m->name, " -> ", to->name, (const char *)NULL);
}

static void cmd_me(room *r, room_member *m, const char *arg, size_t n)
{
    char hms[9];
    size_t stamp_len;

    if (n == 0) {
        reply(r, m, "! Usage: /me TEXT", (const char *)NULL);
        return;
    }
    now_hms(r, hms);
    line_begin(r, hms);
    stamp_len = r->line.len;
    tb_puts(&r->line, "* ");
    tb_append(&r->line, m->name, m->name_len);
    tb_puts(&r->line, " ");
    tb_append_sanitized(&r->line, arg, n);
    line_end(r);
    broadcast_line(r);
    log_line_text(r, ROOM_LOG_CHAT, stamp_len);
}

/* Say goodbye, tell the others, and hand the connection back to be closed
 * once "Bye." has been sent. m is freed here. */
static void cmd_quit(room *r, room_member *m, const char *arg, size_t n)
{
    trim_trailing_blanks(arg, &n);
    reply(r, m, "*** Bye.", (const char *)NULL);
    unlink_member(r, m);
    if (m->named)
        announce_departure(r, m, "quit", arg, n);
    /* The log says only "quit": the parting text is chat, which --quiet hides. */
    log_departure(r, m, "quit");
    r->ops.close(r->ops.ctx, m->conn);
    free(m);
}

static void cmd_help(room *r, room_member *m, const char *arg, size_t n)
{
    (void)arg;
    (void)n;
    /* One send for the whole list: it is several complete lines. */
    line_begin(r, NULL);
    tb_puts(&r->line,
            "*** Commands:\r\n"
            "***   /nick NEW        change your name\r\n"
            "***   /who             list who is online (also /names)\r\n"
            "***   /msg NAME TEXT   send TEXT to NAME only\r\n"
            "***   /me TEXT         act: shown as \"* NAME TEXT\"\r\n"
            "***   /quit [TEXT]     leave, optionally saying why\r\n"
            "***   /help            this list\r\n"
            "*** Any other line is sent to everyone; start it with // to send a line beginning with /.\r\n");
    send_line(r, m);
}

typedef struct command {
    const char *name;   /* lower case, without the slash */
    void (*run)(room *r, room_member *m, const char *arg, size_t n);
    bool before_name;   /* allowed before the client has a name */
} command;

static const command commands[] = {
    {"nick", cmd_nick, false},
    {"who", cmd_who, false},
    {"names", cmd_who, false},
    {"msg", cmd_msg, false},
    {"me", cmd_me, false},
    {"quit", cmd_quit, true},
    {"help", cmd_help, true},
};

/* line starts with '/'. */
static void run_command(room *r, room_member *m, const char *line, size_t n)
{
    const char *word;
    size_t word_len, i;

    if (n >= 2 && line[1] == '/') {
        /* "//text" is the chat line "/text". */
        if (m->named)
            say_chat(r, m, line + 1, n - 1);
        else
            reply(r, m, "! Choose a name first.", (const char *)NULL);
        return;
    }
    line++;
    n--;
    split_word(&line, &n, &word, &word_len);
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!word_is(word, word_len, commands[i].name))
            continue;
        if (!m->named && !commands[i].before_name)
            reply(r, m, "! Choose a name first.", (const char *)NULL);
        else
            commands[i].run(r, m, line, n);
        return;
    }
    if (!m->named) {
        reply(r, m, "! Choose a name first.", (const char *)NULL);
        return;
    }
    line_begin(r, NULL);
    tb_puts(&r->line, "! Unknown command /");
    tb_append_echo(&r->line, word, word_len);
    tb_puts(&r->line, ". Type /help for commands.");
    line_end(r);
    send_line(r, m);
}

/* ---- public API ------------------------------------------------------ */

room *room_create(const room_config *cfg, const room_ops *ops)
{
    room *r = (room *)calloc(1, sizeof *r);

    if (!r)
        return NULL;
    r->ops = *ops;
    r->max_line = cfg->max_line;
    return r;
}

void room_destroy(room *r)
{
    room_member *m, *next;

    if (!r)
        return;
    for (m = r->head; m; m = next) {
        next = m->next;
        free(m);
    }
    free(r->line.data);
    free(r->log.data);
    free(r);
}

room_member *room_client_connected(room *r, void *conn, const char *peer)
{
    room_member *m;
    size_t peer_len;
    char num[24];

    if (!peer)
        peer = "?";
    peer_len = strlen(peer);
    /* The peer label lives right after the member: one allocation. */
    m = (room_member *)calloc(1, sizeof *m + peer_len + 1);
    if (!m)
        return NULL;
    memcpy((char *)(m + 1), peer, peer_len + 1);
    m->peer = (const char *)(m + 1);
    m->conn = conn;
    list_append(r, m);
    r->count++;

    room_log(r, ROOM_LOG_EVENT, "connect ", m->peer, (const char *)NULL);
    reply(r, m, "*** Welcome to natter. ", size_str(r->named, num),
          " user(s) online. What is your name?", (const char *)NULL);
    return m;
}

void room_client_line(room *r, room_member *m, const char *line, size_t len)
{
    /* Once shutting down, the server is only flushing goodbyes. */
    if (r->shutting_down)
        return;
    if (is_blank_line(line, len))
        return;   /* empty or all blanks: ignored everywhere, no reply */
    if (line[0] == '/')
        run_command(r, m, line, len);
    else if (!m->named)
        choose_name(r, m, line, len);
    else
        say_chat(r, m, line, len);
}

void room_client_line_too_long(room *r, room_member *m)
{
    char num[24];

    if (r->shutting_down)
        return;
    reply(r, m, "! Line too long (limit ", size_str(r->max_line, num),
          " bytes); not sent.", (const char *)NULL);
}

void room_client_left(room *r, room_member *m, const char *reason)
{
    if (!reason)
        reason = "connection closed";
    unlink_member(r, m);
    if (m->named && !r->shutting_down)
        announce_departure(r, m, reason, NULL, 0);
    log_departure(r, m, reason);
    free(m);
}

void room_shutdown(room *r)
{
    room_member *m;

    if (r->shutting_down)
        return;
    line_begin(r, NULL);
    tb_puts(&r->line, "*** Server is shutting down.");
    line_end(r);
    for (m = r->head; m; m = m->next)
        send_line(r, m);
    r->shutting_down = true;
}

size_t room_client_count(const room *r)
{
    return r->count;
}

size_t room_named_count(const room *r)
{
    return r->named;
}
