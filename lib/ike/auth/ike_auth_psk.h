/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared-key authentication (RFC 7296 2.15):
 *   AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>)
 *   SignedOctets = RealMessage | Nonce of the peer | prf(SK_p, ID payload body)
 */
#ifndef VEER_IKE_AUTH_PSK_H
#define VEER_IKE_AUTH_PSK_H

#include <stddef.h>
#include <stdint.h>

#include "ike_keymat.h"

/*
 * Computes the AUTH data for one side: `message` is the IKE_SA_INIT message
 * that side sent, `peer_nonce` the other side's nonce, `sk_p` that side's
 * SK_pi/SK_pr and `id_body` its ID payload body (type, reserved, data).
 * Writes ike_prf_len(prf) bytes.
 */
int ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len, const uint8_t *message,
                 size_t message_len, const uint8_t *peer_nonce, size_t peer_nonce_len,
                 const uint8_t *sk_p, size_t sk_p_len, const uint8_t *id_body, size_t id_len,
                 uint8_t *out);

#endif
