/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_ossl.h"

#include <openssl/core_names.h>
#include <pthread.h>
#include <string.h>

#include "ike_consts.h"

static const char *const cipher_names[] = {"AES-128-GCM", "AES-192-GCM", "AES-256-GCM",
                                           "AES-128-CBC", "AES-192-CBC", "AES-256-CBC"};
#define NCIPHERS (sizeof(cipher_names) / sizeof(cipher_names[0]))

static const struct {
    uint16_t prf;
    const char *digest;
} prfs[] = {{IKE_PRF_HMAC_SHA1, "SHA1"},
            {IKE_PRF_HMAC_SHA2_256, "SHA2-256"},
            {IKE_PRF_HMAC_SHA2_384, "SHA2-384"},
            {IKE_PRF_HMAC_SHA2_512, "SHA2-512"}};
#define NPRFS (sizeof(prfs) / sizeof(prfs[0]))

static const char *const digest_names[] = {"SHA1"};
#define NDIGESTS (sizeof(digest_names) / sizeof(digest_names[0]))

/* Written once, by fetch_all() under pthread_once, and only read afterwards. */
static struct {
    EVP_CIPHER *cipher[NCIPHERS];
    EVP_MAC_CTX *hmac[NPRFS];
    EVP_MD *digest[NDIGESTS];
} cache;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
    for (size_t i = 0; i < NCIPHERS; i++)
        cache.cipher[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
    for (size_t i = 0; i < NDIGESTS; i++)
        cache.digest[i] = EVP_MD_fetch(NULL, digest_names[i], NULL);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    for (size_t i = 0; mac != NULL && i < NPRFS; i++) {
        EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)prfs[i].digest, 0),
            OSSL_PARAM_construct_end(),
        };
        if (ctx != NULL && EVP_MAC_CTX_set_params(ctx, params) != 1) {
            EVP_MAC_CTX_free(ctx);
            ctx = NULL;
        }
        cache.hmac[i] = ctx;
    }
    EVP_MAC_free(mac); /* the contexts hold their own references */
}

const EVP_CIPHER *ike_ossl_cipher(const char *name)
{
    pthread_once(&once, fetch_all);
    for (size_t i = 0; i < NCIPHERS; i++) {
        if (strcmp(cipher_names[i], name) == 0)
            return cache.cipher[i];
    }
    return NULL;
}

const EVP_MAC_CTX *ike_ossl_hmac(uint16_t prf)
{
    pthread_once(&once, fetch_all);
    for (size_t i = 0; i < NPRFS; i++) {
        if (prfs[i].prf == prf)
            return cache.hmac[i];
    }
    return NULL;
}

const EVP_MD *ike_ossl_digest(const char *name)
{
    pthread_once(&once, fetch_all);
    for (size_t i = 0; i < NDIGESTS; i++) {
        if (strcmp(digest_names[i], name) == 0)
            return cache.digest[i];
    }
    return NULL;
}
