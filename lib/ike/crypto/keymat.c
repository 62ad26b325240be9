/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_keymat.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>

#include "ike_consts.h"
#include "ike_ossl.h"
#include "ike_writer.h"

size_t ike_prf_len(uint16_t prf)
{
    switch (prf) {
    case IKE_PRF_HMAC_SHA1:
        return 20;
    case IKE_PRF_HMAC_SHA2_256:
        return 32;
    case IKE_PRF_HMAC_SHA2_384:
        return 48;
    case IKE_PRF_HMAC_SHA2_512:
        return 64;
    default:
        return 0;
    }
}

/* A copy of the process's HMAC template for `prf` (digest already set), keyed; NULL on failure. */
static EVP_MAC_CTX *keyed_hmac(uint16_t prf, const uint8_t *key, size_t key_len)
{
    const EVP_MAC_CTX *tmpl = ike_ossl_hmac(prf);
    EVP_MAC_CTX *ctx = tmpl != NULL ? EVP_MAC_CTX_dup(tmpl) : NULL;
    if (ctx != NULL && EVP_MAC_init(ctx, key, key_len, NULL) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

/* out = MAC of data[0] | data[1] | ... with the key ctx was initialised with. */
static bool mac_iov(EVP_MAC_CTX *ctx, uint16_t prf, const struct ike_iov *data, unsigned ndata,
                    uint8_t *out)
{
    size_t n = 0;
    bool ok = true;
    for (unsigned i = 0; ok && i < ndata; i++)
        ok = EVP_MAC_update(ctx, data[i].ptr, data[i].len) == 1;
    return ok && EVP_MAC_final(ctx, out, &n, IKE_PRF_MAX_LEN) == 1 && n == ike_prf_len(prf);
}

int ike_prf(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_iov *data,
            unsigned ndata, uint8_t *out)
{
    if (ike_ossl_hmac(prf) == NULL)
        return -ENOTSUP;
    EVP_MAC_CTX *ctx = keyed_hmac(prf, key, key_len);
    bool ok = ctx != NULL && mac_iov(ctx, prf, data, ndata, out);
    EVP_MAC_CTX_free(ctx);
    return ok ? 0 : -EIO;
}

int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_iov *seed,
                 unsigned nseed, uint8_t *out, size_t out_len)
{
    size_t block = ike_prf_len(prf);
    if (block == 0 || ike_ossl_hmac(prf) == NULL)
        return -ENOTSUP;
    if (out_len > block * IKE_PRF_PLUS_MAX_BLOCKS || nseed > 6)
        return -EINVAL;
    /*
     * Every block uses the same key: key one context once and restart it for
     * each block (EVP_MAC_init without a key keeps HMAC's key schedule), not
     * a copy and a key schedule per block.
     */
    EVP_MAC_CTX *ctx = keyed_hmac(prf, key, key_len);
    if (ctx == NULL)
        return -EIO;
    /* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
    uint8_t t[IKE_PRF_MAX_LEN];
    struct ike_iov in[8];
    uint8_t counter = 1;
    bool ok = true;
    for (size_t done = 0; ok && done < out_len; counter++) {
        unsigned n = 0;
        if (counter > 1)
            in[n++] = (struct ike_iov){t, block};
        for (unsigned i = 0; i < nseed; i++)
            in[n++] = seed[i];
        in[n++] = (struct ike_iov){&counter, 1};
        ok = (counter == 1 || EVP_MAC_init(ctx, NULL, 0, NULL) == 1) && mac_iov(ctx, prf, in, n, t);
        size_t take = out_len - done < block ? out_len - done : block;
        if (ok)
            memcpy(out + done, t, take);
        done += take;
    }
    EVP_MAC_CTX_free(ctx);
    OPENSSL_cleanse(t, sizeof(t));
    return ok ? 0 : -EIO;
}

/* The seven IKE SA keys: prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) cut in order (2.14). */
static int expand_sa_keys(uint16_t prf, const struct ike_key_lens *lens, const uint8_t *skeyseed,
                          size_t skeyseed_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                          size_t nr_len, uint64_t spi_i, uint64_t spi_r, struct ike_sa_keys *keys)
{
    uint8_t spis[16];
    ike_put64(spis, spi_i);
    ike_put64(spis + 8, spi_r);
    const struct ike_iov seed[] = {{ni, ni_len}, {nr, nr_len}, {spis, sizeof(spis)}};
    size_t total = 3 * lens->prf + 2 * lens->integ + 2 * lens->encr;
    uint8_t km[7 * IKE_KEY_MAX];
    int rc = ike_prf_plus(prf, skeyseed, skeyseed_len, seed, 3, km, total);
    if (rc < 0)
        return rc;
    keys->lens = *lens;
    const uint8_t *p = km;
    uint8_t *const dst[] = {keys->sk_d,  keys->sk_ai, keys->sk_ar, keys->sk_ei,
                            keys->sk_er, keys->sk_pi, keys->sk_pr};
    const size_t len[] = {lens->prf,  lens->integ, lens->integ, lens->encr,
                          lens->encr, lens->prf,   lens->prf};
    for (unsigned i = 0; i < 7; i++) {
        memcpy(dst[i], p, len[i]);
        p += len[i];
    }
    OPENSSL_cleanse(km, sizeof(km));
    return 0;
}

static bool lens_ok(uint16_t prf, const struct ike_key_lens *lens, size_t ni_len, size_t nr_len)
{
    return ike_prf_len(prf) != 0 && lens->prf <= IKE_KEY_MAX && lens->integ <= IKE_KEY_MAX &&
           lens->encr <= IKE_KEY_MAX && ni_len + nr_len <= 2 * 256;
}

int ike_derive_sa_keys(uint16_t prf, const struct ike_key_lens *lens, const uint8_t *old_sk_d,
                       const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
                       const uint8_t *gir, size_t gir_len, uint64_t spi_i, uint64_t spi_r,
                       struct ike_sa_keys *keys)
{
    if (old_sk_d != NULL)
        return ike_derive_rekeyed_sa_keys(prf, old_sk_d, lens->prf, prf, lens, ni, ni_len, nr,
                                          nr_len, gir, gir_len, spi_i, spi_r, keys);
    if (!lens_ok(prf, lens, ni_len, nr_len))
        return ike_prf_len(prf) == 0 ? -ENOTSUP : -EINVAL;
    uint8_t skeyseed[IKE_PRF_MAX_LEN];
    uint8_t nonces[2 * 256];
    memcpy(nonces, ni, ni_len);
    memcpy(nonces + ni_len, nr, nr_len);
    const struct ike_iov d[] = {{gir, gir_len}};
    int rc = ike_prf(prf, nonces, ni_len + nr_len, d, 1, skeyseed);
    if (rc == 0)
        rc = expand_sa_keys(prf, lens, skeyseed, ike_prf_len(prf), ni, ni_len, nr, nr_len, spi_i,
                            spi_r, keys);
    OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
    return rc;
}

int ike_derive_rekeyed_sa_keys(uint16_t old_prf, const uint8_t *old_sk_d, size_t old_sk_d_len,
                               uint16_t prf, const struct ike_key_lens *lens, const uint8_t *ni,
                               size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t *gir,
                               size_t gir_len, uint64_t spi_i, uint64_t spi_r,
                               struct ike_sa_keys *keys)
{
    if (!lens_ok(prf, lens, ni_len, nr_len) || ike_prf_len(old_prf) == 0)
        return ike_prf_len(prf) == 0 || ike_prf_len(old_prf) == 0 ? -ENOTSUP : -EINVAL;
    /* SKEYSEED belongs to the old SA's exchange, so the old PRF makes it (2.18). */
    uint8_t skeyseed[IKE_PRF_MAX_LEN];
    const struct ike_iov d[] = {{gir, gir_len}, {ni, ni_len}, {nr, nr_len}};
    int rc = ike_prf(old_prf, old_sk_d, old_sk_d_len, d, 3, skeyseed);
    /* The new PRF keys prf+ with an SKEYSEED of the old PRF's length: HMAC takes any. */
    if (rc == 0)
        rc = expand_sa_keys(prf, lens, skeyseed, ike_prf_len(old_prf), ni, ni_len, nr, nr_len,
                            spi_i, spi_r, keys);
    OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
    return rc;
}

int ike_derive_child_keymat(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
                            size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                            size_t nr_len, uint8_t *out, size_t out_len)
{
    struct ike_iov seed[3];
    unsigned n = 0;
    if (gir != NULL)
        seed[n++] = (struct ike_iov){gir, gir_len};
    seed[n++] = (struct ike_iov){ni, ni_len};
    seed[n++] = (struct ike_iov){nr, nr_len};
    return ike_prf_plus(prf, sk_d, sk_d_len, seed, n, out, out_len);
}

void ike_sa_keys_wipe(struct ike_sa_keys *keys)
{
    OPENSSL_cleanse(keys, sizeof(*keys));
}
