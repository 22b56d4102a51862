/* cluster.h - cluster mode (issue 14): several natter servers that share
 * one chat through Redis. docs/cluster.md says what users get; this is how.
 *
 * Every node subscribes to one Redis channel and publishes every change to
 * the chat on it: registrations, joins, lines, topics, departures. Redis
 * hands a channel's messages to every subscriber in one order, and every
 * node applies them in that order - its own included, which it applies only
 * when they come back - so all nodes hold the same model (chat_cluster.h):
 * the same users, rooms, operators, topics and history, in the same order.
 *
 * A node that links (at start, or after losing Redis) asks for a snapshot;
 * the nodes already in step answer with their state as of the request's
 * place in the order, and the newcomer applies that, then what followed.
 * Nodes say "alive" every lease/3; one silent for the lease is declared
 * lost, and its users leave "(server lost)". While Redis is unreachable a
 * node serves its own users alone and says so to each of them once. */
#ifndef NATTER_CORE_CLUSTER_H
#define NATTER_CORE_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/chat.h"
#include "platform/poll.h"

#define CLUSTER_DEFAULT_LEASE_MS 15000
#define CLUSTER_NODE_MAX         64

typedef struct cluster cluster;

typedef struct cluster_config {
    const char *address; /* Redis: a numeric address (resolved before the loop) */
    int port;
    const char *password; /* NULL or "": none */
    int db;
    const char *node;  /* this node's name, unique in the cluster */
    uint64_t lease_ms; /* 0: CLUSTER_DEFAULT_LEASE_MS */
} cluster_config;

typedef void cluster_log_fn(void *ctx, const char *line);

/* Start (the link's first attempt is made at once). Returns NULL with a
 * reason in err ("cluster mode is not available in this build"). */
cluster *cluster_create(chat *c, const cluster_config *cfg, cluster_log_fn *log, void *log_ctx,
                        uint64_t now_ms, char *err, size_t err_len);
void cluster_destroy(cluster *cl);

/* Loop integration, as for redis_link. */
void cluster_add_to_poll(cluster *cl, net_poll *p);
void cluster_service(cluster *cl, const net_poll *p, uint64_t now_ms);
uint64_t cluster_next_deadline(const cluster *cl);

/* The server is stopping: tell the other nodes (their copies of our users
 * leave "(server shut down)" at once) and stop relaying. */
void cluster_shutdown(cluster *cl);
/* Something is still to be sent to Redis (for a bounded final flush). */
bool cluster_has_output(const cluster *cl);
/* In step with the other nodes right now. */
bool cluster_in_sync(const cluster *cl);

#endif
