/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the telemetry command files (telemetry.c, tel_redirect.c):
 * the one instance, requests to the control lcore, and reply helpers.
 * Private to lib/mgmt.
 */
#ifndef VEER_MGMT_TEL_PRIV_H
#define VEER_MGMT_TEL_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ring.h>
#include <rte_telemetry.h>

#include "ike_redirect_policy.h"
#include "mgmt_telemetry.h"

#define MAX_SAS 256 /* the snapshot holds 4 pages of this many */
/*
 * Per /veer/ike/sas page: DPDK 22.11 sends at most 16 KiB per reply and drops
 * what does not fit; an SA with one Child SA takes about 300 bytes of JSON.
 */
#define SAS_PER_PAGE 44

struct sa_view {
    uint64_t spi_i, spi_r;
    enum ike_sa_state state;
    bool initiator, natt;
    bool qcd_token_kept, qcd_token_sent; /* ike_sa_info's */
    char peer[IKE_PEER_NAME_MAX];
    char remote[64];
    char local[64]; /* where IKE and ESP leave from now: MOBIKE and r-MOBIKE move it */
    bool mobike, rmobike;
    char children[IKE_INFO_MAX_CHILDREN * 18];
    /* Summed over its Child SAs, as the dataplane reported them (ike_child_traffic). */
    uint64_t packets_in, bytes_in, packets_out, bytes_out;
    uint64_t last_in_ns; /* the latest ESP from the peer on any of them; 0: none yet */
    /* Per Child SA, in the order of `children`: "packets_in/bytes_in/packets_out/bytes_out". */
    char traffic[IKE_INFO_MAX_CHILDREN * 84];
};

enum request_state { REQ_PENDING, REQ_DONE, REQ_ABANDONED };

enum request_kind {
    REQ_DELETE,
    REQ_REDIRECT,
    REQ_DRAIN,
    REQ_DRAIN_PEER,   /* the clients of one peer configuration */
    REQ_DRAIN_ID,     /* the clients that authenticated with one identity */
    REQ_RP_TARGETS,   /* the redirect policy's new target set (tel_redirect.c) */
    REQ_RP_LOAD,      /* a target's load */
    REQ_RP_POLICY,    /* another policy */
    REQ_SWITCH,       /* r-MOBIKE: one IKE SA's client asked to move our end (tel_mobike.c) */
    REQ_SWITCH_PEER,  /* ... the clients of one peer configuration */
    REQ_SWITCH_ID,    /* ... the clients of one identity */
    REQ_SWITCH_LOCAL, /* ... every client on one of our addresses */
    REQ_POOL_LEASES,  /* one page of a pool's leases (tel_pools.c) */
    REQ_POOL_RELEASE, /* the operator releases a held lease */
    REQ_RELOAD,       /* the configuration file read again (tel_reload.c) */
};

/* /veer/pools/leases: leases per page (each about 150 bytes of JSON). */
#define POOL_LEASES_PER_PAGE 32

struct request {
    enum request_kind kind;
    uint64_t spi_i, spi_r;
    struct ike_gw_id gw;          /* REQ_DRAIN*: type 0 for "as the policy says" */
    char peer[IKE_PEER_NAME_MAX]; /* REQ_DRAIN_PEER */
    struct ike_id id;             /* REQ_DRAIN_ID */
    /* Redirect policy changes. */
    unsigned ntargets;
    struct ike_gw_id targets[RP_MAX_TARGETS];
    uint32_t weights[RP_MAX_TARGETS];
    uint32_t load;
    enum rp_policy policy;
    /* r-MOBIKE switches: where to, from where (REQ_SWITCH_LOCAL), and what came of it. */
    struct ike_addr to, from;
    unsigned asked, not_capable;
    /* Pools (REQ_POOL_*): which, which page or address, and the page's leases. */
    char pool[IKE_POOL_NAME_MAX];
    unsigned page, nleases;
    uint64_t now_ns; /* the control lcore's clock when the page was taken */
    struct ike_pool_lease leases[POOL_LEASES_PER_PAGE];
    char msg[MGMT_RELOAD_MSG_MAX]; /* REQ_RELOAD: what came of it */
    int result;
    int state; /* enum request_state, atomically */
};

/* A pool as the snapshot keeps it (/veer/pools). */
struct pool_view {
    char name[IKE_POOL_NAME_MAX];
    char first[IKE_ADDR_STRLEN], last[IKE_ADDR_STRLEN];
    struct ike_pool_stats st;
};

struct mgmt_tel {
    const struct dp_port *ports;
    unsigned nports;
    const struct dp_worker *workers;
    unsigned nworkers;
    const struct dp_ctrl *ctrl;
    struct dp_gate_shared *gate;
    struct rp_table *redirect;     /* the control lcore's master copy of the redirect table */
    struct dp_route_table *routes; /* NULL: no route commands */
    uint64_t started_ns;
    struct rte_ring *requests;
    pthread_mutex_t lock; /* guards the snapshot below */
    uint64_t taken_ns;
    struct ike_counters ike;
    struct dp_ctrl_counters ctrl_counters;
    unsigned nsas, nsas_total;
    /* Every IKE SA counted by state, and their Child SAs (the list above stops at 1024). */
    unsigned nsas_by_state[IKE_SA__STATES];
    unsigned nchild_sas;
    unsigned half_open; /* ike_half_open(): responder SAs between IKE_SA_INIT and IKE_AUTH */
    struct sa_view sas[4 * MAX_SAS];
    unsigned npools;
    struct pool_view pools[IKE_MAX_POOLS];
    /* Reloads (tel_reload.c): the embedder's function, and what came of them (under lock). */
    mgmt_reload_fn reload;
    void *reload_arg;
    uint64_t reloads_applied, reloads_refused;
    int64_t last_reload_unix_s; /* 0: none yet */
    bool last_reload_applied;
    char last_reload_msg[MGMT_RELOAD_MSG_MAX];
};

/* The instance the commands serve (DPDK's callbacks carry no context). */
struct mgmt_tel *mgmt_tel_instance(void);

__attribute__((format(printf, 2, 3))) int mgmt_tel_error(struct rte_tel_data *d, const char *fmt,
                                                         ...);
bool mgmt_tel_no_params(const char *params);
/* One column of a columnar reply (DPDK 22.11 nests only arrays of plain values). */
struct rte_tel_data *mgmt_tel_column(enum rte_tel_value_type type);
void mgmt_tel_add_column(struct rte_tel_data *d, const char *name, struct rte_tel_data *c);
/* Queues r (heap, taken over) to the control lcore, waits for it and writes the reply. */
int mgmt_tel_run_request(struct rte_tel_data *d, struct request *r);

/* "SPI_I,SPI_R" in hex, as /veer/ike/sas lists them. */
bool mgmt_tel_parse_spi_pair(const char *params, uint64_t *spi_i, uint64_t *spi_r);

/* tel_pools.c */
void mgmt_tel_pools_register(void);
/* Control lcore, with the snapshot's lock held: the pools' figures. */
void mgmt_tel_pools_snapshot(struct mgmt_tel *t, const struct ike_ctx *ike);
/* Control lcore: carries out a REQ_POOL_* request; 0 or a negative errno. */
int mgmt_tel_pools_apply(struct ike_ctx *ike, struct request *r);
/* The reply to a finished REQ_POOL_* request. */
int mgmt_tel_pools_reply(struct rte_tel_data *d, const struct request *r, int rc);

/* tel_mobike.c */
void mgmt_tel_mobike_register(void);
/* Control lcore: carries out a REQ_SWITCH* request; 0 or a negative errno. */
int mgmt_tel_switch_apply(struct ike_ctx *ike, struct request *r);
/* The reply to a finished REQ_SWITCH* request. */
int mgmt_tel_switch_reply(struct rte_tel_data *d, const struct request *r, int rc);

/*
 * The route table the workers read (routes and the gateway's addresses), or
 * NULL with *rc set to an error object naming `what` this process lacks.
 */
struct dp_route_table *mgmt_tel_routes_or_error(struct rte_tel_data *d, int *rc, const char *what);

/* tel_route.c */
void mgmt_tel_route_register(void);
/* tel_port_addr.c */
void mgmt_tel_port_addr_register(void);
/* tel_neigh.c */
void mgmt_tel_neigh_register(void);
/* tel_qcd.c */
void mgmt_tel_qcd_register(void);
/* tel_mempools.c */
void mgmt_tel_mempools_register(void);

/* tel_reload.c */
void mgmt_tel_reload_register(void);
/* Control lcore: carries out a REQ_RELOAD request. */
int mgmt_tel_reload_apply(struct mgmt_tel *t, struct request *r);
/* The reply to a finished REQ_RELOAD request. */
int mgmt_tel_reload_reply(struct rte_tel_data *d, const struct request *r, int rc);
/*
 * An error object whose message may exceed a telemetry string (127 bytes):
 * "error" holds the first part, "error_2", "error_3"... the rest.
 */
int mgmt_tel_error_long(struct rte_tel_data *d, const char *msg);
/* tel_gauges.c */
void mgmt_tel_gauges_register(void);

/* tel_redirect.c */
void mgmt_tel_redirect_register(void);
/* Control lcore: carries out a REQ_RP_* request; 0 or a negative errno. */
int mgmt_tel_redirect_apply(struct mgmt_tel *t, const struct request *r);
/* The reply to a finished REQ_RP_* request. */
int mgmt_tel_redirect_reply(struct rte_tel_data *d, int rc);

#endif
