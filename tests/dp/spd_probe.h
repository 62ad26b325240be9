/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outbound policy lookup for tests that know a packet by its addresses
 * alone: a bare IPv4 or IPv6 header holding them, of a protocol without
 * ports (255, reserved; IPv6: 59, no next header) and nothing after it.
 * SAs that select on addresses alone take it; protocol or port selectors
 * other than ANY do not.
 */
#ifndef VEER_TEST_SPD_PROBE_H
#define VEER_TEST_SPD_PROBE_H

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "dp_esp.h"

/* Addresses in network order. */
static inline struct dp_esp_sa *spd_probe4(const struct dp_sadb *db, uint32_t src, uint32_t dst)
{
    struct rte_ipv4_hdr ip = {.version_ihl = 0x45,
                              .total_length = rte_cpu_to_be_16(sizeof(ip)),
                              .next_proto_id = 255,
                              .src_addr = src,
                              .dst_addr = dst};
    return dp_spd_lookup(db, &ip, sizeof(ip));
}

static inline struct dp_esp_sa *spd_probe6(const struct dp_sadb *db, const uint8_t src[16],
                                           const uint8_t dst[16])
{
    struct rte_ipv6_hdr ip = {.vtc_flow = rte_cpu_to_be_32(6u << 28), .proto = 59};
    memcpy(ip.src_addr, src, 16);
    memcpy(ip.dst_addr, dst, 16);
    return dp_spd_lookup6(db, &ip, sizeof(ip));
}

#endif
