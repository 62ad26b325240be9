/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Datagrams the gateway itself is the source of, cut into IP fragments at
 * the source as a host's stack would: IPv4 fragments (RFC 791 2.3, 3.2), or
 * IPv6 fragments with a Fragment header right after the fixed header (RFC
 * 8200 4.5), which only the source may make. Two users:
 *
 * - the control lcore's IKE datagrams longer than the path's MTU, for a peer
 *   without IKE fragmentation (RFC 7383) or before it is negotiated (a large
 *   IKE_SA_INIT): dp_udp_fragment, the UDP checksum over the whole datagram;
 * - a worker's ESP packets (plain or in UDP) longer than the outside link,
 *   which carries an inner IPv6 packet of up to 1280 bytes through a tunnel
 *   narrower than that (post-fragmentation, RFC 4459 3; dp_post_frag.h):
 *   dp_src_fragment, the ESP packet's bytes as sealed.
 *
 * Each fragment is a frame (or an IP packet) of its own in one fresh mbuf.
 */
#ifndef VEER_DP_SRC_FRAG_H
#define VEER_DP_SRC_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

/* The most fragments one datagram is cut into (a 64 KiB datagram at IPv6's 1280 needs 53). */
#define DP_UDP_FRAG_MAX 64

/*
 * A datagram to send in fragments: what follows the IP header (`proto`) is
 * `head` and then `payload`, two pieces so that a header built apart (UDP's)
 * needs no copy in front of the data.
 */
struct dp_src_dgram {
    uint8_t family;           /* 4 or 6 */
    uint8_t proto;            /* IPv4 protocol, or the Fragment header's next header */
    const uint8_t *src, *dst; /* IP addresses in network order: 4 or 16 bytes */
    const uint8_t *head;      /* may be NULL with head_len 0 */
    size_t head_len;
    const uint8_t *payload;
    size_t len;
    /* Both NULL: each fragment starts at its IP header, with room in front for Ethernet. */
    const struct rte_ether_addr *src_mac, *dst_mac;
};

/*
 * Cuts d into fragments of at most `mtu` bytes of IP (and what one mbuf of
 * `pool` holds, an Ethernet header included), built in fresh mbufs into
 * out[]: every fragment but the last carries a multiple of 8 data bytes and
 * More Fragments; IPv4 with identification `id` (its low 16 bits), DF clear,
 * TTL 64, no options; IPv6 with a Fragment header of identification `id`,
 * hop limit 64, traffic class and flow label 0. Returns the number of
 * fragments, -EMSGSIZE (longer than an IPv4 packet or IPv6's fragmentable
 * part may be, more than max_out fragments, or mtu leaves no 8 data bytes)
 * or -ENOBUFS (pool empty: nothing is left allocated).
 */
int dp_src_fragment(const struct dp_src_dgram *d, size_t mtu, uint32_t id, struct rte_mempool *pool,
                    struct rte_mbuf **out, unsigned max_out);

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
 * dp_src_fragment for a UDP datagram: its header made here, the checksum
 * over the whole datagram and the family's pseudo-header (never 0: IPv6
 * forbids it). The same returns.
 */
int dp_udp_fragment(const struct dp_udp_dgram *d, size_t mtu, uint32_t id, struct rte_mempool *pool,
                    struct rte_mbuf **out, unsigned max_out);

#endif
