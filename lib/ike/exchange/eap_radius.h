/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RADIUS client of EAP pass-through (RFC 3579; eap_radius.c): one
 * Access-Request per EAP response of a client, an identifier per server,
 * retransmission and failover on ike_tick. Private to lib/ike.
 */
#ifndef VEER_IKE_EAP_RADIUS_H
#define VEER_IKE_EAP_RADIUS_H

#include "ike_radius.h"
#include "ike_sa.h"

struct ike_rad_req;

/* What to relay: the EAP identity, the client's EAP message, the last State. */
struct ike_rad_input {
    const uint8_t *user;
    size_t user_len;
    const uint8_t *eap;
    size_t eap_len;
    const uint8_t *state;
    size_t state_len;
};

/*
 * Sends (or queues) an Access-Request for sa; its answer comes back through
 * ike_auth_eap_radius_done(). NULL when it cannot be sent: with *full set
 * when every identifier is out and the wait queue is full (the caller leaves
 * the client's request unanswered, so that its retransmission tries again:
 * a login storm waits instead of failing); else (no server, out of memory,
 * unbuildable) counted, and the caller fails the client.
 */
struct ike_rad_req *ike_eap_radius_send(struct ike_ctx *ctx, struct ike_sa *sa,
                                        const struct ike_rad_input *in, bool *full);
/* The SA's conversation ends: the request is answered to nobody (no ctx needed). */
void ike_eap_radius_forget(struct ike_rad_req *r);
/* Retransmission, failover, giving up (from ike_tick). */
void ike_eap_radius_tick(struct ike_ctx *ctx, uint64_t now);
void ike_eap_radius_free(struct ike_ctx *ctx);
/* Counts a reply the codec refused under its reason's radius_rx_* counter (also accounting's). */
void ike_radius_count_reject(struct ike_ctx *ctx, enum ike_radius_reject why);

/*
 * ike_auth_eap.c: the answer to sa's request: a verified reply, or NULL when
 * every server stayed silent.
 */
void ike_auth_eap_radius_done(struct ike_ctx *ctx, struct ike_sa *sa,
                              const struct ike_radius_reply *reply);
/* Whether sa's IKE_AUTH request waits for RADIUS (its retransmissions are dropped). */
bool ike_auth_eap_radius_pending(const struct ike_sa *sa);

#endif
