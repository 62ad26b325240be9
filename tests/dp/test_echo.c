/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ping and ping6 to the gateway (lib/dp/worker/echo.c): an echo request to one
 * of our addresses is classified DP_CLASS_ECHO and turned into its reply in
 * place (addresses and MACs swapped, type, TTL, checksums right), through a
 * token bucket; one to another host is not ours to answer, and a reply that
 * would not fit the port's MTU is not sent. EAL --no-huge, mbufs only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_classify.h"
#include "dp_echo.h"
#include "dp_pkt.h"
#include "test_eal.h"

static struct rte_mempool *pool;
static const struct rte_ether_addr gw_mac = {{2, 0, 0, 0, 0, 1}}, host_mac = {{2, 0, 0, 0, 0, 2}};
static const uint8_t gw4[4] = {198, 51, 100, 1}, host4[4] = {198, 51, 100, 2};
static const uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
static const uint8_t host6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2};

static int group_setup(void **state)
{
    (void)state;
    return test_eal_pool("test_echo", "64", 256, &pool);
}

static const struct dp_addrs *local(void)
{
    static struct dp_addrs l;
    l.n = 2;
    l.a[0] = (struct dp_addr){.family = 4, .prefix_len = 24};
    memcpy(l.a[0].ip, gw4, 4);
    l.a[1] = (struct dp_addr){.family = 6, .prefix_len = 64};
    memcpy(l.a[1].ip, gw6, 16);
    return &l;
}

/* An echo request of `data` payload bytes from the host to `dst` (4 or 16 bytes by family). */
static struct rte_mbuf *ping(int family, const uint8_t *dst, size_t data)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    size_t l3 = family == 4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
    size_t icmp_len = 8 + data;
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + l3 + icmp_len));
    assert_non_null(p);
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
    eth->dst_addr = gw_mac;
    eth->src_addr = host_mac;
    uint8_t *icmp = p + 14 + l3;
    memset(icmp, 0, icmp_len);
    icmp[0] = family == 4 ? 8 : 128;
    icmp[4] = 0x12; /* identifier */
    icmp[7] = 7;    /* sequence number */
    for (size_t i = 8; i < icmp_len; i++)
        icmp[i] = (uint8_t)i;
    if (family == 4) {
        eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
        memset(ip, 0, sizeof(*ip));
        ip->version_ihl = 0x45;
        ip->total_length = rte_cpu_to_be_16((uint16_t)(l3 + icmp_len));
        ip->time_to_live = 9;
        ip->next_proto_id = IPPROTO_ICMP;
        memcpy(&ip->src_addr, host4, 4);
        memcpy(&ip->dst_addr, dst, 4);
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        uint16_t sum = (uint16_t)~rte_raw_cksum(icmp, icmp_len);
        memcpy(icmp + 2, &sum, 2);
    } else {
        eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
        struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
        memset(ip, 0, sizeof(*ip));
        ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
        ip->payload_len = rte_cpu_to_be_16((uint16_t)icmp_len);
        ip->proto = IPPROTO_ICMPV6;
        ip->hop_limits = 9;
        memcpy(ip->src_addr, host6, 16);
        memcpy(ip->dst_addr, dst, 16);
        uint16_t sum = (uint16_t)~dp_ipv6_l4_sum(ip, IPPROTO_ICMPV6, icmp, icmp_len);
        memcpy(icmp + 2, &sum, 2);
    }
    return m;
}

/* The reply in m: from the gateway to the host, type, TTL, checksums, the data echoed. */
static void check_reply(struct rte_mbuf *m, int family, size_t data)
{
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    assert_memory_equal(&eth->src_addr, &gw_mac, 6);
    assert_memory_equal(&eth->dst_addr, &host_mac, 6);
    uint8_t *icmp;
    if (family == 4) {
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
        assert_memory_equal(&ip->src_addr, gw4, 4);
        assert_memory_equal(&ip->dst_addr, host4, 4);
        assert_int_equal(ip->time_to_live, 64);
        assert_int_equal(rte_ipv4_cksum(ip), 0);
        icmp = (uint8_t *)(ip + 1);
        assert_int_equal(icmp[0], 0);
        assert_int_equal(rte_raw_cksum(icmp, 8 + data), 0xffff);
    } else {
        struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
        assert_memory_equal(ip->src_addr, gw6, 16);
        assert_memory_equal(ip->dst_addr, host6, 16);
        assert_int_equal(ip->hop_limits, 64);
        icmp = (uint8_t *)(ip + 1);
        assert_int_equal(icmp[0], 129);
        assert_int_equal(dp_ipv6_l4_sum(ip, IPPROTO_ICMPV6, icmp, 8 + data), 0xffff);
    }
    assert_int_equal(icmp[4], 0x12);
    assert_int_equal(icmp[7], 7);
    for (size_t i = 8; i < 8 + data; i++)
        assert_int_equal(icmp[i], (uint8_t)i);
}

static void answered_in_place(int family, const uint8_t *gw, const uint8_t *other)
{
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    uint64_t hz = rte_get_timer_hz(), now = rte_get_timer_cycles();
    struct dp_icmp_limiter l;
    dp_icmp_limiter_init(&l, 20, hz, now); /* bursts of 2 */
    for (unsigned i = 0; i < 2; i++) {
        struct rte_mbuf *m = ping(family, gw, 56);
        assert_int_equal(dp_classify(m, local(), &c), DP_CLASS_ECHO);
        assert_true(dp_echo_answer(&l, m, 1500, now, &c));
        check_reply(m, family, 56);
        rte_pktmbuf_free(m);
    }
    /* The bucket is empty: counted, not answered; it refills with time. */
    struct rte_mbuf *m = ping(family, gw, 56);
    assert_false(dp_echo_answer(&l, m, 1500, now, &c));
    assert_int_equal(c.icmp_echo_rate_limited, 1);
    assert_true(dp_echo_answer(&l, m, 1500, now + hz, &c));
    rte_pktmbuf_free(m);
    assert_int_equal(c.icmp_echo_replied, 3);
    /* A reply that would not fit the port's MTU is not sent (never fragmented). */
    m = ping(family, gw, 1400);
    assert_false(dp_echo_answer(&l, m, 1400, now + 2 * hz, &c));
    assert_int_equal(c.icmp_echo_unanswered, 1);
    rte_pktmbuf_free(m);
    /* To another host: not ours to answer, it goes on as traffic to protect. */
    m = ping(family, other, 56);
    assert_int_equal(dp_classify(m, local(), &c), DP_CLASS_PLAIN);
    rte_pktmbuf_free(m);
}

static void test_ping(void **state)
{
    (void)state;
    static const uint8_t far4[4] = {10, 2, 0, 2};
    answered_in_place(4, gw4, far4);
}

static void test_ping6(void **state)
{
    (void)state;
    static const uint8_t far6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xa, [15] = 5};
    answered_in_place(6, gw6, far6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping),
        cmocka_unit_test(test_ping6),
    };
    return cmocka_run_group_tests_name("echo", tests, group_setup, test_eal_teardown);
}
