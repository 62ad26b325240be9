/* SPDX-License-Identifier: BSD-3-Clause */
/* Header and payload-chain decoding, and the message writer. */
#include <errno.h>
#include <string.h>

#include "ike_msg.h"
#include "ike_writer.h"
#include "unit_util.h"

#define SWAN_NATT "strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap"

/* A minimal message: header + N(REDIRECT_SUPPORTED). */
static size_t small_message(uint8_t *buf, size_t cap)
{
    return unit_hex("0102030405060708 0000000000000000 29 20 22 08 00000000 00000024"
                    "00 00 0008 00 00 4016",
                    buf, cap);
}

static void test_capture_decodes(void **state)
{
    (void)state;
    uint8_t buf[2048];
    size_t n = unit_pcap_udp_payload(SWAN_NATT, 0, buf, sizeof(buf));
    assert_int_equal(n, 232);
    struct ike_msg m;
    struct ike_err e;
    assert_int_equal(ike_msg_decode(buf, n, &m, &e), 0);
    assert_int_equal(m.hdr.exchange, IKE_EXCH_IKE_SA_INIT);
    assert_int_equal(m.hdr.flags, IKE_FLAG_INITIATOR);
    assert_int_equal(m.hdr.spi_r, 0);
    assert_int_equal(m.hdr.length, 232);
    const uint8_t types[] = {IKE_PL_SA,     IKE_PL_KE,     IKE_PL_NONCE,  IKE_PL_NOTIFY,
                             IKE_PL_NOTIFY, IKE_PL_NOTIFY, IKE_PL_NOTIFY, IKE_PL_NOTIFY};
    assert_int_equal(m.npayloads, sizeof(types));
    for (unsigned i = 0; i < sizeof(types); i++) {
        assert_int_equal(m.pl[i].type, types[i]);
        assert_true(m.pl[i].known);
        assert_false(m.pl[i].encrypted);
    }
    assert_int_equal(m.pl[0].offset, 28);
    assert_int_equal(m.pl[0].len, 36);
    assert_int_equal(m.pl[1].offset, 68);
    assert_ptr_equal(m.pl[1].body, buf + 72);
    assert_int_equal(ike_msg_count(&m, IKE_PL_NOTIFY), 5);
    assert_non_null(ike_msg_find_notify(&m, IKE_N_REDIRECT_SUPPORTED));
    assert_non_null(ike_msg_find_notify(&m, IKE_N_NAT_DETECTION_DESTINATION_IP));
    assert_null(ike_msg_find_notify(&m, IKE_N_COOKIE));
    const struct ike_pl *first = ike_msg_find(&m, IKE_PL_NOTIFY, NULL);
    assert_ptr_equal(first, &m.pl[3]);
    assert_ptr_equal(ike_msg_find(&m, IKE_PL_NOTIFY, first), &m.pl[4]);
    assert_null(ike_msg_find(&m, IKE_PL_SK, NULL));
}

static void expect_fail(const uint8_t *buf, size_t n, enum ike_err_code code, uint8_t pl,
                        uint32_t off)
{
    struct ike_msg m;
    struct ike_err e = {0};
    assert_int_equal(ike_msg_decode(buf, n, &m, &e), -EBADMSG);
    assert_string_equal(ike_err_name(e.code), ike_err_name(code));
    assert_int_equal(e.payload, pl);
    assert_int_equal(e.offset, off);
}

static void test_header_faults(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = small_message(buf, sizeof(buf));
    struct ike_msg m;
    assert_int_equal(ike_msg_decode(buf, n, &m, NULL), 0);

    for (size_t cut = 0; cut < IKE_HDR_LEN; cut++)
        expect_fail(buf, cut, IKE_ERR_HDR_TRUNCATED, IKE_PL_NONE, (uint32_t)cut);

    buf[17] = 0x10; /* IKEv1 */
    expect_fail(buf, n, IKE_ERR_HDR_BAD_MAJOR_VERSION, IKE_PL_NONE, 17);
    buf[17] = 0x30;
    expect_fail(buf, n, IKE_ERR_HDR_BAD_MAJOR_VERSION, IKE_PL_NONE, 17);
    buf[17] = 0x21; /* a higher minor version is fine */
    assert_int_equal(ike_msg_decode(buf, n, &m, NULL), 0);

    buf[27] = 27;
    expect_fail(buf, n, IKE_ERR_HDR_LENGTH_TOO_SMALL, IKE_PL_NONE, 24);
    buf[27] = 0x25;
    expect_fail(buf, n, IKE_ERR_HDR_LENGTH_MISMATCH, IKE_PL_NONE, 24);
    buf[27] = 0x24;
    expect_fail(buf, n - 1, IKE_ERR_HDR_LENGTH_MISMATCH, IKE_PL_NONE, 24);
}

static void test_chain_faults(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = small_message(buf, sizeof(buf));

    /* Payload length 0 or 3 would never advance: refused, not looped on. */
    buf[31] = 0;
    expect_fail(buf, n, IKE_ERR_PL_LENGTH_TOO_SHORT, IKE_PL_NOTIFY, 30);
    buf[31] = 3;
    expect_fail(buf, n, IKE_ERR_PL_LENGTH_TOO_SHORT, IKE_PL_NOTIFY, 30);
    buf[31] = 9;
    expect_fail(buf, n, IKE_ERR_PL_LENGTH_OVERRUN, IKE_PL_NOTIFY, 30);
    buf[31] = 8;

    /* The chain promises one more payload than the message holds. */
    buf[28] = IKE_PL_VENDOR;
    expect_fail(buf, n, IKE_ERR_PL_TRUNCATED_HEADER, IKE_PL_VENDOR, 36);
    buf[28] = IKE_PL_NONE;

    /* A payload header cut in half. */
    uint8_t cut[64];
    memcpy(cut, buf, n);
    cut[27] = 30;
    expect_fail(cut, 30, IKE_ERR_PL_TRUNCATED_HEADER, IKE_PL_NOTIFY, 28);

    /* Bytes after the last payload. */
    memcpy(cut, buf, n);
    cut[n] = 0;
    cut[27] = (uint8_t)(n + 1);
    expect_fail(cut, n + 1, IKE_ERR_PL_TRAILING_DATA, IKE_PL_NONE, (uint32_t)n);
}

static void test_unknown_payloads(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t n = small_message(buf, sizeof(buf));
    struct ike_msg m;

    /* Unknown and not critical: kept, marked unknown, skipped by everyone. */
    buf[16] = 200;
    assert_int_equal(ike_msg_decode(buf, n, &m, NULL), 0);
    assert_int_equal(m.npayloads, 1);
    assert_int_equal(m.pl[0].type, 200);
    assert_false(m.pl[0].known);

    /* Unknown and critical: the type is reported for UNSUPPORTED_CRITICAL_PAYLOAD. */
    buf[29] = IKE_PAYLOAD_CRITICAL;
    expect_fail(buf, n, IKE_ERR_PL_UNSUPPORTED_CRITICAL, 200, 28);

    /* Known and critical is fine. */
    buf[16] = IKE_PL_NOTIFY;
    assert_int_equal(ike_msg_decode(buf, n, &m, NULL), 0);
    assert_true(m.pl[0].critical);
}

static void test_payload_bound(void **state)
{
    (void)state;
    uint8_t buf[IKE_HDR_LEN + 4 * (IKE_MSG_MAX_PAYLOADS + 1)];
    struct ike_writer w;
    struct ike_hdr h = {.spi_i = 1, .version = 0x20, .exchange = IKE_EXCH_IKE_SA_INIT};
    for (unsigned extra = 0; extra <= 1; extra++) {
        ike_w_init(&w, buf, sizeof(buf), false);
        ike_w_header(&w, &h);
        for (unsigned i = 0; i < IKE_MSG_MAX_PAYLOADS + extra; i++)
            ike_w_payload_end(&w, ike_w_payload_begin(&w, IKE_PL_VENDOR, false));
        long n = ike_w_finish(&w);
        assert_true(n > 0);
        struct ike_msg m;
        if (extra == 0) {
            assert_int_equal(ike_msg_decode(buf, (size_t)n, &m, NULL), 0);
            assert_int_equal(m.npayloads, IKE_MSG_MAX_PAYLOADS);
        } else {
            expect_fail(buf, (size_t)n, IKE_ERR_PL_TOO_MANY, IKE_PL_VENDOR,
                        IKE_HDR_LEN + 4 * IKE_MSG_MAX_PAYLOADS);
        }
    }
}

/* HDR, N, SK{IDi, AUTH} with a fake 8-byte IV and 16-byte ICV. */
static size_t sk_message(uint8_t *buf, size_t cap, bool trailing)
{
    size_t n = unit_hex("0102030405060708 1112131415161718 29 20 23 08 00000001 00000000"
                        "2e 00 0008 00 00 4000" /* N(INITIAL_CONTACT), next SK */
                        "23 00 002c"            /* SK, first inner IDi, length 44 */
                        "0000000000000000"      /* IV */
                        "00000000 00000000 00000000 00000000"
                        "00000000 00000000 00000000 00000000",
                        buf, cap);
    if (trailing)
        buf[n++] = 0xff;
    ike_put32(buf + 24, (uint32_t)n);
    return n;
}

static void test_sk_framing(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t n = sk_message(buf, sizeof(buf), false);
    struct ike_msg m;
    struct ike_err e;
    assert_int_equal(ike_msg_decode(buf, n, &m, &e), 0);
    assert_int_equal(m.npayloads, 2);
    assert_int_equal(m.pl[1].type, IKE_PL_SK);
    assert_int_equal(m.pl[1].next, IKE_PL_IDI);

    /* The decrypted plaintext: IDi(FQDN "a") then AUTH(PSK, 4 bytes). */
    uint8_t plain[64];
    size_t pn = unit_hex("27 00 0009 02 000000 61"
                         "00 00 000c 02 000000 deadbeef",
                         plain, sizeof(plain));
    assert_int_equal(ike_msg_decode_inner(&m, plain, pn, IKE_PL_IDI, 48, &e), 0);
    assert_true(m.decrypted);
    assert_int_equal(m.npayloads, 4);
    assert_int_equal(m.pl[2].type, IKE_PL_IDI);
    assert_true(m.pl[2].encrypted);
    assert_int_equal(m.pl[2].offset, 48);
    assert_int_equal(m.pl[3].type, IKE_PL_AUTH);
    assert_int_equal(m.pl[3].offset, 57);
    assert_ptr_equal(m.pl[3].body, plain + 13);

    /* Faults inside the plaintext are reported at message offsets. */
    assert_int_equal(ike_msg_decode(buf, n, &m, &e), 0);
    plain[12] = 0x20;
    assert_int_equal(ike_msg_decode_inner(&m, plain, pn, IKE_PL_IDI, 48, &e), -EBADMSG);
    assert_int_equal(e.code, IKE_ERR_PL_LENGTH_OVERRUN);
    assert_int_equal(e.offset, 48 + 9 + 2);
    assert_false(m.decrypted);

    /* SK may not nest. */
    assert_int_equal(ike_msg_decode(buf, n, &m, &e), 0);
    uint8_t nested[] = {0x00, 0x00, 0x00, 0x04};
    assert_int_equal(ike_msg_decode_inner(&m, nested, 4, IKE_PL_SK, 48, &e), -EBADMSG);
    assert_int_equal(e.code, IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED);

    /* SK must be last. */
    n = sk_message(buf, sizeof(buf), true);
    expect_fail(buf, n, IKE_ERR_PL_SK_NOT_LAST, IKE_PL_SK, 36);
}

static void test_writer(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct ike_writer w;
    struct ike_hdr h = {.spi_i = 0x0102030405060708ull,
                        .version = 0x20,
                        .exchange = IKE_EXCH_IKE_SA_INIT,
                        .flags = IKE_FLAG_INITIATOR};
    ike_w_init(&w, buf, sizeof(buf), false);
    ike_w_header(&w, &h);
    size_t p = ike_w_payload_begin(&w, IKE_PL_NOTIFY, false);
    ike_w_u8(&w, 0);
    ike_w_u8(&w, 0);
    ike_w_u16(&w, IKE_N_REDIRECT_SUPPORTED);
    ike_w_payload_end(&w, p);
    long n = ike_w_finish(&w);
    uint8_t want[64];
    size_t wn = small_message(want, sizeof(want));
    assert_int_equal(n, (long)wn);
    assert_memory_equal(buf, want, wn);

    /* With the non-ESP marker of port 4500 in front. */
    ike_w_init(&w, buf, sizeof(buf), true);
    ike_w_header(&w, &h);
    p = ike_w_payload_begin(&w, IKE_PL_NOTIFY, false);
    ike_w_u32(&w, IKE_N_REDIRECT_SUPPORTED);
    ike_w_payload_end(&w, p);
    n = ike_w_finish(&w);
    assert_int_equal(n, (long)wn + 4);
    assert_memory_equal(buf, "\0\0\0\0", 4);
    assert_memory_equal(buf + 4, want, wn);

    /* Overflow is sticky and reported once at the end; nothing is written past cap. */
    for (size_t cap = 0; cap < wn; cap++) {
        memset(buf, 0xee, sizeof(buf));
        ike_w_init(&w, buf, cap, false);
        ike_w_header(&w, &h);
        p = ike_w_payload_begin(&w, IKE_PL_NOTIFY, false);
        ike_w_u32(&w, IKE_N_REDIRECT_SUPPORTED);
        ike_w_u64(&w, 7);
        ike_w_payload_end(&w, p);
        assert_int_equal(ike_w_finish(&w), -ENOSPC);
        for (size_t i = cap; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 0xee);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_decodes), cmocka_unit_test(test_header_faults),
        cmocka_unit_test(test_chain_faults),    cmocka_unit_test(test_unknown_payloads),
        cmocka_unit_test(test_payload_bound),   cmocka_unit_test(test_sk_framing),
        cmocka_unit_test(test_writer),
    };
    return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
