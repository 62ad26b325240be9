/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes changed while traffic flows. The workers read an immutable struct
 * dp_routes; a change builds a new one beside it (the configured routes plus
 * every change so far), publishes it with one atomic store and frees the old
 * one once every worker has passed a quiescent state (RCU QSBR, the SADB's).
 * No lock on the fast path and no packet ever looks into a freed table.
 *
 * Writers (telemetry commands) are serialised by a mutex; rebuilding costs
 * microseconds to a few milliseconds for CONF_MAX_ROUTES, fine for changes
 * an operator or a routing agent makes.
 *
 * The gateway's own addresses (dp_addrs.h) travel in the same tables: an
 * address added or removed at run time is a new table with the same routes,
 * so the workers see the addresses and the connected subnets change
 * together, at one pointer swap, and never read a list being edited.
 */
#ifndef VEER_DP_ROUTE_TABLE_H
#define VEER_DP_ROUTE_TABLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "conf.h"
#include "dp_route.h"

struct dp_route_table {
    struct dp_routes *current; /* read with dp_route_table_current() */
    struct rte_rcu_qsbr *qsbr; /* the workers report quiescent states here */
    pthread_mutex_t lock;      /* writers only */
    const struct dp_port *ports;
    unsigned nports;
    uint16_t mtu[CONF_MAX_PORTS];
    unsigned nroutes; /* the routes in force, configured ones first */
    struct conf_route routes[CONF_MAX_ROUTES];
    unsigned generation;   /* names each table's rte_lpm uniquely */
    uint64_t changes;      /* successful adds and deletes */
    struct dp_addrs addrs; /* the addresses in force, as the current table has them */
    /* Address lists so far (1: the first): read without the lock to notice a change. */
    uint64_t addr_changes;
    uint64_t addr_edits; /* successful adds and deletes */
};

/*
 * Builds the first table from the ports (MTUs), the gateway's addresses
 * (connected subnets; NULL: each port's first IPv4 and IPv6 address) and the
 * configured routes, whose next hops must be on those subnets. qsbr may be
 * NULL when nothing reads concurrently (tests without workers); changes then
 * free the old table at once. 0, or -1 with err.
 */
int dp_route_table_init(struct dp_route_table *t, const struct dp_port *ports, unsigned nports,
                        const uint16_t *mtus, const struct dp_addrs *addrs,
                        const struct conf_route *routes, unsigned nroutes,
                        struct rte_rcu_qsbr *qsbr, char *err, size_t err_len);
void dp_route_table_free(struct dp_route_table *t);

/* Any lcore: the table in force. Hold it only until the next quiescent state. */
static inline const struct dp_routes *dp_route_table_current(const struct dp_route_table *t)
{
    return __atomic_load_n(&t->current, __ATOMIC_ACQUIRE);
}

/*
 * Adds a route (a prefix may be given once; delete it first to change it).
 * -EEXIST, -ENOSPC, -EINVAL (err says why: a next hop on no port's subnet,
 * an unknown port, a bad prefix), or 0.
 */
int dp_route_table_add(struct dp_route_table *t, const struct conf_route *r, char *err,
                       size_t err_len);

/* Deletes the route to exactly this prefix: 0 or -ENOENT. */
int dp_route_table_del(struct dp_route_table *t, const struct ike_addr *to, uint8_t prefix_len,
                       char *err, size_t err_len);

/*
 * Any thread that is not a worker (the control lcore sending IKE): the next
 * hop of dst and the MTU of its port, under the writers' lock, since such a
 * thread reports no quiescent states. False: no route.
 */
bool dp_route_table_lookup(struct dp_route_table *t, uint32_t dst, struct dp_next_hop *nh,
                           uint16_t *mtu);
bool dp_route_table_lookup6(struct dp_route_table *t, const uint8_t dst[16],
                            struct dp_next_hop6 *nh, uint16_t *mtu);

/* Addresses (route_addrs.c). */

/*
 * One address more on a port, at run time: -EEXIST (ours already), -ENOSPC
 * (CONF_MAX_PORT_ADDRS on the port), -EINVAL (no such port, or IPv6 on a
 * port whose mtu is below 1280), or 0.
 */
int dp_route_table_addr_add(struct dp_route_table *t, const struct dp_addr *a, char *err,
                            size_t err_len);

/*
 * An address of a port removed at run time: -ENOENT (not that port's),
 * -EBUSY (the port's last address, or a route's next hop is on its subnet
 * and on no other: delete the route first), or 0.
 */
int dp_route_table_addr_del(struct dp_route_table *t, unsigned port, uint8_t family, const void *ip,
                            char *err, size_t err_len);

/*
 * A copy of the addresses in force, and (edits not NULL) how many adds and
 * deletes made it; returns addr_changes at the time of the copy.
 */
uint64_t dp_route_table_addrs(struct dp_route_table *t, struct dp_addrs *out, uint64_t *edits);

/* Any thread, without the lock: how many address changes there were (to notice a new one). */
static inline uint64_t dp_route_table_addr_changes(const struct dp_route_table *t)
{
    return __atomic_load_n(&t->addr_changes, __ATOMIC_ACQUIRE);
}

/* A copy of the routes in force (at most max); returns how many there are. */
unsigned dp_route_table_list(struct dp_route_table *t, struct conf_route *out, unsigned max,
                             uint64_t *changes);

#endif
