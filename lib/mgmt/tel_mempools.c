/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/mempools: every DPDK mempool of the process (the mbufs, the
 * reassembly buffers) with its size, the objects free (in its ring and in
 * the lcores' caches) and those in use. DPDK 22.11's own /mempool/info has
 * the size but not how many are free, which is what shows an mbuf leak.
 * The counts are read without stopping the workers: a snapshot, exact once
 * traffic stops.
 */
#include <rte_mempool.h>

#include "mgmt_tel_priv.h"

struct pool_columns {
    struct rte_tel_data *name, *size, *cache, *avail, *in_use;
};

static void add_pool(struct rte_mempool *mp, void *arg)
{
    struct pool_columns *c = arg;
    unsigned avail = rte_mempool_avail_count(mp);
    rte_tel_data_add_array_string(c->name, mp->name);
    rte_tel_data_add_array_u64(c->size, mp->size);
    rte_tel_data_add_array_u64(c->cache, mp->cache_size);
    rte_tel_data_add_array_u64(c->avail, avail);
    /* avail may briefly exceed size while an lcore moves objects between cache and ring. */
    rte_tel_data_add_array_u64(c->in_use, avail < mp->size ? mp->size - avail : 0);
}

static int cmd_mempools(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/mempools takes no parameters, got \"%s\"", params);
    struct pool_columns c = {.name = mgmt_tel_column(RTE_TEL_STRING_VAL),
                             .size = mgmt_tel_column(RTE_TEL_U64_VAL),
                             .cache = mgmt_tel_column(RTE_TEL_U64_VAL),
                             .avail = mgmt_tel_column(RTE_TEL_U64_VAL),
                             .in_use = mgmt_tel_column(RTE_TEL_U64_VAL)};
    if (c.name != NULL && c.size != NULL && c.cache != NULL && c.avail != NULL && c.in_use != NULL)
        rte_mempool_walk(add_pool, &c);
    rte_tel_data_start_dict(d);
    mgmt_tel_add_column(d, "name", c.name);
    mgmt_tel_add_column(d, "size", c.size);
    mgmt_tel_add_column(d, "cache_size", c.cache);
    mgmt_tel_add_column(d, "available", c.avail);
    mgmt_tel_add_column(d, "in_use", c.in_use);
    return 0;
}

void mgmt_tel_mempools_register(void)
{
    rte_telemetry_register_cmd("/veer/mempools", cmd_mempools,
                               "DPDK mempools: name, size, cache size, available, in use");
}
