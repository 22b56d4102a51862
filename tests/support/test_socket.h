// test_socket.h - the socket chores both test clients share (TestClient in
// support/, the hostile Peer in e2e/): time left until a deadline, waiting
// for readiness with a bound, and closing (gracefully or with RST) once.
#pragma once

#include <cstdint>

extern "C" {
#include "platform/net.h"
}

// Milliseconds left until deadline (a clock_monotonic_ms() value), never negative.
long remaining_ms(uint64_t deadline);

// Wait up to timeout_ms until s is ready for events (NET_POLL_READ/WRITE);
// true if it is.
bool wait_socket(net_socket s, int events, long timeout_ms);

// Close *s (with RST for reset_socket) unless it is already closed, and mark
// it closed.
void close_socket(net_socket *s);
void reset_socket(net_socket *s);

// A loopback port that nothing listened on a moment ago (bound, noted,
// closed), for a child server that must be told its port; -1 on failure.
int unused_loopback_port();
