// test_socket.cpp - see test_socket.h.
#include "support/test_socket.h"

#include <memory>

extern "C" {
#include "platform/clock.h"
#include "platform/poll.h"
}

long remaining_ms(uint64_t deadline) {
    uint64_t now = clock_monotonic_ms();
    return now >= deadline ? 0 : static_cast<long>(deadline - now);
}

bool wait_socket(net_socket s, int events, long timeout_ms) {
    std::unique_ptr<net_poll, void (*)(net_poll *)> p(net_poll_create(), net_poll_destroy);
    if (!p) return false;
    net_poll_clear(p.get());
    net_poll_add(p.get(), s, events);
    int n = net_poll_wait(p.get(), timeout_ms);
    return n > 0 && (net_poll_ready(p.get(), s) & events) != 0;
}

void close_socket(net_socket *s) {
    if (*s != NET_INVALID_SOCKET) net_close(*s);
    *s = NET_INVALID_SOCKET;
}

void reset_socket(net_socket *s) {
    if (*s != NET_INVALID_SOCKET) net_close_reset(*s);
    *s = NET_INVALID_SOCKET;
}

int unused_loopback_port() {
    net_socket s[1];
    char err[256];
    net_init();
    int port = -1;
    if (net_listen("127.0.0.1", "0", s, 1, err, sizeof err) == 1) {
        port = net_local_port(s[0]);
        net_close(s[0]);
    }
    net_cleanup();
    return port;
}
