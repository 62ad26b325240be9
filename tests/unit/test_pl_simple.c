/* SPDX-License-Identifier: BSD-3-Clause */
/* KE, IDi/IDr, CERT, CERTREQ, AUTH, Nonce, Vendor ID and EAP payload codecs. */
#include "unit_pl.h"

/* strongSwan 5.9.8 IKE_SA_INIT request (frame 1): KE at 728, Nonce at 768 (tshark -x). */
#define SWAN_KE_OFF 728
#define SWAN_NONCE_OFF 768

static size_t swan_init(uint8_t *buf, size_t cap)
{
    size_t n = unit_pcap_udp_payload(UNIT_SWAN_DEFAULT, 0, buf, cap);
    assert_int_equal(n, 892);
    /* The chain says what lies at each offset: SA (28) -> KE -> Nonce -> Notify. */
    assert_int_equal(buf[16], IKE_PL_SA);
    assert_int_equal(buf[28], IKE_PL_KE);
    assert_int_equal(buf[SWAN_KE_OFF], IKE_PL_NONCE);
    assert_int_equal(buf[SWAN_NONCE_OFF], IKE_PL_NOTIFY);
    return n;
}

static void test_ke_capture(void **state)
{
    (void)state;
    uint8_t msg[2048];
    swan_init(msg, sizeof(msg));
    struct ike_pl pl = unit_pl_at(msg, SWAN_KE_OFF, IKE_PL_KE);
    struct ike_ke_payload ke;
    struct ike_err err = {0};
    assert_int_equal(ike_ke_decode(&pl, &ke, &err), 0);
    assert_int_equal(ke.group, IKE_DH_CURVE25519);
    assert_int_equal(ke.data.len, 32);
    assert_ptr_equal(ke.data.ptr, msg + SWAN_KE_OFF + 8);
    uint8_t want[32];
    unit_hex("1145513a81d79da34367f3ef364b74f19f8cd36f6c93ced9ce76353189dcc90c", want,
             sizeof(want));
    assert_memory_equal(ke.data.ptr, want, 32);

    /* Re-encoding gives the captured bytes back, next-payload aside (the writer chains it). */
    uint8_t buf[64];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_ke_encode(&w, &ke), 0);
    assert_int_equal(w.len, 40);
    assert_int_equal(buf[0], IKE_PL_NONE);
    assert_memory_equal(buf + 1, msg + SWAN_KE_OFF + 1, 39);
}

static void test_nonce_capture(void **state)
{
    (void)state;
    uint8_t msg[2048];
    swan_init(msg, sizeof(msg));
    struct ike_pl pl = unit_pl_at(msg, SWAN_NONCE_OFF, IKE_PL_NONCE);
    struct ike_bytes nonce;
    struct ike_err err = {0};
    assert_int_equal(ike_nonce_decode(&pl, &nonce, &err), 0);
    assert_int_equal(nonce.len, 32);
    assert_ptr_equal(nonce.ptr, msg + SWAN_NONCE_OFF + 4);
    uint8_t want[32];
    unit_hex("fd28d0e515bba0b768cf000c89000b6bcad2c4f767986c66c5b617023c91cb0f", want,
             sizeof(want));
    assert_memory_equal(nonce.ptr, want, 32);
}

static void test_ke_vector_and_round_trip(void **state)
{
    (void)state;
    const uint8_t pub[] = {0xde, 0xad, 0xbe, 0xef, 0x01};
    struct ike_ke_payload ke = {.group = IKE_DH_MODP_2048, .data = {pub, sizeof(pub)}};
    uint8_t buf[64];
    struct ike_ke_payload back;
    UNIT_ROUND_TRIP(buf, "00 00 000d 000e 0000 deadbeef01", IKE_PL_KE, ike_ke_decode, &back,
                    ike_ke_encode, &ke);
    assert_int_equal(back.group, ke.group);
    assert_int_equal(back.data.len, ke.data.len);
    assert_memory_equal(back.data.ptr, pub, sizeof(pub));
}

static void test_ke_malformed(void **state)
{
    (void)state;
    uint8_t b[8];
    size_t n = unit_hex("001f 0000", b, sizeof(b));
    struct ike_ke_payload ke;
    struct ike_err err = {0};
    /* Group and reserved but no public value: the fault is where the value should begin. */
    struct ike_pl pl = ike_pl_from_body(IKE_PL_KE, b, n);
    UNIT_EXPECT_ERR(ike_ke_decode(&pl, &ke, &err), err, IKE_ERR_PL_BODY_TOO_SHORT, IKE_PL_KE, 8);
    pl = ike_pl_from_body(IKE_PL_KE, b, 3);
    UNIT_EXPECT_ERR(ike_ke_decode(&pl, &ke, &err), err, IKE_ERR_PL_BODY_TOO_SHORT, IKE_PL_KE, 7);
    /* Offsets count from the IKE header. */
    pl.offset = 100;
    UNIT_EXPECT_ERR(ike_ke_decode(&pl, &ke, &err), err, IKE_ERR_PL_BODY_TOO_SHORT, IKE_PL_KE, 107);
    /* A NULL err is allowed. */
    assert_int_equal(ike_ke_decode(&pl, &ke, NULL), -EBADMSG);

    uint8_t buf[64];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    struct ike_ke_payload empty = {.group = IKE_DH_ECP_256};
    assert_int_equal(ike_ke_encode(&w, &empty), -EINVAL);
    assert_int_equal(w.len, 0);
}

static void test_id(void **state)
{
    (void)state;
    struct ike_id_payload id = {.type = IKE_ID_FQDN, .data = {(const uint8_t *)"gw.example", 10}};
    uint8_t buf[64];
    struct ike_writer w;
    struct ike_id_payload back;
    UNIT_ROUND_TRIP(buf, "00 00 0012 02 000000 67772e6578616d706c65", IKE_PL_IDR, ike_id_decode,
                    &back, ike_id_encode, IKE_PL_IDR, &id);
    assert_int_equal(back.type, IKE_ID_FQDN);
    assert_int_equal(back.data.len, 10);
    assert_memory_equal(back.data.ptr, "gw.example", 10);

    /* An identity needs data. */
    struct ike_err err = {0};
    struct ike_pl pl = ike_pl_from_body(IKE_PL_IDI, buf + 4, 4);
    UNIT_EXPECT_ERR(ike_id_decode(&pl, &back, &err), err, IKE_ERR_PL_BODY_TOO_SHORT, IKE_PL_IDI, 8);
    pl = ike_pl_from_body(IKE_PL_IDI, buf + 4, 2);
    UNIT_EXPECT_ERR(ike_id_decode(&pl, &back, &err), err, IKE_ERR_PL_BODY_TOO_SHORT, IKE_PL_IDI, 6);

    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_id_encode(&w, IKE_PL_AUTH, &id), -EINVAL);
    struct ike_id_payload empty = {.type = IKE_ID_KEY_ID};
    assert_int_equal(ike_id_encode(&w, IKE_PL_IDI, &empty), -EINVAL);
    assert_int_equal(w.len, 0);
}

static void test_cert_and_certreq(void **state)
{
    (void)state;
    const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    struct ike_cert_payload c = {.encoding = IKE_CERT_X509_SIGNATURE, .data = {der, sizeof(der)}};
    uint8_t buf[64];
    struct ike_writer w;
    struct ike_cert_payload back;
    UNIT_ROUND_TRIP(buf, "00 00 000a 04 3003020105", IKE_PL_CERT, ike_cert_decode, &back,
                    ike_cert_encode, IKE_PL_CERT, &c);
    assert_int_equal(back.encoding, IKE_CERT_X509_SIGNATURE);
    assert_int_equal(back.data.len, sizeof(der));
    assert_memory_equal(back.data.ptr, der, sizeof(der));

    /* A CERTREQ naming no authority is legal; a CERT without a certificate is not. */
    struct ike_cert_payload any = {.encoding = IKE_CERT_X509_SIGNATURE};
    UNIT_ROUND_TRIP(buf, "00 00 0005 04", IKE_PL_CERTREQ, ike_cert_decode, &back, ike_cert_encode,
                    IKE_PL_CERTREQ, &any);
    assert_int_equal(back.data.len, 0);

    struct ike_err err = {0};
    struct ike_pl pl = unit_pl_at(buf, 0, IKE_PL_CERT);
    UNIT_EXPECT_ERR(ike_cert_decode(&pl, &back, &err), err, IKE_ERR_PL_BODY_TOO_SHORT, IKE_PL_CERT,
                    5);
    pl = ike_pl_from_body(IKE_PL_CERTREQ, buf, 0);
    UNIT_EXPECT_ERR(ike_cert_decode(&pl, &back, &err), err, IKE_ERR_PL_BODY_TOO_SHORT,
                    IKE_PL_CERTREQ, 4);

    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_cert_encode(&w, IKE_PL_CERT, &any), -EINVAL);
    assert_int_equal(ike_cert_encode(&w, IKE_PL_KE, &c), -EINVAL);
    assert_int_equal(w.len, 0);
}

static void test_auth(void **state)
{
    (void)state;
    uint8_t mac[32];
    for (unsigned i = 0; i < sizeof(mac); i++)
        mac[i] = (uint8_t)i;
    struct ike_auth_payload a = {.method = IKE_AUTH_SHARED_KEY, .data = {mac, sizeof(mac)}};
    uint8_t buf[64];
    struct ike_writer w;
    struct ike_auth_payload back;
    UNIT_ROUND_TRIP(buf,
                    "00 00 0028 02 000000"
                    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                    IKE_PL_AUTH, ike_auth_decode, &back, ike_auth_encode, &a);
    assert_int_equal(back.method, IKE_AUTH_SHARED_KEY);
    assert_int_equal(back.data.len, 32);
    assert_memory_equal(back.data.ptr, mac, 32);

    struct ike_err err = {0};
    struct ike_pl pl = ike_pl_from_body(IKE_PL_AUTH, buf + 4, 4);
    UNIT_EXPECT_ERR(ike_auth_decode(&pl, &back, &err), err, IKE_ERR_PL_BODY_TOO_SHORT, IKE_PL_AUTH,
                    8);
    struct ike_auth_payload empty = {.method = IKE_AUTH_SHARED_KEY};
    assert_int_equal(ike_auth_encode(&w, &empty), -EINVAL);
}

static void test_nonce_bounds(void **state)
{
    (void)state;
    uint8_t body[IKE_NONCE_MAX + 1];
    for (unsigned i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)(i * 7);
    struct ike_bytes nonce;
    struct ike_err err = {0};
    struct ike_pl pl = ike_pl_from_body(IKE_PL_NONCE, body, IKE_NONCE_MIN);
    assert_int_equal(ike_nonce_decode(&pl, &nonce, &err), 0);
    assert_int_equal(nonce.len, 16);
    pl = ike_pl_from_body(IKE_PL_NONCE, body, IKE_NONCE_MAX);
    assert_int_equal(ike_nonce_decode(&pl, &nonce, &err), 0);
    assert_int_equal(nonce.len, 256);

    pl = ike_pl_from_body(IKE_PL_NONCE, body, IKE_NONCE_MIN - 1);
    UNIT_EXPECT_ERR(ike_nonce_decode(&pl, &nonce, &err), err, IKE_ERR_NONCE_TOO_SHORT, IKE_PL_NONCE,
                    4);
    pl = ike_pl_from_body(IKE_PL_NONCE, body, 0);
    UNIT_EXPECT_ERR(ike_nonce_decode(&pl, &nonce, &err), err, IKE_ERR_NONCE_TOO_SHORT, IKE_PL_NONCE,
                    4);
    pl = ike_pl_from_body(IKE_PL_NONCE, body, IKE_NONCE_MAX + 1);
    pl.offset = 60;
    UNIT_EXPECT_ERR(ike_nonce_decode(&pl, &nonce, &err), err, IKE_ERR_NONCE_TOO_LONG, IKE_PL_NONCE,
                    64);

    /* Encoder: byte-exact, round trip, and the same bounds. */
    uint8_t buf[300];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    struct ike_bytes n16 = {body, 16};
    assert_int_equal(ike_nonce_encode(&w, &n16), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 0014 00070e151c232a31383f464d545b6269");
    pl = unit_pl_at(buf, 0, IKE_PL_NONCE);
    assert_int_equal(ike_nonce_decode(&pl, &nonce, NULL), 0);
    assert_int_equal(nonce.len, 16);
    assert_memory_equal(nonce.ptr, body, 16);

    unit_w_init(&w, buf, sizeof(buf));
    struct ike_bytes bad = {body, 15};
    assert_int_equal(ike_nonce_encode(&w, &bad), -EINVAL);
    bad.len = 257;
    assert_int_equal(ike_nonce_encode(&w, &bad), -EINVAL);
    assert_int_equal(w.len, 0);
}

static void test_vendor(void **state)
{
    (void)state;
    const uint8_t vid[] = {0x88, 0x2f, 0xe5, 0x6d};
    struct ike_bytes v = {vid, sizeof(vid)};
    uint8_t buf[32];
    struct ike_writer w;
    struct ike_bytes back;
    UNIT_ROUND_TRIP(buf, "00 00 0008 882fe56d", IKE_PL_VENDOR, ike_vendor_decode, &back,
                    ike_vendor_encode, &v);
    assert_int_equal(back.len, 4);
    assert_memory_equal(back.ptr, vid, 4);

    struct ike_err err = {0};
    struct ike_pl pl = ike_pl_from_body(IKE_PL_VENDOR, buf, 0);
    UNIT_EXPECT_ERR(ike_vendor_decode(&pl, &back, &err), err, IKE_ERR_PL_BODY_TOO_SHORT,
                    IKE_PL_VENDOR, 4);
    struct ike_bytes empty = {NULL, 0};
    assert_int_equal(ike_vendor_encode(&w, &empty), -EINVAL);
    /* A body the 16-bit payload length cannot express. */
    struct ike_bytes huge = {buf, UINT16_MAX};
    assert_int_equal(ike_vendor_encode(&w, &huge), -EINVAL);
}

static void test_eap_round_trip(void **state)
{
    (void)state;
    /* EAP-Response/Identity "user@vpn" (RFC 3748 5.1). */
    uint8_t msg[16];
    size_t n = unit_hex("02 05 000d 01 75736572 4076706e", msg, sizeof(msg));
    struct ike_bytes m = {msg, (uint16_t)n};
    uint8_t buf[32];
    struct ike_eap_payload eap;
    UNIT_ROUND_TRIP(buf, "00 00 0011 02 05 000d 01 75736572 4076706e", IKE_PL_EAP, ike_eap_decode,
                    &eap, ike_eap_encode, &m);
    assert_int_equal(eap.code, 2);
    assert_int_equal(eap.identifier, 5);
    assert_int_equal(eap.type, 1);
    assert_int_equal(eap.data.len, 13);
    assert_memory_equal(eap.data.ptr, msg, 13);

    /* EAP-Success has no Type: 4 bytes, type reported as 0. */
    n = unit_hex("03 07 0004", msg, sizeof(msg));
    struct ike_pl pl = ike_pl_from_body(IKE_PL_EAP, msg, n);
    assert_int_equal(ike_eap_decode(&pl, &eap, NULL), 0);
    assert_int_equal(eap.code, 3);
    assert_int_equal(eap.identifier, 7);
    assert_int_equal(eap.type, 0);
    assert_int_equal(eap.data.len, 4);
}

static void test_eap_malformed(void **state)
{
    (void)state;
    uint8_t b[16];
    struct ike_eap_payload eap;
    struct ike_err err = {0};

    size_t n = unit_hex("01 01 00", b, sizeof(b));
    struct ike_pl pl = ike_pl_from_body(IKE_PL_EAP, b, n);
    UNIT_EXPECT_ERR(ike_eap_decode(&pl, &eap, &err), err, IKE_ERR_PL_BODY_TOO_SHORT, IKE_PL_EAP, 7);
    n = unit_hex("00 01 0005 01", b, sizeof(b));
    pl = ike_pl_from_body(IKE_PL_EAP, b, n);
    UNIT_EXPECT_ERR(ike_eap_decode(&pl, &eap, &err), err, IKE_ERR_EAP_BAD_CODE, IKE_PL_EAP, 4);
    n = unit_hex("05 01 0005 01", b, sizeof(b));
    pl = ike_pl_from_body(IKE_PL_EAP, b, n);
    UNIT_EXPECT_ERR(ike_eap_decode(&pl, &eap, &err), err, IKE_ERR_EAP_BAD_CODE, IKE_PL_EAP, 4);
    /* EAP Length says 6, the payload holds 5, and the other way round. */
    n = unit_hex("01 01 0006 01", b, sizeof(b));
    pl = ike_pl_from_body(IKE_PL_EAP, b, n);
    UNIT_EXPECT_ERR(ike_eap_decode(&pl, &eap, &err), err, IKE_ERR_EAP_BAD_LENGTH, IKE_PL_EAP, 6);
    n = unit_hex("02 01 0005 01 ff", b, sizeof(b));
    pl = ike_pl_from_body(IKE_PL_EAP, b, n);
    UNIT_EXPECT_ERR(ike_eap_decode(&pl, &eap, &err), err, IKE_ERR_EAP_BAD_LENGTH, IKE_PL_EAP, 6);
    /* A request needs its Type byte. */
    n = unit_hex("01 01 0004", b, sizeof(b));
    pl = ike_pl_from_body(IKE_PL_EAP, b, n);
    UNIT_EXPECT_ERR(ike_eap_decode(&pl, &eap, &err), err, IKE_ERR_EAP_BAD_LENGTH, IKE_PL_EAP, 6);

    /* The encoder refuses what the decoder refuses. */
    uint8_t buf[32];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    struct ike_bytes m = {b, (uint16_t)n};
    assert_int_equal(ike_eap_encode(&w, &m), -EINVAL);
    struct ike_bytes none = {NULL, 0};
    assert_int_equal(ike_eap_encode(&w, &none), -EINVAL);
    assert_int_equal(w.len, 0);
}

/* Encoders report a buffer too small, and the writer stays failed. */
static void test_overflow(void **state)
{
    (void)state;
    uint8_t nb[32] = {0};
    struct ike_bytes nonce = {nb, 32};
    uint8_t buf[20];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_nonce_encode(&w, &nonce), -ENOSPC);
    struct ike_bytes v = {nb, 1};
    assert_int_equal(ike_vendor_encode(&w, &v), -ENOSPC);
    assert_true(w.overflow);
}

/* Payloads written into a message chain and come back through ike_msg_decode(). */
static void test_message_chain(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct ike_writer w;
    ike_w_init(&w, buf, sizeof(buf), false);
    struct ike_hdr h = {
        .spi_i = 1, .version = 0x20, .exchange = IKE_EXCH_IKE_SA_INIT, .flags = IKE_FLAG_INITIATOR};
    ike_w_header(&w, &h);
    uint8_t pub[32], nb[32];
    memset(pub, 0x11, sizeof(pub));
    memset(nb, 0x22, sizeof(nb));
    struct ike_ke_payload ke = {.group = IKE_DH_CURVE25519, .data = {pub, 32}};
    struct ike_bytes nonce = {nb, 32};
    struct ike_bytes vid = {(const uint8_t *)"veer", 4};
    assert_int_equal(ike_ke_encode(&w, &ke), 0);
    assert_int_equal(ike_nonce_encode(&w, &nonce), 0);
    assert_int_equal(ike_vendor_encode(&w, &vid), 0);
    long len = ike_w_finish(&w);
    assert_int_equal(len, 28 + 40 + 36 + 8);

    struct ike_msg m;
    struct ike_err err = {0};
    assert_int_equal(ike_msg_decode(buf, (size_t)len, &m, &err), 0);
    assert_int_equal(m.npayloads, 3);
    struct ike_ke_payload ke2;
    struct ike_bytes n2, v2;
    assert_int_equal(ike_ke_decode(&m.pl[0], &ke2, &err), 0);
    assert_int_equal(ike_nonce_decode(&m.pl[1], &n2, &err), 0);
    assert_int_equal(ike_vendor_decode(&m.pl[2], &v2, &err), 0);
    assert_int_equal(ke2.group, IKE_DH_CURVE25519);
    assert_memory_equal(ke2.data.ptr, pub, 32);
    assert_memory_equal(n2.ptr, nb, 32);
    assert_memory_equal(v2.ptr, "veer", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ke_capture),
        cmocka_unit_test(test_nonce_capture),
        cmocka_unit_test(test_ke_vector_and_round_trip),
        cmocka_unit_test(test_ke_malformed),
        cmocka_unit_test(test_id),
        cmocka_unit_test(test_cert_and_certreq),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_nonce_bounds),
        cmocka_unit_test(test_vendor),
        cmocka_unit_test(test_eap_round_trip),
        cmocka_unit_test(test_eap_malformed),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_message_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
