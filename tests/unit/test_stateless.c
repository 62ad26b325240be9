/* SPDX-License-Identifier: BSD-3-Clause */
/* The stateless IKE_SA_INIT responder: REDIRECT, COOKIE, ADMIT and DROP. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike_stateless.h"
#include "unit_util.h"

#define SPI_I 0x0102030405060708ull
#define SEC 1000000000ull
#define LIBRESWAN "libreswan-4.10-redirect-replies.pcap"
#define SWAN_NATT "strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap"

struct req_opts {
    uint64_t spi_i, spi_r;
    uint8_t version, exchange, flags;
    uint32_t msg_id;
    size_t nonce_len;
    bool redirect_supported;
    const struct ike_gw_id *redirected_from;
    const uint8_t *cookie;
    size_t cookie_len;
    bool natt;
    bool no_ke, two_nonces, two_cookies;
    bool nat_detection; /* N(NAT_DETECTION_SOURCE_IP) and _DESTINATION_IP, as clients send */
};

static struct req_opts default_opts(void)
{
    struct req_opts o = {.spi_i = SPI_I,
                         .version = 0x20,
                         .exchange = IKE_EXCH_IKE_SA_INIT,
                         .flags = IKE_FLAG_INITIATOR,
                         .nonce_len = 32,
                         .redirect_supported = true};
    return o;
}

static void put_notify(struct ike_writer *w, uint16_t type, const uint8_t *data, size_t len)
{
    size_t p = ike_w_payload_begin(w, IKE_PL_NOTIFY, false);
    ike_w_u16(w, 0);
    ike_w_u16(w, type);
    ike_w_bytes(w, data, len);
    ike_w_payload_end(w, p);
}

/* An IKE_SA_INIT request as a client would send it; nonce byte i is 0xa0 + i. */
static size_t make_request(const struct req_opts *o, uint8_t *buf, size_t cap)
{
    struct ike_writer w;
    struct ike_hdr h = {.spi_i = o->spi_i,
                        .spi_r = o->spi_r,
                        .version = o->version,
                        .exchange = o->exchange,
                        .flags = o->flags,
                        .msg_id = o->msg_id};
    ike_w_init(&w, buf, cap, o->natt);
    ike_w_header(&w, &h);
    for (unsigned i = 0; o->cookie != NULL && i < (o->two_cookies ? 2u : 1u); i++)
        put_notify(&w, IKE_N_COOKIE, o->cookie, o->cookie_len);
    uint8_t sa[36];
    size_t n = unit_hex("00000024 01010003 0300000c 01000014 800e0080 03000008 02000005"
                        "00000008 0400001f",
                        sa, sizeof(sa));
    size_t p = ike_w_payload_begin(&w, IKE_PL_SA, false);
    ike_w_bytes(&w, sa, n);
    ike_w_payload_end(&w, p);
    if (!o->no_ke) {
        p = ike_w_payload_begin(&w, IKE_PL_KE, false);
        ike_w_u16(&w, IKE_DH_CURVE25519);
        ike_w_u16(&w, 0);
        for (unsigned i = 0; i < 32; i++)
            ike_w_u8(&w, (uint8_t)(0x40 + i));
        ike_w_payload_end(&w, p);
    }
    for (unsigned k = 0; k < (o->two_nonces ? 2u : 1u); k++) {
        p = ike_w_payload_begin(&w, IKE_PL_NONCE, false);
        for (unsigned i = 0; i < o->nonce_len; i++)
            ike_w_u8(&w, (uint8_t)(0xa0 + i));
        ike_w_payload_end(&w, p);
    }
    if (o->nat_detection) {
        uint8_t hash[20]; /* SHA-1 of SPIs, address and port: any 20 bytes here */
        memset(hash, 0x5a, sizeof(hash));
        put_notify(&w, IKE_N_NAT_DETECTION_SOURCE_IP, hash, sizeof(hash));
        put_notify(&w, IKE_N_NAT_DETECTION_DESTINATION_IP, hash, sizeof(hash));
    }
    if (o->redirect_supported)
        put_notify(&w, IKE_N_REDIRECT_SUPPORTED, NULL, 0);
    if (o->redirected_from != NULL) {
        uint8_t d[2 + IKE_GW_ID_MAX];
        d[0] = o->redirected_from->type;
        d[1] = o->redirected_from->len;
        memcpy(d + 2, o->redirected_from->value, o->redirected_from->len);
        put_notify(&w, IKE_N_REDIRECTED_FROM, d, 2u + o->redirected_from->len);
    }
    long len = ike_w_finish(&w);
    assert_true(len > 0);
    return (size_t)len;
}

struct policy {
    bool available;
    struct ike_gw_id target;
    unsigned calls;
    bool saw_from;
};

static bool pick(void *opaque, const struct ike_addr *client, const struct ike_gw_id *from,
                 struct ike_gw_id *target)
{
    struct policy *p = opaque;
    assert_non_null(client);
    p->calls++;
    p->saw_from = from != NULL;
    *target = p->target;
    return p->available;
}

static struct ike_gw_id gw_ipv4(const char *text)
{
    struct ike_addr a;
    assert_int_equal(ike_addr_parse(&a, text, 0), 0);
    struct ike_gw_id gw = {.type = IKE_GW_IPV4, .len = 4};
    memcpy(gw.value, a.ip, 4);
    return gw;
}

struct fixture {
    struct ike_cookie_keys keys;
    struct policy policy;
    struct ike_sl_config cfg;
    struct ike_addr client;
    uint8_t req[2048];
    uint8_t out[2048];
    struct ike_sl_result res;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    uint8_t secret[IKE_COOKIE_SECRET_LEN];
    for (unsigned i = 0; i < sizeof(secret); i++)
        secret[i] = (uint8_t)i;
    ike_cookie_keys_init(&f.keys, secret);
    f.policy.available = true;
    f.policy.target = gw_ipv4("192.0.2.99");
    f.cfg.cookie_keys = &f.keys;
    f.cfg.pick_redirect = pick;
    f.cfg.pick_opaque = &f.policy;
    assert_int_equal(ike_addr_parse(&f.client, "198.51.100.2", 500), 0);
    *state = &f;
    return 0;
}

static int respond(struct fixture *f, size_t len, bool natt)
{
    return ike_sl_respond(&f->cfg, 10 * SEC, &f->client, f->req, len, natt, f->out, sizeof(f->out),
                          &f->res);
}

/*
 * Sends the request o describes and checks that a reply (or admission) came
 * without error; returns the request's length for the tests that send it again.
 */
static size_t ask(struct fixture *f, const struct req_opts *o, bool natt)
{
    size_t n = make_request(o, f->req, sizeof(f->req));
    assert_int_equal(respond(f, n, natt), 0);
    return n;
}

/* The reply to libreswan's captured request must equal libreswan's own reply, byte for byte. */
static void test_redirect_matches_libreswan(void **state)
{
    struct fixture *f = *state;
    for (unsigned pkt = 0; pkt < 6; pkt += 2) {
        size_t n = unit_pcap_udp_payload(LIBRESWAN, pkt, f->req, sizeof(f->req));
        uint8_t want[256];
        size_t wn = unit_pcap_udp_payload(LIBRESWAN, pkt + 1, want, sizeof(want));
        assert_int_equal(wn, 74);
        assert_int_equal(respond(f, n, false), 0);
        assert_int_equal(f->res.action, IKE_SL_REDIRECT);
        assert_int_equal(f->res.reply_len, wn);
        assert_memory_equal(f->out, want, wn);
    }
}

static void test_redirect_ipv6_and_fqdn_vectors(void **state)
{
    struct fixture *f = *state;
    struct req_opts o = default_opts();
    size_t n = make_request(&o, f->req, sizeof(f->req));
    const char *nonce = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
    char hex[1024];
    uint8_t want[512];

    f->policy.target.type = IKE_GW_IPV6;
    f->policy.target.len = 16;
    unit_hex("20010db8000000000000000000000099", f->policy.target.value, 16);
    assert_int_equal(respond(f, n, false), 0);
    assert_int_equal(f->res.action, IKE_SL_REDIRECT);
    snprintf(hex, sizeof(hex),
             "0102030405060708 0000000000000000 29 20 22 20 00000000 00000056"
             "00 00 003a 00 00 4017 02 10 20010db8000000000000000000000099 %s",
             nonce);
    size_t wn = unit_hex(hex, want, sizeof(want));
    assert_int_equal(f->res.reply_len, wn);
    assert_memory_equal(f->out, want, wn);

    f->policy.target.type = IKE_GW_FQDN;
    f->policy.target.len = 15;
    memcpy(f->policy.target.value, "gw2.example.net", 15);
    assert_int_equal(respond(f, n, false), 0);
    snprintf(hex, sizeof(hex),
             "0102030405060708 0000000000000000 29 20 22 20 00000000 00000055"
             "00 00 0039 00 00 4017 03 0f 6777322e6578616d706c652e6e6574 %s",
             nonce);
    wn = unit_hex(hex, want, sizeof(want));
    assert_int_equal(f->res.reply_len, wn);
    assert_memory_equal(f->out, want, wn);
}

/* COOKIE reply: HDR(SPIi, 0, R) N(COOKIE = version | sha256(...)[:16]), checked with hashlib. */
static void test_cookie_vector_and_natt(void **state)
{
    struct fixture *f = *state;
    struct req_opts o = default_opts();
    o.redirect_supported = false;
    size_t n = ask(f, &o, false);
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    assert_int_equal(f->res.no_redirect, IKE_SL_NR_NOT_SUPPORTED);
    assert_int_equal(f->policy.calls, 0);
    uint8_t want[128];
    size_t wn = unit_hex("0102030405060708 0000000000000000 29 20 22 20 00000000 00000035"
                         "00 00 0019 00 00 4006 01 29b1e9ffb5b513b20586a3c7de65e6a3",
                         want, sizeof(want));
    assert_int_equal(f->res.reply_len, wn);
    assert_memory_equal(f->out, want, wn);

    /* On port 4500 the request and the reply carry the non-ESP marker. */
    o.natt = true;
    n = make_request(&o, f->req, sizeof(f->req));
    f->client.port = 4500;
    assert_int_equal(respond(f, n, true), 0);
    f->client.port = 500;
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    assert_int_equal(f->res.reply_len, wn + 4);
    assert_memory_equal(f->out, "\0\0\0\0", 4);
    assert_memory_equal(f->out + 4, want, 28); /* the cookie binds the port: hash differs */
    assert_memory_not_equal(f->out + 4 + 37, want + 37, 16);

    o.redirect_supported = true;
    n = ask(f, &o, true);
    assert_int_equal(f->res.action, IKE_SL_REDIRECT);
    assert_memory_equal(f->out, "\0\0\0\0", 4);
    assert_int_equal(ike_get32(f->out + 4 + 24), f->res.reply_len - 4);

    /* The request from the strongSwan capture, as it came. */
    n = unit_pcap_udp_payload(SWAN_NATT, 0, f->req, sizeof(f->req));
    assert_int_equal(respond(f, n, false), 0);
    assert_int_equal(f->res.action, IKE_SL_REDIRECT);
}

static void test_cookie_round_trip_admits(void **state)
{
    struct fixture *f = *state;
    struct req_opts o = default_opts();
    o.redirect_supported = false;
    size_t n = ask(f, &o, false);
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    uint8_t cookie[IKE_COOKIE_LEN];
    memcpy(cookie, f->out + 36, sizeof(cookie));

    /* The client retries with N(COOKIE) first: admitted. */
    o.cookie = cookie;
    o.cookie_len = sizeof(cookie);
    n = ask(f, &o, false);
    assert_int_equal(f->res.action, IKE_SL_ADMIT);
    assert_true(f->res.cookie_present);
    assert_int_equal(f->res.cookie, IKE_COOKIE_VALID);
    assert_int_equal(f->res.reply_len, 0);

    /* Even a redirect-capable client with a valid cookie is admitted, not redirected. */
    o.redirect_supported = true;
    n = ask(f, &o, false);
    assert_int_equal(f->res.action, IKE_SL_ADMIT);

    /* From another address the cookie is worthless: a fresh challenge. */
    o.redirect_supported = false;
    n = make_request(&o, f->req, sizeof(f->req));
    f->client.ip[3] = 77;
    assert_int_equal(respond(f, n, false), 0);
    f->client.ip[3] = 2;
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    assert_int_equal(f->res.cookie, IKE_COOKIE_MISMATCH);

    /* After rotation it holds during the grace period only. */
    struct ike_cookie_keys saved = f->keys;
    uint8_t s2[IKE_COOKIE_SECRET_LEN] = {1, 2, 3};
    ike_cookie_rotate(&f->keys, s2, 5 * SEC, 10 * SEC);
    assert_int_equal(respond(f, n, false), 0);
    assert_int_equal(f->res.action, IKE_SL_ADMIT);
    assert_int_equal(f->res.cookie, IKE_COOKIE_VALID_PREVIOUS);
    /* Two rotations later the first secret is gone. */
    ike_cookie_rotate(&f->keys, s2, 0, 10 * SEC);
    ike_cookie_rotate(&f->keys, s2, 0, 1);
    assert_int_equal(respond(f, n, false), 0);
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    f->keys = saved;

    /* A cookie of the wrong size is ignored, as RFC 7296 2.6 says. */
    o.cookie_len = 5;
    n = ask(f, &o, false);
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    assert_int_equal(f->res.cookie, IKE_COOKIE_BAD_LENGTH);
}

static void test_redirect_decisions(void **state)
{
    struct fixture *f = *state;
    struct req_opts o = default_opts();
    size_t n = make_request(&o, f->req, sizeof(f->req));

    f->policy.available = false;
    assert_int_equal(respond(f, n, false), 0);
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    assert_int_equal(f->res.no_redirect, IKE_SL_NR_NO_TARGET);
    f->policy.available = true;

    f->cfg.pick_redirect = NULL;
    assert_int_equal(respond(f, n, false), 0);
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    assert_int_equal(f->res.no_redirect, IKE_SL_NR_NO_POLICY);
    f->cfg.pick_redirect = pick;

    /*
     * Only REDIRECT_SUPPORTED or REDIRECTED_FROM announce support (RFC 5685 3):
     * the notifies every client sends (NAT detection) do not, with or without.
     */
    o.redirect_supported = false;
    o.nat_detection = true;
    n = ask(f, &o, false);
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    assert_int_equal(f->res.no_redirect, IKE_SL_NR_NOT_SUPPORTED);
    o.redirect_supported = true;
    n = ask(f, &o, false);
    assert_int_equal(f->res.action, IKE_SL_REDIRECT);
    o.nat_detection = false;

    /* REDIRECTED_FROM alone announces support (RFC 5685 5)... */
    struct ike_gw_id origin = gw_ipv4("203.0.113.1");
    o.redirect_supported = false;
    o.redirected_from = &origin;
    n = ask(f, &o, false);
    assert_int_equal(f->res.action, IKE_SL_REDIRECT);
    assert_true(f->policy.saw_from);

    /* ...and the client is never sent back where it came from. */
    f->policy.target = origin;
    assert_int_equal(respond(f, n, false), 0);
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    assert_int_equal(f->res.no_redirect, IKE_SL_NR_TARGET_IS_ORIGIN);
    f->policy.target = gw_ipv4("192.0.2.99");
    assert_string_equal(ike_sl_no_redirect_name(IKE_SL_NR_TARGET_IS_ORIGIN), "target_is_origin");
    assert_string_equal(ike_sl_action_name(IKE_SL_REDIRECT), "redirect");
}

/* A reply is never larger than the request; when a REDIRECT would be, a COOKIE goes out. */
static void test_no_amplification(void **state)
{
    struct fixture *f = *state;
    struct req_opts o = default_opts();
    o.nonce_len = 16;
    size_t n = make_request(&o, f->req, sizeof(f->req));
    f->policy.target.type = IKE_GW_FQDN;
    f->policy.target.len = 255;
    memset(f->policy.target.value, 'a', 255);
    assert_int_equal(respond(f, n, false), 0);
    assert_int_equal(f->res.action, IKE_SL_COOKIE);
    assert_int_equal(f->res.no_redirect, IKE_SL_NR_TOO_BIG);
    assert_true(f->res.reply_len <= n);
    f->policy.target = gw_ipv4("192.0.2.99");

    /* Too small an output buffer: nothing is sent. */
    assert_int_equal(ike_sl_respond(&f->cfg, 0, &f->client, f->req, n, false, f->out, 40, &f->res),
                     -EBADMSG);
    assert_int_equal(f->res.action, IKE_SL_DROP);
    assert_int_equal(f->res.err.code, IKE_ERR_SL_NO_ROOM);
}

static void expect_drop(struct fixture *f, const struct req_opts *o, enum ike_err_code code)
{
    size_t n = make_request(o, f->req, sizeof(f->req));
    memset(f->out, 0xee, 64);
    assert_int_equal(respond(f, n, o->natt), -EBADMSG);
    assert_int_equal(f->res.action, IKE_SL_DROP);
    assert_string_equal(ike_err_name(f->res.err.code), ike_err_name(code));
    assert_int_equal(f->res.reply_len, 0);
    assert_int_equal(f->out[0], 0xee);
}

static void test_malformed_requests_get_no_reply(void **state)
{
    struct fixture *f = *state;
    struct req_opts o = default_opts();
    o.version = 0x10;
    expect_drop(f, &o, IKE_ERR_HDR_BAD_MAJOR_VERSION);
    o = default_opts();
    o.flags |= IKE_FLAG_RESPONSE;
    expect_drop(f, &o, IKE_ERR_SL_RESPONSE_FLAG);
    o = default_opts();
    o.flags = 0;
    expect_drop(f, &o, IKE_ERR_SL_NOT_INITIATOR);
    o = default_opts();
    o.spi_r = 1;
    expect_drop(f, &o, IKE_ERR_SL_NONZERO_SPI_R);
    o = default_opts();
    o.spi_i = 0;
    expect_drop(f, &o, IKE_ERR_SL_ZERO_SPI_I);
    o = default_opts();
    o.msg_id = 1;
    expect_drop(f, &o, IKE_ERR_SL_NONZERO_MSG_ID);
    o = default_opts();
    o.exchange = IKE_EXCH_IKE_AUTH;
    expect_drop(f, &o, IKE_ERR_SL_NOT_IKE_SA_INIT);
    o = default_opts();
    o.nonce_len = 15;
    expect_drop(f, &o, IKE_ERR_NONCE_TOO_SHORT);
    o.nonce_len = 257;
    expect_drop(f, &o, IKE_ERR_NONCE_TOO_LONG);
    o = default_opts();
    o.no_ke = true;
    expect_drop(f, &o, IKE_ERR_RULE_PAYLOAD_MISSING);
    o = default_opts();
    o.two_nonces = true;
    expect_drop(f, &o, IKE_ERR_RULE_PAYLOAD_REPEATED);
    uint8_t c[IKE_COOKIE_LEN] = {1};
    o = default_opts();
    o.cookie = c;
    o.cookie_len = sizeof(c);
    o.two_cookies = true;
    expect_drop(f, &o, IKE_ERR_SL_REPEATED_NOTIFY);

    /* Port 4500 without the marker: an ESP packet, not IKE. */
    o = default_opts();
    size_t n = make_request(&o, f->req, sizeof(f->req));
    assert_int_equal(respond(f, n, true), -EBADMSG);
    assert_int_equal(f->res.err.code, IKE_ERR_NON_ESP_MARKER_MISSING);
    assert_int_equal(respond(f, 3, true), -EBADMSG);
    assert_int_equal(f->res.err.code, IKE_ERR_NON_ESP_MARKER_MISSING);

    /* A zero payload length (which would loop a naive parser) and every truncation. */
    f->req[28 + 2] = 0;
    f->req[28 + 3] = 0;
    assert_int_equal(respond(f, n, false), -EBADMSG);
    assert_int_equal(f->res.err.code, IKE_ERR_PL_LENGTH_TOO_SHORT);
    n = make_request(&o, f->req, sizeof(f->req));
    for (size_t cut = 0; cut < n; cut++) {
        assert_int_equal(respond(f, cut, false), -EBADMSG);
        assert_int_equal(f->res.action, IKE_SL_DROP);
    }
    /* With the length field adjusted too, a cut inside the chain is still caught. */
    for (size_t cut = IKE_HDR_LEN; cut < n; cut++) {
        ike_put32(f->req + 24, (uint32_t)cut);
        assert_int_equal(respond(f, cut, false), -EBADMSG);
    }
}

/* The direct-store reply builders write what the writer and payload encoders would. */
static void test_builders_match_encoders(void **state)
{
    struct fixture *f = *state;
    struct req_opts o = default_opts();
    const struct ike_gw_id fqdn = {.type = IKE_GW_FQDN, .len = 7, .value = "gw.test"};
    const struct ike_gw_id v4 = gw_ipv4("192.0.2.7");
    const struct ike_gw_id *gws[] = {&fqdn, &v4};
    for (unsigned natt = 0; natt <= 1; natt++) {
        o.natt = natt;
        size_t n = make_request(&o, f->req, sizeof(f->req));
        struct ike_sl_request req;
        struct ike_err e;
        assert_int_equal(ike_sl_parse(f->req, n, natt, &req, &e), 0);
        const struct ike_hdr h = {.spi_i = req.spi_i,
                                  .version = 0x20,
                                  .exchange = IKE_EXCH_IKE_SA_INIT,
                                  .flags = IKE_FLAG_RESPONSE};
        uint8_t want[512];
        struct ike_writer w;
        for (unsigned g = 0; g < 2; g++) {
            ike_w_init(&w, want, sizeof(want), natt);
            ike_w_header(&w, &h);
            assert_int_equal(ike_notify_redirect_encode(&w, gws[g], &req.nonce), 0);
            long wn = ike_w_finish(&w);
            long got = ike_sl_build_redirect(&req, gws[g], f->out, sizeof(f->out));
            assert_int_equal(got, wn);
            assert_memory_equal(f->out, want, (size_t)wn);
            assert_int_equal(ike_sl_build_redirect(&req, gws[g], f->out, (size_t)wn - 1), -ENOSPC);
        }
        uint8_t cookie[IKE_COOKIE_LEN] = {1, 2, 3};
        ike_w_init(&w, want, sizeof(want), natt);
        ike_w_header(&w, &h);
        assert_int_equal(ike_notify_encode_simple(&w, IKE_N_COOKIE, cookie, sizeof(cookie)), 0);
        long wn = ike_w_finish(&w);
        assert_int_equal(ike_sl_build_cookie(&req, cookie, sizeof(cookie), f->out, sizeof(f->out)),
                         wn);
        assert_memory_equal(f->out, want, (size_t)wn);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_redirect_matches_libreswan, setup),
        cmocka_unit_test_setup(test_redirect_ipv6_and_fqdn_vectors, setup),
        cmocka_unit_test_setup(test_cookie_vector_and_natt, setup),
        cmocka_unit_test_setup(test_cookie_round_trip_admits, setup),
        cmocka_unit_test_setup(test_redirect_decisions, setup),
        cmocka_unit_test_setup(test_no_amplification, setup),
        cmocka_unit_test_setup(test_malformed_requests_get_no_reply, setup),
        cmocka_unit_test_setup(test_builders_match_encoders, setup),
    };
    return cmocka_run_group_tests_name("stateless", tests, NULL, NULL);
}
