/* SPDX-License-Identifier: BSD-3-Clause */
#include "test_eal.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

/* DPDK's runtime directory of this process, removed at teardown (dp_eal_dir.h). */
static char eal_dir[DP_EAL_DIR_MAX];

int test_eal_init(const char *name, const char *lcores, const char *mem_mb)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=%s_%d", name, (int)getpid());
    /* rte_eal_init takes char *: the strings are only read. */
    /* "(0-2)@(0-1)": more lcores than CPUs, threads that float (--lcores). */
    char *lflag = strchr(lcores, '@') != NULL ? "--lcores" : "-l";
    char *argv[] = {(char *)name,   lflag,      (char *)lcores,   "--no-huge",         "-m",
                    (char *)mem_mb, "--no-pci", "--no-telemetry", "--log-level=error", prefix};
    int rc = rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv);
    if (rc >= 0)
        dp_eal_dir_note(eal_dir);
    return rc;
}

void test_eal_cleanup(void)
{
    rte_eal_cleanup();
    dp_eal_dir_remove(eal_dir);
}

/*
 * What test_eal_pool and test_eal_esp opened, for test_eal_teardown: cmocka
 * hands a teardown only the state, and the tests keep these in their own
 * statics. The EAL itself is one per process; so is this.
 */
static struct {
    struct rte_mempool *pool;
    struct dp_esp_engine *eng;
} opened;

int test_eal_pool(const char *name, const char *mem_mb, unsigned nmbufs, struct rte_mempool **pool)
{
    if (test_eal_init(name, "0", mem_mb) < 0)
        return -1;
    *pool = rte_pktmbuf_pool_create(name, nmbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    opened.pool = *pool;
    return *pool == NULL ? -1 : 0;
}

void test_eal_pool_close(struct rte_mempool *pool)
{
    rte_mempool_free(pool);
    test_eal_cleanup();
}

int test_eal_esp(const char *name, const char *mem_mb, unsigned nmbufs, struct rte_mempool **pool,
                 struct dp_esp_engine *eng)
{
    if (test_eal_pool(name, mem_mb, nmbufs, pool) < 0)
        return -1;
    if (dp_esp_engine_init(eng) < 0)
        return -1;
    opened.eng = eng;
    return 0;
}

void test_eal_esp_close(struct rte_mempool *pool, struct dp_esp_engine *eng)
{
    dp_esp_engine_free(eng);
    test_eal_pool_close(pool);
}

int test_eal_teardown(void **state)
{
    (void)state;
    if (opened.eng != NULL)
        test_eal_esp_close(opened.pool, opened.eng);
    else
        test_eal_pool_close(opened.pool);
    return 0;
}
