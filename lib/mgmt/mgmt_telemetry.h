/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/... commands on the DPDK telemetry socket (dpdk-telemetry.py works
 * with them). Telemetry runs on its own thread, so it never touches lib/ike:
 * the control lcore publishes a snapshot every tick (taking the lock only if
 * it is free, so it never waits), and write commands go to the control lcore
 * through a ring and are answered within a second or reported as timed out.
 *
 *   /veer/version          version and uptime
 *   /veer/ports            per port: name, address, MAC, ethdev statistics
 *   /veer/workers          per worker: every packet counter and drop reason
 *   /veer/control          the control lcore's counters (ARP, IKE I/O)
 *   /veer/qcd              QCD in the workers: the IKE SPI table, their replies summed
 *   /veer/ike/counters     lib/ike's counters
 *   /veer/ike/sas[,FROM]   IKE SAs with their Child SAs and traffic (48 per page from FROM)
 *
 * DPDK 22.11 nests only arrays of numbers or strings, so lists come by column:
 * "spi_i": [...], "state": [...], element i of every array describing SA i.
 *   /veer/ike/delete,SPI_I,SPI_R   deletes an IKE SA (hex SPIs, as listed)
 *   /veer/ike/redirect,SPI_I,SPI_R,GATEWAY   sends its client elsewhere (RFC 5685 5)
 *   /veer/ike/drain,GATEWAY   the same for every client that supports it
 *   /veer/ike/drain_peer,GATEWAY,PEER / drain_id,GATEWAY,IDENTITY   for one peer or identity
 *   /veer/admission[,off|on|auto]   the workers' gate: shown, or switched at run time
 *   /veer/redirect                   the redirect policy: targets, weights, loads, counts
 *   /veer/redirect/targets,GW[=W],...  replaces the targets and weights
 *   /veer/redirect/load,GW,LOAD      a target's load (least_loaded), from an external agent
 *   /veer/redirect/policy,NAME       weighted_round_robin, least_loaded or client_hash
 *   /veer/routes                     static routes in force
 *   /veer/routes/add,PREFIX,VIA[,PORT]  adds one while traffic flows
 *   /veer/routes/del,PREFIX          deletes one
 *   /veer/port/addresses             the gateway's addresses, per port
 *   /veer/port/address_add,PORT,ADDR/LEN, address_del,PORT,ADDR   changed at run time
 *   /veer/reload                     reads the configuration file again (as SIGHUP does)
 *   /veer/reload/status              reloads applied and refused, the last one's time and outcome
 * `redirect` (passed to mgmt_tel_start) is the control lcore's master copy of
 * the table; changes are made to it and published to the workers.
 */
#ifndef VEER_MGMT_TELEMETRY_H
#define VEER_MGMT_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_ctrl.h"
#include "dp_gate.h"
#include "dp_port.h"
#include "dp_worker.h"
#include "ike.h"
#include "ike_redirect_policy.h"

struct mgmt_tel;

/*
 * Registers the commands (once per process: DPDK's callbacks carry no
 * context) and restricts the socket to its owner, or to owner and `group`
 * (a group name; NULL or "" for none). NULL with a message in err on failure.
 */
struct mgmt_tel *mgmt_tel_start(const struct dp_port *ports, unsigned nports,
                                const struct dp_worker *workers, unsigned nworkers,
                                const struct dp_ctrl *ctrl, struct dp_gate_shared *gate,
                                struct rp_table *redirect, const char *group, char *err,
                                size_t err_len);

/*
 * The route table /veer/routes shows and changes, and with it the addresses
 * of /veer/port/... (before traffic starts).
 */
void mgmt_tel_set_routes(struct mgmt_tel *t, struct dp_route_table *routes);

/*
 * Reloading the configuration: the embedder's function, run on the control
 * lcore for /veer/reload; 0 applied, -1 refused, msg the outcome in one line.
 * It reports every reload, however asked, with mgmt_tel_note_reload.
 */
#define MGMT_RELOAD_MSG_MAX 512
typedef int (*mgmt_reload_fn)(void *arg, char *msg, size_t len);
void mgmt_tel_set_reload(struct mgmt_tel *t, mgmt_reload_fn fn, void *arg);
/* Control lcore: a reload was applied or refused (SIGHUP or /veer/reload), for /veer/reload/status.
 */
void mgmt_tel_note_reload(struct mgmt_tel *t, bool applied, const char *msg);
/*
 * Control lcore: the redirect table in force from now on (a reload replaced
 * the configuration that held the old one); changes go to this one.
 */
void mgmt_tel_set_redirect(struct mgmt_tel *t, struct rp_table *redirect);

/* Control lcore, every loop: answers queued write commands. */
void mgmt_tel_serve(struct mgmt_tel *t, struct ike_ctx *ike);

/* Control lcore, every tick: publishes a snapshot of the SAs and counters. */
void mgmt_tel_publish(struct mgmt_tel *t, const struct ike_ctx *ike);

#endif
