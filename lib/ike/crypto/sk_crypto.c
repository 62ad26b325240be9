/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_ossl.h"
#include "ike_sk_crypto.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "ike_consts.h"

#define GCM_SALT_LEN 4
#define GCM_IV_LEN 8
#define AES_BLOCK 16

static const char *integ_digest(uint16_t integ, size_t *key_len, size_t *icv_len)
{
    switch (integ) {
    case IKE_INTEG_HMAC_SHA1_96:
        *key_len = 20;
        *icv_len = 12;
        return "SHA1";
    case IKE_INTEG_HMAC_SHA2_256_128:
        *key_len = 32;
        *icv_len = 16;
        return "SHA2-256";
    case IKE_INTEG_HMAC_SHA2_384_192:
        *key_len = 48;
        *icv_len = 24;
        return "SHA2-384";
    case IKE_INTEG_HMAC_SHA2_512_256:
        *key_len = 64;
        *icv_len = 32;
        return "SHA2-512";
    default:
        return NULL;
    }
}

int ike_sk_suite_init(struct ike_sk_suite *s, uint16_t encr, uint16_t key_bits, uint16_t integ)
{
    memset(s, 0, sizeof(*s));
    if (key_bits != 128 && key_bits != 192 && key_bits != 256)
        return -ENOTSUP;
    s->encr = encr;
    s->key_bits = key_bits;
    s->integ = integ;
    switch (encr) {
    case IKE_ENCR_AES_GCM_8:
    case IKE_ENCR_AES_GCM_12:
    case IKE_ENCR_AES_GCM_16:
        if (integ != IKE_INTEG_NONE)
            return -ENOTSUP;
        s->aead = true;
        s->encr_key_len = key_bits / 8u + GCM_SALT_LEN;
        s->iv_len = GCM_IV_LEN;
        s->icv_len = encr == IKE_ENCR_AES_GCM_8 ? 8 : encr == IKE_ENCR_AES_GCM_12 ? 12 : 16;
        s->block_size = 1;
        return 0;
    case IKE_ENCR_AES_CBC:
        if (integ_digest(integ, &s->integ_key_len, &s->icv_len) == NULL)
            return -ENOTSUP;
        s->encr_key_len = key_bits / 8u;
        s->iv_len = AES_BLOCK;
        s->block_size = AES_BLOCK;
        return 0;
    default:
        return -ENOTSUP;
    }
}

static const char *cipher_name(const struct ike_sk_suite *s)
{
    if (s->aead)
        return s->key_bits == 128   ? "AES-128-GCM"
               : s->key_bits == 192 ? "AES-192-GCM"
                                    : "AES-256-GCM";
    return s->key_bits == 128 ? "AES-128-CBC" : s->key_bits == 192 ? "AES-192-CBC" : "AES-256-CBC";
}

/*
 * One pass of the cipher over buf[0..len) in place. For GCM, `aad` is
 * authenticated and `tag` is written (encrypt) or checked (decrypt).
 */
static int run_cipher(const struct ike_sk_suite *s, bool encrypt, const uint8_t *key,
                      const uint8_t *iv, const uint8_t *aad, size_t aad_len, uint8_t *buf,
                      size_t len, uint8_t *tag)
{
    const EVP_CIPHER *cipher = ike_ossl_cipher(cipher_name(s));
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t nonce[GCM_SALT_LEN + GCM_IV_LEN];
    const uint8_t *civ = iv;
    if (s->aead) {
        /* RFC 5282 4: the nonce is the salt (end of SK_e) followed by the IV. */
        memcpy(nonce, key + s->key_bits / 8u, GCM_SALT_LEN);
        memcpy(nonce + GCM_SALT_LEN, iv, GCM_IV_LEN);
        civ = nonce;
    }
    int outl = 0;
    int ok = cipher != NULL && ctx != NULL &&
             EVP_CipherInit_ex2(ctx, cipher, key, civ, encrypt ? 1 : 0, NULL) == 1 &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
    if (ok && s->aead) {
        ok =
            (!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)s->icv_len, tag) != 1)
                ? 0
                : EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len) == 1;
    }
    ok = ok && EVP_CipherUpdate(ctx, buf, &outl, buf, (int)len) == 1 && (size_t)outl == len;
    ok = ok && EVP_CipherFinal_ex(ctx, buf + outl, &outl) == 1 && outl == 0;
    if (ok && s->aead && encrypt)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)s->icv_len, tag) == 1;
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(nonce, sizeof(nonce));
    return ok ? 0 : -EBADMSG;
}

/* HMAC over msg[0..len), truncated to the ICV length. */
static int integ_icv(const struct ike_sk_suite *s, const uint8_t *key, const uint8_t *msg,
                     size_t len, uint8_t *icv)
{
    size_t key_len = 0, icv_len = 0;
    const char *digest = integ_digest(s->integ, &key_len, &icv_len);
    uint8_t full[EVP_MAX_MD_SIZE];
    unsigned full_len = 0;
    if (digest == NULL ||
        HMAC(EVP_get_digestbyname(digest), key, (int)key_len, msg, len, full, &full_len) == NULL ||
        full_len < icv_len)
        return -EIO;
    memcpy(icv, full, icv_len);
    return 0;
}

int ike_sk_seal(const struct ike_sk_suite *s, const uint8_t *encr_key, const uint8_t *integ_key,
                uint8_t *msg, size_t msg_len, size_t plain_off, size_t plain_len)
{
    if (plain_off < s->iv_len || plain_off + plain_len + s->icv_len > msg_len ||
        plain_len % s->block_size != 0)
        return -EINVAL;
    uint8_t *iv = msg + plain_off - s->iv_len;
    uint8_t *icv = msg + plain_off + plain_len;
    if (s->aead)
        return run_cipher(s, true, encr_key, iv, msg, plain_off - s->iv_len, msg + plain_off,
                          plain_len, icv);
    int rc = run_cipher(s, true, encr_key, iv, NULL, 0, msg + plain_off, plain_len, NULL);
    if (rc == 0)
        rc = integ_icv(s, integ_key, msg, plain_off + plain_len, icv);
    return rc;
}

long ike_sk_open(const struct ike_sk_suite *s, const uint8_t *encr_key, const uint8_t *integ_key,
                 uint8_t *msg, size_t msg_len, const struct ike_sk_payload *sk)
{
    if (sk->iv.len != s->iv_len || sk->icv.len != s->icv_len ||
        sk->ciphertext.len % s->block_size != 0 || sk->ciphertext.len == 0)
        return -EBADMSG;
    size_t iv_off = (size_t)(sk->iv.ptr - msg);
    size_t ct_off = (size_t)(sk->ciphertext.ptr - msg);
    if (ct_off + sk->ciphertext.len + s->icv_len > msg_len)
        return -EBADMSG;
    uint8_t *ct = msg + ct_off;
    uint8_t *icv = msg + ct_off + sk->ciphertext.len;
    int rc;
    if (s->aead) {
        rc = run_cipher(s, false, encr_key, msg + iv_off, msg, iv_off, ct, sk->ciphertext.len, icv);
    } else {
        uint8_t expect[32];
        rc = integ_icv(s, integ_key, msg, ct_off + sk->ciphertext.len, expect);
        if (rc == 0 && CRYPTO_memcmp(expect, icv, s->icv_len) != 0)
            rc = -EBADMSG;
        if (rc == 0)
            rc =
                run_cipher(s, false, encr_key, msg + iv_off, NULL, 0, ct, sk->ciphertext.len, NULL);
    }
    return rc < 0 ? -EBADMSG : (long)sk->ciphertext.len;
}
