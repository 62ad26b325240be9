/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a worker sends an IPv4 packet: to the destination itself when it is
 * on a port's connected subnet, else to the next hop of the longest matching
 * static route (dataplane.routes). The control lcore builds the table at
 * start (an rte_lpm) and never changes it while workers run, so workers read
 * it without locks. The table also carries each port's MTU.
 */
#ifndef VEER_DP_ROUTE_H
#define VEER_DP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "dp_port.h"

struct rte_lpm;

struct dp_route_hop {
    uint32_t via;  /* network order */
    uint16_t port; /* index into the ports array */
};

struct dp_routes {
    struct rte_lpm *lpm; /* prefix -> index into hop[] */
    unsigned nhops;
    struct dp_route_hop hop[CONF_MAX_ROUTES];
    int default_hop; /* index into hop[] of 0.0.0.0/0, or -1 */
    const struct dp_port *ports;
    unsigned nports;
    uint16_t mtu[CONF_MAX_PORTS]; /* per port index: the largest IPv4 packet it sends */
};

/* Where a packet goes: out of `port` to the host `ip` (the destination or a route's via). */
struct dp_next_hop {
    const struct dp_port *port;
    unsigned port_index;
    uint32_t ip; /* network order */
};

/*
 * Control lcore: an empty table (connected subnets only) over the ports,
 * each port's MTU from mtus (NULL: CONF_MTU_DEFAULT). `name` must be unique
 * in the process (rte_lpm names its memory). 0, or -1 with err set.
 */
int dp_routes_init(struct dp_routes *r, const char *name, const struct dp_port *ports,
                   unsigned nports, const uint16_t *mtus, char *err, size_t err_len);

/*
 * Control lcore, before the workers start: adds prefix/len (network order)
 * via `via` out of port index `port`, or out of the port on whose subnet
 * `via` is when port < 0. 0, or -1 with err set.
 */
int dp_routes_add(struct dp_routes *r, uint32_t prefix, uint8_t len, uint32_t via, int port,
                  char *err, size_t err_len);

/* Adds routes[0..n), port names resolved against r's ports. 0, or -1 with err set. */
int dp_routes_add_list(struct dp_routes *r, const struct conf_route *routes, unsigned n, char *err,
                       size_t err_len);

/* Adds dataplane.routes, port names resolved against r's ports. 0, or -1 with err set. */
int dp_routes_add_conf(struct dp_routes *r, const struct conf_dataplane *dp, char *err,
                       size_t err_len);

void dp_routes_free(struct dp_routes *r);

/* Any lcore: connected subnets first, then the longest matching route; false: no route. */
bool dp_route_lookup(const struct dp_routes *r, uint32_t dst, struct dp_next_hop *nh);

/* The port index of DPDK port `port_id` in r's ports, or -1. */
int dp_routes_port_index(const struct dp_routes *r, uint16_t port_id);

#endif
