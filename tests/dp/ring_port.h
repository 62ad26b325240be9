/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane tests' ports: net_ring devices whose TX ring the test reads back. */
#ifndef VEER_TEST_RING_PORT_H
#define VEER_TEST_RING_PORT_H

#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "dp_port.h"

/*
 * Makes a net_ring port `name` receiving from rx and sending into tx (may be
 * the same ring), one queue each of 64 descriptors, configured and started.
 * Returns its DPDK port id, or -1.
 */
int test_ring_port(const char *name, struct rte_ring *rx, struct rte_ring *tx,
                   struct rte_mempool *pool);

/*
 * Makes dataplane port number `index` of a test: a net_ring port `name` on
 * rings of 256 ("rx_<name>" in *rx that the test feeds, "tx_<name>" in *tx
 * that it reads back; rx NULL: the one ring both ways) and `p` filled with
 * its id, name, MAC 02:00:00:aa:00:<index> and IPv4 address `ip` (network
 * order) on a /24, or no IPv4 (ip 0: the all-ones mask of an IPv6-only port).
 * Returns 0, or -1.
 */
int test_dp_port(struct dp_port *p, unsigned index, const char *name, uint32_t ip,
                 struct rte_mempool *pool, struct rte_ring **rx, struct rte_ring **tx);

/* Gives a test's port the IPv6 address ip6 on a /64. */
void test_dp_port_ip6(struct dp_port *p, const uint8_t ip6[16]);

#endif
