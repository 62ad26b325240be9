/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_auth_psk.h"

#include <openssl/crypto.h>

static const char key_pad[] = "Key Pad for IKEv2";

int ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len, const uint8_t *message,
                 size_t message_len, const uint8_t *peer_nonce, size_t peer_nonce_len,
                 const uint8_t *sk_p, size_t sk_p_len, const uint8_t *id_body, size_t id_len,
                 uint8_t *out)
{
    uint8_t maced_id[IKE_PRF_MAX_LEN], key[IKE_PRF_MAX_LEN];
    const struct ike_iov id[] = {{id_body, id_len}};
    int rc = ike_prf(prf, sk_p, sk_p_len, id, 1, maced_id);
    const struct ike_iov pad[] = {{key_pad, sizeof(key_pad) - 1}};
    if (rc == 0)
        rc = ike_prf(prf, psk, psk_len, pad, 1, key);
    const struct ike_iov octets[] = {
        {message, message_len}, {peer_nonce, peer_nonce_len}, {maced_id, ike_prf_len(prf)}};
    if (rc == 0)
        rc = ike_prf(prf, key, ike_prf_len(prf), octets, 3, out);
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}
