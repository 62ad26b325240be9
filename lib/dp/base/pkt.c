/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_pkt.h"

#include <string.h>

void dp_build_udp4(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                   const struct rte_ether_addr *dst_mac, uint32_t src_ip, uint32_t dst_ip,
                   uint16_t src_port, uint16_t dst_port, size_t payload_len)
{
    dp_build_udp4_cksum(m, src_mac, dst_mac, src_ip, dst_ip, src_port, dst_port, payload_len,
                        false);
}

void dp_build_udp4_cksum(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                         const struct rte_ether_addr *dst_mac, uint32_t src_ip, uint32_t dst_ip,
                         uint16_t src_port, uint16_t dst_port, size_t payload_len,
                         bool device_cksum)
{
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    rte_ether_addr_copy(src_mac, &eth->src_addr);
    rte_ether_addr_copy(dst_mac, &eth->dst_addr);
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    size_t udp_len = sizeof(*udp) + payload_len;
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = 0;
    ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + udp_len));
    ip->packet_id = 0;
    ip->fragment_offset = 0;
    ip->time_to_live = DP_IP_DEFAULT_TTL;
    ip->next_proto_id = IPPROTO_UDP;
    ip->src_addr = src_ip;
    ip->dst_addr = dst_ip;
    ip->hdr_checksum = 0;
    udp->src_port = rte_cpu_to_be_16(src_port);
    udp->dst_port = rte_cpu_to_be_16(dst_port);
    udp->dgram_len = rte_cpu_to_be_16((uint16_t)udp_len);
    m->data_len = (uint16_t)(sizeof(*eth) + sizeof(*ip) + udp_len);
    m->pkt_len = m->data_len;
    m->l2_len = sizeof(*eth);
    m->l3_len = sizeof(*ip);
    if (device_cksum) {
        /* The device sums the header and the payload; it wants the pseudo-header sum seeded. */
        m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;
        udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
    } else {
        ip->hdr_checksum = dp_ipv4_cksum20(ip);
        udp->dgram_cksum = 0;
        udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
    }
}

uint16_t dp_ipv6_l4_sum(const struct rte_ipv6_hdr *ip, uint8_t proto, const void *l4, size_t len)
{
    uint32_t pseudo[2] = {rte_cpu_to_be_32((uint32_t)len), rte_cpu_to_be_32(proto)};
    uint32_t sum = rte_raw_cksum(ip->src_addr, 32);
    sum += rte_raw_cksum(pseudo, sizeof(pseudo));
    sum += rte_raw_cksum(l4, len);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

void dp_build_udp6(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                   const struct rte_ether_addr *dst_mac, const uint8_t src_ip[16],
                   const uint8_t dst_ip[16], uint16_t src_port, uint16_t dst_port,
                   size_t payload_len)
{
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    rte_ether_addr_copy(src_mac, &eth->src_addr);
    rte_ether_addr_copy(dst_mac, &eth->dst_addr);
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
    size_t udp_len = sizeof(*udp) + payload_len;
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16((uint16_t)udp_len);
    ip->proto = IPPROTO_UDP;
    ip->hop_limits = DP_IP6_DEFAULT_HOP_LIMIT;
    memcpy(ip->src_addr, src_ip, 16);
    memcpy(ip->dst_addr, dst_ip, 16);
    udp->src_port = rte_cpu_to_be_16(src_port);
    udp->dst_port = rte_cpu_to_be_16(dst_port);
    udp->dgram_len = rte_cpu_to_be_16((uint16_t)udp_len);
    udp->dgram_cksum = 0;
    uint16_t sum = (uint16_t)~dp_ipv6_l4_sum(ip, IPPROTO_UDP, udp, udp_len);
    /* 0 means "no checksum", which IPv6 forbids: its one's complement twin instead. */
    udp->dgram_cksum = sum == 0 ? 0xffff : sum;
    m->data_len = (uint16_t)(sizeof(*eth) + sizeof(*ip) + udp_len);
    m->pkt_len = m->data_len;
    m->l2_len = sizeof(*eth);
    m->l3_len = sizeof(*ip);
}
