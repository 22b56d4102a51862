/* names.h - what a valid user name is, and when two names are the same.
 *
 * 1-24 code points, at most 64 bytes; ASCII letters, digits, '_', '-', '.'
 * ('.' not first), and any non-ASCII character that is not whitespace or a
 * control character (zero-width, filler and bidi-control characters count as
 * invisible, so they are refused too). So "张三" and "José" are names;
 * "bob!", "a b" are not.
 * Names are unique ignoring ASCII case. Room names ("#rust") follow the
 * same character rules after their '#'. */
#ifndef NATTER_CORE_NAMES_H
#define NATTER_CORE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define NAME_MAX_CHARS 24
#define NAME_MAX_BYTES 64

/* Room names: '#' then 1-32 characters by the same rules, 64 bytes in all. */
#define ROOM_NAME_MAX_CHARS 32
#define ROOM_NAME_MAX_BYTES 64

typedef enum name_status {
    NAME_OK = 0,
    NAME_EMPTY,
    NAME_TOO_LONG,
    NAME_BAD_CHAR,
    NAME_BAD_START,
    NAME_BAD_UTF8,
    NAME_NO_HASH /* a room name without its leading '#' */
} name_status;

name_status name_check(const char *s, size_t len);
/* s includes the leading '#'. */
name_status room_name_check(const char *s, size_t len);

/* A sentence for the user, e.g. "Names may only contain letters, digits,
 * '_', '-' and '.' (not '!')." A printable ASCII bad character is quoted
 * from s; a space, control or invisible one is described instead (never
 * echoed raw). Writes into out (at least 128 bytes) and returns it. */
const char *name_status_message(name_status st, const char *s, size_t len, char *out,
                                size_t out_len);

/* The same for room names: "Room names may only contain ...". */
const char *room_name_status_message(name_status st, const char *s, size_t len, char *out,
                                     size_t out_len);

/* Equal ignoring ASCII case (non-ASCII bytes compare exactly). */
bool name_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif
