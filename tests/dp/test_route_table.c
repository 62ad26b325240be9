/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes changed at run time (lib/dp/ip/route_table.c): adds and deletes take
 * effect for the next lookup, refusals leave the table as it was, and
 * readers looking up routes flat out on other threads while the table is
 * replaced hundreds of times always see a whole table (never a freed one:
 * run under ASan, a use after free fails the test).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "conf.h"
#include "dp_route_table.h"
#include "test_eal.h"
#include "test_pkt.h"

#define READERS 2
#define REPLACEMENTS 200

static struct dp_port ports[2];

static struct conf_route route(const char *prefix, const char *via, const char *port)
{
    struct conf_route r = {0};
    char why[128];
    assert_int_equal(conf_route_prefix_parse(prefix, &r.to, &r.prefix_len, why, sizeof(why)), 0);
    assert_int_equal(ike_addr_parse(&r.via, via, 0), 0);
    snprintf(r.port, sizeof(r.port), "%s", port);
    return r;
}

/* The next hop of dst in the table in force, or 0 when there is no route. */
static uint32_t hop_of(const struct dp_route_table *t, uint32_t dst)
{
    struct dp_next_hop nh;
    return dp_route_lookup(dp_route_table_current(t), dst, &nh) ? nh.ip : 0;
}

static void init_table(struct dp_route_table *t, struct rte_rcu_qsbr *qsbr)
{
    const struct conf_route conf[] = {route("10.9.0.0/16", "10.2.0.254", "inside")};
    char err[256];
    assert_int_equal(dp_route_table_init(t, ports, 2, NULL, NULL, conf, 1, qsbr, err, sizeof(err)),
                     0);
}

static void test_add_and_delete(void **state)
{
    (void)state;
    struct dp_route_table t;
    init_table(&t, NULL);
    char err[256];
    assert_int_equal(hop_of(&t, test_ip4(10, 9, 3, 4)), test_ip4(10, 2, 0, 254));
    assert_int_equal(hop_of(&t, test_ip4(192, 0, 2, 1)), 0);

    struct conf_route dflt = route("0.0.0.0/0", "198.51.100.254", "");
    assert_int_equal(dp_route_table_add(&t, &dflt, err, sizeof(err)), 0);
    assert_int_equal(hop_of(&t, test_ip4(192, 0, 2, 1)), test_ip4(198, 51, 100, 254));
    struct conf_route more = route("10.9.7.0/24", "10.2.0.253", "");
    assert_int_equal(dp_route_table_add(&t, &more, err, sizeof(err)), 0);
    assert_int_equal(hop_of(&t, test_ip4(10, 9, 7, 1)), test_ip4(10, 2, 0, 253));
    assert_int_equal(hop_of(&t, test_ip4(10, 9, 8, 1)), test_ip4(10, 2, 0, 254));
    /* Connected subnets still come first. */
    assert_int_equal(hop_of(&t, test_ip4(10, 2, 0, 7)), test_ip4(10, 2, 0, 7));

    struct conf_route list[CONF_MAX_ROUTES];
    uint64_t changes = 0;
    assert_int_equal(dp_route_table_list(&t, list, CONF_MAX_ROUTES, &changes), 3);
    assert_int_equal(changes, 2);
    assert_int_equal(list[2].prefix_len, 24);

    /* Deleting the configured route: its destinations fall to the default route. */
    assert_int_equal(dp_route_table_del(&t, &list[0].to, 16, err, sizeof(err)), 0);
    assert_int_equal(hop_of(&t, test_ip4(10, 9, 3, 4)), test_ip4(198, 51, 100, 254));
    assert_int_equal(hop_of(&t, test_ip4(10, 9, 7, 1)), test_ip4(10, 2, 0, 253));
    assert_int_equal(dp_route_table_del(&t, &dflt.to, 0, err, sizeof(err)), 0);
    assert_int_equal(hop_of(&t, test_ip4(10, 9, 3, 4)), 0);
    assert_int_equal(dp_route_table_list(&t, list, CONF_MAX_ROUTES, &changes), 1);
    assert_int_equal(changes, 4);
    dp_route_table_free(&t);
}

static void test_refusals_leave_the_table(void **state)
{
    (void)state;
    struct dp_route_table t;
    init_table(&t, NULL);
    char err[256] = "";
    const struct dp_routes *before = dp_route_table_current(&t);

    struct conf_route dup = route("10.9.0.0/16", "10.2.0.253", "");
    assert_int_equal(dp_route_table_add(&t, &dup, err, sizeof(err)), -EEXIST);
    assert_non_null(strstr(err, "delete it first"));
    struct conf_route offlink = route("10.8.0.0/16", "192.0.2.1", "");
    assert_int_equal(dp_route_table_add(&t, &offlink, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "on no port's subnet"));
    struct conf_route wrong_port = route("10.8.0.0/16", "10.2.0.254", "outside");
    assert_int_equal(dp_route_table_add(&t, &wrong_port, err, sizeof(err)), -EINVAL);
    struct conf_route no_port = route("10.8.0.0/16", "10.2.0.254", "nowhere");
    assert_int_equal(dp_route_table_add(&t, &no_port, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "no port is named nowhere"));
    struct conf_route missing = route("10.7.0.0/16", "10.2.0.254", "");
    assert_int_equal(dp_route_table_del(&t, &missing.to, 16, err, sizeof(err)), -ENOENT);
    /* Same address, another length: not the same route. */
    assert_int_equal(dp_route_table_del(&t, &dup.to, 17, err, sizeof(err)), -ENOENT);

    assert_ptr_equal(dp_route_table_current(&t), before);
    uint64_t changes = 1;
    struct conf_route list[CONF_MAX_ROUTES];
    assert_int_equal(dp_route_table_list(&t, list, CONF_MAX_ROUTES, &changes), 1);
    assert_int_equal(changes, 0);
    assert_int_equal(hop_of(&t, test_ip4(10, 9, 3, 4)), test_ip4(10, 2, 0, 254));

    /* Full: the table takes CONF_MAX_ROUTES and refuses one more. */
    for (unsigned i = 1; i < CONF_MAX_ROUTES; i++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "172.%u.%u.0/24", 16 + i / 256, i % 256);
        struct conf_route r = route(prefix, "10.2.0.254", "");
        assert_int_equal(dp_route_table_add(&t, &r, err, sizeof(err)), 0);
    }
    struct conf_route extra = route("10.6.0.0/16", "10.2.0.254", "");
    assert_int_equal(dp_route_table_add(&t, &extra, err, sizeof(err)), -ENOSPC);
    assert_int_equal(hop_of(&t, test_ip4(172, 16, 255, 9)), test_ip4(10, 2, 0, 254));

    dp_route_table_free(&t);
    assert_int_equal(dp_route_table_add(&t, &extra, err, sizeof(err)), -ESHUTDOWN);
    assert_int_equal(dp_route_table_del(&t, &dup.to, 16, err, sizeof(err)), -ESHUTDOWN);
}

static void test_prefix_syntax(void **state)
{
    (void)state;
    struct ike_addr a;
    uint8_t len;
    char why[128];
    const char *bad[] = {"10.9.0.0",    "10.9.0.1/16",    "10.9.0.0/33",    "10.9.0.0/",
                         "10.9.0.0/x",  "2001:db8::1/32", "2001:db8::/129", "",
                         "10.9.0.0/16x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(conf_route_prefix_parse(bad[i], &a, &len, why, sizeof(why)), -1);
    assert_int_equal(conf_route_prefix_parse("10.9.0.1/16", &a, &len, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "host bits"));
    assert_int_equal(conf_route_prefix_parse("0.0.0.0/0", &a, &len, why, sizeof(why)), 0);
    assert_int_equal(len, 0);
    assert_int_equal(conf_route_prefix_parse("2001:db8::/32", &a, &len, why, sizeof(why)), 0);
    assert_int_equal(a.family, 6);
    assert_int_equal(len, 32);
}

struct reader {
    const struct dp_route_table *t;
    struct rte_rcu_qsbr *qsbr;
    unsigned id;
    const volatile bool *stop;
    uint64_t lookups, wrong;
};

static void *read_flat_out(void *arg)
{
    struct reader *r = arg;
    rte_rcu_qsbr_thread_register(r->qsbr, r->id);
    rte_rcu_qsbr_thread_online(r->qsbr, r->id);
    while (!*r->stop) {
        /* As a worker does: quiescent, then the table in force for one burst. */
        rte_rcu_qsbr_quiescent(r->qsbr, r->id);
        const struct dp_routes *routes = dp_route_table_current(r->t);
        for (unsigned i = 0; i < 32; i++) {
            struct dp_next_hop nh;
            /* 10.9.7.x: via .253 while the /24 exists, else via .254 (the /16). */
            if (!dp_route_lookup(routes, test_ip4(10, 9, 7, (uint8_t)i), &nh) ||
                (nh.ip != test_ip4(10, 2, 0, 253) && nh.ip != test_ip4(10, 2, 0, 254)))
                r->wrong++;
            r->lookups++;
        }
    }
    rte_rcu_qsbr_thread_offline(r->qsbr, r->id);
    rte_rcu_qsbr_thread_unregister(r->qsbr, r->id);
    return NULL;
}

static void test_replaced_under_readers(void **state)
{
    (void)state;
    size_t sz = rte_rcu_qsbr_get_memsize(READERS);
    struct rte_rcu_qsbr *qsbr = rte_zmalloc("test_qsbr", sz, RTE_CACHE_LINE_SIZE);
    assert_non_null(qsbr);
    assert_int_equal(rte_rcu_qsbr_init(qsbr, READERS), 0);
    struct dp_route_table t;
    init_table(&t, qsbr);
    volatile bool stop = false;
    struct reader readers[READERS];
    pthread_t th[READERS];
    for (unsigned i = 0; i < READERS; i++) {
        readers[i] = (struct reader){.t = &t, .qsbr = qsbr, .id = i, .stop = &stop};
        assert_int_equal(pthread_create(&th[i], NULL, read_flat_out, &readers[i]), 0);
    }
    struct conf_route more = route("10.9.7.0/24", "10.2.0.253", "");
    char err[256];
    for (unsigned i = 0; i < REPLACEMENTS / 2; i++) {
        assert_int_equal(dp_route_table_add(&t, &more, err, sizeof(err)), 0);
        assert_int_equal(dp_route_table_del(&t, &more.to, 24, err, sizeof(err)), 0);
    }
    stop = true;
    uint64_t lookups = 0;
    for (unsigned i = 0; i < READERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(readers[i].wrong, 0);
        lookups += readers[i].lookups;
    }
    print_message("%u tables replaced under %u readers doing %lu lookups\n", REPLACEMENTS, READERS,
                  (unsigned long)lookups);
    assert_true(lookups > 0);
    uint64_t changes;
    struct conf_route list[CONF_MAX_ROUTES];
    assert_int_equal(dp_route_table_list(&t, list, CONF_MAX_ROUTES, &changes), 1);
    assert_int_equal(changes, REPLACEMENTS);
    dp_route_table_free(&t);
    rte_free(qsbr);
}

static int group_setup(void **state)
{
    (void)state;
    if (test_eal_init("test_route_table", "0", "480") < 0)
        return -1;
    ports[0] = (struct dp_port){
        .name = "outside", .ip = test_ip4(198, 51, 100, 1), .mask = rte_cpu_to_be_32(0xffffff00)};
    ports[1] = (struct dp_port){.name = "inside",
                                .ip = test_ip4(10, 2, 0, 1),
                                .mask = rte_cpu_to_be_32(0xffffff00),
                                .has_ip6 = true,
                                .ip6 = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1},
                                .prefix6_len = 64};
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_eal_cleanup();
    return 0;
}

/* IPv6 routes go through the same table: added, looked up, deleted, refused off-link. */
static void test_ipv6_routes(void **state)
{
    (void)state;
    struct dp_route_table t;
    init_table(&t, NULL);
    char err[256];
    uint8_t dst[16], want[16];
    struct ike_addr a;
    assert_int_equal(ike_addr_parse(&a, "2001:db8:9::5", 0), 0);
    memcpy(dst, a.ip, 16);
    struct dp_next_hop6 nh;
    assert_false(dp_route_lookup6(dp_route_table_current(&t), dst, &nh));
    struct conf_route r6 = route("2001:db8:9::/48", "2001:db8:2::fe", "");
    assert_int_equal(dp_route_table_add(&t, &r6, err, sizeof(err)), 0);
    assert_true(dp_route_lookup6(dp_route_table_current(&t), dst, &nh));
    assert_int_equal(ike_addr_parse(&a, "2001:db8:2::fe", 0), 0);
    memcpy(want, a.ip, 16);
    assert_memory_equal(nh.ip, want, 16);
    assert_int_equal(nh.port_index, 1);
    /* The IPv4 routes are still there. */
    assert_int_equal(hop_of(&t, test_ip4(10, 9, 3, 4)), test_ip4(10, 2, 0, 254));
    struct conf_route off = route("2001:db8:8::/48", "2001:db8:1::fe", "");
    assert_int_equal(dp_route_table_add(&t, &off, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "on no port's IPv6 subnet"));
    assert_int_equal(dp_route_table_del(&t, &r6.to, 48, err, sizeof(err)), 0);
    assert_false(dp_route_lookup6(dp_route_table_current(&t), dst, &nh));
    dp_route_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_delete),
        cmocka_unit_test(test_refusals_leave_the_table),
        cmocka_unit_test(test_prefix_syntax),
        cmocka_unit_test(test_ipv6_routes),
        cmocka_unit_test(test_replaced_under_readers),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
