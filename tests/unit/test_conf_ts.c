/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic selectors with a protocol and ports in local_ts / remote_ts
 * (lib/conf/conf_ts.c): every form strongSwan users write, ICMP types and
 * codes as RFC 7296 3.13.1 carries them, OPAQUE, and errors that name
 * file:line, key and what is wrong.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "unit_conf.h"
#include "unit_util.h"

static const char head[] = UNIT_CONF_PEER_HEAD "    remote_ts: [10.1.0.1]\n"
                                               "    local_ts:\n";

/* Loads a peer whose local_ts is the block list `items` (lines from line 10 on). */
static int load(const char *items, struct veer_conf *c, char *err, size_t cap)
{
    return unit_conf_load("f.yaml", head, items, NULL, c, err, cap);
}

/* The one selector `sel` (single-quoted in YAML) as loaded. */
static struct ike_ts one(const char *sel)
{
    static struct veer_conf c;
    char items[160], err[256];
    snprintf(items, sizeof(items), "      - '%s'\n", sel);
    if (load(items, &c, err, sizeof(err)) != 0)
        fail_msg("%s: %s", sel, err);
    assert_int_equal(c.peers[0].nlocal_ts, 1);
    return c.peers[0].local_ts[0];
}

static void assert_ts(const struct ike_ts *ts, uint8_t proto, uint16_t start, uint16_t end)
{
    assert_int_equal(ts->ip_proto, proto);
    assert_int_equal(ts->start_port, start);
    assert_int_equal(ts->end_port, end);
}

static void test_forms(void **state)
{
    (void)state;
    struct ike_ts ts = one("10.2.0.0/24[tcp/80]");
    assert_int_equal(ts.type, IKE_TS_IPV4_ADDR_RANGE);
    assert_memory_equal(ts.start_addr, "\x0a\x02\x00\x00", 4);
    assert_memory_equal(ts.end_addr, "\x0a\x02\x00\xff", 4);
    assert_ts(&ts, 6, 80, 80);
    ts = one("10.2.0.0/24[udp/500-600]");
    assert_ts(&ts, 17, 500, 600);
    ts = one("10.2.0.0/24[tcp]");
    assert_ts(&ts, 6, 0, 65535);
    ts = one("10.2.0.0/24[TCP/%any]");
    assert_ts(&ts, 6, 0, 65535);
    ts = one("10.1.0.1[udp/0-65535]");
    assert_ts(&ts, 17, 0, 65535);
    assert_memory_equal(ts.end_addr, "\x0a\x01\x00\x01", 4);
    ts = one("10.1.0.1[udp/65535]");
    assert_ts(&ts, 17, 65535, 65535);
    ts = one("10.1.0.1[udp/0]");
    assert_ts(&ts, 17, 0, 0);
    ts = one("10.2.0.0/24[sctp/36412]");
    assert_ts(&ts, 132, 36412, 36412);
    ts = one("10.2.0.0/24[tcp/opaque]");
    assert_ts(&ts, 6, 65535, 0);
    ts = one("10.2.0.0/24[udp/%opaque]");
    assert_ts(&ts, 17, 65535, 0);
    /* By number, protocols without ports, and any protocol at all. */
    ts = one("10.2.0.0/24[47]");
    assert_ts(&ts, 47, 0, 65535);
    ts = one("10.2.0.0/24[gre]");
    assert_ts(&ts, 47, 0, 65535);
    ts = one("10.2.0.0/24[esp]");
    assert_ts(&ts, 50, 0, 65535);
    ts = one("10.2.0.0/24[6/443]");
    assert_ts(&ts, 6, 443, 443);
    ts = one("10.2.0.0/24[%any]");
    assert_ts(&ts, 0, 0, 65535);
    ts = one("10.2.0.0/24[0/%any]");
    assert_ts(&ts, 0, 0, 65535);
    ts = one("10.2.0.0/24");
    assert_ts(&ts, 0, 0, 65535);
    /* IPv6. */
    ts = one("2001:db8::/32[udp/53]");
    assert_int_equal(ts.type, IKE_TS_IPV6_ADDR_RANGE);
    assert_memory_equal(ts.start_addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0", 16);
    assert_int_equal(ts.end_addr[4], 0xff);
    assert_ts(&ts, 17, 53, 53);
    ts = one("2001:db8::1[ipv6-mh/5]");
    assert_ts(&ts, 135, 0x0500, 0x0500);
}

static void test_icmp(void **state)
{
    (void)state;
    /* A type: every code of it (type << 8 | code in the port fields). */
    struct ike_ts ts = one("10.2.0.0/24[icmp/8]");
    assert_ts(&ts, 1, 0x0800, 0x08ff);
    ts = one("10.2.0.0/24[icmp/0-8]");
    assert_ts(&ts, 1, 0x0000, 0x08ff);
    ts = one("10.2.0.0/24[icmp/3(4)]");
    assert_ts(&ts, 1, 0x0304, 0x0304);
    ts = one("10.2.0.0/24[icmp/3(1)-3(3)]");
    assert_ts(&ts, 1, 0x0301, 0x0303);
    ts = one("10.2.0.0/24[icmp]");
    assert_ts(&ts, 1, 0, 65535);
    ts = one("2001:db8::/32[ipv6-icmp/128]");
    assert_ts(&ts, 58, 0x8000, 0x80ff);
    ts = one("2001:db8::/32[icmp6/135-136]");
    assert_ts(&ts, 58, 0x8700, 0x88ff);
    ts = one("2001:db8::/32[ICMPv6]");
    assert_ts(&ts, 58, 0, 65535);
    ts = one("2001:db8::/32[58/1(4)]");
    assert_ts(&ts, 58, 0x0104, 0x0104);
}

/* Block lists take the brackets unquoted; several selectors, each its own. */
static void test_lists(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    if (load("      - 10.2.0.0/24[tcp/80]\n      - 10.2.0.0/24[udp/53]\n      - 10.3.0.0/16\n", &c,
             err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.peers[0].nlocal_ts, 3);
    assert_ts(&c.peers[0].local_ts[0], 6, 80, 80);
    assert_ts(&c.peers[0].local_ts[1], 17, 53, 53);
    assert_ts(&c.peers[0].local_ts[2], 0, 0, 65535);
    /* A flow list needs them quoted: unquoted, YAML itself refuses the brackets. */
    char text[1024];
    snprintf(text, sizeof(text), "%s      ['10.2.0.0/24[tcp/80]', \"10.2.0.0/24[icmp/8]\"]\n",
             head);
    assert_int_equal(conf_load_string(text, "f.yaml", &c, err, sizeof(err)), 0);
    assert_ts(&c.peers[0].local_ts[1], 1, 0x0800, 0x08ff);
    snprintf(text, sizeof(text), "%s      [10.2.0.0/24[tcp/80]]\n", head);
    assert_int_equal(conf_load_string(text, "f.yaml", &c, err, sizeof(err)), -1);
}

/* The selector is refused with an error naming line 10, the key, the selector and `why`. */
static void refused(const char *sel, const char *why)
{
    static struct veer_conf c;
    char items[160], err[512], want[300];
    snprintf(items, sizeof(items), "      - '%s'\n", sel);
    assert_int_equal(load(items, &c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "f.yaml:10: peers[0].local_ts");
    if (strstr(err, want) == NULL || strstr(err, why) == NULL || strstr(err, sel) == NULL)
        fail_msg("%s: error \"%s\" lacks \"%s\" or \"%s\"", sel, err, want, why);
}

static void test_errors(void **state)
{
    (void)state;
    const char *bracket = "expected SUBNET[PROTOCOL/PORTS]";
    refused("10.2.0.0/24[tcp/80", bracket);
    refused("10.2.0.0/24[tcp/80]x", bracket);
    refused("10.2.0.0/24[tcp/80][udp]", bracket);
    refused("10.2.0.0/24[]", "expected a protocol");
    refused("10.2.0.0/24[/80]", "expected a protocol");
    refused("10.2.0.0/24[foo]", "unknown protocol");
    refused("10.2.0.0/24[256]", "unknown protocol");
    refused("10.2.0.0/24[tcp/]", "expected ports after the slash");
    const char *port = "expected a port 0-65535, a range like 500-600, %any or opaque";
    refused("10.2.0.0/24[tcp/65536]", port);
    refused("10.2.0.0/24[tcp/80-]", port);
    refused("10.2.0.0/24[tcp/-80]", port);
    refused("10.2.0.0/24[tcp/http]", port);
    refused("10.2.0.0/24[tcp/80 ]", port);
    refused("10.2.0.0/24[tcp/600-500]", "the range ends before it starts");
    refused("10.2.0.0/24[icmp/9-8]", "the range ends before it starts");
    refused("10.2.0.0/24[gre/5]", "this protocol has no ports");
    refused("10.2.0.0/24[esp/opaque]", "this protocol has no ports");
    refused("10.2.0.0/24[%any/80]", "ports need a protocol");
    const char *icmp = "expected an ICMP type 0-255, a range of types, or TYPE(CODE)";
    refused("10.2.0.0/24[icmp/256]", icmp);
    refused("10.2.0.0/24[icmp/3(256)]", icmp);
    refused("10.2.0.0/24[icmp/3(4]", icmp);
    refused("10.2.0.0/24[icmp/(4)]", icmp);
    refused("2001:db8::/32[ipv6-mh/5(1)]", "expected a mobility header type");
    refused("2001:db8::/32[icmp]", "icmp is IPv4's: an IPv6 selector takes ipv6-icmp");
    refused("10.2.0.0/24[ipv6-icmp/128]", "ipv6-icmp is IPv6's: an IPv4 selector takes icmp");
    refused("[tcp]", "needs a subnet first, e.g. 0.0.0.0/0[tcp] or ::/0[tcp]");
    refused("10.2.0.0/33[tcp]", "bad prefix length");
    refused("10.2.0.0/[tcp]", "bad prefix length");
    refused("10.2.0.x/24[tcp]", "bad address");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_icmp),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
