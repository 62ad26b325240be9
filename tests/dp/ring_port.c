/* SPDX-License-Identifier: BSD-3-Clause */
#include "ring_port.h"

#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>

int test_ring_port(const char *name, struct rte_ring *rx, struct rte_ring *tx,
                   struct rte_mempool *pool)
{
    int id = rte_eth_from_rings(name, &rx, 1, &tx, 1, 0);
    struct rte_eth_conf conf = {0};
    if (id < 0 || rte_eth_dev_configure((uint16_t)id, 1, 1, &conf) < 0 ||
        rte_eth_rx_queue_setup((uint16_t)id, 0, 64, 0, NULL, pool) < 0 ||
        rte_eth_tx_queue_setup((uint16_t)id, 0, 64, 0, NULL) < 0 ||
        rte_eth_dev_start((uint16_t)id) < 0)
        return -1;
    return id;
}

static struct rte_ring *named_ring(const char *dir, const char *name)
{
    char rname[RTE_RING_NAMESIZE];
    snprintf(rname, sizeof(rname), "%s_%s", dir, name);
    return rte_ring_create(rname, 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

int test_dp_port(struct dp_port *p, unsigned index, const char *name, uint32_t ip,
                 struct rte_mempool *pool, struct rte_ring **rx, struct rte_ring **tx)
{
    *tx = named_ring("tx", name);
    struct rte_ring *in = *tx;
    if (rx != NULL)
        in = *rx = named_ring("rx", name);
    if (in == NULL || *tx == NULL)
        return -1;
    int id = test_ring_port(name, in, *tx, pool);
    if (id < 0)
        return -1;
    p->id = (uint16_t)id;
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->mac = (struct rte_ether_addr){{2, 0, 0, 0xaa, 0, (uint8_t)index}};
    p->ip = ip;
    p->mask = ip != 0 ? rte_cpu_to_be_32(0xffffff00) : UINT32_MAX;
    return 0;
}

void test_dp_port_ip6(struct dp_port *p, const uint8_t ip6[16])
{
    p->has_ip6 = true;
    memcpy(p->ip6, ip6, 16);
    p->prefix6_len = 64;
}
