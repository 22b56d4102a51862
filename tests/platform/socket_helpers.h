// socket_helpers.h - small helpers shared by the platform tests: sockets that
// close themselves, and accept/recv/wait calls that give up at a deadline so
// a broken platform layer fails a test instead of hanging it.
#ifndef NATTER_TESTS_PLATFORM_SOCKET_HELPERS_H
#define NATTER_TESTS_PLATFORM_SOCKET_HELPERS_H

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "platform/clock.h"
#include "platform/net.h"
#include "platform/poll.h"
}

namespace natter_test {

// Every network wait in these tests gives up after this long.
constexpr long kDeadlineMs = 5000;

// A socket closed when it goes out of scope.
class Socket {
public:
    Socket() = default;
    explicit Socket(net_socket s) : s_(s) {}
    ~Socket() { reset(); }
    Socket(const Socket &) = delete;
    Socket &operator=(const Socket &) = delete;
    Socket(Socket &&o) noexcept : s_(o.release()) {}
    Socket &operator=(Socket &&o) noexcept
    {
        if (this != &o) {
            reset();
            s_ = o.release();
        }
        return *this;
    }
    net_socket get() const { return s_; }
    bool valid() const { return s_ != NET_INVALID_SOCKET; }
    net_socket *out() { reset(); return &s_; }
    net_socket release()
    {
        net_socket s = s_;
        s_ = NET_INVALID_SOCKET;
        return s;
    }
    void reset()
    {
        if (valid())
            net_close(s_);
        s_ = NET_INVALID_SOCKET;
    }

private:
    net_socket s_ = NET_INVALID_SOCKET;
};

// net_init / net_cleanup around each test (they nest).
class NetTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(0, net_init()); }
    void TearDown() override { net_cleanup(); }
};

// Wait until s is ready for events (NET_POLL_READ / NET_POLL_WRITE) or the
// deadline passes; returns the ready events (0 on timeout).
inline int wait_for(net_socket s, int events, long timeout_ms = kDeadlineMs)
{
    net_poll *p = net_poll_create();
    if (p == nullptr)
        return 0;
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)timeout_ms;
    int ready = 0;
    for (;;) {
        uint64_t now = clock_monotonic_ms();
        long left = now < deadline ? (long)(deadline - now) : 0;
        net_poll_clear(p);
        if (net_poll_add(p, s, events) != 0 || net_poll_wait(p, left) < 0)
            break;
        ready = net_poll_ready(p, s) & events;
        if (ready != 0 || left == 0)
            break;
    }
    net_poll_destroy(p);
    return ready;
}

// A listener on 127.0.0.1 with an OS-picked port.
inline Socket listen_loopback(int *port)
{
    net_socket s = NET_INVALID_SOCKET;
    char err[256] = "";
    int n = net_listen("127.0.0.1", "0", &s, 1, err, sizeof err);
    EXPECT_EQ(1, n) << err;
    if (n != 1)
        return Socket();
    *port = net_local_port(s);
    return Socket(s);
}

// Accept one connection from listener, waiting up to the deadline.
inline Socket accept_within(net_socket listener, long timeout_ms = kDeadlineMs)
{
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)timeout_ms;
    while (clock_monotonic_ms() < deadline) {
        net_socket s = NET_INVALID_SOCKET;
        int rc = net_accept(listener, &s);
        if (rc == 0)
            return Socket(s);
        if (rc != NET_WOULD_BLOCK)
            break;
        wait_for(listener, NET_POLL_READ, (long)(deadline - clock_monotonic_ms()));
    }
    return Socket();
}

inline Socket connect_to(const char *host, int port)
{
    net_socket s = NET_INVALID_SOCKET;
    char err[256] = "";
    std::string port_text = std::to_string(port);
    int rc = net_connect(host, port_text.c_str(), &s, kDeadlineMs, err, sizeof err);
    EXPECT_EQ(0, rc) << "connect " << host << ":" << port << ": " << err;
    return rc == 0 ? Socket(s) : Socket();
}

// A connected TCP pair over 127.0.0.1: first the client end (blocking, as
// net_connect returns it), then the accepted end (non-blocking).
inline std::pair<Socket, Socket> loopback_pair()
{
    int port = 0;
    Socket listener = listen_loopback(&port);
    if (!listener.valid())
        return {};
    Socket client = connect_to("127.0.0.1", port);
    if (!client.valid())
        return {};
    Socket server = accept_within(listener.get());
    EXPECT_TRUE(server.valid()) << "no connection accepted";
    return {std::move(client), std::move(server)};
}

// Send all of text, waiting for writability when the socket is full.
inline bool send_all(net_socket s, const std::string &text)
{
    size_t done = 0;
    while (done < text.size()) {
        long n = net_send(s, text.data() + done, text.size() - done);
        if (n == NET_WOULD_BLOCK) {
            if (wait_for(s, NET_POLL_WRITE) == 0)
                return false;
            continue;
        }
        if (n < 0)
            return false;
        done += (size_t)n;
    }
    return true;
}

// Receive exactly want bytes (or less if the peer closes / fails / the
// deadline passes). Works on blocking and non-blocking sockets: it only
// calls recv once poll says there is something to read.
inline std::string recv_exactly(net_socket s, size_t want)
{
    std::string got;
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)kDeadlineMs;
    while (got.size() < want && clock_monotonic_ms() < deadline) {
        if (wait_for(s, NET_POLL_READ, (long)(deadline - clock_monotonic_ms())) == 0)
            break;
        char buf[4096];
        size_t room = want - got.size() < sizeof buf ? want - got.size() : sizeof buf;
        long n = net_recv(s, buf, room);
        if (n == NET_WOULD_BLOCK)
            continue;
        if (n <= 0)
            break;
        got.append(buf, (size_t)n);
    }
    return got;
}

// The result of the first net_recv that is not NET_WOULD_BLOCK (waiting for
// readability in between), plus net_last_error() right after it.
struct RecvOutcome {
    long result = NET_WOULD_BLOCK;
    int error = 0;
};

inline RecvOutcome recv_outcome(net_socket s)
{
    RecvOutcome out;
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)kDeadlineMs;
    while (clock_monotonic_ms() < deadline) {
        if (wait_for(s, NET_POLL_READ, (long)(deadline - clock_monotonic_ms())) == 0)
            break;
        char buf[256];
        out.result = net_recv(s, buf, sizeof buf);
        out.error = net_last_error();
        if (out.result != NET_WOULD_BLOCK)
            break;
    }
    return out;
}

} // namespace natter_test

#endif
