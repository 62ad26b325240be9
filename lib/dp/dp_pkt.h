/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading and writing the Ethernet, ARP, IPv4 and UDP headers of mbufs. */
#ifndef VEER_DP_PKT_H
#define VEER_DP_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define DP_IKE_PORT 500
#define DP_NATT_PORT 4500
#define DP_IP_DEFAULT_TTL 64

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

/*
 * Builds Ethernet + IPv4 + UDP in front of `payload_len` bytes already at the
 * mbuf's data (the caller prepended room, or wrote the payload after them) and
 * fills both checksums in software: af_packet and other virtual ports offload
 * nothing, and a peer kernel drops a bad UDP checksum (lab notes).
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

#endif
