/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Aging of learnt neighbours (lib/dp/neigh/neigh_age.c) on a made-up clock: an
 * entry not confirmed for `reachable` is probed once a second up to `probes`
 * times and then removed; a reply in time keeps it; configured entries and a
 * reachable time of 0 never age; the work per call is bounded; and a reader
 * on another thread sees whole entries, and a miss once they are removed.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <rte_byteorder.h>

#include "dp_neigh.h"

#define SEC 1000000000ull
#define T0 (1000 * SEC) /* the made-up clock's start */

static const struct dp_neigh_aging aging = {.reachable_ns = 30 * SEC, .probes = 3};

static struct rte_ether_addr mac_of(uint32_t n)
{
    struct rte_ether_addr m = {
        {2, 0, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n}};
    return m;
}

static void ip6_of(uint8_t out[16], uint32_t host)
{
    memset(out, 0, 16);
    out[0] = 0x20;
    out[1] = 0x01;
    out[2] = 0x0d;
    out[3] = 0xb8;
    uint32_t h = host * 0x9e3779b1u;
    memcpy(out + 12, &h, 4);
}

/* Enough calls at one instant to look at every slot of both tables once. */
static unsigned sweep(struct dp_neigh_table *t, const struct dp_neigh_aging *a, uint64_t now,
                      struct dp_neigh_probe *out, unsigned max, uint64_t *expired)
{
    unsigned n = 0;
    for (unsigned i = 0; i < DP_NEIGH_SLOTS / DP_NEIGH_AGE_SLOTS; i++)
        n += dp_neigh_age(t, a, now, out + n, max - n, expired);
    return n;
}

static bool present4(const struct dp_neigh_table *t, uint32_t ip, struct rte_ether_addr *mac)
{
    uint16_t port;
    return dp_neigh_lookup(t, ip, mac, &port);
}

static void silent_neighbour_probed_then_removed(void **state)
{
    (void)state;
    struct dp_neigh_table *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    uint32_t ip = rte_cpu_to_be_32(0xc6336402), other = rte_cpu_to_be_32(0xc6336403);
    struct rte_ether_addr m = mac_of(0xc6336402), m2 = mac_of(0xc6336403), got;
    assert_true(dp_neigh_learn(t, ip, 3, &m, T0));
    assert_true(dp_neigh_learn(t, other, 3, &m2, T0 + 20 * SEC));
    struct dp_neigh_probe p[8];
    uint64_t expired = 0;
    assert_int_equal(sweep(t, &aging, T0 + 30 * SEC - 1, p, 8, &expired), 0);
    /* Due: one unicast probe to its MAC through its port; still used meanwhile. */
    assert_int_equal(sweep(t, &aging, T0 + 30 * SEC, p, 8, &expired), 1);
    assert_int_equal(p[0].family, 4);
    assert_memory_equal(p[0].ip, &ip, 4);
    assert_int_equal(p[0].port, 3);
    assert_memory_equal(&p[0].mac, &m, sizeof(m));
    assert_true(present4(t, ip, &got));
    struct dp_neigh_entry e[4];
    assert_int_equal(dp_neigh_list4(t, e, 4), 2);
    unsigned probing = e[0].probes + e[1].probes;
    assert_int_equal(probing, 1);
    /* At most once a second. */
    assert_int_equal(sweep(t, &aging, T0 + 30 * SEC + SEC - 1, p, 8, &expired), 0);
    assert_int_equal(sweep(t, &aging, T0 + 31 * SEC, p, 8, &expired), 1);
    assert_int_equal(sweep(t, &aging, T0 + 32 * SEC, p, 8, &expired), 1);
    /* The third probe gets its second to be answered, then the entry goes. */
    assert_int_equal(sweep(t, &aging, T0 + 33 * SEC - 1, p, 8, &expired), 0);
    assert_int_equal(expired, 0);
    assert_true(present4(t, ip, &got));
    assert_int_equal(sweep(t, &aging, T0 + 33 * SEC, p, 8, &expired), 0);
    assert_int_equal(expired, 1);
    assert_false(present4(t, ip, &got));
    assert_true(present4(t, other, &got)); /* confirmed later: not due yet */
    assert_int_equal(dp_neigh_list4(t, e, 4), 1);
    /* Learnt again later: a fresh entry, in the slot it left. */
    assert_true(dp_neigh_learn(t, ip, 3, &m, T0 + 40 * SEC));
    assert_true(present4(t, ip, &got));
    free(t);
}

static void reply_refreshes(void **state)
{
    (void)state;
    struct dp_neigh_table *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    uint32_t ip = rte_cpu_to_be_32(0x0a000001);
    struct rte_ether_addr old = mac_of(1), moved = mac_of(0x777), got;
    dp_neigh_learn(t, ip, 0, &old, T0);
    struct dp_neigh_probe p[8];
    uint64_t expired = 0;
    assert_int_equal(sweep(t, &aging, T0 + 30 * SEC, p, 8, &expired), 1);
    assert_int_equal(sweep(t, &aging, T0 + 31 * SEC, p, 8, &expired), 1);
    /* Its answer (any ARP from it) before the third: confirmed, probes forgotten. */
    dp_neigh_learn(t, ip, 0, &old, T0 + 31 * SEC + SEC / 2);
    struct dp_neigh_entry e[1];
    assert_int_equal(dp_neigh_list4(t, e, 1), 1);
    assert_int_equal(e[0].probes, 0);
    assert_int_equal(sweep(t, &aging, T0 + 61 * SEC, p, 8, &expired), 0);
    assert_int_equal(sweep(t, &aging, T0 + 70 * SEC, p, 8, &expired), 1);
    /* An answer from a new MAC (the host moved) takes its place at once. */
    dp_neigh_learn(t, ip, 1, &moved, T0 + 70 * SEC + 1);
    uint16_t port;
    assert_true(dp_neigh_lookup(t, ip, &got, &port));
    assert_memory_equal(&got, &moved, sizeof(got));
    assert_int_equal(port, 1);
    assert_int_equal(sweep(t, &aging, T0 + 100 * SEC, p, 8, &expired), 0);
    assert_int_equal(expired, 0);
    free(t);
}

static void static_and_zero_never_age(void **state)
{
    (void)state;
    struct dp_neigh_table *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    uint32_t gw = rte_cpu_to_be_32(0xc6336401), learnt = rte_cpu_to_be_32(0xc6336405);
    uint8_t gw6[16];
    ip6_of(gw6, 1);
    struct rte_ether_addr m = mac_of(1), got;
    dp_neigh_learn(t, gw, 0, &m, DP_NEIGH_STATIC);
    dp_neigh_learn6(t, gw6, 0, &m, DP_NEIGH_STATIC);
    dp_neigh_learn(t, learnt, 0, &m, T0);
    struct dp_neigh_probe p[8];
    uint64_t expired = 0;
    /* neighbour_reachable 0: the old behaviour, nothing ever probed or removed. */
    const struct dp_neigh_aging never = {.reachable_ns = 0, .probes = 3};
    for (uint64_t s = 0; s < 100; s++)
        assert_int_equal(sweep(t, &never, T0 + s * 86400 * SEC, p, 8, &expired), 0);
    assert_true(present4(t, learnt, &got));
    /* Aging on: the learnt one goes, the configured ones stay. */
    for (uint64_t s = 30; s < 100; s++)
        sweep(t, &aging, T0 + s * SEC, p, 8, &expired);
    assert_int_equal(expired, 1);
    assert_false(present4(t, learnt, &got));
    assert_true(present4(t, gw, &got));
    uint16_t port;
    assert_true(dp_neigh_lookup6(t, gw6, &got, &port));
    /* A confirmation does not turn a configured entry into a learnt one. */
    assert_true(dp_neigh_confirm6(t, gw6, T0));
    struct dp_neigh_entry e[2];
    assert_int_equal(dp_neigh_list6(t, e, 2), 1);
    assert_true(e[0].updated_ns == DP_NEIGH_STATIC);
    free(t);
}

static void ipv6_probe_confirm_remove(void **state)
{
    (void)state;
    struct dp_neigh_table *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    uint8_t a[16], b[16];
    ip6_of(a, 7);
    ip6_of(b, 8);
    struct rte_ether_addr ma = mac_of(7), mb = mac_of(8), got;
    uint16_t port;
    dp_neigh_learn6(t, a, 2, &ma, T0);
    dp_neigh_learn6(t, b, 2, &mb, T0);
    struct dp_neigh_probe p[8];
    uint64_t expired = 0;
    assert_int_equal(sweep(t, &aging, T0 + 30 * SEC, p, 8, &expired), 2);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(p[i].family, 6);
        assert_int_equal(p[i].port, 2);
        const struct rte_ether_addr *want = memcmp(p[i].ip, a, 16) == 0 ? &ma : &mb;
        assert_true(memcmp(p[i].ip, a, 16) == 0 || memcmp(p[i].ip, b, 16) == 0);
        assert_memory_equal(&p[i].mac, want, sizeof(got));
    }
    /* a answers with a solicited advertisement without its link-layer option. */
    assert_true(dp_neigh_confirm6(t, a, T0 + 30 * SEC + 1));
    uint8_t absent[16];
    ip6_of(absent, 9);
    assert_false(dp_neigh_confirm6(t, absent, T0)); /* nothing is learnt by it */
    assert_false(dp_neigh_lookup6(t, absent, &got, &port));
    assert_int_equal(sweep(t, &aging, T0 + 31 * SEC, p, 8, &expired), 1);
    assert_memory_equal(p[0].ip, b, 16);
    assert_int_equal(sweep(t, &aging, T0 + 32 * SEC, p, 8, &expired), 1);
    assert_int_equal(sweep(t, &aging, T0 + 33 * SEC, p, 8, &expired), 0);
    assert_int_equal(expired, 1);
    assert_false(dp_neigh_lookup6(t, b, &got, &port));
    assert_true(dp_neigh_lookup6(t, a, &got, &port));
    assert_memory_equal(&got, &ma, sizeof(got));
    free(t);
}

/* Full tables, all due at once: a bounded number of probes per call, every entry probed once. */
static void work_per_call_is_bounded(void **state)
{
    (void)state;
    struct dp_neigh_table *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    unsigned n4 = 0, n6 = 0;
    for (uint32_t i = 1; i <= 2 * DP_NEIGH_SLOTS; i++) {
        struct rte_ether_addr m = mac_of(i);
        uint8_t ip6[16];
        ip6_of(ip6, i);
        dp_neigh_learn(t, rte_cpu_to_be_32(0x0a000000 | i), 0, &m, T0 + i);
        dp_neigh_learn6(t, ip6, 0, &m, T0 + i);
    }
    static struct dp_neigh_entry e[DP_NEIGH_SLOTS];
    n4 = dp_neigh_list4(t, e, DP_NEIGH_SLOTS);
    n6 = dp_neigh_list6(t, e, DP_NEIGH6_SLOTS);
    assert_true(n4 > DP_NEIGH_SLOTS - 64 && n6 > DP_NEIGH6_SLOTS - 64);
    struct dp_neigh_probe p[DP_NEIGH_AGE_MAX_PROBES];
    uint64_t expired = 0, now = T0 + 100 * SEC;
    unsigned calls = 0, got4 = 0, got6 = 0;
    for (;;) {
        unsigned n = dp_neigh_age(t, &aging, now, p, DP_NEIGH_AGE_MAX_PROBES, &expired);
        assert_true(n <= DP_NEIGH_AGE_MAX_PROBES);
        unsigned v4 = 0;
        for (unsigned i = 0; i < n; i++)
            v4 += p[i].family == 4;
        assert_true(v4 <= DP_NEIGH_AGE_MAX_PROBES - DP_NEIGH_AGE_MAX_PROBES / 2);
        got4 += v4;
        got6 += n - v4;
        calls++;
        if (n == 0 || calls > 1000)
            break;
    }
    /* Each probed once (the next is a second away), none lost at the end of a full call. */
    assert_int_equal(got4, n4);
    assert_int_equal(got6, n6);
    assert_int_equal(expired, 0);
    free(t);
}

/*
 * A worker on another thread while the control lcore learns, rewrites, probes
 * and removes: every entry it finds is whole (MAC and port of one write), and
 * while the writer rests after removing them all it finds none.
 */
#define RACE_HOSTS 64
#define RACE_ROUNDS 300

struct race {
    struct dp_neigh_table *t;
    uint32_t phase;   /* odd: all removed, writer resting; even: writer busy */
    uint32_t checked; /* the last odd phase the reader verified */
    uint32_t hit;     /* the last even phase in which it found entries */
    uint64_t found, torn, seen_removed, stale_hits;
    bool done;
};

static uint32_t race_ip(unsigned h)
{
    return rte_cpu_to_be_32(0xac100000 | (h + 1));
}

/* Generation g of host h: its port is g, and the MAC says g twice and h. */
static struct rte_ether_addr race_mac(unsigned h, uint8_t g)
{
    struct rte_ether_addr m = {{g, g, 0x5a, 0, 0, (uint8_t)h}};
    return m;
}

static void *race_reader(void *arg)
{
    struct race *r = arg;
    while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
        uint32_t p1 = __atomic_load_n(&r->phase, __ATOMIC_SEQ_CST);
        unsigned hits = 0;
        for (unsigned h = 0; h < RACE_HOSTS; h++) {
            struct rte_ether_addr m;
            uint16_t port;
            if (!dp_neigh_lookup(r->t, race_ip(h), &m, &port))
                continue;
            hits++;
            r->found++;
            struct rte_ether_addr want = race_mac(h, m.addr_bytes[0]);
            if (memcmp(&m, &want, sizeof(m)) != 0 || port != m.addr_bytes[0])
                r->torn++;
        }
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        uint32_t p2 = __atomic_load_n(&r->phase, __ATOMIC_SEQ_CST);
        if (hits > 0 && !(p1 & 1))
            __atomic_store_n(&r->hit, p1, __ATOMIC_RELEASE);
        if (p1 == p2 && (p1 & 1)) {
            r->seen_removed++;
            r->stale_hits += hits;
            __atomic_store_n(&r->checked, p1, __ATOMIC_RELEASE);
        }
    }
    return NULL;
}

/* Until the reader has stored `phase` into *what, at most a second; false on timeout. */
static bool wait_for(const uint32_t *what, uint32_t phase, void (*meanwhile)(unsigned),
                     unsigned arg)
{
    struct timespec start, cur;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        if (__atomic_load_n(what, __ATOMIC_ACQUIRE) == phase)
            return true;
        if (meanwhile != NULL)
            meanwhile(arg);
        clock_gettime(CLOCK_MONOTONIC, &cur);
    } while ((cur.tv_sec - start.tv_sec) * 1000000000l + (cur.tv_nsec - start.tv_nsec) <
             1000000000l);
    return false;
}

static struct race r;
static uint64_t race_now;

/* Every host rewritten with generation g: a new MAC and port under the reader's feet. */
static void race_learn_all(unsigned g)
{
    static unsigned turn;
    uint8_t gen = (uint8_t)(g + turn++);
    for (unsigned h = 0; h < RACE_HOSTS; h++) {
        struct rte_ether_addr m = race_mac(h, gen);
        dp_neigh_learn(r.t, race_ip(h), gen, &m, race_now);
    }
}

static void removal_seen_by_concurrent_reader(void **state)
{
    (void)state;
    r = (struct race){.t = calloc(1, sizeof(struct dp_neigh_table))};
    assert_non_null(r.t);
    const struct dp_neigh_aging quick = {.reachable_ns = SEC, .probes = 1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, race_reader, &r), 0);
    uint64_t expired = 0;
    race_now = T0;
    struct dp_neigh_probe p[DP_NEIGH_AGE_MAX_PROBES];
    unsigned waited_out = 0;
    for (unsigned round = 0; round < RACE_ROUNDS; round++) {
        __atomic_store_n(&r.phase, 2 * round + 2, __ATOMIC_SEQ_CST);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        /* Learnt, rewritten with new MACs and ports until the reader found some, probed, removed.
         */
        race_learn_all(round);
        waited_out += !wait_for(&r.hit, 2 * round + 2, race_learn_all, round);
        uint64_t now = race_now + SEC;
        unsigned probed = 0;
        for (unsigned i = 0; i < 64 && probed < RACE_HOSTS; i++)
            probed += dp_neigh_age(r.t, &quick, now, p, DP_NEIGH_AGE_MAX_PROBES, &expired);
        assert_int_equal(probed, RACE_HOSTS);
        now += SEC;
        race_now = now;
        uint64_t before = expired;
        for (unsigned i = 0; i < DP_NEIGH_SLOTS / DP_NEIGH_AGE_SLOTS; i++)
            dp_neigh_age(r.t, &quick, now, p, DP_NEIGH_AGE_MAX_PROBES, &expired);
        assert_int_equal(expired - before, RACE_HOSTS);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        __atomic_store_n(&r.phase, 2 * round + 3, __ATOMIC_SEQ_CST);
        /* Rest until the reader has looked at the empty table. */
        waited_out += !wait_for(&r.checked, 2 * round + 3, NULL, 0);
    }
    __atomic_store_n(&r.done, true, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    print_message("found %llu, removed phases checked %llu, torn %llu, after removal %llu\n",
                  (unsigned long long)r.found, (unsigned long long)r.seen_removed,
                  (unsigned long long)r.torn, (unsigned long long)r.stale_hits);
    assert_int_equal(r.torn, 0);
    assert_int_equal(r.stale_hits, 0);
    assert_true(r.found > 0);
    assert_true(waited_out < RACE_ROUNDS / 2); /* the reader did check most phases */
    free(r.t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(silent_neighbour_probed_then_removed),
        cmocka_unit_test(reply_refreshes),
        cmocka_unit_test(static_and_zero_never_age),
        cmocka_unit_test(ipv6_probe_confirm_remove),
        cmocka_unit_test(work_per_call_is_bounded),
        cmocka_unit_test(removal_seen_by_concurrent_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
