/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's DPDK ports: one RX queue per worker (RSS spreads flows when
 * there are several), one TX queue per worker plus one for the control lcore,
 * so no TX queue is ever shared between lcores. A device with too few TX
 * queues for that (af_packet has one per queue pair) gets a ring instead: the
 * control lcore enqueues, worker 0 sends them on its own queue.
 *
 * What is asked of the device comes from a port profile (drivers-cfg/,
 * lib/conf/conf_profile.h): named on the port or chosen by driver name;
 * RSS fields and offloads are masked with what the device offers, and what
 * was granted is kept here for the TX path and telemetry.
 */
#ifndef VEER_DP_PORT_H
#define VEER_DP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "conf.h"

struct dp_port {
    uint16_t id;
    char name[32];
    struct rte_ether_addr mac;
    uint32_t ip;   /* network order; 0 on an IPv6-only port */
    uint32_t mask; /* network order; all ones on an IPv6-only port (nothing is on link) */
    /*
     * The port's first IPv4 and IPv6 address as configured. Every address,
     * those added at run time too, is in the route table (dp_addrs.h): only
     * set-up and tests without a table look here.
     */
    bool has_ip6; /* an IPv6 address configured: ip6/prefix6_len valid */
    uint8_t ip6[16];
    uint8_t prefix6_len;
    /* The last 3 bytes of each configured IPv6 address: its solicited-node group. */
    unsigned nnd_groups;
    uint8_t nd_group[CONF_MAX_PORT_ADDRS][3];
    uint16_t nrxq, ntxq;
    uint16_t ctrl_txq;        /* the control lcore's TX queue, or DP_NO_QUEUE */
    struct rte_ring *ctrl_tx; /* when DP_NO_QUEUE: control -> worker 0 */
    /* From the profile, as the device granted it. */
    char profile[CONF_PROFILE_NAME_MAX]; /* the profile used (auto resolved) */
    char driver[32];
    struct conf_port_profile want; /* the profile with the port's overrides */
    uint16_t rx_desc, tx_desc;     /* per queue, as the device rounded them */
    uint64_t rss_hf;               /* RTE_ETH_RSS_*, 0: no RSS */
    uint32_t rss_fields;           /* enum conf_rss_field granted */
    uint32_t rx_offloads_granted;  /* enum conf_offload */
    uint32_t tx_offloads_granted;  /* enum conf_offload */
    uint16_t mtu; /* the device's (rte_eth_dev_get_mtu), not dataplane.ports[].mtu */
    bool promiscuous;
    /* Solicited-node and all-nodes multicast reach us: filter, all-multicast or promiscuous. */
    bool ipv6_multicast;
    bool tx_cksum_udp4; /* IPv4 and UDP checksums granted: IKE packets leave them to the device */
    /* af_packet: the kernel interface and its rx_packets when the port started (kernel_rx.c). */
    char kernel_iface[32];
    uint64_t kernel_rx_base;
};

#define DP_NO_QUEUE UINT16_MAX

/*
 * Probes the device (a vdev string is hot-plugged; a PCI address must have
 * been probed by EAL), loads its profile from drivers_cfg (auto: by driver
 * name) and configures it: queues, RSS, offloads, descriptor counts. Nothing
 * is allocated from a mempool yet, so the pool can be sized from every port's
 * dp_port_mbufs_held() first. Returns 0 or -1 with err set.
 */
int dp_port_prepare(const struct conf_port *cfg, const char *drivers_cfg, unsigned nworkers,
                    struct dp_port *out, char *err, size_t err_len);
/*
 * How a prepared port spreads what it receives over the workers' RX queues:
 * "one queue", "rss", or "no rss" (several queues and no RSS: which worker
 * gets a flow is the device's choice, e.g. af_packet's kernel fanout, and
 * may not spread SAs; dp_port_rx_spread_warns says so).
 */
const char *dp_port_rx_spread(const struct dp_port *p);
bool dp_port_rx_spread_warns(const struct dp_port *p);
/* The mbufs a prepared port can hold at once: its RX and TX rings and the control ring. */
unsigned dp_port_mbufs_held(const struct dp_port *p);
/* Sets up the queues on pool, MTU, starts, promiscuous mode, waits for the link. */
int dp_port_start(struct dp_port *p, struct rte_mempool *pool, char *err, size_t err_len);
/* The profile `auto` picks for a driver name (rte_eth_dev_info.driver_name). */
const char *dp_port_profile_for_driver(const char *driver);
void dp_port_close(struct dp_port *p);

/*
 * af_packet ports (kernel_rx.c): notes the interface of `device` and its
 * kernel receive count, right before the port starts. Then the frames the
 * kernel received since, and how many of them the PMD never delivered
 * (`ipackets`: the PMD's count): false for other devices.
 */
void dp_port_kernel_rx_start(struct dp_port *p, const char *device);
bool dp_port_kernel_rx(const struct dp_port *p, uint64_t ipackets, uint64_t *kernel_rx,
                       uint64_t *unread);

#endif
