/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_natd.h"

#include <openssl/evp.h>

#include "ike_ossl.h"
#include "ike_writer.h"

void ike_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_addr *addr,
                   uint8_t out[IKE_NATD_LEN])
{
    uint8_t data[8 + 8 + 16 + 2];
    size_t n = 0;
    ike_put64(data, spi_i);
    ike_put64(data + 8, spi_r);
    n = 16;
    memcpy(data + n, addr->ip, ike_addr_ip_len(addr));
    n += ike_addr_ip_len(addr);
    ike_put16(data + n, addr->port);
    n += 2;
    unsigned len = 0;
    /* The fetched SHA-1: EVP_sha1() would be fetched again inside every EVP_Digest(). */
    EVP_Digest(data, n, out, &len, ike_ossl_digest("SHA1"), NULL);
}
