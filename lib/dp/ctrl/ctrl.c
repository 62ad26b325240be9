/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_ctrl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <rte_arp.h>
#include <rte_ethdev.h>

#include "dp_arp.h"
#include "dp_nd.h"
#include "dp_pkt.h"
#include "dp_src_frag.h"
#include "ike_consts.h"

#define CTRL_BURST 32
#define UDP4_HDRS                                                                                  \
    (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))
#define UDP6_HDRS                                                                                  \
    (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_udp_hdr))

uint64_t dp_ctrl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
    return dp_ctrl_now_ns();
}

static const struct dp_port *port_by_id(const struct dp_ctrl *c, uint16_t id)
{
    for (unsigned i = 0; i < c->nports; i++) {
        if (c->ports[i].id == id)
            return &c->ports[i];
    }
    return NULL;
}

static unsigned port_index(const struct dp_ctrl *c, const struct dp_port *p)
{
    return (unsigned)(p - c->ports);
}

/*
 * The port an IKE message from `local` leaves by: the one with that address,
 * or for an anycast address (RFC 5685 4: the reply comes from it) the one on
 * whose subnet the peer is.
 */
static const struct dp_port *port_for_source(struct dp_ctrl *c, const struct ike_addr *local,
                                             const struct ike_addr *remote)
{
    const struct dp_addrs *own = dp_ctrl_addrs(c);
    const struct dp_addr *a = dp_addrs_find(own, local->family, local->ip);
    int p = a == NULL                    ? -1
            : a->port != DP_ADDR_NO_PORT ? (int)a->port
                                         : dp_addrs_link_port(own, remote->family, remote->ip);
    return p >= 0 && (unsigned)p < c->nports ? &c->ports[p] : NULL;
}

/* Whether ip is ours to answer ARP or ND for on port p: one of its addresses, or anycast. */
static bool answers_for(struct dp_ctrl *c, const struct dp_port *p, uint8_t family, const void *ip)
{
    const struct dp_addr *a = dp_addrs_find(dp_ctrl_addrs(c), family, ip);
    return a != NULL && (a->port == port_index(c, p) || a->port == DP_ADDR_NO_PORT);
}

static bool on_link(struct dp_ctrl *c, const struct dp_port *p, uint8_t family, const void *ip)
{
    return dp_addrs_on_link(dp_ctrl_addrs(c), port_index(c, p), family, ip);
}

/* Our address on port p that packets toward `to` leave from (dp_addrs_source), or NULL. */
static const struct dp_addr *source_on(struct dp_ctrl *c, const struct dp_port *p, uint8_t family,
                                       const void *to)
{
    return dp_addrs_source(dp_ctrl_addrs(c), port_index(c, p), family, to);
}

const struct dp_addrs *dp_ctrl_addrs(struct dp_ctrl *c)
{
    if (c->routes == NULL) {
        /* Tests without a route table: the ports' first addresses, as configured. */
        if (c->addrs.n == 0)
            dp_addrs_from_ports(&c->addrs, c->ports, c->nports);
        return &c->addrs;
    }
    /* A copy of this lcore's own, taken again only after a change: no lock per packet. */
    if (dp_route_table_addr_changes(c->routes) != c->addrs_seen)
        c->addrs_seen = dp_route_table_addrs(c->routes, &c->addrs, NULL);
    return &c->addrs;
}

static int tx_one(struct dp_ctrl *c, const struct dp_port *p, struct rte_mbuf *m)
{
    if (p->ctrl_txq == DP_NO_QUEUE ? rte_ring_enqueue(p->ctrl_tx, m) == 0
                                   : rte_eth_tx_burst(p->id, p->ctrl_txq, &m, 1) == 1)
        return 0;
    c->counters.tx_full++;
    rte_pktmbuf_free(m);
    return -ENOBUFS;
}

/* ---- ARP ---- */

static void arp_send(struct dp_ctrl *c, const struct dp_port *p, uint16_t op,
                     const struct rte_ether_addr *dst_mac, uint32_t sender_ip, uint32_t target_ip)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(c->pool);
    if (m == NULL) {
        c->counters.tx_no_mbuf++;
        return;
    }
    dp_arp_build(m, &p->mac, op, dst_mac, sender_ip, target_ip);
    if (tx_one(c, p, m) == 0) {
        if (op == RTE_ARP_OP_REPLY)
            c->counters.arp_replies++;
        else
            c->counters.arp_requests++;
    }
}

/* An ARP request for target from our address on its subnet (else the port's first), if any. */
static void arp_request(struct dp_ctrl *c, const struct dp_port *p,
                        const struct rte_ether_addr *dst_mac, uint32_t target)
{
    const struct dp_addr *src = source_on(c, p, 4, &target);
    if (src == NULL)
        return; /* no IPv4 address of ours on that port to ask from */
    uint32_t sip;
    memcpy(&sip, src->ip, 4);
    arp_send(c, p, RTE_ARP_OP_REQUEST, dst_mac, sip, target);
}

static void arp_input(struct dp_ctrl *c, struct rte_mbuf *m)
{
    c->counters.rx_arp++;
    const struct dp_port *p = port_by_id(c, m->port);
    if (p == NULL ||
        rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr)) {
        c->counters.rx_malformed++;
        return;
    }
    const struct rte_arp_hdr *arp =
        rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
    if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
        arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
        arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4) {
        c->counters.rx_malformed++;
        return;
    }
    uint32_t sip = arp->arp_data.arp_sip;
    /* Learn only neighbours on the port's own subnets: nobody else is reached directly. */
    if (sip != 0 && on_link(c, p, 4, &sip))
        dp_neigh_learn(c->neigh, sip, p->id, &arp->arp_data.arp_sha, now_ns());
    /* Our anycast addresses are answered for too: clients must reach them (RFC 5685 4). */
    uint32_t tip = arp->arp_data.arp_tip;
    if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) && answers_for(c, p, 4, &tip))
        arp_send(c, p, RTE_ARP_OP_REPLY, &arp->arp_data.arp_sha, tip, sip);
}

/* ---- IPv6 neighbour discovery (RFC 4861) ---- */

static void nd_send_advert(struct dp_ctrl *c, const struct dp_port *p, const struct dp_nd_msg *ns,
                           const struct rte_ether_addr *dst_mac)
{
    static const uint8_t unspecified[16];
    struct rte_mbuf *m = rte_pktmbuf_alloc(c->pool);
    if (m == NULL) {
        c->counters.tx_no_mbuf++;
        return;
    }
    /* A duplicate address check (from ::) is answered to all nodes, unsolicited (7.2.4). */
    bool dad = memcmp(ns->src, unspecified, 16) == 0;
    if (!dp_nd_build_advert(m, &p->mac, ns->target, dad ? NULL : ns->src, dst_mac)) {
        c->counters.tx_no_mbuf++;
        rte_pktmbuf_free(m);
        return;
    }
    if (tx_one(c, p, m) == 0)
        c->counters.nd_adverts++;
}

static void nd_send_solicit(struct dp_ctrl *c, const struct dp_port *p, const uint8_t target[16])
{
    const struct dp_addr *src = source_on(c, p, 6, target);
    if (src == NULL)
        return; /* no IPv6 address of ours on that port to ask from */
    struct rte_mbuf *m = rte_pktmbuf_alloc(c->pool);
    if (m == NULL || !dp_nd_build_solicit(m, &p->mac, src->ip, target)) {
        c->counters.tx_no_mbuf++;
        rte_pktmbuf_free(m);
        return;
    }
    if (tx_one(c, p, m) == 0)
        c->counters.nd_solicits++;
}

/* The probe of an aging entry: a solicitation sent straight to the MAC we have for it. */
static void nd_send_probe(struct dp_ctrl *c, const struct dp_port *p, const uint8_t target[16],
                          const struct rte_ether_addr *mac)
{
    const struct dp_addr *src = source_on(c, p, 6, target);
    if (src == NULL)
        return;
    struct rte_mbuf *m = rte_pktmbuf_alloc(c->pool);
    if (m == NULL || !dp_nd_build_probe(m, &p->mac, src->ip, target, mac)) {
        c->counters.tx_no_mbuf++;
        rte_pktmbuf_free(m);
        return;
    }
    if (tx_one(c, p, m) == 0)
        c->counters.nd_solicits++;
}

static void nd_input(struct dp_ctrl *c, struct rte_mbuf *m)
{
    c->counters.rx_nd++;
    const struct dp_port *p = port_by_id(c, m->port);
    struct dp_nd_msg nd;
    size_t l3_len = rte_pktmbuf_data_len(m) - sizeof(struct rte_ether_hdr);
    enum dp_nd_verdict v = dp_nd_parse(
        rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(struct rte_ether_hdr)), l3_len, &nd);
    /* Neighbour discovery on a port needs an IPv6 address of ours there. */
    bool has_ip6 = p != NULL && source_on(c, p, 6, NULL) != NULL;
    if (v == DP_ND_BAD_HOP_LIMIT)
        c->counters.nd_bad_hop_limit++;
    else if (v == DP_ND_BAD_CHECKSUM)
        c->counters.nd_bad_checksum++;
    else if (v != DP_ND_OK || !has_ip6)
        c->counters.rx_malformed++;
    if (v != DP_ND_OK || !has_ip6)
        return;
    /*
     * No INCOMPLETE state: as with ARP, an on-link address is learnt from
     * any valid advertisement or from a solicitation's source link-layer
     * option, which also confirms it (aging, neigh_age.c); a configured
     * neighbour is never replaced.
     */
    if (nd.type == DP_ICMP6_NEIGHBOR_ADVERT) {
        if (nd.has_lladdr && on_link(c, p, 6, nd.target))
            dp_neigh_learn6(c->neigh, nd.target, p->id, &nd.lladdr, now_ns());
        else if (!nd.has_lladdr && (nd.flags & DP_ND_FLAG_SOLICITED))
            dp_neigh_confirm6(c->neigh, nd.target, now_ns()); /* answers our unicast probe */
        return;
    }
    if (nd.has_lladdr && on_link(c, p, 6, nd.src))
        dp_neigh_learn6(c->neigh, nd.src, p->id, &nd.lladdr, now_ns());
    if (!answers_for(c, p, 6, nd.target))
        return;
    /* Without the option the solicitor's frame says where it is (its link-local source, often). */
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    nd_send_advert(c, p, &nd, nd.has_lladdr ? &nd.lladdr : &eth->src_addr);
}

void dp_ctrl_announce(struct dp_ctrl *c, const struct dp_addr *a)
{
    if (a->port == DP_ADDR_NO_PORT || a->port >= c->nports)
        return;
    const struct dp_port *p = &c->ports[a->port];
    if (a->family == 4) {
        uint32_t ip;
        memcpy(&ip, a->ip, 4);
        arp_send(c, p, RTE_ARP_OP_REQUEST, NULL, ip, ip); /* sender and target: the address */
        return;
    }
    static const struct rte_ether_addr all_nodes = {{0x33, 0x33, 0, 0, 0, 1}};
    struct rte_mbuf *m = rte_pktmbuf_alloc(c->pool);
    if (m == NULL || !dp_nd_build_advert(m, &p->mac, a->ip, NULL, &all_nodes)) {
        c->counters.tx_no_mbuf++;
        rte_pktmbuf_free(m);
        return;
    }
    if (tx_one(c, p, m) == 0)
        c->counters.nd_adverts++;
}

/* ---- IKE ---- */

static void ike_packet_input(struct dp_ctrl *c, struct rte_mbuf *m)
{
    c->counters.rx_ike++;
    const struct rte_ipv4_hdr *ip = dp_ipv4(m);
    size_t ihl = ip != NULL ? dp_ipv4_hdr_len(ip) : 0;
    size_t total = ip != NULL ? rte_be_to_cpu_16(ip->total_length) : 0;
    if (ip == NULL || total < ihl + sizeof(struct rte_udp_hdr)) {
        c->counters.rx_malformed++;
        return;
    }
    const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
    size_t udp_len = rte_be_to_cpu_16(udp->dgram_len);
    if (udp_len < sizeof(*udp) || udp_len > total - ihl) {
        c->counters.rx_malformed++;
        return;
    }
    struct ike_addr local = {.family = 4, .port = rte_be_to_cpu_16(udp->dst_port)};
    struct ike_addr remote = {.family = 4, .port = rte_be_to_cpu_16(udp->src_port)};
    memcpy(local.ip, &ip->dst_addr, 4);
    memcpy(remote.ip, &ip->src_addr, 4);
    /* The worker learnt nothing; the control lcore knows the sender's MAC from this frame. */
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    const struct dp_port *p = port_by_id(c, m->port);
    if (p != NULL && on_link(c, p, 4, &ip->src_addr))
        dp_neigh_learn(c->neigh, ip->src_addr, p->id, &eth->src_addr, now_ns());
    ike_input(c->ike, &local, &remote, (const uint8_t *)(udp + 1), udp_len - sizeof(*udp));
}

static void ike_packet_input6(struct dp_ctrl *c, struct rte_mbuf *m)
{
    c->counters.rx_ike++;
    size_t len = rte_pktmbuf_data_len(m);
    const struct rte_ipv6_hdr *ip =
        rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
    size_t plen =
        len >= sizeof(struct rte_ether_hdr) + sizeof(*ip) ? rte_be_to_cpu_16(ip->payload_len) : 0;
    /* The classifier handed over UDP right after the fixed header; checked again here. */
    if (plen < sizeof(struct rte_udp_hdr) || ip->proto != IPPROTO_UDP ||
        plen > len - sizeof(struct rte_ether_hdr) - sizeof(*ip)) {
        c->counters.rx_malformed++;
        return;
    }
    const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
    size_t udp_len = rte_be_to_cpu_16(udp->dgram_len);
    if (udp_len < sizeof(*udp) || udp_len > plen) {
        c->counters.rx_malformed++;
        return;
    }
    /* IPv6 UDP always carries a checksum (RFC 8200 8.1): a zero or wrong one is refused. */
    if (udp->dgram_cksum == 0 || dp_ipv6_l4_sum(ip, IPPROTO_UDP, udp, udp_len) != 0xffff) {
        c->counters.rx_bad_udp6_checksum++;
        return;
    }
    struct ike_addr local = {.family = 6, .port = rte_be_to_cpu_16(udp->dst_port)};
    struct ike_addr remote = {.family = 6, .port = rte_be_to_cpu_16(udp->src_port)};
    memcpy(local.ip, ip->dst_addr, 16);
    memcpy(remote.ip, ip->src_addr, 16);
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    const struct dp_port *p = port_by_id(c, m->port);
    if (p != NULL && on_link(c, p, 6, ip->src_addr))
        dp_neigh_learn6(c->neigh, ip->src_addr, p->id, &eth->src_addr, now_ns());
    ike_input(c->ike, &local, &remote, (const uint8_t *)(udp + 1), udp_len - sizeof(*udp));
}

/* Where IKE to an IPv4 peer leaves: the route table's next hop, or the peer itself on a subnet. */
static bool next_hop4(struct dp_ctrl *c, const struct dp_port *src_port, uint32_t dst,
                      struct dp_next_hop *nh, uint16_t *mtu)
{
    if (c->routes != NULL)
        return dp_route_table_lookup(c->routes, dst, nh, mtu);
    if (src_port == NULL || !on_link(c, src_port, 4, &dst))
        return false;
    *nh = (struct dp_next_hop){.port = src_port, .port_index = port_index(c, src_port), .ip = dst};
    *mtu = CONF_MTU_DEFAULT;
    return true;
}

/*
 * An IKE datagram longer than the port's MTU (or an mbuf), for a peer that
 * does not do IKE fragmentation (RFC 7383) or before it is negotiated (a
 * large IKE_SA_INIT): IP fragments, as a host's stack would send them
 * (dp_src_frag.h). Each family's identification comes from its own counter
 * of this lcore.
 */
static int send_fragments(struct dp_ctrl *c, const struct dp_port *p, const struct dp_udp_dgram *d,
                          uint16_t mtu)
{
    struct rte_mbuf *frags[DP_UDP_FRAG_MAX];
    uint32_t id = d->family == 6 ? c->frag_id6++ : c->ip_id++;
    int n = dp_udp_fragment(d, mtu, id, c->pool, frags, DP_UDP_FRAG_MAX);
    if (n == -EMSGSIZE) {
        c->counters.tx_too_big++;
        return n;
    }
    if (n < 0) {
        c->counters.tx_no_mbuf++;
        return n;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        int r = tx_one(c, p, frags[i]);
        rc = rc < 0 ? rc : r;
    }
    if (rc == 0) {
        c->counters.tx_ike++;
        c->counters.tx_ike_fragmented++;
    }
    return rc;
}

/*
 * An IKE datagram to the next hop at dst_mac out of port p: whole when it
 * fits the MTU and an mbuf, else as IP fragments (for IPv6 too: veer is
 * the datagram's source, and only the source fragments IPv6, RFC 8200 5).
 */
static int send_datagram(struct dp_ctrl *c, const struct dp_port *p,
                         const struct rte_ether_addr *dst_mac, const struct ike_addr *local,
                         const struct ike_addr *remote, const uint8_t *buf, size_t len,
                         uint16_t mtu)
{
    size_t hdrs = local->family == 6 ? UDP6_HDRS : UDP4_HDRS;
    size_t room = rte_pktmbuf_data_room_size(c->pool) - RTE_PKTMBUF_HEADROOM;
    if (len + hdrs - sizeof(struct rte_ether_hdr) > mtu || len + hdrs > room) {
        const struct dp_udp_dgram d = {.family = local->family,
                                       .src = local->ip,
                                       .dst = remote->ip,
                                       .src_port = local->port,
                                       .dst_port = remote->port,
                                       .payload = buf,
                                       .len = len,
                                       .src_mac = &p->mac,
                                       .dst_mac = dst_mac};
        return send_fragments(c, p, &d, mtu);
    }
    struct rte_mbuf *m = rte_pktmbuf_alloc(c->pool);
    if (m == NULL) {
        c->counters.tx_no_mbuf++;
        return -ENOBUFS;
    }
    memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, hdrs), buf, len);
    if (local->family == 6) {
        dp_build_udp6(m, &p->mac, dst_mac, local->ip, remote->ip, local->port, remote->port, len);
    } else {
        uint32_t src, dst;
        memcpy(&src, local->ip, 4);
        memcpy(&dst, remote->ip, 4);
        dp_build_udp4_cksum(m, &p->mac, dst_mac, src, dst, local->port, remote->port, len,
                            p->tx_cksum_udp4);
    }
    int rc = tx_one(c, p, m);
    if (rc == 0)
        c->counters.tx_ike++;
    return rc;
}

static int be_send6(struct dp_ctrl *c, const struct ike_addr *local, const struct ike_addr *remote,
                    const uint8_t *buf, size_t len)
{
    const struct dp_port *p = port_for_source(c, local, remote);
    if (p == NULL) {
        c->counters.tx_no_port++;
        return -EADDRNOTAVAIL;
    }
    struct dp_next_hop6 nh = {.port = p};
    memcpy(nh.ip, remote->ip, 16);
    uint16_t mtu = CONF_MTU_DEFAULT;
    if (c->routes != NULL ? !dp_route_table_lookup6(c->routes, remote->ip, &nh, &mtu)
                          : !on_link(c, p, 6, remote->ip)) {
        c->counters.tx_no_route++;
        return -ENETUNREACH;
    }
    struct rte_ether_addr mac;
    uint16_t port_id;
    if (!dp_neigh_lookup6(c->neigh, nh.ip, &mac, &port_id)) {
        c->counters.tx_no_neighbour++;
        nd_send_solicit(c, nh.port, nh.ip);
        return -EAGAIN;
    }
    return send_datagram(c, nh.port, &mac, local, remote, buf, len, mtu);
}

static int be_send(void *opaque, const struct ike_addr *local, const struct ike_addr *remote,
                   const uint8_t *buf, size_t len)
{
    struct dp_ctrl *c = opaque;
    if (local->family == 6 && remote->family == 6)
        return be_send6(c, local, remote, buf, len);
    uint32_t dst;
    memcpy(&dst, remote->ip, 4);
    const struct dp_port *p = local->family == 4 ? port_for_source(c, local, remote) : NULL;
    if (p == NULL) {
        c->counters.tx_no_port++;
        return -EADDRNOTAVAIL;
    }
    /* Clients come from anywhere: the peer's route, not only the port's own subnet. */
    struct dp_next_hop nh;
    uint16_t mtu;
    if (!next_hop4(c, p, dst, &nh, &mtu)) {
        c->counters.tx_no_route++;
        return -ENETUNREACH;
    }
    struct rte_ether_addr mac;
    uint16_t port_id;
    if (!dp_neigh_lookup(c->neigh, nh.ip, &mac, &port_id)) {
        /* IKE retransmits; by then the answer to this will be in the table. */
        c->counters.tx_no_neighbour++;
        arp_request(c, nh.port, NULL, nh.ip);
        return -EAGAIN;
    }
    return send_datagram(c, nh.port, &mac, local, remote, buf, len, mtu);
}

static uint64_t be_now(void *opaque)
{
    (void)opaque;
    return now_ns();
}

static void be_random(void *opaque, uint8_t *buf, size_t len)
{
    (void)opaque;
    if (RAND_bytes(buf, (int)len) != 1)
        abort(); /* no randomness: no SPI, nonce or key may be made */
}

static void be_log(void *opaque, enum ike_log_level level, const char *msg)
{
    const struct dp_ctrl *c = opaque;
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (level <= c->log_level)
        fprintf(stderr, "veer: ike %s: %s\n", names[level], msg);
}

static int be_child_install(void *opaque, const struct ike_child_sa *child)
{
    struct dp_ctrl *c = opaque;
    char why[160] = "";
    int rc = c->sadb != NULL ? dp_sadb_install(c->sadb, child, why, sizeof(why)) : 0;
    if (rc < 0) {
        c->counters.child_sa_refused++;
        fprintf(stderr,
                "veer: child-sa refused by the ESP engine spi_in=%08x ike=%016llx_%016llx: %s\n",
                child->spi_in, (unsigned long long)child->ike_spi_i,
                (unsigned long long)child->ike_spi_r, why);
        return rc;
    }
    c->counters.child_sa_installed++;
    char to[IKE_ADDR_STRLEN];
    ike_addr_format(&child->remote, to, sizeof(to));
    fprintf(stderr,
            "veer: child-sa install spi_in=%08x spi_out=%08x encap=%s %s-%u%s%s%s remote=%s "
            "ike=%016llx_%016llx\n",
            child->spi_in, child->spi_out, child->udp_encap ? "udp" : "none",
            ike_transform_id_name(IKE_TT_ENCR, child->alg.encr.id), child->alg.encr.key_bits,
            child->alg.integ != 0 ? "/" : "",
            child->alg.integ != 0 ? ike_transform_id_name(IKE_TT_INTEG, child->alg.integ) : "",
            child->alg.esn == IKE_ESN_ESN ? " esn" : "", to, (unsigned long long)child->ike_spi_i,
            (unsigned long long)child->ike_spi_r);
    return 0;
}

static int be_child_delete(void *opaque, const struct ike_child_sa *child)
{
    struct dp_ctrl *c = opaque;
    if (c->sadb != NULL)
        dp_sadb_remove(c->sadb, child);
    c->counters.child_sa_removed++;
    fprintf(stderr, "veer: child-sa delete spi_in=%08x spi_out=%08x ike=%016llx_%016llx\n",
            child->spi_in, child->spi_out, (unsigned long long)child->ike_spi_i,
            (unsigned long long)child->ike_spi_r);
    return 0;
}

static int be_child_update(void *opaque, const struct ike_child_sa *child)
{
    struct dp_ctrl *c = opaque;
    char why[160] = "";
    int rc = c->sadb != NULL ? dp_sadb_update(c->sadb, child, why, sizeof(why)) : 0;
    char to[IKE_ADDR_STRLEN];
    ike_addr_format(&child->remote, to, sizeof(to));
    if (rc < 0) {
        fprintf(stderr, "veer: child-sa %08x: not moved to %s: %s\n", child->spi_out, to, why);
        return rc;
    }
    c->counters.child_sa_moved++;
    fprintf(stderr, "veer: child-sa update spi_out=%08x remote=%s ike=%016llx_%016llx\n",
            child->spi_out, to, (unsigned long long)child->ike_spi_i,
            (unsigned long long)child->ike_spi_r);
    return 0;
}

/* Our IKE SPIs as lib/ike makes and forgets them: the workers answer QCD for the others. */
static int be_spi_added(void *opaque, uint64_t spi)
{
    struct dp_ctrl *c = opaque;
    if (c->qcd == NULL || dp_qcd_spi_add(c->qcd, spi) == 0)
        return 0;
    if (c->counters.qcd_spi_add_failed++ == 0)
        fprintf(stderr,
                "veer: QCD: the workers' IKE SPI table is full (%016llx refused): "
                "the control lcore answers for unknown IKE SAs from now on\n",
                (unsigned long long)spi);
    return -ENOSPC;
}

static void be_spi_removed(void *opaque, uint64_t spi)
{
    struct dp_ctrl *c = opaque;
    if (c->qcd != NULL)
        dp_qcd_spi_del(c->qcd, spi);
}

struct ike_backend dp_ctrl_backend(struct dp_ctrl *c)
{
    /* Unpredictable identifications from the start (RFC 7739 5): a counter from a random base. */
    be_random(c, (uint8_t *)&c->ip_id, sizeof(c->ip_id));
    be_random(c, (uint8_t *)&c->frag_id6, sizeof(c->frag_id6));
    return (struct ike_backend){.opaque = c,
                                .send = be_send,
                                .child_install = be_child_install,
                                .child_delete = be_child_delete,
                                .child_update = be_child_update,
                                .now_ns = be_now,
                                .random = be_random,
                                .log = be_log,
                                .spi_added = be_spi_added,
                                .spi_removed = be_spi_removed};
}

struct child_owner {
    uint32_t spi_in;
    uint64_t spi_i, spi_r;
};

static void find_owner(void *opaque, const struct ike_sa_info *sa)
{
    struct child_owner *o = opaque;
    for (unsigned i = 0; i < sa->nchildren && i < IKE_INFO_MAX_CHILDREN; i++) {
        if (sa->children[i].spi_in == o->spi_in) {
            o->spi_i = sa->spi_i;
            o->spi_r = sa->spi_r;
        }
    }
}

void dp_ctrl_rekey_exhausting(struct dp_ctrl *c)
{
    const struct dp_esp_sa *due[8];
    unsigned n = c->sadb != NULL ? dp_sadb_rekeys_wanted(c->sadb, due, 8) : 0;
    for (unsigned i = 0; i < n; i++) {
        c->counters.child_sa_seq_rekeys++;
        /* The IKE SA may have been rekeyed since the Child SA was installed: find its owner. */
        struct child_owner o = {due[i]->child_spi_in, due[i]->ike_spi_i, due[i]->ike_spi_r};
        ike_sa_foreach(c->ike, find_owner, &o);
        int rc = ike_rekey_child(c->ike, o.spi_i, o.spi_r, o.spi_in);
        fprintf(stderr, "veer: child-sa spi_in=%08x: sequence numbers running out, rekey: %s\n",
                o.spi_in, rc == 0 ? "started" : strerror(-rc));
    }
}

void dp_ctrl_age_neighbours(struct dp_ctrl *c, uint64_t now_ns)
{
    struct dp_neigh_probe due[DP_NEIGH_AGE_MAX_PROBES];
    unsigned n = dp_neigh_age(c->neigh, &c->neigh_aging, now_ns, due, DP_NEIGH_AGE_MAX_PROBES,
                              &c->counters.neigh_expired);
    for (unsigned i = 0; i < n; i++) {
        const struct dp_port *p = port_by_id(c, due[i].port);
        c->counters.neigh_probes++;
        /* RFC 1122 2.3.2.1: a unicast request asks the host itself, not the whole link. */
        if (p != NULL && due[i].family == 4) {
            uint32_t ip;
            memcpy(&ip, due[i].ip, 4);
            arp_request(c, p, &due[i].mac, ip);
        } else if (p != NULL && due[i].family == 6) {
            nd_send_probe(c, p, due[i].ip, &due[i].mac);
        }
    }
}

/* The classifier hands over IPv6 for two reasons: neighbour discovery and IKE over UDP. */
static void ipv6_input(struct dp_ctrl *c, struct rte_mbuf *m)
{
    const struct rte_ipv6_hdr *ip =
        rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
    if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*ip)) {
        c->counters.rx_malformed++;
        return;
    }
    if (ip->proto == IPPROTO_ICMPV6)
        nd_input(c, m);
    else
        ike_packet_input6(c, m);
}

static void report_one(void *arg, struct dp_esp_sa *out, struct dp_esp_sa *in,
                       const struct ike_child_traffic *t)
{
    struct dp_ctrl *c = arg;
    if (out->ike_spi_i == 0 && out->ike_spi_r == 0)
        return; /* a manually keyed SA: no IKE SA to tell */
    if (ike_child_traffic(c->ike, out->ike_spi_i, out->ike_spi_r, out->child_spi_in, t) == 0)
        return;
    /* The IKE SA was rekeyed and took the Child SA along: find its owner once, remember it. */
    struct child_owner o = {out->child_spi_in, 0, 0};
    ike_sa_foreach(c->ike, find_owner, &o);
    if (o.spi_i == 0 && o.spi_r == 0)
        return; /* being deleted */
    out->ike_spi_i = o.spi_i;
    out->ike_spi_r = o.spi_r;
    if (in != NULL) {
        in->ike_spi_i = o.spi_i;
        in->ike_spi_r = o.spi_r;
    }
    ike_child_traffic(c->ike, o.spi_i, o.spi_r, out->child_spi_in, t);
}

unsigned dp_ctrl_rebinds(struct dp_ctrl *c)
{
    struct dp_rebind r[16];
    unsigned n = c->sadb != NULL && c->ike != NULL ? dp_sadb_rebinds(c->sadb, r, 16) : 0;
    for (unsigned i = 0; i < n; i++) {
        struct dp_esp_sa *in = r[i].in;
        c->counters.child_sa_rebinds++;
        if (ike_child_peer_moved(c->ike, in->ike_spi_i, in->ike_spi_r, in->child_spi_in,
                                 &r[i].from) == 0)
            continue;
        /* The IKE SA was rekeyed and took the Child SA along (as report_one). */
        struct child_owner o = {in->child_spi_in, 0, 0};
        ike_sa_foreach(c->ike, find_owner, &o);
        if ((o.spi_i == 0 && o.spi_r == 0) ||
            ike_child_peer_moved(c->ike, o.spi_i, o.spi_r, in->child_spi_in, &r[i].from) != 0) {
            c->counters.child_sa_rebind_unknown++;
            continue;
        }
        in->ike_spi_i = o.spi_i;
        in->ike_spi_r = o.spi_r;
    }
    return n;
}

void dp_ctrl_report_traffic(struct dp_ctrl *c)
{
    if (c->sadb != NULL)
        dp_sadb_traffic(c->sadb, now_ns(), report_one, c);
}

unsigned dp_ctrl_poll(struct dp_ctrl *c)
{
    struct rte_mbuf *pkts[CTRL_BURST];
    unsigned n = rte_ring_dequeue_burst(c->from_workers, (void **)pkts, CTRL_BURST, NULL);
    for (unsigned i = 0; i < n; i++) {
        c->counters.rx_packets++;
        const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);
        if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
            arp_input(c, pkts[i]);
        else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
            ipv6_input(c, pkts[i]);
        else
            ike_packet_input(c, pkts[i]);
        rte_pktmbuf_free(pkts[i]);
    }
    return n;
}
