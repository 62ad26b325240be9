/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_load.h"

/* Weight of the newest tick in the capacity average: about a second of memory at 100 ms ticks. */
#define EWMA_NEW 0.25
/* A tick says something about capacity only with enough work in it. */
#define MIN_BUSY_SHARE 0.05
#define MIN_SAS 5

void dp_load_start(struct dp_load *l, uint64_t now)
{
    *l = (struct dp_load){.tick_start = now};
}

uint64_t dp_load_tick(struct dp_load *l, uint64_t now, uint64_t hz, uint64_t sa_created,
                      uint64_t configured, bool *overloaded, struct dp_load_view *view)
{
    uint64_t span = now > l->tick_start ? now - l->tick_start : 1;
    double busy_share = (double)l->busy / (double)span;
    if (busy_share > 1)
        busy_share = 1;
    uint64_t made = sa_created >= l->sa_created ? sa_created - l->sa_created : 0;
    double seconds = (double)span / (double)hz;
    if (busy_share >= MIN_BUSY_SHARE && made >= MIN_SAS) {
        double per_busy_second = (double)made / (busy_share * seconds);
        l->capacity = l->capacity == 0 ? per_busy_second
                                       : (1 - EWMA_NEW) * l->capacity + EWMA_NEW * per_busy_second;
    }
    uint64_t rate = configured;
    if (l->capacity > 0) {
        double safe = l->capacity * DP_LOAD_ADMIT_SHARE;
        if (safe < (double)rate)
            rate = (uint64_t)safe;
    }
    if (rate < DP_LOAD_RATE_FLOOR && configured >= DP_LOAD_RATE_FLOOR)
        rate = DP_LOAD_RATE_FLOOR;
    struct dp_load_view v = {
        .busy_pct = (uint32_t)(busy_share * 100 + 0.5),
        .loop_latency_us = (uint32_t)((double)l->max_poll * 1e6 / (double)hz),
        .loop_cpu_us = (uint32_t)((double)l->max_cpu * 1e6 / (double)hz),
        .sa_per_s = seconds > 0 ? (uint64_t)((double)made / seconds) : 0,
        .capacity_per_s = (uint64_t)l->capacity,
        .admission_rate = rate,
    };
    __atomic_store_n(&view->busy_pct, v.busy_pct, __ATOMIC_RELAXED);
    __atomic_store_n(&view->loop_latency_us, v.loop_latency_us, __ATOMIC_RELAXED);
    __atomic_store_n(&view->loop_cpu_us, v.loop_cpu_us, __ATOMIC_RELAXED);
    __atomic_store_n(&view->sa_per_s, v.sa_per_s, __ATOMIC_RELAXED);
    __atomic_store_n(&view->capacity_per_s, v.capacity_per_s, __ATOMIC_RELAXED);
    __atomic_store_n(&view->admission_rate, v.admission_rate, __ATOMIC_RELAXED);
    *overloaded = v.busy_pct >= DP_LOAD_BUSY_PCT_MAX || v.loop_cpu_us >= DP_LOAD_LATENCY_US_MAX;
    l->tick_start = now;
    l->busy = 0;
    l->max_poll = 0;
    l->max_cpu = 0;
    l->sa_created = sa_created;
    return rate;
}
