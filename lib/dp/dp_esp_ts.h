/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Does a Child SA's traffic selector set cover an address? For the outbound
 * policy lookup (sadb.c) and the inbound check of decrypted packets (esp.c).
 * Inline: both are on the per-packet path. Addresses only: the dataplane
 * matches neither protocol nor ports of a selector (IPv4 never did either).
 */
#ifndef VEER_DP_ESP_TS_H
#define VEER_DP_ESP_TS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "ike.h"

static inline uint32_t dp_ts_addr4(const uint8_t *a)
{
    return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* `addr` in network order; IPv6 selectors never cover an IPv4 address. */
static inline bool dp_ts_set_covers4(const struct ike_ts_set *s, uint32_t addr)
{
    uint32_t a = rte_be_to_cpu_32(addr);
    for (unsigned i = 0; i < s->nts; i++) {
        const struct ike_ts *ts = &s->ts[i];
        if (ts->type == IKE_TS_IPV4_ADDR_RANGE && a >= dp_ts_addr4(ts->start_addr) &&
            a <= dp_ts_addr4(ts->end_addr))
            return true;
    }
    return false;
}

/* Byte-wise comparison of network-order addresses is numeric comparison. */
static inline bool dp_ts_set_covers6(const struct ike_ts_set *s, const uint8_t addr[16])
{
    for (unsigned i = 0; i < s->nts; i++) {
        const struct ike_ts *ts = &s->ts[i];
        if (ts->type == IKE_TS_IPV6_ADDR_RANGE && memcmp(addr, ts->start_addr, 16) >= 0 &&
            memcmp(addr, ts->end_addr, 16) <= 0)
            return true;
    }
    return false;
}

#endif
