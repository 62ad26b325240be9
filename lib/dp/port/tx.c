/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_tx.h"

#include <rte_ethdev.h>

static void send_burst(uint16_t port_id, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
                       struct dp_worker_counters *c)
{
    uint16_t sent = rte_eth_tx_burst(port_id, queue, pkts, n);
    c->tx_packets += sent;
    /* A full TX ring is a counted drop: a worker never waits for the wire. */
    c->drop_tx_full += n - sent;
    rte_pktmbuf_free_bulk(pkts + sent, n - sent);
}

static struct dp_tx_queue *queue_of(struct dp_tx *t, uint16_t port_id)
{
    for (unsigned i = 0; i < t->nq; i++) {
        if (t->q[i].port_id == port_id)
            return &t->q[i];
    }
    if (t->nq == DP_TX_PORTS)
        return NULL;
    struct dp_tx_queue *q = &t->q[t->nq++];
    q->port_id = port_id;
    q->n = 0;
    return q;
}

void dp_tx_put(struct dp_tx *t, uint16_t port_id, uint16_t queue, struct rte_mbuf *m,
               struct dp_worker_counters *c)
{
    struct dp_tx_queue *q = queue_of(t, port_id);
    if (q == NULL) {
        send_burst(port_id, queue, &m, 1, c);
        return;
    }
    if (q->n == DP_TX_BURST) {
        send_burst(port_id, queue, q->pkts, q->n, c);
        q->n = 0;
    }
    q->pkts[q->n++] = m;
}

void dp_tx_flush(struct dp_tx *t, uint16_t queue, struct dp_worker_counters *c)
{
    for (unsigned i = 0; i < t->nq; i++) {
        if (t->q[i].n > 0)
            send_burst(t->q[i].port_id, queue, t->q[i].pkts, t->q[i].n, c);
    }
    t->nq = 0;
}
