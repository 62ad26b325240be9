/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packets held for a neighbour being asked for (lib/dp/neigh/neigh_hold.c)
 * on two dual-stack net_ring ports whose TX rings the test reads back (EAL
 * --no-huge): the first packets to an unknown IPv4 and IPv6 next hop are
 * held while the ARP request or solicitation goes out, and leave in order
 * to the MAC the reply or advertisement taught the control lcore; a packet
 * sent once the neighbour is known never overtakes them. Then the bounds
 * (per neighbour, per worker, neighbours at once), expiry and the worker
 * stopping, each drop counted, on a made-up clock; both families in one
 * queue. Every test ends with the pool as full as it began.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_arp.h"
#include "dp_ctrl.h"
#include "dp_forward.h"
#include "dp_nd.h"
#include "dp_neigh.h"
#include "dp_neigh_hold.h"
#include "dp_route.h"
#include "dp_worker.h"
#include "forward_priv.h"
#include "fwd_env.h"
#include "test_eal.h"
#include "test_pkt.h"

#define OUTSIDE FWD_OUTSIDE
#define INSIDE FWD_INSIDE
#define ETH 14
#define IP4 20
#define IP6 40
#define QLEN 3
#define TOTAL 64

struct env {
    struct fwd_env f;
    struct dp_ctrl ctrl;
    unsigned in_use; /* the pool's mbufs in use when the test began */
};
static struct env *e;

static int group_setup(void **state)
{
    (void)state;
    static struct env env;
    e = &env;
    /* 198.51.100.1/24 + 2001:db8:1::1/64 outside, 10.2.0.1/24 + 2001:db8:2::1/64 inside. */
    struct fwd_env_cfg cfg = fwd_env_cfg_std("test_neigh_hold");
    cfg.mem_mb = "400";
    cfg.one_ring = cfg.to_ctrl = true;
    cfg.esp = false;
    cfg.net6[OUTSIDE] = 1;
    cfg.net6[INSIDE] = 2;
    if (fwd_env_open(&e->f, &cfg) < 0)
        return -1;
    for (unsigned i = 0; i < 2; i++)
        e->f.ports[i].ctrl_txq = 0; /* the test is the only lcore */
    e->ctrl = (struct dp_ctrl){.from_workers = e->f.to_ctrl,
                               .pool = e->f.pool,
                               .ports = e->f.ports,
                               .nports = 2,
                               .neigh = &e->f.neigh};
    return 0;
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
    dp_neigh_hold_init(&e->f.w.hold, QLEN, TOTAL, DP_NEIGH_HOLD_TIMEOUT_S * rte_get_timer_hz());
    e->in_use = rte_mempool_in_use_count(e->f.pool);
    return 0;
}

/* After each test: nothing held, nothing leaked. */
static int check_pool(void **state)
{
    (void)state;
    assert_int_equal(e->f.w.hold.held, 0);
    assert_int_equal(rte_mempool_in_use_count(e->f.pool), e->in_use);
    fwd_env_pools_full(&e->f);
    return 0;
}

static unsigned sent(unsigned port, struct rte_mbuf **out)
{
    return rte_ring_dequeue_burst(e->f.tx[port], (void **)out, 32, NULL);
}

static void free_all(struct rte_mbuf **m, unsigned n)
{
    rte_pktmbuf_free_bulk(m, n);
}

/* An IP packet of family to dst (data at its IP header), its first payload byte `seq`. */
static struct rte_mbuf *packet(uint8_t family, const void *dst, uint8_t seq)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->f.pool);
    assert_non_null(m);
    size_t len = family == 6 ? IP6 + 8 : IP4 + 8;
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
    assert_non_null(p);
    memset(p, 0, len);
    if (family == 6) {
        struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
        ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
        ip->payload_len = rte_cpu_to_be_16(8);
        ip->proto = IPPROTO_UDP;
        ip->hop_limits = 64;
        test_a6(ip->src_addr, 0xa, 1);
        memcpy(ip->dst_addr, dst, 16);
        p[IP6] = seq;
    } else {
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
        ip->version_ihl = RTE_IPV4_VHL_DEF;
        ip->total_length = rte_cpu_to_be_16((uint16_t)len);
        ip->time_to_live = 64;
        ip->next_proto_id = IPPROTO_UDP;
        ip->src_addr = test_ip4(10, 1, 0, 5);
        memcpy(&ip->dst_addr, dst, 4);
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        p[IP4] = seq;
    }
    return m;
}

/* The next hop to dst, as forwarding finds it. */
static struct dp_fwd_hop hop_to(uint8_t family, const void *dst)
{
    struct dp_fwd_hop hop = {.family = family};
    if (family == 6) {
        assert_true(dp_route_lookup6(&e->f.routes, dst, &hop.v6));
        hop.port_index = hop.v6.port_index;
    } else {
        uint32_t d;
        memcpy(&d, dst, 4);
        assert_true(dp_route_lookup(&e->f.routes, d, &hop.v4));
        hop.port_index = hop.v4.port_index;
    }
    return hop;
}

/* One packet to dst through forwarding's last step, and the TX buffer flushed. */
static void forward(uint8_t family, const void *dst, uint8_t seq)
{
    struct dp_fwd_hop hop = hop_to(family, dst);
    dp_fwd_send_to_hop(&e->f.w, packet(family, dst, seq), &hop);
    dp_tx_flush(&e->f.w.tx, (uint16_t)e->f.w.index, &e->f.w.counters);
}

/* Reads back what was sent on INSIDE: `asks` ARP requests or solicitations, then nothing. */
static void expect_asks(uint8_t family, unsigned asks)
{
    struct rte_mbuf *out[32];
    unsigned n = sent(INSIDE, out);
    assert_int_equal(n, asks);
    for (unsigned i = 0; i < n; i++) {
        const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(out[i], const struct rte_ether_hdr *);
        assert_int_equal(rte_be_to_cpu_16(eth->ether_type),
                         family == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_ARP);
    }
    free_all(out, n);
}

/* Reads back n frames to mac carrying family with the payload bytes seq[0..n-1], in order. */
static void expect_frames(uint8_t family, const struct rte_ether_addr *mac, const uint8_t *seq,
                          unsigned n)
{
    struct rte_mbuf *out[32];
    assert_int_equal(sent(INSIDE, out), n);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *f = rte_pktmbuf_mtod(out[i], const uint8_t *);
        assert_memory_equal(f, mac, 6);
        assert_memory_equal(f + 6, &e->f.ports[INSIDE].mac, 6);
        assert_int_equal(f[12] << 8 | f[13],
                         family == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
        assert_int_equal(f[ETH + (family == 6 ? IP6 : IP4)], seq[i]);
    }
    free_all(out, n);
}

/* A frame from a neighbour, into the control lcore as a worker would hand it over. */
static void to_ctrl(struct rte_mbuf *m)
{
    m->port = e->f.ports[INSIDE].id;
    assert_int_equal(rte_ring_enqueue(e->f.to_ctrl, m), 0);
    assert_int_equal(dp_ctrl_poll(&e->ctrl), 1);
}

static void test_ipv4_held_until_arp_reply(void **state)
{
    (void)state;
    static const struct rte_ether_addr host_mac = {{2, 0, 0, 0, 1, 7}};
    uint32_t host = test_ip4(10, 2, 0, 7), ours = test_ip4(10, 2, 0, 1);
    for (uint8_t s = 1; s <= QLEN + 1; s++)
        forward(4, &host, s);
    /* Each miss asked; three held, the fourth over the neighbour's bound. */
    expect_asks(4, QLEN + 1);
    struct dp_worker_counters *c = &e->f.w.counters;
    assert_int_equal(c->neigh_held, QLEN);
    assert_int_equal(c->drop_neigh_hold_full, 1);
    assert_int_equal(c->drop_no_neighbour, 0);
    assert_int_equal(e->f.w.hold.held, QLEN);
    /* Nothing learnt yet: the worker's poll sends nothing. */
    dp_forward_held(&e->f.w, rte_get_timer_cycles());
    expect_asks(4, 0);
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->f.pool);
    dp_arp_build(m, &host_mac, RTE_ARP_OP_REPLY, &e->f.ports[INSIDE].mac, host, ours);
    to_ctrl(m);
    dp_forward_held(&e->f.w, rte_get_timer_cycles());
    static const uint8_t seq[] = {1, 2, 3};
    expect_frames(4, &host_mac, seq, QLEN);
    assert_int_equal(c->neigh_hold_sent, QLEN);
    /* Known now: the next packet goes straight out. */
    forward(4, &host, 9);
    static const uint8_t nine[] = {9};
    expect_frames(4, &host_mac, nine, 1);
    assert_int_equal(c->neigh_held, QLEN);
}

static void test_ipv6_held_until_advert_in_order(void **state)
{
    (void)state;
    static const struct rte_ether_addr host_mac = {{2, 0, 0, 0, 1, 8}};
    uint8_t host[16], ours[16];
    test_a6(host, 2, 8);
    test_a6(ours, 2, 1);
    /* Through the whole decrypted-packet path: route, hop limit, MTU, the miss. */
    dp_fwd_decrypted6(&e->f.w, packet(6, host, 1));
    dp_tx_flush(&e->f.w.tx, (uint16_t)e->f.w.index, &e->f.w.counters);
    forward(6, host, 2);
    expect_asks(6, 2);
    struct dp_worker_counters *c = &e->f.w.counters;
    assert_int_equal(c->nd_solicits, 2);
    assert_int_equal(c->neigh_held, 2);
    assert_int_equal(c->drop_no_neighbour, 0);
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->f.pool);
    assert_true(dp_nd_build_advert(m, &host_mac, host, ours, &e->f.ports[INSIDE].mac));
    to_ctrl(m);
    /* Learnt, but the worker has not polled: a new packet must not overtake the held ones. */
    forward(6, host, 3);
    static const uint8_t seq[] = {1, 2, 3};
    expect_frames(6, &host_mac, seq, 3);
    assert_int_equal(c->neigh_hold_sent, 2);
    assert_int_equal(e->f.w.hold.held, 0);
    assert_int_equal(e->f.w.hold.n, 0);
    /* The hop limit was decremented once, before holding. */
    dp_fwd_decrypted6(&e->f.w, packet(6, host, 4));
    dp_tx_flush(&e->f.w.tx, (uint16_t)e->f.w.index, &e->f.w.counters);
    struct rte_mbuf *out[4];
    assert_int_equal(sent(INSIDE, out), 1);
    assert_int_equal(rte_pktmbuf_mtod_offset(out[0], struct rte_ipv6_hdr *, ETH)->hop_limits, 63);
    rte_pktmbuf_free(out[0]);
}

static void test_expired_when_nobody_answers(void **state)
{
    (void)state;
    uint32_t host4 = test_ip4(10, 2, 0, 9);
    uint8_t host6[16];
    test_a6(host6, 2, 9);
    forward(4, &host4, 1);
    forward(4, &host4, 2);
    expect_asks(4, 2);
    forward(6, host6, 3);
    expect_asks(6, 1);
    uint64_t now = rte_get_timer_cycles();
    dp_forward_held(&e->f.w, now);
    assert_int_equal(e->f.w.hold.held, 3);
    /* DP_NEIGH_HOLD_TIMEOUT_S later, nothing learnt: all three dropped and counted. */
    dp_forward_held(&e->f.w, now + DP_NEIGH_HOLD_TIMEOUT_S * rte_get_timer_hz() + 1);
    assert_int_equal(e->f.w.counters.drop_neigh_hold_expired, 3);
    assert_int_equal(e->f.w.hold.n, 0);
    expect_asks(4, 0);
}

static void test_off_drops_as_before(void **state)
{
    (void)state;
    dp_neigh_hold_init(&e->f.w.hold, 0, TOTAL, 1);
    uint32_t host = test_ip4(10, 2, 0, 10);
    forward(4, &host, 1);
    expect_asks(4, 1);
    assert_int_equal(e->f.w.counters.drop_no_neighbour, 1);
    assert_int_equal(e->f.w.counters.neigh_held, 0);
}

/* ---- The queue alone, on a made-up clock, its packets handed to a recorder. ---- */

struct sent_rec {
    unsigned n;
    struct rte_mbuf *m[DP_NEIGH_HOLD_TOTAL_MAX];
    uint8_t family[DP_NEIGH_HOLD_TOTAL_MAX];
    const void *port[DP_NEIGH_HOLD_TOTAL_MAX];
    struct rte_ether_addr mac[DP_NEIGH_HOLD_TOTAL_MAX];
};

static void record(void *ctx, struct rte_mbuf *m, uint8_t family, const void *port,
                   const struct rte_ether_addr *mac)
{
    struct sent_rec *r = ctx;
    r->m[r->n] = m;
    r->family[r->n] = family;
    r->port[r->n] = port;
    r->mac[r->n] = *mac;
    r->n++;
}

static struct rte_mbuf *tagged(uint8_t tag)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->f.pool);
    assert_non_null(m);
    *(uint8_t *)rte_pktmbuf_append(m, 1) = tag;
    return m;
}

static void test_bounds_counted(void **state)
{
    (void)state;
    struct dp_neigh_hold *h = &e->f.w.hold;
    struct dp_worker_counters c = {0};
    dp_neigh_hold_init(h, 2, 5, 100);
    /* 4 neighbours, 2 packets each: 2 + 2 + 1 held, then the worker's bound. */
    for (uint8_t n = 1; n <= 4; n++) {
        uint32_t ip = test_ip4(192, 0, 2, n);
        for (uint8_t k = 0; k < 2; k++)
            dp_neigh_hold_put(h, 4, &ip, NULL, tagged(n), 0, &c);
    }
    assert_int_equal(c.neigh_held, 5);
    assert_int_equal(c.drop_neigh_hold_total, 3);
    assert_int_equal(h->held, 5);
    assert_int_equal(h->n, 3);
    /* The per-neighbour bound comes first for a neighbour already full. */
    uint32_t first = test_ip4(192, 0, 2, 1);
    dp_neigh_hold_put(h, 4, &first, NULL, tagged(1), 0, &c);
    assert_int_equal(c.drop_neigh_hold_full, 1);
    dp_neigh_hold_free(h, &c);
    assert_int_equal(c.drop_neigh_hold_stopped, 5);
    /* Neighbours at once: DP_NEIGH_HOLD_ENTRIES, even with packets to spare. */
    dp_neigh_hold_init(h, 1, DP_NEIGH_HOLD_TOTAL_MAX, 100);
    memset(&c, 0, sizeof(c));
    for (unsigned n = 0; n <= DP_NEIGH_HOLD_ENTRIES; n++) {
        uint32_t ip = test_ip4(192, 0, (uint8_t)(n >> 8), (uint8_t)n);
        dp_neigh_hold_put(h, 4, &ip, NULL, tagged(0), 0, &c);
    }
    assert_int_equal(c.neigh_held, DP_NEIGH_HOLD_ENTRIES);
    assert_int_equal(c.drop_neigh_hold_total, 1);
    dp_neigh_hold_free(h, &c);
    assert_int_equal(c.drop_neigh_hold_stopped, DP_NEIGH_HOLD_ENTRIES);
    /* Asked for more than the queue has room for: clamped. */
    dp_neigh_hold_init(h, 1000, 100000, 100);
    assert_int_equal(h->qlen, DP_NEIGH_HOLD_QLEN_MAX);
    assert_int_equal(h->total, DP_NEIGH_HOLD_TOTAL_MAX);
}

static void test_families_apart_learnt_and_expired(void **state)
{
    (void)state;
    static struct sent_rec rec;
    rec.n = 0;
    struct dp_neigh_hold *h = &e->f.w.hold;
    struct dp_neigh_table *t = &e->f.neigh;
    struct dp_worker_counters c = {0};
    static const struct rte_ether_addr mac4 = {{2, 0, 0, 0, 4, 4}}, mac6 = {{2, 0, 0, 0, 6, 6}};
    int port4, port6; /* the caller's ports: only handed back */
    dp_neigh_hold_init(h, 3, 64, 100);
    /* An IPv6 address whose first 4 bytes are the IPv4 one's: two neighbours all the same. */
    uint32_t ip4 = test_ip4(192, 0, 2, 44);
    uint8_t ip6[16] = {192, 0, 2, 44, [15] = 1};
    uint32_t silent = test_ip4(192, 0, 2, 45);
    dp_neigh_hold_put(h, 4, &ip4, &port4, tagged(1), 10, &c);
    dp_neigh_hold_put(h, 6, ip6, &port6, tagged(2), 20, &c);
    dp_neigh_hold_put(h, 4, &ip4, &port4, tagged(3), 30, &c);
    dp_neigh_hold_put(h, 4, &silent, &port4, tagged(4), 40, &c);
    assert_int_equal(h->n, 3);
    assert_int_equal(h->next_due, 110);
    /* Nothing learnt, nothing due: nothing happens. */
    dp_neigh_hold_poll(h, t, 50, record, &rec, &c);
    assert_int_equal(rec.n, 0);
    /* The IPv6 neighbour answers: its packet alone goes, to its MAC, with its port. */
    dp_neigh_learn6(t, ip6, 0, &mac6, 1);
    dp_neigh_hold_poll(h, t, 60, record, &rec, &c);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.family[0], 6);
    assert_ptr_equal(rec.port[0], &port6);
    assert_memory_equal(&rec.mac[0], &mac6, 6);
    assert_int_equal(*rte_pktmbuf_mtod(rec.m[0], uint8_t *), 2);
    assert_int_equal(h->held, 3);
    /* At 110 the oldest (IPv4, first held at 10) expires, both its packets; the other waits. */
    dp_neigh_hold_poll(h, t, 109, record, &rec, &c);
    assert_int_equal(c.drop_neigh_hold_expired, 0);
    dp_neigh_hold_poll(h, t, 110, record, &rec, &c);
    assert_int_equal(c.drop_neigh_hold_expired, 2);
    assert_int_equal(h->n, 1);
    assert_int_equal(h->next_due, 140);
    /* The silent one answers before its time: sent, in a learn of the other family's table. */
    dp_neigh_learn(t, silent, 0, &mac4, 1);
    dp_neigh_hold_poll(h, t, 120, record, &rec, &c);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.family[1], 4);
    assert_memory_equal(&rec.mac[1], &mac4, 6);
    assert_int_equal(*rte_pktmbuf_mtod(rec.m[1], uint8_t *), 4);
    assert_int_equal(c.neigh_hold_sent, 2);
    assert_int_equal(h->held, 0);
    assert_int_equal(h->next_due, UINT64_MAX);
    free_all(rec.m, rec.n);
}

static void test_stopped_frees_everything(void **state)
{
    (void)state;
    uint32_t host = test_ip4(10, 2, 0, 11);
    uint8_t host6[16];
    test_a6(host6, 2, 11);
    forward(4, &host, 1);
    expect_asks(4, 1);
    forward(6, host6, 2);
    forward(6, host6, 3);
    expect_asks(6, 2);
    assert_int_not_equal(rte_mempool_in_use_count(e->f.pool), e->in_use);
    dp_neigh_hold_free(&e->f.w.hold, &e->f.w.counters);
    assert_int_equal(e->f.w.counters.drop_neigh_hold_stopped, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ipv4_held_until_arp_reply, reset, check_pool),
        cmocka_unit_test_setup_teardown(test_ipv6_held_until_advert_in_order, reset, check_pool),
        cmocka_unit_test_setup_teardown(test_expired_when_nobody_answers, reset, check_pool),
        cmocka_unit_test_setup_teardown(test_off_drops_as_before, reset, check_pool),
        cmocka_unit_test_setup_teardown(test_bounds_counted, reset, check_pool),
        cmocka_unit_test_setup_teardown(test_families_apart_learnt_and_expired, reset, check_pool),
        cmocka_unit_test_setup_teardown(test_stopped_frees_everything, reset, check_pool),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
