/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proposals the IKE tests and benches configure when the algorithms are
 * not what they measure: without lib/ike's conf layer, so that a program
 * without cmocka or the mock backend can take them too.
 */
#ifndef VEER_TEST_GCM_PROPOSALS_H
#define VEER_TEST_GCM_PROPOSALS_H

#include <stdint.h>

#include "ike.h"

/*
 * Gives p one IKE proposal (AES-GCM-16 of key_bits, PRF-HMAC-SHA2-256,
 * Curve25519) and one ESP proposal (AES-GCM-16 of key_bits, no ESN).
 */
void gcm_proposals(struct ike_peer_cfg *p, uint16_t key_bits);

#endif
