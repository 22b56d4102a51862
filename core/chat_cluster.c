/* chat_cluster.c - the chat model's side of cluster mode: carrying out
 * operations as they come back from the cluster, pending and remote users,
 * and notices to local users. See chat_cluster.h for the idea; loading a
 * snapshot is in chat_room.c, next to the room internals it needs. */
#include "core/chat_internal.h"

#include <stdio.h>
#include <string.h>

void chat_set_relay(chat *c, const chat_relay *relay)
{
    if (relay)
        c->relay = *relay;
    else
        memset(&c->relay, 0, sizeof c->relay);
}

bool chat_user_is_remote(const chat_user *u)
{
    return u->remote;
}

bool chat_user_is_pending(const chat_user *u)
{
    return u->pending;
}

bool chat_user_is_ghost(const chat_user *u)
{
    return u->ghost;
}

void chat_user_set_cluster_data(chat_user *u, void *data)
{
    u->cluster = data;
}

void *chat_user_cluster_data(const chat_user *u)
{
    return u->cluster;
}

chat_user *chat_user_walk(const chat *c, size_t *pos)
{
    while (*pos < c->users.cap) {
        size_t i = (*pos)++;
        if (c->users.slots[i].key)
            return (chat_user *)c->users.slots[i].value;
    }
    return NULL;
}

void chat_notify_local(chat *c, const char *text)
{
    size_t pos = 0;
    chat_user *u;
    chat_event ev;

    if (!chat_sanitize(c, text, strlen(text), 0))
        return;
    ev = chat_event_begin(c, CHAT_SYSTEM);
    ev.text = c->text.data;
    ev.text_len = c->text.len;
    while ((u = chat_user_walk(c, &pos)) != NULL)
        if (!u->remote && !u->ghost)
            chat_deliver(c, u, &ev);
}

void chat_notify_user(chat *c, chat_user *u, const char *text)
{
    chat_event ev;

    if (u->remote || u->ghost || !chat_sanitize(c, text, strlen(text), 0))
        return;
    ev = chat_event_begin(c, CHAT_SYSTEM);
    ev.text = c->text.data;
    ev.text_len = c->text.len;
    chat_deliver(c, u, &ev);
}

void chat_user_drop(chat *c, chat_user *u)
{
    while (u->rooms_head)
        chat_room_remove_member(c, u->rooms_head, false);
    name_map_remove(&c->users, u->name, u->name_len);
    c->user_count--;
    chat_user_free(c, u);
}

/* What a refusal is about, NUL-terminated: the room, or the name. */
static void refusal_subject(const chat_op *op, char *out, size_t cap)
{
    const char *s = op->room ? op->room : op->target;
    size_t n = op->room ? op->room_len : op->target_len;
    snprintf(out, cap, "%.*s", s ? (int)n : 0, s ? s : "");
}

chat_result chat_apply(chat *c, const chat_op *op)
{
    chat_user *u = op->actor, *target = NULL;
    chat_room *r = NULL, *joined = NULL;
    chat_result res = CHAT_OK;
    bool was = c->applying;
    bool gone = false;

    if (op->kind == CHAT_OP_REGISTER)
        return chat_user_confirm(c, u);
    c->applying = true;
    if (op->room)
        r = chat_find_room(c, op->room, op->room_len);
    if (op->target && op->kind != CHAT_OP_RENAME)
        target = chat_find_user(c, op->target, op->target_len);
    switch (op->kind) {
    case CHAT_OP_RENAME:
        res = chat_user_rename(c, u, op->target, op->target_len);
        break;
    case CHAT_OP_QUIT:
        chat_user_remove(c, u, op->reason, op->text, op->text_len);
        gone = true;
        break;
    case CHAT_OP_JOIN:
        res = chat_join(c, u, op->room, op->room_len, &joined);
        break;
    case CHAT_OP_AWAY:
        chat_user_set_away(c, u, op->text, op->text_len);
        break;
    case CHAT_OP_PRIVATE:
    case CHAT_OP_PRIVATE_NOTICE:
        if (!target)
            res = CHAT_ERR_NO_SUCH_USER;
        else if (op->kind == CHAT_OP_PRIVATE)
            res = chat_private(c, u, target, op->text, op->text_len);
        else
            res = chat_private_notice(c, u, target, op->text, op->text_len);
        break;
    default:
        if (!r) {
            res = CHAT_ERR_NO_SUCH_ROOM;
            break;
        }
        switch (op->kind) {
        case CHAT_OP_PART:
            res = chat_part(c, u, r, op->text, op->text_len);
            break;
        case CHAT_OP_SAY:
        case CHAT_OP_ACTION:
            res = chat_say(c, u, r, op->text, op->text_len, op->kind == CHAT_OP_ACTION);
            break;
        case CHAT_OP_NOTICE:
            res = chat_notice(c, u, r, op->text, op->text_len);
            break;
        case CHAT_OP_TOPIC:
            res = chat_set_topic(c, u, r, op->text, op->text_len);
            break;
        case CHAT_OP_TOPIC_RULE:
            res = chat_set_topic_rule(c, u, r, op->flag);
            break;
        case CHAT_OP_KICK:
        case CHAT_OP_OP:
        case CHAT_OP_DEOP:
            if (!target)
                res = CHAT_ERR_NO_SUCH_USER;
            else if (op->kind == CHAT_OP_KICK)
                res = chat_kick(c, u, r, target, op->text, op->text_len);
            else
                res = chat_set_operator(c, u, r, target, op->kind == CHAT_OP_OP);
            break;
        default:
            break;
        }
        break;
    }
    c->applying = was;
    /* Something changed between the check on our side and our turn in the
     * cluster's order (a kick, a name someone else took): say so. */
    if (!gone && res != CHAT_OK && res != CHAT_ERR_ALREADY_MEMBER && !u->remote &&
        u->sink.refused) {
        char subject[ROOM_NAME_MAX_BYTES + NAME_MAX_BYTES + 2];
        refusal_subject(op, subject, sizeof subject);
        u->sink.refused(u->sink.ctx, u->session, u, (int)op->kind, res, subject);
    }
    return res;
}
