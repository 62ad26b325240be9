/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * veer-flood's IKE half: the requests it sends must be IKE_SA_INITs that a
 * responder (lib/ike's stateless one here) takes as real, a returned COOKIE
 * must be admitted, and its verdict on replies must be right and never crash
 * on malformed input.
 */
#include <errno.h>
#include <string.h>

#include "flood_ike.h"
#include "ike_msg.h"
#include "ike_payload.h"
#include "ike_stateless.h"
#include "unit_util.h"

#define SPI 0x1122334455667788ull
#define NOW 5000000000ull

static const uint8_t ke[FLOOD_X25519_LEN] = {9};
static uint8_t nonce[FLOOD_NONCE_LEN];

static long build(bool redirect, const uint8_t *cookie, size_t cookie_len, uint8_t *buf,
                  struct flood_ike_layout *layout)
{
    for (unsigned i = 0; i < sizeof(nonce); i++)
        nonce[i] = (uint8_t)(i * 7 + 1);
    struct flood_ike_request req = {.spi_i = SPI,
                                    .ke = ke,
                                    .nonce = nonce,
                                    .cookie = cookie,
                                    .cookie_len = cookie_len,
                                    .redirect_supported = redirect};
    return flood_ike_build(&req, buf, FLOOD_REQUEST_MAX, layout);
}

static void request_decodes_as_ike_sa_init(void **state)
{
    (void)state;
    uint8_t buf[FLOOD_REQUEST_MAX];
    struct flood_ike_layout layout;
    long n = build(true, NULL, 0, buf, &layout);
    assert_true(n > 0);
    assert_int_equal(layout.len, n);
    struct ike_msg m;
    struct ike_err err;
    assert_int_equal(ike_msg_decode(buf, (size_t)n, &m, &err), 0);
    assert_int_equal(m.hdr.exchange, IKE_EXCH_IKE_SA_INIT);
    assert_int_equal(m.hdr.flags, IKE_FLAG_INITIATOR);
    assert_true(m.hdr.spi_i == SPI && m.hdr.spi_r == 0);
    assert_int_equal(m.pl[0].type, IKE_PL_SA);
    assert_non_null(ike_msg_find_notify(&m, IKE_N_REDIRECT_SUPPORTED));
    assert_non_null(ike_msg_find_notify(&m, IKE_N_NAT_DETECTION_SOURCE_IP));
    /* The layout points at the fields a sender varies. */
    assert_memory_equal(buf + layout.nonce_off, nonce, FLOOD_NONCE_LEN);
    assert_int_equal(ike_get64(buf + layout.spi_i_off), SPI);
    /* The stateless responder sees what a client sent. */
    struct ike_sl_request req;
    assert_int_equal(ike_sl_parse(buf, (size_t)n, false, &req, &err), 0);
    assert_true(req.redirect_supported);
    assert_int_equal(req.ke_group, IKE_DH_CURVE25519);
    assert_int_equal(req.nonce.len, FLOOD_NONCE_LEN);
    assert_int_equal(req.cookie.len, 0);
}

static void request_without_redirect_supported(void **state)
{
    (void)state;
    uint8_t buf[FLOOD_REQUEST_MAX];
    long n = build(false, NULL, 0, buf, NULL);
    struct ike_sl_request req;
    struct ike_err err;
    assert_true(n > 0);
    assert_int_equal(ike_sl_parse(buf, (size_t)n, false, &req, &err), 0);
    assert_false(req.redirect_supported);
}

static void build_refuses_bad_arguments(void **state)
{
    (void)state;
    uint8_t buf[FLOOD_REQUEST_MAX], cookie[FLOOD_COOKIE_MAX + 1] = {0};
    assert_int_equal(build(true, cookie, sizeof(cookie), buf, NULL), -EINVAL);
    assert_int_equal(build(true, NULL, 8, buf, NULL), -EINVAL);
    struct flood_ike_request req = {.spi_i = SPI, .ke = ke, .nonce = nonce};
    assert_int_equal(flood_ike_build(&req, buf, 100, NULL), -ENOSPC);
    req.ke = NULL;
    assert_int_equal(flood_ike_build(&req, buf, sizeof(buf), NULL), -EINVAL);
}

static bool pick_fixed(void *opaque, const struct ike_addr *client, const struct ike_gw_id *from,
                       struct ike_gw_id *target)
{
    (void)opaque;
    (void)client;
    (void)from;
    static const uint8_t ip[4] = {192, 0, 2, 7};
    target->type = IKE_GW_IPV4;
    target->len = sizeof(ip);
    memcpy(target->value, ip, sizeof(ip));
    return true;
}

/* Our verdict on what lib/ike's stateless responder answers, and the cookie round trip. */
static void stateless_replies_and_cookie_round_trip(void **state)
{
    (void)state;
    uint8_t secret[IKE_COOKIE_SECRET_LEN] = {1, 2, 3};
    struct ike_cookie_keys keys;
    ike_cookie_keys_init(&keys, secret);
    struct ike_addr client;
    assert_int_equal(ike_addr_parse(&client, "203.0.113.5", 40000), 0);
    uint8_t req[FLOOD_REQUEST_MAX], reply[FLOOD_REQUEST_MAX];
    long n = build(true, NULL, 0, req, NULL);
    struct ike_sl_result res;
    struct flood_reply r;

    struct ike_sl_config redirect = {.cookie_keys = &keys, .pick_redirect = pick_fixed};
    assert_int_equal(
        ike_sl_respond(&redirect, NOW, &client, req, (size_t)n, false, reply, sizeof(reply), &res),
        0);
    assert_int_equal(res.action, IKE_SL_REDIRECT);
    flood_ike_classify(reply, res.reply_len, &r);
    assert_int_equal(r.kind, FLOOD_REPLY_REDIRECT);
    assert_true(r.spi_i == SPI);

    struct ike_sl_config cookie_only = {.cookie_keys = &keys};
    ike_sl_respond(&cookie_only, NOW, &client, req, (size_t)n, false, reply, sizeof(reply), &res);
    assert_int_equal(res.action, IKE_SL_COOKIE);
    flood_ike_classify(reply, res.reply_len, &r);
    assert_int_equal(r.kind, FLOOD_REPLY_COOKIE);
    assert_true(r.cookie_len > 0 && r.cookie_len <= FLOOD_COOKIE_MAX);

    /* The retry veer-flood builds carries the cookie first and is let in. */
    uint8_t retry[FLOOD_REQUEST_MAX], cookie[FLOOD_COOKIE_MAX];
    size_t cookie_len = r.cookie_len;
    memcpy(cookie, r.cookie, cookie_len);
    long m = build(true, cookie, cookie_len, retry, NULL);
    assert_true(m > n);
    struct ike_msg msg;
    struct ike_err err;
    assert_int_equal(ike_msg_decode(retry, (size_t)m, &msg, &err), 0);
    assert_int_equal(msg.pl[0].type, IKE_PL_NOTIFY);
    ike_sl_respond(&cookie_only, NOW, &client, retry, (size_t)m, false, reply, sizeof(reply), &res);
    assert_int_equal(res.action, IKE_SL_ADMIT);
    /* A different nonce is a different client: its cookie is refused, a new one sent. */
    nonce[0] ^= 1;
    struct flood_ike_request other = {
        .spi_i = SPI, .ke = ke, .nonce = nonce, .cookie = cookie, .cookie_len = cookie_len};
    m = flood_ike_build(&other, retry, sizeof(retry), NULL);
    ike_sl_respond(&cookie_only, NOW, &client, retry, (size_t)m, false, reply, sizeof(reply), &res);
    assert_int_equal(res.action, IKE_SL_COOKIE);
}

/* Writes an IKE_SA_INIT response with the given payloads. */
static size_t response(uint8_t *buf, size_t cap, bool full, uint16_t notify, size_t notify_len)
{
    struct ike_writer w;
    ike_w_init(&w, buf, cap, false);
    ike_w_header(&w, &(struct ike_hdr){.spi_i = SPI,
                                       .spi_r = full ? 7 : 0,
                                       .version = 0x20,
                                       .exchange = IKE_EXCH_IKE_SA_INIT,
                                       .flags = IKE_FLAG_RESPONSE});
    uint8_t data[80] = {0};
    if (notify != 0)
        ike_notify_encode_simple(&w, notify, data, notify_len);
    if (full) {
        size_t sa = ike_w_payload_begin(&w, IKE_PL_SA, false);
        ike_w_payload_end(&w, sa);
        ike_ke_encode(&w, &(struct ike_ke_payload){.group = IKE_DH_CURVE25519, .data = {ke, 32}});
        ike_nonce_encode(&w, &(struct ike_bytes){nonce, 32});
    }
    long n = ike_w_finish(&w);
    assert_true(n > 0);
    return (size_t)n;
}

/* A response made by response() and the verdict the classifier must give it. */
struct classify_case {
    bool full;
    uint16_t notify;
    size_t notify_len;
    enum flood_reply_kind kind;
};

static const struct classify_case classify_cases[] = {
    {true, 0, 0, FLOOD_REPLY_SA_INIT},
    {false, IKE_N_INVALID_KE_PAYLOAD, 2, FLOOD_REPLY_INVALID_KE},
    {false, IKE_N_NO_PROPOSAL_CHOSEN, 0, FLOOD_REPLY_ERROR},
    /* A status notify alone, with no SA/KE/Nr, is not a usable response. */
    {false, IKE_N_REDIRECT_SUPPORTED, 0, FLOOD_REPLY_MALFORMED},
    /* A cookie longer than RFC 7296 allows, or empty. */
    {false, IKE_N_COOKIE, 65, FLOOD_REPLY_MALFORMED},
    {false, IKE_N_COOKIE, 0, FLOOD_REPLY_MALFORMED},
};

static void classifies_every_kind(void **state)
{
    (void)state;
    uint8_t buf[512];
    struct flood_reply r;
    for (unsigned i = 0; i < sizeof(classify_cases) / sizeof(classify_cases[0]); i++) {
        const struct classify_case *k = &classify_cases[i];
        print_message("case %u: notify %u\n", i, k->notify);
        size_t n = response(buf, sizeof(buf), k->full, k->notify, k->notify_len);
        flood_ike_classify(buf, n, &r);
        assert_int_equal(r.kind, k->kind);
    }
    /* Our own request is not a response. */
    uint8_t req[FLOOD_REQUEST_MAX];
    long m = build(true, NULL, 0, req, NULL);
    flood_ike_classify(req, (size_t)m, &r);
    assert_int_equal(r.kind, FLOOD_REPLY_NOT_OURS);
}

/* Every truncation and every single-byte corruption: a verdict, never a crash. */
static void malformed_replies_never_crash(void **state)
{
    (void)state;
    uint8_t good[512], buf[512];
    size_t n = response(good, sizeof(good), false, IKE_N_COOKIE, 16);
    struct flood_reply r;
    for (size_t len = 0; len < n; len++) {
        memcpy(buf, good, len);
        flood_ike_classify(buf, len, &r);
        assert_int_equal(r.kind, FLOOD_REPLY_MALFORMED);
    }
    unsigned counted[FLOOD_REPLY_KINDS] = {0};
    for (size_t i = 0; i < n; i++) {
        memcpy(buf, good, n);
        buf[i] ^= 0xa5;
        flood_ike_classify(buf, n, &r);
        assert_true((unsigned)r.kind < FLOOD_REPLY_KINDS);
        counted[r.kind]++;
    }
    assert_true(counted[FLOOD_REPLY_MALFORMED] > 0);
    flood_ike_classify(NULL, 0, &r);
    assert_int_equal(r.kind, FLOOD_REPLY_MALFORMED);
    assert_string_equal(flood_reply_kind_name(FLOOD_REPLY_REDIRECT), "redirect");
    assert_string_equal(flood_reply_kind_name(FLOOD_REPLY_KINDS), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_decodes_as_ike_sa_init),
        cmocka_unit_test(request_without_redirect_supported),
        cmocka_unit_test(build_refuses_bad_arguments),
        cmocka_unit_test(stateless_replies_and_cookie_round_trip),
        cmocka_unit_test(classifies_every_kind),
        cmocka_unit_test(malformed_replies_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
