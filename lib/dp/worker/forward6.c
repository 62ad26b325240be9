/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 forwarding in the workers, beside forward.c's IPv4: plaintext to
 * protect goes SPD -> the peer's route -> hop limit -> Packet Too Big, then
 * back to forward.c to be sealed with the rest of its burst; decrypted inner IPv6 goes route -> hop
 * limit -> Packet Too Big -> out. IPv6 routers never fragment (RFC 8200 5), so every packet too big
 * for the next link, or for the tunnel, is answered with ICMPv6 Packet Too
 * Big (RFC 4443 3.2) under the worker's ICMP rate limit. The tunnel is a
 * link that must carry 1280 bytes: when it is narrower, the ESP packet is
 * fragmented instead (post-fragmentation, dp_post_frag.h).
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "dp_esp.h"
#include "dp_icmp6.h"
#include "dp_nd.h"
#include "dp_pkt.h"
#include "forward_priv.h"

/* Asks for nh's MAC with a solicitation to its solicited-node group; the control lcore learns. */
static void solicit(struct dp_worker *w, const struct dp_next_hop6 *nh, struct rte_mempool *pool)
{
    if (!nh->port->has_ip6)
        return; /* no address of ours to ask from */
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    if (m == NULL)
        return;
    if (!dp_nd_build_solicit(m, &nh->port->mac, nh->port->ip6, nh->ip) ||
        rte_eth_tx_burst(nh->port->id, (uint16_t)w->index, &m, 1) != 1)
        rte_pktmbuf_free(m);
    else
        w->counters.nd_solicits++;
}

void dp_fwd_send_ip6(struct dp_worker *w, struct rte_mbuf *m, const struct dp_next_hop6 *nh)
{
    struct rte_ether_addr mac;
    uint16_t port_id;
    if (w->neigh == NULL || !dp_neigh_lookup6(w->neigh, nh->ip, &mac, &port_id)) {
        w->counters.drop_no_neighbour++;
        solicit(w, nh, m->pool);
        rte_pktmbuf_free(m);
        return;
    }
    dp_fwd_send_frame(w, m, nh->port, &mac, RTE_ETHER_TYPE_IPV6);
}

static bool route6(const struct dp_worker *w, const uint8_t dst[16], struct dp_next_hop6 *nh)
{
    return w->routes != NULL && dp_route_lookup6(w->routes, dst, nh);
}

/* A packet the gateway made (data at its IPv6 header): into a tunnel when an SA covers it. */
static void local_out6(struct dp_worker *w, struct rte_mbuf *m)
{
    const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
    struct dp_esp_sa *sa =
        w->sadb != NULL ? dp_spd_lookup6(w->sadb, ip, rte_pktmbuf_data_len(m)) : NULL;
    struct dp_fwd_hop hop;
    bool routed = sa != NULL ? dp_fwd_route_peer(w, sa, &hop) : route6(w, ip->dst_addr, &hop.v6);
    if (!routed) {
        w->counters.drop_no_route++;
        rte_pktmbuf_free(m);
        return;
    }
    if (sa != NULL)
        dp_fwd_tunnel_out(w, sa, m, 0, &hop);
    else
        dp_fwd_send_ip6(w, m, &hop.v6);
}

/* What an ICMPv6 error is about and from where it is sent. */
struct icmp6_about {
    const struct rte_ipv6_hdr *ip; /* the offending packet as received */
    size_t avail;                  /* bytes of it in the buffer */
    bool l2_group;                 /* it came to a link-layer multicast address */
    const struct dp_port *from;    /* the port whose IPv6 address the error comes from */
};

static void icmp6_error(struct dp_worker *w, const struct icmp6_about *a, struct rte_mempool *pool,
                        uint8_t type, uint8_t code, uint32_t param, uint64_t *sent)
{
    if (a->l2_group || a->from == NULL || !a->from->has_ip6 ||
        !dp_icmp6_may_answer(a->ip, a->avail, type)) {
        w->counters.icmp_suppressed++;
        return;
    }
    if (!dp_icmp_limiter_take(&w->icmp, rte_get_timer_cycles())) {
        w->counters.icmp_rate_limited++;
        return;
    }
    struct rte_mbuf *m =
        dp_icmp6_build_error(pool, a->ip, a->avail, type, code, param, a->from->ip6);
    if (m == NULL) {
        w->counters.icmp_no_mbuf++;
        return;
    }
    (*sent)++;
    local_out6(w, m);
}

static void hop_limit_exceeded(struct dp_worker *w, const struct icmp6_about *a, struct rte_mbuf *m)
{
    w->counters.drop_ttl_expired++;
    icmp6_error(w, a, m->pool, DP_ICMP6_TIME_EXCEEDED, DP_ICMP6_HOP_LIMIT_EXCEEDED, 0,
                &w->counters.icmp6_time_exceeded);
    rte_pktmbuf_free(m);
}

static void packet_too_big(struct dp_worker *w, const struct icmp6_about *a, struct rte_mbuf *m,
                           size_t mtu)
{
    w->counters.drop_ip6_too_big++;
    icmp6_error(w, a, m->pool, DP_ICMP6_PACKET_TOO_BIG, 0, (uint32_t)mtu,
                &w->counters.icmp6_packet_too_big);
    rte_pktmbuf_free(m);
}

static size_t ip6_len(const struct rte_ipv6_hdr *ip)
{
    return sizeof(*ip) + rte_be_to_cpu_16(ip->payload_len);
}

void dp_fwd_decrypted6(struct dp_worker *w, struct rte_mbuf *m)
{
    struct rte_ipv6_hdr *inner = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
    struct dp_next_hop6 nh;
    if (rte_pktmbuf_data_len(m) < sizeof(*inner) || !route6(w, inner->dst_addr, &nh)) {
        w->counters.drop_no_route++;
        rte_pktmbuf_free(m);
        return;
    }
    /* Errors go back into the tunnel, from our address on the side the packet was going to. */
    struct icmp6_about a = {.ip = inner, .avail = rte_pktmbuf_data_len(m), .from = nh.port};
    if (inner->hop_limits <= 1) {
        hop_limit_exceeded(w, &a, m);
        return;
    }
    size_t mtu = w->routes->mtu[nh.port_index];
    if (ip6_len(inner) > mtu) {
        packet_too_big(w, &a, m, mtu);
        return;
    }
    inner->hop_limits--; /* no header checksum in IPv6 */
    dp_fwd_send_ip6(w, m, &nh);
}

/* Our port m came in by: where ICMPv6 errors about plaintext come from. */
static const struct dp_port *arrival_port(const struct dp_worker *w, const struct rte_mbuf *m)
{
    int p = w->routes != NULL ? dp_routes_port_index(w->routes, m->port) : -1;
    return p >= 0 ? &w->routes->ports[p] : NULL;
}

bool dp_fwd_check_plain6(struct dp_worker *w, struct rte_mbuf *m, struct dp_esp_sa **sa_out,
                         struct dp_fwd_hop *hop)
{
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
    struct dp_esp_sa *sa = dp_spd_lookup6(w->sadb, ip, rte_pktmbuf_data_len(m) - sizeof(*eth));
    if (sa == NULL) {
        w->counters.drop_no_policy++;
        rte_pktmbuf_free(m);
        return false;
    }
    if (!dp_fwd_route_peer(w, sa, hop)) {
        w->counters.drop_no_route++;
        rte_pktmbuf_free(m);
        return false;
    }
    struct icmp6_about a = {.ip = ip,
                            .avail = rte_pktmbuf_data_len(m) - sizeof(*eth),
                            .l2_group = rte_is_multicast_ether_addr(&eth->dst_addr),
                            .from = arrival_port(w, m)};
    if (ip->hop_limits <= 1) {
        hop_limit_exceeded(w, &a, m);
        return false;
    }
    /*
     * The path MTU into the tunnel is the outside link's less this SA's
     * overhead, but never below IPv6's 1280 (RFC 8200 5): up to that the
     * sealed packet leaves in outer fragments (forward.c, dp_post_frag.h).
     */
    size_t mtu =
        RTE_MAX(dp_esp_max_inner(sa, w->routes->mtu[hop->port_index]), (size_t)DP_IP6_MIN_MTU);
    if (ip6_len(ip) > mtu) {
        packet_too_big(w, &a, m, mtu);
        return false;
    }
    ip->hop_limits--;
    *sa_out = sa;
    return true;
}
