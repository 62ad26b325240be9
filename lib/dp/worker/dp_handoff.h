/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Each SA is worked by one worker, its owner (dp_esp_sa.owner, chosen when
 * the SA is installed): the owner alone encrypts for an outbound SA, so its
 * sequence numbers leave in order from one TX queue; the owner alone opens
 * an inbound SA's packets, so its replay window has one writer whatever
 * queue the device spread them to. A worker that receives a packet of an
 * SA it does not own hands it to the owner over the owner's handoff ring
 * (many producers, one consumer, bounded: a full ring is a counted drop,
 * drop_handoff_full, never a wait). The packet goes as it came; the owner
 * looks its SA up again, since no SA pointer may outlive the sender's
 * quiescent state (RCU). With one worker there are no rings and nothing is
 * looked at twice.
 */
#ifndef VEER_DP_HANDOFF_H
#define VEER_DP_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_counters.h"
#include "dp_pkt.h"

/* Packets a worker's handoff ring holds by default (dataplane.handoff_ring). */
#define DP_HANDOFF_RING_DEFAULT 1024

/* What a handed packet is, so that the owner needs not classify it again. */
enum dp_handoff_kind {
    DP_HANDOFF_PLAIN, /* an Ethernet frame of plaintext to protect */
    DP_HANDOFF_ESP,   /* an Ethernet frame of ESP (or ESP in UDP) for us */
};

struct dp_handoff {
    struct rte_ring *in;           /* this worker's: what the others hand it */
    struct rte_ring *const *rings; /* every worker's `in`, by worker index */
    unsigned nworkers;             /* 0 or 1: nothing is handed off */
    unsigned npending;             /* staged in this chunk, sent by dp_handoff_flush */
    void *pending[DP_BURST];       /* tagged mbuf pointers (handoff.c) */
    unsigned char pending_to[DP_BURST];
};

/* Whether this worker may have to hand packets on: it has peers. */
static inline bool dp_handoff_on(const struct dp_handoff *h)
{
    return h->nworkers > 1;
}

/* Stages m for worker `to` (not this one); sent, in order, by the next flush. */
void dp_handoff_put(struct dp_handoff *h, unsigned to, struct rte_mbuf *m,
                    enum dp_handoff_kind kind, struct dp_worker_counters *c);

/*
 * Sends what is staged, one enqueue per owner, in the order staged; what
 * an owner's ring has no room for is freed and counted (drop_handoff_full).
 */
void dp_handoff_flush(struct dp_handoff *h, struct dp_worker_counters *c);

/*
 * Takes up to DP_BURST packets handed to this worker, sorted into plain[] and
 * esp[] (each in the order they came). Returns how many in all.
 */
unsigned dp_handoff_take(struct dp_handoff *h, struct rte_mbuf **plain, unsigned *nplain,
                         struct rte_mbuf **esp, unsigned *nesp, struct dp_worker_counters *c);

/*
 * The rings of nworkers workers ("<prefix>_<n>", `size` packets each, a power
 * of two), into rings[0..nworkers-1]. 0, or -1 with err set (nothing left
 * allocated). One worker gets none.
 */
int dp_handoff_rings_create(struct rte_ring **rings, unsigned nworkers, unsigned size,
                            const char *prefix, char *err, size_t err_len);
/* After every worker stopped: frees what the rings still hold, then the rings. */
void dp_handoff_rings_free(struct rte_ring **rings, unsigned nworkers);

#endif
