/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of the Encrypted payload SK (RFC 7296 3.14) and of the Encrypted
 * Fragment payload SKF (RFC 7383 2.5). No cryptography here: the caller knows
 * the negotiated IV and ICV sizes, encrypts and decrypts.
 */
#include "ike_payload.h"

#include <errno.h>

#include "pl_priv.h"

/* Fragment Number and Total Fragments, before the IV of an SKF. */
#define SKF_FIXED_LEN 4
/* The Pad Length byte is the one byte of ciphertext every SK carries. */
#define SK_PAD_LEN_BYTE 1
/* The Pad Length byte counts at most 255 padding bytes. */
#define SK_MAX_BLOCK 256

/* Fragment Number 1..Total Fragments (RFC 7383 2.5), read from the first of their 4 bytes. */
static bool skf_numbers_ok(const uint8_t *p)
{
    uint16_t num = ike_get16(p), total = ike_get16(p + 2);
    return total != 0 && num != 0 && num <= total;
}

/* Reads and checks Fragment Number and Total Fragments (RFC 7383 2.5). */
static int skf_decode_fields(const struct ike_pl *pl, struct ike_sk_payload *out,
                             struct ike_err *err)
{
    if (pl->len < SKF_FIXED_LEN)
        return pl_fail(err, IKE_ERR_PL_BODY_TOO_SHORT, pl, pl->len);
    out->frag_num = ike_get16(pl->body);
    out->frag_total = ike_get16(pl->body + 2);
    if (out->frag_total == 0)
        return pl_fail(err, IKE_ERR_SKF_BAD_TOTAL, pl, 2);
    if (out->frag_num == 0 || out->frag_num > out->frag_total)
        return pl_fail(err, IKE_ERR_SKF_BAD_NUMBER, pl, 0);
    return 0;
}

int ike_sk_decode(const struct ike_pl *pl, size_t iv_len, size_t icv_len,
                  struct ike_sk_payload *out, struct ike_err *err)
{
    size_t pos = 0;
    out->first_inner = pl->next;
    out->frag_num = 0;
    out->frag_total = 0;
    if (pl->type == IKE_PL_SKF) {
        int rc = skf_decode_fields(pl, out, err);
        if (rc < 0)
            return rc;
        pos = SKF_FIXED_LEN;
    }
    /* Written as subtractions so that no sum of caller sizes can wrap. */
    size_t rest = pl->len - pos;
    if (iv_len > rest || icv_len > rest - iv_len || rest - iv_len - icv_len < SK_PAD_LEN_BYTE)
        return pl_fail(err, IKE_ERR_SK_TOO_SHORT, pl, pos);
    size_t ct_len = rest - iv_len - icv_len;
    out->iv.ptr = pl->body + pos;
    out->iv.len = (uint16_t)iv_len;
    out->ciphertext.ptr = out->iv.ptr + iv_len;
    out->ciphertext.len = (uint16_t)ct_len;
    out->icv.ptr = out->ciphertext.ptr + ct_len;
    out->icv.len = (uint16_t)icv_len;
    return 0;
}

/*
 * Until ike_sk_end() writes the real length, the SK's length field holds the
 * length of its fixed part (generic header, SKF fields, IV). The inner payloads
 * only patch the next-payload byte, so the value survives, and ike_sk_end()
 * finds the plaintext from it without being told whether this is SK or SKF.
 */
size_t ike_sk_begin(struct ike_writer *w, size_t iv_len, uint16_t frag_num, uint16_t frag_total)
{
    bool frag = frag_total > 0;
    size_t start = ike_w_payload_begin(w, frag ? IKE_PL_SKF : IKE_PL_SK, false);
    if (frag) {
        ike_w_u16(w, frag_num);
        ike_w_u16(w, frag_total);
    }
    ike_w_zero(w, iv_len);
    if (w->len - start <= UINT16_MAX)
        ike_w_put16_at(w, start + 2, (uint16_t)(w->len - start));
    return start;
}

/* Padding that makes plaintext + padding + Pad Length byte a multiple of the block. */
static size_t sk_pad_len(size_t plain, size_t block_size)
{
    return (block_size - (plain + SK_PAD_LEN_BYTE) % block_size) % block_size;
}

int ike_sk_end(struct ike_writer *w, size_t sk_start, size_t iv_len, size_t block_size,
               size_t icv_len, size_t *plain_off, size_t *plain_len)
{
    return ike_sk_end_padded(w, sk_start, iv_len, block_size, icv_len, 0, plain_off, plain_len);
}

int ike_sk_end_padded(struct ike_writer *w, size_t sk_start, size_t iv_len, size_t block_size,
                      size_t icv_len, size_t min_plain, size_t *plain_off, size_t *plain_len)
{
    if (w->overflow)
        return -ENOSPC;
    if (block_size == 0 || block_size > SK_MAX_BLOCK || sk_start > w->len ||
        w->len - sk_start < IKE_GENERIC_HDR_LEN)
        return -EINVAL;
    /* The fixed part ike_sk_begin() left in the length field: header, SKF fields, IV. */
    size_t fixed = ike_get16(w->buf + sk_start + 2);
    if (fixed > w->len - sk_start || fixed < IKE_GENERIC_HDR_LEN ||
        fixed - IKE_GENERIC_HDR_LEN < iv_len)
        return -EINVAL;
    size_t frag_fields = fixed - IKE_GENERIC_HDR_LEN - iv_len;
    if (frag_fields != 0 && frag_fields != SKF_FIXED_LEN)
        return -EINVAL;
    /* ike_sk_begin() cannot fail, so a fragment number the decoder would refuse stops here. */
    if (frag_fields == SKF_FIXED_LEN && !skf_numbers_ok(w->buf + sk_start + IKE_GENERIC_HDR_LEN))
        return -EINVAL;
    size_t off = sk_start + fixed;
    size_t inner = w->len - off;
    size_t pad = sk_pad_len(inner, block_size);
    while (inner + pad + SK_PAD_LEN_BYTE < min_plain && pad + block_size <= UINT8_MAX)
        pad += block_size;
    ike_w_zero(w, pad);
    ike_w_u8(w, (uint8_t)pad);
    ike_w_zero(w, icv_len);
    ike_w_payload_end(w, sk_start);
    if (w->overflow)
        return -ENOSPC;
    *plain_off = off;
    *plain_len = inner + pad + SK_PAD_LEN_BYTE;
    return 0;
}

long ike_sk_unpad(const uint8_t *plain, size_t len)
{
    if (len == 0)
        return -EBADMSG;
    size_t pad = plain[len - 1];
    if (pad >= len)
        return -EBADMSG;
    return (long)(len - pad - SK_PAD_LEN_BYTE);
}
