/* SPDX-License-Identifier: BSD-3-Clause */
/* How the dataplane tests start DPDK: no hugepages, no PCI, no telemetry. */
#ifndef VEER_TEST_EAL_H
#define VEER_TEST_EAL_H

/*
 * Starts the EAL for test `name` on lcores `lcores` ("0", "0-1") with
 * `mem_mb` megabytes of ordinary memory (--no-huge), quiet below errors. The
 * file prefix carries the name and the PID so that tests and runs of the same
 * test can share a machine. Returns rte_eal_init's result.
 */
int test_eal_init(const char *name, const char *lcores, const char *mem_mb);

#endif
