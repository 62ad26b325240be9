/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's runtime directory (/var/run/dpdk/<file-prefix> for root): EAL makes
 * it with its config, memory maps, multi-process and telemetry sockets, and
 * leaves it behind at rte_eal_cleanup(). A process that made it removes it
 * on a clean exit, so that runs leave nothing behind (a process killed with
 * -9 cannot; nor may a secondary process remove its primary's).
 */
#ifndef VEER_DP_EAL_DIR_H
#define VEER_DP_EAL_DIR_H

#include <stddef.h>

#define DP_EAL_DIR_MAX 256

/* After rte_eal_init(): the directory to remove later (empty when unknown or too long). */
void dp_eal_dir_note(char out[DP_EAL_DIR_MAX]);

/*
 * After rte_eal_cleanup(): removes the files directly inside `dir` and then
 * the directory. Only plain files and sockets are removed, nothing below a
 * subdirectory. 0, or -errno of the first failure (what could go, went).
 */
int dp_eal_dir_remove(const char *dir);

#endif
