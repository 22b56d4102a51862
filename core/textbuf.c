/* textbuf.c - see textbuf.h. */
#include "core/textbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

void tb_free(text_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

void tb_reset(text_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data)
        b->data[0] = '\0';
}

bool tb_reserve(text_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->failed)
        return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return false;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = (char *)realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void tb_append(text_buf *b, const char *s, size_t n)
{
    if (!tb_reserve(b, n))
        return;
    if (n > 0)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void tb_puts(text_buf *b, const char *s)
{
    tb_append(b, s, strlen(s));
}

void tb_putc(text_buf *b, char c)
{
    tb_append(b, &c, 1);
}

void tb_put_size(text_buf *b, size_t v)
{
    char out[24];
    char *p = out + sizeof out;

    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tb_append(b, p, (size_t)(out + sizeof out - p));
}

void tb_append_sanitized(text_buf *b, const char *s, size_t n)
{
    if (n > SIZE_MAX / 3) {
        b->failed = true;
        return;
    }
    if (!tb_reserve(b, UTF8_SANITIZED_MAX(n)))
        return;
    if (n > 0)
        b->len += utf8_sanitize(s, n, b->data + b->len);
    b->data[b->len] = '\0';
}

void tb_append_echo(text_buf *b, const char *s, size_t n, size_t max_chars)
{
    size_t used = 0, chars = 0;
    uint32_t cp;

    while (used < n && chars < max_chars) {
        used += utf8_decode(s + used, n - used, &cp);
        chars++;
    }
    tb_append_sanitized(b, s, used);
    if (used < n)
        tb_puts(b, "...");
}
