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

/* A control lcore's load from its start: the clock, the SAs made, the last view and verdict. */
struct run {
    struct dp_load l;
    struct dp_load_view v;
    uint64_t now, sas;
    bool over;
};

/* Starts r at time 0, its verdict `over` until the first tick says otherwise. */
static void run_start(struct run *r, bool over)
{
    *r = (struct run){.over = over};
    dp_load_start(&r->l, r->now);
}

/* One 100 ms tick in which `busy_ms` were spent on work and `sas` SAs were made. */
static uint64_t tick(struct run *r, unsigned busy_ms, unsigned sas_made, uint64_t configured)
{
    for (unsigned ms = 0; ms < 100; ms++)
        dp_load_poll(&r->l, HZ / 1000, HZ / 1000, ms < busy_ms);
    r->now += TICK;
    r->sas += sas_made;
    return dp_load_tick(&r->l, r->now, HZ, r->sas, configured, &r->over, &r->v);
}

static void quiet_ticks_keep_the_configured_rate(void **state)
{
    (void)state;
    struct run r;
    run_start(&r, true);
    assert_int_equal(tick(&r, 0, 0, 5000), 5000);
    assert_false(r.over);
    assert_int_equal(r.v.capacity_per_s, 0);
    assert_int_equal(r.v.busy_pct, 0);
    /* A little work says nothing about capacity. */
    assert_int_equal(tick(&r, 2, 3, 5000), 5000);
    assert_int_equal(r.v.capacity_per_s, 0);
    assert_int_equal(r.v.sa_per_s, 30);
}

static void measured_capacity_caps_the_rate(void **state)
{
    (void)state;
    struct run r;
    run_start(&r, true);
    /* 100 SAs in 50 ms of work: 2,000 per busy second; the gate gets 3/4 of it. */
    assert_int_equal(tick(&r, 50, 100, 5000), 1500);
    assert_false(r.over);
    assert_int_equal(r.v.busy_pct, 50);
    assert_int_equal(r.v.capacity_per_s, 2000);
    assert_int_equal(r.v.sa_per_s, 1000);
    assert_int_equal(r.v.admission_rate, 1500);
    /* The configured rate stays the ceiling. */
    assert_int_equal(tick(&r, 50, 100, 1000), 1000);
    /* Slower work moves the estimate gradually (EWMA), not at once. */
    uint64_t rate = tick(&r, 50, 25, 5000); /* 500 per busy second */
    assert_true(rate < 1500 && rate > 375);
    for (unsigned i = 0; i < 40; i++)
        rate = tick(&r, 50, 25, 5000);
    assert_in_range(rate, 370, 380);
}

static void busy_or_stalled_is_overloaded(void **state)
{
    (void)state;
    struct run r;
    run_start(&r, false);
    tick(&r, 95, 100, 5000);
    assert_true(r.over);
    assert_int_equal(r.v.busy_pct, 95);
    tick(&r, 10, 10, 5000);
    assert_false(r.over);
    /* One poll that held the lcore for 60 ms: whatever waited in the ring waited that long. */
    dp_load_poll(&r.l, 60 * (HZ / 1000), 60 * (HZ / 1000), true);
    r.now += TICK;
    dp_load_tick(&r.l, r.now, HZ, r.sas, 5000, &r.over, &r.v);
    assert_true(r.over);
    assert_int_equal(r.v.loop_latency_us, 60000);
}

/*
 * Sharing its core, the control lcore is preempted: a poll takes 60 ms of
 * wall time for 1 ms of CPU, and its working polls span 95 ms of the tick for
 * 20 ms of CPU. Packets did wait (the latency shows it), but the lcore had
 * capacity to spare: not overloaded, so no client is shed for it.
 */
static void preemption_is_not_overload(void **state)
{
    (void)state;
    struct run r;
    run_start(&r, true);
    dp_load_poll(&r.l, 60 * (HZ / 1000), HZ / 1000, true);
    r.now += TICK;
    dp_load_tick(&r.l, r.now, HZ, r.sas, 5000, &r.over, &r.v);
    assert_false(r.over);
    assert_int_equal(r.v.loop_latency_us, 60000);
    assert_int_equal(r.v.loop_cpu_us, 1000);
    assert_int_equal(r.v.busy_pct, 1);
    for (unsigned ms = 0; ms < 95; ms++)
        dp_load_poll(&r.l, HZ / 1000, ms < 20 ? HZ / 1000 : 0, true);
    r.now += TICK;
    dp_load_tick(&r.l, r.now, HZ, r.sas, 5000, &r.over, &r.v);
    assert_false(r.over);
    assert_int_equal(r.v.busy_pct, 20);
    /* An idle poll, however long, says nothing: the lcore was simply not running. */
    dp_load_poll(&r.l, 80 * (HZ / 1000), 0, false);
    r.now += TICK;
    dp_load_tick(&r.l, r.now, HZ, r.sas, 5000, &r.over, &r.v);
    assert_false(r.over);
    assert_int_equal(r.v.loop_latency_us, 80000);
    /* CPU time reported beyond the wall time (clocks read apart) counts as the wall time. */
    dp_load_poll(&r.l, 10 * (HZ / 1000), 11 * (HZ / 1000), true);
    r.now += TICK;
    dp_load_tick(&r.l, r.now, HZ, r.sas, 5000, &r.over, &r.v);
    assert_int_equal(r.v.busy_pct, 10);
}

static void the_rate_never_drops_below_the_floor(void **state)
{
    (void)state;
    struct run r;
    run_start(&r, false);
    /* 5 SAs in 100 ms of work: 50 per second; 3/4 of it is 37, above the floor. */
    assert_int_equal(tick(&r, 100, 5, 5000), 37);
    /* Far slower still: the floor keeps clients moving. */
    for (unsigned i = 0; i < 60; i++)
        tick(&r, 100, i % 10 == 0 ? 5 : 0, 5000);
    dp_load_start(&r.l, r.now);
    for (unsigned i = 0; i < 3; i++)
        tick(&r, 100, 5, 5000);
    assert_true(r.v.admission_rate >= DP_LOAD_RATE_FLOOR);
    /* A configured rate under the floor is the operator's choice and is kept. */
    assert_int_equal(tick(&r, 100, 5, 3), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quiet_ticks_keep_the_configured_rate),
        cmocka_unit_test(measured_capacity_caps_the_rate),
        cmocka_unit_test(preemption_is_not_overload),
        cmocka_unit_test(busy_or_stalled_is_overloaded),
        cmocka_unit_test(the_rate_never_drops_below_the_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
