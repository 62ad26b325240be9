/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenSSL 3 algorithm objects fetched once per process. Fetching by name
 * takes locks and walks the provider tables on every call; an IKE SA needs a
 * few dozen PRF and cipher calls, so doing it per call cost more than the
 * cryptography. The objects are immutable after the first call (pthread_once)
 * and shared read-only by every thread.
 */
#ifndef VEER_IKE_OSSL_H
#define VEER_IKE_OSSL_H

#include <openssl/evp.h>
#include <stdint.h>

/* "AES-128-GCM", "AES-256-CBC", ...: the cipher, or NULL when unknown. */
const EVP_CIPHER *ike_ossl_cipher(const char *name);
/* "SHA1" (NAT detection hashes): the digest, or NULL when unknown. */
const EVP_MD *ike_ossl_digest(const char *name);
/* An HMAC context already set to the digest of `prf` (no key yet): duplicate it. */
const EVP_MAC_CTX *ike_ossl_hmac(uint16_t prf);

#endif
