/* SPDX-License-Identifier: BSD-3-Clause */
/* The IKE_SA_INIT exchange (RFC 7296 1.2), both roles. */
#include <errno.h>
#include <string.h>

#include "ike_natd.h"
#include "ike_sa.h"
#include "ike_writer.h"

#define OUR_NONCE_LEN 32

void ike_sa_init_reply_notify(struct ike_ctx *ctx, const struct ike_addr *local,
                              const struct ike_addr *remote, const struct ike_hdr *req,
                              uint16_t type, const void *data, size_t len)
{
    struct ike_writer w;
    const struct ike_hdr h = {.spi_i = req->spi_i,
                              .version = IKE_MAJOR_VERSION << 4,
                              .exchange = IKE_EXCH_IKE_SA_INIT,
                              .flags = IKE_FLAG_RESPONSE};
    ike_w_init(&w, ctx->buf, sizeof(ctx->buf), local->port == IKE_NATT_PORT);
    ike_w_header(&w, &h);
    ike_notify_encode_simple(&w, type, data, len);
    long n = ike_w_finish(&w);
    if (n > 0) {
        ctx->counters.tx_packets++;
        ctx->be.send(ctx->be.opaque, local, remote, ctx->buf, (size_t)n);
    }
}

/* Adds the two NAT detection notifies for this SA's addresses. */
static void put_natd(struct ike_writer *w, const struct ike_sa *sa, uint64_t spi_r)
{
    ike_natd_put(w, sa->spi_i, spi_r, &sa->local, &sa->remote);
}

/* NAT detection (RFC 7296 2.23): sets sa's three NAT flags from the peer's hashes. */
static void nat_check(const struct ike_msg *m, struct ike_sa *sa, uint64_t spi_r)
{
    struct ike_natd_seen seen = ike_natd_check(m, sa->spi_i, spi_r, &sa->local, &sa->remote);
    sa->nat_detected = seen.peer_behind_nat || seen.local_behind_nat;
    sa->peer_behind_nat = seen.peer_behind_nat;
    sa->local_behind_nat = seen.local_behind_nat;
}

static int derive(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_ke_payload *peer_ke)
{
    int rc = ike_sk_suite_init(&sa->suite, sa->alg.encr.id, sa->alg.encr.key_bits, sa->alg.integ);
    if (rc < 0)
        return rc;
    uint8_t gir[IKE_DH_MAX_LEN];
    long glen = ike_dh_shared(sa->dh, peer_ke->data.ptr, peer_ke->data.len, gir, sizeof(gir));
    if (glen < 0) {
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "invalid KE value from the peer");
        return (int)glen;
    }
    const struct ike_key_lens lens = {.prf = ike_prf_len(sa->alg.prf),
                                      .integ = sa->suite.integ_key_len,
                                      .encr = sa->suite.encr_key_len};
    rc = ike_derive_sa_keys(sa->alg.prf, &lens, NULL, sa->ni, sa->ni_len, sa->nr, sa->nr_len, gir,
                            (size_t)glen, sa->spi_i, sa->spi_r, &sa->keys);
    memset(gir, 0, sizeof(gir));
    return rc;
}

/* The first configured peer whose IKE proposals accept the offer; the ID decides in IKE_AUTH. */
static const struct ike_peer_cfg *
select_peer(struct ike_ctx *ctx, const struct ike_sa_payload *offer, struct ike_chosen *chosen)
{
    for (unsigned i = 0; i < ctx->cfg.npeers; i++) {
        const struct ike_peer_cfg *p = &ctx->cfg.peers[i];
        if (ike_proposal_select(offer, p->ike, p->nike, IKE_PROTO_IKE, chosen) == 0)
            return p;
    }
    return NULL;
}

static int decode_init(const struct ike_msg *m, struct ike_sa_payload *sa,
                       struct ike_ke_payload *ke, struct ike_bytes *nonce)
{
    struct ike_err e;
    if (ike_sa_decode(ike_msg_find(m, IKE_PL_SA, NULL), sa, &e) < 0 ||
        ike_ke_decode(ike_msg_find(m, IKE_PL_KE, NULL), ke, &e) < 0 ||
        ike_nonce_decode(ike_msg_find(m, IKE_PL_NONCE, NULL), nonce, &e) < 0)
        return -EBADMSG;
    return 0;
}

/*
 * Is `msg` the request kept in `old` with a COOKIE notify added as its first
 * payload and nothing else changed? Compares the header (but its next
 * payload and length) and every byte after the COOKIE.
 */
static bool cookie_added(const struct ike_kept_msg *old, const uint8_t *msg, size_t len,
                         const struct ike_msg *m)
{
    const struct ike_pl *first = m->npayloads > 0 ? &m->pl[0] : NULL;
    if (first == NULL || first->type != IKE_PL_NOTIFY || first->offset != IKE_HDR_LEN ||
        ike_msg_find_notify(m, IKE_N_COOKIE) != first)
        return false;
    size_t cookie_len = ike_get16(msg + IKE_HDR_LEN + 2);
    const uint8_t *a = old->buf;
    if (old->len + cookie_len != len || old->len < IKE_HDR_LEN)
        return false;
    return memcmp(a, msg, 16) == 0 && a[16] == msg[IKE_HDR_LEN] &&
           memcmp(a + 17, msg + 17, 7) == 0 &&
           memcmp(a + IKE_HDR_LEN, msg + IKE_HDR_LEN + cookie_len, old->len - IKE_HDR_LEN) == 0;
}

void ike_init_request(struct ike_ctx *ctx, const struct ike_addr *local,
                      const struct ike_addr *remote, const uint8_t *msg, size_t len,
                      const struct ike_msg *m)
{
    struct ike_sa *old = ike_sa_find_half_open(ctx, m->hdr.spi_i, remote);
    if (old != NULL && old->init_i.buf != NULL && old->init_r.buf != NULL &&
        cookie_added(&old->init_i, msg, len, m)) {
        /*
         * The same request with a COOKIE in front (RFC 7296 2.6: all other
         * payloads unchanged): a worker's COOKIE for a retransmission reached
         * the initiator before our answer. Whichever of the two answers it
         * takes, it goes on with this SA and signs the request it sent last:
         * keep that one, answer as before, and nothing is lost.
         */
        if (ike_keep(&old->init_i, msg, len, 0) < 0)
            return;
        ctx->counters.rx_retransmit_answered++;
        old->reply_local = *local;
        old->reply_remote = *remote;
        ike_send_raw(ctx, old, old->response.buf, old->response.len, false, 0);
        return;
    }
    if (old != NULL && old->init_i.buf != NULL &&
        (old->init_i.len != len || memcmp(old->init_i.buf, msg, len) != 0)) {
        /*
         * Same SPIi, different request: the initiator started over (typically
         * it got a COOKIE from a worker for a retransmission while our answer
         * was on its way, and now returns the cookie). It signs the new
         * request in IKE_AUTH, so the old exchange can never complete.
         */
        ctx->counters.init_restarted++;
        ike_sa_set_state(ctx, old, IKE_SA_DEAD, "the initiator started over with another request");
        old = NULL;
    }
    if (old != NULL) {
        /* A retransmission: answer the same (RFC 7296 2.1), do not start over. */
        if (old->init_r.buf != NULL) {
            ctx->counters.rx_retransmit_answered++;
            old->reply_local = *local;
            old->reply_remote = *remote;
            ike_send_raw(ctx, old, old->response.buf, old->response.len, false, 0);
        }
        return;
    }
    static struct ike_sa_payload offer; /* large; the control plane is single-threaded */
    struct ike_ke_payload ke;
    struct ike_bytes nonce;
    if (decode_init(m, &offer, &ke, &nonce) < 0) {
        ctx->counters.rx_malformed++;
        return;
    }
    if (!ike_cookie_gate(ctx, local, remote, m, &nonce))
        return;
    struct ike_chosen chosen;
    const struct ike_peer_cfg *peer = select_peer(ctx, &offer, &chosen);
    if (peer == NULL) {
        ctx->counters.no_proposal_chosen++;
        ike_sa_init_reply_notify(ctx, local, remote, &m->hdr, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
        return;
    }
    if (ke.group != chosen.dh) {
        /* Tell the initiator which group to use (RFC 7296 1.2). */
        uint8_t group[2];
        ike_put16(group, chosen.dh);
        ctx->counters.invalid_ke_payload++;
        ike_sa_init_reply_notify(ctx, local, remote, &m->hdr, IKE_N_INVALID_KE_PAYLOAD, group, 2);
        return;
    }
    struct ike_sa *sa = ike_sa_create(ctx, false, local, remote);
    if (sa == NULL) {
        ike_sa_init_reply_notify(ctx, local, remote, &m->hdr, IKE_N_TEMPORARY_FAILURE, NULL, 0);
        return;
    }
    sa->peer = peer;
    sa->alg = chosen;
    sa->spi_i = m->hdr.spi_i;
    ike_sa_index_responder(ctx, sa);
    sa->next_peer_id = 1;
    memcpy(sa->ni, nonce.ptr, nonce.len);
    sa->ni_len = nonce.len;
    sa->nr_len = OUR_NONCE_LEN;
    ike_random(ctx, sa->nr, sa->nr_len);
    sa->dh = ike_dh_new(chosen.dh);
    nat_check(m, sa, 0);
    sa->frag_ok = ike_msg_find_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
    ike_redirect_note_client(sa, m);
    ike_auth_read_init(ctx, sa, m);
    if (sa->dh == NULL || derive(ctx, sa, &ke) < 0 || ike_keep(&sa->init_i, msg, len, 0) < 0) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "cannot set up keys");
        ike_sa_destroy(ctx, sa);
        return;
    }

    struct ike_writer w;
    static struct ike_sa_payload reply;
    const struct ike_hdr h = ike_sa_header(sa, IKE_EXCH_IKE_SA_INIT, true, 0);
    uint8_t pub[IKE_DH_MAX_LEN];
    long publen = ike_dh_public(sa->dh, pub, sizeof(pub));
    ike_proposal_reply(&chosen, &reply);
    ike_w_init(&w, ctx->buf, sizeof(ctx->buf), sa->natt);
    ike_w_header(&w, &h);
    ike_sa_encode(&w, &reply);
    const struct ike_ke_payload our_ke = {.group = chosen.dh,
                                          .data = {pub, (uint16_t)(publen > 0 ? publen : 0)}};
    ike_ke_encode(&w, &our_ke);
    const struct ike_bytes nr = {sa->nr, sa->nr_len};
    ike_nonce_encode(&w, &nr);
    put_natd(&w, sa, sa->spi_r);
    if (sa->frag_ok)
        ike_notify_encode_simple(&w, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
    ike_auth_put_init(ctx, sa, &w);
    long n = ike_w_finish(&w);
    if (n < 0 || publen < 0 ||
        ike_keep(&sa->init_r, ctx->buf + w.hdr_off, (size_t)n - w.hdr_off, 0) < 0 ||
        ike_keep(&sa->response, ctx->buf, (size_t)n, 0) < 0) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "cannot build IKE_SA_INIT response");
        ike_sa_destroy(ctx, sa);
        return;
    }
    /* Rate-limited: a flood admitted at the gate's rate would write thousands a second. */
    ike_sa_log_rl(ctx, sa, IKE_LOG_INFO, "IKE_SA_INIT answered: %s-%u %s %s%s",
                  ike_transform_id_name(IKE_TT_ENCR, chosen.encr.id), chosen.encr.key_bits,
                  ike_transform_id_name(IKE_TT_PRF, chosen.prf),
                  ike_transform_id_name(IKE_TT_DH, chosen.dh),
                  sa->nat_detected ? ", NAT seen" : "");
    ike_send_raw(ctx, sa, ctx->buf, (size_t)n, false, 0);
}

/* ---- initiator ---- */

static int send_init(struct ike_ctx *ctx, struct ike_sa *sa)
{
    struct ike_writer w;
    static struct ike_sa_payload offer;
    const struct ike_hdr h = ike_sa_header(sa, IKE_EXCH_IKE_SA_INIT, false, 0);
    uint8_t pub[IKE_DH_MAX_LEN];
    long publen = ike_dh_public(sa->dh, pub, sizeof(pub));
    if (publen < 0)
        return (int)publen;
    ike_proposal_offer(sa->peer->ike, sa->peer->nike, NULL, 0, &offer);
    ike_w_init(&w, ctx->buf, sizeof(ctx->buf), sa->natt);
    ike_w_header(&w, &h);
    if (sa->cookie_len > 0)
        ike_notify_encode_simple(&w, IKE_N_COOKIE, sa->cookie, sa->cookie_len);
    ike_sa_encode(&w, &offer);
    const struct ike_ke_payload ke = {.group = ike_dh_group(sa->dh),
                                      .data = {pub, (uint16_t)publen}};
    ike_ke_encode(&w, &ke);
    const struct ike_bytes ni = {sa->ni, sa->ni_len};
    ike_nonce_encode(&w, &ni);
    put_natd(&w, sa, 0);
    ike_redirect_announce(sa, &w);
    /* We take fragments (RFC 7383): IKE_AUTH with certificates need not be IP-fragmented. */
    ike_notify_encode_simple(&w, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
    ike_auth_put_init(ctx, sa, &w);
    long n = ike_w_finish(&w);
    if (n < 0)
        return (int)n;
    int rc = ike_keep(&sa->init_i, ctx->buf + w.hdr_off, (size_t)n - w.hdr_off, 0);
    if (rc == 0)
        rc = ike_send_raw(ctx, sa, ctx->buf, (size_t)n, true, 0);
    return rc;
}

int ike_init_start(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (sa->peer->nike == 0 || sa->peer->ike[0].ndh == 0)
        return -EINVAL;
    sa->ni_len = OUR_NONCE_LEN;
    ike_random(ctx, sa->ni, sa->ni_len);
    sa->dh = ike_dh_new(sa->peer->ike[0].dh[0]);
    if (sa->dh == NULL)
        return -ENOTSUP;
    return send_init(ctx, sa);
}

/* Handles COOKIE and INVALID_KE_PAYLOAD by retrying; true when the response was one of them. */
static bool retry_on_notify(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    const struct ike_pl *pl = ike_msg_find_notify(m, IKE_N_COOKIE);
    struct ike_notify_payload n;
    if (pl != NULL && ike_notify_decode(pl, &n, NULL) == 0 && n.data.len >= 1 &&
        n.data.len <= IKE_COOKIE_MAX_LEN) {
        memcpy(sa->cookie, n.data.ptr, n.data.len);
        sa->cookie_len = (uint8_t)n.data.len;
        ike_sa_log(ctx, sa, IKE_LOG_INFO, "responder asked for a cookie; retrying");
        send_init(ctx, sa);
        return true;
    }
    pl = ike_msg_find_notify(m, IKE_N_INVALID_KE_PAYLOAD);
    if (pl != NULL && ike_notify_decode(pl, &n, NULL) == 0 && n.data.len == 2) {
        uint16_t group = ike_get16(n.data.ptr);
        bool allowed = false;
        for (unsigned i = 0; i < sa->peer->nike; i++) {
            for (unsigned g = 0; g < sa->peer->ike[i].ndh; g++)
                allowed |= sa->peer->ike[i].dh[g] == group;
        }
        if (allowed && group != ike_dh_group(sa->dh) && ike_dh_group_supported(group)) {
            ike_dh_free(sa->dh);
            sa->dh = ike_dh_new(group);
            ike_sa_log(ctx, sa, IKE_LOG_INFO, "responder wants DH group %u; retrying", group);
            if (sa->dh != NULL)
                send_init(ctx, sa);
            else
                ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "DH group unavailable");
            return true;
        }
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "INVALID_KE_PAYLOAD with an unusable group");
        return true;
    }
    return false;
}

void ike_init_response(struct ike_ctx *ctx, struct ike_sa *sa, const uint8_t *msg, size_t len,
                       const struct ike_msg *m)
{
    if (ike_msg_find(m, IKE_PL_SA, NULL) == NULL) {
        enum ike_redirect_outcome r = ike_redirect_follow(ctx, sa, m, true);
        if (r == IKE_REDIRECT_DONE)
            ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "redirected in IKE_SA_INIT");
        if (r != IKE_REDIRECT_NONE)
            return;
        if (!retry_on_notify(ctx, sa, m)) {
            ctx->counters.no_proposal_chosen++;
            ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "IKE_SA_INIT refused");
        }
        return;
    }
    static struct ike_sa_payload reply;
    struct ike_ke_payload ke;
    struct ike_bytes nonce;
    struct ike_chosen chosen;
    if (decode_init(m, &reply, &ke, &nonce) < 0 || ike_proposal_from_reply(&reply, &chosen) < 0 ||
        !ike_proposal_acceptable(&chosen, sa->peer->ike, sa->peer->nike) ||
        chosen.dh != ike_dh_group(sa->dh) || ke.group != chosen.dh || m->hdr.spi_r == 0) {
        ctx->counters.no_proposal_chosen++;
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "unacceptable IKE_SA_INIT response");
        return;
    }
    sa->alg = chosen;
    sa->spi_r = m->hdr.spi_r;
    memcpy(sa->nr, nonce.ptr, nonce.len);
    sa->nr_len = nonce.len;
    nat_check(m, sa, sa->spi_r);
    sa->frag_ok = ike_msg_find_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
    ike_auth_read_init(ctx, sa, m);
    if (derive(ctx, sa, &ke) < 0 || ike_keep(&sa->init_r, msg, len, 0) < 0) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "key derivation failed");
        return;
    }
    ike_unkeep(&sa->request);
    sa->next_req_id = 1;
    if (sa->nat_detected && !sa->natt) {
        /* RFC 7296 2.23: move to port 4500 once a NAT is seen. */
        sa->natt = true;
        sa->local.port = IKE_NATT_PORT;
        sa->remote.port = IKE_NATT_PORT;
    }
    if (ike_auth_start(ctx, sa) < 0)
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "cannot send IKE_AUTH");
    else
        ike_sa_set_state(ctx, sa, IKE_SA_AUTH_SENT, "IKE_SA_INIT done");
}
