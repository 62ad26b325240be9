/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports opened from profiles (lib/dp/port/port.c) on real PMDs without a NIC
 * (EAL --no-huge --no-pci): net_memif (a server with no peer) and
 * net_af_packet on lo (root only) get their shipped profiles by `auto`;
 * net_null stands in for a NIC family: it is opened with profile ixgbe, so
 * the masking of RSS fields and offloads by what a device offers is seen on
 * a device that offers some. What the port reports is checked against what
 * ethdev itself says it configured (rte_eth_dev_conf_get).
 */
#define ALLOW_EXPERIMENTAL_API /* rte_eth_dev_conf_get: what ethdev holds */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dp_mbuf_budget.h"
#include "dp_port.h"
#include "test_eal.h"

static struct rte_mempool *pool;
static char drivers_cfg[CONF_PROFILE_DIR_MAX];
static char memif_socket[64];

static int group_setup(void **state)
{
    (void)state;
    if (test_eal_init("test_port", "0", "256") < 0)
        return -1;
    pool = rte_pktmbuf_pool_create("test", 8192, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    conf_profile_default_dir(drivers_cfg, sizeof(drivers_cfg));
    snprintf(memif_socket, sizeof(memif_socket), "/tmp/veer-test-port-%d.sock", (int)getpid());
    return pool == NULL ? -1 : 0;
}

static struct conf_port port_cfg(const char *name, const char *device, const char *profile)
{
    struct conf_port c;
    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "%s", name);
    snprintf(c.device, sizeof(c.device), "%s", device);
    snprintf(c.profile, sizeof(c.profile), "%s", profile);
    c.addr.family = 4;
    memcpy(c.addr.ip, "\xc6\x33\x64\x01", 4);
    c.prefix_len = 24;
    return c;
}

/* What the port says it asked for is what ethdev holds. */
static void expect_configured(const struct dp_port *p)
{
    struct rte_eth_conf conf;
    assert_int_equal(rte_eth_dev_conf_get(p->id, &conf), 0);
    assert_int_equal(conf.rxmode.mq_mode, p->rss_hf != 0 ? RTE_ETH_MQ_RX_RSS : RTE_ETH_MQ_RX_NONE);
    assert_true(conf.rx_adv_conf.rss_conf.rss_hf == p->rss_hf);
    assert_int_equal(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE ? 1 : 0,
                     p->tx_offloads_granted & CONF_OFFLOAD_FAST_FREE ? 1 : 0);
}

static void test_auto_names(void **state)
{
    (void)state;
    assert_string_equal(dp_port_profile_for_driver("net_af_packet"), "af_packet");
    assert_string_equal(dp_port_profile_for_driver("net_ixgbe"), "ixgbe");
    assert_string_equal(dp_port_profile_for_driver("net_i40e"), "i40e");
    assert_string_equal(dp_port_profile_for_driver("net_ice"), "ice");
    assert_string_equal(dp_port_profile_for_driver("mlx5_pci"), "mlx5");
    assert_string_equal(dp_port_profile_for_driver("net_tap"), "tap");
    assert_string_equal(dp_port_profile_for_driver("net_memif"), "memif");
    assert_string_equal(dp_port_profile_for_driver("net_ring"), "default");
    assert_string_equal(dp_port_profile_for_driver(NULL), "default");
}

/* memif by auto, two workers: its profile's rings, no RSS, no offloads, a TX queue per lcore. */
static void test_memif_profile(void **state)
{
    (void)state;
    char device[128];
    snprintf(device, sizeof(device), "net_memif0,role=server,socket=%s", memif_socket);
    struct conf_port cfg = port_cfg("m", device, "auto");
    cfg.overrides.given = CONF_PK_TX_DESC; /* a port key over the profile */
    cfg.overrides.values.tx_desc = 256;
    static struct dp_port p;
    char err[512] = "";
    if (dp_port_prepare(&cfg, drivers_cfg, 2, &p, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(p.profile, "memif");
    assert_string_equal(p.driver, "net_memif");
    assert_int_equal(p.nrxq, 2);
    assert_int_equal(p.ntxq, 3);
    assert_int_equal(p.ctrl_txq, 2);
    assert_int_equal(p.rx_desc, 1024); /* memif.yaml */
    assert_int_equal(p.tx_desc, 256);  /* the port's override */
    assert_true(p.rss_hf == 0);        /* memif.yaml: rss false */
    assert_int_equal(p.rx_offloads_granted, 0);
    assert_int_equal(p.tx_offloads_granted, 0);
    assert_false(p.tx_cksum_udp4);
    expect_configured(&p);
    assert_int_equal(dp_port_mbufs_held(&p), 2 * 1024 + 3 * 256);
    if (dp_port_start(&p, pool, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    /* memif.yaml asks for off; memif may not be able to filter: the report is the device's. */
    assert_int_equal(p.promiscuous, rte_eth_promiscuous_get(p.id) == 1);
    dp_port_close(&p);
    unlink(memif_socket);
}

/* af_packet on lo by auto, one worker: one queue pair, so the control lcore gets a ring. */
static void test_af_packet_profile(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip(); /* an AF_PACKET socket needs CAP_NET_RAW */
    struct conf_port cfg = port_cfg("a", "net_af_packet0,iface=lo", "auto");
    static struct dp_port p;
    char err[512] = "";
    if (dp_port_prepare(&cfg, drivers_cfg, 1, &p, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(p.profile, "af_packet");
    assert_int_equal(p.rx_desc, 512);
    assert_int_equal(p.tx_desc, 512);
    assert_int_equal(p.ntxq, 1);
    assert_int_equal(p.ctrl_txq, DP_NO_QUEUE);
    assert_non_null(p.ctrl_tx);
    assert_true(p.rss_hf == 0);
    assert_int_equal(p.tx_offloads_granted, 0);
    assert_false(p.tx_cksum_udp4);
    expect_configured(&p);
    assert_int_equal(dp_port_mbufs_held(&p), 512 + 512 + 1024);
    if (dp_port_start(&p, pool, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    dp_port_close(&p);
}

/* net_null with the ixgbe profile: what it gets is exactly what it offers of what ixgbe.yaml asks.
 */
static void test_masked_by_device(void **state)
{
    (void)state;
    struct conf_port cfg = port_cfg("n", "net_null0", "ixgbe");
    static struct dp_port p;
    char err[512] = "";
    if (dp_port_prepare(&cfg, drivers_cfg, 2, &p, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(p.profile, "ixgbe");
    struct rte_eth_dev_info info;
    assert_int_equal(rte_eth_dev_info_get(p.id, &info), 0);
    uint64_t want_rss = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_OTHER |
                        RTE_ETH_RSS_UDP; /* ixgbe.yaml: [ipv4, udp] */
    assert_true(p.rss_hf == (want_rss & info.flow_type_rss_offloads));
    assert_false(p.rss_fields & CONF_RSS_ESP);
    bool cksum = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) &&
                 (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
    assert_int_equal(p.tx_cksum_udp4, cksum);
    assert_int_equal(p.tx_offloads_granted & CONF_OFFLOAD_FAST_FREE ? 1 : 0,
                     info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE ? 1 : 0);
    expect_configured(&p);
    print_message("net_null with ixgbe.yaml: rss_hf %#llx, tx offloads %#x, rx offloads %#x\n",
                  (unsigned long long)p.rss_hf, p.tx_offloads_granted, p.rx_offloads_granted);

    /* A pool too small for these rings is refused, naming the key and the least that fits. */
    struct dp_mbuf_budget b;
    dp_mbuf_budget(&p, 1, 3, 256, 4096, 0, &b);
    assert_int_equal(b.port_rings, dp_port_mbufs_held(&p));
    assert_int_equal(b.total, b.port_rings + 3 * 384 + 3 * 64);
    /* Packets the workers may hold for unresolved neighbours count too. */
    struct dp_mbuf_budget with_held;
    dp_mbuf_budget(&p, 1, 3, 256, 4096, 128, &with_held);
    assert_int_equal(with_held.total, b.total + 128);
    assert_int_equal(with_held.with_ring, b.with_ring + 128);
    assert_int_equal(b.with_ring, b.total + 4096);
    assert_int_equal(dp_mbuf_budget_check(&b, &p, 1, b.with_ring, err, sizeof(err)), 0);
    assert_int_equal(dp_mbuf_budget_check(&b, &p, 1, b.total, err, sizeof(err)), 1);
    if (strstr(err, "not also a full worker->control ring (4096 more)") == NULL)
        fail_msg("%s", err);
    assert_int_equal(dp_mbuf_budget_check(&b, &p, 1, b.total - 1, err, sizeof(err)), -1);
    char want[96];
    snprintf(want, sizeof(want), "set dataplane.mbufs to at least %u", b.total);
    if (strstr(err, want) == NULL || strstr(err, "dataplane.mbufs: ") != err)
        fail_msg("%s", err);
    dp_port_close(&p);
}

/* A profile the directory does not have, and an MTU the device cannot take. */
static void test_errors(void **state)
{
    (void)state;
    struct conf_port cfg = port_cfg("n", "net_null1", "nosuch");
    static struct dp_port p;
    char err[512] = "";
    assert_int_equal(dp_port_prepare(&cfg, drivers_cfg, 1, &p, err, sizeof(err)), -1);
    if (strstr(err, "port n (driver net_null): profile ") == NULL ||
        strstr(err, "nosuch.yaml: No such file") == NULL)
        fail_msg("%s", err);
    /* An MTU asked for is set, or refused with the device's range, never ignored. */
    cfg = port_cfg("n", "net_null1", "auto");
    cfg.overrides.given = CONF_PK_MTU;
    cfg.overrides.values.mtu = 1400;
    if (dp_port_prepare(&cfg, drivers_cfg, 1, &p, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    if (dp_port_start(&p, pool, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    uint16_t mtu = 0;
    assert_int_equal(rte_eth_dev_get_mtu(p.id, &mtu), 0);
    assert_int_equal(mtu, 1400);
    assert_int_equal(p.mtu, 1400);
    dp_port_close(&p);
    struct rte_eth_dev_info info;
    cfg = port_cfg("n", "net_null2", "auto");
    cfg.overrides.given = CONF_PK_MTU;
    cfg.overrides.values.mtu = 16000;
    static struct dp_port q;
    int rc = dp_port_prepare(&cfg, drivers_cfg, 1, &q, err, sizeof(err));
    assert_int_equal(rte_eth_dev_info_get(q.id, &info), 0);
    if (info.max_mtu >= 16000)
        skip(); /* this PMD takes any MTU: nothing to refuse */
    assert_int_equal(rc, -1);
    if (strstr(err, "port n: device_mtu 16000 (profile default): the device takes") == NULL)
        fail_msg("%s", err);
    rte_eth_dev_close(q.id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_names),
        cmocka_unit_test(test_memif_profile),
        cmocka_unit_test(test_af_packet_profile),
        cmocka_unit_test(test_masked_by_device),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("port", tests, group_setup, test_eal_teardown);
}
