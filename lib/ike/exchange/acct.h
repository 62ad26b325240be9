/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS accounting (RFC 2866, RFC 2869): the session of an IKE SA (acct.c)
 * and the client that delivers its records (acct_client.c). Private to
 * lib/ike. A session starts with the IKE SA's first Child SA, moves to the
 * successor of an IKE rekey, and stops when the IKE SA goes, with the
 * traffic of every Child SA it ever had.
 */
#ifndef VEER_IKE_ACCT_H
#define VEER_IKE_ACCT_H

#include "ike_radius.h"
#include "ike_sa.h"

/* "XXXXXXXX-XXXXXXXX": the context's random prefix and a counter. */
#define IKE_ACCT_SESSION_ID_MAX 20
/* Accounting-Requests waiting for an identifier (256 per server are out at most). */
#define IKE_ACCT_QUEUE_MAX 1024

/* One Accounting-Request's content, kept so it can be rebuilt for another server. */
struct ike_acct_record {
    enum ike_radius_acct_status status;
    char session_id[IKE_ACCT_SESSION_ID_MAX];
    uint8_t user[IKE_RADIUS_ATTR_MAX_VALUE];
    size_t user_len;
    struct ike_addr framed_ip, framed_ip6; /* family 0: none */
    struct ike_addr client;                /* Calling-Station-Id */
    uint64_t in_octets, out_octets;
    uint32_t in_packets, out_packets;
    uint32_t session_time;
    uint32_t terminate_cause;
    struct ike_radius_class classes[IKE_RADIUS_CLASS_MAX];
    unsigned nclass;
};

/* ---- sessions (acct.c) ---- */

/*
 * eap-radius: the Access-Accept of sa's client, with the User-Name that was
 * sent: its Class values and Acct-Interim-Interval are kept for the session
 * (when accounting is on).
 */
void ike_acct_accept(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_radius_reply *rep,
                     const uint8_t *user, size_t user_len);
/* A Child SA of sa was installed: the first starts the session (Start). */
void ike_acct_child_up(struct ike_ctx *ctx, struct ike_sa *sa);
/* A Child SA of sa goes: its last reported traffic stays in the session's totals. */
void ike_acct_child_gone(struct ike_sa *sa, const struct ike_child *c);
/* ike_tick: an Interim-Update when one is due. */
void ike_acct_tick(struct ike_ctx *ctx, struct ike_sa *sa, uint64_t now);
/* The IKE SA goes (ike_sa_destroy): Stop with sa->acct_cause, the session freed. */
void ike_acct_end(struct ike_ctx *ctx, struct ike_sa *sa);
/* An IKE rekey: the session goes on under the new SA, same Acct-Session-Id. */
void ike_acct_move(struct ike_sa *from, struct ike_sa *to);
/*
 * ike_tick: Accounting-On once, when accounting is on, so the servers close
 * every session an earlier run of this NAS left open (a crash sends no Stop).
 */
void ike_acct_boot(struct ike_ctx *ctx);
/* Frees the session without a Stop (the context is being freed). */
void ike_acct_free(struct ike_sa *sa);
/* Notes why sa ends, unless an earlier place already said (the first cause wins). */
static inline void ike_acct_cause(struct ike_sa *sa, uint32_t cause)
{
    if (sa->acct_cause == 0)
        sa->acct_cause = cause;
}

/* ---- the client (acct_client.c) ---- */

/*
 * Sends (or queues) one record to the first server that answers, rebuilt
 * for the next after `tries` unanswered; never blocks. A full queue drops it
 * (radius_acct_queue_full).
 */
void ike_acct_client_send(struct ike_ctx *ctx, const struct ike_acct_record *rec);
/* Retransmission, failover, giving up (ike_tick). */
void ike_acct_client_tick(struct ike_ctx *ctx, uint64_t now);
void ike_acct_client_free(struct ike_ctx *ctx);

#endif
