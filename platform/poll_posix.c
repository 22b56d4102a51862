/* poll_posix.c - poll.h over select() and fd_set on POSIX.
 *
 * fd_set is a bitmap indexed by descriptor, so a descriptor >= FD_SETSIZE
 * cannot be stored at all (FD_SET would write past the end); such sockets
 * are refused here and the caller turns the connection away. */
#include "platform/poll_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/time.h>

struct net_poll {
    fd_set read_set;   /* asked for before the wait, ready after it */
    fd_set write_set;
    int max_fd;        /* highest descriptor added, -1 when empty */
    int count;         /* entries added this iteration */
    bool ready_valid;  /* the sets hold a select() result */
};

size_t net_poll_os_size(void)
{
    return sizeof(net_poll);
}

bool net_poll_can_hold(net_socket s)
{
    return s >= 0 && s < FD_SETSIZE;
}

void net_poll_clear(net_poll *p)
{
    FD_ZERO(&p->read_set);
    FD_ZERO(&p->write_set);
    p->max_fd = -1;
    p->count = 0;
    p->ready_valid = false;
}

int net_poll_add(net_poll *p, net_socket s, int events)
{
    if (!net_poll_can_hold(s) || p->count >= FD_SETSIZE)
        return -1;
    if (events & NET_POLL_READ)
        FD_SET(s, &p->read_set);
    if (events & NET_POLL_WRITE)
        FD_SET(s, &p->write_set);
    if (s > p->max_fd)
        p->max_fd = s;
    p->count++;
    return 0;
}

/* select() leaves its sets untouched when it fails (EINTR included), so they
 * would still hold what was asked for; empty them so nothing reads as ready. */
static void forget_ready(net_poll *p)
{
    FD_ZERO(&p->read_set);
    FD_ZERO(&p->write_set);
    p->ready_valid = true;
}

int net_poll_wait(net_poll *p, long timeout_ms)
{
    struct timeval tv, *tvp = NULL;
    int n;
    if (timeout_ms >= 0) {
        tv.tv_sec = (time_t)(timeout_ms / 1000);
        tv.tv_usec = (suseconds_t)((timeout_ms % 1000) * 1000);
        tvp = &tv;
    }
    /* With nothing added this is select(0, ...): a plain sleep. */
    n = select(p->max_fd + 1, &p->read_set, &p->write_set, NULL, tvp);
    if (n < 0) {
        int saved = errno;
        forget_ready(p);
        errno = saved;
        return saved == EINTR ? 0 : NET_ERROR;
    }
    p->ready_valid = true;
    return n;
}

int net_poll_ready(const net_poll *p, net_socket s)
{
    int events = 0;
    if (!p->ready_valid || !net_poll_can_hold(s))
        return 0;
    if (FD_ISSET(s, &p->read_set))
        events |= NET_POLL_READ;
    if (FD_ISSET(s, &p->write_set))
        events |= NET_POLL_WRITE;
    return events;
}
