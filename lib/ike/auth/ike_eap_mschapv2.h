/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2, EAP type 26) with the
 * MS-CHAPv2 computations of RFC 2759 and the MPPE keys of RFC 3079, both
 * ends, as plain functions on byte strings (tests/unit/test_eap_mschapv2.c,
 * tests/fuzz/fuzz_eap_mschapv2.c). ike_auth_eap.c carries the messages.
 *
 *   authenticator                       peer
 *   Challenge-Request (16 bytes, Name)  ->
 *                                       <- Response (Peer-Challenge, NT-Response, Name)
 *   Success-Request "S=<hex> M=..."     ->  (right password)
 *                                       <- Success-Response
 *   EAP-Success                         ->
 * or, with a wrong password:
 *   Failure-Request "E=691 R=0 ..."     ->
 *                                       <- Failure-Response (or anything)
 *   EAP-Failure                         ->
 *
 * Unlike EAP-MD5 it derives an MSK: the AUTH payloads after it are keyed
 * with the MSK (RFC 7296 2.16). MD4 and single DES come from OpenSSL's
 * legacy provider, loaded into a library context of this file's own.
 */
#ifndef VEER_IKE_EAP_MSCHAPV2_H
#define VEER_IKE_EAP_MSCHAPV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_eap.h"

#define IKE_EAP_TYPE_MSCHAPV2 26

#define IKE_MSCHAPV2_OP_CHALLENGE 1
#define IKE_MSCHAPV2_OP_RESPONSE 2
#define IKE_MSCHAPV2_OP_SUCCESS 3
#define IKE_MSCHAPV2_OP_FAILURE 4

#define IKE_MSCHAPV2_CHALLENGE_LEN 16
#define IKE_MSCHAPV2_NT_RESPONSE_LEN 24
#define IKE_MSCHAPV2_HASH_LEN 16      /* NtPasswordHash, an MD4 digest */
#define IKE_MSCHAPV2_AUTH_RESP_LEN 20 /* AuthenticatorResponse, a SHA-1 digest */
/*
 * MSK = MasterReceiveKey | MasterSendKey (16 bytes each, the authenticator's
 * view, RFC 3079 3.4) and 32 zero bytes: 64 bytes, as strongSwan's
 * eap-mschapv2 plugin makes it.
 */
#define IKE_MSCHAPV2_MSK_LEN 64
/* The Name of our Challenge-Request. */
#define IKE_MSCHAPV2_SERVER_NAME "veer"

/* RFC 2759 8.3: MD4 of the password in UTF-16LE (each byte zero-extended, as strongSwan). */
bool ike_mschapv2_nt_hash(const uint8_t *password, size_t len, uint8_t out[IKE_MSCHAPV2_HASH_LEN]);
/* RFC 2759 8.2: SHA1(PeerChallenge | AuthChallenge | UserName)[0..8]; UserName without domain. */
bool ike_mschapv2_challenge_hash(const uint8_t peer[16], const uint8_t auth[16],
                                 const uint8_t *user, size_t user_len, uint8_t out[8]);
/* RFC 2759 8.5: three DES encryptions of the challenge hash under the zero-padded hash. */
bool ike_mschapv2_challenge_response(const uint8_t challenge_hash[8],
                                     const uint8_t hash[IKE_MSCHAPV2_HASH_LEN],
                                     uint8_t out[IKE_MSCHAPV2_NT_RESPONSE_LEN]);
/* RFC 2759 8.7: the 20 bytes the "S=" of Success-Request shows in hex. */
bool ike_mschapv2_auth_response(const uint8_t hash[IKE_MSCHAPV2_HASH_LEN],
                                const uint8_t nt_response[IKE_MSCHAPV2_NT_RESPONSE_LEN],
                                const uint8_t challenge_hash[8],
                                uint8_t out[IKE_MSCHAPV2_AUTH_RESP_LEN]);
/*
 * RFC 3079 3.4: MasterKey from the hash of the hash and the NT-Response,
 * then the authenticator's receive and send start keys (16 bytes each).
 */
bool ike_mschapv2_master_key(const uint8_t hash[IKE_MSCHAPV2_HASH_LEN],
                             const uint8_t nt_response[IKE_MSCHAPV2_NT_RESPONSE_LEN],
                             uint8_t out[16]);
bool ike_mschapv2_start_key(const uint8_t master[16], bool send, bool server, uint8_t out[16]);
/* The 64-byte MSK from the NtPasswordHash and the NT-Response. */
bool ike_mschapv2_msk(const uint8_t hash[IKE_MSCHAPV2_HASH_LEN],
                      const uint8_t nt_response[IKE_MSCHAPV2_NT_RESPONSE_LEN],
                      uint8_t out[IKE_MSCHAPV2_MSK_LEN]);

enum ike_mschapv2_phase {
    IKE_MSCHAPV2_WAIT_RESPONSE,         /* our Challenge-Request is out */
    IKE_MSCHAPV2_WAIT_SUCCESS_RESPONSE, /* our Success-Request is out */
    IKE_MSCHAPV2_WAIT_FAILURE_RESPONSE, /* our Failure-Request is out */
    IKE_MSCHAPV2_DONE,
};

/* The authenticator (server) side of one conversation. */
struct ike_mschapv2_server {
    uint8_t identifier; /* EAP Identifier of the request outstanding */
    uint8_t ms_id;      /* MS-CHAPv2-ID */
    uint8_t phase;      /* enum ike_mschapv2_phase */
    uint8_t challenge[IKE_MSCHAPV2_CHALLENGE_LEN];
    uint8_t msk[IKE_MSCHAPV2_MSK_LEN]; /* valid once EAP-Success was answered */
    bool has_msk;
};

/* Begins: `rnd` gives the identifier and the challenge; writes the Challenge-Request. */
size_t ike_mschapv2_server_start(struct ike_mschapv2_server *s, const uint8_t rnd[1 + 16],
                                 uint8_t *out);

/*
 * Takes the peer's EAP message. `user` is the identity the secret belongs to
 * (the Name of the Response must be it); `secret` NULL: unknown user.
 * IKE_EAP_STEP_REQUEST: a Success- or Failure-Request (*why says which: OK
 * or WRONG_SECRET/UNKNOWN_USER). Anything unusable ends the conversation with
 * EAP-Failure and a reason. `out` holds at least IKE_EAP_MSG_MAX bytes.
 */
enum ike_eap_step ike_mschapv2_server_input(struct ike_mschapv2_server *s, const uint8_t *msg,
                                            size_t len, const uint8_t *user, size_t user_len,
                                            const uint8_t *secret, size_t secret_len, uint8_t *out,
                                            size_t *out_len, enum ike_eap_reject *why);

/* The peer (client) side of one conversation. */
struct ike_mschapv2_peer {
    uint8_t auth_response[IKE_MSCHAPV2_AUTH_RESP_LEN]; /* what Success-Request must show */
    uint8_t msk[IKE_MSCHAPV2_MSK_LEN];
    bool responded; /* our Response is out */
    bool has_msk;   /* the authenticator proved it knows the password */
};

/*
 * Answers an EAP Request: our identity to Identity, the Response to a
 * Challenge (`rnd`: the Peer-Challenge), Success-Response to a Success-Request
 * whose S= verifies (then has_msk), Failure-Response to a Failure-Request, a
 * Nak proposing MSCHAPv2 to another method. Returns the length, or -1 when
 * the request is malformed or the authenticator's S= is wrong.
 */
long ike_mschapv2_peer_respond(struct ike_mschapv2_peer *p, const uint8_t *req, size_t len,
                               const uint8_t *identity, size_t identity_len, const uint8_t *secret,
                               size_t secret_len, const uint8_t rnd[16], uint8_t *out,
                               size_t out_cap);

#endif
