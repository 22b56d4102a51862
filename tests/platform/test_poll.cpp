// test_poll.cpp - the readiness set (platform/poll.h) over real loopback
// sockets: what is reported ready, what is not, timeouts, and how many
// sockets one set holds.
#include "socket_helpers.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

using natter_test::NetTest;
using natter_test::Socket;

namespace {

struct PollDeleter {
    void operator()(net_poll *p) const { net_poll_destroy(p); }
};
using PollPtr = std::unique_ptr<net_poll, PollDeleter>;

PollPtr make_poll()
{
    return PollPtr(net_poll_create());
}

// A cleared set watching only s for events; null (with the failure
// recorded) if it cannot be made.
PollPtr poll_on(net_socket s, int events)
{
    PollPtr p = make_poll();
    if (!p) {
        ADD_FAILURE() << "net_poll_create failed";
        return p;
    }
    net_poll_clear(p.get());
    if (net_poll_add(p.get(), s, events) != 0) {
        ADD_FAILURE() << "net_poll_add failed";
        p.reset();
    }
    return p;
}

struct SocketPair {
    Socket a, b;
};

// n wake-up pairs (on Windows each is a loopback TCP connection).
std::vector<SocketPair> make_pairs(int n)
{
    std::vector<SocketPair> pairs;
    for (int i = 0; i < n; i++) {
        net_socket s[2];
        char err[256] = "";
        if (net_socket_pair(s, err, sizeof err) != 0) {
            ADD_FAILURE() << "socket pair " << i << ": " << err;
            break;
        }
        pairs.push_back(SocketPair{Socket(s[0]), Socket(s[1])});
    }
    return pairs;
}

} // namespace

TEST_F(NetTest, PollCreatesAnEmptySet)
{
    PollPtr p = make_poll();
    ASSERT_NE(nullptr, p);
    EXPECT_GE(net_poll_capacity(), 64);
    EXPECT_FALSE(net_poll_can_hold(NET_INVALID_SOCKET));
    EXPECT_EQ(-1, net_poll_add(p.get(), NET_INVALID_SOCKET, NET_POLL_READ));
}

TEST_F(NetTest, PollReportsPendingDataAsReadable)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid() && pair.second.valid());
    ASSERT_TRUE(natter_test::send_all(pair.first.get(), "ping"));
    PollPtr p = poll_on(pair.second.get(), NET_POLL_READ);
    ASSERT_NE(nullptr, p);
    EXPECT_EQ(1, net_poll_wait(p.get(), natter_test::kDeadlineMs));
    EXPECT_EQ(NET_POLL_READ, net_poll_ready(p.get(), pair.second.get()));
    // A socket that was not added is never ready.
    EXPECT_EQ(0, net_poll_ready(p.get(), pair.first.get()));
}

TEST_F(NetTest, PollReportsAFreshConnectionAsWritableNotReadable)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.second.valid());
    PollPtr p = poll_on(pair.second.get(), NET_POLL_READ | NET_POLL_WRITE);
    ASSERT_NE(nullptr, p);
    EXPECT_EQ(1, net_poll_wait(p.get(), natter_test::kDeadlineMs));
    EXPECT_EQ(NET_POLL_WRITE, net_poll_ready(p.get(), pair.second.get()));
}

TEST_F(NetTest, PollReportsReadAndWriteTogether)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid() && pair.second.valid());
    ASSERT_TRUE(natter_test::send_all(pair.first.get(), "x"));
    ASSERT_EQ(NET_POLL_READ, natter_test::wait_for(pair.second.get(), NET_POLL_READ));
    PollPtr p = poll_on(pair.second.get(), NET_POLL_READ | NET_POLL_WRITE);
    ASSERT_NE(nullptr, p);
    EXPECT_GE(net_poll_wait(p.get(), natter_test::kDeadlineMs), 1);
    EXPECT_EQ(NET_POLL_READ | NET_POLL_WRITE, net_poll_ready(p.get(), pair.second.get()));
}

TEST_F(NetTest, PollReportsAPendingConnectionOnTheListener)
{
    int port = 0;
    Socket listener = natter_test::listen_loopback(&port);
    ASSERT_TRUE(listener.valid());
    EXPECT_EQ(0, natter_test::wait_for(listener.get(), NET_POLL_READ, 50));
    Socket client = natter_test::connect_to("127.0.0.1", port);
    ASSERT_TRUE(client.valid());
    EXPECT_EQ(NET_POLL_READ, natter_test::wait_for(listener.get(), NET_POLL_READ));
}

TEST_F(NetTest, PollReportsAClosedPeerAsReadable)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.first.valid() && pair.second.valid());
    pair.first.reset();
    EXPECT_EQ(NET_POLL_READ, natter_test::wait_for(pair.second.get(), NET_POLL_READ));
    char buf[8];
    EXPECT_EQ(0, net_recv(pair.second.get(), buf, sizeof buf));
}

TEST_F(NetTest, PollTimesOutWhenNothingIsReady)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.second.valid());
    PollPtr p = poll_on(pair.second.get(), NET_POLL_READ);
    ASSERT_NE(nullptr, p);
    uint64_t start = clock_monotonic_ms();
    EXPECT_EQ(0, net_poll_wait(p.get(), 150));
    uint64_t elapsed = clock_monotonic_ms() - start;
    // Timers may round to the scheduler tick (~15.6 ms on Windows).
    EXPECT_GE(elapsed, 120u);
    EXPECT_LT(elapsed, 3000u);
    EXPECT_EQ(0, net_poll_ready(p.get(), pair.second.get()));
}

TEST_F(NetTest, PollWithAZeroTimeoutDoesNotWait)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.second.valid());
    PollPtr p = poll_on(pair.second.get(), NET_POLL_READ);
    ASSERT_NE(nullptr, p);
    uint64_t start = clock_monotonic_ms();
    EXPECT_EQ(0, net_poll_wait(p.get(), 0));
    EXPECT_LT(clock_monotonic_ms() - start, 1000u);
}

// The microsecond variant waits (select() takes microseconds), and readiness
// still ends the wait early.
TEST_F(NetTest, PollWithAMicrosecondTimeoutWaitsThenSeesData)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.second.valid());
    PollPtr p = poll_on(pair.second.get(), NET_POLL_READ);
    ASSERT_NE(nullptr, p);
    uint64_t start = clock_monotonic_us();
    EXPECT_EQ(0, net_poll_wait_us(p.get(), 30000));
    uint64_t elapsed = clock_monotonic_us() - start;
    EXPECT_GE(elapsed, 25000u);
    EXPECT_LT(elapsed, 3000000u);

    ASSERT_EQ(1, net_send(pair.first.get(), "x", 1));
    net_poll_clear(p.get());
    ASSERT_EQ(0, net_poll_add(p.get(), pair.second.get(), NET_POLL_READ));
    start = clock_monotonic_us();
    EXPECT_EQ(1, net_poll_wait_us(p.get(), 10000000));
    EXPECT_LT(clock_monotonic_us() - start, 5000000u);
    EXPECT_EQ(NET_POLL_READ, net_poll_ready(p.get(), pair.second.get()));
}

TEST_F(NetTest, PollOnAnEmptySetSleeps)
{
    PollPtr p = make_poll();
    ASSERT_NE(nullptr, p);
    net_poll_clear(p.get());
    uint64_t start = clock_monotonic_ms();
    EXPECT_EQ(0, net_poll_wait(p.get(), 60));
    uint64_t elapsed = clock_monotonic_ms() - start;
    EXPECT_GE(elapsed, 45u);
    EXPECT_LT(elapsed, 3000u);
}

TEST_F(NetTest, PollForgetsReadinessOnClear)
{
    auto pair = natter_test::loopback_pair();
    ASSERT_TRUE(pair.second.valid());
    PollPtr p = poll_on(pair.second.get(), NET_POLL_WRITE);
    ASSERT_NE(nullptr, p);
    // Added but not yet waited for: not ready.
    EXPECT_EQ(0, net_poll_ready(p.get(), pair.second.get()));
    ASSERT_EQ(1, net_poll_wait(p.get(), natter_test::kDeadlineMs));
    EXPECT_EQ(NET_POLL_WRITE, net_poll_ready(p.get(), pair.second.get()));
    net_poll_clear(p.get());
    EXPECT_EQ(0, net_poll_ready(p.get(), pair.second.get()));
}

// More sockets than Winsock's default FD_SETSIZE (64), half of them with
// data: exactly those, and no others, are reported readable. This is what
// the sorted ready arrays on Windows must get right.
TEST_F(NetTest, PollTellsManySocketsApart)
{
    const int kPairs = 50;
    std::vector<SocketPair> pairs = make_pairs(kPairs);
    ASSERT_EQ((size_t)kPairs, pairs.size());
    for (int i = 0; i < kPairs; i += 2)
        ASSERT_EQ(1, net_send(pairs[i].a.get(), "!", 1));

    PollPtr p = make_poll();
    ASSERT_NE(nullptr, p);
    // Data on loopback may take a moment: wait until all of it is there.
    int readable = 0;
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)natter_test::kDeadlineMs;
    while (readable < kPairs / 2 && clock_monotonic_ms() < deadline) {
        net_poll_clear(p.get());
        for (const SocketPair &sp : pairs) {
            ASSERT_EQ(0, net_poll_add(p.get(), sp.a.get(), NET_POLL_READ));
            ASSERT_EQ(0, net_poll_add(p.get(), sp.b.get(), NET_POLL_READ));
        }
        readable = net_poll_wait(p.get(), 100);
        ASSERT_GE(readable, 0);
    }
    ASSERT_EQ(kPairs / 2, readable);
    for (int i = 0; i < kPairs; i++) {
        EXPECT_EQ(i % 2 == 0 ? NET_POLL_READ : 0, net_poll_ready(p.get(), pairs[i].b.get()))
            << "pair " << i;
        EXPECT_EQ(0, net_poll_ready(p.get(), pairs[i].a.get())) << "pair " << i;
    }

    // All of them are writable.
    net_poll_clear(p.get());
    for (const SocketPair &sp : pairs) {
        ASSERT_EQ(0, net_poll_add(p.get(), sp.a.get(), NET_POLL_WRITE));
        ASSERT_EQ(0, net_poll_add(p.get(), sp.b.get(), NET_POLL_WRITE));
    }
    EXPECT_EQ(2 * kPairs, net_poll_wait(p.get(), natter_test::kDeadlineMs));
    for (const SocketPair &sp : pairs) {
        EXPECT_EQ(NET_POLL_WRITE, net_poll_ready(p.get(), sp.a.get()));
        EXPECT_EQ(NET_POLL_WRITE, net_poll_ready(p.get(), sp.b.get()));
    }
}
