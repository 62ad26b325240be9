/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key derivation against vectors computed independently with Python's hmac
 * module from the formulas of RFC 7296 2.13, 2.14, 2.17 and 2.18.
 */
#include <errno.h>
#include <string.h>

#include "ike_consts.h"
#include "ike_keymat.h"
#include "unit_util.h"

#define SPI_I 0x0102030405060708ull
#define SPI_R 0x1112131415161718ull

struct inputs {
    uint8_t ni[32], nr[32], gir[32];
};

static struct inputs make_inputs(void)
{
    struct inputs in;
    for (unsigned i = 0; i < 32; i++) {
        in.ni[i] = (uint8_t)i;
        in.nr[i] = (uint8_t)(100 + i);
        in.gir[i] = 0x55;
    }
    return in;
}

static void expect_hex(const uint8_t *got, size_t len, const char *hex)
{
    uint8_t want[128];
    size_t n = unit_hex(hex, want, sizeof(want));
    assert_int_equal(n, len);
    assert_memory_equal(got, want, len);
}

/* AES-GCM-128 for SK_e (16 + 4 bytes of salt), no SK_a, PRF HMAC-SHA2-256. */
static void test_ike_sa_keys(void **state)
{
    (void)state;
    struct inputs in = make_inputs();
    const struct ike_key_lens lens = {.prf = 32, .integ = 0, .encr = 20};
    struct ike_sa_keys k;
    assert_int_equal(ike_derive_sa_keys(IKE_PRF_HMAC_SHA2_256, &lens, NULL, in.ni, 32, in.nr, 32,
                                        in.gir, 32, SPI_I, SPI_R, &k),
                     0);
    expect_hex(k.sk_d, 32, "0fe139a610d1a15bfd0a4f365c3b2444bedf63703dc3b71b39de3cc6e53bb72c");
    expect_hex(k.sk_ei, 20, "d77b992bb6beff666610569fab75f383a2d2d13f");
    expect_hex(k.sk_er, 20, "19aaf31bcc9d2e7cc8bbef7852cacde29a15b40b");
    expect_hex(k.sk_pi, 32, "5705d136b518b22a392139bf8fe43c0ca3349f029e4b7034c42b3186fb13403f");
    expect_hex(k.sk_pr, 32, "f890a98819b1e680625fb35323a74cf1ec1260123a2cc7fda7603726fc51cc99");

    /* IKE SA rekey: SKEYSEED = prf(SK_d, g^ir | Ni | Nr). */
    struct ike_sa_keys k2;
    assert_int_equal(ike_derive_sa_keys(IKE_PRF_HMAC_SHA2_256, &lens, k.sk_d, in.ni, 32, in.nr, 32,
                                        in.gir, 32, SPI_I, SPI_R, &k2),
                     0);
    expect_hex(k2.sk_d, 32, "10cca09ee44d4b102e9b0f25c719fca7eb7ccf1dc0395a819bc0cc3280318930");

    ike_sa_keys_wipe(&k2);
    uint8_t zero[sizeof(k2)] = {0};
    assert_memory_equal(&k2, zero, sizeof(k2));
}

static void test_child_keymat(void **state)
{
    (void)state;
    struct inputs in = make_inputs();
    uint8_t sk_d[32], km[40];
    unit_hex("0fe139a610d1a15bfd0a4f365c3b2444bedf63703dc3b71b39de3cc6e53bb72c", sk_d, 32);
    assert_int_equal(ike_derive_child_keymat(IKE_PRF_HMAC_SHA2_256, sk_d, 32, NULL, 0, in.ni, 32,
                                             in.nr, 32, km, sizeof(km)),
                     0);
    expect_hex(km, 40,
               "a6baac8d5f8b9015b19d1a8811feaf36e038ab5e47d35f152e60b78dbd7a2e095f12894652516727");
    assert_int_equal(ike_derive_child_keymat(IKE_PRF_HMAC_SHA2_256, sk_d, 32, in.gir, 32, in.ni, 32,
                                             in.nr, 32, km, sizeof(km)),
                     0);
    expect_hex(km, 40,
               "66d5f77b3f96190b35838eb79b6880d64efbf60086a6c8fd1f5087a25281e65db86387beb70c5c74");
}

static void test_prf_and_prf_plus(void **state)
{
    (void)state;
    uint8_t out[255 * 20 + 1];
    const struct ike_iov data[] = {{"da", 2}, {"ta", 2}};
    assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_512, (const uint8_t *)"key", 3, data, 2, out), 0);
    expect_hex(out, 16, "3c5953a18f7303ec653ba170ae334faf");

    const struct ike_iov seed[] = {{"s", 1}};
    assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA1, (const uint8_t *)"k", 1, seed, 1, out, 50), 0);
    expect_hex(out, 50,
               "9a4d3c2377ded771c09866e49249bdf92f4b7b0247d77fd9f8c2642c4fa58c433af135373da9"
               "d322dc929d40b87c14cc8fff");

    /* 255 blocks at most (the counter is one byte). */
    assert_int_equal(
        ike_prf_plus(IKE_PRF_HMAC_SHA1, (const uint8_t *)"k", 1, seed, 1, out, 255 * 20), 0);
    assert_int_equal(
        ike_prf_plus(IKE_PRF_HMAC_SHA1, (const uint8_t *)"k", 1, seed, 1, out, 255 * 20 + 1),
        -EINVAL);

    assert_int_equal(ike_prf_len(IKE_PRF_HMAC_SHA2_384), 48);
    assert_int_equal(ike_prf_len(IKE_PRF_AES128_XCBC), 0);
    assert_int_equal(ike_prf(IKE_PRF_HMAC_MD5, (const uint8_t *)"k", 1, data, 2, out), -ENOTSUP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ike_sa_keys),
        cmocka_unit_test(test_child_keymat),
        cmocka_unit_test(test_prf_and_prf_plus),
    };
    return cmocka_run_group_tests_name("keymat", tests, NULL, NULL);
}
