/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_nd.h"

#include <string.h>

#include <rte_ip.h>

#include "dp_pkt.h"

#define OPT_SOURCE_LLADDR 1
#define OPT_TARGET_LLADDR 2
#define OPT_UNIT 8 /* option lengths count 8-byte units */
#define ND_TARGET_OFF 8
#define ND_WITH_LLADDR (DP_ND_MIN_LEN + OPT_UNIT)

static const uint8_t unspecified[16];
static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};

void dp_nd_solicited_node(const uint8_t ip[16], uint8_t group[16])
{
    static const uint8_t prefix[13] = {0xff, 0x02, [11] = 1, [12] = 0xff};
    memcpy(group, prefix, sizeof(prefix));
    memcpy(group + 13, ip + 13, 3);
}

void dp_nd_multicast_mac(const uint8_t group[16], struct rte_ether_addr *mac)
{
    *mac = (struct rte_ether_addr){{0x33, 0x33, group[12], group[13], group[14], group[15]}};
}

static bool is_solicited_node(const uint8_t ip[16])
{
    uint8_t group[16];
    dp_nd_solicited_node(ip, group);
    return memcmp(ip, group, 13) == 0;
}

/* Walks the options after the fixed part; the link-layer option of `want` is kept. */
static enum dp_nd_verdict parse_options(const uint8_t *opt, size_t len, uint8_t want,
                                        struct dp_nd_msg *out)
{
    while (len > 0) {
        if (len < 2 || opt[1] == 0 || (size_t)opt[1] * OPT_UNIT > len)
            return DP_ND_MALFORMED; /* a zero length would never end (RFC 4861 4.6) */
        size_t olen = (size_t)opt[1] * OPT_UNIT;
        /* Ethernet addresses: one unit, type, length and 6 bytes (RFC 4861 4.6.1). */
        if (opt[0] == want && olen == OPT_UNIT) {
            out->has_lladdr = true;
            memcpy(out->lladdr.addr_bytes, opt + 2, RTE_ETHER_ADDR_LEN);
        }
        opt += olen;
        len -= olen;
    }
    return DP_ND_OK;
}

enum dp_nd_verdict dp_nd_parse(const uint8_t *l3, size_t l3_len, struct dp_nd_msg *out)
{
    memset(out, 0, sizeof(*out));
    const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)l3;
    if (l3_len < sizeof(*ip) || ip->proto != IPPROTO_ICMPV6)
        return DP_ND_MALFORMED;
    size_t len = rte_be_to_cpu_16(ip->payload_len);
    if (len > l3_len - sizeof(*ip) || len < DP_ND_MIN_LEN)
        return DP_ND_MALFORMED;
    if (ip->hop_limits != DP_ND_HOP_LIMIT)
        return DP_ND_BAD_HOP_LIMIT;
    const uint8_t *icmp = l3 + sizeof(*ip);
    if (dp_ipv6_l4_sum(ip, IPPROTO_ICMPV6, icmp, len) != 0xffff)
        return DP_ND_BAD_CHECKSUM;
    out->type = icmp[0];
    if ((out->type != DP_ICMP6_NEIGHBOR_SOLICIT && out->type != DP_ICMP6_NEIGHBOR_ADVERT) ||
        icmp[1] != 0)
        return DP_ND_MALFORMED;
    memcpy(out->src, ip->src_addr, 16);
    memcpy(out->dst, ip->dst_addr, 16);
    memcpy(out->target, icmp + ND_TARGET_OFF, 16);
    if (out->target[0] == 0xff)
        return DP_ND_MALFORMED;
    bool solicit = out->type == DP_ICMP6_NEIGHBOR_SOLICIT;
    if (!solicit)
        out->flags = icmp[4];
    enum dp_nd_verdict v = parse_options(icmp + DP_ND_MIN_LEN, len - DP_ND_MIN_LEN,
                                         solicit ? OPT_SOURCE_LLADDR : OPT_TARGET_LLADDR, out);
    if (v != DP_ND_OK)
        return v;
    bool from_unspecified = memcmp(out->src, unspecified, 16) == 0;
    if (solicit && from_unspecified && (!is_solicited_node(out->dst) || out->has_lladdr))
        return DP_ND_MALFORMED;
    if (!solicit && out->dst[0] == 0xff && (out->flags & DP_ND_FLAG_SOLICITED))
        return DP_ND_MALFORMED;
    return DP_ND_OK;
}

/* Ethernet, IPv6 and the 24 fixed ICMPv6 bytes and one link-layer option; the checksum last. */
static bool build(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                  const struct rte_ether_addr *dst_mac, const uint8_t src_ip[16],
                  const uint8_t dst_ip[16], uint8_t type, uint8_t flags, const uint8_t target[16],
                  uint8_t opt_type)
{
    size_t total = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) + ND_WITH_LLADDR;
    uint8_t *frame = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)total);
    if (frame == NULL)
        return false;
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
    eth->src_addr = *src_mac;
    eth->dst_addr = *dst_mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16(ND_WITH_LLADDR);
    ip->proto = IPPROTO_ICMPV6;
    ip->hop_limits = DP_ND_HOP_LIMIT;
    memcpy(ip->src_addr, src_ip, 16);
    memcpy(ip->dst_addr, dst_ip, 16);
    uint8_t *icmp = (uint8_t *)(ip + 1);
    memset(icmp, 0, ND_WITH_LLADDR);
    icmp[0] = type;
    icmp[4] = flags;
    memcpy(icmp + ND_TARGET_OFF, target, 16);
    icmp[DP_ND_MIN_LEN] = opt_type;
    icmp[DP_ND_MIN_LEN + 1] = 1;
    memcpy(icmp + DP_ND_MIN_LEN + 2, src_mac->addr_bytes, RTE_ETHER_ADDR_LEN);
    uint16_t sum = (uint16_t)~dp_ipv6_l4_sum(ip, IPPROTO_ICMPV6, icmp, ND_WITH_LLADDR);
    memcpy(icmp + 2, &sum, 2); /* a one's complement sum is byte-order neutral */
    return true;
}

bool dp_nd_build_solicit(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                         const uint8_t src_ip[16], const uint8_t target[16])
{
    uint8_t group[16];
    struct rte_ether_addr group_mac;
    dp_nd_solicited_node(target, group);
    dp_nd_multicast_mac(group, &group_mac);
    return build(m, src_mac, &group_mac, src_ip, group, DP_ICMP6_NEIGHBOR_SOLICIT, 0, target,
                 OPT_SOURCE_LLADDR);
}

bool dp_nd_build_probe(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                       const uint8_t src_ip[16], const uint8_t target[16],
                       const struct rte_ether_addr *dst_mac)
{
    return build(m, src_mac, dst_mac, src_ip, target, DP_ICMP6_NEIGHBOR_SOLICIT, 0, target,
                 OPT_SOURCE_LLADDR);
}

bool dp_nd_build_advert(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                        const uint8_t target[16], const uint8_t *dst_ip,
                        const struct rte_ether_addr *dst_mac)
{
    if (dst_ip == NULL) {
        struct rte_ether_addr all_mac;
        dp_nd_multicast_mac(all_nodes, &all_mac);
        return build(m, src_mac, &all_mac, target, all_nodes, DP_ICMP6_NEIGHBOR_ADVERT,
                     DP_ND_FLAG_OVERRIDE, target, OPT_TARGET_LLADDR);
    }
    return build(m, src_mac, dst_mac, target, dst_ip, DP_ICMP6_NEIGHBOR_ADVERT,
                 DP_ND_FLAG_SOLICITED | DP_ND_FLAG_OVERRIDE, target, OPT_TARGET_LLADDR);
}
