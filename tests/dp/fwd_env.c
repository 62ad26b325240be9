/* SPDX-License-Identifier: BSD-3-Clause */
#include "fwd_env.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dp_icmp.h"
#include "dp_reass.h"
#include "ring_port.h"
#include "test_eal.h"
#include "test_pkt.h"

#define ETH 14

static int make_port(struct fwd_env *f, unsigned i, const char *name)
{
    if (test_dp_port(&f->ports[i], i, name, f->cfg.ip4[i], f->pool,
                     f->cfg.one_ring ? NULL : &f->rx[i], &f->tx[i]) < 0)
        return -1;
    if (f->cfg.one_ring)
        f->rx[i] = f->tx[i];
    if (f->cfg.net6[i] != 0) {
        uint8_t ip6[16];
        test_a6(ip6, f->cfg.net6[i], 1);
        test_dp_port_ip6(&f->ports[i], ip6);
    }
    return 0;
}

static int open_failed(const char *what, const char *err)
{
    fprintf(stderr, "fwd_env: %s: %s\n", what, err);
    return -1;
}

int fwd_env_open(struct fwd_env *f, const struct fwd_env_cfg *cfg)
{
    *f = (struct fwd_env){.cfg = *cfg};
    if (test_eal_init(cfg->name, cfg->lcores, cfg->mem_mb) < 0)
        return open_failed("EAL", cfg->name);
    char name[RTE_MEMPOOL_NAMESIZE];
    f->pool = rte_pktmbuf_pool_create(cfg->name, cfg->nmbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (f->pool == NULL)
        return open_failed("pool", cfg->name);
    if (cfg->big_mbufs > 0) {
        snprintf(name, sizeof(name), "%s_big", cfg->name);
        f->big = rte_pktmbuf_pool_create(name, cfg->big_mbufs, 0, 0,
                                         RTE_PKTMBUF_HEADROOM + ETH + cfg->big_data_room, 0);
        if (f->big == NULL)
            return open_failed("pool", name);
    }
    if (cfg->to_ctrl) {
        snprintf(name, sizeof(name), "%s_ctrl", cfg->name);
        f->to_ctrl = rte_ring_create(name, 64, 0, RING_F_SC_DEQ);
        if (f->to_ctrl == NULL)
            return open_failed("ring", name);
    }
    if (make_port(f, FWD_OUTSIDE, "outside") < 0 || make_port(f, FWD_INSIDE, "inside") < 0)
        return open_failed("ports", cfg->name);
    char err[256];
    snprintf(name, sizeof(name), "%s_routes", cfg->name);
    if (dp_routes_init(&f->routes, name, f->ports, 2, cfg->mtu, err, sizeof(err)) < 0)
        return open_failed("routes", err);
    f->gate.mode = CONF_GATE_OFF;
    f->w = (struct dp_worker){.index = 0,
                              .ports = f->ports,
                              .nports = 2,
                              .to_ctrl = f->to_ctrl,
                              .stop = &f->stop,
                              .gate = {.shared = &f->gate, .nworkers = 1},
                              .neigh = &f->neigh,
                              .routes = &f->routes};
    dp_icmp_limiter_init(&f->w.icmp, 1000, rte_get_timer_hz(), rte_get_timer_cycles());
    dp_icmp_limiter_init(&f->w.echo, 1000, rte_get_timer_hz(), rte_get_timer_cycles());
    if (cfg->reass_entries > 0 && dp_reass_init(&f->w.reass, cfg->reass_entries, 1000,
                                                rte_get_tsc_hz(), f->big, 0, err, sizeof(err)) < 0)
        return open_failed("reassembly", err);
    if (cfg->esp && dp_esp_engine_init(&f->w.esp) < 0)
        return open_failed("ESP engine", cfg->name);
    return 0;
}

void fwd_env_close(struct fwd_env *f)
{
    if (f->sadb_open)
        dp_sadb_free(&f->sadb);
    if (f->cfg.reass_entries > 0)
        dp_reass_free(&f->w.reass);
    if (f->cfg.esp)
        dp_esp_engine_free(&f->w.esp);
    dp_routes_free(&f->routes);
    test_eal_cleanup();
}

void fwd_env_reset(struct fwd_env *f)
{
    memset(&f->w.counters, 0, sizeof(f->w.counters));
    dp_icmp_limiter_init(&f->w.icmp, 1000, rte_get_timer_hz(), rte_get_timer_cycles());
    for (unsigned i = 0; i < 2; i++) {
        test_drain(f->rx[i]);
        test_drain(f->tx[i]);
    }
    if (f->to_ctrl != NULL)
        test_drain(f->to_ctrl);
}

void fwd_env_pools_full(const struct fwd_env *f)
{
    assert_int_equal(rte_mempool_avail_count(f->pool), f->cfg.nmbufs);
    if (f->big != NULL)
        assert_int_equal(rte_mempool_avail_count(f->big), f->cfg.big_mbufs);
}

int fwd_env_static_sa(struct fwd_env *f, const char *yaml)
{
    char err[256];
    if (conf_load_string(yaml, "sa.yaml", &f->conf, err, sizeof(err)) < 0 ||
        dp_sadb_init(&f->sadb, 1, err, sizeof(err)) < 0)
        return open_failed("static SA", err);
    f->sadb_open = true;
    if (dp_sadb_install_manual(&f->sadb, &f->conf.dp.static_sas[0].sa, false, err, sizeof(err)) < 0)
        return open_failed("static SA", err);
    f->w.sadb = &f->sadb;
    return 0;
}

struct fwd_env_cfg fwd_env_cfg_std(const char *name)
{
    return (struct fwd_env_cfg){.name = name,
                                .lcores = "0",
                                .mem_mb = "256",
                                .nmbufs = 512,
                                .esp = true,
                                .ip4 = {test_ip4(198, 51, 100, 1), test_ip4(10, 2, 0, 1)},
                                .mtu = {1500, 1500}};
}

struct fwd_env_cfg fwd_env_cfg_reass(const char *name)
{
    struct fwd_env_cfg cfg = fwd_env_cfg_std(name);
    cfg.lcores = "0-1";
    cfg.nmbufs = 1024;
    cfg.big_mbufs = 8;
    cfg.big_data_room = 12288;
    cfg.reass_entries = 16;
    cfg.to_ctrl = true;
    return cfg;
}

int fwd_env_group_teardown(void **state)
{
    fwd_env_close(*state);
    return 0;
}

int fwd_env_test_reset(void **state)
{
    fwd_env_reset(*state);
    return 0;
}

void fwd_reass_open(struct fwd_reass *t, unsigned flows, struct rte_mempool *big, uint64_t hz)
{
    memset(t, 0, sizeof(*t));
    char err[128];
    assert_int_equal(dp_reass_init(&t->r, flows, 100, hz, big, 0, err, sizeof(err)), 0);
}

struct rte_mbuf *fwd_reass_feed(struct fwd_reass *t, struct rte_mbuf **f, const unsigned *order,
                                unsigned n, uint64_t now)
{
    struct rte_mbuf *whole = NULL;
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *got = dp_reass_input(&t->r, f[order[i]], now, &t->c);
        if (got != NULL) {
            assert_null(whole);
            whole = got;
        }
    }
    dp_reass_flush(&t->r);
    return whole;
}
