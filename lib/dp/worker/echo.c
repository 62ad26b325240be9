/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_echo.h"

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "dp_pkt.h"

#define ICMP_ECHO_REPLY 0
#define ICMP6_ECHO_REPLY 129

/* The reply's IP part, IPv4: the request's header (options too) turned around. */
static void reply4(struct rte_ipv4_hdr *ip)
{
    uint32_t src = ip->src_addr;
    ip->src_addr = ip->dst_addr;
    ip->dst_addr = src;
    ip->time_to_live = DP_IP_DEFAULT_TTL;
    ip->fragment_offset = 0; /* a reassembled request's reply leaves whole, DF clear */
    size_t ihl = dp_ipv4_hdr_len(ip);
    uint8_t *icmp = (uint8_t *)ip + ihl;
    size_t len = rte_be_to_cpu_16(ip->total_length) - ihl;
    icmp[0] = ICMP_ECHO_REPLY;
    icmp[2] = icmp[3] = 0;
    uint16_t sum = (uint16_t)~rte_raw_cksum(icmp, len);
    memcpy(icmp + 2, &sum, 2);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* IPv6: no extension headers (the classifier saw ICMPv6 right after the fixed header). */
static void reply6(struct rte_ipv6_hdr *ip)
{
    uint8_t src[16];
    memcpy(src, ip->src_addr, 16);
    memcpy(ip->src_addr, ip->dst_addr, 16);
    memcpy(ip->dst_addr, src, 16);
    ip->hop_limits = DP_IP_DEFAULT_TTL;
    uint8_t *icmp = (uint8_t *)(ip + 1);
    size_t len = rte_be_to_cpu_16(ip->payload_len);
    icmp[0] = ICMP6_ECHO_REPLY;
    icmp[2] = icmp[3] = 0;
    uint16_t sum = (uint16_t)~dp_ipv6_l4_sum(ip, IPPROTO_ICMPV6, icmp, len);
    memcpy(icmp + 2, &sum, 2);
}

bool dp_echo_answer(struct dp_icmp_limiter *l, struct rte_mbuf *m, unsigned mtu,
                    uint64_t now_cycles, struct dp_worker_counters *c)
{
    if (m->nb_segs != 1 || rte_pktmbuf_data_len(m) > sizeof(struct rte_ether_hdr) + mtu) {
        c->icmp_echo_unanswered++;
        return false;
    }
    if (!dp_icmp_limiter_take(l, now_cycles)) {
        c->icmp_echo_rate_limited++;
        return false;
    }
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    struct rte_ether_addr mac = eth->src_addr;
    eth->src_addr = eth->dst_addr;
    eth->dst_addr = mac;
    if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
        reply4((struct rte_ipv4_hdr *)(eth + 1));
    else
        reply6((struct rte_ipv6_hdr *)(eth + 1));
    m->ol_flags = 0;
    c->icmp_echo_replied++;
    return true;
}
