/* net_internal.h - private to platform/: the seam between net_common.c (the
 * socket logic that reads the same on every OS: resolving, listening on every
 * address, connecting, address text) and net_posix.c / net_win32.c, which
 * supply the few OS primitives declared here. Never included outside platform/. */
#ifndef NATTER_PLATFORM_NET_INTERNAL_H
#define NATTER_PLATFORM_NET_INTERNAL_H

#include "platform/net.h"

#include <stdbool.h>
#include <stddef.h>

/* The socket headers differ by name only; the types used below
 * (sockaddr_storage, addrinfo, socklen_t) exist on both. */
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>
#endif

/* ---- provided by net_common.c ----------------------------------------- */

/* Copy text into buf when the caller wants it (buf may be NULL). */
void net_copy_text(char *buf, size_t len, const char *text);

/* Put the OS's text for error code into err (when the caller wants it). */
void net_set_error_text(char *err, size_t err_len, int code);

/* setsockopt() with an int value; returns 0 or NET_ERROR. */
int net_set_int_option(net_socket s, int level, int name, int value);

/* One non-blocking listening socket on addr, or NET_INVALID_SOCKET with the
 * OS error set. v6only decides whether an IPv6 socket also takes IPv4;
 * failing to set it counts as failure, since the caller relies on it. */
net_socket net_open_listener(const struct sockaddr_storage *addr, socklen_t addr_len,
                             bool v6only);

/* ---- provided by net_posix.c / net_win32.c ---------------------------- */

/* OS error codes the common code sets or compares (errno or WSA values). */
extern const int net_os_err_invalid;          /* EINVAL */
extern const int net_os_err_address_in_use;   /* EADDRINUSE */
extern const int net_os_err_address_missing;  /* EADDRNOTAVAIL */
extern const int net_os_err_refused;          /* ECONNREFUSED */

/* Set the error net_last_error() will return. */
void net_os_set_last_error(int code);

/* Options every socket we hand out gets (not inherited by child processes,
 * no SIGPIPE where the OS works per socket). */
void net_os_prepare_socket(net_socket s);

/* Keep other sockets off a listener's address: SO_REUSEADDR on POSIX (which
 * only skips TIME_WAIT there), SO_EXCLUSIVEADDRUSE on Windows. 0 or NET_ERROR. */
int net_os_claim_address(net_socket s);

/* Errors that mean "this host has no such address family / address", as
 * opposed to "the address exists but cannot be used" (in use, no access). */
bool net_os_family_unavailable(int err);

/* A failed getaddrinfo() (its return code rc): set the OS error where it has
 * one and put a readable reason into err. */
void net_os_set_resolve_error(int rc, char *err, size_t err_len);

/* accept() failed with err only because the connection is not there (none
 * pending, or reset before we took it). */
bool net_os_accept_gone(int err);

/* A non-blocking connect() failing with err has merely not finished yet. */
bool net_os_connect_pending(int err);

/* Wait for a pending non-blocking connect() to finish (timeout_ms <= 0: as
 * long as the OS keeps trying). 0, or NET_ERROR with the OS error set. */
int net_os_wait_connected(net_socket s, long timeout_ms);

/* The numeric host text of an AF_INET / AF_INET6 address, without an IPv6
 * scope. Returns false when it cannot be formatted. */
bool net_os_numeric_host(const struct sockaddr_storage *addr, char *host, size_t len);

#endif
