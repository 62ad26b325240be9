/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SK payload protection against vectors made independently with Python's
 * cryptography package (AES-GCM, RFC 5282) and hmac module (AES-CBC +
 * HMAC-SHA2-256-128), and tamper detection over every byte.
 */
#include <errno.h>
#include <string.h>

#include "ike_consts.h"
#include "ike_sk_crypto.h"
#include "unit_util.h"

#define GCM_PRE                                                                                    \
    "010203040506070811121314151617182e202308000000010000004129000025000102030405060700000008"     \
    "000040000000000000000000000000000000000000"
#define GCM_POST                                                                                   \
    "010203040506070811121314151617182e2023080000000100000041290000250001020304050607762730"       \
    "3b8ad088f2de463cb83f01d08febd7580f11c8e67b03"
#define CBC_PRE                                                                                    \
    "010203040506070811121314151617182e202308000000010000005029000034101112131415161718191a1b"     \
    "1c1d1e1f0000000800004000000000000000000700000000000000000000000000000000"
#define CBC_POST                                                                                   \
    "010203040506070811121314151617182e202308000000010000005029000034101112131415161718191a1b"     \
    "1c1d1e1f9d56ded06686db366b40c3b41f0e2286d0db11f264df8e75e607c6a108f8b8cb"

struct vector {
    uint16_t encr, integ;
    const char *pre, *post;
    uint8_t ekey[20], akey[32];
};

static struct vector gcm_vector(void)
{
    struct vector v = {.encr = IKE_ENCR_AES_GCM_16, .integ = 0, .pre = GCM_PRE, .post = GCM_POST};
    for (unsigned i = 0; i < 16; i++)
        v.ekey[i] = (uint8_t)i;
    unit_hex("a0a1a2a3", v.ekey + 16, 4);
    return v;
}

static struct vector cbc_vector(void)
{
    struct vector v = {.encr = IKE_ENCR_AES_CBC,
                       .integ = IKE_INTEG_HMAC_SHA2_256_128,
                       .pre = CBC_PRE,
                       .post = CBC_POST};
    for (unsigned i = 0; i < 16; i++)
        v.ekey[i] = (uint8_t)(32 + i);
    for (unsigned i = 0; i < 32; i++)
        v.akey[i] = (uint8_t)(64 + i);
    return v;
}

/* Builds HDR, SK{N(INITIAL_CONTACT)} with the writer: it must lay out what the vector has. */
static size_t build(const struct ike_sk_suite *s, const uint8_t *iv, uint8_t *buf, size_t cap,
                    size_t *plain_off, size_t *plain_len)
{
    struct ike_writer w;
    const struct ike_hdr h = {.spi_i = 0x0102030405060708ull,
                              .spi_r = 0x1112131415161718ull,
                              .version = 0x20,
                              .exchange = IKE_EXCH_IKE_AUTH,
                              .flags = IKE_FLAG_INITIATOR,
                              .msg_id = 1};
    ike_w_init(&w, buf, cap, false);
    ike_w_header(&w, &h);
    size_t sk = ike_sk_begin(&w, s->iv_len, 0, 0);
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_INITIAL_CONTACT, NULL, 0), 0);
    assert_int_equal(ike_sk_end(&w, sk, s->iv_len, s->block_size, s->icv_len, plain_off, plain_len),
                     0);
    long n = ike_w_finish(&w);
    assert_true(n > 0);
    memcpy(buf + *plain_off - s->iv_len, iv, s->iv_len);
    return (size_t)n;
}

static void check_vector(const struct vector *v, unsigned key_bits)
{
    struct ike_sk_suite s;
    assert_int_equal(ike_sk_suite_init(&s, v->encr, (uint16_t)key_bits, v->integ), 0);
    uint8_t pre[256], post[256], msg[256];
    size_t n = unit_hex(v->pre, pre, sizeof(pre));
    assert_int_equal(unit_hex(v->post, post, sizeof(post)), n);

    size_t plain_off, plain_len;
    assert_int_equal(build(&s, pre + 32, msg, sizeof(msg), &plain_off, &plain_len), n);
    assert_memory_equal(msg, pre, n);
    assert_int_equal(ike_sk_seal(&s, v->ekey, v->akey, msg, n, plain_off, plain_len), 0);
    assert_memory_equal(msg, post, n);

    /* Open it again: decode, decrypt, unpad, decode the inner chain. */
    struct ike_msg m;
    struct ike_err e;
    assert_int_equal(ike_msg_decode(msg, n, &m, &e), 0);
    const struct ike_pl *skpl = ike_msg_find(&m, IKE_PL_SK, NULL);
    struct ike_sk_payload sk;
    assert_int_equal(ike_sk_decode(skpl, s.iv_len, s.icv_len, &sk, &e), 0);
    long pl = ike_sk_open(&s, v->ekey, v->akey, msg, n, &sk);
    assert_int_equal(pl, (long)plain_len);
    long inner = ike_sk_unpad(sk.ciphertext.ptr, (size_t)pl);
    assert_int_equal(inner, 8);
    assert_int_equal(
        ike_msg_decode_inner(&m, sk.ciphertext.ptr, (size_t)inner, sk.first_inner, plain_off, &e),
        0);
    assert_non_null(ike_msg_find_notify(&m, IKE_N_INITIAL_CONTACT));

    /* Every byte is covered: a flip anywhere is caught. */
    for (size_t i = 0; i < n; i++) {
        memcpy(msg, post, n);
        msg[i] ^= 0x04;
        assert_int_equal(ike_sk_open(&s, v->ekey, v->akey, msg, n, &sk), -EBADMSG);
    }
    /* And with another key. */
    memcpy(msg, post, n);
    uint8_t ekey[20];
    memcpy(ekey, v->ekey, sizeof(ekey));
    ekey[0] ^= 1;
    uint8_t akey[32];
    memcpy(akey, v->akey, sizeof(akey));
    akey[31] ^= 1;
    assert_int_equal(ike_sk_open(&s, ekey, akey, msg, n, &sk), -EBADMSG);
}

static void test_gcm_vector(void **state)
{
    (void)state;
    struct vector v = gcm_vector();
    check_vector(&v, 128);
}

static void test_cbc_hmac_vector(void **state)
{
    (void)state;
    struct vector v = cbc_vector();
    check_vector(&v, 128);
}

static void test_suites(void **state)
{
    (void)state;
    struct ike_sk_suite s;
    assert_int_equal(ike_sk_suite_init(&s, IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE), 0);
    assert_int_equal(s.encr_key_len, 36);
    assert_int_equal(s.icv_len, 16);
    assert_int_equal(s.iv_len, 8);
    assert_int_equal(ike_sk_suite_init(&s, IKE_ENCR_AES_GCM_8, 128, IKE_INTEG_NONE), 0);
    assert_int_equal(s.icv_len, 8);
    assert_int_equal(ike_sk_suite_init(&s, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256), 0);
    assert_int_equal(s.integ_key_len, 64);
    assert_int_equal(s.icv_len, 32);
    assert_int_equal(s.block_size, 16);
    assert_int_equal(ike_sk_suite_init(&s, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_384_192), 0);
    assert_int_equal(s.icv_len, 24);
    /* AEAD with integrity, CBC without, odd key sizes, unknown ciphers: cipher, bits, integrity. */
    const uint16_t refused[][3] = {
        {IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA1_96},
        {IKE_ENCR_AES_CBC, 128, IKE_INTEG_NONE},
        {IKE_ENCR_AES_CBC, 100, IKE_INTEG_HMAC_SHA1_96},
        {IKE_ENCR_3DES, 128, IKE_INTEG_HMAC_SHA1_96},
    };
    for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        print_message("case %u: cipher %u, %u bits, integrity %u\n", i, refused[i][0],
                      refused[i][1], refused[i][2]);
        assert_int_equal(ike_sk_suite_init(&s, refused[i][0], refused[i][1], refused[i][2]),
                         -ENOTSUP);
    }
}

/* Every supported suite seals and opens its own messages. */
static void test_round_trips(void **state)
{
    (void)state;
    const uint16_t aead[] = {IKE_ENCR_AES_GCM_8, IKE_ENCR_AES_GCM_12, IKE_ENCR_AES_GCM_16};
    const uint16_t integ[] = {IKE_INTEG_HMAC_SHA1_96, IKE_INTEG_HMAC_SHA2_256_128,
                              IKE_INTEG_HMAC_SHA2_384_192, IKE_INTEG_HMAC_SHA2_512_256};
    const unsigned bits[] = {128, 192, 256};
    uint8_t ekey[36], akey[64], iv[16], msg[512];
    memset(ekey, 0x11, sizeof(ekey));
    memset(akey, 0x22, sizeof(akey));
    memset(iv, 0x33, sizeof(iv));
    for (unsigned b = 0; b < 3; b++) {
        for (unsigned c = 0; c < 3 + 4; c++) {
            struct ike_sk_suite s;
            uint16_t encr = c < 3 ? aead[c] : IKE_ENCR_AES_CBC;
            uint16_t in = c < 3 ? IKE_INTEG_NONE : integ[c - 3];
            assert_int_equal(ike_sk_suite_init(&s, encr, (uint16_t)bits[b], in), 0);
            size_t off, len;
            size_t n = build(&s, iv, msg, sizeof(msg), &off, &len);
            assert_int_equal(ike_sk_seal(&s, ekey, akey, msg, n, off, len), 0);
            struct ike_msg m;
            struct ike_sk_payload sk;
            assert_int_equal(ike_msg_decode(msg, n, &m, NULL), 0);
            assert_int_equal(
                ike_sk_decode(ike_msg_find(&m, IKE_PL_SK, NULL), s.iv_len, s.icv_len, &sk, NULL),
                0);
            assert_int_equal(ike_sk_open(&s, ekey, akey, msg, n, &sk), (long)len);
            assert_int_equal(ike_sk_unpad(sk.ciphertext.ptr, len), 8);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gcm_vector),
        cmocka_unit_test(test_cbc_hmac_vector),
        cmocka_unit_test(test_suites),
        cmocka_unit_test(test_round_trips),
    };
    return cmocka_run_group_tests_name("sk_crypto", tests, NULL, NULL);
}
