/* SPDX-License-Identifier: BSD-3-Clause */
/* Notify payload, REDIRECT / REDIRECTED_FROM data, SIGNATURE_HASH_ALGORITHMS. */
#include "unit_pl.h"

/* The notifies of strongSwan's IKE_SA_INIT request (frame 1), as tshark shows them. */
static const struct {
    uint32_t off;
    uint16_t type;
    uint16_t data_len;
} swan_notifies[] = {
    {804, IKE_N_NAT_DETECTION_SOURCE_IP, 20},
    {832, IKE_N_NAT_DETECTION_DESTINATION_IP, 20},
    {860, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, 0},
    {868, IKE_N_SIGNATURE_HASH_ALGORITHMS, 8},
    {884, IKE_N_REDIRECT_SUPPORTED, 0},
};

/* Decodes a notify body given in hex, as if its payload started at offset 0. */
static void notify_from_hex(const char *hex, uint8_t *buf, size_t cap, struct ike_notify_payload *n)
{
    size_t len = unit_hex(hex, buf, cap);
    struct ike_pl pl = ike_pl_from_body(IKE_PL_NOTIFY, buf, len);
    assert_int_equal(ike_notify_decode(&pl, n, NULL), 0);
}

static void test_capture_status_notifies(void **state)
{
    (void)state;
    uint8_t msg[2048];
    assert_int_equal(unit_pcap_udp_payload(UNIT_SWAN_DEFAULT, 0, msg, sizeof(msg)), 892);
    assert_int_equal(msg[768], IKE_PL_NOTIFY); /* the Nonce's next payload */
    for (unsigned i = 0; i < sizeof(swan_notifies) / sizeof(swan_notifies[0]); i++) {
        struct ike_pl pl = unit_pl_at(msg, swan_notifies[i].off, IKE_PL_NOTIFY);
        struct ike_notify_payload n;
        struct ike_err err = {0};
        assert_int_equal(ike_notify_decode(&pl, &n, &err), 0);
        assert_int_equal(n.protocol, 0);
        assert_int_equal(n.spi_size, 0);
        assert_int_equal(n.type, swan_notifies[i].type);
        assert_int_equal(n.data.len, swan_notifies[i].data_len);
        assert_ptr_equal(n.data.ptr, msg + swan_notifies[i].off + 8);
        assert_int_equal(n.data_off, swan_notifies[i].off + 8);
    }
    /* Last in the chain. */
    assert_int_equal(msg[884], IKE_PL_NONE);

    struct ike_pl pl = unit_pl_at(msg, 868, IKE_PL_NOTIFY);
    struct ike_notify_payload n;
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    uint16_t algs[IKE_MAX_HASH_ALGS];
    unsigned nalgs = 99;
    assert_int_equal(ike_notify_hash_algs_decode(&n, algs, &nalgs, NULL), 0);
    assert_int_equal(nalgs, 4);
    assert_int_equal(algs[0], IKE_HASH_SHA2_256);
    assert_int_equal(algs[1], IKE_HASH_SHA2_384);
    assert_int_equal(algs[2], IKE_HASH_SHA2_512);
    assert_int_equal(algs[3], IKE_HASH_IDENTITY);

    /* REDIRECT_SUPPORTED re-encodes to the captured bytes. */
    uint8_t buf[16];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_REDIRECT_SUPPORTED, NULL, 0), 0);
    assert_int_equal(w.len, 8);
    assert_memory_equal(buf, msg + 884, 8);
    UNIT_EXPECT_BYTES(&w, "00 00 0008 00 00 4016");
}

/* libreswan 4.10 answers strongSwan-style requests with REDIRECT to 192.0.2.99 and Ni. */
static void test_capture_redirect(void **state)
{
    (void)state;
    uint8_t req[2048], rep[2048];
    assert_int_equal(unit_pcap_udp_payload(UNIT_LIBRESWAN_REDIRECT, 0, req, sizeof(req)), 152);
    assert_int_equal(unit_pcap_udp_payload(UNIT_LIBRESWAN_REDIRECT, 1, rep, sizeof(rep)), 74);
    /* Request: SA at 28 (40 bytes), KE at 68 (40), Nonce at 108. Reply: one Notify at 28. */
    assert_int_equal(req[28], IKE_PL_KE);
    assert_int_equal(req[68], IKE_PL_NONCE);
    assert_int_equal(rep[16], IKE_PL_NOTIFY);
    struct ike_pl npl = unit_pl_at(req, 108, IKE_PL_NONCE);
    struct ike_bytes ni;
    assert_int_equal(ike_nonce_decode(&npl, &ni, NULL), 0);
    assert_int_equal(ni.len, 32);

    struct ike_pl pl = unit_pl_at(rep, 28, IKE_PL_NOTIFY);
    struct ike_notify_payload n;
    struct ike_err err = {0};
    assert_int_equal(ike_notify_decode(&pl, &n, &err), 0);
    assert_int_equal(n.type, IKE_N_REDIRECT);
    assert_int_equal(n.protocol, 0);
    assert_int_equal(n.spi_size, 0);
    assert_int_equal(n.data.len, 38);
    assert_int_equal(n.data_off, 36);
    struct ike_gw_id gw;
    struct ike_bytes nonce;
    assert_int_equal(ike_notify_redirect_decode(&n, &gw, &nonce, &err), 0);
    assert_int_equal(gw.type, IKE_GW_IPV4);
    assert_int_equal(gw.len, 4);
    assert_memory_equal(gw.value, "\xc0\x00\x02\x63", 4);
    assert_int_equal(nonce.len, 32);
    assert_ptr_equal(nonce.ptr, rep + 42);
    assert_memory_equal(nonce.ptr, ni.ptr, 32);

    /* Encoding the same identity and nonce gives libreswan's bytes exactly (RFC 5685 9.2). */
    uint8_t buf[64];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_notify_redirect_encode(&w, &gw, &ni), 0);
    assert_int_equal(w.len, 46);
    assert_memory_equal(buf, rep + 28, 46);
    uint8_t want[14];
    unit_hex("00 00 00 2e 00 00 40 17 01 04 c0 00 02 63", want, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    assert_memory_equal(buf + 14, ni.ptr, 32);

    /* Every reply of the capture answers its own request. */
    for (unsigned i = 2; i < 6; i += 2) {
        assert_int_equal(unit_pcap_udp_payload(UNIT_LIBRESWAN_REDIRECT, i, req, sizeof(req)), 152);
        assert_int_equal(unit_pcap_udp_payload(UNIT_LIBRESWAN_REDIRECT, i + 1, rep, sizeof(rep)),
                         74);
        npl = unit_pl_at(req, 108, IKE_PL_NONCE);
        assert_int_equal(ike_nonce_decode(&npl, &ni, NULL), 0);
        pl = unit_pl_at(rep, 28, IKE_PL_NOTIFY);
        assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
        assert_int_equal(ike_notify_redirect_decode(&n, &gw, &nonce, NULL), 0);
        assert_int_equal(nonce.len, ni.len);
        assert_memory_equal(nonce.ptr, ni.ptr, ni.len);
    }
}

static void test_notify_round_trip(void **state)
{
    (void)state;
    /* REKEY_SA about an ESP SA: protocol 3, 4-byte SPI, no data. */
    struct ike_notify_payload n = {.protocol = IKE_PROTO_ESP,
                                   .spi_size = 4,
                                   .type = IKE_N_REKEY_SA,
                                   .spi = {0xc1, 0x2b, 0x00, 0x07}};
    uint8_t buf[64];
    struct ike_writer w;
    struct ike_notify_payload back;
    UNIT_ROUND_TRIP(buf, "00 00 000c 03 04 4009 c12b0007", IKE_PL_NOTIFY, ike_notify_decode, &back,
                    ike_notify_encode, &n);
    assert_int_equal(back.protocol, IKE_PROTO_ESP);
    assert_int_equal(back.spi_size, 4);
    assert_int_equal(back.type, IKE_N_REKEY_SA);
    assert_memory_equal(back.spi, n.spi, 8);
    assert_int_equal(back.data.len, 0);
    assert_int_equal(back.data_off, 12);

    /* An 8-byte IKE SPI and data. */
    const uint8_t data[] = {0xab, 0xcd};
    struct ike_notify_payload n8 = {.protocol = IKE_PROTO_IKE,
                                    .spi_size = 8,
                                    .type = IKE_N_INVALID_SPI,
                                    .spi = {1, 2, 3, 4, 5, 6, 7, 8},
                                    .data = {data, 2}};
    UNIT_ROUND_TRIP(buf, "00 00 0012 01 08 000b 0102030405060708 abcd", IKE_PL_NOTIFY,
                    ike_notify_decode, &back, ike_notify_encode, &n8);
    assert_int_equal(back.spi_size, 8);
    assert_memory_equal(back.spi, n8.spi, 8);
    assert_int_equal(back.data.len, 2);
    assert_memory_equal(back.data.ptr, data, 2);

    /* COOKIE with plain data. */
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_COOKIE, "\x00\x01\x02", 3), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 000b 00 00 4006 000102");
}

static void test_notify_malformed(void **state)
{
    (void)state;
    uint8_t b[32];
    struct ike_notify_payload n;
    struct ike_err err = {0};

    size_t len = unit_hex("00 00 40", b, sizeof(b));
    struct ike_pl pl = ike_pl_from_body(IKE_PL_NOTIFY, b, len);
    UNIT_EXPECT_ERR(ike_notify_decode(&pl, &n, &err), err, IKE_ERR_PL_BODY_TOO_SHORT, IKE_PL_NOTIFY,
                    7);
    len = unit_hex("03 03 4009 c12b00", b, sizeof(b));
    pl = ike_pl_from_body(IKE_PL_NOTIFY, b, len);
    UNIT_EXPECT_ERR(ike_notify_decode(&pl, &n, &err), err, IKE_ERR_NOTIFY_BAD_SPI_SIZE,
                    IKE_PL_NOTIFY, 5);
    len = unit_hex("01 08 000b 010203040506", b, sizeof(b));
    pl = ike_pl_from_body(IKE_PL_NOTIFY, b, len);
    pl.offset = 200;
    UNIT_EXPECT_ERR(ike_notify_decode(&pl, &n, &err), err, IKE_ERR_NOTIFY_SPI_TRUNCATED,
                    IKE_PL_NOTIFY, 208);

    uint8_t buf[64];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    struct ike_notify_payload bad = {.spi_size = 2, .type = IKE_N_INVALID_SPI};
    assert_int_equal(ike_notify_encode(&w, &bad), -EINVAL);
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_COOKIE, NULL, 4), -EINVAL);
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_COOKIE, b, 70000), -EINVAL);
    struct ike_notify_payload big = {.spi_size = 8, .data = {b, UINT16_MAX - 12}};
    assert_int_equal(ike_notify_encode(&w, &big), -EINVAL);
    assert_int_equal(w.len, 0);
    uint8_t tiny[6];
    unit_w_init(&w, tiny, sizeof(tiny));
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_REDIRECT_SUPPORTED, NULL, 0), -ENOSPC);
}

static void test_redirect_ipv6_fqdn_round_trip(void **state)
{
    (void)state;
    uint8_t buf[320];
    struct ike_writer w;
    struct ike_gw_id v6 = {.type = IKE_GW_IPV6, .len = 16};
    unit_hex("20010db8000000000000000000000099", v6.value, 16);
    unit_w_init(&w, buf, sizeof(buf));
    /* No nonce: the form sent inside SK (RFC 5685 5, 6). */
    assert_int_equal(ike_notify_redirect_encode(&w, &v6, NULL), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 001a 00 00 4017 02 10 20010db8000000000000000000000099");
    struct ike_pl pl = unit_pl_at(buf, 0, IKE_PL_NOTIFY);
    struct ike_notify_payload n;
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    struct ike_gw_id gw;
    struct ike_bytes nonce = {buf, 1};
    assert_int_equal(ike_notify_redirect_decode(&n, &gw, &nonce, NULL), 0);
    assert_true(ike_gw_id_equal(&gw, &v6));
    assert_int_equal(nonce.len, 0);

    /* An empty nonce is the same as none. */
    struct ike_bytes empty = {NULL, 0};
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_notify_redirect_encode(&w, &v6, &empty), 0);
    assert_int_equal(w.len, 26);

    struct ike_gw_id fqdn = {.type = IKE_GW_FQDN, .len = 15};
    memcpy(fqdn.value, "gw2.example.net", 15);
    uint8_t nb[IKE_NONCE_MAX];
    memset(nb, 0x5a, sizeof(nb));
    struct ike_bytes ni = {nb, IKE_NONCE_MAX};
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_notify_redirect_encode(&w, &fqdn, &ni), 0);
    assert_int_equal(w.len, 8 + 2 + 15 + 256);
    assert_memory_equal(buf, "\x00\x00\x01\x19\x00\x00\x40\x17\x03\x0fgw2.example.net", 25);
    pl = unit_pl_at(buf, 0, IKE_PL_NOTIFY);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(ike_notify_redirect_decode(&n, &gw, &nonce, NULL), 0);
    assert_true(ike_gw_id_equal(&gw, &fqdn));
    assert_int_equal(nonce.len, IKE_NONCE_MAX);
    assert_memory_equal(nonce.ptr, nb, IKE_NONCE_MAX);

    /* The longest FQDN. */
    struct ike_gw_id longest = {.type = IKE_GW_FQDN, .len = IKE_GW_ID_MAX};
    memset(longest.value, 'a', IKE_GW_ID_MAX);
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_notify_redirect_encode(&w, &longest, NULL), 0);
    pl = unit_pl_at(buf, 0, IKE_PL_NOTIFY);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(ike_notify_redirect_decode(&n, &gw, &nonce, NULL), 0);
    assert_true(ike_gw_id_equal(&gw, &longest));
}

static void test_redirected_from(void **state)
{
    (void)state;
    struct ike_gw_id v4 = {.type = IKE_GW_IPV4, .len = 4, .value = {203, 0, 113, 1}};
    uint8_t buf[64];
    struct ike_writer w;
    struct ike_notify_payload n;
    UNIT_ROUND_TRIP(buf, "00 00 000e 00 00 4018 01 04 cb007101", IKE_PL_NOTIFY, ike_notify_decode,
                    &n, ike_notify_gw_encode, IKE_N_REDIRECTED_FROM, &v4);
    struct ike_gw_id gw;
    assert_int_equal(ike_notify_gw_decode(&n, &gw, NULL), 0);
    assert_true(ike_gw_id_equal(&gw, &v4));

    /* RFC 5685 9.3 allows only addresses in REDIRECTED_FROM. */
    struct ike_gw_id fqdn = {.type = IKE_GW_FQDN, .len = 2, .value = "gw"};
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_notify_gw_encode(&w, IKE_N_REDIRECTED_FROM, &fqdn), -EINVAL);
    assert_int_equal(w.len, 0);
    /* ...while REDIRECT takes an FQDN through the same function. */
    assert_int_equal(ike_notify_gw_encode(&w, IKE_N_REDIRECT, &fqdn), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 000c 00 00 4017 03 02 6777");
}

static void test_gw_malformed(void **state)
{
    (void)state;
    uint8_t b[300];
    struct ike_notify_payload n;
    struct ike_gw_id gw;
    struct ike_bytes nonce;
    struct ike_err err = {0};

    /* Notify body at offset 0: data starts at 8. */
    notify_from_hex("00 00 4017 01", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_redirect_decode(&n, &gw, &nonce, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 9);
    notify_from_hex("00 00 4017", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_redirect_decode(&n, &gw, &nonce, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 8);
    notify_from_hex("00 00 4017 00 04 c0000263", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_redirect_decode(&n, &gw, &nonce, &err), err, IKE_ERR_GW_ID_BAD_TYPE,
                    IKE_PL_NOTIFY, 8);
    notify_from_hex("00 00 4017 04 04 c0000263", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_redirect_decode(&n, &gw, &nonce, &err), err, IKE_ERR_GW_ID_BAD_TYPE,
                    IKE_PL_NOTIFY, 8);
    notify_from_hex("00 00 4017 01 05 c000026300", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_redirect_decode(&n, &gw, &nonce, &err), err,
                    IKE_ERR_GW_ID_BAD_LENGTH, IKE_PL_NOTIFY, 9);
    notify_from_hex("00 00 4017 02 04 c0000263", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_redirect_decode(&n, &gw, &nonce, &err), err,
                    IKE_ERR_GW_ID_BAD_LENGTH, IKE_PL_NOTIFY, 9);
    notify_from_hex("00 00 4017 03 00", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_redirect_decode(&n, &gw, &nonce, &err), err,
                    IKE_ERR_GW_ID_BAD_LENGTH, IKE_PL_NOTIFY, 9);
    /* Identity length runs past the data. */
    notify_from_hex("00 00 4017 03 05 67772e6e", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_redirect_decode(&n, &gw, &nonce, &err), err,
                    IKE_ERR_GW_ID_BAD_LENGTH, IKE_PL_NOTIFY, 9);
    /* A nonce, when present, is 16..256 bytes (RFC 5685 9.2). */
    notify_from_hex("00 00 4017 01 04 c0000263 000102030405060708090a0b0c0d0e", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_redirect_decode(&n, &gw, &nonce, &err), err, IKE_ERR_NONCE_TOO_SHORT,
                    IKE_PL_NOTIFY, 14);
    memset(b, 0, sizeof(b));
    unit_hex("00 00 4017 01 04 c0000263", b, sizeof(b));
    struct ike_pl pl = ike_pl_from_body(IKE_PL_NOTIFY, b, 10 + IKE_NONCE_MAX + 1);
    pl.offset = 28;
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    UNIT_EXPECT_ERR(ike_notify_redirect_decode(&n, &gw, &nonce, &err), err, IKE_ERR_NONCE_TOO_LONG,
                    IKE_PL_NOTIFY, 28 + 14);

    /* REDIRECTED_FROM: an address only, and nothing after it. */
    notify_from_hex("00 00 4018 03 02 6777", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_gw_decode(&n, &gw, &err), err, IKE_ERR_GW_ID_BAD_TYPE, IKE_PL_NOTIFY,
                    8);
    notify_from_hex("00 00 4018 01 04 cb007101 00", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_gw_decode(&n, &gw, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 14);

    /* Encoders refuse identities and nonces the decoders would refuse. */
    uint8_t buf[64];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    struct ike_gw_id bad = {.type = IKE_GW_IPV4, .len = 16};
    assert_int_equal(ike_notify_redirect_encode(&w, &bad, NULL), -EINVAL);
    bad.type = 9;
    bad.len = 4;
    assert_int_equal(ike_notify_gw_encode(&w, IKE_N_REDIRECT, &bad), -EINVAL);
    bad.type = IKE_GW_FQDN;
    bad.len = 0;
    assert_int_equal(ike_notify_gw_encode(&w, IKE_N_REDIRECT, &bad), -EINVAL);
    struct ike_gw_id ok = {.type = IKE_GW_IPV4, .len = 4};
    struct ike_bytes short_nonce = {buf, 8};
    assert_int_equal(ike_notify_redirect_encode(&w, &ok, &short_nonce), -EINVAL);
    assert_int_equal(w.len, 0);
}

static void test_gw_id_equal(void **state)
{
    (void)state;
    struct ike_gw_id a = {.type = IKE_GW_FQDN, .len = 14};
    struct ike_gw_id b = {.type = IKE_GW_FQDN, .len = 14};
    memcpy(a.value, "VPN.Example.ORG", 14);
    memcpy(b.value, "vpn.example.orG", 14);
    assert_true(ike_gw_id_equal(&a, &b));
    b.value[0] = 'w';
    assert_false(ike_gw_id_equal(&a, &b));
    b.value[0] = 'v';
    b.len = 13;
    assert_false(ike_gw_id_equal(&a, &b));

    /* Addresses compare byte for byte: 0x41 and 0x61 differ there. */
    struct ike_gw_id x = {.type = IKE_GW_IPV4, .len = 4, .value = {0x41, 0, 0, 1}};
    struct ike_gw_id y = {.type = IKE_GW_IPV4, .len = 4, .value = {0x61, 0, 0, 1}};
    assert_false(ike_gw_id_equal(&x, &y));
    y.value[0] = 0x41;
    assert_true(ike_gw_id_equal(&x, &y));
    /* Same bytes, other type. */
    struct ike_gw_id f = {.type = IKE_GW_FQDN, .len = 4, .value = {0x41, 0, 0, 1}};
    assert_false(ike_gw_id_equal(&x, &f));
}

static void test_hash_algs(void **state)
{
    (void)state;
    uint8_t b[64];
    struct ike_notify_payload n;
    uint16_t algs[IKE_MAX_HASH_ALGS];
    unsigned nalgs;
    struct ike_err err = {0};

    notify_from_hex("00 00 402f", b, sizeof(b), &n);
    assert_int_equal(ike_notify_hash_algs_decode(&n, algs, &nalgs, NULL), 0);
    assert_int_equal(nalgs, 0);

    notify_from_hex("00 00 402f 0002 000300", b, sizeof(b), &n);
    UNIT_EXPECT_ERR(ike_notify_hash_algs_decode(&n, algs, &nalgs, &err), err,
                    IKE_ERR_NOTIFY_BAD_DATA, IKE_PL_NOTIFY, 12);

    /* 16 identifiers fit, 17 do not. */
    memset(b, 0, sizeof(b));
    unit_hex("00 00 402f", b, sizeof(b));
    for (unsigned i = 0; i < 17; i++)
        b[4 + 2 * i + 1] = (uint8_t)(i + 1);
    struct ike_pl pl = ike_pl_from_body(IKE_PL_NOTIFY, b, 4 + 32);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(ike_notify_hash_algs_decode(&n, algs, &nalgs, NULL), 0);
    assert_int_equal(nalgs, 16);
    assert_int_equal(algs[15], 16);
    pl = ike_pl_from_body(IKE_PL_NOTIFY, b, 4 + 34);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    UNIT_EXPECT_ERR(ike_notify_hash_algs_decode(&n, algs, &nalgs, &err), err,
                    IKE_ERR_NOTIFY_BAD_DATA, IKE_PL_NOTIFY, 8 + 32);

    /* Encoded with the plain-data helper, read back. */
    uint8_t buf[32];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    const uint8_t list[] = {0x00, 0x02, 0x00, 0x05};
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_SIGNATURE_HASH_ALGORITHMS, list, 4), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 000c 00 00 402f 0002 0005");
    pl = unit_pl_at(buf, 0, IKE_PL_NOTIFY);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(ike_notify_hash_algs_decode(&n, algs, &nalgs, NULL), 0);
    assert_int_equal(nalgs, 2);
    assert_int_equal(algs[0], IKE_HASH_SHA2_256);
    assert_int_equal(algs[1], IKE_HASH_IDENTITY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_status_notifies),
        cmocka_unit_test(test_capture_redirect),
        cmocka_unit_test(test_notify_round_trip),
        cmocka_unit_test(test_notify_malformed),
        cmocka_unit_test(test_redirect_ipv6_fqdn_round_trip),
        cmocka_unit_test(test_redirected_from),
        cmocka_unit_test(test_gw_malformed),
        cmocka_unit_test(test_gw_id_equal),
        cmocka_unit_test(test_hash_algs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
