/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane.reassembly: defaults, every key, and errors that name file:line and key. */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "unit_conf.h"
#include "unit_util.h"

static const char head[] = "dataplane:\n"
                           "  ports:\n"
                           "    - {name: outside, device: net_null0, address: 198.51.100.1/24}\n";

/* After the lines under test: a peer, without which nothing loads. */
static const char tail[] = UNIT_CONF_PEER("10.2.0.0/24", "10.1.0.1");

/* Loads head + extra (lines under dataplane:) + tail; returns conf_load_string's result. */
static int load(const char *extra, struct veer_conf *c, char *err, size_t cap)
{
    return unit_conf_load("f.yaml", head, extra, tail, c, err, cap);
}

static void test_defaults_and_keys(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    if (load("", &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.dp.reassembly.flows, CONF_REASS_FLOWS_DEFAULT);
    assert_int_equal(c.dp.reassembly.timeout_ms, CONF_REASS_TIMEOUT_MS_DEFAULT);
    assert_int_equal(c.dp.reassembly.max_size, CONF_REASS_MAX_SIZE_DEFAULT);
    assert_int_equal(c.dp.reassembly.mbufs, CONF_REASS_MBUFS_DEFAULT);
    int rc = load("  reassembly: {flows: 64, timeout_ms: 500, max_size: 4096, mbufs: 32}\n", &c,
                  err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(c.dp.reassembly.flows, 64);
    assert_int_equal(c.dp.reassembly.timeout_ms, 500);
    assert_int_equal(c.dp.reassembly.max_size, 4096);
    assert_int_equal(c.dp.reassembly.mbufs, 32);
    /* flows 0 turns reassembly off; the others keep their defaults. */
    assert_int_equal(load("  reassembly:\n    flows: 0\n", &c, err, sizeof(err)), 0);
    assert_int_equal(c.dp.reassembly.flows, 0);
    assert_int_equal(c.dp.reassembly.timeout_ms, CONF_REASS_TIMEOUT_MS_DEFAULT);
}

static void expect_error(const char *extra, const char *want)
{
    unit_conf_expect_refused("f.yaml", head, extra, tail, want);
}

static void test_errors(void **state)
{
    (void)state;
    /* The head ends on line 3, so the first extra line is 4. */
    expect_error("  reassembly:\n    flow: 10\n",
                 "f.yaml:5: dataplane.reassembly.flow: unknown key");
    expect_error("  reassembly:\n    flows: 65537\n",
                 "f.yaml:5: dataplane.reassembly.flows: 0 to 65536 datagrams");
    expect_error("  reassembly:\n    flows: -1\n", "dataplane.reassembly.flows: expected a number");
    expect_error("  reassembly:\n    timeout_ms: 9\n",
                 "dataplane.reassembly.timeout_ms: 10 to 30000 ms");
    expect_error("  reassembly:\n    timeout_ms: 30001\n",
                 "dataplane.reassembly.timeout_ms: 10 to 30000 ms");
    expect_error("  reassembly:\n    max_size: 2047\n",
                 "dataplane.reassembly.max_size: 2048 to 65000 bytes");
    expect_error("  reassembly:\n    max_size: 65001\n",
                 "dataplane.reassembly.max_size: 2048 to 65000 bytes");
    expect_error("  reassembly:\n    mbufs: lots\n",
                 "dataplane.reassembly.mbufs: expected a number");
    expect_error("  reassembly: [flows, 10]\n",
                 "f.yaml:4: dataplane.reassembly: expected a mapping");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_keys),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("conf_reass", tests, NULL, NULL);
}
