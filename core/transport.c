/* transport.c - see transport.h. */
#include "core/transport.h"

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

bool transport_verify_failed(const transport *t)
{
    return t->tls && tls_conn_verify_failed(t->tls);
}
