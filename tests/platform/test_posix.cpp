// test_posix.cpp - POSIX-only behaviour of the platform layer (built only
// there, see tests/CMakeLists.txt): stop signals reach the hook and
// interrupt select(), ignored signals stay ignored, the fd_set bound, no
// SIGPIPE, and SO_REUSEADDR letting a restarted server listen at once.
#include "socket_helpers.h"

#include <gtest/gtest.h>

#include <csignal>
#include <signal.h>
#include <sys/select.h>
#include <unistd.h>

extern "C" {
#include "platform/stop.h"
}

namespace {

volatile sig_atomic_t g_stops = 0;

void count_stop(void *arg)
{
    (void)arg;
    g_stops = g_stops + 1;
}

struct sigaction current_action(int sig)
{
    struct sigaction sa {};
    sigaction(sig, nullptr, &sa);
    return sa;
}

// Set sig's disposition for the test and put back what was there after.
class SignalGuard {
public:
    SignalGuard(int sig, void (*handler)(int)) : sig_(sig)
    {
        struct sigaction sa {};
        sa.sa_handler = handler;
        sigemptyset(&sa.sa_mask);
        sigaction(sig_, &sa, &saved_);
    }
    ~SignalGuard() { sigaction(sig_, &saved_, nullptr); }
    SignalGuard(const SignalGuard &) = delete;
    SignalGuard &operator=(const SignalGuard &) = delete;

private:
    int sig_;
    struct sigaction saved_ {};
};

class StopHookPosix : public ::testing::Test {
protected:
    void SetUp() override { g_stops = 0; }
    void TearDown() override { stop_hook_remove(); }
};

} // namespace

TEST_F(StopHookPosix, EachStopSignalCallsTheHook)
{
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
        SignalGuard dfl(sig, SIG_DFL);
        g_stops = 0;
        ASSERT_EQ(0, stop_hook_install(count_stop, nullptr));
        ASSERT_EQ(0, raise(sig)) << "signal " << sig;
        EXPECT_EQ(1, g_stops) << "signal " << sig;
        stop_hook_remove();
        EXPECT_EQ(SIG_DFL, current_action(sig).sa_handler) << "signal " << sig;
    }
}

TEST_F(StopHookPosix, HandlerDoesNotRestartSystemCalls)
{
    SignalGuard dfl(SIGTERM, SIG_DFL);
    ASSERT_EQ(0, stop_hook_install(count_stop, nullptr));
    struct sigaction sa = current_action(SIGTERM);
    EXPECT_NE(SIG_DFL, sa.sa_handler);
    EXPECT_EQ(0, sa.sa_flags & SA_RESTART);
}

TEST_F(StopHookPosix, IgnoredSignalsStayIgnored)
{
    SignalGuard ign(SIGHUP, SIG_IGN);
    SignalGuard dfl(SIGTERM, SIG_DFL);
    ASSERT_EQ(0, stop_hook_install(count_stop, nullptr));
    EXPECT_EQ(SIG_IGN, current_action(SIGHUP).sa_handler);
    EXPECT_NE(SIG_DFL, current_action(SIGTERM).sa_handler);
    ASSERT_EQ(0, raise(SIGHUP));
    EXPECT_EQ(0, g_stops);
    stop_hook_remove();
    EXPECT_EQ(SIG_IGN, current_action(SIGHUP).sa_handler);
    EXPECT_EQ(SIG_DFL, current_action(SIGTERM).sa_handler);
}

// A stop signal arriving during net_poll_wait ends the wait early (0), which
// is how the server loop notices Ctrl-C without waiting for its timeout.
TEST_F(StopHookPosix, SignalInterruptsPollWait)
{
    ASSERT_EQ(0, net_init());
    SignalGuard dfl(SIGALRM, SIG_DFL);
    // SIGALRM stands in for a stop signal: same kind of handler, no SA_RESTART,
    // and alarm() delivers it in the middle of the wait.
    struct sigaction sa {};
    sa.sa_handler = [](int) { g_stops = g_stops + 1; };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    ASSERT_EQ(0, sigaction(SIGALRM, &sa, nullptr));

    net_socket pair[2];
    char err[256] = "";
    ASSERT_EQ(0, net_socket_pair(pair, err, sizeof err)) << err;
    natter_test::Socket a(pair[0]), b(pair[1]);
    net_poll *p = net_poll_create();
    ASSERT_NE(nullptr, p);
    net_poll_clear(p);
    ASSERT_EQ(0, net_poll_add(p, a.get(), NET_POLL_READ));
    uint64_t start = clock_monotonic_ms();
    alarm(1);
    int n = net_poll_wait(p, 10000);
    uint64_t elapsed = clock_monotonic_ms() - start;
    alarm(0);
    EXPECT_EQ(0, n);
    EXPECT_EQ(1, g_stops);
    EXPECT_LT(elapsed, 5000u);
    EXPECT_EQ(0, net_poll_ready(p, a.get())); // interrupted: nothing is ready
    net_poll_destroy(p);
    net_cleanup();
}

TEST(PollPosix, DescriptorsAtOrPastFdSetSizeAreRefused)
{
    EXPECT_TRUE(net_poll_can_hold(0));
    EXPECT_TRUE(net_poll_can_hold(FD_SETSIZE - 1));
    EXPECT_FALSE(net_poll_can_hold(FD_SETSIZE));
    EXPECT_FALSE(net_poll_can_hold(-1));
    EXPECT_EQ(FD_SETSIZE, net_poll_capacity());
    net_poll *p = net_poll_create();
    ASSERT_NE(nullptr, p);
    net_poll_clear(p);
    EXPECT_EQ(-1, net_poll_add(p, FD_SETSIZE, NET_POLL_READ));
    EXPECT_EQ(-1, net_poll_add(p, FD_SETSIZE + 100, NET_POLL_WRITE));
    EXPECT_EQ(0, net_poll_ready(p, FD_SETSIZE));
    net_poll_destroy(p);
}

// With SIGPIPE at its default (fatal) disposition, writing to a socket whose
// peer is gone must still come back as an error rather than kill us.
TEST(NetPosix, NoSigpipeEvenWithTheDefaultDisposition)
{
    SignalGuard dfl(SIGPIPE, SIG_DFL);
    ASSERT_EQ(0, net_init());
    net_socket pair[2];
    char err[256] = "";
    ASSERT_EQ(0, net_socket_pair(pair, err, sizeof err)) << err;
    natter_test::Socket a(pair[0]);
    net_close(pair[1]);
    long n = net_send(a.get(), "x", 1);
    EXPECT_EQ(NET_ERROR, n);
    EXPECT_TRUE(net_error_connection_reset(net_last_error()));
    net_cleanup();
}

// A server that closed its connections first leaves them in TIME_WAIT;
// SO_REUSEADDR is what lets it listen on the same port again at once.
TEST(NetPosix, ListenAgainRightAfterAServerClosedItsConnections)
{
    ASSERT_EQ(0, net_init());
    int port = 0;
    {
        natter_test::Socket listener = natter_test::listen_loopback(&port);
        ASSERT_TRUE(listener.valid());
        natter_test::Socket client = natter_test::connect_to("127.0.0.1", port);
        ASSERT_TRUE(client.valid());
        natter_test::Socket server = natter_test::accept_within(listener.get());
        ASSERT_TRUE(server.valid());
        server.reset(); // the server closes first: its side goes to TIME_WAIT
        EXPECT_EQ(0, natter_test::recv_outcome(client.get()).result);
    }
    net_socket again = NET_INVALID_SOCKET;
    char err[256] = "";
    std::string port_text = std::to_string(port);
    EXPECT_EQ(1, net_listen("127.0.0.1", port_text.c_str(), &again, 1, err, sizeof err)) << err;
    if (again != NET_INVALID_SOCKET)
        net_close(again);
    net_cleanup();
}
