/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redirect policy (RFC 5685): which gateway a client is sent to. Pure C, no
 * DPDK and no locks, so the workers' admission gate (lib/dp/worker/gate.c) and the
 * control plane (IKE_AUTH and drain redirects, lib/ike/exchange/redirect.c) choose the
 * same way from the same table.
 *
 * A table holds weighted targets (IPv4, IPv6 or host-name gateway
 * identities) and one of three policies:
 *   weighted_round_robin  smooth weighted round robin, per cursor (per worker)
 *   least_loaded          lowest load/weight, the loads reported at run time;
 *                         ties are shared by weighted round robin
 *   client_hash           weighted rendezvous hashing of the client's address:
 *                         a client that retries lands on the same target, and
 *                         removing a target moves only that target's clients
 * A pick never returns the gateway the client was redirected from, a target of
 * weight 0 (drained), or one of the gateway's own addresses unless allow_self
 * is set. Requests sent to an anycast address (RFC 5685 4) may also get the
 * gateway's own unicast address, when one is configured for that purpose.
 *
 * Tables are values: the control lcore builds a new one and publishes it
 * through an rp_shared (a sequence-counted slot, as the cookie keys); each
 * reader keeps its own copy and takes the new one when the sequence moved.
 */
#ifndef VEER_IKE_REDIRECT_POLICY_H
#define VEER_IKE_REDIRECT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_addr.h"
#include "ike_payload.h"

#define RP_MAX_TARGETS 16
#define RP_MAX_SELF 12
#define RP_MAX_ANYCAST 4
#define RP_WEIGHT_MAX 1000
#define RP_WEIGHT_DEFAULT 1

#define RP_POLICY_LIST(X)                                                                          \
    X(RP_WEIGHTED_RR, "weighted_round_robin")                                                      \
    X(RP_LEAST_LOADED, "least_loaded")                                                             \
    X(RP_CLIENT_HASH, "client_hash")

#define RP_X_ENUM(e, s) e,
enum rp_policy { RP_POLICY_LIST(RP_X_ENUM) RP_NPOLICIES };
#undef RP_X_ENUM

struct rp_target {
    struct ike_gw_id gw;
    uint32_t weight;   /* 0: drained, never picked */
    uint32_t load;     /* least_loaded: as last reported; 0 until then */
    uint64_t key;      /* client_hash: hash of gw, set by rp_table_add */
    bool self;         /* one of the gateway's own addresses */
    bool anycast_only; /* the gateway's own unicast address, offered to anycast clients only */
};

struct rp_table {
    uint32_t generation; /* moves whenever the target set, a weight or the policy changes */
    enum rp_policy policy;
    bool allow_self; /* the gateway's own addresses may be targets */
    unsigned ntargets;
    struct rp_target targets[RP_MAX_TARGETS];
    unsigned nself;
    struct ike_addr self[RP_MAX_SELF]; /* the gateway's own addresses */
    unsigned nanycast;
    struct ike_addr anycast[RP_MAX_ANYCAST]; /* requests to these are always redirected */
};

/* One chooser's state (a worker, or the control plane): never shared. */
struct rp_cursor {
    uint32_t generation;             /* of the table `current` belongs to */
    int64_t current[RP_MAX_TARGETS]; /* smooth weighted round robin credit */
};

struct rp_query {
    const struct ike_addr *client;           /* client_hash: the client's address */
    const struct ike_gw_id *redirected_from; /* never picked; NULL when absent */
    bool anycast;                            /* the request was sent to an anycast address */
    const struct ike_addr *here; /* the address the client reached: never sent back there */
};

struct rp_pick {
    int index;            /* into targets[], -1 when no target is available */
    bool excluded_origin; /* a target was passed over for being redirected_from */
};

const char *rp_policy_name(enum rp_policy p);
/* Returns 0 and the policy for its name, or -1. */
int rp_policy_parse(const char *name, enum rp_policy *out);

/*
 * "198.51.100.7", "2001:db8::7" or "vpn2.example.net" into a gateway
 * identity; 0 or -1. rp_gw_format writes the same text form.
 */
int rp_gw_parse(const char *text, struct ike_gw_id *gw);
void rp_gw_format(const struct ike_gw_id *gw, char *out, size_t cap);

/* An empty table for `policy`. */
void rp_table_init(struct rp_table *t, enum rp_policy policy, bool allow_self);

/*
 * Adds a target; -ENOSPC when full, -EEXIST when already there, -EINVAL for a
 * weight above RP_WEIGHT_MAX, -EADDRINUSE for an anycast address (it would
 * send clients round in a loop), -EPERM for one of the gateway's own addresses
 * while allow_self is off. Own and anycast addresses must be added first.
 */
int rp_table_add(struct rp_table *t, const struct ike_gw_id *gw, uint32_t weight);
/* The gateway's own unicast address, offered to anycast clients only (RFC 5685 4: MAY). */
int rp_table_add_anycast_self(struct rp_table *t, const struct ike_gw_id *gw, uint32_t weight);
int rp_table_add_self(struct rp_table *t, const struct ike_addr *addr);
int rp_table_add_anycast(struct rp_table *t, const struct ike_addr *addr);

/* Index of the target with this identity, or -1. */
int rp_table_find(const struct rp_table *t, const struct ike_gw_id *gw);
bool rp_table_is_anycast(const struct rp_table *t, const struct ike_addr *addr);
bool rp_table_is_self(const struct rp_table *t, const struct ike_gw_id *gw);

/*
 * Replaces the configured targets of `t` with those of `from` (weights
 * included; loads kept for targets in both), keeping its own, anycast and
 * anycast-self entries (naming the anycast-self address sets its weight);
 * the generation moves. Same errors as rp_table_add.
 */
int rp_table_replace_targets(struct rp_table *t, const struct ike_gw_id *gws,
                             const uint32_t *weights, unsigned n);

/* Chooses a target for one client. Pure but for the cursor. */
struct rp_pick rp_pick(const struct rp_table *t, struct rp_cursor *c, const struct rp_query *q);

/* A hash of a client's address (not its port: a retry from another port is the same client). */
uint64_t rp_client_hash(const struct ike_addr *client);

/* ---- publication: one writer (the control lcore), any number of lock-free readers ---- */

struct rp_shared {
    uint32_t seq; /* odd while `table` is being rewritten */
    struct rp_table table;
};

void rp_publish(struct rp_shared *s, const struct rp_table *t);
/*
 * Copies the published table into `copy` when it changed since `*seen`;
 * true when it did. A copy caught mid-write is not taken (retried next call).
 */
bool rp_refresh(const struct rp_shared *s, struct rp_table *copy, uint32_t *seen);

#endif
