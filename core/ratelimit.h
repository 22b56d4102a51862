/* ratelimit.h - a token bucket: `rate` lines per second on average, up to
 * `burst` at once. Pure arithmetic over a millisecond clock the caller
 * passes in, so tests need no sleeping. rate 0 means unlimited; burst 0 is
 * taken as 1. The bucket starts full. */
#ifndef NATTER_CORE_RATELIMIT_H
#define NATTER_CORE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rate_limiter {
    uint32_t rate;        /* tokens per second; 0 = unlimited */
    uint32_t burst;       /* bucket size */
    uint64_t tokens_milli;/* tokens * 1000, to keep fractions exact */
    uint64_t last_ms;
} rate_limiter;

void rate_limiter_init(rate_limiter *rl, uint32_t rate, uint32_t burst, uint64_t now_ms);

/* Take one token if available. */
bool rate_limiter_take(rate_limiter *rl, uint64_t now_ms);

/* Milliseconds until a token will be available (0 if one is now). */
uint64_t rate_limiter_wait_ms(rate_limiter *rl, uint64_t now_ms);

#endif
