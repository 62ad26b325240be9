/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_arp.h"

#include <string.h>

#include <rte_arp.h>

void dp_arp_build(struct rte_mbuf *m, const struct rte_ether_addr *src_mac, uint16_t op,
                  const struct rte_ether_addr *dst_mac, uint32_t sender_ip, uint32_t target_ip)
{
    static const struct rte_ether_addr broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
    eth->src_addr = *src_mac;
    eth->dst_addr = dst_mac != NULL ? *dst_mac : broadcast;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
    arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    arp->arp_hlen = RTE_ETHER_ADDR_LEN;
    arp->arp_plen = 4;
    arp->arp_opcode = rte_cpu_to_be_16(op);
    arp->arp_data.arp_sha = *src_mac;
    arp->arp_data.arp_sip = sender_ip;
    memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
    if (dst_mac != NULL && op == RTE_ARP_OP_REPLY)
        arp->arp_data.arp_tha = *dst_mac;
    arp->arp_data.arp_tip = target_ip;
    m->data_len = m->pkt_len = sizeof(*eth) + sizeof(*arp);
}
