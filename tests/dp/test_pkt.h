/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane tests' addresses and frames, and the emptying of a ring they read back. */
#ifndef VEER_TEST_PKT_H
#define VEER_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_port.h"

/* a.b.c.d in network order, as dp_port and the route table hold it. */
static inline uint32_t test_ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    return rte_cpu_to_be_32((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
}

/* 2001:db8:<net>::<host>, the documentation prefix the tests number their links in. */
void test_a6(uint8_t out[16], uint8_t net, uint8_t host);

/*
 * A frame from pool to port p from `src` (ether type `type`) carrying the len
 * bytes at data, arrived on p; the test fails unless it could be made.
 */
struct rte_mbuf *test_frame(struct rte_mempool *pool, const struct dp_port *p,
                            const struct rte_ether_addr *src, uint16_t type, const void *data,
                            size_t len);

/* Frees whatever r holds, so that a test reads back only what it caused. */
void test_drain(struct rte_ring *r);

#endif
