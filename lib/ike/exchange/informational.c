/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * INFORMATIONAL exchanges (RFC 7296 1.4): deletes and liveness checks, and
 * what they carry for MOBIKE (mobike.c).
 */
#include <errno.h>
#include <string.h>

#include "acct.h"
#include "ike_sa.h"
#include "ike_writer.h"

static int build_delete(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    (void)sa;
    const struct ike_delete_payload *d = arg;
    if (d == NULL || (d->protocol != IKE_PROTO_IKE && d->nspis == 0))
        return 0;
    return ike_delete_encode(w, d);
}

/*
 * The peer deletes Child SAs by the SPIs it receives with, our outbound ones.
 * We delete both directions and answer with our inbound SPIs (1.4.1), except
 * for SAs we are deleting ourselves: when deletes cross, neither response
 * names them.
 */
static void delete_children(struct ike_ctx *ctx, struct ike_sa *sa,
                            const struct ike_delete_payload *d, struct ike_delete_payload *reply,
                            uint8_t *ours)
{
    if (d->protocol != IKE_PROTO_ESP || d->spi_size != 4)
        return; /* AH is not supported, so nothing of ours can carry it */
    for (unsigned i = 0; i < d->nspis; i++) {
        struct ike_child *c = ike_child_by_spi_out(sa, ike_get32(d->spis + 4 * i));
        if (c == NULL) {
            ctx->counters.child_not_found++;
            continue;
        }
        if (c->state != IKE_CHILD_DELETING && reply->nspis < IKE_MAX_CHILDREN)
            ike_put32(ours + 4 * reply->nspis++, c->sa.spi_in);
        if (sa->pending.kind == IKE_REQ_REKEY_CHILD && sa->pending.old_spi == c->sa.spi_in)
            sa->pending.old_spi = 0; /* our rekey of it still makes a Child SA (2.25.1) */
        ike_child_remove(ctx, sa, c);
    }
}

/* Our answer to an INFORMATIONAL request: the Child SAs we deleted, and MOBIKE's notifies. */
struct info_reply {
    struct ike_delete_payload del;
    struct ike_mobike_answer mobike;
};

static int build_info_reply(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    struct info_reply *r = arg;
    int rc = build_delete(ctx, sa, w, &r->del);
    return rc < 0 ? rc : ike_mobike_put_answer(sa, w, &r->mobike);
}

void ike_info_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    uint32_t msg_id = m->hdr.msg_id;
    sa->next_peer_id = msg_id + 1;
    /* A token for this SA after an IKE rekey, or one replacing the old (RFC 6290 4.3, 4.4). */
    ike_qcd_take(ctx, sa, m);
    uint8_t ours[4 * IKE_MAX_CHILDREN];
    struct info_reply reply = {.del = {.protocol = IKE_PROTO_ESP, .spi_size = 4, .spis = ours}};
    for (const struct ike_pl *pl = ike_msg_find(m, IKE_PL_DELETE, NULL); pl != NULL;
         pl = ike_msg_find(m, IKE_PL_DELETE, pl)) {
        struct ike_delete_payload d;
        if (ike_delete_decode(pl, &d, NULL) < 0)
            continue;
        if (d.protocol == IKE_PROTO_IKE) {
            ike_acct_cause(sa, IKE_RADIUS_TERM_USER_REQUEST);
            ike_ccs_ike_deleted(ctx, sa);
            ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, true, msg_id, NULL, NULL);
            ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "deleted by peer");
            return;
        }
        delete_children(ctx, sa, &d, &reply.del, ours);
    }
    /* UPDATE_SA_ADDRESSES, NAT detection, COOKIE2 (RFC 4555 3.5, 3.8, 4.2.5). */
    ike_mobike_request(ctx, sa, m, &reply.mobike);
    /* Anything else (an empty request is a liveness check) gets an empty answer. */
    ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, true, msg_id, build_info_reply, &reply);
    /* The peer moved: check its new address now if we can (else ike_tick does, later). */
    if (sa->mobike_check_due && sa->request.buf == NULL)
        ike_mobike_start_check(ctx, sa);
    /* A switch asked by the responder: our update to it, or a check of the current pair. */
    ike_mobike_tick(ctx, sa);
    /* The gateway sends us elsewhere (RFC 5685 5): connect there, and close this SA. */
    if (sa->state == IKE_SA_ESTABLISHED &&
        ike_redirect_follow(ctx, sa, m, false) == IKE_REDIRECT_DONE) {
        if (sa->request.buf == NULL)
            ike_info_start_delete_ike(ctx, sa);
        else
            sa->delete_queued = true;
    }
}

void ike_info_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                       const struct ike_pending *done)
{
    switch (done->kind) {
    case IKE_REQ_MOBIKE:
        ike_mobike_response(ctx, sa, m, done);
        break;
    case IKE_REQ_MOBIKE_CHECK:
        ike_mobike_check_response(ctx, sa, m, done);
        break;
    case IKE_REQ_RMOBIKE_SWITCH:
        ike_mobike_switch_response(ctx, sa, m);
        break;
    case IKE_REQ_REBIND_CHECK:
        ike_rebind_response(ctx, sa);
        break;
    case IKE_REQ_DELETE_IKE:
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "delete acknowledged");
        break;
    case IKE_REQ_DELETE_CHILD: {
        struct ike_child *c = ike_child_by_spi_in(sa, done->old_spi);
        if (c != NULL)
            ike_child_remove(ctx, sa, c);
        break;
    }
    default:
        break; /* a liveness answer: receiving it was the point */
    }
    /* The slot is free: a MOBIKE request that waited for it (a switch, a move) goes now. */
    if (sa->state == IKE_SA_ESTABLISHED)
        ike_mobike_tick(ctx, sa);
}

int ike_info_start_liveness(struct ike_ctx *ctx, struct ike_sa *sa)
{
    ctx->counters.liveness_checks++;
    sa->pending.kind = IKE_REQ_LIVENESS;
    return ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id, NULL, NULL);
}

static int build_qcd(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)arg;
    ike_qcd_put(ctx, sa, w, sa->spi_i, sa->spi_r);
    return w->overflow ? -ENOSPC : 0;
}

int ike_info_start_qcd(struct ike_ctx *ctx, struct ike_sa *sa)
{
    sa->pending.kind = IKE_REQ_LIVENESS; /* answered empty, like a liveness check */
    return ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id, build_qcd,
                              NULL);
}

int ike_info_start_delete_child(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child *c)
{
    uint8_t spi[4];
    ike_put32(spi, c->sa.spi_in);
    struct ike_delete_payload d = {
        .protocol = IKE_PROTO_ESP, .spi_size = 4, .nspis = 1, .spis = spi};
    c->state = IKE_CHILD_DELETING;
    sa->pending.kind = IKE_REQ_DELETE_CHILD;
    sa->pending.old_spi = c->sa.spi_in;
    return ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id, build_delete,
                              &d);
}

int ike_info_start_delete_ike(struct ike_ctx *ctx, struct ike_sa *sa)
{
    struct ike_delete_payload d = {.protocol = IKE_PROTO_IKE};
    sa->pending.kind = IKE_REQ_DELETE_IKE;
    int rc = ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id,
                                build_delete, &d);
    ike_sa_set_state(ctx, sa, IKE_SA_DELETING, "delete requested");
    return rc;
}

/* The SA named by both SPIs, whichever side we are. */
struct ike_sa *ike_sa_find_pair(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r)
{
    struct ike_sa *sa = ike_sa_find_ours(ctx, spi_i);
    if (sa == NULL || !sa->initiator)
        sa = ike_sa_find_ours(ctx, spi_r);
    if (sa == NULL || sa->spi_i != spi_i || sa->spi_r != spi_r)
        return NULL;
    return sa;
}

int ike_delete(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r)
{
    struct ike_sa *sa = ike_sa_find_pair(ctx, spi_i, spi_r);
    if (sa == NULL)
        return -ENOENT;
    ike_acct_cause(sa, IKE_RADIUS_TERM_ADMIN_RESET); /* telemetry, an operator */
    if (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_REKEYED) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "deleted before established");
        ike_sa_destroy(ctx, sa);
        return 0;
    }
    if (sa->request.buf != NULL) {
        /* One request at a time: the Delete goes as soon as the outstanding one is answered. */
        sa->delete_queued = true;
        return 0;
    }
    return ike_info_start_delete_ike(ctx, sa);
}

int ike_delete_child(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r, uint32_t child_spi_in)
{
    struct ike_sa *sa = ike_sa_find_pair(ctx, spi_i, spi_r);
    struct ike_child *c = sa != NULL ? ike_child_by_spi_in(sa, child_spi_in) : NULL;
    if (c == NULL || sa->state != IKE_SA_ESTABLISHED)
        return -ENOENT;
    if (sa->request.buf != NULL || c->state == IKE_CHILD_DELETING)
        return -EBUSY;
    return ike_info_start_delete_child(ctx, sa, c);
}
