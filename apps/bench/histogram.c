/* histogram.c - see histogram.h. Bucket layout: index v for v < 128; for
 * larger v with highest set bit e, the 6 bits below it pick one of 64
 * sub-buckets of that power of two. */
#include "histogram.h"

#include <string.h>

static int highest_bit(uint64_t v) {
    int e = 0;
    while (v >>= 1) e++;
    return e;
}

static int bucket_of(uint64_t v) {
    int e, shift;
    uint64_t top;
    if (v < HISTOGRAM_LINEAR) return (int)v;
    e = highest_bit(v);
    if (e > HISTOGRAM_MAX_EXP) return HISTOGRAM_BUCKETS - 1;
    shift = e - 6;  /* keep the top 7 bits: 64..127 */
    top = v >> shift;
    return HISTOGRAM_LINEAR + (e - 7) * HISTOGRAM_SUB + (int)(top - HISTOGRAM_SUB);
}

/* The largest value that falls in bucket i. */
static uint64_t bucket_upper(int i) {
    int e, shift;
    uint64_t top;
    if (i < HISTOGRAM_LINEAR) return (uint64_t)i;
    e = (i - HISTOGRAM_LINEAR) / HISTOGRAM_SUB + 7;
    top = (uint64_t)((i - HISTOGRAM_LINEAR) % HISTOGRAM_SUB + HISTOGRAM_SUB);
    shift = e - 6;
    return ((top + 1) << shift) - 1;
}

void histogram_reset(histogram *h) {
    memset(h, 0, sizeof *h);
}

void histogram_add(histogram *h, uint64_t value) {
    if (h->count == 0 || value < h->min) h->min = value;
    if (value > h->max) h->max = value;
    h->count++;
    h->sum += (double)value;
    h->buckets[bucket_of(value)]++;
}

uint64_t histogram_percentile(const histogram *h, double p) {
    uint64_t rank, seen = 0;
    int i;
    if (h->count == 0) return 0;
    if (p >= 100.0) return h->max;
    /* The smallest value with at least p% of the samples at or below it. */
    rank = (uint64_t)((p / 100.0) * (double)h->count + 0.999999);
    if (rank < 1) rank = 1;
    for (i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t upper = bucket_upper(i);
            return upper < h->max ? upper : h->max;
        }
    }
    return h->max;
}

double histogram_mean(const histogram *h) {
    return h->count ? h->sum / (double)h->count : 0.0;
}
