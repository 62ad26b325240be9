/* SPDX-License-Identifier: BSD-3-Clause */
/* ESP with OpenSSL for the tests: see esp_ossl.h. */
#include "esp_ossl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ike_consts.h"

bool esp_alg_is_gcm(const struct esp_alg *a)
{
    return a->encr == IKE_ENCR_AES_GCM_16;
}

size_t esp_alg_iv_len(const struct esp_alg *a)
{
    return esp_alg_is_gcm(a) ? 8 : 16;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* HMAC over the ESP packet less its ICV, and with ESN the high sequence bits after it. */
static void ossl_icv(const struct esp_alg *a, const uint8_t *key, const uint8_t *esp, size_t len,
                     uint64_t seq, bool esn, uint8_t *icv)
{
    uint8_t buf[2048 + 4], md[64];
    memcpy(buf, esp, len);
    if (esn)
        put32(buf + len, (uint32_t)(seq >> 32));
    unsigned mdlen = 0;
    assert_non_null(HMAC(EVP_get_digestbyname(a->ossl_md), key, (int)a->integ_key_len, buf,
                         len + (esn ? 4 : 0), md, &mdlen));
    memcpy(icv, md, a->icv_len);
}

/* GCM's AAD (RFC 4106 5): SPI | seq, or SPI | seq high | seq low with ESN. */
static size_t gcm_aad(const uint8_t *esp, uint64_t seq, bool esn, uint8_t aad[12])
{
    memcpy(aad, esp, 4);
    if (!esn) {
        memcpy(aad + 4, esp + 4, 4);
        return 8;
    }
    put32(aad + 4, (uint32_t)(seq >> 32));
    memcpy(aad + 8, esp + 4, 4);
    return 12;
}

/*
 * Opens an ESP packet (ESP header at esp, `len` bytes with the ICV) with
 * OpenSSL and the direction's keys; returns the plaintext length (payload
 * and trailer) in pt, or -1 when the ICV does not match.
 */
int esp_ossl_open(const struct esp_alg *a, const struct ike_child_sa *c, bool outbound,
                  const uint8_t *esp, size_t len, uint64_t seq, uint8_t *pt)
{
    const uint8_t *ekey = outbound ? c->encr_out : c->encr_in;
    const uint8_t *ikey = outbound ? c->integ_out : c->integ_in;
    bool esn = c->alg.esn == IKE_ESN_ESN;
    size_t ivl = esp_alg_iv_len(a), ctl = len - 8 - ivl - a->icv_len;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0, ok;
    if (esp_alg_is_gcm(a)) {
        uint8_t nonce[12], aad[12];
        memcpy(nonce, ekey + a->key_bits / 8, 4);
        memcpy(nonce + 4, esp + 8, 8);
        size_t aadl = gcm_aad(esp, seq, esn, aad);
        ok = EVP_DecryptInit_ex(ctx, EVP_get_cipherbyname(a->ossl_cipher), NULL, ekey, nonce) &&
             EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadl) &&
             EVP_DecryptUpdate(ctx, pt, &n, esp + 16, (int)ctl) &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)(esp + 16 + ctl)) &&
             EVP_DecryptFinal_ex(ctx, pt + n, &fin);
    } else {
        uint8_t icv[32];
        ossl_icv(a, ikey, esp, len - a->icv_len, seq, esn, icv);
        ok = memcmp(icv, esp + len - a->icv_len, a->icv_len) == 0 &&
             EVP_DecryptInit_ex(ctx, EVP_get_cipherbyname(a->ossl_cipher), NULL, ekey, esp + 8) &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) &&
             EVP_DecryptUpdate(ctx, pt, &n, esp + 24, (int)ctl) &&
             EVP_DecryptFinal_ex(ctx, pt + n, &fin);
    }
    EVP_CIPHER_CTX_free(ctx);
    return ok ? n + fin : -1;
}

/*
 * Seals `pt` (payload and trailer, already padded) with OpenSSL into an ESP
 * packet at esp for veer's inbound SA; returns its length.
 */
size_t esp_ossl_seal(const struct esp_alg *a, const struct ike_child_sa *c, uint64_t seq,
                     const uint8_t *pt, size_t ptl, uint8_t *esp)
{
    bool esn = c->alg.esn == IKE_ESN_ESN;
    put32(esp, c->spi_in);
    put32(esp + 4, (uint32_t)seq);
    size_t ivl = esp_alg_iv_len(a);
    for (size_t i = 0; i < ivl; i++)
        esp[8 + i] = (uint8_t)(seq * 31 + i * 17 + 1);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    uint8_t *ct = esp + 8 + ivl;
    if (esp_alg_is_gcm(a)) {
        uint8_t nonce[12], aad[12];
        memcpy(nonce, c->encr_in + a->key_bits / 8, 4);
        memcpy(nonce + 4, esp + 8, 8);
        size_t aadl = gcm_aad(esp, seq, esn, aad);
        assert_true(
            EVP_EncryptInit_ex(ctx, EVP_get_cipherbyname(a->ossl_cipher), NULL, c->encr_in, nonce));
        assert_true(EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadl));
        assert_true(EVP_EncryptUpdate(ctx, ct, &n, pt, (int)ptl));
        assert_true(EVP_EncryptFinal_ex(ctx, ct + n, &fin));
        assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, ct + ptl));
    } else {
        assert_true(EVP_EncryptInit_ex(ctx, EVP_get_cipherbyname(a->ossl_cipher), NULL, c->encr_in,
                                       esp + 8));
        assert_true(EVP_CIPHER_CTX_set_padding(ctx, 0));
        assert_true(EVP_EncryptUpdate(ctx, ct, &n, pt, (int)ptl));
        assert_true(EVP_EncryptFinal_ex(ctx, ct + n, &fin));
        ossl_icv(a, c->integ_in, esp, 8 + ivl + ptl, seq, esn, ct + ptl);
    }
    EVP_CIPHER_CTX_free(ctx);
    return 8 + ivl + ptl + a->icv_len;
}

void esp_child_keyed(struct ike_child_sa *c, const struct esp_alg *a, bool esn, uint32_t spi_in,
                     uint32_t spi_out, struct esp_key_seed seed, unsigned salt)
{
    memset(c, 0, sizeof(*c));
    c->spi_in = spi_in;
    c->spi_out = spi_out;
    c->alg.encr.id = a->encr;
    c->alg.encr.key_bits = a->key_bits;
    c->alg.integ = a->integ;
    c->alg.esn = esn ? IKE_ESN_ESN : IKE_ESN_NO_ESN;
    c->encr_key_len = a->key_bits / 8u + (esp_alg_is_gcm(a) ? 4 : 0);
    c->integ_key_len = a->integ_key_len;
    for (unsigned k = 0; k < sizeof(c->encr_in); k++) {
        c->encr_in[k] = (uint8_t)(seed.encr_in + k * 3 + salt * 29);
        c->encr_out[k] = (uint8_t)(seed.encr_out + k * 5 + salt * 31);
    }
    for (unsigned k = 0; k < sizeof(c->integ_in); k++) {
        c->integ_in[k] = (uint8_t)(seed.integ_in + k * 7 + salt * 37);
        c->integ_out[k] = (uint8_t)(seed.integ_out + k * 11 + salt * 41);
    }
}

void esp_child_v4_any(struct ike_child_sa *c)
{
    c->local.family = c->remote.family = 4;
    memcpy(c->local.ip, (const uint8_t[]){198, 51, 100, 1}, 4);
    memcpy(c->remote.ip, (const uint8_t[]){198, 51, 100, 2}, 4);
    c->udp_encap = true;
    c->remote.port = 4500;
    c->ts_local.nts = c->ts_remote.nts = 1;
    c->ts_local.ts[0] = (struct ike_ts){
        .type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535, .end_addr = {255, 255, 255, 255}};
    c->ts_remote.ts[0] = c->ts_local.ts[0];
}
