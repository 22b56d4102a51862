/* format.c - colouring server lines for the terminal (see format.h). Only
 * the prefix shapes the server itself produces are recognised; anything else
 * is shown as it is. */
#include "apps/client/format.h"

#include <stdint.h>
#include <string.h>

/* Where the formatted text goes; "failed" is sticky. */
typedef struct writer {
    byte_queue *out;
    bool colour;
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

bool chat_has_timestamp(const char *s, size_t n)
{
    return n >= 11 && s[0] == '[' && s[3] == ':' && s[6] == ':' && s[9] == ']' &&
           s[10] == ' ';
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

/* text[0, n) in the colour of name; bold when it is our own name. */
static void put_named(writer *w, const char *name, size_t name_len, const char *text, size_t n)
{
    bool own = w->own_name && chat_same_name(name, name_len, w->own_name, strlen(w->own_name));
    if (own)
        sgr(w, "1");
    sgr(w, chat_name_colour(name, name_len));
    put(w, text, n);
    sgr(w, "0");
}

/* The part of a line after "[HH:MM:SS] ": chat, actions, private messages
 * and events each get their own colouring. */
static void put_body(writer *w, const char *s, size_t n)
{
    size_t end;

    if (chat_starts_with(s, n, "*** ")) {
        sgr(w, "2");
        put(w, s, n);
        sgr(w, "0");
    } else if (chat_starts_with(s, n, "<") && (end = chat_find(s, n, "> ")) < n) {
        put_named(w, s + 1, end - 1, s, end + 1);           /* "<NAME>" */
        put(w, s + end + 1, n - end - 1);
    } else if (chat_starts_with(s, n, "-> *") && (end = chat_find(s + 4, n - 4, "* ")) < n - 4) {
        sgr(w, "2");
        puts_(w, "-> ");
        sgr(w, "0");
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

int chat_format_line(byte_queue *out, const char *s, size_t n, const char *own_name,
                     bool colour)
{
    writer w;
    w.out = out;
    w.colour = colour;
    w.own_name = own_name;
    w.failed = 0;

    if (!colour) {
        put(&w, s, n);
    } else if (chat_starts_with(s, n, "! ")) {
        sgr(&w, "31");
        put(&w, s, n);
        sgr(&w, "0");
    } else if (chat_starts_with(s, n, "*** ")) {
        put_body(&w, s, n);
    } else if (chat_has_timestamp(s, n)) {
        sgr(&w, "2");
        put(&w, s, 10);
        sgr(&w, "0");
        puts_(&w, " ");
        put_body(&w, s + 11, n - 11);
    } else {
        put(&w, s, n);
    }
    return w.failed ? -1 : 0;
}
