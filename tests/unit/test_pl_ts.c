/* SPDX-License-Identifier: BSD-3-Clause */
/* TSi / TSr payload codec. */
#include "unit_pl.h"

static void expect_same_ts(const struct ike_ts *a, const struct ike_ts *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->ip_proto, b->ip_proto);
    assert_int_equal(a->start_port, b->start_port);
    assert_int_equal(a->end_port, b->end_port);
    assert_memory_equal(a->start_addr, b->start_addr, 16);
    assert_memory_equal(a->end_addr, b->end_addr, 16);
}

static void test_ipv4_vector(void **state)
{
    (void)state;
    /* 10.0.0.0-10.0.0.255, any protocol, any port. */
    struct ike_ts_payload ts = {
        .nts = 1,
        .ts = {{.type = IKE_TS_IPV4_ADDR_RANGE,
                .start_port = 0,
                .end_port = 65535,
                .start_addr = {10, 0, 0, 0},
                .end_addr = {10, 0, 0, 255}}},
    };
    uint8_t buf[64];
    struct ike_ts_payload back;
    UNIT_ROUND_TRIP(buf, "00 00 0018 01 000000 07 00 0010 0000 ffff 0a000000 0a0000ff", IKE_PL_TSI,
                    ike_ts_decode, &back, ike_ts_encode, IKE_PL_TSI, &ts);
    assert_int_equal(back.nts, 1);
    expect_same_ts(&back.ts[0], &ts.ts[0]);
}

static void test_mixed_round_trip(void **state)
{
    (void)state;
    /* TCP 443 to one IPv6 host, then ICMP (type/code in the ports) to an IPv4 range. */
    struct ike_ts_payload ts = {.nts = 2};
    ts.ts[0] = (struct ike_ts){
        .type = IKE_TS_IPV6_ADDR_RANGE, .ip_proto = 6, .start_port = 443, .end_port = 443};
    unit_hex("20010db8000000000000000000000001", ts.ts[0].start_addr, 16);
    unit_hex("20010db8000000000000000000000001", ts.ts[0].end_addr, 16);
    ts.ts[1] = (struct ike_ts){.type = IKE_TS_IPV4_ADDR_RANGE,
                               .ip_proto = 1,
                               .start_port = 0x0800,
                               .end_port = 0x0800,
                               .start_addr = {192, 0, 2, 0},
                               .end_addr = {192, 0, 2, 127}};
    uint8_t buf[128];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_ts_encode(&w, IKE_PL_TSR, &ts), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 0040 02 000000"
                          "08 06 0028 01bb 01bb"
                          "20010db8000000000000000000000001 20010db8000000000000000000000001"
                          "07 01 0010 0800 0800 c0000200 c000027f");
    struct ike_pl pl = unit_pl_at(buf, 0, IKE_PL_TSR);
    struct ike_ts_payload back;
    struct ike_err err = {0};
    assert_int_equal(ike_ts_decode(&pl, &back, &err), 0);
    assert_int_equal(back.nts, 2);
    expect_same_ts(&back.ts[0], &ts.ts[0]);
    expect_same_ts(&back.ts[1], &ts.ts[1]);

    /* Start above end is legal syntax (OPAQUE ports, RFC 7296 3.13.1). */
    ts.nts = 1;
    ts.ts[0].start_port = 65535;
    ts.ts[0].end_port = 0;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_ts_encode(&w, IKE_PL_TSR, &ts), 0);
    pl = unit_pl_at(buf, 0, IKE_PL_TSR);
    assert_int_equal(ike_ts_decode(&pl, &back, &err), 0);
    assert_int_equal(back.ts[0].start_port, 65535);
    assert_int_equal(back.ts[0].end_port, 0);
}

#define SEL4 "07 00 0010 0000 ffff 0a000000 0a0000ff"

static const struct unit_bad_pl bad_tss[] = {
    {"", IKE_ERR_PL_BODY_TOO_SHORT, 4},
    {"01 0000", IKE_ERR_PL_BODY_TOO_SHORT, 7},
    {"00 000000", IKE_ERR_TS_NONE, 4},
    {"00 000000" SEL4, IKE_ERR_TS_NONE, 4},
    {"21 000000" SEL4, IKE_ERR_TS_TOO_MANY, 4},
    {"01 000000 07 00 00", IKE_ERR_TS_TRUNCATED, 8},
    {"01 000000 09 00 0010 0000 ffff 0a000000 0a0000ff", IKE_ERR_TS_BAD_TYPE, 8},
    {"01 000000 00 00 0010 0000 ffff 0a000000 0a0000ff", IKE_ERR_TS_BAD_TYPE, 8},
    {"01 000000 07 00 0028 0000 ffff 0a000000 0a0000ff", IKE_ERR_TS_BAD_LENGTH, 10},
    {"01 000000 08 00 0010 0000 ffff 0a000000 0a0000ff", IKE_ERR_TS_BAD_LENGTH, 10},
    {"01 000000 07 00 0010 0000 ffff 0a000000", IKE_ERR_TS_TRUNCATED, 10},
    {"02 000000" SEL4 "08 00 0028 0000 ffff", IKE_ERR_TS_TRUNCATED, 26},
    {"02 000000" SEL4, IKE_ERR_TS_COUNT_MISMATCH, 4},
    {"01 000000" SEL4 SEL4, IKE_ERR_TS_COUNT_MISMATCH, 24},
    {"01 000000" SEL4 "0000", IKE_ERR_TS_COUNT_MISMATCH, 24},
};

static void test_malformed(void **state)
{
    (void)state;
    UNIT_EXPECT_ALL_REFUSED(bad_tss, IKE_PL_TSI, ike_ts_decode, struct ike_ts_payload);
    /* Offsets count from the IKE header, and the payload type is TSr's when it is TSr. */
    uint8_t b[32];
    size_t n = unit_hex("01 000000 09 00 0010", b, sizeof(b));
    struct ike_pl pl = ike_pl_from_body(IKE_PL_TSR, b, n);
    pl.offset = 120;
    struct ike_ts_payload ts;
    struct ike_err err = {0};
    UNIT_EXPECT_ERR(ike_ts_decode(&pl, &ts, &err), err, IKE_ERR_TS_BAD_TYPE, IKE_PL_TSR, 128);
}

static void test_bound(void **state)
{
    (void)state;
    static struct ike_ts_payload ts;
    memset(&ts, 0, sizeof(ts));
    ts.nts = IKE_TS_MAX;
    for (unsigned i = 0; i < IKE_TS_MAX; i++) {
        ts.ts[i].type = i % 2 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
        ts.ts[i].ip_proto = (uint8_t)i;
        ts.ts[i].start_addr[0] = (uint8_t)i;
        ts.ts[i].end_addr[3] = (uint8_t)i;
        ts.ts[i].end_port = (uint16_t)(1000 + i);
    }
    static uint8_t buf[2048];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_ts_encode(&w, IKE_PL_TSI, &ts), 0);
    assert_int_equal(w.len, 8 + 16 * 16 + 16 * 40);
    struct ike_pl pl = unit_pl_at(buf, 0, IKE_PL_TSI);
    static struct ike_ts_payload back;
    assert_int_equal(ike_ts_decode(&pl, &back, NULL), 0);
    assert_int_equal(back.nts, IKE_TS_MAX);
    for (unsigned i = 0; i < IKE_TS_MAX; i++)
        expect_same_ts(&back.ts[i], &ts.ts[i]);
}

static void test_encoder_refusals(void **state)
{
    (void)state;
    static struct ike_ts_payload ts;
    memset(&ts, 0, sizeof(ts));
    uint8_t buf[64];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_ts_encode(&w, IKE_PL_TSI, &ts), -EINVAL); /* no selector */
    ts.nts = 1;
    ts.ts[0].type = 9;
    assert_int_equal(ike_ts_encode(&w, IKE_PL_TSI, &ts), -EINVAL);
    ts.ts[0].type = IKE_TS_IPV4_ADDR_RANGE;
    assert_int_equal(ike_ts_encode(&w, IKE_PL_SA, &ts), -EINVAL);
    ts.nts = IKE_TS_MAX + 1;
    assert_int_equal(ike_ts_encode(&w, IKE_PL_TSI, &ts), -EINVAL);
    assert_int_equal(w.len, 0);
    ts.nts = 3;
    ts.ts[1].type = ts.ts[2].type = IKE_TS_IPV6_ADDR_RANGE;
    assert_int_equal(ike_ts_encode(&w, IKE_PL_TSI, &ts), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_vector),      cmocka_unit_test(test_mixed_round_trip),
        cmocka_unit_test(test_malformed),        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_encoder_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
