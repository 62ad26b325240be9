/* SPDX-License-Identifier: BSD-3-Clause */
/* Building, protecting, sending and opening the messages of an IKE SA. */
#include <errno.h>
#include <string.h>

#include "ike_rules.h"
#include "ike_sa.h"
#include "ike_writer.h"

struct ike_hdr ike_sa_header(const struct ike_sa *sa, uint8_t exchange, bool response,
                             uint32_t msg_id)
{
    struct ike_hdr h = {.spi_i = sa->spi_i,
                        .spi_r = sa->spi_r,
                        .version = IKE_MAJOR_VERSION << 4,
                        .exchange = exchange,
                        .flags = (uint8_t)((sa->initiator ? IKE_FLAG_INITIATOR : 0) |
                                           (response ? IKE_FLAG_RESPONSE : 0)),
                        .msg_id = msg_id};
    return h;
}

void ike_arm_retransmit(struct ike_ctx *ctx, struct ike_sa *sa)
{
    /* Exponential back-off: base, 2 x base, 4 x base ... */
    uint64_t wait = (uint64_t)ctx->cfg.retransmit_base_ms * 1000000ull << sa->tries;
    sa->next_retx_ns = ike_now(ctx) + wait;
    sa->tries++;
}

int ike_send_raw(struct ike_ctx *ctx, struct ike_sa *sa, const uint8_t *buf, size_t len,
                 bool request, uint32_t msg_id)
{
    if (request) {
        if (sa->request.buf != buf) {
            int rc = ike_keep(&sa->request, buf, len, msg_id);
            if (rc < 0)
                return rc;
            sa->tries = 0;
        }
        ike_arm_retransmit(ctx, sa);
    }
    ctx->counters.tx_packets++;
    return ctx->be.send(ctx->be.opaque, request ? &sa->local : &sa->reply_local,
                        request ? ike_request_remote(sa) : &sa->reply_remote, buf, len);
}

int ike_resend(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_kept_msg *kept,
               bool request)
{
    if (request)
        ike_arm_retransmit(ctx, sa);
    /* Requests go where the SA points; responses back where the request came from (2.11). */
    const struct ike_addr *local = request ? &sa->local : &sa->reply_local;
    const struct ike_addr *remote = request ? ike_request_remote(sa) : &sa->reply_remote;
    if (kept->nfrags == 0) {
        ctx->counters.tx_packets++;
        return ctx->be.send(ctx->be.opaque, local, remote, kept->buf, kept->len);
    }
    int rc = 0;
    size_t off = 0;
    for (unsigned i = 0; i < kept->nfrags; i++) {
        ctx->counters.tx_packets++;
        int r = ctx->be.send(ctx->be.opaque, local, remote, kept->buf + off, kept->frag_len[i]);
        rc = rc < 0 ? rc : r;
        off += kept->frag_len[i];
    }
    return rc;
}

/* Our keys: the initiator sends with SK_ei/SK_ai, the responder with SK_er/SK_ar. */
void ike_send_keys(const struct ike_sa *sa, const uint8_t **ek, const uint8_t **ak)
{
    *ek = sa->initiator ? sa->keys.sk_ei : sa->keys.sk_er;
    *ak = sa->initiator ? sa->keys.sk_ai : sa->keys.sk_ar;
}

long ike_sk_open_received(struct ike_ctx *ctx, const struct ike_sa *sa, uint8_t *msg, size_t len,
                          const struct ike_sk_payload *sk)
{
    const uint8_t *ek = sa->initiator ? sa->keys.sk_er : sa->keys.sk_ei;
    const uint8_t *ak = sa->initiator ? sa->keys.sk_ar : sa->keys.sk_ai;
    long plain = ike_sk_open(&sa->suite, ek, ak, msg, len, sk);
    long inner = plain < 0 ? plain : ike_sk_unpad(sk->ciphertext.ptr, (size_t)plain);
    if (inner < 0) {
        ctx->counters.rx_decrypt_failed++;
        return -EBADMSG;
    }
    return inner;
}

int ike_send_encrypted(struct ike_ctx *ctx, struct ike_sa *sa, uint8_t exchange, bool response,
                       uint32_t msg_id, ike_build_fn build, void *arg)
{
    struct ike_writer w;
    const struct ike_hdr h = ike_sa_header(sa, exchange, response, msg_id);
    /* A response goes back the way its request came: on 4500 behind the non-ESP marker. */
    ike_w_init(&w, ctx->buf, sizeof(ctx->buf),
               response ? sa->reply_local.port == IKE_NATT_PORT : sa->natt);
    ike_w_header(&w, &h);
    size_t sk = ike_sk_begin(&w, sa->suite.iv_len, 0, 0);
    int rc = build != NULL ? build(ctx, sa, &w, arg) : 0;
    /* Whole, it would be this long: a fragment-capable peer gets it in pieces (RFC 7383). */
    size_t inner_off = sk + IKE_GENERIC_HDR_LEN + sa->suite.iv_len;
    size_t whole = w.len - w.hdr_off + sa->suite.block_size + sa->suite.icv_len;
    if (rc == 0 && !w.overflow && sa->frag_ok && whole > ike_frag_max(ctx, sa))
        return ike_frag_send(ctx, sa, &h, ctx->buf[sk], ctx->buf + inner_off, w.len - inner_off,
                             response);
    /*
     * A taker pads its requests so that a restarted maker's unprotected
     * answer (two tokens, during a rotation) is no larger than they are:
     * the maker never amplifies, and would otherwise stay silent.
     */
    size_t min_plain = 0;
    size_t fixed_len = inner_off - w.hdr_off + sa->suite.icv_len;
    if (!response && sa->qcd_kept && IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN > fixed_len)
        min_plain = IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN - fixed_len;
    size_t plain_off, plain_len;
    if (rc == 0)
        rc = ike_sk_end_padded(&w, sk, sa->suite.iv_len, sa->suite.block_size, sa->suite.icv_len,
                               min_plain, &plain_off, &plain_len);
    long total = rc == 0 ? ike_w_finish(&w) : rc;
    if (total < 0) {
        ike_sa_log(ctx, sa, IKE_LOG_ERR, "cannot build %s message: %ld",
                   ike_exchange_name(exchange), total);
        return (int)total;
    }
    uint8_t *msg = ctx->buf + w.hdr_off;
    size_t msg_len = (size_t)total - w.hdr_off;
    plain_off -= w.hdr_off;
    ike_random(ctx, msg + plain_off - sa->suite.iv_len, sa->suite.iv_len);
    const uint8_t *ek, *ak;
    ike_send_keys(sa, &ek, &ak);
    rc = ike_sk_seal(&sa->suite, ek, ak, msg, msg_len, plain_off, plain_len);
    if (rc < 0)
        return rc;
    if (response) {
        rc = ike_keep(&sa->response, ctx->buf, (size_t)total, msg_id);
        if (rc < 0)
            return rc;
    }
    return ike_send_raw(ctx, sa, ctx->buf, (size_t)total, !response, msg_id);
}

int ike_open_message(struct ike_ctx *ctx, struct ike_sa *sa, uint8_t *msg, size_t len,
                     struct ike_msg *m)
{
    const struct ike_pl *skpl = ike_msg_find(m, IKE_PL_SK, NULL);
    struct ike_sk_payload sk;
    struct ike_err err;
    if (skpl == NULL) {
        const struct ike_pl *skf = ike_msg_find(m, IKE_PL_SKF, NULL);
        if (skf != NULL)
            return ike_frag_receive(ctx, sa, msg, len, m, skf);
        ctx->counters.rx_malformed++;
        return -EBADMSG;
    }
    if (ike_sk_decode(skpl, sa->suite.iv_len, sa->suite.icv_len, &sk, &err) < 0) {
        ctx->counters.rx_malformed++;
        return -EBADMSG;
    }
    long inner = ike_sk_open_received(ctx, sa, msg, len, &sk);
    if (inner < 0)
        return inner;
    size_t off = (size_t)(sk.ciphertext.ptr - msg);
    if (ike_msg_decode_inner(m, sk.ciphertext.ptr, (size_t)inner, sk.first_inner, off, &err) < 0 ||
        ike_msg_check_rules(m, &err) < 0) {
        char text[160];
        ike_err_format(&err, text, sizeof(text));
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "malformed encrypted payloads: %s", text);
        ctx->counters.rx_malformed++;
        return -EBADMSG;
    }
    return 0;
}
