/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packets held for a neighbour being asked for (Linux's unres_qlen): a
 * worker that misses a next hop's MAC asks for it (ARP request, neighbour
 * solicitation) and keeps up to `qlen` packets for it instead of dropping
 * them; when the control lcore has learnt the answer they go out in the
 * order they came, to the MAC learnt. Both families, one set of rules.
 *
 * Each worker owns one of these and nothing else touches it: the mbufs never
 * change hands, so no lock and no ring. The neighbour table stays the control
 * lcore's alone; a worker learns that it changed from the table's `learnt`
 * count (dp_neigh.h), so while packets are held its poll looks the held
 * neighbours up only after something was learnt, or when the oldest is due
 * to expire. With nothing held the worker tests one counter (`held`).
 *
 * Bounded twice: qlen packets per neighbour, `total` packets per worker (and
 * DP_NEIGH_HOLD_ENTRIES neighbours), so a scan of many unanswered addresses
 * cannot empty the mbuf pool. A packet over a bound is dropped and counted.
 */
#ifndef VEER_DP_NEIGH_HOLD_H
#define VEER_DP_NEIGH_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp_counters.h"
#include "dp_neigh.h"

#define DP_NEIGH_HOLD_QLEN_MAX 16 /* packets per neighbour at most */
#define DP_NEIGH_HOLD_ENTRIES 128 /* neighbours held for at once, per worker */
#define DP_NEIGH_HOLD_TOTAL_MAX 1024
#define DP_NEIGH_HOLD_TIMEOUT_S 3 /* Linux's: 3 solicitations, 1 s apart (RFC 4861 10) */

/* The packets held for one neighbour, oldest first. */
struct dp_neigh_held {
    uint8_t family;   /* 4 or 6 */
    uint8_t n;        /* packets in m[] */
    uint8_t ip[16];   /* network order; IPv4 in the first 4 bytes, the rest zero */
    const void *port; /* the caller's port, handed back with the packets (not read here) */
    uint64_t since;   /* when its first packet was held */
    struct rte_mbuf *m[DP_NEIGH_HOLD_QLEN_MAX];
};

struct dp_neigh_hold {
    unsigned qlen;     /* per neighbour; 0: holding is off, a miss drops */
    unsigned total;    /* packets, all neighbours together */
    uint64_t timeout;  /* in the caller's clock (the `now` of every call) */
    unsigned held;     /* packets held now: the fast path's only test */
    unsigned n;        /* neighbours in e[], oldest first */
    uint32_t seen;     /* the table's `learnt` when it was last looked at */
    uint64_t next_due; /* when e[0] expires */
    struct dp_neigh_held e[DP_NEIGH_HOLD_ENTRIES];
};

/*
 * Empty, holding up to qlen packets per neighbour (at most
 * DP_NEIGH_HOLD_QLEN_MAX; 0: off) and total (at most DP_NEIGH_HOLD_TOTAL_MAX)
 * in all, each for at most `timeout`.
 */
void dp_neigh_hold_init(struct dp_neigh_hold *h, unsigned qlen, unsigned total, uint64_t timeout);

/* What the caller does with a packet whose neighbour answered: prepend Ethernet, send. */
typedef void dp_neigh_hold_send_fn(void *ctx, struct rte_mbuf *m, uint8_t family, const void *port,
                                   const struct rte_ether_addr *mac);

/*
 * The packet m (an IP packet to the neighbour ip of family, 4 or 16 bytes,
 * out of port) whose neighbour is being asked for: held (neigh_held) or
 * dropped and counted: holding off (drop_no_neighbour), the neighbour's
 * packets at qlen (drop_neigh_hold_full), the worker's at total or its
 * neighbours at DP_NEIGH_HOLD_ENTRIES (drop_neigh_hold_total). m is consumed.
 */
void dp_neigh_hold_put(struct dp_neigh_hold *h, uint8_t family, const void *ip, const void *port,
                       struct rte_mbuf *m, uint64_t now, struct dp_worker_counters *c);

/*
 * The neighbour ip of family is known at mac: its held packets, if any, go
 * to send first, in order (neigh_hold_sent), so that a packet sent to it now
 * does not overtake them. Call only when h->held != 0.
 */
void dp_neigh_hold_release(struct dp_neigh_hold *h, uint8_t family, const void *ip,
                           const struct rte_ether_addr *mac, dp_neigh_hold_send_fn *send, void *ctx,
                           struct dp_worker_counters *c);

/*
 * The worker's poll while h->held != 0: when t learnt something since the
 * last look, every neighbour now in t gets its packets sent (as
 * dp_neigh_hold_release); those held for `timeout` are dropped
 * (drop_neigh_hold_expired). t may be NULL (nothing is ever learnt).
 */
void dp_neigh_hold_poll(struct dp_neigh_hold *h, const struct dp_neigh_table *t, uint64_t now,
                        dp_neigh_hold_send_fn *send, void *ctx, struct dp_worker_counters *c);

/* Frees every packet held (drop_neigh_hold_stopped): the worker stops. */
void dp_neigh_hold_free(struct dp_neigh_hold *h, struct dp_worker_counters *c);

#endif
