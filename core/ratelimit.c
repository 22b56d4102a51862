/* ratelimit.c - token bucket in integer milli-tokens. With `rate` tokens per
 * second, one millisecond adds exactly `rate` milli-tokens, so refills never
 * lose fractions and need no floating point. */
#include "core/ratelimit.h"

#define MILLI 1000u

void rate_limiter_init(rate_limiter *rl, uint32_t rate, uint32_t burst, uint64_t now_ms)
{
    rl->rate = rate;
    /* A zero-sized bucket could never hold a token; treat it as one. */
    rl->burst = burst > 0 ? burst : 1;
    rl->tokens_milli = (uint64_t)rl->burst * MILLI;
    rl->last_ms = now_ms;
}

/* Add the tokens earned since last_ms, never beyond the bucket size. A clock
 * that went backwards earns nothing (and does not move last_ms back). */
static void refill(rate_limiter *rl, uint64_t now_ms)
{
    uint64_t full = (uint64_t)rl->burst * MILLI;
    uint64_t elapsed;
    uint64_t deficit;

    if (now_ms <= rl->last_ms)
        return;
    elapsed = now_ms - rl->last_ms;
    rl->last_ms = now_ms;
    if (rl->tokens_milli >= full) {
        rl->tokens_milli = full;
        return;
    }
    deficit = full - rl->tokens_milli;
    /* Compare by division first: elapsed * rate may not fit in 64 bits. */
    if (elapsed >= deficit / rl->rate + 1)
        rl->tokens_milli = full;
    else
        rl->tokens_milli += elapsed * rl->rate;
    if (rl->tokens_milli > full)
        rl->tokens_milli = full;
}

bool rate_limiter_take(rate_limiter *rl, uint64_t now_ms)
{
    if (rl->rate == 0)
        return true;
    refill(rl, now_ms);
    if (rl->tokens_milli < MILLI)
        return false;
    rl->tokens_milli -= MILLI;
    return true;
}

uint64_t rate_limiter_wait_ms(rate_limiter *rl, uint64_t now_ms)
{
    uint64_t missing;
    if (rl->rate == 0)
        return 0;
    refill(rl, now_ms);
    if (rl->tokens_milli >= MILLI)
        return 0;
    missing = MILLI - rl->tokens_milli;
    /* Round up: after this many ms a whole token is certainly there. */
    return (missing + rl->rate - 1) / rl->rate;
}
