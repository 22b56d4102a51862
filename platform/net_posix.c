/* net_posix.c - net.h over BSD sockets (Linux, macOS, the BSDs).
 *
 * The OS error of a failed call stays in errno; this file is the only place
 * that knows which errno values mean "would block" or "connection reset".
 * What reads the same on Windows is in net_common.c. */
#include "platform/net_internal.h"

#include "platform/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Linux (and POSIX.1-2008) can refuse SIGPIPE per send(); macOS and older
 * BSDs only per socket (SO_NOSIGPIPE). Systems with neither get SIGPIPE
 * ignored process-wide in net_init(). */
#ifdef MSG_NOSIGNAL
#define NET_SEND_FLAGS MSG_NOSIGNAL
#else
#define NET_SEND_FLAGS 0
#endif

/* ---- error text ------------------------------------------------------- */

/* strerror_r exists in two shapes: XSI returns int and fills buf, GNU returns
 * a char * that may point elsewhere. Which one a system declares depends on
 * feature macros, so _Generic picks the matching reader at compile time. */
static const char *from_xsi_strerror(int rc, char *buf, size_t len)
{
    /* ERANGE may leave a usable, truncated text; anything else, none. */
    if (rc != 0 && !(rc == ERANGE && memchr(buf, '\0', len) != NULL))
        buf[0] = '\0';
    return buf;
}

static const char *from_gnu_strerror(char *text, char *buf, size_t len)
{
    if (text != buf)
        net_copy_text(buf, len, text != NULL ? text : "");
    return buf;
}

#define NET_STRERROR_R(err, buf, len)                                        \
    _Generic(strerror_r((err), (buf), (len)),                                \
             int: from_xsi_strerror,                                         \
             default: from_gnu_strerror)(strerror_r((err), (buf), (len)),    \
                                         (buf), (len))

const char *net_error_string(int err, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return buf;
    buf[0] = '\0';
    NET_STRERROR_R(err, buf, len);
    if (buf[0] == '\0')
        snprintf(buf, len, "error %d", err);
    return buf;
}

/* getaddrinfo() reports through its own codes, except EAI_SYSTEM (errno). */
void net_os_set_resolve_error(int rc, char *err, size_t err_len)
{
#ifdef EAI_SYSTEM
    if (rc == EAI_SYSTEM) {
        net_set_error_text(err, err_len, errno);
        return;
    }
#endif
    net_copy_text(err, err_len, gai_strerror(rc));
}

const int net_os_err_invalid = EINVAL;
const int net_os_err_address_in_use = EADDRINUSE;
const int net_os_err_address_missing = EADDRNOTAVAIL;
const int net_os_err_refused = ECONNREFUSED;

int net_last_error(void)
{
    return errno;
}

void net_os_set_last_error(int code)
{
    errno = code;
}

bool net_error_would_block(int err)
{
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
    if (err == EWOULDBLOCK)
        return true;
#endif
    return err == EAGAIN;
}

bool net_error_interrupted(int err)
{
    return err == EINTR;
}

bool net_error_connection_reset(int err)
{
    return err == ECONNRESET || err == EPIPE || err == ECONNABORTED;
}

bool net_error_out_of_descriptors(int err)
{
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/* ---- setup ------------------------------------------------------------ */

int net_init(void)
{
#if !defined(MSG_NOSIGNAL) && !defined(SO_NOSIGPIPE)
    signal(SIGPIPE, SIG_IGN);
#endif
    return 0;
}

void net_cleanup(void)
{
}

void net_ignore_broken_pipe(void)
{
    signal(SIGPIPE, SIG_IGN);
}

const char *net_host_name(char *buf, size_t len)
{
    /* Between net_init and net_cleanup (Winsock needs it). */
    if (len == 0)
        return buf;
    if (gethostname(buf, (int)len) != 0 || buf[0] == '\0')
        snprintf(buf, len, "localhost");
    buf[len - 1] = '\0';
    return buf;
}

/* ---- socket options --------------------------------------------------- */

int net_set_nonblocking(net_socket s, bool on)
{
    int flags = fcntl(s, F_GETFL, 0);
    if (flags < 0)
        return NET_ERROR;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(s, F_SETFL, flags) < 0 ? NET_ERROR : 0;
}

/* Options every socket we hand out gets: not inherited by child processes,
 * and (where the OS works that way) no SIGPIPE from writes to a dead peer. */
void net_os_prepare_socket(net_socket s)
{
    int fd_flags = fcntl(s, F_GETFD, 0);
    if (fd_flags >= 0)
        fcntl(s, F_SETFD, fd_flags | FD_CLOEXEC);
#ifdef SO_NOSIGPIPE
    net_set_int_option(s, SOL_SOCKET, SO_NOSIGPIPE, 1);
#endif
}

/* SO_REUSEADDR: a restarted server can bind while old connections linger
 * in TIME_WAIT; it does not let a second listener share the port here. */
int net_os_claim_address(net_socket s)
{
    return net_set_int_option(s, SOL_SOCKET, SO_REUSEADDR, 1);
}

/* close() keeps errno so a caller cleaning up after a failure can still
 * report the failure. EINTR is not retried: the descriptor is gone anyway. */
void net_close(net_socket s)
{
    int saved = errno;
    if (s != NET_INVALID_SOCKET)
        close(s);
    errno = saved;
}

int net_shutdown_write(net_socket s)
{
    return shutdown(s, SHUT_WR) < 0 ? NET_ERROR : 0;
}

/* ---- addresses -------------------------------------------------------- */

/* inet_ntop never adds an IPv6 scope, which is what net.h's names want. */
bool net_os_numeric_host(const struct sockaddr_storage *addr, char *host, size_t len)
{
    const void *raw;
    if (addr->ss_family == AF_INET)
        raw = &((const struct sockaddr_in *)addr)->sin_addr;
    else if (addr->ss_family == AF_INET6)
        raw = &((const struct sockaddr_in6 *)addr)->sin6_addr;
    else
        return false;
    return inet_ntop(addr->ss_family, raw, host, (socklen_t)len) != NULL;
}

/* ---- listening -------------------------------------------------------- */

bool net_os_family_unavailable(int err)
{
    return err == EAFNOSUPPORT || err == EPROTONOSUPPORT || err == EADDRNOTAVAIL ||
           err == EINVAL;
}

/* A connection reset before we took it is gone; nothing to accept. */
bool net_os_accept_gone(int err)
{
    return net_error_would_block(err) || err == ECONNABORTED || err == EPROTO;
}

/* ---- connecting ------------------------------------------------------- */

/* Wait for a non-blocking connect() to finish: writable, then SO_ERROR.
 * timeout_ms <= 0 waits for as long as the OS keeps trying. */
int net_os_wait_connected(net_socket s, long timeout_ms)
{
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    for (;;) {
        struct pollfd pfd;
        int wait_ms = -1, rc;
        if (timeout_ms > 0) {
            uint64_t now = clock_monotonic_ms();
            uint64_t left = now < deadline ? deadline - now : 0;
            wait_ms = left > 0x7fffffff ? 0x7fffffff : (int)left;
        }
        pfd.fd = s;
        pfd.events = POLLOUT;
        pfd.revents = 0;
        rc = poll(&pfd, 1, wait_ms);
        if (rc > 0)
            break;
        if (rc == 0) {
            errno = ETIMEDOUT;
            return NET_ERROR;
        }
        if (errno != EINTR)
            return NET_ERROR;
    }
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, &so_error, &so_len) < 0)
        return NET_ERROR;
    if (so_error != 0) {
        errno = so_error;
        return NET_ERROR;
    }
    return 0;
}

/* EINTR too: the connect goes on in the background, as EINPROGRESS. */
bool net_os_connect_pending(int err)
{
    return err == EINPROGRESS || err == EINTR;
}

/* ---- data ------------------------------------------------------------- */

long net_send(net_socket s, const void *buf, size_t len)
{
    ssize_t n;
    do {
        n = send(s, buf, len, NET_SEND_FLAGS);
    } while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (long)n;
    return net_error_would_block(errno) ? NET_WOULD_BLOCK : NET_ERROR;
}

long net_recv(net_socket s, void *buf, size_t len)
{
    ssize_t n;
    do {
        n = recv(s, buf, len, 0);
    } while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (long)n;
    return net_error_would_block(errno) ? NET_WOULD_BLOCK : NET_ERROR;
}

/* ---- wake-up pair ----------------------------------------------------- */

int net_socket_pair(net_socket pair[2], char *err, size_t err_len)
{
    int fds[2], i;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) {
        net_set_error_text(err, err_len, errno);
        return NET_ERROR;
    }
    for (i = 0; i < 2; i++) {
        net_os_prepare_socket(fds[i]);
        if (net_set_nonblocking(fds[i], true) != 0) {
            net_set_error_text(err, err_len, errno);
            net_close(fds[0]);
            net_close(fds[1]);
            return NET_ERROR;
        }
    }
    pair[0] = fds[0];
    pair[1] = fds[1];
    return 0;
}

/* Raise the soft descriptor limit towards the hard one. Never lowers it. */
long net_raise_descriptor_limit(long wanted)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return -1;
    if (wanted > 0 && (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur < (rlim_t)wanted)) {
        rlim_t target = (rlim_t)wanted;
        if (lim.rlim_max != RLIM_INFINITY && target > lim.rlim_max)
            target = lim.rlim_max;
#if defined(__APPLE__) && defined(OPEN_MAX)
        /* macOS refuses a soft limit above OPEN_MAX (10240). */
        if (target > (rlim_t)OPEN_MAX)
            target = (rlim_t)OPEN_MAX;
#endif
        if (lim.rlim_cur != RLIM_INFINITY && target > lim.rlim_cur) {
            struct rlimit raised = lim;
            raised.rlim_cur = target;
            if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
                lim.rlim_cur = target;
        }
    }
    if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur > (rlim_t)0x7fffffff)
        return 0x7fffffff;
    return (long)lim.rlim_cur;
}

/* The probe timing options have different names per system; each one that
 * exists is set, best effort (SO_KEEPALIVE alone still finds dead peers,
 * after the OS's default two hours). */
int net_set_keepalive(net_socket s)
{
    if (net_set_int_option(s, SOL_SOCKET, SO_KEEPALIVE, 1) != 0)
        return NET_ERROR;
#if defined(TCP_KEEPIDLE)
    (void)net_set_int_option(s, IPPROTO_TCP, TCP_KEEPIDLE, NET_KEEPALIVE_IDLE_S);
#elif defined(TCP_KEEPALIVE)
    (void)net_set_int_option(s, IPPROTO_TCP, TCP_KEEPALIVE, NET_KEEPALIVE_IDLE_S);
#endif
#ifdef TCP_KEEPINTVL
    (void)net_set_int_option(s, IPPROTO_TCP, TCP_KEEPINTVL, NET_KEEPALIVE_INTERVAL_S);
#endif
#ifdef TCP_KEEPCNT
    (void)net_set_int_option(s, IPPROTO_TCP, TCP_KEEPCNT, NET_KEEPALIVE_COUNT);
#endif
    return 0;
}
