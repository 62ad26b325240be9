/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's outgoing packets, held per port and handed to the driver a
 * burst at a time. One rte_eth_tx_burst call per packet cost a 64-byte
 * tunnel about as much as its outer header: every call goes through the
 * driver's function pointer and its per-call bookkeeping (descriptor ring
 * update, doorbell on a NIC). The forwarding functions queue here and flush
 * before they return, so nothing waits longer than the burst it came in.
 */
#ifndef VEER_DP_TX_H
#define VEER_DP_TX_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_counters.h"

#define DP_TX_BURST 32
/* Ports one worker sends to between flushes; a packet for yet another is sent on its own. */
#define DP_TX_PORTS 8

struct dp_tx_queue {
    uint16_t port_id;
    uint16_t n;
    struct rte_mbuf *pkts[DP_TX_BURST];
};

/* Zeroed: empty. Used by its one worker only. */
struct dp_tx {
    struct dp_tx_queue q[DP_TX_PORTS];
    unsigned nq;
};

/*
 * Queues m for port_id's TX queue `queue`; a full queue is sent first.
 * What the driver does not take is freed and counted (drop_tx_full), what
 * it takes counted as tx_packets.
 */
void dp_tx_put(struct dp_tx *t, uint16_t port_id, uint16_t queue, struct rte_mbuf *m,
               struct dp_worker_counters *c);

/* Sends everything queued. */
void dp_tx_flush(struct dp_tx *t, uint16_t queue, struct dp_worker_counters *c);

#endif
