/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_icmp6.h"

#include <string.h>

#include <rte_byteorder.h>

#include "dp_pkt.h"

#define ICMP6_HDR 8
#define MAX_EXT_HEADERS 8 /* beyond this many, assume the worst: no error */
#define FRAG_OFFSET_MASK 0xfff8

static const uint8_t unspecified[16];
static const uint8_t loopback[16] = {[15] = 1};

/*
 * Walks hop-by-hop, routing, destination options and fragment headers to
 * the upper layer. false: it cannot be told (truncated, too many, or a
 * non-first fragment); else *proto and *off of the upper-layer header.
 */
static bool upper_layer(const uint8_t *l3, size_t avail, uint8_t *proto, size_t *off)
{
    uint8_t nh = ((const struct rte_ipv6_hdr *)l3)->proto;
    size_t at = sizeof(struct rte_ipv6_hdr);
    for (unsigned i = 0; i < MAX_EXT_HEADERS; i++) {
        if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS &&
            nh != IPPROTO_FRAGMENT) {
            *proto = nh;
            *off = at;
            return true;
        }
        if (avail < at + 8)
            return false;
        const uint8_t *h = l3 + at;
        if (nh == IPPROTO_FRAGMENT) {
            if ((((uint16_t)h[2] << 8 | h[3]) & FRAG_OFFSET_MASK) != 0)
                return false;
            at += 8;
        } else {
            at += ((size_t)h[1] + 1) * 8;
        }
        nh = h[0];
    }
    return false;
}

bool dp_icmp6_may_answer(const struct rte_ipv6_hdr *ip, size_t avail, uint8_t type)
{
    if (avail < sizeof(*ip))
        return false;
    if (memcmp(ip->src_addr, unspecified, 16) == 0 || memcmp(ip->src_addr, loopback, 16) == 0 ||
        ip->src_addr[0] == 0xff)
        return false;
    if (ip->dst_addr[0] == 0xff && type != DP_ICMP6_PACKET_TOO_BIG)
        return false;
    uint8_t proto;
    size_t off;
    if (!upper_layer((const uint8_t *)ip, avail, &proto, &off))
        return false;
    if (proto != IPPROTO_ICMPV6)
        return true;
    /* Too short to show its type: not worth the risk of a loop. */
    return avail > off && ((const uint8_t *)ip)[off] >= DP_ICMP6_ERROR_MAX;
}

struct rte_mbuf *dp_icmp6_build_error(struct rte_mempool *pool, const struct rte_ipv6_hdr *ip,
                                      size_t avail, uint8_t type, uint8_t code, uint32_t param,
                                      const uint8_t src[16])
{
    size_t quote = RTE_MIN(avail, sizeof(*ip) + (size_t)rte_be_to_cpu_16(ip->payload_len));
    quote = RTE_MIN(quote, (size_t)DP_ICMP6_MAX_LEN - sizeof(*ip) - ICMP6_HDR);
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    if (m == NULL)
        return NULL;
    size_t len = sizeof(struct rte_ipv6_hdr) + ICMP6_HDR + quote;
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
    if (p == NULL) {
        rte_pktmbuf_free(m);
        return NULL;
    }
    struct rte_ipv6_hdr *out = (struct rte_ipv6_hdr *)p;
    out->vtc_flow = rte_cpu_to_be_32(6u << 28);
    out->payload_len = rte_cpu_to_be_16((uint16_t)(ICMP6_HDR + quote));
    out->proto = IPPROTO_ICMPV6;
    out->hop_limits = DP_IP6_DEFAULT_HOP_LIMIT;
    memcpy(out->src_addr, src, 16);
    memcpy(out->dst_addr, ip->src_addr, 16);
    uint8_t *icmp = p + sizeof(*out);
    icmp[0] = type;
    icmp[1] = code;
    icmp[2] = icmp[3] = 0;
    uint32_t be_param = rte_cpu_to_be_32(param);
    memcpy(icmp + 4, &be_param, 4);
    memcpy(icmp + ICMP6_HDR, ip, quote);
    uint16_t sum = (uint16_t)~dp_ipv6_l4_sum(out, IPPROTO_ICMPV6, icmp, ICMP6_HDR + quote);
    memcpy(icmp + 2, &sum, 2);
    return m;
}
