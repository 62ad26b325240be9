/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's DPDK ports: one RX queue per worker (RSS spreads flows when
 * there are several), one TX queue per worker plus one for the control lcore,
 * so no TX queue is ever shared between lcores. A device with too few TX
 * queues for that (af_packet has one per queue pair) gets a ring instead: the
 * control lcore enqueues, worker 0 sends them on its own queue.
 */
#ifndef VEER_DP_PORT_H
#define VEER_DP_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "conf.h"

struct dp_port {
    uint16_t id;
    char name[32];
    struct rte_ether_addr mac;
    uint32_t ip;   /* network order */
    uint32_t mask; /* network order */
    uint16_t nrxq, ntxq;
    uint16_t ctrl_txq;        /* the control lcore's TX queue, or DP_NO_QUEUE */
    struct rte_ring *ctrl_tx; /* when DP_NO_QUEUE: control -> worker 0 */
};

#define DP_NO_QUEUE UINT16_MAX

/*
 * Probes the device (a vdev string is hot-plugged; a PCI address must have
 * been probed by EAL), configures and starts it. Returns 0 or -1 with err set.
 */
int dp_port_open(const struct conf_port *cfg, unsigned nworkers, struct rte_mempool *pool,
                 struct dp_port *out, char *err, size_t err_len);
void dp_port_close(struct dp_port *p);

/* Whether ip (network order) is in the port's directly connected subnet. */
static inline int dp_port_on_link(const struct dp_port *p, uint32_t ip)
{
    return (ip & p->mask) == (p->ip & p->mask);
}

#endif
