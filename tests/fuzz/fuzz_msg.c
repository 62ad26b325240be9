/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: message framing, exchange rules and every payload decoder.
 *
 * The input is tried twice: as a whole IKE message (ike_msg_decode), and as the
 * plaintext of an SK payload (ike_msg_decode_inner), because inner chains only
 * ever reach the decoders after decryption, which a fuzzer cannot get through.
 * For the second use the first two bytes choose the first inner payload type
 * and the exchange; the rest is the plaintext.
 *
 * Oracles besides the sanitizers:
 *  - every failure carries a real error code and an offset inside the message;
 *  - every payload view lies inside the buffer it came from;
 *  - round trip: a payload that decodes is encoded again and decoded again, and
 *    both decodings must be equal field by field. Comparing decoded structs
 *    rather than bytes leaves out what a decoder may legitimately drop
 *    (reserved bytes, the CP attribute R bit).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "ike_msg.h"
#include "ike_payload.h"
#include "ike_rules.h"

/* IV and ICV sizes of AES-GCM-16 in IKE (RFC 5282): what SK framing is tried with. */
#define FUZZ_IV_LEN 8
#define FUZZ_ICV_LEN 16
/*
 * Re-encoding buffers are as large as the input plus a little: no payload
 * encodes to more bytes than it was decoded from (an encoder that did would
 * fail the round trip with -ENOSPC), and a tight heap buffer lets ASan see an
 * encoder writing past its capacity.
 */
#define ENC_SLACK 64u
/* Outer message of the inner run: header plus an empty SK payload. */
#define INNER_OUTER_LEN (IKE_HDR_LEN + IKE_GENERIC_HDR_LEN)

struct ctx {
    size_t limit; /* message length, the bound for error offsets */
    size_t enc_cap;
    uint8_t *enc;  /* enc_cap bytes for re-encoding */
    uint8_t *enc2; /* a second buffer, for notify data inside a re-encoded notify */
};

/*
 * Takes the single payload an encoder wrote at the start of w and returns its
 * view, after checking the generic header the writer produced.
 */
static struct ike_pl reparse(const struct ike_writer *w, int rc, uint8_t type)
{
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(w->len >= IKE_GENERIC_HDR_LEN);
    FUZZ_CHECK(w->buf[0] == IKE_PL_NONE);
    FUZZ_CHECK(w->buf[1] == 0);
    FUZZ_CHECK(ike_get16(w->buf + 2) == w->len);
    return ike_pl_from_body(type, w->buf + IKE_GENERIC_HDR_LEN, w->len - IKE_GENERIC_HDR_LEN);
}

static void enc_init(const struct ctx *c, struct ike_writer *w, uint8_t *buf)
{
    ike_w_init(w, buf, c->enc_cap, false);
}

/* ---- SA ---- */

static bool sa_equal(const struct ike_sa_payload *a, const struct ike_sa_payload *b)
{
    if (a->nproposals != b->nproposals || a->ntransforms != b->ntransforms)
        return false;
    for (unsigned i = 0; i < a->nproposals; i++) {
        const struct ike_proposal *p = &a->proposals[i], *q = &b->proposals[i];
        if (p->num != q->num || p->protocol != q->protocol || p->spi_size != q->spi_size ||
            p->ntransforms != q->ntransforms || p->first != q->first ||
            memcmp(p->spi, q->spi, p->spi_size) != 0)
            return false;
    }
    for (unsigned i = 0; i < a->ntransforms; i++) {
        const struct ike_transform *s = &a->transforms[i], *t = &b->transforms[i];
        if (s->type != t->type || s->id != t->id || s->key_len != t->key_len)
            return false;
    }
    return true;
}

static void fuzz_sa(const struct ctx *c, const struct ike_pl *pl)
{
    /* Two of these are 1.3 KB each: heap, so that ASan sees every access to them. */
    struct ike_sa_payload *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    FUZZ_CHECK(a != NULL && b != NULL);
    struct ike_err err;
    int rc = ike_sa_decode(pl, a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc == 0) {
        FUZZ_CHECK(a->nproposals >= 1 && a->nproposals <= IKE_SA_MAX_PROPOSALS);
        FUZZ_CHECK(a->ntransforms <= IKE_SA_MAX_TRANSFORMS);
        for (unsigned i = 0; i < a->nproposals; i++) {
            const struct ike_proposal *p = &a->proposals[i];
            FUZZ_CHECK(p->ntransforms >= 1);
            FUZZ_CHECK((unsigned)p->first + p->ntransforms <= a->ntransforms);
        }
        struct ike_writer w;
        enc_init(c, &w, c->enc);
        struct ike_pl again = reparse(&w, ike_sa_encode(&w, a), IKE_PL_SA);
        FUZZ_CHECK(ike_sa_decode(&again, b, &err) == 0);
        FUZZ_CHECK(sa_equal(a, b));
    }
    free(a);
    free(b);
}

/* ---- payloads of a few fixed fields and one value ---- */

static void fuzz_ke(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_ke_payload a, b;
    struct ike_err err;
    int rc = ike_ke_decode(pl, &a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    struct ike_writer w;
    enc_init(c, &w, c->enc);
    struct ike_pl again = reparse(&w, ike_ke_encode(&w, &a), IKE_PL_KE);
    FUZZ_CHECK(ike_ke_decode(&again, &b, &err) == 0);
    FUZZ_CHECK(a.group == b.group && fuzz_bytes_equal(&a.data, &b.data));
}

static void fuzz_id(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_id_payload a, b;
    struct ike_err err;
    int rc = ike_id_decode(pl, &a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    struct ike_writer w;
    enc_init(c, &w, c->enc);
    struct ike_pl again = reparse(&w, ike_id_encode(&w, pl->type, &a), pl->type);
    FUZZ_CHECK(ike_id_decode(&again, &b, &err) == 0);
    FUZZ_CHECK(a.type == b.type && fuzz_bytes_equal(&a.data, &b.data));
}

static void fuzz_cert(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_cert_payload a, b;
    struct ike_err err;
    int rc = ike_cert_decode(pl, &a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    struct ike_writer w;
    enc_init(c, &w, c->enc);
    struct ike_pl again = reparse(&w, ike_cert_encode(&w, pl->type, &a), pl->type);
    FUZZ_CHECK(ike_cert_decode(&again, &b, &err) == 0);
    FUZZ_CHECK(a.encoding == b.encoding && fuzz_bytes_equal(&a.data, &b.data));
}

static void fuzz_auth(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_auth_payload a, b;
    struct ike_err err;
    int rc = ike_auth_decode(pl, &a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    struct ike_writer w;
    enc_init(c, &w, c->enc);
    struct ike_pl again = reparse(&w, ike_auth_encode(&w, &a), IKE_PL_AUTH);
    FUZZ_CHECK(ike_auth_decode(&again, &b, &err) == 0);
    FUZZ_CHECK(a.method == b.method && fuzz_bytes_equal(&a.data, &b.data));
}

static void fuzz_nonce(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_bytes a, b;
    struct ike_err err;
    int rc = ike_nonce_decode(pl, &a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    FUZZ_CHECK(a.len >= IKE_NONCE_MIN && a.len <= IKE_NONCE_MAX);
    struct ike_writer w;
    enc_init(c, &w, c->enc);
    struct ike_pl again = reparse(&w, ike_nonce_encode(&w, &a), IKE_PL_NONCE);
    FUZZ_CHECK(ike_nonce_decode(&again, &b, &err) == 0);
    FUZZ_CHECK(fuzz_bytes_equal(&a, &b));
}

static void fuzz_vendor(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_bytes a, b;
    struct ike_err err;
    int rc = ike_vendor_decode(pl, &a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    struct ike_writer w;
    enc_init(c, &w, c->enc);
    struct ike_pl again = reparse(&w, ike_vendor_encode(&w, &a), IKE_PL_VENDOR);
    FUZZ_CHECK(ike_vendor_decode(&again, &b, &err) == 0);
    FUZZ_CHECK(fuzz_bytes_equal(&a, &b));
}

static void fuzz_eap(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_eap_payload a, b;
    struct ike_err err;
    int rc = ike_eap_decode(pl, &a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    struct ike_writer w;
    enc_init(c, &w, c->enc);
    struct ike_pl again = reparse(&w, ike_eap_encode(&w, &a.data), IKE_PL_EAP);
    FUZZ_CHECK(ike_eap_decode(&again, &b, &err) == 0);
    FUZZ_CHECK(a.code == b.code && a.identifier == b.identifier && a.type == b.type &&
               fuzz_bytes_equal(&a.data, &b.data));
}

/* ---- Notify and the data of REDIRECT, REDIRECTED_FROM, SIGNATURE_HASH_ALGORITHMS ---- */

static bool notify_equal(const struct ike_notify_payload *a, const struct ike_notify_payload *b)
{
    return a->protocol == b->protocol && a->spi_size == b->spi_size && a->type == b->type &&
           memcmp(a->spi, b->spi, a->spi_size) == 0 && fuzz_bytes_equal(&a->data, &b->data);
}

static void fuzz_redirect(const struct ctx *c, const struct ike_notify_payload *n)
{
    struct ike_gw_id gw, gw2;
    struct ike_bytes nonce, nonce2;
    struct ike_err err;
    int rc = ike_notify_redirect_decode(n, &gw, &nonce, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    FUZZ_CHECK(nonce.len == 0 || (nonce.len >= IKE_NONCE_MIN && nonce.len <= IKE_NONCE_MAX));
    FUZZ_CHECK(ike_gw_id_equal(&gw, &gw));
    struct ike_writer w;
    enc_init(c, &w, c->enc2);
    struct ike_pl again = reparse(&w, ike_notify_redirect_encode(&w, &gw, &nonce), IKE_PL_NOTIFY);
    struct ike_notify_payload m;
    FUZZ_CHECK(ike_notify_decode(&again, &m, &err) == 0);
    FUZZ_CHECK(m.type == IKE_N_REDIRECT && m.spi_size == 0);
    FUZZ_CHECK(ike_notify_redirect_decode(&m, &gw2, &nonce2, &err) == 0);
    FUZZ_CHECK(fuzz_gw_same(&gw, &gw2) && fuzz_bytes_equal(&nonce, &nonce2));
}

static void fuzz_redirected_from(const struct ctx *c, const struct ike_notify_payload *n)
{
    struct ike_gw_id gw, gw2;
    struct ike_err err;
    int rc = ike_notify_gw_decode(n, &gw, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    FUZZ_CHECK(gw.type != IKE_GW_FQDN); /* RFC 5685 9.3: addresses only */
    struct ike_writer w;
    enc_init(c, &w, c->enc2);
    struct ike_pl again =
        reparse(&w, ike_notify_gw_encode(&w, IKE_N_REDIRECTED_FROM, &gw), IKE_PL_NOTIFY);
    struct ike_notify_payload m;
    FUZZ_CHECK(ike_notify_decode(&again, &m, &err) == 0);
    FUZZ_CHECK(m.type == IKE_N_REDIRECTED_FROM);
    FUZZ_CHECK(ike_notify_gw_decode(&m, &gw2, &err) == 0);
    FUZZ_CHECK(fuzz_gw_same(&gw, &gw2));
}

/* There is no dedicated encoder: the list is written as plain notify data. */
static void fuzz_hash_algs(const struct ctx *c, const struct ike_notify_payload *n)
{
    uint16_t algs[IKE_MAX_HASH_ALGS], algs2[IKE_MAX_HASH_ALGS];
    unsigned nalgs = 0, nalgs2 = 0;
    struct ike_err err;
    int rc = ike_notify_hash_algs_decode(n, algs, &nalgs, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    FUZZ_CHECK(nalgs <= IKE_MAX_HASH_ALGS && nalgs * 2u == n->data.len);
    uint8_t raw[2 * IKE_MAX_HASH_ALGS];
    for (unsigned i = 0; i < nalgs; i++)
        ike_put16(raw + 2 * i, algs[i]);
    struct ike_writer w;
    enc_init(c, &w, c->enc2);
    struct ike_pl again =
        reparse(&w, ike_notify_encode_simple(&w, IKE_N_SIGNATURE_HASH_ALGORITHMS, raw, 2u * nalgs),
                IKE_PL_NOTIFY);
    struct ike_notify_payload m;
    FUZZ_CHECK(ike_notify_decode(&again, &m, &err) == 0);
    FUZZ_CHECK(ike_notify_hash_algs_decode(&m, algs2, &nalgs2, &err) == 0);
    FUZZ_CHECK(nalgs == nalgs2 && memcmp(algs, algs2, nalgs * sizeof(algs[0])) == 0);
}

/* ---- MOBIKE (RFC 4555 4): COOKIE2, ADDITIONAL_*_ADDRESS, NO_NATS_ALLOWED, no-data ones ---- */

/* Re-encodes what a MOBIKE decoder took (rc of the encoder given) and returns it opened. */
static struct ike_notify_payload mobike_again(const struct ike_writer *w, int rc, uint16_t type)
{
    struct ike_pl again = reparse(w, rc, IKE_PL_NOTIFY);
    struct ike_notify_payload m;
    FUZZ_CHECK(ike_notify_decode(&again, &m, NULL) == 0);
    FUZZ_CHECK(m.type == type && m.spi_size == 0);
    return m;
}

static void fuzz_mobike(const struct ctx *c, const struct ike_notify_payload *n)
{
    struct ike_err err;
    struct ike_writer w;
    enc_init(c, &w, c->enc2);
    int rc;
    switch (n->type) {
    case IKE_N_COOKIE2: {
        struct ike_bytes a, b;
        rc = ike_notify_cookie2_decode(n, &a, &err);
        fuzz_check_err(rc, &err, c->limit);
        if (rc < 0)
            return;
        FUZZ_CHECK(a.len >= IKE_COOKIE2_MIN && a.len <= IKE_COOKIE2_MAX);
        struct ike_notify_payload m = mobike_again(&w, ike_notify_cookie2_encode(&w, &a), n->type);
        FUZZ_CHECK(ike_notify_cookie2_decode(&m, &b, &err) == 0 && fuzz_bytes_equal(&a, &b));
        break;
    }
    case IKE_N_ADDITIONAL_IP4_ADDRESS:
    case IKE_N_ADDITIONAL_IP6_ADDRESS: {
        struct ike_addr a, b;
        rc = ike_notify_additional_decode(n, &a, &err);
        fuzz_check_err(rc, &err, c->limit);
        if (rc < 0)
            return;
        FUZZ_CHECK(n->data.len == ike_addr_ip_len(&a));
        struct ike_notify_payload m =
            mobike_again(&w, ike_notify_additional_encode(&w, &a), n->type);
        FUZZ_CHECK(ike_notify_additional_decode(&m, &b, &err) == 0 && ike_addr_equal(&a, &b));
        break;
    }
    case IKE_N_NO_NATS_ALLOWED: {
        struct ike_addr s, d, s2, d2;
        rc = ike_notify_no_nats_decode(n, &s, &d, &err);
        fuzz_check_err(rc, &err, c->limit);
        if (rc < 0)
            return;
        FUZZ_CHECK(n->data.len == (s.family == 6 ? IKE_NO_NATS_IPV6_LEN : IKE_NO_NATS_IPV4_LEN));
        struct ike_notify_payload m =
            mobike_again(&w, ike_notify_no_nats_encode(&w, &s, &d), n->type);
        FUZZ_CHECK(ike_notify_no_nats_decode(&m, &s2, &d2, &err) == 0);
        FUZZ_CHECK(ike_addr_equal(&s, &s2) && ike_addr_equal(&d, &d2));
        break;
    }
    case IKE_N_SWITCH_TO_IP_ADDRESS: {
        /* r-MOBIKE's; its type is the configuration's, the default here. */
        struct ike_addr a, b;
        rc = ike_notify_switch_decode(n, &a, &err);
        fuzz_check_err(rc, &err, c->limit);
        if (rc < 0)
            return;
        FUZZ_CHECK(n->spi_size == 0 && n->data.len == ike_addr_ip_len(&a));
        struct ike_notify_payload m =
            mobike_again(&w, ike_notify_switch_encode(&w, n->type, &a), n->type);
        FUZZ_CHECK(ike_notify_switch_decode(&m, &b, &err) == 0 && ike_addr_equal(&a, &b));
        break;
    }
    case IKE_N_MOBIKE_SUPPORTED:
        /* Data is ignored (RFC 4555 4.2.1) but for a single 'R': whatever it is, no crash. */
        (void)ike_notify_mobike_says_r(n);
        break;
    default: /* UPDATE_SA_ADDRESSES, NO_ADDITIONAL_ADDRESSES, UNEXPECTED_NAT_DETECTED ... */
        rc = ike_notify_no_data_decode(n, &err);
        fuzz_check_err(rc, &err, c->limit);
        FUZZ_CHECK((rc == 0) == (n->data.len == 0));
        break;
    }
}

static void fuzz_notify(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_notify_payload a, b;
    struct ike_err err;
    int rc = ike_notify_decode(pl, &a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    FUZZ_CHECK(a.data.ptr >= pl->body && a.data.ptr + a.data.len == pl->body + pl->len);
    struct ike_writer w;
    enc_init(c, &w, c->enc);
    struct ike_pl again = reparse(&w, ike_notify_encode(&w, &a), IKE_PL_NOTIFY);
    FUZZ_CHECK(ike_notify_decode(&again, &b, &err) == 0);
    FUZZ_CHECK(notify_equal(&a, &b));
    switch (a.type) {
    case IKE_N_REDIRECT:
        fuzz_redirect(c, &a);
        break;
    case IKE_N_REDIRECTED_FROM:
        fuzz_redirected_from(c, &a);
        break;
    case IKE_N_SIGNATURE_HASH_ALGORITHMS:
        fuzz_hash_algs(c, &a);
        break;
    case IKE_N_COOKIE2:
    case IKE_N_ADDITIONAL_IP4_ADDRESS:
    case IKE_N_ADDITIONAL_IP6_ADDRESS:
    case IKE_N_NO_NATS_ALLOWED:
    case IKE_N_UPDATE_SA_ADDRESSES:
    case IKE_N_NO_ADDITIONAL_ADDRESSES:
    case IKE_N_UNEXPECTED_NAT_DETECTED:
    case IKE_N_UNACCEPTABLE_ADDRESSES:
    case IKE_N_MOBIKE_SUPPORTED:
    case IKE_N_SWITCH_TO_IP_ADDRESS:
        fuzz_mobike(c, &a);
        break;
    default:
        break;
    }
}

/* ---- Delete ---- */

static void fuzz_delete(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_delete_payload a, b;
    struct ike_err err;
    int rc = ike_delete_decode(pl, &a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    size_t n = (size_t)a.nspis * a.spi_size;
    FUZZ_CHECK(n == (size_t)pl->len - 4);
    struct ike_writer w;
    enc_init(c, &w, c->enc);
    struct ike_pl again = reparse(&w, ike_delete_encode(&w, &a), IKE_PL_DELETE);
    FUZZ_CHECK(ike_delete_decode(&again, &b, &err) == 0);
    FUZZ_CHECK(a.protocol == b.protocol && a.spi_size == b.spi_size && a.nspis == b.nspis &&
               (n == 0 || memcmp(a.spis, b.spis, n) == 0));
}

/* ---- TSi / TSr ---- */

static void fuzz_ts(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_ts_payload *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    FUZZ_CHECK(a != NULL && b != NULL);
    struct ike_err err;
    int rc = ike_ts_decode(pl, a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc == 0) {
        FUZZ_CHECK(a->nts >= 1 && a->nts <= IKE_TS_MAX);
        struct ike_writer w;
        enc_init(c, &w, c->enc);
        struct ike_pl again = reparse(&w, ike_ts_encode(&w, pl->type, a), pl->type);
        FUZZ_CHECK(ike_ts_decode(&again, b, &err) == 0);
        FUZZ_CHECK(a->nts == b->nts);
        for (unsigned i = 0; i < a->nts; i++) {
            const struct ike_ts *s = &a->ts[i], *t = &b->ts[i];
            FUZZ_CHECK(s->type == t->type && s->ip_proto == t->ip_proto &&
                       s->start_port == t->start_port && s->end_port == t->end_port &&
                       memcmp(s->start_addr, t->start_addr, sizeof(s->start_addr)) == 0 &&
                       memcmp(s->end_addr, t->end_addr, sizeof(s->end_addr)) == 0);
        }
    }
    free(a);
    free(b);
}

/* ---- CP ---- */

static void fuzz_cp(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_cp_payload *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    FUZZ_CHECK(a != NULL && b != NULL);
    struct ike_err err;
    int rc = ike_cp_decode(pl, a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc == 0) {
        FUZZ_CHECK(a->nattrs <= IKE_CP_MAX_ATTRS);
        struct ike_writer w;
        enc_init(c, &w, c->enc);
        struct ike_pl again = reparse(&w, ike_cp_encode(&w, a), IKE_PL_CP);
        FUZZ_CHECK(ike_cp_decode(&again, b, &err) == 0);
        FUZZ_CHECK(a->type == b->type && a->nattrs == b->nattrs);
        for (unsigned i = 0; i < a->nattrs; i++) {
            FUZZ_CHECK(a->attrs[i].type == b->attrs[i].type &&
                       fuzz_bytes_equal(&a->attrs[i].value, &b->attrs[i].value));
        }
    }
    free(a);
    free(b);
}

/* ---- SK / SKF ---- */

/*
 * SK has no decoder/encoder pair as such: the encoder frames a plaintext and
 * pads it. Writing the decoded ciphertext minus its last byte as "plaintext"
 * with block size 1 must give back a payload of the same shape: the same
 * fragment numbers, IV, ciphertext length and ICV length, the ciphertext's
 * bytes followed by a zero pad-length byte.
 */
static void fuzz_sk(const struct ctx *c, const struct ike_pl *pl)
{
    struct ike_sk_payload a, b;
    struct ike_err err;
    int rc = ike_sk_decode(pl, FUZZ_IV_LEN, FUZZ_ICV_LEN, &a, &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc < 0)
        return;
    FUZZ_CHECK(a.first_inner == pl->next);
    FUZZ_CHECK(a.iv.len == FUZZ_IV_LEN && a.icv.len == FUZZ_ICV_LEN && a.ciphertext.len >= 1);
    FUZZ_CHECK(a.icv.ptr + a.icv.len == pl->body + pl->len);

    /* As if decrypted: the pad length must leave the inner payloads inside the plaintext. */
    long inner = ike_sk_unpad(a.ciphertext.ptr, a.ciphertext.len);
    FUZZ_CHECK(inner < (long)a.ciphertext.len);

    struct ike_writer w;
    enc_init(c, &w, c->enc);
    size_t start = ike_sk_begin(&w, FUZZ_IV_LEN, a.frag_num, a.frag_total);
    FUZZ_CHECK(!w.overflow);
    memcpy(w.buf + w.len - FUZZ_IV_LEN, a.iv.ptr, FUZZ_IV_LEN);
    ike_w_bytes(&w, a.ciphertext.ptr, a.ciphertext.len - 1u);
    size_t plain_off = 0, plain_len = 0;
    rc = ike_sk_end(&w, start, FUZZ_IV_LEN, 1, FUZZ_ICV_LEN, &plain_off, &plain_len);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(plain_len == a.ciphertext.len);
    FUZZ_CHECK(w.buf[0] == IKE_PL_NONE && ike_get16(w.buf + 2) == w.len);
    struct ike_pl again =
        ike_pl_from_body(pl->type, w.buf + IKE_GENERIC_HDR_LEN, w.len - IKE_GENERIC_HDR_LEN);
    FUZZ_CHECK(ike_sk_decode(&again, FUZZ_IV_LEN, FUZZ_ICV_LEN, &b, &err) == 0);
    FUZZ_CHECK(b.frag_num == a.frag_num && b.frag_total == a.frag_total);
    FUZZ_CHECK(fuzz_bytes_equal(&a.iv, &b.iv) && b.icv.len == a.icv.len);
    FUZZ_CHECK(b.ciphertext.len == a.ciphertext.len);
    FUZZ_CHECK(b.ciphertext.ptr == w.buf + plain_off);
    FUZZ_CHECK(memcmp(a.ciphertext.ptr, b.ciphertext.ptr, a.ciphertext.len - 1u) == 0);
    FUZZ_CHECK(b.ciphertext.ptr[b.ciphertext.len - 1] == 0);
}

static void fuzz_payload(const struct ctx *c, const struct ike_pl *pl)
{
    switch (pl->type) {
    case IKE_PL_SA:
        fuzz_sa(c, pl);
        break;
    case IKE_PL_KE:
        fuzz_ke(c, pl);
        break;
    case IKE_PL_IDI:
    case IKE_PL_IDR:
        fuzz_id(c, pl);
        break;
    case IKE_PL_CERT:
    case IKE_PL_CERTREQ:
        fuzz_cert(c, pl);
        break;
    case IKE_PL_AUTH:
        fuzz_auth(c, pl);
        break;
    case IKE_PL_NONCE:
        fuzz_nonce(c, pl);
        break;
    case IKE_PL_NOTIFY:
        fuzz_notify(c, pl);
        break;
    case IKE_PL_DELETE:
        fuzz_delete(c, pl);
        break;
    case IKE_PL_VENDOR:
        fuzz_vendor(c, pl);
        break;
    case IKE_PL_TSI:
    case IKE_PL_TSR:
        fuzz_ts(c, pl);
        break;
    case IKE_PL_CP:
        fuzz_cp(c, pl);
        break;
    case IKE_PL_EAP:
        fuzz_eap(c, pl);
        break;
    case IKE_PL_SK:
    case IKE_PL_SKF:
        fuzz_sk(c, pl);
        break;
    default:
        FUZZ_CHECK(!pl->known);
        break;
    }
}

/*
 * Checks what a successful decode promises (every body inside [lo, hi), the
 * counts adding up) and runs the rules and the payload decoders over the
 * message. `from` is the first payload to decode: the inner run skips the
 * outer SK it made itself.
 */
static void fuzz_decoded(const struct ctx *c, const struct ike_msg *msg, unsigned from,
                         const uint8_t *lo, const uint8_t *hi)
{
    FUZZ_CHECK(msg->npayloads <= IKE_MSG_MAX_PAYLOADS);
    unsigned counted = 0;
    for (unsigned i = 0; i < msg->npayloads; i++) {
        const struct ike_pl *pl = &msg->pl[i];
        FUZZ_CHECK(pl->known == (bool)ike_payload_type_known(pl->type));
        FUZZ_CHECK(!pl->critical || pl->known);
        /* Each type counted once, at its first payload: the counts must add up. */
        if (ike_msg_find(msg, pl->type, NULL) == pl)
            counted += ike_msg_count(msg, pl->type);
        if (i >= from)
            FUZZ_CHECK(pl->body >= lo && pl->len <= hi - pl->body);
    }
    FUZZ_CHECK(counted == msg->npayloads);

    struct ike_err err;
    int rc = ike_msg_check_rules(msg, &err);
    fuzz_check_err(rc, &err, c->limit);
    const struct ike_pl *rs = ike_msg_find_notify(msg, IKE_N_REDIRECT_SUPPORTED);
    FUZZ_CHECK(rs == NULL || (rs->type == IKE_PL_NOTIFY && rs->len >= 4 &&
                              ike_get16(rs->body + 2) == IKE_N_REDIRECT_SUPPORTED));

    for (unsigned i = from; i < msg->npayloads; i++)
        fuzz_payload(c, &msg->pl[i]);
}

/* The exchanges tried for inner chains; the others are unknown to the rules. */
static uint8_t inner_exchange(uint8_t sel)
{
    static const uint8_t ex[8] = {IKE_EXCH_IKE_AUTH,      IKE_EXCH_CREATE_CHILD_SA,
                                  IKE_EXCH_INFORMATIONAL, IKE_EXCH_IKE_INTERMEDIATE,
                                  IKE_EXCH_IKE_AUTH,      IKE_EXCH_CREATE_CHILD_SA,
                                  IKE_EXCH_IKE_SA_INIT,   IKE_EXCH_IKE_SESSION_RESUME};
    return ex[sel & 7];
}

/*
 * The inner run. The outer message is a header and an empty SK payload rather
 * than a bare header: every exchange with an inner chain requires an SK, and
 * without one ike_msg_check_rules() would stop at RULE_SK_MISSING before
 * looking at the inner payloads at all.
 */
static void fuzz_inner(struct ctx *c, const uint8_t *data, size_t size)
{
    if (size < 2)
        return;
    uint8_t first = data[0];
    uint8_t sel = data[1];
    const uint8_t *plain = data + 2;
    size_t plain_len = size - 2;

    uint8_t outer[INNER_OUTER_LEN];
    struct ike_writer w;
    ike_w_init(&w, outer, sizeof(outer), false);
    struct ike_hdr h = {.spi_i = 0x0102030405060708ull,
                        .spi_r = 0x1112131415161718ull,
                        .version = IKE_MAJOR_VERSION << 4,
                        .exchange = inner_exchange(sel),
                        .flags = (sel & 0x80) ? IKE_FLAG_RESPONSE : IKE_FLAG_INITIATOR,
                        .msg_id = 1};
    ike_w_header(&w, &h);
    size_t sk = ike_w_payload_begin(&w, IKE_PL_SK, false);
    ike_w_payload_end(&w, sk);
    outer[sk] = first; /* the SK's next-payload field names the first inner payload */
    FUZZ_CHECK(ike_w_finish(&w) == (long)sizeof(outer));

    struct ike_msg *msg = malloc(sizeof(*msg));
    FUZZ_CHECK(msg != NULL);
    struct ike_err err;
    FUZZ_CHECK(ike_msg_decode(outer, sizeof(outer), msg, &err) == 0);
    FUZZ_CHECK(msg->npayloads == 1 && msg->pl[0].type == IKE_PL_SK && msg->pl[0].next == first);

    c->limit = sizeof(outer) + plain_len;
    int rc = ike_msg_decode_inner(msg, plain, plain_len, first, sizeof(outer), &err);
    fuzz_check_err(rc, &err, c->limit);
    if (rc == 0) {
        FUZZ_CHECK(msg->decrypted);
        for (unsigned i = 1; i < msg->npayloads; i++)
            FUZZ_CHECK(msg->pl[i].encrypted);
        fuzz_decoded(c, msg, 1, plain, plain + plain_len);
    }
    free(msg);
}

/* Outer messages and, when the input has no IKE header, the inner chain after two bytes. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    return fuzz_mutate_chain(data, size, max_size, seed, 0, 2, size > 0 ? data[0] : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cap = size + ENC_SLACK;
    struct ctx c = {.limit = size, .enc_cap = cap, .enc = malloc(cap), .enc2 = malloc(cap)};
    FUZZ_CHECK(c.enc != NULL && c.enc2 != NULL);

    /* struct ike_msg is 1.6 KB: on the heap so that ASan checks every access to it. */
    struct ike_msg *msg = malloc(sizeof(*msg));
    FUZZ_CHECK(msg != NULL);
    struct ike_err err;
    int rc = ike_msg_decode(data, size, msg, &err);
    fuzz_check_err(rc, &err, size);
    if (rc == 0) {
        FUZZ_CHECK(msg->len == size && msg->hdr.length == size);
        fuzz_decoded(&c, msg, 0, data + IKE_HDR_LEN, data + size);
    }
    free(msg);

    fuzz_inner(&c, data, size);

    free(c.enc);
    free(c.enc2);
    return 0;
}
