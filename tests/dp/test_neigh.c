/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table: every host of a busy subnet fits (a flood's made-up
 * sources come from one prefix), a full probe window gives up its oldest
 * entry instead of refusing for good, and lookups see exactly what was learnt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_host_of_a_slash24_fits),
        cmocka_unit_test(a_full_window_replaces_its_oldest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
