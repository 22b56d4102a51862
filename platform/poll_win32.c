/* poll_win32.c - poll.h over Winsock select().
 *
 * On Windows fd_set is a counted array of SOCKETs, not a bitmap: FD_SETSIZE
 * (raised to 10240 for every file by platform/CMakeLists.txt) bounds how many
 * sockets it holds, whatever their values. Sockets are appended directly
 * (FD_SET scans for duplicates, O(n) per add), and the ready arrays select()
 * returns are sorted once so each lookup is a binary search. */
#include "platform/poll_internal.h"

#include <stdlib.h>

#if FD_SETSIZE < 10240
#error "FD_SETSIZE must be raised for every file (see platform/CMakeLists.txt)"
#endif

/* A 10240-socket fd_set is 80 KiB, so the sets live on the heap. */
struct net_poll {
    fd_set read_set;   /* asked for before the wait, ready (sorted) after */
    fd_set write_set;
    bool ready_valid;  /* the sets hold a sorted select() result */
};

size_t net_poll_os_size(void)
{
    return sizeof(net_poll);
}

void net_poll_os_init(net_poll *p)
{
    net_poll_clear(p);
}

void net_poll_os_free(net_poll *p)
{
    (void)p;
}

/* Winsock's select() takes at most FD_SETSIZE sockets per set. */
int net_poll_capacity(void)
{
    return FD_SETSIZE;
}

bool net_poll_can_hold(net_socket s)
{
    return s != NET_INVALID_SOCKET;
}

void net_poll_clear(net_poll *p)
{
    p->read_set.fd_count = 0;
    p->write_set.fd_count = 0;
    p->ready_valid = false;
}

static int append_socket(fd_set *set, net_socket s)
{
    if (set->fd_count >= FD_SETSIZE)
        return -1;
    set->fd_array[set->fd_count++] = (SOCKET)s;
    return 0;
}

int net_poll_add(net_poll *p, net_socket s, int events)
{
    bool want_read = (events & NET_POLL_READ) != 0;
    bool want_write = (events & NET_POLL_WRITE) != 0;
    if (!net_poll_can_hold(s))
        return -1;
    /* Check both first so a refused socket is in neither set. */
    if ((want_read && p->read_set.fd_count >= FD_SETSIZE) ||
        (want_write && p->write_set.fd_count >= FD_SETSIZE))
        return -1;
    if (want_read)
        append_socket(&p->read_set, s);
    if (want_write)
        append_socket(&p->write_set, s);
    return 0;
}

static int compare_sockets(const void *a, const void *b)
{
    SOCKET x = *(const SOCKET *)a, y = *(const SOCKET *)b;
    return (x > y) - (x < y);
}

static void sort_set(fd_set *set)
{
    if (set->fd_count > 1)
        qsort(set->fd_array, set->fd_count, sizeof set->fd_array[0], compare_sockets);
}

static void forget_ready(net_poll *p)
{
    p->read_set.fd_count = 0;
    p->write_set.fd_count = 0;
    p->ready_valid = true;
}

/* Winsock rejects select() with no sockets at all (WSAEINVAL), so an empty
 * set sleeps instead. */
static int sleep_instead(net_poll *p, long timeout_ms)
{
    Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
    forget_ready(p);
    return 0;
}

int net_poll_wait(net_poll *p, long timeout_ms)
{
    return net_poll_wait_us(p, timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000);
}

int net_poll_wait_us(net_poll *p, int64_t timeout_us)
{
    struct timeval tv, *tvp = NULL;
    int n;
    if (p->read_set.fd_count == 0 && p->write_set.fd_count == 0)
        return sleep_instead(p, timeout_us < 0 ? -1 : (long)((timeout_us + 999) / 1000));
    if (timeout_us >= 0) {
        tv.tv_sec = (long)(timeout_us / 1000000);
        tv.tv_usec = (long)(timeout_us % 1000000);
        tvp = &tv;
    }
    /* The first argument (nfds) is ignored by Winsock. */
    n = select(0, &p->read_set, &p->write_set, NULL, tvp);
    if (n == SOCKET_ERROR) {
        int err = WSAGetLastError();
        forget_ready(p);
        WSASetLastError(err);
        return err == WSAEINTR ? 0 : NET_ERROR;
    }
    sort_set(&p->read_set);
    sort_set(&p->write_set);
    p->ready_valid = true;
    return n;
}

static bool set_contains(const fd_set *set, net_socket s)
{
    SOCKET key = (SOCKET)s;
    return bsearch(&key, set->fd_array, set->fd_count, sizeof set->fd_array[0],
                   compare_sockets) != NULL;
}

int net_poll_ready(const net_poll *p, net_socket s)
{
    int events = 0;
    if (!p->ready_valid)
        return 0;
    if (set_contains(&p->read_set, s))
        events |= NET_POLL_READ;
    if (set_contains(&p->write_set, s))
        events |= NET_POLL_WRITE;
    return events;
}
