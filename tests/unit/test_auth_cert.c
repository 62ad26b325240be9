/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate authentication pieces (auth_cert.c) on keys and certificates
 * made at run time: loading PEM, chains, validity, identities, CERTREQ
 * hashes, and RFC 7427 / classic signatures with every way they can be wrong.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ike.h"
#include "ike_auth_cert.h"
#include "ike_consts.h"
#include "test_pki.h"
#include "unit_util.h"

/* Everything the tests use, made once (RSA key generation is slow). */
struct pki {
    EVP_PKEY *ca_key, *other_ca_key, *inter_key, *rsa, *p256, *p384, *rsa1024;
    X509 *ca, *other_ca, *inter;
    X509 *rsa_cert;          /* CN=gw, DNS:gw.example, IP:192.0.2.1, by ca */
    X509 *p256_cert;         /* CN=alice, DNS:alice.example, email:alice@example.org, by ca */
    X509 *p384_cert;         /* CN=carol, DNS:carol.example, IP:2001:db8::1, by inter */
    X509 *expired_cert;      /* p256, by ca, ended yesterday */
    X509 *future_cert;       /* p256, by ca, starts tomorrow */
    X509 *foreign_cert;      /* p256, DNS:alice.example, by other_ca */
    struct ike_trust *trust; /* ca */
};

static struct pki *pki; /* set up once per program */

static X509 *ee(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer, EVP_PKEY *ikey,
                long from, long to)
{
    const struct pki_cert_spec s = {.cn = cn,
                                    .san = san,
                                    .from_days = from,
                                    .to_days = to,
                                    .issuer = issuer,
                                    .issuer_key = ikey};
    return pki_cert(key, &s);
}

static X509 *ca(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey)
{
    const struct pki_cert_spec s = {.cn = cn,
                                    .ca = true,
                                    .from_days = -1,
                                    .to_days = 365,
                                    .issuer = issuer,
                                    .issuer_key = ikey};
    return pki_cert(key, &s);
}

static int group_setup(void **state)
{
    (void)state;
    static struct pki p;
    p.ca_key = pki_key("p256");
    p.other_ca_key = pki_key("p256");
    p.inter_key = pki_key("p384");
    p.rsa = pki_key("rsa2048");
    p.p256 = pki_key("p256");
    p.p384 = pki_key("p384");
    p.rsa1024 = pki_key("rsa1024");
    p.ca = ca(p.ca_key, "veer test CA", NULL, NULL);
    p.other_ca = ca(p.other_ca_key, "veer other CA", NULL, NULL);
    p.inter = ca(p.inter_key, "veer intermediate", p.ca, p.ca_key);
    p.rsa_cert = ee(p.rsa, "gw", "DNS:gw.example,IP:192.0.2.1", p.ca, p.ca_key, -1, 30);
    p.p256_cert =
        ee(p.p256, "alice", "DNS:alice.example,email:alice@example.org", p.ca, p.ca_key, -1, 30);
    p.p384_cert =
        ee(p.p384, "carol", "DNS:carol.example,IP:2001:db8::1", p.inter, p.inter_key, -1, 30);
    p.expired_cert = ee(p.p256, "alice", "DNS:alice.example", p.ca, p.ca_key, -30, -1);
    p.future_cert = ee(p.p256, "alice", "DNS:alice.example", p.ca, p.ca_key, 1, 30);
    p.foreign_cert = ee(p.p256, "alice", "DNS:alice.example", p.other_ca, p.other_ca_key, -1, 30);
    p.trust = ike_trust_new();
    assert_non_null(p.trust);
    assert_int_equal(ike_trust_add(p.trust, p.ca), 0);
    pki = &p;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY *keys[] = {pki->ca_key, pki->other_ca_key, pki->inter_key, pki->rsa,
                        pki->p256,   pki->p384,         pki->rsa1024};
    X509 *certs[] = {pki->ca,           pki->other_ca,    pki->inter,
                     pki->rsa_cert,     pki->p256_cert,   pki->p384_cert,
                     pki->expired_cert, pki->future_cert, pki->foreign_cert};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        EVP_PKEY_free(keys[i]);
    for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
        X509_free(certs[i]);
    ike_trust_free(pki->trust);
    return 0;
}

/* DER of a certificate, in a buffer the caller frees with OPENSSL_free. */
static struct ike_iov der(X509 *x)
{
    unsigned char *p = NULL;
    int len = i2d_X509(x, &p);
    assert_true(len > 0);
    return (struct ike_iov){p, (size_t)len};
}

static enum ike_cert_verdict verify1(X509 *x, X509 *inter, uint8_t id_type, const void *id,
                                     size_t id_len)
{
    struct ike_iov certs[2] = {der(x), {NULL, 0}};
    unsigned n = 1;
    if (inter != NULL)
        certs[n++] = der(inter);
    EVP_PKEY *key = NULL;
    enum ike_cert_verdict v = ike_cert_verify_peer(pki->trust, certs, n, id_type, id, id_len, &key);
    assert_true((v == IKE_CERT_OK) == (key != NULL));
    EVP_PKEY_free(key);
    for (unsigned i = 0; i < n; i++)
        OPENSSL_free((void *)certs[i].ptr);
    return v;
}

#define FQDN(s) IKE_ID_FQDN, (const uint8_t *)(s), strlen(s)

static void test_chain_and_validity(void **state)
{
    (void)state;
    assert_int_equal(verify1(pki->rsa_cert, NULL, FQDN("gw.example")), IKE_CERT_OK);
    assert_int_equal(verify1(pki->p256_cert, NULL, FQDN("alice.example")), IKE_CERT_OK);
    /* Carol's issuer is an intermediate: with it the chain reaches the CA, without it not. */
    assert_int_equal(verify1(pki->p384_cert, pki->inter, FQDN("carol.example")), IKE_CERT_OK);
    assert_int_equal(verify1(pki->p384_cert, NULL, FQDN("carol.example")), IKE_CERT_UNTRUSTED);
    assert_int_equal(verify1(pki->foreign_cert, NULL, FQDN("alice.example")), IKE_CERT_UNTRUSTED);
    assert_int_equal(verify1(pki->expired_cert, NULL, FQDN("alice.example")), IKE_CERT_EXPIRED);
    assert_int_equal(verify1(pki->future_cert, NULL, FQDN("alice.example")), IKE_CERT_EXPIRED);
    /* The CA's own certificate is no end entity the CA "issued" to alice. */
    assert_int_equal(verify1(pki->ca, NULL, FQDN("alice.example")), IKE_CERT_ID_MISMATCH);
}

static void test_identities(void **state)
{
    (void)state;
    assert_int_equal(verify1(pki->rsa_cert, NULL, FQDN("GW.Example")), IKE_CERT_OK);
    assert_int_equal(verify1(pki->rsa_cert, NULL, FQDN("gw.example.")), IKE_CERT_ID_MISMATCH);
    assert_int_equal(verify1(pki->rsa_cert, NULL, FQDN("alice.example")), IKE_CERT_ID_MISMATCH);
    assert_int_equal(verify1(pki->rsa_cert, NULL, IKE_ID_IPV4_ADDR, "\xc0\x00\x02\x01", 4),
                     IKE_CERT_OK);
    assert_int_equal(verify1(pki->rsa_cert, NULL, IKE_ID_IPV4_ADDR, "\xc0\x00\x02\x02", 4),
                     IKE_CERT_ID_MISMATCH);
    assert_int_equal(verify1(pki->p256_cert, NULL, IKE_ID_RFC822_ADDR, "alice@example.org", 17),
                     IKE_CERT_OK);
    /* The DNS name is not an e-mail address, nor the other way round. */
    assert_int_equal(verify1(pki->p256_cert, NULL, IKE_ID_RFC822_ADDR, "alice.example", 13),
                     IKE_CERT_ID_MISMATCH);
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    assert_int_equal(verify1(pki->p384_cert, pki->inter, IKE_ID_IPV6_ADDR, v6, 16), IKE_CERT_OK);
    assert_int_equal(verify1(pki->p256_cert, NULL, IKE_ID_KEY_ID, "alice", 5),
                     IKE_CERT_ID_MISMATCH);

    /* Subject DN, written as an operator would: matches by X.500 comparison. */
    struct ike_id id;
    assert_int_equal(ike_id_from_dn("O=veer test, CN=alice", &id), 0);
    assert_int_equal(id.type, IKE_ID_DER_ASN1_DN);
    assert_int_equal(verify1(pki->p256_cert, NULL, id.type, id.data, id.len), IKE_CERT_OK);
    assert_int_equal(verify1(pki->rsa_cert, NULL, id.type, id.data, id.len), IKE_CERT_ID_MISMATCH);
    struct ike_id other;
    assert_int_equal(ike_id_from_dn("O=Veer Test,CN=ALICE", &other), 0);
    assert_true(ike_dn_equal(id.data, id.len, other.data, other.len)); /* case folded */
    assert_false(ike_dn_equal(id.data, id.len, other.data, other.len - 1u));
    assert_int_equal(ike_id_from_dn("gw.example", &other), -1);
    assert_int_equal(ike_id_from_dn("CN=", &other), -1);
    assert_int_equal(ike_id_from_dn("XX=a", &other), -1);
    /* Garbage in a DN identity is a mismatch, not a crash. */
    assert_int_equal(verify1(pki->p256_cert, NULL, IKE_ID_DER_ASN1_DN, "\x30\x05\x31", 3),
                     IKE_CERT_ID_MISMATCH);
}

static void test_malformed_certs(void **state)
{
    (void)state;
    struct ike_iov good = der(pki->p256_cert);
    uint8_t buf[4096];
    assert_true(good.len < sizeof(buf) - 1);
    memcpy(buf, good.ptr, good.len);
    EVP_PKEY *key = NULL;
    /* Every truncation, a trailing byte, flipped bytes: refused, never accepted. */
    for (size_t len = 0; len < good.len; len += 7) {
        struct ike_iov c = {buf, len};
        assert_int_not_equal(ike_cert_verify_peer(pki->trust, &c, 1, FQDN("alice.example"), &key),
                             IKE_CERT_OK);
    }
    buf[good.len] = 0;
    struct ike_iov trailing = {buf, good.len + 1};
    assert_int_equal(ike_cert_verify_peer(pki->trust, &trailing, 1, FQDN("alice.example"), &key),
                     IKE_CERT_MALFORMED);
    /* A flipped byte in the signature: parses, but the CA did not sign that. */
    buf[good.len - 5] ^= 0x40;
    struct ike_iov forged = {buf, good.len};
    assert_int_equal(ike_cert_verify_peer(pki->trust, &forged, 1, FQDN("alice.example"), &key),
                     IKE_CERT_UNTRUSTED);
    assert_int_equal(ike_cert_verify_peer(pki->trust, &good, 0, FQDN("alice.example"), &key),
                     IKE_CERT_MALFORMED);
    struct ike_iov many[IKE_CERT_MAX_CHAIN + 1];
    for (unsigned i = 0; i <= IKE_CERT_MAX_CHAIN; i++)
        many[i] = good;
    assert_int_equal(
        ike_cert_verify_peer(pki->trust, many, IKE_CERT_MAX_CHAIN + 1, FQDN("alice.example"), &key),
        IKE_CERT_MALFORMED);
    /* An intermediate that is garbage spoils the lot. */
    struct ike_iov two[2] = {good, {"\x30\x00", 2}};
    assert_int_equal(ike_cert_verify_peer(pki->trust, two, 2, FQDN("alice.example"), &key),
                     IKE_CERT_MALFORMED);
    assert_null(key);
    OPENSSL_free((void *)good.ptr);
}

static struct ike_cred *cred(X509 *cert, EVP_PKEY *key)
{
    struct ike_cred *c = ike_cred_new(cert, key, NULL);
    assert_non_null(c);
    return c;
}

/* Signed octets in three pieces, as ike_auth.c passes them. */
static uint8_t msg[300], nonce[32], maced[32];
static const struct ike_iov octets[3] = {
    {msg, sizeof(msg)}, {nonce, sizeof(nonce)}, {maced, sizeof(maced)}};

static void sign_and_check(struct ike_cred *c, EVP_PKEY *pub, unsigned peer_hashes,
                           uint8_t want_method)
{
    uint8_t sig[IKE_SIG_MAX], method = 0;
    long len = ike_cert_sign(c, peer_hashes, octets, 3, &method, sig, sizeof(sig));
    assert_true(len > 0);
    assert_int_equal(method, want_method);
    assert_int_equal(ike_cert_verify_sig(pub, method, sig, (size_t)len, octets, 3, IKE_OUR_HASHES),
                     IKE_CERT_OK);
    /* Other octets, another byte of the signature, a short signature: all refused. */
    msg[17] ^= 1;
    assert_int_equal(ike_cert_verify_sig(pub, method, sig, (size_t)len, octets, 3, IKE_OUR_HASHES),
                     IKE_CERT_BAD_SIG);
    msg[17] ^= 1;
    sig[len - 3] ^= 0x10;
    assert_int_equal(ike_cert_verify_sig(pub, method, sig, (size_t)len, octets, 3, IKE_OUR_HASHES),
                     IKE_CERT_BAD_SIG);
    sig[len - 3] ^= 0x10;
    for (long cut = 0; cut < len; cut += 5)
        assert_int_equal(
            ike_cert_verify_sig(pub, method, sig, (size_t)cut, octets, 3, IKE_OUR_HASHES),
            IKE_CERT_BAD_SIG);
    /* The same signature claimed under another method. */
    uint8_t others[] = {IKE_AUTH_RSA_SIG,           IKE_AUTH_ECDSA_P256, IKE_AUTH_ECDSA_P384,
                        IKE_AUTH_DIGITAL_SIGNATURE, IKE_AUTH_DSS_SIG,    IKE_AUTH_SHARED_KEY};
    for (size_t i = 0; i < sizeof(others); i++) {
        if (others[i] != method)
            assert_int_equal(
                ike_cert_verify_sig(pub, others[i], sig, (size_t)len, octets, 3, IKE_OUR_HASHES),
                IKE_CERT_BAD_SIG);
    }
}

static void test_sign_verify(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7);
    memset(nonce, 0xa5, sizeof(nonce));
    memset(maced, 0x3c, sizeof(maced));
    struct {
        X509 *cert;
        EVP_PKEY *key;
        uint8_t classic;
    } cases[] = {{pki->rsa_cert, pki->rsa, IKE_AUTH_RSA_SIG},
                 {pki->p256_cert, pki->p256, IKE_AUTH_ECDSA_P256},
                 {pki->p384_cert, pki->p384, IKE_AUTH_ECDSA_P384}};
    for (size_t i = 0; i < 3; i++) {
        struct ike_cred *c = cred(cases[i].cert, cases[i].key);
        EVP_PKEY *pub = X509_get_pubkey(cases[i].cert);
        sign_and_check(c, pub, IKE_OUR_HASHES, IKE_AUTH_DIGITAL_SIGNATURE);
        sign_and_check(c, pub, IKE_HASH_BIT(IKE_HASH_SHA2_512), IKE_AUTH_DIGITAL_SIGNATURE);
        /* A peer without RFC 7427 (or with only hashes we do not use) gets the classic method. */
        sign_and_check(c, pub, 0, cases[i].classic);
        sign_and_check(c, pub, IKE_HASH_BIT(IKE_HASH_SHA1), cases[i].classic);
        /* Someone else's key does not verify it. */
        EVP_PKEY *wrong = X509_get_pubkey(i == 0 ? pki->foreign_cert : pki->rsa_cert);
        uint8_t sig[IKE_SIG_MAX], method;
        long len = ike_cert_sign(c, IKE_OUR_HASHES, octets, 3, &method, sig, sizeof(sig));
        assert_int_equal(
            ike_cert_verify_sig(wrong, method, sig, (size_t)len, octets, 3, IKE_OUR_HASHES),
            IKE_CERT_BAD_SIG);
        EVP_PKEY_free(wrong);
        EVP_PKEY_free(pub);
        ike_cred_free(c);
    }
}

/* The AlgorithmIdentifier prefixes of RFC 7427 appendix A, written out by hand. */
static void test_algorithm_identifiers(void **state)
{
    (void)state;
    static const uint8_t sha256_rsa[] = {0x0f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
                                         0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
    static const uint8_t sha512_rsa[] = {0x0f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
                                         0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00};
    static const uint8_t ecdsa_sha256[] = {0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                           0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
    static const uint8_t ecdsa_sha384[] = {0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                           0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
    struct ike_cred *rsa = cred(pki->rsa_cert, pki->rsa);
    struct ike_cred *p256 = cred(pki->p256_cert, pki->p256);
    struct ike_cred *p384 = cred(pki->p384_cert, pki->p384);
    uint8_t sig[IKE_SIG_MAX], method;
    assert_true(ike_cert_sign(rsa, IKE_OUR_HASHES, octets, 3, &method, sig, sizeof(sig)) > 0);
    assert_memory_equal(sig, sha256_rsa, sizeof(sha256_rsa));
    assert_true(ike_cert_sign(rsa, IKE_HASH_BIT(IKE_HASH_SHA2_512), octets, 3, &method, sig,
                              sizeof(sig)) > 0);
    assert_memory_equal(sig, sha512_rsa, sizeof(sha512_rsa));
    assert_true(ike_cert_sign(p256, IKE_OUR_HASHES, octets, 3, &method, sig, sizeof(sig)) > 0);
    assert_memory_equal(sig, ecdsa_sha256, sizeof(ecdsa_sha256));
    /* P-384 prefers SHA-384 when the peer has it. */
    assert_true(ike_cert_sign(p384, IKE_OUR_HASHES, octets, 3, &method, sig, sizeof(sig)) > 0);
    assert_memory_equal(sig, ecdsa_sha384, sizeof(ecdsa_sha384));

    /* Refused in verification: SHA-1 (not announced), RSA OID on an EC key, bad lengths. */
    EVP_PKEY *ec = X509_get_pubkey(pki->p256_cert);
    long len = ike_cert_sign(p256, IKE_OUR_HASHES, octets, 3, &method, sig, sizeof(sig));
    assert_int_equal(ike_cert_verify_sig(ec, method, sig, (size_t)len, octets, 3,
                                         IKE_HASH_BIT(IKE_HASH_SHA2_384)),
                     IKE_CERT_BAD_SIG);
    uint8_t bad[IKE_SIG_MAX];
    memcpy(bad, sig, (size_t)len);
    bad[12] = 0x01; /* ecdsa-with-SHA1 */
    assert_int_equal(ike_cert_verify_sig(ec, method, bad, (size_t)len, octets, 3, 0xff),
                     IKE_CERT_BAD_SIG);
    bad[12] = 0x02;
    bad[0] = 0xff; /* AlgorithmIdentifier longer than the data */
    assert_int_equal(ike_cert_verify_sig(ec, method, bad, (size_t)len, octets, 3, IKE_OUR_HASHES),
                     IKE_CERT_BAD_SIG);
    bad[0] = 0x0b; /* one byte short: DER no longer fits */
    assert_int_equal(ike_cert_verify_sig(ec, method, bad, (size_t)len, octets, 3, IKE_OUR_HASHES),
                     IKE_CERT_BAD_SIG);
    memcpy(bad, sha256_rsa, sizeof(sha256_rsa));
    memcpy(bad + sizeof(sha256_rsa), sig + sizeof(ecdsa_sha256),
           (size_t)len - sizeof(ecdsa_sha256));
    assert_int_equal(ike_cert_verify_sig(ec, method, bad,
                                         (size_t)len - sizeof(ecdsa_sha256) + sizeof(sha256_rsa),
                                         octets, 3, IKE_OUR_HASHES),
                     IKE_CERT_BAD_SIG);
    EVP_PKEY_free(ec);
    ike_cred_free(rsa);
    ike_cred_free(p256);
    ike_cred_free(p384);
}

static void test_credentials(void **state)
{
    (void)state;
    char err[200];
    size_t clen, klen, k2len, elen;
    char *cert = pki_cert_pem(pki->p384_cert, &clen);
    char *inter = pki_cert_pem(pki->inter, &elen);
    char *key = pki_key_pem(pki->p384, NULL, &klen);
    char *wrong = pki_key_pem(pki->p256, NULL, &k2len);
    char chain[8192];
    snprintf(chain, sizeof(chain), "%s%s", cert, inter);

    struct ike_cred *c = ike_cred_from_pem(chain, strlen(chain), key, klen, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(ike_cred_ncerts(c), 2);
    size_t dlen;
    const uint8_t *d = ike_cred_cert_der(c, 1, &dlen);
    struct ike_iov want = der(pki->inter);
    assert_int_equal(dlen, want.len);
    assert_memory_equal(d, want.ptr, dlen);
    OPENSSL_free((void *)want.ptr);
    struct ike_id id = {.type = IKE_ID_FQDN, .len = 13};
    memcpy(id.data, "carol.example", 13);
    assert_true(ike_cred_has_id(c, &id));
    id.data[0] = 'k';
    assert_false(ike_cred_has_id(c, &id));
    assert_int_equal(ike_cred_subject_id(c, &id), 0);
    assert_int_equal(id.type, IKE_ID_DER_ASN1_DN);
    assert_true(ike_cred_has_id(c, &id));

    /* CERTREQ: the intermediate is sent unless the peer names it as a CA it trusts. */
    uint8_t hashes[2 * IKE_CERTREQ_HASH_LEN];
    unsigned char *spki = NULL;
    int slen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(pki->inter), &spki);
    assert_int_equal(EVP_Digest(spki, (size_t)slen, hashes + 20, NULL, EVP_sha1(), NULL), 1);
    OPENSSL_free(spki);
    memset(hashes, 0x11, 20);
    assert_int_equal(ike_cred_certs_to_send(c, hashes, 0), 2);
    assert_int_equal(ike_cred_certs_to_send(c, hashes, 1), 2);
    assert_int_equal(ike_cred_certs_to_send(c, hashes, 2), 1);
    ike_cred_free(c);

    /* A key that is not the certificate's, an encrypted key, no key, no certificate. */
    assert_null(ike_cred_from_pem(cert, clen, wrong, k2len, err, sizeof(err)));
    assert_non_null(strstr(err, "does not belong"));
    size_t elen2;
    char *enc = pki_key_pem(pki->p384, "secret", &elen2);
    assert_null(ike_cred_from_pem(cert, clen, enc, elen2, err, sizeof(err)));
    assert_non_null(strstr(err, "private key"));
    assert_null(ike_cred_from_pem(cert, clen, cert, clen, err, sizeof(err)));
    assert_null(ike_cred_from_pem(key, klen, key, klen, err, sizeof(err)));
    assert_non_null(strstr(err, "certificate"));
    /* A broken second block is an error, not a silently shorter chain. */
    char broken[8192];
    snprintf(broken, sizeof(broken),
             "%s-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", cert);
    assert_null(ike_cred_from_pem(broken, strlen(broken), key, klen, err, sizeof(err)));
    /* Keys veer does not sign with. */
    X509 *weak = ee(pki->rsa1024, "weak", "DNS:weak.example", pki->ca, pki->ca_key, -1, 30);
    assert_null(ike_cred_new(weak, pki->rsa1024, NULL));
    X509_free(weak);

    /* Trust anchors from PEM: CERTREQ hashes are SHA-1 of each SubjectPublicKeyInfo. */
    struct ike_trust *t = ike_trust_new();
    size_t alen, blen;
    char *a = pki_cert_pem(pki->ca, &alen), *b = pki_cert_pem(pki->other_ca, &blen);
    char both[8192];
    snprintf(both, sizeof(both), "%s%s", a, b);
    assert_int_equal(ike_trust_add_pem(t, both, strlen(both), err, sizeof(err)), 0);
    assert_int_equal(ike_trust_count(t), 2);
    spki = NULL;
    slen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(pki->other_ca), &spki);
    uint8_t h[20];
    assert_int_equal(EVP_Digest(spki, (size_t)slen, h, NULL, EVP_sha1(), NULL), 1);
    OPENSSL_free(spki);
    assert_memory_equal(ike_trust_keyid(t, 1), h, 20);
    assert_int_equal(ike_trust_add_pem(t, "nothing", 7, err, sizeof(err)), -1);
    ike_trust_free(t);
    free(a);
    free(b);
    free(enc);
    free(cert);
    free(inter);
    free(key);
    free(wrong);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_and_validity),    cmocka_unit_test(test_identities),
        cmocka_unit_test(test_malformed_certs),       cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_algorithm_identifiers), cmocka_unit_test(test_credentials),
    };
    return cmocka_run_group_tests_name("auth_cert", tests, group_setup, group_teardown);
}
