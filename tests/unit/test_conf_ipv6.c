/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 in the dataplane section: ports with address6 (dual stack and IPv6
 * only), IPv6 routes and neighbours, and the errors that name file:line and
 * key (wrong family in address or address6, routes mixing families, next
 * hops off every IPv6 subnet, an MTU below IPv6's 1280).
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
    "    - {name: outside, device: net_null0, address: 198.51.100.1/24,\n"                         \
    "       address6: 2001:db8:1::1/64}\n"                                                         \
    "    - {name: inside, device: net_null1, address6: 2001:db8:2::1/64, mtu: 1400}\n"

static const char head[] = UNIT_CONF_PEER("2001:db8:2::/64", "2001:db8:1::2") PORTS;

static int load(const char *extra, struct veer_conf *c, char *err, size_t cap)
{
    return unit_conf_load("v6.yaml", head, extra, NULL, c, err, cap);
}

static void test_dual_stack_and_v6_only_ports(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    assert_int_equal(load("", &c, err, sizeof(err)), 0);
    assert_int_equal(c.dp.nports, 2);
    const struct conf_port *o = &c.dp.ports[0], *in = &c.dp.ports[1];
    assert_int_equal(o->addr.family, 4);
    assert_int_equal(o->prefix_len, 24);
    assert_int_equal(o->addr6.family, 6);
    assert_int_equal(o->prefix6_len, 64);
    assert_memory_equal(o->addr6.ip, "\x20\x01\x0d\xb8\x00\x01\0\0\0\0\0\0\0\0\0\x01", 16);
    assert_int_equal(in->addr.family, 0);
    assert_int_equal(in->addr6.family, 6);
    assert_int_equal(in->mtu, 1400);
    /* Both of the outside port's addresses are the gateway's own for the redirect policy. */
    bool found = false;
    for (unsigned i = 0; i < c.redirect.nself; i++)
        found |= ike_addr_ip_equal(&c.redirect.self[i], &in->addr6);
    assert_true(found);
    conf_free(&c);
}

static void test_v6_routes_and_neighbours(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    int rc = load("  routes:\n"
                  "    - {to: 2001:db8:9::/48, via: 2001:db8:2::fe, port: inside}\n"
                  "    - {to: \"::/0\", via: 2001:db8:1::fe}\n"
                  "    - {to: 10.9.0.0/16, via: 198.51.100.254}\n"
                  "  neighbours:\n"
                  "    - {address: 2001:db8:1::fe, mac: 02:00:00:00:00:fe, port: outside}\n",
                  &c, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(c.dp.nroutes, 3);
    assert_int_equal(c.dp.routes[0].to.family, 6);
    assert_int_equal(c.dp.routes[0].prefix_len, 48);
    assert_memory_equal(c.dp.routes[0].via.ip, "\x20\x01\x0d\xb8\0\x02\0\0\0\0\0\0\0\0\0\xfe", 16);
    assert_int_equal(c.dp.routes[1].prefix_len, 0);
    assert_int_equal(c.dp.routes[2].to.family, 4);
    assert_int_equal(c.dp.nneighbours, 1);
    assert_int_equal(c.dp.neighbours[0].addr.family, 6);
    conf_free(&c);
}

static void expect_error(const char *extra, const char *want)
{
    unit_conf_expect_refused("v6.yaml", head, extra, NULL, want);
}

/* A whole configuration whose only port is `port` (one flow mapping line, line 12). */
static void expect_port_error(const char *port, const char *want)
{
    static struct veer_conf c;
    char err[256], text[2048];
    snprintf(text, sizeof(text), "%.*s    - %s\n",
             (int)(strstr(head, "    - {name: outside") - head), head, port);
    memset(&c, 0, sizeof(c));
    assert_int_equal(conf_load_string(text, "p.yaml", &c, err, sizeof(err)), -1);
    if (strstr(err, want) == NULL)
        fail_msg("%s: expected \"%s\" in \"%s\"", port, want, err);
}

static void test_port_errors(void **state)
{
    (void)state;
    expect_port_error("{name: p, device: d, address: 2001:db8::1/64}",
                      "p.yaml:12: dataplane.ports[0].address: an IPv4 address; IPv6 goes in "
                      "address6");
    expect_port_error("{name: p, device: d, address6: 192.0.2.1/24}",
                      "p.yaml:12: dataplane.ports[0].address6: an IPv6 address like");
    expect_port_error("{name: p, device: d, address6: 2001:db8::1/129}",
                      "dataplane.ports[0].address6: bad prefix length");
    expect_port_error("{name: p, device: d, address6: 2001:db8::zz/64}",
                      "dataplane.ports[0].address6: not an IPv4 or IPv6 address");
    expect_port_error(
        "{name: p, device: d}",
        "p.yaml:12: dataplane.ports[0]: needs name, device and address, address6 or addresses");
    expect_port_error("{name: p, device: d, address6: 2001:db8::1/64, mtu: 1279}",
                      "dataplane.ports[0]: mtu 1279 is below IPv6's minimum of 1280");
    /* An IPv4-only port may still go down to 576. */
    static struct veer_conf c;
    char err[256], text[2048];
    snprintf(text, sizeof(text),
             "%.*s    - {name: p, device: d, address: 192.0.2.1/24, mtu: 576}\n",
             (int)(strstr(head, "    - {name: outside") - head), head);
    assert_int_equal(conf_load_string(text, "p.yaml", &c, err, sizeof(err)), 0);
    conf_free(&c);
}

static void test_route_errors(void **state)
{
    (void)state;
    /* The head ends on line 14, so the first extra line is 15 and the first route 16. */
    expect_error("  routes:\n    - {to: 2001:db8:9::1/48, via: 2001:db8:2::fe}\n",
                 "v6.yaml:16: dataplane.routes[0].to: \"2001:db8:9::1/48\" has host bits set");
    expect_error("  routes:\n    - {to: 2001:db8:9::/129, via: 2001:db8:2::fe}\n",
                 "dataplane.routes[0].to: a prefix like");
    expect_error("  routes:\n    - {to: 2001:db8:9::/48, via: 10.2.0.254}\n",
                 "v6.yaml:16: dataplane.routes[0]: to and via are of different families");
    expect_error("  routes:\n    - {to: 2001:db8:9::/48, via: 2001:db8:7::1}\n",
                 "dataplane.routes[0].via: 2001:db8:7::1 is on no port's subnet");
    expect_error("  routes:\n    - {to: 2001:db8:9::/48, via: 2001:db8:2::fe, port: outside}\n",
                 "dataplane.routes[0].via: 2001:db8:2::fe is not on port outside's subnet");
    expect_error("  routes:\n    - {to: 2001:db8:9::/48, via: 2001:db8:2::fe}\n"
                 "    - {to: 2001:db8:9::/48, via: 2001:db8:1::fe}\n",
                 "v6.yaml:17: dataplane.routes[1]: the same destination as routes[0]");
    /* The same bits in the two families are different destinations. */
    expect_error("  routes:\n    - {to: 10.9.0.0/16, via: 198.51.100.7}\n"
                 "    - {to: 10.9.0.0/16, via: 198.51.100.8}\n",
                 "the same destination as routes[0]");
    expect_error(
        "  neighbours:\n    - {address: 2001:db8:1::zz, mac: 02:00:00:00:00:fe, port: x}\n",
        "dataplane.neighbours[0].address: an IPv4 or IPv6 address");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dual_stack_and_v6_only_ports),
        cmocka_unit_test(test_v6_routes_and_neighbours),
        cmocka_unit_test(test_port_errors),
        cmocka_unit_test(test_route_errors),
    };
    return cmocka_run_group_tests_name("conf_ipv6", tests, NULL, NULL);
}
