/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multihoming in the dataplane section: several addresses per port
 * (`addresses` beside `address` and `address6`), several uplinks, and what
 * is refused (a duplicate, an address in two ports, bad prefixes, too many);
 * conf_addr_prefix_parse() with malformed input; conf_local_addrs(),
 * conf_port_source() and conf_local_for() over the lists.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "unit_conf.h"
#include "unit_util.h"

/* The ports, lines 10 on, after the peer: two uplinks, the first with three addresses. */
#define PORTS                                                                                      \
    "dataplane:\n"                                                                                 \
    "  ports:\n"                                                                                   \
    "    - {name: up1, device: net_null0, address: 198.51.100.1/24,\n"                             \
    "       addresses: [198.51.100.11/24, 2001:db8:1::1/64, 192.0.2.1/28]}\n"                      \
    "    - {name: up2, device: net_null1, addresses: [203.0.113.1/24]}\n"                          \
    "    - {name: inside, device: net_null2, address: 10.2.0.1/24}\n"

static const char head[] = UNIT_CONF_PEER("10.2.0.0/24", "0.0.0.0/0") PORTS;

static void addr(struct ike_addr *a, const char *text)
{
    assert_int_equal(ike_addr_parse(a, text, 0), 0);
}

static void expect_ip(const struct ike_addr *got, const char *want)
{
    struct ike_addr w;
    addr(&w, want);
    char text[IKE_ADDR_STRLEN];
    ike_addr_format(got, text, sizeof(text));
    if (!ike_addr_ip_equal(got, &w))
        fail_msg("got %s, want %s", text, want);
}

static void test_lists_in_order(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    assert_int_equal(unit_conf_load("mh.yaml", head, "", NULL, &c, err, sizeof(err)), 0);
    const struct conf_port *up1 = &c.dp.ports[0], *up2 = &c.dp.ports[1];
    /* address first, then addresses in their order; address6 is the first IPv6 of the list. */
    assert_int_equal(up1->naddrs, 4);
    expect_ip(&up1->addrs[0].addr, "198.51.100.1");
    expect_ip(&up1->addrs[1].addr, "198.51.100.11");
    expect_ip(&up1->addrs[2].addr, "2001:db8:1::1");
    expect_ip(&up1->addrs[3].addr, "192.0.2.1");
    assert_int_equal(up1->addrs[3].prefix_len, 28);
    expect_ip(&up1->addr, "198.51.100.1");
    expect_ip(&up1->addr6, "2001:db8:1::1");
    assert_int_equal(up1->prefix6_len, 64);
    /* A port with only `addresses`: its first IPv4 is its address. */
    assert_int_equal(up2->naddrs, 1);
    expect_ip(&up2->addr, "203.0.113.1");
    assert_int_equal(up2->prefix_len, 24);
    assert_int_equal(up2->addr6.family, 0);

    struct ike_addr all[16];
    assert_int_equal(conf_local_addrs(&c, all, 16), 6);
    expect_ip(&all[1], "198.51.100.11");
    expect_ip(&all[4], "203.0.113.1");
    expect_ip(&all[5], "10.2.0.1");
    assert_int_equal(all[5].port, IKE_PORT);
    /* Fewer room than addresses: the first ones, and the count of all. */
    memset(all, 0, sizeof(all));
    assert_int_equal(conf_local_addrs(&c, all, 2), 6);
    assert_int_equal(all[2].family, 0);

    /* Every address is the gateway's own in the redirect policy too. */
    bool found = false;
    struct ike_addr want;
    addr(&want, "192.0.2.1");
    for (unsigned i = 0; i < c.redirect.nself; i++)
        found |= ike_addr_ip_equal(&c.redirect.self[i], &want);
    assert_true(found);
    conf_free(&c);
}

static void test_source_choice(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    assert_int_equal(unit_conf_load("mh.yaml", head, "", NULL, &c, err, sizeof(err)), 0);
    const struct conf_port *up1 = &c.dp.ports[0];
    struct ike_addr to, local;
    /* The address whose subnet holds the destination, else the port's first of the family. */
    addr(&to, "192.0.2.9");
    expect_ip(&conf_port_source(up1, &to)->addr, "192.0.2.1");
    addr(&to, "198.51.100.77");
    expect_ip(&conf_port_source(up1, &to)->addr, "198.51.100.1");
    addr(&to, "8.8.8.8");
    expect_ip(&conf_port_source(up1, &to)->addr, "198.51.100.1");
    addr(&to, "2001:db8:9::1");
    expect_ip(&conf_port_source(up1, &to)->addr, "2001:db8:1::1");
    assert_null(conf_port_source(&c.dp.ports[1], &to));
    /* Across ports: the subnet decides the port, then the address. */
    addr(&to, "203.0.113.50");
    assert_int_equal(conf_local_for(&c.dp, &to, &local), 0);
    expect_ip(&local, "203.0.113.1");
    addr(&to, "192.0.2.14");
    assert_int_equal(conf_local_for(&c.dp, &to, &local), 0);
    expect_ip(&local, "192.0.2.1");
    addr(&to, "192.0.2.17"); /* just past the /28: on no subnet, the first port's first */
    assert_int_equal(conf_local_for(&c.dp, &to, &local), 0);
    expect_ip(&local, "198.51.100.1");
    conf_free(&c);
}

/* The whole configuration with `ports` (flow mapping lines from line 12) instead of the head's. */
static void expect_ports_error(const char *ports, const char *want)
{
    char text[4096];
    snprintf(text, sizeof(text), "%.*s%s", (int)(strstr(head, "    - {name: up1") - head), head,
             ports);
    static struct veer_conf c;
    char err[256] = "";
    memset(&c, 0, sizeof(c));
    unit_conf_refused(conf_load_string(text, "p.yaml", &c, err, sizeof(err)), err, want);
}

static void test_refused(void **state)
{
    (void)state;
    expect_ports_error("    - {name: a, device: d, address: 198.51.100.1/24,\n"
                       "       addresses: [198.51.100.1/24]}\n",
                       "p.yaml:12: dataplane.ports[0]: address 198.51.100.1 is given twice");
    expect_ports_error("    - {name: a, device: d, addresses: [2001:db8::1/64, 2001:db8::1/48]}\n",
                       "dataplane.ports[0]: address 2001:db8::1 is given twice");
    expect_ports_error("    - {name: a, device: d, address: 198.51.100.1/24}\n"
                       "    - {name: b, device: e, addresses: [203.0.113.1/24, 198.51.100.1/24]}\n",
                       "dataplane.ports[1]: address 198.51.100.1 is also port a's");
    expect_ports_error("    - {name: a, device: d, addresses: [198.51.100.1/33]}\n",
                       "p.yaml:12: dataplane.ports[0].addresses: bad prefix length in "
                       "\"198.51.100.1/33\"");
    expect_ports_error("    - {name: a, device: d, addresses: [198.51.100.0/24]}\n",
                       "the network or broadcast address of its subnet");
    expect_ports_error("    - {name: a, device: d, addresses: [198.51.100.255/24]}\n",
                       "the network or broadcast address of its subnet");
    expect_ports_error("    - {name: a, device: d, address: 198.51.100.0/24}\n",
                       "dataplane.ports[0].address: the network or broadcast address");
    expect_ports_error("    - {name: a, device: d, addresses: 198.51.100.1/24}\n",
                       "dataplane.ports[0].addresses: a list of addresses");
    expect_ports_error("    - {name: a, device: d, addresses: []}\n",
                       "needs name, device and address, address6 or addresses");
    expect_ports_error("    - {name: a, device: d, addresses: [224.0.0.5/24]}\n",
                       "a multicast or reserved address");
    expect_ports_error("    - {name: a, device: d, addresses: [[198.51.100.1/24]]}\n",
                       "dataplane.ports[0].addresses");
    /* Eight at most, address and address6 counted. */
    expect_ports_error("    - {name: a, device: d, address: 10.0.0.1/24, addresses: [10.0.0.2/24,\n"
                       "       10.0.0.3/24, 10.0.0.4/24, 10.0.0.5/24, 10.0.0.6/24, 10.0.0.7/24,\n"
                       "       10.0.0.8/24, 10.0.0.9/24]}\n",
                       "9 addresses: at most 8 per port");
    expect_ports_error("    - {name: a, device: d, addresses: [10.0.0.1/24, 10.0.0.2/24,\n"
                       "       10.0.0.3/24, 10.0.0.4/24, 10.0.0.5/24, 10.0.0.6/24, 10.0.0.7/24,\n"
                       "       10.0.0.8/24, 10.0.0.9/24]}\n",
                       "at most 8 addresses per port");
    /* 13 addresses in all: more than the redirect policy's table of own addresses takes. */
    expect_ports_error("    - {name: a, device: d, addresses: [10.0.0.1/24, 10.0.0.2/24,\n"
                       "       10.0.0.3/24, 10.0.0.4/24, 10.0.0.5/24, 10.0.0.6/24, 10.0.0.7/24]}\n"
                       "    - {name: b, device: e, addresses: [10.1.0.1/24, 10.1.0.2/24,\n"
                       "       10.1.0.3/24, 10.1.0.4/24, 10.1.0.5/24, 10.1.0.6/24]}\n",
                       "p.yaml:14: dataplane.ports[1]: too many own addresses: at most 12");
    /* An IPv6 address in addresses needs IPv6's minimum MTU as address6 does. */
    expect_ports_error("    - {name: a, device: d, addresses: [10.0.0.1/24, 2001:db8::1/64],"
                       " mtu: 1000}\n",
                       "mtu 1000 is below IPv6's minimum of 1280");
}

static void expect_parse_refused(const char *text, const char *want)
{
    struct ike_addr a;
    uint8_t len;
    char why[160] = "";
    if (conf_addr_prefix_parse(text, &a, &len, why, sizeof(why)) != -1)
        fail_msg("\"%s\" accepted", text);
    if (strstr(why, want) == NULL)
        fail_msg("\"%s\": expected \"%s\" in \"%s\"", text, want, why);
}

static void test_prefix_parse(void **state)
{
    (void)state;
    struct ike_addr a;
    uint8_t len;
    char why[160];
    assert_int_equal(conf_addr_prefix_parse("198.51.100.11/24", &a, &len, why, sizeof(why)), 0);
    expect_ip(&a, "198.51.100.11");
    assert_int_equal(len, 24);
    assert_int_equal(conf_addr_prefix_parse("2001:db8::1", &a, &len, why, sizeof(why)), 0);
    assert_int_equal(len, 128);
    /* /31 and /32 have no network or broadcast address (RFC 3021). */
    assert_int_equal(conf_addr_prefix_parse("192.0.2.0/31", &a, &len, why, sizeof(why)), 0);
    assert_int_equal(conf_addr_prefix_parse("192.0.2.255/32", &a, &len, why, sizeof(why)), 0);
    expect_parse_refused("", "bad address");
    expect_parse_refused("/24", "bad address");
    expect_parse_refused("198.51.100.1/", "bad prefix length");
    expect_parse_refused("198.51.100.1/-1", "bad prefix length");
    expect_parse_refused("198.51.100.1/+24", "bad prefix length");
    expect_parse_refused("198.51.100.1/24x", "bad prefix length");
    expect_parse_refused("198.51.100.1/24/24", "bad prefix length");
    expect_parse_refused("198.51.100.1/99999999999999999999", "bad prefix length");
    expect_parse_refused("2001:db8::1/129", "bad prefix length");
    expect_parse_refused("198.51.100.300/24", "not an IPv4 or IPv6 address");
    expect_parse_refused("0.0.0.0/0", "unspecified");
    expect_parse_refused("::/64", "unspecified");
    expect_parse_refused("ff02::1/64", "multicast");
    expect_parse_refused("0123456789012345678901234567890123456789012345678901234567890123456789",
                         "bad address");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_in_order),
        cmocka_unit_test(test_source_choice),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_prefix_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
