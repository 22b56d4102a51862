/* tls.h - TLS over a connected, non-blocking net_socket, one API over
 * whichever library the build found: OpenSSL 3 (tls_openssl.c, any OS where
 * CMake finds it), Schannel (tls_schannel.c, Windows client side only), or
 * nothing (tls_none.c, every call fails with "TLS is not available in this
 * build"). Nothing above platform/ sees an OpenSSL or Schannel type.
 *
 * Every call is non-blocking, for the select() loop: a call that cannot
 * finish returns TLS_WANT_READ or TLS_WANT_WRITE and the caller waits for
 * that readiness on the socket, then calls again. The library may hold
 * decrypted bytes the socket no longer shows as readable; tls_pending() says
 * so, and the caller must read them without waiting for select().
 *
 * Errors are returned as values with a one-line reason in the caller's
 * buffer or from tls_conn_error(), worded for a person ("certificate verify
 * failed (self-signed certificate)"), never as library error stacks. */
#ifndef NATTER_PLATFORM_TLS_H
#define NATTER_PLATFORM_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "platform/net.h"

/* Results of tls_handshake / tls_read / tls_write besides byte counts. */
#define TLS_OK          0
#define TLS_WANT_READ   (-1) /* call again when the socket is readable */
#define TLS_WANT_WRITE  (-2) /* call again when the socket is writable */
#define TLS_ERROR       (-3) /* failed for good; see tls_conn_error() */

/* Which sides this build can do. Servers need tls_server_available(); the
 * Windows build with Schannel only has the client side. */
bool tls_server_available(void);
bool tls_client_available(void);
/* "OpenSSL 3.0.15 19 Sep 2023", "Schannel", "none". */
const char *tls_backend_name(void);

/* ---- contexts ---------------------------------------------------------- */

typedef struct tls_server_ctx tls_server_ctx;
typedef struct tls_client_ctx tls_client_ctx;

/* A server context from PEM files: the certificate (chain: leaf first, as
 * Let's Encrypt's fullchain.pem) and its private key. TLS 1.2 and newer,
 * the library's default ciphers, renegotiation refused. Checks that both
 * load and that the key matches the certificate; on failure returns NULL
 * with e.g. "cannot read certificate cert.pem: No such file or directory"
 * or "key.pem does not match the certificate in cert.pem" in err.
 * Connections hold their own reference, so freeing (or replacing, for a
 * reload) a context never affects connections already made with it. */
tls_server_ctx *tls_server_ctx_create(const char *cert_file, const char *key_file, char *err,
                                      size_t err_len);
void tls_server_ctx_free(tls_server_ctx *ctx);

/* A client context. ca_file NULL: verify against the system's trust store;
 * otherwise trust the certificates in that PEM file (a private CA or the
 * server's self-signed certificate) instead. insecure: do not verify at
 * all (the caller warns the user). NULL with a reason in err on failure. */
tls_client_ctx *tls_client_ctx_create(const char *ca_file, bool insecure, char *err,
                                      size_t err_len);
void tls_client_ctx_free(tls_client_ctx *ctx);

/* ---- connections ------------------------------------------------------- */

typedef struct tls_conn tls_conn;

/* Wrap an accepted / connected non-blocking socket. The socket stays the
 * caller's: tls_conn_free() does not close it. host_name (client) is both
 * sent as SNI and checked against the certificate unless insecure; it may
 * be an IP address literal. NULL with a reason in err on failure (out of
 * memory, mostly). No bytes move until tls_handshake(). */
tls_conn *tls_conn_accept(tls_server_ctx *ctx, net_socket sock, char *err, size_t err_len);
tls_conn *tls_conn_connect(tls_client_ctx *ctx, net_socket sock, const char *host_name,
                           char *err, size_t err_len);
void tls_conn_free(tls_conn *c);

/* Drive the handshake: TLS_OK when it is complete, TLS_WANT_READ /
 * TLS_WANT_WRITE, or TLS_ERROR (garbage, plain text, a failed verification,
 * the peer closing). Calling it again after TLS_OK returns TLS_OK. */
int tls_handshake(tls_conn *c);

/* Read decrypted bytes: > 0 bytes, 0 when the peer closed (close_notify or
 * a bare TCP close), TLS_WANT_READ / TLS_WANT_WRITE, or TLS_ERROR. */
long tls_read(tls_conn *c, void *buf, size_t len);

/* Encrypt and send up to len bytes: > 0 bytes taken (maybe fewer than len;
 * one call may make several records), TLS_WANT_READ / TLS_WANT_WRITE, or
 * TLS_ERROR. After a TLS_WANT_* the next call must pass the same bytes
 * again at the start of buf (more may follow them; buf may have moved), as
 * a byte queue that is only appended to and consumed by what was taken
 * does naturally. */
long tls_write(tls_conn *c, const void *buf, size_t len);

/* Decrypted bytes held by the library that tls_read() would return now. */
bool tls_pending(const tls_conn *c);

/* Send close_notify, best effort and without waiting (before closing the
 * socket on a graceful goodbye). */
void tls_close_notify(tls_conn *c);

/* Why the last call failed, one line ("certificate verify failed
 * (self-signed certificate)", "peer did not speak TLS"). Never NULL. */
const char *tls_conn_error(const tls_conn *c);

/* True when the last failure was the peer's certificate failing
 * verification (the client then suggests --ca / --insecure). */
bool tls_conn_verify_failed(const tls_conn *c);

/* True when that failure was only the name: the certificate is valid and
 * trusted but made out for another host name or address, which no --ca
 * would fix (the client then says so instead). */
bool tls_conn_wrong_name(const tls_conn *c);

/* The protocol version in use after the handshake ("TLSv1.3"), or "". */
const char *tls_conn_version(const tls_conn *c);

#endif
