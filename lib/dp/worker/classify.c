/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_classify.h"

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_nd.h"
#include "dp_pkt.h"

#define NON_ESP_MARKER_LEN 4
#define NATT_KEEPALIVE 0xff
#define IP6_EXT_MIN_LEN 8 /* every extension header is at least 8 bytes (RFC 8200 4) */
#define ICMP_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP_ECHO_MIN 8 /* type, code, checksum, identifier, sequence number */

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

/* ff02::1 (all nodes) or the solicited-node group of one of our addresses (RFC 4291 2.7.1). */
static bool is_nd_group(const struct dp_addrs *local, const uint8_t *ip)
{
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
    return memcmp(ip, all_nodes, 16) == 0 || dp_addrs_solicited(local, ip);
}

/* Multicast, link-local or unspecified: never routed off the link (RFC 4291 2.5.6). */
static bool is_link_scoped(const uint8_t *ip)
{
    static const uint8_t unspecified[16];
    return ip[0] == 0xff || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) ||
           memcmp(ip, unspecified, 16) == 0;
}

static bool is_nd_message(const uint8_t *icmp, size_t len)
{
    return len >= DP_ND_MIN_LEN &&
           (icmp[0] == DP_ICMP6_NEIGHBOR_SOLICIT || icmp[0] == DP_ICMP6_NEIGHBOR_ADVERT);
}

/*
 * An extension header first, to us. A Fragment header goes to reassembly,
 * also behind a routing or destination options header, where reassembly
 * refuses it by name (reass6_bad_chain) rather than lumping it in with the
 * rest: IKE and ESP never carry those headers, and walking further is work an
 * attacker chooses.
 */
static enum dp_class classify_ext6(uint8_t proto, const uint8_t *l4, size_t plen,
                                   struct dp_worker_counters *c)
{
    bool behind = (proto == IPPROTO_ROUTING || proto == IPPROTO_DSTOPTS) &&
                  plen >= IP6_EXT_MIN_LEN && l4[0] == IPPROTO_FRAGMENT;
    if (proto != IPPROTO_FRAGMENT && !behind) {
        c->drop_ip6_ext_header++;
        return DP_CLASS_DROP;
    }
    if (plen < IP6_EXT_MIN_LEN) {
        c->drop_runt++;
        return DP_CLASS_DROP;
    }
    return DP_CLASS_FRAG;
}

/*
 * IPv6 right after the Ethernet header. Only what follows the fixed header
 * directly is looked at for packets to us: the IKE and ESP we accept never
 * carry extension headers but a Fragment header (reassembled first).
 * Kept out of line, so the IPv4 path stays as compact as it was.
 */
static __rte_noinline enum dp_class classify_ipv6(const uint8_t *l3, size_t l3_len,
                                                  const struct dp_addrs *local,
                                                  struct dp_worker_counters *c)
{
    const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)l3;
    if (l3_len < sizeof(*ip)) {
        c->drop_runt++;
        return DP_CLASS_DROP;
    }
    size_t plen = rte_be_to_cpu_16(ip->payload_len);
    if ((l3[0] >> 4) != 6 || plen > l3_len - sizeof(*ip)) {
        c->drop_ip6_header++;
        return DP_CLASS_DROP;
    }
    const uint8_t *l4 = l3 + sizeof(*ip);
    if (ip->proto == IPPROTO_HOPOPTS) {
        /* Router alert, jumbograms: nothing veer acts on, and a classic slow path to exploit. */
        c->drop_ip6_hop_by_hop++;
        return DP_CLASS_DROP;
    }
    if (ip->dst_addr[0] == 0xff) {
        if (ip->proto == IPPROTO_ICMPV6 && is_nd_group(local, ip->dst_addr) &&
            is_nd_message(l4, plen))
            return DP_CLASS_CONTROL;
        c->drop_ip6_link_scope++;
        return DP_CLASS_DROP;
    }
    if (dp_addrs_find(local, 6, ip->dst_addr) == NULL) {
        /* Fragments passing through too: a router does not reassemble (RFC 8200 4.5). */
        if (is_link_scoped(ip->dst_addr) || is_link_scoped(ip->src_addr)) {
            c->drop_ip6_link_scope++;
            return DP_CLASS_DROP;
        }
        return DP_CLASS_PLAIN;
    }
    switch (ip->proto) {
    case IPPROTO_UDP:
        return classify_udp(l4, plen, c);
    case IPPROTO_ESP:
        if (plen < 8) {
            c->drop_runt++;
            return DP_CLASS_DROP;
        }
        return DP_CLASS_ESP;
    case IPPROTO_ICMPV6:
        if (is_nd_message(l4, plen))
            return DP_CLASS_CONTROL;
        if (plen >= ICMP_ECHO_MIN && l4[0] == ICMP6_ECHO_REQUEST && l4[1] == 0)
            return DP_CLASS_ECHO;
        c->drop_other_proto++;
        return DP_CLASS_DROP;
    default:
        if (dp_ip6_is_ext_header(ip->proto))
            return classify_ext6(ip->proto, l4, plen, c);
        c->drop_other_proto++;
        return DP_CLASS_DROP;
    }
}

enum dp_class dp_classify(const struct rte_mbuf *m, const struct dp_addrs *local,
                          struct dp_worker_counters *c)
{
    size_t len = rte_pktmbuf_data_len(m);
    if (len < sizeof(struct rte_ether_hdr)) {
        c->drop_runt++;
        return DP_CLASS_DROP;
    }
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    uint16_t type = rte_be_to_cpu_16(eth->ether_type);
    size_t l3_len = len - sizeof(*eth);
    if (type != RTE_ETHER_TYPE_IPV4) {
        if (type == RTE_ETHER_TYPE_ARP)
            return DP_CLASS_CONTROL;
        if (type == RTE_ETHER_TYPE_IPV6)
            return classify_ipv6((const uint8_t *)(eth + 1), l3_len, local, c);
        c->drop_ethertype++;
        return DP_CLASS_DROP;
    }
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
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
    if (dp_addrs_find(local, 4, &ip->dst_addr) == NULL)
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
    if (ip->next_proto_id == IPPROTO_ICMP && total - ihl >= ICMP_ECHO_MIN &&
        l4[0] == ICMP_ECHO_REQUEST && l4[1] == 0)
        return DP_CLASS_ECHO;
    c->drop_other_proto++;
    return DP_CLASS_DROP;
}
