/* poll_internal.h - private to platform/: what poll_common.c (creating and
 * freeing a readiness set, the same on every OS) needs from poll_posix.c /
 * poll_win32.c, which own the layout of struct net_poll. */
#ifndef NATTER_PLATFORM_POLL_INTERNAL_H
#define NATTER_PLATFORM_POLL_INTERNAL_H

#include "platform/poll.h"

#include <stddef.h>

/* FD_SETSIZE: on Windows raised for every file by platform/CMakeLists.txt. */
#ifdef _WIN32
#include <winsock2.h>
#else
#include <sys/select.h>
#endif

/* sizeof(struct net_poll), which only the OS file can see (as libuv's
 * uv_loop_size() lets callers allocate a loop they cannot look inside). */
size_t net_poll_os_size(void);
/* Set up a zero-filled struct net_poll as an empty set / free what it holds
 * (not the struct itself). */
void net_poll_os_init(net_poll *p);
void net_poll_os_free(net_poll *p);

#endif
