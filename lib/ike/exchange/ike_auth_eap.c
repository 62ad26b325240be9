/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_AUTH with EAP (RFC 7296 2.16), EAP-MD5 (eap_md5.c) or EAP-MSCHAPv2
 * (eap_mschapv2.c) as the method, as the peer configuration says:
 *
 *   I: IDi, [IDr], SA, TSi, TSr              (no AUTH: "EAP, please")
 *   R: IDr, [CERT], AUTH, EAP(request)       (or N(REDIRECT) instead of EAP)
 *   I: EAP(response)
 *   R: EAP(Success)                          (or a new request, or Failure)
 *   I: AUTH                                  (keyed with the MSK, or SK_pi without one)
 *   R: AUTH, SA, TSi, TSr                    (keyed with the MSK, or SK_pr; or N(REDIRECT))
 *
 * MSCHAPv2 takes two EAP round trips (Response, then Success-Response) and
 * makes an MSK; MD5 takes one and makes none.
 *
 * With multiple authentication (RFC 4739) the first round is an ordinary
 * IKE_AUTH with N(ANOTHER_AUTH_FOLLOWS), answered with IDr and AUTH only; the
 * second begins with the initiator's IDi alone, and EAP follows as above
 * (without our IDr and AUTH, which the peer has). The AUTH after EAP covers
 * the IDi of the EAP round.
 *
 * The responder's SA stays INIT_DONE (half-open) through the conversation, so
 * the half-open timeout also ends an abandoned one; the Child SA asked for in
 * the first message is chosen then and installed only after the last AUTH.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "eap_radius.h"
#include "ike_auth_eap.h"
#include "ike_eap.h"
#include "ike_eap_mschapv2.h"

/* Initiator: EAP requests we answer before giving up (a server asking forever). */
#define EAP_PEER_MAX_ROUNDS 8

enum eap_phase {
    EAP_WAIT_SECOND_ID,  /* responder: first round done, the IDi of the second comes next */
    EAP_WAIT_RESPONSE,   /* responder: our request is out */
    EAP_WAIT_AUTH,       /* responder: EAP-Success is out, the initiator's AUTH comes next */
    EAP_REDIRECTED,      /* responder: sent elsewhere in the first response; no IKE SA */
    EAP_WAIT_REQUEST,    /* initiator: our response is out */
    EAP_WAIT_FINAL_AUTH, /* initiator: our AUTH is out */
    EAP_WAIT_RADIUS      /* responder, eap-radius: the client's response is with RADIUS */
};

struct ike_eap_conv {
    enum eap_phase phase;
    uint8_t method; /* IKE_PEER_AUTH_EAP_MD5 or _MSCHAPV2 */
    struct ike_eap_server server;
    struct ike_mschapv2_server ms;     /* responder with MSCHAPv2 */
    struct ike_mschapv2_peer ms_peer;  /* initiator with MSCHAPv2 */
    uint8_t msk[IKE_MSCHAPV2_MSK_LEN]; /* the AUTH key after EAP, once EAP succeeded */
    bool has_msk;
    const struct ike_eap_secret *user; /* responder: NULL for an unknown identity */
    struct ike_id eap_id;              /* responder: the IDi of the EAP round */
    struct ike_child_sa *child;        /* responder: chosen from the first request */
    uint16_t child_error;
    bool initial_contact;
    unsigned peer_rounds; /* initiator */
    /* eap-radius (RFC 3579): what the next Access-Request carries, and the one out. */
    struct ike_rad_req *rad_req;
    uint32_t rad_msg_id; /* the IKE_AUTH request the RADIUS answer goes to */
    uint8_t rad_eap_id;  /* the EAP Identifier of the last message relayed */
    uint8_t rad_user[IKE_RADIUS_ATTR_MAX_VALUE];
    size_t rad_user_len;
    uint8_t rad_state[IKE_RADIUS_ATTR_MAX_VALUE];
    size_t rad_state_len;
};

uint8_t ike_auth_eap_identifier(const struct ike_sa *sa)
{
    if (sa->eap == NULL)
        return 0;
    if (sa->eap->method == IKE_PEER_AUTH_EAP_RADIUS)
        return sa->eap->rad_eap_id;
    return sa->eap->method == IKE_PEER_AUTH_EAP_MSCHAPV2 ? sa->eap->ms.identifier
                                                         : sa->eap->server.identifier;
}

void ike_auth_eap_free(struct ike_sa *sa)
{
    if (sa->eap == NULL)
        return;
    ike_eap_radius_forget(sa->eap->rad_req);
    OPENSSL_cleanse(sa->eap, sizeof(*sa->eap));
    free(sa->eap);
    sa->eap = NULL;
}

/*
 * The shared-key AUTH after EAP (RFC 7296 2.16): the MSK is the key when the
 * method made one (MSCHAPv2), else SK_pi or SK_pr (MD5).
 */
static int eap_auth_value(const struct ike_sa *sa, bool initiator_side, const struct ike_id *id,
                          uint8_t *out)
{
    uint8_t body[4 + IKE_ID_MAX];
    size_t n = ike_auth_id_body(id, body);
    if (sa->eap != NULL && sa->eap->has_msk)
        return ike_auth_shared_key_value(sa, sa->eap->msk, sizeof(sa->eap->msk), initiator_side,
                                         body, n, out);
    const uint8_t *key = initiator_side ? sa->keys.sk_pi : sa->keys.sk_pr;
    return ike_auth_shared_key_value(sa, key, sa->keys.lens.prf, initiator_side, body, n, out);
}

static int put_eap_auth(const struct ike_sa *sa, struct ike_writer *w, bool initiator_side,
                        const struct ike_id *id)
{
    uint8_t value[IKE_PRF_MAX_LEN];
    if (eap_auth_value(sa, initiator_side, id, value) < 0)
        return -1;
    const struct ike_auth_payload auth = {.method = IKE_AUTH_SHARED_KEY,
                                          .data = {value, (uint16_t)ike_prf_len(sa->alg.prf)}};
    return ike_auth_encode(w, &auth);
}

/* Whether m's AUTH is the peer's shared-key AUTH after EAP, over identity `id`. */
static bool eap_auth_ok(const struct ike_sa *sa, const struct ike_msg *m, bool initiator_side,
                        const struct ike_id *id)
{
    struct ike_auth_payload auth;
    uint8_t expect[IKE_PRF_MAX_LEN];
    const struct ike_pl *pl = ike_msg_find(m, IKE_PL_AUTH, NULL);
    if (pl == NULL || ike_auth_decode(pl, &auth, NULL) < 0 || auth.method != IKE_AUTH_SHARED_KEY ||
        auth.data.len != ike_prf_len(sa->alg.prf) ||
        eap_auth_value(sa, initiator_side, id, expect) < 0)
        return false;
    return CRYPTO_memcmp(expect, auth.data.ptr, auth.data.len) == 0;
}

/* The one EAP payload of m, decoded; false when there is none or it is malformed. */
static bool find_eap(const struct ike_msg *m, struct ike_eap_payload *eap)
{
    const struct ike_pl *pl = ike_msg_find(m, IKE_PL_EAP, NULL);
    return pl != NULL && ike_eap_decode(pl, eap, NULL) == 0;
}

/* ---- responder ---- */

/* What one of our IKE_AUTH responses in the conversation carries, in this order. */
struct eap_reply {
    bool id_auth; /* IDr, CERTs, AUTH: the first response */
    unsigned ncerts;
    bool final_auth; /* AUTH keyed with SK_pr: the last response */
    const uint8_t *eap;
    size_t eap_len;
    uint16_t notify; /* AUTHENTICATION_FAILED after EAP-Failure */
    bool outcome;    /* then redirect or the Child SA (ike_auth_put_outcome) */
    const struct ike_gw_id *redirect;
    const struct ike_child_sa *child;
    uint16_t child_error;
    uint8_t eap_buf[IKE_EAP_MSG_MAX]; /* our first request, when `eap` points here */
};

static int build_eap_reply(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    const struct eap_reply *r = arg;
    if (r->id_auth && ike_auth_put_id_auth(sa, w, r->ncerts) < 0)
        return -1;
    if (r->final_auth && put_eap_auth(sa, w, false, &sa->peer->local_id) < 0)
        return -1;
    if (r->eap != NULL && ike_eap_encode(w, &(struct ike_bytes){r->eap, (uint16_t)r->eap_len}) < 0)
        return -1;
    if (r->notify != 0 && ike_notify_encode_simple(w, r->notify, NULL, 0) < 0)
        return -1;
    /* RFC 6290: our token goes in the last response, with the outcome; RFC 4555 3.2 likewise. */
    if (r->outcome && r->redirect == NULL) {
        ike_qcd_put(ctx, sa, w, sa->spi_i, sa->spi_r);
        ike_mobike_put_auth(ctx, sa, w);
    }
    if (r->outcome)
        return ike_auth_put_outcome(ctx, sa, w, r->redirect, r->child_error, r->child);
    return w->overflow ? -1 : 0;
}

static void reply(struct ike_ctx *ctx, struct ike_sa *sa, uint32_t msg_id, struct eap_reply *r)
{
    if (ike_send_encrypted(ctx, sa, IKE_EXCH_IKE_AUTH, true, msg_id, build_eap_reply, r) < 0)
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "cannot send IKE_AUTH response");
}

/* The peer configuration a client without AUTH belongs to: EAP, its identity, our proposal. */
static const struct ike_peer_cfg *eap_peer(struct ike_ctx *ctx, const struct ike_sa *sa,
                                           const struct ike_id_payload *idi)
{
    for (unsigned i = 0; i < ctx->cfg.npeers; i++) {
        const struct ike_peer_cfg *p = &ctx->cfg.peers[i];
        if (ike_peer_auth_is_eap(p->remote_auth) && ike_auth_id_matches(&p->remote_id, idi) &&
            ike_proposal_acceptable(&sa->alg, p->ike, p->nike))
            return p;
    }
    return NULL;
}

static void copy_id(struct ike_id *to, const struct ike_id_payload *from)
{
    to->type = from->type;
    to->len = (uint8_t)(from->data.len < IKE_ID_MAX ? from->data.len : IKE_ID_MAX);
    memcpy(to->data, from->data.ptr, to->len);
}

static const struct ike_eap_secret *eap_user(const struct ike_peer_cfg *p,
                                             const struct ike_id_payload *idi)
{
    for (unsigned i = 0; i < p->neap_secrets; i++) {
        const struct ike_id *u = &p->eap_secrets[i].id;
        if (u->len == idi->data.len && memcmp(u->data, idi->data.ptr, u->len) == 0)
            return &p->eap_secrets[i];
    }
    return NULL;
}

static void count_reject(struct ike_ctx *ctx, enum ike_eap_reject why)
{
    struct ike_counters *k = &ctx->counters;
    k->eap_wrong_secret += why == IKE_EAP_WRONG_SECRET;
    k->eap_unknown_user += why == IKE_EAP_UNKNOWN_USER;
    k->eap_bad_identifier += why == IKE_EAP_BAD_IDENTIFIER;
    k->eap_bad_type += why == IKE_EAP_BAD_TYPE;
    k->eap_bad_length += why == IKE_EAP_BAD_LENGTH;
    k->eap_nak += why == IKE_EAP_NAK;
    k->eap_too_many_rounds += why == IKE_EAP_TOO_MANY_ROUNDS;
    k->eap_bad_opcode += why == IKE_EAP_BAD_OPCODE;
    k->eap_name_mismatch += why == IKE_EAP_NAME_MISMATCH;
    k->eap_crypto_failed += why == IKE_EAP_CRYPTO_FAILED;
}

/* Something that does not belong in this round: refused, and the conversation ends. */
static void out_of_order(struct ike_ctx *ctx, struct ike_sa *sa, uint32_t msg_id, const char *what)
{
    ctx->counters.eap_out_of_order++;
    ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "IKE_AUTH EAP: %s", what);
    ike_auth_send_failed(ctx, sa, msg_id);
}

/* The first IKE_AUTH response sends the client elsewhere: no EAP, and no IKE SA after it. */
static void redirect_first(struct ike_ctx *ctx, struct ike_sa *sa, struct eap_reply *r,
                           const struct ike_gw_id *gw)
{
    sa->eap->phase = EAP_REDIRECTED;
    r->outcome = true;
    r->redirect = gw;
    ctx->counters.redirects_sent++;
    ctx->counters.redirects_auth_first++;
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "IKE_AUTH: redirected in the first IKE_AUTH response");
}

/* Starts the peer's EAP method for identity `idi`: the request goes into r. */
static void start_eap(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_id_payload *idi,
                      struct eap_reply *r)
{
    struct ike_eap_conv *c = sa->eap;
    uint8_t rnd[1 + IKE_EAP_MD5_CHALLENGE_LEN];
    c->user = eap_user(sa->peer, idi);
    copy_id(&c->eap_id, idi);
    ike_random(ctx, rnd, sizeof(rnd));
    r->eap = r->eap_buf;
    if (sa->peer->remote_auth == IKE_PEER_AUTH_EAP_RADIUS) {
        /* RFC 3579: the identity comes from the client's EAP-Response/Identity. */
        c->method = IKE_PEER_AUTH_EAP_RADIUS;
        c->rad_eap_id = rnd[0];
        const uint8_t req[5] = {IKE_EAP_CODE_REQUEST, rnd[0], 0, 5, IKE_EAP_TYPE_IDENTITY};
        memcpy(r->eap_buf, req, sizeof(req));
        r->eap_len = sizeof(req);
        c->phase = EAP_WAIT_RESPONSE;
        ctx->counters.eap_started++;
        return;
    }
    /* The second round (RFC 4739) is EAP-MD5 only. */
    c->method = sa->peer->remote_auth == IKE_PEER_AUTH_EAP_MSCHAPV2 ? IKE_PEER_AUTH_EAP_MSCHAPV2
                                                                    : IKE_PEER_AUTH_EAP_MD5;
    if (c->method == IKE_PEER_AUTH_EAP_MSCHAPV2)
        r->eap_len = ike_mschapv2_server_start(&c->ms, rnd, r->eap_buf);
    else
        r->eap_len = ike_eap_server_start(&c->server, rnd, r->eap_buf);
    c->phase = EAP_WAIT_RESPONSE;
    ctx->counters.eap_started++;
}

void ike_auth_eap_begin(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_id_payload *idi,
                        const struct ike_msg *m)
{
    uint32_t msg_id = m->hdr.msg_id;
    const struct ike_peer_cfg *peer = eap_peer(ctx, sa, idi);
    if (peer == NULL) {
        char claimed[IKE_ID_LOG_MAX];
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "IKE_AUTH without AUTH: no EAP peer for %s",
                      ike_auth_claimed_id_text(idi, claimed, sizeof(claimed)));
        ike_auth_send_failed(ctx, sa, msg_id);
        return;
    }
    sa->eap = calloc(1, sizeof(*sa->eap));
    if (sa->eap == NULL) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "out of memory");
        return;
    }
    sa->peer = peer;
    ike_auth_remember_id(sa, idi);
    ike_qcd_take(ctx, sa, m);
    struct ike_eap_conv *c = sa->eap;
    struct eap_reply r = {.id_auth = true, .ncerts = ike_auth_certs_wanted(ctx, peer, m)};
    struct ike_gw_id gw;
    /* RFC 5685 6: redirect on the unauthenticated IDi, with our AUTH and instead of EAP. */
    if (peer->auth_redirect_when == IKE_REDIRECT_AUTH_FIRST && ike_redirect_in_auth(ctx, sa, &gw)) {
        redirect_first(ctx, sa, &r, &gw);
        reply(ctx, sa, msg_id, &r);
        return;
    }
    c->initial_contact = ike_msg_find_notify(m, IKE_N_INITIAL_CONTACT) != NULL;
    c->child = ike_auth_responder_child(ctx, sa, m, &c->child_error);
    start_eap(ctx, sa, idi, &r);
    reply(ctx, sa, msg_id, &r);
}

void ike_auth_eap_second_round(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    uint32_t msg_id = m->hdr.msg_id;
    sa->eap = calloc(1, sizeof(*sa->eap));
    if (sa->eap == NULL) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "out of memory");
        return;
    }
    struct ike_eap_conv *c = sa->eap;
    struct eap_reply r = {.id_auth = true, .ncerts = ike_auth_certs_wanted(ctx, sa->peer, m)};
    struct ike_gw_id gw;
    if (sa->peer->auth_redirect_when == IKE_REDIRECT_AUTH_FIRST &&
        ike_redirect_in_auth(ctx, sa, &gw)) {
        redirect_first(ctx, sa, &r, &gw);
        reply(ctx, sa, msg_id, &r);
        return;
    }
    c->initial_contact = ike_msg_find_notify(m, IKE_N_INITIAL_CONTACT) != NULL;
    c->child = ike_auth_responder_child(ctx, sa, m, &c->child_error);
    c->phase = EAP_WAIT_SECOND_ID;
    reply(ctx, sa, msg_id, &r);
}

/* RFC 4739: the second round opens with the initiator's IDi (the EAP identity) and no AUTH. */
static void second_id(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    struct ike_id_payload idi;
    if (ike_msg_find(m, IKE_PL_AUTH, NULL) != NULL || ike_msg_find(m, IKE_PL_EAP, NULL) != NULL ||
        ike_id_decode(ike_msg_find(m, IKE_PL_IDI, NULL), &idi, NULL) < 0) {
        out_of_order(ctx, sa, m->hdr.msg_id, "expected the IDi of the second round alone");
        return;
    }
    struct eap_reply r = {.id_auth = false};
    start_eap(ctx, sa, &idi, &r);
    reply(ctx, sa, m->hdr.msg_id, &r);
}

/* eap-radius: the client's EAP response goes to RADIUS; the IKE answer waits for its reply. */
static void radius_round(struct ike_ctx *ctx, struct ike_sa *sa, uint32_t msg_id,
                         const uint8_t *msg, size_t len)
{
    struct ike_eap_conv *c = sa->eap;
    if (len < 4 || len > IKE_RADIUS_EAP_MAX || msg[0] != IKE_EAP_CODE_RESPONSE) {
        ctx->counters.eap_bad_length++;
        out_of_order(ctx, sa, msg_id, "expected an EAP response");
        return;
    }
    if (c->rad_user_len == 0) {
        /* User-Name is the EAP identity (RFC 3579 2.1), or the IDi without one. */
        const uint8_t *u = c->eap_id.data;
        size_t ulen = c->eap_id.len;
        if (len > 5 && msg[4] == IKE_EAP_TYPE_IDENTITY) {
            u = msg + 5;
            ulen = len - 5;
        }
        if (ulen > sizeof(c->rad_user))
            ulen = sizeof(c->rad_user);
        memcpy(c->rad_user, u, ulen);
        c->rad_user_len = ulen;
    }
    c->rad_eap_id = msg[1];
    const struct ike_rad_input in = {.user = c->rad_user,
                                     .user_len = c->rad_user_len,
                                     .eap = msg,
                                     .eap_len = len,
                                     .state = c->rad_state,
                                     .state_len = c->rad_state_len};
    bool full;
    c->rad_req = ike_eap_radius_send(ctx, sa, &in, &full);
    if (c->rad_req == NULL && full) {
        /*
         * RADIUS is as busy as we let it be: no answer, and the request is
         * not taken (its message ID is expected again), so the client's
         * retransmission, seconds later, asks again. strongSwan's clients
         * retransmit for about three minutes.
         */
        sa->next_peer_id = msg_id;
        ike_sa_log_rl(ctx, sa, IKE_LOG_INFO,
                      "IKE_AUTH EAP-RADIUS: RADIUS queue full; waiting for the retransmission");
        return;
    }
    if (c->rad_req == NULL) {
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "IKE_AUTH EAP-RADIUS: cannot ask RADIUS");
        ike_auth_send_failed(ctx, sa, msg_id);
        return;
    }
    c->rad_msg_id = msg_id;
    c->phase = EAP_WAIT_RADIUS;
}

bool ike_auth_eap_radius_pending(const struct ike_sa *sa)
{
    return sa->eap != NULL && sa->eap->phase == EAP_WAIT_RADIUS;
}

void ike_auth_eap_radius_done(struct ike_ctx *ctx, struct ike_sa *sa,
                              const struct ike_radius_reply *rep)
{
    struct ike_eap_conv *c = sa->eap;
    if (c == NULL || c->phase != EAP_WAIT_RADIUS)
        return;
    c->rad_req = NULL;
    uint32_t msg_id = c->rad_msg_id;
    if (rep == NULL) {
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "IKE_AUTH EAP-RADIUS: no RADIUS server answered");
        ike_auth_send_failed(ctx, sa, msg_id);
        return;
    }
    uint8_t built[4] = {0, c->rad_eap_id, 0, 4};
    struct eap_reply r = {.eap = rep->eap, .eap_len = rep->eap_len};
    if (rep->code == IKE_RADIUS_ACCESS_CHALLENGE) {
        if (rep->eap_len < 4 || rep->eap[0] != IKE_EAP_CODE_REQUEST) {
            ike_auth_send_failed(ctx, sa, msg_id);
            return;
        }
        ctx->counters.radius_challenges++;
        memcpy(c->rad_state, rep->state, rep->state_len);
        c->rad_state_len = rep->state_len;
        c->phase = EAP_WAIT_RESPONSE;
        reply(ctx, sa, msg_id, &r);
        return;
    }
    if (rep->code == IKE_RADIUS_ACCESS_ACCEPT) {
        ctx->counters.radius_accepts++;
        if (rep->has_msk) {
            memcpy(c->msk, rep->msk, sizeof(c->msk));
            c->has_msk = true;
        } else {
            ctx->counters.radius_accept_no_msk++;
        }
        if (rep->eap_len < 4 || rep->eap[0] != IKE_EAP_CODE_SUCCESS) {
            built[0] = IKE_EAP_CODE_SUCCESS;
            r.eap = built;
            r.eap_len = sizeof(built);
        }
        if (rep->has_session_timeout)
            sa->radius_session_timeout_s = rep->session_timeout;
        if (rep->has_framed_ip) {
            sa->radius_vip4 = rep->framed_ip;
            sa->radius_vip4.port = 0;
            sa->has_radius_vip4 = true;
        }
        if (rep->has_framed_ip6 && rep->framed_ip6_prefix_len == 128) {
            /* An address of its own; a Framed-IPv6-Prefix alone (a delegated net) is not one. */
            sa->radius_vip6 = rep->framed_ip6;
            sa->radius_vip6.port = 0;
            sa->has_radius_vip6 = true;
        }
        ike_acct_accept(ctx, sa, rep, c->rad_user, c->rad_user_len);
        c->phase = EAP_WAIT_AUTH;
        ike_sa_log(ctx, sa, IKE_LOG_INFO, "IKE_AUTH EAP-RADIUS: accepted by RADIUS");
        reply(ctx, sa, msg_id, &r);
        return;
    }
    /* Access-Reject: EAP-Failure and AUTHENTICATION_FAILED; nothing is leased. */
    ctx->counters.radius_rejects++;
    if (rep->eap_len < 4 || rep->eap[0] != IKE_EAP_CODE_FAILURE) {
        built[0] = IKE_EAP_CODE_FAILURE;
        r.eap = built;
        r.eap_len = sizeof(built);
    }
    r.notify = IKE_N_AUTHENTICATION_FAILED;
    ctx->counters.auth_failed++;
    ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "IKE_AUTH EAP-RADIUS: rejected by RADIUS");
    reply(ctx, sa, msg_id, &r);
    ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "RADIUS Access-Reject");
}

static void eap_round(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    struct ike_eap_conv *c = sa->eap;
    uint32_t msg_id = m->hdr.msg_id;
    const struct ike_pl *pl = ike_msg_find(m, IKE_PL_EAP, NULL);
    if (ike_msg_find(m, IKE_PL_AUTH, NULL) != NULL || pl == NULL) {
        out_of_order(ctx, sa, msg_id, "expected an EAP response, and only that");
        return;
    }
    /* The whole payload body, checked or not: the method counts what is wrong with it. */
    const uint8_t *msg = pl->body;
    size_t len = pl->len;
    if (c->method == IKE_PEER_AUTH_EAP_RADIUS) {
        radius_round(ctx, sa, msg_id, msg, len);
        return;
    }
    uint8_t rnd[IKE_EAP_MD5_CHALLENGE_LEN], out[IKE_EAP_MSG_MAX];
    ike_random(ctx, rnd, sizeof(rnd));
    enum ike_eap_reject why;
    size_t out_len;
    const struct ike_eap_secret *u = c->user;
    bool ms = c->method == IKE_PEER_AUTH_EAP_MSCHAPV2;
    enum ike_eap_step step;
    if (ms)
        step = ike_mschapv2_server_input(&c->ms, msg, len, c->eap_id.data, c->eap_id.len,
                                         u ? u->secret : NULL, u ? u->len : 0, out, &out_len, &why);
    else
        step = ike_eap_server_input(&c->server, msg, len, u ? u->secret : NULL, u ? u->len : 0, rnd,
                                    out, &out_len, &why);
    count_reject(ctx, why);
    if (why != IKE_EAP_OK)
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "IKE_AUTH %s: %s", ms ? "EAP-MSCHAPv2" : "EAP-MD5",
                      ike_eap_reject_name(why));
    if (step == IKE_EAP_STEP_SUCCESS && ms) {
        memcpy(c->msk, c->ms.msk, sizeof(c->msk));
        c->has_msk = c->ms.has_msk;
    }
    struct eap_reply r = {.eap = out, .eap_len = out_len};
    if (step == IKE_EAP_STEP_FAILURE) {
        /* EAP-Failure and AUTHENTICATION_FAILED together: the IKE SA ends here too. */
        r.notify = IKE_N_AUTHENTICATION_FAILED;
        ctx->counters.auth_failed++;
        reply(ctx, sa, msg_id, &r);
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "EAP failed");
        return;
    }
    if (step == IKE_EAP_STEP_SUCCESS)
        c->phase = EAP_WAIT_AUTH;
    reply(ctx, sa, msg_id, &r);
}

static void final_auth(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    struct ike_eap_conv *c = sa->eap;
    uint32_t msg_id = m->hdr.msg_id;
    if (ike_msg_find(m, IKE_PL_EAP, NULL) != NULL || ike_msg_find(m, IKE_PL_AUTH, NULL) == NULL) {
        out_of_order(ctx, sa, msg_id, "expected AUTH after EAP-Success");
        return;
    }
    if (!eap_auth_ok(sa, m, true, &c->eap_id)) {
        ctx->counters.eap_bad_final_auth++;
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "IKE_AUTH EAP: the AUTH after EAP does not verify");
        ike_auth_send_failed(ctx, sa, msg_id);
        return;
    }
    struct eap_reply r = {.final_auth = true, .outcome = true};
    struct ike_gw_id gw;
    if (sa->peer->auth_redirect_when == IKE_REDIRECT_AUTH_LAST &&
        ike_redirect_in_auth(ctx, sa, &gw)) {
        r.redirect = &gw;
        ike_child_discard(sa, c->child);
        c->child = NULL;
    } else if (c->child != NULL) {
        c->child_error = ike_auth_install_child(ctx, sa, c->child);
        if (c->child_error != 0)
            c->child = NULL; /* it discarded the Child SA */
    }
    r.child = c->child;
    r.child_error = c->child_error;
    bool initial_contact = c->initial_contact;
    ctx->counters.eap_succeeded++;
    if (ike_send_encrypted(ctx, sa, IKE_EXCH_IKE_AUTH, true, msg_id, build_eap_reply, &r) < 0) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "cannot send IKE_AUTH response");
        return;
    }
    ike_auth_eap_free(sa);
    ike_sa_set_state(ctx, sa, IKE_SA_ESTABLISHED, "IKE_AUTH with EAP done");
    if (sa->radius_session_timeout_s != 0)
        sa->session_end_ns = ike_now(ctx) + (uint64_t)sa->radius_session_timeout_s * 1000000000ull;
    if (r.redirect != NULL) {
        ctx->counters.redirects_sent++;
        ctx->counters.redirects_auth_last++;
        sa->redirect_delete_ns = ike_now(ctx) + (uint64_t)ctx->cfg.redirect_grace_s * 1000000000ull;
        return;
    }
    if (initial_contact)
        ike_initial_contact(ctx, sa);
}

void ike_auth_eap_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    switch (sa->eap->phase) {
    case EAP_WAIT_SECOND_ID:
        second_id(ctx, sa, m);
        break;
    case EAP_WAIT_RESPONSE:
        eap_round(ctx, sa, m);
        break;
    case EAP_WAIT_AUTH:
        final_auth(ctx, sa, m);
        break;
    case EAP_WAIT_RADIUS:
        /* A new request while RADIUS has the last one (ike_ctx.c drops retransmissions). */
        ctx->counters.eap_out_of_order++;
        break;
    default:
        /* Redirected: the client has no IKE SA here; only the half-open timeout remains. */
        ctx->counters.eap_out_of_order++;
        break;
    }
}

/* ---- initiator ---- */

struct eap_request {
    const uint8_t *eap; /* our EAP response, or NULL: our AUTH (or IDi) */
    size_t eap_len;
    bool idi; /* the opening of the second round (RFC 4739): IDi alone */
};

static int build_eap_request(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w,
                             void *arg)
{
    (void)ctx;
    const struct eap_request *r = arg;
    if (r->eap != NULL)
        return ike_eap_encode(w, &(struct ike_bytes){r->eap, (uint16_t)r->eap_len});
    if (r->idi) {
        const struct ike_id *id = &sa->peer->local_id;
        const struct ike_id_payload idi = {.type = id->type, .data = {id->data, id->len}};
        return ike_id_encode(w, IKE_PL_IDI, &idi);
    }
    return put_eap_auth(sa, w, true, &sa->peer->local_id);
}

static void give_up(struct ike_ctx *ctx, struct ike_sa *sa, const char *why)
{
    ctx->counters.auth_failed++;
    ike_sa_log(ctx, sa, IKE_LOG_WARN, "IKE_AUTH EAP: %s", why);
    ike_sa_set_state(ctx, sa, IKE_SA_DEAD, why);
}

static const struct ike_eap_secret *own_secret(const struct ike_peer_cfg *p)
{
    for (unsigned i = 0; i < p->neap_secrets; i++) {
        const struct ike_id *u = &p->eap_secrets[i].id;
        if (u->len == p->local_id.len && memcmp(u->data, p->local_id.data, u->len) == 0)
            return &p->eap_secrets[i];
    }
    return NULL;
}

/* Answers the EAP request of m; false (and the SA is dead) when it cannot. */
static void answer_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_eap_payload *e)
{
    const struct ike_eap_secret *own = own_secret(sa->peer);
    uint8_t out[IKE_EAP_MSG_MAX];
    if (own == NULL) {
        give_up(ctx, sa, "no EAP secret for our identity");
        return;
    }
    if (++sa->eap->peer_rounds > EAP_PEER_MAX_ROUNDS) {
        give_up(ctx, sa, "too many EAP requests");
        return;
    }
    long n;
    if (sa->peer->local_auth == IKE_PEER_AUTH_EAP_MSCHAPV2) {
        uint8_t rnd[IKE_MSCHAPV2_CHALLENGE_LEN];
        ike_random(ctx, rnd, sizeof(rnd));
        n = ike_mschapv2_peer_respond(&sa->eap->ms_peer, e->data.ptr, e->data.len,
                                      sa->peer->local_id.data, sa->peer->local_id.len, own->secret,
                                      own->len, rnd, out, sizeof(out));
    } else {
        n = ike_eap_peer_respond(e->data.ptr, e->data.len, sa->peer->local_id.data,
                                 sa->peer->local_id.len, own->secret, own->len, out, sizeof(out));
    }
    if (n < 0) {
        give_up(ctx, sa, "malformed EAP request");
        return;
    }
    struct eap_request r = {.eap = out, .eap_len = (size_t)n};
    sa->eap->phase = EAP_WAIT_REQUEST;
    if (ike_send_encrypted(ctx, sa, IKE_EXCH_IKE_AUTH, false, sa->next_req_id, build_eap_request,
                           &r) < 0)
        give_up(ctx, sa, "cannot send IKE_AUTH request");
}

void ike_auth_eap_first_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    /* RFC 5685 6: redirected before EAP -- no IKE SA was made, so there is none to delete. */
    if (ike_redirect_follow(ctx, sa, m, false) == IKE_REDIRECT_DONE) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "redirected in the first IKE_AUTH response");
        return;
    }
    if (sa->peer->local_auth2 != 0) {
        /* RFC 4739: our first round is done; the second (EAP) opens with our IDi alone. */
        if (!sa->multiple_auth) {
            ctx->counters.multi_auth_refused++;
            give_up(ctx, sa, "the responder does not take multiple authentication");
            return;
        }
        sa->eap = calloc(1, sizeof(*sa->eap));
        if (sa->eap == NULL) {
            ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "out of memory");
            return;
        }
        sa->eap->phase = EAP_WAIT_REQUEST;
        struct eap_request r = {.idi = true};
        if (ike_send_encrypted(ctx, sa, IKE_EXCH_IKE_AUTH, false, sa->next_req_id,
                               build_eap_request, &r) < 0)
            give_up(ctx, sa, "cannot send IKE_AUTH request");
        return;
    }
    struct ike_eap_payload e;
    if (!find_eap(m, &e) || e.code != IKE_EAP_CODE_REQUEST) {
        give_up(ctx, sa, "the responder started no EAP");
        return;
    }
    sa->eap = calloc(1, sizeof(*sa->eap));
    if (sa->eap == NULL) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "out of memory");
        return;
    }
    answer_request(ctx, sa, &e);
}

void ike_auth_eap_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    if (ike_msg_find_notify(m, IKE_N_AUTHENTICATION_FAILED) != NULL) {
        give_up(ctx, sa, "the responder refused us");
        return;
    }
    if (sa->eap->phase == EAP_WAIT_FINAL_AUTH) {
        if (!eap_auth_ok(sa, m, false, &sa->remote_id)) {
            give_up(ctx, sa, "the responder's AUTH after EAP does not verify");
            return;
        }
        ike_auth_eap_free(sa);
        ike_auth_established(ctx, sa, m);
        return;
    }
    struct ike_eap_payload e;
    if (!find_eap(m, &e)) {
        give_up(ctx, sa, "no EAP in the responder's answer");
        return;
    }
    if (e.code == IKE_EAP_CODE_REQUEST) {
        answer_request(ctx, sa, &e);
        return;
    }
    if (e.code != IKE_EAP_CODE_SUCCESS) {
        give_up(ctx, sa, "EAP-Failure");
        return;
    }
    if (sa->peer->local_auth == IKE_PEER_AUTH_EAP_MSCHAPV2) {
        /* EAP-Success counts only after the server proved the password in Success-Request. */
        struct ike_eap_conv *c = sa->eap;
        if (!c->ms_peer.has_msk) {
            give_up(ctx, sa, "EAP-Success before EAP-MSCHAPv2 succeeded");
            return;
        }
        memcpy(c->msk, c->ms_peer.msk, sizeof(c->msk));
        c->has_msk = true;
    }
    sa->eap->phase = EAP_WAIT_FINAL_AUTH;
    struct eap_request r = {.eap = NULL};
    if (ike_send_encrypted(ctx, sa, IKE_EXCH_IKE_AUTH, false, sa->next_req_id, build_eap_request,
                           &r) < 0)
        give_up(ctx, sa, "cannot send IKE_AUTH request");
}
