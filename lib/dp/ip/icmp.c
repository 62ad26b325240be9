/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_icmp.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>

#define ICMP_HDR 8
/* RFC 1812 4.3.2.5: ICMP errors go with precedence 6, internetwork control. */
#define TOS_INTERNETWORK_CONTROL 0xc0

static bool is_icmp_error_type(uint8_t type)
{
    /* Destination Unreachable, Source Quench, Redirect, Time Exceeded, Parameter Problem. */
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* Multicast (224/4), limited broadcast and class E: no single host. */
static bool is_group_or_reserved(uint32_t host)
{
    return (host >> 28) >= 0xe;
}

bool dp_icmp_may_answer(const struct rte_ipv4_hdr *ip, size_t avail, const struct dp_routes *r)
{
    size_t ihl = (size_t)(ip->version_ihl & 0x0f) * 4;
    if (avail < sizeof(*ip) || ihl < sizeof(*ip) || avail < ihl)
        return false;
    if ((rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0)
        return false;
    uint32_t src = rte_be_to_cpu_32(ip->src_addr), dst = rte_be_to_cpu_32(ip->dst_addr);
    if (src == 0 || (src >> 24) == 127 || is_group_or_reserved(src) || is_group_or_reserved(dst))
        return false;
    for (unsigned i = 0; r != NULL && i < r->nports; i++) {
        if (dp_addrs_is_broadcast(&r->addrs, i, ip->dst_addr) ||
            dp_addrs_is_broadcast(&r->addrs, i, ip->src_addr))
            return false;
    }
    if (ip->next_proto_id == IPPROTO_ICMP) {
        /* A first fragment too short to show its type is not worth the risk of a loop. */
        if (avail < ihl + 1)
            return false;
        return !is_icmp_error_type(((const uint8_t *)ip)[ihl]);
    }
    return true;
}

struct rte_mbuf *dp_icmp_build_error(struct rte_mempool *pool, const struct rte_ipv4_hdr *ip,
                                     size_t avail, uint8_t type, uint8_t code,
                                     uint16_t next_hop_mtu, uint32_t src)
{
    size_t ihl = (size_t)(ip->version_ihl & 0x0f) * 4;
    size_t quote = RTE_MIN(ihl + DP_ICMP_QUOTE_DATA, avail);
    quote = RTE_MIN(quote, (size_t)rte_be_to_cpu_16(ip->total_length));
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    if (m == NULL)
        return NULL;
    size_t len = sizeof(struct rte_ipv4_hdr) + ICMP_HDR + quote;
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
    if (p == NULL) {
        rte_pktmbuf_free(m);
        return NULL;
    }
    struct rte_ipv4_hdr *out = (struct rte_ipv4_hdr *)p;
    *out = (struct rte_ipv4_hdr){
        .version_ihl = RTE_IPV4_VHL_DEF,
        .type_of_service = TOS_INTERNETWORK_CONTROL,
        .total_length = rte_cpu_to_be_16((uint16_t)len),
        .time_to_live = 64,
        .next_proto_id = IPPROTO_ICMP,
        .src_addr = src,
        .dst_addr = ip->src_addr,
    };
    out->hdr_checksum = rte_ipv4_cksum(out);
    uint8_t *icmp = p + sizeof(*out);
    memset(icmp, 0, ICMP_HDR);
    icmp[0] = type;
    icmp[1] = code;
    if (type == DP_ICMP_DEST_UNREACH && code == DP_ICMP_FRAG_NEEDED) {
        icmp[6] = (uint8_t)(next_hop_mtu >> 8); /* RFC 1191 4: the low half of "unused" */
        icmp[7] = (uint8_t)next_hop_mtu;
    }
    memcpy(icmp + ICMP_HDR, ip, quote);
    uint16_t sum = (uint16_t)~rte_raw_cksum(icmp, ICMP_HDR + quote);
    memcpy(icmp + 2, &sum, 2); /* a one's complement sum is byte-order neutral */
    return m;
}
