/* fuzz_check.c - see fuzz_check.h. */
#include "fuzz_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/names.h"

void fuzz_fail(const char *what, const char *data, size_t len)
{
    size_t i;
    fprintf(stderr, "fuzz invariant broken: %s\n  bytes: \"", what);
    for (i = 0; i < len && i < 400; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c >= 0x20 && c < 0x7F && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, "%s\"\n", len > 400 ? "..." : "");
    abort();
}

/* Length of the well-formed sequence at s, or 0. */
static size_t sequence_length(const unsigned char *s, size_t n)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xBF;
    size_t len, k;
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        len = 2;
    else if (b == 0xE0)
        len = 3, lo = 0xA0;
    else if (b == 0xED)
        len = 3, hi = 0x9F;
    else if (b >= 0xE1 && b <= 0xEF)
        len = 3;
    else if (b == 0xF0)
        len = 4, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3)
        len = 4;
    else if (b == 0xF4)
        len = 4, hi = 0x8F;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return len;
}

/* Well-formed UTF-8 and, when no_controls, also free of C0 controls (but
   TAB), DEL and C1 controls: both checks walk the text the same way. */
static bool utf8_text_ok(const char *s, size_t len, bool no_controls)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = sequence_length(u + i, len - i);
        if (n == 0)
            return false;
        if (no_controls && n == 1 && ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7F))
            return false;
        if (no_controls && n == 2 && u[i] == 0xC2 && u[i + 1] <= 0x9F)
            return false;   /* C1: U+0080..U+009F */
        i += n;
    }
    return true;
}

bool fuzz_utf8_valid(const char *s, size_t len)
{
    return utf8_text_ok(s, len, false);
}

bool fuzz_text_safe(const char *s, size_t len)
{
    return utf8_text_ok(s, len, true);
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static bool ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "[HH:MM:SS] " */
static bool has_stamp(const char *s, size_t len)
{
    return len >= 11 && s[0] == '[' && ascii_digit(s[1]) && ascii_digit(s[2]) && s[3] == ':' &&
           ascii_digit(s[4]) && ascii_digit(s[5]) && s[6] == ':' && ascii_digit(s[7]) &&
           ascii_digit(s[8]) && s[9] == ']' && s[10] == ' ';
}

/* "[YYYY-MM-DD HH:MM:SS] " (a history line from an earlier day) */
static bool has_dated_stamp(const char *s, size_t len)
{
    return len >= 22 && s[0] == '[' && ascii_digit(s[1]) && ascii_digit(s[4]) && s[5] == '-' &&
           s[8] == '-' && ascii_digit(s[10]) && s[11] == ' ' && s[14] == ':' && s[17] == ':' &&
           s[20] == ']' && s[21] == ' ';
}

/* The name that ends at the first byte in stops (names hold neither spaces
 * nor '>' nor '*'); it must be a valid name. */
static void check_name_until(const char *line, size_t len, const char *s, size_t n, const char *stops)
{
    size_t k = 0;
    while (k < n && strchr(stops, s[k]) == NULL)
        k++;
    if (k == n || name_check(s, k) != NAME_OK)
        fuzz_fail("a room line names someone with an invalid name", line, len);
}

/* A notice's "NAME- ": names may hold '-' but no space, so the name ends
 * at the first "- ". */
static void check_notice_name(const char *line, size_t len, const char *s, size_t n)
{
    size_t k = 0;
    while (k + 1 < n && !(s[k] == '-' && s[k + 1] == ' '))
        k++;
    if (k + 1 >= n || name_check(s, k) != NAME_OK)
        fuzz_fail("a notice names someone with an invalid name", line, len);
}

/* Equal ignoring ASCII case: written here rather than using name_equal(),
 * so a broken name_equal() cannot hide a duplicate. */
static bool same_name(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i;
    if (alen != blen)
        return false;
    for (i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* "a, b, c" of length n holding count names, different ignoring case. */
static void check_name_list(const char *line, size_t len, const char *s, size_t n,
                            unsigned long count)
{
    const char *names[64];
    size_t lens[64];
    size_t found = 0, i, j, start = 0;
    for (i = 0; n > 0 && i <= n; i++) {
        bool at_end = i == n;
        if (!at_end && !(s[i] == ',' && i + 1 < n && s[i + 1] == ' '))
            continue;
        if (found < 64) {
            names[found] = s + start;
            lens[found] = i - start;
        }
        found++;
        start = i + 2;
        i++;   /* skip the space */
    }
    if (found != count)
        fuzz_fail("an online list does not hold its count of names", line, len);
    for (i = 0; i < found && i < 64; i++) {
        if (name_check(names[i], lens[i]) != NAME_OK)
            fuzz_fail("an online list holds an invalid name", line, len);
        for (j = 0; j < i; j++)
            if (same_name(names[i], lens[i], names[j], lens[j]))
                fuzz_fail("two people share a name", line, len);
    }
}

/* "#room " at s: a valid room name and a space; returns its length. */
static size_t room_tag_length(const char *line, size_t len, const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k] != ' ')
        k++;
    if (k == n || room_name_check(s, k) != NAME_OK)
        fuzz_fail("a line names an invalid room", line, len);
    return k + 1;
}

/* "Members of #ROOM (N): LIST", operators marked '@'. With FUZZ_SLOTS
 * connections every list fits on one line, so it holds N names. */
static void check_members(const char *line, size_t len, const char *s, size_t n)
{
    unsigned long count = 0;
    size_t i = 11;   /* after "Members of " */
    char plain[1024];
    size_t plain_len = 0, k;
    i += room_tag_length(line, len, s + i, n - i);
    if (!has_prefix(s + i, n - i, "("))
        fuzz_fail("a malformed member list", line, len);
    i++;
    while (i < n && ascii_digit(s[i]))
        count = count * 10 + (unsigned long)(s[i++] - '0');
    /* An empty room: "(0)." and nothing after it. */
    if (count == 0) {
        if (n - i != 2 || !has_prefix(s + i, n - i, ")."))
            fuzz_fail("a malformed empty member list", line, len);
        return;
    }
    if (!has_prefix(s + i, n - i, "): "))
        fuzz_fail("a malformed member list", line, len);
    i += 3;
    /* Drop the '@' in front of operators' names. */
    for (k = i; k < n && plain_len < sizeof plain; k++)
        if (!(s[k] == '@' && (k == i || s[k - 1] == ' ')))
            plain[plain_len++] = s[k];
    check_name_list(line, len, plain, plain_len, count);
}

/* One line (without CRLF). */
static void check_line(const char *line, size_t len)
{
    const char *s = line;
    size_t n = len;
    if (!fuzz_text_safe(line, len))
        fuzz_fail("unsafe bytes sent to a client", line, len);
    if (has_prefix(s, n, "! "))
        return;
    if (has_prefix(s, n, "*** ")) {
        if (has_prefix(s, n, "*** Members of "))
            check_members(line, len, s + 4, n - 4);
        return;
    }
    if (has_stamp(s, n)) {
        s += 11;
        n -= 11;
    } else if (has_dated_stamp(s, n)) {
        s += 22;
        n -= 22;
    } else {
        fuzz_fail("a line that is neither '! ', '*** ' nor time-stamped", line, len);
    }
    if (has_prefix(s, n, "#")) {
        size_t tag = room_tag_length(line, len, s, n);
        s += tag;
        n -= tag;
    }
    if (has_prefix(s, n, "<"))
        check_name_until(line, len, s + 1, n - 1, ">");
    else if (has_prefix(s, n, "*** "))
        check_name_until(line, len, s + 4, n - 4, " ");
    else if (has_prefix(s, n, "* "))
        check_name_until(line, len, s + 2, n - 2, " ");
    else if (has_prefix(s, n, "-> *"))
        check_name_until(line, len, s + 4, n - 4, "*");
    else if (has_prefix(s, n, "-> -"))
        check_notice_name(line, len, s + 4, n - 4);
    else if (has_prefix(s, n, "-"))
        check_notice_name(line, len, s + 1, n - 1);
    else if (has_prefix(s, n, "*"))
        check_name_until(line, len, s + 1, n - 1, "*");
    else
        fuzz_fail("a time-stamped line of unknown shape", line, len);
}

void fuzz_check_sent(const char *data, size_t len)
{
    size_t start = 0, i;
    if (len == 0)
        fuzz_fail("an empty send", data, len);
    for (i = 0; i < len; i++) {
        if (data[i] == '\n') {
            if (i == start || data[i - 1] != '\r')
                fuzz_fail("LF without CR", data, len);
            check_line(data + start, i - 1 - start);
            start = i + 1;
        } else if (data[i] == '\r' && (i + 1 >= len || data[i + 1] != '\n')) {
            fuzz_fail("CR without LF", data, len);
        }
    }
    if (start != len)
        fuzz_fail("a send that does not end with CRLF", data, len);
}

void fuzz_check_log(const char *text)
{
    if (!fuzz_text_safe(text, strlen(text)))
        fuzz_fail("unsafe bytes in a log line", text, strlen(text));
}
