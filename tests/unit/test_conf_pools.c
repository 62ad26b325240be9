/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual-IP pools in the configuration (lib/conf/conf_pools.c): subnets of
 * both families as their hosts, ranges, DNS and hold; peers naming pools
 * (before or after the section) instead of remote_ts; an initiator's vips
 * instead of local_ts; and each mistake refused with file:line and key.
 */
#include <string.h>

#include "conf.h"
#include "unit_conf.h"
#include "unit_util.h"

#define PEER_POOLS UNIT_CONF_PEER_HEAD "    local_ts: [10.2.0.0/24]\n    pools: [rw4, rw6]\n"
#define POOLS                                                                                      \
    "pools:\n"                                                                                     \
    "  - name: rw4\n"                                                                              \
    "    addresses: 10.3.0.0/24\n"                                                                 \
    "    dns: [10.2.0.53, 2001:db8::53]\n"                                                         \
    "    hold: 10m\n"                                                                              \
    "  - name: rw6\n"                                                                              \
    "    addresses: fd00:3::/112\n"                                                                \
    "  - name: range\n"                                                                            \
    "    addresses: 10.4.0.250-10.4.1.5\n"

static void assert_ip(const struct ike_addr *a, const char *want)
{
    struct ike_addr w;
    assert_int_equal(ike_addr_parse(&w, want, 0), 0);
    assert_int_equal(a->family, w.family);
    assert_memory_equal(a->ip, w.ip, ike_addr_ip_len(&w));
}

static void test_pools_loaded(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    /* The peers name pools the file defines only later. */
    assert_int_equal(unit_conf_load("v.yaml", PEER_POOLS, POOLS, NULL, &c, err, sizeof(err)), 0);
    assert_int_equal(c.npools, 3);
    assert_ptr_equal(c.ike.pools, c.pools);
    assert_int_equal(c.ike.npools, 3);
    assert_string_equal(c.pools[0].name, "rw4");
    assert_ip(&c.pools[0].first, "10.3.0.1");
    assert_ip(&c.pools[0].last, "10.3.0.254");
    assert_int_equal(c.pools[0].prefix_len, 24);
    assert_int_equal(c.pools[0].hold_s, 600);
    assert_int_equal(c.pools[0].ndns, 2);
    assert_ip(&c.pools[0].dns[1], "2001:db8::53");
    assert_ip(&c.pools[1].first, "fd00:3::1");
    assert_ip(&c.pools[1].last, "fd00:3::ffff");
    assert_int_equal(c.pools[1].prefix_len, 112);
    assert_int_equal(c.pools[1].hold_s, CONF_POOL_HOLD_DEFAULT);
    assert_ip(&c.pools[2].first, "10.4.0.250");
    assert_ip(&c.pools[2].last, "10.4.1.5");
    assert_int_equal(c.pools[2].prefix_len, 32);
    assert_int_equal(c.peers[0].npools, 2);
    assert_int_equal(c.peers[0].pools[0], 0);
    assert_int_equal(c.peers[0].pools[1], 1);
    assert_int_equal(c.peers[0].nremote_ts, 0);
    conf_free(&c);
}

static void test_small_subnets(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    const char *pools = "pools:\n"
                        "  - name: p31\n    addresses: 10.3.0.0/31\n"
                        "  - name: p32\n    addresses: 10.3.0.9/32\n"
                        "  - name: p128\n    addresses: fd00::9/128\n";
    assert_int_equal(unit_conf_load("v.yaml", pools, PEER_POOLS, NULL, &c, err, sizeof(err)), -1);
    /* rw4 and rw6 are not among these: the names are checked at the end. */
    assert_non_null(strstr(err, "no pool named \"rw4\""));
    assert_int_equal(unit_conf_load("v.yaml", pools,
                                    UNIT_CONF_PEER_HEAD "    local_ts: [10.2.0.0/24]\n"
                                                        "    pools: [p31]\n",
                                    NULL, &c, err, sizeof(err)),
                     0);
    assert_ip(&c.pools[0].first, "10.3.0.0"); /* a /31 has no network or broadcast address */
    assert_ip(&c.pools[0].last, "10.3.0.1");
    assert_ip(&c.pools[1].first, "10.3.0.9");
    assert_ip(&c.pools[1].last, "10.3.0.9");
    assert_ip(&c.pools[2].first, "fd00::9");
    assert_ip(&c.pools[2].last, "fd00::9");
    conf_free(&c);
}

static void test_vips(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    const char *peer = UNIT_CONF_PEER_HEAD "    remote: 192.0.2.1\n"
                                           "    vips: [0.0.0.0, '::']\n"
                                           "    remote_ts: [10.2.0.0/24]\n";
    assert_int_equal(unit_conf_load("v.yaml", peer, "", NULL, &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].vip_request, IKE_VIP_4 | IKE_VIP_6);
    assert_int_equal(c.peers[0].nlocal_ts, 0);
    conf_free(&c);
}

static void test_mistakes(void **state)
{
    (void)state;
    const char *peer = PEER_POOLS;
    unit_conf_expect_refused("v.yaml", POOLS, "  - name: rw4\n    addresses: 10.9.0.0/24\n", peer,
                             "v.yaml:10: pools[3]: a second pool named \"rw4\"");
    unit_conf_expect_refused("v.yaml", "pools:\n  - name: x\n    addresses: 10.3.0.1/24\n", "",
                             NULL, "pools[0].addresses: \"10.3.0.1/24\" has host bits set");
    unit_conf_expect_refused("v.yaml", "pools:\n  - name: x\n    addresses: 10.0.0.0/7\n", "", NULL,
                             "pools[0].addresses: bad prefix length");
    unit_conf_expect_refused("v.yaml", "pools:\n  - name: x\n    addresses: fd00::/48\n", "", NULL,
                             "pools[0].addresses: bad prefix length");
    unit_conf_expect_refused("v.yaml", "pools:\n  - name: x\n    addresses: 10.3.0.9-10.3.0.1\n",
                             "", NULL, "the first address must not be after the last");
    unit_conf_expect_refused("v.yaml", "pools:\n  - name: x\n    addresses: 10.3.0.1-fd00::1\n", "",
                             NULL, "the first address must not be after the last");
    unit_conf_expect_refused("v.yaml", "pools:\n  - name: x\n    addresses: 10.3.0.1\n", "", NULL,
                             "expected a subnet (10.3.0.0/24) or a range");
    unit_conf_expect_refused("v.yaml", "pools:\n  - name: x\n", "", NULL,
                             "pools[0]: needs name and addresses");
    unit_conf_expect_refused("v.yaml",
                             "pools:\n  - name: x\n    addresses: 10.3.0.0/24\n"
                             "    colour: blue\n",
                             "", NULL, "pools[0].colour: unknown key");
    unit_conf_expect_refused("v.yaml",
                             "pools:\n  - name: x\n    addresses: 10.3.0.0/24\n"
                             "    hold: 31d\n",
                             "", NULL, "pools[0].hold: expected a duration up to 30d");
    unit_conf_expect_refused("v.yaml",
                             "pools:\n  - name: x\n    addresses: 10.3.0.0/24\n"
                             "    dns: [1.1.1.1, 1.0.0.1, 8.8.8.8, 8.8.4.4, 9.9.9.9]\n",
                             "", NULL, "at most 4 DNS servers");
    unit_conf_expect_refused("v.yaml", POOLS,
                             UNIT_CONF_PEER_HEAD "    local_ts: [10.2.0.0/24]\n"
                                                 "    pools: [rw5]\n",
                             NULL, "peers[0].pools: no pool named \"rw5\"");
    unit_conf_expect_refused("v.yaml", POOLS,
                             UNIT_CONF_PEER_HEAD "    local_ts: [10.2.0.0/24]\n"
                                                 "    pools: rw4\n",
                             NULL, "peers[0].pools: expected a list of pool names");
    unit_conf_expect_refused("v.yaml", UNIT_CONF_PEER_HEAD "    local_ts: [10.2.0.0/24]\n", "",
                             NULL, "local_ts (or vips) and remote_ts (or pools)");
    unit_conf_expect_refused("v.yaml",
                             UNIT_CONF_PEER_HEAD "    vips: [10.1.0.1]\n"
                                                 "    remote_ts: [10.2.0.0/24]\n",
                             "", NULL, "expected 0.0.0.0 or :: (any address of that family)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pools_loaded),
        cmocka_unit_test(test_small_subnets),
        cmocka_unit_test(test_vips),
        cmocka_unit_test(test_mistakes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
