/* message.h - the benchmark's message text: "NB1 <sender> <seq> <send_us>"
 * in lower-case hex, padded with " xxx..." up to a requested length.
 *
 * Servers add their own prefix ("<user5> ", "[12:00:00] <b3> "), so a
 * receiver looks for the "NB1 " marker anywhere in a line. Times are
 * microseconds since the run started, on the benchmark's own monotonic clock:
 * the sender and every receiver are this one process, so receive time minus
 * send time is a latency without any clock synchronisation. */
#ifndef NATTER_BENCH_MESSAGE_H
#define NATTER_BENCH_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest text without padding: "NB1 " + 8 + 1 + 8 + 1 + 16 hex digits. */
#define MESSAGE_MAX_BARE 38

typedef struct bench_message {
    uint32_t sender;
    uint32_t seq;
    uint64_t send_us;
} bench_message;

/* Write the text padded to at least min_len bytes, then "\n", into out
 * (cap bytes, at least max(min_len, MESSAGE_MAX_BARE) + 1). Returns the
 * bytes written including the "\n", or 0 when cap is too small. */
size_t message_format(char *out, size_t cap, const bench_message *m,
                      size_t min_len);

/* Find a benchmark message anywhere in line[0..len). Returns true and fills
 * *m when one is there and well formed. */
bool message_find(const char *line, size_t len, bench_message *m);

#endif
