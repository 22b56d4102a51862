/* chat.c - the chat model's users: registration, unique names, renames,
 * quitting, private messages, and the delivery of events to recipients.
 * Rooms live in chat_room.c. See chat.h for the contract with front-ends. */
#include "core/chat_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

static void set_host_from_label(chat_user *u);

/* ---- configuration and lifetime -------------------------------------- */

void chat_config_defaults(chat_config *cfg)
{
    cfg->max_rooms = CHAT_DEFAULT_MAX_ROOMS;
    cfg->history = CHAT_DEFAULT_HISTORY;
    cfg->open_topic = false;
    cfg->default_room = CHAT_DEFAULT_ROOM;
    cfg->show_hosts = false;
}

chat *chat_create(const chat_config *cfg, const chat_ops *ops)
{
    chat *c;
    const char *def = cfg->default_room ? cfg->default_room : CHAT_DEFAULT_ROOM;

    if (chat_check_room_name(def, strlen(def)) != NAME_OK)
        return NULL;
    c = (chat *)calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cfg = *cfg;
    if (c->cfg.max_rooms < 1)
        c->cfg.max_rooms = 1;
    c->ops = *ops;
    name_map_init(&c->users);
    name_map_init(&c->rooms);
    c->default_room = chat_room_create(c, def, strlen(def));
    if (!c->default_room) {
        chat_destroy(c);
        return NULL;
    }
    c->default_room->is_default = true;
    c->cfg.default_room = c->default_room->name;
    return c;
}

void chat_destroy(chat *c)
{
    size_t i;

    if (!c)
        return;
    /* Users are reached through the name map (pending ones through their
     * list); rooms free the members. */
    for (i = 0; i < c->users.cap; i++)
        if (c->users.slots[i].key) {
            chat_user *u = (chat_user *)c->users.slots[i].value;
            free(u->away);
            free(u);
        }
    while (c->pending_head) {
        chat_user *u = c->pending_head;
        c->pending_head = u->pending_next;
        free(u->away);
        free(u);
    }
    chat_rooms_free(c);
    name_map_free(&c->users);
    name_map_free(&c->rooms);
    tb_free(&c->text);
    tb_free(&c->log);
    free(c);
}

void chat_shutdown(chat *c)
{
    c->shutting_down = true;
}

bool chat_is_shutting_down(const chat *c)
{
    return c->shutting_down;
}

int64_t chat_now(const chat *c)
{
    return c->ops.now ? c->ops.now(c->ops.ctx) : 0;
}

/* ---- internal helpers ------------------------------------------------- */

static void silent_deliver(void *ctx, void *session, const chat_user *to, const chat_event *ev)
{
    (void)ctx;
    (void)session;
    (void)to;
    (void)ev;
}

const chat_sink chat_silent_sink = {NULL, silent_deliver, NULL, NULL, NULL, NULL};

bool chat_relayed(chat *c, const chat_op *op)
{
    if (!c->relay.publish || c->applying || op->actor->remote || op->actor->ghost)
        return false;
    return c->relay.publish(c->relay.ctx, op);
}

void chat_user_free(chat *c, chat_user *u)
{
    if (c->relay.forget)
        c->relay.forget(c->relay.ctx, u);
    free(u->away);
    free(u);
}

chat_event chat_event_begin(chat *c, chat_event_kind kind)
{
    chat_event ev;

    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.seq = ++c->seq;
    ev.time = chat_now(c);
    ev.text = "";
    return ev;
}

void chat_deliver(chat *c, chat_user *to, const chat_event *ev)
{
    (void)c;
    to->sink.deliver(to->sink.ctx, to->session, to, ev);
}

void chat_deliver_room(chat *c, chat_room *r, const chat_event *ev)
{
    chat_member *m;

    for (m = r->head; m; m = m->room_next)
        chat_deliver(c, m->user, ev);
}

/* Deliver to everyone who shares at least one room with u, once each, and to
 * u itself when include_self. The mark epoch makes "once" O(1) per member
 * without a set to allocate. Rooms are walked smallest first, so ev.via is
 * the smallest room each recipient shares with u. */
static void deliver_sharing(chat *c, chat_user *u, const chat_event *ev, bool include_self)
{
    chat_room *rooms[CHAT_MAX_ROOMS_PER_USER];
    size_t n = 0, i, j;
    chat_member *mine, *m;
    chat_event copy = *ev;
    uint64_t epoch = ++c->mark_epoch;

    for (mine = u->rooms_head; mine && n < CHAT_MAX_ROOMS_PER_USER; mine = mine->user_next) {
        /* Insertion sort by size: a user is in at most 100 rooms. */
        for (j = n; j > 0 && rooms[j - 1]->member_count > mine->room->member_count; j--)
            rooms[j] = rooms[j - 1];
        rooms[j] = mine->room;
        n++;
    }
    u->mark = epoch;
    if (include_self) {
        copy.via = NULL;
        chat_deliver(c, u, &copy);
    }
    for (i = 0; i < n; i++) {
        copy.via = rooms[i];
        for (m = rooms[i]->head; m; m = m->room_next)
            if (m->user->mark != epoch) {
                m->user->mark = epoch;
                chat_deliver(c, m->user, &copy);
            }
    }
}

/* Log the NULL-terminated list of strings as one line. */
void chat_log(chat *c, int kind, ...)
{
    va_list ap;
    const char *part;

    if (!c->ops.log)
        return;
    tb_reset(&c->log);
    va_start(ap, kind);
    while ((part = va_arg(ap, const char *)) != NULL)
        tb_puts(&c->log, part);
    va_end(ap);
    if (tb_ok(&c->log))
        c->ops.log(c->ops.ctx, kind, c->log.data);
}

bool chat_sanitize(chat *c, const char *text, size_t len, size_t max)
{
    tb_reset(&c->text);
    tb_append_sanitized(&c->text, text, len);
    if (!tb_ok(&c->text))
        return false;
    if (max > 0 && c->text.len > max) {
        size_t cut = max;
        /* Back up to the start of a code point. */
        while (cut > 0 && ((unsigned char)c->text.data[cut] & 0xC0) == 0x80)
            cut--;
        c->text.len = cut;
        c->text.data[cut] = '\0';
    }
    return true;
}

/* ---- users ------------------------------------------------------------ */

chat_result chat_check_name(const chat *c, const chat_user *self, const char *name, size_t len,
                            name_status *status)
{
    name_status st = name_check(name, len);
    chat_user *holder;

    if (status)
        *status = st;
    if (st != NAME_OK)
        return CHAT_ERR_BAD_NAME;
    holder = chat_find_user(c, name, len);
    if (holder && holder != self)
        return CHAT_ERR_NAME_TAKEN;
    return CHAT_OK;
}

chat_user *chat_user_add(chat *c, const char *name, size_t len, const chat_sink *sink,
                         void *session, const char *label, chat_result *err)
{
    return chat_user_add_ex(c, name, len, sink, session, label, NULL, NULL, err);
}

static void pending_unlink(chat *c, chat_user *u)
{
    if (u->pending_prev)
        u->pending_prev->pending_next = u->pending_next;
    else
        c->pending_head = u->pending_next;
    if (u->pending_next)
        u->pending_next->pending_prev = u->pending_prev;
    u->pending_prev = u->pending_next = NULL;
    u->pending = false;
}

/* Put a new user in the name map and count it. */
static chat_result user_register(chat *c, chat_user *u)
{
    if (name_map_put(&c->users, u->name, u->name_len, u) != 0)
        return CHAT_ERR_NO_MEMORY;
    c->user_count++;
    chat_log(c, CHAT_LOG_EVENT, "register ", u->name, " (", u->label, ")", (const char *)NULL);
    return CHAT_OK;
}

chat_user *chat_user_add_ex(chat *c, const char *name, size_t len, const chat_sink *sink,
                            void *session, const char *label, const char *ident,
                            const char *realname, chat_result *err)
{
    chat_result r = chat_check_name(c, NULL, name, len, NULL);
    size_t label_len;
    chat_user *u;

    if (!label)
        label = "?";
    label_len = strlen(label);
    if (r != CHAT_OK) {
        *err = r;
        return NULL;
    }
    /* The log label lives right after the user: one allocation. */
    u = (chat_user *)calloc(1, sizeof *u + label_len + 1);
    if (!u) {
        *err = CHAT_ERR_NO_MEMORY;
        return NULL;
    }
    memcpy((char *)(u + 1), label, label_len + 1);
    u->label = (const char *)(u + 1);
    memcpy(u->name, name, len);
    u->name[len] = '\0';
    u->name_len = len;
    u->sink = *sink;
    u->session = session;
    chat_user_set_details(u, ident, NULL, realname);
    if (c->cfg.show_hosts)
        set_host_from_label(u);
    /* Cluster mode: the name is the cluster's to give; wait for our turn. */
    if (c->relay.publish && !c->applying) {
        chat_op op = {CHAT_OP_REGISTER, u, NULL, 0, u->name, u->name_len, NULL, "", 0, false};
        u->pending = true;
        u->pending_next = c->pending_head;
        if (c->pending_head)
            c->pending_head->pending_prev = u;
        c->pending_head = u;
        if (chat_relayed(c, &op)) {
            *err = CHAT_PENDING;
            return u;
        }
        pending_unlink(c, u);
    }
    r = user_register(c, u);
    if (r != CHAT_OK) {
        chat_user_free(c, u);
        *err = r;
        return NULL;
    }
    *err = CHAT_OK;
    return u;
}

chat_result chat_user_confirm(chat *c, chat_user *u)
{
    chat_result r;

    if (!u->pending)
        return CHAT_OK;
    pending_unlink(c, u);
    r = chat_check_name(c, NULL, u->name, u->name_len, NULL);
    if (r == CHAT_OK)
        r = user_register(c, u);
    if (r != CHAT_OK) {
        if (u->sink.refused)
            u->sink.refused(u->sink.ctx, u->session, u, CHAT_OP_REGISTER, r, u->name);
        chat_user_free(c, u);
        return r;
    }
    if (u->sink.registered)
        u->sink.registered(u->sink.ctx, u->session, u);
    return CHAT_OK;
}

chat_user *chat_user_add_remote(chat *c, const char *name, size_t len, const char *ident,
                                const char *host, const char *realname, const char *label,
                                chat_result *err)
{
    bool was = c->applying;
    chat_user *u;

    c->applying = true;
    u = chat_user_add_ex(c, name, len, &chat_silent_sink, NULL, label, ident, realname, err);
    c->applying = was;
    if (u) {
        u->remote = true;
        if (host)
            chat_user_set_details(u, ident, host, realname);
    }
    return u;
}

chat_result chat_user_rename(chat *c, chat_user *u, const char *name, size_t len)
{
    char old[NAME_MAX_BYTES + 1];
    chat_result r = chat_check_name(c, u, name, len, NULL);
    chat_event ev;

    if (r != CHAT_OK)
        return r;
    {
        chat_op op = {CHAT_OP_RENAME, u, NULL, 0, name, len, NULL, "", 0, false};
        if (chat_relayed(c, &op))
            return CHAT_PENDING;
    }
    memcpy(old, u->name, u->name_len + 1);
    name_map_remove(&c->users, u->name, u->name_len);
    memcpy(u->name, name, len);
    u->name[len] = '\0';
    u->name_len = len;
    /* The old entry's slot is free, so this put cannot need to grow. */
    if (name_map_put(&c->users, u->name, u->name_len, u) != 0) {
        memcpy(u->name, old, strlen(old) + 1);
        u->name_len = strlen(old);
        (void)name_map_put(&c->users, u->name, u->name_len, u);
        return CHAT_ERR_NO_MEMORY;
    }
    ev = chat_event_begin(c, CHAT_RENAME);
    ev.actor = u;
    ev.actor_name = u->name;
    ev.old_name = old;
    deliver_sharing(c, u, &ev, true);
    chat_log(c, CHAT_LOG_EVENT, "rename ", old, " -> ", u->name, " (", u->label, ")",
             (const char *)NULL);
    return CHAT_OK;
}

void chat_user_remove(chat *c, chat_user *u, const char *reason, const char *text, size_t len)
{
    if (!reason)
        reason = "connection closed";
    {
        /* Cluster mode: others may already know a pending user (their copy
         * goes with this QUIT); a registered one stays, as a ghost, until its
         * QUIT comes back in the cluster's order. */
        chat_op op = {CHAT_OP_QUIT, u, NULL, 0, NULL, 0, reason, text ? text : "", len, false};
        bool published = !c->shutting_down && chat_relayed(c, &op);
        if (u->pending) {
            pending_unlink(c, u);
            chat_user_free(c, u);
            return;
        }
        if (published) {
            u->ghost = true;
            u->sink = chat_silent_sink;
            u->session = NULL;
            return;
        }
    }
    if (!c->shutting_down && chat_sanitize(c, text, len, CHAT_REASON_MAX_BYTES)) {
        chat_event ev = chat_event_begin(c, CHAT_QUIT);
        ev.actor = u;
        ev.actor_name = u->name;
        ev.reason = reason;
        ev.text = c->text.data;
        ev.text_len = c->text.len;
        deliver_sharing(c, u, &ev, false);
    }
    /* The log says only the reason: quit words are chat, which --quiet hides. */
    chat_log(c, CHAT_LOG_EVENT, "leave ", u->name, " (", reason, ") (", u->label, ")",
             (const char *)NULL);
    while (u->rooms_head)
        chat_room_remove_member(c, u->rooms_head, !c->shutting_down);
    name_map_remove(&c->users, u->name, u->name_len);
    c->user_count--;
    chat_user_free(c, u);
}

chat_user *chat_find_user(const chat *c, const char *name, size_t len)
{
    return (chat_user *)name_map_get(&c->users, name, len);
}

const char *chat_user_name(const chat_user *u)
{
    return u->name;
}

size_t chat_user_name_len(const chat_user *u)
{
    return u->name_len;
}

/* Copy at most max bytes of s (cut at a character boundary) into out,
 * keeping only printable text: these strings go into IRC prefixes. */
static void copy_detail(char *out, size_t max, const char *s, bool spaces)
{
    size_t n = 0;

    while (s && *s) {
        /* A whole UTF-8 sequence, or nothing: a cut never leaves half a
         * character (the input is sanitised UTF-8 or ASCII). */
        size_t len = 1;
        unsigned char c = (unsigned char)*s;
        if (c >= 0xC0)
            while (len < 4 && ((unsigned char)s[len] & 0xC0) == 0x80)
                len++;
        if (n + len > max)
            break;
        if ((c > 0x20 || (spaces && c == 0x20)) && c != 0x7F) {
            memcpy(out + n, s, len);
            n += len;
        }
        s += len;
    }
    out[n] = '\0';
}

/* "127.0.0.1:5000" -> "127.0.0.1", "[::1]:5000" -> "::1" (as IRC servers
 * show IPv6 hosts; a leading ':' would break the mask, so "0::1"). */
static void set_host_from_label(chat_user *u)
{
    const char *l = u->label, *end;
    size_t n = 0;

    if (l[0] == '[') {
        l++;
        end = strchr(l, ']');
    } else {
        end = strrchr(l, ':');
    }
    if (!end)
        end = l + strlen(l);
    if (l[0] == ':')
        u->host[n++] = '0';
    while (l < end && n < CHAT_HOST_MAX_BYTES)
        u->host[n++] = *l++;
    u->host[n] = '\0';
}

void chat_user_set_details(chat_user *u, const char *ident, const char *host, const char *realname)
{
    copy_detail(u->ident, CHAT_IDENT_MAX_BYTES, ident ? ident : u->name, false);
    if (host || !u->host[0])
        copy_detail(u->host, CHAT_HOST_MAX_BYTES, host ? host : "natter", false);
    /* A real name may hold spaces: only controls are dropped. */
    copy_detail(u->realname, CHAT_REALNAME_MAX_BYTES, realname ? realname : u->name, true);
    if (!u->ident[0])
        copy_detail(u->ident, CHAT_IDENT_MAX_BYTES, "user", false);
    if (!u->host[0])
        copy_detail(u->host, CHAT_HOST_MAX_BYTES, "natter", false);
}

const char *chat_user_ident(const chat_user *u)
{
    return u->ident;
}

const char *chat_user_host(const chat_user *u)
{
    return u->host;
}

const char *chat_user_realname(const chat_user *u)
{
    return u->realname;
}

const char *chat_user_label(const chat_user *u)
{
    return u->label;
}

void chat_user_set_away(chat *c, chat_user *u, const char *text, size_t len)
{
    chat_op op = {CHAT_OP_AWAY, u, NULL, 0, NULL, 0, NULL, text ? text : "", text ? len : 0, false};
    if (chat_relayed(c, &op))
        return;
    free(u->away);
    u->away = NULL;
    if (!text || len == 0 || !chat_sanitize(c, text, len, CHAT_AWAY_MAX_BYTES))
        return;
    u->away = (char *)malloc(c->text.len + 1);
    if (u->away)
        memcpy(u->away, c->text.data, c->text.len + 1);
}

const char *chat_user_away(const chat_user *u)
{
    return u->away;
}

void *chat_user_session(const chat_user *u)
{
    return u->session;
}

size_t chat_user_count(const chat *c)
{
    return c->user_count;
}

static chat_result send_private(chat *c, chat_event_kind kind, chat_user *from, chat_user *to,
                                const char *text, size_t len)
{
    chat_event ev;
    chat_op op = {kind == CHAT_PRIVATE ? CHAT_OP_PRIVATE : CHAT_OP_PRIVATE_NOTICE,
                  from,
                  NULL,
                  0,
                  to->name,
                  to->name_len,
                  NULL,
                  text,
                  len,
                  false};

    if (chat_relayed(c, &op))
        return CHAT_OK;
    if (!chat_sanitize(c, text, len, 0))
        return CHAT_ERR_NO_MEMORY;
    ev = chat_event_begin(c, kind);
    ev.actor = from;
    ev.actor_name = from->name;
    ev.target = to;
    ev.target_name = to->name;
    ev.text = c->text.data;
    ev.text_len = c->text.len;
    chat_deliver(c, to, &ev);
    if (to != from)
        chat_deliver(c, from, &ev);
    /* Private text stays private: only who wrote to whom is logged. */
    chat_log(c, CHAT_LOG_EVENT, kind == CHAT_PRIVATE ? "msg " : "notice ", from->name, " -> ",
             to->name, (const char *)NULL);
    return CHAT_OK;
}

chat_result chat_private(chat *c, chat_user *from, chat_user *to, const char *text, size_t len)
{
    return send_private(c, CHAT_PRIVATE, from, to, text, len);
}

chat_result chat_private_notice(chat *c, chat_user *from, chat_user *to, const char *text,
                                size_t len)
{
    return send_private(c, CHAT_PRIVATE_NOTICE, from, to, text, len);
}
