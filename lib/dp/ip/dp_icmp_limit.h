/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The token bucket each worker puts its ICMP and ICMPv6 errors through, both
 * families together: a flood of expiring or too big packets cannot turn the
 * gateway into an amplifier, whichever family it comes in.
 */
#ifndef VEER_DP_ICMP_LIMIT_H
#define VEER_DP_ICMP_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct dp_icmp_limiter {
    uint64_t hz;     /* timer cycles per second */
    uint64_t rate;   /* tokens per second; 0: never send */
    uint64_t depth;  /* the bucket's size, in token * hz units */
    uint64_t credit; /* what it holds, same units */
    uint64_t last;   /* timer cycles at the last refill */
};

/*
 * rate errors per second, bursts of up to a tenth of a second's worth (at
 * least 1); the bucket starts full. now and hz in timer cycles.
 */
void dp_icmp_limiter_init(struct dp_icmp_limiter *l, unsigned rate, uint64_t hz, uint64_t now);

/* Takes a token if there is one. */
bool dp_icmp_limiter_take(struct dp_icmp_limiter *l, uint64_t now);

#endif
