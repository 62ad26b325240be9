/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading and writing the Ethernet, ARP, IPv4, IPv6 and UDP headers of mbufs. */
#ifndef VEER_DP_PKT_H
#define VEER_DP_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

/* Packets a worker takes from a queue at once, and the most any burst helper handles. */
#define DP_BURST 32

#define DP_IKE_PORT 500
#define DP_NATT_PORT 4500
#define DP_IP_DEFAULT_TTL 64
#define DP_IP6_DEFAULT_HOP_LIMIT 64
#define DP_IP6_HDR_LEN 40
#define DP_IP6_MIN_MTU 1280 /* every IPv6 link carries packets this long (RFC 8200 5) */
/* IPv6 extension headers (RFC 8200 4, IANA) beside those netinet/in.h names. */
#define DP_IP6_MOBILITY 135
#define DP_IP6_HIP 139
#define DP_IP6_SHIM6 140
#define DP_IP6_EXPERIMENT1 253
#define DP_IP6_EXPERIMENT2 254

/* The IPv4 header of an Ethernet frame (no VLAN), or NULL when the frame is too short. */
static inline struct rte_ipv4_hdr *dp_ipv4(struct rte_mbuf *m)
{
    if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))
        return NULL;
    return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static inline size_t dp_ipv4_hdr_len(const struct rte_ipv4_hdr *ip)
{
    return (size_t)(ip->version_ihl & 0x0f) * 4;
}

/* An IPv6 next header that is an extension header (RFC 8200 4), not an upper layer or ESP. */
static inline bool dp_ip6_is_ext_header(uint8_t next)
{
    switch (next) {
    case IPPROTO_HOPOPTS:
    case IPPROTO_ROUTING:
    case IPPROTO_FRAGMENT:
    case IPPROTO_DSTOPTS:
    case IPPROTO_AH:
    case DP_IP6_MOBILITY:
    case DP_IP6_HIP:
    case DP_IP6_SHIM6:
    case DP_IP6_EXPERIMENT1:
    case DP_IP6_EXPERIMENT2:
        return true;
    default:
        return false;
    }
}

/*
 * The header checksum of an IPv4 header without options, its own field
 * counted as 0: ten 16-bit words summed and folded, in the order they lie in
 * memory, as rte_ipv4_cksum returns it. The dataplane writes one per ESP
 * packet; rte_ipv4_cksum's loop over any length cost 64-byte encryption
 * about 4 % of a core.
 */
static inline uint16_t dp_ipv4_cksum20(const struct rte_ipv4_hdr *ip)
{
    uint16_t w[10];
    memcpy(w, ip, sizeof(w));
    uint32_t sum = (uint32_t)w[0] + w[1] + w[2] + w[3] + w[4] + w[6] + w[7] + w[8] + w[9];
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/*
 * TTL less one with the checksum updated for the one changed word (RFC 1624
 * eqn. 3), not recomputed: a header that arrived damaged stays detectably
 * damaged for the host it is going to, and no loop over the header is run.
 */
static inline void dp_ipv4_decrement_ttl(struct rte_ipv4_hdr *ip)
{
    uint16_t before, after;
    memcpy(&before, &ip->time_to_live, sizeof(before)); /* TTL and protocol: one word */
    /* Written as a word, never read back after a byte store (a store-forwarding stall). */
    after = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(before) - 0x100));
    memcpy(&ip->time_to_live, &after, sizeof(after));
    uint32_t sum = (uint32_t)(uint16_t)~ip->hdr_checksum + (uint16_t)~before + after;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    ip->hdr_checksum = (uint16_t)~sum;
}

/*
 * Builds Ethernet + IPv4 + UDP in front of `payload_len` bytes already at the
 * mbuf's data (the caller prepended room, or wrote the payload after them) and
 * fills both checksums in software: af_packet and other virtual ports offload
 * nothing, and a peer kernel drops a bad UDP checksum (docs/lab.md).
 */
void dp_build_udp4(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                   const struct rte_ether_addr *dst_mac, uint32_t src_ip, uint32_t dst_ip,
                   uint16_t src_port, uint16_t dst_port, size_t payload_len);

/*
 * The same, and with device_cksum (only for a port that granted both IPv4
 * and UDP TX checksum offloads: dp_port.tx_cksum_udp4) the checksums are
 * left to the device: mbuf flags set, the UDP field seeded with the
 * pseudo-header sum as DPDK requires.
 */
void dp_build_udp4_cksum(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                         const struct rte_ether_addr *dst_mac, uint32_t src_ip, uint32_t dst_ip,
                         uint16_t src_port, uint16_t dst_port, size_t payload_len,
                         bool device_cksum);

/*
 * The one's complement sum (folded, not inverted) of the IPv6 pseudo-header
 * (RFC 8200 8.1: addresses, upper-layer length, next header) and `len`
 * bytes at l4: the checksum field is ~sum, and a packet with a correct one
 * sums to 0xffff.
 */
uint16_t dp_ipv6_l4_sum(const struct rte_ipv6_hdr *ip, uint8_t proto, const void *l4, size_t len);

/*
 * Builds Ethernet + IPv6 + UDP in front of `payload_len` bytes at the
 * mbuf's data offset of the three headers, with the UDP checksum that IPv6
 * requires (RFC 8200 8.1) computed in software. Hop limit 64, no flow label.
 */
void dp_build_udp6(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                   const struct rte_ether_addr *dst_mac, const uint8_t src_ip[16],
                   const uint8_t dst_ip[16], uint16_t src_port, uint16_t dst_port,
                   size_t payload_len);

#endif
