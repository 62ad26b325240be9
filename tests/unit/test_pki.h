/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys and certificates made at test run time with OpenSSL: nothing secret is
 * committed, and each run tests fresh keys.
 */
#ifndef VEER_TEST_PKI_H
#define VEER_TEST_PKI_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* "rsa2048", "rsa1024", "p256" or "p384". */
EVP_PKEY *pki_key(const char *kind);

struct pki_cert_spec {
    const char *cn;  /* subject: O=veer test, CN=cn */
    const char *san; /* "DNS:gw.example,IP:192.0.2.1", or NULL */
    bool ca;         /* basicConstraints CA:TRUE and keyCertSign */
    long from_days;  /* notBefore, days from now (negative: past) */
    long to_days;    /* notAfter */
    X509 *issuer;    /* NULL: self-signed */
    EVP_PKEY *issuer_key;
};

/* A certificate for `key` as spec says, signed with SHA-256. */
X509 *pki_cert(EVP_PKEY *key, const struct pki_cert_spec *spec);

/* PEM text of a certificate or private key (malloc'ed, NUL-terminated); *len without the NUL. */
char *pki_cert_pem(X509 *cert, size_t *len);
char *pki_key_pem(EVP_PKEY *key, const char *passphrase, size_t *len);

#endif
