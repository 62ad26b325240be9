/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How the dataplane fuzz targets start DPDK: one lcore, no hugepages, no PCI,
 * no telemetry, a file prefix with the PID, and the runtime directory removed
 * when libFuzzer exits (dp_eal_dir.h), so that runs leave nothing behind.
 */
#ifndef VEER_FUZZ_EAL_H
#define VEER_FUZZ_EAL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>

#include "dp_eal_dir.h"
#include "fuzz_common.h"

static char fuzz_eal_dir[DP_EAL_DIR_MAX];

static void fuzz_eal_dir_remove(void)
{
    dp_eal_dir_remove(fuzz_eal_dir);
}

static inline void fuzz_eal_init(const char *name)
{
    static char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=%s_%d", name, (int)getpid());
    char *eal[] = {
        (char *)name,        "-l",  "0", "--no-huge", "-m", "128", "--no-pci", "--no-telemetry",
        "--log-level=error", prefix};
    FUZZ_CHECK(rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) >= 0);
    dp_eal_dir_note(fuzz_eal_dir);
    atexit(fuzz_eal_dir_remove);
}

#endif
