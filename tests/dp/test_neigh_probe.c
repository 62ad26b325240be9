/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour aging on the control lcore (lib/dp/ctrl/ctrl.c over neigh_age.c), on
 * a dual-stack net_ring port read back: a neighbour learnt from ARP or
 * neighbour discovery and silent for `reachable` gets unicast probes (an ARP
 * request to its MAC, a neighbour solicitation to its address and MAC),
 * checked field by field, once a second up to `probes`, and is then removed,
 * so that workers miss it and ask the whole link again; an answer (an ARP
 * reply, a solicited advertisement with or without its link-layer option)
 * keeps it. The clock is the control lcore's, moved forward by the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_ctrl.h"
#include "dp_nd.h"
#include "dp_neigh.h"
#include "dp_pkt.h"
#include "ring_port.h"
#include "test_eal.h"
#include "test_pkt.h"

#define SEC 1000000000ull
#define ETH 14
#define IP6 40

struct env {
    struct rte_mempool *pool;
    struct rte_ring *ring; /* the port's TX (and RX) ring */
    struct rte_ring *to_ctrl;
    struct dp_port ports[1];
    struct dp_neigh_table neigh;
    struct dp_ctrl ctrl;
};
static struct env *e;

static const struct rte_ether_addr host_mac = {{2, 0, 0, 0, 0, 0x07}};

/* 2001:db8:1::H */
static void a6(uint8_t out[16], uint8_t host)
{
    test_a6(out, 1, host);
}

static int group_setup(void **state)
{
    (void)state;
    if (test_eal_init("test_neigh_probe", "0", "300") < 0)
        return -1;
    static struct env env;
    e = &env;
    e->pool = rte_pktmbuf_pool_create("nprobe", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    e->to_ctrl = rte_ring_create("nprobe_ctrl", 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    struct dp_port *p = &e->ports[0];
    if (e->pool == NULL || e->to_ctrl == NULL ||
        test_dp_port(p, 0, "outside", test_ip4(198, 51, 100, 1), e->pool, NULL, &e->ring) < 0)
        return -1;
    uint8_t ours[16];
    a6(ours, 1);
    test_dp_port_ip6(p, ours);
    p->ctrl_txq = 0; /* the test is the only lcore */
    e->ctrl = (struct dp_ctrl){.from_workers = e->to_ctrl,
                               .pool = e->pool,
                               .ports = e->ports,
                               .nports = 1,
                               .neigh = &e->neigh,
                               .neigh_aging = {.reachable_ns = 30 * SEC, .probes = 3}};
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_eal_cleanup();
    return 0;
}

static unsigned sent(struct rte_mbuf **out, unsigned max)
{
    return rte_ring_dequeue_burst(e->ring, (void **)out, max, NULL);
}

static void drain(void)
{
    struct rte_mbuf *m[16];
    unsigned n = sent(m, 16);
    rte_pktmbuf_free_bulk(m, n);
}

/* Hands a frame to the control lcore as a worker would and lets it run. */
static void to_ctrl(struct rte_mbuf *m)
{
    m->port = e->ports[0].id;
    assert_int_equal(rte_ring_enqueue(e->to_ctrl, m), 0);
    assert_int_equal(dp_ctrl_poll(&e->ctrl), 1);
}

/* Each test on an empty table (its clock runs ahead of the others'), counters at 0. */
static int reset(void **state)
{
    (void)state;
    memset(&e->neigh, 0, sizeof(e->neigh));
    memset(&e->ctrl.counters, 0, sizeof(e->ctrl.counters));
    drain();
    return 0;
}

/* Enough ticks at one instant to look at every slot (dp_neigh_age's cursor). */
static void tick_at(uint64_t now)
{
    for (unsigned i = 0; i < DP_NEIGH_SLOTS / DP_NEIGH_AGE_SLOTS; i++)
        dp_ctrl_age_neighbours(&e->ctrl, now);
}

static void arp_from_host(uint16_t op, uint32_t sip, uint32_t tip)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    assert_non_null(m);
    struct rte_ether_hdr *eth =
        (struct rte_ether_hdr *)rte_pktmbuf_append(m, ETH + sizeof(struct rte_arp_hdr));
    struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
    eth->src_addr = host_mac;
    eth->dst_addr = e->ports[0].mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
    *arp = (struct rte_arp_hdr){
        .arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER),
        .arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4),
        .arp_hlen = RTE_ETHER_ADDR_LEN,
        .arp_plen = 4,
        .arp_opcode = rte_cpu_to_be_16(op),
        .arp_data = {
            .arp_sha = host_mac, .arp_sip = sip, .arp_tha = e->ports[0].mac, .arp_tip = tip}};
    to_ctrl(m);
}

/* The one frame the last tick sent: a unicast ARP request for ip to the host's MAC. */
static void expect_arp_probe(uint32_t ip)
{
    struct rte_mbuf *f[4];
    assert_int_equal(sent(f, 4), 1);
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(f[0], const struct rte_ether_hdr *);
    assert_memory_equal(&eth->dst_addr, &host_mac, 6);
    assert_memory_equal(&eth->src_addr, &e->ports[0].mac, 6);
    assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_ARP);
    const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(eth + 1);
    assert_int_equal(rte_be_to_cpu_16(arp->arp_hardware), RTE_ARP_HRD_ETHER);
    assert_int_equal(rte_be_to_cpu_16(arp->arp_protocol), RTE_ETHER_TYPE_IPV4);
    assert_int_equal(arp->arp_hlen, 6);
    assert_int_equal(arp->arp_plen, 4);
    assert_int_equal(rte_be_to_cpu_16(arp->arp_opcode), RTE_ARP_OP_REQUEST);
    assert_memory_equal(&arp->arp_data.arp_sha, &e->ports[0].mac, 6);
    assert_int_equal(arp->arp_data.arp_sip, e->ports[0].ip);
    static const struct rte_ether_addr zero;
    assert_memory_equal(&arp->arp_data.arp_tha, &zero, 6);
    assert_int_equal(arp->arp_data.arp_tip, ip);
    rte_pktmbuf_free(f[0]);
}

static unsigned probes_of4(uint32_t ip)
{
    struct dp_neigh_entry list[8];
    unsigned n = dp_neigh_list4(&e->neigh, list, 8);
    for (unsigned i = 0; i < n; i++) {
        if (memcmp(list[i].ip, &ip, 4) == 0)
            return list[i].probes;
    }
    fail_msg("not in the table");
    return 0;
}

static void test_arp_probes_then_removal(void **state)
{
    (void)state;
    uint32_t host = test_ip4(198, 51, 100, 7);
    arp_from_host(RTE_ARP_OP_REQUEST, host, e->ports[0].ip);
    uint64_t t0 = dp_ctrl_now_ns(); /* learnt just before */
    drain();                        /* our reply */
    struct rte_ether_addr mac;
    uint16_t port;
    assert_true(dp_neigh_lookup(&e->neigh, host, &mac, &port));
    struct rte_mbuf *f[4];
    tick_at(t0 + 29 * SEC);
    assert_int_equal(sent(f, 4), 0);
    for (unsigned i = 0; i < 3; i++) {
        tick_at(t0 + (30 + i) * SEC);
        expect_arp_probe(host);
        assert_int_equal(probes_of4(host), i + 1);
        tick_at(t0 + (30 + i) * SEC + SEC / 2); /* once a second at most */
        assert_int_equal(sent(f, 4), 0);
        assert_true(dp_neigh_lookup(&e->neigh, host, &mac, &port)); /* still used meanwhile */
    }
    tick_at(t0 + 33 * SEC);
    assert_int_equal(sent(f, 4), 0);
    assert_false(dp_neigh_lookup(&e->neigh, host, &mac, &port));
    assert_int_equal(e->ctrl.counters.neigh_probes, 3);
    assert_int_equal(e->ctrl.counters.arp_requests, 3);
    assert_int_equal(e->ctrl.counters.neigh_expired, 1);
}

static void test_arp_reply_keeps_it(void **state)
{
    (void)state;
    uint32_t host = test_ip4(198, 51, 100, 8);
    arp_from_host(RTE_ARP_OP_REQUEST, host, e->ports[0].ip);
    uint64_t t0 = dp_ctrl_now_ns();
    drain();
    tick_at(t0 + 30 * SEC);
    expect_arp_probe(host);
    tick_at(t0 + 31 * SEC);
    expect_arp_probe(host);
    /* Its reply to the probe: confirmed, its probes forgotten. */
    arp_from_host(RTE_ARP_OP_REPLY, host, e->ports[0].ip);
    assert_int_equal(probes_of4(host), 0);
    struct rte_mbuf *f[4];
    assert_int_equal(sent(f, 4), 0); /* a reply is not answered */
    /* When it would have gone unanswered, it is only due for a first probe again. */
    tick_at(t0 + 33 * SEC);
    expect_arp_probe(host);
    struct rte_ether_addr mac;
    uint16_t port;
    assert_true(dp_neigh_lookup(&e->neigh, host, &mac, &port));
    assert_int_equal(e->ctrl.counters.neigh_expired, 0);
    assert_int_equal(probes_of4(host), 1);
}

/* A solicited advertisement of host from host_mac to our address, with or without its option. */
static void advert_from_host(const uint8_t host[16], bool with_lladdr)
{
    uint8_t ours[16];
    a6(ours, 1);
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    assert_non_null(m);
    assert_true(dp_nd_build_advert(m, &host_mac, host, ours, &e->ports[0].mac));
    if (!with_lladdr) {
        /* RFC 4861 7.2.4: the answer to a unicast solicitation may leave the option out. */
        rte_pktmbuf_trim(m, 8);
        struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH);
        ip->payload_len = rte_cpu_to_be_16(24);
        uint8_t *icmp = (uint8_t *)(ip + 1);
        memset(icmp + 2, 0, 2);
        uint16_t sum = (uint16_t)~dp_ipv6_l4_sum(ip, IPPROTO_ICMPV6, icmp, 24);
        memcpy(icmp + 2, &sum, 2);
    }
    to_ctrl(m);
}

/* The one frame the last tick sent: a unicast solicitation for host, to host_mac. */
static void expect_ns_probe(const uint8_t host[16])
{
    struct rte_mbuf *f[4];
    assert_int_equal(sent(f, 4), 1);
    const uint8_t *frame = rte_pktmbuf_mtod(f[0], const uint8_t *);
    const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
    assert_memory_equal(&eth->dst_addr, &host_mac, 6);
    assert_memory_equal(&eth->src_addr, &e->ports[0].mac, 6);
    assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV6);
    const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(frame + ETH);
    assert_memory_equal(ip->dst_addr, host, 16); /* the address itself, no multicast group */
    assert_memory_equal(ip->src_addr, e->ports[0].ip6, 16);
    /* What a receiver checks (RFC 4861 7.1.1), by veer's own parser. */
    struct dp_nd_msg nd;
    assert_int_equal(dp_nd_parse(frame + ETH, rte_pktmbuf_data_len(f[0]) - ETH, &nd), DP_ND_OK);
    assert_int_equal(ip->hop_limits, 255);
    assert_int_equal(nd.type, DP_ICMP6_NEIGHBOR_SOLICIT);
    assert_memory_equal(nd.target, host, 16);
    assert_true(nd.has_lladdr); /* our source link-layer address, for its answer */
    assert_memory_equal(&nd.lladdr, &e->ports[0].mac, 6);
    rte_pktmbuf_free(f[0]);
}

static void test_ns_probes_confirm_and_removal(void **state)
{
    (void)state;
    uint8_t host[16];
    a6(host, 0x42);
    advert_from_host(host, true);
    uint64_t t0 = dp_ctrl_now_ns();
    struct rte_ether_addr mac;
    uint16_t port;
    assert_true(dp_neigh_lookup6(&e->neigh, host, &mac, &port));
    struct rte_mbuf *f[4];
    tick_at(t0 + 29 * SEC);
    assert_int_equal(sent(f, 4), 0);
    tick_at(t0 + 30 * SEC);
    expect_ns_probe(host);
    /* Answered without the option: the entry as it is, confirmed. */
    advert_from_host(host, false);
    struct dp_neigh_entry list[4];
    assert_int_equal(dp_neigh_list6(&e->neigh, list, 4), 1);
    assert_int_equal(list[0].probes, 0);
    assert_memory_equal(&list[0].mac, &host_mac, 6);
    /* Then silent: three probes a second apart, and gone. */
    uint64_t t1 = dp_ctrl_now_ns();
    for (unsigned i = 0; i < 3; i++) {
        tick_at(t1 + (30 + i) * SEC);
        expect_ns_probe(host);
    }
    tick_at(t1 + 33 * SEC - 1);
    assert_true(dp_neigh_lookup6(&e->neigh, host, &mac, &port));
    tick_at(t1 + 33 * SEC);
    assert_int_equal(sent(f, 4), 0);
    assert_false(dp_neigh_lookup6(&e->neigh, host, &mac, &port));
    assert_int_equal(dp_neigh_list6(&e->neigh, list, 4), 0);
    assert_int_equal(e->ctrl.counters.neigh_probes, 4);
    assert_int_equal(e->ctrl.counters.nd_solicits, 4);
    assert_int_equal(e->ctrl.counters.neigh_expired, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_arp_probes_then_removal, reset),
        cmocka_unit_test_setup(test_arp_reply_keeps_it, reset),
        cmocka_unit_test_setup(test_ns_probes_confirm_and_removal, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
