/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP-MD5 (RFC 3748 5.4): the challenge is the CHAP one of RFC 1994 4.1,
 * response = MD5(Identifier | secret | challenge).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "ike_eap.h"

#define EAP_HDR_LEN 4

const char *ike_eap_reject_name(enum ike_eap_reject r)
{
    static const char *const names[] = {"ok",
                                        "wrong secret",
                                        "unknown user",
                                        "wrong identifier",
                                        "wrong type",
                                        "bad length or code",
                                        "Nak: the peer refuses the method",
                                        "too many rounds",
                                        "wrong MS-CHAPv2 op-code",
                                        "MS-CHAPv2 Name is not the IKE identity",
                                        "MD4 or DES unavailable"};
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

static void put_hdr(uint8_t *out, uint8_t code, uint8_t identifier, size_t len)
{
    out[0] = code;
    out[1] = identifier;
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
}

/* MD5(identifier | secret | challenge) into out; false when libcrypto fails. */
static bool md5_value(uint8_t identifier, const uint8_t *secret, size_t secret_len,
                      const uint8_t *challenge, size_t challenge_len, uint8_t *out)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned n = 0;
    bool ok = c != NULL && EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1 &&
              EVP_DigestUpdate(c, &identifier, 1) == 1 &&
              EVP_DigestUpdate(c, secret, secret_len) == 1 &&
              EVP_DigestUpdate(c, challenge, challenge_len) == 1 &&
              EVP_DigestFinal_ex(c, out, &n) == 1 && n == IKE_EAP_MD5_VALUE_LEN;
    EVP_MD_CTX_free(c);
    return ok;
}

static size_t md5_request(struct ike_eap_server *s, uint8_t identifier, const uint8_t rnd[16],
                          uint8_t *out)
{
    s->identifier = identifier;
    memcpy(s->challenge, rnd, IKE_EAP_MD5_CHALLENGE_LEN);
    s->rounds++;
    put_hdr(out, IKE_EAP_CODE_REQUEST, identifier, IKE_EAP_MD5_MSG_LEN);
    out[4] = IKE_EAP_TYPE_MD5;
    out[5] = IKE_EAP_MD5_CHALLENGE_LEN;
    memcpy(out + 6, s->challenge, IKE_EAP_MD5_CHALLENGE_LEN);
    return IKE_EAP_MD5_MSG_LEN;
}

size_t ike_eap_server_start(struct ike_eap_server *s, const uint8_t rnd[1 + 16], uint8_t *out)
{
    memset(s, 0, sizeof(*s));
    return md5_request(s, rnd[0], rnd + 1, out);
}

/* Why a response cannot be checked at all (IKE_EAP_OK: it can). */
static enum ike_eap_reject response_problem(const struct ike_eap_server *s, const uint8_t *msg,
                                            size_t len)
{
    if (len < EAP_HDR_LEN + 1 || msg[0] != IKE_EAP_CODE_RESPONSE ||
        ((size_t)msg[2] << 8 | msg[3]) != len)
        return IKE_EAP_BAD_LENGTH;
    if (msg[1] != s->identifier)
        return IKE_EAP_BAD_IDENTIFIER;
    if (msg[4] == IKE_EAP_TYPE_NAK)
        return IKE_EAP_NAK;
    if (msg[4] != IKE_EAP_TYPE_MD5)
        return IKE_EAP_BAD_TYPE;
    /* Value-Size must be a digest and fit; a Name may follow (RFC 1994 4.1). */
    if (len < IKE_EAP_MD5_MSG_LEN || msg[5] != IKE_EAP_MD5_VALUE_LEN)
        return IKE_EAP_BAD_LENGTH;
    return IKE_EAP_OK;
}

static enum ike_eap_step finish(uint8_t code, uint8_t identifier, uint8_t *out, size_t *out_len)
{
    put_hdr(out, code, identifier, EAP_HDR_LEN);
    *out_len = EAP_HDR_LEN;
    return code == IKE_EAP_CODE_SUCCESS ? IKE_EAP_STEP_SUCCESS : IKE_EAP_STEP_FAILURE;
}

enum ike_eap_step ike_eap_server_input(struct ike_eap_server *s, const uint8_t *msg, size_t len,
                                       const uint8_t *secret, size_t secret_len,
                                       const uint8_t rnd[16], uint8_t *out, size_t *out_len,
                                       enum ike_eap_reject *why)
{
    *why = response_problem(s, msg, len);
    if (*why == IKE_EAP_NAK)
        return finish(IKE_EAP_CODE_FAILURE, s->identifier, out, out_len);
    if (*why != IKE_EAP_OK) {
        /* IKE needs an answer to every request: ask again with a fresh challenge, a few times. */
        if (s->rounds >= IKE_EAP_MAX_ROUNDS) {
            *why = IKE_EAP_TOO_MANY_ROUNDS;
            return finish(IKE_EAP_CODE_FAILURE, s->identifier, out, out_len);
        }
        *out_len = md5_request(s, (uint8_t)(s->identifier + 1), rnd, out);
        return IKE_EAP_STEP_REQUEST;
    }
    uint8_t expect[IKE_EAP_MD5_VALUE_LEN];
    if (secret == NULL) {
        *why = IKE_EAP_UNKNOWN_USER;
        return finish(IKE_EAP_CODE_FAILURE, s->identifier, out, out_len);
    }
    if (!md5_value(s->identifier, secret, secret_len, s->challenge, sizeof(s->challenge), expect) ||
        CRYPTO_memcmp(expect, msg + 6, sizeof(expect)) != 0) {
        *why = IKE_EAP_WRONG_SECRET;
        return finish(IKE_EAP_CODE_FAILURE, s->identifier, out, out_len);
    }
    return finish(IKE_EAP_CODE_SUCCESS, s->identifier, out, out_len);
}

long ike_eap_peer_respond(const uint8_t *req, size_t len, const uint8_t *identity,
                          size_t identity_len, const uint8_t *secret, size_t secret_len,
                          uint8_t *out, size_t out_cap)
{
    if (len < EAP_HDR_LEN + 1 || req[0] != IKE_EAP_CODE_REQUEST ||
        ((size_t)req[2] << 8 | req[3]) != len || out_cap < IKE_EAP_MD5_MSG_LEN)
        return -1;
    uint8_t identifier = req[1];
    switch (req[4]) {
    case IKE_EAP_TYPE_IDENTITY:
        if (out_cap < EAP_HDR_LEN + 1 + identity_len)
            return -1;
        put_hdr(out, IKE_EAP_CODE_RESPONSE, identifier, EAP_HDR_LEN + 1 + identity_len);
        out[4] = IKE_EAP_TYPE_IDENTITY;
        memcpy(out + 5, identity, identity_len);
        return (long)(EAP_HDR_LEN + 1 + identity_len);
    case IKE_EAP_TYPE_MD5:
        /* Value-Size counts the challenge, which must fit the message (a Name may follow). */
        if (len < 6 || req[5] == 0 || 6u + req[5] > len)
            return -1;
        put_hdr(out, IKE_EAP_CODE_RESPONSE, identifier, IKE_EAP_MD5_MSG_LEN);
        out[4] = IKE_EAP_TYPE_MD5;
        out[5] = IKE_EAP_MD5_VALUE_LEN;
        if (!md5_value(identifier, secret, secret_len, req + 6, req[5], out + 6))
            return -1;
        return IKE_EAP_MD5_MSG_LEN;
    default:
        /* Legacy Nak (RFC 3748 5.3.1): the only method we do is MD5. */
        put_hdr(out, IKE_EAP_CODE_RESPONSE, identifier, EAP_HDR_LEN + 2);
        out[4] = IKE_EAP_TYPE_NAK;
        out[5] = IKE_EAP_TYPE_MD5;
        return EAP_HDR_LEN + 2;
    }
}
