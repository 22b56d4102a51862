/* chat_cluster.h - what the chat model offers cluster mode (core/cluster.c,
 * issue 14) beyond chat.h. Front-ends do not use this.
 *
 * In a cluster every server holds the same model: its own users and
 * everybody else's ("remote" users, whose sink does nothing: their own
 * server delivers to them). The model stays in step because every change
 * goes through the cluster's one ordered channel and every server applies
 * the changes in that order, its own included. So while a relay is set, an
 * operation by a local user is checked as usual and then handed to the
 * relay instead of being carried out; the relay publishes it, and when it
 * comes back chat_apply() carries it out - on every server alike - or
 * tells the user's front-end it was refused (sink->refused).
 *
 * Two cases need more than that. A registration cannot wait with nothing:
 * chat_user_add() makes a pending user, not yet holding its name, and
 * chat_user_confirm() registers it when its turn comes (or refuses it if
 * another server's user got the name first). A departure cannot wait for
 * its session either: the user becomes a ghost (sink does nothing, name
 * still held, still in its rooms) until its QUIT comes back, so everyone
 * sees it leave at the same place in the order. */
#ifndef NATTER_CORE_CHAT_CLUSTER_H
#define NATTER_CORE_CHAT_CLUSTER_H

#include "core/chat.h"

typedef enum chat_op_kind {
    CHAT_OP_REGISTER, /* target: the name */
    CHAT_OP_RENAME,   /* target: the new name */
    CHAT_OP_QUIT,     /* reason, text */
    CHAT_OP_JOIN,     /* room */
    CHAT_OP_PART,     /* room, text */
    CHAT_OP_SAY,      /* room, text */
    CHAT_OP_ACTION,
    CHAT_OP_NOTICE,
    CHAT_OP_TOPIC,      /* room, text */
    CHAT_OP_TOPIC_RULE, /* room, flag */
    CHAT_OP_KICK,       /* room, target, text */
    CHAT_OP_OP,         /* room, target */
    CHAT_OP_DEOP,       /* room, target */
    CHAT_OP_PRIVATE,    /* target, text */
    CHAT_OP_PRIVATE_NOTICE,
    CHAT_OP_AWAY /* text ("" : back) */
} chat_op_kind;

typedef struct chat_op {
    chat_op_kind kind;
    chat_user *actor;
    const char *room; /* room and target by name: they are looked up again when applied */
    size_t room_len;
    const char *target;
    size_t target_len;
    const char *reason; /* QUIT: "quit", "connection closed", ... */
    const char *text;   /* as the user gave it: sanitised when applied */
    size_t text_len;
    bool flag;
} chat_op;

typedef struct chat_relay {
    void *ctx;
    /* An operation by a local user, checked. True: published, it takes effect
     * when chat_apply() gets it back. False: carry it out here and now (the
     * cluster link is down). */
    bool (*publish)(void *ctx, const chat_op *op);
    /* A user is about to be freed (the cluster forgets its id for it). */
    void (*forget)(void *ctx, chat_user *u);
} chat_relay;

/* Set (or with NULL, clear) the relay. */
void chat_set_relay(chat *c, const chat_relay *relay);

/* Carry out op as it came back from the cluster (the relay is not asked).
 * A refusal is told to a local actor's front-end (sink->refused) and
 * returned. */
chat_result chat_apply(chat *c, const chat_op *op);

/* Register a pending local user (from chat_user_add in cluster mode) now
 * that its turn came: sink->registered, or sink->refused and u is freed
 * (CHAT_ERR_NAME_TAKEN). */
chat_result chat_user_confirm(chat *c, chat_user *u);

/* A user of another server: no sink, no session. label is for the log. */
chat_user *chat_user_add_remote(chat *c, const char *name, size_t len, const char *ident,
                                const char *host, const char *realname, const char *label,
                                chat_result *err);

bool chat_user_is_remote(const chat_user *u);
bool chat_user_is_pending(const chat_user *u);
bool chat_user_is_ghost(const chat_user *u);
/* The cluster's own per-user data (its id for the user). */
void chat_user_set_cluster_data(chat_user *u, void *data);
void *chat_user_cluster_data(const chat_user *u);

/* Every registered user, in no particular order: start with *pos = 0. Do
 * not add or remove users while walking. */
chat_user *chat_user_walk(const chat *c, size_t *pos);

/* CHAT_SYSTEM with text to every local user (not remote, not a ghost), or
 * to u alone. */
void chat_notify_local(chat *c, const char *text);
void chat_notify_user(chat *c, chat_user *u, const char *text);

/* Remove a user without telling anyone (a remote user whose state is about
 * to be replaced by a snapshot). */
void chat_user_drop(chat *c, chat_user *u);

/* ---- loading another server's state (a snapshot), no events ----------- */

/* Leave every room without telling anyone but u's own front-end
 * (sink->left_room), e.g. before the cluster's state replaces ours. */
void chat_drop_memberships(chat *c, chat_user *u);
/* Find or create room name and set its topic, rule and creation time; its
 * history is emptied. NULL when it cannot be made (out of memory, too many
 * rooms). */
chat_room *chat_load_room(chat *c, const char *name, size_t len, const char *topic,
                          size_t topic_len, const char *setter, int64_t topic_time, bool ops_only,
                          int64_t created);
/* Make u a member of r (operator if op), silently. */
chat_result chat_load_member(chat *c, chat_room *r, chat_user *u, bool op);
/* Append a history line (CHAT_SAY, CHAT_ACTION or CHAT_TOPIC). */
void chat_load_history(chat *c, chat_room *r, chat_event_kind kind, int64_t time, const char *name,
                       const char *text, size_t text_len);

#endif
