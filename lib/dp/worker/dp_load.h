/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore's own load, and the admission rate it derives from it
 * (issue: "the control lcore measures its own load ... and publishes the
 * admission rate and an overload state"). Every poll reports how long it took
 * and whether it found work; every tick (100 ms) turns that into the busy
 * share of the tick, the longest single poll (what a packet waiting in the
 * ring may have to wait for), and how many new IKE SAs, each one DH
 * computation, it made per second of busy time: its measured capacity. The
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
    uint32_t loop_latency_us; /* the longest poll of the last tick */
    uint64_t sa_per_s;        /* new IKE SAs made over the last tick, per second */
    uint64_t capacity_per_s;  /* smoothed new IKE SAs per busy second; 0: not measured yet */
    uint64_t admission_rate;  /* what the gate lets through in auto mode */
};

struct dp_load {
    uint64_t tick_start; /* cycles */
    uint64_t busy;       /* cycles of polls that found work, this tick */
    uint64_t max_poll;   /* cycles of the longest poll, this tick */
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

/* After every poll: its length in cycles, and whether it found anything to do. */
static inline void dp_load_poll(struct dp_load *l, uint64_t cycles, bool worked)
{
    if (worked)
        l->busy += cycles;
    if (cycles > l->max_poll)
        l->max_poll = cycles;
}

/*
 * Every tick: folds the tick into `view` (stored with relaxed atomics, for
 * telemetry) and returns the rate to publish (at most `configured`);
 * *overloaded says the control lcore fell behind during the tick.
 * `sa_created` is lib/ike's running count of IKE SAs made.
 */
uint64_t dp_load_tick(struct dp_load *l, uint64_t now, uint64_t hz, uint64_t sa_created,
                      uint64_t configured, bool *overloaded, struct dp_load_view *view);

#endif
