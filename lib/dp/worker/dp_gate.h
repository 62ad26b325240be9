/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admission gate every worker applies to new IKE_SA_INIT requests (SPIr
 * zero) before they may cost the control lcore a DH computation. Open: the
 * request goes to the control lcore. Closed: the worker answers it itself with
 * lib/ike's stateless responder — REDIRECT to another gateway for a client
 * that supports it, COOKIE for the rest — and a request returning a valid
 * cookie is let through ahead of everything else. No locks, no per-client
 * state: what the workers share is written by the control lcore only.
 */
#ifndef VEER_DP_GATE_H
#define VEER_DP_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "conf.h"
#include "dp_counters.h"
#include "dp_load.h"
#include "ike_cookie.h"
#include "ike_redirect_policy.h"
#include "ike_stateless.h"

/* Written by the control lcore, read by every worker. */
struct dp_gate_shared {
    uint32_t mode;       /* enum conf_gate_mode, changeable at run time */
    uint32_t overloaded; /* auto mode: the control lcore says it cannot keep up */
    uint32_t saturated;  /* ... because it has no CPU time or ring room left (not half-open SAs) */
    uint32_t overload_policy; /* enum conf_overload_policy, changeable at run time */
    uint64_t rate;            /* auto mode: requests per second let through, over all workers */
    uint32_t keys_seq;        /* odd while the cookie keys below are being replaced */
    struct ike_cookie_keys keys;
    /* Where REDIRECT sends clients, and which destinations are anycast: replaced as a whole. */
    struct rp_shared redirect;
    /* How loaded the control lcore is (dp_load.h): for telemetry, not read by workers. */
    struct dp_load_view load;
};

/*
 * One worker's view: its copy of the keys and of the redirect table, its token
 * bucket, its place in the weighted round robin, and how many clients it sent
 * to each target of the table generation it counts for (telemetry sums the
 * workers that count for the current one).
 */
struct dp_gate_worker {
    const struct dp_gate_shared *shared;
    unsigned nworkers;
    uint32_t keys_seq;
    struct ike_cookie_keys keys;
    uint64_t tokens_milli; /* thousandths of a request */
    uint64_t last_ns;
    /*
     * Cookie-first: new requests without a valid cookie outran the rate, so
     * every one gets a COOKIE and the tokens go to returned cookies, until
     * their demand over a second falls to half the rate (dp_gate_cookie_first).
     */
    bool cookies_only;
    uint64_t demand_window_ns;
    uint64_t demand_seen;
    /*
     * Auto mode: how many more new IKE_SA_INITs the burst being checked may
     * put on the control ring (set by the worker per burst: dp_gate_ring_room).
     */
    unsigned ring_room;
    uint32_t redirect_seq;
    struct rp_table redirect;
    struct rp_cursor cursor;
    uint32_t counted_generation;
    uint64_t target_redirects[RP_MAX_TARGETS];
};

enum dp_gate_verdict {
    DP_GATE_PASS,    /* not a new IKE_SA_INIT, or admitted: to the control lcore */
    DP_GATE_REPLIED, /* the mbuf now holds the reply: send it back on the same port */
    DP_GATE_DROP,    /* malformed: counted, to be freed */
};

/*
 * A worker, before checking a burst: the room the control ring has for new
 * IKE_SA_INITs, its free slots less a quarter of it kept for everything
 * else (IKE of established SAs, cookie returns, ARP and neighbour
 * discovery). In auto mode a request beyond it is answered statelessly like
 * any other over the rate (counted as gate_ring_busy): a token bucket full
 * after a quiet spell lets a second's worth through at once, more than the
 * ring holds while the control lcore works through them, and a request
 * dropped on a full ring costs its client a retransmission (1-2 s) where a
 * COOKIE costs one round trip.
 */
void dp_gate_ring_room(struct dp_gate_worker *g, const struct rte_ring *to_ctrl);

/* Control lcore: publishes new cookie keys (after a rotation) to the workers. */
void dp_gate_publish_keys(struct dp_gate_shared *s, const struct ike_cookie_keys *keys);

/*
 * A worker: decides for one control-class packet, and builds the reply in
 * place. Requests to an anycast address (RFC 5685 4) from clients that support
 * redirection are redirected whatever the gate's state; others are gated as
 * usual. In auto mode the overload policy decides what a client that supports
 * REDIRECT gets once the rate runs out: redirect-first sends it away at once;
 * cookie-first asks it for a cookie and serves it here when it returns one,
 * unless the control lcore is saturated or out of tokens (then REDIRECT).
 */
enum dp_gate_verdict dp_gate_check(struct dp_gate_worker *g, struct rte_mbuf *m, uint64_t now_ns,
                                   struct dp_worker_counters *c);

#endif
