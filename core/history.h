/* history.h - the last N public lines of a room, replayed to whoever joins.
 *
 * Stored compactly: each entry is one packed record (time, kind, the
 * speaker's name as it was, the text) appended to a byte queue, so a room
 * uses the bytes its lines need, not N times the longest line. Past N
 * entries the oldest is dropped. Text is stored already sanitised. */
#ifndef NATTER_CORE_HISTORY_H
#define NATTER_CORE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buffer.h"

typedef struct history_entry {
    int kind;         /* a chat_event_kind: CHAT_SAY, CHAT_ACTION, CHAT_TOPIC */
    int64_t time;     /* seconds since the epoch, when it was first sent */
    const char *name; /* who said it (their name at the time) */
    size_t name_len;
    const char *text;
    size_t text_len;
} history_entry;

typedef struct room_history {
    byte_queue bytes;
    size_t count;
    size_t limit; /* 0: history off */
} room_history;

void history_init(room_history *h, size_t limit);
void history_free(room_history *h);

/* Returns 0, or -1 when memory runs out (the history is then unchanged). */
int history_add(room_history *h, const history_entry *e);

static inline size_t history_count(const room_history *h)
{
    return h->count;
}

/* Walk the entries oldest first: start with *pos = 0; false at the end.
 * The entry's pointers are valid until the history next changes. */
bool history_next(const room_history *h, size_t *pos, history_entry *out);

#endif
