/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration payload codec. */
#include "unit_pl.h"

static void test_request_vector(void **state)
{
    (void)state;
    /* What a remote-access client asks for: empty attributes name the wanted items. */
    struct ike_cp_payload cp = {.type = IKE_CFG_REQUEST, .nattrs = 3};
    cp.attrs[0].type = IKE_CPA_INTERNAL_IP4_ADDRESS;
    cp.attrs[1].type = IKE_CPA_INTERNAL_IP4_DNS;
    cp.attrs[2].type = IKE_CPA_INTERNAL_IP6_ADDRESS;
    uint8_t buf[64];
    struct ike_cp_payload back;
    UNIT_ROUND_TRIP(buf, "00 00 0014 01 000000 0001 0000 0003 0000 0008 0000", IKE_PL_CP,
                    ike_cp_decode, &back, ike_cp_encode, &cp);
    assert_int_equal(back.type, IKE_CFG_REQUEST);
    assert_int_equal(back.nattrs, 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(back.attrs[i].type, cp.attrs[i].type);
        assert_int_equal(back.attrs[i].value.len, 0);
    }
}

static void test_reply_round_trip(void **state)
{
    (void)state;
    const uint8_t addr[] = {10, 1, 0, 2};
    const uint8_t dns[] = {192, 0, 2, 53};
    struct ike_cp_payload cp = {.type = IKE_CFG_REPLY, .nattrs = 2};
    cp.attrs[0] = (struct ike_cp_attr){IKE_CPA_INTERNAL_IP4_ADDRESS, {addr, 4}};
    cp.attrs[1] = (struct ike_cp_attr){IKE_CPA_INTERNAL_IP4_DNS, {dns, 4}};
    uint8_t buf[64];
    struct ike_cp_payload back;
    UNIT_ROUND_TRIP(buf, "00 00 0018 02 000000 0001 0004 0a010002 0003 0004 c0000235", IKE_PL_CP,
                    ike_cp_decode, &back, ike_cp_encode, &cp);
    assert_int_equal(back.type, IKE_CFG_REPLY);
    assert_int_equal(back.nattrs, 2);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(back.attrs[i].type, cp.attrs[i].type);
        assert_int_equal(back.attrs[i].value.len, 4);
        assert_memory_equal(back.attrs[i].value.ptr, cp.attrs[i].value.ptr, 4);
    }
    assert_ptr_equal(back.attrs[0].value.ptr, buf + 12);

    /* No attributes at all (a CFG_ACK may have none). */
    struct ike_cp_payload ack = {.type = IKE_CFG_ACK};
    UNIT_ROUND_TRIP(buf, "00 00 0008 04 000000", IKE_PL_CP, ike_cp_decode, &back, ike_cp_encode,
                    &ack);
    assert_int_equal(back.nattrs, 0);
}

/* The reserved top bit of the attribute type is ignored on receipt and never sent. */
static void test_reserved_bit(void **state)
{
    (void)state;
    uint8_t b[16];
    size_t n = unit_hex("01 000000 8001 0000", b, sizeof(b));
    struct ike_pl pl = ike_pl_from_body(IKE_PL_CP, b, n);
    struct ike_cp_payload cp;
    assert_int_equal(ike_cp_decode(&pl, &cp, NULL), 0);
    assert_int_equal(cp.attrs[0].type, IKE_CPA_INTERNAL_IP4_ADDRESS);

    cp.attrs[0].type = 0x8003;
    uint8_t buf[32];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_cp_encode(&w, &cp), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 000c 01 000000 0003 0000");
}

static const struct unit_bad_pl bad_cps[] = {
    {"", IKE_ERR_PL_BODY_TOO_SHORT, 4},
    {"01 0000", IKE_ERR_PL_BODY_TOO_SHORT, 7},
    {"00 000000", IKE_ERR_CP_BAD_TYPE, 4},
    {"05 000000 0001 0000", IKE_ERR_CP_BAD_TYPE, 4},
    {"01 000000 0001 00", IKE_ERR_CP_ATTR_TRUNCATED, 8},
    {"02 000000 0001 0004 0a01", IKE_ERR_CP_ATTR_TRUNCATED, 10},
    {"02 000000 0003 0000 0001 0005 0a01000200 0001 ffff", IKE_ERR_CP_ATTR_TRUNCATED, 23},
};

static void test_malformed(void **state)
{
    (void)state;
    UNIT_EXPECT_ALL_REFUSED(bad_cps, IKE_PL_CP, ike_cp_decode, struct ike_cp_payload);
}

static void test_bound(void **state)
{
    (void)state;
    uint8_t b[4 + 4 * (IKE_CP_MAX_ATTRS + 1)];
    memset(b, 0, sizeof(b));
    b[0] = IKE_CFG_REQUEST;
    for (unsigned i = 0; i <= IKE_CP_MAX_ATTRS; i++)
        b[4 + 4 * i + 1] = (uint8_t)(i + 1);
    struct ike_pl pl = ike_pl_from_body(IKE_PL_CP, b, 4 + 4 * IKE_CP_MAX_ATTRS);
    struct ike_cp_payload cp;
    struct ike_err err = {0};
    assert_int_equal(ike_cp_decode(&pl, &cp, &err), 0);
    assert_int_equal(cp.nattrs, IKE_CP_MAX_ATTRS);
    assert_int_equal(cp.attrs[31].type, 32);

    pl = ike_pl_from_body(IKE_PL_CP, b, sizeof(b));
    pl.offset = 40;
    UNIT_EXPECT_ERR(ike_cp_decode(&pl, &cp, &err), err, IKE_ERR_CP_TOO_MANY_ATTRS, IKE_PL_CP,
                    40 + 4 + 4 + 4 * IKE_CP_MAX_ATTRS);

    /* Encoding the 32 back gives the same bytes. */
    uint8_t buf[256];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_cp_encode(&w, &cp), 0);
    assert_int_equal(w.len, 4 + 4 + 4 * IKE_CP_MAX_ATTRS);
    assert_memory_equal(buf + 4, b, 4 + 4 * IKE_CP_MAX_ATTRS);
}

static void test_encoder_refusals(void **state)
{
    (void)state;
    struct ike_cp_payload cp = {.type = 0};
    uint8_t buf[8];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_cp_encode(&w, &cp), -EINVAL);
    cp.type = 5;
    assert_int_equal(ike_cp_encode(&w, &cp), -EINVAL);
    cp.type = IKE_CFG_SET;
    cp.nattrs = IKE_CP_MAX_ATTRS + 1;
    assert_int_equal(ike_cp_encode(&w, &cp), -EINVAL);
    assert_int_equal(w.len, 0);
    cp.nattrs = 1;
    cp.attrs[0] = (struct ike_cp_attr){IKE_CPA_APPLICATION_VERSION, {(const uint8_t *)"v", 1}};
    assert_int_equal(ike_cp_encode(&w, &cp), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_vector), cmocka_unit_test(test_reply_round_trip),
        cmocka_unit_test(test_reserved_bit),   cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_bound),          cmocka_unit_test(test_encoder_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
