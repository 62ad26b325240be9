/* SPDX-License-Identifier: BSD-3-Clause */
/* AES-GCM for ESP (RFC 4106) with intel-ipsec-mb's direct API, one packet per call. */
#include <string.h>

#include <openssl/crypto.h>

#include "esp_crypto.h"

/*
 * RFC 4106 5: the AAD is SPI | sequence number, and with ESN SPI | high 32
 * bits | low 32 bits. Returns its length.
 */
static size_t make_aad(const struct dp_esp_sa *sa, const uint8_t *esp, uint64_t seq,
                       uint8_t aad[12])
{
    memcpy(aad, esp, 4);
    if (!sa->esn) {
        memcpy(aad + 4, esp + 4, 4);
        return 8;
    }
    dp_put32(aad + 4, (uint32_t)(seq >> 32));
    memcpy(aad + 8, esp + 4, 4);
    return 12;
}

static void make_nonce(const struct dp_esp_sa *sa, const uint8_t *iv, uint8_t nonce[12])
{
    memcpy(nonce, sa->salt, 4);
    memcpy(nonce + 4, iv, 8);
}

bool dp_esp_gcm_seal(IMB_MGR *mgr, const struct dp_esp_sa *sa, uint8_t *esp, size_t len,
                     uint64_t seq)
{
    uint8_t *iv = esp + DP_ESP_HDR, *data = iv + 8, *tag = data + len;
    /* The explicit IV is the 64-bit sequence number: unique per key, all GCM needs (RFC 4106 3.1).
     */
    dp_put32(iv, (uint32_t)(seq >> 32));
    dp_put32(iv + 4, (uint32_t)seq);
    uint8_t nonce[12], aad[12];
    make_nonce(sa, iv, nonce);
    size_t aad_len = make_aad(sa, esp, seq, aad);
    struct gcm_context_data ctx;
    if (sa->key_bits == 128)
        IMB_AES128_GCM_ENC(mgr, &sa->key.gcm, &ctx, data, data, len, nonce, aad, aad_len, tag, 16);
    else if (sa->key_bits == 192)
        IMB_AES192_GCM_ENC(mgr, &sa->key.gcm, &ctx, data, data, len, nonce, aad, aad_len, tag, 16);
    else
        IMB_AES256_GCM_ENC(mgr, &sa->key.gcm, &ctx, data, data, len, nonce, aad, aad_len, tag, 16);
    return true;
}

bool dp_esp_gcm_open(IMB_MGR *mgr, const struct dp_esp_sa *sa, uint8_t *esp, size_t len,
                     uint64_t seq)
{
    uint8_t *iv = esp + DP_ESP_HDR, *data = iv + 8;
    uint8_t nonce[12], aad[12], tag[16];
    make_nonce(sa, iv, nonce);
    size_t aad_len = make_aad(sa, esp, seq, aad);
    struct gcm_context_data ctx;
    /* GCM decrypts and authenticates in one pass; the caller drops the plaintext if the tag fails.
     */
    if (sa->key_bits == 128)
        IMB_AES128_GCM_DEC(mgr, &sa->key.gcm, &ctx, data, data, len, nonce, aad, aad_len, tag, 16);
    else if (sa->key_bits == 192)
        IMB_AES192_GCM_DEC(mgr, &sa->key.gcm, &ctx, data, data, len, nonce, aad, aad_len, tag, 16);
    else
        IMB_AES256_GCM_DEC(mgr, &sa->key.gcm, &ctx, data, data, len, nonce, aad, aad_len, tag, 16);
    return dp_esp_icv_equal(tag, data + len, 16);
}

bool dp_esp_icv_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
    /* OpenSSL's comparison is written not to end early, whatever the compiler does. */
    return CRYPTO_memcmp(a, b, len) == 0;
}
