/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside lib/dp: what route.c (IPv4, the table) and route6.c (IPv6) share. */
#ifndef VEER_DP_ROUTE_PRIV_H
#define VEER_DP_ROUTE_PRIV_H

#include "dp_route.h"
#include "dp_route_table.h"

/* route6.c: frees the IPv6 table it may have made (route.c frees the whole). */
void dp_routes_free6(struct dp_routes *r);

/*
 * route.c: the port index a route via `via` (network order, 4 or 16 bytes
 * by family) leaves by: `port` when via is on its subnet, or with port < 0
 * the first port whose subnet holds via; -1 when there is none. Both
 * families resolve a route's port by this one rule.
 */
int dp_routes_via_port(const struct dp_routes *r, int port, unsigned family, const void *via);

/*
 * route_table.c: with t's lock held, builds a table of routes[0..n) over
 * t->addrs and t's ports, publishes it, waits for the readers' grace period
 * and frees the old one; routes become t's list. -EINVAL with err set (t
 * unchanged) when one of them does not fit the addresses, or 0.
 */
int dp_route_table_replace(struct dp_route_table *t, const struct conf_route *routes, unsigned n,
                           char *err, size_t err_len);

#endif
