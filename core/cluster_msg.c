/* cluster_msg.c - "N1 KIND LEN:BYTES ..." in and out, see cluster_msg.h.
 *
 * Decoding walks the message once, left to right, and checks every length
 * against what is left before touching the bytes, so a hostile or broken
 * peer can at worst get its message refused. */
#include "core/cluster_msg.h"

#include <stdio.h>
#include <string.h>

static bool kind_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool valid_kind(const char *kind, size_t len)
{
    if (len == 0 || len > CLUSTER_MSG_MAX_KIND)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!kind_char(kind[i]))
            return false;
    return true;
}

bool cluster_msg_encode(text_buf *out, const char *kind, const cluster_field *fields, size_t n)
{
    size_t kind_len = strlen(kind);
    if (!valid_kind(kind, kind_len) || n > CLUSTER_MSG_MAX_FIELDS)
        return false;
    tb_puts(out, CLUSTER_MSG_VERSION " ");
    tb_append(out, kind, kind_len);
    for (size_t i = 0; i < n; i++) {
        if (fields[i].len > CLUSTER_MSG_MAX_FIELD)
            return false;
        tb_putc(out, ' ');
        tb_put_size(out, fields[i].len);
        tb_putc(out, ':');
        tb_append(out, fields[i].data, fields[i].len);
    }
    return tb_ok(out);
}

static int fail(char *err, size_t err_len, const char *fmt, size_t a)
{
    snprintf(err, err_len, fmt, (unsigned long)a);
    return -1;
}

int cluster_msg_decode(const char *data, size_t len, cluster_msg *out, char *err, size_t err_len)
{
    static const char version[] = CLUSTER_MSG_VERSION " ";
    const size_t vlen = sizeof version - 1;
    memset(out, 0, sizeof *out);
    if (len < vlen || memcmp(data, version, vlen) != 0) {
        snprintf(err, err_len, "not a natter cluster message of version " CLUSTER_MSG_VERSION);
        return -1;
    }
    size_t p = vlen, k = p;
    while (k < len && data[k] != ' ')
        k++;
    if (!valid_kind(data + p, k - p)) {
        snprintf(err, err_len, "bad message kind");
        return -1;
    }
    memcpy(out->kind, data + p, k - p);
    out->kind[k - p] = '\0';
    p = k;
    while (p < len) {
        /* " LEN:" then LEN bytes. */
        if (data[p] != ' ')
            return fail(err, err_len, "no space before field %lu", out->nfields + 1);
        if (out->nfields == CLUSTER_MSG_MAX_FIELDS)
            return fail(err, err_len, "more than %lu fields", CLUSTER_MSG_MAX_FIELDS);
        p++;
        size_t n = 0, digits = 0;
        while (p < len && data[p] >= '0' && data[p] <= '9') {
            /* No leading zeros: one spelling per message. */
            if (digits == 1 && n == 0)
                return fail(err, err_len, "field %lu has a leading zero", out->nfields + 1);
            n = n * 10 + (size_t)(data[p] - '0');
            if (n > CLUSTER_MSG_MAX_FIELD)
                return fail(err, err_len, "field %lu is too long", out->nfields + 1);
            digits++;
            p++;
        }
        if (digits == 0 || p >= len || data[p] != ':')
            return fail(err, err_len, "field %lu has no length", out->nfields + 1);
        p++;
        if (n > len - p)
            return fail(err, err_len, "field %lu is longer than the message", out->nfields + 1);
        out->fields[out->nfields].data = data + p;
        out->fields[out->nfields].len = n;
        out->nfields++;
        p += n;
    }
    return 0;
}

bool cluster_msg_field_is(const cluster_msg *m, size_t i, const char *s)
{
    size_t n = strlen(s);
    return i < m->nfields && m->fields[i].len == n && memcmp(m->fields[i].data, s, n) == 0;
}
