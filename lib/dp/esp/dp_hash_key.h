/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key comparison for the dataplane's rte_hash tables keyed by 32 bits (SPI,
 * IPv4 host). rte_hash has built-in comparisons for keys of 16 bytes and up
 * only; for 4 bytes it calls libc's memcmp, which cost decryption ~4 % of a
 * core at 64 B. Its address is handed to rte_hash_set_cmp_func (one process
 * only: veer is never a DPDK secondary process).
 */
#ifndef VEER_DP_HASH_KEY_H
#define VEER_DP_HASH_KEY_H

#include <stdint.h>
#include <string.h>

/* 0 when the two 32-bit keys are equal, as rte_hash_cmp_eq_t wants. */
static inline int dp_hash_key32_cmp(const void *a, const void *b, size_t len)
{
    (void)len; /* always sizeof(uint32_t): the tables are made with that key_len */
    uint32_t x, y;
    memcpy(&x, a, sizeof(x));
    memcpy(&y, b, sizeof(y));
    return x != y;
}

#endif
