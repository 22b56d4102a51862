/* logsink.h - a log that never blocks the caller.
 *
 * natter-server logs one line per event to stdout, and stdout may be a pipe
 * nobody reads (a paused pager, a stuck supervisor), a terminal paused with
 * Ctrl-S, or a Windows console frozen by a QuickEdit selection. Writing
 * there from the select() loop would stop the chat. So lines go into a
 * bounded queue and a writer thread copies them to stdout; when the queue is
 * full a line is dropped and counted, and once there is room again one
 * "log: N lines dropped" line marks the gap. A broken stdout (the reader
 * exited, as `natter-server | head` does) ends the logging, never the
 * process: SIGPIPE is ignored on POSIX.
 *
 * The queue itself (log_queue) is plain code without threads, so tests can
 * check the drop accounting exactly. */
#ifndef NATTER_PLATFORM_LOGSINK_H
#define NATTER_PLATFORM_LOGSINK_H

#include <stdbool.h>
#include <stddef.h>

/* ---- the bounded queue ------------------------------------------------- */

typedef struct log_queue {
    char *data;
    size_t len;             /* bytes queued */
    size_t cap;
    unsigned long dropped;  /* lines dropped since the last notice */
    unsigned long dropped_total;
} log_queue;

/* Returns 0, or -1 when memory runs out. */
int log_queue_init(log_queue *q, size_t capacity);
void log_queue_free(log_queue *q);

/* Queue prefix, text and a line end, or, if that does not fit (with the
 * notice of earlier drops ahead of it), drop the line and count it. Returns
 * true if queued. */
bool log_queue_push(log_queue *q, const char *prefix, size_t prefix_len,
                    const char *text, size_t text_len);

/* Move up to `room` queued bytes, oldest first, to out and return how many.
 * When the queue is empty but lines were dropped since the last notice, the
 * notice itself is produced ("log: N lines dropped\n"), so it is written as
 * soon as the sink keeps up again. */
size_t log_queue_take(log_queue *q, char *out, size_t room);

/* Whether log_queue_take() has anything to give. */
bool log_queue_has_output(const log_queue *q);

/* ---- the sink: a writer thread behind the queue ------------------------- */

typedef struct log_sink log_sink;

/* Start writing to standard output from a background thread, queueing at
 * most `capacity` bytes. NULL if the thread or memory cannot be had. */
log_sink *log_sink_start_stdout(size_t capacity);

/* Queue one line, prefix then text (no line end; one is added). Takes a
 * lock held only for a copy, so it never waits for the output. A line
 * longer than the whole queue is dropped. After stdout broke, lines are
 * discarded. */
void log_sink_write(log_sink *s, const char *prefix, const char *text);

/* Lines dropped so far because the queue was full (not counting those
 * discarded after stdout broke). */
unsigned long log_sink_dropped(log_sink *s);

/* Give the writer up to timeout_ms to write what is queued, then stop it and
 * free everything. If it is stuck in a write that long, it is left to end
 * with the process. */
void log_sink_stop(log_sink *s, long timeout_ms);

#endif
