/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore's own load, and the admission rate it derives from it.
 * Every poll reports how long it took, in wall time and in the CPU time the
 * thread really ran, and whether it found work; every tick (100 ms) turns
 * that into the busy share of the tick, the longest single poll (what a
 * packet waiting in the ring may have to wait for), and how many new IKE SAs,
 * each one DH computation, it made per second of busy time: its measured
 * capacity. Busy time and the overload verdict count CPU time only: when the
 * lcore shares its core and is preempted, the wall time lost is no sign that
 * it has too much to do, and shedding clients for it would be wrong. The
 * gate then lets through at most a safe share of that capacity, never more
 * than the configured rate, so the ring never fills with requests the control
 * lcore cannot answer in time. Plain arithmetic: no DPDK, no locks.
 */
#ifndef VEER_DP_LOAD_H
#define VEER_DP_LOAD_H

#include <stdbool.h>
#include <stdint.h>

/* What telemetry shows; written by the control lcore only, read with relaxed loads. */
struct dp_load_view {
    uint32_t busy_pct;        /* share of the last tick spent on work */
    uint32_t loop_latency_us; /* the longest poll of the last tick, wall time (preemption too) */
    uint32_t loop_cpu_us;     /* the most CPU time one poll of the last tick used */
    uint64_t sa_per_s;        /* new IKE SAs made over the last tick, per second */
    uint64_t capacity_per_s;  /* smoothed new IKE SAs per busy second; 0: not measured yet */
    uint64_t admission_rate;  /* what the gate lets through in auto mode */
};

struct dp_load {
    uint64_t tick_start; /* cycles */
    uint64_t busy;       /* CPU time of polls that found work, this tick, in cycles */
    uint64_t max_poll;   /* wall cycles of the longest poll, this tick */
    uint64_t max_cpu;    /* CPU time of the poll that used most, this tick, in cycles */
    uint64_t sa_created; /* lib/ike's counter at the last tick */
    double capacity;     /* EWMA of new SAs per busy second */
};

/* Share of the measured capacity the gate lets through: headroom for rekeys, IKE_AUTH, bursts. */
#define DP_LOAD_ADMIT_SHARE 0.75
/* Busy for this share of a tick, or one poll this long: the control lcore is behind. */
#define DP_LOAD_BUSY_PCT_MAX 90
#define DP_LOAD_LATENCY_US_MAX 50000
/* The gate never goes below this many admissions per second, so clients always progress. */
#define DP_LOAD_RATE_FLOOR 10

void dp_load_start(struct dp_load *l, uint64_t now);

/*
 * After every poll: its length in wall cycles, the CPU time the thread ran
 * meanwhile (in the same cycles; never more than the wall time counts), and
 * whether it found anything to do.
 */
static inline void dp_load_poll(struct dp_load *l, uint64_t wall, uint64_t cpu, bool worked)
{
    if (cpu > wall)
        cpu = wall; /* two clocks read a little apart */
    if (worked) {
        l->busy += cpu;
        if (cpu > l->max_cpu)
            l->max_cpu = cpu;
    }
    if (wall > l->max_poll)
        l->max_poll = wall;
}

/*
 * Every tick: folds the tick into `view` (stored with relaxed atomics, for
 * telemetry) and returns the rate to publish (at most `configured`);
 * *overloaded says the control lcore fell behind during the tick: busy
 * (CPU time) for DP_LOAD_BUSY_PCT_MAX of it, or one poll that used
 * DP_LOAD_LATENCY_US_MAX of CPU time.
 * `sa_created` is lib/ike's running count of IKE SAs made.
 */
uint64_t dp_load_tick(struct dp_load *l, uint64_t now, uint64_t hz, uint64_t sa_created,
                      uint64_t configured, bool *overloaded, struct dp_load_view *view);

#endif
