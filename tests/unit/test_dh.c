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

static void test_bad_peer_values(void **state)
{
    (void)state;
    uint8_t bad[IKE_DH_MAX_LEN], out[IKE_DH_MAX_LEN];

    /* X25519: the all-zero point gives an all-zero secret, which must be refused. */
    struct ike_dh_key *x = ike_dh_new(IKE_DH_CURVE25519);
    memset(bad, 0, 32);
    assert_int_equal(ike_dh_shared(x, bad, 32, out, sizeof(out)), -EINVAL);
    ike_dh_free(x);

    /* ECP: a point that is not on the curve. */
    struct ike_dh_key *e = ike_dh_new(IKE_DH_ECP_256);
    memset(bad, 0x01, 64);
    assert_int_equal(ike_dh_shared(e, bad, 64, out, sizeof(out)), -EINVAL);
    memset(bad, 0, 64);
    assert_int_equal(ike_dh_shared(e, bad, 64, out, sizeof(out)), -EINVAL);
    ike_dh_free(e);

    /* MODP: 0, 1 and p - 1 (all ones for these primes, minus one) are not valid. */
    struct ike_dh_key *m = ike_dh_new(IKE_DH_MODP_2048);
    memset(bad, 0, 256);
    assert_int_equal(ike_dh_shared(m, bad, 256, out, sizeof(out)), -EINVAL);
    bad[255] = 1;
    assert_int_equal(ike_dh_shared(m, bad, 256, out, sizeof(out)), -EINVAL);
    memset(bad, 0xff, 256);
    assert_int_equal(ike_dh_shared(m, bad, 256, out, sizeof(out)), -EINVAL);
    ike_dh_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agreement),
        cmocka_unit_test(test_expected_lengths),
        cmocka_unit_test(test_bad_peer_values),
    };
    return cmocka_run_group_tests_name("dh", tests, NULL, NULL);
}
