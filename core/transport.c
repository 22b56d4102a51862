/* transport.c - see transport.h. */
#include "core/transport.h"

#include "platform/clock.h"
#include "platform/poll.h"

void transport_init_plain(transport *t, net_socket sock)
{
    t->sock = sock;
    t->tls = NULL;
    t->handshaking = false;
    t->want_read = false;
    t->want_write = false;
}

int transport_init_tls(transport *t, net_socket sock, tls_server_ctx *ctx)
{
    char err[128];
    transport_init_plain(t, sock);
    t->tls = tls_conn_accept(ctx, sock, err, sizeof err);
    if (!t->tls)
        return -1;
    t->handshaking = true;
    return 0;
}

int transport_init_tls_client(transport *t, net_socket sock, tls_client_ctx *ctx,
                              const char *host_name, char *err, size_t err_len)
{
    transport_init_plain(t, sock);
    t->tls = tls_conn_connect(ctx, sock, host_name, err, err_len);
    if (!t->tls)
        return -1;
    t->handshaking = true;
    /* The client speaks first. */
    t->want_write = true;
    return 0;
}

void transport_free(transport *t)
{
    if (t->tls)
        tls_conn_free(t->tls);
    t->tls = NULL;
}

/* Record what a TLS call is waiting for; map it to the net_* results. */
static long tls_result(transport *t, long r)
{
    t->want_read = r == TLS_WANT_READ;
    t->want_write = r == TLS_WANT_WRITE;
    if (r >= 0)
        return r;
    return r == TLS_ERROR ? NET_ERROR : NET_WOULD_BLOCK;
}

int transport_handshake(transport *t)
{
    if (!t->handshaking)
        return TRANSPORT_DONE;
    long r = tls_result(t, tls_handshake(t->tls));
    if (r == NET_ERROR)
        return TRANSPORT_FAILED;
    if (r == NET_WOULD_BLOCK)
        return TRANSPORT_AGAIN;
    t->handshaking = false;
    return TRANSPORT_DONE;
}

long transport_recv(transport *t, void *buf, size_t len)
{
    if (!t->tls)
        return net_recv(t->sock, buf, len);
    return tls_result(t, tls_read(t->tls, buf, len));
}

long transport_send(transport *t, const void *buf, size_t len)
{
    if (!t->tls)
        return net_send(t->sock, buf, len);
    return tls_result(t, tls_write(t->tls, buf, len));
}

int transport_poll_events(const transport *t, bool reading, bool writing)
{
    int events = 0;
    if (t->handshaking) {
        /* The handshake says which way it is stuck. */
        return t->want_write ? NET_POLL_WRITE : NET_POLL_READ;
    }
    if (reading || t->want_read)
        events |= NET_POLL_READ;
    if (writing || t->want_write)
        events |= NET_POLL_WRITE;
    return events;
}

bool transport_pending(const transport *t)
{
    return t->tls && !t->handshaking && tls_pending(t->tls);
}

void transport_close_notify(transport *t)
{
    if (t->tls && !t->handshaking)
        tls_close_notify(t->tls);
}

const char *transport_error(const transport *t)
{
    return t->tls ? tls_conn_error(t->tls) : "";
}

const char *transport_version(const transport *t)
{
    return t->tls ? tls_conn_version(t->tls) : "";
}

bool transport_verify_failed(const transport *t)
{
    return t->tls && tls_conn_verify_failed(t->tls);
}

bool transport_wrong_name(const transport *t)
{
    return t->tls && tls_conn_wrong_name(t->tls);
}

/* Wait on p until the socket is ready for what t needs next, or the
 * deadline; false when the time is up or waiting failed. */
static bool wait_ready(transport *t, net_poll *p, bool writing, uint64_t deadline)
{
    uint64_t now = clock_monotonic_ms();
    if (now >= deadline)
        return false;
    net_poll_clear(p);
    net_poll_add(p, t->sock, transport_poll_events(t, false, writing));
    return net_poll_wait(p, (long)(deadline - now)) != NET_ERROR;
}

int transport_handshake_wait(transport *t, net_poll *p, long timeout_ms)
{
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)timeout_ms;
    int r;
    while ((r = transport_handshake(t)) == TRANSPORT_AGAIN) {
        if (!wait_ready(t, p, false, deadline))
            return TRANSPORT_AGAIN;
    }
    return r;
}

int transport_send_wait(transport *t, net_poll *p, const void *buf, size_t len, long timeout_ms)
{
    uint64_t deadline = clock_monotonic_ms() + (uint64_t)timeout_ms;
    const char *at = buf;
    while (len > 0) {
        long n = transport_send(t, at, len);
        if (n == NET_ERROR)
            return -1;
        if (n == NET_WOULD_BLOCK) {
            if (!wait_ready(t, p, true, deadline))
                return -1;
            continue;
        }
        at += n;
        len -= (size_t)n;
    }
    return 0;
}
