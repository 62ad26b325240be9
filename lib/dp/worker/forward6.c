/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What only IPv6 forwarding does (forward.c makes the decisions): ask for a
 * next hop's MAC with a neighbour solicitation (RFC 4861), answer every
 * packet too big for the next link or the tunnel with Packet Too Big, since
 * IPv6 routers never fragment (RFC 8200 5, RFC 4443 3.2), and the ICMPv6
 * rules and source address of its errors. The tunnel is a link that must
 * carry 1280 bytes: when it is narrower the ESP packet is fragmented
 * instead (forward_family.h, dp_post_frag.h).
 */
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "dp_icmp6.h"
#include "dp_nd.h"
#include "forward_priv.h"

void dp_fwd_ask_neighbour6(struct dp_worker *w, const struct dp_next_hop6 *nh,
                           struct rte_mempool *pool)
{
    const struct dp_addr *src = dp_addrs_source(&w->routes->addrs, nh->port_index, 6, nh->ip);
    if (src == NULL)
        return; /* no address of ours to ask from */
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    if (m == NULL)
        return;
    /* To its solicited-node group, straight out; the control lcore learns the answer. */
    if (!dp_nd_build_solicit(m, &nh->port->mac, src->ip, nh->ip) ||
        rte_eth_tx_burst(nh->port->id, (uint16_t)w->index, &m, 1) != 1)
        rte_pktmbuf_free(m);
    else
        w->counters.nd_solicits++;
}

void dp_fwd_too_big6(struct dp_worker *w, const struct dp_fwd_about *a, struct rte_mbuf *m,
                     size_t mtu)
{
    w->counters.drop_ip6_too_big++;
    dp_fwd_icmp_error(w, a, m->pool, DP_ICMP6_PACKET_TOO_BIG, 0, (uint32_t)mtu,
                      &w->counters.icmp6_packet_too_big);
    rte_pktmbuf_free(m);
}

bool dp_fwd_icmp_may6(const struct dp_worker *w, const struct dp_fwd_about *a, uint8_t type)
{
    const struct rte_ipv6_hdr *ip = a->l3;
    /* Without an IPv6 address of ours on that port there is nothing to send from. */
    return dp_fwd_error_source(w, a, ip->src_addr) != NULL &&
           dp_icmp6_may_answer(a->l3, a->avail, type);
}

struct rte_mbuf *dp_fwd_icmp_build6(const struct dp_worker *w, const struct dp_fwd_about *a,
                                    struct rte_mempool *pool, uint8_t type, uint8_t code,
                                    uint32_t param)
{
    /* dp_fwd_icmp_may6 found the address. */
    const struct rte_ipv6_hdr *ip = a->l3;
    const struct dp_addr *src = dp_fwd_error_source(w, a, ip->src_addr);
    return dp_icmp6_build_error(pool, a->l3, a->avail, type, code, param, src->ip);
}
