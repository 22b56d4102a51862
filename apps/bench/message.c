/* message.c - see message.h. Hand-written hex in and out: every message is
 * formatted once and parsed once per receiver, so this stays cheap. */
#include "message.h"

#include <string.h>

static const char MARKER[] = "NB1 ";
#define MARKER_LEN 4

static size_t put_hex(char *out, uint64_t v) {
    char tmp[16];
    size_t n = 0, i;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    for (i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

size_t message_format(char *out, size_t cap, const bench_message *m,
                      size_t min_len) {
    size_t n = 0;
    size_t need = (min_len > MESSAGE_MAX_BARE ? min_len : MESSAGE_MAX_BARE) + 1;
    if (cap < need) return 0;
    memcpy(out, MARKER, MARKER_LEN);
    n = MARKER_LEN;
    n += put_hex(out + n, m->sender);
    out[n++] = ' ';
    n += put_hex(out + n, m->seq);
    out[n++] = ' ';
    n += put_hex(out + n, m->send_us);
    if (n < min_len) {
        /* A separating space only when there is room for a visible pad
         * character after it: some servers trim trailing blanks. */
        if (min_len - n >= 2) out[n++] = ' ';
        memset(out + n, 'x', min_len - n);
        n = min_len;
    }
    out[n++] = '\n';
    return n;
}

/* Digit value + 1 for '0'-'9' and 'a'-'f', 0 for everything else: one table
 * lookup per character on the receive path. */
static const unsigned char hex_table[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16};

static int hex_value(char c) {
    return (int)hex_table[(unsigned char)c] - 1;
}

/* Parse up to max_digits hex digits at *p (at least one). */
static bool take_hex(const char **p, const char *end, int max_digits,
                     uint64_t *out) {
    uint64_t v = 0;
    int digits = 0, d;
    while (*p < end && (d = hex_value(**p)) >= 0) {
        if (++digits > max_digits) return false;
        v = (v << 4) | (uint64_t)d;
        (*p)++;
    }
    *out = v;
    return digits > 0;
}

static bool parse_fields(const char *p, const char *end, bench_message *m) {
    uint64_t sender, seq, send_us;
    if (!take_hex(&p, end, 8, &sender) || p >= end || *p++ != ' ') return false;
    if (!take_hex(&p, end, 8, &seq) || p >= end || *p++ != ' ') return false;
    if (!take_hex(&p, end, 16, &send_us)) return false;
    m->sender = (uint32_t)sender;
    m->seq = (uint32_t)seq;
    m->send_us = send_us;
    return true;
}

bool message_find(const char *line, size_t len, bench_message *m) {
    const char *p = line, *end = line + len;
    while (end - p >= MARKER_LEN + 5) {
        const char *hit = memchr(p, 'N', (size_t)(end - p) - (MARKER_LEN + 4));
        if (!hit) return false;
        if (memcmp(hit, MARKER, MARKER_LEN) == 0 &&
            parse_fields(hit + MARKER_LEN, end, m))
            return true;
        p = hit + 1;
    }
    return false;
}
