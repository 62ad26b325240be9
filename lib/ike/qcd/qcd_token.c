/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_qcd.h"

#include <errno.h>

#include <openssl/crypto.h>

#include "ike_consts.h"
#include "ike_keymat.h"
#include "ike_writer.h"

int ike_qcd_token(const uint8_t secret[IKE_QCD_SECRET_LEN], uint64_t spi_i, uint64_t spi_r,
                  uint8_t out[IKE_QCD_TOKEN_LEN])
{
    uint8_t spis[16];
    ike_put64(spis, spi_i);
    ike_put64(spis + 8, spi_r);
    const struct ike_iov data = {spis, sizeof(spis)};
    return ike_prf(IKE_PRF_HMAC_SHA2_256, secret, IKE_QCD_SECRET_LEN, &data, 1, out);
}

bool ike_qcd_token_equal(const uint8_t *kept, size_t kept_len, const uint8_t *got, size_t got_len)
{
    if (kept_len != got_len || kept_len < IKE_QCD_TOKEN_MIN || kept_len > IKE_QCD_TOKEN_MAX)
        return false;
    return CRYPTO_memcmp(kept, got, kept_len) == 0;
}
