/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKE datagram of a control-class frame, as the workers' stateless
 * answers see it (the admission gate's REDIRECT and COOKIE, QCD's
 * INVALID_IKE_SPI): where its UDP payload is, between which addresses, and
 * how the frame becomes the reply, in place, from the address and port the
 * request came to, back to its source.
 */
#ifndef VEER_DP_IKE_UDP_H
#define VEER_DP_IKE_UDP_H

#include <stdbool.h>
#include <stddef.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "ike_addr.h"

struct dp_ike_udp {
    const struct rte_ipv6_hdr *ip6; /* the IPv6 header; NULL over IPv4 */
    const struct rte_udp_hdr *udp;
    size_t len;             /* UDP payload bytes */
    struct ike_addr client; /* its source, with the port */
    struct ike_addr here;   /* its destination: one of ours, or an anycast address */
};

/*
 * A control-class frame's UDP datagram to 500 or 4500. IPv4: the classifier
 * checked the lengths. IPv6: UDP right after the fixed header, lengths that
 * agree with the frame. False for anything else (ARP, neighbour discovery,
 * extension headers): not the workers' to answer.
 */
bool dp_ike_udp_of(struct rte_mbuf *m, struct dp_ike_udp *u);

/*
 * Rewrites the request frame into the reply: addresses, ports and MACs
 * swapped, `len` bytes of `reply` (marker included on 4500) as its payload,
 * checksums computed. The reply is never longer than the request, so it fits
 * where the request was; `reply` may not lie inside the frame.
 */
void dp_ike_udp_reply(struct rte_mbuf *m, const struct dp_ike_udp *u, const uint8_t *reply,
                      size_t len);

#endif
