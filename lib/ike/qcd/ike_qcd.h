/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Crash Detection tokens (RFC 6290): a token maker gives its peer a
 * token for each IKE SA inside protected IKE_AUTH (and CREATE_CHILD_SA on an
 * IKE rekey); after a restart it recomputes the token from the SPIs of a
 * message for an IKE SA it no longer knows and sends it back unprotected, so
 * the peer (the token taker) can tell a real restart from a forgery.
 *
 * token = HMAC-SHA-256(QCD secret, SPIi | SPIr), the SPIs as on the wire: it
 * needs no state but the secret, which survives restarts and is shared by a
 * cluster's members (lib/conf/conf_qcd.h reads it).
 */
#ifndef VEER_IKE_QCD_H
#define VEER_IKE_QCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_QCD_SECRET_LEN 32 /* 256 random bits */
#define IKE_QCD_TOKEN_LEN 32  /* HMAC-SHA-256; RFC 6290 allows 16 to 128 octets */
#define IKE_QCD_TOKEN_MIN 16
#define IKE_QCD_TOKEN_MAX 128

/* The token of the IKE SA (spi_i, spi_r) under secret; 0, or -errno when OpenSSL fails. */
int ike_qcd_token(const uint8_t secret[IKE_QCD_SECRET_LEN], uint64_t spi_i, uint64_t spi_r,
                  uint8_t out[IKE_QCD_TOKEN_LEN]);

/*
 * Does a received token equal the one kept for an IKE SA? Constant time in
 * the contents (a taker must not tell a forger how much of a guess was
 * right); tokens of other lengths, or outside 16 to 128 octets, never match.
 */
bool ike_qcd_token_equal(const uint8_t *kept, size_t kept_len, const uint8_t *got, size_t got_len);

#endif
