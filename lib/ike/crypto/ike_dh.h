/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diffie-Hellman for the KE payload (RFC 7296 3.4) through OpenSSL EVP:
 * Curve25519 and Curve448 (RFC 8031), ECP-256/384/521 (RFC 5903) and
 * MODP-2048/3072/4096 (RFC 3526). Public values and shared secrets use the
 * IKE encodings: ECP public values are x | y without a point-format byte and
 * the shared secret is x; MODP values are padded to the modulus length.
 */
#ifndef VEER_IKE_DH_H
#define VEER_IKE_DH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ike_dh_key;

/* Largest public value or shared secret of any supported group (MODP-4096). */
#define IKE_DH_MAX_LEN 512

bool ike_dh_group_supported(uint16_t group);

/* Length of the KE data (public value) of `group`; 0 when not supported. */
size_t ike_dh_public_len(uint16_t group);

/* Generates a key pair; NULL when the group is unsupported or OpenSSL fails. */
struct ike_dh_key *ike_dh_new(uint16_t group);
/*
 * X25519 or X448 key pair from the given private key (32 or 56 bytes, RFC
 * 7748): what ike_dh_new() uses with random bytes, and what tests use with
 * known vectors. NULL for other groups or another length.
 */
struct ike_dh_key *ike_dh_from_private(uint16_t group, const uint8_t *priv, size_t len);
void ike_dh_free(struct ike_dh_key *dh);
uint16_t ike_dh_group(const struct ike_dh_key *dh);

/* Writes our public value (ike_dh_public_len() bytes); returns its length or -ENOSPC. */
long ike_dh_public(const struct ike_dh_key *dh, uint8_t *out, size_t cap);

/*
 * Computes the shared secret with the peer's public value. Returns its length,
 * -EINVAL for a peer value of the wrong length or not on the curve / in the
 * group (including the all-zero X25519 result), -ENOSPC when out is too small.
 */
long ike_dh_shared(struct ike_dh_key *dh, const uint8_t *peer, size_t peer_len, uint8_t *out,
                   size_t cap);

#endif
