/* linebuf.c - split a byte stream into LF / CRLF terminated lines inside one
 * bounded buffer, so a client that never sends a newline costs at most
 * max_line + a little memory, and a line trickling in is scanned only once.
 * The buffer exists only while bytes are pending: 10,000 idle connections
 * must not cost 10,000 x (max_line + 4 KiB). */
#include "core/linebuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Room beyond the longest line: its CR LF plus one typical recv() worth, so
 * a reader can always take a useful chunk even with a partial line pending. */
#define LINE_FRAMER_SLACK (2 + 4096)

int line_framer_init(line_framer *f, size_t max_line)
{
    f->buf = NULL;
    f->cap = 0;
    f->start = 0;
    f->end = 0;
    f->scanned = 0;
    f->max_line = max_line;
    f->offered = 0;
    f->filled = false;
    f->discarding = false;
    if (max_line > SIZE_MAX - LINE_FRAMER_SLACK)
        return -1;
    return 0;
}

/* Give the buffer back (the framer must hold no pending bytes). */
static void release_buffer(line_framer *f)
{
    free(f->buf);
    f->buf = NULL;
    f->cap = 0;
    f->start = 0;
    f->end = 0;
    f->scanned = 0;
}

void line_framer_free(line_framer *f)
{
    release_buffer(f);
    f->offered = 0;
    f->filled = false;
    f->discarding = false;
}

static size_t max_capacity(const line_framer *f)
{
    return f->max_line + LINE_FRAMER_SLACK;
}

/* Grow to the next doubling (capped at max_capacity), keeping the pending
 * bytes, which the caller has already moved to the front. Returns 0 or -1
 * (out of memory; the buffer is unchanged). */
static int grow(line_framer *f)
{
    size_t limit = max_capacity(f);
    size_t cap = f->cap == 0 ? LINE_FRAMER_MIN_CAP : f->cap;
    char *grown;
    if (f->cap > 0)
        cap = cap > limit / 2 ? limit : cap * 2;
    if (cap > limit)
        cap = limit;
    grown = (char *)realloc(f->buf, cap);
    if (grown == NULL)
        return -1;
    f->buf = grown;
    f->cap = cap;
    return 0;
}

char *line_framer_space(line_framer *f, size_t *avail)
{
    /* Slide the unreturned bytes to the front; at most one partial line plus
     * lines a rate-limited caller left here, so the copy is bounded by cap. */
    if (f->start > 0) {
        size_t pending = f->end - f->start;
        if (pending > 0)
            memmove(f->buf, f->buf + f->start, pending);
        f->start = 0;
        f->end = pending;
    }
    /* Allocate on first use; grow while reads fill the buffer, or when a
     * partial line has filled it (it may still turn out to fit max_line). */
    if (f->cap < max_capacity(f) && (f->buf == NULL || f->filled || f->end == f->cap))
        (void)grow(f); /* out of memory: offer what there is, maybe nothing */
    *avail = f->cap - f->end;
    f->offered = *avail;
    return f->buf != NULL ? f->buf + f->end : NULL;
}

void line_framer_commit(line_framer *f, size_t n)
{
    if (n > f->cap - f->end)
        n = f->cap - f->end; /* a caller bug; never run past the buffer */
    f->end += n;
    f->filled = n > 0 && n == f->offered;
    f->offered = 0;
}

size_t line_framer_feed(line_framer *f, const char *data, size_t len)
{
    size_t avail;
    char *space = line_framer_space(f, &avail);
    size_t n = len < avail ? len : avail;
    if (n > 0)
        memcpy(space, data, n);
    line_framer_commit(f, n);
    return n;
}

/* Forget everything received so far (the buffer holds only the tail of an
 * over-long line being dropped). */
static void drop_pending(line_framer *f)
{
    f->start = 0;
    f->end = 0;
    f->scanned = 0;
}

/* Position of the next LF at or after start + scanned, or NULL. Records how
 * far we looked so the same bytes are never searched twice. */
static const char *find_line_end(line_framer *f)
{
    size_t from = f->start + f->scanned;
    const char *lf;
    if (f->buf == NULL)
        return NULL;
    lf = (const char *)memchr(f->buf + from, '\n', f->end - from);
    if (lf == NULL)
        f->scanned = f->end - f->start;
    return lf;
}

/* Step past a line whose LF is at lf. */
static void consume_through(line_framer *f, const char *lf)
{
    f->start = (size_t)(lf - f->buf) + 1;
    f->scanned = 0;
    if (f->start == f->end) {
        f->start = 0;
        f->end = 0;
    }
}

/* Nothing more to return: if nothing is pending either and the peer seems
 * to have gone quiet, give the buffer back. A busy peer (its last read
 * filled the buffer) keeps it, so a stream does not free and allocate per
 * read. */
static int no_line(line_framer *f)
{
    if (f->buf != NULL && f->end == f->start && !f->filled)
        release_buffer(f);
    return LINE_NONE;
}

int line_framer_next(line_framer *f, const char **line, size_t *len)
{
    for (;;) {
        const char *lf = find_line_end(f);
        if (lf == NULL) {
            if (f->discarding) {
                drop_pending(f);
                return no_line(f);
            }
            /* More than max_line + 1 bytes with no LF: even if the last one is
             * a CR that an LF will follow, the content exceeds max_line.
             * Report it now rather than buffering the rest of it. */
            if (f->end - f->start > f->max_line + 1) {
                drop_pending(f);
                f->discarding = true;
                return LINE_TOO_LONG;
            }
            return no_line(f);
        }
        if (f->discarding) {
            /* The tail of an over-long line (already reported) ends here. */
            f->discarding = false;
            consume_through(f, lf);
            continue;
        }
        {
            const char *begin = f->buf + f->start;
            size_t n = (size_t)(lf - begin);
            if (n > 0 && begin[n - 1] == '\r')
                n--;
            consume_through(f, lf);
            if (n > f->max_line)
                return LINE_TOO_LONG;
            /* consume_through() never moves bytes, so begin stays valid. */
            *line = begin;
            *len = n;
            return LINE_READY;
        }
    }
}

size_t line_framer_pending(const line_framer *f)
{
    if (f->buf == NULL)
        return 0;
    if (f->discarding) {
        /* Bytes up to the next LF belong to the line being dropped. */
        const char *lf = (const char *)memchr(f->buf + f->start, '\n',
                                              f->end - f->start);
        return lf == NULL ? 0 : (size_t)((f->buf + f->end) - (lf + 1));
    }
    return f->end - f->start;
}
