/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_icmp_limit.h"

#include <rte_common.h>

void dp_icmp_limiter_init(struct dp_icmp_limiter *l, unsigned rate, uint64_t hz, uint64_t now)
{
    uint64_t burst = rate / 10 > 0 ? rate / 10 : 1;
    *l = (struct dp_icmp_limiter){
        .hz = hz, .rate = rate, .depth = burst * hz, .credit = burst * hz, .last = now};
}

bool dp_icmp_limiter_take(struct dp_icmp_limiter *l, uint64_t now)
{
    if (l->rate == 0)
        return false;
    uint64_t elapsed = now - l->last;
    l->last = now;
    /* Compared before multiplying: a long idle time must not overflow into an empty bucket. */
    if (elapsed >= l->depth / l->rate)
        l->credit = l->depth;
    else
        l->credit = RTE_MIN(l->depth, l->credit + elapsed * l->rate);
    if (l->credit < l->hz)
        return false;
    l->credit -= l->hz;
    return true;
}
