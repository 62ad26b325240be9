/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_classify.h"

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_pkt.h"

#define NON_ESP_MARKER_LEN 4
#define NATT_KEEPALIVE 0xff

static bool is_local(const struct dp_local_addrs *local, uint32_t ip)
{
    for (unsigned i = 0; i < local->n; i++) {
        if (local->ip[i] == ip)
            return true;
    }
    return false;
}

/* UDP to one of our addresses: IKE on 500, and on 4500 IKE, ESP or a NAT-T keepalive. */
static enum dp_class classify_udp(const uint8_t *l4, size_t l4_len, struct dp_worker_counters *c)
{
    if (l4_len < sizeof(struct rte_udp_hdr)) {
        c->drop_runt++;
        return DP_CLASS_DROP;
    }
    const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)l4;
    size_t udp_len = rte_be_to_cpu_16(udp->dgram_len);
    if (udp_len < sizeof(*udp) || udp_len > l4_len) {
        c->drop_runt++;
        return DP_CLASS_DROP;
    }
    const uint8_t *payload = l4 + sizeof(*udp);
    size_t len = udp_len - sizeof(*udp);
    uint16_t dport = rte_be_to_cpu_16(udp->dst_port);
    if (dport == DP_IKE_PORT)
        return DP_CLASS_CONTROL;
    if (dport != DP_NATT_PORT) {
        c->drop_other_proto++;
        return DP_CLASS_DROP;
    }
    if (len == 1 && payload[0] == NATT_KEEPALIVE) {
        c->drop_natt_keepalive++;
        return DP_CLASS_DROP;
    }
    if (len >= NON_ESP_MARKER_LEN && payload[0] == 0 && payload[1] == 0 && payload[2] == 0 &&
        payload[3] == 0)
        return DP_CLASS_CONTROL;
    if (len < 8) { /* SPI and sequence number at least */
        c->drop_runt++;
        return DP_CLASS_DROP;
    }
    return DP_CLASS_ESP;
}

enum dp_class dp_classify(const struct rte_mbuf *m, const struct dp_local_addrs *local,
                          struct dp_worker_counters *c)
{
    size_t len = rte_pktmbuf_data_len(m);
    if (len < sizeof(struct rte_ether_hdr)) {
        c->drop_runt++;
        return DP_CLASS_DROP;
    }
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    uint16_t type = rte_be_to_cpu_16(eth->ether_type);
    if (type == RTE_ETHER_TYPE_ARP)
        return DP_CLASS_CONTROL;
    if (type != RTE_ETHER_TYPE_IPV4) {
        c->drop_ethertype++;
        return DP_CLASS_DROP;
    }
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
    size_t l3_len = len - sizeof(*eth);
    if (l3_len < sizeof(*ip)) {
        c->drop_runt++;
        return DP_CLASS_DROP;
    }
    size_t ihl = dp_ipv4_hdr_len(ip);
    size_t total = rte_be_to_cpu_16(ip->total_length);
    if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || total < ihl || total > l3_len) {
        c->drop_ip_header++;
        return DP_CLASS_DROP;
    }
    if (!is_local(local, ip->dst_addr))
        return DP_CLASS_PLAIN;
    /* More-fragments flag or a fragment offset: a piece of a larger datagram, to reassemble. */
    if ((rte_be_to_cpu_16(ip->fragment_offset) &
         (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)
        return DP_CLASS_FRAG;
    const uint8_t *l4 = (const uint8_t *)ip + ihl;
    if (ip->next_proto_id == IPPROTO_UDP)
        return classify_udp(l4, total - ihl, c);
    if (ip->next_proto_id == IPPROTO_ESP) {
        if (total - ihl < 8) {
            c->drop_runt++;
            return DP_CLASS_DROP;
        }
        return DP_CLASS_ESP;
    }
    c->drop_other_proto++;
    return DP_CLASS_DROP;
}
