/* SPDX-License-Identifier: BSD-3-Clause */
/* Traffic selector narrowing. */
#include <string.h>

#include "ike_ts.h"
#include "unit_util.h"

static struct ike_ts v4(const char *a, const char *b, uint8_t proto, uint16_t p0, uint16_t p1)
{
    struct ike_addr x, y;
    assert_int_equal(ike_addr_parse(&x, a, 0), 0);
    assert_int_equal(ike_addr_parse(&y, b, 0), 0);
    struct ike_ts t;
    ike_ts_range(&t, &x, &y, proto, p0, p1);
    return t;
}

static void test_narrowing(void **state)
{
    (void)state;
    struct ike_ts_payload proposed = {.nts = 1}, out;
    /* The client asks for everything; we allow 10.2.0.0/24. */
    proposed.ts[0] = v4("0.0.0.0", "255.255.255.255", 0, 0, 65535);
    struct ike_ts cfg[2] = {v4("10.2.0.0", "10.2.0.255", 0, 0, 65535),
                            v4("10.9.0.0", "10.9.0.255", 6, 443, 443)};
    assert_int_equal(ike_ts_narrow(&proposed, cfg, 2, &out), 2);
    assert_memory_equal(&out.ts[0], &cfg[0], sizeof(cfg[0]));
    assert_memory_equal(&out.ts[1], &cfg[1], sizeof(cfg[1]));

    /* A narrower request stays as asked. */
    proposed.ts[0] = v4("10.2.0.5", "10.2.0.5", 17, 53, 53);
    assert_int_equal(ike_ts_narrow(&proposed, cfg, 2, &out), 1);
    assert_memory_equal(&out.ts[0], &proposed.ts[0], sizeof(out.ts[0]));
    assert_true(ike_ts_within(&out, cfg, 2));

    /* Disjoint addresses, protocols or ports: nothing left. */
    proposed.ts[0] = v4("10.3.0.0", "10.3.0.255", 0, 0, 65535);
    assert_int_equal(ike_ts_narrow(&proposed, cfg, 2, &out), 0);
    proposed.ts[0] = v4("10.9.0.1", "10.9.0.1", 17, 0, 65535);
    assert_int_equal(ike_ts_narrow(&proposed, cfg + 1, 1, &out), 0);
    proposed.ts[0] = v4("10.9.0.1", "10.9.0.1", 6, 80, 80);
    assert_int_equal(ike_ts_narrow(&proposed, cfg + 1, 1, &out), 0);

    /* IPv6 against IPv4 never matches. */
    struct ike_addr a6, b6;
    ike_addr_parse(&a6, "::", 0);
    ike_addr_parse(&b6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0);
    ike_ts_range(&proposed.ts[0], &a6, &b6, 0, 0, 65535);
    assert_int_equal(ike_ts_narrow(&proposed, cfg, 2, &out), 0);
    assert_false(ike_ts_within(&proposed, cfg, 2));
    out.nts = 0;
    assert_false(ike_ts_within(&out, cfg, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_narrowing)};
    return cmocka_run_group_tests_name("ts", tests, NULL, NULL);
}
