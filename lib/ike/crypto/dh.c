/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_dh.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "ike_consts.h"

enum dh_kind { DH_RAW, DH_EC, DH_MODP };

struct dh_group {
    uint16_t id;
    enum dh_kind kind;
    const char *name; /* OpenSSL algorithm (raw) or group name (EC, MODP) */
    uint16_t public_len;
    uint16_t secret_len;
};

static const struct dh_group groups[] = {
    {IKE_DH_CURVE25519, DH_RAW, "X25519", 32, 32},
    {IKE_DH_CURVE448, DH_RAW, "X448", 56, 56},
    {IKE_DH_ECP_256, DH_EC, "P-256", 64, 32},
    {IKE_DH_ECP_384, DH_EC, "P-384", 96, 48},
    {IKE_DH_ECP_521, DH_EC, "P-521", 132, 66},
    {IKE_DH_MODP_2048, DH_MODP, "modp_2048", 256, 256},
    {IKE_DH_MODP_3072, DH_MODP, "modp_3072", 384, 384},
    {IKE_DH_MODP_4096, DH_MODP, "modp_4096", 512, 512},
};

struct ike_dh_key {
    const struct dh_group *group;
    EVP_PKEY *key;
};

static const struct dh_group *find_group(uint16_t id)
{
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        if (groups[i].id == id)
            return &groups[i];
    }
    return NULL;
}

bool ike_dh_group_supported(uint16_t group)
{
    return find_group(group) != NULL;
}

size_t ike_dh_public_len(uint16_t group)
{
    const struct dh_group *g = find_group(group);
    return g == NULL ? 0 : g->public_len;
}

uint16_t ike_dh_group(const struct ike_dh_key *dh)
{
    return dh->group->id;
}

static EVP_PKEY *generate(const struct dh_group *g)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, g->kind == DH_EC ? "EC" : "DH", NULL);
    EVP_PKEY *key = NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_params(ctx, params) == 1)
        EVP_PKEY_generate(ctx, &key);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

static struct ike_dh_key *wrap(const struct dh_group *g, EVP_PKEY *key)
{
    struct ike_dh_key *dh = key != NULL ? calloc(1, sizeof(*dh)) : NULL;
    if (dh == NULL) {
        EVP_PKEY_free(key);
        return NULL;
    }
    dh->group = g;
    dh->key = key;
    return dh;
}

struct ike_dh_key *ike_dh_from_private(uint16_t group, const uint8_t *priv, size_t len)
{
    const struct dh_group *g = find_group(group);
    if (g == NULL || g->kind != DH_RAW || len != g->secret_len)
        return NULL;
    return wrap(g, EVP_PKEY_new_raw_private_key_ex(NULL, g->name, NULL, priv, len));
}

struct ike_dh_key *ike_dh_new(uint16_t group)
{
    const struct dh_group *g = find_group(group);
    if (g == NULL)
        return NULL;
    if (g->kind != DH_RAW)
        return wrap(g, generate(g));
    /*
     * X25519 and X448 private keys are any string of random bytes (RFC 7748
     * 5: the scalar is clamped where it is used), so random bytes from the
     * private DRBG make the key pair. This skips the keygen context that
     * EVP_PKEY_Q_keygen builds and frees on every call (provider fetch,
     * generation context, parameter parsing); the scalar multiplication that
     * makes the public value is the same.
     */
    uint8_t priv[56];
    if (g->secret_len > sizeof(priv) || RAND_priv_bytes(priv, g->secret_len) != 1)
        return NULL;
    struct ike_dh_key *dh = ike_dh_from_private(group, priv, g->secret_len);
    OPENSSL_cleanse(priv, sizeof(priv));
    return dh;
}

void ike_dh_free(struct ike_dh_key *dh)
{
    if (dh == NULL)
        return;
    EVP_PKEY_free(dh->key);
    free(dh);
}

long ike_dh_public(const struct ike_dh_key *dh, uint8_t *out, size_t cap)
{
    const struct dh_group *g = dh->group;
    if (cap < g->public_len)
        return -ENOSPC;
    size_t n = g->public_len;
    if (g->kind == DH_RAW) {
        if (EVP_PKEY_get_raw_public_key(dh->key, out, &n) != 1 || n != g->public_len)
            return -EIO;
    } else if (g->kind == DH_EC) {
        /* OpenSSL gives 0x04 | x | y; IKE sends x | y (RFC 5903 7). */
        uint8_t point[1 + 2 * 66];
        size_t plen = 0;
        if (EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                            sizeof(point), &plen) != 1 ||
            plen != 1u + g->public_len || point[0] != 0x04)
            return -EIO;
        memcpy(out, point + 1, g->public_len);
    } else {
        BIGNUM *y = NULL;
        int ok = EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y) == 1 &&
                 BN_bn2binpad(y, out, g->public_len) == g->public_len;
        BN_free(y);
        if (!ok)
            return -EIO;
    }
    return (long)g->public_len;
}

/* Builds an EVP_PKEY from the peer's KE data; NULL when it is not a valid public value. */
static EVP_PKEY *peer_key(const struct dh_group *g, const uint8_t *peer, size_t len)
{
    if (g->kind == DH_RAW)
        return EVP_PKEY_new_raw_public_key_ex(NULL, g->name, NULL, peer, len);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *y = NULL;
    uint8_t point[1 + 2 * 66];
    int ok = bld != NULL &&
             OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0) == 1;
    if (ok && g->kind == DH_EC) {
        point[0] = 0x04;
        memcpy(point + 1, peer, len);
        ok = OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len + 1) == 1;
    } else if (ok) {
        y = BN_bin2bn(peer, (int)len, NULL);
        ok = y != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) == 1;
    }
    OSSL_PARAM *params = ok ? OSSL_PARAM_BLD_to_param(bld) : NULL;
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, g->kind == DH_EC ? "EC" : "DH", NULL);
    if (params != NULL && ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    /* Refuse points off the curve and values outside 2..p-2 before using them. */
    if (key != NULL) {
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        if (check == NULL || EVP_PKEY_public_check(check) != 1) {
            EVP_PKEY_free(key);
            key = NULL;
        }
        EVP_PKEY_CTX_free(check);
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(y);
    return key;
}

long ike_dh_shared(struct ike_dh_key *dh, const uint8_t *peer, size_t peer_len, uint8_t *out,
                   size_t cap)
{
    const struct dh_group *g = dh->group;
    if (peer_len != g->public_len)
        return -EINVAL;
    if (cap < g->secret_len)
        return -ENOSPC;
    EVP_PKEY *pk = peer_key(g, peer, peer_len);
    if (pk == NULL)
        return -EINVAL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
    size_t n = g->secret_len;
    /*
     * The peer's key is not validated again by EVP_PKEY_derive_set_peer:
     * peer_key() already ran the public-key check for ECP and MODP, the check
     * is empty for X25519/X448, and their all-zero result (a small-order
     * point) makes EVP_PKEY_derive fail. Validating would build and check
     * another context on every derivation.
     */
    int ok = ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 &&
             (g->kind != DH_MODP || EVP_PKEY_CTX_set_dh_pad(ctx, 1) == 1) &&
             EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) == 1 && EVP_PKEY_derive(ctx, out, &n) == 1 &&
             n == g->secret_len;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return ok ? (long)n : -EINVAL;
}
