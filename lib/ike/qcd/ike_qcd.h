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

/*
 * What a taker keeps of a token: its SHA-256 digest (32 bytes whatever the
 * token's length, so a million SAs do not each hold 128 bytes). 0, or
 * -EINVAL for a token outside 16 to 128 octets.
 */
#define IKE_QCD_DIGEST_LEN 32
int ike_qcd_digest(const uint8_t *token, size_t len, uint8_t out[IKE_QCD_DIGEST_LEN]);
/* Does `token` have this digest? Constant time; false outside 16 to 128 octets. */
bool ike_qcd_digest_matches(const uint8_t kept[IKE_QCD_DIGEST_LEN], const uint8_t *token,
                            size_t len);

/*
 * The maker's secrets. During a rotation the previous secret still answers:
 * a reply then carries two tokens, so takers holding a token made before the
 * rotation recognise theirs. The owner clears has_prev when the rotation
 * period ends.
 */
struct ike_qcd_keys {
    uint8_t cur[IKE_QCD_SECRET_LEN];
    uint8_t prev[IKE_QCD_SECRET_LEN];
    bool has_prev;
};

/* HDR, N(INVALID_IKE_SPI), N(QUICK_CRASH_DETECTION, token): the smallest reply. */
#define IKE_QCD_NOTIFY_LEN (4 + 4 + IKE_QCD_TOKEN_LEN)
#define IKE_QCD_REPLY_LEN (28 + 8 + IKE_QCD_NOTIFY_LEN)

/* Why a message got no reply from the maker after a restart (one counter each). */
#define IKE_QCD_NO_REPLY_LIST(X)                                                                   \
    X(MALFORMED)   /* not an IKEv2 header, or lengths that do not add up */                        \
    X(RESPONSE)    /* responses are never answered (RFC 7296 2.21.4) */                            \
    X(SA_INIT)     /* IKE_SA_INIT, or no responder SPI yet: no IKE SA to have lost */              \
    X(UNPROTECTED) /* no SK or SKF: a message anyone could send */                                 \
    X(TOO_LARGE)   /* the reply would be larger than the request (amplification) */

#define IKE_X_QCD_NR(n) IKE_QCD_NR_##n,
enum ike_qcd_no_reply { IKE_QCD_NR_NONE, IKE_QCD_NO_REPLY_LIST(IKE_X_QCD_NR) IKE_QCD_NR__COUNT };
#undef IKE_X_QCD_NR

const char *ike_qcd_no_reply_name(enum ike_qcd_no_reply why);

/*
 * The maker's stateless answer to an IKE message `msg` (after any non-ESP
 * marker) for an IKE SA it does not know (RFC 6290 4.2, RFC 7296 2.21.4):
 * unprotected, the request's SPIs, exchange type and message ID, the
 * Response flag, the Initiator flag of the other side than the sender's,
 * N(INVALID_IKE_SPI) and N(QUICK_CRASH_DETECTION) with the token of those
 * SPIs (and a second one under the previous secret when it fits). Only a
 * request that carries SK or SKF and is not IKE_SA_INIT is answered, and
 * never with more bytes than it had. Returns the reply's length, or -1 with
 * *why set; `out` may not overlap `msg`.
 */
long ike_qcd_reply(const struct ike_qcd_keys *keys, const uint8_t *msg, size_t len, uint8_t *out,
                   size_t out_cap, enum ike_qcd_no_reply *why);

#endif
