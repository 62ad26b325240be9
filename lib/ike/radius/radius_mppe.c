/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MS-MPPE-Send-Key and MS-MPPE-Recv-Key (RFC 2548 2.4.2, 2.4.3): the value
 * is Salt (2 bytes, top bit set) then String, the key encrypted with an MD5
 * chain: b(1) = MD5(secret + Request Authenticator + Salt), c(i) = p(i) xor
 * b(i), b(i) = MD5(secret + c(i-1)). The plaintext is Key-Length (1 byte),
 * the key, zero padding to a multiple of 16.
 */
#include <openssl/crypto.h>
#include <string.h>

#include "radius_priv.h"

#define MPPE_SALT_LEN 2
/* A Vendor-Specific attribute holds at most 253 - 6 bytes of MS value: 15 blocks of String. */
#define MPPE_MAX_STRING 240

enum ike_radius_reject ike_radius_mppe_decrypt(const uint8_t *value, size_t len,
                                               const uint8_t req_auth[IKE_RADIUS_AUTH_LEN],
                                               const uint8_t *secret, size_t secret_len,
                                               uint8_t *key, size_t cap, size_t *key_len)
{
    *key_len = 0;
    if (len < MPPE_SALT_LEN + 16 || (len - MPPE_SALT_LEN) % 16 != 0 ||
        len - MPPE_SALT_LEN > MPPE_MAX_STRING || (value[0] & 0x80) == 0)
        return IKE_RADIUS_MPPE_BAD_FORMAT;
    if (secret == NULL || secret_len == 0)
        return IKE_RADIUS_BAD_INPUT;
    const uint8_t *c = value + MPPE_SALT_LEN;
    size_t n = len - MPPE_SALT_LEN;
    uint8_t plain[MPPE_MAX_STRING], b[16];
    enum ike_radius_reject r = IKE_RADIUS_OK;
    for (size_t i = 0; i < n; i += 16) {
        bool ok = i == 0 ? radius_md5(secret, secret_len, req_auth, IKE_RADIUS_AUTH_LEN, value,
                                      MPPE_SALT_LEN, NULL, 0, b)
                         : radius_md5(secret, secret_len, c + i - 16, 16, NULL, 0, NULL, 0, b);
        if (!ok) {
            r = IKE_RADIUS_CRYPTO;
            break;
        }
        for (size_t j = 0; j < 16; j++)
            plain[i + j] = c[i + j] ^ b[j];
    }
    if (r == IKE_RADIUS_OK && (plain[0] == 0 || plain[0] > n - 1 || plain[0] > cap))
        r = IKE_RADIUS_MPPE_BAD_KEY;
    if (r == IKE_RADIUS_OK) {
        memcpy(key, plain + 1, plain[0]);
        *key_len = plain[0];
    }
    OPENSSL_cleanse(plain, sizeof(plain));
    OPENSSL_cleanse(b, sizeof(b));
    return r;
}
