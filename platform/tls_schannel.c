/* tls_schannel.c - the client side of platform/tls.h over Windows Schannel
 * (SSPI), for Windows builds without OpenSSL.
 *
 * Why Schannel: it ships with every Windows, is patched by Windows Update and
 * trusts what the system trusts, so the Windows client needs no TLS library
 * of its own. It is client only: the server side would need
 * AcceptSecurityContext and a certificate in a Windows store, and the server
 * is not meant to run there (wine lacks AcceptSecurityContext too), so the
 * server calls fail with "TLS is not available in this build".
 *
 * SSPI does no I/O: InitializeSecurityContext, DecryptMessage and
 * EncryptMessage turn bytes into bytes, and this file moves them with
 * net_send / net_recv on the caller's non-blocking socket. Each connection
 * keeps three buffers: ciphertext received but not yet used (a record may
 * arrive in pieces, several may arrive at once), plaintext decrypted but not
 * yet read, and bytes to send (handshake tokens, or one encrypted record the
 * socket has not taken yet).
 *
 * Certificates are always checked here (SCH_CRED_MANUAL_CRED_VALIDATION)
 * rather than by Schannel, so that a --ca file can be the only trust anchor
 * and every failure gets the same short reason OpenSSL would give. */
#include "platform/tls.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECURITY_WIN32
#define SCHANNEL_USE_BLACKLISTS
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <wincrypt.h>
#include <subauth.h>
#include <schannel.h>
#include <security.h>

/* The ignore flag of SSL_EXTRA_CERT_CHAIN_POLICY_PARA.fdwChecks for the
 * name (wininet.h's SECURITY_FLAG_IGNORE_CERT_CN_INVALID; this file needs
 * nothing else from there). */
#define POLICY_IGNORE_CN_INVALID 0x00001000u

/* What the client asks of every context: a stream with integrity and
 * privacy, SSPI allocating the tokens, our own certificate check. */
#define ISC_FLAGS                                                                                  \
    (ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY |                   \
     ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_STREAM | ISC_REQ_EXTENDED_ERROR |                           \
     ISC_REQ_MANUAL_CRED_VALIDATION | ISC_REQ_USE_SUPPLIED_CREDS)

/* Handshake messages (a long certificate chain) may need more than one
 * record; past this the server is not making sense. */
#define IN_MAX (256u * 1024u)

/* TLS record content types (RFC 8446 section 5.1). */
#define TLS_CHANGE_CIPHER_SPEC 20
#define TLS_ALERT              21
#define TLS_HEARTBEAT          24

static const char not_available[] = "TLS is not available in this build";

struct tls_client_ctx {
    CredHandle cred;
    HCERTSTORE ca_store; /* the --ca certificates, or NULL: the system's */
    bool insecure;
    int refs; /* the caller's plus one per connection */
};

/* A byte buffer: bytes [off, len) are live. */
struct buf {
    unsigned char *p;
    size_t off, len, cap;
};

struct tls_conn {
    tls_client_ctx *ctx;
    net_socket sock;
    char *host;
    CtxtHandle ctxt;
    bool have_ctxt;
    bool started;     /* InitializeSecurityContext was called once */
    bool need_input;  /* it wants more bytes from the socket */
    bool hs_done;     /* it said SEC_E_OK; the last tokens may still be queued */
    bool open;        /* handshake done and sent */
    bool post_hs;     /* a TLS 1.3 post-handshake message is being processed */
    bool peer_closed; /* close_notify or TCP close seen */
    bool failed;
    bool verify_failed;
    bool wrong_name; /* verify_failed, on the host name or address only */
    bool tls13;
    int incomplete_creds;
    SecPkgContext_StreamSizes sizes;
    struct buf in;    /* ciphertext received, not yet used */
    struct buf plain; /* plaintext decrypted, not yet read */
    struct buf out;   /* bytes to send */
    size_t out_plain; /* plaintext bytes the record in out covers (tls_write retry) */
    char version[16];
    char error[160];
};

bool tls_server_available(void)
{
    return false;
}
bool tls_client_available(void)
{
    return true;
}
const char *tls_backend_name(void)
{
    return "Schannel";
}

/* ---- errors -------------------------------------------------------------- */

struct status_text {
    SECURITY_STATUS status;
    const char *text;
};

/* Short words for the statuses a handshake or a record can end with. */
static const struct status_text status_texts[] = {
    {SEC_E_ALGORITHM_MISMATCH, "no protocol version or cipher in common"},
    {SEC_E_ILLEGAL_MESSAGE, "illegal message or alert from the peer"},
    {SEC_E_INVALID_TOKEN, "invalid token"},
    {SEC_E_MESSAGE_ALTERED, "message altered"},
    {SEC_E_DECRYPT_FAILURE, "decryption failed"},
    {SEC_E_INTERNAL_ERROR, "internal error"},
    {SEC_E_INSUFFICIENT_MEMORY, "out of memory"},
    {SEC_E_NO_CREDENTIALS, "no credentials"},
    {SEC_E_UNSUPPORTED_FUNCTION, "unsupported function"},
    {SEC_E_INVALID_HANDLE, "invalid handle"},
    {SEC_E_TARGET_UNKNOWN, "target unknown"},
    {SEC_E_WRONG_PRINCIPAL, "wrong principal"},
    {SEC_E_UNTRUSTED_ROOT, "untrusted root"},
    {SEC_E_CERT_EXPIRED, "certificate has expired"},
    {SEC_E_CONTEXT_EXPIRED, "connection already closed"},
    {SEC_E_INCOMPLETE_MESSAGE, "incomplete message"},
};

/* "what (words, 0x80090326)" into out. */
static void status_line(char *out, size_t len, const char *what, SECURITY_STATUS st)
{
    const char *text = NULL;
    for (size_t i = 0; i < sizeof status_texts / sizeof status_texts[0]; i++)
        if (status_texts[i].status == st)
            text = status_texts[i].text;
    if (text)
        snprintf(out, len, "%s (%s, 0x%08lx)", what, text, (unsigned long)st);
    else
        snprintf(out, len, "%s (error 0x%08lx)", what, (unsigned long)st);
}

static int fail(tls_conn *c, const char *text)
{
    snprintf(c->error, sizeof c->error, "%s", text);
    c->failed = true;
    return TLS_ERROR;
}

static int fail_status(tls_conn *c, const char *what, SECURITY_STATUS st)
{
    status_line(c->error, sizeof c->error, what, st);
    c->failed = true;
    return TLS_ERROR;
}

static int fail_socket(tls_conn *c)
{
    char os[100];
    snprintf(c->error, sizeof c->error, "connection lost (%s)",
             net_error_string(net_last_error(), os, sizeof os));
    c->failed = true;
    return TLS_ERROR;
}

/* ---- buffers ------------------------------------------------------------- */

/* Room for at least want more bytes after len; false when out of memory or
 * past max. Live bytes are moved to the front first. */
static bool buf_reserve(struct buf *b, size_t want, size_t max)
{
    if (b->off > 0) {
        memmove(b->p, b->p + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
    }
    if (b->cap - b->len >= want)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < want)
        cap *= 2;
    if (cap > max)
        cap = max;
    if (cap - b->len < want)
        return false;
    unsigned char *p = realloc(b->p, cap);
    if (!p)
        return false;
    b->p = p;
    b->cap = cap;
    return true;
}

static bool buf_append(struct buf *b, const void *data, size_t n)
{
    if (!buf_reserve(b, n, SIZE_MAX / 2))
        return false;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return true;
}

static size_t buf_live(const struct buf *b)
{
    return b->len - b->off;
}

static void buf_free(struct buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* After an SSPI call over c->in: keep only the bytes it did not use, which
 * it reports as a SECBUFFER_EXTRA at the end of the input. */
static void keep_extra(tls_conn *c, const SecBuffer *bufs, int n)
{
    size_t extra = 0;
    for (int i = 0; i < n; i++)
        if (bufs[i].BufferType == SECBUFFER_EXTRA)
            extra = bufs[i].cbBuffer;
    size_t live = buf_live(&c->in);
    if (extra > live)
        extra = live;
    c->in.off = c->in.len - extra;
    if (extra == 0)
        c->in.off = c->in.len = 0;
}

/* Whether the bytes at the front of c->in (always the start of a record)
 * can be TLS: a known content type and major version 3. Schannel would
 * otherwise take "HTTP/1.0 ..." as the header of a record 20 KB long and
 * wait for the rest. */
static bool looks_like_tls(const tls_conn *c)
{
    size_t live = buf_live(&c->in);
    const unsigned char *p = c->in.p + c->in.off;
    if (live >= 1 && (p[0] < TLS_CHANGE_CIPHER_SPEC || p[0] > TLS_HEARTBEAT))
        return false;
    return live < 2 || p[1] == 3;
}

/* Queue an SSPI-allocated output token and free it. */
static bool queue_token(tls_conn *c, SecBuffer *b)
{
    bool ok = true;
    if (b->pvBuffer && b->cbBuffer > 0)
        ok = buf_append(&c->out, b->pvBuffer, b->cbBuffer);
    if (b->pvBuffer)
        FreeContextBuffer(b->pvBuffer);
    b->pvBuffer = NULL;
    b->cbBuffer = 0;
    return ok;
}

/* ---- socket I/O ---------------------------------------------------------- */

/* Send what is queued: TLS_OK when all is gone, TLS_WANT_WRITE, TLS_ERROR. */
static int flush(tls_conn *c)
{
    while (buf_live(&c->out) > 0) {
        long n = net_send(c->sock, c->out.p + c->out.off, buf_live(&c->out));
        if (n == NET_WOULD_BLOCK)
            return TLS_WANT_WRITE;
        if (n < 0)
            return fail_socket(c);
        c->out.off += (size_t)n;
    }
    c->out.off = c->out.len = 0;
    return TLS_OK;
}

/* Read what the socket has into c->in: > 0 bytes, 0 on TCP close,
 * NET_WOULD_BLOCK, or TLS_ERROR with the reason set. */
static long fill(tls_conn *c)
{
    if (!buf_reserve(&c->in, 4096, IN_MAX)) {
        fail(c, "TLS message too large");
        return TLS_ERROR;
    }
    long n = net_recv(c->sock, c->in.p + c->in.len, c->in.cap - c->in.len);
    if (n == NET_ERROR) {
        fail_socket(c);
        return TLS_ERROR;
    }
    if (n > 0)
        c->in.len += (size_t)n;
    return n;
}

/* ---- contexts ------------------------------------------------------------ */

tls_server_ctx *tls_server_ctx_create(const char *cert_file, const char *key_file, char *err,
                                      size_t err_len)
{
    (void)cert_file;
    (void)key_file;
    if (err && err_len)
        snprintf(err, err_len, "%s", not_available);
    return NULL;
}

void tls_server_ctx_free(tls_server_ctx *ctx)
{
    (void)ctx;
}

/* The certificates of a PEM file, each BEGIN/END CERTIFICATE block decoded
 * with CryptStringToBinaryA, in a new memory store. NULL with err set. */
static HCERTSTORE load_ca_file(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "cannot read CA file %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            char *p = cap < (8u << 20) ? realloc(text, cap + 65536) : NULL;
            if (!p) {
                free(text);
                fclose(f);
                snprintf(err, err_len, "CA file %s is too large", path);
                return NULL;
            }
            text = p;
            cap += 65536;
        }
        size_t n = fread(text + len, 1, cap - len - 1, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    text[len] = '\0';

    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, 0, NULL);
    int count = 0;
    const char *at = store ? strstr(text, begin) : NULL;
    while (at) {
        const char *stop = strstr(at, end);
        if (!stop)
            break;
        DWORD block = (DWORD)(stop + sizeof end - 1 - at);
        DWORD der_len = 0;
        BYTE *der = NULL;
        bool ok =
            CryptStringToBinaryA(at, block, CRYPT_STRING_BASE64HEADER, NULL, &der_len, NULL,
                                 NULL) &&
            (der = malloc(der_len)) != NULL &&
            CryptStringToBinaryA(at, block, CRYPT_STRING_BASE64HEADER, der, &der_len, NULL, NULL) &&
            CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, der,
                                             der_len, CERT_STORE_ADD_ALWAYS, NULL);
        free(der);
        if (!ok) {
            snprintf(err, err_len, "%s holds a certificate that cannot be read (error 0x%08lx)",
                     path, (unsigned long)GetLastError());
            CertCloseStore(store, 0);
            free(text);
            return NULL;
        }
        count++;
        at = strstr(stop, begin);
    }
    free(text);
    if (!store || count == 0) {
        snprintf(err, err_len, "%s holds no PEM certificate", path);
        if (store)
            CertCloseStore(store, 0);
        return NULL;
    }
    return store;
}

/* Credentials for TLS 1.2 and newer. SCH_CREDENTIALS (Windows 10 1809 and
 * later, needed there for TLS 1.3) says so by disabling the older versions;
 * older systems and wine may refuse it, and then get SCHANNEL_CRED, first
 * with TLS 1.3 among the enabled versions and then, for systems that refuse
 * a version they do not know, with TLS 1.2 alone. */
static SECURITY_STATUS acquire_credentials(CredHandle *cred)
{
    const DWORD flags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS |
                        SCH_CRED_NO_SERVERNAME_CHECK | SCH_USE_STRONG_CRYPTO;
    TimeStamp expiry;
    TLS_PARAMETERS params = {0};
    params.grbitDisabledProtocols = (DWORD) ~(SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT);
    SCH_CREDENTIALS sch = {0};
    sch.dwVersion = SCH_CREDENTIALS_VERSION;
    sch.dwFlags = flags;
    sch.cTlsParameters = 1;
    sch.pTlsParameters = &params;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL,
                                                   &sch, NULL, NULL, cred, &expiry);
    if (st == SEC_E_OK)
        return st;
    static const DWORD protocols[] = {SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT,
                                      SP_PROT_TLS1_2_CLIENT};
    for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++) {
        SCHANNEL_CRED old = {0};
        old.dwVersion = SCHANNEL_CRED_VERSION;
        old.grbitEnabledProtocols = protocols[i];
        old.dwFlags = flags;
        st = AcquireCredentialsHandleA(NULL, UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &old, NULL,
                                       NULL, cred, &expiry);
        if (st == SEC_E_OK)
            return st;
    }
    return st;
}

tls_client_ctx *tls_client_ctx_create(const char *ca_file, bool insecure, char *err, size_t err_len)
{
    HCERTSTORE ca_store = NULL;
    if (ca_file && !insecure) {
        ca_store = load_ca_file(ca_file, err, err_len);
        if (!ca_store)
            return NULL;
    }
    tls_client_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        snprintf(err, err_len, "cannot set up TLS: out of memory");
        goto fail;
    }
    SECURITY_STATUS st = acquire_credentials(&ctx->cred);
    if (st != SEC_E_OK) {
        status_line(err, err_len, "cannot set up TLS: Schannel refused the credentials", st);
        goto fail;
    }
    ctx->ca_store = ca_store;
    ctx->insecure = insecure;
    ctx->refs = 1;
    return ctx;
fail:
    if (ca_store)
        CertCloseStore(ca_store, 0);
    free(ctx);
    return NULL;
}

static void client_ctx_release(tls_client_ctx *ctx)
{
    if (--ctx->refs > 0)
        return;
    FreeCredentialsHandle(&ctx->cred);
    if (ctx->ca_store)
        CertCloseStore(ctx->ca_store, 0);
    free(ctx);
}

void tls_client_ctx_free(tls_client_ctx *ctx)
{
    /* Connections made with it keep it alive until they are freed. */
    if (ctx)
        client_ctx_release(ctx);
}

/* ---- connections --------------------------------------------------------- */

tls_conn *tls_conn_accept(tls_server_ctx *ctx, net_socket sock, char *err, size_t err_len)
{
    (void)ctx;
    (void)sock;
    if (err && err_len)
        snprintf(err, err_len, "%s", not_available);
    return NULL;
}

tls_conn *tls_conn_connect(tls_client_ctx *ctx, net_socket sock, const char *host_name, char *err,
                           size_t err_len)
{
    tls_conn *c = calloc(1, sizeof *c);
    char *host = c ? malloc(strlen(host_name) + 1) : NULL;
    if (!host) {
        free(c);
        snprintf(err, err_len, "cannot start TLS: out of memory");
        return NULL;
    }
    strcpy(host, host_name);
    c->host = host;
    c->ctx = ctx;
    ctx->refs++;
    c->sock = sock;
    return c;
}

void tls_conn_free(tls_conn *c)
{
    if (!c)
        return;
    if (c->have_ctxt)
        DeleteSecurityContext(&c->ctxt);
    buf_free(&c->in);
    buf_free(&c->plain);
    buf_free(&c->out);
    free(c->host);
    client_ctx_release(c->ctx);
    free(c);
}

/* ---- certificate verification -------------------------------------------- */

/* host as an IPv4 / IPv6 address: its length in bytes (4 / 16), or 0. */
static int parse_ip(const char *host, unsigned char addr[16])
{
    if (inet_pton(AF_INET, host, addr) == 1)
        return 4;
    if (inet_pton(AF_INET6, host, addr) == 1)
        return 16;
    return 0;
}

/* ASCII case-insensitive equality of a name from a certificate and ours. */
static bool ascii_equal(const wchar_t *w, const char *s)
{
    for (; *w && *s; w++, s++) {
        if (*w > 127 || tolower((unsigned char)*w) != tolower((unsigned char)*s))
            return false;
    }
    return *w == 0 && *s == 0;
}

/* A DNS name from a certificate against the host name: exact, or a
 * wildcard "*.example.org" standing for exactly one whole left-most label
 * (never for a top-level domain alone, as OpenSSL). */
static bool dns_name_matches(const wchar_t *pattern, const char *host)
{
    if (pattern[0] == L'*' && pattern[1] == L'.') {
        const char *dot = strchr(host, '.');
        if (!wcschr(pattern + 2, L'.') || !dot || dot == host)
            return false;
        return ascii_equal(pattern + 1, dot);
    }
    return ascii_equal(pattern, host);
}

/* Whether the certificate is for host: its subjectAltName DNS names (or
 * IP addresses, for an address literal), and the common name only when it
 * has no DNS names at all, as OpenSSL checks. Done here rather than by the
 * SSL policy so that it is the same with a --ca file, whose chain the
 * policy would not pass, and on wine, whose policy ignores IP addresses.
 * NULL, or the reason it is not. */
static const char *host_reason(PCCERT_CONTEXT cert, const char *host)
{
    unsigned char addr[16];
    int addr_len = parse_ip(host, addr);
    bool found = false, any_dns = false;
    PCERT_EXTENSION ext = CertFindExtension(szOID_SUBJECT_ALT_NAME2, cert->pCertInfo->cExtension,
                                            cert->pCertInfo->rgExtension);
    CERT_ALT_NAME_INFO *names = NULL;
    DWORD size = 0;
    if (ext &&
        CryptDecodeObjectEx(X509_ASN_ENCODING, X509_ALTERNATE_NAME, ext->Value.pbData,
                            ext->Value.cbData, CRYPT_DECODE_ALLOC_FLAG, NULL, &names, &size)) {
        for (DWORD i = 0; i < names->cAltEntry && !found; i++) {
            const CERT_ALT_NAME_ENTRY *e = &names->rgAltEntry[i];
            if (e->dwAltNameChoice == CERT_ALT_NAME_DNS_NAME) {
                any_dns = true;
                found = !addr_len && dns_name_matches(e->pwszDNSName, host);
            } else if (e->dwAltNameChoice == CERT_ALT_NAME_IP_ADDRESS) {
                found = addr_len && e->IPAddress.cbData == (DWORD)addr_len &&
                        memcmp(e->IPAddress.pbData, addr, (size_t)addr_len) == 0;
            }
        }
        LocalFree(names);
    }
    if (!found && !addr_len && !any_dns) {
        char common_name_oid[] = szOID_COMMON_NAME;
        wchar_t cn[256];
        if (CertGetNameStringW(cert, CERT_NAME_ATTR_TYPE, 0, common_name_oid, cn,
                               sizeof cn / sizeof cn[0]) > 1)
            found = dns_name_matches(cn, host);
    }
    if (found)
        return NULL;
    return addr_len ? "IP address mismatch" : "hostname mismatch";
}

/* "certificate has expired" or "certificate is not yet valid" for cert. */
static const char *time_reason(PCCERT_CONTEXT cert)
{
    return CertVerifyTimeValidity(NULL, cert->pCertInfo) < 0 ? "certificate is not yet valid"
                                                             : "certificate has expired";
}

/* Run the SSL policy over the chain for the checks it adds to the chain's
 * own status; the name is checked by host_reason(). */
static DWORD ssl_policy(PCCERT_CHAIN_CONTEXT chain)
{
    SSL_EXTRA_CERT_CHAIN_POLICY_PARA ssl = {0};
    ssl.cbSize = sizeof ssl;
    ssl.dwAuthType = AUTHTYPE_SERVER;
    ssl.fdwChecks = POLICY_IGNORE_CN_INVALID;
    CERT_CHAIN_POLICY_PARA para = {0};
    para.cbSize = sizeof para;
    para.pvExtraPolicyPara = &ssl;
    CERT_CHAIN_POLICY_STATUS status = {0};
    status.cbSize = sizeof status;
    if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, &para, &status))
        return (DWORD)GetLastError();
    return status.dwError;
}

/* The reason for a policy error, OpenSSL's words where it has them. */
static const char *policy_reason(DWORD error, PCCERT_CHAIN_CONTEXT chain, char *other, size_t len)
{
    const CERT_SIMPLE_CHAIN *simple = chain->rgpChain[0];
    switch (error) {
    case 0:
        return NULL;
    case (DWORD)CERT_E_UNTRUSTEDROOT:
        return simple->cElement == 1 ? "self-signed certificate"
                                     : "self-signed certificate in certificate chain";
    case (DWORD)CERT_E_CHAINING:
    case (DWORD)CERT_E_UNTRUSTEDCA:
        return "unable to get local issuer certificate";
    case (DWORD)CERT_E_EXPIRED:
        return time_reason(simple->rgpElement[0]->pCertContext);
    case (DWORD)CERT_E_CN_NO_MATCH:
        return "hostname mismatch";
    case (DWORD)CERT_E_WRONG_USAGE:
        return "unsupported certificate purpose";
    case (DWORD)CERT_E_REVOKED:
        return "certificate revoked";
    case (DWORD)TRUST_E_CERT_SIGNATURE:
        return "certificate signature failure";
    default:
        snprintf(other, len, "rejected by the system's policy, 0x%08lx", (unsigned long)error);
        return other;
    }
}

/* The first problem of the certificates rgpElement[0..last] of a chain:
 * expired, badly signed, revoked, not for servers, a CA that is none. */
static const char *elements_reason(const CERT_SIMPLE_CHAIN *simple, DWORD last)
{
    for (DWORD i = 0; i <= last; i++) {
        const CERT_CHAIN_ELEMENT *e = simple->rgpElement[i];
        DWORD st = e->TrustStatus.dwErrorStatus;
        if (st & CERT_TRUST_IS_NOT_TIME_VALID)
            return time_reason(e->pCertContext);
        if (st & CERT_TRUST_IS_NOT_SIGNATURE_VALID)
            return "certificate signature failure";
        if (st & CERT_TRUST_IS_REVOKED)
            return "certificate revoked";
        if (st & CERT_TRUST_IS_NOT_VALID_FOR_USAGE)
            return "unsupported certificate purpose";
        if (st & CERT_TRUST_INVALID_BASIC_CONSTRAINTS)
            return "invalid CA certificate";
    }
    return NULL;
}

/* A chain that ends in no trusted root: why, in OpenSSL's words. */
static const char *untrusted_reason(const CERT_SIMPLE_CHAIN *simple)
{
    const CERT_CHAIN_ELEMENT *top = simple->rgpElement[simple->cElement - 1];
    if (!(top->TrustStatus.dwInfoStatus & CERT_TRUST_IS_SELF_SIGNED) ||
        (top->TrustStatus.dwErrorStatus & CERT_TRUST_IS_PARTIAL_CHAIN))
        return "unable to get local issuer certificate";
    return simple->cElement == 1 ? "self-signed certificate"
                                 : "self-signed certificate in certificate chain";
}

/* With a --ca file: the chain must reach one of its certificates (the
 * server's own, for a self-signed one), and every certificate up to that one
 * must be valid now and properly signed. */
static const char *ca_chain_reason(HCERTSTORE ca_store, PCCERT_CHAIN_CONTEXT chain)
{
    const CERT_SIMPLE_CHAIN *simple = chain->rgpChain[0];
    for (DWORD i = 0; i < simple->cElement; i++) {
        PCCERT_CONTEXT found = CertFindCertificateInStore(
            ca_store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_EXISTING,
            simple->rgpElement[i]->pCertContext, NULL);
        if (found) {
            CertFreeCertificateContext(found);
            return elements_reason(simple, i);
        }
    }
    return untrusted_reason(simple);
}

/* With the system's trust store: the chain's own verdict first, since the
 * SSL policy of some systems (wine) passes a chain that reaches no root. */
static const char *system_chain_reason(PCCERT_CHAIN_CONTEXT chain)
{
    const CERT_SIMPLE_CHAIN *simple = chain->rgpChain[0];
    if (chain->TrustStatus.dwErrorStatus &
        (CERT_TRUST_IS_PARTIAL_CHAIN | CERT_TRUST_IS_UNTRUSTED_ROOT))
        return untrusted_reason(simple);
    return elements_reason(simple, simple->cElement - 1);
}

/* Check the server's certificate: TLS_OK, or TLS_ERROR with
 * "certificate verify failed (REASON)". */
static int verify_server(tls_conn *c)
{
    char other[80];
    const char *reason = NULL;
    PCCERT_CONTEXT cert = NULL;
    HCERTSTORE extra = NULL;
    PCCERT_CHAIN_CONTEXT chain = NULL;
    HCERTSTORE ca_store = c->ctx->ca_store;

    SECURITY_STATUS st =
        QueryContextAttributesA(&c->ctxt, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&cert);
    if (st != SEC_E_OK || !cert) {
        reason = "no certificate from the server";
        goto done;
    }
    /* Chains are built from the certificates the server sent (they come in
     * the leaf's store) and, with --ca, the file's. */
    extra = cert->hCertStore;
    if (ca_store) {
        extra = CertOpenStore(CERT_STORE_PROV_COLLECTION, 0, 0, 0, NULL);
        if (!extra || !CertAddStoreToCollection(extra, cert->hCertStore, 0, 0) ||
            !CertAddStoreToCollection(extra, ca_store, 0, 0)) {
            reason = "out of memory";
            goto done;
        }
    }
    char server_auth[] = szOID_PKIX_KP_SERVER_AUTH;
    LPSTR usages[] = {server_auth};
    CERT_CHAIN_PARA para = {0};
    para.cbSize = sizeof para;
    para.RequestedUsage.dwType = USAGE_MATCH_TYPE_AND;
    para.RequestedUsage.Usage.cUsageIdentifier = 1;
    para.RequestedUsage.Usage.rgpszUsageIdentifier = usages;
    if (!CertGetCertificateChain(NULL, cert, NULL, extra, &para, 0, NULL, &chain)) {
        snprintf(other, sizeof other, "cannot build the chain, error 0x%08lx",
                 (unsigned long)GetLastError());
        reason = other;
        goto done;
    }

    if (ca_store) {
        reason = ca_chain_reason(ca_store, chain);
    } else {
        reason = system_chain_reason(chain);
        if (!reason)
            reason = policy_reason(ssl_policy(chain), chain, other, sizeof other);
    }
    if (!reason) {
        reason = host_reason(cert, c->host);
        c->wrong_name = reason != NULL;
    }
done:
    if (chain)
        CertFreeCertificateChain(chain);
    if (extra && extra != (cert ? cert->hCertStore : NULL))
        CertCloseStore(extra, 0);
    if (cert)
        CertFreeCertificateContext(cert);
    if (!reason)
        return TLS_OK;
    snprintf(c->error, sizeof c->error, "certificate verify failed (%s)", reason);
    c->verify_failed = true;
    c->failed = true;
    return TLS_ERROR;
}

/* ---- handshake ----------------------------------------------------------- */

/* After SEC_E_OK: sizes for EncryptMessage and the version, TLS 1.2 at
 * least (a system that ignores our list of versions must not go lower). */
static int handshake_finished(tls_conn *c)
{
    SecPkgContext_ConnectionInfo info = {0};
    SECURITY_STATUS st = QueryContextAttributesA(&c->ctxt, SECPKG_ATTR_STREAM_SIZES, &c->sizes);
    if (st != SEC_E_OK)
        return fail_status(c, "cannot query the TLS stream sizes", st);
    st = QueryContextAttributesA(&c->ctxt, SECPKG_ATTR_CONNECTION_INFO, &info);
    if (st != SEC_E_OK)
        return fail_status(c, "cannot query the TLS version", st);
    if (info.dwProtocol & SP_PROT_TLS1_3) {
        snprintf(c->version, sizeof c->version, "TLSv1.3");
        c->tls13 = true;
    } else if (info.dwProtocol & SP_PROT_TLS1_2) {
        snprintf(c->version, sizeof c->version, "TLSv1.2");
    } else {
        return fail(c, "unsupported protocol (the server offered TLS older than 1.2)");
    }
    if (!c->ctx->insecure && verify_server(c) != TLS_OK)
        return TLS_ERROR;
    c->hs_done = true;
    return TLS_OK;
}

/* One InitializeSecurityContext call over the bytes in c->in, for the
 * handshake or a TLS 1.3 post-handshake message (c->post_hs). Sets
 * need_input when it wants more bytes; TLS_OK or TLS_ERROR. */
static int isc_step(tls_conn *c)
{
    if (c->started && !looks_like_tls(c))
        return fail(c, "peer did not speak TLS");
    SecBuffer in_bufs[2] = {
        {(unsigned long)buf_live(&c->in), SECBUFFER_TOKEN, c->in.p + c->in.off},
        {0, SECBUFFER_EMPTY, NULL},
    };
    SecBufferDesc in_desc = {SECBUFFER_VERSION, 2, in_bufs};
    SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};
    unsigned long attrs = 0;
    SECURITY_STATUS st = InitializeSecurityContextA(
        &c->ctx->cred, c->started ? &c->ctxt : NULL, c->host, ISC_FLAGS, 0, 0,
        c->started ? &in_desc : NULL, 0, &c->ctxt, &out_desc, &attrs, NULL);
    bool first = !c->started;
    c->started = true;
    if (first && (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED))
        c->have_ctxt = true;
    if (!queue_token(c, &out_buf))
        return fail(c, "cannot continue TLS: out of memory");
    c->need_input = false;
    switch (st) {
    case SEC_E_OK:
        keep_extra(c, in_bufs, 2);
        if (c->post_hs) {
            c->post_hs = false;
            return TLS_OK;
        }
        return handshake_finished(c);
    case SEC_I_CONTINUE_NEEDED:
        if (!first)
            keep_extra(c, in_bufs, 2);
        c->need_input = buf_live(&c->in) == 0;
        return TLS_OK;
    case SEC_E_INCOMPLETE_MESSAGE:
        c->need_input = true;
        return TLS_OK;
    case SEC_I_INCOMPLETE_CREDENTIALS:
        /* The server asks for a client certificate; we have none, and the
         * next call goes on without one. */
        if (++c->incomplete_creds > 2)
            return fail(c, "the server requires a client certificate");
        return TLS_OK;
    default:
        /* An alert for the server may have come with the error. */
        (void)flush(c);
        if (st == SEC_E_INVALID_TOKEN && !c->open)
            return fail_status(c, "peer did not speak TLS", st);
        return fail_status(
            c, c->open ? "TLS post-handshake message failed" : "TLS handshake failed", st);
    }
}

int tls_handshake(tls_conn *c)
{
    if (c->failed)
        return TLS_ERROR;
    if (c->open)
        return TLS_OK;
    for (;;) {
        int r = flush(c);
        if (r != TLS_OK)
            return r;
        if (c->hs_done) {
            c->open = true;
            return TLS_OK;
        }
        if (c->need_input) {
            long n = fill(c);
            if (n == NET_WOULD_BLOCK)
                return TLS_WANT_READ;
            if (n == 0)
                return fail(c, "connection closed during the handshake");
            if (n < 0)
                return TLS_ERROR;
        }
        if (isc_step(c) != TLS_OK)
            return TLS_ERROR;
    }
}

/* ---- records ------------------------------------------------------------- */

/* Decrypt the record at the front of c->in into c->plain. TLS_OK (maybe no
 * plaintext: a record of the TLS layer itself), TLS_WANT_READ for more bytes
 * first, 0 when the peer sent close_notify, TLS_ERROR. */
static int decrypt_one(tls_conn *c)
{
    if (!looks_like_tls(c))
        return fail(c, "peer did not speak TLS");
    SecBuffer bufs[4] = {
        {(unsigned long)buf_live(&c->in), SECBUFFER_DATA, c->in.p + c->in.off},
        {0, SECBUFFER_EMPTY, NULL},
        {0, SECBUFFER_EMPTY, NULL},
        {0, SECBUFFER_EMPTY, NULL},
    };
    SecBufferDesc desc = {SECBUFFER_VERSION, 4, bufs};
    unsigned char record_type = c->in.p[c->in.off];
    SECURITY_STATUS st = DecryptMessage(&c->ctxt, &desc, 0, NULL);
    if (st == SEC_E_INCOMPLETE_MESSAGE)
        return TLS_WANT_READ;
    if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE && st != SEC_I_CONTEXT_EXPIRED)
        return fail_status(c, "cannot decrypt a TLS record", st);
    /* The plaintext lies inside c->in: copy it out before the unused bytes
     * move to the front. */
    size_t got = 0;
    for (int i = 0; i < 4; i++) {
        if (bufs[i].BufferType != SECBUFFER_DATA || bufs[i].cbBuffer == 0)
            continue;
        if (!buf_append(&c->plain, bufs[i].pvBuffer, bufs[i].cbBuffer))
            return fail(c, "cannot read TLS: out of memory");
        got += bufs[i].cbBuffer;
    }
    keep_extra(c, bufs, 4);
    /* Windows reports the peer's close_notify as SEC_I_CONTEXT_EXPIRED;
     * wine as SEC_E_OK with no plaintext from an alert record (TLS 1.2
     * shows the record type; any other alert would have been an error). */
    if (st == SEC_I_CONTEXT_EXPIRED || (st == SEC_E_OK && got == 0 && record_type == TLS_ALERT)) {
        c->peer_closed = true;
        return 0;
    }
    if (st == SEC_I_RENEGOTIATE) {
        /* Schannel says this both for a TLS 1.2 renegotiation, which we
         * refuse as the OpenSSL side does, and for TLS 1.3 messages after the
         * handshake (session tickets, key updates), which go back through
         * InitializeSecurityContext with the bytes that follow. */
        if (!c->tls13)
            return fail(c, "renegotiation refused");
        c->post_hs = true;
    }
    return TLS_OK;
}

long tls_read(tls_conn *c, void *buf, size_t len)
{
    if (!c->open) {
        int r = tls_handshake(c);
        if (r != TLS_OK)
            return r;
    }
    for (;;) {
        if (buf_live(&c->plain) > 0) {
            size_t n = buf_live(&c->plain);
            if (n > len)
                n = len;
            memcpy(buf, c->plain.p + c->plain.off, n);
            c->plain.off += n;
            if (c->plain.off == c->plain.len)
                c->plain.off = c->plain.len = 0;
            return (long)n;
        }
        if (c->failed)
            return TLS_ERROR;
        if (c->peer_closed)
            return 0;
        /* Anything a post-handshake message made for the peer goes out as
         * soon as the socket takes it; the next read or write tries again. */
        if (flush(c) == TLS_ERROR)
            return TLS_ERROR;
        int r = TLS_WANT_READ;
        if (c->post_hs) {
            if (!c->need_input && isc_step(c) != TLS_OK)
                return TLS_ERROR;
            r = c->post_hs && c->need_input ? TLS_WANT_READ : TLS_OK;
        } else if (buf_live(&c->in) > 0) {
            r = decrypt_one(c);
            if (r == 0)
                continue; /* closed: hand out what came before it, then 0 */
            if (r == TLS_ERROR)
                return TLS_ERROR;
        }
        if (r == TLS_OK)
            continue;
        long n = fill(c);
        if (n == NET_WOULD_BLOCK)
            return TLS_WANT_READ;
        if (n < 0)
            return TLS_ERROR;
        if (n == 0) {
            /* A bare TCP close ends the stream as close_notify does. */
            c->peer_closed = true;
            continue;
        }
        c->need_input = false;
    }
}

long tls_write(tls_conn *c, const void *buf, size_t len)
{
    if (!c->open) {
        int r = tls_handshake(c);
        if (r != TLS_OK)
            return r;
    }
    if (c->failed)
        return TLS_ERROR;
    if (len == 0)
        return 0;
    /* A record from an earlier call that the socket did not take at once:
     * the caller passes the same bytes again, and they count as taken when
     * the record is all sent. */
    int r = flush(c);
    if (r != TLS_OK)
        return r;
    if (c->out_plain > 0) {
        size_t n = c->out_plain;
        c->out_plain = 0;
        if (n > len)
            return fail(c, "tls_write retried with fewer bytes than before");
        return (long)n;
    }
    size_t n = len < c->sizes.cbMaximumMessage ? len : c->sizes.cbMaximumMessage;
    size_t header = c->sizes.cbHeader, trailer = c->sizes.cbTrailer;
    if (!buf_reserve(&c->out, header + n + trailer, SIZE_MAX / 2))
        return fail(c, "cannot write TLS: out of memory");
    unsigned char *p = c->out.p;
    memcpy(p + header, buf, n);
    SecBuffer bufs[4] = {
        {(unsigned long)header, SECBUFFER_STREAM_HEADER, p},
        {(unsigned long)n, SECBUFFER_DATA, p + header},
        {(unsigned long)trailer, SECBUFFER_STREAM_TRAILER, p + header + n},
        {0, SECBUFFER_EMPTY, NULL},
    };
    SecBufferDesc desc = {SECBUFFER_VERSION, 4, bufs};
    SECURITY_STATUS st = EncryptMessage(&c->ctxt, 0, &desc, 0);
    if (st != SEC_E_OK)
        return fail_status(c, "cannot encrypt a TLS record", st);
    /* The parts may come back shorter than the sizes promised: close the
     * gaps so the record is contiguous. */
    size_t total = bufs[0].cbBuffer;
    memmove(p + total, bufs[1].pvBuffer, bufs[1].cbBuffer);
    total += bufs[1].cbBuffer;
    memmove(p + total, bufs[2].pvBuffer, bufs[2].cbBuffer);
    total += bufs[2].cbBuffer;
    c->out.off = 0;
    c->out.len = total;
    c->out_plain = n;
    r = flush(c);
    if (r != TLS_OK)
        return r;
    c->out_plain = 0;
    return (long)n;
}

bool tls_pending(const tls_conn *c)
{
    if (buf_live(&c->plain) > 0)
        return true;
    /* A whole record already read from the socket (it may have come with
     * the end of the handshake or with the record before): the socket will
     * not show it as readable again. */
    size_t live = buf_live(&c->in);
    const unsigned char *p = c->in.p + c->in.off;
    return c->open && !c->failed && !c->post_hs && live >= 5 &&
           live >= 5 + (((size_t)p[3] << 8) | p[4]);
}

void tls_close_notify(tls_conn *c)
{
    if (!c->have_ctxt || !c->open || c->failed)
        return;
    /* One attempt: whatever is queued first, then the alert, never waiting. */
    if (flush(c) != TLS_OK)
        return;
    DWORD type = SCHANNEL_SHUTDOWN;
    SecBuffer token = {sizeof type, SECBUFFER_TOKEN, &type};
    SecBufferDesc token_desc = {SECBUFFER_VERSION, 1, &token};
    if (ApplyControlToken(&c->ctxt, &token_desc) != SEC_E_OK)
        return;
    SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};
    unsigned long attrs = 0;
    SECURITY_STATUS st = InitializeSecurityContextA(&c->ctx->cred, &c->ctxt, c->host, ISC_FLAGS, 0,
                                                    0, NULL, 0, &c->ctxt, &out_desc, &attrs, NULL);
    if ((st == SEC_E_OK || st == SEC_I_CONTEXT_EXPIRED) && queue_token(c, &out_buf))
        (void)flush(c);
    else if (out_buf.pvBuffer)
        FreeContextBuffer(out_buf.pvBuffer);
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
    return c->open ? c->version : "";
}
