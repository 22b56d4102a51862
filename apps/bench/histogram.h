/* histogram.h - a log-linear latency histogram with bounded memory.
 *
 * A run of 1000 clients x 10 senders x 1000 messages is ten million samples,
 * too many to keep; this keeps counts in buckets instead. Values below 128
 * get one bucket each; above that every power of two is split into 64 equal
 * buckets, so a reported percentile is never more than 1/64 (1.6%) above the
 * true value. Min and max are kept exactly. */
#ifndef NATTER_BENCH_HISTOGRAM_H
#define NATTER_BENCH_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_LINEAR     128  /* values 0..127 are exact */
#define HISTOGRAM_SUB        64   /* buckets per power of two above that */
#define HISTOGRAM_MAX_EXP    40   /* values up to 2^40 (12 days in us) */
#define HISTOGRAM_BUCKETS \
    (HISTOGRAM_LINEAR + (HISTOGRAM_MAX_EXP - 7 + 1) * HISTOGRAM_SUB)

typedef struct histogram {
    uint64_t count;
    uint64_t min;
    uint64_t max;
    double sum;
    uint64_t buckets[HISTOGRAM_BUCKETS];
} histogram;

void histogram_reset(histogram *h);
void histogram_add(histogram *h, uint64_t value);

/* The value at percentile p (0 < p <= 100): the upper edge of the bucket
 * holding that rank, capped by the exact max. 0 when empty. */
uint64_t histogram_percentile(const histogram *h, double p);

/* Mean of all values, 0 when empty. */
double histogram_mean(const histogram *h);

#endif
