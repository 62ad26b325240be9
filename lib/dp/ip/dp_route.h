/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a worker sends an IPv4 or IPv6 packet: to the destination itself
 * when it is on a connected subnet (one per address of a port), else to the next hop of the
 * longest matching static route (dataplane.routes). The control lcore builds
 * the tables at start (an rte_lpm, and an rte_lpm6 once there is an IPv6
 * route) and never changes them while workers run, so workers read them
 * without locks. The table also carries each port's MTU, for both families.
 */
#ifndef VEER_DP_ROUTE_H
#define VEER_DP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "dp_addrs.h"
#include "dp_port.h"

struct rte_lpm;
struct rte_lpm6;

struct dp_route_hop {
    uint32_t via;  /* network order */
    uint16_t port; /* index into the ports array */
};

struct dp_route6_hop {
    uint8_t via[16];
    uint16_t port;
};

struct dp_routes {
    char name[24];       /* rte_lpm's; the IPv6 table is named after it */
    struct rte_lpm *lpm; /* prefix -> index into hop[] */
    unsigned nhops;
    struct dp_route_hop hop[CONF_MAX_ROUTES];
    int default_hop; /* index into hop[] of 0.0.0.0/0, or -1 */
    const struct dp_port *ports;
    unsigned nports;
    uint16_t mtu[CONF_MAX_PORTS]; /* per port index: the largest IPv4/IPv6 packet it sends */
    /* IPv6: made with the first IPv6 route (another 64 MB), NULL while there is none. */
    struct rte_lpm6 *lpm6;
    unsigned nhops6;
    struct dp_route6_hop hop6[CONF_MAX_ROUTES];
    int default_hop6; /* index into hop6[] of ::/0, or -1 */
    /*
     * The gateway's own addresses, published with the routes: their subnets
     * are the connected ones, and the workers classify against them.
     */
    struct dp_addrs addrs;
};

/* Where an IPv6 packet goes: out of `port` to the host `ip`. */
struct dp_next_hop6 {
    const struct dp_port *port;
    unsigned port_index;
    uint8_t ip[16];
};

/* Where a packet goes: out of `port` to the host `ip` (the destination or a route's via). */
struct dp_next_hop {
    const struct dp_port *port;
    unsigned port_index;
    uint32_t ip; /* network order */
};

/*
 * Control lcore: an empty table (connected subnets only) over the ports,
 * with their first addresses (dp_addrs_from_ports; set r->addrs before adding
 * routes to have others), each port's MTU from mtus (NULL: CONF_MTU_DEFAULT). `name` must be unique
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

/*
 * IPv6, route6.c: adds prefix/len via `via` (out of port index `port`, or of
 * the port on whose IPv6 subnet via is when port < 0). 0, or -1 with err set.
 */
int dp_routes_add6(struct dp_routes *r, const uint8_t prefix[16], uint8_t len,
                   const uint8_t via[16], int port, char *err, size_t err_len);

/* Any lcore: connected IPv6 subnets first, then the longest matching route. */
bool dp_route_lookup6(const struct dp_routes *r, const uint8_t dst[16], struct dp_next_hop6 *nh);

/* The port index of DPDK port `port_id` in r's ports, or -1. */
int dp_routes_port_index(const struct dp_routes *r, uint16_t port_id);

#endif
