/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/dp: what forward.c (IPv4 packets, the tunnel's outer side) and
 * forward6.c (IPv6 packets) share. The outer family is the SA's, whatever
 * the inner packet's: IPv4 travels in IPv6 and the reverse.
 */
#ifndef VEER_DP_FORWARD_PRIV_H
#define VEER_DP_FORWARD_PRIV_H

#include "dp_route.h"
#include "dp_worker.h"

/* The next hop towards an SA's peer, in the SA's outer family. */
struct dp_fwd_hop {
    uint8_t family; /* 4: v4 is set, 6: v6 */
    unsigned port_index;
    struct dp_next_hop v4;
    struct dp_next_hop6 v6;
};

/* Routes to sa's peer; false: no route (the caller counts drop_no_route). */
bool dp_fwd_route_peer(const struct dp_worker *w, const struct dp_esp_sa *sa,
                       struct dp_fwd_hop *hop);

/* Encrypts the packet `l3` bytes into m for sa and sends it to hop; m is consumed. */
void dp_fwd_tunnel_out(struct dp_worker *w, struct dp_esp_sa *sa, struct rte_mbuf *m, size_t l3,
                       const struct dp_fwd_hop *hop);

/*
 * Puts an Ethernet header (from port, to dst) in front of the packet at m's
 * data and queues it on the worker's TX buffer for port; m is consumed
 * (no headroom: drop_esp_no_room). Both families' next-hop sends end here.
 */
void dp_fwd_send_frame(struct dp_worker *w, struct rte_mbuf *m, const struct dp_port *port,
                       const struct rte_ether_addr *dst, uint16_t ether_type);

/* forward6.c: sends the IPv6 packet at m's data to nh (neighbour solicitation on a miss). */
void dp_fwd_send_ip6(struct dp_worker *w, struct rte_mbuf *m, const struct dp_next_hop6 *nh);

/*
 * forward6.c: plaintext IPv6 (an Ethernet frame) to protect: policy, the
 * peer's route, hop limit (decremented) and the tunnel's MTU. true: m is to
 * be sealed with *sa (l3 after the Ethernet header) and sent to *hop; false:
 * m was answered or dropped (counted) and freed.
 */
bool dp_fwd_check_plain6(struct dp_worker *w, struct rte_mbuf *m, struct dp_esp_sa **sa,
                         struct dp_fwd_hop *hop);

/* forward6.c: a decrypted inner IPv6 packet (data at its header) to route out. */
void dp_fwd_decrypted6(struct dp_worker *w, struct rte_mbuf *m);

#endif
