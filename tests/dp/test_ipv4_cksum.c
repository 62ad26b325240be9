/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet IPv4 header checksums of dp_pkt.h against DPDK's general
 * rte_ipv4_cksum and an independent sum: the fixed 20-byte header sum, and
 * the TTL decrement's incremental update (RFC 1624), which must equal a
 * recomputation for a valid header and keep a damaged one damaged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp_pkt.h"

#define ROUNDS 200000

/* A xorshift generator with a fixed seed: failures repeat. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The one's complement sum of a header, written out in full here (RFC 1071), big-endian words. */
static uint16_t sum_be(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* A random header of `words` 32-bit words (5: no options), version 4, its checksum valid. */
static void random_header(uint8_t *h, unsigned words, uint64_t *s)
{
    for (unsigned i = 0; i < words * 4; i++)
        h[i] = (uint8_t)next_random(s);
    h[0] = (uint8_t)(0x40 | words);
    h[10] = h[11] = 0;
    uint16_t c = (uint16_t)~sum_be(h, words * 4);
    h[10] = (uint8_t)(c >> 8);
    h[11] = (uint8_t)c;
}

static void test_cksum20_matches(void **state)
{
    (void)state;
    uint64_t s = 0x9e3779b97f4a7c15ull;
    uint8_t h[20];
    for (unsigned r = 0; r < ROUNDS; r++) {
        random_header(h, 5, &s);
        uint16_t stored;
        memcpy(&stored, h + 10, 2);
        /* Its own field does not count: the result is the same whatever it holds. */
        h[10] = (uint8_t)next_random(&s);
        const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)h;
        assert_int_equal(dp_ipv4_cksum20(ip), stored);
        memset(h + 10, 0, 2);
        assert_int_equal(dp_ipv4_cksum20(ip), rte_ipv4_cksum(ip));
    }
    /* All zero but the version: the sum is 0x4500, the checksum its complement. */
    memset(h, 0, sizeof(h));
    h[0] = 0x45;
    uint16_t want = rte_cpu_to_be_16(0xffff - 0x4500);
    assert_int_equal(dp_ipv4_cksum20((const struct rte_ipv4_hdr *)h), want);
}

static void test_decrement_ttl_valid(void **state)
{
    (void)state;
    uint64_t s = 0x0123456789abcdefull;
    uint8_t h[60];
    for (unsigned r = 0; r < ROUNDS; r++) {
        unsigned words = 5 + (unsigned)(next_random(&s) % 11); /* with options, up to 60 bytes */
        random_header(h, words, &s);
        if (h[8] < 2)
            h[8] = (uint8_t)(2 + next_random(&s) % 254); /* forwarded only with TTL > 1 */
        h[10] = h[11] = 0;
        uint16_t c = (uint16_t)~sum_be(h, words * 4);
        h[10] = (uint8_t)(c >> 8);
        h[11] = (uint8_t)c;
        uint8_t ttl = h[8], proto = h[9];
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;
        dp_ipv4_decrement_ttl(ip);
        assert_int_equal(h[8], ttl - 1);
        assert_int_equal(h[9], proto);
        assert_int_equal(sum_be(h, words * 4), 0xffff); /* the header checks */
        uint16_t got = ip->hdr_checksum;
        ip->hdr_checksum = 0;
        assert_int_equal(got, rte_ipv4_cksum(ip));
    }
}

/* A header that arrived with a wrong checksum is still wrong by as much after the decrement. */
static void test_decrement_ttl_keeps_damage(void **state)
{
    (void)state;
    uint64_t s = 42;
    uint8_t h[20];
    for (unsigned r = 0; r < ROUNDS; r++) {
        random_header(h, 5, &s);
        if (h[8] < 2)
            h[8] = 64;
        h[10] = h[11] = 0;
        uint16_t c = (uint16_t)~sum_be(h, 20);
        h[10] = (uint8_t)(c >> 8);
        h[11] = (uint8_t)c;
        h[12] ^= (uint8_t)(1 + next_random(&s) % 255); /* damaged on the way: source address */
        uint16_t before = sum_be(h, 20);
        assert_int_not_equal(before, 0xffff);
        dp_ipv4_decrement_ttl((struct rte_ipv4_hdr *)h);
        assert_int_equal(sum_be(h, 20), before);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cksum20_matches),
        cmocka_unit_test(test_decrement_ttl_valid),
        cmocka_unit_test(test_decrement_ttl_keeps_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
