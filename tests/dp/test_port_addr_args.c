/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parameters of /veer/port/address_add and address_del
 * (lib/mgmt/port_addr_args.c): the forms accepted, and every malformed one
 * refused with its reason (no parameters, one, three, an unknown or partial
 * port name, a bad or over-long address, a length where none belongs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "port_addr_args.h"

static struct dp_port ports[2] = {{.name = "outside"}, {.name = "outside2"}};

static void expect_refused(const char *params, bool with_len, const char *want)
{
    struct dp_addr a;
    char why[160] = "";
    if (mgmt_port_addr_args(params, ports, 2, with_len, &a, why, sizeof(why)) != -1)
        fail_msg("\"%s\" accepted", params != NULL ? params : "(null)");
    if (strstr(why, want) == NULL)
        fail_msg("\"%s\": expected \"%s\" in \"%s\"", params != NULL ? params : "(null)", want,
                 why);
}

static void test_accepted(void **state)
{
    (void)state;
    struct dp_addr a;
    char why[160];
    assert_int_equal(
        mgmt_port_addr_args("outside2,198.51.100.12/24", ports, 2, true, &a, why, sizeof(why)), 0);
    assert_int_equal(a.port, 1);
    assert_int_equal(a.family, 4);
    assert_int_equal(a.prefix_len, 24);
    assert_memory_equal(a.ip, "\xc6\x33\x64\x0c", 4);
    assert_int_equal(
        mgmt_port_addr_args("outside,2001:db8::5", ports, 2, false, &a, why, sizeof(why)), 0);
    assert_int_equal(a.port, 0);
    assert_int_equal(a.family, 6);
    assert_int_equal(a.prefix_len, 128);
    /* Without a length on add: the whole address. */
    assert_int_equal(mgmt_port_addr_args("outside,192.0.2.7", ports, 2, true, &a, why, sizeof(why)),
                     0);
    assert_int_equal(a.prefix_len, 32);
}

static void test_refused(void **state)
{
    (void)state;
    expect_refused(NULL, true, "two parameters");
    expect_refused("", true, "two parameters");
    expect_refused("outside", true, "two parameters");
    expect_refused("outside,198.51.100.12/24,x", true, "two parameters");
    expect_refused(",198.51.100.12/24", true, "no port is named \"\"");
    expect_refused("outsid,198.51.100.12/24", true, "no port is named \"outsid\"");
    expect_refused("outside22,198.51.100.12/24", true, "no port is named");
    expect_refused("OUTSIDE,198.51.100.12/24", true, "no port is named");
    expect_refused("outside,", true, "bad address");
    expect_refused("outside,banana/24", true, "not an IPv4 or IPv6 address");
    expect_refused("outside,198.51.100.12/33", true, "bad prefix length");
    expect_refused("outside,198.51.100.0/24", true, "network or broadcast");
    expect_refused("outside,224.0.0.1/24", true, "multicast");
    expect_refused("outside,198.51.100.12/24", false, "without its length");
    expect_refused("outside,nope", false, "not an address");
    expect_refused("outside,", false, "not an address");
    char long_addr[200];
    memset(long_addr, '1', sizeof(long_addr) - 1);
    long_addr[sizeof(long_addr) - 1] = '\0';
    memcpy(long_addr, "outside,", 8);
    expect_refused(long_addr, true, "shorter than");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
