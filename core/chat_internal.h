/* chat_internal.h - the model's structures, shared by chat.c (users, names,
 * delivery) and chat_room.c (rooms, membership, operators, history). Nothing
 * outside the model includes this. */
#ifndef NATTER_CORE_CHAT_INTERNAL_H
#define NATTER_CORE_CHAT_INTERNAL_H

#include "core/chat.h"
#include "core/chat_cluster.h"
#include "core/history.h"
#include "core/namemap.h"
#include "core/textbuf.h"

/* One user in one room: a node in the room's member list (join order) and in
 * the user's room list (join order), so leaving is O(1) and both "who is in
 * this room" and "which rooms am I in" are walks of exactly those members. */
struct chat_member {
    chat_member *room_prev;
    chat_member *room_next;
    chat_member *user_prev;
    chat_member *user_next;
    chat_user *user;
    chat_room *room;
    bool op;
};

struct chat_user {
    char name[NAME_MAX_BYTES + 1];
    size_t name_len;
    chat_sink sink;
    void *session;
    chat_member *rooms_head;
    chat_member *rooms_tail;
    size_t room_count;
    uint64_t mark;     /* de-duplicates recipients of user events */
    const char *label; /* for the log; stored after the struct */
    char ident[CHAT_IDENT_MAX_BYTES + 1];
    char host[CHAT_HOST_MAX_BYTES + 1];
    char realname[CHAT_REALNAME_MAX_BYTES + 1];
    char *away; /* NULL: not away */
    /* Cluster mode (chat_cluster.h). */
    bool remote;  /* another server's user: sink does nothing */
    bool pending; /* registration not confirmed yet: not in the name map */
    bool ghost;   /* left, waiting for its QUIT to come back */
    void *cluster;
    chat_user *pending_prev, *pending_next;
};

struct chat_room {
    char name[ROOM_NAME_MAX_BYTES + 1];
    size_t name_len;
    chat_room *prev; /* every room, in creation order */
    chat_room *next;
    chat_room *empty_prev; /* rooms nobody is in, longest-unused first */
    chat_room *empty_next;
    bool in_empty_list;
    bool is_default;
    chat_member *head;
    chat_member *tail;
    size_t member_count;
    size_t op_count;
    char *topic; /* NULL: no topic */
    size_t topic_len;
    char topic_setter[NAME_MAX_BYTES + 1];
    int64_t topic_time;
    bool topic_ops_only;
    int64_t created;
    room_history history;
};

struct chat {
    chat_config cfg;
    chat_ops ops;
    name_map users;
    name_map rooms;
    size_t user_count;
    chat_room *rooms_head;
    chat_room *rooms_tail;
    size_t room_count;
    chat_room *empty_head;
    chat_room *empty_tail;
    chat_room *default_room;
    uint64_t seq;
    uint64_t mark_epoch;
    bool shutting_down;
    text_buf text; /* sanitised text of the event being delivered */
    text_buf log;
    /* Cluster mode: where local operations go, and whether an operation
     * coming back from the cluster is being carried out right now. */
    chat_relay relay;
    bool applying;
    chat_user *pending_head; /* pending registrations */
};

/* chat.c */
chat_event chat_event_begin(chat *c, chat_event_kind kind);
/* Cluster mode: hand op to the relay instead of carrying it out? True when
 * it was published (the caller returns at once). */
bool chat_relayed(chat *c, const chat_op *op);
/* Free a user struct (the relay forgets it first). */
void chat_user_free(chat *c, chat_user *u);
/* The sink of remote users and ghosts: delivers nothing. */
extern const chat_sink chat_silent_sink;
void chat_deliver(chat *c, chat_user *to, const chat_event *ev);
void chat_deliver_room(chat *c, chat_room *r, const chat_event *ev);
void chat_log(chat *c, int kind, ...);
/* Sanitise text into c->text, cut to max bytes at a character boundary
 * (max 0: no limit). Returns false when memory runs out. */
bool chat_sanitize(chat *c, const char *text, size_t len, size_t max);

/* chat_room.c */
void chat_rooms_free(chat *c);
chat_room *chat_room_create(chat *c, const char *name, size_t len);
/* Remove u from r (no event), hand operator status on, park an empty room.
 * announce: deliver the automatic CHAT_OP if one happens. */
void chat_room_remove_member(chat *c, chat_member *m, bool announce);

#endif
