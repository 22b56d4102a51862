/* natter_fe.c - the natter text protocol front-end: connections (sessions),
 * choosing a name, and dispatching lines to the command families in
 * natter_cmd_users.c and natter_cmd_rooms.c. Events come back through
 * natter_format.c. docs/protocol.md is the user-facing description. */
#include "core/natter_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/chat_cluster.h"
#include "core/names.h"
#include "core/utf8.h"

/* ---- text helpers ----------------------------------------------------- */

bool nfe_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_blank_line(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!nfe_is_blank(s[i]))
            return false;
    return true;
}

void nfe_skip_blanks(const char **s, size_t *n)
{
    while (*n > 0 && nfe_is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
}

void nfe_trim_trailing(const char *s, size_t *n)
{
    while (*n > 0 && nfe_is_blank(s[*n - 1]))
        (*n)--;
}

void nfe_split_word(const char **s, size_t *n, const char **word, size_t *word_len)
{
    size_t i = 0;

    while (i < *n && !nfe_is_blank((*s)[i]))
        i++;
    *word = *s;
    *word_len = i;
    *s += i;
    *n -= i;
    nfe_skip_blanks(s, n);
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

/* ---- output ----------------------------------------------------------- */

void nfe_begin(natter_fe *fe)
{
    tb_reset(&fe->line);
}

void nfe_send_line(natter_fe *fe, natter_session *s)
{
    if (tb_ok(&fe->line) && fe->line.len > 0)
        fe->io.send(fe->io.ctx, s->conn, fe->line.data, fe->line.len);
}

void nfe_end_send(natter_fe *fe, natter_session *s)
{
    tb_puts(&fe->line, "\r\n");
    nfe_send_line(fe, s);
}

void nfe_reply(natter_fe *fe, natter_session *s, ...)
{
    va_list ap;
    const char *part;

    nfe_begin(fe);
    va_start(ap, s);
    while ((part = va_arg(ap, const char *)) != NULL)
        tb_puts(&fe->line, part);
    va_end(ap);
    nfe_end_send(fe, s);
}

void nfe_log(natter_fe *fe, int kind, ...)
{
    text_buf b = {NULL, 0, 0, false};
    va_list ap;
    const char *part;

    if (!fe->io.log)
        return;
    va_start(ap, kind);
    while ((part = va_arg(ap, const char *)) != NULL)
        tb_puts(&b, part);
    va_end(ap);
    if (tb_ok(&b))
        fe->io.log(fe->io.ctx, kind, b.data);
    tb_free(&b);
}

void nfe_set_current(natter_fe *fe, natter_session *s, chat_room *r)
{
    s->current = r;
    if (r)
        nfe_reply(fe, s, "*** Now talking in ", chat_room_name(r), ".", (const char *)NULL);
    else
        nfe_reply(fe, s, "*** Now talking in no room. Type /join ROOM to join one.",
                  (const char *)NULL);
}

/* ---- lifetime --------------------------------------------------------- */

natter_fe *natter_fe_create(chat *c, const natter_fe_config *cfg, const frontend_io *io)
{
    natter_fe *fe = (natter_fe *)calloc(1, sizeof *fe);

    if (!fe)
        return NULL;
    fe->chat = c;
    fe->cfg = *cfg;
    fe->io = *io;
    fe->sink.ctx = fe;
    fe->sink.deliver = nfe_deliver;
    fe->sink.left_room = nfe_left_room;
    fe->sink.joined_room = nfe_joined_room;
    fe->sink.registered = nfe_registered;
    fe->sink.refused = nfe_refused;
    return fe;
}

void natter_fe_destroy(natter_fe *fe)
{
    natter_session *s, *next;

    if (!fe)
        return;
    for (s = fe->head; s; s = next) {
        next = s->next;
        free(s);
    }
    tb_free(&fe->line);
    tb_free(&fe->arg);
    tb_free(&fe->ev_line);
    free(fe);
}

size_t natter_fe_session_count(const natter_fe *fe)
{
    return fe->count;
}

size_t natter_fe_named_count(const natter_fe *fe)
{
    return fe->named;
}

natter_session *natter_fe_connected(natter_fe *fe, void *conn, const char *peer)
{
    natter_session *s;
    size_t peer_len;

    if (!peer)
        peer = "?";
    peer_len = strlen(peer);
    /* The peer label lives right after the session: one allocation. */
    s = (natter_session *)calloc(1, sizeof *s + peer_len + 1);
    if (!s)
        return NULL;
    memcpy((char *)(s + 1), peer, peer_len + 1);
    s->peer = (const char *)(s + 1);
    s->conn = conn;
    s->connected_ms = s->last_line_ms = fe->now_ms;
    s->prev = fe->tail;
    if (fe->tail)
        fe->tail->next = s;
    else
        fe->head = s;
    fe->tail = s;
    fe->count++;

    nfe_log(fe, CHAT_LOG_EVENT, "connect ", s->peer, (const char *)NULL);
    nfe_begin(fe);
    tb_puts(&fe->line, "*** Welcome to natter. ");
    tb_put_size(&fe->line, chat_user_count(fe->chat));
    tb_puts(&fe->line, " user(s) online. What is your name?");
    nfe_end_send(fe, s);
    return s;
}

/* A name still waiting for the cluster's answer goes with its session. */
static void forget_pending(natter_fe *fe, natter_session *s)
{
    if (s->pending) {
        chat_user_remove(fe->chat, s->pending, "connection closed", NULL, 0);
        s->pending = NULL;
    }
}

/* Forget s (the user, if any, must already be gone) and free it. */
static void session_free(natter_fe *fe, natter_session *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        fe->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        fe->tail = s->prev;
    fe->count--;
    free(s);
}

void natter_fe_left(natter_fe *fe, natter_session *s, const char *reason)
{
    if (!reason)
        reason = "connection closed";
    if (s->user) {
        chat_user_remove(fe->chat, s->user, reason, NULL, 0);
        fe->named--;
    } else {
        forget_pending(fe, s);
        nfe_log(fe, CHAT_LOG_EVENT, "disconnect ", s->peer, " (", reason, ")", (const char *)NULL);
    }
    session_free(fe, s);
}

/* /quit: say goodbye, leave the chat, and hand the connection back to be
 * closed once "Bye." has been sent. s is freed here. */
void nfe_cmd_quit(natter_fe *fe, natter_session *s, const char *arg, size_t n)
{
    void *conn = s->conn;

    nfe_trim_trailing(arg, &n);
    nfe_reply(fe, s, "*** Bye.", (const char *)NULL);
    if (s->user) {
        chat_user_remove(fe->chat, s->user, "quit", arg, n);
        fe->named--;
    } else {
        forget_pending(fe, s);
        nfe_log(fe, CHAT_LOG_EVENT, "disconnect ", s->peer, " (quit)", (const char *)NULL);
    }
    session_free(fe, s);
    fe->io.close(fe->io.ctx, conn);
}

/* Close an unnamed session that took too long (s is freed). */
static void name_timeout(natter_fe *fe, natter_session *s)
{
    void *conn = s->conn;

    nfe_begin(fe);
    tb_puts(&fe->line, "! No name chosen in time (limit ");
    tb_put_size(&fe->line, (size_t)(fe->cfg.register_timeout_ms / 1000));
    tb_puts(&fe->line, " s); closing.");
    nfe_end_send(fe, s);
    forget_pending(fe, s);
    nfe_log(fe, CHAT_LOG_EVENT, "disconnect ", s->peer, " (no name in time)", (const char *)NULL);
    session_free(fe, s);
    fe->io.close(fe->io.ctx, conn);
}

/* Close a named session that has been silent too long (s is freed). */
static void idle_timeout(natter_fe *fe, natter_session *s)
{
    void *conn = s->conn;

    nfe_begin(fe);
    tb_puts(&fe->line, "! Idle too long (limit ");
    tb_put_size(&fe->line, (size_t)(fe->cfg.idle_timeout_ms / 1000));
    tb_puts(&fe->line, " s); closing.");
    nfe_end_send(fe, s);
    chat_user_remove(fe->chat, s->user, "idle", NULL, 0);
    fe->named--;
    session_free(fe, s);
    fe->io.close(fe->io.ctx, conn);
}

void natter_fe_tick(natter_fe *fe, uint64_t now_ms)
{
    natter_session *s, *next;

    fe->now_ms = now_ms;
    /* O(1) most of the time: the sessions are walked once a second. */
    if (now_ms < fe->next_check_ms || fe->shutting_down ||
        (fe->cfg.register_timeout_ms == 0 && fe->cfg.idle_timeout_ms == 0))
        return;
    fe->next_check_ms = now_ms + 1000;
    for (s = fe->head; s; s = next) {
        next = s->next;
        if (!s->user && fe->cfg.register_timeout_ms > 0 &&
            now_ms - s->connected_ms >= fe->cfg.register_timeout_ms)
            name_timeout(fe, s);
        else if (s->user && fe->cfg.idle_timeout_ms > 0 &&
                 now_ms - s->last_line_ms >= fe->cfg.idle_timeout_ms)
            idle_timeout(fe, s);
    }
}

void natter_fe_shutdown(natter_fe *fe)
{
    natter_session *s;

    if (fe->shutting_down)
        return;
    nfe_begin(fe);
    tb_puts(&fe->line, "*** Server is shutting down.\r\n");
    for (s = fe->head; s; s = s->next)
        nfe_send_line(fe, s);
    fe->shutting_down = true;
}

/* ---- naming ----------------------------------------------------------- */

bool nfe_append_name_problem(natter_fe *fe, natter_session *s, const char *name, size_t n)
{
    char msg[160];
    name_status st;
    chat_result r = chat_check_name(fe->chat, s->user, name, n, &st);

    if (r == CHAT_ERR_BAD_NAME) {
        /* The message may quote a raw byte of the attempt: sanitise it. */
        const char *text = name_status_message(st, name, n, msg, sizeof msg);
        tb_append_sanitized(&fe->line, text, strlen(text));
        return true;
    }
    if (r == CHAT_ERR_NAME_TAKEN) {
        tb_puts(&fe->line, "Name \"");
        tb_append_sanitized(&fe->line, name, n);
        tb_puts(&fe->line, "\" is taken.");
        return true;
    }
    return false;
}

/* The first line of an unnamed client: its name. */
static void choose_name(natter_fe *fe, natter_session *s, const char *name, size_t n)
{
    chat_result err;
    chat_user *u;

    nfe_skip_blanks(&name, &n);
    nfe_trim_trailing(name, &n);
    nfe_begin(fe);
    tb_puts(&fe->line, "! ");
    if (nfe_append_name_problem(fe, s, name, n)) {
        tb_puts(&fe->line, " Choose another name:");
        nfe_end_send(fe, s);
        return;
    }
    u = chat_user_add(fe->chat, name, n, &fe->sink, s, s->peer, &err);
    if (!u) {
        nfe_reply(fe, s, "! The server is out of memory. Choose another name:", (const char *)NULL);
        return;
    }
    if (err == CHAT_PENDING) {
        /* Cluster mode: the other servers may be giving the name to someone
         * this very moment; nfe_registered or nfe_refused follows. */
        s->pending = u;
        return;
    }
    nfe_registered(fe, s, u);
}

/* The name is this user's: welcome, and into the default room. */
void nfe_registered(void *ctx, void *session, chat_user *u)
{
    natter_fe *fe = (natter_fe *)ctx;
    natter_session *s = (natter_session *)session;

    s->pending = NULL;
    s->user = u;
    fe->named++;

    nfe_begin(fe);
    tb_puts(&fe->line, "*** You are ");
    tb_puts(&fe->line, chat_user_name(u));
    tb_puts(&fe->line, ". ");
    tb_put_size(&fe->line, chat_user_count(fe->chat));
    tb_puts(&fe->line, " user(s) online in ");
    tb_put_size(&fe->line, chat_room_count(fe->chat));
    tb_puts(&fe->line, " room(s). Type /help for commands.");
    nfe_end_send(fe, s);

    {
        const char *def = chat_room_name(chat_default_room(fe->chat));
        nfe_join(fe, s, def, strlen(def));
    }
}

/* Something the cluster would not do after all: the name was given to
 * someone on another server first, or the room or person changed meanwhile. */
void nfe_refused(void *ctx, void *session, chat_user *u, int what, chat_result why,
                 const char *subject)
{
    natter_fe *fe = (natter_fe *)ctx;
    natter_session *s = (natter_session *)session;
    size_t n = strlen(subject);

    (void)u;
    nfe_begin(fe);
    switch (what) {
    case CHAT_OP_REGISTER:
        s->pending = NULL;
        tb_puts(&fe->line, "! Name \"");
        tb_append_sanitized(&fe->line, subject, n);
        tb_puts(&fe->line, "\" was just taken on another server. Choose another name:");
        break;
    case CHAT_OP_RENAME:
        tb_puts(&fe->line, "! Name \"");
        tb_append_sanitized(&fe->line, subject, n);
        tb_puts(&fe->line, "\" was just taken on another server; your name is unchanged.");
        break;
    case CHAT_OP_JOIN:
        nfe_join_refused(fe, s, why, subject, n);
        return;
    default:
        tb_puts(&fe->line, "! Not done: ");
        tb_puts(&fe->line, why == CHAT_ERR_NOT_MEMBER          ? "you are no longer in "
                           : why == CHAT_ERR_NOT_OPERATOR      ? "you are no longer an operator in "
                           : why == CHAT_ERR_NO_SUCH_USER      ? "nobody is called "
                           : why == CHAT_ERR_TARGET_NOT_MEMBER ? "they are no longer in the room "
                           : why == CHAT_ERR_NO_SUCH_ROOM      ? "there is no room "
                                                               : "the server could not do it: ");
        tb_append_sanitized(&fe->line, subject, n);
        tb_puts(&fe->line, ".");
        break;
    }
    nfe_end_send(fe, s);
}

/* ---- dispatch ---------------------------------------------------------- */

typedef struct command {
    const char *name; /* lower case, without the slash */
    natter_cmd *run;
    bool before_name; /* allowed before the client has a name */
} command;

static const command commands[] = {
    {"join", nfe_cmd_join, false},  {"part", nfe_cmd_part, false},
    {"leave", nfe_cmd_part, false}, {"rooms", nfe_cmd_rooms, false},
    {"list", nfe_cmd_rooms, false}, {"topic", nfe_cmd_topic, false},
    {"who", nfe_cmd_who, false},    {"names", nfe_cmd_who, false},
    {"kick", nfe_cmd_kick, false},  {"op", nfe_cmd_op, false},
    {"deop", nfe_cmd_deop, false},  {"nick", nfe_cmd_nick, false},
    {"msg", nfe_cmd_msg, false},    {"me", nfe_cmd_me, false},
    {"quit", nfe_cmd_quit, true},   {"help", nfe_cmd_help, true},
};

/* line starts with '/'. */
static void run_command(natter_fe *fe, natter_session *s, const char *line, size_t n)
{
    const char *word;
    size_t word_len, i;

    if (n >= 2 && line[1] == '/') {
        /* "//text" is the chat line "/text". */
        if (s->user)
            nfe_say(fe, s, line + 1, n - 1, false);
        else
            nfe_reply(fe, s, "! Choose a name first.", (const char *)NULL);
        return;
    }
    line++;
    n--;
    nfe_split_word(&line, &n, &word, &word_len);
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!word_is(word, word_len, commands[i].name))
            continue;
        if (!s->user && !commands[i].before_name)
            nfe_reply(fe, s, "! Choose a name first.", (const char *)NULL);
        else
            commands[i].run(fe, s, line, n);
        return;
    }
    if (!s->user) {
        nfe_reply(fe, s, "! Choose a name first.", (const char *)NULL);
        return;
    }
    nfe_begin(fe);
    tb_puts(&fe->line, "! Unknown command /");
    tb_append_echo(&fe->line, word, word_len, NATTER_ECHO_MAX_CHARS);
    tb_puts(&fe->line, ". Type /help for commands.");
    nfe_end_send(fe, s);
}

void natter_fe_line(natter_fe *fe, natter_session *s, const char *line, size_t len)
{
    /* Once shutting down, the server is only flushing goodbyes. */
    if (fe->shutting_down)
        return;
    s->last_line_ms = fe->now_ms;
    if (is_blank_line(line, len))
        return; /* empty or all blanks: ignored everywhere, no reply */
    if (s->pending && !(line[0] == '/' && len >= 5 && memcmp(line, "/quit", 5) == 0)) {
        nfe_reply(fe, s, "! Still waiting for the other servers to confirm your name.",
                  (const char *)NULL);
        return;
    }
    if (line[0] == '/')
        run_command(fe, s, line, len);
    else if (!s->user)
        choose_name(fe, s, line, len);
    else
        nfe_say(fe, s, line, len, false);
}

void natter_fe_line_too_long(natter_fe *fe, natter_session *s)
{
    if (fe->shutting_down)
        return;
    nfe_begin(fe);
    tb_puts(&fe->line, "! Line too long (limit ");
    tb_put_size(&fe->line, fe->cfg.max_line);
    tb_puts(&fe->line, " bytes); not sent.");
    nfe_end_send(fe, s);
}

/* ---- the front-end as the server drives it ------------------------------ */

static void *fe_connected(void *fe, void *conn, const char *peer)
{
    return natter_fe_connected((natter_fe *)fe, conn, peer);
}

static void fe_line(void *fe, void *s, const char *line, size_t len)
{
    natter_fe_line((natter_fe *)fe, (natter_session *)s, line, len);
}

static void fe_too_long(void *fe, void *s)
{
    natter_fe_line_too_long((natter_fe *)fe, (natter_session *)s);
}

static void fe_left(void *fe, void *s, const char *reason)
{
    natter_fe_left((natter_fe *)fe, (natter_session *)s, reason);
}

static void fe_shutdown(void *fe)
{
    natter_fe_shutdown((natter_fe *)fe);
}

static void fe_tick(void *fe, uint64_t now_ms)
{
    natter_fe_tick((natter_fe *)fe, now_ms);
}

static uint64_t fe_next_timer(void *p, uint64_t now_ms)
{
    natter_fe *fe = (natter_fe *)p;

    if (fe->count == 0 || (fe->cfg.idle_timeout_ms == 0 &&
                           (fe->cfg.register_timeout_ms == 0 || fe->count == fe->named)))
        return 0;
    return fe->next_check_ms > now_ms ? fe->next_check_ms - now_ms : 1;
}

frontend natter_fe_frontend(natter_fe *fe)
{
    frontend f;

    f.fe = fe;
    f.protocol = "natter";
    f.max_line = fe->cfg.max_line;
    f.connected = fe_connected;
    f.line = fe_line;
    f.line_too_long = fe_too_long;
    f.left = fe_left;
    f.shutdown = fe_shutdown;
    f.tick = fe_tick;
    f.next_timer = fe_next_timer;
    return f;
}
