/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP datagrams the gateway itself sends (IKE from the control lcore) that
 * are longer than the path's MTU, cut into IP fragments at the source as a
 * host's stack would: IPv4 fragments (RFC 791 2.3, 3.2), or IPv6 fragments
 * with a Fragment header right after the fixed header (RFC 8200 4.5), which
 * only the source may make. This is for a peer without IKE fragmentation
 * (RFC 7383), or before it is negotiated (a large IKE_SA_INIT). Each
 * fragment is a frame of its own in one mbuf; the UDP checksum covers the
 * whole datagram.
 */
#ifndef VEER_DP_UDP_FRAG_H
#define VEER_DP_UDP_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

/* The most fragments one datagram is cut into (a 64 KiB datagram at IPv6's 1280 needs 53). */
#define DP_UDP_FRAG_MAX 64

/* A UDP datagram to send in fragments, and the frames' Ethernet addresses. */
struct dp_udp_dgram {
    uint8_t family;           /* 4 or 6 */
    const uint8_t *src, *dst; /* IP addresses in network order: 4 or 16 bytes */
    uint16_t src_port, dst_port;
    const uint8_t *payload;
    size_t len;
    const struct rte_ether_addr *src_mac, *dst_mac;
};

/*
 * Cuts d into fragments of at most `mtu` bytes of IP (and what one mbuf of
 * `pool` holds), built as frames in fresh mbufs into out[]: every fragment
 * but the last carries a multiple of 8 data bytes and More Fragments; IPv4
 * with identification `id` (its low 16 bits), DF clear, TTL 64; IPv6 with a
 * Fragment header of identification `id`, hop limit 64. Returns the number
 * of fragments, -EMSGSIZE (the datagram is longer than 65535 bytes, or
 * needs more than max_out fragments, or mtu leaves no 8 data bytes) or
 * -ENOBUFS (pool empty: nothing is left allocated).
 */
int dp_udp_fragment(const struct dp_udp_dgram *d, size_t mtu, uint32_t id, struct rte_mempool *pool,
                    struct rte_mbuf **out, unsigned max_out);

#endif
