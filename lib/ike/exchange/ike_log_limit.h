/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log lines that the network can provoke at will (a malformed datagram, a bad
 * cookie, an unknown SPI) are rate-limited per reason, so that a flood does
 * not turn `-v` into a disk-filling log storm: each reason may print a few
 * lines a second, the rest are counted and summed up in one line once the
 * second is over. The reason is the call site, named by its format string.
 */
#ifndef VEER_IKE_LOG_LIMIT_H
#define VEER_IKE_LOG_LIMIT_H

#include <stdint.h>

#define IKE_LOG_LIMIT_SLOTS 16 /* reasons followed at once; a new one takes the stalest */
#define IKE_LOG_LIMIT_BURST 5  /* lines per reason and second */

struct ike_log_limit_slot {
    const char *fmt;    /* the reason; NULL: free */
    uint8_t level;      /* enum ike_log_level of its lines */
    uint64_t window_ns; /* the second its lines are counted in began then */
    unsigned printed;
    uint64_t suppressed;
};

struct ike_log_limit {
    struct ike_log_limit_slot slot[IKE_LOG_LIMIT_SLOTS];
};

#endif
