/* SPDX-License-Identifier: BSD-3-Clause */
/* SK / SKF framing: splitting, building, padding. */
#include "unit_pl.h"

/* IKE_AUTH with AES-CBC-128 and HMAC-SHA2-256-128: 16-byte IV, 16-byte ICV, 16-byte blocks. */
static void test_capture_cbc(void **state)
{
    (void)state;
    uint8_t dgram[2048];
    /* strongSwan moved to port 4500 (MOBIKE): a non-ESP marker comes first. */
    assert_int_equal(unit_pcap_udp_payload(UNIT_SWAN_DEFAULT, 2, dgram, sizeof(dgram)), 388);
    assert_memory_equal(dgram, "\0\0\0\0", 4);
    const uint8_t *msg = dgram + 4;
    assert_int_equal(msg[16], IKE_PL_SK);
    struct ike_pl pl = unit_pl_at(msg, 28, IKE_PL_SK);
    assert_int_equal(pl.len, 352);
    struct ike_sk_payload sk;
    struct ike_err err = {0};
    assert_int_equal(ike_sk_decode(&pl, 16, 16, &sk, &err), 0);
    assert_int_equal(sk.first_inner, IKE_PL_IDI);
    assert_int_equal(sk.frag_num, 0);
    assert_int_equal(sk.frag_total, 0);
    assert_ptr_equal(sk.iv.ptr, msg + 32);
    assert_int_equal(sk.iv.len, 16);
    assert_ptr_equal(sk.ciphertext.ptr, msg + 48);
    assert_int_equal(sk.ciphertext.len, 320);
    assert_int_equal(sk.ciphertext.len % 16, 0);
    assert_ptr_equal(sk.icv.ptr, msg + 368);
    assert_int_equal(sk.icv.len, 16);
    /* tshark shows the IV starting 59 d0 39 30. */
    assert_memory_equal(sk.iv.ptr, "\x59\xd0\x39\x30", 4);
}

/* IKE_AUTH over port 4500 with AES-GCM-16: 8-byte IV, 16-byte ICV, no block alignment. */
static void test_capture_gcm_natt(void **state)
{
    (void)state;
    uint8_t dgram[2048];
    assert_int_equal(unit_pcap_udp_payload(UNIT_SWAN_NATT, 2, dgram, sizeof(dgram)), 257);
    assert_memory_equal(dgram, "\0\0\0\0", 4); /* non-ESP marker */
    const uint8_t *msg = dgram + 4;
    struct ike_pl pl = unit_pl_at(msg, 28, IKE_PL_SK);
    struct ike_sk_payload sk;
    assert_int_equal(ike_sk_decode(&pl, 8, 16, &sk, NULL), 0);
    assert_int_equal(sk.first_inner, IKE_PL_IDI);
    assert_int_equal(sk.iv.len, 8);
    assert_memory_equal(sk.iv.ptr, "\x4d\xda\xbc\xe6", 4);
    assert_int_equal(sk.ciphertext.len, 225 - 4 - 8 - 16);
    assert_ptr_equal(sk.icv.ptr + sk.icv.len, msg + 253);

    assert_int_equal(unit_pcap_udp_payload(UNIT_SWAN_NATT, 3, dgram, sizeof(dgram)), 213);
    pl = unit_pl_at(msg, 28, IKE_PL_SK);
    assert_int_equal(ike_sk_decode(&pl, 8, 16, &sk, NULL), 0);
    assert_int_equal(sk.first_inner, IKE_PL_IDR);
    assert_int_equal(sk.ciphertext.len, 181 - 4 - 8 - 16);
}

/* Builds SK { N(REDIRECT_SUPPORTED) } for an AEAD: byte-exact. */
static void test_build_aead_vector(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    size_t sk = ike_sk_begin(&w, 8, 0, 0);
    assert_int_equal(sk, 0);
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_REDIRECT_SUPPORTED, NULL, 0), 0);
    size_t off = 0, len = 0;
    assert_int_equal(ike_sk_end(&w, sk, 8, 1, 16, &off, &len), 0);
    assert_int_equal(off, 12);
    assert_int_equal(len, 9);
    UNIT_EXPECT_BYTES(&w, "29 00 0025 0000000000000000"
                          "00 00 0008 00 00 4016 00"
                          "00000000000000000000000000000000");
}

/* A whole message: header, SK { IDi, AUTH } with CBC, then the way back in. */
static void test_build_and_parse_message(void **state)
{
    (void)state;
    uint8_t buf[512];
    struct ike_writer w;
    ike_w_init(&w, buf, sizeof(buf), true);
    struct ike_hdr h = {.spi_i = 0x1111,
                        .spi_r = 0x2222,
                        .version = 0x20,
                        .exchange = IKE_EXCH_IKE_AUTH,
                        .flags = IKE_FLAG_INITIATOR,
                        .msg_id = 1};
    ike_w_header(&w, &h);
    size_t sk = ike_sk_begin(&w, 16, 0, 0);
    assert_int_equal(sk, 4 + 28);
    struct ike_id_payload id = {.type = IKE_ID_FQDN, .data = {(const uint8_t *)"client", 6}};
    uint8_t mac[32];
    memset(mac, 0x77, sizeof(mac));
    struct ike_auth_payload auth = {.method = IKE_AUTH_SHARED_KEY, .data = {mac, 32}};
    assert_int_equal(ike_id_encode(&w, IKE_PL_IDI, &id), 0);
    assert_int_equal(ike_auth_encode(&w, &auth), 0);
    size_t off, len;
    assert_int_equal(ike_sk_end(&w, sk, 16, 16, 16, &off, &len), 0);
    /* IDi 14 + AUTH 40 = 54 bytes, padded to 64 with 9 zeros and the pad length. */
    assert_int_equal(off, 4 + 28 + 4 + 16);
    assert_int_equal(len, 64);
    assert_int_equal(buf[off + 54 + 9], 9);
    for (unsigned i = 0; i < 9; i++)
        assert_int_equal(buf[off + 54 + i], 0);
    long total = ike_w_finish(&w);
    assert_int_equal(total, 4 + 28 + 4 + 16 + 64 + 16);

    struct ike_msg m;
    struct ike_err err = {0};
    const uint8_t *ike = buf + 4;
    assert_int_equal(ike_msg_decode(ike, (size_t)total - 4, &m, &err), 0);
    assert_int_equal(m.npayloads, 1);
    assert_int_equal(m.pl[0].type, IKE_PL_SK);
    struct ike_sk_payload skp;
    assert_int_equal(ike_sk_decode(&m.pl[0], 16, 16, &skp, &err), 0);
    assert_int_equal(skp.first_inner, IKE_PL_IDI);
    assert_ptr_equal(skp.ciphertext.ptr, buf + off);
    assert_int_equal(skp.ciphertext.len, len);
    /* "Decryption" is the identity here: strip the padding and walk the inner chain. */
    long inner = ike_sk_unpad(skp.ciphertext.ptr, skp.ciphertext.len);
    assert_int_equal(inner, 54);
    assert_int_equal(
        ike_msg_decode_inner(&m, skp.ciphertext.ptr, (size_t)inner, skp.first_inner, off - 4, &err),
        0);
    assert_int_equal(m.npayloads, 3);
    struct ike_id_payload id2;
    struct ike_auth_payload auth2;
    assert_int_equal(ike_id_decode(&m.pl[1], &id2, &err), 0);
    assert_int_equal(ike_auth_decode(&m.pl[2], &auth2, &err), 0);
    assert_memory_equal(id2.data.ptr, "client", 6);
    assert_memory_equal(auth2.data.ptr, mac, 32);
}

/* Padding: always the least that fills the block, 0 when plaintext + 1 fits already. */
static void test_padding(void **state)
{
    (void)state;
    static const struct {
        size_t data; /* notify data bytes: the inner payload is 8 + data */
        size_t block;
        size_t pad;
    } cases[] = {
        {7, 16, 0}, {0, 16, 7}, {0, 4, 3}, {3, 4, 0}, {0, 1, 0}, {8, 8, 7}, {1, 256, 246},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[512];
        uint8_t data[16] = {0};
        struct ike_writer w;
        unit_w_init(&w, buf, sizeof(buf));
        size_t sk = ike_sk_begin(&w, 0, 0, 0);
        assert_int_equal(ike_notify_encode_simple(&w, IKE_N_COOKIE, data, cases[i].data), 0);
        size_t off, len;
        assert_int_equal(ike_sk_end(&w, sk, 0, cases[i].block, 0, &off, &len), 0);
        size_t inner = 8 + cases[i].data;
        assert_int_equal(len, inner + cases[i].pad + 1);
        assert_int_equal(len % cases[i].block, 0);
        assert_int_equal(buf[off + len - 1], cases[i].pad);
        assert_int_equal(ike_sk_unpad(buf + off, len), inner);
    }

    /* An empty SK (a liveness check) still carries the Pad Length byte. */
    uint8_t buf[64];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    size_t sk = ike_sk_begin(&w, 8, 0, 0);
    size_t off, len;
    assert_int_equal(ike_sk_end(&w, sk, 8, 1, 16, &off, &len), 0);
    assert_int_equal(len, 1);
    UNIT_EXPECT_BYTES(&w, "00 00 001d 0000000000000000 00 00000000000000000000000000000000");
    struct ike_pl pl = unit_pl_at(buf, 0, IKE_PL_SK);
    struct ike_sk_payload skp;
    assert_int_equal(ike_sk_decode(&pl, 8, 16, &skp, NULL), 0);
    assert_int_equal(skp.first_inner, IKE_PL_NONE);
    assert_int_equal(skp.ciphertext.len, 1);
    assert_int_equal(ike_sk_unpad(skp.ciphertext.ptr, 1), 0);
}

static void test_skf(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    size_t sk = ike_sk_begin(&w, 8, 1, 3);
    struct ike_bytes vid = {(const uint8_t *)"frag", 4};
    assert_int_equal(ike_vendor_encode(&w, &vid), 0);
    size_t off, len;
    assert_int_equal(ike_sk_end(&w, sk, 8, 1, 16, &off, &len), 0);
    assert_int_equal(off, 16);
    assert_int_equal(len, 9);
    UNIT_EXPECT_BYTES(&w, "2b 00 0029 0001 0003 0000000000000000"
                          "00 00 0008 66726167 00"
                          "00000000000000000000000000000000");
    struct ike_pl pl = unit_pl_at(buf, 0, IKE_PL_SKF);
    struct ike_sk_payload skp;
    assert_int_equal(ike_sk_decode(&pl, 8, 16, &skp, NULL), 0);
    assert_int_equal(skp.first_inner, IKE_PL_VENDOR);
    assert_int_equal(skp.frag_num, 1);
    assert_int_equal(skp.frag_total, 3);
    assert_ptr_equal(skp.iv.ptr, buf + 8);
    assert_ptr_equal(skp.ciphertext.ptr, buf + off);
    assert_int_equal(skp.ciphertext.len, len);

    /* The last fragment: number equal to the total. */
    unit_w_init(&w, buf, sizeof(buf));
    sk = ike_sk_begin(&w, 16, 3, 3);
    ike_w_bytes(&w, "tail", 4); /* a later fragment carries raw plaintext, not payloads */
    assert_int_equal(ike_sk_end(&w, sk, 16, 16, 12, &off, &len), 0);
    assert_int_equal(off, 24);
    assert_int_equal(len, 16);
    pl = unit_pl_at(buf, 0, IKE_PL_SKF);
    assert_int_equal(ike_sk_decode(&pl, 16, 12, &skp, NULL), 0);
    assert_int_equal(skp.first_inner, IKE_PL_NONE);
    assert_int_equal(skp.frag_num, 3);
    assert_int_equal(skp.frag_total, 3);
    assert_int_equal(skp.ciphertext.len, 16);
}

static void test_decode_malformed(void **state)
{
    (void)state;
    uint8_t b[64] = {0};
    struct ike_sk_payload sk;
    struct ike_err err = {0};

    /* SK: IV + ICV + at least the Pad Length byte. */
    struct ike_pl pl = ike_pl_from_body(IKE_PL_SK, b, 8 + 16);
    UNIT_EXPECT_ERR(ike_sk_decode(&pl, 8, 16, &sk, &err), err, IKE_ERR_SK_TOO_SHORT, IKE_PL_SK, 4);
    pl = ike_pl_from_body(IKE_PL_SK, b, 10);
    pl.offset = 28;
    UNIT_EXPECT_ERR(ike_sk_decode(&pl, 8, 16, &sk, &err), err, IKE_ERR_SK_TOO_SHORT, IKE_PL_SK, 32);
    pl = ike_pl_from_body(IKE_PL_SK, b, 0);
    UNIT_EXPECT_ERR(ike_sk_decode(&pl, 0, 0, &sk, &err), err, IKE_ERR_SK_TOO_SHORT, IKE_PL_SK, 4);
    /* Sizes that would wrap a sum. */
    pl = ike_pl_from_body(IKE_PL_SK, b, 40);
    UNIT_EXPECT_ERR(ike_sk_decode(&pl, SIZE_MAX, 16, &sk, &err), err, IKE_ERR_SK_TOO_SHORT,
                    IKE_PL_SK, 4);
    UNIT_EXPECT_ERR(ike_sk_decode(&pl, 16, SIZE_MAX - 8, &sk, &err), err, IKE_ERR_SK_TOO_SHORT,
                    IKE_PL_SK, 4);
    pl = ike_pl_from_body(IKE_PL_SK, b, 8 + 16 + 1);
    assert_int_equal(ike_sk_decode(&pl, 8, 16, &sk, &err), 0);
    assert_int_equal(sk.ciphertext.len, 1);

    /* SKF: fragment fields first. */
    unit_hex("0001 00", b, sizeof(b));
    pl = ike_pl_from_body(IKE_PL_SKF, b, 3);
    UNIT_EXPECT_ERR(ike_sk_decode(&pl, 8, 16, &sk, &err), err, IKE_ERR_PL_BODY_TOO_SHORT,
                    IKE_PL_SKF, 7);
    unit_hex("0001 0000", b, sizeof(b));
    pl = ike_pl_from_body(IKE_PL_SKF, b, 4 + 25);
    UNIT_EXPECT_ERR(ike_sk_decode(&pl, 8, 16, &sk, &err), err, IKE_ERR_SKF_BAD_TOTAL, IKE_PL_SKF,
                    6);
    unit_hex("0000 0002", b, sizeof(b));
    UNIT_EXPECT_ERR(ike_sk_decode(&pl, 8, 16, &sk, &err), err, IKE_ERR_SKF_BAD_NUMBER, IKE_PL_SKF,
                    4);
    unit_hex("0003 0002", b, sizeof(b));
    UNIT_EXPECT_ERR(ike_sk_decode(&pl, 8, 16, &sk, &err), err, IKE_ERR_SKF_BAD_NUMBER, IKE_PL_SKF,
                    4);
    unit_hex("0002 0002", b, sizeof(b));
    assert_int_equal(ike_sk_decode(&pl, 8, 16, &sk, &err), 0);
    pl = ike_pl_from_body(IKE_PL_SKF, b, 4 + 24);
    UNIT_EXPECT_ERR(ike_sk_decode(&pl, 8, 16, &sk, &err), err, IKE_ERR_SK_TOO_SHORT, IKE_PL_SKF, 8);
}

static void test_unpad(void **state)
{
    (void)state;
    uint8_t p[256] = {0};
    assert_int_equal(ike_sk_unpad(p, 0), -EBADMSG);
    assert_int_equal(ike_sk_unpad(p, 1), 0);
    p[9] = 3;
    assert_int_equal(ike_sk_unpad(p, 10), 6);
    p[9] = 9;
    assert_int_equal(ike_sk_unpad(p, 10), 0);
    p[9] = 10;
    assert_int_equal(ike_sk_unpad(p, 10), -EBADMSG);
    p[9] = 255;
    assert_int_equal(ike_sk_unpad(p, 10), -EBADMSG);
    p[255] = 255;
    assert_int_equal(ike_sk_unpad(p, 256), 0);
}

static void test_end_refusals(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct ike_writer w;
    size_t off = 77, len = 77;
    unit_w_init(&w, buf, sizeof(buf));
    size_t sk = ike_sk_begin(&w, 8, 0, 0);
    assert_int_equal(ike_sk_end(&w, sk, 8, 0, 16, &off, &len), -EINVAL);
    assert_int_equal(ike_sk_end(&w, sk, 8, 257, 16, &off, &len), -EINVAL);
    assert_int_equal(ike_sk_end(&w, sk + 100, 8, 16, 16, &off, &len), -EINVAL);
    /* An IV size that disagrees with ike_sk_begin()'s. */
    assert_int_equal(ike_sk_end(&w, sk, 16, 16, 16, &off, &len), -EINVAL);
    assert_int_equal(ike_sk_end(&w, sk, 2, 16, 16, &off, &len), -EINVAL);
    assert_int_equal(off, 77);
    assert_int_equal(len, 77);
    assert_int_equal(w.len, 12);
    assert_int_equal(ike_sk_end(&w, sk, 8, 16, 16, &off, &len), 0);

    /* Fragment numbers the decoder would refuse. */
    unit_w_init(&w, buf, sizeof(buf));
    sk = ike_sk_begin(&w, 8, 0, 2);
    assert_int_equal(ike_sk_end(&w, sk, 8, 1, 16, &off, &len), -EINVAL);
    unit_w_init(&w, buf, sizeof(buf));
    sk = ike_sk_begin(&w, 8, 3, 2);
    assert_int_equal(ike_sk_end(&w, sk, 8, 1, 16, &off, &len), -EINVAL);

    /* No room for the ICV. */
    unit_w_init(&w, buf, 40);
    sk = ike_sk_begin(&w, 16, 0, 0);
    assert_int_equal(ike_sk_end(&w, sk, 16, 16, 16, &off, &len), -ENOSPC);
    /* No room for the IV: the writer has already failed. */
    unit_w_init(&w, buf, 10);
    sk = ike_sk_begin(&w, 16, 0, 0);
    assert_int_equal(ike_sk_end(&w, sk, 16, 16, 16, &off, &len), -ENOSPC);
}

/* Padded up to a minimum plaintext (a QCD taker's requests), in whole blocks, at most 255. */
static void test_padded_to_minimum(void **state)
{
    (void)state;
    static const struct {
        size_t block, min_plain, pad;
    } cases[] = {
        {1, 0, 0}, {1, 40, 39}, {16, 40, 47}, {16, 1, 15}, {1, 1000, 255}, {16, 1000, 255},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[600];
        struct ike_writer w;
        unit_w_init(&w, buf, sizeof(buf));
        size_t sk = ike_sk_begin(&w, 8, 0, 0);
        size_t off, len;
        assert_int_equal(
            ike_sk_end_padded(&w, sk, 8, cases[i].block, 16, cases[i].min_plain, &off, &len), 0);
        assert_int_equal(len, cases[i].pad + 1);
        assert_int_equal(buf[off + len - 1], cases[i].pad == 255 ? 255 : cases[i].pad);
        assert_int_equal(ike_sk_unpad(buf + off, len), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_cbc),       cmocka_unit_test(test_capture_gcm_natt),
        cmocka_unit_test(test_build_aead_vector), cmocka_unit_test(test_build_and_parse_message),
        cmocka_unit_test(test_padding),           cmocka_unit_test(test_skf),
        cmocka_unit_test(test_decode_malformed),  cmocka_unit_test(test_unpad),
        cmocka_unit_test(test_end_refusals),      cmocka_unit_test(test_padded_to_minimum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
