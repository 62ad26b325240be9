/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE fragmentation (RFC 7383): messages after IKE_SA_INIT that would not fit
 * the path go as SKF fragments, each sealed on its own, so no IP fragment is
 * ever needed (NATs and firewalls drop those, and certificate chains make
 * IKE_AUTH large). Received fragments are verified one by one before they are
 * kept, so a forged fragment can neither fill memory nor poison a message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike_rules.h"
#include "ike_sa.h"
#include "ike_writer.h"

#define IPV4_HDR 20
#define IPV6_HDR 40
#define UDP_HDR 8
#define SKF_FIELDS 4 /* Fragment Number, Total Fragments */

size_t ike_frag_max(const struct ike_ctx *ctx, const struct ike_sa *sa)
{
    size_t ip = sa->remote.family == 6 ? IPV6_HDR : IPV4_HDR;
    size_t size = ctx->cfg.fragment_size;
    return size > ip + UDP_HDR + IKE_HDR_LEN ? size - ip - UDP_HDR : IKE_HDR_LEN;
}

/* Inner bytes that fit one fragment: the datagram less every fixed part and the worst padding. */
static size_t chunk_size(const struct ike_ctx *ctx, const struct ike_sa *sa)
{
    size_t fixed = (sa->natt ? IKE_NON_ESP_MARKER_LEN : 0) + IKE_HDR_LEN + IKE_GENERIC_HDR_LEN +
                   SKF_FIELDS + sa->suite.iv_len + sa->suite.icv_len + sa->suite.block_size;
    size_t max = ike_frag_max(ctx, sa);
    /* A silly small fragment_size still makes progress, just with many fragments. */
    return max > fixed + 64 ? max - fixed : 64;
}

/* Builds and seals fragment `num` of `total` into out; returns its length or -errno. */
static long build_fragment(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_hdr *h,
                           uint8_t first_inner, const uint8_t *part, size_t part_len, uint16_t num,
                           uint16_t total, uint8_t *out, size_t cap)
{
    struct ike_writer w;
    ike_w_init(&w, out, cap, sa->natt);
    ike_w_header(&w, h);
    size_t sk = ike_sk_begin(&w, sa->suite.iv_len, num, total);
    uint8_t *p = ike_w_reserve(&w, part_len);
    if (p == NULL)
        return -ENOSPC;
    memcpy(p, part, part_len);
    /* Only the first fragment names the first inner payload (RFC 7383 2.5). */
    out[sk] = num == 1 ? first_inner : IKE_PL_NONE;
    size_t plain_off, plain_len;
    int rc = ike_sk_end(&w, sk, sa->suite.iv_len, sa->suite.block_size, sa->suite.icv_len,
                        &plain_off, &plain_len);
    long total_len = rc == 0 ? ike_w_finish(&w) : rc;
    if (total_len < 0)
        return total_len;
    uint8_t *msg = out + w.hdr_off;
    plain_off -= w.hdr_off;
    ike_random(ctx, msg + plain_off - sa->suite.iv_len, sa->suite.iv_len);
    const uint8_t *ek, *ak;
    ike_send_keys(sa, &ek, &ak);
    rc = ike_sk_seal(&sa->suite, ek, ak, msg, (size_t)total_len - w.hdr_off, plain_off, plain_len);
    return rc < 0 ? rc : total_len;
}

int ike_frag_send(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_hdr *h,
                  uint8_t first_inner, const uint8_t *inner, size_t inner_len, bool response)
{
    size_t chunk = chunk_size(ctx, sa);
    size_t n = (inner_len + chunk - 1) / chunk;
    if (n == 0)
        n = 1;
    if (n > IKE_MAX_FRAGS) {
        ike_sa_log(ctx, sa, IKE_LOG_ERR, "%s message of %zu bytes needs %zu fragments: too many",
                   ike_exchange_name(h->exchange), inner_len, n);
        return -EMSGSIZE;
    }
    size_t datagram = ike_frag_max(ctx, sa) + IKE_NON_ESP_MARKER_LEN;
    uint8_t *all = malloc(n * datagram);
    uint16_t *lens = malloc(n * sizeof(*lens));
    if (all == NULL || lens == NULL) {
        free(all);
        free(lens);
        return -ENOMEM;
    }
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        size_t off = i * chunk;
        size_t len = inner_len - off < chunk ? inner_len - off : chunk;
        long f = build_fragment(ctx, sa, h, first_inner, inner + off, len, (uint16_t)(i + 1),
                                (uint16_t)n, all + used, n * datagram - used);
        if (f < 0) {
            free(all);
            free(lens);
            return (int)f;
        }
        lens[i] = (uint16_t)f;
        used += (size_t)f;
    }
    struct ike_kept_msg *kept = response ? &sa->response : &sa->request;
    ike_unkeep(kept);
    *kept = (struct ike_kept_msg){
        .buf = all, .len = used, .msg_id = h->msg_id, .nfrags = (uint16_t)n, .frag_len = lens};
    ctx->counters.tx_fragmented++;
    if (!response)
        sa->tries = 0;
    return ike_resend(ctx, sa, kept, !response);
}

void ike_reasm_free(struct ike_sa *sa)
{
    struct ike_reasm *r = sa->reasm;
    if (r == NULL)
        return;
    for (unsigned i = 0; i < IKE_MAX_FRAGS; i++) {
        if (r->part[i] != NULL)
            memset(r->part[i], 0, r->part_len[i]);
        free(r->part[i]);
    }
    free(r);
    sa->reasm = NULL;
}

unsigned ike_frag_number(const struct ike_sa *sa, const struct ike_msg *m)
{
    const struct ike_pl *skf = ike_msg_find(m, IKE_PL_SKF, NULL);
    struct ike_sk_payload sk;
    if (skf == NULL || ike_sk_decode(skf, sa->suite.iv_len, sa->suite.icv_len, &sk, NULL) < 0)
        return 0;
    return sk.frag_num;
}

/* The reassembly this fragment belongs to: a new one when it starts another message. */
static struct ike_reasm *reasm_for(struct ike_sa *sa, const struct ike_msg *m, uint16_t total)
{
    bool response = ike_hdr_is_response(&m->hdr);
    struct ike_reasm *r = sa->reasm;
    /* A larger total means the sender re-fragmented (smaller pieces): start over (2.6). */
    if (r != NULL && (r->msg_id != m->hdr.msg_id || r->response != response || total > r->total))
        ike_reasm_free(sa);
    if (sa->reasm == NULL) {
        sa->reasm = calloc(1, sizeof(*sa->reasm));
        if (sa->reasm == NULL)
            return NULL;
        sa->reasm->msg_id = m->hdr.msg_id;
        sa->reasm->response = response;
        sa->reasm->total = total;
    }
    return sa->reasm;
}

static int drop(struct ike_ctx *ctx, const char *why)
{
    ctx->counters.rx_fragments_dropped++;
    ike_log_rl(ctx, IKE_LOG_DEBUG, "IKE fragment dropped: %s", why);
    return -EAGAIN;
}

int ike_frag_receive(struct ike_ctx *ctx, struct ike_sa *sa, uint8_t *msg, size_t len,
                     struct ike_msg *m, const struct ike_pl *skf)
{
    ctx->counters.rx_fragments++;
    if (!sa->frag_ok)
        return drop(ctx, "fragmentation was not negotiated");
    struct ike_sk_payload sk;
    struct ike_err err;
    if (ike_sk_decode(skf, sa->suite.iv_len, sa->suite.icv_len, &sk, &err) < 0 ||
        sk.frag_total > IKE_MAX_FRAGS) {
        ctx->counters.rx_malformed++;
        return -EBADMSG;
    }
    /* Verify before keeping anything: only the peer can make fragments we store. */
    long inner = ike_sk_open_received(ctx, sa, msg, len, &sk);
    if (inner < 0)
        return inner;
    if (sa->reasm != NULL && sa->reasm->msg_id == m->hdr.msg_id && sk.frag_total < sa->reasm->total)
        return drop(ctx, "fewer fragments than announced before");
    struct ike_reasm *r = reasm_for(sa, m, sk.frag_total);
    if (r == NULL)
        return -ENOMEM;
    unsigned i = sk.frag_num - 1u;
    if (r->part[i] != NULL)
        return drop(ctx, "duplicate");
    if (r->bytes + (size_t)inner > IKE_REASM_MAX) {
        ike_reasm_free(sa);
        return drop(ctx, "reassembled message too large");
    }
    r->part[i] = malloc(inner > 0 ? (size_t)inner : 1);
    if (r->part[i] == NULL)
        return -ENOMEM;
    memcpy(r->part[i], sk.ciphertext.ptr, (size_t)inner);
    r->part_len[i] = (uint16_t)inner;
    r->bytes += (size_t)inner;
    r->have++;
    if (sk.frag_num == 1)
        r->first_inner = sk.first_inner;
    if (r->have < r->total)
        return -EAGAIN;

    size_t off = 0;
    for (unsigned k = 0; k < r->total; k++) {
        memcpy(ctx->reasm_buf + off, r->part[k], r->part_len[k]);
        off += r->part_len[k];
    }
    uint8_t first = r->first_inner;
    ike_reasm_free(sa);
    ctx->counters.rx_reassembled++;
    if (ike_msg_decode_inner(m, ctx->reasm_buf, off, first, 0, &err) < 0 ||
        ike_msg_check_rules(m, &err) < 0) {
        char text[160];
        ike_err_format(&err, text, sizeof(text));
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "malformed reassembled payloads: %s", text);
        ctx->counters.rx_malformed++;
        return -EBADMSG;
    }
    return 0;
}
