/* SPDX-License-Identifier: BSD-3-Clause */
#include "test_pki.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "unit_util.h"

EVP_PKEY *pki_key(const char *kind)
{
    EVP_PKEY *k = NULL;
    if (strcmp(kind, "rsa2048") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else if (strcmp(kind, "rsa1024") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    else if (strcmp(kind, "p256") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (strcmp(kind, "p384") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    assert_non_null(k);
    return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(cert, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

X509 *pki_cert(EVP_PKEY *key, const struct pki_cert_spec *spec)
{
    static unsigned serial = 1;
    X509 *x = X509_new();
    assert_non_null(x);
    X509 *issuer = spec->issuer != NULL ? spec->issuer : x;
    EVP_PKEY *issuer_key = spec->issuer_key != NULL ? spec->issuer_key : key;
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), spec->from_days * 86400);
    X509_gmtime_adj(X509_getm_notAfter(x), spec->to_days * 86400);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"veer test", -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)spec->cn, -1, -1,
                               0);
    assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(issuer)), 1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    add_ext(x, issuer, NID_subject_key_identifier, "hash");
    if (spec->ca) {
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
    }
    if (spec->san != NULL)
        add_ext(x, issuer, NID_subject_alt_name, spec->san);
    assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
    return x;
}

static char *bio_text(BIO *bio, size_t *len)
{
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    assert_true(n > 0);
    char *out = malloc((size_t)n + 1);
    assert_non_null(out);
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    *len = (size_t)n;
    BIO_free(bio);
    return out;
}

char *pki_cert_pem(X509 *cert, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_X509(bio, cert), 1);
    return bio_text(bio, len);
}

char *pki_key_pem(EVP_PKEY *key, const char *passphrase, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    const EVP_CIPHER *enc = passphrase != NULL ? EVP_aes_128_cbc() : NULL;
    assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, key, enc, passphrase,
                                                   passphrase ? (int)strlen(passphrase) : 0, NULL,
                                                   NULL),
                     1);
    return bio_text(bio, len);
}
