/* SPDX-License-Identifier: BSD-3-Clause */
/* A worker lcore: polls its RX queue on every port, classifies, and hands packets on. */
#ifndef VEER_DP_WORKER_H
#define VEER_DP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ring.h>

#include "dp_classify.h"
#include "dp_pkt.h"
#include "dp_counters.h"
#include "dp_esp.h"
#include "dp_gate.h"
#include "dp_handoff.h"
#include "dp_icmp.h"
#include "dp_neigh.h"
#include "dp_neigh_hold.h"
#include "dp_port.h"
#include "dp_post_frag.h"
#include "dp_qcd.h"
#include "dp_reass.h"
#include "dp_route.h"
#include "dp_route_table.h"
#include "dp_tx.h"

struct dp_worker {
    unsigned index; /* its RX and TX queue on every port */
    const struct dp_port *ports;
    unsigned nports;
    struct rte_ring *to_ctrl; /* IKE and ARP; a full ring is a counted drop */
    unsigned idle_sleep_us;   /* 0: busy-poll */
    const volatile bool *stop;
    struct dp_gate_worker gate;
    struct dp_qcd_worker qcd;           /* answers for IKE SAs lost in a restart (RFC 6290) */
    struct dp_sadb *sadb;               /* Child SAs, read without locks */
    struct dp_esp_engine esp;           /* this worker's own intel-ipsec-mb managers */
    const struct dp_neigh_table *neigh; /* next hops' MACs */
    struct dp_neigh_hold hold;          /* packets for next hops being asked for; its own */
    /* Connected subnets, static routes, MTUs, and the gateway's addresses; never NULL. */
    const struct dp_routes *routes;
    /* When set, routes is re-read from it after each quiescent state (routes changed at run time).
     */
    const struct dp_route_table *route_table;
    struct dp_icmp_limiter icmp; /* this worker's ICMP error budget */
    struct dp_icmp_limiter echo; /* ... and its echo reply budget, apart (dp_echo.h) */
    struct dp_reass reass;       /* fragments for us; its tbl NULL: reassembly off */
    struct dp_frag_ids frag_ids; /* of the outer fragments it sends (dp_post_frag.h) */
    struct dp_tx tx;             /* packets on their way out, flushed after each burst */
    struct dp_worker_counters counters;
    /* Packets of SAs other workers own, to them and from them; last: one worker never uses it. */
    struct dp_handoff handoff;
};

/* The lcore entry point (rte_eal_remote_launch); arg is a struct dp_worker. */
int dp_worker_main(void *arg);

#endif
