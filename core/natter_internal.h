/* natter_internal.h - the natter front-end's state and helpers, shared by
 * natter_fe.c (sessions, naming, dispatch), natter_format.c (events as
 * lines) and the command families natter_cmd_users.c / natter_cmd_rooms.c. */
#ifndef NATTER_CORE_NATTER_INTERNAL_H
#define NATTER_CORE_NATTER_INTERNAL_H

#include <stdbool.h>

#include "core/natter_fe.h"
#include "core/textbuf.h"

/* Client-chosen words quoted back in errors (unknown command, unknown user)
 * are cut to this many code points so an error never echoes a whole line. */
#define NATTER_ECHO_MAX_CHARS 32

struct natter_session {
    natter_session *prev;
    natter_session *next;
    void *conn;
    chat_user *user;    /* NULL until a name is chosen */
    chat_user *pending; /* cluster mode: the name chosen, until the cluster says yes */
    chat_room *current; /* where plain lines go; NULL: no room */
    uint64_t connected_ms;
    uint64_t last_line_ms;
    const char *peer; /* stored after the struct */
};

struct natter_fe {
    chat *chat;
    natter_fe_config cfg;
    frontend_io io;
    chat_sink sink;
    natter_session *head;
    natter_session *tail;
    size_t count;
    size_t named;
    bool shutting_down;
    uint64_t now_ms;
    uint64_t next_check_ms;
    text_buf line; /* a reply being built */
    text_buf arg;  /* a room name built from an argument */
    /* The last event formatted: reused while the same event goes to more
     * recipients (variant distinguishes per-recipient forms). */
    text_buf ev_line;
    uint64_t ev_seq;
    int ev_variant;
};

/* natter_fe.c: output */
void nfe_send_line(natter_fe *fe, natter_session *s);  /* fe->line as is */
void nfe_begin(natter_fe *fe);                         /* reset fe->line */
void nfe_end_send(natter_fe *fe, natter_session *s);   /* add CRLF, send */
void nfe_reply(natter_fe *fe, natter_session *s, ...); /* NULL-terminated */
void nfe_log(natter_fe *fe, int kind, ...);
void nfe_set_current(natter_fe *fe, natter_session *s, chat_room *r);

/* natter_format.c */
/* "[HH:MM:SS] " (or with the date for a replay from an earlier day). */
void nfe_put_stamp(natter_fe *fe, text_buf *b, int64_t t, bool replay);
/* "2026-12-01 19:00:01" */
void nfe_put_datetime(natter_fe *fe, text_buf *b, int64_t t);
/* The event as a natter line (CRLF-terminated) into b, for a recipient that
 * is the actor (self) and/or the target. False: nothing to send. */
bool nfe_format_event(natter_fe *fe, text_buf *b, const chat_event *ev, bool to_actor,
                      bool to_target);
/* The sink's deliver callback. */
void nfe_deliver(void *ctx, void *session, const chat_user *to, const chat_event *ev);

/* Commands: arg/n is the text after the command word, leading blanks gone. */
typedef void natter_cmd(natter_fe *fe, natter_session *s, const char *arg, size_t n);
natter_cmd nfe_cmd_nick, nfe_cmd_msg, nfe_cmd_me, nfe_cmd_quit, nfe_cmd_help;
natter_cmd nfe_cmd_join, nfe_cmd_part, nfe_cmd_rooms, nfe_cmd_topic, nfe_cmd_who;
natter_cmd nfe_cmd_kick, nfe_cmd_op, nfe_cmd_deop;
/* Join r (or make it current), sending topic, members, history; used for
 * /join and for the default room after naming. */
void nfe_join(natter_fe *fe, natter_session *s, const char *name, size_t len);
/* A plain line to the current room. */
void nfe_say(natter_fe *fe, natter_session *s, const char *text, size_t n, bool action);
/* The sink's registered and refused callbacks (natter_fe.c). */
void nfe_registered(void *ctx, void *session, chat_user *user);
void nfe_refused(void *ctx, void *session, chat_user *user, int what, chat_result why,
                 const char *subject);
/* The reply to a /join that could not be done (natter_cmd_rooms.c). */
void nfe_join_refused(natter_fe *fe, natter_session *s, chat_result res, const char *name,
                      size_t len);
/* The sink's left_room and joined_room callbacks. */
void nfe_left_room(void *ctx, void *session, chat_user *user, chat_room *room);
void nfe_joined_room(void *ctx, void *session, chat_user *user, chat_room *room);

/* Why name cannot be taken by s, as a sentence appended to fe->line; false
 * when it is free. */
bool nfe_append_name_problem(natter_fe *fe, natter_session *s, const char *name, size_t n);

/* Text helpers. */
bool nfe_is_blank(char c);
void nfe_skip_blanks(const char **s, size_t *n);
void nfe_trim_trailing(const char *s, size_t *n);
void nfe_split_word(const char **s, size_t *n, const char **word, size_t *word_len);

#endif
