/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors a worker sends about packets it cannot forward (RFC 792, 1191,
 * 1812): Time Exceeded when the TTL runs out, Destination Unreachable /
 * Fragmentation Needed with the next-hop MTU when a DF packet is too big.
 * Each worker limits them, and ICMPv6's, with one token bucket of its own
 * (dp_icmp_limit.h).
 */
#ifndef VEER_DP_ICMP_H
#define VEER_DP_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_icmp_limit.h"
#include "dp_route.h"

#define DP_ICMP_DEST_UNREACH 3
#define DP_ICMP_FRAG_NEEDED 4 /* code of DEST_UNREACH (RFC 1191) */
#define DP_ICMP_TIME_EXCEEDED 11
#define DP_ICMP_TTL_EXCEEDED 0 /* code of TIME_EXCEEDED: in transit */

/* IP header and the first 8 bytes of the datagram are quoted (RFC 792). */
#define DP_ICMP_QUOTE_DATA 8

/*
 * Whether an ICMP error may be sent about the IPv4 packet at ip (avail bytes
 * of it in the buffer): never about an ICMP error, a packet to a broadcast or
 * multicast address (also a port subnet's directed broadcast), a non-first
 * fragment, or one whose source is no single host (RFC 1812 4.3.2.7).
 * Link-layer broadcast and multicast is the caller's to check.
 */
bool dp_icmp_may_answer(const struct rte_ipv4_hdr *ip, size_t avail, const struct dp_routes *r);

/*
 * A new packet (data at its IPv4 header, headroom for outer headers): ICMP
 * type/code from src to ip's source, quoting ip's header and 8 bytes of its
 * data; next_hop_mtu goes into Fragmentation Needed (RFC 1191), else 0.
 * NULL when the pool is empty.
 */
struct rte_mbuf *dp_icmp_build_error(struct rte_mempool *pool, const struct rte_ipv4_hdr *ip,
                                     size_t avail, uint8_t type, uint8_t code,
                                     uint16_t next_hop_mtu, uint32_t src);

#endif
