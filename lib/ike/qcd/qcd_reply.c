/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The token maker's answer after a restart. A pure function of the message
 * and the secrets, so the workers answer in place at line rate and the
 * control lcore gives the very same bytes.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike_consts.h"
#include "ike_err.h"
#include "ike_msg.h"
#include "ike_qcd.h"
#include "ike_writer.h"

#define IKE_X_QCD_NR_NAME(n) #n,
static const char *const no_reply_names[] = {"NONE", IKE_QCD_NO_REPLY_LIST(IKE_X_QCD_NR_NAME)};
#undef IKE_X_QCD_NR_NAME

const char *ike_qcd_no_reply_name(enum ike_qcd_no_reply why)
{
    return why < IKE_QCD_NR__COUNT ? no_reply_names[why] : "?";
}

int ike_qcd_digest(const uint8_t *token, size_t len, uint8_t out[IKE_QCD_DIGEST_LEN])
{
    if (len < IKE_QCD_TOKEN_MIN || len > IKE_QCD_TOKEN_MAX)
        return -EINVAL;
    unsigned n = 0;
    if (EVP_Digest(token, len, out, &n, EVP_sha256(), NULL) != 1 || n != IKE_QCD_DIGEST_LEN)
        return -EIO;
    return 0;
}

bool ike_qcd_digest_matches(const uint8_t kept[IKE_QCD_DIGEST_LEN], const uint8_t *token,
                            size_t len)
{
    uint8_t got[IKE_QCD_DIGEST_LEN];
    if (ike_qcd_digest(token, len, got) < 0)
        return false;
    return CRYPTO_memcmp(kept, got, IKE_QCD_DIGEST_LEN) == 0;
}

static uint8_t *put_notify(uint8_t *p, uint8_t next, uint8_t protocol, uint16_t type,
                           const uint8_t *data, size_t len)
{
    p[0] = next;
    p[1] = 0;
    ike_put16(p + 2, (uint16_t)(8 + len));
    p[4] = protocol; /* no SPI: receivers ignore it (RFC 7296 3.10) */
    p[5] = 0;
    ike_put16(p + 6, type);
    if (len > 0)
        memcpy(p + 8, data, len);
    return p + 8 + len;
}

static long fail(enum ike_qcd_no_reply *why, enum ike_qcd_no_reply reason)
{
    *why = reason;
    return -1;
}

long ike_qcd_reply(const struct ike_qcd_keys *keys, const uint8_t *msg, size_t len, uint8_t *out,
                   size_t out_cap, enum ike_qcd_no_reply *why)
{
    struct ike_hdr h;
    struct ike_err err;
    *why = IKE_QCD_NR_NONE;
    if (ike_hdr_decode(msg, len, &h, &err) < 0)
        return fail(why, IKE_QCD_NR_MALFORMED);
    if (ike_hdr_is_response(&h))
        return fail(why, IKE_QCD_NR_RESPONSE);
    if (h.exchange == IKE_EXCH_IKE_SA_INIT || h.spi_i == 0 || h.spi_r == 0)
        return fail(why, IKE_QCD_NR_SA_INIT);
    if (h.next_payload != IKE_PL_SK && h.next_payload != IKE_PL_SKF)
        return fail(why, IKE_QCD_NR_UNPROTECTED);
    /* SK/SKF is the last payload; here the only one, so it fills the message. */
    if (len < IKE_HDR_LEN + IKE_GENERIC_HDR_LEN ||
        ike_get16(msg + IKE_HDR_LEN + 2) != len - IKE_HDR_LEN)
        return fail(why, IKE_QCD_NR_MALFORMED);
    size_t cap = out_cap < len ? out_cap : len; /* never more than came in */
    bool both = keys->has_prev && IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN <= cap;
    size_t total = IKE_QCD_REPLY_LEN + (both ? IKE_QCD_NOTIFY_LEN : 0);
    if (total > cap)
        return fail(why, IKE_QCD_NR_TOO_LARGE);
    uint8_t token[IKE_QCD_TOKEN_LEN], prev[IKE_QCD_TOKEN_LEN];
    if (ike_qcd_token(keys->cur, h.spi_i, h.spi_r, token) < 0 ||
        (both && ike_qcd_token(keys->prev, h.spi_i, h.spi_r, prev) < 0))
        return fail(why, IKE_QCD_NR_MALFORMED); /* OpenSSL failed: send nothing */
    memcpy(out, msg, 16);                       /* both SPIs, as they came */
    out[16] = IKE_PL_NOTIFY;
    out[17] = IKE_MAJOR_VERSION << 4;
    out[18] = h.exchange;
    /* We are the other end of the IKE SA than the sender. */
    out[19] = IKE_FLAG_RESPONSE | ((h.flags & IKE_FLAG_INITIATOR) ? 0 : IKE_FLAG_INITIATOR);
    ike_put32(out + 20, h.msg_id);
    ike_put32(out + 24, (uint32_t)total);
    /* RFC 6290 4.5: INVALID_IKE_SPI first, for peers without QCD, then the tokens (4.1: protocol
     * 1). */
    uint8_t *p = put_notify(out + IKE_HDR_LEN, IKE_PL_NOTIFY, IKE_PROTO_NONE, IKE_N_INVALID_IKE_SPI,
                            NULL, 0);
    p = put_notify(p, both ? IKE_PL_NOTIFY : IKE_PL_NONE, IKE_PROTO_IKE,
                   IKE_N_QUICK_CRASH_DETECTION, token, sizeof(token));
    if (both)
        put_notify(p, IKE_PL_NONE, IKE_PROTO_IKE, IKE_N_QUICK_CRASH_DETECTION, prev, sizeof(prev));
    OPENSSL_cleanse(token, sizeof(token));
    OPENSSL_cleanse(prev, sizeof(prev));
    return (long)total;
}
