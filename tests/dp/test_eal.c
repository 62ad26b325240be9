/* SPDX-License-Identifier: BSD-3-Clause */
#include "test_eal.h"

#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

int test_eal_init(const char *name, const char *lcores, const char *mem_mb)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=%s_%d", name, (int)getpid());
    /* rte_eal_init takes char *: the strings are only read. */
    char *argv[] = {(char *)name,   "-l",       (char *)lcores,   "--no-huge",         "-m",
                    (char *)mem_mb, "--no-pci", "--no-telemetry", "--log-level=error", prefix};
    return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv);
}
