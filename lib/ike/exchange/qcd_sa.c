/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Crash Detection (RFC 6290) on IKE SAs: the maker gives each peer a
 * token inside protected IKE_AUTH (and IKE rekey) exchanges and, after a
 * restart, sends it back unprotected for SAs it lost; the taker keeps the
 * token's digest and deletes (and restarts) an SA at once when a matching
 * token comes back. The token itself is lib/ike/qcd's.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "acct.h"
#include "ike_sa.h"
#include "ike_writer.h"

/*
 * The control lcore's answers for unknown SAs per second. The workers answer
 * most of them at line rate with their own limit; these are what reaches
 * the control lcore, a restart storm's worth at most.
 */
#define IKE_QCD_CTRL_ANSWERS_PER_S 5000

bool ike_qcd_makes(const struct ike_ctx *ctx, const struct ike_peer_cfg *peer)
{
    return ctx->cfg.qcd_keys != NULL && peer != NULL &&
           (peer->qcd == IKE_QCD_BOTH || peer->qcd == IKE_QCD_MAKER);
}

bool ike_qcd_takes(const struct ike_peer_cfg *peer)
{
    return peer != NULL && (peer->qcd == IKE_QCD_BOTH || peer->qcd == IKE_QCD_TAKER);
}

void ike_qcd_init(struct ike_ctx *ctx)
{
    if (ctx->cfg.qcd_keys == NULL)
        return;
    ctx->qcd = *ctx->cfg.qcd_keys;
    if (ctx->qcd.has_prev && ctx->cfg.qcd_prev_valid_s != 0)
        ctx->qcd_prev_until_ns = ike_now(ctx) + (uint64_t)ctx->cfg.qcd_prev_valid_s * 1000000000ull;
}

void ike_qcd_tick(struct ike_ctx *ctx, uint64_t now)
{
    if (ctx->qcd.has_prev && ctx->qcd_prev_until_ns != 0 && now >= ctx->qcd_prev_until_ns) {
        OPENSSL_cleanse(ctx->qcd.prev, sizeof(ctx->qcd.prev));
        ctx->qcd.has_prev = false;
        ike_log(ctx, IKE_LOG_INFO, "QCD: the previous secret's rotation period ended");
    }
}

void ike_qcd_put(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, uint64_t spi_i,
                 uint64_t spi_r)
{
    /*
     * RFC 6290 4.2: sent freely, whether or not the peer said it does QCD (a
     * peer without it ignores an unknown status notify). A taker only sends
     * nothing: the RFC has no empty token.
     */
    if (!ike_qcd_makes(ctx, sa->peer))
        return;
    uint8_t token[IKE_QCD_TOKEN_LEN];
    if (ike_qcd_token(ctx->qcd.cur, spi_i, spi_r, token) < 0) {
        ike_log(ctx, IKE_LOG_ERR, "QCD: cannot make a token (OpenSSL)");
        return;
    }
    /* Protocol ID 1, the IKE SA (RFC 6290 4.1); receivers ignore it (erratum 3449). */
    const struct ike_notify_payload n = {.protocol = IKE_PROTO_IKE,
                                         .type = IKE_N_QUICK_CRASH_DETECTION,
                                         .data = {token, sizeof(token)}};
    ike_notify_encode(w, &n);
    OPENSSL_cleanse(token, sizeof(token));
    sa->qcd_sent = true;
    ctx->counters.qcd_tokens_sent++;
}

void ike_qcd_take(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    const struct ike_pl *pl = ike_msg_find_notify(m, IKE_N_QUICK_CRASH_DETECTION);
    struct ike_notify_payload n;
    if (pl == NULL || ike_notify_decode(pl, &n, NULL) < 0)
        return;
    sa->qcd_peer = true;
    if (!ike_qcd_takes(sa->peer))
        return; /* we keep nothing of this peer's */
    uint8_t digest[IKE_QCD_DIGEST_LEN];
    if (ike_qcd_digest(n.data.ptr, n.data.len, digest) < 0) {
        ctx->counters.qcd_token_malformed++;
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "QCD: the peer's token of %u octets ignored (16 to 128)",
                   (unsigned)n.data.len);
        return;
    }
    memcpy(sa->qcd_digest, digest, sizeof(digest));
    sa->qcd_kept = true;
    ctx->counters.qcd_tokens_taken++;
}

void ike_qcd_carry(struct ike_sa *to, const struct ike_sa *from)
{
    to->qcd_peer = from->qcd_peer;
    to->qcd_kept = from->qcd_kept;
    memcpy(to->qcd_digest, from->qcd_digest, sizeof(to->qcd_digest));
}

void ike_qcd_unprotected(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    if (ike_msg_find_notify(m, IKE_N_INVALID_IKE_SPI) == NULL) {
        ctx->counters.rx_malformed++; /* unprotected, and not what an unprotected reply can be */
        return;
    }
    /* The maker copies the message ID: only an answer to our outstanding request counts. */
    if (sa->request.buf == NULL || m->hdr.msg_id != sa->request.msg_id) {
        ctx->counters.rx_bad_msg_id++;
        return;
    }
    if (!sa->qcd_kept || ike_msg_find_notify(m, IKE_N_QUICK_CRASH_DETECTION) == NULL) {
        /* RFC 7296 2.21.4: without a token it proves nothing; DPD decides as before. */
        ctx->counters.qcd_no_token++;
        return;
    }
    bool match = false;
    for (unsigned i = 0; i < m->npayloads; i++) {
        struct ike_notify_payload n;
        if (m->pl[i].type != IKE_PL_NOTIFY || ike_notify_decode(&m->pl[i], &n, NULL) < 0 ||
            n.type != IKE_N_QUICK_CRASH_DETECTION)
            continue;
        /* Every token is compared (no early exit): how many there are is all a forger learns. */
        match |= ike_qcd_digest_matches(sa->qcd_digest, n.data.ptr, n.data.len);
    }
    if (!match) {
        ctx->counters.qcd_token_mismatch++;
        /* Unprotected: anyone who learnt the SPIs can send these at will. */
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN,
                      "INVALID_IKE_SPI with a token that is not ours, ignored");
        return;
    }
    ctx->counters.qcd_peer_restarted++;
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "the peer restarted (its QCD token)");
    ike_acct_cause(sa, IKE_RADIUS_TERM_LOST_CARRIER);
    ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "peer restarted (QCD token)");
    ike_sa_reconnect(ctx, sa);
}

void ike_qcd_unknown_sa(struct ike_ctx *ctx, const struct ike_addr *local,
                        const struct ike_addr *remote, const uint8_t *msg, size_t len)
{
    if (ctx->cfg.qcd_keys == NULL)
        return;
    /*
     * RFC 6290 8.1: past a rate, silence. Forged SK messages with random SPIs
     * cost an HMAC each and would make us reflect at their spoofed sources.
     */
    uint64_t now = ike_now(ctx);
    if (now - ctx->qcd_window_ns >= 1000000000ull) {
        ctx->qcd_window_ns = now;
        ctx->qcd_window_answers = 0;
    }
    if (ctx->qcd_window_answers >= IKE_QCD_CTRL_ANSWERS_PER_S) {
        ctx->counters.qcd_rate_limited++;
        return;
    }
    ctx->qcd_window_answers++;
    uint8_t out[IKE_NON_ESP_MARKER_LEN + IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN];
    size_t marker = local->port == IKE_NATT_PORT ? IKE_NON_ESP_MARKER_LEN : 0;
    enum ike_qcd_no_reply why;
    long n = ike_qcd_reply(&ctx->qcd, msg, len, out + marker, sizeof(out) - marker, &why);
    if (n < 0) {
        ctx->counters.qcd_no_reply++;
        ike_log_rl(ctx, IKE_LOG_DEBUG, "QCD: no reply for an unknown IKE SA (%s)",
                   ike_qcd_no_reply_name(why));
        return;
    }
    memset(out, 0, marker);
    if (ctx->be.send(ctx->be.opaque, local, remote, out, marker + (size_t)n) == 0) {
        ctx->counters.qcd_replies_sent++;
        ctx->counters.tx_packets++;
    }
}

bool ike_qcd_liveness_due(struct ike_ctx *ctx, struct ike_sa *sa, uint64_t now)
{
    (void)ctx;
    unsigned ms = sa->peer->qcd_liveness_ms;
    if (ms == 0 || !sa->qcd_kept)
        return false;
    uint64_t quiet = (uint64_t)ms * 1000000ull;
    if (now - sa->last_rx_ns < quiet)
        return false; /* heard from the peer lately (IKE, or ESP reported by the dataplane) */
    for (unsigned i = 0; i < sa->nchildren; i++) {
        const struct ike_child_traffic *t = &sa->children[i]->traffic;
        /* Outbound still flows, inbound has stopped for at least `quiet`. */
        if (t->last_out_ns != 0 && t->last_out_ns > t->last_in_ns && now - t->last_out_ns < quiet &&
            now - t->last_in_ns >= quiet)
            return true;
    }
    return false;
}
