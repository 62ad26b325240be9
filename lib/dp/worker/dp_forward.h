/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a worker does with ESP and plaintext after classification: inbound
 * ESP is decrypted and its inner packet routed to the protected side;
 * plaintext matching a Child SA's selectors is encrypted and sent to the peer.
 * Next hops come from dp_route.h (connected subnets, then static routes);
 * their MACs from the neighbour table, and a miss sends an ARP request or
 * neighbour solicitation and holds the packet (dp_neigh_hold.h). Each
 * forwarded packet's TTL is decremented once; packets whose TTL runs out, or
 * too big for the next link with DF set, are answered with ICMP
 * errors (dp_icmp.h), which go into the tunnel when their destination is
 * behind the peer.
 */
#ifndef VEER_DP_FORWARD_H
#define VEER_DP_FORWARD_H

#include "dp_worker.h"

void dp_forward_esp(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n);
void dp_forward_plain(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n);
/*
 * Packets another worker handed this one, the owner of their SAs
 * (dp_handoff.h): worked as if received here, never handed on again.
 */
void dp_forward_handed(struct dp_worker *w, struct rte_mbuf **plain, unsigned nplain,
                       struct rte_mbuf **esp, unsigned nesp);

/*
 * While w->hold holds packets (now: rte_get_timer_cycles()): those whose
 * neighbour was learnt go out to it, those held too long are dropped.
 */
void dp_forward_held(struct dp_worker *w, uint64_t now);

#endif
