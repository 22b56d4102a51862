/* format.h - how the client shows a line from the server: the protocol's
 * line shapes ("[HH:MM:SS] <NAME> TEXT", "* NAME TEXT", "*FROM* TEXT",
 * "-> *TO* TEXT", "*** notice", "! error") picked apart and coloured with
 * SGR sequences. Kept apart from the event loop so tests can check it. */
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

/* s starts with "[HH:MM:SS] ". */
bool chat_has_timestamp(const char *s, size_t n);

/* The SGR colour ("32", "94", ...) of a name: a stable hash, so a name
 * has the same colour in every client. Never red (kept for errors). */
const char *chat_name_colour(const char *name, size_t n);

/* Append the (already sanitised) line s to out, without a line end. With
 * colour: each name in its colour, own_name's in bold, notices and
 * timestamps dimmed, errors red. Returns 0, or -1 when memory runs out. */
int chat_format_line(byte_queue *out, const char *s, size_t n, const char *own_name,
                     bool colour);

#endif
