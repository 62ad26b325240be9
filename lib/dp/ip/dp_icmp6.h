/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv6 errors a worker sends about IPv6 packets it cannot forward
 * (RFC 4443): Time Exceeded when the hop limit runs out, Packet Too Big with
 * the MTU that would have fitted (IPv6 routers never fragment: the sender
 * must learn). They share the worker's ICMP token bucket (dp_icmp_limit.h).
 */
#ifndef VEER_DP_ICMP6_H
#define VEER_DP_ICMP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#define DP_ICMP6_PACKET_TOO_BIG 2
#define DP_ICMP6_TIME_EXCEEDED 3
#define DP_ICMP6_HOP_LIMIT_EXCEEDED 0 /* code of TIME_EXCEEDED: in transit */
#define DP_ICMP6_ERROR_MAX 128        /* types below are errors, from 128 informational */
/* An error with its quote never exceeds the minimum MTU (RFC 4443 2.4 c). */
#define DP_ICMP6_MAX_LEN 1280

/*
 * Whether an ICMPv6 error may be sent about the packet at ip (avail bytes in
 * the buffer), RFC 4443 2.4 (e): never about an ICMPv6 error (or when the
 * extension headers hide whether it is one: a non-first fragment, or more
 * headers than veer walks), never to a source that is no single host
 * (unspecified, multicast, loopback). A multicast destination is allowed
 * for Packet Too Big only (2.4 e.2). Link-layer multicast is the caller's.
 */
bool dp_icmp6_may_answer(const struct rte_ipv6_hdr *ip, size_t avail, uint8_t type);

/*
 * A new packet (data at its IPv6 header, headroom for outer headers):
 * type/code from src to ip's source with `param` in the 4 bytes after the
 * checksum (the MTU for Packet Too Big, else 0), quoting as much of ip as
 * keeps the whole within 1280 bytes. NULL when the pool is empty.
 */
struct rte_mbuf *dp_icmp6_build_error(struct rte_mempool *pool, const struct rte_ipv6_hdr *ip,
                                      size_t avail, uint8_t type, uint8_t code, uint32_t param,
                                      const uint8_t src[16]);

#endif
