/* net_win32.c - net.h over Winsock 2.
 *
 * Nothing above platform/ sees SOCKET, closesocket() or WSAGetLastError():
 * errors stay WSA codes behind net_last_error(), and this file is the only
 * place that knows which of them mean "would block" or "connection reset".
 * What reads the same on POSIX is in net_common.c. */
#include "platform/net_internal.h"

#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <mstcpip.h>

/* ---- error text ------------------------------------------------------- */

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
        net_copy_text(buf, len, known);
    if (buf[0] == '\0')
        snprintf(buf, len, "error %d", err);
    SetLastError(saved);
    return buf;
}

/* getaddrinfo's EAI_* codes are WSA codes on Windows, so one text lookup
 * serves both (gai_strerror is not thread-safe here). */
void net_os_set_resolve_error(int rc, char *err, size_t err_len)
{
    WSASetLastError(rc);
    net_set_error_text(err, err_len, rc);
}

const int net_os_err_invalid = WSAEINVAL;
const int net_os_err_address_in_use = WSAEADDRINUSE;
const int net_os_err_address_missing = WSAEADDRNOTAVAIL;
const int net_os_err_refused = WSAECONNREFUSED;

int net_last_error(void)
{
    return WSAGetLastError();
}

void net_os_set_last_error(int code)
{
    WSASetLastError(code);
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

void net_ignore_broken_pipe(void)
{
}

void net_cleanup(void)
{
    WSACleanup();
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
    u_long mode = on ? 1 : 0;
    return ioctlsocket((SOCKET)s, FIONBIO, &mode) == SOCKET_ERROR ? NET_ERROR : 0;
}

/* Sockets are handles: keep them out of child processes, which would
 * otherwise hold connections open after we close them. */
void net_os_prepare_socket(net_socket s)
{
    SetHandleInformation((HANDLE)(SOCKET)s, HANDLE_FLAG_INHERIT, 0);
}

/* SO_EXCLUSIVEADDRUSE, not SO_REUSEADDR: on Windows the latter lets another
 * process bind the same port and steal connections. */
int net_os_claim_address(net_socket s)
{
    return net_set_int_option(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1);
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

int net_shutdown_write(net_socket s)
{
    return shutdown((SOCKET)s, SD_SEND) == SOCKET_ERROR ? NET_ERROR : 0;
}

/* ---- addresses -------------------------------------------------------- */

/* getnameinfo(NI_NUMERICHOST) is in every Winsock 2 (inet_ntop only from
 * Vista on); unlike inet_ntop it appends an IPv6 scope, dropped below. */
bool net_os_numeric_host(const struct sockaddr_storage *addr, char *host, size_t len)
{
    socklen_t addr_len;
    if (addr->ss_family == AF_INET)
        addr_len = (socklen_t)sizeof(struct sockaddr_in);
    else if (addr->ss_family == AF_INET6)
        addr_len = (socklen_t)sizeof(struct sockaddr_in6);
    else
        return false;
    if (getnameinfo((const struct sockaddr *)addr, addr_len, host,
                    len > 0xffff ? 0xffff : (DWORD)len, NULL, 0, NI_NUMERICHOST) != 0)
        return false;
    /* Drop an IPv6 scope ("%3"): the name is for people, not for connect(). */
    if (addr->ss_family == AF_INET6 && strchr(host, '%') != NULL)
        *strchr(host, '%') = '\0';
    return true;
}

/* ---- listening -------------------------------------------------------- */

bool net_os_family_unavailable(int err)
{
    return err == WSAEAFNOSUPPORT || err == WSAEPROTONOSUPPORT || err == WSAEPFNOSUPPORT ||
           err == WSAEADDRNOTAVAIL || err == WSAEINVAL;
}

/* A connection reset before we took it is gone; nothing to accept. */
bool net_os_accept_gone(int err)
{
    return err == WSAEWOULDBLOCK || err == WSAECONNRESET || err == WSAECONNABORTED;
}

/* ---- connecting ------------------------------------------------------- */

/* select() reads only fd_count entries, so a one-socket set need not be the
 * full FD_SETSIZE (80 KiB) on the stack. */
typedef struct {
    u_int fd_count;
    SOCKET fd_array[1];
} one_socket_set;

/* Wait for a non-blocking connect() to finish. Winsock reports a failed
 * connect in the exception set, not as writable; SO_ERROR says why.
 * timeout_ms <= 0 waits for as long as the OS keeps trying. */
int net_os_wait_connected(net_socket s, long timeout_ms)
{
    one_socket_set writable, failed;
    struct timeval tv, *tvp = NULL;
    int so_error = 0, so_len = (int)sizeof so_error, n;
    writable.fd_count = 1;
    writable.fd_array[0] = (SOCKET)s;
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
    if (getsockopt((SOCKET)s, SOL_SOCKET, SO_ERROR, (char *)&so_error, &so_len) == SOCKET_ERROR)
        return NET_ERROR;
    if (so_error != 0) {
        WSASetLastError(so_error);
        return NET_ERROR;
    }
    return 0;
}

/* Winsock reports a connect still under way as WSAEWOULDBLOCK. */
bool net_os_connect_pending(int err)
{
    return err == WSAEWOULDBLOCK;
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
    s = net_open_listener(&addr, (socklen_t)sizeof *v4, false);
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
    net_os_prepare_socket(client);
    if (connect(client, (struct sockaddr *)&addr, addr_len) == SOCKET_ERROR)
        goto fail;
    server = accept_own_peer(listener, client);
    if (server == INVALID_SOCKET)
        goto fail;
    net_os_prepare_socket(server);
    if (net_set_nonblocking(client, true) != 0 || net_set_nonblocking(server, true) != 0)
        goto fail;
    net_set_int_option(client, IPPROTO_TCP, TCP_NODELAY, 1);
    net_set_int_option(server, IPPROTO_TCP, TCP_NODELAY, 1);
    net_close(listener);
    pair[0] = client;
    pair[1] = server;
    return 0;
fail:
    net_set_error_text(err, err_len, WSAGetLastError());
    if (listener != INVALID_SOCKET)
        net_close(listener);
    if (client != INVALID_SOCKET)
        net_close(client);
    if (server != INVALID_SOCKET)
        net_close(server);
    return NET_ERROR;
}

/* Winsock sockets are handles, not bounded by a per-process table. */
long net_raise_descriptor_limit(long wanted)
{
    (void)wanted;
    return -1;
}

/* Windows sets the probe timing per socket with SIO_KEEPALIVE_VALS (which
 * also turns keepalive on); the probe count is fixed by the OS (10). If the
 * ioctl is refused (wine, old systems), plain SO_KEEPALIVE still applies. */
int net_set_keepalive(net_socket s)
{
    struct tcp_keepalive ka;
    DWORD returned = 0;
    if (net_set_int_option(s, SOL_SOCKET, SO_KEEPALIVE, 1) != 0)
        return NET_ERROR;
    ka.onoff = 1;
    ka.keepalivetime = NET_KEEPALIVE_IDLE_S * 1000u;
    ka.keepaliveinterval = NET_KEEPALIVE_INTERVAL_S * 1000u;
    (void)WSAIoctl((SOCKET)s, SIO_KEEPALIVE_VALS, &ka, sizeof ka, NULL, 0, &returned, NULL,
                   NULL);
    return 0;
}
