/* net.h - one socket API over BSD sockets and Winsock.
 *
 * Everything above platform/ uses these names and never sees SOCKET,
 * closesocket() or WSAGetLastError(). Functions return a byte count or 0 on
 * success and a negative NET_* code on failure; the OS error behind a
 * NET_ERROR is kept in net_last_error() so the edge can print it once. */
#ifndef NATTER_PLATFORM_NET_H
#define NATTER_PLATFORM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
typedef uintptr_t net_socket; /* SOCKET is UINT_PTR */
#define NET_INVALID_SOCKET (~(net_socket)0)
#else
typedef int net_socket;
#define NET_INVALID_SOCKET (-1)
#endif

/* Portable results. Byte-count functions return >= 0 on success. */
#define NET_WOULD_BLOCK (-1) /* nothing to do now; wait for readiness */
#define NET_ERROR       (-2) /* failed; see net_last_error() */

/* WSAStartup on Windows (and SIGPIPE off on systems without MSG_NOSIGNAL or
 * SO_NOSIGPIPE); a no-op elsewhere. Returns 0 or NET_ERROR. Pairs nest. */
int net_init(void);

/* For libraries that write to sockets themselves (hiredis uses write()):
 * make a write to a closed connection an error, not a fatal signal. POSIX:
 * SIGPIPE is ignored process-wide; Windows has no such signal. */
void net_ignore_broken_pipe(void);
void net_cleanup(void);

/* Listen on host:port. host NULL (or "" or "*") means every interface: an
 * IPv6 socket that also takes IPv4 where the OS allows, else IPv4 only. A
 * named host binds every address it resolves to (so "localhost" gets both
 * 127.0.0.1 and ::1). port "0" picks a free port (shared by all sockets).
 * Sockets are non-blocking with SO_REUSEADDR (POSIX) / SO_EXCLUSIVEADDRUSE
 * (Windows). Returns how many sockets were stored in out[] (>= 1) or
 * NET_ERROR with a readable reason in err. */
int net_listen(const char *host, const char *port, net_socket *out, int max_out, char *err,
               size_t err_len);

/* Accept one pending connection, non-blocking, with TCP_NODELAY set.
 * Returns NET_WOULD_BLOCK when none is pending. */
int net_accept(net_socket listener, net_socket *out);

/* Blocking connect to host:port trying every address getaddrinfo returns;
 * the socket comes back in blocking mode with TCP_NODELAY. Returns 0 or
 * NET_ERROR with a readable reason in err. timeout_ms <= 0 means the OS
 * default. */
int net_connect(const char *host, const char *port, net_socket *out, long timeout_ms, char *err,
                size_t err_len);

int net_set_nonblocking(net_socket s, bool on);
void net_close(net_socket s);

/* Close abortively (RST instead of FIN): SO_LINGER with a zero timeout. */
void net_close_reset(net_socket s);

/* Stop sending (shutdown SHUT_WR / SD_SEND); reading stays possible. */
int net_shutdown_write(net_socket s);

/* send() that never raises SIGPIPE and retries on EINTR. Returns bytes sent
 * (maybe fewer than len), NET_WOULD_BLOCK or NET_ERROR. */
long net_send(net_socket s, const void *buf, size_t len);

/* recv() retrying on EINTR. Returns bytes (> 0), 0 on orderly close by the
 * peer, NET_WOULD_BLOCK or NET_ERROR. */
long net_recv(net_socket s, void *buf, size_t len);

/* The OS error of the last failed call on this thread, and predicates over
 * such codes so callers need not know errno from WSAGetLastError. */
int net_last_error(void);
bool net_error_would_block(int err);
bool net_error_interrupted(int err);
bool net_error_connection_reset(int err);
/* Too many open descriptors (EMFILE/ENFILE/WSAEMFILE/ENOBUFS). */
bool net_error_out_of_descriptors(int err);
/* The OS's text for err ("Address already in use"); returns buf. */
const char *net_error_string(int err, char *buf, size_t len);

/* "127.0.0.1:5000" or "[::1]:5000" for the peer / local end; IPv4-mapped
 * IPv6 addresses are shown as IPv4. Returns buf ("?" on failure). */
const char *net_peer_name(net_socket s, char *buf, size_t len);
const char *net_local_name(net_socket s, char *buf, size_t len);
/* The local port of a bound socket, or -1. */
int net_local_port(net_socket s);
/* This machine's host name ("localhost" if it cannot be told). */
const char *net_host_name(char *buf, size_t len);

/* The first address host resolves to, as numeric text ("127.0.0.1",
 * "::1") in out. Blocking (getaddrinfo): for start-up, before the loop
 * runs. Returns 0, or NET_ERROR with a reason in err. */
int net_resolve_address(const char *host, char *out, size_t out_len, char *err, size_t err_len);

/* A connected pair of non-blocking sockets, used to wake a select() from
 * another thread or a signal handler (socketpair on POSIX, a loopback TCP
 * pair on Windows, where select() takes only sockets). */
int net_socket_pair(net_socket pair[2], char *err, size_t err_len);

/* Set the receive / send buffer sizes (tests use small ones to make a
 * slow reader quickly). Returns 0 or NET_ERROR. */
int net_set_buffer_sizes(net_socket s, int rcvbuf, int sndbuf);

/* Cap the kernel's send buffer of a connected socket at about `bytes`
 * (SO_SNDBUF; Linux reserves twice that for its bookkeeping). Without it
 * the kernel autotunes the buffer to megabytes, which a peer that stops
 * reading holds on top of the server's own queue. Returns 0 or NET_ERROR. */
int net_set_send_buffer(net_socket s, int bytes);

/* Turn on TCP keepalive so a peer that vanished (powered off, cable pulled)
 * is noticed: first probe after NET_KEEPALIVE_IDLE_S seconds of silence,
 * then every NET_KEEPALIVE_INTERVAL_S, giving up after NET_KEEPALIVE_COUNT
 * unanswered probes (about 2 minutes in all) where the OS lets us choose
 * (TCP_KEEPIDLE/KEEPINTVL/KEEPCNT on Linux and the BSDs, TCP_KEEPALIVE on
 * macOS, SIO_KEEPALIVE_VALS on Windows); elsewhere the OS defaults apply.
 * Returns 0 or NET_ERROR (SO_KEEPALIVE itself failed). */
#define NET_KEEPALIVE_IDLE_S     60
#define NET_KEEPALIVE_INTERVAL_S 10
#define NET_KEEPALIVE_COUNT      6
int net_set_keepalive(net_socket s);

/* Raise this process's limit on open descriptors (RLIMIT_NOFILE's soft
 * limit, up to the hard limit and at most `wanted`) so that a server can
 * hold as many clients as select() allows; macOS starts at 256. Returns the
 * limit now in force, or -1 where there is no such limit (Windows). */
long net_raise_descriptor_limit(long wanted);

#endif
