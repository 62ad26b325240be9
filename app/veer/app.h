/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's state, made by main.c's setup() and shared with what the
 * control lcore runs on it (reload.c, start_peers.c).
 */
#ifndef VEER_APP_APP_H
#define VEER_APP_APP_H

#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "args.h"
#include "conf.h"
#include "dp_ctrl.h"
#include "dp_gate.h"
#include "dp_load.h"
#include "dp_port.h"
#include "dp_qcd.h"
#include "dp_route_table.h"
#include "dp_worker.h"
#include "local_addrs.h"
#include "mgmt_radius_sock.h"
#include "mgmt_telemetry.h"

struct app {
    struct veer_args args;
    /*
     * The configuration in force: heap, since a reload replaces it whole
     * (lib/ike's SAs, the telemetry's redirect table point into it).
     */
    struct veer_conf *conf;
    struct rte_mempool *pool;
    struct rte_mempool *reass_pool; /* whole datagrams too long for their first fragment's mbuf */
    struct rte_ring *ring;
    struct rte_ring **handoff; /* one per worker when there are several (dp_handoff.h) */
    struct dp_port ports[CONF_MAX_PORTS];
    unsigned nports;
    struct dp_worker *workers;
    unsigned nworkers;
    struct dp_neigh_table neigh;
    struct dp_ctrl ctrl;
    struct mgmt_tel *tel;
    struct dp_gate_shared gate;
    struct dp_load load;
    struct dp_sadb sadb;
    struct dp_route_table routes;    /* changed at run time through telemetry */
    struct dp_qcd qcd;               /* our IKE SPIs: the workers answer QCD for the others */
    struct veer_local_addrs local;   /* the gateway's addresses, as last handed on */
    struct mgmt_radius_socks radius; /* eap-radius and accounting, through the kernel */
    uint64_t keys_rotated_ns;
    uint64_t next_tick;         /* the control lcore's next 100 ms tick, in timer cycles */
    volatile bool workers_stop; /* set once the control lcore has said goodbye */
};

/*
 * Starts the IKE SA of every peer with start_action start that `before`
 * does not have (NULL: every such peer, at start), from the address of the
 * port whose subnet holds the peer, else the first of its family.
 */
void veer_start_peers(struct app *a, const struct veer_conf *before);

/*
 * Control lcore, between polls (SIGHUP, /veer/reload): reads a->args.config
 * again and applies it (reload.c). 0: applied; -1: refused, the running
 * configuration untouched. msg gets the one-line outcome either way
 * ("FILE:LINE: key: why" for a mistake in the file).
 */
int veer_reload(struct app *a, char *msg, size_t len);

#endif
