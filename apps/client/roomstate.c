/* roomstate.c - the client's own name, current room and history state,
 * read from server lines (see roomstate.h). Only lines the server writes
 * itself are trusted here: a peer's chat text always comes after "<NAME> "
 * or "* NAME ", so it can never look like one of these notices. */
#include "apps/client/roomstate.h"

#include <stdio.h>
#include <string.h>

#include "apps/client/format.h"

void roomstate_init(room_state *r)
{
    memset(r, 0, sizeof *r);
}

/* Copy s[0, n) into out (cap bytes with the NUL), cut on a UTF-8 character
 * boundary so a long name never leaves half a character in the prompt. */
static void copy_cut(char *out, size_t cap, const char *s, size_t n)
{
    if (n > cap - 1) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

bool roomstate_accept_name(room_state *r, const char *s, size_t n)
{
    static const char you[] = "*** You are ";
    size_t end;

    if (!chat_starts_with(s, n, you))
        return false;
    s += strlen(you);
    n -= strlen(you);
    /* The name ends at the first ". ": names may hold '.', but never a
     * space, so "bob.. 3 user(s)" is "bob.". A bare "*** You are NAME."
     * ends with the dot. */
    end = chat_find(s, n, ". ");
    if (end == n && n > 0 && s[n - 1] == '.')
        end = n - 1;
    copy_cut(r->name, sizeof r->name, s, end);
    return true;
}

/* "[T] *** OLD is now known as NEW" (a v2 room tag before "***" is
 * accepted too): our own rename. */
static bool renamed(room_state *r, const char *s, size_t n)
{
    static const char mid[] = " is now known as ";
    size_t stamp = chat_timestamp_length(s, n), tag, at;

    if (stamp == 0 || !r->name[0])
        return false;
    s += stamp;
    n -= stamp;
    tag = chat_room_tag_length(s, n);
    if (tag > 0) {
        s += tag + 1;
        n -= tag + 1;
    }
    if (!chat_starts_with(s, n, "*** "))
        return false;
    s += 4;
    n -= 4;
    at = chat_find(s, n, mid);
    if (at == n || !chat_same_name(s, at, r->name, strlen(r->name)))
        return false;
    s += at + strlen(mid);
    n -= at + strlen(mid);
    if (n == 0)
        return false;
    copy_cut(r->name, sizeof r->name, s, n);
    return true;
}

/* "*** Now talking in #rust." or "*** Now talking in no room. ...". */
static bool room_changed(room_state *r, const char *s, size_t n)
{
    static const char now[] = "*** Now talking in ";
    char room[ROOMSTATE_ROOM_MAX + 1];
    size_t end;

    if (!chat_starts_with(s, n, now))
        return false;
    s += strlen(now);
    n -= strlen(now);
    room[0] = '\0';
    if (n > 1 && s[0] == '#') {
        end = chat_find(s, n, " ");
        if (s[end - 1] == '.')
            end--;
        copy_cut(room, sizeof room, s, end);
    }
    if (strcmp(room, r->room) == 0)
        return false;
    memcpy(r->room, room, sizeof room);
    return true;
}

int roomstate_line(room_state *r, const char *s, size_t n)
{
    int flags = 0;

    if (chat_starts_with(s, n, "*** History of #")) {
        r->in_history = true;
        return 0;
    }
    if (chat_starts_with(s, n, "*** End of history of ")) {
        r->in_history = false;
        return 0;
    }
    if (r->in_history) {
        /* A history that never ends must not dim the chat for good: the
         * server says "Now talking in" right after every join. */
        if (!chat_starts_with(s, n, "*** Now talking in "))
            return ROOMSTATE_DIM;
        r->in_history = false;
    }
    if (room_changed(r, s, n) || renamed(r, s, n))
        flags |= ROOMSTATE_PROMPT;
    return flags;
}

void roomstate_prompt(const room_state *r, char *out, size_t len)
{
    if (r->room[0])
        snprintf(out, len, "%s %s> ", r->name, r->room);
    else
        snprintf(out, len, "%s> ", r->name);
}
