// test_ratelimit.cpp - the token bucket, driven by a fake millisecond clock:
// burst then refusal, refill over time, wait_ms rounding, exact fractional
// accrual, rate 0 = unlimited, and robustness to odd clocks.
#include <gtest/gtest.h>

#include <cstdint>

extern "C" {
#include "core/ratelimit.h"
}

TEST(RateLimit, BurstThenRefusal)
{
    rate_limiter rl;
    rate_limiter_init(&rl, 1, 3, 1000);
    EXPECT_TRUE(rate_limiter_take(&rl, 1000));
    EXPECT_TRUE(rate_limiter_take(&rl, 1000));
    EXPECT_TRUE(rate_limiter_take(&rl, 1000));
    EXPECT_FALSE(rate_limiter_take(&rl, 1000));
    EXPECT_FALSE(rate_limiter_take(&rl, 1500));
}

TEST(RateLimit, RefillsAtTheRate)
{
    rate_limiter rl;
    rate_limiter_init(&rl, 2, 2, 0);
    ASSERT_TRUE(rate_limiter_take(&rl, 0));
    ASSERT_TRUE(rate_limiter_take(&rl, 0));
    ASSERT_FALSE(rate_limiter_take(&rl, 0));
    EXPECT_FALSE(rate_limiter_take(&rl, 499));
    EXPECT_TRUE(rate_limiter_take(&rl, 500));
    EXPECT_FALSE(rate_limiter_take(&rl, 500));
    EXPECT_TRUE(rate_limiter_take(&rl, 1000));
}

TEST(RateLimit, RefillStopsAtBurst)
{
    rate_limiter rl;
    rate_limiter_init(&rl, 5, 4, 0);
    for (int i = 0; i < 4; i++)
        ASSERT_TRUE(rate_limiter_take(&rl, 0));
    const uint64_t hour = 3600u * 1000u;
    for (int i = 0; i < 4; i++)
        EXPECT_TRUE(rate_limiter_take(&rl, hour));
    EXPECT_FALSE(rate_limiter_take(&rl, hour));
}

TEST(RateLimit, WaitMsIsExactAndRoundsUp)
{
    struct Case {
        uint32_t rate;
        uint64_t wait;
    };
    // One token is 1000 milli-tokens; `rate` arrive per millisecond.
    for (Case c : {Case{1, 1000}, Case{2, 500}, Case{3, 334}, Case{7, 143},
                   Case{1000, 1}, Case{3000, 1}}) {
        SCOPED_TRACE(c.rate);
        rate_limiter rl;
        rate_limiter_init(&rl, c.rate, 1, 50);
        EXPECT_EQ(rate_limiter_wait_ms(&rl, 50), 0u);
        ASSERT_TRUE(rate_limiter_take(&rl, 50));
        EXPECT_EQ(rate_limiter_wait_ms(&rl, 50), c.wait);
        // Just before the promised time: still nothing; at it: a token.
        if (c.wait > 1) {
            EXPECT_FALSE(rate_limiter_take(&rl, 50 + c.wait - 1));
        }
        EXPECT_EQ(rate_limiter_wait_ms(&rl, 50 + c.wait), 0u);
        EXPECT_TRUE(rate_limiter_take(&rl, 50 + c.wait));
    }
}

TEST(RateLimit, WaitShrinksAsTimePasses)
{
    rate_limiter rl;
    rate_limiter_init(&rl, 1, 1, 0);
    ASSERT_TRUE(rate_limiter_take(&rl, 0));
    EXPECT_EQ(rate_limiter_wait_ms(&rl, 0), 1000u);
    EXPECT_EQ(rate_limiter_wait_ms(&rl, 250), 750u);
    EXPECT_EQ(rate_limiter_wait_ms(&rl, 999), 1u);
    EXPECT_EQ(rate_limiter_wait_ms(&rl, 1000), 0u);
}

// Fractions are never lost: at 3/s, taking whenever possible over 10 s of
// 1 ms steps yields exactly 30 tokens after the initial burst. (Burst 2, so
// the bucket is never full and no accrual spills over its top.)
TEST(RateLimit, FractionalAccrualIsExact)
{
    rate_limiter rl;
    rate_limiter_init(&rl, 3, 2, 0);
    ASSERT_TRUE(rate_limiter_take(&rl, 0));
    ASSERT_TRUE(rate_limiter_take(&rl, 0));
    int taken = 0;
    for (uint64_t t = 1; t <= 10000; t++)
        if (rate_limiter_take(&rl, t))
            taken++;
    EXPECT_EQ(taken, 30);
}

TEST(RateLimit, RateZeroIsUnlimited)
{
    rate_limiter rl;
    rate_limiter_init(&rl, 0, 1, 0);
    for (int i = 0; i < 100000; i++)
        ASSERT_TRUE(rate_limiter_take(&rl, 0));
    EXPECT_EQ(rate_limiter_wait_ms(&rl, 0), 0u);
}

TEST(RateLimit, BurstZeroActsAsOne)
{
    rate_limiter rl;
    rate_limiter_init(&rl, 1, 0, 0);
    EXPECT_TRUE(rate_limiter_take(&rl, 0));
    EXPECT_FALSE(rate_limiter_take(&rl, 0));
    EXPECT_EQ(rate_limiter_wait_ms(&rl, 0), 1000u);
    EXPECT_TRUE(rate_limiter_take(&rl, 1000));
}

TEST(RateLimit, ClockGoingBackwardsEarnsNothing)
{
    rate_limiter rl;
    rate_limiter_init(&rl, 1, 1, 5000);
    ASSERT_TRUE(rate_limiter_take(&rl, 5000));
    EXPECT_FALSE(rate_limiter_take(&rl, 1000));
    EXPECT_EQ(rate_limiter_wait_ms(&rl, 1000), 1000u);
    // Time resumes from the latest reading, with no double credit.
    EXPECT_FALSE(rate_limiter_take(&rl, 5999));
    EXPECT_TRUE(rate_limiter_take(&rl, 6000));
}

TEST(RateLimit, ExtremeValuesDoNotOverflow)
{
    rate_limiter rl;
    rate_limiter_init(&rl, UINT32_MAX, UINT32_MAX, 0);
    ASSERT_TRUE(rate_limiter_take(&rl, 0));
    EXPECT_TRUE(rate_limiter_take(&rl, UINT64_MAX));
    EXPECT_EQ(rl.tokens_milli, (uint64_t)UINT32_MAX * 1000 - 1000);

    rate_limiter slow;
    rate_limiter_init(&slow, 1, 1, 0);
    ASSERT_TRUE(rate_limiter_take(&slow, 0));
    EXPECT_TRUE(rate_limiter_take(&slow, UINT64_MAX));
    EXPECT_FALSE(rate_limiter_take(&slow, UINT64_MAX));
    EXPECT_EQ(rate_limiter_wait_ms(&slow, UINT64_MAX), 1000u);
}
