/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_port.h"

#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

/* "net_af_packet0,iface=veth0" names the port "net_af_packet0"; a PCI address names itself. */
static void device_name(const char *device, char *name, size_t cap)
{
    size_t n = strcspn(device, ",");
    if (n >= cap)
        n = cap - 1;
    memcpy(name, device, n);
    name[n] = '\0';
}

static int find_or_probe(const char *device, uint16_t *port_id, char *err, size_t err_len)
{
    char name[RTE_ETH_NAME_MAX_LEN];
    device_name(device, name, sizeof(name));
    if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
        return 0;
    /* Not probed at start: a virtual device, plugged now from its configuration string. */
    int rc = rte_dev_probe(device);
    if (rc < 0 || rte_eth_dev_get_port_by_name(name, port_id) != 0) {
        snprintf(err, err_len, "cannot probe device \"%s\": %s", device, rte_strerror(-rc));
        return -1;
    }
    return 0;
}

int dp_port_open(const struct conf_port *cfg, unsigned nworkers, struct rte_mempool *pool,
                 struct dp_port *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (cfg->addr.family != 4) {
        snprintf(err, err_len, "port %s: only IPv4 addresses so far", cfg->name);
        return -1;
    }
    if (find_or_probe(cfg->device, &out->id, err, err_len) < 0)
        return -1;
    snprintf(out->name, sizeof(out->name), "%s", cfg->name);
    memcpy(&out->ip, cfg->addr.ip, 4);
    out->mask = cfg->prefix_len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - cfg->prefix_len));
    out->nrxq = (uint16_t)nworkers;
    out->ntxq = (uint16_t)(nworkers + 1);
    out->ctrl_txq = (uint16_t)nworkers;

    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(out->id, &info);
    if (rc != 0)
        goto fail;
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    if (nworkers > 1 && info.flow_type_rss_offloads != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf =
            info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
    }
    if (out->nrxq > info.max_rx_queues || nworkers > info.max_tx_queues) {
        snprintf(err, err_len,
                 "port %s: %u workers need %u RX and TX queues, the device has %u and %u",
                 cfg->name, nworkers, nworkers, info.max_rx_queues, info.max_tx_queues);
        return -1;
    }
    if (out->ntxq > info.max_tx_queues) {
        /* No queue of its own for the control lcore: it hands packets to worker 0. */
        char ring[RTE_RING_NAMESIZE];
        snprintf(ring, sizeof(ring), "veer_ctx_%u", out->id);
        out->ctrl_tx = rte_ring_create(ring, 1024, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (out->ctrl_tx == NULL) {
            snprintf(err, err_len, "port %s: no memory for its control ring", cfg->name);
            return -1;
        }
        out->ntxq = (uint16_t)nworkers;
        out->ctrl_txq = DP_NO_QUEUE;
    }
    rc = rte_eth_dev_configure(out->id, out->nrxq, out->ntxq, &conf);
    if (rc != 0)
        goto fail;
    uint16_t rxd = (uint16_t)cfg->rx_desc, txd = (uint16_t)cfg->tx_desc;
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(out->id, &rxd, &txd);
    if (rc != 0)
        goto fail;
    int socket = rte_eth_dev_socket_id(out->id);
    for (uint16_t q = 0; q < out->nrxq && rc == 0; q++)
        rc = rte_eth_rx_queue_setup(out->id, q, rxd, (unsigned)socket, NULL, pool);
    for (uint16_t q = 0; q < out->ntxq && rc == 0; q++)
        rc = rte_eth_tx_queue_setup(out->id, q, txd, (unsigned)socket, NULL);
    if (rc != 0)
        goto fail;
    rc = rte_eth_macaddr_get(out->id, &out->mac);
    if (rc == 0)
        rc = rte_eth_dev_start(out->id);
    if (rc != 0)
        goto fail;
    /* Not promiscuous: the port takes frames for its own MAC, which ARP hands out. */
    return 0;
fail:
    snprintf(err, err_len, "port %s (%s): %s", cfg->name, cfg->device, rte_strerror(-rc));
    return -1;
}

void dp_port_close(struct dp_port *p)
{
    rte_eth_dev_stop(p->id);
    rte_eth_dev_close(p->id);
    if (p->ctrl_tx != NULL) {
        struct rte_mbuf *m;
        while (rte_ring_dequeue(p->ctrl_tx, (void **)&m) == 0)
            rte_pktmbuf_free(m);
        rte_ring_free(p->ctrl_tx);
    }
}
