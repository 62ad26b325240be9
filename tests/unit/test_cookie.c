/* SPDX-License-Identifier: BSD-3-Clause */
/* Stateless cookies: binding, known answers, rotation, grace and expiry. */
#include <string.h>

#include "ike_cookie.h"
#include "unit_util.h"

#define SPI 0x0102030405060708ull
#define SEC 1000000000ull

struct fixture {
    uint8_t secret[IKE_COOKIE_SECRET_LEN];
    uint8_t ni[32];
    struct ike_addr v4, v6;
    struct ike_cookie_keys keys;
};

static int setup(void **state)
{
    static struct fixture f;
    for (unsigned i = 0; i < sizeof(f.secret); i++)
        f.secret[i] = (uint8_t)i;
    for (unsigned i = 0; i < sizeof(f.ni); i++)
        f.ni[i] = (uint8_t)(0xa0 + i);
    assert_int_equal(ike_addr_parse(&f.v4, "198.51.100.2", 500), 0);
    assert_int_equal(ike_addr_parse(&f.v6, "2001:db8::2", 4500), 0);
    ike_cookie_keys_init(&f.keys, f.secret);
    *state = &f;
    return 0;
}

/*
 * Known answers, computed independently with Python's hashlib:
 * sha256(secret | 32 zero bytes | len(Ni) | Ni | family | IP | port | SPIi)[:16].
 */
static void test_known_answers(void **state)
{
    struct fixture *f = *state;
    uint8_t c[IKE_COOKIE_LEN], want[IKE_COOKIE_LEN];
    ike_cookie_make(&f->keys, f->ni, sizeof(f->ni), &f->v4, SPI, c);
    unit_hex("01 29b1e9ffb5b513b20586a3c7de65e6a3", want, sizeof(want));
    assert_memory_equal(c, want, sizeof(want));
    ike_cookie_make(&f->keys, f->ni, sizeof(f->ni), &f->v6, SPI, c);
    unit_hex("01 4d8764188b478dd501e977b5719c7945", want, sizeof(want));
    assert_memory_equal(c, want, sizeof(want));
}

static void test_binds_every_input(void **state)
{
    struct fixture *f = *state;
    uint8_t c[IKE_COOKIE_LEN];
    ike_cookie_make(&f->keys, f->ni, sizeof(f->ni), &f->v4, SPI, c);
    assert_int_equal(
        ike_cookie_verify(&f->keys, 0, c, sizeof(c), f->ni, sizeof(f->ni), &f->v4, SPI),
        IKE_COOKIE_VALID);

    uint8_t ni2[32];
    memcpy(ni2, f->ni, sizeof(ni2));
    ni2[31] ^= 1;
    assert_int_equal(ike_cookie_verify(&f->keys, 0, c, sizeof(c), ni2, sizeof(ni2), &f->v4, SPI),
                     IKE_COOKIE_MISMATCH);
    assert_int_equal(ike_cookie_verify(&f->keys, 0, c, sizeof(c), f->ni, 31, &f->v4, SPI),
                     IKE_COOKIE_MISMATCH);
    struct ike_addr a = f->v4;
    a.port = 4500;
    assert_int_equal(ike_cookie_verify(&f->keys, 0, c, sizeof(c), f->ni, 32, &a, SPI),
                     IKE_COOKIE_MISMATCH);
    a = f->v4;
    a.ip[3] = 3;
    assert_int_equal(ike_cookie_verify(&f->keys, 0, c, sizeof(c), f->ni, 32, &a, SPI),
                     IKE_COOKIE_MISMATCH);
    assert_int_equal(ike_cookie_verify(&f->keys, 0, c, sizeof(c), f->ni, 32, &f->v4, SPI + 1),
                     IKE_COOKIE_MISMATCH);
    /* Another gateway secret. */
    struct ike_cookie_keys other;
    uint8_t s2[IKE_COOKIE_SECRET_LEN] = {9};
    ike_cookie_keys_init(&other, s2);
    assert_int_equal(ike_cookie_verify(&other, 0, c, sizeof(c), f->ni, 32, &f->v4, SPI),
                     IKE_COOKIE_MISMATCH);
    /* Every single bit of the hash matters. */
    for (unsigned bit = 8; bit < 8 * IKE_COOKIE_LEN; bit++) {
        c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(ike_cookie_verify(&f->keys, 0, c, sizeof(c), f->ni, 32, &f->v4, SPI),
                         IKE_COOKIE_MISMATCH);
        c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
}

static void test_bad_lengths_and_versions(void **state)
{
    struct fixture *f = *state;
    uint8_t c[IKE_COOKIE_MAX_LEN] = {0};
    ike_cookie_make(&f->keys, f->ni, sizeof(f->ni), &f->v4, SPI, c);
    const size_t lens[] = {0, 1, IKE_COOKIE_LEN - 1, IKE_COOKIE_LEN + 1, IKE_COOKIE_MAX_LEN};
    for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        assert_int_equal(ike_cookie_verify(&f->keys, 0, c, lens[i], f->ni, 32, &f->v4, SPI),
                         IKE_COOKIE_BAD_LENGTH);
    c[0] = 0;
    assert_int_equal(ike_cookie_verify(&f->keys, 0, c, IKE_COOKIE_LEN, f->ni, 32, &f->v4, SPI),
                     IKE_COOKIE_UNKNOWN_VERSION);
    c[0] = 2;
    assert_int_equal(ike_cookie_verify(&f->keys, 0, c, IKE_COOKIE_LEN, f->ni, 32, &f->v4, SPI),
                     IKE_COOKIE_UNKNOWN_VERSION);
    assert_string_equal(ike_cookie_verdict_name(IKE_COOKIE_EXPIRED), "expired");
}

static void test_rotation_grace_and_expiry(void **state)
{
    struct fixture *f = *state;
    struct ike_cookie_keys k = f->keys;
    uint8_t old[IKE_COOKIE_LEN], fresh[IKE_COOKIE_LEN];
    ike_cookie_make(&k, f->ni, 32, &f->v4, SPI, old);

    uint8_t s2[IKE_COOKIE_SECRET_LEN];
    memset(s2, 0x5a, sizeof(s2));
    ike_cookie_rotate(&k, s2, 100 * SEC, 30 * SEC);
    ike_cookie_make(&k, f->ni, 32, &f->v4, SPI, fresh);
    assert_int_equal(fresh[0], old[0] + 1);
    assert_memory_not_equal(fresh + 1, old + 1, IKE_COOKIE_HASH_LEN);

    /* The old cookie holds through the grace period, and not a nanosecond longer. */
    assert_int_equal(ike_cookie_verify(&k, 100 * SEC, old, sizeof(old), f->ni, 32, &f->v4, SPI),
                     IKE_COOKIE_VALID_PREVIOUS);
    assert_int_equal(ike_cookie_verify(&k, 130 * SEC - 1, old, sizeof(old), f->ni, 32, &f->v4, SPI),
                     IKE_COOKIE_VALID_PREVIOUS);
    assert_int_equal(ike_cookie_verify(&k, 130 * SEC, old, sizeof(old), f->ni, 32, &f->v4, SPI),
                     IKE_COOKIE_EXPIRED);
    assert_int_equal(ike_cookie_verify(&k, 999 * SEC, fresh, sizeof(fresh), f->ni, 32, &f->v4, SPI),
                     IKE_COOKIE_VALID);

    /* A second rotation forgets the first secret entirely. */
    uint8_t s3[IKE_COOKIE_SECRET_LEN];
    memset(s3, 0x33, sizeof(s3));
    ike_cookie_rotate(&k, s3, 200 * SEC, 30 * SEC);
    assert_int_equal(ike_cookie_verify(&k, 200 * SEC, old, sizeof(old), f->ni, 32, &f->v4, SPI),
                     IKE_COOKIE_UNKNOWN_VERSION);
    assert_int_equal(ike_cookie_verify(&k, 200 * SEC, fresh, sizeof(fresh), f->ni, 32, &f->v4, SPI),
                     IKE_COOKIE_VALID_PREVIOUS);
    assert_true(ike_cookie_ok(IKE_COOKIE_VALID_PREVIOUS));
    assert_false(ike_cookie_ok(IKE_COOKIE_EXPIRED));
}

static void test_version_wraps_past_zero(void **state)
{
    struct fixture *f = *state;
    struct ike_cookie_keys k = f->keys;
    uint8_t c[IKE_COOKIE_LEN];
    for (unsigned i = 0; i < 300; i++) {
        ike_cookie_rotate(&k, f->secret, i, 1);
        assert_int_not_equal(k.current.version, 0);
        assert_int_not_equal(k.current.version, k.previous.version);
    }
    ike_cookie_make(&k, f->ni, 32, &f->v4, SPI, c);
    assert_int_equal(ike_cookie_verify(&k, 300, c, sizeof(c), f->ni, 32, &f->v4, SPI),
                     IKE_COOKIE_VALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_binds_every_input),
        cmocka_unit_test(test_bad_lengths_and_versions),
        cmocka_unit_test(test_rotation_grace_and_expiry),
        cmocka_unit_test(test_version_wraps_past_zero),
    };
    return cmocka_run_group_tests_name("cookie", tests, setup, NULL);
}
