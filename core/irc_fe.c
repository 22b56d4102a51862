/* irc_fe.c - the IRC front-end's sessions: connection registration (CAP,
 * NICK, USER), PING/PONG and timeouts, QUIT, the command table, and the
 * helpers every command family uses to write numerics. The protocol
 * reference is modern.ircdocs.horse; docs/irc.md says what natter does. */
#include "core/irc_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/chat_cluster.h"
#include "core/names.h"
#include "core/utf8.h"

/* Parameters quoted back in numerics are cut to this many characters. */
#define ECHO_MAX_CHARS 64
/* How often the session list is walked for timers. */
#define TIMER_STEP_MS 1000

static const char SUPPORTED_CAPS[] = "server-time echo-message multi-prefix";

void irc_fe_config_defaults(irc_fe_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->server_name = "natter";
    cfg->network = "natter";
    cfg->version = "dev";
    cfg->created = "";
    cfg->motd = NULL;
    cfg->ping_interval_ms = IRC_DEFAULT_PING_INTERVAL_MS;
    cfg->ping_timeout_ms = IRC_DEFAULT_PING_TIMEOUT_MS;
    cfg->register_timeout_ms = 60 * 1000;
}

/* ---- output helpers ------------------------------------------------------- */

const char *irc_target_nick(const irc_session *s)
{
    if (s->user)
        return chat_user_name(s->user);
    return s->has_nick ? s->nick : "*";
}

void irc_numeric_begin(irc_fe *fe, const irc_session *s, const char *numeric)
{
    tb_reset(&fe->line);
    tb_putc(&fe->line, ':');
    tb_puts(&fe->line, fe->server_name);
    tb_putc(&fe->line, ' ');
    tb_puts(&fe->line, numeric);
    tb_putc(&fe->line, ' ');
    tb_puts(&fe->line, irc_target_nick(s));
}

void irc_param(irc_fe *fe, const char *p)
{
    tb_putc(&fe->line, ' ');
    tb_puts(&fe->line, p);
}

void irc_trailing(irc_fe *fe, const char *text)
{
    tb_puts(&fe->line, " :");
    tb_puts(&fe->line, text);
}

void irc_trailing_n(irc_fe *fe, const char *text, size_t len)
{
    tb_puts(&fe->line, " :");
    tb_append(&fe->line, text, len);
}

void irc_send(irc_fe *fe, irc_session *s)
{
    tb_puts(&fe->line, "\r\n");
    if (tb_ok(&fe->line))
        fe->io.send(fe->io.ctx, s->conn, fe->line.data, fe->line.len);
}

void irc_numeric(irc_fe *fe, irc_session *s, const char *numeric, const char *middle,
                 const char *text)
{
    irc_numeric_begin(fe, s, numeric);
    if (middle)
        irc_param(fe, middle);
    irc_trailing(fe, text);
    irc_send(fe, s);
}

/* A client's word inside a numeric must stay one safe parameter: no spaces,
 * no leading ':', valid UTF-8, not too long. */
static void put_echo_param(text_buf *b, const char *p, size_t len)
{
    size_t start = b->len, i;

    tb_putc(b, ' ');
    start = b->len;
    tb_append_echo(b, p, len, ECHO_MAX_CHARS);
    if (!tb_ok(b))
        return;
    for (i = start; i < b->len; i++)
        if (b->data[i] == ' ' || b->data[i] == '\t' || (i == start && b->data[i] == ':'))
            b->data[i] = '_';
    if (b->len == start)
        tb_putc(b, '*');
}

void irc_numeric_echo(irc_fe *fe, irc_session *s, const char *numeric, const char *middle,
                      size_t len, const char *text)
{
    irc_numeric_begin(fe, s, numeric);
    put_echo_param(&fe->line, middle, len);
    irc_trailing(fe, text);
    irc_send(fe, s);
}

void irc_put_mask(text_buf *b, const chat_user *u)
{
    tb_puts(b, chat_user_name(u));
    tb_putc(b, '!');
    tb_puts(b, chat_user_ident(u));
    tb_putc(b, '@');
    tb_puts(b, chat_user_host(u));
}

/* ---- sessions ------------------------------------------------------------- */

static char *copy_string(const char *s)
{
    size_t n = strlen(s ? s : "");
    char *p = (char *)malloc(n + 1);

    if (p)
        memcpy(p, s ? s : "", n + 1);
    return p;
}

irc_fe *irc_fe_create(chat *c, const irc_fe_config *cfg, const frontend_io *io)
{
    irc_fe *fe = (irc_fe *)calloc(1, sizeof *fe);

    if (!fe)
        return NULL;
    fe->chat = c;
    fe->cfg = *cfg;
    fe->io = *io;
    fe->server_name = copy_string(cfg->server_name);
    fe->network = copy_string(cfg->network);
    fe->version = copy_string(cfg->version);
    fe->created = copy_string(cfg->created);
    fe->motd = cfg->motd ? copy_string(cfg->motd) : NULL;
    fe->parse_buf = (char *)malloc(IRC_MAX_LINE + IRC_MAX_PARAMS + 16);
    fe->sink.ctx = fe;
    fe->sink.deliver = irc_deliver;
    fe->sink.left_room = NULL;
    fe->sink.joined_room = irc_joined_room;
    fe->sink.registered = irc_registered;
    fe->sink.refused = irc_refused;
    if (!fe->server_name || !fe->network || !fe->version || !fe->created || !fe->parse_buf ||
        (cfg->motd && !fe->motd)) {
        irc_fe_destroy(fe);
        return NULL;
    }
    return fe;
}

void irc_fe_destroy(irc_fe *fe)
{
    irc_session *s, *next;

    if (!fe)
        return;
    for (s = fe->head; s; s = next) {
        next = s->next;
        free(s);
    }
    free(fe->server_name);
    free(fe->network);
    free(fe->version);
    free(fe->created);
    free(fe->motd);
    free(fe->parse_buf);
    tb_free(&fe->line);
    tb_free(&fe->scratch);
    tb_free(&fe->ev_line);
    free(fe);
}

size_t irc_fe_session_count(const irc_fe *fe)
{
    return fe->count;
}

size_t irc_fe_registered_count(const irc_fe *fe)
{
    return fe->registered;
}

static void log_line(irc_fe *fe, const char *a, const char *b, const char *c, const char *d)
{
    text_buf t = {NULL, 0, 0, false};

    if (!fe->io.log)
        return;
    tb_puts(&t, a);
    tb_puts(&t, b);
    tb_puts(&t, c);
    tb_puts(&t, d);
    if (tb_ok(&t))
        fe->io.log(fe->io.ctx, CHAT_LOG_EVENT, t.data);
    tb_free(&t);
}

irc_session *irc_fe_connected(irc_fe *fe, void *conn, const char *peer)
{
    irc_session *s;
    size_t peer_len;

    if (!peer)
        peer = "?";
    peer_len = strlen(peer);
    s = (irc_session *)calloc(1, sizeof *s + peer_len + 1);
    if (!s)
        return NULL;
    memcpy((char *)(s + 1), peer, peer_len + 1);
    s->peer = (const char *)(s + 1);
    s->conn = conn;
    s->connected_ms = s->last_rx_ms = s->last_active_ms = fe->now_ms;
    s->prev = fe->tail;
    if (fe->tail)
        fe->tail->next = s;
    else
        fe->head = s;
    fe->tail = s;
    fe->count++;
    log_line(fe, "connect ", s->peer, " (irc)", "");
    return s;
}

static void session_free(irc_fe *fe, irc_session *s)
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

/* The user (if any) leaves the chat; the session stays for the caller. */
static void leave_chat(irc_fe *fe, irc_session *s, const char *reason, const char *text, size_t len)
{
    if (s->pending) {
        /* A nick still waiting for the cluster's answer goes too. */
        chat_user_remove(fe->chat, s->pending, reason, NULL, 0);
        s->pending = NULL;
    }
    if (s->user) {
        chat_user_remove(fe->chat, s->user, reason, text, len);
        s->user = NULL;
        fe->registered--;
    } else {
        text_buf why = {NULL, 0, 0, false};
        tb_puts(&why, reason);
        tb_puts(&why, ")");
        log_line(fe, "disconnect ", s->peer, " (", tb_ok(&why) ? why.data : "?)");
        tb_free(&why);
    }
}

void irc_fe_left(irc_fe *fe, irc_session *s, const char *reason)
{
    leave_chat(fe, s, reason ? reason : "connection closed", NULL, 0);
    session_free(fe, s);
}

void irc_close_session(irc_fe *fe, irc_session *s, const char *reason, const char *text, size_t len)
{
    void *conn = s->conn;

    tb_reset(&fe->line);
    tb_puts(&fe->line, "ERROR :Closing Link: ");
    tb_puts(&fe->line, irc_target_nick(s));
    tb_puts(&fe->line, " (");
    if (strcmp(reason, "quit") == 0) {
        tb_puts(&fe->line, "Quit");
        if (len > 0) {
            /* Sanitised and cut as the model cuts reasons, so the line
             * stays within 512 bytes. */
            size_t start = fe->line.len, cut;
            tb_puts(&fe->line, ": ");
            tb_append_sanitized(&fe->line, text, len);
            cut = start + 2 + CHAT_REASON_MAX_BYTES;
            if (tb_ok(&fe->line) && fe->line.len > cut) {
                while (cut > start && ((unsigned char)fe->line.data[cut] & 0xC0) == 0x80)
                    cut--;
                fe->line.len = cut;
                fe->line.data[cut] = '\0';
            }
        }
    } else {
        tb_puts(&fe->line, reason);
    }
    tb_putc(&fe->line, ')');
    irc_send(fe, s);
    leave_chat(fe, s, reason, text, len);
    session_free(fe, s);
    fe->io.close(fe->io.ctx, conn);
}

void irc_fe_shutdown(irc_fe *fe)
{
    irc_session *s;

    if (fe->shutting_down)
        return;
    for (s = fe->head; s; s = s->next) {
        tb_reset(&fe->line);
        tb_puts(&fe->line, "ERROR :Closing Link: ");
        tb_puts(&fe->line, irc_target_nick(s));
        tb_puts(&fe->line, " (Server is shutting down)");
        irc_send(fe, s);
    }
    fe->shutting_down = true;
}

/* ---- timers --------------------------------------------------------------- */

static void check_timers(irc_fe *fe, irc_session *s)
{
    uint64_t now = fe->now_ms;

    if (!s->user) {
        if (fe->cfg.register_timeout_ms > 0 && now - s->connected_ms >= fe->cfg.register_timeout_ms)
            irc_close_session(fe, s, "Registration timed out", NULL, 0);
        return;
    }
    if (fe->cfg.idle_timeout_ms > 0 && now - s->last_active_ms >= fe->cfg.idle_timeout_ms) {
        irc_close_session(fe, s, "idle", NULL, 0);
        return;
    }
    if (s->ping_sent_ms) {
        if (now - s->ping_sent_ms >= fe->cfg.ping_timeout_ms)
            irc_close_session(fe, s, "ping timeout", NULL, 0);
        return;
    }
    if (fe->cfg.ping_interval_ms > 0 && now - s->last_rx_ms >= fe->cfg.ping_interval_ms) {
        tb_reset(&fe->line);
        tb_puts(&fe->line, "PING :");
        tb_puts(&fe->line, fe->server_name);
        irc_send(fe, s);
        s->ping_sent_ms = now;
    }
}

void irc_fe_tick(irc_fe *fe, uint64_t now_ms)
{
    irc_session *s, *next;

    fe->now_ms = now_ms;
    /* O(1) most of the time: the list is walked once a second. */
    if (now_ms < fe->next_check_ms || fe->shutting_down)
        return;
    fe->next_check_ms = now_ms + TIMER_STEP_MS;
    for (s = fe->head; s; s = next) {
        next = s->next;
        check_timers(fe, s);
    }
}

uint64_t irc_fe_next_timer(irc_fe *fe, uint64_t now_ms)
{
    if (fe->count == 0)
        return 0;
    return fe->next_check_ms > now_ms ? fe->next_check_ms - now_ms : 1;
}

/* ---- registration ---------------------------------------------------------- */

static void try_register(irc_fe *fe, irc_session *s)
{
    chat_result err;
    chat_user *u;

    if (s->user || s->pending || !s->has_nick || !s->has_user || s->cap_negotiating)
        return;
    u = chat_user_add_ex(fe->chat, s->nick, strlen(s->nick), &fe->sink, s, s->peer, s->ident,
                         s->realname, &err);
    if (!u) {
        if (err == CHAT_ERR_NAME_TAKEN) {
            /* Addressed to "*": the client never held the nick. */
            s->has_nick = false;
            irc_numeric_echo(fe, s, "433", s->nick, strlen(s->nick), "Nickname is already in use");
        } else {
            s->has_nick = false;
            irc_numeric(fe, s, "432", s->nick, "Erroneous nickname");
        }
        return;
    }
    if (err == CHAT_PENDING) {
        s->pending = u; /* cluster mode: irc_registered or irc_refused follows */
        return;
    }
    irc_registered(fe, s, u);
}

void irc_registered(void *ctx, void *session, chat_user *u)
{
    irc_fe *fe = (irc_fe *)ctx;
    irc_session *s = (irc_session *)session;

    s->pending = NULL;
    s->user = u;
    fe->registered++;
    irc_send_welcome(fe, s);
}

/* Cluster mode: the nick went to another server's user first, or a JOIN or
 * a target changed before our turn came. */
void irc_refused(void *ctx, void *session, chat_user *u, int what, chat_result why,
                 const char *subject)
{
    irc_fe *fe = (irc_fe *)ctx;
    irc_session *s = (irc_session *)session;
    size_t n = strlen(subject);

    (void)u;
    switch (what) {
    case CHAT_OP_REGISTER:
        s->pending = NULL;
        s->has_nick = false;
        irc_numeric_echo(fe, s, "433", subject, n, "Nickname is already in use");
        break;
    case CHAT_OP_RENAME:
        irc_numeric_echo(fe, s, "433", subject, n, "Nickname is already in use");
        break;
    case CHAT_OP_JOIN:
        irc_join_refused(fe, s, why, subject, n);
        break;
    case CHAT_OP_PRIVATE:
    case CHAT_OP_PRIVATE_NOTICE:
        irc_numeric_echo(fe, s, "401", subject, n, "No such nick/channel");
        break;
    default:
        if (why == CHAT_ERR_NOT_OPERATOR)
            irc_numeric_echo(fe, s, "482", subject, n, "You're not channel operator");
        else if (why == CHAT_ERR_TARGET_NOT_MEMBER || why == CHAT_ERR_NO_SUCH_USER)
            irc_numeric_echo(fe, s, "441", subject, n, "They aren't on that channel");
        else if (why == CHAT_ERR_NO_SUCH_ROOM)
            irc_numeric_echo(fe, s, "403", subject, n, "No such channel");
        else
            irc_numeric_echo(fe, s, "442", subject, n, "You're not on that channel");
        break;
    }
}

/* 432/433 for a nick, or true when it may be taken. */
static bool nick_ok(irc_fe *fe, irc_session *s, const char *nick, size_t len)
{
    name_status st;
    chat_result r = chat_check_name(fe->chat, s->user, nick, len, &st);

    if (r == CHAT_ERR_BAD_NAME) {
        irc_numeric_echo(fe, s, "432", nick, len, "Erroneous nickname");
        return false;
    }
    if (r == CHAT_ERR_NAME_TAKEN) {
        irc_numeric_echo(fe, s, "433", nick, len, "Nickname is already in use");
        return false;
    }
    return true;
}

static void cmd_nick(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    if (m->nparams < 1 || m->param_len[0] == 0) {
        irc_numeric(fe, s, "431", NULL, "No nickname given");
        return;
    }
    if (s->user) {
        irc_cmd_nick_registered(fe, s, m);
        return;
    }
    if (s->pending)
        return; /* the cluster is deciding on the last one */
    if (!nick_ok(fe, s, m->params[0], m->param_len[0]))
        return;
    memcpy(s->nick, m->params[0], m->param_len[0] + 1);
    s->has_nick = true;
    try_register(fe, s);
}

/* Printable ASCII without spaces, for the ident part of a mask. */
static void copy_ident(char *out, size_t max, const char *in)
{
    size_t n = 0;

    out[n++] = '~'; /* no identd: the usual mark */
    for (; *in && n < max; in++)
        if ((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') ||
            (*in >= '0' && *in <= '9') || *in == '_' || *in == '-' || *in == '.')
            out[n++] = *in;
    if (n == 1)
        out[n++] = 'u';
    out[n] = '\0';
}

static void cmd_user(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    if (s->user || s->has_user) {
        irc_numeric(fe, s, "462", NULL, "You may not reregister");
        return;
    }
    if (m->nparams < 4 || m->param_len[0] == 0) {
        irc_numeric(fe, s, "461", "USER", "Not enough parameters");
        return;
    }
    copy_ident(s->ident, CHAT_IDENT_MAX_BYTES, m->params[0]);
    tb_reset(&fe->scratch);
    tb_append_sanitized(&fe->scratch, m->params[3], m->param_len[3]);
    {
        size_t n = tb_ok(&fe->scratch) ? fe->scratch.len : 0;
        if (n > CHAT_REALNAME_MAX_BYTES)
            n = CHAT_REALNAME_MAX_BYTES;
        while (n > 0 && n < fe->scratch.len && ((unsigned char)fe->scratch.data[n] & 0xC0) == 0x80)
            n--;
        memcpy(s->realname, n ? fe->scratch.data : "", n);
        s->realname[n] = '\0';
    }
    s->has_user = true;
    try_register(fe, s);
}

static bool cap_known(const char *name, size_t len)
{
    static const char *const caps[] = {"server-time", "echo-message", "multi-prefix"};
    size_t i;

    for (i = 0; i < sizeof caps / sizeof caps[0]; i++)
        if (strlen(caps[i]) == len && memcmp(caps[i], name, len) == 0)
            return true;
    return false;
}

static unsigned cap_bit(const char *name, size_t len)
{
    if (len == 11 && memcmp(name, "server-time", 11) == 0)
        return IRC_CAP_SERVER_TIME;
    if (len == 12 && memcmp(name, "echo-message", 12) == 0)
        return IRC_CAP_ECHO_MESSAGE;
    return IRC_CAP_MULTI_PREFIX;
}

static void cap_reply(irc_fe *fe, irc_session *s, const char *sub, const char *text, size_t len)
{
    tb_reset(&fe->line);
    tb_putc(&fe->line, ':');
    tb_puts(&fe->line, fe->server_name);
    tb_puts(&fe->line, " CAP ");
    tb_puts(&fe->line, irc_target_nick(s));
    tb_putc(&fe->line, ' ');
    tb_puts(&fe->line, sub);
    irc_trailing_n(fe, text, len);
    irc_send(fe, s);
}

/* A cap list like "server-time -echo-message", each name separated by
 * spaces, a leading '-' removing it. All known: ACK all; else NAK all. */
static void cap_req(irc_fe *fe, irc_session *s, const char *list, size_t len)
{
    unsigned add = 0, remove = 0;
    size_t i = 0;

    while (i < len) {
        size_t start, n;
        bool minus = false;
        while (i < len && list[i] == ' ')
            i++;
        if (i >= len)
            break;
        if (list[i] == '-') {
            minus = true;
            i++;
        }
        start = i;
        while (i < len && list[i] != ' ')
            i++;
        n = i - start;
        if (!cap_known(list + start, n)) {
            /* Quoted back sanitised and cut: it is the client's text. */
            tb_reset(&fe->scratch);
            tb_append_echo(&fe->scratch, list, len, 100); /* <= 400 bytes */
            if (tb_ok(&fe->scratch))
                cap_reply(fe, s, "NAK", fe->scratch.data, fe->scratch.len);
            return;
        }
        if (minus)
            remove |= cap_bit(list + start, n);
        else
            add |= cap_bit(list + start, n);
    }
    s->caps = (s->caps | add) & ~remove;
    cap_reply(fe, s, "ACK", list, len);
}

static void cmd_cap(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    const char *sub = m->nparams > 0 ? m->params[0] : "";
    char upper_sub[8];
    size_t i;

    for (i = 0; i < sizeof upper_sub - 1 && sub[i]; i++)
        upper_sub[i] = (sub[i] >= 'a' && sub[i] <= 'z') ? (char)(sub[i] - 32) : sub[i];
    upper_sub[i] = '\0';
    if (strcmp(upper_sub, "LS") == 0) {
        if (!s->user)
            s->cap_negotiating = true;
        cap_reply(fe, s, "LS", SUPPORTED_CAPS, strlen(SUPPORTED_CAPS));
    } else if (strcmp(upper_sub, "LIST") == 0) {
        char list[64] = "";
        if (s->caps & IRC_CAP_SERVER_TIME)
            strcat(list, "server-time ");
        if (s->caps & IRC_CAP_ECHO_MESSAGE)
            strcat(list, "echo-message ");
        if (s->caps & IRC_CAP_MULTI_PREFIX)
            strcat(list, "multi-prefix ");
        cap_reply(fe, s, "LIST", list, strlen(list) > 0 ? strlen(list) - 1 : 0);
    } else if (strcmp(upper_sub, "REQ") == 0) {
        if (!s->user)
            s->cap_negotiating = true;
        if (m->nparams < 2)
            irc_numeric(fe, s, "461", "CAP", "Not enough parameters");
        else
            cap_req(fe, s, m->params[1], m->param_len[1]);
    } else if (strcmp(upper_sub, "END") == 0) {
        s->cap_negotiating = false;
        try_register(fe, s);
    } else {
        irc_numeric_echo(fe, s, "410", sub, strlen(sub), "Invalid CAP command");
    }
}

static void cmd_ping(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    if (m->nparams < 1) {
        irc_numeric(fe, s, "409", NULL, "No origin specified");
        return;
    }
    tb_reset(&fe->line);
    tb_putc(&fe->line, ':');
    tb_puts(&fe->line, fe->server_name);
    tb_puts(&fe->line, " PONG ");
    tb_puts(&fe->line, fe->server_name);
    tb_puts(&fe->line, " :");
    tb_append_echo(&fe->line, m->params[0], m->param_len[0], ECHO_MAX_CHARS);
    irc_send(fe, s);
}

static void cmd_pong(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    (void)fe;
    (void)m;
    s->ping_sent_ms = 0;
}

static void cmd_quit(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    const char *text = m->nparams > 0 ? m->params[0] : "";
    size_t len = m->nparams > 0 ? m->param_len[0] : 0;

    irc_close_session(fe, s, "quit", text, len);
}

static void cmd_pass(irc_fe *fe, irc_session *s, const irc_msg *m)
{
    (void)m;
    /* natter has no server password: PASS is accepted and ignored, except
     * after registration, where it is too late. */
    if (s->user)
        irc_numeric(fe, s, "462", NULL, "You may not reregister");
    (void)fe;
}

/* ---- dispatch -------------------------------------------------------------- */

typedef struct irc_command {
    const char *name;
    irc_cmd *run;
    bool before_registration;
} irc_command;

static const irc_command commands[] = {
    {"CAP", cmd_cap, true},
    {"NICK", cmd_nick, true},
    {"USER", cmd_user, true},
    {"PASS", cmd_pass, true},
    {"PING", cmd_ping, true},
    {"PONG", cmd_pong, true},
    {"QUIT", cmd_quit, true},
    {"JOIN", irc_cmd_join, false},
    {"PART", irc_cmd_part, false},
    {"TOPIC", irc_cmd_topic, false},
    {"NAMES", irc_cmd_names, false},
    {"LIST", irc_cmd_list, false},
    {"KICK", irc_cmd_kick, false},
    {"MODE", irc_cmd_mode, false},
    {"PRIVMSG", irc_cmd_privmsg, false},
    {"NOTICE", irc_cmd_notice, false},
    {"AWAY", irc_cmd_away, false},
    {"WHO", irc_cmd_who, false},
    {"WHOIS", irc_cmd_whois, false},
    {"LUSERS", irc_cmd_lusers, false},
    {"MOTD", irc_cmd_motd, false},
};

void irc_fe_line(irc_fe *fe, irc_session *s, const char *line, size_t len)
{
    irc_msg m;
    size_t i;

    if (fe->shutting_down)
        return;
    s->last_rx_ms = fe->now_ms;
    /* Anything from the client shows it is alive, as a PONG would. */
    s->ping_sent_ms = 0;
    if (len > IRC_MAX_LINE) {
        irc_fe_line_too_long(fe, s);
        return;
    }
    if (!irc_parse(line, len, fe->parse_buf, IRC_MAX_LINE + IRC_MAX_PARAMS + 16, &m))
        return; /* an empty line: ignored, as servers do */
    /* Keep-alives do not make an idle user active. */
    if (strcmp(m.command, "PING") != 0 && strcmp(m.command, "PONG") != 0)
        s->last_active_ms = fe->now_ms;
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, m.command) != 0)
            continue;
        if (!s->user && !commands[i].before_registration)
            irc_numeric(fe, s, "451", NULL, "You have not registered");
        else
            commands[i].run(fe, s, &m);
        return;
    }
    if (!s->user)
        irc_numeric(fe, s, "451", NULL, "You have not registered");
    else
        irc_numeric_echo(fe, s, "421", m.command, strlen(m.command), "Unknown command");
}

void irc_fe_line_too_long(irc_fe *fe, irc_session *s)
{
    if (fe->shutting_down)
        return;
    irc_numeric(fe, s, "417", NULL, "Input line was too long");
}

/* ---- the front-end as the server drives it --------------------------------- */

static void *fe_connected(void *fe, void *conn, const char *peer)
{
    return irc_fe_connected((irc_fe *)fe, conn, peer);
}

static void fe_line(void *fe, void *s, const char *line, size_t len)
{
    irc_fe_line((irc_fe *)fe, (irc_session *)s, line, len);
}

static void fe_too_long(void *fe, void *s)
{
    irc_fe_line_too_long((irc_fe *)fe, (irc_session *)s);
}

static void fe_left(void *fe, void *s, const char *reason)
{
    irc_fe_left((irc_fe *)fe, (irc_session *)s, reason);
}

static void fe_shutdown(void *fe)
{
    irc_fe_shutdown((irc_fe *)fe);
}

static void fe_tick(void *fe, uint64_t now_ms)
{
    irc_fe_tick((irc_fe *)fe, now_ms);
}

static uint64_t fe_next_timer(void *fe, uint64_t now_ms)
{
    return irc_fe_next_timer((irc_fe *)fe, now_ms);
}

frontend irc_fe_frontend(irc_fe *fe)
{
    frontend f;

    f.fe = fe;
    f.protocol = "irc";
    /* Longer lines are reported by the framer: 417. */
    f.max_line = IRC_MAX_LINE;
    f.connected = fe_connected;
    f.line = fe_line;
    f.line_too_long = fe_too_long;
    f.left = fe_left;
    f.shutdown = fe_shutdown;
    f.tick = fe_tick;
    f.next_timer = fe_next_timer;
    return f;
}
