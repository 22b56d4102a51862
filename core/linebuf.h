/* linebuf.h - frame a byte stream into lines.
 *
 * Lines end with LF; a CR right before the LF is dropped, so LF and CRLF
 * clients both work. Memory is bounded: a line longer than max_line bytes
 * (not counting the line end) is reported once as LINE_TOO_LONG and the rest
 * of it is discarded up to the next LF; the lines after it are framed
 * normally. Complete lines are taken out one at a time, so a caller that is
 * rate limiting can leave them in the buffer (and stop reading the socket).
 *
 * The buffer is allocated when bytes first arrive, starts small
 * (LINE_FRAMER_MIN_CAP), doubles while reads fill it, up to max_line plus
 * 4 KiB, and is freed again once everything in it has been returned and the
 * last read did not fill it (the peer has gone quiet): an idle connection
 * holds no input buffer at all. */
#ifndef NATTER_CORE_LINEBUF_H
#define NATTER_CORE_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_NONE     0  /* no complete line yet: read more */
#define LINE_READY    1  /* *line, *len hold one line, without its line end */
#define LINE_TOO_LONG 2  /* a line exceeded max_line and is being dropped */

/* The first allocation: a few chat lines. */
#define LINE_FRAMER_MIN_CAP 512

typedef struct line_framer {
    char *buf;          /* NULL while nothing is buffered */
    size_t cap;         /* allocated size; at most max_line + 4 KiB + 2 */
    size_t start;       /* first byte not yet returned */
    size_t end;         /* one past the last byte received */
    size_t scanned;     /* bytes after start already known to hold no LF */
    size_t max_line;
    size_t offered;     /* what the last line_framer_space() offered */
    bool filled;        /* the last commit took all of it: more is coming */
    bool discarding;    /* inside an over-long line: drop up to the next LF */
} line_framer;

/* Allocates nothing yet. Returns 0, or -1 when max_line is absurd. */
int line_framer_init(line_framer *f, size_t max_line);
void line_framer_free(line_framer *f);

/* Where to put received bytes: returns a pointer and stores how many bytes
 * fit (always > 0 after line_framer_next() returned LINE_NONE, unless memory
 * ran out: then 0). May allocate or grow the buffer. */
char *line_framer_space(line_framer *f, size_t *avail);
/* Record that n bytes were written at line_framer_space(). */
void line_framer_commit(line_framer *f, size_t n);

/* Copy len bytes in (a convenience over space/commit; for tests and
 * fuzzers). Returns how many bytes were taken; call line_framer_next() until
 * LINE_NONE before feeding the rest. */
size_t line_framer_feed(line_framer *f, const char *data, size_t len);

/* Take the next line. The pointer stays valid until the next call on f
 * (returning LINE_NONE may free the buffer). */
int line_framer_next(line_framer *f, const char **line, size_t *len);

/* Bytes received but not yet returned as lines (a partial line at close).
 * The remains of an over-long line being discarded do not count. */
size_t line_framer_pending(const line_framer *f);

#endif
