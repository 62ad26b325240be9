/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Protection of the SK/SKF payload (RFC 7296 3.14, RFC 5282, RFC 7383 2.5):
 * AES-GCM with 8/12/16-byte ICVs, or AES-CBC with HMAC-SHA1/SHA2 integrity.
 * Messages are sealed and opened in place.
 */
#ifndef VEER_IKE_SK_CRYPTO_H
#define VEER_IKE_SK_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_payload.h"

struct ike_sk_suite {
    uint16_t encr;     /* IKE_ENCR_AES_GCM_16, IKE_ENCR_AES_CBC, ... */
    uint16_t key_bits; /* 128, 192 or 256 */
    uint16_t integ;    /* IKE_INTEG_NONE for AEAD */
    bool aead;
    size_t encr_key_len;  /* SK_e length: AES key, plus 4 bytes of salt for GCM */
    size_t integ_key_len; /* SK_a length, 0 for AEAD */
    size_t iv_len;
    size_t icv_len;
    size_t block_size; /* padding unit */
};

/* Fills `s` for a negotiated transform set; -ENOTSUP when not supported. */
int ike_sk_suite_init(struct ike_sk_suite *s, uint16_t encr, uint16_t key_bits, uint16_t integ);

/*
 * Encrypts msg[plain_off .. plain_off + plain_len) in place and writes the ICV
 * that follows it. The IV (iv_len bytes before plain_off) must already hold
 * fresh random bytes and every length field in the message must be final,
 * since they are authenticated. `msg` starts at the IKE header.
 */
int ike_sk_seal(const struct ike_sk_suite *s, const uint8_t *encr_key, const uint8_t *integ_key,
                uint8_t *msg, size_t msg_len, size_t plain_off, size_t plain_len);

/*
 * Verifies the ICV of a decoded SK/SKF payload of `msg` and decrypts its
 * ciphertext in place. Returns the plaintext length (padding and pad length
 * byte included; see ike_sk_unpad()) or -EBADMSG when authentication fails.
 */
long ike_sk_open(const struct ike_sk_suite *s, const uint8_t *encr_key, const uint8_t *integ_key,
                 uint8_t *msg, size_t msg_len, const struct ike_sk_payload *sk);

#endif
