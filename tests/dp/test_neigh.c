/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour tables, IPv4 and IPv6: every host of a busy subnet fits (a
 * flood's made-up sources come from one prefix), a full probe window gives up
 * its oldest entry instead of refusing for good, configured entries stay, and
 * lookups see exactly what was learnt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_byteorder.h>

#include "dp_neigh.h"

static struct rte_ether_addr mac_of(uint32_t n)
{
    struct rte_ether_addr m = {
        {2, 0, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n}};
    return m;
}

static void every_host_of_a_slash24_fits(void **state)
{
    (void)state;
    struct dp_neigh_table *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    /* 203.0.113.0/24 and 198.51.100.0/24: 510 hosts, as a flood and its victims bring. */
    const uint32_t nets[] = {0xcb007100, 0xc6336400};
    for (unsigned n = 0; n < 2; n++)
        for (uint32_t h = 1; h < 256; h++) {
            struct rte_ether_addr m = mac_of(nets[n] | h);
            assert_true(dp_neigh_learn(t, rte_cpu_to_be_32(nets[n] | h), (uint16_t)n, &m, h));
        }
    for (unsigned n = 0; n < 2; n++)
        for (uint32_t h = 1; h < 256; h++) {
            struct rte_ether_addr m;
            uint16_t port;
            assert_true(dp_neigh_lookup(t, rte_cpu_to_be_32(nets[n] | h), &m, &port));
            assert_int_equal(port, n);
            struct rte_ether_addr want = mac_of(nets[n] | h);
            assert_memory_equal(&m, &want, sizeof(m));
        }
    struct rte_ether_addr m;
    uint16_t port;
    assert_false(dp_neigh_lookup(t, rte_cpu_to_be_32(0x0a020002), &m, &port));
    free(t);
}

static void a_full_window_replaces_its_oldest(void **state)
{
    (void)state;
    struct dp_neigh_table *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    /* Far more addresses than slots: every new one is still learnt. */
    unsigned refused = 0;
    for (uint32_t i = 1; i <= 4 * DP_NEIGH_SLOTS; i++) {
        struct rte_ether_addr m = mac_of(i);
        uint32_t ip = rte_cpu_to_be_32(0x0a000000 | i);
        refused += !dp_neigh_learn(t, ip, 0, &m, i);
        struct rte_ether_addr got;
        uint16_t port;
        assert_true(dp_neigh_lookup(t, ip, &got, &port));
        assert_memory_equal(&got, &m, sizeof(m));
    }
    assert_true(refused > 0); /* the table did fill up: replacements were reported */
    static struct dp_neigh_entry list[DP_NEIGH_SLOTS];
    assert_int_equal(dp_neigh_list4(t, list, DP_NEIGH_SLOTS), DP_NEIGH_SLOTS); /* all full */
    /* A refreshed entry is younger than the rest and survives the next round. */
    uint32_t keep = rte_cpu_to_be_32(0xc0000201);
    struct rte_ether_addr km = mac_of(1);
    dp_neigh_learn(t, keep, 1, &km, 100000);
    for (uint32_t i = 1; i <= DP_NEIGH_SLOTS / 2; i++) {
        struct rte_ether_addr m = mac_of(i);
        dp_neigh_learn(t, rte_cpu_to_be_32(0x0b000000 | i), 0, &m, 50000 + i);
    }
    struct rte_ether_addr got;
    uint16_t port;
    assert_true(dp_neigh_lookup(t, keep, &got, &port));
    assert_int_equal(port, 1);
    assert_false(dp_neigh_learn(t, 0, 0, &km, 1)); /* 0 marks an empty slot */
    /* A configured entry: ARP does not change it, and it is never the one replaced. */
    uint32_t gw = rte_cpu_to_be_32(0xc6336402);
    struct rte_ether_addr configured = mac_of(0xabcdef), spoofed = mac_of(0x666);
    dp_neigh_learn(t, gw, 2, &configured, DP_NEIGH_STATIC); /* may push out an old entry */
    assert_true(dp_neigh_learn(t, gw, 0, &spoofed, 200000));
    for (uint32_t i = 1; i <= 2 * DP_NEIGH_SLOTS; i++) {
        struct rte_ether_addr m = mac_of(i);
        dp_neigh_learn(t, rte_cpu_to_be_32(0x0c000000 | i), 0, &m, 300000 + i);
    }
    assert_true(dp_neigh_lookup(t, gw, &got, &port));
    assert_int_equal(port, 2);
    assert_memory_equal(&got, &configured, sizeof(got));
    free(t);
}

/* 2001:db8:N::H, and SLAAC-like interface identifiers when `random_iid`. */
static void ip6_of(uint8_t out[16], uint16_t net, uint32_t host, bool random_iid)
{
    memset(out, 0, 16);
    out[0] = 0x20;
    out[1] = 0x01;
    out[2] = 0x0d;
    out[3] = 0xb8;
    out[4] = (uint8_t)(net >> 8);
    out[5] = (uint8_t)net;
    uint32_t h = random_iid ? host * 0x9e3779b1u : host;
    out[12] = (uint8_t)(h >> 24);
    out[13] = (uint8_t)(h >> 16);
    out[14] = (uint8_t)(h >> 8);
    out[15] = (uint8_t)h;
}

static void ipv6_hosts_of_two_prefixes_fit(void **state)
{
    (void)state;
    struct dp_neigh_table *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    /* 2 x 500 hosts, numbered ::1.. and with scattered interface identifiers: all kept. */
    for (unsigned n = 0; n < 2; n++)
        for (uint32_t h = 1; h <= 500; h++) {
            uint8_t ip[16];
            ip6_of(ip, (uint16_t)(n + 1), h, n == 1);
            struct rte_ether_addr m = mac_of(n << 16 | h);
            assert_true(dp_neigh_learn6(t, ip, (uint16_t)n, &m, h));
        }
    for (unsigned n = 0; n < 2; n++)
        for (uint32_t h = 1; h <= 500; h++) {
            uint8_t ip[16];
            ip6_of(ip, (uint16_t)(n + 1), h, n == 1);
            struct rte_ether_addr m, want = mac_of(n << 16 | h);
            uint16_t port;
            assert_true(dp_neigh_lookup6(t, ip, &m, &port));
            assert_int_equal(port, n);
            assert_memory_equal(&m, &want, sizeof(m));
        }
    /* The IPv4 table is another: an IPv4 lookup does not see IPv6 entries. */
    struct rte_ether_addr m;
    uint16_t port;
    uint8_t absent[16];
    ip6_of(absent, 1, 501, false);
    assert_false(dp_neigh_lookup6(t, absent, &m, &port));
    assert_false(dp_neigh_lookup(t, rte_cpu_to_be_32(0x20010db8), &m, &port));
    /* What telemetry lists: every entry once, whole. */
    static struct dp_neigh_entry list[1200];
    assert_int_equal(dp_neigh_list4(t, list, 1200), 0);
    assert_int_equal(dp_neigh_list6(t, list, 1200), 1000);
    assert_int_equal(dp_neigh_list6(t, list, 10), 10);
    unsigned seen_port1 = 0;
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(list[i].family, 6);
    assert_int_equal(dp_neigh_list6(t, list, 1200), 1000);
    for (unsigned i = 0; i < 1000; i++) {
        struct rte_ether_addr got;
        assert_true(dp_neigh_lookup6(t, list[i].ip, &got, &port));
        assert_memory_equal(&got, &list[i].mac, sizeof(got));
        seen_port1 += list[i].port == 1;
    }
    assert_int_equal(seen_port1, 500);
    free(t);
}

static void ipv6_full_window_and_static_entries(void **state)
{
    (void)state;
    struct dp_neigh_table *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    uint8_t gw[16];
    ip6_of(gw, 1, 0xfe, false);
    struct rte_ether_addr configured = mac_of(0xabcdef), spoofed = mac_of(0x666);
    assert_true(dp_neigh_learn6(t, gw, 2, &configured, DP_NEIGH_STATIC));
    unsigned refused = 0;
    for (uint32_t i = 1; i <= 4 * DP_NEIGH6_SLOTS; i++) {
        uint8_t ip[16];
        ip6_of(ip, 7, i, true);
        struct rte_ether_addr m = mac_of(i), got;
        uint16_t port;
        refused += !dp_neigh_learn6(t, ip, 0, &m, i);
        assert_true(dp_neigh_lookup6(t, ip, &got, &port));
        assert_memory_equal(&got, &m, sizeof(m));
    }
    assert_true(refused > 0);
    /* Neighbour discovery does not change the operator's entry, nor push it out. */
    assert_true(dp_neigh_learn6(t, gw, 0, &spoofed, 1u << 30));
    struct rte_ether_addr got;
    uint16_t port;
    assert_true(dp_neigh_lookup6(t, gw, &got, &port));
    assert_int_equal(port, 2);
    assert_memory_equal(&got, &configured, sizeof(got));
    uint8_t unspecified[16] = {0};
    assert_false(dp_neigh_learn6(t, unspecified, 0, &spoofed, 1)); /* :: marks an empty slot */
    assert_false(dp_neigh_lookup6(t, unspecified, &got, &port));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_host_of_a_slash24_fits),
        cmocka_unit_test(a_full_window_replaces_its_oldest),
        cmocka_unit_test(ipv6_hosts_of_two_prefixes_fit),
        cmocka_unit_test(ipv6_full_window_and_static_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
