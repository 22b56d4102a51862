/* buffer.c - the growable byte queue behind each connection's output.
 * Consuming only advances `start`; space is reclaimed lazily (compaction
 * before growth) so partial sends stay cheap, and the storage is freed when
 * the queue empties, so a connection that is not being written to holds no
 * output buffer, however large it once grew (a burst, a slow reader). */
#include "core/buffer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation: big enough for a few chat lines. */
#define BYTE_QUEUE_MIN_CAP 256

void byte_queue_init(byte_queue *q)
{
    q->data = NULL;
    q->start = 0;
    q->end = 0;
    q->cap = 0;
}

void byte_queue_free(byte_queue *q)
{
    free(q->data);
    byte_queue_init(q);
}

/* Smallest doubling of the current capacity that holds `need` bytes; falls
 * back to exactly `need` when doubling would overflow size_t. */
static size_t grown_capacity(size_t cap, size_t need)
{
    size_t new_cap = cap > 0 ? cap : BYTE_QUEUE_MIN_CAP;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2)
            return need;
        new_cap *= 2;
    }
    return new_cap;
}

/* Move the unconsumed bytes to the front so the tail space is contiguous. */
static void compact(byte_queue *q)
{
    size_t length = q->end - q->start;
    if (q->start == 0)
        return;
    if (length > 0)
        memmove(q->data, q->data + q->start, length);
    q->start = 0;
    q->end = length;
}

/* Make room for `extra` more bytes after `end`. Allocates a fresh block and
 * copies only the live bytes (not the consumed prefix); on failure the queue
 * is untouched. */
static int reserve(byte_queue *q, size_t extra)
{
    size_t length = q->end - q->start;
    size_t need;
    size_t new_cap;
    char *new_data;

    if (q->cap - q->end >= extra)
        return 0;
    if (extra > SIZE_MAX - length)
        return -1;
    need = length + extra;
    if (q->cap >= need) {
        compact(q);
        return 0;
    }
    new_cap = grown_capacity(q->cap, need);
    new_data = (char *)malloc(new_cap);
    if (new_data == NULL)
        return -1;
    if (length > 0)
        memcpy(new_data, q->data + q->start, length);
    free(q->data);
    q->data = new_data;
    q->start = 0;
    q->end = length;
    q->cap = new_cap;
    return 0;
}

int byte_queue_append(byte_queue *q, const void *data, size_t len)
{
    if (len == 0)
        return 0;
    if (reserve(q, len) != 0)
        return -1;
    memcpy(q->data + q->end, data, len);
    q->end += len;
    return 0;
}

void byte_queue_consume(byte_queue *q, size_t n)
{
    size_t length = q->end - q->start;
    if (n > length)
        n = length; /* a caller bug; dropping everything is the safe reading */
    q->start += n;
    /* Empty: give the memory back; the next append allocates afresh (a
     * malloc is cheap next to the send() that emptied the queue). */
    if (q->start == q->end)
        byte_queue_free(q);
}

void byte_queue_consume_keep(byte_queue *q, size_t n, size_t keep_cap)
{
    size_t length = q->end - q->start;
    if (n > length)
        n = length;
    q->start += n;
    if (q->start == q->end) {
        if (q->cap > keep_cap)
            byte_queue_free(q);
        else
            q->start = q->end = 0;
    }
}
