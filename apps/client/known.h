/* known.h - the names and rooms the client has seen in server lines, the
 * candidates for Tab completion. Names come from chat, actions, private
 * messages, joins, renames and member lists, and go on "left (...)"; rooms
 * (words starting with '#') from room tags, "Now talking in", member,
 * topic and history notices and the /rooms list. Matching ignores ASCII
 * case, as the server compares names. No I/O: tests feed it lines. */
#ifndef NATTER_APPS_CLIENT_KNOWN_H
#define NATTER_APPS_CLIENT_KNOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buffer.h"

#define KNOWN_TEXT_MAX 128   /* bytes of one name or room; longer ones are ignored */
#define KNOWN_MAX      512   /* of each kind; the oldest goes when full */

typedef struct known_entry {
    char text[KNOWN_TEXT_MAX];
    size_t len;
} known_entry;

/* One kind of word, oldest first. */
typedef struct known_set {
    known_entry *items;     /* KNOWN_MAX of them */
    size_t count;
} known_set;

typedef struct known_words {
    known_set names;
    known_set rooms;
} known_words;

/* Returns 0, or -1 when memory runs out. */
int known_init(known_words *k);
void known_free(known_words *k);

/* Add a name (checked with name_check) or a room ("#" and up to
 * KNOWN_TEXT_MAX - 1 more bytes, no space); a word already known, ignoring
 * ASCII case, keeps its place and takes the new spelling. */
void known_add_name(known_words *k, const char *s, size_t n);
void known_add_room(known_words *k, const char *s, size_t n);
void known_drop_name(known_words *k, const char *s, size_t n);

/* Learn from one sanitised server line (v1 or v2). In history, names are
 * only added: an old "left" or rename says nothing about now. */
void known_learn(known_words *k, const char *s, size_t n, bool history);

/* The lineedit_complete_fn for arg = a known_words: a word starting with
 * '#' is matched against rooms, any other against names, by prefix
 * ignoring ASCII case. */
size_t known_complete(void *arg, const char *word, size_t len, char *out, size_t cap,
                      size_t *out_len);

/* The candidates for word, two spaces apart (at most max of them, then
 * "(N more)"), appended to out. Returns how many matched. */
size_t known_list_matches(const known_words *k, const char *word, size_t len, size_t max,
                          byte_queue *out);

#endif
