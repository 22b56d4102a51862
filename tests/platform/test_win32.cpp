// test_win32.cpp - Windows-only behaviour of the platform layer (built only
// there, see tests/CMakeLists.txt): Winsock's fd_set is a counted array of
// FD_SETSIZE sockets, so a readiness set fills up by entries, not by value.
#include "socket_helpers.h"

#include <gtest/gtest.h>

#include <memory>

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

} // namespace

// The set holds capacity (FD_SETSIZE, 10240) entries and refuses the next.
// One socket stands in for all of them: net_poll_add does no duplicate check
// (by contract the caller never adds a socket twice), so this fills the set
// without opening thousands of sockets.
TEST_F(NetTest, PollHoldsCapacityEntriesAndRefusesMore)
{
    EXPECT_GE(net_poll_capacity(), 10240);
    net_socket pair[2];
    char err[256] = "";
    ASSERT_EQ(0, net_socket_pair(pair, err, sizeof err)) << err;
    Socket a(pair[0]), b(pair[1]);
    ASSERT_TRUE(net_poll_can_hold(a.get()));

    PollPtr p = make_poll();
    ASSERT_NE(nullptr, p);
    net_poll_clear(p.get());
    int capacity = net_poll_capacity();
    for (int i = 0; i < capacity; i++)
        ASSERT_EQ(0, net_poll_add(p.get(), a.get(), NET_POLL_READ)) << "entry " << i;
    EXPECT_EQ(-1, net_poll_add(p.get(), a.get(), NET_POLL_READ));
    net_poll_clear(p.get());
    EXPECT_EQ(0, net_poll_add(p.get(), a.get(), NET_POLL_READ));
}
