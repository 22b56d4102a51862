/* format.h - how the client shows a line from the server: the protocol's
 * line shapes ("[HH:MM:SS] <NAME> TEXT", "* NAME TEXT", "*FROM* TEXT",
 * "-> *TO* TEXT", "*** notice", "! error", and v2's room tag after the time:
 * "[HH:MM:SS] #room <NAME> TEXT") picked apart and coloured with SGR
 * sequences. Kept apart from the event loop so tests can check it. */
#ifndef NATTER_APPS_CLIENT_FORMAT_H
#define NATTER_APPS_CLIENT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buffer.h"

/* s[0, n) begins with prefix. */
bool chat_starts_with(const char *s, size_t n, const char *prefix);

/* Position of needle in s[0, n), or n when it is not there. */
size_t chat_find(const char *s, size_t n, const char *needle);

/* Names are the same ignoring ASCII case, as the server compares them. */
bool chat_same_name(const char *a, size_t an, const char *b, size_t bn);

/* Length of the time prefix s starts with, its space included: 11 for
 * "[HH:MM:SS] ", 22 for "[YYYY-MM-DD HH:MM:SS] " (v2 history from an
 * earlier day), 0 when there is none. */
size_t chat_timestamp_length(const char *s, size_t n);

/* s starts with either form of time prefix. */
bool chat_has_timestamp(const char *s, size_t n);

/* Length of the v2 room tag ("#room", without the space after it) that
 * s[0, n) starts with, or 0. s is what follows the time prefix. */
size_t chat_room_tag_length(const char *s, size_t n);

/* The SGR colour ("32", "94", ...) of a name: a stable hash, so a name
 * has the same colour in every client. Never red (kept for errors). */
const char *chat_name_colour(const char *name, size_t n);

/* The SGR colour of a room tag ("#rust"): a hash of the tag with ASCII
 * case folded, over a palette of its own. Never red. */
const char *chat_room_colour(const char *room, size_t n);

/* How a line is to be shown. */
typedef struct chat_look {
    const char *own_name;   /* shown bold; NULL or "" when not known */
    bool colour;            /* false: the line is copied as it is */
    bool dim;               /* the whole line faint (history), colours kept */
} chat_look;

/* Append the (already sanitised) line s to out, without a line end. With
 * colour: each name in its colour, own_name's in bold, room tags in their
 * colour, notices and timestamps dimmed, errors red; with dim as well,
 * everything faint. Returns 0, or -1 when memory runs out. */
int chat_format(byte_queue *out, const char *s, size_t n, const chat_look *look);

/* chat_format() without dimming. */
int chat_format_line(byte_queue *out, const char *s, size_t n, const char *own_name,
                     bool colour);

#endif
