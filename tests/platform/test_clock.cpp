// test_clock.cpp - platform/clock.h: the monotonic clock only moves forward
// and agrees with itself, sleeps last at least as long as asked, and the
// wall-clock stamps have the shape people read.
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <string>

extern "C" {
#include "platform/clock.h"
}

namespace {

// Whether text matches pattern, where 'D' stands for any digit.
bool matches_shape(const std::string &text, const std::string &pattern)
{
    if (text.size() != pattern.size())
        return false;
    for (size_t i = 0; i < text.size(); i++) {
        bool digit = std::isdigit((unsigned char)text[i]) != 0;
        if (pattern[i] == 'D' ? !digit : text[i] != pattern[i])
            return false;
    }
    return true;
}

int field(const std::string &text, size_t pos, size_t len)
{
    return std::stoi(text.substr(pos, len));
}

} // namespace

TEST(Clock, MonotonicNeverGoesBackwards)
{
    uint64_t last_ms = clock_monotonic_ms(), last_us = clock_monotonic_us();
    for (int i = 0; i < 100000; i++) {
        uint64_t ms = clock_monotonic_ms(), us = clock_monotonic_us();
        ASSERT_GE(ms, last_ms);
        ASSERT_GE(us, last_us);
        last_ms = ms;
        last_us = us;
    }
}

TEST(Clock, MillisecondsAndMicrosecondsAgree)
{
    uint64_t ms = clock_monotonic_ms();
    uint64_t us = clock_monotonic_us();
    uint64_t ms_after = clock_monotonic_ms();
    EXPECT_GE(us / 1000, ms);
    EXPECT_LE(us / 1000, ms_after + 1);
}

TEST(Clock, SleepLastsAtLeastAsLongAsAsked)
{
    uint64_t start = clock_monotonic_us();
    clock_sleep_ms(20);
    uint64_t elapsed_us = clock_monotonic_us() - start;
    EXPECT_GE(elapsed_us, 19000u);
    EXPECT_LT(elapsed_us, 2000000u);
}

TEST(Clock, SleepOfZeroOrLessReturnsAtOnce)
{
    uint64_t start = clock_monotonic_ms();
    clock_sleep_ms(0);
    clock_sleep_ms(-5);
    EXPECT_LT(clock_monotonic_ms() - start, 1000u);
}

TEST(Clock, LocalTimeIsHoursMinutesSeconds)
{
    char out[9];
    std::memset(out, 'x', sizeof out);
    clock_local_hms(out, sizeof out);
    std::string hms(out);
    ASSERT_TRUE(matches_shape(hms, "DD:DD:DD")) << "'" << hms << "'";
    EXPECT_LE(field(hms, 0, 2), 23);
    EXPECT_LE(field(hms, 3, 2), 59);
    EXPECT_LE(field(hms, 6, 2), 60); // a leap second
}

TEST(Clock, LocalDateTimeIsIsoLike)
{
    char out[20];
    std::memset(out, 'x', sizeof out);
    clock_local_datetime(out, sizeof out);
    std::string dt(out);
    ASSERT_TRUE(matches_shape(dt, "DDDD-DD-DD DD:DD:DD")) << "'" << dt << "'";
    EXPECT_GE(field(dt, 0, 4), 2020);
    EXPECT_GE(field(dt, 5, 2), 1);
    EXPECT_LE(field(dt, 5, 2), 12);
    EXPECT_GE(field(dt, 8, 2), 1);
    EXPECT_LE(field(dt, 8, 2), 31);
}

TEST(Clock, StampsStayInsideSmallBuffers)
{
    char out[8];
    std::memset(out, 'x', sizeof out);
    clock_local_hms(out, 4);
    EXPECT_LT(std::strlen(out), 4u);
    EXPECT_EQ('x', out[4]);
    std::memset(out, 'x', sizeof out);
    clock_local_datetime(out, 5);
    EXPECT_LT(std::strlen(out), 5u);
    EXPECT_EQ('x', out[5]);
}
