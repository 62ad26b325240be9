/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RADIUS reply parser and the Accounting-Response check (lib/ike/radius)
 * on whatever a server, or someone on its path, may send. Input: a flags
 * byte, the 16-byte Request Authenticator, then the datagram. With bit 0 of
 * the flags set, the harness makes the datagram authentic first (Length =
 * its size, Message-Authenticator if there is one, Response Authenticator,
 * all computed here through EVP), so that mutations reach the attributes.
 * Oracles: every refusal has a reason in range; an accepted reply has a
 * reply code, a Response Authenticator that verifies here, a joined EAP
 * message within its bound whose length field matches, at most
 * IKE_RADIUS_CLASS_MAX Class values, an MSK only in an Access-Accept, and a
 * Message-Authenticator whenever there is EAP; a refused one has no MSK.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz_common.h"
#include "ike_radius.h"

static const uint8_t secret[] = "fuzz-radius-secret";
#define SECRET_LEN (sizeof(secret) - 1)

static bool response_auth_ok(const uint8_t *pkt, size_t plen, const uint8_t *ra)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    FUZZ_CHECK(c != NULL);
    FUZZ_CHECK(EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1);
    FUZZ_CHECK(EVP_DigestUpdate(c, pkt, 4) == 1);
    FUZZ_CHECK(EVP_DigestUpdate(c, ra, 16) == 1);
    FUZZ_CHECK(EVP_DigestUpdate(c, pkt + 20, plen - 20) == 1);
    FUZZ_CHECK(EVP_DigestUpdate(c, secret, SECRET_LEN) == 1);
    FUZZ_CHECK(EVP_DigestFinal_ex(c, md, &n) == 1 && n == 16);
    EVP_MD_CTX_free(c);
    return memcmp(md, pkt + 4, 16) == 0;
}

/* Length, Message-Authenticator (the first well-placed one) and Response Authenticator. */
static void seal(uint8_t *pkt, size_t len, const uint8_t *ra)
{
    pkt[2] = (uint8_t)(len >> 8);
    pkt[3] = (uint8_t)len;
    memcpy(pkt + 4, ra, 16);
    for (size_t off = 20; off + 2 <= len && pkt[off + 1] >= 2; off += pkt[off + 1]) {
        if (pkt[off] == IKE_RADIUS_ATTR_MESSAGE_AUTHENTICATOR && pkt[off + 1] == 18 &&
            off + 18 <= len) {
            uint8_t md[EVP_MAX_MD_SIZE];
            unsigned n = 0;
            memset(pkt + off + 2, 0, 16);
            FUZZ_CHECK(HMAC(EVP_md5(), secret, SECRET_LEN, pkt, len, md, &n) != NULL && n == 16);
            memcpy(pkt + off + 2, md, 16);
            break;
        }
    }
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    FUZZ_CHECK(c != NULL && EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1);
    FUZZ_CHECK(EVP_DigestUpdate(c, pkt, len) == 1);
    FUZZ_CHECK(EVP_DigestUpdate(c, secret, SECRET_LEN) == 1);
    FUZZ_CHECK(EVP_DigestFinal_ex(c, md, &n) == 1 && n == 16);
    EVP_MD_CTX_free(c);
    memcpy(pkt + 4, md, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pkt[IKE_RADIUS_MAX_LEN + 64];
    static struct ike_radius_reply r;
    if (size < 17 || size - 17 > sizeof(pkt))
        return 0;
    uint8_t flags = data[0];
    const uint8_t *ra = data + 1;
    size_t len = size - 17;
    memcpy(pkt, data + 17, len);
    if ((flags & 1) && len >= 20 && len <= IKE_RADIUS_MAX_LEN)
        seal(pkt, len, ra);

    enum ike_radius_reject why = ike_radius_parse_reply(pkt, len, ra, secret, SECRET_LEN, &r);
    FUZZ_CHECK((unsigned)why < IKE_RADIUS__COUNT);
    FUZZ_CHECK(strcmp(ike_radius_reject_name(why), "?") != 0);
    if (why == IKE_RADIUS_OK) {
        size_t plen = (size_t)pkt[2] << 8 | pkt[3];
        FUZZ_CHECK(len >= 20 && plen >= 20 && plen <= len && plen <= IKE_RADIUS_MAX_LEN);
        FUZZ_CHECK(r.code == IKE_RADIUS_ACCESS_ACCEPT || r.code == IKE_RADIUS_ACCESS_REJECT ||
                   r.code == IKE_RADIUS_ACCESS_CHALLENGE);
        FUZZ_CHECK(r.code == pkt[0] && r.identifier == pkt[1]);
        FUZZ_CHECK(response_auth_ok(pkt, plen, ra));
        FUZZ_CHECK(r.eap_len <= IKE_RADIUS_EAP_MAX);
        if (r.eap_len > 0) {
            FUZZ_CHECK(r.eap_len >= 4 && ((size_t)r.eap[2] << 8 | r.eap[3]) == r.eap_len);
            FUZZ_CHECK(r.has_message_authenticator);
        }
        FUZZ_CHECK(r.code != IKE_RADIUS_ACCESS_CHALLENGE || r.eap_len > 0);
        FUZZ_CHECK(r.nclass <= IKE_RADIUS_CLASS_MAX);
        FUZZ_CHECK(r.state_len <= IKE_RADIUS_ATTR_MAX_VALUE);
        FUZZ_CHECK(!r.has_msk || r.code == IKE_RADIUS_ACCESS_ACCEPT);
        FUZZ_CHECK(!r.has_framed_ip6 || r.framed_ip6_prefix_len <= 128);
        FUZZ_CHECK(r.has_interim_interval || r.interim_interval == 0);
    } else {
        FUZZ_CHECK(!r.has_msk);
    }

    why = ike_radius_acct_response_check(pkt, len, ra, secret, SECRET_LEN);
    FUZZ_CHECK((unsigned)why < IKE_RADIUS__COUNT);
    if (why == IKE_RADIUS_OK) {
        size_t plen = (size_t)pkt[2] << 8 | pkt[3];
        FUZZ_CHECK(pkt[0] == IKE_RADIUS_ACCOUNTING_RESPONSE && plen <= len);
        FUZZ_CHECK(response_auth_ok(pkt, plen, ra));
    }
    return 0;
}
