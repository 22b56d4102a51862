// test_posix.cpp - POSIX-only behaviour of the platform layer (built only
// there, see tests/CMakeLists.txt): stop signals reach the hook and
// interrupt select(), ignored signals stay ignored, select() on descriptors
// past FD_SETSIZE, no
// SIGPIPE, and SO_REUSEADDR letting a restarted server listen at once.
#include "socket_helpers.h"

#include <gtest/gtest.h>

#include <csignal>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/resource.h>
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

TEST(PollPosix, AnyDescriptorCanBeHeld)
{
    EXPECT_TRUE(net_poll_can_hold(0));
    EXPECT_TRUE(net_poll_can_hold(FD_SETSIZE - 1));
    EXPECT_TRUE(net_poll_can_hold(FD_SETSIZE));
    EXPECT_TRUE(net_poll_can_hold(100000));
    EXPECT_FALSE(net_poll_can_hold(-1));
    // No cap of its own: the descriptor limit is the one that counts.
    EXPECT_GE(net_poll_capacity(), 1000000);
    net_poll *p = net_poll_create();
    ASSERT_NE(nullptr, p);
    net_poll_clear(p);
    EXPECT_EQ(-1, net_poll_add(p, -1, NET_POLL_READ));
    EXPECT_EQ(0, net_poll_ready(p, FD_SETSIZE)); // never waited: nothing ready
    net_poll_destroy(p);
}

namespace {

// Raise RLIMIT_NOFILE's soft limit to at least `need` for one test and put
// it back after; ok() is false when the hard limit is lower.
class DescriptorLimit {
public:
    explicit DescriptorLimit(rlim_t need)
    {
        getrlimit(RLIMIT_NOFILE, &saved_);
        struct rlimit raised = saved_;
        if (raised.rlim_cur != RLIM_INFINITY && raised.rlim_cur < need)
            raised.rlim_cur = need;
        ok_ = setrlimit(RLIMIT_NOFILE, &raised) == 0;
    }
    ~DescriptorLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }
    DescriptorLimit(const DescriptorLimit &) = delete;
    DescriptorLimit &operator=(const DescriptorLimit &) = delete;
    bool ok() const { return ok_; }

private:
    struct rlimit saved_ {};
    bool ok_ = false;
};

// Move s to descriptor `at` (dup2, then close the original).
int move_to(int s, int at)
{
    if (dup2(s, at) != at) return -1;
    close(s);
    return at;
}

} // namespace

// Descriptors far past FD_SETSIZE (1024), where glibc's FD_SET would abort
// under _FORTIFY_SOURCE: select() waits on them and reports exactly the
// ready ones, next to a low descriptor in the same set.
TEST(PollPosix, SelectWaitsOnDescriptorsPastFdSetSize)
{
    DescriptorLimit limit(4200);
    if (!limit.ok()) GTEST_SKIP() << "cannot raise RLIMIT_NOFILE to 4200";
    ASSERT_EQ(0, net_init());
    net_socket pair[2], low[2];
    char err[256] = "";
    ASSERT_EQ(0, net_socket_pair(pair, err, sizeof err)) << err;
    ASSERT_EQ(0, net_socket_pair(low, err, sizeof err)) << err;
    int reader = move_to(pair[0], 2050);
    int writer = move_to(pair[1], 4100);
    ASSERT_EQ(2050, reader);
    ASSERT_EQ(4100, writer);

    net_poll *p = net_poll_create();
    ASSERT_NE(nullptr, p);
    // Nothing to read yet: the wait times out, having really waited.
    net_poll_clear(p);
    ASSERT_EQ(0, net_poll_add(p, low[0], NET_POLL_READ));
    ASSERT_EQ(0, net_poll_add(p, reader, NET_POLL_READ));
    uint64_t start = clock_monotonic_ms();
    EXPECT_EQ(0, net_poll_wait(p, 200));
    EXPECT_GE(clock_monotonic_ms() - start, 150u);
    EXPECT_EQ(0, net_poll_ready(p, reader));

    // Data on the high descriptor: only it is readable; the writer side is
    // writable; the low one is neither.
    ASSERT_EQ(1, net_send(writer, "!", 1));
    net_poll_clear(p);
    ASSERT_EQ(0, net_poll_add(p, low[0], NET_POLL_READ));
    ASSERT_EQ(0, net_poll_add(p, reader, NET_POLL_READ));
    ASSERT_EQ(0, net_poll_add(p, writer, NET_POLL_WRITE));
    EXPECT_EQ(2, net_poll_wait(p, 5000));
    EXPECT_EQ(NET_POLL_READ, net_poll_ready(p, reader));
    EXPECT_EQ(NET_POLL_WRITE, net_poll_ready(p, writer));
    EXPECT_EQ(0, net_poll_ready(p, low[0]));
    EXPECT_EQ(0, net_poll_ready(p, 3000)); // never added

    // Cleared and rebuilt with only the low pair: the high bits are gone.
    net_poll_clear(p);
    ASSERT_EQ(0, net_poll_add(p, low[1], NET_POLL_WRITE));
    EXPECT_EQ(1, net_poll_wait(p, 5000));
    EXPECT_EQ(NET_POLL_WRITE, net_poll_ready(p, low[1]));
    EXPECT_EQ(0, net_poll_ready(p, reader));
    EXPECT_EQ(0, net_poll_ready(p, writer));

    net_poll_destroy(p);
    net_close(reader);
    net_close(writer);
    net_close(low[0]);
    net_close(low[1]);
    net_cleanup();
}

namespace {

int int_option(int s, int level, int name)
{
    int value = -1;
    socklen_t len = sizeof value;
    if (getsockopt(s, level, name, &value, &len) != 0) return -1;
    return value;
}

} // namespace

// What net_set_keepalive and net_set_send_buffer leave on a TCP connection.
TEST(NetPosix, KeepaliveAndSendBufferOptionsAreSet)
{
    ASSERT_EQ(0, net_init());
    auto pair = natter_test::loopback_pair();
    int s = pair.first.get();
    ASSERT_GE(s, 0);
    EXPECT_EQ(0, int_option(s, SOL_SOCKET, SO_KEEPALIVE));
    ASSERT_EQ(0, net_set_keepalive(s));
    EXPECT_NE(0, int_option(s, SOL_SOCKET, SO_KEEPALIVE));
#if defined(TCP_KEEPIDLE)
    EXPECT_EQ(NET_KEEPALIVE_IDLE_S, int_option(s, IPPROTO_TCP, TCP_KEEPIDLE));
#elif defined(TCP_KEEPALIVE)
    EXPECT_EQ(NET_KEEPALIVE_IDLE_S, int_option(s, IPPROTO_TCP, TCP_KEEPALIVE));
#endif
#ifdef TCP_KEEPINTVL
    EXPECT_EQ(NET_KEEPALIVE_INTERVAL_S, int_option(s, IPPROTO_TCP, TCP_KEEPINTVL));
#endif
#ifdef TCP_KEEPCNT
    EXPECT_EQ(NET_KEEPALIVE_COUNT, int_option(s, IPPROTO_TCP, TCP_KEEPCNT));
#endif
    ASSERT_EQ(0, net_set_send_buffer(s, 64 * 1024));
    int sndbuf = int_option(s, SOL_SOCKET, SO_SNDBUF);
    EXPECT_GE(sndbuf, 32 * 1024);
    EXPECT_LE(sndbuf, 2 * 64 * 1024 + 4096); // Linux reports twice the request
    net_cleanup();
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
