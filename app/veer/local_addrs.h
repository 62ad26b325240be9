/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's own addresses in app/veer: the one place where the list is
 * built (from dataplane.ports and the redirect policy's anycast addresses),
 * handed to the dataplane (the route table, which the workers and the
 * control lcore read) and to lib/ike, at start and after every change an
 * operator makes at run time (/veer/port/address_add, address_del).
 */
#ifndef VEER_APP_LOCAL_ADDRS_H
#define VEER_APP_LOCAL_ADDRS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "dp_addrs.h"
#include "dp_ctrl.h"
#include "dp_route_table.h"

/* What the control lcore last handed on: to find what changed. */
struct veer_local_addrs {
    uint64_t seen; /* dp_route_table_addr_changes() of `last` */
    struct dp_addrs last;
    unsigned nike;
    struct ike_addr ike[CONF_MAX_PORTS * CONF_MAX_PORT_ADDRS]; /* the list lib/ike gets */
    /* gateway.mobike_addresses that are ours now: what lib/ike announces (RFC 4555 3.4). */
    const struct veer_conf *conf;
    unsigned nannounce;
    struct ike_addr announce[CONF_MAX_MOBIKE_ADDRS];
};

/*
 * At start: every port's addresses and the anycast ones, for the route
 * table (dp_route_table_init). 0, or -1 with the reason printed.
 */
int veer_local_addrs_build(const struct veer_conf *conf, struct dp_addrs *out);

/*
 * Once the route table holds them: the lists lib/ike gets first, into l, and
 * pointed at by conf->ike (local_addrs, announce_addrs) for ike_ctx_new().
 */
void veer_local_addrs_start(struct veer_local_addrs *l, struct veer_conf *conf,
                            struct dp_route_table *rt);

/*
 * Control lcore, every tick: when the addresses changed, announces the new
 * ones on their link (gratuitous ARP, unsolicited NA) and hands the new list
 * to lib/ike (ike_set_local_addrs: SAs on a removed address move, MOBIKE
 * clients hear of the new list). Returns whether they changed.
 */
bool veer_local_addrs_tick(struct veer_local_addrs *l, struct dp_ctrl *ctrl,
                           struct dp_route_table *rt);

#endif
