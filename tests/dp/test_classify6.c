/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 frames in the classifier (every kind it hands on, every drop reason
 * with its counter) and neighbour discovery messages (lib/dp/neigh/nd.c): what
 * veer builds parses back, and each malformed or untrusted message is
 * refused with its reason (RFC 4861 7.1.1, 7.1.2). EAL --no-huge, mbufs only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp_classify.h"
#include "dp_nd.h"
#include "dp_pkt.h"
#include "test_eal.h"

#define ETH 14
#define IP6 40

static struct rte_mempool *pool;
static const struct rte_ether_addr gw_mac = {{2, 0, 0, 0, 0, 1}}, host_mac = {{2, 0, 0, 0, 0, 2}};
static const uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};    /* 2001:db8:1::1 */
static const uint8_t host6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2};  /* 2001:db8:1::2 */
static const uint8_t far6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xa, [15] = 5}; /* 2001:db8:a::5 */
static const uint8_t link_local[16] = {0xfe, 0x80, [15] = 9};
static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
static const uint8_t unspecified[16];

static int group_setup(void **state)
{
    (void)state;
    return test_eal_pool("test_classify6", "64", 256, &pool);
}

static const struct dp_addrs *local(void)
{
    static struct dp_addrs l;
    l.n = 2;
    l.a[0] = (struct dp_addr){.family = 4, .prefix_len = 24, .ip = {198, 51, 100, 1}};
    l.a[1] = (struct dp_addr){.family = 6, .prefix_len = 64};
    memcpy(l.a[1].ip, gw6, 16);
    return &l;
}

/* An Ethernet + IPv6 frame: proto, src -> dst, `len` payload bytes from payload (or zeros). */
static struct rte_mbuf *frame6(uint8_t proto, const uint8_t src[16], const uint8_t dst[16],
                               const void *payload, size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH + IP6 + len));
    assert_non_null(p);
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
    eth->dst_addr = gw_mac;
    eth->src_addr = host_mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16((uint16_t)len);
    ip->proto = proto;
    ip->hop_limits = 255;
    memcpy(ip->src_addr, src, 16);
    memcpy(ip->dst_addr, dst, 16);
    memset(ip + 1, 0, len);
    if (payload != NULL)
        memcpy(ip + 1, payload, len);
    return m;
}

static struct rte_mbuf *udp6(uint16_t dport, const void *payload, size_t len)
{
    uint8_t buf[128] = {0};
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)buf;
    udp->src_port = rte_cpu_to_be_16(500);
    udp->dst_port = rte_cpu_to_be_16(dport);
    udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
    memcpy(buf + 8, payload, len);
    return frame6(IPPROTO_UDP, host6, gw6, buf, 8 + len);
}

static struct rte_ipv6_hdr *ip6_of(struct rte_mbuf *m)
{
    return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH);
}

static void expect_class(struct rte_mbuf *m, enum dp_class want, struct dp_worker_counters *c)
{
    assert_int_equal(dp_classify(m, local(), c), want);
    rte_pktmbuf_free(m);
}

static void test_classify_for_us(void **state)
{
    (void)state;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    static const uint8_t ike[40] = {1}, marker_ike[44] = {0, 0, 0, 0, 1}, esp[40] = {0, 0, 1, 0};
    expect_class(udp6(500, ike, sizeof(ike)), DP_CLASS_CONTROL, &c);
    expect_class(udp6(4500, marker_ike, sizeof(marker_ike)), DP_CLASS_CONTROL, &c);
    expect_class(udp6(4500, esp, sizeof(esp)), DP_CLASS_ESP, &c);
    static const uint8_t keepalive[1] = {0xff};
    expect_class(udp6(4500, keepalive, 1), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_natt_keepalive, 1);
    expect_class(udp6(53, ike, sizeof(ike)), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_other_proto, 1);
    expect_class(frame6(IPPROTO_ESP, host6, gw6, esp, sizeof(esp)), DP_CLASS_ESP, &c);
    expect_class(frame6(IPPROTO_ESP, host6, gw6, esp, 7), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_runt, 1);
    /* A UDP length beyond the IPv6 payload. */
    struct rte_mbuf *m = udp6(500, ike, sizeof(ike));
    ip6_of(m)->payload_len = rte_cpu_to_be_16(20);
    expect_class(m, DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_runt, 2);
    /* ICMPv6 to us: neighbour discovery, and echo requests (answered by the worker). */
    uint8_t icmp[24] = {DP_ICMP6_NEIGHBOR_SOLICIT};
    expect_class(frame6(IPPROTO_ICMPV6, host6, gw6, icmp, sizeof(icmp)), DP_CLASS_CONTROL, &c);
    icmp[0] = DP_ICMP6_NEIGHBOR_ADVERT;
    expect_class(frame6(IPPROTO_ICMPV6, host6, gw6, icmp, sizeof(icmp)), DP_CLASS_CONTROL, &c);
    expect_class(frame6(IPPROTO_ICMPV6, host6, gw6, icmp, 23), DP_CLASS_DROP, &c);
    icmp[0] = 128; /* echo request */
    expect_class(frame6(IPPROTO_ICMPV6, host6, gw6, icmp, sizeof(icmp)), DP_CLASS_ECHO, &c);
    expect_class(frame6(IPPROTO_ICMPV6, host6, gw6, icmp, 7), DP_CLASS_DROP, &c); /* no sequence */
    icmp[1] = 1; /* an unknown code */
    expect_class(frame6(IPPROTO_ICMPV6, host6, gw6, icmp, sizeof(icmp)), DP_CLASS_DROP, &c);
    icmp[0] = 129; /* an echo reply: nothing asked it */
    icmp[1] = 0;
    expect_class(frame6(IPPROTO_ICMPV6, host6, gw6, icmp, sizeof(icmp)), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_other_proto, 5);
    /*
     * Extension headers to us: a Fragment header goes to reassembly, also
     * behind a routing or destination options header (reassembly refuses
     * those by name); the others are counted, each kind.
     */
    expect_class(frame6(IPPROTO_FRAGMENT, host6, gw6, esp, sizeof(esp)), DP_CLASS_FRAG, &c);
    expect_class(frame6(IPPROTO_FRAGMENT, host6, gw6, esp, 7), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_runt, 3);
    static const uint8_t then_fragment[16] = {IPPROTO_FRAGMENT};
    expect_class(frame6(IPPROTO_DSTOPTS, host6, gw6, then_fragment, sizeof(then_fragment)),
                 DP_CLASS_FRAG, &c);
    expect_class(frame6(IPPROTO_ROUTING, host6, gw6, then_fragment, sizeof(then_fragment)),
                 DP_CLASS_FRAG, &c);
    expect_class(frame6(IPPROTO_AH, host6, gw6, then_fragment, sizeof(then_fragment)),
                 DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_ip6_ext_header, 1);
    expect_class(frame6(IPPROTO_ROUTING, host6, gw6, esp, sizeof(esp)), DP_CLASS_DROP, &c);
    expect_class(frame6(IPPROTO_DSTOPTS, host6, gw6, esp, sizeof(esp)), DP_CLASS_DROP, &c);
    expect_class(frame6(IPPROTO_AH, host6, gw6, esp, sizeof(esp)), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_ip6_ext_header, 4);
    expect_class(frame6(IPPROTO_HOPOPTS, host6, gw6, esp, sizeof(esp)), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_ip6_hop_by_hop, 1);
    assert_int_equal(c.drop_ip6_header + c.drop_ip6_link_scope + c.drop_ethertype, 0);
}

static void test_classify_multicast_and_transit(void **state)
{
    (void)state;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    uint8_t group[16];
    dp_nd_solicited_node(gw6, group);
    uint8_t ns[24] = {DP_ICMP6_NEIGHBOR_SOLICIT};
    expect_class(frame6(IPPROTO_ICMPV6, host6, group, ns, sizeof(ns)), DP_CLASS_CONTROL, &c);
    uint8_t na[24] = {DP_ICMP6_NEIGHBOR_ADVERT};
    expect_class(frame6(IPPROTO_ICMPV6, host6, all_nodes, na, sizeof(na)), DP_CLASS_CONTROL, &c);
    /* Another host's solicited-node group, an MLD report, a router solicitation: not ours. */
    uint8_t other_group[16];
    dp_nd_solicited_node(host6, other_group);
    expect_class(frame6(IPPROTO_ICMPV6, host6, other_group, ns, sizeof(ns)), DP_CLASS_DROP, &c);
    uint8_t mld[24] = {143};
    static const uint8_t mld_routers[16] = {0xff, 0x02, [15] = 0x16};
    expect_class(frame6(IPPROTO_ICMPV6, host6, mld_routers, mld, sizeof(mld)), DP_CLASS_DROP, &c);
    uint8_t rs[24] = {133};
    expect_class(frame6(IPPROTO_ICMPV6, host6, all_nodes, rs, sizeof(rs)), DP_CLASS_DROP, &c);
    expect_class(frame6(IPPROTO_UDP, host6, all_nodes, rs, sizeof(rs)), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_ip6_link_scope, 4);
    /* Transit: plaintext to protect, unless link-scoped or with hop-by-hop options. */
    expect_class(frame6(IPPROTO_UDP, host6, far6, rs, sizeof(rs)), DP_CLASS_PLAIN, &c);
    expect_class(frame6(IPPROTO_FRAGMENT, host6, far6, rs, sizeof(rs)), DP_CLASS_PLAIN, &c);
    expect_class(frame6(IPPROTO_UDP, host6, link_local, rs, sizeof(rs)), DP_CLASS_DROP, &c);
    expect_class(frame6(IPPROTO_UDP, link_local, far6, rs, sizeof(rs)), DP_CLASS_DROP, &c);
    expect_class(frame6(IPPROTO_UDP, unspecified, far6, rs, sizeof(rs)), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_ip6_link_scope, 7);
    expect_class(frame6(IPPROTO_HOPOPTS, host6, far6, rs, sizeof(rs)), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_ip6_hop_by_hop, 1);
}

static void test_classify_malformed(void **state)
{
    (void)state;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    static const uint8_t esp[40] = {0, 0, 1, 0};
    struct rte_mbuf *m = frame6(IPPROTO_ESP, host6, gw6, esp, sizeof(esp));
    ip6_of(m)->vtc_flow = rte_cpu_to_be_32(4u << 28);
    expect_class(m, DP_CLASS_DROP, &c);
    m = frame6(IPPROTO_ESP, host6, gw6, esp, sizeof(esp));
    ip6_of(m)->payload_len = rte_cpu_to_be_16(41); /* one byte beyond the frame */
    expect_class(m, DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_ip6_header, 2);
    m = frame6(IPPROTO_ESP, host6, gw6, esp, sizeof(esp));
    m->data_len = m->pkt_len = ETH + IP6 - 1;
    expect_class(m, DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_runt, 1);
    /* A frame longer than its payload length (Ethernet padding) is fine. */
    m = frame6(IPPROTO_ESP, host6, gw6, esp, sizeof(esp));
    ip6_of(m)->payload_len = rte_cpu_to_be_16(16);
    expect_class(m, DP_CLASS_ESP, &c);
}

/* ---- neighbour discovery messages ---- */

static const uint8_t *l3_of(struct rte_mbuf *m)
{
    return rte_pktmbuf_mtod_offset(m, const uint8_t *, ETH);
}

static size_t l3_len(struct rte_mbuf *m)
{
    return rte_pktmbuf_data_len(m) - ETH;
}

/* Recomputes the ICMPv6 checksum after a test changed the message. */
static void fix_cksum(struct rte_mbuf *m)
{
    struct rte_ipv6_hdr *ip = ip6_of(m);
    uint8_t *icmp = (uint8_t *)(ip + 1);
    size_t len = rte_be_to_cpu_16(ip->payload_len);
    icmp[2] = icmp[3] = 0;
    uint16_t sum = (uint16_t)~dp_ipv6_l4_sum(ip, IPPROTO_ICMPV6, icmp, len);
    memcpy(icmp + 2, &sum, 2);
}

static struct rte_mbuf *solicit(void)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    assert_true(dp_nd_build_solicit(m, &host_mac, host6, gw6));
    return m;
}

static void test_nd_built_messages_parse(void **state)
{
    (void)state;
    struct rte_mbuf *m = solicit();
    struct dp_nd_msg nd;
    assert_int_equal(dp_nd_parse(l3_of(m), l3_len(m), &nd), DP_ND_OK);
    assert_int_equal(nd.type, DP_ICMP6_NEIGHBOR_SOLICIT);
    assert_memory_equal(nd.target, gw6, 16);
    assert_memory_equal(nd.src, host6, 16);
    assert_true(nd.has_lladdr);
    assert_memory_equal(&nd.lladdr, &host_mac, 6);
    /* To ff02::1:ff00:1 at 33:33:ff:00:00:01, hop limit 255. */
    static const uint8_t group[16] = {0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1};
    assert_memory_equal(nd.dst, group, 16);
    static const uint8_t group_mac[6] = {0x33, 0x33, 0xff, 0, 0, 1};
    assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), group_mac, 6);
    assert_int_equal(ip6_of(m)->hop_limits, 255);
    rte_pktmbuf_free(m);

    m = rte_pktmbuf_alloc(pool);
    assert_true(dp_nd_build_advert(m, &gw_mac, gw6, host6, &host_mac));
    assert_int_equal(dp_nd_parse(l3_of(m), l3_len(m), &nd), DP_ND_OK);
    assert_int_equal(nd.type, DP_ICMP6_NEIGHBOR_ADVERT);
    assert_int_equal(nd.flags, DP_ND_FLAG_SOLICITED | DP_ND_FLAG_OVERRIDE);
    assert_memory_equal(nd.target, gw6, 16);
    assert_memory_equal(nd.src, gw6, 16);
    assert_memory_equal(nd.dst, host6, 16);
    assert_true(nd.has_lladdr);
    assert_memory_equal(&nd.lladdr, &gw_mac, 6);
    assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), &host_mac, 6);
    rte_pktmbuf_free(m);

    /* Answering duplicate address detection: unsolicited, to all nodes. */
    m = rte_pktmbuf_alloc(pool);
    assert_true(dp_nd_build_advert(m, &gw_mac, gw6, NULL, NULL));
    assert_int_equal(dp_nd_parse(l3_of(m), l3_len(m), &nd), DP_ND_OK);
    assert_int_equal(nd.flags, DP_ND_FLAG_OVERRIDE);
    assert_memory_equal(nd.dst, all_nodes, 16);
    static const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), all_mac, 6);
    rte_pktmbuf_free(m);
}

static void expect_nd(struct rte_mbuf *m, enum dp_nd_verdict want)
{
    struct dp_nd_msg nd;
    assert_int_equal(dp_nd_parse(l3_of(m), l3_len(m), &nd), want);
    rte_pktmbuf_free(m);
}

static void test_nd_refused(void **state)
{
    (void)state;
    struct rte_mbuf *m = solicit();
    ip6_of(m)->hop_limits = 254; /* routed: from off the link */
    expect_nd(m, DP_ND_BAD_HOP_LIMIT);
    m = solicit();
    rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + IP6 + 20)[0] ^= 1;
    expect_nd(m, DP_ND_BAD_CHECKSUM);
    m = solicit();
    rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + IP6)[1] = 1; /* code */
    fix_cksum(m);
    expect_nd(m, DP_ND_MALFORMED);
    m = solicit();
    rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + IP6 + 8)[0] = 0xff; /* multicast target */
    fix_cksum(m);
    expect_nd(m, DP_ND_MALFORMED);
    m = solicit();
    rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + IP6 + 24)[1] = 0; /* option length 0 */
    fix_cksum(m);
    expect_nd(m, DP_ND_MALFORMED);
    m = solicit();
    rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + IP6 + 24)[1] = 2; /* beyond the message */
    fix_cksum(m);
    expect_nd(m, DP_ND_MALFORMED);
    m = solicit();
    ip6_of(m)->payload_len = rte_cpu_to_be_16(23); /* shorter than the fixed part */
    expect_nd(m, DP_ND_MALFORMED);
    m = solicit();
    ip6_of(m)->payload_len = rte_cpu_to_be_16(40); /* longer than the frame */
    expect_nd(m, DP_ND_MALFORMED);
    m = solicit();
    ip6_of(m)->proto = IPPROTO_UDP;
    expect_nd(m, DP_ND_MALFORMED);
    /* Duplicate address detection: from ::, to a solicited-node group, no link-layer option. */
    m = solicit();
    memset(ip6_of(m)->src_addr, 0, 16);
    fix_cksum(m);
    expect_nd(m, DP_ND_MALFORMED);
    m = solicit();
    memset(ip6_of(m)->src_addr, 0, 16);
    ip6_of(m)->payload_len = rte_cpu_to_be_16(24); /* the option dropped */
    fix_cksum(m);
    expect_nd(m, DP_ND_OK);
    m = solicit();
    memset(ip6_of(m)->src_addr, 0, 16);
    memcpy(ip6_of(m)->dst_addr, gw6, 16);
    ip6_of(m)->payload_len = rte_cpu_to_be_16(24);
    fix_cksum(m);
    expect_nd(m, DP_ND_MALFORMED);
    /* An advertisement to a multicast group must not say it was solicited. */
    m = rte_pktmbuf_alloc(pool);
    assert_true(dp_nd_build_advert(m, &gw_mac, gw6, host6, &host_mac));
    memcpy(ip6_of(m)->dst_addr, all_nodes, 16);
    fix_cksum(m);
    expect_nd(m, DP_ND_MALFORMED);
    /* An unknown option is skipped; the link-layer one after it still counts. */
    m = rte_pktmbuf_alloc(pool);
    assert_true(dp_nd_build_solicit(m, &host_mac, host6, gw6));
    uint8_t *opt = (uint8_t *)rte_pktmbuf_append(m, 8);
    uint8_t *first = rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + IP6 + 24);
    memcpy(opt, first, 8);
    memset(first, 0, 8);
    first[0] = 14; /* nonce (RFC 3971) */
    first[1] = 1;
    ip6_of(m)->payload_len = rte_cpu_to_be_16(40);
    fix_cksum(m);
    struct dp_nd_msg nd;
    assert_int_equal(dp_nd_parse(l3_of(m), l3_len(m), &nd), DP_ND_OK);
    assert_true(nd.has_lladdr);
    assert_memory_equal(&nd.lladdr, &host_mac, 6);
    rte_pktmbuf_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_for_us),
        cmocka_unit_test(test_classify_multicast_and_transit),
        cmocka_unit_test(test_classify_malformed),
        cmocka_unit_test(test_nd_built_messages_parse),
        cmocka_unit_test(test_nd_refused),
    };
    return cmocka_run_group_tests_name("classify6", tests, group_setup, test_eal_teardown);
}
