/* SPDX-License-Identifier: BSD-3-Clause */
/* Diffie-Hellman: agreement per group, IKE encodings, and refusal of bad peer values. */
#include <errno.h>
#include <string.h>

#include "ike_consts.h"
#include "ike_dh.h"
#include "unit_util.h"

static const uint16_t groups[] = {IKE_DH_CURVE25519, IKE_DH_CURVE448, IKE_DH_ECP_256,
                                  IKE_DH_ECP_384,    IKE_DH_ECP_521,  IKE_DH_MODP_2048};

static void test_agreement(void **state)
{
    (void)state;
    for (unsigned g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        struct ike_dh_key *a = ike_dh_new(groups[g]);
        struct ike_dh_key *b = ike_dh_new(groups[g]);
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(ike_dh_group(a), groups[g]);
        uint8_t pa[IKE_DH_MAX_LEN], pb[IKE_DH_MAX_LEN], sa[IKE_DH_MAX_LEN], sb[IKE_DH_MAX_LEN];
        long la = ike_dh_public(a, pa, sizeof(pa));
        long lb = ike_dh_public(b, pb, sizeof(pb));
        assert_int_equal(la, (long)ike_dh_public_len(groups[g]));
        assert_int_equal(lb, la);
        assert_memory_not_equal(pa, pb, (size_t)la);
        long ka = ike_dh_shared(a, pb, (size_t)lb, sa, sizeof(sa));
        long kb = ike_dh_shared(b, pa, (size_t)la, sb, sizeof(sb));
        assert_true(ka > 0);
        assert_int_equal(ka, kb);
        assert_memory_equal(sa, sb, (size_t)ka);

        /* Wrong length, or no room. */
        assert_int_equal(ike_dh_shared(a, pb, (size_t)lb - 1, sa, sizeof(sa)), -EINVAL);
        assert_int_equal(ike_dh_shared(a, pb, (size_t)lb, sa, 8), -ENOSPC);
        assert_int_equal(ike_dh_public(a, pa, (size_t)la - 1), -ENOSPC);
        ike_dh_free(a);
        ike_dh_free(b);
    }
    ike_dh_free(NULL);
}

static void test_expected_lengths(void **state)
{
    (void)state;
    assert_int_equal(ike_dh_public_len(IKE_DH_CURVE25519), 32);
    assert_int_equal(ike_dh_public_len(IKE_DH_CURVE448), 56);
    assert_int_equal(ike_dh_public_len(IKE_DH_ECP_256), 64);
    assert_int_equal(ike_dh_public_len(IKE_DH_ECP_384), 96);
    assert_int_equal(ike_dh_public_len(IKE_DH_MODP_2048), 256);
    assert_int_equal(ike_dh_public_len(IKE_DH_MODP_1024), 0);
    assert_false(ike_dh_group_supported(IKE_DH_MODP_1024));
    assert_null(ike_dh_new(IKE_DH_MODP_1024));
}

/* A peer value the DH must refuse: `len` bytes of `fill`, the last one `last` when >= 0. */
struct bad_peer {
    uint16_t group;
    uint8_t fill;
    size_t len;
    int last;
};

static const struct bad_peer bad_peers[] = {
    /* X25519: the all-zero point gives an all-zero secret, which must be refused. */
    {IKE_DH_CURVE25519, 0, 32, -1},
    /* ECP: a point that is not on the curve. */
    {IKE_DH_ECP_256, 0x01, 64, -1},
    {IKE_DH_ECP_256, 0, 64, -1},
    /* MODP: 0, 1 and p - 1 (all ones for these primes, minus one) are not valid. */
    {IKE_DH_MODP_2048, 0, 256, -1},
    {IKE_DH_MODP_2048, 0, 256, 1},
    {IKE_DH_MODP_2048, 0xff, 256, -1},
};

static void test_bad_peer_values(void **state)
{
    (void)state;
    uint8_t bad[IKE_DH_MAX_LEN], out[IKE_DH_MAX_LEN];
    for (unsigned i = 0; i < sizeof(bad_peers) / sizeof(bad_peers[0]); i++) {
        const struct bad_peer *k = &bad_peers[i];
        print_message("case %u: group %u\n", i, k->group);
        struct ike_dh_key *key = ike_dh_new(k->group);
        assert_non_null(key);
        memset(bad, k->fill, k->len);
        if (k->last >= 0)
            bad[k->len - 1] = (uint8_t)k->last;
        assert_int_equal(ike_dh_shared(key, bad, k->len, out, sizeof(out)), -EINVAL);
        ike_dh_free(key);
    }
}

/*
 * RFC 7748 6.1 and 6.2: Alice's and Bob's key pairs from their private keys,
 * and the shared secret from each side. ike_dh_new() makes X25519 and X448
 * keys from random bytes through the same ike_dh_from_private().
 */
struct rfc7748_vector {
    uint16_t group;
    const char *alice_priv, *alice_pub, *bob_priv, *bob_pub, *secret;
};

static const struct rfc7748_vector rfc7748[] = {
    {IKE_DH_CURVE25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
     "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
     "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
     "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
     "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
    {IKE_DH_CURVE448,
     "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d"
     "d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
     "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c"
     "22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
     "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d"
     "6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
     "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430"
     "27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
     "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b"
     "b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d"},
};

static void test_rfc7748_vectors(void **state)
{
    (void)state;
    for (unsigned v = 0; v < sizeof(rfc7748) / sizeof(rfc7748[0]); v++) {
        const struct rfc7748_vector *t = &rfc7748[v];
        uint8_t a_priv[56], b_priv[56], a_pub[56], b_pub[56], secret[56];
        uint8_t pub[IKE_DH_MAX_LEN], out[IKE_DH_MAX_LEN];
        size_t len = unit_hex(t->alice_priv, a_priv, sizeof(a_priv));
        assert_int_equal(len, ike_dh_public_len(t->group));
        unit_hex(t->bob_priv, b_priv, sizeof(b_priv));
        unit_hex(t->alice_pub, a_pub, sizeof(a_pub));
        unit_hex(t->bob_pub, b_pub, sizeof(b_pub));
        unit_hex(t->secret, secret, sizeof(secret));

        struct ike_dh_key *alice = ike_dh_from_private(t->group, a_priv, len);
        struct ike_dh_key *bob = ike_dh_from_private(t->group, b_priv, len);
        assert_non_null(alice);
        assert_non_null(bob);
        assert_int_equal(ike_dh_group(alice), t->group);
        assert_int_equal(ike_dh_public(alice, pub, sizeof(pub)), (long)len);
        assert_memory_equal(pub, a_pub, len);
        assert_int_equal(ike_dh_public(bob, pub, sizeof(pub)), (long)len);
        assert_memory_equal(pub, b_pub, len);
        assert_int_equal(ike_dh_shared(alice, b_pub, len, out, sizeof(out)), (long)len);
        assert_memory_equal(out, secret, len);
        assert_int_equal(ike_dh_shared(bob, a_pub, len, out, sizeof(out)), (long)len);
        assert_memory_equal(out, secret, len);
        ike_dh_free(alice);
        ike_dh_free(bob);

        /* Only the raw-key groups, and only their own length. */
        assert_null(ike_dh_from_private(t->group, a_priv, len - 1));
    }
    uint8_t k[32] = {1};
    assert_null(ike_dh_from_private(IKE_DH_ECP_256, k, sizeof(k)));
    assert_null(ike_dh_from_private(IKE_DH_MODP_1024, k, sizeof(k)));
}

/* Random X25519/X448 keys differ from one another and agree with a peer. */
static void test_random_raw_keys_differ(void **state)
{
    (void)state;
    const uint16_t raw[] = {IKE_DH_CURVE25519, IKE_DH_CURVE448};
    for (unsigned g = 0; g < 2; g++) {
        uint8_t first[56], pub[56];
        size_t len = ike_dh_public_len(raw[g]);
        struct ike_dh_key *a = ike_dh_new(raw[g]);
        assert_non_null(a);
        assert_int_equal(ike_dh_public(a, first, sizeof(first)), (long)len);
        for (unsigned i = 0; i < 16; i++) {
            struct ike_dh_key *b = ike_dh_new(raw[g]);
            assert_non_null(b);
            assert_int_equal(ike_dh_public(b, pub, sizeof(pub)), (long)len);
            assert_memory_not_equal(pub, first, len);
            ike_dh_free(b);
        }
        ike_dh_free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agreement),
        cmocka_unit_test(test_expected_lengths),
        cmocka_unit_test(test_bad_peer_values),
        cmocka_unit_test(test_rfc7748_vectors),
        cmocka_unit_test(test_random_raw_keys_differ),
    };
    return cmocka_run_group_tests_name("dh", tests, NULL, NULL);
}
