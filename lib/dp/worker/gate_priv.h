/* SPDX-License-Identifier: BSD-3-Clause */
/* What gate.c shares with gate_cookie_first.c: not for other files. */
#ifndef VEER_DP_GATE_PRIV_H
#define VEER_DP_GATE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_gate.h"
#include "dp_ike_udp.h"

/* The redirect policy's view of one request, for gate_pick_target. */
struct pick_ctx {
    struct dp_gate_worker *g;
    bool anycast;
    const struct ike_addr *here;
    struct rp_pick pick;
};

/* Takes the shared keys when they changed; a copy caught mid-write is simply retried later. */
void gate_refresh_keys(struct dp_gate_worker *g);

/* Auto mode: one token per request, refilled at this worker's share of the rate. */
bool gate_take_token(struct dp_gate_worker *g, uint64_t now_ns);

/* ike_sl_decide's policy seam (opaque: a pick_ctx): the worker's table and its own cursor. */
bool gate_pick_target(void *opaque, const struct ike_addr *client,
                      const struct ike_gw_id *redirected_from, struct ike_gw_id *target);

/* Counts one REDIRECT sent: in all, by policy, anycast, per target. */
void gate_count_redirect(struct dp_gate_worker *g, const struct pick_ctx *p,
                         struct dp_worker_counters *c);

/* Auto mode under the cookie-first policy, for a well-formed request not to an anycast address. */
enum dp_gate_verdict gate_cookie_first(struct dp_gate_worker *g, struct rte_mbuf *m,
                                       const struct dp_ike_udp *u, const struct ike_sl_request *req,
                                       uint64_t now_ns, struct dp_worker_counters *c);

#endif
