/* redis_url.h - the address of the Redis a cluster node links to, parsed
 * from the URL form everybody knows from Redis's own tools:
 *
 *     redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
 *
 * HOST is a name, an IPv4 address or [an IPv6 address]; PORT defaults to
 * 6379 and DB to 0. A password may be percent-encoded (%40 for '@'). The
 * user name, for Redis 6 ACLs, is accepted and ignored: natter sends the
 * password alone (AUTH PASSWORD), which is the "default" user's. Pure
 * string work, unit-tested; no sockets. */
#ifndef NATTER_CORE_REDIS_URL_H
#define NATTER_CORE_REDIS_URL_H

#include <stddef.h>

#define REDIS_URL_DEFAULT_PORT 6379

typedef struct redis_url {
    char host[256];     /* without brackets */
    int port;           /* 1..65535 */
    char password[256]; /* "" when none was given */
    int db;             /* 0.. */
} redis_url;

/* Parse url into out. Returns 0, or -1 with a reason for a person in err
 * ("redis URL must start with redis://", "bad port '99999' in redis URL"). */
int redis_url_parse(const char *url, redis_url *out, char *err, size_t err_len);

#endif
