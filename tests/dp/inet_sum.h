/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Internet checksum (RFC 1071) summed by the tests themselves, byte by
 * byte, so that a header veer checksums with DPDK's helpers is checked by
 * code that shares nothing with them.
 */
#ifndef VEER_TEST_INET_SUM_H
#define VEER_TEST_INET_SUM_H

#include <stddef.h>
#include <stdint.h>

/* Writes v's low 16 bits at p, network order. */
void put16(uint8_t *p, size_t v);

/* Reads 16 bits at p, network order. */
unsigned get16(const uint8_t *p);

/* Adds the 16-bit words of buf to sum (an odd last byte padded), not folded. */
uint32_t add_words(uint32_t sum, const uint8_t *buf, size_t len);

/* Folds the carries of a sum of words into 16 bits, not complemented. */
uint16_t fold(uint32_t sum);

/* add_words and then fold: RFC 1071's sum of p on top of acc. */
uint32_t sum16(const uint8_t *p, size_t len, uint32_t acc);

/*
 * UDP over IPv6 (RFC 8200 8.1): the sum over the pseudo-header (addresses at
 * ip6 + 8) and the datagram, folded: to fill a checksum (its complement) or to
 * verify one (all ones when it is right).
 */
uint32_t udp6_sum(const uint8_t *ip6, const uint8_t *udp, size_t udp_len);

#endif
