/* redis_url.c - redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], see redis_url.h.
 *
 * Read left to right: scheme, then everything up to the last '@' is the
 * credentials (a password may itself contain '@' when percent-encoded, but
 * people also paste raw ones, so the last '@' wins), then the host (bracketed
 * for IPv6), the port and the database number. */
#include "core/redis_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t err_len, const char *what, const char *s, size_t n)
{
    if (s)
        snprintf(err, err_len, "%s '%.*s' in redis URL", what, (int)n, s);
    else
        snprintf(err, err_len, "%s", what);
    return -1;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Copy s[0..n) into out (size cap) undoing %XX. -1 when it does not fit or
 * a % is not followed by two hex digits. */
static int percent_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0)
                return -1;
            c = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            if (c == '\0')
                return -1; /* %00 would cut the password short */
            i += 2;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

/* A whole decimal number in [lo, hi] from s[0..n). */
static int parse_number(const char *s, size_t n, long lo, long hi, long *out)
{
    long v = 0;
    /* Seven digits cover both ports and database numbers, and fit a long
     * everywhere (32 bits on Windows). */
    if (n == 0 || n > 7)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int redis_url_parse(const char *url, redis_url *out, char *err, size_t err_len)
{
    static const char scheme[] = "redis://";
    memset(out, 0, sizeof *out);
    out->port = REDIS_URL_DEFAULT_PORT;
    if (strncmp(url, scheme, sizeof scheme - 1) != 0)
        return fail(err, err_len, "redis URL must start with redis:// (redis://HOST:PORT)", NULL,
                    0);
    const char *p = url + sizeof scheme - 1;
    const char *end = p + strlen(p);

    /* Credentials: up to the last '@' before the path. */
    const char *slash = memchr(p, '/', (size_t)(end - p));
    const char *auth_end = NULL;
    for (const char *q = p; q < (slash ? slash : end); q++)
        if (*q == '@')
            auth_end = q;
    if (auth_end) {
        const char *colon = memchr(p, ':', (size_t)(auth_end - p));
        if (!colon)
            return fail(err, err_len, "no ':' before the password", p, (size_t)(auth_end - p));
        if (percent_decode(colon + 1, (size_t)(auth_end - colon - 1), out->password,
                           sizeof out->password) != 0)
            return fail(err, err_len, "bad or too long password in redis URL", NULL, 0);
        p = auth_end + 1;
    }

    /* Host: [v6] or up to ':' or '/'. */
    const char *host = p, *host_end;
    if (*p == '[') {
        host = p + 1;
        host_end = memchr(host, ']', (size_t)(end - host));
        if (!host_end)
            return fail(err, err_len, "unclosed '[' in redis URL", NULL, 0);
        p = host_end + 1;
    } else {
        host_end = p;
        while (host_end < end && *host_end != ':' && *host_end != '/')
            host_end++;
        p = host_end;
    }
    size_t host_len = (size_t)(host_end - host);
    if (host_len == 0)
        return fail(err, err_len, "redis URL has no host (redis://HOST:PORT)", NULL, 0);
    if (host_len >= sizeof out->host)
        return fail(err, err_len, "host name too long in redis URL", NULL, 0);
    memcpy(out->host, host, host_len);
    out->host[host_len] = '\0';

    if (p < end && *p == ':') {
        const char *port = ++p;
        while (p < end && *p != '/')
            p++;
        long v;
        if (parse_number(port, (size_t)(p - port), 1, 65535, &v) != 0)
            return fail(err, err_len, "bad port", port, (size_t)(p - port));
        out->port = (int)v;
    }
    if (p < end && *p == '/') {
        const char *db = ++p;
        long v = 0;
        if (p < end && parse_number(db, (size_t)(end - db), 0, 1000000, &v) != 0)
            return fail(err, err_len, "bad database number", db, (size_t)(end - db));
        out->db = (int)v;
        p = end;
    }
    if (p != end)
        return fail(err, err_len, "unexpected text", p, (size_t)(end - p));
    return 0;
}
