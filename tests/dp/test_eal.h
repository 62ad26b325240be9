/* SPDX-License-Identifier: BSD-3-Clause */
/* How the dataplane tests start DPDK: no hugepages, no PCI, no telemetry. */
#ifndef VEER_TEST_EAL_H
#define VEER_TEST_EAL_H

#include <rte_mempool.h>

#include "dp_eal_dir.h"
#include "dp_esp.h"

/*
 * Starts the EAL for test `name` on lcores `lcores` ("0", "0-1", or with
 * '@' an EAL --lcores map such as "(0-2)@(0-1)": three lcores on two CPUs) with
 * `mem_mb` megabytes of ordinary memory (--no-huge), quiet below errors. The
 * file prefix carries the name and the PID so that tests and runs of the same
 * test can share a machine. Returns rte_eal_init's result.
 */
int test_eal_init(const char *name, const char *lcores, const char *mem_mb);

/* Stops the EAL and removes the runtime directory test_eal_init's made. */
void test_eal_cleanup(void);

/*
 * Starts the EAL on lcore 0 and makes the one mbuf pool (`nmbufs` mbufs of the
 * default size, named after the test) that most tests need. Returns 0, or -1.
 */
int test_eal_pool(const char *name, const char *mem_mb, unsigned nmbufs, struct rte_mempool **pool);

/* Frees the pool and stops the EAL: test_eal_pool's undoing. */
void test_eal_pool_close(struct rte_mempool *pool);

/* test_eal_pool and then the ESP engine, for the tests of the engine alone. */
int test_eal_esp(const char *name, const char *mem_mb, unsigned nmbufs, struct rte_mempool **pool,
                 struct dp_esp_engine *eng);

/* Frees the engine, then as test_eal_pool_close. */
void test_eal_esp_close(struct rte_mempool *pool, struct dp_esp_engine *eng);

/*
 * cmocka group teardown for the tests that opened with test_eal_pool or
 * test_eal_esp: test_eal_pool_close or test_eal_esp_close on what they opened.
 */
int test_eal_teardown(void **state);

#endif
