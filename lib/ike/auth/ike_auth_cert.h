/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate authentication (RFC 7296 2.15, 3.6-3.8; RFC 7427): our
 * credential (end-entity certificate, its chain, its private key), trust
 * anchors, verification of a peer's certificates and identity, and the AUTH
 * signatures over the signed octets that ike_auth.c assembles.
 *
 * lib/ike opens no files: the loaders take PEM text that lib/conf (or a test)
 * read, or OpenSSL objects a test made.
 */
#ifndef VEER_IKE_AUTH_CERT_H
#define VEER_IKE_AUTH_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ike_keymat.h"

struct ike_id;

/* Our end-entity certificate, the intermediates we send with it, and the private key. */
struct ike_cred;
/* CA certificates a peer's certificate must chain to. */
struct ike_trust;

/* At most this many CERT payloads are looked at: one end entity and its intermediates. */
#define IKE_CERT_MAX_CHAIN 8
/* CERTREQ carries SHA-1 hashes of the trust anchors' SubjectPublicKeyInfo (3.7). */
#define IKE_CERTREQ_HASH_LEN 20
/* An AUTH payload's signature data: the AlgorithmIdentifier prefix and a signature. */
#define IKE_SIG_MAX 1100

/* Bits of a SIGNATURE_HASH_ALGORITHMS set (RFC 7427 4): bit n for hash identifier n. */
#define IKE_HASH_BIT(h) (1u << (h))
/* What we announce and accept in Digital Signature AUTH: SHA-256, SHA-384, SHA-512. */
#define IKE_OUR_HASHES                                                                             \
    (IKE_HASH_BIT(IKE_HASH_SHA2_256) | IKE_HASH_BIT(IKE_HASH_SHA2_384) |                           \
     IKE_HASH_BIT(IKE_HASH_SHA2_512))

/*
 * A credential from PEM text: `cert_pem` holds the end-entity certificate
 * first, then any intermediates to send with it; `key_pem` the private key
 * (PKCS#8 or traditional, RSA or EC P-256/P-384), which must match it.
 * NULL with a reason in err.
 */
struct ike_cred *ike_cred_from_pem(const char *cert_pem, size_t cert_len, const char *key_pem,
                                   size_t key_len, char *err, size_t err_len);
/* The same from objects (tests); takes its own references. NULL when they do not match. */
struct ike_cred *ike_cred_new(X509 *cert, EVP_PKEY *key, STACK_OF(X509) * chain);
void ike_cred_free(struct ike_cred *c);
/* The certificate's subject as an ID_DER_ASN1_DN identity (the default local_id). */
int ike_cred_subject_id(const struct ike_cred *c, struct ike_id *id);
/* Whether `id` is one the certificate names (we refuse to claim another). */
bool ike_cred_has_id(const struct ike_cred *c, const struct ike_id *id);

struct ike_trust *ike_trust_new(void);
/* Adds every certificate in PEM text; -1 with a reason in err (none found, unparsable). */
int ike_trust_add_pem(struct ike_trust *t, const char *pem, size_t len, char *err, size_t err_len);
int ike_trust_add(struct ike_trust *t, X509 *ca);
void ike_trust_free(struct ike_trust *t);
unsigned ike_trust_count(const struct ike_trust *t);
/* The CERTREQ hash of trust anchor i (i < ike_trust_count). */
const uint8_t *ike_trust_keyid(const struct ike_trust *t, unsigned i);

/* Number of our certificates (end entity first) and the DER of each, for CERT payloads. */
unsigned ike_cred_ncerts(const struct ike_cred *c);
const uint8_t *ike_cred_cert_der(const struct ike_cred *c, unsigned i, size_t *len);
/*
 * How many of our certificates to send to a peer that asked with these
 * CERTREQ hashes (`nhashes` of IKE_CERTREQ_HASH_LEN bytes): the end entity
 * and the intermediates up to the first one the peer already trusts.
 */
unsigned ike_cred_certs_to_send(const struct ike_cred *c, const uint8_t *hashes, size_t nhashes);

/* Why a peer's certificate or signature was refused. */
enum ike_cert_verdict {
    IKE_CERT_OK,
    IKE_CERT_MALFORMED,   /* not DER X.509, trailing bytes, no CERT at all */
    IKE_CERT_UNTRUSTED,   /* no chain to a trust anchor, or a bad signature in it */
    IKE_CERT_EXPIRED,     /* a certificate of the chain is outside its validity */
    IKE_CERT_ID_MISMATCH, /* the identity is not one the certificate names */
    IKE_CERT_BAD_SIG,     /* AUTH does not verify, or uses a method or hash we refuse */
};

/*
 * Verifies a peer's certificates (DER, the end entity first, then
 * intermediates) against `trust` at the current time, and that the identity
 * (ID payload type and data) is named by the end-entity certificate. On
 * IKE_CERT_OK *key holds the end entity's public key (the caller frees it).
 */
enum ike_cert_verdict ike_cert_verify_peer(const struct ike_trust *trust,
                                           const struct ike_iov *certs, unsigned ncerts,
                                           uint8_t id_type, const uint8_t *id, size_t id_len,
                                           EVP_PKEY **key);

/*
 * Signs the signed octets (the pieces of 2.15's InitiatorSignedOctets or
 * ResponderSignedOctets) with our key. `peer_hashes` is the peer's
 * SIGNATURE_HASH_ALGORITHMS set: with one we use Digital Signature (14) and a
 * hash it lists, without it the classic method of the key (RSA 1 with SHA-1,
 * ECDSA 9 or 10). Writes the AUTH method and data; returns the data length or
 * -errno.
 */
long ike_cert_sign(const struct ike_cred *c, unsigned peer_hashes, const struct ike_iov *octets,
                   unsigned noctets, uint8_t *method, uint8_t *out, size_t cap);

/*
 * Verifies AUTH data of `method` (1, 9, 10 or 14) with the peer's key. Method
 * 14 must use a hash in `our_hashes` (what we announced).
 */
enum ike_cert_verdict ike_cert_verify_sig(EVP_PKEY *key, uint8_t method, const uint8_t *data,
                                          size_t len, const struct ike_iov *octets,
                                          unsigned noctets, unsigned our_hashes);

/* Identities: "C=CH, O=Example, CN=gw" as ID_DER_ASN1_DN; -1 when it is not a DN. */
int ike_id_from_dn(const char *text, struct ike_id *id);
/* Whether two ID_DER_ASN1_DN values name the same subject (X.500 comparison, not bytes). */
bool ike_dn_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

#endif
