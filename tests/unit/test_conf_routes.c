/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane.routes, ports[].mtu, icmp_rate and qcd_reply_rate: what loads, and errors that name
 * file:line and key.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "unit_conf.h"
#include "unit_util.h"

/* The ports, lines 10 on, after the peer. */
#define PORTS                                                                                      \
    "dataplane:\n"                                                                                 \
    "  ports:\n"                                                                                   \
    "    - {name: outside, device: net_null0, address: 198.51.100.1/24}\n"                         \
    "    - {name: inside, device: net_null1, address: 10.2.0.1/24, mtu: 1400}\n"

static const char head[] = UNIT_CONF_PEER("10.2.0.0/24", "10.1.0.1") PORTS;

/* Loads head + extra (lines under dataplane:); returns conf_load_string's result. */
static int load(const char *extra, struct veer_conf *c, char *err, size_t cap)
{
    return unit_conf_load("r.yaml", head, extra, NULL, c, err, cap);
}

static void test_routes_load(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    int rc = load("  icmp_rate: 50\n"
                  "  qcd_reply_rate: 0\n"
                  "  routes:\n"
                  "    - {to: 10.9.0.0/16, via: 10.2.0.254, port: inside}\n"
                  "    - {to: 0.0.0.0/0, via: 198.51.100.254}\n",
                  &c, err, sizeof(err));
    assert_int_equal(rc, 0);
    assert_int_equal(c.dp.nroutes, 2);
    assert_memory_equal(c.dp.routes[0].to.ip, "\x0a\x09\x00\x00", 4);
    assert_int_equal(c.dp.routes[0].prefix_len, 16);
    assert_memory_equal(c.dp.routes[0].via.ip, "\x0a\x02\x00\xfe", 4);
    assert_string_equal(c.dp.routes[0].port, "inside");
    assert_int_equal(c.dp.routes[1].prefix_len, 0);
    assert_string_equal(c.dp.routes[1].port, "");
    assert_int_equal(c.dp.icmp_rate, 50);
    assert_int_equal(c.dp.qcd_reply_rate, 0);
    assert_int_equal(c.dp.ports[0].mtu, CONF_MTU_DEFAULT);
    assert_int_equal(c.dp.ports[1].mtu, 1400);
    conf_free(&c);
}

static void test_defaults(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    assert_int_equal(load("", &c, err, sizeof(err)), 0);
    assert_int_equal(c.dp.nroutes, 0);
    assert_int_equal(c.dp.icmp_rate, CONF_ICMP_RATE_DEFAULT);
    assert_int_equal(c.dp.qcd_reply_rate, CONF_QCD_REPLY_RATE_DEFAULT);
    conf_free(&c);
}

static void expect_error(const char *extra, const char *want)
{
    unit_conf_expect_refused("r.yaml", head, extra, NULL, want);
}

static void test_errors(void **state)
{
    (void)state;
    /* Lines: the head ends on line 13, so the first extra line is 14. */
    expect_error("  routes:\n    - {to: 10.9.0.0/16, via: 10.2.0.254, gateway: x}\n",
                 "r.yaml:15: dataplane.routes[0].gateway: unknown key");
    expect_error("  routes:\n    - {to: 10.9.0.1/16, via: 10.2.0.254}\n",
                 "r.yaml:15: dataplane.routes[0].to: \"10.9.0.1/16\" has host bits set");
    expect_error("  routes:\n    - {to: 10.9.0.0, via: 10.2.0.254}\n",
                 "dataplane.routes[0].to: a prefix like 10.9.0.0/16");
    expect_error("  routes:\n    - {to: 10.9.0.0/33, via: 10.2.0.254}\n",
                 "dataplane.routes[0].to: a prefix like 10.9.0.0/16");
    expect_error("  routes:\n    - {to: 10.9.0.0/16, via: 2001:db8::1}\n",
                 "dataplane.routes[0]: to and via are of different families");
    expect_error("  routes:\n    - {to: 10.9.0.0/16}\n",
                 "r.yaml:15: dataplane.routes[0]: needs to and via");
    expect_error("  routes:\n    - {to: 10.9.0.0/16, via: 192.0.2.1}\n",
                 "r.yaml:15: dataplane.routes[0].via: 192.0.2.1 is on no port's subnet");
    expect_error("  routes:\n    - {to: 10.9.0.0/16, via: 10.2.0.254, port: outside}\n",
                 "r.yaml:15: dataplane.routes[0].via: 10.2.0.254 is not on port outside's subnet");
    expect_error("  routes:\n    - {to: 10.9.0.0/16, via: 10.2.0.254, port: dmz}\n",
                 "r.yaml:15: dataplane.routes[0].port: no port is named \"dmz\"");
    expect_error("  routes:\n    - {to: 10.9.0.0/16, via: 10.2.0.254}\n"
                 "    - {to: 10.9.0.0/16, via: 10.2.0.253}\n",
                 "r.yaml:16: dataplane.routes[1]: the same destination as routes[0]");
    expect_error("  routes: {to: 10.9.0.0/16}\n", "dataplane.routes: a list of routes");
    expect_error("  icmp_rate: lots\n", "r.yaml:14: dataplane.icmp_rate: expected a number");
    expect_error("  icmp_rate: 2000000\n",
                 "dataplane.icmp_rate: expected a number from 0 to 1000000");
    expect_error("  qcd_reply_rate: 1000001\n",
                 "r.yaml:14: dataplane.qcd_reply_rate: expected a number from 0 to 1000000");
}

static void test_mtu_errors(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    static const char *bad[] = {"575", "9001", "big"};
    for (unsigned i = 0; i < 3; i++) {
        char text[2048];
        snprintf(text, sizeof(text),
                 "%.*s    - {name: p, device: net_null0, address: 192.0.2.1/24, mtu: %s}\n",
                 (int)(strstr(head, "    - {name: outside") - head), head, bad[i]);
        assert_int_equal(conf_load_string(text, "m.yaml", &c, err, sizeof(err)), -1);
        if (strstr(err, "m.yaml:12: dataplane.ports[0].mtu:") == NULL)
            fail_msg("mtu %s: %s", bad[i], err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_load),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_mtu_errors),
    };
    return cmocka_run_group_tests_name("conf_routes", tests, NULL, NULL);
}
