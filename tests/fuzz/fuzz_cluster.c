/* fuzz_cluster.c - libFuzzer target for what cluster mode reads from
 * outside: another node's message on the Redis channel (core/cluster_msg.c)
 * and the --cluster URL (core/redis_url.c). A message that decodes must stay
 * inside the input and encode back to exactly the same bytes (one spelling
 * per message); a URL that parses must give a terminated host, a port in
 * range and a database number that is not negative. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cluster_msg.h"
#include "core/redis_url.h"
#include "fuzz_check.h"

static void check_message(const char *data, size_t len)
{
    cluster_msg m;
    char err[200];
    if (cluster_msg_decode(data, len, &m, err, sizeof err) != 0) {
        if (strlen(err) == 0)
            fuzz_fail("a refused message came without a reason", data, len);
        return;
    }
    for (size_t i = 0; i < m.nfields; i++)
        if (m.fields[i].data < data || m.fields[i].data + m.fields[i].len > data + len)
            fuzz_fail("a field points outside the message", data, len);
    text_buf b = {0};
    if (!cluster_msg_encode(&b, m.kind, m.fields, m.nfields))
        fuzz_fail("a decoded message does not encode", data, len);
    else if (b.len != len || memcmp(b.data, data, len) != 0)
        fuzz_fail("decode then encode changed the message", data, len);
    tb_free(&b);
}

static void check_url(const char *data, size_t len)
{
    char *s = malloc(len + 1);
    redis_url u;
    char err[200];
    if (!s)
        return;
    memcpy(s, data, len);
    s[len] = '\0';
    if (redis_url_parse(s, &u, err, sizeof err) == 0) {
        if (memchr(u.host, '\0', sizeof u.host) == NULL || u.host[0] == '\0')
            fuzz_fail("parsed URL has no terminated host", data, len);
        if (u.port < 1 || u.port > 65535 || u.db < 0)
            fuzz_fail("parsed URL has a port or database out of range", data, len);
        if (memchr(u.password, '\0', sizeof u.password) == NULL)
            fuzz_fail("parsed URL has an unterminated password", data, len);
    } else if (strlen(err) == 0) {
        fuzz_fail("a refused URL came without a reason", data, len);
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_message((const char *)data, size);
    check_url((const char *)data, size);
    return 0;
}
