/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CREATE_CHILD_SA exchange (RFC 7296 1.3, 2.8, 2.17, 2.18), both roles:
 * a new Child SA, a Child SA rekey (N(REKEY_SA)), an IKE SA rekey (an SA
 * payload of protocol IKE), with or without PFS, and simultaneous Child SA
 * and IKE SA rekeys resolved by the lowest nonce (2.8.1, 2.8.2).
 */
#include <errno.h>
#include <string.h>

#include "ike_sa.h"
#include "ike_ts.h"
#include "ike_writer.h"

#define SEC 1000000000ull

/* ---- shared pieces ---- */

/* The octet-by-octet order of 2.8.1: a nonce that ends first is the lower. */
static int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/*
 * nonce_cmp() against a nonce of which only the first IKE_OUR_NONCE_LEN bytes
 * were kept: two random nonces equal over 32 bytes do not happen, so past
 * that their lengths decide.
 */
static int nonce_cmp_kept(const uint8_t *a, size_t alen, const uint8_t *kept, size_t klen)
{
    size_t n = alen < klen ? alen : klen;
    int c = memcmp(a, kept, n < IKE_OUR_NONCE_LEN ? n : IKE_OUR_NONCE_LEN);
    if (c != 0)
        return c;
    return alen < klen ? -1 : alen > klen;
}

static void lower_nonce(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                        const uint8_t **lo, size_t *lo_len)
{
    bool first = nonce_cmp(a, alen, b, blen) <= 0;
    *lo = first ? a : b;
    *lo_len = first ? alen : blen;
}

static bool group_configured(const struct ike_proposal_cfg *cfg, unsigned n, uint16_t group)
{
    for (unsigned i = 0; i < n; i++) {
        for (unsigned g = 0; g < cfg[i].ndh; g++) {
            if (cfg[i].dh[g] == group)
                return true;
        }
    }
    return false;
}

/* The DH group a Child SA request uses: the rekeyed SA's, else the first configured, else none. */
static uint16_t child_group(const struct ike_sa *sa, const struct ike_child *old)
{
    if (old != NULL && old->sa.alg.dh != IKE_DH_NONE)
        return old->sa.alg.dh;
    for (unsigned i = 0; i < sa->peer->nesp; i++) {
        if (sa->peer->esp[i].ndh > 0)
            return sa->peer->esp[i].dh[0];
    }
    return IKE_DH_NONE;
}

static int put_ke(struct ike_writer *w, const struct ike_dh_key *dh)
{
    uint8_t pub[IKE_DH_MAX_LEN];
    long n = ike_dh_public(dh, pub, sizeof(pub));
    if (n < 0)
        return (int)n;
    const struct ike_ke_payload ke = {.group = ike_dh_group(dh), .data = {pub, (uint16_t)n}};
    return ike_ke_encode(w, &ke);
}

static void put_cfg_ts(struct ike_writer *w, uint8_t which, const struct ike_ts *ts, unsigned n)
{
    struct ike_ts_payload p = {.nts = (uint8_t)n};
    memcpy(p.ts, ts, n * sizeof(*ts));
    ike_ts_encode(w, which, &p);
}

/* g^ir with the peer's KE; -EINVAL when it is missing, of another group or invalid. */
static long shared_secret(struct ike_dh_key *dh, const struct ike_msg *m, uint8_t *gir)
{
    struct ike_ke_payload ke;
    if (ike_ke_decode(ike_msg_find(m, IKE_PL_KE, NULL), &ke, NULL) < 0 ||
        ke.group != ike_dh_group(dh))
        return -EINVAL;
    return ike_dh_shared(dh, ke.data.ptr, ke.data.len, gir, IKE_DH_MAX_LEN);
}

/* The first error notify (type below 16384) of a response, or 0. */
static uint16_t error_notify(const struct ike_msg *m, struct ike_notify_payload *out)
{
    for (unsigned i = 0; i < m->npayloads; i++) {
        if (m->pl[i].type == IKE_PL_NOTIFY && ike_notify_decode(&m->pl[i], out, NULL) == 0 &&
            out->type < 16384)
            return out->type;
    }
    return 0;
}

/* When to try again after TEMPORARY_FAILURE: 2-10 s, at random so that two ends part ways. */
static uint64_t retry_at(struct ike_ctx *ctx)
{
    uint32_t r;
    ike_random(ctx, &r, sizeof(r));
    return ike_now(ctx) + 2 * SEC + r % (8 * SEC / 1000) * 1000;
}

/* ---- responder ---- */

struct notify_reply {
    uint16_t type;
    uint8_t data[2];
    size_t len;
};

static int build_notify(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    (void)sa;
    const struct notify_reply *r = arg;
    return ike_notify_encode_simple(w, r->type, r->data, r->len);
}

static void reply_error(struct ike_ctx *ctx, struct ike_sa *sa, uint32_t msg_id, uint16_t type,
                        uint16_t group)
{
    struct notify_reply r = {.type = type};
    if (type == IKE_N_INVALID_KE_PAYLOAD) {
        ike_put16(r.data, group);
        r.len = 2;
        ctx->counters.invalid_ke_payload++;
    }
    if (type == IKE_N_TEMPORARY_FAILURE)
        ctx->counters.tx_temporary_failure++;
    ike_sa_log_rl(ctx, sa, IKE_LOG_INFO, "CREATE_CHILD_SA refused: %s", ike_notify_name(type));
    ike_send_encrypted(ctx, sa, IKE_EXCH_CREATE_CHILD_SA, true, msg_id, build_notify, &r);
}

struct ccs_reply {
    struct ike_chosen chosen; /* with our SPI in it */
    const uint8_t *nonce;
    size_t nonce_len;
    const struct ike_dh_key *dh;      /* NULL without a KE */
    const struct ike_child_sa *child; /* NULL for an IKE SA rekey */
    struct ike_sa *next;              /* an IKE SA rekey: the new IKE SA */
};

static int build_reply(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)sa;
    const struct ccs_reply *r = arg;
    static struct ike_sa_payload sa_pl;
    ike_proposal_reply(&r->chosen, &sa_pl);
    ike_sa_encode(w, &sa_pl);
    const struct ike_bytes nonce = {r->nonce, (uint16_t)r->nonce_len};
    ike_nonce_encode(w, &nonce);
    if (r->dh != NULL)
        put_ke(w, r->dh);
    if (r->child != NULL) {
        ike_ts_encode_set(w, IKE_PL_TSI, &r->child->ts_remote);
        ike_ts_encode_set(w, IKE_PL_TSR, &r->child->ts_local);
    }
    /* New SPIs, new token: the rekey responder's goes in its response (RFC 6290 4.3). */
    if (r->next != NULL)
        ike_qcd_put(ctx, r->next, w, r->next->spi_i, r->next->spi_r);
    return w->overflow ? -ENOSPC : 0;
}

/*
 * Our outstanding rekey request was crossed by the peer's: remembers the
 * lower nonce of the peer's exchange, which decides later which rekey wins.
 */
static void note_crossing(struct ike_ctx *ctx, struct ike_pending *p, const struct ike_bytes *ni,
                          const uint8_t *nr, size_t nr_len)
{
    const uint8_t *lo;
    size_t lo_len;
    lower_nonce(ni->ptr, ni->len, nr, nr_len, &lo, &lo_len);
    p->collided = true;
    memcpy(p->peer_min_nonce, lo, lo_len < IKE_OUR_NONCE_LEN ? lo_len : IKE_OUR_NONCE_LEN);
    p->peer_min_nonce_len = (uint16_t)lo_len;
    ctx->counters.rekey_collisions++;
}

/* Records a crossing rekey of the Child SA our own outstanding request rekeys (2.8.1). */
static void note_collision(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_child_sa *made,
                           const struct ike_bytes *ni, const uint8_t *nr, size_t nr_len)
{
    struct ike_pending *p = &sa->pending;
    note_crossing(ctx, p, ni, nr, nr_len);
    p->peer_new_spi = made->spi_in;
    ike_child_log(ctx, sa, made, IKE_LOG_INFO, "simultaneous rekey of Child SA %08x", p->old_spi);
}

/* Which Child SA a REKEY_SA notify names, or an error notify to answer with. */
static uint16_t rekeyed_child(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                              struct ike_child **old)
{
    *old = NULL;
    const struct ike_pl *pl = ike_msg_find_notify(m, IKE_N_REKEY_SA);
    if (pl == NULL)
        return 0;
    struct ike_notify_payload n;
    if (ike_notify_decode(pl, &n, NULL) < 0 || n.protocol != IKE_PROTO_ESP || n.spi_size != 4)
        return IKE_N_INVALID_SYNTAX;
    /* It names the SPI the peer receives with: our outbound one. */
    *old = ike_child_by_spi_out(sa, ike_get32(n.spi));
    if (*old == NULL) {
        ctx->counters.child_not_found++;
        return IKE_N_CHILD_SA_NOT_FOUND;
    }
    if ((*old)->state == IKE_CHILD_DELETING || (*old)->state == IKE_CHILD_REKEYED) {
        /* We are closing it, or replaced it already (2.25). */
        return IKE_N_TEMPORARY_FAILURE;
    }
    return 0;
}

/* A selector set of the peer's answer inside what this SA may carry on one side (cp.c). */
static bool ts_within_ours(const struct ike_sa *sa, const struct ike_ts_set *set, bool local)
{
    struct ike_ts vip_buf[IKE_MAX_VIPS];
    unsigned n;
    const struct ike_ts *ours = ike_cp_selectors(sa, local, vip_buf, &n);
    return ike_ts_set_within(set, ours, n);
}

/* Negotiates a Child SA from the request into `child`; 0 or the error notify (group in *group). */
static uint16_t negotiate_child(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                                const struct ike_sa_payload *offer, struct ike_child_sa *child,
                                uint16_t *group)
{
    const struct ike_peer_cfg *p = sa->peer;
    struct ike_ts_payload tsi, tsr;
    if (ike_ts_decode(ike_msg_find(m, IKE_PL_TSI, NULL), &tsi, NULL) < 0 ||
        ike_ts_decode(ike_msg_find(m, IKE_PL_TSR, NULL), &tsr, NULL) < 0)
        return IKE_N_INVALID_SYNTAX;
    if (ike_proposal_select(offer, p->esp, p->nesp, IKE_PROTO_ESP, &child->alg) < 0 ||
        child->alg.spi_size != 4) {
        ctx->counters.no_proposal_chosen++;
        return IKE_N_NO_PROPOSAL_CHOSEN;
    }
    struct ike_ke_payload ke;
    if (child->alg.dh != IKE_DH_NONE &&
        (ike_ke_decode(ike_msg_find(m, IKE_PL_KE, NULL), &ke, NULL) < 0 ||
         ke.group != child->alg.dh)) {
        *group = child->alg.dh;
        return IKE_N_INVALID_KE_PAYLOAD;
    }
    /* With virtual IPs, the client's side is its leased addresses and nothing more (cp.c). */
    struct ike_ts vip_buf[IKE_MAX_VIPS];
    unsigned nremote, nlocal;
    const struct ike_ts *remote = ike_cp_selectors(sa, false, vip_buf, &nremote);
    const struct ike_ts *local = ike_cp_selectors(sa, true, vip_buf, &nlocal);
    if (ike_ts_narrow_set(&tsi, remote, nremote, &child->ts_remote) == 0 ||
        ike_ts_narrow_set(&tsr, local, nlocal, &child->ts_local) == 0) {
        ctx->counters.ts_unacceptable++;
        return IKE_N_TS_UNACCEPTABLE;
    }
    child->spi_out = ike_get32(child->alg.spi);
    child->spi_in = ike_child_fresh_spi(ctx, sa);
    return 0;
}

static void child_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                          const struct ike_sa_payload *offer, const struct ike_bytes *ni)
{
    uint32_t msg_id = m->hdr.msg_id;
    struct ike_child *old;
    uint16_t err = rekeyed_child(ctx, sa, m, &old);
    if (err != 0) {
        reply_error(ctx, sa, msg_id, err, 0);
        return;
    }
    struct ike_child_sa *child = ike_child_new(ctx, sa);
    if (child == NULL) {
        reply_error(ctx, sa, msg_id, IKE_N_NO_ADDITIONAL_SAS, 0);
        return;
    }
    uint16_t group = 0;
    err = negotiate_child(ctx, sa, m, offer, child, &group);
    if (err != 0) {
        ike_child_discard(sa, child);
        reply_error(ctx, sa, msg_id, err, group);
        return;
    }
    child->rekey_of = old != NULL ? old->sa.spi_in : 0;
    uint8_t nr[IKE_OUR_NONCE_LEN];
    ike_random(ctx, nr, sizeof(nr));
    struct ike_dh_key *dh = NULL;
    uint8_t gir[IKE_DH_MAX_LEN];
    long glen = 0;
    if (child->alg.dh != IKE_DH_NONE) {
        dh = ike_dh_new(child->alg.dh);
        glen = dh != NULL ? shared_secret(dh, m, gir) : -ENOMEM;
    }
    const struct ike_child_keying k = {.ni = ni->ptr,
                                       .ni_len = ni->len,
                                       .nr = nr,
                                       .nr_len = sizeof(nr),
                                       .gir = dh != NULL ? gir : NULL,
                                       .gir_len = glen > 0 ? (size_t)glen : 0,
                                       .we_initiated = false};
    struct ccs_reply r = {.chosen = child->alg, .nonce = nr, .nonce_len = sizeof(nr), .dh = dh};
    ike_put32(r.chosen.spi, child->spi_in);
    uint32_t spi_in = child->spi_in;
    if (glen < 0 || ike_child_install_keyed(ctx, sa, child, &k) < 0) {
        if (glen < 0)
            ike_child_discard(sa, child);
        memset(gir, 0, sizeof(gir));
        ike_dh_free(dh);
        reply_error(ctx, sa, msg_id, glen < 0 ? IKE_N_INVALID_SYNTAX : IKE_N_TEMPORARY_FAILURE, 0);
        return;
    }
    memset(gir, 0, sizeof(gir));
    struct ike_child *made = ike_child_by_spi_in(sa, spi_in);
    r.child = &made->sa;
    ike_send_encrypted(ctx, sa, IKE_EXCH_CREATE_CHILD_SA, true, msg_id, build_reply, &r);
    ike_dh_free(dh);
    if (old == NULL)
        return;
    if (old->state == IKE_CHILD_REKEYING && sa->pending.kind == IKE_REQ_REKEY_CHILD &&
        sa->pending.old_spi == old->sa.spi_in) {
        note_collision(ctx, sa, &made->sa, ni, nr, sizeof(nr));
        return;
    }
    /* The initiator of the rekey deletes the old SA; until then both carry traffic. */
    old->state = IKE_CHILD_REKEYED;
    uint64_t grace = ike_now(ctx) + (uint64_t)ctx->cfg.half_open_timeout_s * SEC;
    if (old->expire_ns == 0 || old->expire_ns > grace)
        old->expire_ns = grace; /* in case its Delete never comes */
    ctx->counters.child_rekeyed++;
}

/*
 * Records the peer's rekey of the IKE SA our own outstanding request rekeys
 * (2.8.2): both new SAs exist until our response says which one is redundant.
 */
/*
 * Takes the algorithms chosen for next, the IKE SA that rekeys sa, and derives
 * its keys from sa's SK_d, the nonces (Ni first) and the new DH secret
 * (RFC 7296 2.18). 0, or negative: next is unusable.
 */
static int key_rekeyed_sa(const struct ike_sa *sa, struct ike_sa *next,
                          const struct ike_chosen *chosen, const uint8_t *ni, size_t ni_len,
                          const uint8_t *nr, size_t nr_len, const uint8_t *gir, size_t gir_len)
{
    next->alg = *chosen;
    int rc = ike_sk_suite_init(&next->suite, chosen->encr.id, chosen->encr.key_bits, chosen->integ);
    if (rc < 0)
        return rc;
    const struct ike_key_lens lens = {.prf = ike_prf_len(chosen->prf),
                                      .integ = next->suite.integ_key_len,
                                      .encr = next->suite.encr_key_len};
    return ike_derive_rekeyed_sa_keys(sa->alg.prf, sa->keys.sk_d, sa->keys.lens.prf, chosen->prf,
                                      &lens, ni, ni_len, nr, nr_len, gir, gir_len, next->spi_i,
                                      next->spi_r, &next->keys);
}

static void note_ike_collision(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_sa *made,
                               const struct ike_bytes *ni, const uint8_t *nr, size_t nr_len)
{
    note_crossing(ctx, &sa->pending, ni, nr, nr_len);
    sa->pending.peer_new_ike_spi = made->spi_r; /* ours: we are its responder */
    char ref[IKE_SA_REF_MAX];
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "simultaneous rekey of the IKE SA, the peer's new SA is %s",
               ike_sa_log_ref(made, ref, sizeof(ref)));
}

static void ike_rekey_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                              const struct ike_sa_payload *offer, const struct ike_bytes *ni)
{
    uint32_t msg_id = m->hdr.msg_id;
    /* Our own rekey of this SA is out: answer, and let the nonces decide later (2.8.2). */
    bool crossing =
        sa->request.buf != NULL && sa->pending.kind == IKE_REQ_REKEY_IKE && !sa->pending.collided;
    if (sa->request.buf != NULL && !crossing) {
        /* Something else of ours is outstanding: the Child SAs must not move under it. */
        reply_error(ctx, sa, msg_id, IKE_N_TEMPORARY_FAILURE, 0);
        return;
    }
    struct ike_chosen chosen;
    if (ike_proposal_select(offer, sa->peer->ike, sa->peer->nike, IKE_PROTO_IKE, &chosen) < 0 ||
        chosen.spi_size != 8 || chosen.dh == IKE_DH_NONE) {
        ctx->counters.no_proposal_chosen++;
        reply_error(ctx, sa, msg_id, IKE_N_NO_PROPOSAL_CHOSEN, 0);
        return;
    }
    struct ike_ke_payload ke;
    if (ike_ke_decode(ike_msg_find(m, IKE_PL_KE, NULL), &ke, NULL) < 0 || ke.group != chosen.dh) {
        reply_error(ctx, sa, msg_id, IKE_N_INVALID_KE_PAYLOAD, chosen.dh);
        return;
    }
    struct ike_sa *next =
        ike_sa_create_rekeyed(ctx, sa, false, ike_get64(chosen.spi), ike_sa_fresh_spi(ctx));
    struct ike_dh_key *dh = ike_dh_new(chosen.dh);
    uint8_t nr[IKE_OUR_NONCE_LEN];
    ike_random(ctx, nr, sizeof(nr));
    uint8_t gir[IKE_DH_MAX_LEN];
    long glen = dh != NULL ? ike_dh_shared(dh, ke.data.ptr, ke.data.len, gir, sizeof(gir)) : -1;
    int rc = next == NULL || glen < 0 ? -EINVAL
                                      : key_rekeyed_sa(sa, next, &chosen, ni->ptr, ni->len, nr,
                                                       sizeof(nr), gir, (size_t)glen);
    memset(gir, 0, sizeof(gir));
    if (rc < 0) {
        if (next != NULL)
            ike_sa_destroy(ctx, next);
        ike_dh_free(dh);
        reply_error(ctx, sa, msg_id, glen < 0 ? IKE_N_INVALID_SYNTAX : IKE_N_TEMPORARY_FAILURE, 0);
        return;
    }
    struct ccs_reply r = {
        .chosen = chosen, .nonce = nr, .nonce_len = sizeof(nr), .dh = dh, .next = next};
    ike_put64(r.chosen.spi, next->spi_r);
    ike_send_encrypted(ctx, sa, IKE_EXCH_CREATE_CHILD_SA, true, msg_id, build_reply, &r);
    ike_dh_free(dh);
    if (crossing) {
        note_ike_collision(ctx, sa, next, ni, nr, sizeof(nr));
        return;
    }
    ike_children_move(sa, next);
    ctx->counters.ike_rekeyed++;
    char ref[IKE_SA_REF_MAX];
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "IKE SA rekeyed by the peer, now %s",
               ike_sa_log_ref(next, ref, sizeof(ref)));
    ike_sa_set_state(ctx, sa, IKE_SA_REKEYED, "rekeyed by the peer");
}

void ike_ccs_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    uint32_t msg_id = m->hdr.msg_id;
    sa->next_peer_id = msg_id + 1;
    static struct ike_sa_payload offer;
    struct ike_bytes ni;
    if (ike_sa_decode(ike_msg_find(m, IKE_PL_SA, NULL), &offer, NULL) < 0 ||
        ike_nonce_decode(ike_msg_find(m, IKE_PL_NONCE, NULL), &ni, NULL) < 0 ||
        offer.nproposals == 0) {
        ctx->counters.rx_malformed++;
        reply_error(ctx, sa, msg_id, IKE_N_INVALID_SYNTAX, 0);
        return;
    }
    if (sa->state != IKE_SA_ESTABLISHED || sa->peer == NULL) {
        /* Being deleted or replaced: new SAs belong elsewhere (2.25). */
        reply_error(ctx, sa, msg_id, IKE_N_TEMPORARY_FAILURE, 0);
        return;
    }
    if (offer.proposals[0].protocol == IKE_PROTO_IKE)
        ike_rekey_request(ctx, sa, m, &offer, &ni);
    else
        child_request(ctx, sa, m, &offer, &ni);
}

/* ---- initiator ---- */

struct ccs_request {
    const struct ike_child *old; /* Child SA being rekeyed */
    bool ike;                    /* IKE SA rekey */
};

static int build_request(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    const struct ccs_request *q = arg;
    const struct ike_pending *p = &sa->pending;
    static struct ike_sa_payload offer;
    if (q->old != NULL) {
        struct ike_notify_payload n = {
            .protocol = IKE_PROTO_ESP, .spi_size = 4, .type = IKE_N_REKEY_SA};
        ike_put32(n.spi, q->old->sa.spi_in);
        ike_notify_encode(w, &n);
    }
    if (q->ike) {
        uint8_t spi[8];
        ike_put64(spi, p->new_ike_spi);
        ike_proposal_offer(sa->peer->ike, sa->peer->nike, spi, 8, &offer);
    } else {
        uint8_t spi[4];
        ike_put32(spi, p->new_spi);
        ike_proposal_offer(sa->peer->esp, sa->peer->nesp, spi, 4, &offer);
    }
    ike_sa_encode(w, &offer);
    const struct ike_bytes nonce = {p->nonce, p->nonce_len};
    ike_nonce_encode(w, &nonce);
    if (p->dh != NULL)
        put_ke(w, p->dh);
    if (q->old != NULL) {
        ike_ts_encode_set(w, IKE_PL_TSI, &q->old->sa.ts_local);
        ike_ts_encode_set(w, IKE_PL_TSR, &q->old->sa.ts_remote);
    } else if (!q->ike) {
        struct ike_ts vip_buf[IKE_MAX_VIPS];
        unsigned nlocal, nremote;
        const struct ike_ts *local = ike_cp_selectors(sa, true, vip_buf, &nlocal);
        put_cfg_ts(w, IKE_PL_TSI, local, nlocal);
        const struct ike_ts *remote = ike_cp_selectors(sa, false, vip_buf, &nremote);
        put_cfg_ts(w, IKE_PL_TSR, remote, nremote);
    }
    return w->overflow ? -ENOSPC : 0;
}

static int send_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ccs_request *q)
{
    int rc = ike_send_encrypted(ctx, sa, IKE_EXCH_CREATE_CHILD_SA, false, sa->next_req_id,
                                build_request, (void *)q);
    if (rc < 0) {
        ike_dh_free(sa->pending.dh);
        memset(&sa->pending, 0, sizeof(sa->pending));
    }
    return rc;
}

/* Fills the pending slot with a nonce and, for PFS or an IKE rekey, a DH key of `group`. */
static int prepare(struct ike_ctx *ctx, struct ike_sa *sa, enum ike_req_kind kind, uint16_t group)
{
    if (sa->request.buf != NULL || sa->state != IKE_SA_ESTABLISHED)
        return -EBUSY;
    struct ike_pending *p = &sa->pending;
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->nonce_len = IKE_OUR_NONCE_LEN;
    ike_random(ctx, p->nonce, p->nonce_len);
    if (group != IKE_DH_NONE) {
        p->dh = ike_dh_new(group);
        if (p->dh == NULL) {
            memset(p, 0, sizeof(*p));
            return -ENOTSUP;
        }
    }
    return 0;
}

static int start_child(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child *old,
                       uint16_t group)
{
    int rc = prepare(ctx, sa, old != NULL ? IKE_REQ_REKEY_CHILD : IKE_REQ_NEW_CHILD, group);
    if (rc < 0)
        return rc;
    sa->pending.new_spi = ike_child_fresh_spi(ctx, sa);
    if (old != NULL) {
        sa->pending.old_spi = old->sa.spi_in;
        old->state = IKE_CHILD_REKEYING;
    }
    const struct ccs_request q = {.old = old};
    rc = send_request(ctx, sa, &q);
    if (rc < 0 && old != NULL)
        old->state = IKE_CHILD_INSTALLED;
    return rc;
}

int ike_ccs_start_child(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child *rekeyed)
{
    return start_child(ctx, sa, rekeyed, child_group(sa, rekeyed));
}

static int start_ike_rekey(struct ike_ctx *ctx, struct ike_sa *sa, uint16_t group)
{
    int rc = prepare(ctx, sa, IKE_REQ_REKEY_IKE, group);
    if (rc < 0)
        return rc;
    sa->pending.new_ike_spi = ike_sa_fresh_spi(ctx);
    const struct ccs_request q = {.ike = true};
    return send_request(ctx, sa, &q);
}

int ike_ccs_start_ike_rekey(struct ike_ctx *ctx, struct ike_sa *sa)
{
    /* A new DH exchange is mandatory (2.18); the current group is the safe guess. */
    return start_ike_rekey(ctx, sa, sa->alg.dh);
}

/* Error notifies: retry, give up or wait; the pending request is over in any case. */
static void child_refused(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_pending *done,
                          struct ike_child *old, const struct ike_notify_payload *n)
{
    if (old != NULL && old->state == IKE_CHILD_REKEYING)
        old->state = IKE_CHILD_INSTALLED;
    switch (n->type) {
    case IKE_N_INVALID_KE_PAYLOAD:
        if (n->data.len == 2 &&
            group_configured(sa->peer->esp, sa->peer->nesp, ike_get16(n->data.ptr)) &&
            (done->dh == NULL || ike_get16(n->data.ptr) != ike_dh_group(done->dh))) {
            ike_sa_log(ctx, sa, IKE_LOG_INFO, "peer wants DH group %u for the Child SA; retrying",
                       ike_get16(n->data.ptr));
            start_child(ctx, sa, old, ike_get16(n->data.ptr));
            return;
        }
        break;
    case IKE_N_TEMPORARY_FAILURE:
        /* Typically a crossing rekey or delete: try again a little later (2.25). */
        ctx->counters.temporary_failure++;
        if (old != NULL)
            old->rekey_ns = retry_at(ctx);
        return;
    case IKE_N_CHILD_SA_NOT_FOUND:
        ctx->counters.child_not_found++;
        if (old != NULL)
            ike_child_remove(ctx, sa, old); /* the peer has no such SA any more */
        return;
    case IKE_N_NO_PROPOSAL_CHOSEN:
        ctx->counters.no_proposal_chosen++;
        break;
    case IKE_N_TS_UNACCEPTABLE:
        ctx->counters.ts_unacceptable++;
        break;
    default:
        break;
    }
    ike_sa_log(ctx, sa, IKE_LOG_WARN, "peer refused the Child SA: %s", ike_notify_name(n->type));
    if (old != NULL)
        old->rekey_ns = 0; /* do not insist; its hard lifetime ends it */
}

/* After a rekey we initiated: who deletes what (2.8, and 2.8.1 when rekeys crossed). */
static void finish_child_rekey(struct ike_ctx *ctx, struct ike_sa *sa,
                               const struct ike_pending *done, struct ike_child *old,
                               struct ike_child *made, const struct ike_bytes *nr)
{
    ctx->counters.child_rekeyed++;
    if (old == NULL)
        return; /* deleted by the peer meanwhile (2.25.1) */
    if (done->collided) {
        const uint8_t *lo;
        size_t lo_len;
        lower_nonce(done->nonce, done->nonce_len, nr->ptr, nr->len, &lo, &lo_len);
        if (nonce_cmp_kept(lo, lo_len, done->peer_min_nonce, done->peer_min_nonce_len) < 0) {
            /* Ours holds the lowest nonce: it is redundant and ours to close. */
            ike_child_log(ctx, sa, &made->sa, IKE_LOG_INFO,
                          "rekey collision: closing our redundant Child SA");
            old->state = IKE_CHILD_REKEYED;
            ike_info_start_delete_child(ctx, sa, made);
            return;
        }
        ike_child_log(ctx, sa, &made->sa, IKE_LOG_INFO,
                      "rekey collision: ours survives, the peer closes %08x", done->peer_new_spi);
    }
    ike_info_start_delete_child(ctx, sa, old);
}

static void child_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                           const struct ike_pending *done)
{
    struct ike_child *old =
        done->kind == IKE_REQ_REKEY_CHILD ? ike_child_by_spi_in(sa, done->old_spi) : NULL;
    struct ike_notify_payload n;
    if (ike_msg_find(m, IKE_PL_SA, NULL) == NULL && error_notify(m, &n) != 0) {
        child_refused(ctx, sa, done, old, &n);
        return;
    }
    if (old != NULL && old->state == IKE_CHILD_REKEYING)
        old->state = IKE_CHILD_INSTALLED;
    static struct ike_sa_payload reply;
    struct ike_bytes nr;
    struct ike_child_sa *child = ike_child_new(ctx, sa);
    if (child == NULL)
        return;
    const struct ike_peer_cfg *p = sa->peer;
    uint8_t gir[IKE_DH_MAX_LEN];
    long glen = 0;
    bool ok = ike_sa_decode(ike_msg_find(m, IKE_PL_SA, NULL), &reply, NULL) == 0 &&
              ike_nonce_decode(ike_msg_find(m, IKE_PL_NONCE, NULL), &nr, NULL) == 0 &&
              ike_proposal_from_reply(&reply, &child->alg) == 0 && child->alg.spi_size == 4 &&
              child->alg.protocol == IKE_PROTO_ESP &&
              ike_proposal_acceptable(&child->alg, p->esp, p->nesp) &&
              child->alg.dh == (done->dh != NULL ? ike_dh_group(done->dh) : IKE_DH_NONE) &&
              ike_ts_decode_set(ike_msg_find(m, IKE_PL_TSI, NULL), &child->ts_local) == 0 &&
              ike_ts_decode_set(ike_msg_find(m, IKE_PL_TSR, NULL), &child->ts_remote) == 0 &&
              ts_within_ours(sa, &child->ts_local, true) &&
              ts_within_ours(sa, &child->ts_remote, false);
    if (ok && done->dh != NULL) {
        glen = shared_secret(done->dh, m, gir);
        ok = glen > 0;
    }
    if (!ok) {
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "CREATE_CHILD_SA response is not what we offered");
        ike_child_discard(sa, child);
        memset(gir, 0, sizeof(gir));
        if (old != NULL)
            old->rekey_ns = 0;
        return;
    }
    child->spi_in = done->new_spi;
    child->spi_out = ike_get32(child->alg.spi);
    child->rekey_of = old != NULL ? old->sa.spi_in : 0;
    const struct ike_child_keying k = {.ni = done->nonce,
                                       .ni_len = done->nonce_len,
                                       .nr = nr.ptr,
                                       .nr_len = nr.len,
                                       .gir = done->dh != NULL ? gir : NULL,
                                       .gir_len = glen > 0 ? (size_t)glen : 0,
                                       .we_initiated = true};
    int rc = ike_child_install_keyed(ctx, sa, child, &k);
    memset(gir, 0, sizeof(gir));
    if (rc < 0 || done->kind != IKE_REQ_REKEY_CHILD)
        return;
    finish_child_rekey(ctx, sa, done, old, ike_child_by_spi_in(sa, done->new_spi), &nr);
}

/* The peer's new IKE SA of a collision, if it is still there to take the Child SAs. */
static struct ike_sa *peer_rekeyed_sa(struct ike_ctx *ctx, const struct ike_pending *p)
{
    if (p->kind != IKE_REQ_REKEY_IKE || !p->collided)
        return NULL;
    struct ike_sa *theirs = ike_sa_find_ours(ctx, p->peer_new_ike_spi);
    return theirs != NULL && theirs->state == IKE_SA_ESTABLISHED ? theirs : NULL;
}

/* The Child SAs go to the peer's new IKE SA; the peer, whose rekey survived, deletes `old`. */
static void adopt_peer_sa(struct ike_ctx *ctx, struct ike_sa *old, struct ike_sa *theirs)
{
    ike_children_move(old, theirs);
    theirs->delete_queued = theirs->delete_queued || old->delete_queued;
    ctx->counters.ike_rekeyed++;
    char ref[IKE_SA_REF_MAX];
    ike_sa_log(ctx, old, IKE_LOG_INFO, "IKE SA rekeyed by the peer, now %s",
               ike_sa_log_ref(theirs, ref, sizeof(ref)));
    if (old->state == IKE_SA_ESTABLISHED)
        ike_sa_set_state(ctx, old, IKE_SA_REKEYED, "rekey collision: the peer's new SA survives");
}

void ike_ccs_ike_deleted(struct ike_ctx *ctx, struct ike_sa *sa)
{
    /*
     * The peer deletes the old SA while our crossing rekey is unanswered (its
     * response was lost): the peer's rekey survived, so the Child SAs live on
     * there. Ours, if the peer made it, is removed by the peer after a while.
     */
    struct ike_sa *theirs = peer_rekeyed_sa(ctx, &sa->pending);
    if (theirs != NULL)
        adopt_peer_sa(ctx, sa, theirs);
}

/*
 * After our rekey crossed the peer's (2.8.2): true when ours, `next`, is the
 * redundant one (it holds the lowest of the four nonces, or could not be
 * made), which we then delete while the Child SAs go to the peer's new SA.
 * Otherwise the peer deletes its SA, and we do if it does not.
 */
static bool resolve_ike_collision(struct ike_ctx *ctx, struct ike_sa *sa,
                                  const struct ike_pending *done, struct ike_sa *next,
                                  const struct ike_bytes *nr)
{
    struct ike_sa *theirs = peer_rekeyed_sa(ctx, done);
    if (theirs == NULL)
        return false;
    bool ours_lowest = next == NULL;
    if (next != NULL) {
        const uint8_t *lo;
        size_t lo_len;
        lower_nonce(done->nonce, done->nonce_len, nr->ptr, nr->len, &lo, &lo_len);
        ours_lowest =
            nonce_cmp_kept(lo, lo_len, done->peer_min_nonce, done->peer_min_nonce_len) < 0;
    }
    if (!ours_lowest) {
        char ref[IKE_SA_REF_MAX];
        ike_sa_log(ctx, sa, IKE_LOG_INFO, "rekey collision: ours survives, the peer closes %s",
                   ike_sa_log_ref(theirs, ref, sizeof(ref)));
        theirs->redundant_delete_ns = ike_now(ctx) + (uint64_t)ctx->cfg.half_open_timeout_s * SEC;
        return false;
    }
    adopt_peer_sa(ctx, sa, theirs);
    if (next != NULL) {
        char ref[IKE_SA_REF_MAX];
        ike_sa_log(ctx, sa, IKE_LOG_INFO, "rekey collision: closing our redundant IKE SA %s",
                   ike_sa_log_ref(next, ref, sizeof(ref)));
        ike_info_start_delete_ike(ctx, next);
    }
    return true;
}

static void ike_rekey_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                               const struct ike_pending *done)
{
    struct ike_notify_payload n;
    if (ike_msg_find(m, IKE_PL_SA, NULL) == NULL && error_notify(m, &n) != 0) {
        /* Refused, but we took the peer's crossing rekey: that one is the new SA. */
        if (resolve_ike_collision(ctx, sa, done, NULL, NULL))
            return;
        if (n.type == IKE_N_INVALID_KE_PAYLOAD && n.data.len == 2 &&
            group_configured(sa->peer->ike, sa->peer->nike, ike_get16(n.data.ptr)) &&
            ike_get16(n.data.ptr) != ike_dh_group(done->dh)) {
            start_ike_rekey(ctx, sa, ike_get16(n.data.ptr));
            return;
        }
        if (n.type == IKE_N_TEMPORARY_FAILURE) {
            ctx->counters.temporary_failure++;
            sa->rekey_ns = retry_at(ctx);
        } else {
            ike_sa_log(ctx, sa, IKE_LOG_WARN, "peer refused to rekey the IKE SA: %s",
                       ike_notify_name(n.type));
            sa->rekey_ns = 0;
        }
        return;
    }
    static struct ike_sa_payload reply;
    struct ike_bytes nr;
    struct ike_chosen chosen;
    uint8_t gir[IKE_DH_MAX_LEN];
    long glen = -1;
    if (ike_sa_decode(ike_msg_find(m, IKE_PL_SA, NULL), &reply, NULL) == 0 &&
        ike_nonce_decode(ike_msg_find(m, IKE_PL_NONCE, NULL), &nr, NULL) == 0 &&
        ike_proposal_from_reply(&reply, &chosen) == 0 && chosen.protocol == IKE_PROTO_IKE &&
        chosen.spi_size == 8 && ike_get64(chosen.spi) != 0 &&
        ike_proposal_acceptable(&chosen, sa->peer->ike, sa->peer->nike) &&
        chosen.dh == ike_dh_group(done->dh))
        glen = shared_secret(done->dh, m, gir);
    struct ike_sa *next =
        glen > 0 ? ike_sa_create_rekeyed(ctx, sa, true, done->new_ike_spi, ike_get64(chosen.spi))
                 : NULL;
    int rc = next == NULL ? -EINVAL
                          : key_rekeyed_sa(sa, next, &chosen, done->nonce, done->nonce_len, nr.ptr,
                                           nr.len, gir, (size_t)glen);
    memset(gir, 0, sizeof(gir));
    if (rc < 0) {
        if (next != NULL)
            ike_sa_destroy(ctx, next);
        if (resolve_ike_collision(ctx, sa, done, NULL, NULL))
            return;
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "IKE SA rekey response unusable; keeping the old IKE SA");
        sa->rekey_ns = 0;
        return;
    }
    if (done->collided && resolve_ike_collision(ctx, sa, done, next, &nr))
        return;
    /*
     * RFC 6290 4.3: the responder's token for the new SPIs came with its
     * response; ours could not go in the request (the new SPIr was unknown),
     * so it follows in an INFORMATIONAL on the new SA.
     */
    ike_qcd_take(ctx, next, m);
    if (ike_qcd_makes(ctx, next->peer))
        ike_info_start_qcd(ctx, next);
    ike_children_move(sa, next);
    next->delete_queued = sa->delete_queued; /* an operator's delete meant this SA too */
    ctx->counters.ike_rekeyed++;
    char ref[IKE_SA_REF_MAX];
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "IKE SA rekeyed, now %s",
               ike_sa_log_ref(next, ref, sizeof(ref)));
    /* We rekeyed, so we delete the old IKE SA (2.18); its Child SAs live on in `next`. */
    ike_info_start_delete_ike(ctx, sa);
}

void ike_ccs_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                      const struct ike_pending *done)
{
    switch (done->kind) {
    case IKE_REQ_NEW_CHILD:
    case IKE_REQ_REKEY_CHILD:
        child_response(ctx, sa, m, done);
        break;
    case IKE_REQ_REKEY_IKE:
        ike_rekey_response(ctx, sa, m, done);
        break;
    default:
        ctx->counters.rx_bad_msg_id++; /* a CREATE_CHILD_SA answer to something else */
        break;
    }
}

/* ---- operator actions ---- */

int ike_rekey_ike(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r)
{
    struct ike_sa *sa = ike_sa_find_pair(ctx, spi_i, spi_r);
    if (sa == NULL || sa->state != IKE_SA_ESTABLISHED)
        return -ENOENT;
    return ike_ccs_start_ike_rekey(ctx, sa);
}

int ike_rekey_child(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r, uint32_t child_spi_in)
{
    struct ike_sa *sa = ike_sa_find_pair(ctx, spi_i, spi_r);
    struct ike_child *c = sa != NULL ? ike_child_by_spi_in(sa, child_spi_in) : NULL;
    if (c == NULL || sa->state != IKE_SA_ESTABLISHED)
        return -ENOENT;
    if (c->state != IKE_CHILD_INSTALLED)
        return -EBUSY;
    return ike_ccs_start_child(ctx, sa, c);
}

int ike_create_child(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r)
{
    struct ike_sa *sa = ike_sa_find_pair(ctx, spi_i, spi_r);
    if (sa == NULL || sa->state != IKE_SA_ESTABLISHED)
        return -ENOENT;
    return ike_ccs_start_child(ctx, sa, NULL);
}
