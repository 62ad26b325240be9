/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP (RFC 3748) with the MD5-Challenge method (RFC 3748 5.4, RFC 1994 4.1),
 * both ends, as plain functions on byte strings: no IKE in here, so the
 * machine is tested and fuzzed on its own (tests/unit/test_eap.c,
 * tests/fuzz/fuzz_eap.c). ike_auth_eap.c carries the messages in IKE_AUTH.
 *
 * EAP-MD5 derives no key (no MSK), so the AUTH payloads after it use SK_pi
 * and SK_pr as the shared secret (RFC 7296 2.16).
 */
#ifndef VEER_IKE_EAP_H
#define VEER_IKE_EAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_EAP_CODE_REQUEST 1
#define IKE_EAP_CODE_RESPONSE 2
#define IKE_EAP_CODE_SUCCESS 3
#define IKE_EAP_CODE_FAILURE 4

#define IKE_EAP_TYPE_IDENTITY 1
#define IKE_EAP_TYPE_NAK 3
#define IKE_EAP_TYPE_MD5 4

#define IKE_EAP_MD5_CHALLENGE_LEN 16
#define IKE_EAP_MD5_VALUE_LEN 16 /* an MD5 digest */
/* Code, Identifier, Length, Type, Value-Size, Value: the whole MD5 request or response. */
#define IKE_EAP_MD5_MSG_LEN (4 + 1 + 1 + 16)
/* Largest EAP message either end builds here. */
#define IKE_EAP_MSG_MAX 300

/*
 * Requests the authenticator sends in one conversation: a response it cannot
 * use (wrong identifier, type or length) gets a fresh challenge until this
 * many were sent, then EAP-Failure. A wrong secret fails at once.
 */
#define IKE_EAP_MAX_ROUNDS 3

/* Why the authenticator refused a response (each has a counter, see ike.h). */
enum ike_eap_reject {
    IKE_EAP_OK,
    IKE_EAP_WRONG_SECRET,
    IKE_EAP_UNKNOWN_USER,
    IKE_EAP_BAD_IDENTIFIER,
    IKE_EAP_BAD_TYPE,
    IKE_EAP_BAD_LENGTH, /* also a code other than Response */
    IKE_EAP_NAK,
    IKE_EAP_TOO_MANY_ROUNDS,
    IKE_EAP_BAD_OPCODE,    /* MSCHAPv2: an op-code other than the one awaited */
    IKE_EAP_NAME_MISMATCH, /* MSCHAPv2: the Response's Name is not the IDi */
    IKE_EAP_CRYPTO_FAILED, /* MSCHAPv2: MD4 or DES unavailable (no legacy provider) */
};

const char *ike_eap_reject_name(enum ike_eap_reject r);

/* What the authenticator answers with (the message is in `out`). */
enum ike_eap_step {
    IKE_EAP_STEP_REQUEST, /* a new challenge: the response was unusable (see *why) */
    IKE_EAP_STEP_SUCCESS, /* EAP-Success */
    IKE_EAP_STEP_FAILURE, /* EAP-Failure (see *why) */
};

/* The authenticator (server) side of one conversation. */
struct ike_eap_server {
    uint8_t identifier; /* of the request outstanding */
    uint8_t challenge[IKE_EAP_MD5_CHALLENGE_LEN];
    unsigned rounds; /* requests sent */
};

/*
 * Begins a conversation: `rnd` (from a CSPRNG) gives the identifier and the
 * challenge. Writes the MD5-Challenge request into out; returns its length.
 */
size_t ike_eap_server_start(struct ike_eap_server *s, const uint8_t rnd[1 + 16], uint8_t *out);

/*
 * Takes the peer's EAP message (`msg`, `len`: the whole EAP packet) and the
 * user's secret (NULL: unknown user; the response is then refused like a
 * wrong one). Writes the answer into out (at least IKE_EAP_MSG_MAX bytes),
 * its length into *out_len, and the reason of a refusal into *why. `rnd`
 * gives the next challenge when one is needed.
 */
enum ike_eap_step ike_eap_server_input(struct ike_eap_server *s, const uint8_t *msg, size_t len,
                                       const uint8_t *secret, size_t secret_len,
                                       const uint8_t rnd[16], uint8_t *out, size_t *out_len,
                                       enum ike_eap_reject *why);

/*
 * The peer (client) side: the answer to an EAP Request -- the MD5 response,
 * our identity to an Identity request, a Nak proposing MD5 to anything else.
 * Returns its length, or -1 when `req` is no well-formed request.
 */
long ike_eap_peer_respond(const uint8_t *req, size_t len, const uint8_t *identity,
                          size_t identity_len, const uint8_t *secret, size_t secret_len,
                          uint8_t *out, size_t out_cap);

#endif
