/* chat.h - the chat model: users with unique names, rooms, membership,
 * operators, topics, history, and the rules of who receives what.
 *
 * The model knows no sockets and no wire format. A protocol front-end (the
 * natter text protocol in natter_fe.c, IRC later) registers a user once the
 * connection has chosen a name, turns the connection's lines into the
 * operations below, and turns the events the model delivers back into its
 * own lines. Events carry plain values (room, names, text, time, kind), so
 * the same events could be carried between servers.
 *
 * Delivery: every user has a sink (the front-end's callbacks) and a session
 * (the front-end's per-connection state). The model calls sink->deliver once
 * per recipient per event. A front-end formats an event once, keyed by
 * event->seq, and reuses the bytes for every recipient of its protocol.
 * Callbacks only queue output or record things for later: they must not call
 * back into the model's mutating operations (queries are fine).
 *
 * Errors are returned as chat_result values; front-ends turn them into their
 * own messages. Text passed in is sanitised by the model (invalid UTF-8 and
 * control characters become U+FFFD) before it reaches any event or history. */
#ifndef NATTER_CORE_CHAT_H
#define NATTER_CORE_CHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/names.h"

typedef struct chat chat;
typedef struct chat_user chat_user;
typedef struct chat_room chat_room;
typedef struct chat_member chat_member;

#define CHAT_DEFAULT_MAX_ROOMS 1000
#define CHAT_DEFAULT_HISTORY   50
#define CHAT_DEFAULT_ROOM      "#lobby"
/* IRC servers commonly allow 20-120 channels per client; 100 keeps a user's
 * membership walk short while being more than anyone uses. */
#define CHAT_MAX_ROOMS_PER_USER 100
#define CHAT_TOPIC_MAX_BYTES    300
#define CHAT_REASON_MAX_BYTES   300

typedef enum chat_result {
    CHAT_OK = 0,
    CHAT_ERR_NO_MEMORY,
    CHAT_ERR_BAD_NAME, /* see chat_check_name for the name_status */
    CHAT_ERR_NAME_TAKEN,
    CHAT_ERR_BAD_ROOM_NAME,   /* see chat_check_room_name */
    CHAT_ERR_TOO_MANY_ROOMS,  /* the server holds max_rooms already, none empty */
    CHAT_ERR_TOO_MANY_JOINED, /* this user is in CHAT_MAX_ROOMS_PER_USER rooms */
    CHAT_ERR_NO_SUCH_ROOM,
    CHAT_ERR_NO_SUCH_USER,
    CHAT_ERR_NOT_MEMBER, /* the acting user is not in the room */
    CHAT_ERR_TARGET_NOT_MEMBER,
    CHAT_ERR_NOT_OPERATOR,
    CHAT_ERR_ALREADY_MEMBER, /* chat_join: not an error for the user, nothing sent */
    CHAT_ERR_TOO_LONG,       /* a topic over CHAT_TOPIC_MAX_BYTES (once sanitised);
                              * reasons and parting words are cut instead */
    CHAT_PENDING             /* cluster mode: handed to the cluster; the outcome comes
                              * through the sink (registered, joined_room, the events,
                              * or refused) once the cluster has ordered it */
} chat_result;

typedef enum chat_event_kind {
    CHAT_SAY,            /* room, actor, text */
    CHAT_ACTION,         /* room, actor, text (/me) */
    CHAT_JOIN,           /* room, actor */
    CHAT_PART,           /* room, actor, text: the parting words (may be empty) */
    CHAT_KICK,           /* room, actor (operator), target, text: the reason (may be empty) */
    CHAT_TOPIC,          /* room, actor, text: the new topic (empty: cleared) */
    CHAT_OP,             /* room, target; actor NULL when automatic (the last operator left) */
    CHAT_DEOP,           /* room, actor, target */
    CHAT_RENAME,         /* actor (already renamed), old_name; to everyone sharing a room, once */
    CHAT_QUIT,           /* actor, reason ("quit", "connection closed", ...), text: quit words */
    CHAT_PRIVATE,        /* actor -> target, text; delivered to the target and to the actor */
    CHAT_NOTICE,         /* room, actor, text: like CHAT_SAY, but never answered by bots
                          * and not kept in history (IRC's NOTICE) */
    CHAT_PRIVATE_NOTICE, /* actor -> target, text; like CHAT_PRIVATE */
    CHAT_TOPIC_RULE,     /* room, actor; flag: only operators may set the topic now */
    CHAT_SYSTEM          /* text: a word from the server itself to this user (cluster
                          * mode: the link to the other servers is down, or back) */
} chat_event_kind;

typedef struct chat_event {
    chat_event_kind kind;
    uint64_t seq;           /* unique per event (and per replayed line) */
    int64_t time;           /* seconds since the epoch, when it first happened */
    bool replay;            /* a history line replayed to one joiner */
    const chat_room *room;  /* NULL for user events and replays of a forgotten room */
    const char *room_name;  /* NULL when not about a room */
    const chat_user *actor; /* NULL in replays and automatic changes */
    const char *actor_name; /* NUL-terminated; the name at the time */
    const chat_user *target;
    const char *target_name;
    const char *old_name; /* CHAT_RENAME */
    const char *reason;   /* CHAT_QUIT: "quit", "connection closed", "too slow" ... */
    const char *text;     /* sanitised; NUL-terminated; text_len bytes */
    size_t text_len;
    /* User events (CHAT_RENAME, CHAT_QUIT): the smallest room this recipient
     * shares with the actor (NULL for the actor itself), so a front-end can
     * keep quiet about departures seen only through huge rooms. */
    const chat_room *via;
    bool flag; /* CHAT_TOPIC_RULE: operators only */
} chat_event;

/* A front-end's callbacks for its users. */
typedef struct chat_sink {
    void *ctx;
    /* One event for one recipient (user, whose session this is). */
    void (*deliver)(void *ctx, void *session, const chat_user *to, const chat_event *ev);
    /* The user left room (part or kick), after the event was delivered and
     * the membership removed. For the front-end's own state (a current
     * room). May be NULL. */
    void (*left_room)(void *ctx, void *session, chat_user *user, chat_room *room);
    /* The user joined room, after everyone (the joiner too) was given the
     * CHAT_JOIN: where a front-end shows the joiner the topic, members and
     * history. A callback rather than code after chat_join() returns, so
     * the same works when a join takes effect later (cluster mode applies
     * joins in the order the cluster's channel gives them). Queries only.
     * May be NULL. */
    void (*joined_room)(void *ctx, void *session, chat_user *user, chat_room *room);
    /* Cluster mode only (see chat_cluster.h). A registration that returned
     * CHAT_PENDING took effect: user is registered now. */
    void (*registered)(void *ctx, void *session, chat_user *user);
    /* An operation of this user that returned CHAT_PENDING or CHAT_OK was
     * refused when the cluster applied it: why (CHAT_ERR_NAME_TAKEN for a name
     * another server's user got first, ...); what is the chat_op_kind and
     * subject its room or name. For a registration, user is freed after
     * this. May be NULL. */
    void (*refused)(void *ctx, void *session, chat_user *user, int what, chat_result why,
                    const char *subject);
} chat_sink;

/* Log kinds, so the server can hide chat text with --quiet. */
#define CHAT_LOG_EVENT 0 /* connect, join, rename, leave */
#define CHAT_LOG_CHAT  1 /* public chat and /me text */

typedef struct chat_ops {
    void *ctx;
    /* Seconds since the epoch. */
    int64_t (*now)(void *ctx);
    /* One log line, no line end. May be NULL. */
    void (*log)(void *ctx, int kind, const char *text);
} chat_ops;

typedef struct chat_config {
    size_t max_rooms;         /* rooms kept at once, the default room included */
    size_t history;           /* lines kept per room; 0: no history */
    bool open_topic;          /* anyone in a room may set its topic */
    const char *default_room; /* "#lobby": created at start, never forgotten */
    bool show_hosts;          /* a user's host is their IP address, not "natter" */
} chat_config;

void chat_config_defaults(chat_config *cfg);

/* Returns NULL when memory runs out or the default room name is invalid. */
chat *chat_create(const chat_config *cfg, const chat_ops *ops);
/* Frees every user and room without delivering anything. */
void chat_destroy(chat *c);

/* From now on departures are only logged, not delivered. */
void chat_shutdown(chat *c);
bool chat_is_shutting_down(const chat *c);

/* ---- users ----------------------------------------------------------- */

/* Can user self (NULL: a newcomer) take name? NAME_OK and CHAT_OK when free;
 * *status says why a name is invalid. Renaming to one's own name in another
 * case is allowed. */
chat_result chat_check_name(const chat *c, const chat_user *self, const char *name, size_t len,
                            name_status *status);

/* Register a user. label is for the log ("127.0.0.1:5000"; copied). */
chat_user *chat_user_add(chat *c, const char *name, size_t len, const chat_sink *sink,
                         void *session, const char *label, chat_result *err);
/* The same with IRC's details set from the start (see chat_user_set_details;
 * NULL keeps a default), so that other servers of a cluster learn them with
 * the name. In cluster mode *err may be CHAT_PENDING: the user exists but is
 * not registered until sink->registered (or sink->refused) says so; until
 * then it may only be removed. */
chat_user *chat_user_add_ex(chat *c, const char *name, size_t len, const chat_sink *sink,
                            void *session, const char *label, const char *ident,
                            const char *realname, chat_result *err);

/* Change a user's name; everyone sharing a room with them, and they
 * themselves, get one CHAT_RENAME. Cluster mode: CHAT_PENDING (the rename,
 * or sink->refused, follows). */
chat_result chat_user_rename(chat *c, chat_user *u, const char *name, size_t len);

/* The user leaves the server: everyone sharing a room gets one CHAT_QUIT
 * (reason, and text when the user said something), the user leaves every
 * room (operators are handed on), and u is freed. */
void chat_user_remove(chat *c, chat_user *u, const char *reason, const char *text, size_t len);

/* What IRC shows as nick!IDENT@HOST and the real name: set by the
 * front-end at registration (copied, cut to their limits; NULL keeps the
 * default: ident = name, host = "natter", real name = name). */
#define CHAT_IDENT_MAX_BYTES    16
#define CHAT_HOST_MAX_BYTES     64
#define CHAT_REALNAME_MAX_BYTES 64
#define CHAT_AWAY_MAX_BYTES     200
void chat_user_set_details(chat_user *u, const char *ident, const char *host, const char *realname);
const char *chat_user_ident(const chat_user *u);
const char *chat_user_host(const chat_user *u);
const char *chat_user_realname(const chat_user *u);
/* Away: a message (sanitised, cut to CHAT_AWAY_MAX_BYTES), or NULL / "" for
 * back. chat_user_away returns NULL when not away. */
void chat_user_set_away(chat *c, chat_user *u, const char *text, size_t len);
const char *chat_user_away(const chat_user *u);
/* The label given at chat_user_add (the peer address, for the log). */
const char *chat_user_label(const chat_user *u);

chat_user *chat_find_user(const chat *c, const char *name, size_t len);
const char *chat_user_name(const chat_user *u);
size_t chat_user_name_len(const chat_user *u);
void *chat_user_session(const chat_user *u);
size_t chat_user_count(const chat *c);

/* Private message from -> to: delivered to the target and to the sender. */
chat_result chat_private(chat *c, chat_user *from, chat_user *to, const char *text, size_t len);
/* The same as a notice (CHAT_PRIVATE_NOTICE). */
chat_result chat_private_notice(chat *c, chat_user *from, chat_user *to, const char *text,
                                size_t len);

/* ---- rooms ----------------------------------------------------------- */

/* "#rust" valid? (NAME_OK when so.) */
name_status chat_check_room_name(const char *name, size_t len);

chat_room *chat_find_room(const chat *c, const char *name, size_t len);
chat_room *chat_default_room(const chat *c);

/* Join (creating the room if it does not exist; the creator, or whoever
 * joins a room nobody is in, becomes its operator). Every member, the joiner
 * included, gets CHAT_JOIN. *out is the room on CHAT_OK and
 * CHAT_ERR_ALREADY_MEMBER. When max_rooms is reached, the empty room unused
 * for longest is forgotten to make space (never the default room). Cluster
 * mode: CHAT_PENDING, *out NULL; sink->joined_room (or refused) follows. */
chat_result chat_join(chat *c, chat_user *u, const char *name, size_t len, chat_room **out);

/* Leave: every member, the leaver included, gets CHAT_PART. */
chat_result chat_part(chat *c, chat_user *u, chat_room *r, const char *text, size_t len);

/* Public line (action: /me) to every member, the sender included; kept in
 * the room's history. */
chat_result chat_say(chat *c, chat_user *u, chat_room *r, const char *text, size_t len,
                     bool action);

/* A notice to a room (CHAT_NOTICE): delivered like chat_say, not kept. */
chat_result chat_notice(chat *c, chat_user *u, chat_room *r, const char *text, size_t len);

/* Set the topic (operators only, unless the room's topic rule is open:
 * cfg.open_topic for new rooms, chat_set_topic_rule); empty clears it. */
chat_result chat_set_topic(chat *c, chat_user *u, chat_room *r, const char *text, size_t len);

/* Operators only. The target leaves the room after everyone, the target
 * included, got CHAT_KICK. */
chat_result chat_kick(chat *c, chat_user *op, chat_room *r, chat_user *target, const char *reason,
                      size_t len);

/* Operators only: give (on) or take operator status. Taking it from the last
 * operator hands it to the longest-present member, as when they leave. */
chat_result chat_set_operator(chat *c, chat_user *op, chat_room *r, chat_user *target, bool on);

/* Operators only: whether only operators may set r's topic (IRC's +t). */
chat_result chat_set_topic_rule(chat *c, chat_user *op, chat_room *r, bool ops_only);
bool chat_room_topic_ops_only(const chat_room *r);
/* When the room was created, seconds since the epoch. */
int64_t chat_room_created(const chat_room *r);

/* Queries. */
size_t chat_room_count(const chat *c);
chat_room *chat_room_first(const chat *c); /* in creation order */
chat_room *chat_room_next(const chat_room *r);
const char *chat_room_name(const chat_room *r);
size_t chat_room_member_count(const chat_room *r);
const char *chat_room_topic(const chat_room *r, size_t *len); /* "" when none */
const char *chat_room_topic_setter(const chat_room *r);       /* "" when none */
int64_t chat_room_topic_time(const chat_room *r);
size_t chat_room_history_count(const chat_room *r);

/* The membership of u in r, or NULL. O(rooms of u). */
chat_member *chat_membership(const chat_user *u, const chat_room *r);
bool chat_is_operator(const chat_user *u, const chat_room *r);

/* Members of a room, longest-present first. */
chat_member *chat_room_members(const chat_room *r);
chat_member *chat_member_next_in_room(const chat_member *m);
/* Rooms of a user, in the order joined. */
chat_member *chat_user_rooms(const chat_user *u);
chat_member *chat_user_rooms_last(const chat_user *u); /* the most recently joined */
chat_member *chat_member_next_of_user(const chat_member *m);
chat_user *chat_member_user(const chat_member *m);
chat_room *chat_member_room(const chat_member *m);
bool chat_member_is_operator(const chat_member *m);
size_t chat_user_room_count(const chat_user *u);

/* Replay r's history to one recipient as CHAT_SAY / CHAT_ACTION /
 * CHAT_TOPIC events with replay set, oldest first. */
void chat_replay_history(chat *c, chat_room *r, void (*cb)(void *arg, const chat_event *ev),
                         void *arg);

/* Seconds since the epoch, from ops->now. */
int64_t chat_now(const chat *c);

#endif
