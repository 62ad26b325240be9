/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_forward.h"

#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "dp_esp.h"
#include "dp_frag.h"
#include "dp_pkt.h"
#include "dp_post_frag.h"
#include "forward_priv.h"

/* Asks who has `ip`; the control lcore learns the answer. */
static void arp_request(struct dp_worker *w, const struct dp_port *p, uint32_t ip,
                        struct rte_mempool *pool)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    if (m == NULL)
        return;
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
    memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
    eth->src_addr = p->mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
    arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    arp->arp_hlen = RTE_ETHER_ADDR_LEN;
    arp->arp_plen = 4;
    arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
    arp->arp_data.arp_sha = p->mac;
    arp->arp_data.arp_sip = p->ip;
    memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
    arp->arp_data.arp_tip = ip;
    m->data_len = m->pkt_len = sizeof(*eth) + sizeof(*arp);
    if (rte_eth_tx_burst(p->id, (uint16_t)w->index, &m, 1) != 1)
        rte_pktmbuf_free(m);
}

void dp_fwd_send_frame(struct dp_worker *w, struct rte_mbuf *m, const struct dp_port *port,
                       const struct rte_ether_addr *dst, uint16_t ether_type)
{
    struct rte_ether_hdr *eth =
        (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
    if (eth == NULL) {
        w->counters.drop_esp_no_room++;
        rte_pktmbuf_free(m);
        return;
    }
    eth->src_addr = port->mac;
    eth->dst_addr = *dst;
    eth->ether_type = rte_cpu_to_be_16(ether_type);
    dp_tx_put(&w->tx, port->id, (uint16_t)w->index, m, &w->counters);
}

/* Puts an Ethernet header to the next hop in front of the IPv4 packet at m's data and sends it. */
static void send_ip(struct dp_worker *w, struct rte_mbuf *m, const struct dp_next_hop *nh)
{
    struct rte_ether_addr mac;
    uint16_t port_id;
    if (!w->neigh || !dp_neigh_lookup(w->neigh, nh->ip, &mac, &port_id)) {
        w->counters.drop_no_neighbour++;
        arp_request(w, nh->port, nh->ip, m->pool);
        rte_pktmbuf_free(m);
        return;
    }
    dp_fwd_send_frame(w, m, nh->port, &mac, RTE_ETHER_TYPE_IPV4);
}

static bool route(const struct dp_worker *w, uint32_t dst, struct dp_next_hop *nh)
{
    return w->routes != NULL && dp_route_lookup(w->routes, dst, nh);
}

bool dp_fwd_route_peer(const struct dp_worker *w, const struct dp_esp_sa *sa,
                       struct dp_fwd_hop *hop)
{
    hop->family = sa->outer_family;
    if (sa->outer_family == 6) {
        if (w->routes == NULL || !dp_route_lookup6(w->routes, sa->remote_ip6, &hop->v6))
            return false;
        hop->port_index = hop->v6.port_index;
        return true;
    }
    if (!route(w, sa->remote_ip, &hop->v4))
        return false;
    hop->port_index = hop->v4.port_index;
    return true;
}

/* Sends a sealed packet (data at its outer header) to the peer's next hop, in its family. */
static void send_to_hop(struct dp_worker *w, struct rte_mbuf *m, const struct dp_fwd_hop *hop)
{
    if (hop->family == 6)
        dp_fwd_send_ip6(w, m, &hop->v6);
    else
        send_ip(w, m, &hop->v4);
}

/*
 * Sends a sealed packet to the peer. Longer than the outside link only when
 * it carries an IPv6 packet of at most 1280 bytes that the tunnel is too
 * narrow for (dp_fwd_check_plain6, or an ICMPv6 error of ours): it leaves in
 * outer fragments (post-fragmentation, dp_post_frag.h).
 */
static void send_sealed(struct dp_worker *w, struct rte_mbuf *m, const struct dp_fwd_hop *hop)
{
    size_t mtu = w->routes->mtu[hop->port_index];
    if (likely(rte_pktmbuf_pkt_len(m) <= mtu)) {
        send_to_hop(w, m, hop);
        return;
    }
    struct rte_mbuf *frags[DP_POST_FRAG_MAX];
    unsigned n = dp_post_fragment(m, mtu, &w->frag_ids, frags, &w->counters);
    for (unsigned i = 0; i < n; i++)
        send_to_hop(w, frags[i], hop);
}

void dp_fwd_tunnel_out(struct dp_worker *w, struct dp_esp_sa *sa, struct rte_mbuf *m, size_t l3,
                       const struct dp_fwd_hop *hop)
{
    if (dp_esp_encrypt(&w->esp, sa, m, l3, &w->counters) < 0) {
        rte_pktmbuf_free(m);
        return;
    }
    send_sealed(w, m, hop);
}

/*
 * A packet the gateway made itself (data at its IPv4 header): into a tunnel
 * when a Child SA's selectors cover it (an ICMP error to a host behind the
 * peer), else routed as it is.
 */
static void local_out(struct dp_worker *w, struct rte_mbuf *m)
{
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
    struct dp_esp_sa *sa =
        w->sadb != NULL ? dp_spd_lookup(w->sadb, ip, rte_pktmbuf_data_len(m)) : NULL;
    struct dp_fwd_hop hop;
    if (!(sa != NULL ? dp_fwd_route_peer(w, sa, &hop) : route(w, ip->dst_addr, &hop.v4))) {
        w->counters.drop_no_route++;
        rte_pktmbuf_free(m);
        return;
    }
    if (sa != NULL)
        dp_fwd_tunnel_out(w, sa, m, 0, &hop);
    else
        send_ip(w, m, &hop.v4);
}

/* What an ICMP error is about and from where it is sent. */
struct icmp_about {
    const struct rte_ipv4_hdr *ip; /* the offending packet as received */
    size_t avail;                  /* bytes of it in the buffer */
    bool l2_group;                 /* it came to a link-layer broadcast or multicast address */
    uint32_t src;     /* our address on the protected side of the packet; 0: in_port's */
    uint16_t in_port; /* the port it came in by */
};

/* Our address on the port a packet came in by: where ICMP errors about plaintext come from. */
static uint32_t arrival_addr(const struct dp_worker *w, uint16_t port_id)
{
    int p = w->routes != NULL ? dp_routes_port_index(w->routes, port_id) : -1;
    return p >= 0 ? w->routes->ports[p].ip : w->local.ip[0];
}

static void icmp_error(struct dp_worker *w, const struct icmp_about *a, struct rte_mempool *pool,
                       uint8_t type, uint8_t code, uint16_t mtu, uint64_t *sent)
{
    if (a->l2_group || !dp_icmp_may_answer(a->ip, a->avail, w->routes)) {
        w->counters.icmp_suppressed++;
        return;
    }
    if (!dp_icmp_limiter_take(&w->icmp, rte_get_timer_cycles())) {
        w->counters.icmp_rate_limited++;
        return;
    }
    /* Worked out only here: plaintext forwarding needs it for errors alone. */
    uint32_t src = a->src != 0 ? a->src : arrival_addr(w, a->in_port);
    struct rte_mbuf *m = dp_icmp_build_error(pool, a->ip, a->avail, type, code, mtu, src);
    if (m == NULL) {
        w->counters.icmp_no_mbuf++;
        return;
    }
    (*sent)++;
    local_out(w, m);
}

static void time_exceeded(struct dp_worker *w, const struct icmp_about *a, struct rte_mbuf *m)
{
    w->counters.drop_ttl_expired++;
    icmp_error(w, a, m->pool, DP_ICMP_TIME_EXCEEDED, DP_ICMP_TTL_EXCEEDED, 0,
               &w->counters.icmp_time_exceeded);
    rte_pktmbuf_free(m);
}

/*
 * A packet (IPv4 at `l3`) longer than `mtu` allows: Fragmentation Needed when
 * DF is set (RFC 1191). Without DF it goes on in fragments of at most mtu
 * bytes (RFC 791), each sealed into an ESP packet of its own when sa is given:
 * pre-fragmentation (RFC 4459 3, dp_frag.h), so the peer reassembles nothing.
 */
static void too_big(struct dp_worker *w, const struct icmp_about *a, struct rte_mbuf *m, size_t mtu,
                    size_t l3, struct dp_esp_sa *sa, const struct dp_fwd_hop *hop)
{
    if (rte_be_to_cpu_16(a->ip->fragment_offset) & RTE_IPV4_HDR_DF_FLAG) {
        w->counters.drop_frag_needed++;
        icmp_error(w, a, m->pool, DP_ICMP_DEST_UNREACH, DP_ICMP_FRAG_NEEDED, (uint16_t)mtu,
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
            send_ip(w, frags[i], &hop->v4);
    }
}

static void forward_decrypted(struct dp_worker *w, struct rte_mbuf *m)
{
    struct rte_ipv4_hdr *inner = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    if ((inner->version_ihl >> 4) == 6) {
        dp_fwd_decrypted6(w, m);
        return;
    }
    struct dp_next_hop nh;
    if ((inner->version_ihl >> 4) != 4 || !route(w, inner->dst_addr, &nh)) {
        w->counters.drop_no_route++;
        rte_pktmbuf_free(m);
        return;
    }
    /* Errors go back into the tunnel, from our address on the side the packet was going to. */
    struct icmp_about a = {
        .ip = inner, .avail = rte_pktmbuf_data_len(m), .src = nh.port->ip, .in_port = m->port};
    if (inner->time_to_live <= 1) {
        time_exceeded(w, &a, m);
        return;
    }
    size_t mtu = w->routes->mtu[nh.port_index];
    if (rte_be_to_cpu_16(inner->total_length) > mtu) {
        const struct dp_fwd_hop hop = {.family = 4, .port_index = nh.port_index, .v4 = nh};
        too_big(w, &a, m, mtu, 0, NULL, &hop);
        return;
    }
    dp_ipv4_decrement_ttl(inner);
    send_ip(w, m, &nh);
}

/*
 * Where the ESP header starts in a frame the classifier called ESP: after the
 * outer IPv4 or IPv6 header (IPv6: ESP or UDP right after it, the classifier
 * made sure), and after UDP for ESP in UDP.
 */
static size_t esp_offset(const struct rte_mbuf *m)
{
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
        const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(eth + 1);
        return sizeof(*eth) + sizeof(*ip6) +
               (ip6->proto == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) : 0);
    }
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
    return sizeof(*eth) + dp_ipv4_hdr_len(ip) +
           (ip->next_proto_id == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) : 0);
}

/* At most DP_BURST packets, as one rx burst holds. */
static void forward_esp_burst(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    size_t off[DP_BURST];
    bool ok[DP_BURST];
    for (unsigned i = 0; i < n; i++)
        off[i] = esp_offset(pkts[i]);
    /* The whole burst through the crypto at once: CBC + HMAC fill the library's lanes. */
    dp_esp_decrypt_burst(&w->esp, w->sadb, pkts, off, n, ok, &w->counters);
    for (unsigned i = 0; i < n; i++) {
        if (ok[i])
            forward_decrypted(w, pkts[i]);
        else
            rte_pktmbuf_free(pkts[i]);
    }
}

void dp_forward_esp(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    for (unsigned i = 0; i < n; i += DP_BURST)
        forward_esp_burst(w, pkts + i, n - i < DP_BURST ? n - i : DP_BURST);
    dp_tx_flush(&w->tx, (uint16_t)w->index, &w->counters);
}

/* A plaintext packet bound for the tunnel, checked and routed, waiting for the burst's crypto. */
struct to_seal {
    struct rte_mbuf *m[DP_BURST];
    struct dp_esp_sa *sa[DP_BURST];
    struct dp_fwd_hop hop[DP_BURST];
    unsigned n;
};

/* Policy, route, TTL and MTU of one plaintext packet: queued for encryption, or answered and freed.
 */
static void check_plain(struct dp_worker *w, struct rte_mbuf *m, struct to_seal *q)
{
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
        if (dp_fwd_check_plain6(w, m, &q->sa[q->n], &q->hop[q->n]))
            q->m[q->n++] = m;
        return;
    }
    struct rte_ipv4_hdr *ip = dp_ipv4(m);
    struct dp_esp_sa *sa = dp_spd_lookup(w->sadb, ip, rte_pktmbuf_data_len(m) - sizeof(*eth));
    if (sa == NULL) {
        w->counters.drop_no_policy++;
        rte_pktmbuf_free(m);
        return;
    }
    struct dp_fwd_hop hop;
    if (!dp_fwd_route_peer(w, sa, &hop)) {
        w->counters.drop_no_route++;
        rte_pktmbuf_free(m);
        return;
    }
    struct icmp_about a = {.ip = ip,
                           .avail = rte_pktmbuf_data_len(m) - sizeof(*eth),
                           .l2_group = rte_is_multicast_ether_addr(&eth->dst_addr),
                           .in_port = m->port};
    if (ip->time_to_live <= 1) {
        time_exceeded(w, &a, m);
        return;
    }
    /* The path MTU into the tunnel is the outside link's less this SA's overhead. */
    size_t max_inner = dp_esp_max_inner(sa, w->routes->mtu[hop.port_index]);
    if (rte_be_to_cpu_16(ip->total_length) > max_inner) {
        too_big(w, &a, m, max_inner, sizeof(struct rte_ether_hdr), sa, &hop);
        return;
    }
    dp_ipv4_decrement_ttl(ip);
    q->m[q->n] = m;
    q->sa[q->n] = sa;
    q->hop[q->n] = hop;
    q->n++;
}

/* At most DP_BURST packets, as one rx burst holds. */
static void forward_plain_burst(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    struct to_seal q; /* not zeroed: a burst's worth of slots, filled from n = 0 */
    q.n = 0;
    bool ok[DP_BURST];
    for (unsigned i = 0; i < n; i++)
        check_plain(w, pkts[i], &q);
    /* The whole burst through the crypto at once: CBC + HMAC fill the library's lanes. */
    dp_esp_encrypt_burst(&w->esp, q.sa, q.m, sizeof(struct rte_ether_hdr), q.n, ok, &w->counters);
    for (unsigned i = 0; i < q.n; i++) {
        if (ok[i])
            send_sealed(w, q.m[i], &q.hop[i]);
        else
            rte_pktmbuf_free(q.m[i]);
    }
}

void dp_forward_plain(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    for (unsigned i = 0; i < n; i += DP_BURST)
        forward_plain_burst(w, pkts + i, n - i < DP_BURST ? n - i : DP_BURST);
    dp_tx_flush(&w->tx, (uint16_t)w->index, &w->counters);
}
