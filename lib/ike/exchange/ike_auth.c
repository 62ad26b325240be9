/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKE_AUTH exchange (RFC 7296 1.2, 2.15) with shared keys or certificates
 * (RFC 7427 signatures, auth_cert.c), and the first Child SA.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <string.h>

#include "ike_auth_cert.h"
#include "ike_auth_eap.h"
#include "ike_auth_psk.h"
#include "ike_sa.h"
#include "ike_ts.h"
#include "ike_writer.h"

/* CA hashes taken from a peer's CERTREQ payloads: more are of no use to pick among our few. */
#define CERTREQ_MAX_HASHES 32

size_t ike_auth_id_body(const struct ike_id *id, uint8_t *out)
{
    out[0] = id->type;
    memset(out + 1, 0, 3);
    memcpy(out + 4, id->data, id->len);
    return 4u + id->len;
}

void ike_auth_remember_id(struct ike_sa *sa, const struct ike_id_payload *id)
{
    sa->remote_id.type = id->type;
    sa->remote_id.len = (uint8_t)(id->data.len < IKE_ID_MAX ? id->data.len : IKE_ID_MAX);
    memcpy(sa->remote_id.data, id->data.ptr, sa->remote_id.len);
}

const char *ike_auth_claimed_id_text(const struct ike_id_payload *id, char *out, size_t cap)
{
    struct ike_id claimed = {
        .type = id->type, .len = (uint8_t)(id->data.len < IKE_ID_MAX ? id->data.len : IKE_ID_MAX)};
    memcpy(claimed.data, id->data.ptr, claimed.len);
    return ike_id_log_text(&claimed, out, cap);
}

bool ike_auth_id_matches(const struct ike_id *want, const struct ike_id_payload *got)
{
    if (want->type == 0)
        return true;
    if (want->type != got->type)
        return false;
    /* A DN may come with other string types or spacing than configured: compare as X.500. */
    if (want->type == IKE_ID_DER_ASN1_DN)
        return ike_dn_equal(want->data, want->len, got->data.ptr, got->data.len);
    return want->len == got->data.len && memcmp(want->data, got->data.ptr, want->len) == 0;
}

int ike_auth_shared_key_value(const struct ike_sa *sa, const uint8_t *key, size_t key_len,
                              bool initiator_side, const uint8_t *id, size_t id_len, uint8_t *out)
{
    const struct ike_kept_msg *msg = initiator_side ? &sa->init_i : &sa->init_r;
    const uint8_t *nonce = initiator_side ? sa->nr : sa->ni;
    size_t nonce_len = initiator_side ? sa->nr_len : sa->ni_len;
    const uint8_t *sk_p = initiator_side ? sa->keys.sk_pi : sa->keys.sk_pr;
    return ike_auth_psk(sa->alg.prf, key, key_len, msg->buf, msg->len, nonce, nonce_len, sk_p,
                        sa->keys.lens.prf, id, id_len, out);
}

/* The PSK AUTH value of one side (`initiator_side`: whose). */
static int auth_value(const struct ike_sa *sa, const struct ike_peer_cfg *peer, bool initiator_side,
                      const uint8_t *id, size_t id_len, uint8_t *out)
{
    return ike_auth_shared_key_value(sa, peer->psk, peer->psk_len, initiator_side, id, id_len, out);
}

/*
 * What a signature covers (2.15): the side's IKE_SA_INIT message, the other
 * side's nonce and prf(SK_p, ID body) -- the same octets the PSK AUTH covers.
 */
struct signed_octets {
    struct ike_iov iov[3];
    uint8_t maced_id[IKE_PRF_MAX_LEN];
};

static int signed_octets(const struct ike_sa *sa, bool initiator_side, const uint8_t *id,
                         size_t id_len, struct signed_octets *o)
{
    const struct ike_kept_msg *msg = initiator_side ? &sa->init_i : &sa->init_r;
    const struct ike_iov idv[] = {{id, id_len}};
    int rc = ike_prf(sa->alg.prf, initiator_side ? sa->keys.sk_pi : sa->keys.sk_pr,
                     sa->keys.lens.prf, idv, 1, o->maced_id);
    o->iov[0] = (struct ike_iov){msg->buf, msg->len};
    o->iov[1] = initiator_side ? (struct ike_iov){sa->nr, sa->nr_len}
                               : (struct ike_iov){sa->ni, sa->ni_len};
    o->iov[2] = (struct ike_iov){o->maced_id, ike_prf_len(sa->alg.prf)};
    return rc;
}

/* The X.509 CERT payloads of a message as DER views, end entity first; false when malformed. */
static bool peer_certs(const struct ike_msg *m, struct ike_iov *certs, unsigned *n)
{
    *n = 0;
    for (const struct ike_pl *pl = ike_msg_find(m, IKE_PL_CERT, NULL); pl != NULL;
         pl = ike_msg_find(m, IKE_PL_CERT, pl)) {
        struct ike_cert_payload c;
        if (ike_cert_decode(pl, &c, NULL) < 0)
            return false;
        if (c.encoding != IKE_CERT_X509_SIGNATURE)
            continue; /* hash and URL, CRLs, ...: nothing we use */
        if (*n == IKE_CERT_MAX_CHAIN)
            return false;
        certs[(*n)++] = (struct ike_iov){c.data.ptr, c.data.len};
    }
    return true;
}

/* A peer with a certificate: chain, identity, then the signature over its signed octets. */
static enum ike_cert_verdict verify_signature_auth(const struct ike_sa *sa,
                                                   const struct ike_peer_cfg *peer,
                                                   const struct ike_id_payload *id,
                                                   const struct ike_auth_payload *auth,
                                                   const struct ike_msg *m)
{
    struct ike_iov certs[IKE_CERT_MAX_CHAIN];
    unsigned ncerts;
    EVP_PKEY *key = NULL;
    if (peer->trust == NULL || auth->method == IKE_AUTH_SHARED_KEY)
        return IKE_CERT_BAD_SIG; /* we asked for a certificate: a shared key does not do */
    if (!peer_certs(m, certs, &ncerts) || ncerts == 0)
        return IKE_CERT_MALFORMED;
    enum ike_cert_verdict v = ike_cert_verify_peer(peer->trust, certs, ncerts, id->type,
                                                   id->data.ptr, id->data.len, &key);
    uint8_t body[4 + IKE_ID_MAX];
    struct signed_octets o;
    body[0] = id->type;
    memset(body + 1, 0, 3);
    memcpy(body + 4, id->data.ptr, id->data.len);
    if (v == IKE_CERT_OK && signed_octets(sa, !sa->initiator, body, 4u + id->data.len, &o) < 0)
        v = IKE_CERT_BAD_SIG;
    if (v == IKE_CERT_OK)
        v = ike_cert_verify_sig(key, auth->method, auth->data.ptr, auth->data.len, o.iov, 3,
                                IKE_OUR_HASHES);
    EVP_PKEY_free(key);
    return v;
}

/*
 * Checks the peer's AUTH payload the way `peer` says it must authenticate:
 * IKE_CERT_OK when it proves the identity, otherwise why not (a wrong shared
 * key is IKE_CERT_BAD_SIG).
 */
static enum ike_cert_verdict verify_auth(const struct ike_sa *sa, const struct ike_peer_cfg *peer,
                                         const struct ike_id_payload *id, const struct ike_msg *m)
{
    struct ike_auth_payload auth;
    const struct ike_pl *pl = ike_msg_find(m, IKE_PL_AUTH, NULL);
    if (pl == NULL || ike_auth_decode(pl, &auth, NULL) < 0)
        return IKE_CERT_MALFORMED;
    if (peer->remote_auth == IKE_PEER_AUTH_PUBKEY)
        return verify_signature_auth(sa, peer, id, &auth, m);
    if (auth.method != IKE_AUTH_SHARED_KEY || auth.data.len != ike_prf_len(sa->alg.prf))
        return IKE_CERT_BAD_SIG;
    uint8_t body[4 + IKE_ID_MAX], expect[IKE_PRF_MAX_LEN];
    body[0] = id->type;
    memset(body + 1, 0, 3);
    memcpy(body + 4, id->data.ptr, id->data.len);
    if (auth_value(sa, peer, !sa->initiator, body, 4u + id->data.len, expect) < 0)
        return IKE_CERT_BAD_SIG;
    return CRYPTO_memcmp(expect, auth.data.ptr, auth.data.len) == 0 ? IKE_CERT_OK
                                                                    : IKE_CERT_BAD_SIG;
}

/* Counts why a peer that must show a certificate was refused. */
static void count_refusal(struct ike_ctx *ctx, const struct ike_peer_cfg *peer,
                          enum ike_cert_verdict v)
{
    if (peer == NULL || peer->remote_auth != IKE_PEER_AUTH_PUBKEY)
        return;
    ctx->counters.cert_malformed += v == IKE_CERT_MALFORMED;
    ctx->counters.cert_untrusted += v == IKE_CERT_UNTRUSTED;
    ctx->counters.cert_expired += v == IKE_CERT_EXPIRED;
    ctx->counters.cert_id_mismatch += v == IKE_CERT_ID_MISMATCH;
    ctx->counters.auth_bad_signature += v == IKE_CERT_BAD_SIG;
}

static const char *verdict_name(enum ike_cert_verdict v)
{
    static const char *const names[] = {"ok",
                                        "malformed certificate",
                                        "untrusted certificate",
                                        "expired certificate",
                                        "identity not in the certificate",
                                        "bad AUTH"};
    return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

/*
 * The CA hashes of a message's X.509 CERTREQ payloads (3.7), at most
 * CERTREQ_MAX_HASHES; a CERTREQ whose length is no multiple of a hash is
 * counted and ignored.
 */
static size_t certreq_hashes(struct ike_ctx *ctx, const struct ike_msg *m, uint8_t *out)
{
    size_t n = 0;
    for (const struct ike_pl *pl = ike_msg_find(m, IKE_PL_CERTREQ, NULL); pl != NULL;
         pl = ike_msg_find(m, IKE_PL_CERTREQ, pl)) {
        struct ike_cert_payload c;
        if (ike_cert_decode(pl, &c, NULL) < 0 || c.data.len % IKE_CERTREQ_HASH_LEN != 0) {
            ctx->counters.cert_malformed++;
            continue;
        }
        if (c.encoding != IKE_CERT_X509_SIGNATURE)
            continue;
        for (size_t off = 0; off < c.data.len && n < CERTREQ_MAX_HASHES;
             off += IKE_CERTREQ_HASH_LEN, n++)
            memcpy(out + n * IKE_CERTREQ_HASH_LEN, c.data.ptr + off, IKE_CERTREQ_HASH_LEN);
    }
    return n;
}

/* How many of our certificates to send, given the CERTREQs of m. */
unsigned ike_auth_certs_wanted(struct ike_ctx *ctx, const struct ike_peer_cfg *peer,
                               const struct ike_msg *m)
{
    uint8_t hashes[CERTREQ_MAX_HASHES * IKE_CERTREQ_HASH_LEN];
    size_t n = certreq_hashes(ctx, m, hashes);
    if (peer->local_auth != IKE_PEER_AUTH_PUBKEY || peer->cred == NULL)
        return 0;
    return ike_cred_certs_to_send(peer->cred, hashes, n);
}

/* One CERTREQ naming the trust anchors of `trusts`, each once, at most CERTREQ_MAX_HASHES. */
static void put_certreq(struct ike_writer *w, const struct ike_trust *const *trusts, unsigned n)
{
    uint8_t hashes[CERTREQ_MAX_HASHES * IKE_CERTREQ_HASH_LEN];
    size_t nh = 0;
    for (unsigned t = 0; t < n; t++) {
        for (unsigned i = 0; i < ike_trust_count(trusts[t]) && nh < CERTREQ_MAX_HASHES; i++) {
            const uint8_t *h = ike_trust_keyid(trusts[t], i);
            bool dup = false;
            for (size_t k = 0; k < nh && !dup; k++)
                dup = memcmp(hashes + k * IKE_CERTREQ_HASH_LEN, h, IKE_CERTREQ_HASH_LEN) == 0;
            if (!dup)
                memcpy(hashes + nh++ * IKE_CERTREQ_HASH_LEN, h, IKE_CERTREQ_HASH_LEN);
        }
    }
    if (nh == 0)
        return;
    const struct ike_cert_payload req = {.encoding = IKE_CERT_X509_SIGNATURE,
                                         .data = {hashes, (uint16_t)(nh * IKE_CERTREQ_HASH_LEN)}};
    ike_cert_encode(w, IKE_PL_CERTREQ, &req);
}

void ike_auth_put_init(struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_writer *w)
{
    /* RFC 7427 4: the hashes we take in Digital Signature AUTH, always announced. */
    uint8_t algs[6];
    ike_put16(algs, IKE_HASH_SHA2_256);
    ike_put16(algs + 2, IKE_HASH_SHA2_384);
    ike_put16(algs + 4, IKE_HASH_SHA2_512);
    ike_notify_encode_simple(w, IKE_N_SIGNATURE_HASH_ALGORITHMS, algs, sizeof(algs));
    if (sa->initiator)
        return; /* the initiator's CERTREQ and MULTIPLE_AUTH_SUPPORTED go in IKE_AUTH */
    /*
     * RFC 4739 3: the responder announces multiple authentication here, the
     * initiator in its first IKE_AUTH; only when a second round can follow.
     */
    bool second_round = false;
    for (unsigned i = 0; i < ctx->cfg.npeers; i++)
        second_round |= ctx->cfg.peers[i].remote_auth2 != 0;
    if (second_round)
        ike_notify_encode_simple(w, IKE_N_MULTIPLE_AUTH_SUPPORTED, NULL, 0);
    /*
     * The responder asks in IKE_SA_INIT, before the initiator's identity picks
     * the peer configuration: for the CAs of every peer that takes certificates.
     */
    const struct ike_trust *trusts[CERTREQ_MAX_HASHES];
    unsigned n = 0;
    for (unsigned i = 0; i < ctx->cfg.npeers && n < CERTREQ_MAX_HASHES; i++) {
        const struct ike_peer_cfg *p = &ctx->cfg.peers[i];
        bool seen = false;
        for (unsigned k = 0; k < n && !seen; k++)
            seen = trusts[k] == p->trust;
        if (p->remote_auth == IKE_PEER_AUTH_PUBKEY && p->trust != NULL && !seen)
            trusts[n++] = p->trust;
    }
    put_certreq(w, trusts, n);
}

void ike_auth_read_init(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    const struct ike_pl *pl = ike_msg_find_notify(m, IKE_N_SIGNATURE_HASH_ALGORITHMS);
    struct ike_notify_payload n;
    uint16_t algs[IKE_MAX_HASH_ALGS];
    unsigned nalgs = 0;
    sa->peer_hashes = 0;
    sa->multiple_auth = ike_msg_find_notify(m, IKE_N_MULTIPLE_AUTH_SUPPORTED) != NULL;
    if (pl != NULL && (ike_notify_decode(pl, &n, NULL) < 0 ||
                       ike_notify_hash_algs_decode(&n, algs, &nalgs, NULL) < 0)) {
        ctx->counters.cert_malformed++;
        nalgs = 0;
    }
    for (unsigned i = 0; i < nalgs; i++) {
        if (algs[i] < 8)
            sa->peer_hashes |= (uint8_t)IKE_HASH_BIT(algs[i]);
    }
    if (sa->initiator)
        sa->certs_to_send = (uint8_t)ike_auth_certs_wanted(ctx, sa->peer, m);
}

int ike_auth_put_id_auth(struct ike_sa *sa, struct ike_writer *w, unsigned ncerts)
{
    const struct ike_peer_cfg *peer = sa->peer;
    uint8_t body[4 + IKE_ID_MAX], value[IKE_SIG_MAX];
    size_t n = ike_auth_id_body(&peer->local_id, body);
    const struct ike_id_payload id = {.type = peer->local_id.type,
                                      .data = {peer->local_id.data, peer->local_id.len}};
    struct ike_auth_payload auth = {.method = IKE_AUTH_SHARED_KEY};
    long len;
    if (ike_peer_auth_is_eap(peer->local_auth)) {
        /* RFC 7296 2.16: no AUTH says "EAP, please"; ours follows the EAP conversation. */
        return ike_id_encode(w, IKE_PL_IDI, &id);
    }
    if (peer->local_auth == IKE_PEER_AUTH_PUBKEY) {
        struct signed_octets o;
        if (peer->cred == NULL || signed_octets(sa, sa->initiator, body, n, &o) < 0)
            return -EINVAL;
        len = ike_cert_sign(peer->cred, sa->peer_hashes, o.iov, 3, &auth.method, value,
                            sizeof(value));
    } else {
        len = auth_value(sa, peer, sa->initiator, body, n, value);
        len = len < 0 ? len : (long)ike_prf_len(sa->alg.prf);
    }
    if (len < 0)
        return (int)len;
    auth.data = (struct ike_bytes){value, (uint16_t)len};
    ike_id_encode(w, sa->initiator ? IKE_PL_IDI : IKE_PL_IDR, &id);
    unsigned total = peer->local_auth == IKE_PEER_AUTH_PUBKEY ? ike_cred_ncerts(peer->cred) : 0;
    for (unsigned i = 0; i < total && (ncerts == 0 || i < ncerts); i++) {
        size_t der_len;
        const uint8_t *der = ike_cred_cert_der(peer->cred, i, &der_len);
        const struct ike_cert_payload cert = {.encoding = IKE_CERT_X509_SIGNATURE,
                                              .data = {der, (uint16_t)der_len}};
        ike_cert_encode(w, IKE_PL_CERT, &cert);
    }
    return ike_auth_encode(w, &auth);
}

static void put_ts(struct ike_writer *w, uint8_t which, const struct ike_ts *ts, unsigned n)
{
    struct ike_ts_payload p = {.nts = (uint8_t)n};
    memcpy(p.ts, ts, n * sizeof(*ts));
    ike_ts_encode(w, which, &p);
}

/*
 * TSi of an initiator asking for virtual IPs: any address of the families
 * asked for (the responder narrows it to what it leases, RFC 7296 2.19).
 */
static void put_any_ts(struct ike_writer *w, uint8_t families)
{
    struct ike_ts ts[2];
    unsigned n = 0;
    struct ike_addr lo = {.family = 4}, hi = {.family = 4};
    memset(hi.ip, 0xff, sizeof(hi.ip));
    if (families & IKE_VIP_4)
        ike_ts_range(&ts[n++], &lo, &hi, 0, 0, 65535);
    lo.family = hi.family = 6;
    if (families & IKE_VIP_6)
        ike_ts_range(&ts[n++], &lo, &hi, 0, 0, 65535);
    put_ts(w, IKE_PL_TSI, ts, n);
}

/* ---- responder ---- */

struct auth_reply {
    uint16_t child_error; /* notify sent instead of a Child SA, 0 when created */
    struct ike_child_sa *child;
    unsigned ncerts;                  /* of ours to send, after the initiator's CERTREQ; 0: all */
    const struct ike_gw_id *redirect; /* RFC 5685 6: go there instead; no Child SA */
};

static int build_auth_reply(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    struct auth_reply *r = arg;
    int rc = ike_auth_put_id_auth(sa, w, r->ncerts);
    if (rc < 0)
        return rc;
    /* RFC 6290 3: the responder's token in its final IKE_AUTH response; RFC 4555 3.2 likewise. */
    if (r->redirect == NULL) {
        ike_qcd_put(ctx, sa, w, sa->spi_i, sa->spi_r);
        ike_mobike_put_auth(ctx, sa, w);
    }
    return ike_auth_put_outcome(ctx, sa, w, r->redirect, r->child_error, r->child);
}

int ike_auth_put_outcome(const struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_writer *w,
                         const struct ike_gw_id *redirect, uint16_t child_error,
                         const struct ike_child_sa *child)
{
    if (redirect != NULL)
        return ike_notify_redirect_encode(w, redirect, NULL);
    if (child_error != 0)
        return ike_notify_encode_simple(w, child_error, NULL, 0);
    if (child == NULL)
        return 0; /* the initiator asked for no Child SA */
    ike_cp_put_reply(ctx, sa, w);
    static struct ike_sa_payload sa_pl;
    struct ike_chosen reply = child->alg;
    uint8_t spi[4];
    ike_put32(spi, child->spi_in);
    memcpy(reply.spi, spi, 4);
    ike_proposal_reply(&reply, &sa_pl);
    ike_sa_encode(w, &sa_pl);
    ike_ts_encode_set(w, IKE_PL_TSI, &child->ts_remote);
    return ike_ts_encode_set(w, IKE_PL_TSR, &child->ts_local);
}

static int build_notify_only(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w,
                             void *arg)
{
    (void)ctx;
    (void)sa;
    return ike_notify_encode_simple(w, *(uint16_t *)arg, NULL, 0);
}

void ike_auth_send_failed(struct ike_ctx *ctx, struct ike_sa *sa, uint32_t msg_id)
{
    uint16_t type = IKE_N_AUTHENTICATION_FAILED;
    ctx->counters.auth_failed++;
    ike_send_encrypted(ctx, sa, IKE_EXCH_IKE_AUTH, true, msg_id, build_notify_only, &type);
    ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "authentication failed");
}

/*
 * The peer configuration this identity and AUTH belong to, or NULL; then the
 * refusal of the last configuration that could have matched is counted.
 */
static const struct ike_peer_cfg *authenticate(struct ike_ctx *ctx, struct ike_sa *sa,
                                               const struct ike_id_payload *id,
                                               const struct ike_msg *m)
{
    const struct ike_peer_cfg *tried = NULL;
    enum ike_cert_verdict v = IKE_CERT_OK;
    for (unsigned i = 0; i < ctx->cfg.npeers; i++) {
        const struct ike_peer_cfg *p = &ctx->cfg.peers[i];
        if (ike_peer_auth_is_eap(p->remote_auth))
            continue; /* they send no AUTH in the first IKE_AUTH (ike_auth_eap.c) */
        if (!ike_auth_id_matches(&p->remote_id, id) ||
            !ike_proposal_acceptable(&sa->alg, p->ike, p->nike))
            continue;
        v = verify_auth(sa, p, id, m);
        if (v == IKE_CERT_OK)
            return p;
        tried = p;
    }
    count_refusal(ctx, tried, v);
    if (tried != NULL) {
        char claimed[IKE_ID_LOG_MAX];
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "IKE_AUTH: peer %s refused %s: %s", tried->name,
                      ike_auth_claimed_id_text(id, claimed, sizeof(claimed)), verdict_name(v));
    }
    return NULL;
}

/* Negotiates the Child SA of IKE_AUTH; returns 0 or the error notify to send. */
static uint16_t select_child(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
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
    /*
     * TSi is the initiator's side (our remote), TSr ours. A client asking
     * for a virtual IP proposes what it does not know yet: its TSi is kept
     * as proposed and narrowed to the leased address (ike_cp_assign).
     */
    bool vip = ike_cp_vip_wanted(sa);
    if (vip) {
        child->ts_remote.nts = (uint8_t)(tsi.nts < IKE_CHILD_TS_MAX ? tsi.nts : IKE_CHILD_TS_MAX);
        memcpy(child->ts_remote.ts, tsi.ts, child->ts_remote.nts * sizeof(tsi.ts[0]));
    }
    if ((!vip && ike_ts_narrow_set(&tsi, sa->peer->remote_ts, sa->peer->nremote_ts,
                                   &child->ts_remote) == 0) ||
        ike_ts_narrow_set(&tsr, sa->peer->local_ts, sa->peer->nlocal_ts, &child->ts_local) == 0) {
        ctx->counters.ts_unacceptable++;
        return IKE_N_TS_UNACCEPTABLE;
    }
    child->spi_out = ike_get32(child->alg.spi);
    child->spi_in = ike_child_fresh_spi(ctx, sa);
    return 0;
}

uint16_t ike_auth_install_child(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child_sa *child)
{
    uint16_t error = ike_cp_assign(ctx, sa, child);
    if (error != 0) {
        ike_child_discard(sa, child);
        return error;
    }
    /* On failure it discarded the Child SA. */
    return ike_child_derive_and_install(ctx, sa, child) < 0 ? IKE_N_TEMPORARY_FAILURE : 0;
}

struct ike_child_sa *ike_auth_responder_child(struct ike_ctx *ctx, struct ike_sa *sa,
                                              const struct ike_msg *m, uint16_t *error)
{
    *error = 0;
    if (ike_msg_find(m, IKE_PL_SA, NULL) == NULL)
        return NULL;
    struct ike_child_sa *child = ike_child_new(ctx, sa);
    *error = child == NULL ? IKE_N_TEMPORARY_FAILURE : select_child(ctx, sa, m, child);
    if (*error != 0) {
        ike_child_discard(sa, child);
        return NULL;
    }
    return child;
}

void ike_auth_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    uint32_t msg_id = m->hdr.msg_id;
    sa->next_peer_id = msg_id + 1;
    ike_mobike_note_auth(sa, m);
    if (sa->eap != NULL) {
        ike_auth_eap_request(ctx, sa, m);
        return;
    }
    ike_cp_read_request(ctx, sa, m);
    struct ike_id_payload idi;
    if (ike_id_decode(ike_msg_find(m, IKE_PL_IDI, NULL), &idi, NULL) < 0) {
        ike_auth_send_failed(ctx, sa, msg_id);
        return;
    }
    if (ike_msg_find(m, IKE_PL_AUTH, NULL) == NULL) {
        /* No AUTH: the initiator wants to authenticate with EAP (RFC 7296 2.16). */
        ike_auth_eap_begin(ctx, sa, &idi, m);
        return;
    }
    const struct ike_peer_cfg *peer = authenticate(ctx, sa, &idi, m);
    if (peer == NULL) {
        char claimed[IKE_ID_LOG_MAX];
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "IKE_AUTH: no peer configuration authenticates %s",
                      ike_auth_claimed_id_text(&idi, claimed, sizeof(claimed)));
        ike_auth_send_failed(ctx, sa, msg_id);
        return;
    }
    sa->peer = peer;
    ike_auth_remember_id(sa, &idi);
    ike_qcd_take(ctx, sa, m);
    /* RFC 4739: a second round (EAP) follows exactly when the peer configuration wants one. */
    bool another = ike_msg_find_notify(m, IKE_N_ANOTHER_AUTH_FOLLOWS) != NULL;
    sa->multiple_auth |= ike_msg_find_notify(m, IKE_N_MULTIPLE_AUTH_SUPPORTED) != NULL;
    if (another != (peer->remote_auth2 != 0) || (another && !sa->multiple_auth)) {
        ctx->counters.multi_auth_refused++;
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "IKE_AUTH: %s",
                      another ? "the peer offers a second authentication we do not take"
                              : "the peer must authenticate a second time (RFC 4739) and does not");
        ike_auth_send_failed(ctx, sa, msg_id);
        return;
    }
    if (another) {
        ike_auth_eap_second_round(ctx, sa, m);
        return;
    }
    struct ike_gw_id redirect_gw;
    struct auth_reply reply = {
        .child_error = 0,
        .child = NULL,
        .ncerts = ike_auth_certs_wanted(ctx, peer, m),
        .redirect = ike_redirect_in_auth(ctx, sa, &redirect_gw) ? &redirect_gw : NULL};
    if (reply.redirect == NULL) {
        reply.child = ike_auth_responder_child(ctx, sa, m, &reply.child_error);
        if (reply.child != NULL) {
            reply.child_error = ike_auth_install_child(ctx, sa, reply.child);
            if (reply.child_error != 0)
                reply.child = NULL;
        }
    }
    if (ike_send_encrypted(ctx, sa, IKE_EXCH_IKE_AUTH, true, msg_id, build_auth_reply, &reply) <
        0) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "cannot send IKE_AUTH response");
        return;
    }
    ike_sa_set_state(ctx, sa, IKE_SA_ESTABLISHED, "IKE_AUTH done");
    if (reply.redirect != NULL) {
        /* Authenticated, and sent elsewhere: it deletes this SA, or we do after the grace time. */
        ctx->counters.redirects_sent++;
        sa->redirect_delete_ns = ike_now(ctx) + (uint64_t)ctx->cfg.redirect_grace_s * 1000000000ull;
        return;
    }
    if (ike_msg_find_notify(m, IKE_N_INITIAL_CONTACT) != NULL)
        ike_initial_contact(ctx, sa);
}

/* ---- initiator ---- */

static int build_auth_request(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w,
                              void *arg)
{
    (void)arg;
    int rc = ike_auth_put_id_auth(sa, w, sa->certs_to_send);
    if (rc < 0)
        return rc;
    if (sa->peer->remote_auth == IKE_PEER_AUTH_PUBKEY && sa->peer->trust != NULL)
        put_certreq(w, &sa->peer->trust, 1);
    /* Nothing else with this peer: tell it to drop whatever it still holds from us (2.4). */
    if (!ike_sa_other_with_peer(ctx, sa))
        ike_notify_encode_simple(w, IKE_N_INITIAL_CONTACT, NULL, 0);
    /* RFC 6290 3: the initiator's token in its first IKE_AUTH request. */
    ike_qcd_put(ctx, sa, w, sa->spi_i, sa->spi_r);
    /* RFC 4555 3.2: in the request with the SA payload. */
    ike_mobike_put_auth(ctx, sa, w);
    if (sa->peer->local_auth2 != 0 && sa->multiple_auth) {
        ike_notify_encode_simple(w, IKE_N_MULTIPLE_AUTH_SUPPORTED, NULL, 0);
        ike_notify_encode_simple(w, IKE_N_ANOTHER_AUTH_FOLLOWS, NULL, 0);
    }
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
    ike_cp_put_request(sa, w);
    ike_sa_encode(w, &offer);
    if (sa->peer->vip_request != 0)
        put_any_ts(w, sa->peer->vip_request);
    else
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
    struct ike_ts vip_buf[IKE_MAX_VIPS];
    unsigned nlocal;
    if (!ike_cp_read_reply(ctx, sa, m))
        return false;
    const struct ike_ts *local = ike_cp_selectors(sa, true, vip_buf, &nlocal);
    if (ike_sa_decode(ike_msg_find(m, IKE_PL_SA, NULL), &reply, NULL) < 0 ||
        ike_proposal_from_reply(&reply, &child->alg) < 0 || child->alg.spi_size != 4 ||
        !ike_proposal_acceptable(&child->alg, esp, sa->peer->nesp) ||
        ike_ts_decode_set(ike_msg_find(m, IKE_PL_TSI, NULL), &child->ts_local) < 0 ||
        ike_ts_decode_set(ike_msg_find(m, IKE_PL_TSR, NULL), &child->ts_remote) < 0 ||
        !ike_ts_set_within(&child->ts_local, local, nlocal) ||
        !ike_ts_set_within(&child->ts_remote, sa->peer->remote_ts, sa->peer->nremote_ts)) {
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "responder's Child SA is not one we offered");
        return false;
    }
    child->spi_in = sa->child_spi_offered;
    child->spi_out = ike_get32(child->alg.spi);
    return true;
}

void ike_auth_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    if (sa->eap != NULL) {
        ike_auth_eap_response(ctx, sa, m); /* the later rounds of our EAP conversation */
        return;
    }
    struct ike_id_payload idr;
    if (ike_msg_find_notify(m, IKE_N_AUTHENTICATION_FAILED) != NULL ||
        ike_id_decode(ike_msg_find(m, IKE_PL_IDR, NULL), &idr, NULL) < 0 ||
        !ike_auth_id_matches(&sa->peer->remote_id, &idr)) {
        ctx->counters.auth_failed++;
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "responder not authenticated");
        return;
    }
    enum ike_cert_verdict v = verify_auth(sa, sa->peer, &idr, m);
    if (v != IKE_CERT_OK) {
        ctx->counters.auth_failed++;
        count_refusal(ctx, sa->peer, v);
        char claimed[IKE_ID_LOG_MAX];
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "IKE_AUTH: responder %s refused: %s",
                   ike_auth_claimed_id_text(&idr, claimed, sizeof(claimed)), verdict_name(v));
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "responder not authenticated");
        return;
    }
    ike_auth_remember_id(sa, &idr);
    if (ike_peer_auth_is_eap(sa->peer->local_auth) || sa->peer->local_auth2 != 0) {
        ike_auth_eap_first_response(ctx, sa, m);
        return;
    }
    ike_auth_established(ctx, sa, m);
}

void ike_auth_established(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    ike_sa_set_state(ctx, sa, IKE_SA_ESTABLISHED, "IKE_AUTH done");
    ike_qcd_take(ctx, sa, m);
    ike_mobike_auth_done(ctx, sa, m);
    /* Redirected after authenticating (RFC 5685 6): go, and close this SA behind us. */
    if (ike_redirect_follow(ctx, sa, m, false) == IKE_REDIRECT_DONE) {
        ike_info_start_delete_ike(ctx, sa);
        return;
    }
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
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "IKE SA up without a Child SA");
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
