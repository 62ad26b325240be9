/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_ike_udp.h"

#include <string.h>

#include <rte_ether.h>

#include "dp_pkt.h"

/* IPv4: the classifier checked the lengths and that this is UDP to 500 or 4500. */
static void udp_of_ipv4(const struct rte_ipv4_hdr *ip, struct dp_ike_udp *u)
{
    u->ip6 = NULL;
    u->udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + dp_ipv4_hdr_len(ip));
    u->len = rte_be_to_cpu_16(u->udp->dgram_len) - sizeof(*u->udp);
    u->client = (struct ike_addr){.family = 4, .port = rte_be_to_cpu_16(u->udp->src_port)};
    memcpy(u->client.ip, &ip->src_addr, 4);
    u->here = (struct ike_addr){.family = 4};
    memcpy(u->here.ip, &ip->dst_addr, 4);
}

/*
 * IPv6: UDP right after the fixed header, to 500 or 4500, lengths that agree
 * with the frame. Anything else is not judged here (neighbour discovery,
 * other ICMPv6, extension headers): false, and it goes on to the control lcore.
 */
static bool udp_of_ipv6(const struct rte_mbuf *m, struct dp_ike_udp *u)
{
    size_t l3 = sizeof(struct rte_ether_hdr), have = rte_pktmbuf_data_len(m);
    if (have < l3 + sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_udp_hdr))
        return false;
    const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3);
    u->ip6 = ip;
    u->udp = (const struct rte_udp_hdr *)(ip + 1);
    size_t payload = rte_be_to_cpu_16(ip->payload_len), dgram = rte_be_to_cpu_16(u->udp->dgram_len);
    uint16_t dport = rte_be_to_cpu_16(u->udp->dst_port);
    if (ip->proto != IPPROTO_UDP || (dport != DP_IKE_PORT && dport != DP_NATT_PORT) ||
        dgram < sizeof(*u->udp) || dgram > payload || l3 + sizeof(*ip) + payload > have)
        return false;
    u->len = dgram - sizeof(*u->udp);
    u->client = (struct ike_addr){.family = 6, .port = rte_be_to_cpu_16(u->udp->src_port)};
    memcpy(u->client.ip, ip->src_addr, 16);
    u->here = (struct ike_addr){.family = 6};
    memcpy(u->here.ip, ip->dst_addr, 16);
    return true;
}

bool dp_ike_udp_of(struct rte_mbuf *m, struct dp_ike_udp *u)
{
    const struct rte_ipv4_hdr *ip = dp_ipv4(m); /* NULL: too short for any IP header */
    if (ip == NULL)
        return false;
    uint16_t type = rte_be_to_cpu_16(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type);
    if (type == RTE_ETHER_TYPE_IPV4) {
        udp_of_ipv4(ip, u);
        return true;
    }
    return type == RTE_ETHER_TYPE_IPV6 && udp_of_ipv6(m, u); /* not ARP, neighbour discovery */
}

void dp_ike_udp_reply(struct rte_mbuf *m, const struct dp_ike_udp *u, const uint8_t *reply,
                      size_t len)
{
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    struct rte_ether_addr src = eth->dst_addr, dst = eth->src_addr;
    uint16_t sport = rte_be_to_cpu_16(u->udp->dst_port), dport = rte_be_to_cpu_16(u->udp->src_port);
    size_t ip_len =
        u->client.family == 6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
    /* The reply is never longer than the request, so it fits where the request was. */
    uint8_t *payload =
        rte_pktmbuf_mtod_offset(m, uint8_t *, sizeof(*eth) + ip_len + sizeof(struct rte_udp_hdr));
    memmove(payload, reply, len);
    if (u->client.family == 4) {
        uint32_t sip, dip;
        memcpy(&sip, u->here.ip, 4);
        memcpy(&dip, u->client.ip, 4);
        dp_build_udp4(m, &src, &dst, sip, dip, sport, dport, len);
        return;
    }
    /* IPv6: the request's header is rewritten whole (no extension headers: udp_of_ipv6). */
    eth->src_addr = src;
    eth->dst_addr = dst;
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    size_t udp_len = sizeof(*udp) + len;
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16((uint16_t)udp_len);
    ip->proto = IPPROTO_UDP;
    ip->hop_limits = DP_IP_DEFAULT_TTL;
    memcpy(ip->src_addr, u->here.ip, 16);
    memcpy(ip->dst_addr, u->client.ip, 16);
    udp->src_port = rte_cpu_to_be_16(sport);
    udp->dst_port = rte_cpu_to_be_16(dport);
    udp->dgram_len = rte_cpu_to_be_16((uint16_t)udp_len);
    /* Mandatory over IPv6 (RFC 8200 8.1), and done in software as for IPv4 (dp_pkt.h). */
    udp->dgram_cksum = 0;
    udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
    m->data_len = (uint16_t)(sizeof(*eth) + sizeof(*ip) + udp_len);
    m->pkt_len = m->data_len;
    m->l2_len = sizeof(*eth);
    m->l3_len = sizeof(*ip);
}
