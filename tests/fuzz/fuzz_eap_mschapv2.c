/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAP-MSCHAPv2 machine (eap_mschapv2.c), both ends, on whatever a peer
 * may send. Input: 17 bytes of "randomness" (identifier and challenge), then
 * messages each preceded by a length byte; length 0 stands for the honest
 * peer's answer to the authenticator's last request (so the fuzzer reaches
 * Success-Request and Success-Response), anything else is sent as it is, to
 * the authenticator and to the peer side as if it were a request. Oracles:
 * every answer is a well-formed EAP message of at most IKE_EAP_MSG_MAX
 * bytes; EAP-Success only after a Success-Request (which needs the right
 * NT-Response) and then with the MSK; at most three answers; a refusal always
 * has a reason, except the EAP-Failure after a Failure-Request.
 */
#include "fuzz_common.h"
#include "ike_eap_mschapv2.h"
#include "ike_msg.h"

static const uint8_t user[] = "alice.example";
static const uint8_t secret[] = "fuzz-secret";
#define USER_LEN 13
#define SECRET_LEN 11

static void check_eap(const uint8_t *msg, size_t len, uint8_t want_code)
{
    FUZZ_CHECK(len >= 4 && len <= IKE_EAP_MSG_MAX);
    struct ike_pl pl = ike_pl_from_body(IKE_PL_EAP, msg, (uint16_t)len);
    struct ike_eap_payload eap;
    FUZZ_CHECK(ike_eap_decode(&pl, &eap, NULL) == 0);
    FUZZ_CHECK(want_code == 0 || eap.code == want_code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 17)
        return 0;
    struct ike_mschapv2_server s;
    struct ike_mschapv2_peer honest = {0}, p = {0};
    uint8_t out[IKE_EAP_MSG_MAX], resp[IKE_EAP_MSG_MAX], mine[IKE_EAP_MSG_MAX];
    size_t out_len = ike_mschapv2_server_start(&s, data, out);
    check_eap(out, out_len, IKE_EAP_CODE_REQUEST);
    bool over = false, success_sent = false, failure_sent = false;
    unsigned answers = 0;
    for (size_t off = 17; off < size;) {
        size_t len = data[off++];
        if (len > size - off)
            len = size - off;
        const uint8_t *msg = data + off;
        off += len;
        if (len == 0) {
            if (over)
                continue;
            long n = ike_mschapv2_peer_respond(&honest, out, out_len, user, USER_LEN, secret,
                                               SECRET_LEN, data + 1, mine, sizeof(mine));
            if (n < 0)
                continue;
            msg = mine;
            len = (size_t)n;
        } else {
            /* The peer side: a request of any shape gets a well-formed response or -1. */
            long n = ike_mschapv2_peer_respond(&p, msg, len, user, USER_LEN, secret, SECRET_LEN,
                                               data + 1, resp, sizeof(resp));
            FUZZ_CHECK(n == -1 || (n > 0 && (size_t)n <= sizeof(resp)));
            if (n > 0)
                check_eap(resp, (size_t)n, IKE_EAP_CODE_RESPONSE);
        }
        if (over)
            continue;
        enum ike_eap_reject why = IKE_EAP_OK;
        enum ike_eap_step step = ike_mschapv2_server_input(&s, msg, len, user, USER_LEN, secret,
                                                           SECRET_LEN, out, &out_len, &why);
        FUZZ_CHECK(++answers <= 3);
        switch (step) {
        case IKE_EAP_STEP_REQUEST:
            check_eap(out, out_len, IKE_EAP_CODE_REQUEST);
            FUZZ_CHECK(!success_sent && !failure_sent);
            if (why == IKE_EAP_OK) {
                success_sent = true;
                FUZZ_CHECK(s.has_msk);
            } else {
                failure_sent = true;
                FUZZ_CHECK(why == IKE_EAP_WRONG_SECRET && !s.has_msk);
            }
            break;
        case IKE_EAP_STEP_SUCCESS:
            check_eap(out, out_len, IKE_EAP_CODE_SUCCESS);
            FUZZ_CHECK(why == IKE_EAP_OK && success_sent && s.has_msk);
            over = true;
            break;
        case IKE_EAP_STEP_FAILURE:
            check_eap(out, out_len, IKE_EAP_CODE_FAILURE);
            FUZZ_CHECK(why != IKE_EAP_OK || failure_sent);
            FUZZ_CHECK(!s.has_msk);
            over = true;
            break;
        }
    }
    return 0;
}
