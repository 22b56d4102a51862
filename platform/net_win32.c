/* net_win32.c - net.h over Winsock 2.
 *
 * Nothing above platform/ sees SOCKET, closesocket() or WSAGetLastError():
 * errors stay WSA codes behind net_last_error(), and this file is the only
 * place that knows which of them mean "would block" or "connection reset". */
#include "platform/net.h"

#include <stdio.h>
#include <string.h>
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

/* ---- error text ------------------------------------------------------- */

static void copy_text(char *buf, size_t len, const char *text)
{
    if (buf != NULL && len > 0)
        snprintf(buf, len, "%s", text);
}

/* FormatMessage ends its text with "\r\n"; the caller adds its own line end. */
static void strip_trailing_space(char *buf)
{
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == '\n' || buf[n - 1] == ' ' ||
                     buf[n - 1] == '\t'))
        buf[--n] = '\0';
}

/* English text for the common socket errors, for systems whose message
 * tables lack the Winsock codes (wine has none of them). */
static const char *known_error_text(int err)
{
    switch (err) {
    case WSAEADDRINUSE: return "Address already in use";
    case WSAEADDRNOTAVAIL: return "Cannot assign requested address";
    case WSAEACCES: return "Permission denied";
    case WSAECONNREFUSED: return "Connection refused";
    case WSAECONNRESET: return "Connection reset by peer";
    case WSAECONNABORTED: return "Software caused connection abort";
    case WSAETIMEDOUT: return "Connection timed out";
    case WSAEHOSTUNREACH: return "No route to host";
    case WSAENETUNREACH: return "Network is unreachable";
    case WSAEWOULDBLOCK: return "Resource temporarily unavailable";
    case WSAEMFILE: return "Too many open sockets";
    case WSAENOBUFS: return "No buffer space available";
    case WSAEAFNOSUPPORT: return "Address family not supported";
    case WSAHOST_NOT_FOUND: return "Host not found";
    case WSATRY_AGAIN: return "Temporary failure in name resolution";
    case WSANO_RECOVERY: return "Non-recoverable failure in name resolution";
    case WSANO_DATA: return "No address associated with the name";
    case WSATYPE_NOT_FOUND: return "Service not found";
    default: return NULL;
    }
}

/* FormatMessage sets the thread's last error (which is WSAGetLastError()
 * too), so the code being described is put back afterwards. */
const char *net_error_string(int err, char *buf, size_t len)
{
    DWORD saved = GetLastError(), n;
    const char *known = known_error_text(err);
    if (buf == NULL || len == 0)
        return buf;
    n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                       (DWORD)err, 0, buf, len > 0xffff ? 0xffff : (DWORD)len, NULL);
    if (n == 0)
        buf[0] = '\0';
    strip_trailing_space(buf);
    if (buf[0] == '\0' && known != NULL)
        copy_text(buf, len, known);
    if (buf[0] == '\0')
        snprintf(buf, len, "error %d", err);
    SetLastError(saved);
    return buf;
}

static void set_os_error(char *err, size_t err_len, int code)
{
    if (err != NULL && err_len > 0)
        net_error_string(code, err, err_len);
}

int net_last_error(void)
{
    return WSAGetLastError();
}

bool net_error_would_block(int err)
{
    return err == WSAEWOULDBLOCK;
}

bool net_error_interrupted(int err)
{
    return err == WSAEINTR;
}

bool net_error_connection_reset(int err)
{
    return err == WSAECONNRESET || err == WSAECONNABORTED || err == WSAENETRESET ||
           err == WSAESHUTDOWN;
}

bool net_error_out_of_descriptors(int err)
{
    return err == WSAEMFILE || err == WSAENOBUFS;
}

/* ---- setup ------------------------------------------------------------ */

/* Winsock counts WSAStartup calls itself; each needs one WSACleanup. */
int net_init(void)
{
    WSADATA data;
    int rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        WSASetLastError(rc);
        return NET_ERROR;
    }
    return 0;
}

void net_cleanup(void)
{
    WSACleanup();
}

/* ---- socket options --------------------------------------------------- */

int net_set_nonblocking(net_socket s, bool on)
{
    u_long mode = on ? 1 : 0;
    return ioctlsocket((SOCKET)s, FIONBIO, &mode) == SOCKET_ERROR ? NET_ERROR : 0;
}

static int set_int_option(net_socket s, int level, int name, int value)
{
    return setsockopt((SOCKET)s, level, name, (const char *)&value, (int)sizeof value) ==
                   SOCKET_ERROR
               ? NET_ERROR
               : 0;
}

/* Sockets are handles: keep them out of child processes, which would
 * otherwise hold connections open after we close them. */
static void prepare_socket(net_socket s)
{
    SetHandleInformation((HANDLE)(SOCKET)s, HANDLE_FLAG_INHERIT, 0);
}

int net_set_buffer_sizes(net_socket s, int rcvbuf, int sndbuf)
{
    if (rcvbuf > 0 && set_int_option(s, SOL_SOCKET, SO_RCVBUF, rcvbuf) != 0)
        return NET_ERROR;
    if (sndbuf > 0 && set_int_option(s, SOL_SOCKET, SO_SNDBUF, sndbuf) != 0)
        return NET_ERROR;
    return 0;
}

/* closesocket() keeps the last error so a caller cleaning up after a failure
 * can still report the failure. */
void net_close(net_socket s)
{
    int saved = WSAGetLastError();
    if (s != NET_INVALID_SOCKET)
        closesocket((SOCKET)s);
    WSASetLastError(saved);
}

void net_close_reset(net_socket s)
{
    struct linger lg;
    if (s == NET_INVALID_SOCKET)
        return;
    lg.l_onoff = 1;
    lg.l_linger = 0;
    setsockopt((SOCKET)s, SOL_SOCKET, SO_LINGER, (const char *)&lg, (int)sizeof lg);
    net_close(s);
}

int net_shutdown_write(net_socket s)
{
    return shutdown((SOCKET)s, SD_SEND) == SOCKET_ERROR ? NET_ERROR : 0;
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
        ((struct sockaddr_in *)addr)->sin_port = htons((u_short)port);
    else if (addr->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)addr)->sin6_port = htons((u_short)port);
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
    socklen_t addr_len;
    unmap_ipv4(addr);
    if (addr->ss_family == AF_INET)
        addr_len = (socklen_t)sizeof(struct sockaddr_in);
    else if (addr->ss_family == AF_INET6)
        addr_len = (socklen_t)sizeof(struct sockaddr_in6);
    else
        addr_len = 0;
    if (addr_len == 0 || getnameinfo((const struct sockaddr *)addr, addr_len, host,
                                     (DWORD)sizeof host, NULL, 0, NI_NUMERICHOST) != 0) {
        copy_text(buf, len, "?");
        return buf;
    }
    /* Drop an IPv6 scope ("%3"): the name is for people, not for connect(). */
    if (addr->ss_family == AF_INET6 && strchr(host, '%') != NULL)
        *strchr(host, '%') = '\0';
    snprintf(buf, len, addr->ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host,
             sockaddr_port(addr));
    return buf;
}

const char *net_peer_name(net_socket s, char *buf, size_t len)
{
    struct sockaddr_storage addr;
    int addr_len = (int)sizeof addr;
    memset(&addr, 0, sizeof addr);
    if (getpeername((SOCKET)s, (struct sockaddr *)&addr, &addr_len) == SOCKET_ERROR) {
        copy_text(buf, len, "?");
        return buf;
    }
    return format_address(&addr, buf, len);
}

const char *net_local_name(net_socket s, char *buf, size_t len)
{
    struct sockaddr_storage addr;
    int addr_len = (int)sizeof addr;
    memset(&addr, 0, sizeof addr);
    if (getsockname((SOCKET)s, (struct sockaddr *)&addr, &addr_len) == SOCKET_ERROR) {
        copy_text(buf, len, "?");
        return buf;
    }
    return format_address(&addr, buf, len);
}

int net_local_port(net_socket s)
{
    struct sockaddr_storage addr;
    int addr_len = (int)sizeof addr;
    memset(&addr, 0, sizeof addr);
    if (getsockname((SOCKET)s, (struct sockaddr *)&addr, &addr_len) == SOCKET_ERROR)
        return -1;
    return sockaddr_port(&addr);
}

/* ---- listening -------------------------------------------------------- */

/* Errors that mean "this host has no such address family / address", as
 * opposed to "the address exists but cannot be used" (in use, no access). */
static bool family_unavailable(int err)
{
    return err == WSAEAFNOSUPPORT || err == WSAEPROTONOSUPPORT || err == WSAEPFNOSUPPORT ||
           err == WSAEADDRNOTAVAIL || err == WSAEINVAL;
}

/* One non-blocking listening socket on addr, or NET_INVALID_SOCKET with the
 * WSA error set. SO_EXCLUSIVEADDRUSE, not SO_REUSEADDR: on Windows the latter
 * lets another process bind the same port and steal connections. */
static net_socket open_listener(const struct sockaddr_storage *addr, int addr_len, bool v6only)
{
    SOCKET s = socket(addr->ss_family, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET)
        return NET_INVALID_SOCKET;
    prepare_socket(s);
    if (set_int_option(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1) != 0)
        goto fail;
    if (addr->ss_family == AF_INET6 &&
        set_int_option(s, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? 1 : 0) != 0)
        goto fail;
    if (net_set_nonblocking(s, true) != 0)
        goto fail;
    if (bind(s, (const struct sockaddr *)addr, addr_len) == SOCKET_ERROR)
        goto fail;
    if (listen(s, SOMAXCONN) == SOCKET_ERROR)
        goto fail;
    return s;
fail:
    net_close(s);
    return NET_INVALID_SOCKET;
}

static net_socket listener_from_addrinfo(const struct addrinfo *ai, int port, bool v6only)
{
    struct sockaddr_storage addr;
    memset(&addr, 0, sizeof addr);
    if (ai->ai_addrlen > sizeof addr) {
        WSASetLastError(WSAEINVAL);
        return NET_INVALID_SOCKET;
    }
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    if (port > 0)
        set_sockaddr_port(&addr, port);
    return open_listener(&addr, (int)ai->ai_addrlen, v6only);
}

/* getaddrinfo's EAI_* codes are WSA codes on Windows, so one text lookup
 * serves both (gai_strerror is not thread-safe here). */
static int resolve(const char *host, const char *port, int family, int flags,
                   struct addrinfo **out, char *err, size_t err_len)
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
        WSASetLastError(rc);
        set_os_error(err, err_len, rc);
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
    if (resolve(NULL, port, AF_INET6, AI_PASSIVE, &list, NULL, 0) == 0) {
        s = listener_from_addrinfo(list, 0, false);
        freeaddrinfo(list);
        if (s == NET_INVALID_SOCKET && !family_unavailable(WSAGetLastError())) {
            set_os_error(err, err_len, WSAGetLastError());
            return NET_ERROR;
        }
    }
    if (s == NET_INVALID_SOCKET) {
        if (resolve(NULL, port, AF_INET, AI_PASSIVE, &list, err, err_len) != 0)
            return NET_ERROR;
        s = listener_from_addrinfo(list, 0, false);
        freeaddrinfo(list);
        if (s == NET_INVALID_SOCKET) {
            set_os_error(err, err_len, WSAGetLastError());
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
 * are skipped; any other failure undoes the lot, so the server never runs on
 * half of what was asked. With port "0" the first socket's port is reused. */
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
            if (family_unavailable(WSAGetLastError())) {
                skipped_err = WSAGetLastError();
                continue;
            }
            goto fail;
        }
        out[count++] = s;
        if (port == 0)
            port = net_local_port(s);
    }
    if (count == 0) {
        WSASetLastError(skipped_err != 0 ? skipped_err : WSAEADDRNOTAVAIL);
        goto fail;
    }
    return count;
fail:
    set_os_error(err, err_len, WSAGetLastError());
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
        WSASetLastError(WSAEINVAL);
        set_os_error(err, err_len, WSAEINVAL);
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
        if (n != NET_ERROR || WSAGetLastError() != WSAEADDRINUSE || strcmp(port, "0") != 0)
            break;
    }
    freeaddrinfo(list);
    return n;
}

int net_accept(net_socket listener, net_socket *out)
{
    SOCKET s;
    int err;
    do {
        s = accept((SOCKET)listener, NULL, NULL);
    } while (s == INVALID_SOCKET && WSAGetLastError() == WSAEINTR);
    if (s == INVALID_SOCKET) {
        err = WSAGetLastError();
        /* A connection reset before we took it is gone; nothing to accept. */
        if (err == WSAEWOULDBLOCK || err == WSAECONNRESET || err == WSAECONNABORTED)
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

/* select() reads only fd_count entries, so a one-socket set need not be the
 * full FD_SETSIZE (32 KiB) on the stack. */
typedef struct {
    u_int fd_count;
    SOCKET fd_array[1];
} one_socket_set;

/* Wait for a non-blocking connect() to finish. Winsock reports a failed
 * connect in the exception set, not as writable; SO_ERROR says why.
 * timeout_ms <= 0 waits for as long as the OS keeps trying. */
static int wait_connected(SOCKET s, long timeout_ms)
{
    one_socket_set writable, failed;
    struct timeval tv, *tvp = NULL;
    int so_error = 0, so_len = (int)sizeof so_error, n;
    writable.fd_count = 1;
    writable.fd_array[0] = s;
    failed = writable;
    if (timeout_ms > 0) {
        tv.tv_sec = (long)(timeout_ms / 1000);
        tv.tv_usec = (long)((timeout_ms % 1000) * 1000);
        tvp = &tv;
    }
    n = select(0, NULL, (fd_set *)&writable, (fd_set *)&failed, tvp);
    if (n == SOCKET_ERROR)
        return NET_ERROR;
    if (n == 0) {
        WSASetLastError(WSAETIMEDOUT);
        return NET_ERROR;
    }
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&so_error, &so_len) == SOCKET_ERROR)
        return NET_ERROR;
    if (so_error != 0) {
        WSASetLastError(so_error);
        return NET_ERROR;
    }
    return 0;
}

/* One address: a blocking, connected socket or NET_INVALID_SOCKET (WSA
 * error set). The connect itself is non-blocking so the timeout can apply. */
static net_socket connect_one(const struct addrinfo *ai, long timeout_ms)
{
    SOCKET s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s == INVALID_SOCKET)
        return NET_INVALID_SOCKET;
    prepare_socket(s);
    if (net_set_nonblocking(s, true) != 0)
        goto fail;
    if (connect(s, ai->ai_addr, (int)ai->ai_addrlen) == SOCKET_ERROR) {
        if (WSAGetLastError() != WSAEWOULDBLOCK)
            goto fail;
        if (wait_connected(s, timeout_ms) != 0)
            goto fail;
    }
    if (net_set_nonblocking(s, false) != 0)
        goto fail;
    set_int_option(s, IPPROTO_TCP, TCP_NODELAY, 1);
    return s;
fail:
    net_close(s);
    return NET_INVALID_SOCKET;
}

int net_connect(const char *host, const char *port, net_socket *out,
                long timeout_ms, char *err, size_t err_len)
{
    struct addrinfo *list = NULL, *ai;
    net_socket s = NET_INVALID_SOCKET;
    int last_err = WSAECONNREFUSED;
    if (resolve(host, port, AF_UNSPEC, 0, &list, err, err_len) != 0)
        return NET_ERROR;
    for (ai = list; ai != NULL && s == NET_INVALID_SOCKET; ai = ai->ai_next) {
        s = connect_one(ai, timeout_ms);
        if (s == NET_INVALID_SOCKET)
            last_err = WSAGetLastError();
    }
    freeaddrinfo(list);
    if (s == NET_INVALID_SOCKET) {
        WSASetLastError(last_err);
        set_os_error(err, err_len, last_err);
        return NET_ERROR;
    }
    *out = s;
    return 0;
}

/* ---- data ------------------------------------------------------------- */

/* Winsock counts in int; a longer buffer is simply sent in part. */
static int clamp_length(size_t len)
{
    return len > 0x7fffffff ? 0x7fffffff : (int)len;
}

long net_send(net_socket s, const void *buf, size_t len)
{
    int n;
    do {
        n = send((SOCKET)s, (const char *)buf, clamp_length(len), 0);
    } while (n == SOCKET_ERROR && WSAGetLastError() == WSAEINTR);
    if (n != SOCKET_ERROR)
        return n;
    return WSAGetLastError() == WSAEWOULDBLOCK ? NET_WOULD_BLOCK : NET_ERROR;
}

long net_recv(net_socket s, void *buf, size_t len)
{
    int n;
    do {
        n = recv((SOCKET)s, (char *)buf, clamp_length(len), 0);
    } while (n == SOCKET_ERROR && WSAGetLastError() == WSAEINTR);
    if (n != SOCKET_ERROR)
        return n;
    return WSAGetLastError() == WSAEWOULDBLOCK ? NET_WOULD_BLOCK : NET_ERROR;
}

/* ---- wake-up pair ----------------------------------------------------- */

static bool same_ipv4_endpoint(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_family == b->sin_family && a->sin_port == b->sin_port &&
           a->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* Whether accepted is the far end of client: another local process could
 * connect to our short-lived listener first, and must not get the pair. */
static bool is_peer_of(SOCKET accepted, SOCKET client)
{
    struct sockaddr_in peer, local;
    int peer_len = (int)sizeof peer, local_len = (int)sizeof local;
    if (getpeername(accepted, (struct sockaddr *)&peer, &peer_len) == SOCKET_ERROR ||
        getsockname(client, (struct sockaddr *)&local, &local_len) == SOCKET_ERROR)
        return false;
    return same_ipv4_endpoint(&peer, &local);
}

static SOCKET loopback_listener(void)
{
    struct sockaddr_storage addr;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
    SOCKET s;
    memset(&addr, 0, sizeof addr);
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    v4->sin_port = 0;
    s = open_listener(&addr, (int)sizeof *v4, false);
    /* Blocking accept: our own connect is already queued when we call it. */
    if (s != INVALID_SOCKET && net_set_nonblocking(s, false) != 0) {
        net_close(s);
        return INVALID_SOCKET;
    }
    return s;
}

/* Accept connections until the one from client turns up (a few tries). */
static SOCKET accept_own_peer(SOCKET listener, SOCKET client)
{
    int tries;
    for (tries = 0; tries < 8; tries++) {
        SOCKET s = accept(listener, NULL, NULL);
        if (s == INVALID_SOCKET)
            return INVALID_SOCKET;
        if (is_peer_of(s, client))
            return s;
        net_close_reset(s);
    }
    WSASetLastError(WSAECONNREFUSED);
    return INVALID_SOCKET;
}

/* Winsock has no socketpair(), and select() takes only sockets, so the
 * wake-up pair is a TCP connection over 127.0.0.1. */
int net_socket_pair(net_socket pair[2], char *err, size_t err_len)
{
    struct sockaddr_in addr;
    int addr_len = (int)sizeof addr;
    SOCKET listener, client = INVALID_SOCKET, server = INVALID_SOCKET;
    listener = loopback_listener();
    if (listener == INVALID_SOCKET)
        goto fail;
    if (getsockname(listener, (struct sockaddr *)&addr, &addr_len) == SOCKET_ERROR)
        goto fail;
    client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (client == INVALID_SOCKET)
        goto fail;
    prepare_socket(client);
    if (connect(client, (struct sockaddr *)&addr, addr_len) == SOCKET_ERROR)
        goto fail;
    server = accept_own_peer(listener, client);
    if (server == INVALID_SOCKET)
        goto fail;
    prepare_socket(server);
    if (net_set_nonblocking(client, true) != 0 || net_set_nonblocking(server, true) != 0)
        goto fail;
    set_int_option(client, IPPROTO_TCP, TCP_NODELAY, 1);
    set_int_option(server, IPPROTO_TCP, TCP_NODELAY, 1);
    net_close(listener);
    pair[0] = client;
    pair[1] = server;
    return 0;
fail:
    set_os_error(err, err_len, WSAGetLastError());
    if (listener != INVALID_SOCKET)
        net_close(listener);
    if (client != INVALID_SOCKET)
        net_close(client);
    if (server != INVALID_SOCKET)
        net_close(server);
    return NET_ERROR;
}
