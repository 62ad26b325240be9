/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The certificate side of IKE_AUTH on arbitrary bytes (auth_cert.c): CERT
 * chains, signature AUTH data of every method, DN identities. Oracles: no
 * crash or leak, and nothing is ever accepted -- the trust anchor and the
 * keys are made at start-up, so no input can carry a valid signature.
 *
 * Input: byte 0 picks the parser; then for chains, certificates each behind a
 * 2-byte length; for signatures, the method, the key (even: P-256, odd: RSA)
 * and the AUTH data; for DNs, the DER of an ID_DER_ASN1_DN.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fuzz_common.h"
#include "ike_auth_cert.h"
#include "ike_consts.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Made once: the fuzzing process runs many inputs against the same anchor and keys. */
static struct {
    struct ike_trust *trust;
    EVP_PKEY *ec, *rsa;
} fixed;

static X509 *self_signed(EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"fuzz CA", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, key);
    X509_sign(x, key, EVP_sha256());
    return x;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fixed.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    fixed.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    fixed.trust = ike_trust_new();
    X509 *ca = self_signed(fixed.ec);
    if (fixed.ec == NULL || fixed.rsa == NULL || fixed.trust == NULL ||
        ike_trust_add(fixed.trust, ca) < 0)
        abort();
    X509_free(ca);
    return 0;
}

static void chain(const uint8_t *p, size_t n)
{
    struct ike_iov certs[IKE_CERT_MAX_CHAIN + 1];
    unsigned count = 0;
    while (n >= 2 && count < IKE_CERT_MAX_CHAIN + 1) {
        size_t len = (size_t)(p[0] << 8 | p[1]);
        len = len < n - 2 ? len : n - 2;
        certs[count++] = (struct ike_iov){p + 2, len};
        p += 2 + len;
        n -= 2 + len;
    }
    EVP_PKEY *key = NULL;
    enum ike_cert_verdict v = ike_cert_verify_peer(fixed.trust, certs, count, IKE_ID_FQDN,
                                                   (const uint8_t *)"fuzz.example", 12, &key);
    FUZZ_CHECK(v != IKE_CERT_OK && key == NULL);
}

static void signature(const uint8_t *p, size_t n)
{
    static const uint8_t octets[64] = {1, 2, 3};
    const struct ike_iov iov[] = {{octets, sizeof(octets)}};
    if (n < 2)
        return;
    EVP_PKEY *key = p[1] % 2 ? fixed.rsa : fixed.ec;
    FUZZ_CHECK(ike_cert_verify_sig(key, p[0], p + 2, n - 2, iov, 1, IKE_OUR_HASHES) != IKE_CERT_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0:
        chain(data + 1, size - 1);
        break;
    case 1:
        signature(data + 1, size - 1);
        break;
    default:
        /* A DN identity against itself: equal exactly when it parses. */
        (void)ike_dn_equal(data + 1, size - 1, data + 1, size - 1);
        break;
    }
    return 0;
}
