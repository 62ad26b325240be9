/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: veer-flood's verdict on whatever a gateway answers
 * (flood_ike_classify), and the COOKIE retry it builds from such an answer.
 *
 * Oracles besides the sanitizers:
 *  - the verdict is one of the known kinds;
 *  - a COOKIE verdict's cookie lies inside the input and is 1..64 bytes;
 *  - the retry built from it decodes as an IKE_SA_INIT request whose first
 *    payload is that COOKIE, with the reply's SPIi.
 */
#include "fuzz_common.h"
#include "flood_ike.h"
#include "ike_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct flood_reply r;
    flood_ike_classify(data, size, &r);
    FUZZ_CHECK((unsigned)r.kind < FLOOD_REPLY_KINDS);
    if (r.kind != FLOOD_REPLY_COOKIE)
        return 0;
    FUZZ_CHECK(r.cookie >= data && r.cookie + r.cookie_len <= data + size);
    FUZZ_CHECK(r.cookie_len >= 1 && r.cookie_len <= FLOOD_COOKIE_MAX);
    static const uint8_t ke[FLOOD_X25519_LEN] = {9}, nonce[FLOOD_NONCE_LEN] = {1};
    struct flood_ike_request req = {.spi_i = r.spi_i,
                                    .ke = ke,
                                    .nonce = nonce,
                                    .cookie = r.cookie,
                                    .cookie_len = r.cookie_len,
                                    .redirect_supported = true};
    uint8_t buf[FLOOD_REQUEST_MAX];
    long n = flood_ike_build(&req, buf, sizeof(buf), NULL);
    FUZZ_CHECK(n > 0);
    struct ike_msg m;
    struct ike_err err;
    FUZZ_CHECK(ike_msg_decode(buf, (size_t)n, &m, &err) == 0);
    FUZZ_CHECK(m.hdr.spi_i == r.spi_i && m.pl[0].type == IKE_PL_NOTIFY);
    FUZZ_CHECK(ike_get16(m.pl[0].body + 2) == IKE_N_COOKIE);
    FUZZ_CHECK(m.pl[0].len == 4 + r.cookie_len &&
               memcmp(m.pl[0].body + 4, r.cookie, r.cookie_len) == 0);
    return 0;
}
