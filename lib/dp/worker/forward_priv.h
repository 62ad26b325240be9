/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/dp/worker: what the forwarding files share. The decisions
 * (forward.c: route, TTL or hop limit, MTU, the tunnel; forward_icmp.c: when
 * an ICMP error goes out and where to) are written once for both families;
 * forward4.c and forward6.c hold what only one family does (ARP or neighbour
 * solicitation on a miss, fragmenting or Packet Too Big, the ICMP or ICMPv6
 * rules and source address). The outer family is the SA's, whatever the
 * inner packet's: IPv4 travels in IPv6 and the reverse.
 */
#ifndef VEER_DP_FORWARD_PRIV_H
#define VEER_DP_FORWARD_PRIV_H

#include "dp_route.h"
#include "dp_worker.h"

/* The next hop of a packet in its family (the SA's outer family towards a peer). */
struct dp_fwd_hop {
    uint8_t family; /* 4: v4 is set, 6: v6 */
    unsigned port_index;
    struct dp_next_hop v4;
    struct dp_next_hop6 v6;
};

/* What an ICMP or ICMPv6 error is about and from where it is sent. */
struct dp_fwd_about {
    uint8_t family;             /* 4 or 6: the offending packet's */
    const void *l3;             /* the offending packet as received, at its IP header */
    size_t avail;               /* bytes of it in the buffer */
    bool l2_group;              /* it came to a link-layer broadcast or multicast address */
    const struct dp_port *from; /* whose address the error comes from; NULL: in_port's */
    uint16_t in_port;           /* the DPDK port it came in by */
};

/*
 * Our address an ICMP or ICMPv6 error about a goes out from, toward `to`
 * (the offending packet's source, 4 or 16 bytes by a->family): of port
 * a->from, else of the arrival port, the one whose subnet holds `to`, else
 * that port's first of the family. NULL: the port has none of the family.
 */
const struct dp_addr *dp_fwd_error_source(const struct dp_worker *w, const struct dp_fwd_about *a,
                                          const void *to);

/* Routes to sa's peer; false: no route (the caller counts drop_no_route). */
bool dp_fwd_route_peer(const struct dp_worker *w, const struct dp_esp_sa *sa,
                       struct dp_fwd_hop *hop);

/* Sends the IP packet at m's data to hop (its neighbour asked for on a miss); m is consumed. */
void dp_fwd_send_to_hop(struct dp_worker *w, struct rte_mbuf *m, const struct dp_fwd_hop *hop);

/* Encrypts the packet `l3` bytes into m for sa and sends it to hop; m is consumed. */
void dp_fwd_tunnel_out(struct dp_worker *w, struct dp_esp_sa *sa, struct rte_mbuf *m, size_t l3,
                       const struct dp_fwd_hop *hop);

/*
 * forward_icmp.c: drops m for an expired TTL or hop limit (drop_ttl_expired)
 * and answers with Time Exceeded in a's family; m is consumed.
 */
void dp_fwd_expired(struct dp_worker *w, const struct dp_fwd_about *a, struct rte_mbuf *m);

/*
 * forward_icmp.c: sends an error of type/code about a (param: the MTU of
 * Fragmentation Needed or Packet Too Big, else 0) unless the family's rules
 * suppress it (icmp_suppressed) or the worker's bucket is empty
 * (icmp_rate_limited); *sent counts it when it goes.
 */
void dp_fwd_icmp_error(struct dp_worker *w, const struct dp_fwd_about *a, struct rte_mempool *pool,
                       uint8_t type, uint8_t code, uint32_t param, uint64_t *sent);

/* forward4.c, forward6.c: asks for hop's MAC (ARP request, neighbour solicitation). */
void dp_fwd_ask_neighbour4(struct dp_worker *w, const struct dp_next_hop *nh,
                           struct rte_mempool *pool);
void dp_fwd_ask_neighbour6(struct dp_worker *w, const struct dp_next_hop6 *nh,
                           struct rte_mempool *pool);

/*
 * forward4.c: an IPv4 packet (at `l3`) longer than `mtu`: Fragmentation
 * Needed when DF is set, else fragments each sealed with sa (when given) or
 * sent to hop. m is consumed.
 */
void dp_fwd_too_big4(struct dp_worker *w, const struct dp_fwd_about *a, struct rte_mbuf *m,
                     size_t mtu, size_t l3, struct dp_esp_sa *sa, const struct dp_fwd_hop *hop);

/* forward6.c: an IPv6 packet longer than `mtu`: Packet Too Big, never fragments. m is consumed. */
void dp_fwd_too_big6(struct dp_worker *w, const struct dp_fwd_about *a, struct rte_mbuf *m,
                     size_t mtu);

/*
 * forward4.c, forward6.c: whether the family's rules let an error of `type`
 * about a go out (RFC 1812 4.3.2.7, RFC 4443 2.4 e, and an address of ours
 * to send it from), and the error itself (NULL: the pool is empty).
 */
bool dp_fwd_icmp_may4(const struct dp_worker *w, const struct dp_fwd_about *a);
bool dp_fwd_icmp_may6(const struct dp_worker *w, const struct dp_fwd_about *a, uint8_t type);
struct rte_mbuf *dp_fwd_icmp_build4(const struct dp_worker *w, const struct dp_fwd_about *a,
                                    struct rte_mempool *pool, uint8_t type, uint8_t code,
                                    uint32_t param);
struct rte_mbuf *dp_fwd_icmp_build6(const struct dp_worker *w, const struct dp_fwd_about *a,
                                    struct rte_mempool *pool, uint8_t type, uint8_t code,
                                    uint32_t param);

/* A decrypted inner IPv6 packet (data at its header) to route out, as forward.c does it. */
void dp_fwd_decrypted6(struct dp_worker *w, struct rte_mbuf *m);

#endif
