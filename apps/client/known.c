/* known.c - names and rooms seen in server lines, and matching them for
 * Tab completion (see known.h). The sets are small arrays searched
 * linearly: a few hundred entries, looked at once per line or per Tab. */
#include "apps/client/known.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/client/format.h"
#include "core/names.h"

int known_init(known_words *k)
{
    k->names.count = k->rooms.count = 0;
    k->names.items = (known_entry *)calloc(KNOWN_MAX, sizeof(known_entry));
    k->rooms.items = (known_entry *)calloc(KNOWN_MAX, sizeof(known_entry));
    if (!k->names.items || !k->rooms.items) {
        known_free(k);
        return -1;
    }
    return 0;
}

void known_free(known_words *k)
{
    free(k->names.items);
    free(k->rooms.items);
    k->names.items = k->rooms.items = NULL;
    k->names.count = k->rooms.count = 0;
}

/* ---- the sets ----------------------------------------------------------- */

static char ascii_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool has_prefix(const known_entry *e, const char *word, size_t len)
{
    size_t i;
    if (e->len < len)
        return false;
    for (i = 0; i < len; i++)
        if (ascii_lower(e->text[i]) != ascii_lower(word[i]))
            return false;
    return true;
}

static size_t set_find(const known_set *set, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < set->count; i++)
        if (chat_same_name(set->items[i].text, set->items[i].len, s, n))
            return i;
    return set->count;
}

static void set_add(known_set *set, const char *s, size_t n)
{
    size_t at = set_find(set, s, n);
    if (!set->items || n == 0 || n > KNOWN_TEXT_MAX)
        return;
    if (at == set->count) {
        if (set->count == KNOWN_MAX) {
            memmove(set->items, set->items + 1, (KNOWN_MAX - 1) * sizeof set->items[0]);
            set->count--;
        }
        at = set->count++;
    }
    memcpy(set->items[at].text, s, n);
    set->items[at].len = n;
}

static void set_drop(known_set *set, const char *s, size_t n)
{
    size_t at = set_find(set, s, n);
    if (at == set->count)
        return;
    memmove(set->items + at, set->items + at + 1,
            (set->count - at - 1) * sizeof set->items[0]);
    set->count--;
}

void known_add_name(known_words *k, const char *s, size_t n)
{
    if (name_check(s, n) == NAME_OK)
        set_add(&k->names, s, n);
}

void known_drop_name(known_words *k, const char *s, size_t n)
{
    set_drop(&k->names, s, n);
}

void known_add_room(known_words *k, const char *s, size_t n)
{
    if (n >= 2 && s[0] == '#' && chat_find(s, n, " ") == n)
        set_add(&k->rooms, s, n);
}

/* ---- reading lines -------------------------------------------------------- */

/* s[0, n) after skipping prefix; false if s does not start with it. */
static bool skip(const char **s, size_t *n, const char *prefix)
{
    if (!chat_starts_with(*s, *n, prefix))
        return false;
    *s += strlen(prefix);
    *n -= strlen(prefix);
    return true;
}

/* "a, @b, c": every name, a leading '@' (room operator) dropped. */
static void learn_list(known_words *k, const char *s, size_t n)
{
    while (n > 0) {
        size_t end = chat_find(s, n, ", ");
        const char *name = s;
        size_t len = end;
        if (len > 0 && name[0] == '@') {
            name++;
            len--;
        }
        known_add_name(k, name, len);
        if (end == n)
            break;
        s += end + 2;
        n -= end + 2;
    }
}

/* The room at the start of s, ending at the first byte of stop (or the
 * end of s). */
static void learn_room_until(known_words *k, const char *s, size_t n, const char *stop)
{
    size_t end = 0;
    while (end < n && !strchr(stop, s[end]))
        end++;
    known_add_room(k, s, end);
}

/* "NAME rest": the first word. */
static size_t first_word(const char *s, size_t n)
{
    return chat_find(s, n, " ");
}

/* "*** ..." events after the time (and room tag): joins, departures,
 * renames, topic and operator changes. */
static void learn_event(known_words *k, const char *s, size_t n, bool history)
{
    static const char *const two_names[] = {" kicked ", " made ", " took operator status from "};
    size_t w = first_word(s, n), i, at;
    const char *rest = s + w;
    size_t rest_n = n - w;

    if (w == n)
        return;
    if (chat_starts_with(rest, rest_n, " left (")) {
        if (!history)
            known_drop_name(k, s, w);
        return;
    }
    if (chat_starts_with(rest, rest_n, " is now known as ")) {
        if (!history)
            known_drop_name(k, s, w);
        rest += strlen(" is now known as ");
        rest_n -= strlen(" is now known as ");
        known_add_name(k, rest, rest_n);
        return;
    }
    known_add_name(k, s, w);   /* joined, set the topic, is now an operator, ... */
    for (i = 0; i < sizeof two_names / sizeof two_names[0]; i++) {
        if (skip(&rest, &rest_n, two_names[i])) {
            at = first_word(rest, rest_n);
            known_add_name(k, rest, at);
            return;
        }
    }
}

/* A timed line: "[T] [#room ]BODY". */
static void learn_timed(known_words *k, const char *s, size_t n, bool history)
{
    size_t stamp = chat_timestamp_length(s, n), tag, end;

    s += stamp;
    n -= stamp;
    tag = chat_room_tag_length(s, n);
    if (tag > 0) {
        known_add_room(k, s, tag);
        s += tag + 1;
        n -= tag + 1;
    }
    if (skip(&s, &n, "*** ")) {
        learn_event(k, s, n, history);
    } else if (skip(&s, &n, "<")) {
        if ((end = chat_find(s, n, "> ")) < n)
            known_add_name(k, s, end);
    } else if (skip(&s, &n, "* ")) {                        /* "* NAME action" */
        known_add_name(k, s, first_word(s, n));
    } else if (skip(&s, &n, "-> *") || skip(&s, &n, "*")) {  /* "*FROM* ", "-> *TO* " */
        if ((end = chat_find(s, n, "* ")) < n)
            known_add_name(k, s, end);
    }
}

/* "*** ..." notices for us alone. */
static void learn_notice(known_words *k, const char *s, size_t n)
{
    size_t at;

    if (skip(&s, &n, "*** You are ")) {
        /* v1: "NAME. Online (K): a, b. Type /help for commands." */
        if ((at = chat_find(s, n, ". Online (")) == n)
            return;
        s += at;
        n -= at;
        if ((at = chat_find(s, n, "): ")) == n)
            return;
        s += at + 3;
        n -= at + 3;
        learn_list(k, s, chat_find(s, n, ". Type /help"));
    } else if (skip(&s, &n, "*** Online (")) {              /* v1 /who */
        if ((at = chat_find(s, n, "): ")) < n)
            learn_list(k, s + at + 3, n - at - 3);
    } else if (skip(&s, &n, "*** Members of ")) {
        learn_room_until(k, s, n, " ");
        if ((at = chat_find(s, n, "): ")) < n)
            learn_list(k, s + at + 3, n - at - 3);
    } else if (skip(&s, &n, "*** Now talking in ") || skip(&s, &n, "*** End of history of ")) {
        if (n > 0 && s[n - 1] == '.')
            n--;
        learn_room_until(k, s, n, " ");
    } else if (skip(&s, &n, "*** Topic of ")) {
        learn_room_until(k, s, n, ": ");
    } else if (skip(&s, &n, "*** History of ") || skip(&s, &n, "***   ") ||
               skip(&s, &n, "*** ")) {
        /* "#r (N lines):", "  #r (5): topic" (/rooms), "#r has no topic." */
        if (n > 0 && s[0] == '#')
            learn_room_until(k, s, n, " ");
    }
}

void known_learn(known_words *k, const char *s, size_t n, bool history)
{
    if (chat_has_timestamp(s, n))
        learn_timed(k, s, n, history);
    else if (chat_starts_with(s, n, "*** "))
        learn_notice(k, s, n);
}

/* ---- matching ------------------------------------------------------------- */

static const known_set *set_for(const known_words *k, const char *word, size_t len)
{
    return len > 0 && word[0] == '#' ? &k->rooms : &k->names;
}

size_t known_complete(void *arg, const char *word, size_t len, char *out, size_t cap,
                      size_t *out_len)
{
    const known_words *k = (const known_words *)arg;
    const known_set *set = set_for(k, word, len);
    const known_entry *first = NULL;
    size_t i, j, common = 0, matches = 0;

    for (i = 0; i < set->count; i++) {
        const known_entry *e = &set->items[i];
        if (!has_prefix(e, word, len))
            continue;
        if (!first) {
            first = e;
            common = e->len;
        }
        for (j = 0; j < common && j < e->len; j++)
            if (ascii_lower(e->text[j]) != ascii_lower(first->text[j]))
                break;
        common = j;
        matches++;
    }
    *out_len = 0;
    if (!first)
        return 0;
    /* Bytes shared by two different characters ("é" and "è" both start
     * with C3) are not a common prefix of characters. */
    while (common > len && common < first->len &&
           ((unsigned char)first->text[common] & 0xC0) == 0x80)
        common--;
    if (common > cap)
        return 0;
    memcpy(out, first->text, common);
    *out_len = common;
    return matches;
}

size_t known_list_matches(const known_words *k, const char *word, size_t len, size_t max,
                          byte_queue *out)
{
    const known_set *set = set_for(k, word, len);
    size_t i, matches = 0;
    char more[64];

    for (i = 0; i < set->count; i++) {
        const known_entry *e = &set->items[i];
        if (!has_prefix(e, word, len))
            continue;
        if (matches < max) {
            if (matches > 0)
                (void)byte_queue_append(out, "  ", 2);
            (void)byte_queue_append(out, e->text, e->len);
        }
        matches++;
    }
    if (matches > max) {
        snprintf(more, sizeof more, "  (%lu more)", (unsigned long)(matches - max));
        (void)byte_queue_append(out, more, strlen(more));
    }
    return matches;
}
