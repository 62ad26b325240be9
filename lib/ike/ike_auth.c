/* SPDX-License-Identifier: BSD-3-Clause */
/* The IKE_AUTH exchange (RFC 7296 1.2, 2.15) with shared keys, and the first Child SA. */
#include <errno.h>
#include <openssl/crypto.h>
#include <string.h>

#include "ike_auth_psk.h"
#include "ike_sa.h"
#include "ike_ts.h"
#include "ike_writer.h"

/* The body of our ID payload (type, 3 reserved bytes, data): what AUTH covers. */
static size_t id_body(const struct ike_id *id, uint8_t *out)
{
    out[0] = id->type;
    memset(out + 1, 0, 3);
    memcpy(out + 4, id->data, id->len);
    return 4u + id->len;
}

/* Keeps the identity the peer authenticated with (INITIAL_CONTACT compares them). */
static void remember_id(struct ike_sa *sa, const struct ike_id_payload *id)
{
    sa->remote_id.type = id->type;
    sa->remote_id.len = (uint8_t)(id->data.len < IKE_ID_MAX ? id->data.len : IKE_ID_MAX);
    memcpy(sa->remote_id.data, id->data.ptr, sa->remote_id.len);
}

static bool id_matches(const struct ike_id *want, const struct ike_id_payload *got)
{
    return want->type == 0 || (want->type == got->type && want->len == got->data.len &&
                               memcmp(want->data, got->data.ptr, want->len) == 0);
}

/*
 * The AUTH value of one side: `initiator_side` selects whose IKE_SA_INIT
 * message, the other side's nonce and SK_pi or SK_pr.
 */
static int auth_value(const struct ike_sa *sa, const struct ike_peer_cfg *peer, bool initiator_side,
                      const uint8_t *id, size_t id_len, uint8_t *out)
{
    const struct ike_kept_msg *msg = initiator_side ? &sa->init_i : &sa->init_r;
    const uint8_t *nonce = initiator_side ? sa->nr : sa->ni;
    size_t nonce_len = initiator_side ? sa->nr_len : sa->ni_len;
    const uint8_t *sk_p = initiator_side ? sa->keys.sk_pi : sa->keys.sk_pr;
    return ike_auth_psk(sa->alg.prf, peer->psk, peer->psk_len, msg->buf, msg->len, nonce, nonce_len,
                        sk_p, sa->keys.lens.prf, id, id_len, out);
}

/* Checks the peer's AUTH payload; true when it proves knowledge of the PSK. */
static bool verify_auth(const struct ike_sa *sa, const struct ike_peer_cfg *peer,
                        const struct ike_id_payload *id, const struct ike_msg *m)
{
    struct ike_auth_payload auth;
    const struct ike_pl *pl = ike_msg_find(m, IKE_PL_AUTH, NULL);
    if (pl == NULL || ike_auth_decode(pl, &auth, NULL) < 0 || auth.method != IKE_AUTH_SHARED_KEY ||
        auth.data.len != ike_prf_len(sa->alg.prf))
        return false;
    uint8_t body[4 + IKE_ID_MAX], expect[IKE_PRF_MAX_LEN];
    body[0] = id->type;
    memset(body + 1, 0, 3);
    memcpy(body + 4, id->data.ptr, id->data.len);
    if (auth_value(sa, peer, !sa->initiator, body, 4u + id->data.len, expect) < 0)
        return false;
    return CRYPTO_memcmp(expect, auth.data.ptr, auth.data.len) == 0;
}

/* Writes IDx and AUTH for our side. */
static int put_id_auth(struct ike_sa *sa, struct ike_writer *w)
{
    uint8_t body[4 + IKE_ID_MAX], value[IKE_PRF_MAX_LEN];
    size_t n = id_body(&sa->peer->local_id, body);
    int rc = auth_value(sa, sa->peer, sa->initiator, body, n, value);
    if (rc < 0)
        return rc;
    const struct ike_id_payload id = {.type = sa->peer->local_id.type,
                                      .data = {sa->peer->local_id.data, sa->peer->local_id.len}};
    ike_id_encode(w, sa->initiator ? IKE_PL_IDI : IKE_PL_IDR, &id);
    const struct ike_auth_payload auth = {.method = IKE_AUTH_SHARED_KEY,
                                          .data = {value, (uint16_t)ike_prf_len(sa->alg.prf)}};
    return ike_auth_encode(w, &auth);
}

static void put_ts(struct ike_writer *w, uint8_t which, const struct ike_ts *ts, unsigned n)
{
    struct ike_ts_payload p = {.nts = (uint8_t)n};
    memcpy(p.ts, ts, n * sizeof(*ts));
    ike_ts_encode(w, which, &p);
}

/* ---- responder ---- */

struct auth_reply {
    uint16_t child_error; /* notify sent instead of a Child SA, 0 when created */
    struct ike_child_sa *child;
};

static int build_auth_reply(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    struct auth_reply *r = arg;
    int rc = put_id_auth(sa, w);
    if (rc < 0)
        return rc;
    if (r->child_error != 0)
        return ike_notify_encode_simple(w, r->child_error, NULL, 0);
    if (r->child == NULL)
        return 0; /* the initiator asked for no Child SA */
    static struct ike_sa_payload sa_pl;
    struct ike_chosen reply = r->child->alg;
    uint8_t spi[4];
    ike_put32(spi, r->child->spi_in);
    memcpy(reply.spi, spi, 4);
    ike_proposal_reply(&reply, &sa_pl);
    ike_sa_encode(w, &sa_pl);
    ike_ts_encode_set(w, IKE_PL_TSI, &r->child->ts_remote);
    return ike_ts_encode_set(w, IKE_PL_TSR, &r->child->ts_local);
}

static int build_notify_only(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w,
                             void *arg)
{
    (void)ctx;
    (void)sa;
    return ike_notify_encode_simple(w, *(uint16_t *)arg, NULL, 0);
}

static void send_auth_failed(struct ike_ctx *ctx, struct ike_sa *sa, uint32_t msg_id)
{
    uint16_t type = IKE_N_AUTHENTICATION_FAILED;
    ctx->counters.auth_failed++;
    ike_send_encrypted(ctx, sa, IKE_EXCH_IKE_AUTH, true, msg_id, build_notify_only, &type);
    ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "authentication failed");
}

/* The peer configuration this identity and AUTH belong to, or NULL. */
static const struct ike_peer_cfg *authenticate(struct ike_ctx *ctx, struct ike_sa *sa,
                                               const struct ike_id_payload *id,
                                               const struct ike_msg *m)
{
    for (unsigned i = 0; i < ctx->cfg.npeers; i++) {
        const struct ike_peer_cfg *p = &ctx->cfg.peers[i];
        if (!id_matches(&p->remote_id, id) || !ike_proposal_acceptable(&sa->alg, p->ike, p->nike))
            continue;
        if (verify_auth(sa, p, id, m))
            return p;
    }
    return NULL;
}

/* Negotiates the Child SA of IKE_AUTH; returns 0 or the error notify to send. */
static uint16_t responder_child(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                                struct ike_child_sa *child)
{
    static struct ike_sa_payload offer;
    struct ike_ts_payload tsi, tsr;
    if (ike_sa_decode(ike_msg_find(m, IKE_PL_SA, NULL), &offer, NULL) < 0 ||
        ike_ts_decode(ike_msg_find(m, IKE_PL_TSI, NULL), &tsi, NULL) < 0 ||
        ike_ts_decode(ike_msg_find(m, IKE_PL_TSR, NULL), &tsr, NULL) < 0)
        return IKE_N_INVALID_SYNTAX;
    struct ike_proposal_cfg esp[IKE_CFG_MAX_PROPOSALS];
    ike_proposal_cfg_without_dh(sa->peer->esp, sa->peer->nesp, esp);
    if (ike_proposal_select(&offer, esp, sa->peer->nesp, IKE_PROTO_ESP, &child->alg) < 0 ||
        child->alg.spi_size != 4) {
        ctx->counters.no_proposal_chosen++;
        return IKE_N_NO_PROPOSAL_CHOSEN;
    }
    if (child->alg.dh != IKE_DH_NONE) {
        /* No KE in IKE_AUTH: the first Child SA cannot have PFS (RFC 7296 1.2). */
        ctx->counters.no_proposal_chosen++;
        return IKE_N_NO_PROPOSAL_CHOSEN;
    }
    /* TSi is the initiator's side (our remote), TSr ours. */
    if (ike_ts_narrow_set(&tsi, sa->peer->remote_ts, sa->peer->nremote_ts, &child->ts_remote) ==
            0 ||
        ike_ts_narrow_set(&tsr, sa->peer->local_ts, sa->peer->nlocal_ts, &child->ts_local) == 0) {
        ctx->counters.ts_unacceptable++;
        return IKE_N_TS_UNACCEPTABLE;
    }
    child->spi_out = ike_get32(child->alg.spi);
    child->spi_in = ike_child_fresh_spi(ctx, sa);
    return 0;
}

void ike_auth_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    uint32_t msg_id = m->hdr.msg_id;
    sa->next_peer_id = msg_id + 1;
    struct ike_id_payload idi;
    if (ike_id_decode(ike_msg_find(m, IKE_PL_IDI, NULL), &idi, NULL) < 0) {
        send_auth_failed(ctx, sa, msg_id);
        return;
    }
    const struct ike_peer_cfg *peer = authenticate(ctx, sa, &idi, m);
    if (peer == NULL) {
        ike_log(ctx, IKE_LOG_WARN, "IKE_AUTH: no peer configuration authenticates this identity");
        send_auth_failed(ctx, sa, msg_id);
        return;
    }
    sa->peer = peer;
    remember_id(sa, &idi);
    struct auth_reply reply = {.child_error = 0, .child = NULL};
    if (ike_msg_find(m, IKE_PL_SA, NULL) != NULL) {
        reply.child = ike_child_new(ctx, sa);
        reply.child_error = reply.child == NULL ? IKE_N_TEMPORARY_FAILURE
                                                : responder_child(ctx, sa, m, reply.child);
        if (reply.child_error != 0) {
            ike_child_discard(sa, reply.child);
            reply.child = NULL;
        } else if (ike_child_derive_and_install(ctx, sa, reply.child) < 0) {
            reply.child_error = IKE_N_TEMPORARY_FAILURE; /* it discarded the Child SA */
            reply.child = NULL;
        }
    }
    if (ike_send_encrypted(ctx, sa, IKE_EXCH_IKE_AUTH, true, msg_id, build_auth_reply, &reply) <
        0) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "cannot send IKE_AUTH response");
        return;
    }
    ike_sa_set_state(ctx, sa, IKE_SA_ESTABLISHED, "IKE_AUTH done");
    if (ike_msg_find_notify(m, IKE_N_INITIAL_CONTACT) != NULL)
        ike_initial_contact(ctx, sa);
}

/* ---- initiator ---- */

static int build_auth_request(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w,
                              void *arg)
{
    (void)arg;
    int rc = put_id_auth(sa, w);
    if (rc < 0)
        return rc;
    /* Nothing else with this peer: tell it to drop whatever it still holds from us (2.4). */
    if (!ike_sa_other_with_peer(ctx, sa))
        ike_notify_encode_simple(w, IKE_N_INITIAL_CONTACT, NULL, 0);
    if (sa->peer->remote_id.type != 0) {
        const struct ike_id_payload idr = {
            .type = sa->peer->remote_id.type,
            .data = {sa->peer->remote_id.data, sa->peer->remote_id.len}};
        ike_id_encode(w, IKE_PL_IDR, &idr);
    }
    sa->child_spi_offered = ike_child_fresh_spi(ctx, sa);
    uint8_t spi[4];
    ike_put32(spi, sa->child_spi_offered);
    static struct ike_sa_payload offer;
    struct ike_proposal_cfg esp[IKE_CFG_MAX_PROPOSALS];
    ike_proposal_cfg_without_dh(sa->peer->esp, sa->peer->nesp, esp);
    ike_proposal_offer(esp, sa->peer->nesp, spi, 4, &offer);
    ike_sa_encode(w, &offer);
    put_ts(w, IKE_PL_TSI, sa->peer->local_ts, sa->peer->nlocal_ts);
    put_ts(w, IKE_PL_TSR, sa->peer->remote_ts, sa->peer->nremote_ts);
    return w->overflow ? -ENOSPC : 0;
}

int ike_auth_start(struct ike_ctx *ctx, struct ike_sa *sa)
{
    return ike_send_encrypted(ctx, sa, IKE_EXCH_IKE_AUTH, false, sa->next_req_id,
                              build_auth_request, NULL);
}

/* Checks the responder's Child SA; false when it is not what we offered. */
static bool initiator_child(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                            struct ike_child_sa *child)
{
    static struct ike_sa_payload reply;
    struct ike_proposal_cfg esp[IKE_CFG_MAX_PROPOSALS];
    ike_proposal_cfg_without_dh(sa->peer->esp, sa->peer->nesp, esp);
    if (ike_sa_decode(ike_msg_find(m, IKE_PL_SA, NULL), &reply, NULL) < 0 ||
        ike_proposal_from_reply(&reply, &child->alg) < 0 || child->alg.spi_size != 4 ||
        !ike_proposal_acceptable(&child->alg, esp, sa->peer->nesp) ||
        ike_ts_decode_set(ike_msg_find(m, IKE_PL_TSI, NULL), &child->ts_local) < 0 ||
        ike_ts_decode_set(ike_msg_find(m, IKE_PL_TSR, NULL), &child->ts_remote) < 0 ||
        !ike_ts_set_within(&child->ts_local, sa->peer->local_ts, sa->peer->nlocal_ts) ||
        !ike_ts_set_within(&child->ts_remote, sa->peer->remote_ts, sa->peer->nremote_ts)) {
        ike_log(ctx, IKE_LOG_WARN, "responder's Child SA is not one we offered");
        return false;
    }
    child->spi_in = sa->child_spi_offered;
    child->spi_out = ike_get32(child->alg.spi);
    return true;
}

void ike_auth_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    struct ike_id_payload idr;
    if (ike_msg_find_notify(m, IKE_N_AUTHENTICATION_FAILED) != NULL ||
        ike_id_decode(ike_msg_find(m, IKE_PL_IDR, NULL), &idr, NULL) < 0 ||
        !id_matches(&sa->peer->remote_id, &idr) || !verify_auth(sa, sa->peer, &idr, m)) {
        ctx->counters.auth_failed++;
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "responder not authenticated");
        return;
    }
    remember_id(sa, &idr);
    ike_sa_set_state(ctx, sa, IKE_SA_ESTABLISHED, "IKE_AUTH done");
    if (ike_msg_find(m, IKE_PL_SA, NULL) == NULL) {
        const struct ike_pl *pl = NULL;
        for (unsigned i = 0; i < m->npayloads && pl == NULL; i++) {
            struct ike_notify_payload n;
            if (m->pl[i].type == IKE_PL_NOTIFY && ike_notify_decode(&m->pl[i], &n, NULL) == 0 &&
                n.type < 16384)
                pl = &m->pl[i];
        }
        if (pl != NULL)
            ctx->counters.ts_unacceptable += ike_get16(pl->body + 2) == IKE_N_TS_UNACCEPTABLE;
        ike_log(ctx, IKE_LOG_WARN, "IKE SA up without a Child SA");
        return;
    }
    struct ike_child_sa *child = ike_child_new(ctx, sa);
    if (child == NULL)
        return;
    if (initiator_child(ctx, sa, m, child))
        ike_child_derive_and_install(ctx, sa, child);
    else
        ike_child_discard(sa, child);
}
