/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane tests' ports: net_ring devices whose TX ring the test reads back. */
#ifndef VEER_TEST_RING_PORT_H
#define VEER_TEST_RING_PORT_H

#include <rte_mempool.h>
#include <rte_ring.h>

/*
 * Makes a net_ring port `name` receiving from rx and sending into tx (may be
 * the same ring), one queue each of 64 descriptors, configured and started.
 * Returns its DPDK port id, or -1.
 */
int test_ring_port(const char *name, struct rte_ring *rx, struct rte_ring *tx,
                   struct rte_mempool *pool);

#endif
