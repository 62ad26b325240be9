/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The redirect policy (lib/ike/stateless/redirect_policy.c): weighted round robin
 * proportions and interleaving, least-loaded choice, consistent hashing of
 * client addresses (stability, shares, minimal movement when a target goes),
 * exclusion of the REDIRECTED_FROM gateway (host names in any case) and of
 * the gateway itself, anycast entries, gateway identities in IPv4, IPv6 and
 * FQDN form down to the REDIRECT bytes, table errors, and the lock-free
 * publication.
 */
#include <errno.h>
#include <string.h>

#include "ike_consts.h"
#include "ike_redirect_policy.h"
#include "ike_stateless.h"
#include "unit_util.h"

static struct ike_gw_id gw(const char *text)
{
    struct ike_gw_id g;
    assert_int_equal(rp_gw_parse(text, &g), 0);
    return g;
}

static struct ike_addr addr(const char *text)
{
    struct ike_addr a;
    assert_int_equal(ike_addr_parse(&a, text, 0), 0);
    return a;
}

/* A client address from a counter: 10.x.y.z, or 2001:db8::x:y for odd n. */
static struct ike_addr client_n(unsigned n)
{
    struct ike_addr a = {.family = (n & 1) ? 6 : 4};
    if (a.family == 4) {
        a.ip[0] = 10;
        a.ip[1] = (uint8_t)(n >> 16);
        a.ip[2] = (uint8_t)(n >> 8);
        a.ip[3] = (uint8_t)n;
    } else {
        a.ip[0] = 0x20;
        a.ip[1] = 0x01;
        a.ip[2] = 0x0d;
        a.ip[3] = 0xb8;
        a.ip[13] = (uint8_t)(n >> 16);
        a.ip[14] = (uint8_t)(n >> 8);
        a.ip[15] = (uint8_t)n;
    }
    return a;
}

static void table3(struct rp_table *t, enum rp_policy p, uint32_t w0, uint32_t w1, uint32_t w2)
{
    rp_table_init(t, p, false);
    struct ike_gw_id a = gw("198.51.100.10"), b = gw("2001:db8::20"), c = gw("vpn3.example.net");
    assert_int_equal(rp_table_add(t, &a, w0), 0);
    assert_int_equal(rp_table_add(t, &b, w1), 0);
    assert_int_equal(rp_table_add(t, &c, w2), 0);
}

static void test_weighted_round_robin_proportions(void **state)
{
    (void)state;
    struct rp_table t;
    table3(&t, RP_WEIGHTED_RR, 5, 3, 2);
    struct rp_cursor c = {0};
    struct rp_query q = {0};
    unsigned count[3] = {0}, run = 0, longest_run = 0;
    int last = -1;
    for (unsigned i = 0; i < 10000; i++) {
        struct rp_pick p = rp_pick(&t, &c, &q);
        assert_in_range(p.index, 0, 2);
        count[p.index]++;
        run = p.index == last ? run + 1 : 1;
        longest_run = run > longest_run ? run : longest_run;
        last = p.index;
    }
    /* Smooth WRR is exact over each window of total weight: allow 1 % anyway. */
    assert_in_range(count[0], 4950, 5050);
    assert_in_range(count[1], 2970, 3030);
    assert_in_range(count[2], 1980, 2020);
    /* Interleaved: never a block of five picks of the heaviest target in a row. */
    assert_true(longest_run <= 2);
}

static void test_weight_zero_drains_and_no_target(void **state)
{
    (void)state;
    struct rp_table t;
    table3(&t, RP_WEIGHTED_RR, 1, 0, 1);
    struct rp_cursor c = {0};
    struct rp_query q = {0};
    for (unsigned i = 0; i < 100; i++)
        assert_int_not_equal(rp_pick(&t, &c, &q).index, 1);
    table3(&t, RP_WEIGHTED_RR, 0, 0, 0);
    assert_int_equal(rp_pick(&t, &c, &q).index, -1);
    rp_table_init(&t, RP_CLIENT_HASH, false);
    assert_int_equal(rp_pick(&t, &c, &q).index, -1);
}

/*
 * A table of policy p whose one target is `only`, the gateway the client was
 * redirected from (`from`, the same or the same name in other case): no
 * target to offer, and the exclusion reported.
 */
static void expect_origin_only(enum rp_policy p, struct rp_cursor *c, const struct ike_gw_id *only,
                               const struct ike_gw_id *from)
{
    struct rp_table one;
    rp_table_init(&one, p, false);
    assert_int_equal(rp_table_add(&one, only, 1), 0);
    struct rp_query q = {.redirected_from = from};
    struct rp_pick pick = rp_pick(&one, c, &q);
    assert_int_equal(pick.index, -1);
    assert_true(pick.excluded_origin);
}

static void test_redirected_from_is_never_picked(void **state)
{
    (void)state;
    for (enum rp_policy p = 0; p < RP_NPOLICIES; p++) {
        struct rp_table t;
        table3(&t, p, 1, 1, 1);
        struct rp_cursor c = {0};
        struct ike_gw_id from = gw("2001:db8::20");
        for (unsigned i = 0; i < 300; i++) {
            struct ike_addr cl = client_n(i);
            struct rp_query q = {.client = &cl, .redirected_from = &from};
            struct rp_pick pick = rp_pick(&t, &c, &q);
            assert_true(pick.index == 0 || pick.index == 2);
            assert_true(pick.excluded_origin);
        }
        /* Only the origin left: nothing to offer, and the reason is known. */
        expect_origin_only(p, &c, &from, &from);
    }
}

/*
 * Host names compare without regard to case (RFC 4343): a client redirected
 * from "GW2.Example.COM" is never sent to the target "gw2.example.com",
 * whatever the policy, and the exclusion is reported (the worker gate counts
 * it as redirect_origin_excluded).
 */
static void test_redirected_from_fqdn_any_case(void **state)
{
    (void)state;
    for (enum rp_policy p = 0; p < RP_NPOLICIES; p++) {
        struct rp_table t;
        rp_table_init(&t, p, false);
        struct ike_gw_id other = gw("198.51.100.10"), target = gw("gw2.example.com");
        assert_int_equal(rp_table_add(&t, &other, 1), 0);
        assert_int_equal(rp_table_add(&t, &target, 100), 0);
        struct ike_gw_id from = gw("GW2.Example.COM");
        assert_int_equal(from.type, IKE_GW_FQDN);
        assert_memory_not_equal(from.value, target.value, from.len);
        struct rp_cursor c = {0};
        for (unsigned i = 0; i < 100; i++) {
            struct ike_addr cl = client_n(i);
            struct rp_query q = {.client = &cl, .redirected_from = &from};
            struct rp_pick pick = rp_pick(&t, &c, &q);
            if (pick.index != 0)
                fail_msg("%s: client %u sent back to gw2.example.com", rp_policy_name(p), i);
            assert_true(pick.excluded_origin);
        }
        /* The origin the only target left: no target, and the reason known. */
        expect_origin_only(p, &c, &target, &from);
    }
}

static void test_self_needs_allow_self(void **state)
{
    (void)state;
    struct rp_table t;
    rp_table_init(&t, RP_WEIGHTED_RR, false);
    struct ike_addr own = addr("198.51.100.1");
    assert_int_equal(rp_table_add_self(&t, &own), 0);
    struct ike_gw_id self = gw("198.51.100.1"), other = gw("203.0.113.1");
    assert_int_equal(rp_table_add(&t, &self, 1), -EPERM);
    assert_int_equal(rp_table_add(&t, &other, 1), 0);
    assert_true(rp_table_is_self(&t, &self));
    assert_false(rp_table_is_self(&t, &other));

    rp_table_init(&t, RP_WEIGHTED_RR, true);
    assert_int_equal(rp_table_add_self(&t, &own), 0);
    assert_int_equal(rp_table_add(&t, &self, 1), 0);
    assert_int_equal(rp_table_add(&t, &other, 1), 0);
    assert_true(t.targets[0].self);
    struct rp_cursor c = {0};
    struct rp_query q = {0};
    unsigned to_self = 0;
    for (unsigned i = 0; i < 10; i++)
        to_self += rp_pick(&t, &c, &q).index == 0;
    assert_int_equal(to_self, 5);
    /* Even allowed, the address the client reached is never offered back (a loop). */
    struct rp_query here = {.here = &own};
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(rp_pick(&t, &c, &here).index, 1);
}

static void test_least_loaded(void **state)
{
    (void)state;
    struct rp_table t;
    table3(&t, RP_LEAST_LOADED, 1, 1, 1);
    t.targets[0].load = 10;
    t.targets[1].load = 5;
    t.targets[2].load = 20;
    struct rp_cursor c = {0};
    struct rp_query q = {0};
    for (unsigned i = 0; i < 50; i++)
        assert_int_equal(rp_pick(&t, &c, &q).index, 1);
    /* Per unit of weight: 10/1, 5/1, 20/4 -> a tie of 1 and 2, shared 1:4 by weight. */
    table3(&t, RP_LEAST_LOADED, 1, 1, 4);
    t.targets[0].load = 10;
    t.targets[1].load = 5;
    t.targets[2].load = 20;
    unsigned count[3] = {0};
    for (unsigned i = 0; i < 500; i++)
        count[rp_pick(&t, &c, &q).index]++;
    assert_int_equal(count[0], 0);
    assert_int_equal(count[1], 100);
    assert_int_equal(count[2], 400);
    /* The least loaded one is the origin: the next best. */
    struct ike_gw_id from = gw("2001:db8::20");
    q.redirected_from = &from;
    assert_int_equal(rp_pick(&t, &c, &q).index, 2);
}

static void test_client_hash_stable_and_weighted(void **state)
{
    (void)state;
    struct rp_table t;
    table3(&t, RP_CLIENT_HASH, 1, 1, 2);
    struct rp_cursor c1 = {0}, c2 = {0};
    enum { N = 20000 };
    static int first[N];
    unsigned count[3] = {0};
    for (unsigned i = 0; i < N; i++) {
        struct ike_addr cl = client_n(i);
        struct rp_query q = {.client = &cl};
        first[i] = rp_pick(&t, &c1, &q).index;
        assert_in_range(first[i], 0, 2);
        count[first[i]]++;
        /* The same client again (another port, another worker's cursor): the same target. */
        cl.port = 4500;
        assert_int_equal(rp_pick(&t, &c2, &q).index, first[i]);
    }
    /* Shares 1:1:2 within 3 percentage points. */
    assert_in_range(count[0], N / 4 - 600, N / 4 + 600);
    assert_in_range(count[1], N / 4 - 600, N / 4 + 600);
    assert_in_range(count[2], N / 2 - 600, N / 2 + 600);
}

static void test_client_hash_minimal_movement(void **state)
{
    (void)state;
    struct rp_table t;
    table3(&t, RP_CLIENT_HASH, 1, 1, 1);
    struct rp_cursor c = {0};
    enum { N = 6000 };
    static int before[N];
    for (unsigned i = 0; i < N; i++) {
        struct ike_addr cl = client_n(i);
        struct rp_query q = {.client = &cl};
        before[i] = rp_pick(&t, &c, &q).index;
    }
    /* Remove the IPv6 target (index 1): the others keep their clients, its own spread out. */
    struct ike_gw_id keep[2] = {gw("198.51.100.10"), gw("vpn3.example.net")};
    uint32_t w[2] = {1, 1};
    uint32_t gen = t.generation;
    assert_int_equal(rp_table_replace_targets(&t, keep, w, 2), 0);
    assert_true(t.generation != gen);
    unsigned moved_to[2] = {0};
    for (unsigned i = 0; i < N; i++) {
        struct ike_addr cl = client_n(i);
        struct rp_query q = {.client = &cl};
        int now = rp_pick(&t, &c, &q).index;
        const struct ike_gw_id *now_gw = &t.targets[now].gw;
        if (before[i] == 0)
            assert_true(ike_gw_id_equal(now_gw, &keep[0]));
        else if (before[i] == 2)
            assert_true(ike_gw_id_equal(now_gw, &keep[1]));
        else
            moved_to[now]++;
    }
    assert_true(moved_to[0] > N / 3 / 2 - 300 && moved_to[1] > N / 3 / 2 - 300);
    /* Excluding a client's own target under hashing moves it to its second choice, stably. */
    struct ike_addr cl = client_n(7);
    struct rp_query q = {.client = &cl};
    int home = rp_pick(&t, &c, &q).index;
    q.redirected_from = &t.targets[home].gw;
    int second = rp_pick(&t, &c, &q).index;
    assert_int_not_equal(second, home);
    assert_int_equal(rp_pick(&t, &c, &q).index, second);
}

static void test_anycast_self_only_for_anycast(void **state)
{
    (void)state;
    struct rp_table t;
    rp_table_init(&t, RP_WEIGHTED_RR, false);
    struct ike_addr own = addr("198.51.100.1"), any = addr("198.51.100.100");
    assert_int_equal(rp_table_add_self(&t, &own), 0);
    assert_int_equal(rp_table_add_anycast(&t, &any), 0);
    assert_int_equal(rp_table_add_anycast(&t, &any), -EEXIST);
    struct ike_gw_id self = gw("198.51.100.1"), other = gw("203.0.113.1"),
                     any_gw = gw("198.51.100.100"), name = gw("gw.example");
    assert_int_equal(rp_table_add(&t, &any_gw, 1), -EADDRINUSE);
    assert_int_equal(rp_table_add_anycast_self(&t, &name, 1), -EINVAL);
    assert_int_equal(rp_table_add_anycast_self(&t, &self, 1), 0);
    assert_int_equal(rp_table_add(&t, &other, 1), 0);
    assert_true(rp_table_is_anycast(&t, &any));
    assert_false(rp_table_is_anycast(&t, &own));
    struct rp_cursor c = {0};
    struct rp_query unicast = {0}, anycast = {.anycast = true};
    for (unsigned i = 0; i < 20; i++)
        assert_int_equal(rp_pick(&t, &c, &unicast).index, 1);
    unsigned to_self = 0;
    for (unsigned i = 0; i < 20; i++)
        to_self += rp_pick(&t, &c, &anycast).index == 0;
    assert_int_equal(to_self, 10);
    /* Replacing the targets keeps the anycast-self entry and carries loads over. */
    t.targets[1].load = 42;
    struct ike_gw_id next[2] = {gw("203.0.113.1"), gw("203.0.113.2")};
    uint32_t w[2] = {2, 3};
    assert_int_equal(rp_table_replace_targets(&t, next, w, 2), 0);
    assert_int_equal(t.ntargets, 3);
    assert_true(t.targets[0].anycast_only);
    assert_int_equal(t.targets[1].load, 42);
    assert_int_equal(t.targets[1].weight, 2);
    assert_int_equal(t.targets[2].load, 0);
    /* Naming the anycast-self address sets its weight: 0 keeps anycast clients off it. */
    struct ike_gw_id with_self[2] = {gw("203.0.113.1"), self};
    uint32_t w2[2] = {1, 0};
    assert_int_equal(rp_table_replace_targets(&t, with_self, w2, 2), 0);
    assert_int_equal(t.ntargets, 2);
    assert_true(t.targets[0].anycast_only);
    assert_int_equal(t.targets[0].weight, 0);
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(rp_pick(&t, &c, &anycast).index, 1);
}

static void test_table_errors(void **state)
{
    (void)state;
    struct rp_table t;
    rp_table_init(&t, RP_WEIGHTED_RR, false);
    struct ike_gw_id a = gw("198.51.100.10"), upper = gw("VPN.example"), lower = gw("vpn.EXAMPLE");
    assert_int_equal(rp_table_add(&t, &a, RP_WEIGHT_MAX + 1), -EINVAL);
    assert_int_equal(rp_table_add(&t, &a, 1), 0);
    assert_int_equal(rp_table_add(&t, &a, 2), -EEXIST);
    assert_int_equal(rp_table_add(&t, &upper, 1), 0);
    assert_int_equal(rp_table_add(&t, &lower, 1), -EEXIST); /* host names ignore case */
    for (unsigned i = t.ntargets; i < RP_MAX_TARGETS; i++) {
        struct ike_addr x = client_n(2 * i);
        struct ike_gw_id g = {.type = IKE_GW_IPV4, .len = 4};
        memcpy(g.value, x.ip, 4);
        assert_int_equal(rp_table_add(&t, &g, 1), 0);
    }
    struct ike_gw_id extra = gw("203.0.113.99");
    assert_int_equal(rp_table_add(&t, &extra, 1), -ENOSPC);
    /* A failed replacement leaves the table as it was. */
    struct rp_table before = t;
    struct ike_gw_id dup[2] = {extra, extra};
    uint32_t w[2] = {1, 1};
    assert_int_equal(rp_table_replace_targets(&t, dup, w, 2), -EEXIST);
    assert_memory_equal(&t, &before, sizeof(t));
}

static void test_gateway_identity_text(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "-lead.example",
                                      ".lead",
                                      "sp ace.example",
                                      "under_score.example",
                                      "vpn.example/24",
                                      "[2001:db8::1]"};
    struct ike_gw_id g;
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(rp_gw_parse(bad[i], &g), -1);
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(rp_gw_parse(longname, &g), -1);
    longname[IKE_GW_ID_MAX] = '\0';
    assert_int_equal(rp_gw_parse(longname, &g), 0);
    assert_int_equal(g.len, IKE_GW_ID_MAX);

    static const char *const good[] = {"198.51.100.7", "2001:db8::7", "vpn2.example.net"};
    static const uint8_t types[] = {IKE_GW_IPV4, IKE_GW_IPV6, IKE_GW_FQDN};
    static const uint8_t lens[] = {4, 16, 16};
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(rp_gw_parse(good[i], &g), 0);
        assert_int_equal(g.type, types[i]);
        assert_int_equal(g.len, lens[i]);
        char text[300];
        rp_gw_format(&g, text, sizeof(text));
        assert_string_equal(text, good[i]);
    }
    enum rp_policy p;
    assert_int_equal(rp_policy_parse("client_hash", &p), 0);
    assert_int_equal(p, RP_CLIENT_HASH);
    assert_int_equal(rp_policy_parse("round_robin", &p), -1);
    assert_string_equal(rp_policy_name(RP_LEAST_LOADED), "least_loaded");
}

/* A picked IPv6 or FQDN target goes into REDIRECT as RFC 5685 3 lays it out. */
static void test_picked_targets_on_the_wire(void **state)
{
    (void)state;
    struct rp_table t;
    rp_table_init(&t, RP_WEIGHTED_RR, false);
    struct ike_gw_id v6 = gw("2001:db8::20"), name = gw("vpn3.example.net");
    assert_int_equal(rp_table_add(&t, &v6, 1), 0);
    assert_int_equal(rp_table_add(&t, &name, 1), 0);
    struct rp_cursor c = {0};
    struct rp_query q = {0};
    uint8_t nonce[32];
    memset(nonce, 0x5a, sizeof(nonce));
    struct ike_sl_request req = {.spi_i = 0x0102030405060708ull,
                                 .nonce = {.ptr = nonce, .len = sizeof(nonce)}};
    static const uint8_t v6_bytes[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x20};
    for (unsigned i = 0; i < 2; i++) {
        const struct ike_gw_id *target = &t.targets[rp_pick(&t, &c, &q).index].gw;
        uint8_t out[256];
        long n = ike_sl_build_redirect(&req, target, out, sizeof(out));
        /* HDR (28), notify header (4), protocol, SPI size, type (4), then the identity. */
        assert_int_equal(n, 28 + 8 + 2 + target->len + 32);
        assert_int_equal((out[34] << 8) | out[35], IKE_N_REDIRECT);
        if (i == 0) {
            assert_int_equal(out[36], IKE_GW_IPV6);
            assert_int_equal(out[37], 16);
            assert_memory_equal(out + 38, v6_bytes, 16);
        } else {
            assert_int_equal(out[36], IKE_GW_FQDN);
            assert_int_equal(out[37], 16);
            assert_memory_equal(out + 38, "vpn3.example.net", 16);
        }
        assert_memory_equal(out + n - 32, nonce, 32);
    }
}

static void test_publication(void **state)
{
    (void)state;
    static struct rp_shared shared;
    static struct rp_table t, copy;
    uint32_t seen = 0;
    assert_false(rp_refresh(&shared, &copy, &seen)); /* nothing published yet */
    table3(&t, RP_WEIGHTED_RR, 1, 2, 3);
    rp_publish(&shared, &t);
    assert_true(rp_refresh(&shared, &copy, &seen));
    assert_memory_equal(&copy, &t, sizeof(t));
    assert_false(rp_refresh(&shared, &copy, &seen)); /* unchanged */
    t.targets[0].load = 7;
    rp_publish(&shared, &t);
    /* A writer in the middle (odd sequence): the reader keeps what it had. */
    shared.seq++;
    assert_false(rp_refresh(&shared, &copy, &seen));
    assert_int_equal(copy.targets[0].load, 0);
    shared.seq++;
    assert_true(rp_refresh(&shared, &copy, &seen));
    assert_int_equal(copy.targets[0].load, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weighted_round_robin_proportions),
        cmocka_unit_test(test_weight_zero_drains_and_no_target),
        cmocka_unit_test(test_redirected_from_is_never_picked),
        cmocka_unit_test(test_redirected_from_fqdn_any_case),
        cmocka_unit_test(test_self_needs_allow_self),
        cmocka_unit_test(test_least_loaded),
        cmocka_unit_test(test_client_hash_stable_and_weighted),
        cmocka_unit_test(test_client_hash_minimal_movement),
        cmocka_unit_test(test_anycast_self_only_for_anycast),
        cmocka_unit_test(test_table_errors),
        cmocka_unit_test(test_gateway_identity_text),
        cmocka_unit_test(test_picked_targets_on_the_wire),
        cmocka_unit_test(test_publication),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
