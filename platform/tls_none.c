/* tls_none.c - the TLS backend of a build that found no TLS library. Every
 * call fails with one line that says so, so that asking for TLS in such a
 * build is a clear error at start rather than a missing option. */
#include "platform/tls.h"

#include <stdio.h>

static const char not_available[] = "TLS is not available in this build";

static void say_not_available(char *err, size_t err_len)
{
    if (err && err_len)
        snprintf(err, err_len, "%s", not_available);
}

bool tls_server_available(void)
{
    return false;
}
bool tls_client_available(void)
{
    return false;
}
const char *tls_backend_name(void)
{
    return "none";
}

tls_server_ctx *tls_server_ctx_create(const char *cert_file, const char *key_file, char *err,
                                      size_t err_len)
{
    (void)cert_file;
    (void)key_file;
    say_not_available(err, err_len);
    return NULL;
}

void tls_server_ctx_free(tls_server_ctx *ctx)
{
    (void)ctx;
}

tls_client_ctx *tls_client_ctx_create(const char *ca_file, bool insecure, char *err, size_t err_len)
{
    (void)ca_file;
    (void)insecure;
    say_not_available(err, err_len);
    return NULL;
}

void tls_client_ctx_free(tls_client_ctx *ctx)
{
    (void)ctx;
}

tls_conn *tls_conn_accept(tls_server_ctx *ctx, net_socket sock, char *err, size_t err_len)
{
    (void)ctx;
    (void)sock;
    say_not_available(err, err_len);
    return NULL;
}

tls_conn *tls_conn_connect(tls_client_ctx *ctx, net_socket sock, const char *host_name, char *err,
                           size_t err_len)
{
    (void)ctx;
    (void)sock;
    (void)host_name;
    say_not_available(err, err_len);
    return NULL;
}

/* No connection can exist, so the rest is never reached with one. */
void tls_conn_free(tls_conn *c)
{
    (void)c;
}
int tls_handshake(tls_conn *c)
{
    (void)c;
    return TLS_ERROR;
}
long tls_read(tls_conn *c, void *buf, size_t len)
{
    (void)c;
    (void)buf;
    (void)len;
    return TLS_ERROR;
}
long tls_write(tls_conn *c, const void *buf, size_t len)
{
    (void)c;
    (void)buf;
    (void)len;
    return TLS_ERROR;
}
bool tls_pending(const tls_conn *c)
{
    (void)c;
    return false;
}
void tls_close_notify(tls_conn *c)
{
    (void)c;
}
const char *tls_conn_error(const tls_conn *c)
{
    (void)c;
    return not_available;
}
bool tls_conn_verify_failed(const tls_conn *c)
{
    (void)c;
    return false;
}
bool tls_conn_wrong_name(const tls_conn *c)
{
    (void)c;
    return false;
}
const char *tls_conn_version(const tls_conn *c)
{
    (void)c;
    return "";
}
