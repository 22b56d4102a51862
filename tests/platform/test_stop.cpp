// test_stop.cpp - platform/stop.h on every OS: the hook installs, replaces
// itself and comes off again, and stop_hook_done never blocks the caller.
// Delivering a real stop request is OS-specific: see test_posix.cpp.
#include <gtest/gtest.h>

extern "C" {
#include "platform/clock.h"
#include "platform/stop.h"
}

namespace {

void count_stop(void *arg)
{
    ++*static_cast<int *>(arg);
}

} // namespace

TEST(StopHook, RefusesANullCallback)
{
    EXPECT_EQ(-1, stop_hook_install(nullptr, nullptr));
}

TEST(StopHook, InstallsReplacesAndRemoves)
{
    int first = 0, second = 0;
    EXPECT_EQ(0, stop_hook_install(count_stop, &first));
    EXPECT_EQ(0, stop_hook_install(count_stop, &second));
    stop_hook_remove();
    stop_hook_remove(); // removing twice is harmless
    EXPECT_EQ(0, stop_hook_install(count_stop, &first));
    stop_hook_remove();
    // Nothing asked to stop, so nothing was called.
    EXPECT_EQ(0, first);
    EXPECT_EQ(0, second);
}

TEST(StopHook, DoneReturnsAtOnce)
{
    int calls = 0;
    uint64_t start = clock_monotonic_ms();
    stop_hook_done(); // before any install
    ASSERT_EQ(0, stop_hook_install(count_stop, &calls));
    stop_hook_done();
    stop_hook_done();
    stop_hook_remove();
    EXPECT_LT(clock_monotonic_ms() - start, 1000u);
    EXPECT_EQ(0, calls);
}
