/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#define CTRL_RING_SIZE 1024

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

const char *dp_port_profile_for_driver(const char *driver)
{
    static const struct {
        const char *driver, *profile;
    } by_driver[] = {
        {"net_af_packet", "af_packet"}, {"net_tap", "tap"},   {"net_memif", "memif"},
        {"net_ixgbe", "ixgbe"},         {"net_i40e", "i40e"}, {"net_ice", "ice"},
        {"mlx5_pci", "mlx5"},           {"net_mlx5", "mlx5"},
    };
    for (size_t i = 0; i < sizeof(by_driver) / sizeof(by_driver[0]); i++)
        if (driver != NULL && strcmp(driver, by_driver[i].driver) == 0)
            return by_driver[i].profile;
    return "default";
}

/* veer's names for RSS fields and offloads (lib/conf has no DPDK) and DPDK's flags. */
struct flag_map {
    uint32_t conf;
    uint64_t rte;
};

static const struct flag_map rss_map[] = {
    {CONF_RSS_IPV4, RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_OTHER},
    {CONF_RSS_IPV6, RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_OTHER |
                        RTE_ETH_RSS_IPV6_EX},
    {CONF_RSS_UDP, RTE_ETH_RSS_UDP},
    {CONF_RSS_TCP, RTE_ETH_RSS_TCP},
    {CONF_RSS_ESP, RTE_ETH_RSS_ESP},
};

static const struct flag_map rx_map[] = {
    {CONF_OFFLOAD_IPV4_CKSUM, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM},
    {CONF_OFFLOAD_UDP_CKSUM, RTE_ETH_RX_OFFLOAD_UDP_CKSUM},
    {CONF_OFFLOAD_MULTI_SEG, RTE_ETH_RX_OFFLOAD_SCATTER},
};

static const struct flag_map tx_map[] = {
    {CONF_OFFLOAD_IPV4_CKSUM, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM},
    {CONF_OFFLOAD_UDP_CKSUM, RTE_ETH_TX_OFFLOAD_UDP_CKSUM},
    {CONF_OFFLOAD_MULTI_SEG, RTE_ETH_TX_OFFLOAD_MULTI_SEGS},
    {CONF_OFFLOAD_FAST_FREE, RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE},
};

/*
 * What of `want` the device offers: DPDK flags to request, and veer's bits
 * for what is granted (an RSS field counts when any of its hash types is).
 */
static uint64_t mask_offered(const struct flag_map *map, size_t n, uint32_t want, uint64_t offered,
                             uint32_t *granted)
{
    uint64_t flags = 0;
    *granted = 0;
    for (size_t i = 0; i < n; i++) {
        if ((want & map[i].conf) && (offered & map[i].rte)) {
            flags |= offered & map[i].rte;
            *granted |= map[i].conf;
        }
    }
    return flags;
}

#define MASK(map, want, offered, granted)                                                          \
    mask_offered(map, sizeof(map) / sizeof(map[0]), want, offered, granted)

static int resolve_profile(const struct conf_port *cfg, const char *drivers_cfg, const char *driver,
                           struct dp_port *out, char *err, size_t err_len)
{
    const char *name = strcmp(cfg->profile, CONF_PROFILE_AUTO) == 0
                           ? dp_port_profile_for_driver(driver)
                           : cfg->profile;
    snprintf(out->profile, sizeof(out->profile), "%s", name);
    char why[400];
    if (conf_profile_load(drivers_cfg, name, &out->want, why, sizeof(why)) < 0) {
        snprintf(err, err_len, "port %s (driver %s): %s", cfg->name, driver, why);
        return -1;
    }
    conf_profile_override(&out->want, &cfg->overrides);
    return 0;
}

/* No TX queue of its own for the control lcore: it hands its packets to worker 0 on a ring. */
static int use_ctrl_ring(struct dp_port *out, const struct conf_port *cfg, unsigned nworkers,
                         char *err, size_t err_len)
{
    char ring[RTE_RING_NAMESIZE];
    snprintf(ring, sizeof(ring), "veer_ctx_%u", out->id);
    out->ctrl_tx =
        rte_ring_create(ring, CTRL_RING_SIZE, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (out->ctrl_tx == NULL) {
        snprintf(err, err_len, "port %s: no memory for its control ring", cfg->name);
        return -1;
    }
    out->ntxq = (uint16_t)nworkers;
    out->ctrl_txq = DP_NO_QUEUE;
    return 0;
}

int dp_port_prepare(const struct conf_port *cfg, const char *drivers_cfg, unsigned nworkers,
                    struct dp_port *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (cfg->addr.family != 4 && cfg->addr6.family != 6) {
        snprintf(err, err_len, "port %s: no address or address6", cfg->name);
        return -1;
    }
    if (find_or_probe(cfg->device, &out->id, err, err_len) < 0)
        return -1;
    snprintf(out->name, sizeof(out->name), "%s", cfg->name);
    if (cfg->addr.family == 4) {
        memcpy(&out->ip, cfg->addr.ip, 4);
        out->mask = cfg->prefix_len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - cfg->prefix_len));
    } else {
        out->mask = UINT32_MAX; /* IPv6 only: no IPv4 address is on link, 0.0.0.0 never used */
    }
    if (cfg->addr6.family == 6) {
        out->has_ip6 = true;
        memcpy(out->ip6, cfg->addr6.ip, 16);
        out->prefix6_len = cfg->prefix6_len;
    }
    for (unsigned i = 0; i < cfg->naddrs; i++) {
        if (cfg->addrs[i].addr.family == 6)
            memcpy(out->nd_group[out->nnd_groups++], cfg->addrs[i].addr.ip + 13, 3);
    }
    out->nrxq = (uint16_t)nworkers;
    out->ntxq = (uint16_t)(nworkers + 1);
    out->ctrl_txq = (uint16_t)nworkers;

    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(out->id, &info);
    if (rc != 0)
        goto fail;
    snprintf(out->driver, sizeof(out->driver), "%s", info.driver_name);
    dp_port_kernel_rx_start(out, cfg->device);
    if (resolve_profile(cfg, drivers_cfg, info.driver_name, out, err, err_len) < 0)
        return -1;
    const struct conf_port_profile *want = &out->want;

    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    if (want->rss && nworkers > 1) {
        uint64_t hf =
            MASK(rss_map, want->rss_fields, info.flow_type_rss_offloads, &out->rss_fields);
        if (hf != 0) {
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_hf = hf;
            out->rss_hf = hf;
        }
    }
    conf.rxmode.offloads =
        MASK(rx_map, want->rx_offloads, info.rx_offload_capa, &out->rx_offloads_granted);
    conf.txmode.offloads =
        MASK(tx_map, want->tx_offloads, info.tx_offload_capa, &out->tx_offloads_granted);
    if (want->mtu != 0 && (want->mtu < info.min_mtu || want->mtu > info.max_mtu)) {
        snprintf(err, err_len, "port %s: device_mtu %u (profile %s): the device takes %u to %u",
                 cfg->name, want->mtu, out->profile, info.min_mtu, info.max_mtu);
        return -1;
    }
    if (out->nrxq > info.max_rx_queues || nworkers > info.max_tx_queues) {
        snprintf(err, err_len,
                 "port %s: %u workers need %u RX and TX queues, the device has %u and %u",
                 cfg->name, nworkers, nworkers, info.max_rx_queues, info.max_tx_queues);
        return -1;
    }
    if (out->ntxq > info.max_tx_queues && use_ctrl_ring(out, cfg, nworkers, err, err_len) < 0)
        return -1;
    rc = rte_eth_dev_configure(out->id, out->nrxq, out->ntxq, &conf);
    /* net_tap refuses more TX than RX queues (it returns -1): the control lcore uses the ring. */
    if (rc != 0 && out->ctrl_tx == NULL && out->ntxq > out->nrxq) {
        if (use_ctrl_ring(out, cfg, nworkers, err, err_len) < 0)
            return -1;
        rc = rte_eth_dev_configure(out->id, out->nrxq, out->ntxq, &conf);
    }
    if (rc != 0)
        goto fail;
    out->rx_desc = (uint16_t)want->rx_desc;
    out->tx_desc = (uint16_t)want->tx_desc;
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(out->id, &out->rx_desc, &out->tx_desc);
    if (rc != 0)
        goto fail;
    /* IKE packets built on this port may leave both checksums to the device (dp_pkt.h). */
    out->tx_cksum_udp4 = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) &&
                         (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
    return 0;
fail:
    snprintf(err, err_len, "port %s (%s, profile %s): %s", cfg->name, cfg->device, out->profile,
             rte_strerror(-rc));
    return -1;
}

unsigned dp_port_mbufs_held(const struct dp_port *p)
{
    return (unsigned)p->nrxq * p->rx_desc + (unsigned)p->ntxq * p->tx_desc +
           (p->ctrl_tx != NULL ? CTRL_RING_SIZE : 0);
}

static void wait_for_link(const struct dp_port *p, unsigned wait_ms)
{
    struct rte_eth_link link = {0};
    for (unsigned waited = 0;; waited += 100) {
        if (rte_eth_link_get_nowait(p->id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP)
            return;
        if (waited >= wait_ms)
            break;
        rte_delay_ms(100);
    }
    if (wait_ms > 0)
        fprintf(stderr, "veer: port %s: link still down after %u ms, going on\n", p->name, wait_ms);
}

/*
 * Neighbour solicitations for our addresses go to their solicited-node groups
 * (33:33:ff + the last 3 bytes, RFC 4861 7.2.1, RFC 2464 7) and unsolicited
 * advertisements to all-nodes (33:33:00:00:00:01): the device's filter takes
 * them where it can, else all multicast. false: neither (logged). An IPv6
 * address added at run time is not in the filter: such ports need
 * all-multicast or promiscuous mode (docs/multihoming.md).
 */
static bool join_nd_multicast(const struct dp_port *p)
{
    struct rte_ether_addr groups[CONF_MAX_PORT_ADDRS + 1] = {{{0x33, 0x33, 0, 0, 0, 1}}};
    uint32_t n = 1;
    for (unsigned i = 0; i < p->nnd_groups; i++) {
        const uint8_t *g = p->nd_group[i];
        groups[n++] = (struct rte_ether_addr){{0x33, 0x33, 0xff, g[0], g[1], g[2]}};
    }
    if (rte_eth_dev_set_mc_addr_list(p->id, groups, n) == 0)
        return true;
    if (rte_eth_allmulticast_enable(p->id) == 0 && rte_eth_allmulticast_get(p->id) == 1)
        return true;
    fprintf(stderr,
            "veer: port %s: no multicast filter or all-multicast mode: neighbour solicitations "
            "reach veer only if the device passes multicast anyway (af_packet and tap do)\n",
            p->name);
    return false;
}

int dp_port_start(struct dp_port *p, struct rte_mempool *pool, char *err, size_t err_len)
{
    int socket = rte_eth_dev_socket_id(p->id);
    int rc = 0;
    for (uint16_t q = 0; q < p->nrxq && rc == 0; q++)
        rc = rte_eth_rx_queue_setup(p->id, q, p->rx_desc, (unsigned)socket, NULL, pool);
    for (uint16_t q = 0; q < p->ntxq && rc == 0; q++)
        rc = rte_eth_tx_queue_setup(p->id, q, p->tx_desc, (unsigned)socket, NULL);
    if (rc == 0 && p->want.mtu != 0) {
        rc = rte_eth_dev_set_mtu(p->id, (uint16_t)p->want.mtu);
        if (rc != 0) {
            snprintf(err, err_len, "port %s: cannot set device_mtu %u (profile %s): %s", p->name,
                     p->want.mtu, p->profile, rte_strerror(-rc));
            return -1;
        }
    }
    if (rc == 0)
        rc = rte_eth_macaddr_get(p->id, &p->mac);
    if (rc == 0)
        rc = rte_eth_dev_start(p->id);
    /*
     * As the profile says, both ways (some PMDs start promiscuous). Off is
     * only a wish: a device that cannot filter (-ENOTSUP) stays as it is and
     * is reported so; ARP hands out our MAC, so frames for others are dropped
     * by the classifier's address checks anyway.
     */
    if (rc == 0 && p->want.promiscuous)
        rc = rte_eth_promiscuous_enable(p->id);
    else if (rc == 0 && rte_eth_promiscuous_get(p->id) == 1 &&
             rte_eth_promiscuous_disable(p->id) == -ENOTSUP)
        rc = 0;
    if (rc != 0) {
        snprintf(err, err_len, "port %s (profile %s): %s", p->name, p->profile, rte_strerror(-rc));
        return -1;
    }
    p->promiscuous = rte_eth_promiscuous_get(p->id) == 1;
    if (p->has_ip6)
        p->ipv6_multicast = p->promiscuous || join_nd_multicast(p);
    if (rte_eth_dev_get_mtu(p->id, &p->mtu) != 0)
        p->mtu = 0;
    wait_for_link(p, p->want.link_wait_ms);
    return 0;
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

bool dp_port_rx_spread_warns(const struct dp_port *p)
{
    return p->nrxq > 1 && p->rss_hf == 0;
}

const char *dp_port_rx_spread(const struct dp_port *p)
{
    if (p->nrxq <= 1)
        return "one queue";
    return p->rss_hf != 0 ? "rss" : "no rss";
}
