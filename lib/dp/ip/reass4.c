/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv4 front end of reass.c's table: a fragment's place in its datagram
 * read from its header (which dp_classify checked), and the library's IPv4
 * call. IPv4 has no rule of its own beyond what reass.c checks for both.
 */
#include <string.h>

#include <rte_ip.h>

#include "dp_pkt.h"
#include "reass_priv.h"

void dp_reass4_identify(const struct rte_mbuf *m, struct dp_frag_id *f)
{
    const struct rte_ipv4_hdr *ip =
        rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
    uint16_t field = rte_be_to_cpu_16(ip->fragment_offset);
    f->family = 4;
    f->ofs = (size_t)(field & RTE_IPV4_HDR_OFFSET_MASK) * DP_REASS_UNIT;
    f->len = rte_be_to_cpu_16(ip->total_length) - dp_ipv4_hdr_len(ip); /* total >= hl: classify */
    f->more = (field & RTE_IPV4_HDR_MF_FLAG) != 0;
    memcpy(f->key, &ip->src_addr, 8);
    memcpy(f->key + 8, &ip->packet_id, 2);
    f->key_len = 10;
}

enum dp_reass_verdict dp_reass4_check(const struct rte_mbuf *m, struct dp_frag_id *f,
                                      struct dp_worker_counters *c)
{
    RTE_SET_USED(c); /* nothing to count: every IPv4 fragment goes on to reass.c's checks */
    dp_reass4_identify(m, f);
    return DP_REASS_TAKE;
}

struct rte_mbuf *dp_reass4_submit(struct rte_ip_frag_tbl *tbl, struct rte_ip_frag_death_row *dr,
                                  struct rte_mbuf *m, uint64_t now)
{
    struct rte_ipv4_hdr *ip =
        rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
    m->l2_len = sizeof(struct rte_ether_hdr);
    m->l3_len = dp_ipv4_hdr_len(ip);
    struct rte_mbuf *whole = rte_ipv4_frag_reassemble_packet(tbl, dr, m, now, ip);
    if (whole != NULL) {
        /* The library leaves the whole datagram's header checksum zero. */
        struct rte_ipv4_hdr *head = dp_ipv4(whole);
        head->hdr_checksum = rte_ipv4_cksum(head);
    }
    return whole;
}
