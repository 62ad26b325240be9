/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding decisions, once for both families: decrypted inner packets
 * go route -> TTL or hop limit -> the next link's MTU -> out; plaintext goes
 * policy -> the peer's route -> TTL or hop limit -> the tunnel's MTU, then is
 * sealed with the rest of its burst. Each decision is written once as an
 * always-inlined function of the family, called with 4 and with 6, so both
 * paths compile as if written apart (forward_family.h); what the families do
 * differently when a packet is too big or a neighbour is unknown is in
 * forward4.c and forward6.c, the ICMP errors in forward_icmp.c.
 */
#include "dp_forward.h"

#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "dp_esp.h"
#include "dp_pkt.h"
#include "dp_post_frag.h"
#include "forward_family.h"
#include "forward_priv.h"

/*
 * Puts an Ethernet header (from port, to dst) in front of the packet at m's
 * data and queues it on the worker's TX buffer for port; m is consumed
 * (no headroom: drop_esp_no_room).
 */
static void send_frame(struct dp_worker *w, struct rte_mbuf *m, const struct dp_port *port,
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

/* A held packet whose neighbour answered (dp_neigh_hold_send_fn): out as it would have gone. */
static void send_held(void *ctx, struct rte_mbuf *m, uint8_t family, const void *port,
                      const struct rte_ether_addr *mac)
{
    send_frame(ctx, m, port, mac, family == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
}

/*
 * Inlined where every forwarded packet passes (decrypted, send_sealed): one
 * call fewer each. A miss asks for the MAC and holds the packet until the
 * control lcore learns it (dp_neigh_hold.h); a hit first sends what is held
 * for the same neighbour, so nothing is overtaken.
 */
static __rte_always_inline void send_to_hop(struct dp_worker *w, struct rte_mbuf *m,
                                            const struct dp_fwd_hop *hop)
{
    bool v6 = hop->family == 6;
    const void *ip = v6 ? (const void *)hop->v6.ip : (const void *)&hop->v4.ip;
    const struct dp_port *port = v6 ? hop->v6.port : hop->v4.port;
    struct rte_ether_addr mac;
    uint16_t port_id;
    bool known = w->neigh != NULL && (v6 ? dp_neigh_lookup6(w->neigh, hop->v6.ip, &mac, &port_id)
                                         : dp_neigh_lookup(w->neigh, hop->v4.ip, &mac, &port_id));
    if (!known) {
        if (v6)
            dp_fwd_ask_neighbour6(w, &hop->v6, m->pool);
        else
            dp_fwd_ask_neighbour4(w, &hop->v4, m->pool);
        dp_neigh_hold_put(&w->hold, hop->family, ip, port, m, rte_get_timer_cycles(), &w->counters);
        return;
    }
    if (unlikely(w->hold.held != 0))
        dp_neigh_hold_release(&w->hold, hop->family, ip, &mac, send_held, w, &w->counters);
    send_frame(w, m, port, &mac, v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
}

void dp_fwd_send_to_hop(struct dp_worker *w, struct rte_mbuf *m, const struct dp_fwd_hop *hop)
{
    send_to_hop(w, m, hop);
}

bool dp_fwd_route_peer(const struct dp_worker *w, const struct dp_esp_sa *sa,
                       struct dp_fwd_hop *hop)
{
    if (sa->outer_family == 6)
        return fwd_route(w, 6, sa->remote_ip6, hop);
    return fwd_route(w, 4, &sa->remote_ip, hop);
}

/*
 * Sends a sealed packet to the peer. Longer than the outside link only when
 * it carries an IPv6 packet of at most 1280 bytes that the tunnel is too
 * narrow for (check_plain, or an ICMPv6 error of ours): it leaves in outer
 * fragments (post-fragmentation, dp_post_frag.h).
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
        dp_fwd_send_to_hop(w, frags[i], hop);
}

/*
 * A packet the gateway made for an SA another worker owns (an ICMP error
 * into the tunnel): handed to the owner as a plaintext frame, which it
 * checks and seals like any other, so the SA's numbers stay in one order.
 */
static void hand_made_packet(struct dp_worker *w, struct dp_esp_sa *sa, struct rte_mbuf *m,
                             size_t l3)
{
    rte_pktmbuf_adj(m, (uint16_t)l3);
    struct rte_ether_hdr *eth =
        (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
    if (eth == NULL) {
        w->counters.drop_esp_no_room++;
        rte_pktmbuf_free(m);
        return;
    }
    bool v6 = (*(const uint8_t *)(eth + 1) >> 4) == 6;
    memset(eth, 0, sizeof(*eth)); /* unicast: no error is answered as to a group */
    eth->ether_type = rte_cpu_to_be_16(v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
    dp_handoff_put(&w->handoff, sa->owner, m, DP_HANDOFF_PLAIN, &w->counters);
}

void dp_fwd_tunnel_out(struct dp_worker *w, struct dp_esp_sa *sa, struct rte_mbuf *m, size_t l3,
                       const struct dp_fwd_hop *hop)
{
    if (unlikely(sa->owner != w->index) && dp_handoff_on(&w->handoff)) {
        hand_made_packet(w, sa, m, l3);
        return;
    }
    if (dp_esp_encrypt(&w->esp, sa, m, l3, &w->counters) < 0) {
        rte_pktmbuf_free(m);
        return;
    }
    send_sealed(w, m, hop);
}

/*
 * A decrypted inner packet of `family` (data at its header) to route out.
 * Errors about it go back into the tunnel, from our address on the side the
 * packet was going to.
 */
static __rte_always_inline void decrypted(struct dp_worker *w, struct rte_mbuf *m, unsigned family)
{
    void *inner = rte_pktmbuf_mtod(m, void *);
    /*
     * forward_decrypted sends every version but 6 here as IPv4: only a 4 is
     * routed. dp_fwd_decrypted6 is entered directly too: the fixed header
     * must be in the buffer.
     */
    bool whole = family == 6 ? rte_pktmbuf_data_len(m) >= sizeof(struct rte_ipv6_hdr)
                             : (*(const uint8_t *)inner >> 4) == 4;
    struct dp_fwd_hop hop;
    if (!whole || !fwd_route(w, family, fwd_dst(family, inner), &hop)) {
        w->counters.drop_no_route++;
        rte_pktmbuf_free(m);
        return;
    }
    const struct dp_port *to = family == 6 ? hop.v6.port : hop.v4.port;
    struct dp_fwd_about a = {.family = (uint8_t)family,
                             .l3 = inner,
                             .avail = rte_pktmbuf_data_len(m),
                             .from = to,
                             .in_port = m->port};
    if (fwd_ttl(family, inner) <= 1) {
        dp_fwd_expired(w, &a, m);
        return;
    }
    size_t mtu = w->routes->mtu[hop.port_index];
    if (fwd_len(family, inner) > mtu) {
        if (family == 6)
            dp_fwd_too_big6(w, &a, m, mtu);
        else
            dp_fwd_too_big4(w, &a, m, mtu, 0, NULL, &hop);
        return;
    }
    fwd_decrement(family, inner);
    send_to_hop(w, m, &hop);
}

void dp_fwd_decrypted6(struct dp_worker *w, struct rte_mbuf *m)
{
    decrypted(w, m, 6);
}

static void forward_decrypted(struct dp_worker *w, struct rte_mbuf *m)
{
    if ((*rte_pktmbuf_mtod(m, const uint8_t *) >> 4) == 6)
        dp_fwd_decrypted6(w, m);
    else
        decrypted(w, m, 4);
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

/*
 * Keeps in pkts[] (in order, returns how many) the ESP packets this worker
 * opens itself: those of SAs it owns, and those of no SA (counted and
 * dropped by the decryption, here). The others go to their owners.
 */
static unsigned keep_owned_esp(struct dp_worker *w, struct rte_mbuf **pkts, size_t *off, unsigned n)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < n; i++) {
        int owner = dp_sadb_in_owner(w->sadb, pkts[i], off[i]);
        if (owner >= 0 && (unsigned)owner != w->index) {
            dp_handoff_put(&w->handoff, (unsigned)owner, pkts[i], DP_HANDOFF_ESP, &w->counters);
            continue;
        }
        off[kept] = off[i];
        pkts[kept++] = pkts[i];
    }
    return kept;
}

/* At most DP_BURST packets, as one rx burst holds; may_hand: received here, not handed. */
static void forward_esp_burst(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n,
                              bool may_hand)
{
    size_t off[DP_BURST];
    bool ok[DP_BURST];
    for (unsigned i = 0; i < n; i++)
        off[i] = esp_offset(pkts[i]);
    if (may_hand)
        n = keep_owned_esp(w, pkts, off, n);
    /* The whole burst through the crypto at once: CBC + HMAC fill the library's lanes. */
    dp_esp_decrypt_burst(&w->esp, w->sadb, pkts, off, n, ok, &w->counters);
    for (unsigned i = 0; i < n; i++) {
        if (ok[i])
            forward_decrypted(w, pkts[i]);
        else
            rte_pktmbuf_free(pkts[i]);
    }
}

/* After a burst: what was handed on goes to the owners, what was sealed to the driver. */
static void flush(struct dp_worker *w)
{
    if (w->handoff.npending != 0)
        dp_handoff_flush(&w->handoff, &w->counters);
    dp_tx_flush(&w->tx, (uint16_t)w->index, &w->counters);
}

static void forward_esp(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n, bool may_hand)
{
    for (unsigned i = 0; i < n; i += DP_BURST)
        forward_esp_burst(w, pkts + i, n - i < DP_BURST ? n - i : DP_BURST, may_hand);
}

void dp_forward_esp(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    forward_esp(w, pkts, n, dp_handoff_on(&w->handoff));
    flush(w);
}

/* A plaintext packet bound for the tunnel, checked and routed, waiting for the burst's crypto. */
struct to_seal {
    struct rte_mbuf *m[DP_BURST];
    struct dp_esp_sa *sa[DP_BURST];
    struct dp_fwd_hop hop[DP_BURST];
    unsigned n;
    bool may_hand; /* received here, not handed by another worker: SAs of others go to them */
};

/*
 * Policy, the peer's route, TTL or hop limit and the tunnel's MTU of one
 * plaintext frame of `family`: queued for encryption, or answered and freed.
 * Errors about it come from our address on the port it came in by.
 */
static __rte_always_inline void check_plain_family(struct dp_worker *w, struct rte_mbuf *m,
                                                   struct to_seal *q, unsigned family)
{
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    void *ip = (void *)(eth + 1);
    size_t avail = rte_pktmbuf_data_len(m) - sizeof(*eth);
    struct dp_esp_sa *sa = fwd_policy(family, w->sadb, ip, avail);
    if (sa == NULL) {
        w->counters.drop_no_policy++;
        rte_pktmbuf_free(m);
        return;
    }
    /* Before any other decision: the owner takes them all (errors, fragments, sealing). */
    if (q->may_hand && unlikely(sa->owner != w->index)) {
        dp_handoff_put(&w->handoff, sa->owner, m, DP_HANDOFF_PLAIN, &w->counters);
        return;
    }
    struct dp_fwd_hop *hop = &q->hop[q->n];
    if (!dp_fwd_route_peer(w, sa, hop)) {
        w->counters.drop_no_route++;
        rte_pktmbuf_free(m);
        return;
    }
    struct dp_fwd_about a = {.family = (uint8_t)family,
                             .l3 = ip,
                             .avail = avail,
                             .l2_group = rte_is_multicast_ether_addr(&eth->dst_addr),
                             .in_port = m->port};
    if (fwd_ttl(family, ip) <= 1) {
        dp_fwd_expired(w, &a, m);
        return;
    }
    /* The path MTU into the tunnel is the outside link's less this SA's overhead. */
    size_t mtu = fwd_tunnel_mtu(family, sa, w->routes->mtu[hop->port_index]);
    if (fwd_len(family, ip) > mtu) {
        if (family == 6)
            dp_fwd_too_big6(w, &a, m, mtu);
        else
            dp_fwd_too_big4(w, &a, m, mtu, sizeof(*eth), sa, hop);
        return;
    }
    fwd_decrement(family, ip);
    q->m[q->n] = m;
    q->sa[q->n] = sa;
    q->n++;
}

static void check_plain(struct dp_worker *w, struct rte_mbuf *m, struct to_seal *q)
{
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
        check_plain_family(w, m, q, 6);
    else
        check_plain_family(w, m, q, 4);
}

/* At most DP_BURST packets, as one rx burst holds. */
static void forward_plain_burst(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n,
                                bool may_hand)
{
    struct to_seal q; /* not zeroed: a burst's worth of slots, filled from n = 0 */
    q.n = 0;
    q.may_hand = may_hand;
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

static void forward_plain(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n, bool may_hand)
{
    for (unsigned i = 0; i < n; i += DP_BURST)
        forward_plain_burst(w, pkts + i, n - i < DP_BURST ? n - i : DP_BURST, may_hand);
}

void dp_forward_plain(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    forward_plain(w, pkts, n, dp_handoff_on(&w->handoff));
    flush(w);
}

void dp_forward_handed(struct dp_worker *w, struct rte_mbuf **plain, unsigned nplain,
                       struct rte_mbuf **esp, unsigned nesp)
{
    forward_esp(w, esp, nesp, false);
    forward_plain(w, plain, nplain, false);
    flush(w);
}

void dp_forward_held(struct dp_worker *w, uint64_t now)
{
    dp_neigh_hold_poll(&w->hold, w->neigh, now, send_held, w, &w->counters);
    dp_tx_flush(&w->tx, (uint16_t)w->index, &w->counters);
}
