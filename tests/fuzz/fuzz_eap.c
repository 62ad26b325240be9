/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAP-MD5 machine (eap_md5.c), both ends, on whatever a peer may send.
 * Input: 17 bytes of "randomness" (first identifier and challenge), then
 * EAP messages each preceded by a length byte. Every message goes to the
 * authenticator until it answers Success or Failure, and to the peer side as
 * if it were a request. Oracles: every answer is a well-formed EAP message
 * (the payload decoder takes it) of at most IKE_EAP_MSG_MAX bytes; a new
 * request only while rounds stay within IKE_EAP_MAX_ROUNDS; Success only
 * for the right MD5 value; a refusal always has a reason.
 */
#include <openssl/evp.h>

#include "fuzz_common.h"
#include "ike_eap.h"
#include "ike_msg.h"

static void check_eap(const uint8_t *msg, size_t len, uint8_t want_code)
{
    FUZZ_CHECK(len >= 4 && len <= IKE_EAP_MSG_MAX);
    struct ike_pl pl = ike_pl_from_body(IKE_PL_EAP, msg, (uint16_t)len);
    struct ike_eap_payload eap;
    FUZZ_CHECK(ike_eap_decode(&pl, &eap, NULL) == 0);
    FUZZ_CHECK(want_code == 0 || eap.code == want_code);
}

/* Whether msg carries MD5(identifier | secret | challenge), computed here on its own. */
static bool right_value(const uint8_t *msg, const uint8_t *secret, size_t secret_len,
                        const uint8_t *challenge)
{
    uint8_t buf[1 + 16 + 16], md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    buf[0] = msg[1];
    memcpy(buf + 1, secret, secret_len);
    memcpy(buf + 1 + secret_len, challenge, 16);
    FUZZ_CHECK(EVP_Digest(buf, 1 + secret_len + 16, md, &n, EVP_md5(), NULL) == 1 && n == 16);
    return memcmp(md, msg + 6, 16) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t secret[] = "fuzz-secret";
    if (size < 17)
        return 0;
    struct ike_eap_server s;
    uint8_t out[IKE_EAP_MSG_MAX], resp[IKE_EAP_MSG_MAX];
    size_t out_len = ike_eap_server_start(&s, data, out);
    check_eap(out, out_len, IKE_EAP_CODE_REQUEST);
    bool over = false;
    for (size_t off = 17; off < size;) {
        size_t len = data[off++];
        if (len > size - off)
            len = size - off;
        const uint8_t *msg = data + off;
        off += len;
        /* The peer side: a request of any shape gets a well-formed response or -1. */
        long n = ike_eap_peer_respond(msg, len, (const uint8_t *)"me", 2, secret, 11, resp,
                                      sizeof(resp));
        FUZZ_CHECK(n == -1 || (n > 0 && (size_t)n <= sizeof(resp)));
        if (n > 0)
            check_eap(resp, (size_t)n, IKE_EAP_CODE_RESPONSE);
        if (over)
            continue;
        /* The authenticator: an answer of the right kind, and a reason whenever it refuses. */
        enum ike_eap_reject why = IKE_EAP_OK;
        unsigned rounds = s.rounds;
        uint8_t challenge[16];
        memcpy(challenge, s.challenge, sizeof(challenge));
        enum ike_eap_step step =
            ike_eap_server_input(&s, msg, len, secret, 11, data + 1, out, &out_len, &why);
        switch (step) {
        case IKE_EAP_STEP_REQUEST:
            check_eap(out, out_len, IKE_EAP_CODE_REQUEST);
            FUZZ_CHECK(why != IKE_EAP_OK && s.rounds == rounds + 1);
            FUZZ_CHECK(s.rounds <= IKE_EAP_MAX_ROUNDS);
            break;
        case IKE_EAP_STEP_SUCCESS:
            check_eap(out, out_len, IKE_EAP_CODE_SUCCESS);
            FUZZ_CHECK(why == IKE_EAP_OK && len >= IKE_EAP_MD5_MSG_LEN);
            FUZZ_CHECK(right_value(msg, secret, 11, challenge));
            over = true;
            break;
        case IKE_EAP_STEP_FAILURE:
            check_eap(out, out_len, IKE_EAP_CODE_FAILURE);
            FUZZ_CHECK(why != IKE_EAP_OK);
            over = true;
            break;
        }
    }
    return 0;
}
