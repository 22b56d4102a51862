/* chat_room.c - the chat model's rooms: creating and forgetting them,
 * joining and leaving, operators, topics, public lines and history.
 *
 * Rooms outlive their members (like a Slack channel): an empty room keeps
 * its topic and history. Empty rooms wait in a list, longest-unused first;
 * when max_rooms is reached the first of them is forgotten to make space,
 * and the default room is never in that list. */
#include "core/chat_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the list of empty rooms ------------------------------------------ */

static void empty_list_add(chat *c, chat_room *r)
{
    if (r->in_empty_list || r->is_default)
        return;
    r->empty_prev = c->empty_tail;
    r->empty_next = NULL;
    if (c->empty_tail)
        c->empty_tail->empty_next = r;
    else
        c->empty_head = r;
    c->empty_tail = r;
    r->in_empty_list = true;
}

static void empty_list_remove(chat *c, chat_room *r)
{
    if (!r->in_empty_list)
        return;
    if (r->empty_prev)
        r->empty_prev->empty_next = r->empty_next;
    else
        c->empty_head = r->empty_next;
    if (r->empty_next)
        r->empty_next->empty_prev = r->empty_prev;
    else
        c->empty_tail = r->empty_prev;
    r->empty_prev = r->empty_next = NULL;
    r->in_empty_list = false;
}

/* ---- rooms ------------------------------------------------------------ */

name_status chat_check_room_name(const char *name, size_t len)
{
    return room_name_check(name, len);
}

static void room_free(chat_room *r)
{
    chat_member *m, *next;

    for (m = r->head; m; m = next) {
        next = m->room_next;
        free(m);
    }
    free(r->topic);
    history_free(&r->history);
    free(r);
}

void chat_rooms_free(chat *c)
{
    chat_room *r, *next;

    for (r = c->rooms_head; r; r = next) {
        next = r->next;
        room_free(r);
    }
    c->rooms_head = c->rooms_tail = NULL;
    c->room_count = 0;
}

/* Forget an empty room: its name, topic and history are gone. */
static void room_forget(chat *c, chat_room *r)
{
    empty_list_remove(c, r);
    name_map_remove(&c->rooms, r->name, r->name_len);
    if (r->prev)
        r->prev->next = r->next;
    else
        c->rooms_head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        c->rooms_tail = r->prev;
    c->room_count--;
    chat_log(c, CHAT_LOG_EVENT, "forget ", r->name, " (room limit)", (const char *)NULL);
    room_free(r);
}

chat_room *chat_room_create(chat *c, const char *name, size_t len)
{
    chat_room *r;

    if (len > ROOM_NAME_MAX_BYTES)
        return NULL;
    r = (chat_room *)calloc(1, sizeof *r);
    if (!r)
        return NULL;
    memcpy(r->name, name, len);
    r->name[len] = '\0';
    r->name_len = len;
    r->topic_ops_only = !c->cfg.open_topic;
    r->created = chat_now(c);
    history_init(&r->history, c->cfg.history);
    if (name_map_put(&c->rooms, r->name, r->name_len, r) != 0) {
        room_free(r);
        return NULL;
    }
    r->prev = c->rooms_tail;
    if (c->rooms_tail)
        c->rooms_tail->next = r;
    else
        c->rooms_head = r;
    c->rooms_tail = r;
    c->room_count++;
    return r;
}

chat_room *chat_find_room(const chat *c, const char *name, size_t len)
{
    return (chat_room *)name_map_get(&c->rooms, name, len);
}

chat_room *chat_default_room(const chat *c)
{
    return c->default_room;
}

/* An event in room r by actor (may be NULL), carrying c->text when with_text. */
static chat_event room_event(chat *c, chat_event_kind kind, chat_room *r, chat_user *actor,
                             bool with_text)
{
    chat_event ev = chat_event_begin(c, kind);

    ev.room = r;
    ev.room_name = r->name;
    if (actor) {
        ev.actor = actor;
        ev.actor_name = actor->name;
    }
    if (with_text) {
        ev.text = c->text.data;
        ev.text_len = c->text.len;
    }
    return ev;
}

static void set_target(chat_event *ev, chat_user *target)
{
    ev->target = target;
    ev->target_name = target->name;
}

/* ---- membership ------------------------------------------------------- */

chat_member *chat_membership(const chat_user *u, const chat_room *r)
{
    chat_member *m;

    for (m = u->rooms_head; m; m = m->user_next)
        if (m->room == r)
            return m;
    return NULL;
}

bool chat_is_operator(const chat_user *u, const chat_room *r)
{
    chat_member *m = chat_membership(u, r);
    return m && m->op;
}

static chat_member *add_member(chat_room *r, chat_user *u)
{
    chat_member *m = (chat_member *)calloc(1, sizeof *m);

    if (!m)
        return NULL;
    m->user = u;
    m->room = r;
    m->room_prev = r->tail;
    if (r->tail)
        r->tail->room_next = m;
    else
        r->head = m;
    r->tail = m;
    m->user_prev = u->rooms_tail;
    if (u->rooms_tail)
        u->rooms_tail->user_next = m;
    else
        u->rooms_head = m;
    u->rooms_tail = m;
    r->member_count++;
    u->room_count++;
    return m;
}

static void set_op(chat_member *m, bool on)
{
    if (m->op == on)
        return;
    m->op = on;
    if (on)
        m->room->op_count++;
    else
        m->room->op_count--;
}

/* A room with members always has an operator: if none is left, the
 * longest-present member other than except becomes one. */
static void ensure_operator(chat *c, chat_room *r, const chat_member *except, bool announce)
{
    chat_member *m;

    if (r->op_count > 0)
        return;
    for (m = r->head; m && m == except; m = m->room_next) {
    }
    if (!m)
        return;
    set_op(m, true);
    chat_log(c, CHAT_LOG_EVENT, "op ", m->user->name, " in ", r->name, " (automatic)",
             (const char *)NULL);
    if (announce) {
        chat_event ev = room_event(c, CHAT_OP, r, NULL, false);
        set_target(&ev, m->user);
        chat_deliver_room(c, r, &ev);
    }
}

void chat_room_remove_member(chat *c, chat_member *m, bool announce)
{
    chat_room *r = m->room;
    chat_user *u = m->user;

    if (m->room_prev)
        m->room_prev->room_next = m->room_next;
    else
        r->head = m->room_next;
    if (m->room_next)
        m->room_next->room_prev = m->room_prev;
    else
        r->tail = m->room_prev;
    if (m->user_prev)
        m->user_prev->user_next = m->user_next;
    else
        u->rooms_head = m->user_next;
    if (m->user_next)
        m->user_next->user_prev = m->user_prev;
    else
        u->rooms_tail = m->user_prev;
    if (m->op)
        r->op_count--;
    r->member_count--;
    u->room_count--;
    free(m);
    if (r->member_count == 0)
        empty_list_add(c, r);
    else
        ensure_operator(c, r, NULL, announce);
}

chat_result chat_join(chat *c, chat_user *u, const char *name, size_t len, chat_room **out)
{
    chat_room *r;
    chat_member *m;
    bool created = false;
    chat_event ev;

    *out = NULL;
    if (chat_check_room_name(name, len) != NAME_OK)
        return CHAT_ERR_BAD_ROOM_NAME;
    r = chat_find_room(c, name, len);
    if (r && chat_membership(u, r)) {
        *out = r;
        return CHAT_ERR_ALREADY_MEMBER;
    }
    if (u->room_count >= CHAT_MAX_ROOMS_PER_USER)
        return CHAT_ERR_TOO_MANY_JOINED;
    if (!r && c->room_count >= c->cfg.max_rooms && !c->empty_head)
        return CHAT_ERR_TOO_MANY_ROOMS;
    {
        chat_op op = {CHAT_OP_JOIN, u, name, len, NULL, 0, NULL, "", 0, false};
        if (chat_relayed(c, &op))
            return CHAT_PENDING;
    }
    if (!r) {
        if (c->room_count >= c->cfg.max_rooms) {
            if (!c->empty_head)
                return CHAT_ERR_TOO_MANY_ROOMS;
            room_forget(c, c->empty_head);
        }
        r = chat_room_create(c, name, len);
        if (!r)
            return CHAT_ERR_NO_MEMORY;
        created = true;
    }
    m = add_member(r, u);
    if (!m) {
        if (created)
            empty_list_add(c, r);
        return CHAT_ERR_NO_MEMORY;
    }
    empty_list_remove(c, r);
    /* The creator, or whoever finds the room empty, keeps order in it. */
    if (r->op_count == 0)
        set_op(m, true);
    if (created)
        chat_log(c, CHAT_LOG_EVENT, "create ", r->name, " by ", u->name, (const char *)NULL);
    chat_log(c, CHAT_LOG_EVENT, "join ", u->name, " ", r->name, (const char *)NULL);
    ev = room_event(c, CHAT_JOIN, r, u, false);
    chat_deliver_room(c, r, &ev);
    if (u->sink.joined_room)
        u->sink.joined_room(u->sink.ctx, u->session, u, r);
    *out = r;
    return CHAT_OK;
}

/* Deliver, remove, then tell the leaver's front-end (for its own state). */
static void leave_room(chat *c, chat_member *m)
{
    chat_user *u = m->user;
    chat_room *r = m->room;

    chat_room_remove_member(c, m, true);
    if (u->sink.left_room)
        u->sink.left_room(u->sink.ctx, u->session, u, r);
}

chat_result chat_part(chat *c, chat_user *u, chat_room *r, const char *text, size_t len)
{
    chat_member *m = chat_membership(u, r);
    chat_event ev;

    if (!m)
        return CHAT_ERR_NOT_MEMBER;
    {
        chat_op op = {CHAT_OP_PART, u, r->name, r->name_len, NULL, 0, NULL, text, len, false};
        if (chat_relayed(c, &op))
            return CHAT_OK;
    }
    if (!chat_sanitize(c, text, len, CHAT_REASON_MAX_BYTES))
        return CHAT_ERR_NO_MEMORY;
    ev = room_event(c, CHAT_PART, r, u, true);
    chat_deliver_room(c, r, &ev);
    chat_log(c, CHAT_LOG_EVENT, "part ", u->name, " ", r->name, (const char *)NULL);
    leave_room(c, m);
    return CHAT_OK;
}

/* Keep a public line in the room's history. Out of memory only costs the
 * history entry: the line itself was delivered. */
static void remember(chat_room *r, const chat_event *ev, const char *name)
{
    history_entry e;

    e.kind = (int)ev->kind;
    e.time = ev->time;
    e.name = name;
    e.name_len = strlen(name);
    e.text = ev->text;
    e.text_len = ev->text_len;
    (void)history_add(&r->history, &e);
}

/* A public line of kind SAY, ACTION or NOTICE from u to r. */
static chat_result say_in_room(chat *c, chat_event_kind kind, chat_user *u, chat_room *r,
                               const char *text, size_t len)
{
    chat_event ev;

    if (!chat_membership(u, r))
        return CHAT_ERR_NOT_MEMBER;
    {
        chat_op op = {kind == CHAT_SAY      ? CHAT_OP_SAY
                      : kind == CHAT_ACTION ? CHAT_OP_ACTION
                                            : CHAT_OP_NOTICE,
                      u,
                      r->name,
                      r->name_len,
                      NULL,
                      0,
                      NULL,
                      text,
                      len,
                      false};
        if (chat_relayed(c, &op))
            return CHAT_OK;
    }
    if (!chat_sanitize(c, text, len, 0))
        return CHAT_ERR_NO_MEMORY;
    ev = room_event(c, kind, r, u, true);
    chat_deliver_room(c, r, &ev);
    if (kind != CHAT_NOTICE)
        remember(r, &ev, u->name);
    if (kind == CHAT_ACTION)
        chat_log(c, CHAT_LOG_CHAT, r->name, " * ", u->name, " ", ev.text, (const char *)NULL);
    else if (kind == CHAT_NOTICE)
        chat_log(c, CHAT_LOG_CHAT, r->name, " -", u->name, "- ", ev.text, (const char *)NULL);
    else
        chat_log(c, CHAT_LOG_CHAT, r->name, " <", u->name, "> ", ev.text, (const char *)NULL);
    return CHAT_OK;
}

chat_result chat_say(chat *c, chat_user *u, chat_room *r, const char *text, size_t len, bool action)
{
    return say_in_room(c, action ? CHAT_ACTION : CHAT_SAY, u, r, text, len);
}

chat_result chat_notice(chat *c, chat_user *u, chat_room *r, const char *text, size_t len)
{
    return say_in_room(c, CHAT_NOTICE, u, r, text, len);
}

chat_result chat_set_topic(chat *c, chat_user *u, chat_room *r, const char *text, size_t len)
{
    chat_member *m = chat_membership(u, r);
    chat_event ev;
    char *topic = NULL;

    if (!m)
        return CHAT_ERR_NOT_MEMBER;
    if (!m->op && r->topic_ops_only)
        return CHAT_ERR_NOT_OPERATOR;
    /* The limit holds for what is stored: sanitising may triple a byte. */
    if (len > CHAT_TOPIC_MAX_BYTES)
        return CHAT_ERR_TOO_LONG;
    if (!chat_sanitize(c, text, len, 0))
        return CHAT_ERR_NO_MEMORY;
    if (c->text.len > CHAT_TOPIC_MAX_BYTES)
        return CHAT_ERR_TOO_LONG;
    {
        chat_op op = {CHAT_OP_TOPIC, u, r->name, r->name_len, NULL, 0, NULL, text, len, false};
        if (chat_relayed(c, &op))
            return CHAT_OK;
    }
    if (c->text.len > 0) {
        topic = (char *)malloc(c->text.len + 1);
        if (!topic)
            return CHAT_ERR_NO_MEMORY;
        memcpy(topic, c->text.data, c->text.len + 1);
    }
    free(r->topic);
    r->topic = topic;
    r->topic_len = topic ? c->text.len : 0;
    memcpy(r->topic_setter, u->name, u->name_len + 1);
    r->topic_time = chat_now(c);
    ev = room_event(c, CHAT_TOPIC, r, u, true);
    chat_deliver_room(c, r, &ev);
    remember(r, &ev, u->name);
    chat_log(c, CHAT_LOG_EVENT, "topic ", r->name, " by ", u->name, (const char *)NULL);
    return CHAT_OK;
}

chat_result chat_kick(chat *c, chat_user *op, chat_room *r, chat_user *target, const char *reason,
                      size_t len)
{
    chat_member *mine = chat_membership(op, r), *theirs;
    chat_event ev;

    if (!mine)
        return CHAT_ERR_NOT_MEMBER;
    if (!mine->op)
        return CHAT_ERR_NOT_OPERATOR;
    theirs = chat_membership(target, r);
    if (!theirs)
        return CHAT_ERR_TARGET_NOT_MEMBER;
    {
        chat_op o = {CHAT_OP_KICK,     op,   r->name, r->name_len, target->name,
                     target->name_len, NULL, reason,  len,         false};
        if (chat_relayed(c, &o))
            return CHAT_OK;
    }
    if (!chat_sanitize(c, reason, len, CHAT_REASON_MAX_BYTES))
        return CHAT_ERR_NO_MEMORY;
    ev = room_event(c, CHAT_KICK, r, op, true);
    set_target(&ev, target);
    chat_deliver_room(c, r, &ev);
    chat_log(c, CHAT_LOG_EVENT, "kick ", target->name, " from ", r->name, " by ", op->name,
             (const char *)NULL);
    leave_room(c, theirs);
    return CHAT_OK;
}

chat_result chat_set_operator(chat *c, chat_user *op, chat_room *r, chat_user *target, bool on)
{
    chat_member *mine = chat_membership(op, r), *theirs;
    chat_event ev;

    if (!mine)
        return CHAT_ERR_NOT_MEMBER;
    if (!mine->op)
        return CHAT_ERR_NOT_OPERATOR;
    theirs = chat_membership(target, r);
    if (!theirs)
        return CHAT_ERR_TARGET_NOT_MEMBER;
    if (theirs->op == on)
        return CHAT_OK;
    /* The only member keeps operator status: there is nobody to hand it to. */
    if (!on && r->op_count == 1 && r->member_count == 1)
        return CHAT_OK;
    {
        chat_op o = {on ? CHAT_OP_OP : CHAT_OP_DEOP,
                     op,
                     r->name,
                     r->name_len,
                     target->name,
                     target->name_len,
                     NULL,
                     "",
                     0,
                     false};
        if (chat_relayed(c, &o))
            return CHAT_OK;
    }
    set_op(theirs, on);
    ev = room_event(c, on ? CHAT_OP : CHAT_DEOP, r, op, false);
    set_target(&ev, target);
    chat_deliver_room(c, r, &ev);
    chat_log(c, CHAT_LOG_EVENT, on ? "op " : "deop ", target->name, " in ", r->name, " by ",
             op->name, (const char *)NULL);
    if (!on)
        ensure_operator(c, r, theirs, true);
    return CHAT_OK;
}

chat_result chat_set_topic_rule(chat *c, chat_user *op, chat_room *r, bool ops_only)
{
    chat_member *mine = chat_membership(op, r);
    chat_event ev;

    if (!mine)
        return CHAT_ERR_NOT_MEMBER;
    if (!mine->op)
        return CHAT_ERR_NOT_OPERATOR;
    if (r->topic_ops_only == ops_only)
        return CHAT_OK;
    {
        chat_op o = {CHAT_OP_TOPIC_RULE, op, r->name, r->name_len, NULL, 0, NULL, "", 0, ops_only};
        if (chat_relayed(c, &o))
            return CHAT_OK;
    }
    r->topic_ops_only = ops_only;
    ev = room_event(c, CHAT_TOPIC_RULE, r, op, false);
    ev.flag = ops_only;
    chat_deliver_room(c, r, &ev);
    chat_log(c, CHAT_LOG_EVENT, "topic rule ", r->name, ops_only ? " operators only" : " open",
             " by ", op->name, (const char *)NULL);
    return CHAT_OK;
}

bool chat_room_topic_ops_only(const chat_room *r)
{
    return r->topic_ops_only;
}

int64_t chat_room_created(const chat_room *r)
{
    return r->created;
}

/* ---- queries ---------------------------------------------------------- */

size_t chat_room_count(const chat *c)
{
    return c->room_count;
}

chat_room *chat_room_first(const chat *c)
{
    return c->rooms_head;
}

chat_room *chat_room_next(const chat_room *r)
{
    return r->next;
}

const char *chat_room_name(const chat_room *r)
{
    return r->name;
}

size_t chat_room_member_count(const chat_room *r)
{
    return r->member_count;
}

const char *chat_room_topic(const chat_room *r, size_t *len)
{
    if (len)
        *len = r->topic_len;
    return r->topic ? r->topic : "";
}

const char *chat_room_topic_setter(const chat_room *r)
{
    return r->topic ? r->topic_setter : "";
}

int64_t chat_room_topic_time(const chat_room *r)
{
    return r->topic_time;
}

size_t chat_room_history_count(const chat_room *r)
{
    return history_count(&r->history);
}

chat_member *chat_room_members(const chat_room *r)
{
    return r->head;
}

chat_member *chat_member_next_in_room(const chat_member *m)
{
    return m->room_next;
}

chat_member *chat_user_rooms(const chat_user *u)
{
    return u->rooms_head;
}

chat_member *chat_user_rooms_last(const chat_user *u)
{
    return u->rooms_tail;
}

chat_member *chat_member_next_of_user(const chat_member *m)
{
    return m->user_next;
}

chat_user *chat_member_user(const chat_member *m)
{
    return m->user;
}

chat_room *chat_member_room(const chat_member *m)
{
    return m->room;
}

bool chat_member_is_operator(const chat_member *m)
{
    return m->op;
}

size_t chat_user_room_count(const chat_user *u)
{
    return u->room_count;
}

void chat_replay_history(chat *c, chat_room *r, void (*cb)(void *arg, const chat_event *ev),
                         void *arg)
{
    size_t pos = 0;
    history_entry e;
    char name[NAME_MAX_BYTES + 1];

    while (history_next(&r->history, &pos, &e)) {
        chat_event ev = chat_event_begin(c, (chat_event_kind)e.kind);
        size_t nl = e.name_len > NAME_MAX_BYTES ? NAME_MAX_BYTES : e.name_len;
        memcpy(name, e.name, nl);
        name[nl] = '\0';
        tb_reset(&c->text);
        tb_append(&c->text, e.text, e.text_len);
        if (!tb_ok(&c->text))
            return;
        ev.time = e.time;
        ev.replay = true;
        ev.room = r;
        ev.room_name = r->name;
        ev.actor_name = name;
        ev.text = c->text.data;
        ev.text_len = c->text.len;
        cb(arg, &ev);
    }
}

/* ---- snapshots (cluster mode, chat_cluster.h) ------------------------- */

void chat_drop_memberships(chat *c, chat_user *u)
{
    while (u->rooms_head) {
        chat_room *r = u->rooms_head->room;
        chat_room_remove_member(c, u->rooms_head, false);
        if (u->sink.left_room)
            u->sink.left_room(u->sink.ctx, u->session, u, r);
    }
}

chat_room *chat_load_room(chat *c, const char *name, size_t len, const char *topic,
                          size_t topic_len, const char *setter, int64_t topic_time, bool ops_only,
                          int64_t created)
{
    chat_room *r;
    char *copy = NULL;

    if (chat_check_room_name(name, len) != NAME_OK)
        return NULL;
    r = chat_find_room(c, name, len);
    if (!r) {
        if (c->room_count >= c->cfg.max_rooms) {
            if (!c->empty_head)
                return NULL;
            room_forget(c, c->empty_head);
        }
        r = chat_room_create(c, name, len);
        if (!r)
            return NULL;
        empty_list_add(c, r);
    }
    if (topic_len > 0) {
        copy = (char *)malloc(topic_len + 1);
        if (!copy)
            return r;
        memcpy(copy, topic, topic_len);
        copy[topic_len] = '\0';
    }
    free(r->topic);
    r->topic = copy;
    r->topic_len = copy ? topic_len : 0;
    snprintf(r->topic_setter, sizeof r->topic_setter, "%s", setter ? setter : "");
    r->topic_time = topic_time;
    r->topic_ops_only = ops_only;
    r->created = created;
    history_free(&r->history);
    history_init(&r->history, c->cfg.history);
    return r;
}

chat_result chat_load_member(chat *c, chat_room *r, chat_user *u, bool op)
{
    chat_member *m = chat_membership(u, r);

    if (!m) {
        if (u->room_count >= CHAT_MAX_ROOMS_PER_USER)
            return CHAT_ERR_TOO_MANY_JOINED;
        m = add_member(r, u);
        if (!m)
            return CHAT_ERR_NO_MEMORY;
        empty_list_remove(c, r);
    }
    set_op(m, op);
    return CHAT_OK;
}

void chat_load_history(chat *c, chat_room *r, chat_event_kind kind, int64_t time, const char *name,
                       const char *text, size_t text_len)
{
    history_entry e;

    (void)c;
    if (kind != CHAT_SAY && kind != CHAT_ACTION && kind != CHAT_TOPIC)
        return;
    e.kind = (int)kind;
    e.time = time;
    e.name = name;
    e.name_len = strlen(name);
    e.text = text;
    e.text_len = text_len;
    (void)history_add(&r->history, &e);
}
