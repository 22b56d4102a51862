/* cluster_msg.h - the envelope of one message on the cluster's Redis
 * channel (issue 14): a version, a kind word ("say", "join", "alive"...)
 * and up to CLUSTER_MSG_MAX_FIELDS fields of any bytes.
 *
 * Wire form, binary-safe and quick to check:
 *
 *     N1 KIND LEN:BYTES LEN:BYTES ...
 *
 * e.g. "N1 say 6:node-a 5:#rust 5:alice 2:hi". Each field is a decimal
 * length, ':' and exactly that many bytes, so a field may hold spaces, line
 * ends or NULs; fields are separated by one space. Another node's message is
 * input like a client's line: decoding checks everything and says what is
 * wrong rather than trusting it. What the fields of each kind mean is the
 * cluster code's business, not this file's. */
#ifndef NATTER_CORE_CLUSTER_MSG_H
#define NATTER_CORE_CLUSTER_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/textbuf.h"

#define CLUSTER_MSG_VERSION    "N1"
#define CLUSTER_MSG_MAX_FIELDS 12
#define CLUSTER_MSG_MAX_KIND   15
/* Bigger than any chat line, topic or name list a message carries. */
#define CLUSTER_MSG_MAX_FIELD (64 * 1024)

typedef struct cluster_field {
    const char *data;
    size_t len;
} cluster_field;

typedef struct cluster_msg {
    char kind[CLUSTER_MSG_MAX_KIND + 1];
    size_t nfields;
    cluster_field fields[CLUSTER_MSG_MAX_FIELDS]; /* point into the decoded data */
} cluster_msg;

/* Append the message to out. kind: 1..CLUSTER_MSG_MAX_KIND lowercase letters,
 * digits or '-'; at most CLUSTER_MSG_MAX_FIELDS fields of at most
 * CLUSTER_MSG_MAX_FIELD bytes. False (nothing usable in out) otherwise or
 * when memory runs out. */
bool cluster_msg_encode(text_buf *out, const char *kind, const cluster_field *fields, size_t n);

/* Parse data[0..len) into out, whose fields then point into data. Returns
 * 0, or -1 with the reason in err ("unknown version 'N9'", "field 2 is
 * longer than the message"). */
int cluster_msg_decode(const char *data, size_t len, cluster_msg *out, char *err, size_t err_len);

/* Field i as a NUL-free comparison helper: true when field i exists and
 * holds exactly s. */
bool cluster_msg_field_is(const cluster_msg *m, size_t i, const char *s);

#endif
