/* SPDX-License-Identifier: BSD-3-Clause */
/* Delete payload codec. */
#include "unit_pl.h"

static void test_esp_round_trip(void **state)
{
    (void)state;
    const uint8_t spis[] = {0xc1, 0x2b, 0x00, 0x07, 0x0a, 0x0b, 0x0c, 0x0d};
    struct ike_delete_payload d = {
        .protocol = IKE_PROTO_ESP, .spi_size = 4, .nspis = 2, .spis = spis};
    uint8_t buf[64];
    struct ike_delete_payload back;
    UNIT_ROUND_TRIP(buf, "00 00 0010 03 04 0002 c12b0007 0a0b0c0d", IKE_PL_DELETE,
                    ike_delete_decode, &back, ike_delete_encode, &d);
    assert_int_equal(back.protocol, IKE_PROTO_ESP);
    assert_int_equal(back.spi_size, 4);
    assert_int_equal(back.nspis, 2);
    assert_ptr_equal(back.spis, buf + 8);
    assert_memory_equal(back.spis, spis, sizeof(spis));
}

static void test_ike_and_ah(void **state)
{
    (void)state;
    /* Deleting the IKE SA names no SPI: it is in the header (RFC 7296 3.11). */
    struct ike_delete_payload d = {.protocol = IKE_PROTO_IKE};
    uint8_t buf[64];
    struct ike_delete_payload back;
    UNIT_ROUND_TRIP(buf, "00 00 0008 01 00 0000", IKE_PL_DELETE, ike_delete_decode, &back,
                    ike_delete_encode, &d);
    assert_int_equal(back.protocol, IKE_PROTO_IKE);
    assert_int_equal(back.spi_size, 0);
    assert_int_equal(back.nspis, 0);

    const uint8_t spi[] = {0xde, 0xad, 0xbe, 0xef};
    struct ike_delete_payload ah = {
        .protocol = IKE_PROTO_AH, .spi_size = 4, .nspis = 1, .spis = spi};
    UNIT_ROUND_TRIP(buf, "00 00 000c 02 04 0001 deadbeef", IKE_PL_DELETE, ike_delete_decode, &back,
                    ike_delete_encode, &ah);
    assert_int_equal(back.nspis, 1);
    assert_memory_equal(back.spis, spi, 4);
}

static void test_bound(void **state)
{
    (void)state;
    static uint8_t b[4 + 4 * (IKE_DELETE_MAX_SPIS + 1)];
    memset(b, 0x33, sizeof(b));
    b[0] = IKE_PROTO_ESP;
    b[1] = 4;
    ike_put16(b + 2, IKE_DELETE_MAX_SPIS);
    struct ike_pl pl = ike_pl_from_body(IKE_PL_DELETE, b, 4 + 4 * IKE_DELETE_MAX_SPIS);
    struct ike_delete_payload d;
    struct ike_err err = {0};
    assert_int_equal(ike_delete_decode(&pl, &d, &err), 0);
    assert_int_equal(d.nspis, IKE_DELETE_MAX_SPIS);

    ike_put16(b + 2, IKE_DELETE_MAX_SPIS + 1);
    pl = ike_pl_from_body(IKE_PL_DELETE, b, sizeof(b));
    pl.offset = 28;
    UNIT_EXPECT_ERR(ike_delete_decode(&pl, &d, &err), err, IKE_ERR_DELETE_TOO_MANY_SPIS,
                    IKE_PL_DELETE, 28 + 6);

    uint8_t buf[16];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    struct ike_delete_payload big = {
        .protocol = IKE_PROTO_ESP, .spi_size = 4, .nspis = IKE_DELETE_MAX_SPIS + 1, .spis = b + 4};
    assert_int_equal(ike_delete_encode(&w, &big), -EINVAL);
    big.nspis = 3;
    assert_int_equal(ike_delete_encode(&w, &big), -ENOSPC);
}

static const struct unit_bad_pl bad_deletes[] = {
    {"03 04 00", IKE_ERR_PL_BODY_TOO_SHORT, 7},
    {"", IKE_ERR_PL_BODY_TOO_SHORT, 4},
    {"00 00 0000", IKE_ERR_DELETE_BAD_PROTOCOL, 4},
    {"04 04 0001 01020304", IKE_ERR_DELETE_BAD_PROTOCOL, 4},
    {"01 08 0001 0102030405060708", IKE_ERR_DELETE_BAD_SPI_SIZE, 5},
    {"03 00 0000", IKE_ERR_DELETE_BAD_SPI_SIZE, 5},
    {"02 08 0001 0102030405060708", IKE_ERR_DELETE_BAD_SPI_SIZE, 5},
    /* IKE: no SPI count, no SPI bytes. */
    {"01 00 0001", IKE_ERR_DELETE_SPI_COUNT, 6},
    {"01 00 0000 00", IKE_ERR_DELETE_SPI_COUNT, 6},
    /* ESP: the count times 4 is the rest of the body, exactly. */
    {"03 04 0002 01020304", IKE_ERR_DELETE_SPI_COUNT, 6},
    {"03 04 0001 0102030405", IKE_ERR_DELETE_SPI_COUNT, 6},
    {"03 04 0000 01020304", IKE_ERR_DELETE_SPI_COUNT, 6},
};

static void test_malformed(void **state)
{
    (void)state;
    UNIT_EXPECT_ALL_REFUSED(bad_deletes, IKE_PL_DELETE, ike_delete_decode,
                            struct ike_delete_payload);
}

static void test_encoder_refusals(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    const uint8_t spi[8] = {0};
    const struct ike_delete_payload bad[] = {
        {.protocol = 0, .spi_size = 0},
        {.protocol = IKE_PROTO_IKE, .spi_size = 8, .nspis = 1, .spis = spi},
        {.protocol = IKE_PROTO_IKE, .spi_size = 0, .nspis = 1, .spis = spi},
        {.protocol = IKE_PROTO_ESP, .spi_size = 8, .nspis = 1, .spis = spi},
        {.protocol = IKE_PROTO_ESP, .spi_size = 4, .nspis = 1, .spis = NULL},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ike_delete_encode(&w, &bad[i]), -EINVAL);
    assert_int_equal(w.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_esp_round_trip),
        cmocka_unit_test(test_ike_and_ah),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_encoder_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
