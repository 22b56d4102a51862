/* poll_posix.c - poll.h over select() on POSIX, for any number of descriptors.
 *
 * An fd_set is a bitmap indexed by descriptor with room for FD_SETSIZE
 * (1024) bits, and glibc's FD_SET aborts past it under _FORTIFY_SOURCE. So
 * the bitmaps here are allocated at run time, sized for the largest
 * descriptor added, with bits set by our own macros, and handed to select()
 * cast to fd_set * (the kernel reads nfds bits, whatever FD_SETSIZE says;
 * macOS needs _DARWIN_UNLIMITED_SELECT for that, set by CMake and below).
 * As in Redis's ae_select.c the sets asked for are master copies, copied
 * into the result sets before each select(), which overwrites them.
 * Building the sets is O(descriptors); asking about one is a bit test. */
#if defined(__APPLE__) && !defined(_DARWIN_UNLIMITED_SELECT)
#define _DARWIN_UNLIMITED_SELECT 1
#endif

#include "platform/poll_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* One word of the bitmap, the same type and bit order the system's fd_set
 * uses (bit d % NFDBITS of word d / NFDBITS), so the cast is exact. fd_mask
 * is signed on glibc, so the bit is made by an unsigned shift (shifting a
 * signed 1 into the top bit is undefined) and then converted. */
typedef fd_mask poll_word;
#define POLL_WORD_BITS ((int)(sizeof(poll_word) * CHAR_BIT))
#define POLL_BIT(fd) \
    ((poll_word)((uintmax_t)1 << ((unsigned)(fd) % (unsigned)POLL_WORD_BITS)))
#define POLL_WORD(fd) ((size_t)(fd) / (size_t)POLL_WORD_BITS)

struct net_poll {
    poll_word *want_read;   /* master copies: what was added this iteration */
    poll_word *want_write;
    poll_word *ready_read;  /* select()'s result, valid when ready_valid */
    poll_word *ready_write;
    size_t words;           /* allocated length of each of the four sets */
    int max_fd;             /* highest descriptor added, -1 when empty */
    int ready_max_fd;       /* max_fd when the ready sets were filled */
    bool ready_valid;
};

size_t net_poll_os_size(void)
{
    return sizeof(net_poll);
}

/* The sets grow with the largest descriptor, so select() adds no cap of
 * its own: what bounds connections is the descriptor limit, which callers
 * raise with net_raise_descriptor_limit() (and accept() reports EMFILE past
 * it). */
int net_poll_capacity(void)
{
    return INT_MAX;
}

void net_poll_os_init(net_poll *p)
{
    p->max_fd = -1;
    p->ready_max_fd = -1;
    p->ready_valid = false;
}

bool net_poll_can_hold(net_socket s)
{
    return s >= 0;
}

/* Words needed for descriptors 0..max_fd. */
static size_t words_for(int max_fd)
{
    return max_fd < 0 ? 0 : POLL_WORD((size_t)max_fd) + 1;
}

void net_poll_clear(net_poll *p)
{
    /* Only the part used last time can have bits set. */
    size_t used = words_for(p->max_fd);
    if (used > 0) {
        memset(p->want_read, 0, used * sizeof(poll_word));
        memset(p->want_write, 0, used * sizeof(poll_word));
    }
    p->max_fd = -1;
    p->ready_valid = false;
}

/* Grow the four sets to hold descriptor fd: doubling, and never smaller
 * than an fd_set so the cast is always to a complete object. New words are
 * zero. Returns 0 or -1 (out of memory; the sets are unchanged). */
static int reserve_fd(net_poll *p, int fd)
{
    size_t need = words_for(fd);
    size_t words = p->words;
    size_t min_words = (sizeof(fd_set) + sizeof(poll_word) - 1) / sizeof(poll_word);
    poll_word **sets[4];
    poll_word *grown[4];
    int i;
    if (need <= p->words)
        return 0;
    if (words < min_words)
        words = min_words;
    while (words < need)
        words *= 2;
    sets[0] = &p->want_read;
    sets[1] = &p->want_write;
    sets[2] = &p->ready_read;
    sets[3] = &p->ready_write;
    for (i = 0; i < 4; i++) {
        grown[i] = calloc(words, sizeof(poll_word));
        if (grown[i] == NULL) {
            while (i-- > 0)
                free(grown[i]);
            return -1;
        }
    }
    for (i = 0; i < 4; i++) {
        if (p->words > 0)
            memcpy(grown[i], *sets[i], p->words * sizeof(poll_word));
        free(*sets[i]);
        *sets[i] = grown[i];
    }
    p->words = words;
    return 0;
}

int net_poll_add(net_poll *p, net_socket s, int events)
{
    if (!net_poll_can_hold(s) || reserve_fd(p, s) != 0)
        return -1;
    if (events & NET_POLL_READ)
        p->want_read[POLL_WORD(s)] |= POLL_BIT(s);
    if (events & NET_POLL_WRITE)
        p->want_write[POLL_WORD(s)] |= POLL_BIT(s);
    if (s > p->max_fd)
        p->max_fd = s;
    return 0;
}

/* select() may leave its sets half-written when it fails; empty them so
 * nothing reads as ready. */
static void forget_ready(net_poll *p)
{
    size_t used = words_for(p->max_fd);
    if (used > 0) {
        memset(p->ready_read, 0, used * sizeof(poll_word));
        memset(p->ready_write, 0, used * sizeof(poll_word));
    }
    p->ready_max_fd = p->max_fd;
    p->ready_valid = true;
}

int net_poll_wait(net_poll *p, long timeout_ms)
{
    return net_poll_wait_us(p, timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000);
}

int net_poll_wait_us(net_poll *p, int64_t timeout_us)
{
    struct timeval tv, *tvp = NULL;
    size_t used = words_for(p->max_fd);
    fd_set *rset = NULL, *wset = NULL;
    int n;
    if (timeout_us >= 0) {
        tv.tv_sec = (time_t)(timeout_us / 1000000);
        tv.tv_usec = (suseconds_t)(timeout_us % 1000000);
        tvp = &tv;
    }
    if (used > 0) {
        memcpy(p->ready_read, p->want_read, used * sizeof(poll_word));
        memcpy(p->ready_write, p->want_write, used * sizeof(poll_word));
        rset = (fd_set *)(void *)p->ready_read;
        wset = (fd_set *)(void *)p->ready_write;
    }
    /* With nothing added this is select(0, NULL, NULL, ...): a plain sleep. */
    n = select(p->max_fd + 1, rset, wset, NULL, tvp);
    if (n < 0) {
        int saved = errno;
        forget_ready(p);
        errno = saved;
        return saved == EINTR ? 0 : NET_ERROR;
    }
    p->ready_max_fd = p->max_fd;
    p->ready_valid = true;
    return n;
}

int net_poll_ready(const net_poll *p, net_socket s)
{
    int events = 0;
    if (!p->ready_valid || s < 0 || s > p->ready_max_fd)
        return 0;
    if (p->ready_read[POLL_WORD(s)] & POLL_BIT(s))
        events |= NET_POLL_READ;
    if (p->ready_write[POLL_WORD(s)] & POLL_BIT(s))
        events |= NET_POLL_WRITE;
    return events;
}

void net_poll_os_free(net_poll *p)
{
    free(p->want_read);
    free(p->want_write);
    free(p->ready_read);
    free(p->ready_write);
}
