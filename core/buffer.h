/* buffer.h - a growable byte queue: append at the back, consume at the front.
 * Used for each connection's output. Consuming only moves an offset; the
 * space is reclaimed when appending needs room, so a partial send() costs no
 * memmove, and the storage is freed as soon as the queue is empty: an idle
 * connection's queue costs nothing beyond this struct. */
#ifndef NATTER_CORE_BUFFER_H
#define NATTER_CORE_BUFFER_H

#include <stddef.h>

typedef struct byte_queue {
    char *data;
    size_t start; /* first unconsumed byte */
    size_t end;   /* one past the last byte */
    size_t cap;
} byte_queue;

void byte_queue_init(byte_queue *q);
void byte_queue_free(byte_queue *q);

/* Returns 0, or -1 when memory runs out (the queue is unchanged). */
int byte_queue_append(byte_queue *q, const void *data, size_t len);

/* Drop n bytes (n <= length) from the front; frees the storage when that
 * empties the queue. */
void byte_queue_consume(byte_queue *q, size_t n);

/* The same, but an emptied queue keeps its storage (up to keep_cap bytes;
 * bigger storage is freed) for the next append: for a connection that is
 * written to many times a second, where a free and a malloc per send()
 * would show in the profile. */
void byte_queue_consume_keep(byte_queue *q, size_t n, size_t keep_cap);

/* An empty, never-grown queue has data == NULL; NULL + 0 is undefined in C,
 * so hand back an empty string instead. */
static inline const char *byte_queue_data(const byte_queue *q)
{
    return q->data != NULL ? q->data + q->start : "";
}
static inline size_t byte_queue_length(const byte_queue *q)
{
    return q->end - q->start;
}

#endif
