/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv6 network layer on two net_ring ports whose TX rings the test reads
 * back (EAL --no-huge): neighbour discovery both ways (the control lcore
 * answers a solicitation for our address and learns the solicitor; a worker
 * that misses a next hop solicits it, the advertisement is learnt and the
 * next packet goes out), IPv6 route lookup (connected first, longest match,
 * default), and forwarding of inner IPv6 with its hop limit and the ICMPv6
 * errors (Time Exceeded, Packet Too Big with the next link's MTU, never
 * about ICMPv6 errors, under the rate limit) checked byte by byte.
 *
 * rte_lpm and rte_lpm6 take 64 MB each for their first-level tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "ring_port.h"
#include "dp_ctrl.h"
#include "dp_esp.h"
#include "spd_probe.h"
#include "dp_forward.h"
#include "dp_icmp6.h"
#include "dp_nd.h"
#include "dp_neigh.h"
#include "dp_pkt.h"
#include "dp_route.h"
#include "dp_worker.h"
#include "fwd_env.h"
#include "forward_priv.h"
#include "test_eal.h"
#include "test_pkt.h"

#define OUTSIDE 0
#define INSIDE 1
#define ETH 14
#define IP6 40

struct env {
    struct fwd_env f;
    struct dp_ctrl ctrl;
    struct dp_sadb sadb;
};
static struct env *e;

static const struct rte_ether_addr peer_mac = {{2, 0, 0, 0, 0, 2}},
                                   router_mac = {{2, 0, 0, 0, 1, 0xfe}},
                                   server_mac = {{2, 0, 0, 0, 1, 2}},
                                   new_host_mac = {{2, 0, 0, 0, 1, 7}};

static int group_setup(void **state)
{
    (void)state;
    static struct env env;
    e = &env;
    /*
     * IPv6-only ports 2001:db8:1::1 and 2001:db8:2::1, each on one ring both
     * ways; no ESP engine until install_tunnel.
     */
    struct fwd_env_cfg cfg = fwd_env_cfg_std("test_ipv6_net");
    cfg.mem_mb = "400";
    cfg.one_ring = cfg.to_ctrl = true;
    cfg.esp = false;
    cfg.ip4[OUTSIDE] = cfg.ip4[INSIDE] = 0;
    cfg.net6[OUTSIDE] = 1;
    cfg.net6[INSIDE] = 2;
    cfg.mtu[INSIDE] = 1400;
    if (fwd_env_open(&e->f, &cfg) < 0)
        return -1;
    for (unsigned i = 0; i < 2; i++)
        e->f.ports[i].ctrl_txq = 0; /* the test is the only lcore */
    uint8_t ip[16];
    test_a6(ip, 1, 2); /* the peer, on the outside link */
    dp_neigh_learn6(&e->f.neigh, ip, e->f.ports[OUTSIDE].id, &peer_mac, DP_NEIGH_STATIC);
    test_a6(ip, 2, 0xfe);
    dp_neigh_learn6(&e->f.neigh, ip, e->f.ports[INSIDE].id, &router_mac, DP_NEIGH_STATIC);
    test_a6(ip, 2, 2);
    dp_neigh_learn6(&e->f.neigh, ip, e->f.ports[INSIDE].id, &server_mac, DP_NEIGH_STATIC);
    char err[256];
    uint8_t to[16], via[16];
    test_a6(to, 9, 0); /* 2001:db8:9::/48 via 2001:db8:2::fe */
    test_a6(via, 2, 0xfe);
    if (dp_routes_add6(&e->f.routes, to, 48, via, INSIDE, err, sizeof(err)) < 0)
        goto fail;
    test_a6(to, 9, 0);
    to[7] = 1; /* 2001:db8:9:1::/64 via 2001:db8:2::fd, its port found */
    test_a6(via, 2, 0xfd);
    if (dp_routes_add6(&e->f.routes, to, 64, via, -1, err, sizeof(err)) < 0)
        goto fail;
    memset(to, 0, 16); /* ::/0 via the peer */
    test_a6(via, 1, 2);
    if (dp_routes_add6(&e->f.routes, to, 0, via, -1, err, sizeof(err)) < 0)
        goto fail;
    e->ctrl = (struct dp_ctrl){.from_workers = e->f.to_ctrl,
                               .pool = e->f.pool,
                               .ports = e->f.ports,
                               .nports = 2,
                               .neigh = &e->f.neigh};
    return 0;
fail:
    fprintf(stderr, "%s\n", err);
    return -1;
}

static int group_teardown(void **state)
{
    (void)state;
    fwd_env_close(&e->f);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    fwd_env_reset(&e->f);
    memset(&e->ctrl.counters, 0, sizeof(e->ctrl.counters));
    return 0;
}

static unsigned sent(unsigned port, struct rte_mbuf **out)
{
    return rte_ring_dequeue_burst(e->f.tx[port], (void **)out, 16, NULL);
}

static void test_route_lookup6(void **state)
{
    (void)state;
    struct dp_next_hop6 nh;
    uint8_t dst[16], want[16];
    test_a6(dst, 2, 0x77); /* connected */
    assert_true(dp_route_lookup6(&e->f.routes, dst, &nh));
    assert_int_equal(nh.port_index, INSIDE);
    assert_memory_equal(nh.ip, dst, 16);
    test_a6(dst, 9, 5); /* 2001:db8:9::5: the /48 */
    dst[7] = 2;
    assert_true(dp_route_lookup6(&e->f.routes, dst, &nh));
    test_a6(want, 2, 0xfe);
    assert_memory_equal(nh.ip, want, 16);
    dst[7] = 1; /* 2001:db8:9:1::5: the longer /64 */
    assert_true(dp_route_lookup6(&e->f.routes, dst, &nh));
    test_a6(want, 2, 0xfd);
    assert_memory_equal(nh.ip, want, 16);
    assert_int_equal(nh.port_index, INSIDE);
    test_a6(dst, 0x55, 5); /* the default route */
    assert_true(dp_route_lookup6(&e->f.routes, dst, &nh));
    test_a6(want, 1, 2);
    assert_memory_equal(nh.ip, want, 16);
    assert_int_equal(nh.port_index, OUTSIDE);
    /* A table without a default: no route; a next hop off every IPv6 subnet is refused. */
    struct dp_routes r;
    char err[128];
    assert_int_equal(dp_routes_init(&r, "test6b", e->f.ports, 2, NULL, err, sizeof(err)), 0);
    assert_false(dp_route_lookup6(&r, dst, &nh));
    uint8_t via[16];
    test_a6(via, 3, 1);
    assert_int_equal(dp_routes_add6(&r, dst, 64, via, -1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "2001:db8:3::1 is on no port's IPv6 subnet"));
    test_a6(via, 2, 1);
    assert_int_equal(dp_routes_add6(&r, dst, 64, via, OUTSIDE, err, sizeof(err)), -1);
    dp_routes_free(&r);
}

/* An inner IPv6 packet as the ESP engine leaves it (data at the IPv6 header). */
static struct rte_mbuf *inner6(size_t len, const uint8_t src[16], const uint8_t dst[16],
                               uint8_t hop_limit, uint8_t proto, uint8_t first)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->f.pool);
    assert_non_null(m);
    rte_pktmbuf_adj(m, 0);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
    assert_non_null(p);
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16((uint16_t)(len - IP6));
    ip->proto = proto;
    ip->hop_limits = hop_limit;
    memcpy(ip->src_addr, src, 16);
    memcpy(ip->dst_addr, dst, 16);
    for (size_t i = IP6; i < len; i++)
        p[i] = (uint8_t)(i * 13);
    p[IP6] = first;
    return m;
}

/* A decrypted packet through forward6.c and out: what dp_forward_esp does with each. */
static void decrypted6(struct rte_mbuf *m)
{
    dp_fwd_decrypted6(&e->f.w, m);
    dp_tx_flush(&e->f.w.tx, (uint16_t)e->f.w.index, &e->f.w.counters);
}

static void test_decrypted_forwarded(void **state)
{
    (void)state;
    uint8_t src[16], dst[16];
    test_a6(src, 0xa, 1);
    test_a6(dst, 2, 2);
    decrypted6(inner6(200, src, dst, 64, IPPROTO_UDP, 0));
    struct rte_mbuf *out[16];
    assert_int_equal(sent(INSIDE, out), 1);
    const uint8_t *f = rte_pktmbuf_mtod(out[0], const uint8_t *);
    assert_memory_equal(f, &server_mac, 6);
    assert_memory_equal(f + 6, &e->f.ports[INSIDE].mac, 6);
    assert_int_equal(f[12] << 8 | f[13], RTE_ETHER_TYPE_IPV6);
    const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(f + ETH);
    assert_int_equal(ip->hop_limits, 63);
    assert_memory_equal(ip->dst_addr, dst, 16);
    assert_int_equal(rte_pktmbuf_data_len(out[0]), ETH + 200);
    assert_int_equal(e->f.w.counters.tx_packets, 1);
    rte_pktmbuf_free(out[0]);
    /* Exactly the next link's MTU passes. */
    decrypted6(inner6(1400, src, dst, 64, IPPROTO_UDP, 0));
    assert_int_equal(sent(INSIDE, out), 1);
    rte_pktmbuf_free(out[0]);
}

/* An ICMPv6 error sent back towards src (the default route: out of OUTSIDE to the peer). */
static const uint8_t *check_icmp6(struct rte_mbuf *m, uint8_t type, uint8_t code, uint32_t param,
                                  const uint8_t src[16], const uint8_t dst[16], size_t quoted)
{
    const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
    assert_memory_equal(f, &peer_mac, 6);
    const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(f + ETH);
    assert_int_equal(ip->proto, IPPROTO_ICMPV6);
    assert_memory_equal(ip->src_addr, src, 16);
    assert_memory_equal(ip->dst_addr, dst, 16);
    size_t plen = rte_be_to_cpu_16(ip->payload_len);
    assert_int_equal(plen, 8 + quoted);
    assert_int_equal(rte_pktmbuf_data_len(m), ETH + IP6 + plen);
    assert_true(IP6 + plen <= DP_ICMP6_MAX_LEN);
    const uint8_t *icmp = (const uint8_t *)(ip + 1);
    assert_int_equal(icmp[0], type);
    assert_int_equal(icmp[1], code);
    assert_int_equal((uint32_t)icmp[4] << 24 | icmp[5] << 16 | icmp[6] << 8 | icmp[7], param);
    assert_int_equal(dp_ipv6_l4_sum(ip, IPPROTO_ICMPV6, icmp, plen), 0xffff);
    return icmp + 8;
}

static void test_hop_limit_exceeded(void **state)
{
    (void)state;
    uint8_t src[16], dst[16], ours[16];
    test_a6(src, 0xa, 1);
    test_a6(dst, 2, 2);
    test_a6(ours, 2, 1); /* from our address on the side the packet was going to */
    for (uint8_t hl = 0; hl <= 1; hl++) {
        struct rte_mbuf *m = inner6(100, src, dst, hl, IPPROTO_UDP, 0);
        uint8_t copy[100];
        memcpy(copy, rte_pktmbuf_mtod(m, uint8_t *), sizeof(copy));
        decrypted6(m);
        struct rte_mbuf *out[16];
        assert_int_equal(sent(INSIDE, out), 0);
        assert_int_equal(sent(OUTSIDE, out), 1);
        const uint8_t *quote = check_icmp6(out[0], DP_ICMP6_TIME_EXCEEDED,
                                           DP_ICMP6_HOP_LIMIT_EXCEEDED, 0, ours, src, 100);
        assert_memory_equal(quote, copy, 100);
        rte_pktmbuf_free(out[0]);
    }
    assert_int_equal(e->f.w.counters.drop_ttl_expired, 2);
    assert_int_equal(e->f.w.counters.icmp6_time_exceeded, 2);
}

static void test_packet_too_big(void **state)
{
    (void)state;
    uint8_t src[16], dst[16], ours[16];
    test_a6(src, 0xa, 1);
    test_a6(dst, 2, 2);
    test_a6(ours, 2, 1);
    decrypted6(inner6(1401, src, dst, 64, IPPROTO_TCP, 0));
    struct rte_mbuf *out[16];
    assert_int_equal(sent(INSIDE, out), 0);
    assert_int_equal(sent(OUTSIDE, out), 1);
    /* The quote stops where the error would pass 1280 bytes. */
    check_icmp6(out[0], DP_ICMP6_PACKET_TOO_BIG, 0, 1400, ours, src, 1280 - IP6 - 8);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->f.w.counters.drop_ip6_too_big, 1);
    assert_int_equal(e->f.w.counters.icmp6_packet_too_big, 1);
}

static void test_no_error_about_errors(void **state)
{
    (void)state;
    uint8_t src[16], dst[16];
    test_a6(src, 0xa, 1);
    test_a6(dst, 2, 2);
    struct rte_mbuf *out[16];
    /* About an ICMPv6 error (Destination Unreachable): never. */
    decrypted6(inner6(100, src, dst, 1, IPPROTO_ICMPV6, 1));
    decrypted6(inner6(1500, src, dst, 64, IPPROTO_ICMPV6, DP_ICMP6_PACKET_TOO_BIG));
    assert_int_equal(e->f.w.counters.icmp_suppressed, 2);
    /* About an echo request (informational): yes. */
    decrypted6(inner6(100, src, dst, 1, IPPROTO_ICMPV6, 128));
    assert_int_equal(sent(OUTSIDE, out), 1);
    rte_pktmbuf_free(out[0]);
    /* From a multicast or unspecified source: no single host to tell. */
    uint8_t group[16] = {0xff, 0x0e, [15] = 1}, none[16] = {0};
    decrypted6(inner6(100, group, dst, 1, IPPROTO_UDP, 0));
    decrypted6(inner6(100, none, dst, 1, IPPROTO_UDP, 0));
    /* An ICMPv6 error hidden behind a fragment header that is not the first: not known, none. */
    struct rte_mbuf *m = inner6(100, src, dst, 1, IPPROTO_FRAGMENT, IPPROTO_ICMPV6);
    uint8_t *frag = rte_pktmbuf_mtod_offset(m, uint8_t *, IP6);
    frag[2] = 0;
    frag[3] = 0x08; /* offset 1 */
    decrypted6(m);
    assert_int_equal(e->f.w.counters.icmp_suppressed, 5);
    assert_int_equal(sent(OUTSIDE, out), 0);
    /* Behind a first fragment it is seen: an echo request gets its error. */
    m = inner6(100, src, dst, 1, IPPROTO_FRAGMENT, IPPROTO_ICMPV6);
    frag = rte_pktmbuf_mtod_offset(m, uint8_t *, IP6);
    frag[2] = 0;
    frag[3] = 1; /* offset 0, more fragments */
    frag[8] = 128;
    decrypted6(m);
    assert_int_equal(sent(OUTSIDE, out), 1);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->f.w.counters.drop_ttl_expired, 6);
    assert_int_equal(e->f.w.counters.drop_ip6_too_big, 1);
}

static void test_rate_limit(void **state)
{
    (void)state;
    uint8_t src[16], dst[16];
    test_a6(src, 0xa, 1);
    test_a6(dst, 2, 2);
    dp_icmp_limiter_init(&e->f.w.icmp, 10, rte_get_timer_hz(), rte_get_timer_cycles());
    for (unsigned i = 0; i < 5; i++)
        decrypted6(inner6(100, src, dst, 1, IPPROTO_UDP, 0));
    struct rte_mbuf *out[16];
    unsigned n = sent(OUTSIDE, out);
    assert_int_equal(n, 1); /* a burst of a tenth of a second's worth: one */
    rte_pktmbuf_free_bulk(out, n);
    assert_int_equal(e->f.w.counters.icmp_rate_limited, 4);
    assert_int_equal(e->f.w.counters.drop_ttl_expired, 5);
}

/* Hands a frame to the control lcore as a worker would and lets it run. */
static void to_ctrl(struct rte_mbuf *m, unsigned port)
{
    m->port = e->f.ports[port].id;
    assert_int_equal(rte_ring_enqueue(e->f.to_ctrl, m), 0);
    assert_int_equal(dp_ctrl_poll(&e->ctrl), 1);
}

static void test_nd_answered_and_learnt(void **state)
{
    (void)state;
    uint8_t host[16], ours[16];
    test_a6(host, 1, 0x33);
    test_a6(ours, 1, 1);
    static const struct rte_ether_addr host_mac = {{2, 0, 0, 0, 0, 0x33}};
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->f.pool);
    assert_true(dp_nd_build_solicit(m, &host_mac, host, ours));
    to_ctrl(m, OUTSIDE);
    struct rte_mbuf *out[16];
    assert_int_equal(sent(OUTSIDE, out), 1);
    struct dp_nd_msg nd;
    const uint8_t *f = rte_pktmbuf_mtod(out[0], const uint8_t *);
    assert_int_equal(dp_nd_parse(f + ETH, rte_pktmbuf_data_len(out[0]) - ETH, &nd), DP_ND_OK);
    assert_int_equal(nd.type, DP_ICMP6_NEIGHBOR_ADVERT);
    assert_int_equal(nd.flags, DP_ND_FLAG_SOLICITED | DP_ND_FLAG_OVERRIDE);
    assert_memory_equal(nd.target, ours, 16);
    assert_memory_equal(nd.src, ours, 16);
    assert_memory_equal(nd.dst, host, 16);
    assert_memory_equal(&nd.lladdr, &e->f.ports[OUTSIDE].mac, 6);
    assert_memory_equal(f, &host_mac, 6);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->ctrl.counters.nd_adverts, 1);
    /* The solicitor was learnt from its source link-layer option. */
    struct rte_ether_addr mac;
    uint16_t port;
    assert_true(dp_neigh_lookup6(&e->f.neigh, host, &mac, &port));
    assert_memory_equal(&mac, &host_mac, 6);
    assert_int_equal(port, e->f.ports[OUTSIDE].id);

    /* For somebody else's address: learnt, not answered. */
    uint8_t other[16];
    test_a6(other, 1, 0x44);
    m = rte_pktmbuf_alloc(e->f.pool);
    assert_true(dp_nd_build_solicit(m, &host_mac, host, other));
    to_ctrl(m, OUTSIDE);
    assert_int_equal(sent(OUTSIDE, out), 0);
    /* Routed here (hop limit not 255): ignored and counted. */
    m = rte_pktmbuf_alloc(e->f.pool);
    assert_true(dp_nd_build_solicit(m, &host_mac, host, ours));
    rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH)->hop_limits = 64;
    to_ctrl(m, OUTSIDE);
    assert_int_equal(sent(OUTSIDE, out), 0);
    assert_int_equal(e->ctrl.counters.nd_bad_hop_limit, 1);
    /* On the wrong port (our outside address asked on the inside link): not ours there. */
    m = rte_pktmbuf_alloc(e->f.pool);
    assert_true(dp_nd_build_solicit(m, &host_mac, host, ours));
    to_ctrl(m, INSIDE);
    assert_int_equal(sent(INSIDE, out), 0);
    assert_int_equal(e->ctrl.counters.rx_nd, 4);
}

static void test_nd_duplicate_address_check_defended(void **state)
{
    (void)state;
    uint8_t ours[16], none[16] = {0};
    test_a6(ours, 1, 1);
    static const struct rte_ether_addr host_mac = {{2, 0, 0, 0, 0, 0x35}};
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->f.pool);
    assert_true(dp_nd_build_solicit(m, &host_mac, none, ours));
    /* From :: a solicitation carries no link-layer option (RFC 4861 7.1.1). */
    struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH);
    ip->payload_len = rte_cpu_to_be_16(24);
    rte_pktmbuf_trim(m, 8);
    uint8_t *icmp = (uint8_t *)(ip + 1);
    icmp[2] = icmp[3] = 0;
    uint16_t sum = (uint16_t)~dp_ipv6_l4_sum(ip, IPPROTO_ICMPV6, icmp, 24);
    memcpy(icmp + 2, &sum, 2);
    to_ctrl(m, OUTSIDE);
    struct rte_mbuf *out[16];
    assert_int_equal(sent(OUTSIDE, out), 1);
    struct dp_nd_msg nd;
    const uint8_t *f = rte_pktmbuf_mtod(out[0], const uint8_t *);
    assert_int_equal(dp_nd_parse(f + ETH, rte_pktmbuf_data_len(out[0]) - ETH, &nd), DP_ND_OK);
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
    static const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    assert_memory_equal(nd.dst, all_nodes, 16);
    assert_memory_equal(f, all_mac, 6);
    assert_int_equal(nd.flags, DP_ND_FLAG_OVERRIDE);
    rte_pktmbuf_free(out[0]);
}

static void test_worker_solicits_then_forwards(void **state)
{
    (void)state;
    uint8_t src[16], dst[16], ours[16];
    test_a6(src, 0xa, 1);
    test_a6(dst, 2, 7); /* on the inside link, not known yet */
    test_a6(ours, 2, 1);
    decrypted6(inner6(100, src, dst, 64, IPPROTO_UDP, 0));
    assert_int_equal(e->f.w.counters.drop_no_neighbour, 1);
    assert_int_equal(e->f.w.counters.nd_solicits, 1);
    struct rte_mbuf *out[16];
    assert_int_equal(sent(INSIDE, out), 1);
    struct dp_nd_msg nd;
    const uint8_t *f = rte_pktmbuf_mtod(out[0], const uint8_t *);
    assert_int_equal(dp_nd_parse(f + ETH, rte_pktmbuf_data_len(out[0]) - ETH, &nd), DP_ND_OK);
    assert_int_equal(nd.type, DP_ICMP6_NEIGHBOR_SOLICIT);
    assert_memory_equal(nd.target, dst, 16);
    assert_memory_equal(nd.src, ours, 16);
    assert_memory_equal(&nd.lladdr, &e->f.ports[INSIDE].mac, 6);
    static const uint8_t group_mac[6] = {0x33, 0x33, 0xff, 0, 0, 7};
    assert_memory_equal(f, group_mac, 6);
    rte_pktmbuf_free(out[0]);
    /* The host answers; the control lcore learns it; the next packet goes out to it. */
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->f.pool);
    assert_true(dp_nd_build_advert(m, &new_host_mac, dst, ours, &e->f.ports[INSIDE].mac));
    to_ctrl(m, INSIDE);
    decrypted6(inner6(100, src, dst, 64, IPPROTO_UDP, 0));
    assert_int_equal(sent(INSIDE, out), 1);
    assert_memory_equal(rte_pktmbuf_mtod(out[0], uint8_t *), &new_host_mac, 6);
    rte_pktmbuf_free(out[0]);
    /* A configured neighbour is not replaced by an advertisement. */
    test_a6(dst, 2, 2);
    m = rte_pktmbuf_alloc(e->f.pool);
    assert_true(dp_nd_build_advert(m, &new_host_mac, dst, ours, &e->f.ports[INSIDE].mac));
    to_ctrl(m, INSIDE);
    struct rte_ether_addr mac;
    uint16_t port;
    assert_true(dp_neigh_lookup6(&e->f.neigh, dst, &mac, &port));
    assert_memory_equal(&mac, &server_mac, 6);
}

/* ---- the tunnel: IPv6 plaintext and IPv4-in-IPv6 out, IPv6 ESP in ---- */

/* 10.N.0.0/16 and 2001:db8:N::/48 (N = 0xa: 10.10/16 and 2001:db8:a::/48) */
static void nets(struct ike_ts_set *set, uint8_t n)
{
    struct ike_ts v4 = {.type = IKE_TS_IPV4_ADDR_RANGE,
                        .end_port = 65535,
                        .start_addr = {10, n},
                        .end_addr = {10, n, 255, 255}};
    struct ike_ts v6 = {.type = IKE_TS_IPV6_ADDR_RANGE, .end_port = 65535};
    test_a6(v6.start_addr, n, 0);
    test_a6(v6.end_addr, n, 0);
    memset(v6.end_addr + 6, 0xff, 10);
    set->nts = 2;
    set->ts[0] = v4;
    set->ts[1] = v6;
}

static void install_child(uint32_t spi_in, uint32_t spi_out, uint8_t local_net, uint8_t remote_net)
{
    struct ike_child_sa c;
    memset(&c, 0, sizeof(c));
    c.spi_in = spi_in;
    c.spi_out = spi_out;
    c.alg.encr.id = IKE_ENCR_AES_GCM_16;
    c.alg.encr.key_bits = 128;
    c.alg.esn = IKE_ESN_NO_ESN;
    c.encr_key_len = 20;
    memset(c.encr_in, 0x5a, sizeof(c.encr_in));
    memset(c.encr_out, 0x5a, sizeof(c.encr_out));
    c.local.family = c.remote.family = 6;
    test_a6(c.local.ip, 1, 1);
    test_a6(c.remote.ip, 1, 2);
    c.udp_encap = true;
    c.remote.port = 4500;
    nets(&c.ts_local, local_net);
    nets(&c.ts_remote, remote_net);
    char err[160];
    assert_int_equal(dp_sadb_install_manual(&e->sadb, &c, false, err, sizeof(err)), 0);
}

/*
 * The tunnel (IPv6 outer: 2001:db8:1::1 <-> the peer 2001:db8:1::2, ESP in
 * UDP, one key) as two Child SAs: ours, inside nets (10.2/16, 2001:db8:2::/48)
 * <-> far nets (10.10/16, 2001:db8:a::/48), sending with SPI 0x3000 and
 * receiving 0x3001; and its mirror, the peer's view, receiving 0x3000 and
 * sending 0x3001. So what the worker seals is opened by the mirror, and what
 * the test seals as the peer (the mirror's SPD entry) is opened by ours.
 */
static void install_tunnel(void)
{
    static bool done;
    if (done)
        return;
    char err[160];
    assert_int_equal(dp_sadb_init(&e->sadb, 1, err, sizeof(err)), 0);
    assert_int_equal(dp_esp_engine_init(&e->f.w.esp), 0);
    install_child(0x3001, 0x3000, 2, 0xa);
    install_child(0x3000, 0x3001, 0xa, 2);
    e->f.w.sadb = &e->sadb;
    done = true;
}

/* A plaintext Ethernet frame arriving on the inside port around the packet at p. */
static struct rte_mbuf *on_inside(struct rte_mbuf *m, uint16_t ether_type)
{
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, ETH);
    assert_non_null(eth);
    eth->dst_addr = e->f.ports[INSIDE].mac;
    eth->src_addr = server_mac;
    eth->ether_type = rte_cpu_to_be_16(ether_type);
    m->port = e->f.ports[INSIDE].id;
    return m;
}

/* Checks the ESP-in-UDP-in-IPv6 frame m went to the peer, and opens it: m's data is the inner. */
static void open_tunnel(struct rte_mbuf *m)
{
    const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
    assert_memory_equal(f, &peer_mac, 6);
    assert_int_equal(f[12] << 8 | f[13], RTE_ETHER_TYPE_IPV6);
    const struct rte_ipv6_hdr *outer = (const struct rte_ipv6_hdr *)(f + ETH);
    uint8_t ours[16], peer[16];
    test_a6(ours, 1, 1);
    test_a6(peer, 1, 2);
    assert_memory_equal(outer->src_addr, ours, 16);
    assert_memory_equal(outer->dst_addr, peer, 16);
    assert_int_equal(outer->proto, IPPROTO_UDP);
    assert_int_equal(rte_pktmbuf_data_len(m), ETH + IP6 + rte_be_to_cpu_16(outer->payload_len));
    struct dp_worker_counters c = {0};
    assert_int_equal(dp_esp_decrypt(&e->f.w.esp, &e->sadb, m, ETH + IP6 + 8, &c), 0);
}

static void test_plain6_into_tunnel(void **state)
{
    (void)state;
    install_tunnel();
    uint8_t src[16], dst[16];
    test_a6(src, 2, 2);
    test_a6(dst, 0xa, 5);
    struct rte_mbuf *m = on_inside(inner6(300, src, dst, 64, IPPROTO_UDP, 0), RTE_ETHER_TYPE_IPV6);
    dp_forward_plain(&e->f.w, &m, 1);
    struct rte_mbuf *out[16];
    assert_int_equal(sent(OUTSIDE, out), 1);
    open_tunnel(out[0]);
    const struct rte_ipv6_hdr *inner = rte_pktmbuf_mtod(out[0], const struct rte_ipv6_hdr *);
    assert_int_equal(rte_pktmbuf_data_len(out[0]), 300);
    assert_int_equal(inner->hop_limits, 63);
    assert_memory_equal(inner->dst_addr, dst, 16);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->f.w.counters.esp_encrypted, 1);
}

static void test_ipv4_in_ipv6(void **state)
{
    (void)state;
    install_tunnel();
    uint8_t pkt[100];
    memset(pkt, 0x3c, sizeof(pkt));
    struct rte_ipv4_hdr ip = {.version_ihl = RTE_IPV4_VHL_DEF,
                              .total_length = rte_cpu_to_be_16(sizeof(pkt)),
                              .time_to_live = 64,
                              .next_proto_id = IPPROTO_UDP,
                              .src_addr = rte_cpu_to_be_32(0x0a020002),
                              .dst_addr = rte_cpu_to_be_32(0x0a0a0005)};
    ip.hdr_checksum = rte_ipv4_cksum(&ip);
    memcpy(pkt, &ip, sizeof(ip));
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->f.pool);
    assert_non_null(m);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, sizeof(pkt));
    assert_non_null(p);
    memcpy(p, pkt, sizeof(pkt));
    m = on_inside(m, RTE_ETHER_TYPE_IPV4);
    dp_forward_plain(&e->f.w, &m, 1);
    struct rte_mbuf *out[16];
    assert_int_equal(sent(OUTSIDE, out), 1);
    open_tunnel(out[0]);
    const struct rte_ipv4_hdr *inner = rte_pktmbuf_mtod(out[0], const struct rte_ipv4_hdr *);
    assert_int_equal(inner->version_ihl >> 4, 4);
    assert_int_equal(inner->time_to_live, 63);
    assert_int_equal(inner->dst_addr, rte_cpu_to_be_32(0x0a0a0005));
    assert_int_equal(rte_ipv4_cksum(inner), 0); /* the header checksum was updated */
    rte_pktmbuf_free(out[0]);
}

static void test_plain6_too_big_for_tunnel(void **state)
{
    (void)state;
    install_tunnel();
    uint8_t src[16], dst[16], ours[16];
    test_a6(src, 2, 2);
    test_a6(dst, 0xa, 5);
    test_a6(ours, 2, 1);
    uint8_t peer[16];
    test_a6(peer, 1, 2);
    struct dp_esp_sa *sa = spd_probe6(&e->sadb, src, dst);
    assert_non_null(sa);
    size_t max = dp_esp_max_inner(sa, 1500);
    assert_true(max > 1280 && max < 1500 - IP6 - 8);
    /* The largest that fits leaves as an outer packet of at most 1500 bytes. */
    struct rte_mbuf *m = on_inside(inner6(max, src, dst, 64, IPPROTO_UDP, 0), RTE_ETHER_TYPE_IPV6);
    dp_forward_plain(&e->f.w, &m, 1);
    struct rte_mbuf *out[16];
    assert_int_equal(sent(OUTSIDE, out), 1);
    assert_true(rte_pktmbuf_data_len(out[0]) - ETH <= 1500);
    assert_true(rte_pktmbuf_data_len(out[0]) - ETH > 1500 - 4); /* GCM pads to 4 bytes */
    rte_pktmbuf_free(out[0]);
    /* One byte more: Packet Too Big to the sender on the inside, with the tunnel's MTU. */
    m = on_inside(inner6(max + 1, src, dst, 64, IPPROTO_UDP, 0), RTE_ETHER_TYPE_IPV6);
    dp_forward_plain(&e->f.w, &m, 1);
    assert_int_equal(sent(OUTSIDE, out), 0);
    assert_int_equal(sent(INSIDE, out), 1);
    const uint8_t *f = rte_pktmbuf_mtod(out[0], const uint8_t *);
    assert_memory_equal(f, &server_mac, 6);
    const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(f + ETH);
    assert_memory_equal(ip->src_addr, ours, 16);
    assert_memory_equal(ip->dst_addr, src, 16);
    const uint8_t *icmp = (const uint8_t *)(ip + 1);
    assert_int_equal(icmp[0], DP_ICMP6_PACKET_TOO_BIG);
    assert_int_equal((size_t)(icmp[4] << 24 | icmp[5] << 16 | icmp[6] << 8 | icmp[7]), max);
    assert_int_equal(dp_ipv6_l4_sum(ip, IPPROTO_ICMPV6, icmp, rte_be_to_cpu_16(ip->payload_len)),
                     0xffff);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->f.w.counters.icmp6_packet_too_big, 1);
}

/* The peer's ESP over IPv6 carrying `inner` (sealed with the shared SA), as a frame on outside. */
static struct rte_mbuf *from_peer(struct rte_mbuf *inner)
{
    struct dp_esp_sa *sa = dp_spd_lookup6(&e->sadb, rte_pktmbuf_mtod(inner, struct rte_ipv6_hdr *),
                                          rte_pktmbuf_data_len(inner));
    assert_non_null(sa);
    struct dp_worker_counters c = {0};
    assert_int_equal(dp_esp_encrypt(&e->f.w.esp, sa, inner, 0, &c), 0);
    /* Sealed by "us" towards the peer: swap the outer addresses as the peer would send it. */
    struct rte_ipv6_hdr *outer = rte_pktmbuf_mtod(inner, struct rte_ipv6_hdr *);
    uint8_t tmp[16];
    memcpy(tmp, outer->src_addr, 16);
    memcpy(outer->src_addr, outer->dst_addr, 16);
    memcpy(outer->dst_addr, tmp, 16);
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(inner, ETH);
    eth->dst_addr = e->f.ports[OUTSIDE].mac;
    eth->src_addr = peer_mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
    inner->port = e->f.ports[OUTSIDE].id;
    return inner;
}

static void test_esp6_from_peer(void **state)
{
    (void)state;
    install_tunnel();
    uint8_t src[16], dst[16], ours[16];
    test_a6(src, 0xa, 5);
    test_a6(dst, 2, 2);
    test_a6(ours, 2, 1);
    struct rte_mbuf *m = from_peer(inner6(200, src, dst, 64, IPPROTO_UDP, 0));
    dp_forward_esp(&e->f.w, &m, 1);
    struct rte_mbuf *out[16];
    assert_int_equal(sent(INSIDE, out), 1);
    const uint8_t *f = rte_pktmbuf_mtod(out[0], const uint8_t *);
    assert_memory_equal(f, &server_mac, 6);
    const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(f + ETH);
    assert_int_equal(ip->hop_limits, 63);
    assert_int_equal(rte_pktmbuf_data_len(out[0]), ETH + 200);
    rte_pktmbuf_free(out[0]);
    /* Hop limit 1 inside the tunnel: Time Exceeded goes back into it, to the sender. */
    m = from_peer(inner6(200, src, dst, 1, IPPROTO_UDP, 0));
    dp_forward_esp(&e->f.w, &m, 1);
    assert_int_equal(sent(INSIDE, out), 0);
    assert_int_equal(sent(OUTSIDE, out), 1);
    open_tunnel(out[0]);
    const struct rte_ipv6_hdr *err = rte_pktmbuf_mtod(out[0], const struct rte_ipv6_hdr *);
    assert_memory_equal(err->src_addr, ours, 16);
    assert_memory_equal(err->dst_addr, src, 16);
    assert_int_equal(((const uint8_t *)(err + 1))[0], DP_ICMP6_TIME_EXCEEDED);
    rte_pktmbuf_free(out[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_route_lookup6, reset),
        cmocka_unit_test_setup(test_decrypted_forwarded, reset),
        cmocka_unit_test_setup(test_hop_limit_exceeded, reset),
        cmocka_unit_test_setup(test_packet_too_big, reset),
        cmocka_unit_test_setup(test_no_error_about_errors, reset),
        cmocka_unit_test_setup(test_rate_limit, reset),
        cmocka_unit_test_setup(test_nd_answered_and_learnt, reset),
        cmocka_unit_test_setup(test_nd_duplicate_address_check_defended, reset),
        cmocka_unit_test_setup(test_worker_solicits_then_forwards, reset),
        cmocka_unit_test_setup(test_plain6_into_tunnel, reset),
        cmocka_unit_test_setup(test_ipv4_in_ipv6, reset),
        cmocka_unit_test_setup(test_plain6_too_big_for_tunnel, reset),
        cmocka_unit_test_setup(test_esp6_from_peer, reset),
    };
    return cmocka_run_group_tests_name("ipv6_net", tests, group_setup, group_teardown);
}
