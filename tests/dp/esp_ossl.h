/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP packets sealed and opened with OpenSSL, an implementation independent
 * of veer's intel-ipsec-mb one, for the ESP tests: HMAC-SHA1/SHA2 with
 * AES-CBC, AES-GCM, ESN. `esp` points at the ESP header; keys are the Child
 * SA's (encr_in/integ_in for veer's inbound SA, encr_out/integ_out for its
 * outbound one).
 */
#ifndef VEER_TEST_ESP_OSSL_H
#define VEER_TEST_ESP_OSSL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike.h"

struct esp_alg {
    const char *name;
    uint16_t encr, key_bits, integ;
    size_t integ_key_len, icv_len;
    const char *ossl_cipher, *ossl_md; /* the same algorithm, as OpenSSL names it */
};

bool esp_alg_is_gcm(const struct esp_alg *a);

/* Where a test's Child SA keys start: one base a key, so that a swapped direction shows. */
struct esp_key_seed {
    uint8_t encr_in, encr_out, integ_in, integ_out;
};

/*
 * Clears c and gives it SPIs, algorithm a (with ESN as `esn`) and keys
 * reproducible from `seed`: byte k of the keys is encr_in + 3k, encr_out + 5k,
 * integ_in + 7k and integ_out + 11k, each plus `salt` times 29, 31, 37 and 41,
 * so that the SAs of one test differ by salt. Addresses and selectors are the
 * caller's.
 */
void esp_child_keyed(struct ike_child_sa *c, const struct esp_alg *a, bool esn, uint32_t spi_in,
                     uint32_t spi_out, struct esp_key_seed seed, unsigned salt);

/*
 * Gives c the outer addresses 198.51.100.1 (ours) and 198.51.100.2 (the
 * peer's, ESP in UDP to 4500) and one selector each way taking any IPv4
 * packet: test_esp.c and test_esp_burst.c check the ESP engine, not policy.
 */
void esp_child_v4_any(struct ike_child_sa *c);

size_t esp_alg_iv_len(const struct esp_alg *a);

/*
 * Opens an ESP packet (`len` bytes with the ICV) with the keys of veer's
 * outbound (`outbound`) or inbound direction; returns the plaintext length
 * (payload and trailer) written to pt, or -1 when the ICV does not match.
 */
int esp_ossl_open(const struct esp_alg *a, const struct ike_child_sa *c, bool outbound,
                  const uint8_t *esp, size_t len, uint64_t seq, uint8_t *pt);

/*
 * Seals `pt` (payload and trailer, already padded) into an ESP packet at esp
 * for veer's inbound SA (SPI c->spi_in, keys encr_in/integ_in); returns its
 * length.
 */
size_t esp_ossl_seal(const struct esp_alg *a, const struct ike_child_sa *c, uint64_t seq,
                     const uint8_t *pt, size_t ptl, uint8_t *esp);

#endif
