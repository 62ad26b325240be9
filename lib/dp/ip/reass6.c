/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv6 front end of reass.c's table: what only IPv6 fragments to us
 * must pass (RFC 8200 4.5: where the Fragment header is, what may follow
 * it, the atomic fragments that are whole packets already) and the
 * library's IPv6 call.
 */
#include <string.h>

#include <rte_ip.h>

#include "dp_pkt.h"
#include "reass_priv.h"

#define ETH sizeof(struct rte_ether_hdr)
#define FRAG_HDR sizeof(struct rte_ipv6_fragment_ext)
#define UPPER_MIN 8 /* a UDP header, or ESP's SPI and sequence number */

bool dp_reass6_identify(const struct rte_mbuf *m, struct dp_frag_id *f)
{
    const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH);
    if (ip->proto != IPPROTO_FRAGMENT)
        return false;
    const struct rte_ipv6_fragment_ext *fh = (const struct rte_ipv6_fragment_ext *)(ip + 1);
    uint16_t field = rte_be_to_cpu_16(fh->frag_data);
    f->family = 6;
    f->ofs = (size_t)RTE_IPV6_GET_FO(field) * DP_REASS_UNIT;
    f->len = rte_be_to_cpu_16(ip->payload_len) - FRAG_HDR; /* >= 8: the classifier checked */
    f->more = RTE_IPV6_GET_MF(field) != 0;
    memcpy(f->key, ip->src_addr, 32);
    memcpy(f->key + 32, &fh->id, 4);
    f->key_len = 36;
    return true;
}

static enum dp_reass_verdict bad_chain(struct dp_worker_counters *c)
{
    c->reass6_bad_chain++;
    c->reass_invalid++;
    return DP_REASS_REFUSE;
}

enum dp_reass_verdict dp_reass6_check(const struct rte_mbuf *m, struct dp_frag_id *f,
                                      struct dp_worker_counters *c)
{
    /*
     * Behind a routing or destination options header (the classifier lets
     * those through to be named here): librte_ip_frag can only take a
     * Fragment header right after the fixed one, and IKE and ESP peers never
     * send the others.
     */
    if (!dp_reass6_identify(m, f))
        return bad_chain(c);
    if (f->ofs > 0)
        return DP_REASS_TAKE;
    const struct rte_ipv6_fragment_ext *fh =
        rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_fragment_ext *, ETH + DP_IP6_HDR_LEN);
    /*
     * The first fragment carries the whole header chain (RFC 7112 5): another
     * extension header after the Fragment header is nothing veer accepts
     * unfragmented either, and a first fragment too short for its UDP or ESP
     * header leaves the ports or SPI to later fragments.
     */
    if (dp_ip6_is_ext_header(fh->next_header) || f->len < UPPER_MIN)
        return bad_chain(c);
    /*
     * Only UDP (IKE, ESP in UDP) and ESP to us are taken unfragmented; ICMPv6
     * to us is neighbour discovery, which is never fragmented (RFC 6980 5).
     */
    if (fh->next_header != IPPROTO_UDP && fh->next_header != IPPROTO_ESP) {
        c->drop_other_proto++;
        return DP_REASS_REFUSE;
    }
    if (!f->more) {
        c->reass6_atomic++;
        return DP_REASS_ATOMIC;
    }
    return DP_REASS_TAKE;
}

struct rte_mbuf *dp_reass6_unwrap_atomic(struct rte_mbuf *m)
{
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(p + ETH);
    const struct rte_ipv6_fragment_ext *fh = (const struct rte_ipv6_fragment_ext *)(ip + 1);
    ip->proto = fh->next_header;
    ip->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->payload_len) - FRAG_HDR));
    /* Ethernet and IPv6 headers move up over the Fragment header; the data stays. */
    memmove(p + FRAG_HDR, p, ETH + DP_IP6_HDR_LEN);
    rte_pktmbuf_adj(m, FRAG_HDR);
    return m;
}

struct rte_mbuf *dp_reass6_submit(struct rte_ip_frag_tbl *tbl, struct rte_ip_frag_death_row *dr,
                                  struct rte_mbuf *m, uint64_t now)
{
    struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH);
    m->l2_len = ETH;
    m->l3_len = sizeof(*ip) + FRAG_HDR;
    return rte_ipv6_frag_reassemble_packet(tbl, dr, m, now, ip,
                                           rte_ipv6_frag_get_ipv6_fragment_header(ip));
}
