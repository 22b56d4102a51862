/* net_posix.c - net.h over BSD sockets (Linux, macOS, the BSDs).
 *
 * The OS error of a failed call stays in errno; this file is the only place
 * that knows which errno values mean "would block" or "connection reset". */
#include "platform/net.h"

#include "platform/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
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

static void copy_text(char *buf, size_t len, const char *text)
{
    if (buf != NULL && len > 0)
        snprintf(buf, len, "%s", text);
}

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
        copy_text(buf, len, text != NULL ? text : "");
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

/* Put the text for errno value code into err (when the caller wants it). */
static void set_os_error(char *err, size_t err_len, int code)
{
    if (err != NULL && err_len > 0)
        net_error_string(code, err, err_len);
}

/* getaddrinfo() reports through its own codes, except EAI_SYSTEM (errno). */
static void set_gai_error(char *err, size_t err_len, int rc)
{
#ifdef EAI_SYSTEM
    if (rc == EAI_SYSTEM) {
        set_os_error(err, err_len, errno);
        return;
    }
#endif
    copy_text(err, err_len, gai_strerror(rc));
}

int net_last_error(void)
{
    return errno;
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

/* ---- socket options --------------------------------------------------- */

int net_set_nonblocking(net_socket s, bool on)
{
    int flags = fcntl(s, F_GETFL, 0);
    if (flags < 0)
        return NET_ERROR;
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(s, F_SETFL, flags) < 0 ? NET_ERROR : 0;
}

static int set_int_option(net_socket s, int level, int name, int value)
{
    return setsockopt(s, level, name, &value, sizeof value) < 0 ? NET_ERROR : 0;
}

/* Options every socket we hand out gets: not inherited by child processes,
 * and (where the OS works that way) no SIGPIPE from writes to a dead peer. */
static void prepare_socket(net_socket s)
{
    int fd_flags = fcntl(s, F_GETFD, 0);
    if (fd_flags >= 0)
        fcntl(s, F_SETFD, fd_flags | FD_CLOEXEC);
#ifdef SO_NOSIGPIPE
    set_int_option(s, SOL_SOCKET, SO_NOSIGPIPE, 1);
#endif
}

int net_set_buffer_sizes(net_socket s, int rcvbuf, int sndbuf)
{
    if (rcvbuf > 0 && set_int_option(s, SOL_SOCKET, SO_RCVBUF, rcvbuf) != 0)
        return NET_ERROR;
    if (sndbuf > 0 && set_int_option(s, SOL_SOCKET, SO_SNDBUF, sndbuf) != 0)
        return NET_ERROR;
    return 0;
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

void net_close_reset(net_socket s)
{
    struct linger lg;
    if (s == NET_INVALID_SOCKET)
        return;
    lg.l_onoff = 1;
    lg.l_linger = 0;
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    net_close(s);
}

int net_shutdown_write(net_socket s)
{
    return shutdown(s, SHUT_WR) < 0 ? NET_ERROR : 0;
}

/* ---- addresses -------------------------------------------------------- */

static int sockaddr_port(const struct sockaddr_storage *addr)
{
    if (addr->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)addr)->sin_port);
    if (addr->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
    return -1;
}

static void set_sockaddr_port(struct sockaddr_storage *addr, int port)
{
    if (addr->ss_family == AF_INET)
        ((struct sockaddr_in *)addr)->sin_port = htons((unsigned short)port);
    else if (addr->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons((unsigned short)port);
}

/* ::ffff:a.b.c.d is how a dual-stack socket sees an IPv4 peer; people
 * expect to read a.b.c.d, so it is turned back into an IPv4 address. */
static void unmap_ipv4(struct sockaddr_storage *addr)
{
    static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    struct sockaddr_in6 v6;
    struct sockaddr_in v4;
    if (addr->ss_family != AF_INET6)
        return;
    memcpy(&v6, addr, sizeof v6);
    if (memcmp(v6.sin6_addr.s6_addr, prefix, sizeof prefix) != 0)
        return;
    memset(&v4, 0, sizeof v4);
    v4.sin_family = AF_INET;
    v4.sin_port = v6.sin6_port;
    memcpy(&v4.sin_addr, v6.sin6_addr.s6_addr + 12, 4);
    memset(addr, 0, sizeof *addr);
    memcpy(addr, &v4, sizeof v4);
}

static const char *format_address(struct sockaddr_storage *addr, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN];
    const void *raw;
    unmap_ipv4(addr);
    if (addr->ss_family == AF_INET)
        raw = &((const struct sockaddr_in *)addr)->sin_addr;
    else if (addr->ss_family == AF_INET6)
        raw = &((const struct sockaddr_in6 *)addr)->sin6_addr;
    else
        raw = NULL;
    if (raw == NULL || inet_ntop(addr->ss_family, raw, host, sizeof host) == NULL) {
        copy_text(buf, len, "?");
        return buf;
    }
    snprintf(buf, len, addr->ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host,
             sockaddr_port(addr));
    return buf;
}

const char *net_peer_name(net_socket s, char *buf, size_t len)
{
    struct sockaddr_storage addr;
    socklen_t addr_len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    if (getpeername(s, (struct sockaddr *)&addr, &addr_len) < 0) {
        copy_text(buf, len, "?");
        return buf;
    }
    return format_address(&addr, buf, len);
}

const char *net_local_name(net_socket s, char *buf, size_t len)
{
    struct sockaddr_storage addr;
    socklen_t addr_len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    if (getsockname(s, (struct sockaddr *)&addr, &addr_len) < 0) {
        copy_text(buf, len, "?");
        return buf;
    }
    return format_address(&addr, buf, len);
}

int net_local_port(net_socket s)
{
    struct sockaddr_storage addr;
    socklen_t addr_len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    if (getsockname(s, (struct sockaddr *)&addr, &addr_len) < 0)
        return -1;
    return sockaddr_port(&addr);
}

/* ---- listening -------------------------------------------------------- */

/* Errors that mean "this host has no such address family / address", as
 * opposed to "the address exists but cannot be used" (in use, no permission). */
static bool family_unavailable(int err)
{
    return err == EAFNOSUPPORT || err == EPROTONOSUPPORT || err == EADDRNOTAVAIL ||
           err == EINVAL;
}

/* One non-blocking listening socket on addr, or NET_INVALID_SOCKET with
 * errno set. v6only decides whether an IPv6 socket also takes IPv4; failing
 * to set it counts as failure, since the caller relies on the answer. */
static net_socket open_listener(const struct sockaddr_storage *addr, socklen_t addr_len,
                                bool v6only)
{
    int saved;
    net_socket s = socket(addr->ss_family, SOCK_STREAM, IPPROTO_TCP);
    if (s == NET_INVALID_SOCKET)
        return s;
    prepare_socket(s);
    if (set_int_option(s, SOL_SOCKET, SO_REUSEADDR, 1) != 0)
        goto fail;
    if (addr->ss_family == AF_INET6 &&
        set_int_option(s, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? 1 : 0) != 0)
        goto fail;
    if (net_set_nonblocking(s, true) != 0)
        goto fail;
    if (bind(s, (const struct sockaddr *)addr, addr_len) < 0)
        goto fail;
    if (listen(s, SOMAXCONN) < 0)
        goto fail;
    return s;
fail:
    saved = errno;
    close(s);
    errno = saved;
    return NET_INVALID_SOCKET;
}

static net_socket listener_from_addrinfo(const struct addrinfo *ai, int port, bool v6only)
{
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    if (ai->ai_addrlen > sizeof addr) {
        errno = EINVAL;
        return NET_INVALID_SOCKET;
    }
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    if (port > 0)
        set_sockaddr_port(&addr, port);
    return open_listener(&addr, (socklen_t)ai->ai_addrlen, v6only);
}

static int resolve_passive(const char *host, const char *port, int family,
                           struct addrinfo **out, char *err, size_t err_len)
{
    struct addrinfo hints;
    int rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(host, port, &hints, out);
    if (rc != 0) {
        set_gai_error(err, err_len, rc);
        return NET_ERROR;
    }
    return 0;
}

/* Every interface: one dual-stack IPv6 socket, or IPv4 only where IPv6 (or
 * dual stack) is not available. */
static int listen_any(const char *port, net_socket *out, char *err, size_t err_len)
{
    struct addrinfo *list = NULL;
    net_socket s = NET_INVALID_SOCKET;
    if (resolve_passive(NULL, port, AF_INET6, &list, NULL, 0) == 0) {
        s = listener_from_addrinfo(list, 0, false);
        freeaddrinfo(list);
        if (s == NET_INVALID_SOCKET && !family_unavailable(errno)) {
            set_os_error(err, err_len, errno);
            return NET_ERROR;
        }
    }
    if (s == NET_INVALID_SOCKET) {
        if (resolve_passive(NULL, port, AF_INET, &list, err, err_len) != 0)
            return NET_ERROR;
        s = listener_from_addrinfo(list, 0, false);
        freeaddrinfo(list);
        if (s == NET_INVALID_SOCKET) {
            set_os_error(err, err_len, errno);
            return NET_ERROR;
        }
    }
    out[0] = s;
    return 1;
}

static bool same_address_earlier(const struct addrinfo *list, const struct addrinfo *ai)
{
    const struct addrinfo *it;
    for (it = list; it != ai; it = it->ai_next) {
        if (it->ai_addrlen == ai->ai_addrlen &&
            memcmp(it->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0)
            return true;
    }
    return false;
}

/* Bind every distinct address in list. Addresses of a family this host lacks
 * (::1 with IPv6 off) are skipped; any other failure undoes the lot, so the
 * server never runs on half of what was asked. With port "0" the first
 * socket's port is reused for the rest. */
static int listen_each(const struct addrinfo *list, net_socket *out, int max_out,
                       char *err, size_t err_len)
{
    const struct addrinfo *ai;
    int count = 0, port = 0, skipped_err = 0, i;
    for (ai = list; ai != NULL && count < max_out; ai = ai->ai_next) {
        net_socket s;
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        if (same_address_earlier(list, ai))
            continue;
        /* IPv6-only, so that "0.0.0.0" and "::" in one list do not collide. */
        s = listener_from_addrinfo(ai, port, true);
        if (s == NET_INVALID_SOCKET) {
            if (family_unavailable(errno)) {
                skipped_err = errno;
                continue;
            }
            goto fail;
        }
        out[count++] = s;
        if (port == 0)
            port = net_local_port(s);
    }
    if (count == 0) {
        errno = skipped_err != 0 ? skipped_err : EADDRNOTAVAIL;
        goto fail;
    }
    return count;
fail:
    set_os_error(err, err_len, errno);
    for (i = 0; i < count; i++)
        net_close(out[i]);
    return NET_ERROR;
}

static bool is_any_host(const char *host)
{
    return host == NULL || host[0] == '\0' || strcmp(host, "*") == 0;
}

int net_listen(const char *host, const char *port, net_socket *out, int max_out,
               char *err, size_t err_len)
{
    struct addrinfo *list = NULL;
    int attempt, n = NET_ERROR;
    if (out == NULL || max_out < 1 || port == NULL) {
        errno = EINVAL;
        set_os_error(err, err_len, errno);
        return NET_ERROR;
    }
    if (is_any_host(host))
        return listen_any(port, out, err, err_len);
    if (resolve_passive(host, port, AF_UNSPEC, &list, err, err_len) != 0)
        return NET_ERROR;
    /* A port picked for the first address may already be taken on another
     * (say ::1), which only a fresh pick can fix. */
    for (attempt = 0; attempt < 5; attempt++) {
        n = listen_each(list, out, max_out, err, err_len);
        if (n != NET_ERROR || errno != EADDRINUSE || strcmp(port, "0") != 0)
            break;
    }
    freeaddrinfo(list);
    return n;
}

int net_accept(net_socket listener, net_socket *out)
{
    net_socket s;
    do {
        s = accept(listener, NULL, NULL);
    } while (s == NET_INVALID_SOCKET && errno == EINTR);
    if (s == NET_INVALID_SOCKET) {
        /* A connection reset before we took it is gone; nothing to accept. */
        if (net_error_would_block(errno) || errno == ECONNABORTED || errno == EPROTO)
            return NET_WOULD_BLOCK;
        return NET_ERROR;
    }
    prepare_socket(s);
    if (net_set_nonblocking(s, true) != 0) {
        net_close(s);
        return NET_ERROR;
    }
    set_int_option(s, IPPROTO_TCP, TCP_NODELAY, 1);
    *out = s;
    return 0;
}

/* ---- connecting ------------------------------------------------------- */

/* Wait for a non-blocking connect() to finish: writable, then SO_ERROR.
 * timeout_ms <= 0 waits for as long as the OS keeps trying. */
static int wait_connected(net_socket s, long timeout_ms)
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

/* One address: a blocking, connected socket or NET_INVALID_SOCKET (errno).
 * The connect itself is non-blocking so that the timeout and EINTR are
 * handled by one wait. */
static net_socket connect_one(const struct addrinfo *ai, long timeout_ms)
{
    int saved;
    net_socket s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s == NET_INVALID_SOCKET)
        return s;
    prepare_socket(s);
    if (net_set_nonblocking(s, true) != 0)
        goto fail;
    if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS && errno != EINTR)
            goto fail;
        if (wait_connected(s, timeout_ms) != 0)
            goto fail;
    }
    if (net_set_nonblocking(s, false) != 0)
        goto fail;
    set_int_option(s, IPPROTO_TCP, TCP_NODELAY, 1);
    return s;
fail:
    saved = errno;
    close(s);
    errno = saved;
    return NET_INVALID_SOCKET;
}

int net_connect(const char *host, const char *port, net_socket *out,
                long timeout_ms, char *err, size_t err_len)
{
    struct addrinfo hints, *list = NULL, *ai;
    net_socket s = NET_INVALID_SOCKET;
    int rc, last_err = ECONNREFUSED;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0) {
        set_gai_error(err, err_len, rc);
        return NET_ERROR;
    }
    for (ai = list; ai != NULL && s == NET_INVALID_SOCKET; ai = ai->ai_next) {
        s = connect_one(ai, timeout_ms);
        if (s == NET_INVALID_SOCKET)
            last_err = errno;
    }
    freeaddrinfo(list);
    if (s == NET_INVALID_SOCKET) {
        errno = last_err;
        set_os_error(err, err_len, last_err);
        return NET_ERROR;
    }
    *out = s;
    return 0;
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
        set_os_error(err, err_len, errno);
        return NET_ERROR;
    }
    for (i = 0; i < 2; i++) {
        prepare_socket(fds[i]);
        if (net_set_nonblocking(fds[i], true) != 0) {
            set_os_error(err, err_len, errno);
            net_close(fds[0]);
            net_close(fds[1]);
            return NET_ERROR;
        }
    }
    pair[0] = fds[0];
    pair[1] = fds[1];
    return 0;
}
