/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_eal_dir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>

void dp_eal_dir_note(char out[DP_EAL_DIR_MAX])
{
    const char *dir = rte_eal_get_runtime_dir();
    out[0] = '\0';
    if (dir != NULL && strlen(dir) < DP_EAL_DIR_MAX && rte_eal_process_type() == RTE_PROC_PRIMARY)
        strcpy(out, dir);
}

int dp_eal_dir_remove(const char *dir)
{
    if (dir == NULL || dir[0] == '\0')
        return 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : -errno;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[DP_EAL_DIR_MAX + 256];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode))) {
            rc = rc < 0 ? rc : -ENOTEMPTY;
            continue;
        }
        if (unlink(path) != 0 && rc == 0)
            rc = -errno;
    }
    closedir(d);
    if (rmdir(dir) != 0 && rc == 0)
        rc = -errno;
    return rc;
}
