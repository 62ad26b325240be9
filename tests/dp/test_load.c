/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore's load and the admission rate derived from it: the
 * measured capacity caps the configured rate, a busy or stalled control lcore
 * is reported overloaded, quiet ticks change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dp_load.h"

#define HZ 1000000000ull /* one cycle per ns keeps the arithmetic readable */
#define TICK (HZ / 10)

/* One 100 ms tick in which `busy_ms` were spent on work and `sas` SAs were made. */
static uint64_t tick(struct dp_load *l, uint64_t *now, uint64_t *sas, unsigned busy_ms,
                     unsigned sas_made, uint64_t configured, bool *overloaded,
                     struct dp_load_view *v)
{
    for (unsigned ms = 0; ms < 100; ms++)
        dp_load_poll(l, HZ / 1000, ms < busy_ms);
    *now += TICK;
    *sas += sas_made;
    return dp_load_tick(l, *now, HZ, *sas, configured, overloaded, v);
}

static void quiet_ticks_keep_the_configured_rate(void **state)
{
    (void)state;
    struct dp_load l;
    struct dp_load_view v;
    uint64_t now = 0, sas = 0;
    bool over = true;
    dp_load_start(&l, now);
    assert_int_equal(tick(&l, &now, &sas, 0, 0, 5000, &over, &v), 5000);
    assert_false(over);
    assert_int_equal(v.capacity_per_s, 0);
    assert_int_equal(v.busy_pct, 0);
    /* A little work says nothing about capacity. */
    assert_int_equal(tick(&l, &now, &sas, 2, 3, 5000, &over, &v), 5000);
    assert_int_equal(v.capacity_per_s, 0);
    assert_int_equal(v.sa_per_s, 30);
}

static void measured_capacity_caps_the_rate(void **state)
{
    (void)state;
    struct dp_load l;
    struct dp_load_view v;
    uint64_t now = 0, sas = 0;
    bool over = true;
    dp_load_start(&l, now);
    /* 100 SAs in 50 ms of work: 2,000 per busy second; the gate gets 3/4 of it. */
    assert_int_equal(tick(&l, &now, &sas, 50, 100, 5000, &over, &v), 1500);
    assert_false(over);
    assert_int_equal(v.busy_pct, 50);
    assert_int_equal(v.capacity_per_s, 2000);
    assert_int_equal(v.sa_per_s, 1000);
    assert_int_equal(v.admission_rate, 1500);
    /* The configured rate stays the ceiling. */
    assert_int_equal(tick(&l, &now, &sas, 50, 100, 1000, &over, &v), 1000);
    /* Slower work moves the estimate gradually (EWMA), not at once. */
    uint64_t r = tick(&l, &now, &sas, 50, 25, 5000, &over, &v); /* 500 per busy second */
    assert_true(r < 1500 && r > 375);
    for (unsigned i = 0; i < 40; i++)
        r = tick(&l, &now, &sas, 50, 25, 5000, &over, &v);
    assert_in_range(r, 370, 380);
}

static void busy_or_stalled_is_overloaded(void **state)
{
    (void)state;
    struct dp_load l;
    struct dp_load_view v;
    uint64_t now = 0, sas = 0;
    bool over = false;
    dp_load_start(&l, now);
    tick(&l, &now, &sas, 95, 100, 5000, &over, &v);
    assert_true(over);
    assert_int_equal(v.busy_pct, 95);
    tick(&l, &now, &sas, 10, 10, 5000, &over, &v);
    assert_false(over);
    /* One poll that held the lcore for 60 ms: whatever waited in the ring waited that long. */
    dp_load_poll(&l, 60 * (HZ / 1000), true);
    now += TICK;
    dp_load_tick(&l, now, HZ, sas, 5000, &over, &v);
    assert_true(over);
    assert_int_equal(v.loop_latency_us, 60000);
}

static void the_rate_never_drops_below_the_floor(void **state)
{
    (void)state;
    struct dp_load l;
    struct dp_load_view v;
    uint64_t now = 0, sas = 0;
    bool over;
    dp_load_start(&l, now);
    /* 5 SAs in 100 ms of work: 50 per second; 3/4 of it is 37, above the floor. */
    assert_int_equal(tick(&l, &now, &sas, 100, 5, 5000, &over, &v), 37);
    /* Far slower still: the floor keeps clients moving. */
    for (unsigned i = 0; i < 60; i++)
        tick(&l, &now, &sas, 100, i % 10 == 0 ? 5 : 0, 5000, &over, &v);
    dp_load_start(&l, now);
    for (unsigned i = 0; i < 3; i++)
        tick(&l, &now, &sas, 100, 5, 5000, &over, &v);
    assert_true(v.admission_rate >= DP_LOAD_RATE_FLOOR);
    /* A configured rate under the floor is the operator's choice and is kept. */
    assert_int_equal(tick(&l, &now, &sas, 100, 5, 3, &over, &v), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quiet_ticks_keep_the_configured_rate),
        cmocka_unit_test(measured_capacity_caps_the_rate),
        cmocka_unit_test(busy_or_stalled_is_overloaded),
        cmocka_unit_test(the_rate_never_drops_below_the_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
