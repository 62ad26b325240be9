/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How many mbufs the appliance can hold at once, so the pool is sized from
 * the configuration and a pool too small for the ports' rings is refused at
 * start instead of showing up later as rx_nombuf and silent drops.
 */
#ifndef VEER_DP_MBUF_BUDGET_H
#define VEER_DP_MBUF_BUDGET_H

#include <stddef.h>

#include "dp_port.h"

struct dp_mbuf_budget {
    unsigned port_rings; /* every port's RX and TX rings and control rings, full */
    unsigned caches;     /* every lcore's mempool cache at its flush threshold */
    unsigned to_ctrl;    /* the workers -> control ring, full */
    unsigned in_flight;  /* bursts in the lcores' hands */
    unsigned held;       /* packets the workers may hold for neighbours they ask for */
    unsigned total;      /* what the pool must hold: rings, caches, bursts, held */
    unsigned with_ring;  /* and a full worker -> control ring on top */
};

/* held: all workers' bound on packets held for unresolved neighbours (dp_neigh_hold.h). */
void dp_mbuf_budget(const struct dp_port *ports, unsigned nports, unsigned nlcores,
                    unsigned cache_size, unsigned to_ctrl_ring, unsigned held,
                    struct dp_mbuf_budget *out);

/*
 * 0 when mbufs_per_port x nports cover the budget with a full worker ->
 * control ring; 1 (a warning in err) when they cover everything but that
 * ring: the gate closes once the ring is half full (app/veer publish_load),
 * so it rarely fills, but a full one would starve RX; -1 when not even the
 * rings, caches, bursts and held packets fit, with a message naming dataplane.mbufs (per
 * port), every part of the budget and the least that fits.
 */
int dp_mbuf_budget_check(const struct dp_mbuf_budget *b, const struct dp_port *ports,
                         unsigned nports, unsigned mbufs_per_port, char *err, size_t err_len);

#endif
