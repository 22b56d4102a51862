/* roomstate.h - what the client knows about where it is: its own name
 * (followed through renames), the room it talks in (protocol v2's
 * "*** Now talking in #room.") and whether the lines arriving are a room's
 * history. It is fed one sanitised server line at a time and does no I/O,
 * so tests drive it with lines. v1 lines work too: with no room ever
 * named, the prompt stays "NAME> ". */
#ifndef NATTER_APPS_CLIENT_ROOMSTATE_H
#define NATTER_APPS_CLIENT_ROOMSTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/names.h"

#define ROOMSTATE_ROOM_MAX   128  /* bytes of a room name kept; longer is cut */
#define ROOMSTATE_PROMPT_MAX (NAME_MAX_BYTES + ROOMSTATE_ROOM_MAX + 4)

/* What roomstate_line() found. */
#define ROOMSTATE_PROMPT 1   /* the name or the room changed: new prompt */
#define ROOMSTATE_DIM    2   /* the line is history: show it dimmed */

typedef struct room_state {
    char name[NAME_MAX_BYTES + 1];     /* "" until the server accepted one */
    char room[ROOMSTATE_ROOM_MAX + 1]; /* "#rust", or "" for no room */
    bool in_history;                   /* between "History of" and "End of history" */
} room_state;

void roomstate_init(room_state *r);

/* "*** You are NAME. ..." (v1's "Online (K): ..." or v2's "K user(s)
 * online in R room(s). ..." after it): take NAME. Returns false, changing
 * nothing, when s is not such a line. */
bool roomstate_accept_name(room_state *r, const char *s, size_t n);

/* One line from the server once named: follows our own renames, room
 * changes and history. Returns ROOMSTATE_* flags. */
int roomstate_line(room_state *r, const char *s, size_t n);

/* The chat prompt, "alice #rust> " or "alice> ", into out (at least
 * ROOMSTATE_PROMPT_MAX bytes). */
void roomstate_prompt(const room_state *r, char *out, size_t len);

#endif
