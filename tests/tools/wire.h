/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Big-endian fields and the IPv4 header checksum (RFC 1071) for the pcap
 * generators, which build frames byte by byte without DPDK's headers.
 */
#ifndef VEER_TOOLS_WIRE_H
#define VEER_TOOLS_WIRE_H

#include <stddef.h>
#include <stdint.h>

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* The checksum of an IPv4 header of len bytes (its checksum field zero). */
static inline uint16_t ipv4_header_checksum(const uint8_t *h, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 2)
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

#endif
