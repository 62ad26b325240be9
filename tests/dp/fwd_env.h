/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding tests' fixture: the EAL, a pool, two net_ring ports (outside
 * and inside), their neighbour and route tables and a worker over them, as
 * test_forward.c, test_ipv6_net.c, test_ipfrag.c, test_ipfrag6.c and
 * test_postfrag.c each built it. Each test still learns its own neighbours,
 * adds its own routes and opens its own SAs: those are what it checks.
 */
#ifndef VEER_TEST_FWD_ENV_H
#define VEER_TEST_FWD_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "conf.h"
#include "dp_esp.h"
#include "dp_gate.h"
#include "dp_neigh.h"
#include "dp_port.h"
#include "dp_reass.h"
#include "dp_route.h"
#include "dp_worker.h"

#define FWD_OUTSIDE 0
#define FWD_INSIDE 1

/* What differs between the tests that share the fixture. */
struct fwd_env_cfg {
    const char *name;   /* the test's: EAL prefix, pool, ring and table names */
    const char *lcores; /* "0", or "0-1" for the tests that launch the worker */
    const char *mem_mb;
    unsigned nmbufs;
    unsigned big_mbufs;     /* 0: no pool of large mbufs */
    uint16_t big_data_room; /* bytes of data in each large mbuf */
    unsigned reass_entries; /* 0: no reassembly table (it needs the large pool) */
    bool one_ring;          /* each port on one ring both ways (rx[i] == tx[i]) */
    bool to_ctrl;           /* a ring from the worker to the control lcore */
    bool esp;               /* the worker's ESP engine opened here, not by the test */
    uint32_t ip4[2];        /* network order; 0: an IPv6-only port */
    uint8_t net6[2];        /* 2001:db8:<net6>::1/64; 0: no IPv6 */
    uint16_t mtu[2];
};

struct fwd_env {
    struct fwd_env_cfg cfg;
    struct rte_mempool *pool, *big;
    struct rte_ring *rx[2], *tx[2], *to_ctrl;
    struct dp_port ports[2];
    struct dp_neigh_table neigh;
    struct dp_routes routes;
    struct dp_gate_shared gate;
    struct dp_worker w;
    volatile bool stop;
    /* The loop SA of fwd_env_static_sa, freed by fwd_env_close. */
    struct veer_conf conf;
    struct dp_sadb sadb;
    bool sadb_open;
};

/*
 * Starts the EAL and builds f as cfg says; the worker's ICMP bucket is full,
 * its admission gate off, its SADB unset. Returns 0, or -1 (said on stderr).
 */
int fwd_env_open(struct fwd_env *f, const struct fwd_env_cfg *cfg);

/* Frees what fwd_env_open made and stops the EAL. */
void fwd_env_close(struct fwd_env *f);

/* Before each test: fresh counters, a full ICMP bucket, every ring empty. */
void fwd_env_reset(struct fwd_env *f);

/* Every mbuf back in its pool: nothing leaked, nothing held. */
void fwd_env_pools_full(const struct fwd_env *f);

/*
 * Loads `yaml` into f->conf and installs its first static SA into f->sadb, a
 * new SADB of one SA, the worker's from then on. Returns 0, or -1 (said on
 * stderr).
 */
int fwd_env_static_sa(struct fwd_env *f, const char *yaml);

/*
 * The usual tunnel gateway: lcore 0, 256 MB, 512 mbufs, outside
 * 198.51.100.1/24 and inside 10.2.0.1/24 (the worker's own addresses), both
 * links 1500, the worker's ESP engine open. The reassembly tests' adds a
 * second lcore for the worker, 1024 mbufs, 8 large ones of 12288 bytes for a
 * table of 16 datagrams, and the ring to the control lcore.
 */
struct fwd_env_cfg fwd_env_cfg_std(const char *name);
struct fwd_env_cfg fwd_env_cfg_reass(const char *name);

/*
 * cmocka's shape of fwd_env_close and fwd_env_reset, for the tests whose
 * group setup leaves their struct fwd_env in *state.
 */
int fwd_env_group_teardown(void **state);
int fwd_env_test_reset(void **state);

/*
 * A reassembly table of the reassembly tests' own (not the worker's), on a
 * made-up clock of `hz` cycles a second, datagrams timing out after 100 ms,
 * and the counters it keeps.
 */
struct fwd_reass {
    struct dp_reass r;
    struct dp_worker_counters c;
};

/* Opens t for `flows` datagrams at once copied into `big` when too long; the test fails otherwise.
 */
void fwd_reass_open(struct fwd_reass *t, unsigned flows, struct rte_mempool *big, uint64_t hz);

/*
 * Feeds fragments f[order[0..n-1]] at time `now` and flushes the table;
 * returns the one whole datagram (the test fails on a second) or NULL.
 */
struct rte_mbuf *fwd_reass_feed(struct fwd_reass *t, struct rte_mbuf **f, const unsigned *order,
                                unsigned n, uint64_t now);

#endif
