/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What only IPv4 forwarding does (forward.c makes the decisions): ask for a
 * next hop's MAC with ARP, fragment a packet too big for its link unless DF
 * forbids it (RFC 791, RFC 1191), and the ICMP rules and source address of
 * its errors (RFC 1812).
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "dp_arp.h"
#include "dp_frag.h"
#include "dp_icmp.h"
#include "dp_pkt.h"
#include "forward_priv.h"

void dp_fwd_ask_neighbour4(struct dp_worker *w, const struct dp_next_hop *nh,
                           struct rte_mempool *pool)
{
    const struct dp_port *p = nh->port;
    /* From our address on the next hop's subnet: a host answers only for its own subnet. */
    const struct dp_addr *src = dp_addrs_source(&w->routes->addrs, nh->port_index, 4, &nh->ip);
    if (src == NULL)
        return; /* no IPv4 address of ours on that port to ask from */
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    if (m == NULL)
        return;
    uint32_t sip;
    memcpy(&sip, src->ip, 4);
    dp_arp_build(m, &p->mac, RTE_ARP_OP_REQUEST, NULL, sip, nh->ip);
    /* Straight out, not through the TX buffer: the control lcore learns the answer. */
    if (rte_eth_tx_burst(p->id, (uint16_t)w->index, &m, 1) != 1)
        rte_pktmbuf_free(m);
}

/*
 * Without DF the packet goes on in fragments of at most mtu bytes (RFC 791),
 * each sealed into an ESP packet of its own when sa is given:
 * pre-fragmentation (RFC 4459 3, dp_frag.h), so the peer reassembles nothing.
 */
void dp_fwd_too_big4(struct dp_worker *w, const struct dp_fwd_about *a, struct rte_mbuf *m,
                     size_t mtu, size_t l3, struct dp_esp_sa *sa, const struct dp_fwd_hop *hop)
{
    const struct rte_ipv4_hdr *ip = a->l3;
    if (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_DF_FLAG) {
        w->counters.drop_frag_needed++;
        dp_fwd_icmp_error(w, a, m->pool, DP_ICMP_DEST_UNREACH, DP_ICMP_FRAG_NEEDED, (uint16_t)mtu,
                          &w->counters.icmp_frag_needed);
        rte_pktmbuf_free(m);
        return;
    }
    dp_ipv4_decrement_ttl(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3));
    struct rte_mbuf *frags[DP_FRAG_MAX];
    unsigned n = dp_frag_forward(m, l3, mtu, frags, &w->counters);
    for (unsigned i = 0; i < n; i++) {
        if (sa != NULL)
            dp_fwd_tunnel_out(w, sa, frags[i], 0, hop);
        else
            dp_fwd_send_to_hop(w, frags[i], hop);
    }
}

bool dp_fwd_icmp_may4(const struct dp_worker *w, const struct dp_fwd_about *a)
{
    return dp_icmp_may_answer(a->l3, a->avail, w->routes);
}

struct rte_mbuf *dp_fwd_icmp_build4(const struct dp_worker *w, const struct dp_fwd_about *a,
                                    struct rte_mempool *pool, uint8_t type, uint8_t code,
                                    uint32_t param)
{
    /* Worked out only here: plaintext forwarding needs it for errors alone. */
    const struct rte_ipv4_hdr *ip = a->l3;
    const struct dp_addr *from = dp_fwd_error_source(w, a, &ip->src_addr);
    uint32_t src = 0;
    if (from != NULL)
        memcpy(&src, from->ip, 4);
    return dp_icmp_build_error(pool, a->l3, a->avail, type, code, (uint16_t)param, src);
}
