/* redis_link_none.c - builds without hiredis (Windows: there is no mingw
 * build of it; elsewhere: libhiredis-dev not installed). Cluster mode is
 * then refused with one clear line; nothing else changes. */
#include "core/redis_link.h"

#include <stdio.h>

bool redis_link_available(void)
{
    return false;
}

redis_link *redis_link_create(const redis_link_config *cfg, const redis_link_handler *handler,
                              uint64_t now_ms, char *err, size_t err_len)
{
    (void)cfg;
    (void)handler;
    (void)now_ms;
    snprintf(err, err_len, "cluster mode is not available in this build");
    return NULL;
}

void redis_link_destroy(redis_link *l)
{
    (void)l;
}

bool redis_link_has_output(const redis_link *l)
{
    (void)l;
    return false;
}

bool redis_link_is_up(const redis_link *l)
{
    (void)l;
    return false;
}

void redis_link_add_to_poll(redis_link *l, net_poll *p)
{
    (void)l;
    (void)p;
}

void redis_link_service(redis_link *l, const net_poll *p, uint64_t now_ms)
{
    (void)l;
    (void)p;
    (void)now_ms;
}

uint64_t redis_link_next_deadline(const redis_link *l)
{
    (void)l;
    return UINT64_MAX;
}

int redis_link_publish(redis_link *l, const void *data, size_t len)
{
    (void)l;
    (void)data;
    (void)len;
    return -1;
}

int redis_link_command(redis_link *l, redis_link_reply_fn *fn, void *ctx, int argc,
                       const char *const *argv, const size_t *lens)
{
    (void)l;
    (void)fn;
    (void)ctx;
    (void)argc;
    (void)argv;
    (void)lens;
    return -1;
}
