/* poll.h - a readiness set for select(), filled fresh every loop iteration.
 *
 * select() overwrites its fd_sets, so the caller clears and re-adds every
 * socket each time (the loop builds its sets from its own connection list).
 * POSIX: a descriptor >= FD_SETSIZE can never be put in an fd_set (undefined
 * behaviour), so net_poll_can_hold() says no and the caller refuses it.
 * Windows: FD_SETSIZE is raised at build time and sockets are appended to the
 * fd_set array directly, without FD_SET's linear duplicate scan. */
#ifndef NATTER_PLATFORM_POLL_H
#define NATTER_PLATFORM_POLL_H

#include "net.h"

#define NET_POLL_READ  1
#define NET_POLL_WRITE 2

typedef struct net_poll net_poll;

net_poll *net_poll_create(void);
void net_poll_destroy(net_poll *p);

/* How many sockets one set can hold; with select() this caps the number of
 * simultaneous connections. */
int net_poll_capacity(void);

/* Whether s may be added at all (POSIX: s < FD_SETSIZE). */
bool net_poll_can_hold(net_socket s);

/* Forget everything added; call at the start of each iteration. */
void net_poll_clear(net_poll *p);

/* Add s for NET_POLL_READ and/or NET_POLL_WRITE. Each socket is added at most
 * once per iteration (the caller guarantees it). Returns 0, or -1 when the
 * set is full or cannot hold s. */
int net_poll_add(net_poll *p, net_socket s, int events);

/* Wait up to timeout_ms (< 0: forever) for readiness. Returns the number of
 * ready sockets (0 on timeout or when interrupted by a signal) or NET_ERROR.
 * An empty set just sleeps (Winsock refuses an empty select()). */
int net_poll_wait(net_poll *p, long timeout_ms);

/* After net_poll_wait: which of NET_POLL_READ/NET_POLL_WRITE s is ready for. */
int net_poll_ready(const net_poll *p, net_socket s);

#endif
