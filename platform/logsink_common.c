/* logsink_common.c - the bounded log queue and its writer thread, the same on every
 * OS (the thread, lock and raw write come from logsink_posix.c /
 * logsink_win32.c through logsink_internal.h). The loop's side only copies
 * into the queue under a lock; the writer takes everything queued at once
 * into its own buffer and writes it with the lock released, so a stuck
 * stdout blocks only the writer. */
#include "platform/logsink_internal.h"

#include "platform/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the bounded queue ------------------------------------------------- */

int log_queue_init(log_queue *q, size_t capacity)
{
    q->len = 0;
    q->dropped = 0;
    q->dropped_total = 0;
    q->cap = capacity;
    q->data = malloc(capacity > 0 ? capacity : 1);
    return q->data != NULL ? 0 : -1;
}

void log_queue_free(log_queue *q)
{
    free(q->data);
    q->data = NULL;
    q->len = 0;
    q->cap = 0;
}

/* "log: N lines dropped\n" into buf (at least 64 bytes); returns its length. */
static size_t format_notice(unsigned long dropped, char *buf, size_t len)
{
    int n = snprintf(buf, len, "log: %lu line%s dropped\n", dropped, dropped == 1 ? "" : "s");
    return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

static void append(log_queue *q, const char *data, size_t len)
{
    if (len > 0)
        memcpy(q->data + q->len, data, len);
    q->len += len;
}

bool log_queue_push(log_queue *q, const char *prefix, size_t prefix_len,
                    const char *text, size_t text_len)
{
    char notice[64];
    size_t notice_len = q->dropped > 0 ? format_notice(q->dropped, notice, sizeof notice) : 0;
    size_t free_space = q->cap - q->len;
    /* Each part is checked alone first, so the sum cannot overflow. */
    if (prefix_len > q->cap || text_len > q->cap ||
        notice_len + prefix_len + text_len + 1 > free_space) {
        q->dropped++;
        q->dropped_total++;
        return false;
    }
    append(q, notice, notice_len);
    q->dropped = 0;
    append(q, prefix, prefix_len);
    append(q, text, text_len);
    append(q, "\n", 1);
    return true;
}

bool log_queue_has_output(const log_queue *q)
{
    return q->len > 0 || q->dropped > 0;
}

size_t log_queue_take(log_queue *q, char *out, size_t room)
{
    size_t n = q->len < room ? q->len : room;
    if (n > 0) {
        memcpy(out, q->data, n);
        memmove(q->data, q->data + n, q->len - n);
        q->len -= n;
        return n;
    }
    /* Everything before the gap has been handed out: now the gap itself. */
    if (q->len == 0 && q->dropped > 0) {
        char notice[64];
        size_t len = format_notice(q->dropped, notice, sizeof notice);
        if (len > 0 && len <= room) {
            memcpy(out, notice, len);
            q->dropped = 0;
            return len;
        }
    }
    return 0;
}

/* ---- the sink ----------------------------------------------------------- */

struct log_sink {
    logsink_os *os;
    log_queue queue;        /* guarded by the lock */
    char *out;              /* the writer's own buffer, as big as the queue */
    bool stopping;          /* guarded: the writer should end when idle */
    bool writing;           /* guarded: the writer holds bytes not yet written */
    bool broken;            /* guarded: stdout failed; discard from now on */
    bool ended;             /* guarded: the writer thread has returned */
};

/* A sink whose writer was still stuck in a write at stop: kept reachable
 * (so leak checkers do not flag it) until the process ends with the thread. */
static log_sink *abandoned_sink;

static void writer_main(void *arg)
{
    log_sink *s = arg;
    logsink_os_lock(s->os);
    for (;;) {
        size_t n;
        int rc;
        while (!log_queue_has_output(&s->queue) && !s->stopping)
            logsink_os_wait(s->os, -1);
        if (!log_queue_has_output(&s->queue))
            break; /* stopping, and everything is written */
        n = log_queue_take(&s->queue, s->out, s->queue.cap);
        s->writing = true;
        logsink_os_unlock(s->os);
        /* The slow part, with the lock released: the loop keeps queueing. */
        rc = n > 0 ? logsink_os_write_stdout(s->out, n) : 0;
        logsink_os_lock(s->os);
        s->writing = false;
        logsink_os_broadcast(s->os);
        if (rc != 0) {
            s->broken = true;
            s->queue.len = 0;
            s->queue.dropped = 0;
            break;
        }
    }
    s->ended = true;
    logsink_os_broadcast(s->os);
    logsink_os_unlock(s->os);
}

log_sink *log_sink_start_stdout(size_t capacity)
{
    log_sink *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    logsink_os_prepare();
    s->os = logsink_os_create();
    s->out = malloc(capacity > 0 ? capacity : 1);
    if (s->os == NULL || s->out == NULL || log_queue_init(&s->queue, capacity) != 0 ||
        logsink_os_start(s->os, writer_main, s) != 0) {
        if (s->os != NULL)
            logsink_os_destroy(s->os);
        log_queue_free(&s->queue);
        free(s->out);
        free(s);
        return NULL;
    }
    return s;
}

void log_sink_write(log_sink *s, const char *prefix, const char *text)
{
    logsink_os_lock(s->os);
    if (!s->broken && !s->ended) {
        log_queue_push(&s->queue, prefix, strlen(prefix), text, strlen(text));
        logsink_os_broadcast(s->os);
    }
    logsink_os_unlock(s->os);
}

unsigned long log_sink_dropped(log_sink *s)
{
    unsigned long n;
    logsink_os_lock(s->os);
    n = s->queue.dropped_total;
    logsink_os_unlock(s->os);
    return n;
}

void log_sink_stop(log_sink *s, long timeout_ms)
{
    bool ended;
    if (s == NULL)
        return;
    logsink_os_lock(s->os);
    s->stopping = true;
    logsink_os_broadcast(s->os);
    {
        uint64_t give_up = clock_monotonic_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
        uint64_t now;
        while (!s->ended && (now = clock_monotonic_ms()) < give_up)
            logsink_os_wait(s->os, (long)(give_up - now));
    }
    ended = s->ended;
    logsink_os_unlock(s->os);
    if (!ended) {
        abandoned_sink = s;
        return;
    }
    logsink_os_join(s->os);
    logsink_os_destroy(s->os);
    log_queue_free(&s->queue);
    free(s->out);
    free(s);
}
