/* transport.h - a connection's byte pipe: the plain socket, or TLS over it
 * (the server's accepted connections, and the client's one). The select() loop asks it what to wait
 * for and moves bytes through it, without knowing which it is; TLS's quirks (a read that needs the
 * socket writable, a write that needs it readable, records already decrypted and held in the
 * library) are kept in here. */
#ifndef NATTER_CORE_TRANSPORT_H
#define NATTER_CORE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "platform/net.h"
#include "platform/poll.h"
#include "platform/tls.h"

typedef struct transport {
    net_socket sock;
    tls_conn *tls;    /* NULL: plain */
    bool handshaking; /* TLS handshake not finished yet */
    bool want_read;   /* the last TLS call needs the socket readable */
    bool want_write;  /* the last TLS call needs the socket writable */
} transport;

/* Results of transport_handshake. */
#define TRANSPORT_DONE   0
#define TRANSPORT_AGAIN  1
#define TRANSPORT_FAILED (-1)

/* Plain, over sock. */
void transport_init_plain(transport *t, net_socket sock);
/* TLS server side over sock; the handshake comes next. Returns 0, or -1
 * (out of memory) with the transport still plain. */
int transport_init_tls(transport *t, net_socket sock, tls_server_ctx *ctx);
/* TLS client side over a connected sock, checking host_name (see
 * tls_conn_connect). Returns 0, or -1 with the reason in err. */
int transport_init_tls_client(transport *t, net_socket sock, tls_client_ctx *ctx,
                              const char *host_name, char *err, size_t err_len);
/* Frees the TLS state (not the socket). */
void transport_free(transport *t);

/* Drive the TLS handshake; TRANSPORT_DONE at once for plain. */
int transport_handshake(transport *t);

/* Like net_recv / net_send: bytes, 0 (recv: closed), NET_WOULD_BLOCK or
 * NET_ERROR. A TLS send must be retried with the same bytes first (the
 * caller's byte queue does that). */
long transport_recv(transport *t, void *buf, size_t len);
long transport_send(transport *t, const void *buf, size_t len);

/* The NET_POLL_* events to wait for, given whether the caller wants to read
 * and has output to write. */
int transport_poll_events(const transport *t, bool reading, bool writing);

/* For a client with nothing else to do meanwhile (the console client, the
 * benchmark while connecting): drive the handshake to its end, waiting on
 * p for at most timeout_ms. TRANSPORT_DONE, TRANSPORT_FAILED, or
 * TRANSPORT_AGAIN when the time ran out. Not for the server's loop. */
int transport_handshake_wait(transport *t, net_poll *p, long timeout_ms);
/* Likewise send all of buf: 0, or -1 on an error or when the time ran out. */
int transport_send_wait(transport *t, net_poll *p, const void *buf, size_t len, long timeout_ms);

/* Bytes the TLS library already holds: read them without waiting. */
bool transport_pending(const transport *t);

/* Before a graceful close: TLS close_notify (nothing for plain). */
void transport_close_notify(transport *t);

/* Why the last TLS call failed; "" for plain. */
const char *transport_error(const transport *t);
/* "TLSv1.3" once the handshake is done; "" for plain. */
const char *transport_version(const transport *t);
/* The TLS handshake failed on the peer's certificate. */
bool transport_verify_failed(const transport *t);
/* ... and only because it names another host (see tls_conn_wrong_name). */
bool transport_wrong_name(const transport *t);

#endif
