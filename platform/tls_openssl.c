/* tls_openssl.c - platform/tls.h over OpenSSL 3.
 *
 * Why OpenSSL: it is the TLS library every Linux distribution and Homebrew
 * ship and keep patched, it does both sides, and its non-blocking API
 * (SSL_ERROR_WANT_READ / WANT_WRITE) fits a select() loop as it is.
 *
 * Bytes move through a small BIO of our own over net_send / net_recv rather
 * than OpenSSL's socket BIO, so that a write to a peer that has gone away
 * never raises SIGPIPE (net_send uses MSG_NOSIGNAL) and Winsock and BSD
 * sockets look the same here.
 *
 * OpenSSL keeps its error queue per thread, shared by every connection, so
 * each call clears it first and turns what it finds into one line at once. */
#include "platform/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct tls_server_ctx {
    SSL_CTX *ssl_ctx;
};

struct tls_client_ctx {
    SSL_CTX *ssl_ctx;
    bool insecure;
};

struct tls_conn {
    SSL *ssl;
    net_socket sock;
    bool peer_eof; /* the socket read end-of-stream: the peer closed */
    bool verify_failed;
    bool wrong_name; /* verify_failed, on the host name or address only */
    char error[160];
};

bool tls_server_available(void)
{
    return true;
}
bool tls_client_available(void)
{
    return true;
}
const char *tls_backend_name(void)
{
    return OpenSSL_version(OPENSSL_VERSION);
}

/* ---- the BIO over net_send / net_recv ------------------------------------ */

static BIO_METHOD *net_bio_method;

static int net_bio_write(BIO *bio, const char *buf, int len)
{
    tls_conn *c = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    long n = net_send(c->sock, buf, (size_t)len);
    if (n == NET_WOULD_BLOCK) {
        BIO_set_retry_write(bio);
        return -1;
    }
    return n < 0 ? -1 : (int)n;
}

static int net_bio_read(BIO *bio, char *buf, int len)
{
    tls_conn *c = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    long n = net_recv(c->sock, buf, (size_t)len);
    if (n == NET_WOULD_BLOCK) {
        BIO_set_retry_read(bio);
        return -1;
    }
    if (n == 0)
        c->peer_eof = true;
    return n < 0 ? -1 : (int)n;
}

static long net_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    /* Writes go straight to the socket: there is nothing to flush. */
    if (cmd == BIO_CTRL_FLUSH)
        return 1;
    /* OpenSSL asks this before treating a read of 0 as a bare TCP close
     * (SSL_OP_IGNORE_UNEXPECTED_EOF): without it that close would be an
     * error, and the server would drop what it still had to send. */
    if (cmd == BIO_CTRL_EOF) {
        tls_conn *c = BIO_get_data(bio);
        return c && c->peer_eof;
    }
    return 0;
}

static int net_bio_create(BIO *bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

static BIO_METHOD *get_net_bio_method(void)
{
    /* Made once and kept for the life of the process (the loop is the only
     * thread that makes connections). */
    if (!net_bio_method) {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "natter socket");
        if (!m)
            return NULL;
        BIO_meth_set_write(m, net_bio_write);
        BIO_meth_set_read(m, net_bio_read);
        BIO_meth_set_ctrl(m, net_bio_ctrl);
        BIO_meth_set_create(m, net_bio_create);
        net_bio_method = m;
    }
    return net_bio_method;
}

/* ---- errors -------------------------------------------------------------- */

/* The reason of the oldest queued OpenSSL error ("wrong version number"),
 * or fallback when the queue is empty; the queue is cleared. */
static void openssl_reason(char *out, size_t len, const char *fallback)
{
    unsigned long e = ERR_get_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    snprintf(out, len, "%s", reason ? reason : fallback);
    ERR_clear_error();
}

/* The file cannot even be opened: say why in the OS's words. */
static bool file_unreadable(const char *what, const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (f) {
        fclose(f);
        return false;
    }
    snprintf(err, err_len, "cannot read %s %s: %s", what, path, strerror(errno));
    return true;
}

/* Settings both sides share: TLS 1.2 and newer, no renegotiation, writes
 * that may take part of the buffer and may be retried from a moved one,
 * buffers released while a connection is idle (memory per connection stays
 * small with thousands of quiet clients), a bare TCP close read as the end
 * rather than as an error (a chat line is either whole or not delivered). */
static bool common_settings(SSL_CTX *ctx)
{
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
        return false;
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    return true;
}

/* ---- contexts ------------------------------------------------------------ */

/* OpenSSL asks for the pass phrase of an encrypted key on the terminal by
 * default, which would stop the loop (at start, or on a SIGHUP reload).
 * natter never asks: it notes that a pass phrase was wanted and refuses. */
static int no_pass_phrase(char *buf, int size, int rwflag, void *userdata)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    if (userdata)
        *(bool *)userdata = true;
    return 0;
}

tls_server_ctx *tls_server_ctx_create(const char *cert_file, const char *key_file, char *err,
                                      size_t err_len)
{
    char reason[120];
    ERR_clear_error();
    if (file_unreadable("certificate", cert_file, err, err_len) ||
        file_unreadable("key", key_file, err, err_len))
        return NULL;
    tls_server_ctx *ctx = calloc(1, sizeof *ctx);
    SSL_CTX *ssl_ctx = ctx ? SSL_CTX_new(TLS_server_method()) : NULL;
    if (!ssl_ctx || !common_settings(ssl_ctx)) {
        snprintf(err, err_len, "cannot set up TLS: out of memory");
        goto fail;
    }
    if (SSL_CTX_use_certificate_chain_file(ssl_ctx, cert_file) != 1) {
        openssl_reason(reason, sizeof reason, "unknown error");
        snprintf(err, err_len, "%s is not a PEM certificate (%s)", cert_file, reason);
        goto fail;
    }
    bool wanted_pass_phrase = false;
    SSL_CTX_set_default_passwd_cb(ssl_ctx, no_pass_phrase);
    SSL_CTX_set_default_passwd_cb_userdata(ssl_ctx, &wanted_pass_phrase);
    int loaded = SSL_CTX_use_PrivateKey_file(ssl_ctx, key_file, SSL_FILETYPE_PEM);
    SSL_CTX_set_default_passwd_cb_userdata(ssl_ctx, NULL);
    if (loaded != 1) {
        /* OpenSSL reports a key for another certificate at this point. */
        bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
        openssl_reason(reason, sizeof reason, "unknown error");
        if (wanted_pass_phrase)
            snprintf(err, err_len,
                     "%s is encrypted; natter needs the key without a pass phrase "
                     "(openssl pkey -in %s -out plain.key)",
                     key_file, key_file);
        else if (mismatch)
            snprintf(err, err_len, "%s does not match the certificate in %s", key_file, cert_file);
        else
            snprintf(err, err_len, "%s is not a PEM private key (%s)", key_file, reason);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ssl_ctx) != 1) {
        ERR_clear_error();
        snprintf(err, err_len, "%s does not match the certificate in %s", key_file, cert_file);
        goto fail;
    }
    ctx->ssl_ctx = ssl_ctx;
    return ctx;
fail:
    SSL_CTX_free(ssl_ctx);
    free(ctx);
    return NULL;
}

void tls_server_ctx_free(tls_server_ctx *ctx)
{
    if (!ctx)
        return;
    /* Connections made with it hold their own reference (SSL_new). */
    SSL_CTX_free(ctx->ssl_ctx);
    free(ctx);
}

tls_client_ctx *tls_client_ctx_create(const char *ca_file, bool insecure, char *err, size_t err_len)
{
    char reason[120];
    ERR_clear_error();
    if (ca_file && !insecure && file_unreadable("CA file", ca_file, err, err_len))
        return NULL;
    tls_client_ctx *ctx = calloc(1, sizeof *ctx);
    SSL_CTX *ssl_ctx = ctx ? SSL_CTX_new(TLS_client_method()) : NULL;
    if (!ssl_ctx || !common_settings(ssl_ctx)) {
        snprintf(err, err_len, "cannot set up TLS: out of memory");
        goto fail;
    }
    if (insecure) {
        SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, NULL);
        int ok = ca_file ? SSL_CTX_load_verify_locations(ssl_ctx, ca_file, NULL)
                         : SSL_CTX_set_default_verify_paths(ssl_ctx);
        if (ok != 1) {
            openssl_reason(reason, sizeof reason, "unknown error");
            if (ca_file)
                snprintf(err, err_len, "%s holds no PEM certificate (%s)", ca_file, reason);
            else
                snprintf(err, err_len, "cannot load the system's trusted certificates (%s)",
                         reason);
            goto fail;
        }
    }
    ctx->ssl_ctx = ssl_ctx;
    ctx->insecure = insecure;
    return ctx;
fail:
    SSL_CTX_free(ssl_ctx);
    free(ctx);
    return NULL;
}

void tls_client_ctx_free(tls_client_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ssl_ctx);
    free(ctx);
}

/* ---- connections --------------------------------------------------------- */

static tls_conn *conn_new(SSL_CTX *ssl_ctx, net_socket sock, char *err, size_t err_len)
{
    ERR_clear_error();
    tls_conn *c = calloc(1, sizeof *c);
    BIO_METHOD *method = get_net_bio_method();
    BIO *bio = c && method ? BIO_new(method) : NULL;
    SSL *ssl = bio ? SSL_new(ssl_ctx) : NULL;
    if (!ssl) {
        BIO_free(bio);
        free(c);
        ERR_clear_error();
        snprintf(err, err_len, "cannot start TLS: out of memory");
        return NULL;
    }
    c->sock = sock;
    c->ssl = ssl;
    /* The BIO reads the socket through the connection, which outlives it
     * (and notes there when the peer closed). */
    BIO_set_data(bio, c);
    SSL_set_bio(ssl, bio, bio);
    return c;
}

tls_conn *tls_conn_accept(tls_server_ctx *ctx, net_socket sock, char *err, size_t err_len)
{
    tls_conn *c = conn_new(ctx->ssl_ctx, sock, err, err_len);
    if (c)
        SSL_set_accept_state(c->ssl);
    return c;
}

/* An IP address literal, v4 or v6: checked as an address, never sent as
 * SNI (RFC 6066 allows only host names there). */
static bool is_ip_literal(const char *host)
{
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);
    if (!ip)
        return false;
    ASN1_OCTET_STRING_free(ip);
    return true;
}

tls_conn *tls_conn_connect(tls_client_ctx *ctx, net_socket sock, const char *host_name, char *err,
                           size_t err_len)
{
    tls_conn *c = conn_new(ctx->ssl_ctx, sock, err, err_len);
    if (!c)
        return NULL;
    SSL_set_connect_state(c->ssl);
    bool ip = is_ip_literal(host_name);
    bool ok = ip || SSL_set_tlsext_host_name(c->ssl, host_name) == 1;
    if (ok && !ctx->insecure) {
        if (ip)
            ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host_name) == 1;
        else
            ok = SSL_set1_host(c->ssl, host_name) == 1;
    }
    if (!ok) {
        ERR_clear_error();
        snprintf(err, err_len, "cannot check the certificate against host name %s", host_name);
        tls_conn_free(c);
        return NULL;
    }
    return c;
}

void tls_conn_free(tls_conn *c)
{
    if (!c)
        return;
    SSL_free(c->ssl); /* frees the BIO too */
    free(c);
}

/* Turn an SSL_* call's result into TLS_WANT_* / TLS_ERROR, with the reason
 * kept in the connection. For reads, the peer's close is 0. */
static long call_result(tls_conn *c, int r)
{
    int e = SSL_get_error(c->ssl, r);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        return TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        ERR_clear_error();
        return 0;
    default:
        break;
    }
    char reason[120];
    long verify = SSL_get_verify_result(c->ssl);
    unsigned long first = ERR_peek_error();
    openssl_reason(reason, sizeof reason,
                   e == SSL_ERROR_SYSCALL ? "connection lost" : "protocol error");
    if (verify != X509_V_OK && ERR_GET_REASON(first) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        c->verify_failed = true;
        c->wrong_name =
            verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH;
        snprintf(c->error, sizeof c->error, "certificate verify failed (%s)",
                 X509_verify_cert_error_string(verify));
    } else if (ERR_GET_REASON(first) == SSL_R_WRONG_VERSION_NUMBER ||
               ERR_GET_REASON(first) == SSL_R_HTTP_REQUEST ||
               ERR_GET_REASON(first) == SSL_R_PACKET_LENGTH_TOO_LONG ||
               ERR_GET_REASON(first) == SSL_R_RECORD_LENGTH_MISMATCH) {
        snprintf(c->error, sizeof c->error, "peer did not speak TLS (%s)", reason);
    } else {
        snprintf(c->error, sizeof c->error, "%s", reason);
    }
    return TLS_ERROR;
}

int tls_handshake(tls_conn *c)
{
    ERR_clear_error();
    int r = SSL_do_handshake(c->ssl);
    if (r == 1)
        return TLS_OK;
    long res = call_result(c, r);
    if (res == 0 || (res == TLS_ERROR && c->peer_eof && !c->verify_failed)) {
        /* The peer closed in the middle of the handshake (OpenSSL reports a
         * bare TCP close there as SSL_ERROR_SYSCALL, with nothing queued). */
        snprintf(c->error, sizeof c->error, "connection closed during the handshake");
        return TLS_ERROR;
    }
    return (int)res;
}

long tls_read(tls_conn *c, void *buf, size_t len)
{
    size_t got = 0;
    ERR_clear_error();
    int r = SSL_read_ex(c->ssl, buf, len, &got);
    if (r == 1)
        return (long)got;
    return call_result(c, r);
}

/* Partial writes hand back after each record (16 KB), so keep going while
 * the socket takes them: one call still sends all it can, as a plain send()
 * does, rather than a record per loop pass. */
long tls_write(tls_conn *c, const void *buf, size_t len)
{
    size_t done = 0;
    if (len == 0)
        return 0;
    while (done < len) {
        size_t put = 0;
        ERR_clear_error();
        int r = SSL_write_ex(c->ssl, (const char *)buf + done, len - done, &put);
        if (r == 1) {
            done += put;
            continue;
        }
        long res = call_result(c, r);
        /* What went out counts; the caller retries the rest (the same bytes,
         * which SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER allows from elsewhere). */
        if (done > 0 && (res == TLS_WANT_READ || res == TLS_WANT_WRITE))
            return (long)done;
        return res == 0 ? TLS_ERROR : res;
    }
    return (long)done;
}

bool tls_pending(const tls_conn *c)
{
    /* Only bytes already decrypted: a record that has only partly arrived
     * waits for the socket to become readable again. */
    return SSL_pending(c->ssl) > 0;
}

void tls_close_notify(tls_conn *c)
{
    ERR_clear_error();
    /* One attempt; a peer that is not reading does not get to delay us. */
    (void)SSL_shutdown(c->ssl);
    ERR_clear_error();
}

const char *tls_conn_error(const tls_conn *c)
{
    return c->error[0] ? c->error : "TLS error";
}

bool tls_conn_verify_failed(const tls_conn *c)
{
    return c->verify_failed;
}

bool tls_conn_wrong_name(const tls_conn *c)
{
    return c->wrong_name;
}

const char *tls_conn_version(const tls_conn *c)
{
    return SSL_is_init_finished(c->ssl) ? SSL_get_version(c->ssl) : "";
}
