/* fuzz_linebuf.c - libFuzzer target for line framing (core/linebuf.c), the
 * first code every received byte meets. The input picks a line limit and how
 * the stream is cut into reads; the framer's lines must match a plain
 * reference (split at LF, drop one CR before it, lines over the limit
 * reported once as too long) whatever the cuts, and its buffer (which grows
 * and is freed with the stream) must never exceed max_line + 4 KiB + 2. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/linebuf.h"
#include "fuzz_check.h"

typedef struct expected {
    int kind;           /* LINE_READY or LINE_TOO_LONG */
    const char *text;   /* LINE_READY: points into the input */
    size_t len;
} expected;

/* The reference: every complete line of data, in order; *tail_pending is
 * what line_framer_pending() must say at the end. */
static size_t reference_lines(const char *data, size_t len, size_t max_line, expected *out,
                              size_t *tail_pending)
{
    size_t count = 0, start = 0, i;
    for (i = 0; i < len; i++) {
        size_t n;
        if (data[i] != '\n')
            continue;
        n = i - start;
        if (n > 0 && data[start + n - 1] == '\r')
            n--;
        out[count].kind = n > max_line ? LINE_TOO_LONG : LINE_READY;
        out[count].text = data + start;
        out[count].len = n;
        count++;
        start = i + 1;
    }
    /* An unfinished line: reported as too long as soon as it cannot fit
     * (even if a CR LF were to follow), otherwise still pending. */
    *tail_pending = len - start;
    if (len - start > max_line + 1) {
        out[count].kind = LINE_TOO_LONG;
        out[count].text = NULL;
        out[count].len = 0;
        count++;
        *tail_pending = 0;
    }
    return count;
}

/* A tiny deterministic generator for read sizes. */
static uint32_t next_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    line_framer f;
    expected *want;
    size_t want_count, got = 0, off = 0, tail_pending, max_line;
    uint32_t rng;
    const char *data;
    size_t len;

    if (size < 2)
        return 0;
    /* Small limits reach the too-long paths often; 0 is allowed too. */
    max_line = input[0] % 80;
    rng = 0x9E3779B9u ^ input[1];
    data = (const char *)input + 2;
    len = size - 2;

    want = malloc((len + 2) * sizeof *want);
    if (!want)
        return 0;
    want_count = reference_lines(data, len, max_line, want, &tail_pending);
    if (line_framer_init(&f, max_line) != 0) {
        free(want);
        return 0;
    }

    while (off < len) {
        const char *line;
        size_t line_len, avail, chunk;
        int r;
        /* Reads of 1 byte up to a few KiB, through both ways in. */
        chunk = 1 + next_random(&rng) % (next_random(&rng) % 4 == 0 ? 5000 : 16);
        if (chunk > len - off)
            chunk = len - off;
        if (next_random(&rng) % 2) {
            chunk = line_framer_feed(&f, data + off, chunk);
        } else {
            char *space = line_framer_space(&f, &avail);
            if (chunk > avail)
                chunk = avail;
            memcpy(space, data + off, chunk);
            line_framer_commit(&f, chunk);
        }
        if (chunk == 0)
            fuzz_fail("the framer took nothing after reporting no line", data + off, len - off);
        off += chunk;
        while ((r = line_framer_next(&f, &line, &line_len)) != LINE_NONE) {
            if (got >= want_count || r != want[got].kind)
                fuzz_fail("line kinds differ from the reference", data, len);
            if (r == LINE_READY &&
                (line_len != want[got].len || memcmp(line, want[got].text, line_len) != 0))
                fuzz_fail("line text differs from the reference", data, len);
            if (r == LINE_READY && memchr(line, '\n', line_len) != NULL)
                fuzz_fail("a line holds an LF", line, line_len);
            got++;
        }
        (void)line_framer_space(&f, &avail);
        if (avail == 0)
            fuzz_fail("no room after LINE_NONE", data, len);
        if (f.cap > max_line + 2 + 4096)
            fuzz_fail("the framer grew past its bound", data, len);
    }
    if (got != want_count)
        fuzz_fail("fewer lines than the reference", data, len);
    if (line_framer_pending(&f) != tail_pending)
        fuzz_fail("pending bytes differ from the reference", data, len);
    line_framer_free(&f);
    free(want);
    return 0;
}
