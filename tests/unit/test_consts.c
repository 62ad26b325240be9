/* SPDX-License-Identifier: BSD-3-Clause */
/* The X-macro lists: numbers from the specs, names that match them. */
#include <string.h>

#include "ike_consts.h"
#include "ike_err.h"
#include "unit_util.h"

static void test_numbers_match_iana(void **state)
{
    (void)state;
    assert_int_equal(IKE_EXCH_IKE_SA_INIT, 34);
    assert_int_equal(IKE_EXCH_INFORMATIONAL, 37);
    assert_int_equal(IKE_PL_SK, 46);
    assert_int_equal(IKE_PL_SKF, 53);
    assert_int_equal(IKE_N_REDIRECT_SUPPORTED, 16406);
    assert_int_equal(IKE_N_REDIRECT, 16407);
    assert_int_equal(IKE_N_REDIRECTED_FROM, 16408);
    assert_int_equal(IKE_N_QUICK_CRASH_DETECTION, 16419);
    assert_int_equal(IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, 16430);
    assert_int_equal(IKE_N_SIGNATURE_HASH_ALGORITHMS, 16431);
    assert_int_equal(IKE_N_UPDATE_SA_ADDRESSES, 16400);
    assert_int_equal(IKE_N_COOKIE, 16390);
    assert_int_equal(IKE_N_TEMPORARY_FAILURE, 43);
    assert_int_equal(IKE_GW_IPV4, 1);
    assert_int_equal(IKE_GW_IPV6, 2);
    assert_int_equal(IKE_GW_FQDN, 3);
    assert_int_equal(IKE_DH_CURVE25519, 31);
    assert_int_equal(IKE_ENCR_AES_GCM_16, 20);
    assert_int_equal(IKE_AUTH_DIGITAL_SIGNATURE, 14);
    assert_true(IKE_N_SWITCH_TO_IP_ADDRESS >= 40960 && IKE_N_SWITCH_TO_IP_ADDRESS <= 65535);
}

static void test_names(void **state)
{
    (void)state;
    /* What each name function gives for a number, and the IANA name it must be. */
    const char *const names[][2] = {
        {ike_exchange_name(34), "IKE_SA_INIT"},
        {ike_payload_name(41), "NOTIFY"},
        {ike_notify_name(16407), "REDIRECT"},
        {ike_notify_name(16408), "REDIRECTED_FROM"},
        {ike_notify_name(1), "UNSUPPORTED_CRITICAL_PAYLOAD"},
        {ike_gw_id_type_name(3), "FQDN"},
        {ike_transform_id_name(IKE_TT_DH, 31), "CURVE25519"},
        {ike_transform_id_name(IKE_TT_ENCR, 11), "NULL"},
        {ike_transform_id_name(IKE_TT_INTEG, 12), "HMAC_SHA2_256_128"},
        {ike_id_type_name(9), "DER_ASN1_DN"},
        {ike_auth_method_name(2), "SHARED_KEY"},
        {ike_ts_type_name(8), "IPV6_ADDR_RANGE"},
        {ike_cp_attr_name(1), "INTERNAL_IP4_ADDRESS"},
        {ike_hash_alg_name(2), "SHA2_256"},
        {ike_protocol_name(3), "ESP"},
        {ike_cert_encoding_name(4), "X509_SIGNATURE"},
        {ike_cp_type_name(1), "REQUEST"},
        {ike_transform_type_name(5), "ESN"},
    };
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        print_message("case %u: %s\n", i, names[i][1]);
        assert_string_equal(names[i][0], names[i][1]);
    }
}

static void test_unknown_numbers_have_no_name(void **state)
{
    (void)state;
    assert_null(ike_exchange_name(33));
    assert_null(ike_payload_name(49));
    assert_null(ike_notify_name(16383));
    assert_null(ike_transform_id_name(99, 1));
    assert_null(ike_transform_id_name(IKE_TT_DH, 999));
    assert_false(ike_payload_type_known(0));
    assert_false(ike_payload_type_known(1));
    assert_true(ike_payload_type_known(53));
}

static void test_every_error_has_a_name_and_text(void **state)
{
    (void)state;
    for (unsigned c = 0; c < IKE_ERR__COUNT; c++) {
        assert_non_null(ike_err_name(c));
        assert_true(strlen(ike_err_text(c)) > 4);
        for (unsigned d = 0; d < c; d++)
            assert_string_not_equal(ike_err_name(c), ike_err_name(d));
    }
    assert_string_equal(ike_err_name(IKE_ERR__COUNT), "UNKNOWN_ERROR");

    char buf[160];
    struct ike_err e = {.code = IKE_ERR_PL_LENGTH_OVERRUN, .payload = IKE_PL_NOTIFY, .offset = 132};
    ike_err_format(&e, buf, sizeof(buf));
    assert_string_equal(buf, "PL_LENGTH_OVERRUN in NOTIFY at offset 132: "
                             "payload length runs past the end of the message");
    e.payload = 200;
    ike_err_format(&e, buf, sizeof(buf));
    assert_non_null(strstr(buf, "in 200 at"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_match_iana),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_unknown_numbers_have_no_name),
        cmocka_unit_test(test_every_error_has_a_name_and_text),
    };
    return cmocka_run_group_tests_name("consts", tests, NULL, NULL);
}
