/* format.c - colouring server lines for the terminal (see format.h). Only
 * the prefix shapes the server itself produces are recognised; anything else
 * is shown as it is. v1 and v2 lines are both understood: the room tag and
 * the dated time prefix are simply optional. */
#include "apps/client/format.h"

#include <stdint.h>
#include <string.h>

/* Where the formatted text goes; "failed" is sticky. */
typedef struct writer {
    byte_queue *out;
    bool colour;
    bool dim;
    const char *own_name;
    int failed;
} writer;

static void put(writer *w, const char *s, size_t n)
{
    if (byte_queue_append(w->out, s, n) != 0)
        w->failed = 1;
}

static void puts_(writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static void sgr(writer *w, const char *params)
{
    if (!w->colour)
        return;
    puts_(w, "\x1b[");
    puts_(w, params);
    puts_(w, "m");
}

/* Back to the line's base style. In a dimmed line every reset keeps the
 * faint attribute, so the colours inside it stay but the line stays dim. */
static void reset(writer *w)
{
    sgr(w, w->dim ? "0;2" : "0");
}

bool chat_starts_with(const char *s, size_t n, const char *prefix)
{
    size_t p = strlen(prefix);
    return n >= p && memcmp(s, prefix, p) == 0;
}

size_t chat_find(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; k <= n && i <= n - k; i++)
        if (memcmp(s + i, needle, k) == 0)
            return i;
    return n;
}

static char ascii_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

bool chat_same_name(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i;
    if (an != bn)
        return false;
    for (i = 0; i < an; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

/* s matches pattern, where '9' stands for any ASCII digit. */
static bool matches_digits(const char *s, size_t n, const char *pattern)
{
    size_t i, k = strlen(pattern);
    if (n < k)
        return false;
    for (i = 0; i < k; i++) {
        if (pattern[i] == '9' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pattern[i])
            return false;
    }
    return true;
}

size_t chat_timestamp_length(const char *s, size_t n)
{
    if (matches_digits(s, n, "[99:99:99] "))
        return 11;
    if (matches_digits(s, n, "[9999-99-99 99:99:99] "))
        return 22;
    return 0;
}

bool chat_has_timestamp(const char *s, size_t n)
{
    return chat_timestamp_length(s, n) > 0;
}

/* "#" and at least one more character, then a space: v1 never starts an
 * event with '#', so this cannot misread a v1 line. */
size_t chat_room_tag_length(const char *s, size_t n)
{
    size_t end;
    if (n < 3 || s[0] != '#')
        return 0;
    end = chat_find(s, n, " ");
    return end == n || end < 2 ? 0 : end;
}

/* FNV-1a with ASCII case folded (the server's idea of the same name) picks
 * one of the colours that read well on dark and light backgrounds. */
const char *chat_name_colour(const char *name, size_t n)
{
    static const char *const palette[] = {"32", "33", "34", "35", "36",
                                          "92", "93", "94", "95", "96"};
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)ascii_lower(name[i]);
        h *= 16777619u;
    }
    return palette[h % (sizeof palette / sizeof palette[0])];
}

/* The same folded FNV-1a, seeded differently so that a room and a user of
 * the same spelling are not tied together, over six colours: few enough
 * that room tags read as a kind apart from names. */
const char *chat_room_colour(const char *room, size_t n)
{
    static const char *const palette[] = {"36", "32", "33", "35", "94", "96"};
    uint32_t h = 2166136261u ^ 0x5bd1e995u;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)ascii_lower(room[i]);
        h *= 16777619u;
    }
    return palette[h % (sizeof palette / sizeof palette[0])];
}

/* text[0, n) in the colour of name; bold when it is our own name. */
static void put_named(writer *w, const char *name, size_t name_len, const char *text, size_t n)
{
    bool own = w->own_name && chat_same_name(name, name_len, w->own_name, strlen(w->own_name));
    if (own)
        sgr(w, "1");
    sgr(w, chat_name_colour(name, name_len));
    put(w, text, n);
    reset(w);
}

/* The part of a line after "[HH:MM:SS] ": chat, actions, private messages
 * and events each get their own colouring. */
static void put_body(writer *w, const char *s, size_t n)
{
    size_t end;

    if (chat_starts_with(s, n, "*** ")) {
        sgr(w, "2");
        put(w, s, n);
        reset(w);
    } else if (chat_starts_with(s, n, "<") && (end = chat_find(s, n, "> ")) < n) {
        put_named(w, s + 1, end - 1, s, end + 1);           /* "<NAME>" */
        put(w, s + end + 1, n - end - 1);
    } else if (chat_starts_with(s, n, "-> *") && (end = chat_find(s + 4, n - 4, "* ")) < n - 4) {
        sgr(w, "2");
        puts_(w, "-> ");
        reset(w);
        put_named(w, s + 4, end, s + 3, end + 2);           /* "*TO*" */
        put(w, s + 4 + end + 1, n - 4 - end - 1);
    } else if (chat_starts_with(s, n, "* ") && (end = chat_find(s + 2, n - 2, " ")) < n - 2) {
        puts_(w, "* ");
        put_named(w, s + 2, end, s + 2, end);               /* "* NAME" */
        put(w, s + 2 + end, n - 2 - end);
    } else if (chat_starts_with(s, n, "*") && (end = chat_find(s + 1, n - 1, "* ")) < n - 1) {
        sgr(w, "1");                                        /* private: "*FROM*" */
        put_named(w, s + 1, end, s, end + 2);
        put(w, s + end + 2, n - end - 2);
    } else {
        put(w, s, n);
    }
}

/* "[T] " then an optional "#room " tag, then the event. */
static void put_timed(writer *w, const char *s, size_t n, size_t stamp)
{
    size_t tag;

    sgr(w, "2");
    put(w, s, stamp - 1);
    reset(w);
    puts_(w, " ");
    s += stamp;
    n -= stamp;
    tag = chat_room_tag_length(s, n);
    if (tag > 0) {
        sgr(w, chat_room_colour(s, tag));
        put(w, s, tag);
        reset(w);
        puts_(w, " ");
        s += tag + 1;
        n -= tag + 1;
    }
    put_body(w, s, n);
}

int chat_format(byte_queue *out, const char *s, size_t n, const chat_look *look)
{
    writer w;
    size_t stamp;

    w.out = out;
    w.colour = look->colour;
    w.dim = look->colour && look->dim;
    w.own_name = look->own_name && look->own_name[0] ? look->own_name : NULL;
    w.failed = 0;

    if (w.dim)
        sgr(&w, "2");
    if (!w.colour) {
        put(&w, s, n);
    } else if (chat_starts_with(s, n, "! ")) {
        sgr(&w, "31");
        put(&w, s, n);
        reset(&w);
    } else if (chat_starts_with(s, n, "*** ")) {
        put_body(&w, s, n);
    } else if ((stamp = chat_timestamp_length(s, n)) > 0) {
        put_timed(&w, s, n, stamp);
    } else {
        put(&w, s, n);
    }
    if (w.dim)
        sgr(&w, "0");
    return w.failed ? -1 : 0;
}

int chat_format_line(byte_queue *out, const char *s, size_t n, const char *own_name,
                     bool colour)
{
    chat_look look;
    look.own_name = own_name;
    look.colour = colour;
    look.dim = false;
    return chat_format(out, s, n, &look);
}
