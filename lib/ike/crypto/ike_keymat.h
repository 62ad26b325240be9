/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key derivation (RFC 7296 2.13, 2.14, 2.17, 2.18): prf, prf+, SKEYSEED and
 * the IKE SA and Child SA key material, for the HMAC-SHA1/SHA2 PRFs.
 */
#ifndef VEER_IKE_KEYMAT_H
#define VEER_IKE_KEYMAT_H

#include <stddef.h>
#include <stdint.h>

/* A piece of a concatenated prf input (Ni | Nr | SPIi | SPIr ...). */
struct ike_iov {
    const void *ptr;
    size_t len;
};

#define IKE_PRF_MAX_LEN 64
/* prf+ produces at most 255 blocks (RFC 7296 2.13). */
#define IKE_PRF_PLUS_MAX_BLOCKS 255

/* Output (and preferred key) length of `prf` in bytes; 0 when not supported. */
size_t ike_prf_len(uint16_t prf);

/* out = prf(key, data[0] | data[1] | ...); out holds ike_prf_len(prf) bytes. Returns 0 or -errno.
 */
int ike_prf(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_iov *data,
            unsigned ndata, uint8_t *out);

/* out = first out_len bytes of prf+(key, seed); -EINVAL past 255 blocks. */
int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_iov *seed,
                 unsigned nseed, uint8_t *out, size_t out_len);

/* Lengths of the IKE SA keys, from the negotiated transforms. */
struct ike_key_lens {
    size_t prf;   /* SK_d, SK_pi, SK_pr: the PRF's key length */
    size_t integ; /* SK_ai, SK_ar: 0 for AEAD ciphers */
    size_t encr;  /* SK_ei, SK_er: key plus salt (4 bytes for AES-GCM, RFC 5282) */
};

#define IKE_KEY_MAX 64
struct ike_sa_keys {
    struct ike_key_lens lens;
    uint8_t sk_d[IKE_KEY_MAX];
    uint8_t sk_ai[IKE_KEY_MAX], sk_ar[IKE_KEY_MAX];
    uint8_t sk_ei[IKE_KEY_MAX], sk_er[IKE_KEY_MAX];
    uint8_t sk_pi[IKE_KEY_MAX], sk_pr[IKE_KEY_MAX];
};

/*
 * SKEYSEED = prf(Ni | Nr, g^ir) and the seven keys from
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (RFC 7296 2.14). With `old_sk_d`
 * (IKE SA rekey, 2.18) SKEYSEED = prf(SK_d, g^ir | Ni | Nr) instead.
 */
int ike_derive_sa_keys(uint16_t prf, const struct ike_key_lens *lens, const uint8_t *old_sk_d,
                       const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
                       const uint8_t *gir, size_t gir_len, uint64_t spi_i, uint64_t spi_r,
                       struct ike_sa_keys *keys);

/*
 * IKE SA rekey (2.18): SKEYSEED = prf_old(SK_d old, g^ir | Ni | Nr) with the
 * old SA's PRF, then the keys with the new SA's PRF and SPIs.
 */
int ike_derive_rekeyed_sa_keys(uint16_t old_prf, const uint8_t *old_sk_d, size_t old_sk_d_len,
                               uint16_t prf, const struct ike_key_lens *lens, const uint8_t *ni,
                               size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t *gir,
                               size_t gir_len, uint64_t spi_i, uint64_t spi_r,
                               struct ike_sa_keys *keys);
/*
 * Child SA key material: KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr) (2.17), out_len
 * bytes (initiator-to-responder keys first). gir may be NULL (no PFS).
 */
int ike_derive_child_keymat(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
                            size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                            size_t nr_len, uint8_t *out, size_t out_len);

/* Wipes keys: secrets do not outlive their SA. */
void ike_sa_keys_wipe(struct ike_sa_keys *keys);

#endif
