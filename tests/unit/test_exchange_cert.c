/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_AUTH with certificates, veer against veer through the mock backend:
 * RSA and ECDSA, an intermediate CA sent in a CERT payload, DN identities,
 * the classic signature methods, and every refusal (untrusted CA, expired
 * certificate, identity not in the certificate, bad signature, a shared key
 * where a certificate is due) ending in AUTHENTICATION_FAILED and its counter.
 */
#include <string.h>

#include "ike.h"
#include "ike_auth_cert.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "ike_sa.h"
#include "mock_backend.h"
#include "test_pki.h"
#include "unit_util.h"

struct pki {
    EVP_PKEY *ca_key, *other_key, *inter_key;
    X509 *ca, *other_ca, *inter;
    struct ike_trust *trust, *other_trust;
    /* alice's and the gateway's credentials, by kind */
    struct ike_cred *alice_rsa, *alice_p256, *alice_expired, *gw_rsa, *gw_p256, *gw_p384_chain;
};

static struct pki *pki; /* made once per program: RSA keys are slow to generate */

static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *san, bool is_ca, X509 *issuer,
                       EVP_PKEY *ikey, long from, long to)
{
    const struct pki_cert_spec s = {.cn = cn,
                                    .san = san,
                                    .ca = is_ca,
                                    .from_days = from,
                                    .to_days = to,
                                    .issuer = issuer,
                                    .issuer_key = ikey};
    return pki_cert(key, &s);
}

static struct ike_cred *make_cred(const char *kind, const char *cn, const char *san, X509 *issuer,
                                  EVP_PKEY *ikey, long to, X509 *inter)
{
    EVP_PKEY *key = pki_key(kind);
    X509 *cert = make_cert(key, cn, san, false, issuer, ikey, -2, to);
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (inter != NULL)
        sk_X509_push(chain, inter);
    struct ike_cred *c = ike_cred_new(cert, key, chain);
    assert_non_null(c);
    sk_X509_free(chain);
    X509_free(cert);
    EVP_PKEY_free(key);
    return c;
}

static int group_setup(void **state)
{
    (void)state;
    static struct pki p;
    p.ca_key = pki_key("p256");
    p.other_key = pki_key("p256");
    p.inter_key = pki_key("p256");
    p.ca = make_cert(p.ca_key, "veer lab CA", NULL, true, NULL, NULL, -2, 365);
    p.other_ca = make_cert(p.other_key, "some other CA", NULL, true, NULL, NULL, -2, 365);
    p.inter = make_cert(p.inter_key, "veer lab intermediate", NULL, true, p.ca, p.ca_key, -2, 365);
    p.trust = ike_trust_new();
    p.other_trust = ike_trust_new();
    assert_int_equal(ike_trust_add(p.trust, p.ca), 0);
    assert_int_equal(ike_trust_add(p.other_trust, p.other_ca), 0);
    const char *a = "DNS:alice.example", *g = "DNS:gw.example";
    p.alice_rsa = make_cred("rsa2048", "alice", a, p.ca, p.ca_key, 30, NULL);
    p.alice_p256 = make_cred("p256", "alice", a, p.ca, p.ca_key, 30, NULL);
    p.alice_expired = make_cred("p256", "alice", a, p.ca, p.ca_key, -1, NULL);
    p.gw_rsa = make_cred("rsa2048", "gw", g, p.ca, p.ca_key, 30, NULL);
    p.gw_p256 = make_cred("p256", "gw", g, p.ca, p.ca_key, 30, NULL);
    p.gw_p384_chain = make_cred("p384", "gw", g, p.inter, p.inter_key, 30, p.inter);
    pki = &p;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    struct ike_cred *creds[] = {pki->alice_rsa, pki->alice_p256, pki->alice_expired,
                                pki->gw_rsa,    pki->gw_p256,    pki->gw_p384_chain};
    for (size_t i = 0; i < sizeof(creds) / sizeof(creds[0]); i++)
        ike_cred_free(creds[i]);
    ike_trust_free(pki->trust);
    ike_trust_free(pki->other_trust);
    X509_free(pki->ca);
    X509_free(pki->other_ca);
    X509_free(pki->inter);
    EVP_PKEY_free(pki->ca_key);
    EVP_PKEY_free(pki->other_key);
    EVP_PKEY_free(pki->inter_key);
    return 0;
}

/* Both sides with certificates, trusting the lab CA; the PSK is wiped so it cannot help. */
static void use_certs(struct lab *lab, const struct ike_cred *alice, const struct ike_cred *gw)
{
    struct ike_peer_cfg *peers[] = {&lab->alice_peer, &lab->gw_peer};
    const struct ike_cred *creds[] = {alice, gw};
    for (unsigned i = 0; i < 2; i++) {
        memset(peers[i]->psk, 0, sizeof(peers[i]->psk));
        peers[i]->psk_len = 0;
        peers[i]->local_auth = peers[i]->remote_auth = IKE_PEER_AUTH_PUBKEY;
        peers[i]->cred = creds[i];
        peers[i]->trust = pki->trust;
    }
}

/* Runs alice's IKE_SA_INIT only: request and response delivered, her IKE_AUTH queued. */
static void run_init(struct lab *lab)
{
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(mock_run(&lab->net, lab->alice, &lab->alice_addr, lab->gw, &lab->gw_addr, 2),
                     2);
}

static struct ike_sa *gw_sa(struct lab *lab)
{
    struct ike_sa *sa = ike_sa_find_ours(lab->gw, lab_only_sa(lab->gw).spi_r);
    assert_non_null(sa);
    return sa;
}

static void assert_established_with_keys(struct lab *lab)
{
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_string_equal(g.peer, "road-warriors");
    lab_expect_child_pair(lab);
    for (unsigned i = 0; i < 2; i++) {
        const struct ike_counters *c = ike_get_counters(i ? lab->gw : lab->alice);
        assert_int_equal(c->auth_failed + c->cert_untrusted + c->cert_expired +
                             c->cert_id_mismatch + c->cert_malformed + c->auth_bad_signature,
                         0);
    }
}

/* Alice's IKE_AUTH was refused by the gateway with `counter` counted there. */
static void assert_refused_by_gw(struct lab *lab, uint64_t counter)
{
    assert_int_equal(counter, 1);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_get_counters(lab->gw)->auth_failed, 1);
    /* Alice got AUTHENTICATION_FAILED and gave up too. */
    assert_int_equal(ike_get_counters(lab->alice)->auth_failed, 1);
    assert_int_equal(lab->gw_node.ninstalled, 0);
    assert_int_equal(lab->alice_node.ninstalled, 0);
}

/* alice and the gateway authenticate with these credentials; all else as use_certs sets it. */
static void establishes_with(struct lab *lab, const struct ike_cred *alice,
                             const struct ike_cred *gw)
{
    use_certs(lab, alice, gw);
    lab_start_run(lab);
    assert_established_with_keys(lab);
}

static void test_rsa(void **state)
{
    establishes_with(*state, pki->alice_rsa, pki->gw_rsa);
}

static void test_ecdsa(void **state)
{
    establishes_with(*state, pki->alice_p256, pki->gw_p256);
}

/* The gateway's P-384 certificate comes from an intermediate that only its CERT payload carries. */
static void test_intermediate_and_mixed_keys(void **state)
{
    establishes_with(*state, pki->alice_rsa, pki->gw_p384_chain);
}

static void test_dn_identities(void **state)
{
    struct lab *lab = *state;
    use_certs(lab, pki->alice_p256, pki->gw_rsa);
    assert_int_equal(ike_cred_subject_id(pki->alice_p256, &lab->alice_peer.local_id), 0);
    /* Written differently from the certificate's encoding: equal as X.500 names. */
    assert_int_equal(ike_id_from_dn("O=Veer Test, CN=ALICE", &lab->gw_peer.remote_id), 0);
    lab_start_run(lab);
    assert_established_with_keys(lab);
}

/* The gateway signs with the classic methods (1 RSA, 9 ECDSA) as for a peer without RFC 7427. */
static void test_classic_methods(void **state)
{
    struct lab *lab = *state;
    const struct ike_cred *gw_creds[] = {pki->gw_rsa, pki->gw_p256};
    for (unsigned i = 0; i < 2; i++) {
        if (i > 0) {
            lab_teardown(state);
            lab_setup(state);
            lab = *state;
        }
        use_certs(lab, pki->alice_p256, gw_creds[i]);
        lab_start(lab);
        run_init(lab);
        gw_sa(lab)->peer_hashes = 0;
        lab_run(lab);
        assert_established_with_keys(lab);
    }
}

static void test_untrusted_ca(void **state)
{
    struct lab *lab = *state;
    use_certs(lab, pki->alice_p256, pki->gw_p256);
    lab->gw_peer.trust = pki->other_trust;
    lab_start_run(lab);
    assert_refused_by_gw(lab, ike_get_counters(lab->gw)->cert_untrusted);
}

static void test_expired(void **state)
{
    struct lab *lab = *state;
    use_certs(lab, pki->alice_expired, pki->gw_p256);
    lab_start_run(lab);
    assert_refused_by_gw(lab, ike_get_counters(lab->gw)->cert_expired);
}

static void test_id_not_in_cert(void **state)
{
    struct lab *lab = *state;
    use_certs(lab, pki->alice_p256, pki->gw_p256);
    /* Alice claims mallory's identity with her own certificate; the gateway takes any ID. */
    lab_set_id(&lab->alice_peer.local_id, "mallory.example");
    lab->gw_peer.remote_id.type = 0;
    lab_start_run(lab);
    assert_refused_by_gw(lab, ike_get_counters(lab->gw)->cert_id_mismatch);
}

static void test_bad_signature(void **state)
{
    struct lab *lab = *state;
    use_certs(lab, pki->alice_rsa, pki->gw_p256);
    lab_start(lab);
    run_init(lab);
    /* The gateway's copy of alice's IKE_SA_INIT differs: her signature cannot cover it. */
    struct ike_sa *sa = gw_sa(lab);
    sa->init_i.buf[sa->init_i.len - 1] ^= 1;
    lab_run(lab);
    assert_refused_by_gw(lab, ike_get_counters(lab->gw)->auth_bad_signature);
}

static void test_psk_where_cert_is_due(void **state)
{
    struct lab *lab = *state;
    use_certs(lab, pki->alice_p256, pki->gw_p256);
    lab->alice_peer.local_auth = IKE_PEER_AUTH_PSK;
    memcpy(lab->alice_peer.psk, "whatever", 8);
    lab->alice_peer.psk_len = 8;
    lab_start_run(lab);
    assert_refused_by_gw(lab, ike_get_counters(lab->gw)->auth_bad_signature);
}

/* The initiator refuses a responder whose certificate it cannot trust. */
static void test_initiator_refuses_gateway(void **state)
{
    struct lab *lab = *state;
    use_certs(lab, pki->alice_p256, pki->gw_rsa);
    lab->alice_peer.trust = pki->other_trust;
    lab_start_run(lab);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_get_counters(lab->alice)->auth_failed, 1);
    assert_int_equal(ike_get_counters(lab->alice)->cert_untrusted, 1);
    assert_int_equal(lab->alice_node.ninstalled, 0);
}

#define T(f) LAB_TEST(f)

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_rsa),
        LAB_TEST(test_ecdsa),
        LAB_TEST(test_intermediate_and_mixed_keys),
        LAB_TEST(test_dn_identities),
        LAB_TEST(test_classic_methods),
        LAB_TEST(test_untrusted_ca),
        LAB_TEST(test_expired),
        LAB_TEST(test_id_not_in_cert),
        LAB_TEST(test_bad_signature),
        LAB_TEST(test_psk_where_cert_is_due),
        LAB_TEST(test_initiator_refuses_gateway),
    };
    return cmocka_run_group_tests_name("exchange_cert", tests, group_setup, group_teardown);
}
