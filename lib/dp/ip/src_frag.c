/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_src_frag.h"

#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_pkt.h"

#define FRAG_UNIT 8
#define MAX_DATAGRAM 65535 /* IPv4 total length; IPv6: the fragmentable part (RFC 8200 4.5) */
#define IP4_HDR sizeof(struct rte_ipv4_hdr)
#define IP6_FRAG_HDRS (sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_ipv6_fragment_ext))

/* Writes the IP header of the fragment at data offset `off` with n data bytes; its length. */
static size_t ip_header(const struct dp_src_dgram *d, uint8_t *p, size_t off, size_t n, bool more,
                        uint32_t id)
{
    if (d->family == 4) {
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
        *ip = (struct rte_ipv4_hdr){
            .version_ihl = RTE_IPV4_VHL_DEF,
            .total_length = rte_cpu_to_be_16((uint16_t)(IP4_HDR + n)),
            .packet_id = rte_cpu_to_be_16((uint16_t)id),
            .fragment_offset =
                rte_cpu_to_be_16((uint16_t)(off / FRAG_UNIT | (more ? RTE_IPV4_HDR_MF_FLAG : 0))),
            .time_to_live = DP_IP_DEFAULT_TTL,
            .next_proto_id = d->proto};
        memcpy(&ip->src_addr, d->src, 4);
        memcpy(&ip->dst_addr, d->dst, 4);
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        return IP4_HDR;
    }
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
    struct rte_ipv6_fragment_ext *fh = (struct rte_ipv6_fragment_ext *)(ip + 1);
    *ip = (struct rte_ipv6_hdr){
        .vtc_flow = rte_cpu_to_be_32(6u << 28),
        .payload_len = rte_cpu_to_be_16((uint16_t)(sizeof(*fh) + n)),
        .proto = IPPROTO_FRAGMENT,
        .hop_limits = DP_IP6_DEFAULT_HOP_LIMIT,
    };
    memcpy(ip->src_addr, d->src, 16);
    memcpy(ip->dst_addr, d->dst, 16);
    *fh = (struct rte_ipv6_fragment_ext){
        .next_header = d->proto,
        .frag_data = rte_cpu_to_be_16(RTE_IPV6_SET_FRAG_DATA((uint16_t)off, more ? 1 : 0)),
        .id = rte_cpu_to_be_32(id)};
    return IP6_FRAG_HDRS;
}

/* Copies bytes [off, off + k) of the datagram (head, then payload) to out. */
static void copy_part(const struct dp_src_dgram *d, size_t off, size_t k, uint8_t *out)
{
    size_t h = 0;
    if (off < d->head_len) {
        h = RTE_MIN(d->head_len - off, k);
        memcpy(out, d->head + off, h);
    }
    memcpy(out + h, d->payload + (off + h - d->head_len), k - h);
}

int dp_src_fragment(const struct dp_src_dgram *d, size_t mtu, uint32_t id, struct rte_mempool *pool,
                    struct rte_mbuf **out, unsigned max_out)
{
    const size_t eth = sizeof(struct rte_ether_hdr);
    size_t hl = d->family == 6 ? IP6_FRAG_HDRS : IP4_HDR;
    /* Room for Ethernet either way: a fragment without one gets it in front later. */
    size_t room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM - eth;
    size_t total = d->head_len + d->len;
    size_t fit = RTE_MIN(mtu, room);
    size_t chunk = fit > hl ? (fit - hl) / FRAG_UNIT * FRAG_UNIT : 0;
    if (total > MAX_DATAGRAM - (d->family == 6 ? 0 : IP4_HDR) || chunk == 0)
        return -EMSGSIZE;
    unsigned n = (unsigned)((total + chunk - 1) / chunk);
    if (n > max_out)
        return -EMSGSIZE;
    if (rte_pktmbuf_alloc_bulk(pool, out, n) != 0)
        return -ENOBUFS;
    size_t l2 = d->src_mac != NULL ? eth : 0;
    for (unsigned i = 0; i < n; i++) {
        size_t off = (size_t)i * chunk, k = RTE_MIN(chunk, total - off);
        struct rte_mbuf *m = out[i];
        uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, l2);
        if (l2 != 0) {
            struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
            rte_ether_addr_copy(d->src_mac, &e->src_addr);
            rte_ether_addr_copy(d->dst_mac, &e->dst_addr);
            e->ether_type =
                rte_cpu_to_be_16(d->family == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
        }
        copy_part(d, off, k, ip + ip_header(d, ip, off, k, i + 1 < n, id));
        m->data_len = (uint16_t)(l2 + hl + k);
        m->pkt_len = m->data_len;
    }
    return (int)n;
}

/* The UDP header of the whole datagram, its checksum over the family's pseudo-header. */
static struct rte_udp_hdr udp_header(const struct dp_udp_dgram *d, size_t udp_len)
{
    struct rte_udp_hdr udp = {.src_port = rte_cpu_to_be_16(d->src_port),
                              .dst_port = rte_cpu_to_be_16(d->dst_port),
                              .dgram_len = rte_cpu_to_be_16((uint16_t)udp_len)};
    size_t alen = d->family == 6 ? 16 : 4;
    uint32_t pseudo_tail[2] = {rte_cpu_to_be_32((uint32_t)udp_len), rte_cpu_to_be_32(IPPROTO_UDP)};
    uint32_t sum = __rte_raw_cksum(d->src, alen, 0);
    sum = __rte_raw_cksum(d->dst, alen, sum);
    sum = __rte_raw_cksum(pseudo_tail, sizeof(pseudo_tail), sum);
    sum = __rte_raw_cksum(&udp, sizeof(udp), sum);
    sum = __rte_raw_cksum(d->payload, d->len, sum);
    uint16_t ck = (uint16_t)~__rte_raw_cksum_reduce(sum);
    /* 0 means "no checksum" (RFC 768), which IPv6 forbids: its one's complement twin. */
    udp.dgram_cksum = ck == 0 ? 0xffff : ck;
    return udp;
}

int dp_udp_fragment(const struct dp_udp_dgram *d, size_t mtu, uint32_t id, struct rte_mempool *pool,
                    struct rte_mbuf **out, unsigned max_out)
{
    /* Longer than UDP's 16-bit length can say: refused before its header is made. */
    if (d->len > MAX_DATAGRAM - sizeof(struct rte_udp_hdr))
        return -EMSGSIZE;
    struct rte_udp_hdr udp = udp_header(d, sizeof(udp) + d->len);
    const struct dp_src_dgram s = {.family = d->family,
                                   .proto = IPPROTO_UDP,
                                   .src = d->src,
                                   .dst = d->dst,
                                   .head = (const uint8_t *)&udp,
                                   .head_len = sizeof(udp),
                                   .payload = d->payload,
                                   .len = d->len,
                                   .src_mac = d->src_mac,
                                   .dst_mac = d->dst_mac};
    return dp_src_fragment(&s, mtu, id, pool, out, max_out);
}
