/* irc_internal.h - the IRC front-end's state and helpers, shared by
 * irc_parse.c (messages in), irc_fe.c (sessions, registration, dispatch,
 * timers), irc_format.c (events out), and the command families
 * irc_cmd_channel.c, irc_cmd_message.c, irc_cmd_info.c (as ngircd splits
 * its irc-*.c files). */
#ifndef NATTER_CORE_IRC_INTERNAL_H
#define NATTER_CORE_IRC_INTERNAL_H

#include "core/irc_fe.h"
#include "core/textbuf.h"

/* ---- parsed messages (irc_parse.c) -------------------------------------- */

#define IRC_MAX_PARAMS 15

typedef struct irc_msg {
    const char *command; /* NUL-terminated, upper-cased copy */
    int nparams;
    const char *params[IRC_MAX_PARAMS]; /* NUL-terminated */
    size_t param_len[IRC_MAX_PARAMS];
} irc_msg;

/* Parse one line (no CRLF) into msg, using buf (at least len + 1 +
 * IRC_MAX_PARAMS bytes: the line is copied there and cut with NULs). Tags
 * and a prefix from the client are skipped. False: no command. */
bool irc_parse(const char *line, size_t len, char *buf, size_t buf_len, irc_msg *msg);

/* Split a comma-separated list: the next item of *list (advanced past it). */
bool irc_next_item(const char **list, const char **item, size_t *len);

/* IRC formatting codes (bold, colours, ...) removed from text, in place;
 * natter terminals would show them as replacement characters. Returns the
 * new length. */
size_t irc_strip_formatting(char *text, size_t len);

/* "2026-12-01T19:00:01.000Z" (25 bytes with the NUL) for server-time. */
void irc_utc_time(int64_t t, char out[25]);

/* ---- state --------------------------------------------------------------- */

#define IRC_CAP_SERVER_TIME  1u
#define IRC_CAP_ECHO_MESSAGE 2u
#define IRC_CAP_MULTI_PREFIX 4u

struct irc_session {
    irc_session *prev;
    irc_session *next;
    void *conn;
    chat_user *user;               /* NULL until registered */
    chat_user *pending;            /* cluster mode: the nick, until the cluster says yes */
    char nick[NAME_MAX_BYTES + 1]; /* chosen before registration */
    bool has_nick;
    bool has_user;
    bool cap_negotiating; /* CAP LS/REQ seen, no CAP END yet */
    unsigned caps;
    char ident[CHAT_IDENT_MAX_BYTES + 1];
    char realname[CHAT_REALNAME_MAX_BYTES + 1];
    uint64_t connected_ms;
    uint64_t last_rx_ms;
    uint64_t last_active_ms; /* last line other than PING/PONG */
    uint64_t ping_sent_ms;   /* 0: none outstanding */
    const char *peer;        /* stored after the struct */
};

struct irc_fe {
    chat *chat;
    irc_fe_config cfg;
    char *server_name;
    char *network;
    char *version;
    char *created;
    char *motd;
    frontend_io io;
    chat_sink sink;
    irc_session *head;
    irc_session *tail;
    size_t count;
    size_t registered;
    bool shutting_down;
    uint64_t now_ms;
    uint64_t next_check_ms;
    text_buf line;    /* a reply being built */
    text_buf scratch; /* text as it goes into the model */
    char *parse_buf;  /* irc_parse's copy of the line */
    /* The last event formatted, for every further recipient with the same
     * variant (server-time or not; which side of a private message). */
    text_buf ev_line;
    uint64_t ev_seq;
    int ev_variant;
};

/* ---- output helpers (irc_fe.c) -------------------------------------------- */

/* The nick a numeric is addressed to ("*" before one is chosen). */
const char *irc_target_nick(const irc_session *s);
/* Start ":server NNN nick" in fe->line. */
void irc_numeric_begin(irc_fe *fe, const irc_session *s, const char *numeric);
/* Append " PARAM" (a middle parameter) or " :TEXT" (the trailing one). */
void irc_param(irc_fe *fe, const char *p);
void irc_trailing(irc_fe *fe, const char *text);
void irc_trailing_n(irc_fe *fe, const char *text, size_t len);
/* End the line (CRLF) and queue it for s. */
void irc_send(irc_fe *fe, irc_session *s);
/* ":server NNN nick [middle] :text" in one call; middle may be NULL. */
void irc_numeric(irc_fe *fe, irc_session *s, const char *numeric, const char *middle,
                 const char *text);
/* The same with a client-supplied middle parameter (sanitised, cut). */
void irc_numeric_echo(irc_fe *fe, irc_session *s, const char *numeric, const char *middle,
                      size_t len, const char *text);
/* "nick!ident@host" of a user into b. */
void irc_put_mask(text_buf *b, const chat_user *u);
/* Close s after "ERROR :Closing Link: ..." (the user, if any, leaves with
 * reason and text). s is freed. */
void irc_close_session(irc_fe *fe, irc_session *s, const char *reason, const char *text,
                       size_t len);

/* ---- events (irc_format.c) ------------------------------------------------- */

void irc_deliver(void *ctx, void *session, const chat_user *to, const chat_event *ev);
/* What a joiner sees after its JOIN: topic (332/333), names (353/366),
 * history. */
void irc_send_join_info(irc_fe *fe, irc_session *s, chat_room *r);
/* The sink's joined_room callback (irc_cmd_channel.c). */
void irc_joined_room(void *ctx, void *session, chat_user *user, chat_room *room);
/* The sink's registered and refused callbacks (irc_fe.c, cluster mode). */
void irc_registered(void *ctx, void *session, chat_user *user);
void irc_refused(void *ctx, void *session, chat_user *user, int what, chat_result why,
                 const char *subject);
/* The numeric for a JOIN that could not be done (irc_cmd_channel.c). */
void irc_join_refused(irc_fe *fe, irc_session *s, chat_result res, const char *name, size_t len);
void irc_send_names(irc_fe *fe, irc_session *s, chat_room *r);
void irc_send_topic(irc_fe *fe, irc_session *s, chat_room *r, bool say_none);

/* ---- commands ------------------------------------------------------------- */

typedef void irc_cmd(irc_fe *fe, irc_session *s, const irc_msg *m);
/* irc_cmd_channel.c */
irc_cmd irc_cmd_join, irc_cmd_part, irc_cmd_topic, irc_cmd_names, irc_cmd_list, irc_cmd_kick,
    irc_cmd_mode;
/* irc_cmd_message.c */
irc_cmd irc_cmd_privmsg, irc_cmd_notice, irc_cmd_away, irc_cmd_nick_registered;
/* irc_cmd_info.c */
irc_cmd irc_cmd_who, irc_cmd_whois, irc_cmd_lusers, irc_cmd_motd;
void irc_send_welcome(irc_fe *fe, irc_session *s);

/* A room argument: the room, or NULL after sending 403. */
chat_room *irc_find_room(irc_fe *fe, irc_session *s, const char *name, size_t len);

#endif
