/* poll.h - a readiness set for select(), filled fresh every loop iteration.
 *
 * The caller clears and re-adds every socket each iteration (the loop builds
 * its sets from its own connection list); select() works on copies.
 * POSIX: the sets are bitmaps sized at run time for the largest descriptor,
 * so any descriptor the process may open fits (FD_SETSIZE does not apply);
 * the cap is the descriptor limit. Windows: FD_SETSIZE is raised at build
 * time (10240) and sockets are appended to the fd_set array directly,
 * without FD_SET's linear duplicate scan. Adding and asking about a socket
 * are O(1) on POSIX (O(log n) on Windows), building the sets O(n). */
#ifndef NATTER_PLATFORM_POLL_H
#define NATTER_PLATFORM_POLL_H

#include <stdint.h>

#include "net.h"

#define NET_POLL_READ  1
#define NET_POLL_WRITE 2

typedef struct net_poll net_poll;

net_poll *net_poll_create(void);
void net_poll_destroy(net_poll *p);

/* How many sockets one set can hold. Windows: FD_SETSIZE, which caps the
 * number of simultaneous connections. POSIX: INT_MAX, no cap of its own;
 * the descriptor limit is the real one (net_raise_descriptor_limit()). */
int net_poll_capacity(void);

/* Whether s may be added at all (any valid socket). */
bool net_poll_can_hold(net_socket s);

/* Forget everything added; call at the start of each iteration. */
void net_poll_clear(net_poll *p);

/* Add s for NET_POLL_READ and/or NET_POLL_WRITE. Each socket is added at most
 * once per iteration (the caller guarantees it). Returns 0, or -1 when the
 * set is full (Windows), out of memory (POSIX) or cannot hold s. */
int net_poll_add(net_poll *p, net_socket s, int events);

/* Wait up to timeout_ms (< 0: forever) for readiness. Returns the number of
 * ready sockets (0 on timeout or when interrupted by a signal) or NET_ERROR.
 * An empty set just sleeps (Winsock refuses an empty select()). */
int net_poll_wait(net_poll *p, long timeout_ms);

/* The same with a timeout in microseconds (< 0: forever), for callers that
 * pace events finer than a millisecond (natter-bench's fixed-rate senders).
 * select() itself takes microseconds; Windows rounds an empty set's sleep up
 * to whole milliseconds. */
int net_poll_wait_us(net_poll *p, int64_t timeout_us);

/* After net_poll_wait: which of NET_POLL_READ/NET_POLL_WRITE s is ready for. */
int net_poll_ready(const net_poll *p, net_socket s);

#endif
