/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data of MOBIKE's notifies (RFC 4555 4, pl_mobike.c): MOBIKE_SUPPORTED,
 * UPDATE_SA_ADDRESSES, NO_ADDITIONAL_ADDRESSES, COOKIE2 (8 to 64 octets),
 * ADDITIONAL_IP4_ADDRESS / ADDITIONAL_IP6_ADDRESS, NO_NATS_ALLOWED: bytes
 * as the RFC lays them out, round trips, and every malformed length refused
 * at the offset where it goes wrong.
 */
#include "unit_pl.h"

/*
 * Decodes a notify body given in hex, as if its payload started at offset 0:
 * with no SPI its data starts at offset 8.
 */
static void notify_from_hex(const char *hex, uint8_t *buf, size_t cap, struct ike_notify_payload *n)
{
    size_t len = unit_hex(hex, buf, cap);
    struct ike_pl pl = ike_pl_from_body(IKE_PL_NOTIFY, buf, len);
    assert_int_equal(ike_notify_decode(&pl, n, NULL), 0);
}

/* A notify of `type` with `len` bytes of data 0, 1, 2 ... (at most 100). */
static void notify_of_len(uint16_t type, size_t len, uint8_t *buf, struct ike_notify_payload *n)
{
    buf[0] = 0;
    buf[1] = 0;
    ike_put16(buf + 2, type);
    for (size_t i = 0; i < len; i++)
        buf[4 + i] = (uint8_t)i;
    struct ike_pl pl = ike_pl_from_body(IKE_PL_NOTIFY, buf, 4 + len);
    assert_int_equal(ike_notify_decode(&pl, n, NULL), 0);
}

static void test_no_data_notifies(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct ike_writer w;
    struct ike_notify_payload n;
    struct ike_err err = {0};
    /* 4.2.1, 4.2.3, 4.2.4: Protocol ID and SPI Size 0, no data. */
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_MOBIKE_SUPPORTED, NULL, 0), 0);
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_NO_ADDITIONAL_ADDRESSES, NULL, 0), 0);
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_UPDATE_SA_ADDRESSES, NULL, 0), 0);
    UNIT_EXPECT_BYTES(&w, "2900 0008 00 00 400c  2900 0008 00 00 400f  00 00 0008 00 00 4010");

    notify_from_hex("00 00 4010", buf, sizeof(buf), &n);
    assert_int_equal(n.type, IKE_N_UPDATE_SA_ADDRESSES);
    assert_int_equal(ike_notify_no_data_decode(&n, &err), 0);
    notify_from_hex("00 00 400f", buf, sizeof(buf), &n);
    assert_int_equal(ike_notify_no_data_decode(&n, &err), 0);
    notify_from_hex("00 00 0029", buf, sizeof(buf), &n);
    assert_int_equal(n.type, IKE_N_UNEXPECTED_NAT_DETECTED);
    assert_int_equal(ike_notify_no_data_decode(&n, &err), 0);

    /* Data where there is none to be. */
    notify_from_hex("00 00 4010 00", buf, sizeof(buf), &n);
    UNIT_EXPECT_ERR(ike_notify_no_data_decode(&n, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 8);
    notify_from_hex("00 00 400f c0000201", buf, sizeof(buf), &n);
    UNIT_EXPECT_ERR(ike_notify_no_data_decode(&n, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 8);

    /* MOBIKE_SUPPORTED with data (a future version's, 4.2.1) is still found: the data is ignored.
     */
    static uint8_t msg[64];
    memset(msg, 0, sizeof(msg));
    struct ike_hdr h = {.spi_i = 1,
                        .spi_r = 2,
                        .version = IKE_MAJOR_VERSION << 4,
                        .exchange = IKE_EXCH_INFORMATIONAL,
                        .flags = IKE_FLAG_INITIATOR};
    ike_w_init(&w, msg, sizeof(msg), false);
    ike_w_header(&w, &h);
    assert_int_equal(ike_notify_encode_simple(&w, IKE_N_MOBIKE_SUPPORTED, "R", 1), 0);
    long total = ike_w_finish(&w);
    assert_int_equal(total, IKE_HDR_LEN + 9);
    static struct ike_msg m;
    assert_int_equal(ike_msg_decode(msg, (size_t)total, &m, NULL), 0);
    assert_non_null(ike_msg_find_notify(&m, IKE_N_MOBIKE_SUPPORTED));
}

static void test_cookie2(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct ike_notify_payload n;
    struct ike_bytes c;
    struct ike_err err = {0};
    /* 8 and 64 octets: the bounds (4.2.5). */
    notify_from_hex("00 00 4011 0011223344556677", buf, sizeof(buf), &n);
    assert_int_equal(ike_notify_cookie2_decode(&n, &c, &err), 0);
    assert_int_equal(c.len, 8);
    assert_ptr_equal(c.ptr, buf + 4);
    notify_of_len(IKE_N_COOKIE2, 64, buf, &n);
    assert_int_equal(ike_notify_cookie2_decode(&n, &c, &err), 0);
    assert_int_equal(c.len, 64);

    /* Empty, 7 and 65 octets. */
    notify_of_len(IKE_N_COOKIE2, 0, buf, &n);
    UNIT_EXPECT_ERR(ike_notify_cookie2_decode(&n, &c, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 8);
    notify_of_len(IKE_N_COOKIE2, 7, buf, &n);
    UNIT_EXPECT_ERR(ike_notify_cookie2_decode(&n, &c, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 15);
    notify_of_len(IKE_N_COOKIE2, 65, buf, &n);
    UNIT_EXPECT_ERR(ike_notify_cookie2_decode(&n, &c, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 8 + 64);

    /* Behind an SPI (none is due, but the data is what follows it). */
    notify_from_hex("00 04 4011 01020304 0011223344556677", buf, sizeof(buf), &n);
    assert_int_equal(ike_notify_cookie2_decode(&n, &c, &err), 0);
    assert_int_equal(c.len, 8);
    assert_int_equal(n.data_off, 12);

    /* Encoded, and back. */
    uint8_t out[128];
    struct ike_writer w;
    unit_w_init(&w, out, sizeof(out));
    const uint8_t v[8] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
    assert_int_equal(ike_notify_cookie2_encode(&w, &(struct ike_bytes){v, 8}), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 0010 00 00 4011 deadbeef01020304");
    struct ike_pl pl = unit_pl_at(out, 0, IKE_PL_NOTIFY);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(ike_notify_cookie2_decode(&n, &c, NULL), 0);
    assert_memory_equal(c.ptr, v, 8);
    /* The encoder keeps the bounds too. */
    uint8_t big[65] = {0};
    unit_w_init(&w, out, sizeof(out));
    assert_int_equal(ike_notify_cookie2_encode(&w, &(struct ike_bytes){v, 7}), -EINVAL);
    assert_int_equal(ike_notify_cookie2_encode(&w, &(struct ike_bytes){big, 65}), -EINVAL);
    assert_int_equal(w.len, 0);
}

static void test_additional_addresses(void **state)
{
    (void)state;
    uint8_t buf[64], out[64];
    struct ike_notify_payload n;
    struct ike_addr a;
    struct ike_err err = {0};
    struct ike_writer w;

    struct ike_addr v4, v6;
    assert_int_equal(ike_addr_parse(&v4, "192.0.2.99", 0), 0);
    assert_int_equal(ike_addr_parse(&v6, "2001:db8::99", 0), 0);
    unit_w_init(&w, out, sizeof(out));
    assert_int_equal(ike_notify_additional_encode(&w, &v4), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 000c 00 00 400d c0000263");
    struct ike_pl pl = unit_pl_at(out, 0, IKE_PL_NOTIFY);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(ike_notify_additional_decode(&n, &a, &err), 0);
    assert_true(ike_addr_equal(&a, &v4));

    unit_w_init(&w, out, sizeof(out));
    assert_int_equal(ike_notify_additional_encode(&w, &v6), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 0018 00 00 400e 20010db8000000000000000000000099");
    pl = unit_pl_at(out, 0, IKE_PL_NOTIFY);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(ike_notify_additional_decode(&n, &a, &err), 0);
    assert_true(ike_addr_equal(&a, &v6));

    /* Lengths that are not their family's. */
    notify_from_hex("00 00 400d c00002", buf, sizeof(buf), &n);
    UNIT_EXPECT_ERR(ike_notify_additional_decode(&n, &a, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 11);
    notify_from_hex("00 00 400d c000026300", buf, sizeof(buf), &n);
    UNIT_EXPECT_ERR(ike_notify_additional_decode(&n, &a, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 12);
    notify_from_hex("00 00 400e c0000263", buf, sizeof(buf), &n);
    UNIT_EXPECT_ERR(ike_notify_additional_decode(&n, &a, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 12);
    notify_from_hex("00 00 400d", buf, sizeof(buf), &n);
    UNIT_EXPECT_ERR(ike_notify_additional_decode(&n, &a, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 8);
    /* Another notify is no address. */
    notify_from_hex("00 00 4011 c0000263", buf, sizeof(buf), &n);
    UNIT_EXPECT_ERR(ike_notify_additional_decode(&n, &a, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 8);
    struct ike_addr none = {0};
    unit_w_init(&w, out, sizeof(out));
    assert_int_equal(ike_notify_additional_encode(&w, &none), -EINVAL);
    assert_int_equal(w.len, 0);
}

static void test_no_nats_allowed(void **state)
{
    (void)state;
    uint8_t buf[64], out[64];
    struct ike_notify_payload n;
    struct ike_addr src, dst, s, d;
    struct ike_err err = {0};
    struct ike_writer w;

    /* 4.2.6: source address, destination address, source port, destination port. */
    assert_int_equal(ike_addr_parse(&src, "192.0.2.3", 4500), 0);
    assert_int_equal(ike_addr_parse(&dst, "192.0.2.1", 500), 0);
    unit_w_init(&w, out, sizeof(out));
    assert_int_equal(ike_notify_no_nats_encode(&w, &src, &dst), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 0014 00 00 4012 c0000203 c0000201 1194 01f4");
    struct ike_pl pl = unit_pl_at(out, 0, IKE_PL_NOTIFY);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(ike_notify_no_nats_decode(&n, &s, &d, &err), 0);
    assert_true(ike_addr_equal(&s, &src));
    assert_true(ike_addr_equal(&d, &dst));

    assert_int_equal(ike_addr_parse(&src, "2001:db8:1::2", 4500), 0);
    assert_int_equal(ike_addr_parse(&dst, "2001:db8:2::1", 4500), 0);
    unit_w_init(&w, out, sizeof(out));
    assert_int_equal(ike_notify_no_nats_encode(&w, &src, &dst), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 002c 00 00 4012 20010db8000100000000000000000002"
                          "20010db8000200000000000000000001 1194 1194");
    pl = unit_pl_at(out, 0, IKE_PL_NOTIFY);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(ike_notify_no_nats_decode(&n, &s, &d, &err), 0);
    assert_true(ike_addr_equal(&s, &src));
    assert_true(ike_addr_equal(&d, &dst));

    /* 11, 13, 35 and 37 octets, and none. */
    static const unsigned bad[][2] = {
        {11, 8 + 11}, {13, 8 + 13}, {35, 8 + 35}, {37, 8 + 36}, {0, 8}};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        notify_of_len(IKE_N_NO_NATS_ALLOWED, bad[i][0], buf, &n);
        print_message("NO_NATS_ALLOWED of %u octets\n", bad[i][0]);
        UNIT_EXPECT_ERR(ike_notify_no_nats_decode(&n, &s, &d, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                        IKE_PL_NOTIFY, bad[i][1]);
    }
    /* Addresses of two families cannot be one notify. */
    struct ike_addr v4;
    assert_int_equal(ike_addr_parse(&v4, "192.0.2.3", 4500), 0);
    unit_w_init(&w, out, sizeof(out));
    assert_int_equal(ike_notify_no_nats_encode(&w, &v4, &dst), -EINVAL);
    assert_int_equal(w.len, 0);
}

/* r-MOBIKE (draft 5.1, 5.2): MOBIKE_SUPPORTED('R') and SWITCH_TO_IP_ADDRESS of any type. */
static void test_switch_to_ip_address(void **state)
{
    (void)state;
    uint8_t out[64], buf[128];
    struct ike_writer w;
    struct ike_notify_payload n;
    struct ike_err err = {0};
    struct ike_addr a, got;
    assert_int_equal(ike_addr_parse(&a, "192.0.2.9", 4500), 0);
    unit_w_init(&w, out, sizeof(out));
    assert_int_equal(ike_notify_switch_encode(&w, 40960, &a), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 000c 00 00 a000 c0000209");
    struct ike_pl pl = unit_pl_at(out, 0, IKE_PL_NOTIFY);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(n.type, 40960);
    assert_int_equal(ike_notify_switch_decode(&n, &got, &err), 0);
    assert_int_equal(got.family, 4);
    assert_true(ike_addr_ip_equal(&got, &a));
    assert_int_equal(got.port, 0);

    /* Another number from the configuration, and IPv6. */
    assert_int_equal(ike_addr_parse(&a, "2001:db8:2::9", 0), 0);
    unit_w_init(&w, out, sizeof(out));
    assert_int_equal(ike_notify_switch_encode(&w, 65000, &a), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 0018 00 00 fde8 20010db8000200000000000000000009");
    pl = unit_pl_at(out, 0, IKE_PL_NOTIFY);
    assert_int_equal(ike_notify_decode(&pl, &n, NULL), 0);
    assert_int_equal(ike_notify_switch_decode(&n, &got, &err), 0);
    assert_int_equal(got.family, 6);
    assert_true(ike_addr_ip_equal(&got, &a));

    /* Any length but 4 and 16 is malformed, found where it goes wrong. */
    static const unsigned bad[][2] = {{0, 8}, {3, 8 + 3}, {5, 8 + 5}, {15, 8 + 15}, {17, 8 + 16}};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        notify_of_len(40960, bad[i][0], buf, &n);
        print_message("SWITCH_TO_IP_ADDRESS of %u octets\n", bad[i][0]);
        UNIT_EXPECT_ERR(ike_notify_switch_decode(&n, &got, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                        IKE_PL_NOTIFY, bad[i][1]);
    }
    /* An SPI where the draft has none (SPI size 4, then 4 octets of address). */
    notify_from_hex("00 04 a000 01020304 c0000209", buf, sizeof(buf), &n);
    UNIT_EXPECT_ERR(ike_notify_switch_decode(&n, &got, &err), err, IKE_ERR_NOTIFY_BAD_DATA,
                    IKE_PL_NOTIFY, 12);
    /* No family to encode. */
    memset(&a, 0, sizeof(a));
    unit_w_init(&w, out, sizeof(out));
    assert_int_equal(ike_notify_switch_encode(&w, 40960, &a), -EINVAL);
    assert_int_equal(w.len, 0);

    /* MOBIKE_SUPPORTED: only the single octet 'R' says r-MOBIKE. */
    notify_from_hex("00 00 400c 52", buf, sizeof(buf), &n);
    assert_true(ike_notify_mobike_says_r(&n));
    notify_from_hex("00 00 400c", buf, sizeof(buf), &n);
    assert_false(ike_notify_mobike_says_r(&n));
    notify_from_hex("00 00 400c 53", buf, sizeof(buf), &n);
    assert_false(ike_notify_mobike_says_r(&n));
    notify_from_hex("00 00 400c 5252", buf, sizeof(buf), &n);
    assert_false(ike_notify_mobike_says_r(&n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_data_notifies),     cmocka_unit_test(test_cookie2),
        cmocka_unit_test(test_additional_addresses), cmocka_unit_test(test_no_nats_allowed),
        cmocka_unit_test(test_switch_to_ip_address),
    };
    return cmocka_run_group_tests_name("pl_mobike", tests, NULL, NULL);
}
