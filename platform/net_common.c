/* net_common.c - the parts of net.h that read the same over BSD sockets and
 * Winsock: resolving, listening on every address (with the dual-stack
 * fallback), connecting to each address in turn, and address text. What
 * differs by OS (error codes, socket flags, waiting) comes from net_posix.c /
 * net_win32.c through net_internal.h, as libuv splits src/unix, src/win and
 * uv-common.c. */
#include "platform/net_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- error text ------------------------------------------------------- */

void net_copy_text(char *buf, size_t len, const char *text)
{
    if (buf != NULL && len > 0)
        snprintf(buf, len, "%s", text);
}

void net_set_error_text(char *err, size_t err_len, int code)
{
    if (err != NULL && err_len > 0)
        net_error_string(code, err, err_len);
}

/* ---- socket options --------------------------------------------------- */

/* Winsock takes the value as const char *; POSIX takes const void *, which
 * the cast satisfies too. */
int net_set_int_option(net_socket s, int level, int name, int value)
{
    return setsockopt(s, level, name, (const char *)&value, (socklen_t)sizeof value) != 0
               ? NET_ERROR
               : 0;
}

int net_set_buffer_sizes(net_socket s, int rcvbuf, int sndbuf)
{
    if (rcvbuf > 0 && net_set_int_option(s, SOL_SOCKET, SO_RCVBUF, rcvbuf) != 0)
        return NET_ERROR;
    if (sndbuf > 0 && net_set_int_option(s, SOL_SOCKET, SO_SNDBUF, sndbuf) != 0)
        return NET_ERROR;
    return 0;
}

int net_set_send_buffer(net_socket s, int bytes)
{
    return net_set_int_option(s, SOL_SOCKET, SO_SNDBUF, bytes);
}

void net_close_reset(net_socket s)
{
    struct linger lg;
    if (s == NET_INVALID_SOCKET)
        return;
    lg.l_onoff = 1;
    lg.l_linger = 0;
    setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, (socklen_t)sizeof lg);
    net_close(s);
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
    unmap_ipv4(addr);
    if ((addr->ss_family != AF_INET && addr->ss_family != AF_INET6) ||
        !net_os_numeric_host(addr, host, sizeof host)) {
        net_copy_text(buf, len, "?");
        return buf;
    }
    snprintf(buf, len, addr->ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host,
             sockaddr_port(addr));
    return buf;
}

/* The peer's address (getpeername) or our own (getsockname) into addr;
 * false when the socket has none. */
static bool socket_address(net_socket s, bool peer, struct sockaddr_storage *addr)
{
    socklen_t addr_len = (socklen_t)sizeof *addr;
    memset(addr, 0, sizeof *addr);
    if (peer)
        return getpeername(s, (struct sockaddr *)addr, &addr_len) == 0;
    return getsockname(s, (struct sockaddr *)addr, &addr_len) == 0;
}

static const char *name_of_end(net_socket s, bool peer, char *buf, size_t len)
{
    struct sockaddr_storage addr;
    if (!socket_address(s, peer, &addr)) {
        net_copy_text(buf, len, "?");
        return buf;
    }
    return format_address(&addr, buf, len);
}

const char *net_peer_name(net_socket s, char *buf, size_t len)
{
    return name_of_end(s, true, buf, len);
}

const char *net_local_name(net_socket s, char *buf, size_t len)
{
    return name_of_end(s, false, buf, len);
}

int net_local_port(net_socket s)
{
    struct sockaddr_storage addr;
    if (!socket_address(s, false, &addr))
        return -1;
    return sockaddr_port(&addr);
}

/* ---- resolving -------------------------------------------------------- */

static int resolve(const char *host, const char *port, int family, int flags, struct addrinfo **out,
                   char *err, size_t err_len)
{
    struct addrinfo hints;
    int rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = flags;
    rc = getaddrinfo(host, port, &hints, out);
    if (rc != 0) {
        net_os_set_resolve_error(rc, err, err_len);
        return NET_ERROR;
    }
    return 0;
}

int net_resolve_address(const char *host, char *out, size_t out_len, char *err, size_t err_len)
{
    struct addrinfo *ai = NULL;
    if (resolve(host, NULL, AF_UNSPEC, 0, &ai, err, err_len) != 0)
        return NET_ERROR;
    int rc = getnameinfo(ai->ai_addr, (socklen_t)ai->ai_addrlen, out, (socklen_t)out_len, NULL, 0,
                         NI_NUMERICHOST);
    freeaddrinfo(ai);
    if (rc != 0) {
        net_os_set_resolve_error(rc, err, err_len);
        return NET_ERROR;
    }
    return 0;
}

/* ---- listening -------------------------------------------------------- */

net_socket net_open_listener(const struct sockaddr_storage *addr, socklen_t addr_len, bool v6only)
{
    net_socket s = socket(addr->ss_family, SOCK_STREAM, IPPROTO_TCP);
    if (s == NET_INVALID_SOCKET)
        return NET_INVALID_SOCKET;
    net_os_prepare_socket(s);
    if (net_os_claim_address(s) != 0)
        goto fail;
    if (addr->ss_family == AF_INET6 &&
        net_set_int_option(s, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? 1 : 0) != 0)
        goto fail;
    if (net_set_nonblocking(s, true) != 0)
        goto fail;
    if (bind(s, (const struct sockaddr *)addr, addr_len) != 0)
        goto fail;
    if (listen(s, SOMAXCONN) != 0)
        goto fail;
    return s;
fail:
    net_close(s); /* keeps the OS error */
    return NET_INVALID_SOCKET;
}

static net_socket listener_from_addrinfo(const struct addrinfo *ai, int port, bool v6only)
{
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    if (ai->ai_addrlen > sizeof addr) {
        net_os_set_last_error(net_os_err_invalid);
        return NET_INVALID_SOCKET;
    }
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    if (port > 0)
        set_sockaddr_port(&addr, port);
    return net_open_listener(&addr, (socklen_t)ai->ai_addrlen, v6only);
}

/* Every interface: one dual-stack IPv6 socket, or IPv4 only where IPv6 (or
 * dual stack) is not available. */
static int listen_any(const char *port, net_socket *out, char *err, size_t err_len)
{
    struct addrinfo *list = NULL;
    net_socket s = NET_INVALID_SOCKET;
    if (resolve(NULL, port, AF_INET6, AI_PASSIVE, &list, NULL, 0) == 0) {
        s = listener_from_addrinfo(list, 0, false);
        freeaddrinfo(list);
        if (s == NET_INVALID_SOCKET && !net_os_family_unavailable(net_last_error())) {
            net_set_error_text(err, err_len, net_last_error());
            return NET_ERROR;
        }
    }
    if (s == NET_INVALID_SOCKET) {
        if (resolve(NULL, port, AF_INET, AI_PASSIVE, &list, err, err_len) != 0)
            return NET_ERROR;
        s = listener_from_addrinfo(list, 0, false);
        freeaddrinfo(list);
        if (s == NET_INVALID_SOCKET) {
            net_set_error_text(err, err_len, net_last_error());
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
static int listen_each(const struct addrinfo *list, net_socket *out, int max_out, char *err,
                       size_t err_len)
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
            if (net_os_family_unavailable(net_last_error())) {
                skipped_err = net_last_error();
                continue;
            }
            goto fail;
        }
        out[count++] = s;
        if (port == 0)
            port = net_local_port(s);
    }
    if (count == 0) {
        net_os_set_last_error(skipped_err != 0 ? skipped_err : net_os_err_address_missing);
        goto fail;
    }
    return count;
fail:
    net_set_error_text(err, err_len, net_last_error());
    for (i = 0; i < count; i++)
        net_close(out[i]);
    return NET_ERROR;
}

static bool is_any_host(const char *host)
{
    return host == NULL || host[0] == '\0' || strcmp(host, "*") == 0;
}

int net_listen(const char *host, const char *port, net_socket *out, int max_out, char *err,
               size_t err_len)
{
    struct addrinfo *list = NULL;
    int attempt, n = NET_ERROR;
    if (out == NULL || max_out < 1 || port == NULL) {
        net_os_set_last_error(net_os_err_invalid);
        net_set_error_text(err, err_len, net_os_err_invalid);
        return NET_ERROR;
    }
    if (is_any_host(host))
        return listen_any(port, out, err, err_len);
    if (resolve(host, port, AF_UNSPEC, AI_PASSIVE, &list, err, err_len) != 0)
        return NET_ERROR;
    /* A port picked for the first address may already be taken on another
     * (say ::1), which only a fresh pick can fix. */
    for (attempt = 0; attempt < 5; attempt++) {
        n = listen_each(list, out, max_out, err, err_len);
        if (n != NET_ERROR || net_last_error() != net_os_err_address_in_use ||
            strcmp(port, "0") != 0)
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
    } while (s == NET_INVALID_SOCKET && net_error_interrupted(net_last_error()));
    if (s == NET_INVALID_SOCKET)
        return net_os_accept_gone(net_last_error()) ? NET_WOULD_BLOCK : NET_ERROR;
    net_os_prepare_socket(s);
    if (net_set_nonblocking(s, true) != 0) {
        net_close(s);
        return NET_ERROR;
    }
    net_set_int_option(s, IPPROTO_TCP, TCP_NODELAY, 1);
    *out = s;
    return 0;
}

/* ---- connecting ------------------------------------------------------- */

/* One address: a blocking, connected socket or NET_INVALID_SOCKET (OS error
 * set). The connect itself is non-blocking so that the timeout (and, on
 * POSIX, EINTR) are handled by one wait. */
static net_socket connect_one(const struct addrinfo *ai, long timeout_ms)
{
    net_socket s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s == NET_INVALID_SOCKET)
        return NET_INVALID_SOCKET;
    net_os_prepare_socket(s);
    if (net_set_nonblocking(s, true) != 0)
        goto fail;
    if (connect(s, ai->ai_addr, (socklen_t)ai->ai_addrlen) != 0) {
        if (!net_os_connect_pending(net_last_error()))
            goto fail;
        if (net_os_wait_connected(s, timeout_ms) != 0)
            goto fail;
    }
    if (net_set_nonblocking(s, false) != 0)
        goto fail;
    net_set_int_option(s, IPPROTO_TCP, TCP_NODELAY, 1);
    return s;
fail:
    net_close(s); /* keeps the OS error */
    return NET_INVALID_SOCKET;
}

int net_connect(const char *host, const char *port, net_socket *out, long timeout_ms, char *err,
                size_t err_len)
{
    struct addrinfo *list = NULL, *ai;
    net_socket s = NET_INVALID_SOCKET;
    int last_err = net_os_err_refused;
    if (resolve(host, port, AF_UNSPEC, 0, &list, err, err_len) != 0)
        return NET_ERROR;
    for (ai = list; ai != NULL && s == NET_INVALID_SOCKET; ai = ai->ai_next) {
        s = connect_one(ai, timeout_ms);
        if (s == NET_INVALID_SOCKET)
            last_err = net_last_error();
    }
    freeaddrinfo(list);
    if (s == NET_INVALID_SOCKET) {
        net_os_set_last_error(last_err);
        net_set_error_text(err, err_len, last_err);
        return NET_ERROR;
    }
    *out = s;
    return 0;
}
