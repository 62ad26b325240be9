/* SPDX-License-Identifier: BSD-3-Clause */
#include "ring_port.h"

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
