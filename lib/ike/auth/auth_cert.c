/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificates and signatures for IKE_AUTH (RFC 7296 2.15, 3.6-3.8; RFC
 * 7427), on OpenSSL 3's EVP and X509 interfaces only.
 */
#include "ike_auth_cert.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ike_id.h"
#include "ike_consts.h"

#define IKE_TRUST_MAX 32

struct ike_cred {
    EVP_PKEY *key;
    unsigned ncerts; /* certs[0] is the end entity */
    X509 *certs[IKE_CERT_MAX_CHAIN];
    uint8_t *der[IKE_CERT_MAX_CHAIN];
    size_t der_len[IKE_CERT_MAX_CHAIN];
    uint8_t keyid[IKE_CERT_MAX_CHAIN][IKE_CERTREQ_HASH_LEN];
};

struct ike_trust {
    X509_STORE *store;
    unsigned n;
    uint8_t keyid[IKE_TRUST_MAX][IKE_CERTREQ_HASH_LEN];
};

/* ---- helpers ---- */

static void set_err(char *err, size_t err_len, const char *why)
{
    unsigned long e = ERR_peek_last_error();
    if (e != 0)
        snprintf(err, err_len, "%s (%s)", why, ERR_reason_error_string(e));
    else
        snprintf(err, err_len, "%s", why);
    ERR_clear_error();
}

/* SHA-1 of the whole SubjectPublicKeyInfo, as CERTREQ names authorities (3.7). */
static int spki_sha1(X509 *cert, uint8_t out[IKE_CERTREQ_HASH_LEN])
{
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (len <= 0)
        return -EINVAL;
    int ok = EVP_Digest(der, (size_t)len, out, NULL, EVP_sha1(), NULL);
    OPENSSL_free(der);
    return ok == 1 ? 0 : -EINVAL;
}

/* One DER certificate that must fill its bytes exactly (no trailing data). */
static X509 *x509_from_der(const struct ike_iov *der)
{
    const unsigned char *p = der->ptr;
    if (der->len == 0 || der->len > INT32_MAX)
        return NULL;
    X509 *x = d2i_X509(NULL, &p, (long)der->len);
    if (x != NULL && p != (const unsigned char *)der->ptr + der->len) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static bool equal_nocase(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    if (a_len != b_len)
        return false;
    for (size_t i = 0; i < a_len; i++) {
        uint8_t x = a[i] >= 'A' && a[i] <= 'Z' ? (uint8_t)(a[i] + 32) : a[i];
        uint8_t y = b[i] >= 'A' && b[i] <= 'Z' ? (uint8_t)(b[i] + 32) : b[i];
        if (x != y)
            return false;
    }
    return true;
}

/* ---- credentials ---- */

void ike_cred_free(struct ike_cred *c)
{
    if (c == NULL)
        return;
    EVP_PKEY_free(c->key);
    for (unsigned i = 0; i < c->ncerts; i++) {
        X509_free(c->certs[i]);
        OPENSSL_free(c->der[i]);
    }
    OPENSSL_free(c);
}

static bool key_usable(EVP_PKEY *key)
{
    char group[32];
    if (EVP_PKEY_is_a(key, "RSA"))
        return EVP_PKEY_get_bits(key) >= 2048;
    if (!EVP_PKEY_is_a(key, "EC") || EVP_PKEY_get_group_name(key, group, sizeof(group), NULL) != 1)
        return false;
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "secp384r1") == 0;
}

static int cred_add_cert(struct ike_cred *c, X509 *x)
{
    if (c->ncerts >= IKE_CERT_MAX_CHAIN)
        return -E2BIG;
    unsigned i = c->ncerts;
    int len = i2d_X509(x, &c->der[i]);
    if (len <= 0 || len > UINT16_MAX - 64 || spki_sha1(x, c->keyid[i]) < 0) {
        OPENSSL_free(c->der[i]);
        c->der[i] = NULL;
        return -EINVAL;
    }
    X509_up_ref(x);
    c->certs[i] = x;
    c->der_len[i] = (size_t)len;
    c->ncerts++;
    return 0;
}

struct ike_cred *ike_cred_new(X509 *cert, EVP_PKEY *key, STACK_OF(X509) * chain)
{
    /* Only keys whose signatures veer makes (RSA >= 2048, P-256, P-384), and the cert's own. */
    if (cert == NULL || key == NULL || !key_usable(key) || X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        return NULL;
    }
    struct ike_cred *c = OPENSSL_zalloc(sizeof(*c));
    if (c == NULL)
        return NULL;
    EVP_PKEY_up_ref(key);
    c->key = key;
    int rc = cred_add_cert(c, cert);
    for (int i = 0; rc == 0 && chain != NULL && i < sk_X509_num(chain); i++)
        rc = cred_add_cert(c, sk_X509_value(chain, i));
    if (rc < 0) {
        ike_cred_free(c);
        return NULL;
    }
    return c;
}

/* A key file with a passphrase is refused rather than prompting on a terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

/* Every certificate in PEM text, in order; NULL when there is none or one is unparsable. */
static STACK_OF(X509) * read_certs(const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    STACK_OF(X509) *certs = sk_X509_new_null();
    if (bio == NULL || certs == NULL || len > INT32_MAX) {
        BIO_free(bio);
        sk_X509_free(certs);
        return NULL;
    }
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) != NULL) {
        if (sk_X509_push(certs, x) <= 0) {
            X509_free(x);
            break;
        }
    }
    /* The loop ends at the end of the text (PEM_R_NO_START_LINE) or at a broken block. */
    unsigned long e = ERR_peek_last_error();
    bool at_end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
    BIO_free(bio);
    if (!at_end || sk_X509_num(certs) == 0) {
        sk_X509_pop_free(certs, X509_free);
        return NULL;
    }
    ERR_clear_error();
    return certs;
}

struct ike_cred *ike_cred_from_pem(const char *cert_pem, size_t cert_len, const char *key_pem,
                                   size_t key_len, char *err, size_t err_len)
{
    STACK_OF(X509) *certs = read_certs(cert_pem, cert_len);
    if (certs == NULL) {
        set_err(err, err_len, "no PEM certificate, or an unparsable one");
        return NULL;
    }
    BIO *bio = BIO_new_mem_buf(key_pem, key_len > INT32_MAX ? 0 : (int)key_len);
    EVP_PKEY *key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
    BIO_free(bio);
    struct ike_cred *c = NULL;
    if (key == NULL) {
        set_err(err, err_len, "no unencrypted PEM private key");
    } else if (!key_usable(key)) {
        snprintf(err, err_len, "the key must be RSA of 2048 bits or more, or EC P-256/P-384");
    } else {
        X509 *ee = sk_X509_shift(certs);
        c = ike_cred_new(ee, key, certs);
        X509_free(ee);
        if (c == NULL)
            set_err(err, err_len,
                    sk_X509_num(certs) >= IKE_CERT_MAX_CHAIN
                        ? "too many certificates"
                        : "the private key does not belong to the first certificate");
    }
    EVP_PKEY_free(key);
    sk_X509_pop_free(certs, X509_free);
    return c;
}

int ike_cred_subject_id(const struct ike_cred *c, struct ike_id *id)
{
    unsigned char *der = NULL;
    int len = i2d_X509_NAME(X509_get_subject_name(c->certs[0]), &der);
    if (len <= 0 || len > IKE_ID_MAX) {
        OPENSSL_free(der);
        return -E2BIG;
    }
    memset(id, 0, sizeof(*id));
    id->type = IKE_ID_DER_ASN1_DN;
    id->len = (uint8_t)len;
    memcpy(id->data, der, (size_t)len);
    OPENSSL_free(der);
    return 0;
}

unsigned ike_cred_ncerts(const struct ike_cred *c)
{
    return c->ncerts;
}

const uint8_t *ike_cred_cert_der(const struct ike_cred *c, unsigned i, size_t *len)
{
    *len = c->der_len[i];
    return c->der[i];
}

unsigned ike_cred_certs_to_send(const struct ike_cred *c, const uint8_t *hashes, size_t nhashes)
{
    unsigned n = 1;
    for (; n < c->ncerts; n++) {
        for (size_t h = 0; h < nhashes; h++) {
            if (memcmp(hashes + h * IKE_CERTREQ_HASH_LEN, c->keyid[n], IKE_CERTREQ_HASH_LEN) == 0)
                return n; /* the peer trusts this one: what is above it is of no use to it */
        }
    }
    return n;
}

/* ---- trust anchors ---- */

struct ike_trust *ike_trust_new(void)
{
    struct ike_trust *t = OPENSSL_zalloc(sizeof(*t));
    if (t == NULL)
        return NULL;
    t->store = X509_STORE_new();
    if (t->store == NULL) {
        OPENSSL_free(t);
        return NULL;
    }
    /* Every configured CA is an anchor, an intermediate too (as strongSwan's cacerts). */
    X509_STORE_set_flags(t->store, X509_V_FLAG_PARTIAL_CHAIN);
    return t;
}

void ike_trust_free(struct ike_trust *t)
{
    if (t == NULL)
        return;
    X509_STORE_free(t->store);
    OPENSSL_free(t);
}

int ike_trust_add(struct ike_trust *t, X509 *ca)
{
    if (t->n >= IKE_TRUST_MAX)
        return -E2BIG;
    if (spki_sha1(ca, t->keyid[t->n]) < 0 || X509_STORE_add_cert(t->store, ca) != 1) {
        ERR_clear_error();
        return -EINVAL;
    }
    t->n++;
    return 0;
}

int ike_trust_add_pem(struct ike_trust *t, const char *pem, size_t len, char *err, size_t err_len)
{
    STACK_OF(X509) *certs = read_certs(pem, len);
    if (certs == NULL) {
        set_err(err, err_len, "no PEM certificate, or an unparsable one");
        return -1;
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < sk_X509_num(certs); i++)
        rc = ike_trust_add(t, sk_X509_value(certs, i));
    sk_X509_pop_free(certs, X509_free);
    if (rc < 0)
        snprintf(err, err_len, "%s",
                 rc == -E2BIG ? "too many CA certificates" : "cannot add CA certificate");
    return rc < 0 ? -1 : 0;
}

unsigned ike_trust_count(const struct ike_trust *t)
{
    return t->n;
}

const uint8_t *ike_trust_keyid(const struct ike_trust *t, unsigned i)
{
    return t->keyid[i];
}

/* ---- identities ---- */

/* Whether a subjectAltName of `gen_type` equals id (DNS names and e-mail case-insensitively). */
static bool san_matches(X509 *cert, int gen_type, const uint8_t *id, size_t len)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    bool found = false;
    for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names) && !found; i++) {
        int type;
        const ASN1_STRING *s = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(names, i), &type);
        if (type != gen_type)
            continue;
        const uint8_t *v = ASN1_STRING_get0_data(s);
        size_t vlen = (size_t)ASN1_STRING_length(s);
        found = gen_type == GEN_IPADD ? vlen == len && memcmp(v, id, len) == 0
                                      : equal_nocase(v, vlen, id, len);
    }
    GENERAL_NAMES_free(names);
    return found;
}

static X509_NAME *dn_from_der(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509_NAME *n = len > 0 ? d2i_X509_NAME(NULL, &p, (long)len) : NULL;
    if (n != NULL && p != der + len) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

bool ike_dn_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    X509_NAME *x = dn_from_der(a, a_len), *y = dn_from_der(b, b_len);
    bool eq = x != NULL && y != NULL && X509_NAME_cmp(x, y) == 0;
    X509_NAME_free(x);
    X509_NAME_free(y);
    ERR_clear_error();
    return eq;
}

/* Whether the certificate names this identity (RFC 4945 3.1 / RFC 7296 3.5). */
static bool cert_has_id(X509 *cert, uint8_t type, const uint8_t *id, size_t len)
{
    switch (type) {
    case IKE_ID_FQDN:
        return san_matches(cert, GEN_DNS, id, len);
    case IKE_ID_RFC822_ADDR:
        return san_matches(cert, GEN_EMAIL, id, len);
    case IKE_ID_IPV4_ADDR:
    case IKE_ID_IPV6_ADDR:
        return san_matches(cert, GEN_IPADD, id, len);
    case IKE_ID_DER_ASN1_DN: {
        X509_NAME *n = dn_from_der(id, len);
        bool eq = n != NULL && X509_NAME_cmp(n, X509_get_subject_name(cert)) == 0;
        X509_NAME_free(n);
        ERR_clear_error();
        return eq;
    }
    default:
        return false; /* KEY_ID and the rest say nothing a certificate can confirm */
    }
}

bool ike_cred_has_id(const struct ike_cred *c, const struct ike_id *id)
{
    return cert_has_id(c->certs[0], id->type, id->data, id->len);
}

int ike_id_from_dn(const char *text, struct ike_id *id)
{
    if (strchr(text, '=') == NULL)
        return -1;
    X509_NAME *name = X509_NAME_new();
    char buf[512];
    if (name == NULL || strlen(text) >= sizeof(buf)) {
        X509_NAME_free(name);
        return -1;
    }
    strcpy(buf, text);
    int rc = 0;
    char *save = NULL;
    for (char *rdn = strtok_r(buf, ",", &save); rdn != NULL && rc == 0;
         rdn = strtok_r(NULL, ",", &save)) {
        while (*rdn == ' ')
            rdn++;
        char *eq = strchr(rdn, '=');
        if (eq == NULL || eq == rdn || eq[1] == '\0') {
            rc = -1;
            break;
        }
        *eq = '\0';
        if (X509_NAME_add_entry_by_txt(name, rdn, MBSTRING_UTF8, (const unsigned char *)eq + 1, -1,
                                       -1, 0) != 1)
            rc = -1;
    }
    unsigned char *der = NULL;
    int len = rc == 0 ? i2d_X509_NAME(name, &der) : -1;
    X509_NAME_free(name);
    ERR_clear_error();
    if (len <= 0 || len > IKE_ID_MAX) {
        OPENSSL_free(der);
        return -1;
    }
    memset(id, 0, sizeof(*id));
    id->type = IKE_ID_DER_ASN1_DN;
    id->len = (uint8_t)len;
    memcpy(id->data, der, (size_t)len);
    OPENSSL_free(der);
    return 0;
}

/* ---- peer certificates ---- */

static enum ike_cert_verdict verify_chain(const struct ike_trust *trust, X509 *ee,
                                          STACK_OF(X509) * untrusted)
{
    X509_STORE_CTX *sc = X509_STORE_CTX_new();
    if (sc == NULL || X509_STORE_CTX_init(sc, trust->store, ee, untrusted) != 1) {
        X509_STORE_CTX_free(sc);
        return IKE_CERT_UNTRUSTED;
    }
    /* The current time is OpenSSL's (time()): certificate validity is wall-clock time. */
    int ok = X509_verify_cert(sc);
    int why = X509_STORE_CTX_get_error(sc);
    X509_STORE_CTX_free(sc);
    ERR_clear_error();
    if (ok == 1)
        return IKE_CERT_OK;
    return why == X509_V_ERR_CERT_HAS_EXPIRED || why == X509_V_ERR_CERT_NOT_YET_VALID
               ? IKE_CERT_EXPIRED
               : IKE_CERT_UNTRUSTED;
}

enum ike_cert_verdict ike_cert_verify_peer(const struct ike_trust *trust,
                                           const struct ike_iov *certs, unsigned ncerts,
                                           uint8_t id_type, const uint8_t *id, size_t id_len,
                                           EVP_PKEY **key)
{
    *key = NULL;
    if (ncerts == 0 || ncerts > IKE_CERT_MAX_CHAIN)
        return IKE_CERT_MALFORMED;
    X509 *ee = x509_from_der(&certs[0]);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    enum ike_cert_verdict v = ee != NULL && untrusted != NULL ? IKE_CERT_OK : IKE_CERT_MALFORMED;
    for (unsigned i = 1; i < ncerts && v == IKE_CERT_OK; i++) {
        X509 *x = x509_from_der(&certs[i]);
        if (x == NULL || sk_X509_push(untrusted, x) <= 0) {
            X509_free(x);
            v = IKE_CERT_MALFORMED;
        }
    }
    if (v == IKE_CERT_OK)
        v = verify_chain(trust, ee, untrusted);
    if (v == IKE_CERT_OK && !cert_has_id(ee, id_type, id, id_len))
        v = IKE_CERT_ID_MISMATCH;
    if (v == IKE_CERT_OK) {
        *key = X509_get_pubkey(ee);
        v = *key != NULL ? IKE_CERT_OK : IKE_CERT_MALFORMED;
    }
    X509_free(ee);
    sk_X509_pop_free(untrusted, X509_free);
    ERR_clear_error();
    return v;
}

/* ---- signatures ---- */

enum key_kind { KEY_OTHER, KEY_RSA, KEY_P256, KEY_P384 };

static enum key_kind key_kind(EVP_PKEY *key)
{
    char group[32];
    if (EVP_PKEY_is_a(key, "RSA"))
        return KEY_RSA;
    if (!EVP_PKEY_is_a(key, "EC") || EVP_PKEY_get_group_name(key, group, sizeof(group), NULL) != 1)
        return KEY_OTHER;
    if (strcmp(group, "prime256v1") == 0)
        return KEY_P256;
    return strcmp(group, "secp384r1") == 0 ? KEY_P384 : KEY_OTHER;
}

static const EVP_MD *hash_md(unsigned hash)
{
    switch (hash) {
    case IKE_HASH_SHA1:
        return EVP_sha1();
    case IKE_HASH_SHA2_256:
        return EVP_sha256();
    case IKE_HASH_SHA2_384:
        return EVP_sha384();
    case IKE_HASH_SHA2_512:
        return EVP_sha512();
    default:
        return NULL;
    }
}

static unsigned hash_from_nid(int nid)
{
    switch (nid) {
    case NID_sha1:
        return IKE_HASH_SHA1;
    case NID_sha256:
        return IKE_HASH_SHA2_256;
    case NID_sha384:
        return IKE_HASH_SHA2_384;
    case NID_sha512:
        return IKE_HASH_SHA2_512;
    default:
        return 0;
    }
}

/* Raw DER signature of the octets; returns its length or -errno. */
static long sign_der(EVP_PKEY *key, const EVP_MD *md, const struct ike_iov *octets, unsigned n,
                     uint8_t *out, size_t cap)
{
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    size_t len = 0;
    int ok = mc != NULL && EVP_DigestSignInit(mc, NULL, md, NULL, key) == 1;
    for (unsigned i = 0; ok && i < n; i++)
        ok = EVP_DigestSignUpdate(mc, octets[i].ptr, octets[i].len) == 1;
    ok = ok && EVP_DigestSignFinal(mc, NULL, &len) == 1 && len <= cap;
    ok = ok && EVP_DigestSignFinal(mc, out, &len) == 1;
    EVP_MD_CTX_free(mc);
    ERR_clear_error();
    return ok ? (long)len : -EINVAL;
}

static bool verify_der(EVP_PKEY *key, const EVP_MD *md, const struct ike_iov *octets, unsigned n,
                       const uint8_t *sig, size_t len)
{
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    int ok = mc != NULL && EVP_DigestVerifyInit(mc, NULL, md, NULL, key) == 1;
    for (unsigned i = 0; ok && i < n; i++)
        ok = EVP_DigestVerifyUpdate(mc, octets[i].ptr, octets[i].len) == 1;
    ok = ok && EVP_DigestVerifyFinal(mc, sig, len) == 1;
    EVP_MD_CTX_free(mc);
    ERR_clear_error();
    return ok;
}

/* ECDSA-Sig-Value (DER) to the fixed r | s of methods 9 and 10 (RFC 4754 7), and back. */
static long ecdsa_der_to_raw(const uint8_t *der, size_t len, size_t half, uint8_t *out)
{
    const unsigned char *p = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
    const BIGNUM *r, *sv;
    if (s == NULL)
        return -EINVAL;
    ECDSA_SIG_get0(s, &r, &sv);
    int ok = BN_bn2binpad(r, out, (int)half) == (int)half &&
             BN_bn2binpad(sv, out + half, (int)half) == (int)half;
    ECDSA_SIG_free(s);
    return ok ? (long)(2 * half) : -EINVAL;
}

static long ecdsa_raw_to_der(const uint8_t *raw, size_t half, uint8_t *out, size_t cap)
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)half, NULL), *sv = BN_bin2bn(raw + half, (int)half, NULL);
    if (s == NULL || r == NULL || sv == NULL || ECDSA_SIG_set0(s, r, sv) != 1) {
        ECDSA_SIG_free(s);
        BN_free(r);
        BN_free(sv);
        return -EINVAL;
    }
    int len = i2d_ECDSA_SIG(s, NULL);
    unsigned char *p = out;
    long rc = len > 0 && (size_t)len <= cap ? i2d_ECDSA_SIG(s, &p) : -EINVAL;
    ECDSA_SIG_free(s);
    return rc;
}

/* The AlgorithmIdentifier of RFC 7427 3 for this key kind and hash (DER), or -errno. */
static long algorithm_id(enum key_kind kind, unsigned hash, uint8_t *out, size_t cap)
{
    int nid = NID_undef;
    if (OBJ_find_sigid_by_algs(&nid,
                               hash == IKE_HASH_SHA2_256   ? NID_sha256
                               : hash == IKE_HASH_SHA2_384 ? NID_sha384
                                                           : NID_sha512,
                               kind == KEY_RSA ? NID_rsaEncryption : NID_X9_62_id_ecPublicKey) != 1)
        return -ENOTSUP;
    X509_ALGOR *a = X509_ALGOR_new();
    /* PKCS#1 v1.5 identifiers carry NULL parameters, ECDSA ones none (RFC 7427 A.1, A.3). */
    if (a == NULL || X509_ALGOR_set0(a, OBJ_nid2obj(nid),
                                     kind == KEY_RSA ? V_ASN1_NULL : V_ASN1_UNDEF, NULL) != 1) {
        X509_ALGOR_free(a);
        return -ENOMEM;
    }
    int len = i2d_X509_ALGOR(a, NULL);
    unsigned char *p = out;
    long rc = len > 0 && (size_t)len <= cap ? i2d_X509_ALGOR(a, &p) : -ENOSPC;
    X509_ALGOR_free(a);
    return rc;
}

/* Our choice of hash from the peer's set: the one matching the key's strength first. */
static unsigned pick_hash(enum key_kind kind, unsigned peer_hashes)
{
    static const uint8_t rsa_order[] = {IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512};
    static const uint8_t p384_order[] = {IKE_HASH_SHA2_384, IKE_HASH_SHA2_512, IKE_HASH_SHA2_256};
    const uint8_t *order = kind == KEY_P384 ? p384_order : rsa_order;
    for (unsigned i = 0; i < 3; i++) {
        if (peer_hashes & IKE_HASH_BIT(order[i]))
            return order[i];
    }
    return 0;
}

long ike_cert_sign(const struct ike_cred *c, unsigned peer_hashes, const struct ike_iov *octets,
                   unsigned noctets, uint8_t *method, uint8_t *out, size_t cap)
{
    enum key_kind kind = key_kind(c->key);
    unsigned hash = pick_hash(kind, peer_hashes & IKE_OUR_HASHES);
    uint8_t der[IKE_SIG_MAX];
    if (kind == KEY_OTHER)
        return -ENOTSUP;
    if (hash != 0) {
        /* Digital Signature: ASN.1 length, AlgorithmIdentifier, signature (RFC 7427 3). */
        long alen = algorithm_id(kind, hash, out + 1, cap > 1 ? cap - 1 : 0);
        if (alen < 0 || alen > 255)
            return alen < 0 ? alen : -EINVAL;
        out[0] = (uint8_t)alen;
        long slen = sign_der(c->key, hash_md(hash), octets, noctets, out + 1 + alen,
                             cap - 1 - (size_t)alen);
        *method = IKE_AUTH_DIGITAL_SIGNATURE;
        return slen < 0 ? slen : 1 + alen + slen;
    }
    /* The peer announced no hashes: the method it must know (RFC 7296 3.8, RFC 4754). */
    if (kind == KEY_RSA) {
        *method = IKE_AUTH_RSA_SIG;
        return sign_der(c->key, EVP_sha1(), octets, noctets, out, cap);
    }
    size_t half = kind == KEY_P256 ? 32 : 48;
    *method = kind == KEY_P256 ? IKE_AUTH_ECDSA_P256 : IKE_AUTH_ECDSA_P384;
    long dlen = sign_der(c->key, kind == KEY_P256 ? EVP_sha256() : EVP_sha384(), octets, noctets,
                         der, sizeof(der));
    if (dlen < 0 || cap < 2 * half)
        return dlen < 0 ? dlen : -ENOSPC;
    return ecdsa_der_to_raw(der, (size_t)dlen, half, out);
}

/* Digital Signature (14): the AlgorithmIdentifier says hash and key type; both must fit. */
static enum ike_cert_verdict verify_digital_signature(EVP_PKEY *key, const uint8_t *data,
                                                      size_t len, const struct ike_iov *octets,
                                                      unsigned n, unsigned our_hashes)
{
    if (len < 2 || (size_t)data[0] + 1 >= len)
        return IKE_CERT_BAD_SIG;
    const unsigned char *p = data + 1;
    X509_ALGOR *a = d2i_X509_ALGOR(NULL, &p, data[0]);
    int md_nid = NID_undef, pkey_nid = NID_undef;
    if (a != NULL && p == data + 1 + data[0]) {
        const ASN1_OBJECT *obj;
        X509_ALGOR_get0(&obj, NULL, NULL, a);
        /* RSASSA-PSS (no digest in its OID) is not taken: md_nid stays undefined. */
        OBJ_find_sigid_algs(OBJ_obj2nid(obj), &md_nid, &pkey_nid);
    }
    X509_ALGOR_free(a);
    ERR_clear_error();
    unsigned hash = hash_from_nid(md_nid);
    enum key_kind kind = key_kind(key);
    bool key_fits = pkey_nid == NID_rsaEncryption ? kind == KEY_RSA
                                                  : pkey_nid == NID_X9_62_id_ecPublicKey &&
                                                        (kind == KEY_P256 || kind == KEY_P384);
    if (hash == 0 || !(our_hashes & IKE_HASH_BIT(hash)) || !key_fits)
        return IKE_CERT_BAD_SIG;
    const uint8_t *sig = data + 1 + data[0];
    return verify_der(key, hash_md(hash), octets, n, sig, len - 1 - data[0]) ? IKE_CERT_OK
                                                                             : IKE_CERT_BAD_SIG;
}

enum ike_cert_verdict ike_cert_verify_sig(EVP_PKEY *key, uint8_t method, const uint8_t *data,
                                          size_t len, const struct ike_iov *octets,
                                          unsigned noctets, unsigned our_hashes)
{
    enum key_kind kind = key_kind(key);
    uint8_t der[160];
    switch (method) {
    case IKE_AUTH_DIGITAL_SIGNATURE:
        return verify_digital_signature(key, data, len, octets, noctets, our_hashes);
    case IKE_AUTH_RSA_SIG:
        /* RSA with PKCS#1 v1.5 and SHA-1 (RFC 7296 3.8), what peers without RFC 7427 send. */
        return kind == KEY_RSA && verify_der(key, EVP_sha1(), octets, noctets, data, len)
                   ? IKE_CERT_OK
                   : IKE_CERT_BAD_SIG;
    case IKE_AUTH_ECDSA_P256:
    case IKE_AUTH_ECDSA_P384: {
        bool p256 = method == IKE_AUTH_ECDSA_P256;
        size_t half = p256 ? 32 : 48;
        if (kind != (p256 ? KEY_P256 : KEY_P384) || len != 2 * half)
            return IKE_CERT_BAD_SIG;
        long dlen = ecdsa_raw_to_der(data, half, der, sizeof(der));
        return dlen > 0 && verify_der(key, p256 ? EVP_sha256() : EVP_sha384(), octets, noctets, der,
                                      (size_t)dlen)
                   ? IKE_CERT_OK
                   : IKE_CERT_BAD_SIG;
    }
    default:
        return IKE_CERT_BAD_SIG;
    }
}
