/* cluster.c - cluster mode: the chat model kept in step with the other
 * nodes through one ordered Redis channel. See cluster.h for the idea and
 * docs/cluster.md for what it promises.
 *
 * Messages (core/cluster_msg.h) are "N1 KIND NODE OPSEQ FIELDS...": the
 * sending node, its running number, then the kind's fields. Users are named
 * on the wire by a key, "NODE/N", given by their own node, so that renames
 * and name clashes never confuse who did what.
 *
 * Phases of a node:
 *   OFFLINE        no link: local users only, operations carried out here;
 *   AWAIT_REQUEST  linked, our snapshot request published; what comes
 *                  before its echo is already in the snapshot, so it is
 *                  skipped;
 *   LOADING        after the echo: the first answering node's snapshot is
 *                  loaded, everything else is held; at its end (or after
 *                  SYNC_WAIT_MS without an answer: we are the first node)
 *                  the held messages are applied;
 *   SYNCED         every message is applied as it comes.
 * Our own operations are also kept until applied (own_ops): if the link
 * goes first, they are carried out locally, so nothing a local user said is
 * lost for the local members. */
#include "core/cluster.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chat_cluster.h"
#include "core/cluster_msg.h"
#include "core/namemap.h"
#include "core/redis_link.h"
#include "core/textbuf.h"
#include "platform/clock.h"

/* How long a linking node waits for a snapshot before it takes itself to be
 * the first node of the cluster. */
#define SYNC_WAIT_MS 1000
#define KEY_MAX      (CLUSTER_NODE_MAX + 24)

static const char say_down[] =
    "The link to the other servers is down: only people on this server hear you now. "
    "natter keeps trying to get it back.";
static const char say_back[] = "The link to the other servers is back: everyone hears you again.";

typedef struct user_rec {
    char key[KEY_MAX];
    size_t key_len;
    chat_user *u;
    bool announced; /* its registration has been applied in the cluster's order */
} user_rec;

typedef struct node_rec {
    char name[CLUSTER_NODE_MAX + 1];
    uint64_t last_seen_ms;
    bool declared_lost;
} node_rec;

typedef struct held_msg {
    char *data;
    size_t len;
} held_msg;

typedef struct msg_list {
    held_msg *items;
    size_t head, count, cap;
} msg_list;

typedef enum cluster_phase {
    PHASE_OFFLINE,
    PHASE_AWAIT_REQUEST,
    PHASE_LOADING,
    PHASE_SYNCED
} cluster_phase;

struct cluster {
    chat *chat;
    redis_link *link;
    char node[CLUSTER_NODE_MAX + 1];
    char channel[64];
    uint64_t lease_ms;
    cluster_log_fn *log;
    void *log_ctx;

    cluster_phase phase;
    bool ever_synced;
    bool told_down; /* local users were told the link is down */
    bool shutting_down;
    uint64_t now_ms;         /* of the current service call */
    unsigned long long boot; /* this run's part of our users' keys */
    uint64_t next_uid, opseq, reqid;
    char responder[CLUSTER_NODE_MAX + 1]; /* whose snapshot we load ("": none yet) */
    bool dump_begun;
    size_t dump_users, dump_rooms;
    uint64_t sync_deadline_ms, next_alive_ms, next_lease_check_ms;

    name_map keys; /* user key -> user_rec */
    node_rec *nodes;
    size_t node_count, node_cap;
    msg_list own_ops;           /* ours, published, not applied yet */
    msg_list held;              /* others', while linking (see apply_message) */
    size_t held_before_request; /* how many of them came before our request */
    text_buf out;
};

/* ---- small helpers -------------------------------------------------------- */

static void cl_log(cluster *cl, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (!cl->log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    cl->log(cl->log_ctx, line);
}

static bool field_eq(const cluster_field *f, const char *s)
{
    size_t n = strlen(s);
    return f->len == n && memcmp(f->data, s, n) == 0;
}

/* A field as a NUL-terminated string in buf (cut to cap). */
static const char *field_str(const cluster_field *f, char *buf, size_t cap)
{
    size_t n = f->len < cap - 1 ? f->len : cap - 1;
    memcpy(buf, f->data, n);
    buf[n] = '\0';
    return buf;
}

static long long field_num(const cluster_field *f)
{
    char buf[32];
    return strtoll(field_str(f, buf, sizeof buf), NULL, 10);
}

static bool list_push(msg_list *l, const char *data, size_t len)
{
    if (l->head + l->count == l->cap) {
        if (l->head > 0) {
            memmove(l->items, l->items + l->head, l->count * sizeof *l->items);
            l->head = 0;
        } else {
            size_t cap = l->cap ? l->cap * 2 : 64;
            held_msg *items = realloc(l->items, cap * sizeof *items);
            if (!items)
                return false;
            l->items = items;
            l->cap = cap;
        }
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return false;
    memcpy(copy, data, len);
    copy[len] = '\0';
    l->items[l->head + l->count].data = copy;
    l->items[l->head + l->count].len = len;
    l->count++;
    return true;
}

/* Take the first message (the caller frees data). */
static bool list_pop(msg_list *l, held_msg *out)
{
    if (l->count == 0)
        return false;
    *out = l->items[l->head++];
    l->count--;
    if (l->count == 0)
        l->head = 0;
    return true;
}

static void list_clear(msg_list *l)
{
    held_msg m;
    while (list_pop(l, &m))
        free(m.data);
}

/* ---- nodes ------------------------------------------------------------------ */

static node_rec *find_node(cluster *cl, const char *name, size_t len)
{
    for (size_t i = 0; i < cl->node_count; i++)
        if (strlen(cl->nodes[i].name) == len && memcmp(cl->nodes[i].name, name, len) == 0)
            return &cl->nodes[i];
    return NULL;
}

/* A node was heard from (or is known to have users): it has a lease. */
static void saw_node(cluster *cl, const char *name, size_t len, uint64_t now)
{
    if (len == 0 || len > CLUSTER_NODE_MAX ||
        (len == strlen(cl->node) && memcmp(name, cl->node, len) == 0))
        return;
    node_rec *n = find_node(cl, name, len);
    if (!n) {
        if (cl->node_count == cl->node_cap) {
            size_t cap = cl->node_cap ? cl->node_cap * 2 : 8;
            node_rec *nodes = realloc(cl->nodes, cap * sizeof *nodes);
            if (!nodes)
                return;
            cl->nodes = nodes;
            cl->node_cap = cap;
        }
        n = &cl->nodes[cl->node_count++];
        memcpy(n->name, name, len);
        n->name[len] = '\0';
    }
    n->last_seen_ms = now;
    n->declared_lost = false;
}

static void forget_node(cluster *cl, const char *name, size_t len)
{
    node_rec *n = find_node(cl, name, len);
    if (n)
        *n = cl->nodes[--cl->node_count];
}

/* ---- user keys ---------------------------------------------------------------- */

static user_rec *rec_of(const chat_user *u)
{
    return (user_rec *)chat_user_cluster_data(u);
}

static user_rec *find_rec(cluster *cl, const cluster_field *key)
{
    return (user_rec *)name_map_get(&cl->keys, key->data, key->len);
}

static user_rec *add_rec(cluster *cl, chat_user *u, const char *key, size_t len)
{
    if (len >= KEY_MAX || name_map_get(&cl->keys, key, len))
        return NULL;
    user_rec *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    memcpy(r->key, key, len);
    r->key[len] = '\0';
    r->key_len = len;
    r->u = u;
    if (name_map_put(&cl->keys, r->key, r->key_len, r) != 0) {
        free(r);
        return NULL;
    }
    chat_user_set_cluster_data(u, r);
    return r;
}

static void drop_rec(cluster *cl, chat_user *u)
{
    user_rec *r = rec_of(u);
    if (!r)
        return;
    name_map_remove(&cl->keys, r->key, r->key_len);
    chat_user_set_cluster_data(u, NULL);
    free(r);
}

/* A fresh key for a local user. */
static user_rec *new_local_rec(cluster *cl, chat_user *u)
{
    char key[KEY_MAX];
    drop_rec(cl, u);
    /* The run's number keeps a restarted node's users apart from the copies
     * of its previous run's that others may still hold. */
    int n = snprintf(key, sizeof key, "%s/%llx.%llu", cl->node, cl->boot,
                     (unsigned long long)++cl->next_uid);
    return add_rec(cl, u, key, (size_t)n);
}

/* ---- building and publishing messages ----------------------------------------- */

typedef struct msg_builder {
    const char *kind;
    cluster_field f[CLUSTER_MSG_MAX_FIELDS];
    size_t n;
    char nums[4][24];
    int used;
} msg_builder;

static void mb_add(msg_builder *b, const char *s, size_t len)
{
    if (b->n < CLUSTER_MSG_MAX_FIELDS) {
        b->f[b->n].data = s ? s : "";
        b->f[b->n].len = s ? len : 0;
        b->n++;
    }
}

static void mb_str(msg_builder *b, const char *s)
{
    mb_add(b, s, s ? strlen(s) : 0);
}

static void mb_num(msg_builder *b, long long v)
{
    if (b->used < 4) {
        char *p = b->nums[b->used++];
        int n = snprintf(p, sizeof b->nums[0], "%lld", v);
        mb_add(b, p, (size_t)n);
    }
}

static void mb_start(cluster *cl, msg_builder *b, const char *kind)
{
    b->kind = kind;
    b->n = 0;
    b->used = 0;
    mb_str(b, cl->node);
    mb_num(b, (long long)++cl->opseq);
}

/* Publish; own operations are also kept until they come back. */
static bool mb_publish(cluster *cl, msg_builder *b, bool own_op)
{
    tb_reset(&cl->out);
    if (!cluster_msg_encode(&cl->out, b->kind, b->f, b->n))
        return false;
    if (redis_link_publish(cl->link, cl->out.data, cl->out.len) != 0)
        return false;
    if (own_op)
        (void)list_push(&cl->own_ops, cl->out.data, cl->out.len);
    return true;
}

static void mb_user(msg_builder *b, const chat_user *u)
{
    user_rec *r = rec_of(u);
    mb_add(b, r ? r->key : "", r ? r->key_len : 0);
}

static const char *op_word(chat_op_kind k)
{
    switch (k) {
    case CHAT_OP_REGISTER:
        return "user";
    case CHAT_OP_RENAME:
        return "nick";
    case CHAT_OP_QUIT:
        return "quit";
    case CHAT_OP_JOIN:
        return "join";
    case CHAT_OP_PART:
        return "part";
    case CHAT_OP_SAY:
        return "say";
    case CHAT_OP_ACTION:
        return "act";
    case CHAT_OP_NOTICE:
        return "notice";
    case CHAT_OP_TOPIC:
        return "topic";
    case CHAT_OP_TOPIC_RULE:
        return "trule";
    case CHAT_OP_KICK:
        return "kick";
    case CHAT_OP_OP:
        return "op";
    case CHAT_OP_DEOP:
        return "deop";
    case CHAT_OP_PRIVATE:
        return "msg";
    case CHAT_OP_PRIVATE_NOTICE:
        return "pnotice";
    case CHAT_OP_AWAY:
        return "away";
    }
    return "?";
}

static bool word_op(const char *kind, chat_op_kind *out)
{
    for (int k = CHAT_OP_REGISTER; k <= CHAT_OP_AWAY; k++)
        if (strcmp(kind, op_word((chat_op_kind)k)) == 0) {
            *out = (chat_op_kind)k;
            return true;
        }
    return false;
}

/* The message for op (its actor must have a key). */
static bool publish_op(cluster *cl, const chat_op *op)
{
    msg_builder b;
    const chat_user *u = op->actor;
    mb_start(cl, &b, op_word(op->kind));
    mb_user(&b, u);
    switch (op->kind) {
    case CHAT_OP_REGISTER:
        mb_add(&b, op->target, op->target_len);
        mb_str(&b, chat_user_ident(u));
        mb_str(&b, chat_user_host(u));
        mb_str(&b, chat_user_realname(u));
        break;
    case CHAT_OP_RENAME:
        mb_add(&b, op->target, op->target_len);
        break;
    case CHAT_OP_QUIT:
        mb_str(&b, op->reason);
        mb_add(&b, op->text, op->text_len);
        break;
    case CHAT_OP_JOIN:
        mb_add(&b, op->room, op->room_len);
        break;
    case CHAT_OP_TOPIC_RULE:
        mb_add(&b, op->room, op->room_len);
        mb_num(&b, op->flag ? 1 : 0);
        break;
    case CHAT_OP_KICK:
        mb_add(&b, op->room, op->room_len);
        mb_add(&b, op->target, op->target_len);
        mb_add(&b, op->text, op->text_len);
        break;
    case CHAT_OP_OP:
    case CHAT_OP_DEOP:
        mb_add(&b, op->room, op->room_len);
        mb_add(&b, op->target, op->target_len);
        break;
    case CHAT_OP_PRIVATE:
    case CHAT_OP_PRIVATE_NOTICE:
        mb_add(&b, op->target, op->target_len);
        mb_add(&b, op->text, op->text_len);
        break;
    case CHAT_OP_AWAY:
        mb_add(&b, op->text, op->text_len);
        break;
    default: /* part, say, act, notice, topic: room and text */
        mb_add(&b, op->room, op->room_len);
        mb_add(&b, op->text, op->text_len);
        break;
    }
    return mb_publish(cl, &b, true);
}

/* The relay (chat_cluster.h): while linked, every local operation goes to
 * the channel and takes effect when it comes back. */
static bool relay_publish(void *ctx, const chat_op *op)
{
    cluster *cl = ctx;
    if (cl->phase == PHASE_OFFLINE || cl->shutting_down)
        return false;
    user_rec *r = rec_of(op->actor);
    if (op->kind == CHAT_OP_REGISTER) {
        r = new_local_rec(cl, op->actor);
        if (!r)
            return false;
    }
    if (!r)
        return false; /* cannot happen: every local user is announced on linking */
    return publish_op(cl, op);
}

static void relay_forget(void *ctx, chat_user *u)
{
    drop_rec((cluster *)ctx, u);
}

/* ---- applying messages ------------------------------------------------------ */

/* The op a message describes (fields from 2 on; text pointers into m). */
static bool decode_op(const cluster_msg *m, chat_op_kind kind, chat_user *u, char *reason,
                      size_t reason_cap, chat_op *op)
{
    const cluster_field *f = m->fields;
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->actor = u;
    op->text = "";
#define NEED(n)                                                                                    \
    do {                                                                                           \
        if (m->nfields < (n))                                                                      \
            return false;                                                                          \
    } while (0)
    switch (kind) {
    case CHAT_OP_REGISTER:
    case CHAT_OP_RENAME:
        NEED(4);
        op->target = f[3].data;
        op->target_len = f[3].len;
        break;
    case CHAT_OP_QUIT:
        NEED(5);
        op->reason = field_str(&f[3], reason, reason_cap);
        op->text = f[4].data;
        op->text_len = f[4].len;
        break;
    case CHAT_OP_JOIN:
        NEED(4);
        op->room = f[3].data;
        op->room_len = f[3].len;
        break;
    case CHAT_OP_TOPIC_RULE:
        NEED(5);
        op->room = f[3].data;
        op->room_len = f[3].len;
        op->flag = field_eq(&f[4], "1");
        break;
    case CHAT_OP_KICK:
        NEED(6);
        op->room = f[3].data;
        op->room_len = f[3].len;
        op->target = f[4].data;
        op->target_len = f[4].len;
        op->text = f[5].data;
        op->text_len = f[5].len;
        break;
    case CHAT_OP_OP:
    case CHAT_OP_DEOP:
        NEED(5);
        op->room = f[3].data;
        op->room_len = f[3].len;
        op->target = f[4].data;
        op->target_len = f[4].len;
        break;
    case CHAT_OP_PRIVATE:
    case CHAT_OP_PRIVATE_NOTICE:
        NEED(5);
        op->target = f[3].data;
        op->target_len = f[3].len;
        op->text = f[4].data;
        op->text_len = f[4].len;
        break;
    case CHAT_OP_AWAY:
        NEED(4);
        op->text = f[3].data;
        op->text_len = f[3].len;
        break;
    default:
        NEED(5);
        op->room = f[3].data;
        op->room_len = f[3].len;
        op->text = f[4].data;
        op->text_len = f[4].len;
        break;
    }
#undef NEED
    return true;
}

/* name-2, name-3 ... : the first free variant of u's name for u. */
static bool free_variant(cluster *cl, const chat_user *u, char *out, size_t cap)
{
    char base[NAME_MAX_BYTES + 1];
    snprintf(base, sizeof base, "%s", chat_user_name(u));
    for (int i = 2; i < 1000; i++) {
        char suffix[8];
        int sn = snprintf(suffix, sizeof suffix, "-%d", i);
        size_t keep = strlen(base);
        if (keep + (size_t)sn > 24) /* stay well inside every front-end's limit */
            keep = 24 - (size_t)sn;
        snprintf(out, cap, "%.*s%s", (int)keep, base, suffix);
        if (chat_check_name(cl->chat, u, out, strlen(out), NULL) == CHAT_OK)
            return true;
    }
    return false;
}

/* A local user that has not been announced yet must give way to a name the
 * cluster gave first: rename it here (only here knows it). */
static void give_way(cluster *cl, chat_user *u)
{
    char name[NAME_MAX_BYTES + 1];
    if (!free_variant(cl, u, name, sizeof name))
        return;
    chat_op op = {CHAT_OP_RENAME, u, NULL, 0, name, strlen(name), NULL, "", 0, false};
    (void)chat_apply(cl->chat, &op);
    chat_notify_user(cl->chat, u,
                     "Your name was given to someone on another server while the link was down.");
}

/* Announce a local user to the cluster: registration, rooms, away. A user
 * starting again under a new key (its old name went to someone else) is in
 * no room: it goes to the default one. */
static void announce_user(cluster *cl, chat_user *u, bool new_key)
{
    user_rec *r = rec_of(u);
    if (new_key || !r)
        r = new_local_rec(cl, u);
    if (!r)
        return;
    r->announced = false;
    chat_op reg = {CHAT_OP_REGISTER,      u,    NULL, 0, chat_user_name(u),
                   chat_user_name_len(u), NULL, "",   0, false};
    (void)publish_op(cl, &reg);
    chat_member *m = chat_user_rooms(u);
    if (!m && new_key) {
        const char *def = chat_room_name(chat_default_room(cl->chat));
        chat_op join = {CHAT_OP_JOIN, u, def, strlen(def), NULL, 0, NULL, "", 0, false};
        (void)publish_op(cl, &join);
    }
    for (; m; m = chat_member_next_of_user(m)) {
        const char *room = chat_room_name(chat_member_room(m));
        chat_op join = {CHAT_OP_JOIN, u, room, strlen(room), NULL, 0, NULL, "", 0, false};
        (void)publish_op(cl, &join);
    }
    const char *away = chat_user_away(u);
    if (away) {
        chat_op a = {CHAT_OP_AWAY, u, NULL, 0, NULL, 0, NULL, away, strlen(away), false};
        (void)publish_op(cl, &a);
    }
}

static void apply_user(cluster *cl, const cluster_msg *m, bool own, uint64_t now)
{
    const cluster_field *f = m->fields;
    char ident[CHAT_IDENT_MAX_BYTES + 1], host[CHAT_HOST_MAX_BYTES + 1],
        realname[CHAT_REALNAME_MAX_BYTES + 1], label[CLUSTER_NODE_MAX + 16];
    if (m->nfields < 7)
        return;
    user_rec *r = find_rec(cl, &f[2]);
    if (own) {
        if (!r)
            return; /* gone before its turn */
        chat_user *u = r->u;
        if (chat_user_is_pending(u)) {
            if (chat_user_confirm(cl->chat, u) == CHAT_OK)
                r->announced = true;
            return;
        }
        /* A re-announced user. Still under the name it was announced with:
         * nobody in the cluster had it (or it would have been renamed when
         * they came), so everyone took it. Renamed meanwhile (give_way):
         * everyone refused this one; start again under a new key. */
        if (field_eq(&f[3], chat_user_name(u)))
            r->announced = true;
        else
            announce_user(cl, u, true);
        return;
    }
    if (r)
        return; /* known already (from the snapshot) */
    saw_node(cl, f[0].data, f[0].len, now);
    chat_user *holder = chat_find_user(cl->chat, f[3].data, f[3].len);
    if (holder && !chat_user_is_remote(holder) && rec_of(holder) && !rec_of(holder)->announced)
        give_way(cl, holder); /* that one's turn comes later */
    chat_result err;
    snprintf(label, sizeof label, "%.*s", (int)f[0].len, f[0].data);
    chat_user *u =
        chat_user_add_remote(cl->chat, f[3].data, f[3].len, field_str(&f[4], ident, sizeof ident),
                             field_str(&f[5], host, sizeof host),
                             field_str(&f[6], realname, sizeof realname), label, &err);
    if (!u)
        return; /* the name is someone's who came first: the same everywhere */
    user_rec *nr = add_rec(cl, u, f[2].data, f[2].len);
    if (nr)
        nr->announced = true;
    else
        chat_user_drop(cl->chat, u);
}

/* Which users to remove: remote ones (of node, when given), or ghosts. */
typedef enum pick { PICK_REMOTE, PICK_GHOSTS } pick;

static bool picked(const chat_user *u, pick which, const char *node, size_t len)
{
    if (which == PICK_GHOSTS)
        return chat_user_is_ghost(u);
    if (!chat_user_is_remote(u))
        return false;
    if (!node)
        return true;
    user_rec *r = rec_of(u);
    return r && r->key_len > len && r->key[len] == '/' && memcmp(r->key, node, len) == 0;
}

/* Remove the picked users: told (a QUIT with reason) or silently. Collected
 * first, so the walk of the name map is not disturbed. */
static size_t remove_users(cluster *cl, pick which, const char *node, size_t len,
                           const char *reason, bool silently)
{
    size_t pos = 0, n = 0, cap = chat_user_count(cl->chat);
    chat_user *u, **victims;
    if (cap == 0 || !(victims = malloc(cap * sizeof *victims)))
        return 0;
    while ((u = chat_user_walk(cl->chat, &pos)) != NULL && n < cap)
        if (picked(u, which, node, len))
            victims[n++] = u;
    for (size_t i = 0; i < n; i++) {
        if (which == PICK_GHOSTS) {
            chat_op quit = {CHAT_OP_QUIT, victims[i], NULL, 0, NULL, 0, reason, "", 0, false};
            (void)chat_apply(cl->chat, &quit);
        } else if (silently) {
            chat_user_drop(cl->chat, victims[i]);
        } else {
            chat_user_remove(cl->chat, victims[i], reason, NULL, 0);
        }
    }
    free(victims);
    return n;
}

static void remove_remote_users(cluster *cl, const char *reason, bool silently)
{
    remove_users(cl, PICK_REMOTE, NULL, 0, reason, silently);
}

static void start_sync(cluster *cl, bool say_lost_self);

static void apply_lost(cluster *cl, const cluster_msg *m, bool own)
{
    char reason[64];
    if (m->nfields < 4)
        return;
    const cluster_field *node = &m->fields[2];
    if (field_eq(node, cl->node)) {
        if (own)
            return; /* our own goodbye to copies of us from before */
        /* The others have dropped our users: join again. */
        cl_log(cl, "cluster: node %.*s declared this node lost; joining again",
               (int)m->fields[0].len, m->fields[0].data);
        start_sync(cl, false);
        return;
    }
    field_str(&m->fields[3], reason, sizeof reason);
    size_t n = remove_users(cl, PICK_REMOTE, node->data, node->len, reason, false);
    if (n > 0 || find_node(cl, node->data, node->len))
        cl_log(cl, "cluster: node %.*s left the cluster (%s); %zu of its users left with it",
               (int)node->len, node->data, reason, n);
    forget_node(cl, node->data, node->len);
}

/* An operation of a user (not a registration). */
static void apply_user_op(cluster *cl, const cluster_msg *m, chat_op_kind kind)
{
    char reason[64];
    chat_op op;
    if (m->nfields < 3)
        return;
    user_rec *r = find_rec(cl, &m->fields[2]);
    if (!r || !decode_op(m, kind, r->u, reason, sizeof reason, &op))
        return;
    (void)chat_apply(cl->chat, &op);
}

/* One of our own operations came back (or is carried out after the link
 * went): it leaves own_ops. */
static void own_applied(cluster *cl, const cluster_msg *m)
{
    held_msg first;
    long long seq = field_num(&m->fields[1]);
    while (cl->own_ops.count > 0) {
        const held_msg *h = &cl->own_ops.items[cl->own_ops.head];
        cluster_msg hm;
        char err[80];
        bool match = cluster_msg_decode(h->data, h->len, &hm, err, sizeof err) == 0 &&
                     hm.nfields >= 2 && field_num(&hm.fields[1]) <= seq;
        if (!match)
            break;
        list_pop(&cl->own_ops, &first);
        free(first.data);
    }
}

/* ---- snapshots ------------------------------------------------------------------ */

/* The snapshot of our state for requester (node, reqid). */
typedef struct dump_ctx {
    cluster *cl;
    const cluster_field *req_node, *reqid;
    const char *room;
} dump_ctx;

static void dump_start(dump_ctx *d, msg_builder *b, const char *kind)
{
    mb_start(d->cl, b, kind);
    mb_add(b, d->req_node->data, d->req_node->len);
    mb_add(b, d->reqid->data, d->reqid->len);
}

static void dump_history_line(void *arg, const chat_event *ev)
{
    dump_ctx *d = arg;
    msg_builder b;
    dump_start(d, &b, "dump-hist");
    mb_str(&b, d->room);
    mb_num(&b, (long long)ev->kind);
    mb_num(&b, (long long)ev->time);
    mb_str(&b, ev->actor_name);
    mb_add(&b, ev->text, ev->text_len);
    (void)mb_publish(d->cl, &b, false);
}

static void send_dump(cluster *cl, const cluster_field *req_node, const cluster_field *reqid)
{
    dump_ctx d = {cl, req_node, reqid, NULL};
    msg_builder b;
    size_t pos = 0;
    chat_user *u;

    while ((u = chat_user_walk(cl->chat, &pos)) != NULL) {
        user_rec *r = rec_of(u);
        if (!r || (!chat_user_is_remote(u) && !r->announced))
            continue;
        dump_start(&d, &b, "dump-user");
        mb_add(&b, r->key, r->key_len);
        mb_str(&b, chat_user_name(u));
        mb_str(&b, chat_user_ident(u));
        mb_str(&b, chat_user_host(u));
        mb_str(&b, chat_user_realname(u));
        mb_str(&b, chat_user_away(u) ? chat_user_away(u) : "");
        (void)mb_publish(cl, &b, false);
    }
    for (chat_room *room = chat_room_first(cl->chat); room; room = chat_room_next(room)) {
        size_t topic_len;
        const char *topic = chat_room_topic(room, &topic_len);
        dump_start(&d, &b, "dump-room");
        mb_str(&b, chat_room_name(room));
        mb_add(&b, topic, topic_len);
        mb_str(&b, chat_room_topic_setter(room));
        mb_num(&b, (long long)chat_room_topic_time(room));
        mb_num(&b, chat_room_topic_ops_only(room) ? 1 : 0);
        mb_num(&b, (long long)chat_room_created(room));
        (void)mb_publish(cl, &b, false);
        for (chat_member *m = chat_room_members(room); m; m = chat_member_next_in_room(m)) {
            user_rec *r = rec_of(chat_member_user(m));
            if (!r || (!chat_user_is_remote(chat_member_user(m)) && !r->announced))
                continue;
            dump_start(&d, &b, "dump-member");
            mb_str(&b, chat_room_name(room));
            mb_add(&b, r->key, r->key_len);
            mb_num(&b, chat_member_is_operator(m) ? 1 : 0);
            (void)mb_publish(cl, &b, false);
        }
        d.room = chat_room_name(room);
        chat_replay_history(cl->chat, room, dump_history_line, &d);
    }
    dump_start(&d, &b, "dump-end");
    (void)mb_publish(cl, &b, false);
}

/* The snapshot is about to replace what we know of others: every local
 * user leaves its rooms (its re-announced joins follow), others' users go. */
static void begin_loading(cluster *cl, bool snapshot)
{
    size_t pos = 0;
    chat_user *u;
    held_msg h;
    while (snapshot && cl->held_before_request > 0 && list_pop(&cl->held, &h)) {
        free(h.data);
        cl->held_before_request--;
    }
    remove_remote_users(cl, NULL, true);
    while ((u = chat_user_walk(cl->chat, &pos)) != NULL)
        chat_drop_memberships(cl->chat, u);
    cl->dump_begun = true;
}

/* Part of the snapshot we asked for; true at its end. */
static bool apply_dump(cluster *cl, const cluster_msg *m, uint64_t now)
{
    const cluster_field *f = m->fields;
    char a[CHAT_IDENT_MAX_BYTES + 1], b2[CHAT_HOST_MAX_BYTES + 1], c[CHAT_REALNAME_MAX_BYTES + 1],
        label[CLUSTER_NODE_MAX + 16];
    if (cl->phase != PHASE_LOADING || m->nfields < 4 || !field_eq(&f[2], cl->node) ||
        field_num(&f[3]) != (long long)cl->reqid)
        return false;
    if (!cl->responder[0])
        field_str(&f[0], cl->responder, sizeof cl->responder);
    if (!field_eq(&f[0], cl->responder))
        return false; /* another node's answer: one is enough */
    if (!cl->dump_begun)
        begin_loading(cl, true);
    if (strcmp(m->kind, "dump-user") == 0 && m->nfields >= 10) {
        if (find_rec(cl, &f[4]))
            return false;
        const char *slash = memchr(f[4].data, '/', f[4].len);
        size_t node_len = slash ? (size_t)(slash - f[4].data) : f[4].len;
        /* Ours from before (the others still had it): announced again below. */
        if (node_len == strlen(cl->node) && memcmp(f[4].data, cl->node, node_len) == 0)
            return false;
        saw_node(cl, f[4].data, node_len, now);
        snprintf(label, sizeof label, "%.*s", (int)node_len, f[4].data);
        chat_user *holder = chat_find_user(cl->chat, f[5].data, f[5].len);
        if (holder && !chat_user_is_remote(holder))
            give_way(cl, holder); /* in the cluster before us */
        chat_result err;
        chat_user *u = chat_user_add_remote(
            cl->chat, f[5].data, f[5].len, field_str(&f[6], a, sizeof a),
            field_str(&f[7], b2, sizeof b2), field_str(&f[8], c, sizeof c), label, &err);
        if (!u)
            return false;
        user_rec *r = add_rec(cl, u, f[4].data, f[4].len);
        if (!r) {
            chat_user_drop(cl->chat, u);
            return false;
        }
        r->announced = true;
        if (f[9].len > 0) {
            chat_op away = {CHAT_OP_AWAY, u, NULL, 0, NULL, 0, NULL, f[9].data, f[9].len, false};
            (void)chat_apply(cl->chat, &away);
        }
        cl->dump_users++;
    } else if (strcmp(m->kind, "dump-room") == 0 && m->nfields >= 10) {
        char setter[NAME_MAX_BYTES + 1];
        (void)chat_load_room(cl->chat, f[4].data, f[4].len, f[5].data, f[5].len,
                             field_str(&f[6], setter, sizeof setter), (int64_t)field_num(&f[7]),
                             field_eq(&f[8], "1"), (int64_t)field_num(&f[9]));
        cl->dump_rooms++;
    } else if (strcmp(m->kind, "dump-member") == 0 && m->nfields >= 7) {
        chat_room *room = chat_find_room(cl->chat, f[4].data, f[4].len);
        user_rec *r = find_rec(cl, &f[5]);
        if (room && r)
            (void)chat_load_member(cl->chat, room, r->u, field_eq(&f[6], "1"));
    } else if (strcmp(m->kind, "dump-hist") == 0 && m->nfields >= 9) {
        char name[NAME_MAX_BYTES + 1];
        chat_room *room = chat_find_room(cl->chat, f[4].data, f[4].len);
        if (room)
            chat_load_history(cl->chat, room, (chat_event_kind)field_num(&f[5]),
                              (int64_t)field_num(&f[6]), field_str(&f[7], name, sizeof name),
                              f[8].data, f[8].len);
    } else if (strcmp(m->kind, "dump-end") == 0) {
        cl_log(cl, "cluster: in step with the cluster (state from node %s: %zu users, %zu rooms)",
               cl->responder, cl->dump_users, cl->dump_rooms);
        return true;
    }
    return false;
}

static void apply_message(cluster *cl, const char *data, size_t len, uint64_t now);

/* Loading is over (a snapshot, or nobody answered): apply what was held. */
static void finish_loading(cluster *cl, uint64_t now)
{
    held_msg h;
    if (!cl->dump_begun)
        begin_loading(cl, false);
    cl->phase = PHASE_SYNCED;
    if (cl->told_down)
        chat_notify_local(cl->chat, say_back);
    cl->told_down = false;
    cl->ever_synced = true;
    while (list_pop(&cl->held, &h)) {
        apply_message(cl, h.data, h.len, now);
        free(h.data);
        if (cl->phase != PHASE_SYNCED)
            break; /* a resync started: the rest is old */
    }
    if (cl->phase != PHASE_SYNCED)
        list_clear(&cl->held);
}

/* A message from the channel (or one of ours carried out after a loss). */
static void apply_message(cluster *cl, const char *data, size_t len, uint64_t now)
{
    cluster_msg m;
    char err[120];
    chat_op_kind kind;
    if (cluster_msg_decode(data, len, &m, err, sizeof err) != 0 || m.nfields < 2) {
        cl_log(cl, "cluster: ignored a message: %s", err);
        return;
    }
    bool own = field_eq(&m.fields[0], cl->node);
    if (!own)
        saw_node(cl, m.fields[0].data, m.fields[0].len, now);

    if (strcmp(m.kind, "sync-req") == 0) {
        if (m.nfields < 3)
            return;
        if (own && cl->phase == PHASE_AWAIT_REQUEST &&
            field_num(&m.fields[2]) == (long long)cl->reqid) {
            cl->phase = PHASE_LOADING;
            cl->held_before_request = cl->held.count;
            cl->sync_deadline_ms = now + SYNC_WAIT_MS;
        } else if (!own && cl->phase == PHASE_SYNCED) {
            send_dump(cl, &m.fields[0], &m.fields[2]);
        }
        return;
    }
    if (strncmp(m.kind, "dump-", 5) == 0) {
        if (apply_dump(cl, &m, now))
            finish_loading(cl, now);
        return;
    }
    /* Others' messages are held while we link. Those before our request
     * are in the snapshot, if one comes (begin_loading drops them); if no
     * node answers, nobody was in step and all of them are applied. Ours
     * before the request are carried out as usual. */
    if (cl->phase == PHASE_AWAIT_REQUEST && !own) {
        (void)list_push(&cl->held, data, len);
        return;
    }
    if (cl->phase == PHASE_LOADING) {
        (void)list_push(&cl->held, data, len);
        return;
    }
    if (own)
        own_applied(cl, &m);
    if (strcmp(m.kind, "alive") == 0)
        return;
    if (strcmp(m.kind, "lost") == 0) {
        apply_lost(cl, &m, own);
        return;
    }
    if (!word_op(m.kind, &kind))
        return; /* a newer node's kind: not ours to understand */
    if (kind == CHAT_OP_REGISTER)
        apply_user(cl, &m, own, now);
    else
        apply_user_op(cl, &m, kind);
}

/* ---- the link's events ------------------------------------------------------------ */

static void on_message(void *ctx, const char *data, size_t len)
{
    cluster *cl = ctx;
    apply_message(cl, data, len, cl->now_ms);
}

/* Ask the cluster for its state and announce our users. */
static void start_sync(cluster *cl, bool say_lost_self)
{
    msg_builder b;
    size_t pos = 0;
    chat_user *u;

    list_clear(&cl->held);
    cl->held_before_request = 0;
    cl->responder[0] = '\0';
    cl->dump_begun = false;
    cl->dump_users = cl->dump_rooms = 0;
    /* Copies of our users that others may hold (from before the link went,
     * or from this node's previous run) go first; ours are announced anew. */
    mb_start(cl, &b, "lost");
    mb_str(&b, cl->node);
    mb_str(&b, say_lost_self ? "server link down" : "server restarted");
    (void)mb_publish(cl, &b, false);
    mb_start(cl, &b, "sync-req");
    mb_num(&b, (long long)++cl->reqid);
    if (!mb_publish(cl, &b, false))
        return;
    cl->phase = PHASE_AWAIT_REQUEST;
    while ((u = chat_user_walk(cl->chat, &pos)) != NULL)
        if (!chat_user_is_remote(u) && !chat_user_is_ghost(u))
            announce_user(cl, u, false);
}

static void on_up(void *ctx)
{
    cluster *cl = ctx;
    cl_log(cl, "cluster: node %s joining the cluster", cl->node);
    start_sync(cl, cl->ever_synced);
}

/* The link is gone: what we published and did not see again is carried out
 * here, others' users go, ghosts go, and everyone is told once. */
static void on_down(void *ctx, const char *why)
{
    cluster *cl = ctx;
    held_msg h;
    (void)why;
    bool was = cl->phase != PHASE_OFFLINE;
    cl->phase = PHASE_OFFLINE;
    list_clear(&cl->held);
    while (list_pop(&cl->own_ops, &h)) {
        /* Applied as if it had come back: the model is ours alone now. */
        cluster_msg m;
        char err[80];
        chat_op_kind kind;
        if (cluster_msg_decode(h.data, h.len, &m, err, sizeof err) == 0 && m.nfields >= 3 &&
            word_op(m.kind, &kind)) {
            if (kind == CHAT_OP_REGISTER)
                apply_user(cl, &m, true, 0);
            else
                apply_user_op(cl, &m, kind);
        }
        free(h.data);
    }
    remove_remote_users(cl, "server link down", false);
    remove_users(cl, PICK_GHOSTS, NULL, 0, "connection closed", false);
    cl->node_count = 0;
    if (was && !cl->told_down && !cl->shutting_down) {
        chat_notify_local(cl->chat, say_down);
        cl->told_down = true;
    }
}

static void on_link_log(void *ctx, const char *line)
{
    cluster *cl = ctx;
    cl_log(cl, "%s", line);
}

/* ---- lifetime and the loop -------------------------------------------------------- */

cluster *cluster_create(chat *c, const cluster_config *cfg, cluster_log_fn *log, void *log_ctx,
                        uint64_t now_ms, char *err, size_t err_len)
{
    if (!redis_link_available()) {
        snprintf(err, err_len, "cluster mode is not available in this build");
        return NULL;
    }
    if (!cfg->node || !cfg->node[0] || strlen(cfg->node) > CLUSTER_NODE_MAX ||
        strchr(cfg->node, '/') || strchr(cfg->node, ' ')) {
        snprintf(err, err_len, "bad node name '%s' (1 to %d characters, no '/' or spaces)",
                 cfg->node ? cfg->node : "", CLUSTER_NODE_MAX);
        return NULL;
    }
    cluster *cl = calloc(1, sizeof *cl);
    if (!cl) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    cl->chat = c;
    snprintf(cl->node, sizeof cl->node, "%s", cfg->node);
    snprintf(cl->channel, sizeof cl->channel, "natter:cluster:%d", cfg->db);
    cl->lease_ms = cfg->lease_ms ? cfg->lease_ms : CLUSTER_DEFAULT_LEASE_MS;
    cl->log = log;
    cl->log_ctx = log_ctx;
    cl->phase = PHASE_OFFLINE;
    cl->next_alive_ms = now_ms;
    cl->now_ms = now_ms;
    cl->boot = (unsigned long long)clock_wall_seconds() * 1000u + (now_ms % 1000u);
    name_map_init(&cl->keys);

    redis_link_config lc = {0};
    lc.address = cfg->address;
    lc.port = cfg->port;
    lc.password = cfg->password;
    lc.db = cfg->db;
    lc.channel = cl->channel;
    lc.max_pending = 16 * 1024 * 1024; /* a snapshot goes out in one pass */
    redis_link_handler h = {cl, on_up, on_down, on_message, on_link_log};
    cl->link = redis_link_create(&lc, &h, now_ms, err, err_len);
    if (!cl->link) {
        cluster_destroy(cl);
        return NULL;
    }
    chat_relay relay = {cl, relay_publish, relay_forget};
    chat_set_relay(c, &relay);
    return cl;
}

void cluster_destroy(cluster *cl)
{
    if (!cl)
        return;
    chat_set_relay(cl->chat, NULL);
    /* The users stay in the model (it is freed next); their records go,
     * pending users' included (they are not in the model's name map). */
    for (size_t i = 0; i < cl->keys.cap; i++) {
        user_rec *r = cl->keys.slots[i].key ? (user_rec *)cl->keys.slots[i].value : NULL;
        if (r) {
            chat_user_set_cluster_data(r->u, NULL);
            free(r);
        }
    }
    redis_link_destroy(cl->link);
    list_clear(&cl->own_ops);
    list_clear(&cl->held);
    free(cl->own_ops.items);
    free(cl->held.items);
    free(cl->nodes);
    name_map_free(&cl->keys);
    tb_free(&cl->out);
    free(cl);
}

void cluster_add_to_poll(cluster *cl, net_poll *p)
{
    redis_link_add_to_poll(cl->link, p);
}

static void check_leases(cluster *cl, uint64_t now)
{
    for (size_t i = 0; i < cl->node_count; i++) {
        node_rec *n = &cl->nodes[i];
        if (n->declared_lost || now - n->last_seen_ms < cl->lease_ms)
            continue;
        msg_builder b;
        mb_start(cl, &b, "lost");
        mb_str(&b, n->name);
        mb_str(&b, "server lost");
        if (mb_publish(cl, &b, false)) {
            n->declared_lost = true;
            cl_log(cl, "cluster: no word from node %s for %.1f s; declaring it lost", n->name,
                   (double)cl->lease_ms / 1000.0);
        }
    }
}

void cluster_service(cluster *cl, const net_poll *p, uint64_t now_ms)
{
    /* Messages are applied inside the link's service; they need the time. */
    cl->now_ms = now_ms;
    redis_link_service(cl->link, p, now_ms);
    if (cl->phase == PHASE_OFFLINE || cl->shutting_down)
        return;
    if (cl->phase == PHASE_LOADING && !cl->responder[0] && now_ms >= cl->sync_deadline_ms) {
        cl_log(cl, "cluster: no other node answered; this is the first node of the cluster");
        finish_loading(cl, now_ms);
    }
    if (now_ms >= cl->next_alive_ms) {
        msg_builder b;
        mb_start(cl, &b, "alive");
        (void)mb_publish(cl, &b, false);
        cl->next_alive_ms = now_ms + cl->lease_ms / 3;
    }
    if (cl->phase == PHASE_SYNCED && now_ms >= cl->next_lease_check_ms) {
        check_leases(cl, now_ms);
        cl->next_lease_check_ms = now_ms + 500;
    }
}

uint64_t cluster_next_deadline(const cluster *cl)
{
    uint64_t d = redis_link_next_deadline(cl->link);
    if (cl->phase == PHASE_OFFLINE || cl->shutting_down)
        return d;
    if (cl->next_alive_ms < d)
        d = cl->next_alive_ms;
    if (cl->phase == PHASE_LOADING && !cl->responder[0] && cl->sync_deadline_ms < d)
        d = cl->sync_deadline_ms;
    if (cl->phase == PHASE_SYNCED && cl->node_count > 0 && cl->next_lease_check_ms < d)
        d = cl->next_lease_check_ms;
    return d;
}

void cluster_shutdown(cluster *cl)
{
    if (cl->phase != PHASE_OFFLINE) {
        msg_builder b;
        mb_start(cl, &b, "lost");
        mb_str(&b, cl->node);
        mb_str(&b, "server shut down");
        (void)mb_publish(cl, &b, false);
    }
    cl->shutting_down = true;
    /* Nothing is published any more, but users still leave (their keys go). */
    chat_relay relay = {cl, NULL, relay_forget};
    chat_set_relay(cl->chat, &relay);
}

bool cluster_has_output(const cluster *cl)
{
    return redis_link_has_output(cl->link);
}

bool cluster_in_sync(const cluster *cl)
{
    return cl->phase == PHASE_SYNCED;
}
