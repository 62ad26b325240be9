/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_natd.h"

#include <openssl/evp.h>
#include <string.h>

#include "ike_ossl.h"
#include "ike_payload.h"

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

void ike_natd_put(struct ike_writer *w, uint64_t spi_i, uint64_t spi_r,
                  const struct ike_addr *local, const struct ike_addr *remote)
{
    uint8_t hash[IKE_NATD_LEN];
    ike_natd_hash(spi_i, spi_r, local, hash);
    ike_notify_encode_simple(w, IKE_N_NAT_DETECTION_SOURCE_IP, hash, sizeof(hash));
    ike_natd_hash(spi_i, spi_r, remote, hash);
    ike_notify_encode_simple(w, IKE_N_NAT_DETECTION_DESTINATION_IP, hash, sizeof(hash));
}

/*
 * The source hash tells whether the peer's address was translated on the way
 * (it may send several, one per address it has: any match will do), the
 * destination hash whether ours was.
 */
struct ike_natd_seen ike_natd_check(const struct ike_msg *m, uint64_t spi_i, uint64_t spi_r,
                                    const struct ike_addr *local, const struct ike_addr *remote)
{
    uint8_t src[IKE_NATD_LEN], dst[IKE_NATD_LEN];
    bool src_match = false, dst_match = false, any = false;
    ike_natd_hash(spi_i, spi_r, remote, src);
    ike_natd_hash(spi_i, spi_r, local, dst);
    for (unsigned i = 0; i < m->npayloads; i++) {
        struct ike_notify_payload n;
        if (m->pl[i].type != IKE_PL_NOTIFY || ike_notify_decode(&m->pl[i], &n, NULL) < 0 ||
            n.data.len != IKE_NATD_LEN)
            continue;
        if (n.type == IKE_N_NAT_DETECTION_SOURCE_IP) {
            any = true;
            src_match |= memcmp(src, n.data.ptr, IKE_NATD_LEN) == 0;
        } else if (n.type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
            any = true;
            dst_match |= memcmp(dst, n.data.ptr, IKE_NATD_LEN) == 0;
        }
    }
    return (struct ike_natd_seen){.present = any,
                                  .peer_behind_nat = any && !src_match,
                                  .local_behind_nat = any && !dst_match};
}
