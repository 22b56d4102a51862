/* textbuf.h - a growable NUL-terminated text buffer for building protocol
 * lines. "failed" is sticky until the next reset, so a line whose growth ran
 * out of memory is dropped, never sent half-built. Buffers are reused, so
 * after warm-up formatting a line allocates nothing. */
#ifndef NATTER_CORE_TEXTBUF_H
#define NATTER_CORE_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct text_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} text_buf;

void tb_free(text_buf *b);
void tb_reset(text_buf *b);
/* Make room for extra more bytes plus the NUL; false (and failed) if not. */
bool tb_reserve(text_buf *b, size_t extra);
void tb_append(text_buf *b, const char *s, size_t n);
void tb_puts(text_buf *b, const char *s);
void tb_putc(text_buf *b, char c);
/* Decimal, without printf ("%zu" is not understood by every C runtime we
 * build for: older msvcrt under MinGW). */
void tb_put_size(text_buf *b, size_t v);
/* Text from a client: invalid UTF-8 and control characters become U+FFFD,
 * so nothing a client sends can drive another user's terminal. */
void tb_append_sanitized(text_buf *b, const char *s, size_t n);
/* A client-chosen word quoted back in an error: sanitised and cut to
 * max_chars code points, with "..." when cut. */
void tb_append_echo(text_buf *b, const char *s, size_t n, size_t max_chars);
/* True when the buffer holds a complete, sendable result. */
static inline bool tb_ok(const text_buf *b)
{
    return !b->failed && b->data != NULL;
}

#endif
