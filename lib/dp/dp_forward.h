/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a worker does with ESP and plaintext after classification: inbound
 * ESP is decrypted and its inner packet routed to the protected side;
 * plaintext matching a Child SA's selectors is encrypted and sent to the peer.
 * Next hops are the directly connected subnets of the ports; their MACs come
 * from the neighbour table, and a miss sends an ARP request and drops.
 */
#ifndef VEER_DP_FORWARD_H
#define VEER_DP_FORWARD_H

#include "dp_worker.h"

void dp_forward_esp(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n);
void dp_forward_plain(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n);

#endif
