/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RADIUS codec (lib/ike/radius): RFC 2865 7.1's Access-Accept verified
 * and every one-bit change of it refused; the Access-Request with EAP-Message
 * and Message-Authenticator checked by an HMAC-MD5 computed here (EVP_MAC,
 * not the codec's path); replies built here (MD5 and HMAC through EVP, the
 * MS-MPPE keys by an encryptor written from RFC 2548) parsed; a fixed MPPE
 * vector computed outside veer (Python hashlib); malformed packets each
 * refused for their own reason; the accounting authenticator computed here.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "ike_radius.h"
#include "unit_util.h"

static const uint8_t secret[] = "veer-radius-secret";
#define SECRET_LEN (sizeof(secret) - 1)

static const uint8_t req_auth[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                     0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

/* ---- an independent path: EVP digests and EVP_MAC ---- */

static void md5_of(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[16])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned n = 0;
    assert_non_null(c);
    assert_int_equal(EVP_DigestInit_ex(c, EVP_md5(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(c, a, alen), 1);
    if (b != NULL)
        assert_int_equal(EVP_DigestUpdate(c, b, blen), 1);
    assert_int_equal(EVP_DigestFinal_ex(c, out, &n), 1);
    assert_int_equal(n, 16);
    EVP_MD_CTX_free(c);
}

static void hmac_md5(const uint8_t *key, size_t klen, const uint8_t *msg, size_t len,
                     uint8_t out[16])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    char md5[] = "MD5";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md5, 0),
                           OSSL_PARAM_construct_end()};
    size_t n = 0;
    assert_non_null(ctx);
    assert_int_equal(EVP_MAC_init(ctx, key, klen, params), 1);
    assert_int_equal(EVP_MAC_update(ctx, msg, len), 1);
    assert_int_equal(EVP_MAC_final(ctx, out, &n, 16), 1);
    assert_int_equal(n, 16);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

/* ---- replies built here ---- */

struct pkt {
    uint8_t b[8192];
    size_t len;
};

static void pkt_start(struct pkt *p, uint8_t code, uint8_t id)
{
    memset(p, 0, sizeof(*p));
    p->b[0] = code;
    p->b[1] = id;
    p->len = 20;
}

static void pkt_attr(struct pkt *p, uint8_t type, const void *v, size_t n)
{
    assert_true(n <= 253);
    p->b[p->len] = type;
    p->b[p->len + 1] = (uint8_t)(n + 2);
    memcpy(p->b + p->len + 2, v, n);
    p->len += n + 2;
}

static void pkt_u32(struct pkt *p, uint8_t type, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    pkt_attr(p, type, b, 4);
}

/* EAP packet of n bytes (code, id, its length), the body a pattern. */
static void make_eap(uint8_t *eap, size_t n, uint8_t code)
{
    eap[0] = code;
    eap[1] = 7;
    eap[2] = (uint8_t)(n >> 8);
    eap[3] = (uint8_t)n;
    for (size_t i = 4; i < n; i++)
        eap[i] = (uint8_t)(i * 13);
}

static void pkt_eap(struct pkt *p, const uint8_t *eap, size_t n)
{
    for (size_t off = 0; off < n; off += 253)
        pkt_attr(p, 79, eap + off, n - off < 253 ? n - off : 253);
}

/* Adds a Message-Authenticator (when ma), sets Length, then the Response Authenticator. */
static void pkt_seal(struct pkt *p, bool ma, const uint8_t *key, size_t klen)
{
    size_t ma_off = p->len;
    if (ma) {
        static const uint8_t zero[16];
        pkt_attr(p, 80, zero, 16);
    }
    p->b[2] = (uint8_t)(p->len >> 8);
    p->b[3] = (uint8_t)p->len;
    memcpy(p->b + 4, req_auth, 16);
    if (ma)
        hmac_md5(key, klen, p->b, p->len, p->b + ma_off + 2);
    uint8_t md[16];
    md5_of(p->b, p->len, key, klen, md);
    memcpy(p->b + 4, md, 16);
}

/* RFC 2548 2.4.2, written from the RFC: the MS-MPPE value (salt, String) of key. */
static size_t mppe_encrypt(const uint8_t *key, size_t klen, const uint8_t salt[2],
                           const uint8_t ra[16], uint8_t *out)
{
    uint8_t p[256] = {0}, in[64 + 18];
    size_t n = (1 + klen + 15) / 16 * 16;
    p[0] = (uint8_t)klen;
    memcpy(p + 1, key, klen);
    out[0] = salt[0];
    out[1] = salt[1];
    for (size_t i = 0; i < n; i += 16) {
        uint8_t b[16];
        memcpy(in, secret, SECRET_LEN);
        if (i == 0) {
            memcpy(in + SECRET_LEN, ra, 16);
            memcpy(in + SECRET_LEN + 16, salt, 2);
            md5_of(in, SECRET_LEN + 18, NULL, 0, b);
        } else {
            memcpy(in + SECRET_LEN, out + 2 + i - 16, 16);
            md5_of(in, SECRET_LEN + 16, NULL, 0, b);
        }
        for (size_t j = 0; j < 16; j++)
            out[2 + i + j] = p[i + j] ^ b[j];
    }
    return 2 + n;
}

/* Vendor-Specific of Microsoft holding one MS-MPPE key attribute. */
static void pkt_mppe(struct pkt *p, uint8_t type, const uint8_t *key, size_t klen,
                     const uint8_t salt[2])
{
    uint8_t v[253] = {0, 0, 0x01, 0x37};
    size_t n = mppe_encrypt(key, klen, salt, req_auth, v + 6);
    v[4] = type;
    v[5] = (uint8_t)(n + 2);
    pkt_attr(p, 26, v, n + 6);
}

static enum ike_radius_reject parse(const struct pkt *p, struct ike_radius_reply *r)
{
    return ike_radius_parse_reply(p->b, p->len, req_auth, secret, SECRET_LEN, r);
}

#define assert_reason(got, want)                                                                   \
    do {                                                                                           \
        enum ike_radius_reject g_ = (got);                                                         \
        if (g_ != (want))                                                                          \
            fail_msg("got %s, want %s", ike_radius_reject_name(g_), ike_radius_reject_name(want)); \
    } while (0)

/* ---- RFC 2865 7.1 ---- */

static void test_rfc2865_example(void **state)
{
    (void)state;
    /* Access-Request: "nemo", password "arctangent", secret "xyzzy5461". */
    uint8_t req[64], acc[64];
    size_t req_len = unit_hex("01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb"
                              "98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d"
                              "93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8"
                              "01 10 05 06 00 00 00 03",
                              req, sizeof(req));
    size_t acc_len = unit_hex("02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf"
                              "9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00"
                              "0e 06 c0 a8 01 03",
                              acc, sizeof(acc));
    assert_int_equal(req_len, 56);
    assert_int_equal(acc_len, 38);
    const uint8_t *k = (const uint8_t *)"xyzzy5461";
    struct ike_radius_reply r;
    assert_int_equal(ike_radius_identifier(acc, acc_len), 0);
    assert_reason(ike_radius_parse_reply(acc, acc_len, req + 4, k, 9, &r), IKE_RADIUS_OK);
    assert_int_equal(r.code, IKE_RADIUS_ACCESS_ACCEPT);
    assert_int_equal(r.identifier, 0);
    assert_false(r.has_message_authenticator);
    assert_int_equal(r.eap_len, 0);
    assert_false(r.has_msk);

    /* Every single-bit change is refused, each with a reason. */
    for (size_t bit = 0; bit < acc_len * 8; bit++) {
        uint8_t bad[64];
        memcpy(bad, acc, acc_len);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        enum ike_radius_reject why = ike_radius_parse_reply(bad, acc_len, req + 4, k, 9, &r);
        assert_int_not_equal(why, IKE_RADIUS_OK);
        assert_true(why < IKE_RADIUS__COUNT);
        assert_false(r.has_msk);
    }
    /* The wrong secret and the wrong Request Authenticator too. */
    assert_reason(ike_radius_parse_reply(acc, acc_len, req + 4, k, 8, &r),
                  IKE_RADIUS_BAD_RESPONSE_AUTH);
    assert_reason(ike_radius_parse_reply(acc, acc_len, req_auth, k, 9, &r),
                  IKE_RADIUS_BAD_RESPONSE_AUTH);
}

/* ---- Access-Request ---- */

/* The attribute of `type` number `nth` (0: first) in a packet; NULL when none. */
static const uint8_t *find_attr(const uint8_t *b, size_t len, uint8_t type, unsigned nth,
                                size_t *vlen)
{
    for (size_t off = 20; off + 2 <= len && b[off + 1] >= 2; off += b[off + 1]) {
        if (b[off] == type && nth-- == 0) {
            *vlen = b[off + 1] - 2u;
            return b + off + 2;
        }
    }
    return NULL;
}

static void test_access_request(void **state)
{
    (void)state;
    uint8_t eap[600], out[4096];
    make_eap(eap, sizeof(eap), 2);
    struct ike_addr nas = {.family = 4, .ip = {192, 0, 2, 1}};
    struct ike_addr cl = {.family = 4, .port = 4500, .ip = {198, 51, 100, 7}};
    const uint8_t st[] = {0xaa, 0xbb, 0xcc};
    struct ike_radius_access_req q = {
        .identifier = 0x33,
        .user_name = (const uint8_t *)"alice@example.org",
        .user_name_len = 17,
        .eap = eap,
        .eap_len = sizeof(eap),
        .state = st,
        .state_len = sizeof(st),
        .client = &cl,
        .framed_mtu = 1400,
        .nas = {.ip = &nas, .identifier = "veer-gw", .called_station_id = "192.0.2.1:500"},
    };
    memcpy(q.authenticator, req_auth, 16);
    enum ike_radius_reject why;
    long n = ike_radius_access_request(&q, secret, SECRET_LEN, out, sizeof(out), &why);
    assert_reason(why, IKE_RADIUS_OK);
    assert_true(n > 600);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 0x33);
    assert_int_equal((size_t)out[2] << 8 | out[3], (size_t)n);
    assert_memory_equal(out + 4, req_auth, 16);

    size_t vl = 0;
    const uint8_t *v = find_attr(out, (size_t)n, 1, 0, &vl);
    assert_non_null(v);
    assert_int_equal(vl, 17);
    assert_memory_equal(v, "alice@example.org", 17);
    v = find_attr(out, (size_t)n, 4, 0, &vl);
    assert_true(v != NULL && vl == 4 && memcmp(v, nas.ip, 4) == 0);
    v = find_attr(out, (size_t)n, 32, 0, &vl);
    assert_true(v != NULL && vl == 7 && memcmp(v, "veer-gw", 7) == 0);
    v = find_attr(out, (size_t)n, 30, 0, &vl);
    assert_true(v != NULL && vl == 13 && memcmp(v, "192.0.2.1:500", 13) == 0);
    v = find_attr(out, (size_t)n, 31, 0, &vl);
    assert_true(v != NULL && vl == 17 && memcmp(v, "198.51.100.7:4500", 17) == 0);
    v = find_attr(out, (size_t)n, 61, 0, &vl);
    assert_true(v != NULL && vl == 4 && v[3] == 5);
    v = find_attr(out, (size_t)n, 6, 0, &vl);
    assert_true(v != NULL && vl == 4 && v[3] == 2);
    v = find_attr(out, (size_t)n, 12, 0, &vl);
    assert_true(v != NULL && vl == 4 && v[2] == 0x05 && v[3] == 0x78);
    v = find_attr(out, (size_t)n, 24, 0, &vl);
    assert_true(v != NULL && vl == 3 && memcmp(v, st, 3) == 0);
    /* EAP-Message: 253 + 253 + 94, in order. */
    size_t sizes[] = {253, 253, 94}, at = 0;
    for (unsigned i = 0; i < 3; i++) {
        v = find_attr(out, (size_t)n, 79, i, &vl);
        assert_non_null(v);
        assert_int_equal(vl, sizes[i]);
        assert_memory_equal(v, eap + at, vl);
        at += vl;
    }
    assert_null(find_attr(out, (size_t)n, 79, 3, &vl));

    /* Message-Authenticator: HMAC-MD5 over the packet with itself zeroed. */
    v = find_attr(out, (size_t)n, 80, 0, &vl);
    assert_true(v != NULL && vl == 16);
    uint8_t copy[4096], ma[16];
    memcpy(copy, out, (size_t)n);
    memset(copy + (v - out), 0, 16);
    hmac_md5(secret, SECRET_LEN, copy, (size_t)n, ma);
    assert_memory_equal(ma, v, 16);
    /* A different secret gives a different value. */
    hmac_md5((const uint8_t *)"other", 5, copy, (size_t)n, ma);
    assert_memory_not_equal(ma, v, 16);

    /* IPv6 NAS address; no State; no client. */
    struct ike_addr nas6 = {.family = 6, .ip = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
    q.nas.ip = &nas6;
    q.state = NULL;
    q.state_len = 0;
    q.client = NULL;
    n = ike_radius_access_request(&q, secret, SECRET_LEN, out, sizeof(out), &why);
    assert_true(n > 0);
    v = find_attr(out, (size_t)n, 95, 0, &vl);
    assert_true(v != NULL && vl == 16 && memcmp(v, nas6.ip, 16) == 0);
    assert_null(find_attr(out, (size_t)n, 4, 0, &vl));
    assert_null(find_attr(out, (size_t)n, 24, 0, &vl));
    assert_null(find_attr(out, (size_t)n, 31, 0, &vl));

    /* Too small a buffer, the 4096 limit, bad inputs. */
    assert_int_equal(ike_radius_access_request(&q, secret, SECRET_LEN, out, 100, &why), -1);
    assert_reason(why, IKE_RADIUS_NO_ROOM);
    static uint8_t big[4100];
    make_eap(big, sizeof(big), 2);
    q.eap = big;
    q.eap_len = 4050;
    assert_int_equal(ike_radius_access_request(&q, secret, SECRET_LEN, out, sizeof(out), &why), -1);
    assert_reason(why, IKE_RADIUS_NO_ROOM);
    q.eap = eap;
    q.eap_len = sizeof(eap);
    q.user_name_len = 0;
    assert_int_equal(ike_radius_access_request(&q, secret, SECRET_LEN, out, sizeof(out), &why), -1);
    assert_reason(why, IKE_RADIUS_BAD_INPUT);
    q.user_name_len = 17;
    assert_int_equal(ike_radius_access_request(&q, secret, 0, out, sizeof(out), &why), -1);
    assert_reason(why, IKE_RADIUS_BAD_INPUT);
}

/* ---- replies ---- */

static void test_challenge(void **state)
{
    (void)state;
    uint8_t eap[300];
    make_eap(eap, sizeof(eap), 1);
    const uint8_t st[] = "state-from-server";
    struct pkt p;
    pkt_start(&p, 11, 0x44);
    pkt_attr(&p, 18, "Reply-Message ignored", 21);
    pkt_eap(&p, eap, sizeof(eap));
    pkt_attr(&p, 24, st, sizeof(st));
    pkt_seal(&p, true, secret, SECRET_LEN);
    struct ike_radius_reply r;
    assert_int_equal(ike_radius_identifier(p.b, p.len), 0x44);
    assert_reason(parse(&p, &r), IKE_RADIUS_OK);
    assert_int_equal(r.code, 11);
    assert_int_equal(r.identifier, 0x44);
    assert_true(r.has_message_authenticator);
    assert_int_equal(r.eap_len, sizeof(eap));
    assert_memory_equal(r.eap, eap, sizeof(eap));
    assert_int_equal(r.state_len, sizeof(st));
    assert_memory_equal(r.state, st, sizeof(st));
    assert_false(r.has_msk);

    /* Without Message-Authenticator, with a wrong one (Response Authenticator right). */
    pkt_start(&p, 11, 0x44);
    pkt_eap(&p, eap, sizeof(eap));
    pkt_seal(&p, false, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_MA_MISSING);

    pkt_start(&p, 11, 0x44);
    pkt_eap(&p, eap, sizeof(eap));
    pkt_attr(&p, 80, "0123456789abcdef", 16);
    p.b[2] = (uint8_t)(p.len >> 8);
    p.b[3] = (uint8_t)p.len;
    uint8_t md[16];
    memcpy(p.b + 4, req_auth, 16);
    md5_of(p.b, p.len, secret, SECRET_LEN, md);
    memcpy(p.b + 4, md, 16);
    assert_reason(parse(&p, &r), IKE_RADIUS_BAD_MESSAGE_AUTH);

    /* A wrong Message-Authenticator is refused without EAP-Message too. */
    pkt_start(&p, 2, 0x44);
    pkt_attr(&p, 80, "0123456789abcdef", 16);
    p.b[2] = 0;
    p.b[3] = (uint8_t)p.len;
    memcpy(p.b + 4, req_auth, 16);
    md5_of(p.b, p.len, secret, SECRET_LEN, md);
    memcpy(p.b + 4, md, 16);
    assert_reason(parse(&p, &r), IKE_RADIUS_BAD_MESSAGE_AUTH);
    p.b[0] = 5; /* and in an Accounting-Response */
    memcpy(p.b + 4, req_auth, 16);
    md5_of(p.b, p.len, secret, SECRET_LEN, md);
    memcpy(p.b + 4, md, 16);
    assert_reason(ike_radius_acct_response_check(p.b, p.len, req_auth, secret, SECRET_LEN),
                  IKE_RADIUS_BAD_MESSAGE_AUTH);

    /* Message-Authenticator keyed by another secret. */
    pkt_start(&p, 11, 0x44);
    pkt_eap(&p, eap, sizeof(eap));
    pkt_seal(&p, true, (const uint8_t *)"other", 5);
    assert_reason(parse(&p, &r), IKE_RADIUS_BAD_RESPONSE_AUTH);

    /* A Response Authenticator with one bit off. */
    pkt_start(&p, 11, 0x44);
    pkt_eap(&p, eap, sizeof(eap));
    pkt_seal(&p, true, secret, SECRET_LEN);
    p.b[10] ^= 0x01;
    assert_reason(parse(&p, &r), IKE_RADIUS_BAD_RESPONSE_AUTH);

    /* A Challenge with nothing to relay. */
    pkt_start(&p, 11, 0x44);
    pkt_attr(&p, 24, st, sizeof(st));
    pkt_seal(&p, true, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_EAP_MISSING);

    /* An Access-Reject with EAP-Failure. */
    uint8_t fail[4];
    make_eap(fail, 4, 4);
    pkt_start(&p, 3, 0x44);
    pkt_eap(&p, fail, 4);
    pkt_seal(&p, true, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_OK);
    assert_int_equal(r.code, 3);
    assert_int_equal(r.eap_len, 4);
}

static const uint8_t salt_r[2] = {0x80, 0x01}, salt_s[2] = {0x80, 0x02};

static void make_keys(uint8_t recv[32], uint8_t send[32])
{
    for (unsigned i = 0; i < 32; i++) {
        recv[i] = (uint8_t)(0xa0 + i);
        send[i] = (uint8_t)(0x30 + 3 * i);
    }
}

static void test_accept_msk(void **state)
{
    (void)state;
    uint8_t recv[32], send[32], success[4];
    make_keys(recv, send);
    make_eap(success, 4, 3);
    const uint8_t prefix[] = {0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 7};
    struct pkt p;
    pkt_start(&p, 2, 9);
    pkt_eap(&p, success, 4);
    for (unsigned i = 0; i < 6; i++) {
        char c[16];
        snprintf(c, sizeof(c), "class-%u", i);
        pkt_attr(&p, 25, c, strlen(c));
    }
    pkt_attr(&p, 25, "", 0); /* an empty Class: not kept, not counted */
    pkt_u32(&p, 27, 3600);
    pkt_attr(&p, 8, (const uint8_t[]){10, 9, 8, 7}, 4);
    pkt_attr(&p, 97, prefix, sizeof(prefix));
    pkt_mppe(&p, 17, recv, 32, salt_r);
    pkt_mppe(&p, 16, send, 32, salt_s);
    uint8_t other[8] = {0, 0, 0x30, 0x39, 1, 6, 'x', 'y'};
    pkt_attr(&p, 26, other, sizeof(other)); /* another vendor: skipped */
    pkt_seal(&p, true, secret, SECRET_LEN);

    struct ike_radius_reply r;
    assert_reason(parse(&p, &r), IKE_RADIUS_OK);
    assert_int_equal(r.code, 2);
    assert_int_equal(r.eap_len, 4);
    assert_int_equal(r.nclass, IKE_RADIUS_CLASS_MAX);
    assert_int_equal(r.class_dropped, 2);
    assert_int_equal(r.classes[3].len, 7);
    assert_memory_equal(r.classes[3].value, "class-3", 7);
    assert_true(r.has_session_timeout);
    assert_int_equal(r.session_timeout, 3600);
    assert_true(r.has_framed_ip);
    assert_int_equal(r.framed_ip.family, 4);
    assert_memory_equal(r.framed_ip.ip, ((uint8_t[]){10, 9, 8, 7}), 4);
    assert_true(r.has_framed_ip6);
    assert_int_equal(r.framed_ip6_prefix_len, 64);
    assert_memory_equal(r.framed_ip6.ip, prefix + 2, 8);
    assert_true(r.has_msk);
    /* MSK = MS-MPPE-Recv-Key || MS-MPPE-Send-Key. */
    assert_memory_equal(r.msk, recv, 32);
    assert_memory_equal(r.msk + 32, send, 32);

    /* Only one of the two keys. */
    pkt_start(&p, 2, 9);
    pkt_mppe(&p, 17, recv, 32, salt_r);
    pkt_seal(&p, true, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_MPPE_ONE_KEY);
    assert_false(r.has_msk);

    /* A salt without its top bit; a 16-byte key; a key twice. */
    pkt_start(&p, 2, 9);
    pkt_mppe(&p, 17, recv, 32, (const uint8_t[]){0x01, 0x01});
    pkt_mppe(&p, 16, send, 32, salt_s);
    pkt_seal(&p, true, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_MPPE_BAD_FORMAT);
    pkt_start(&p, 2, 9);
    pkt_mppe(&p, 17, recv, 16, salt_r);
    pkt_mppe(&p, 16, send, 32, salt_s);
    pkt_seal(&p, true, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_MPPE_BAD_KEY);
    /* 16-byte keys both (EAP-MSCHAPv2 through FreeRADIUS): Recv || Send || 32 zero bytes. */
    pkt_start(&p, 2, 9);
    pkt_mppe(&p, 17, recv, 16, salt_r);
    pkt_mppe(&p, 16, send, 16, salt_s);
    pkt_seal(&p, true, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_OK);
    assert_true(r.has_msk);
    assert_memory_equal(r.msk, recv, 16);
    assert_memory_equal(r.msk + 16, send, 16);
    for (unsigned k = 32; k < IKE_RADIUS_MSK_LEN; k++)
        assert_int_equal(r.msk[k], 0);
    pkt_start(&p, 2, 9);
    pkt_mppe(&p, 17, recv, 32, salt_r);
    pkt_mppe(&p, 17, recv, 32, salt_r);
    pkt_mppe(&p, 16, send, 32, salt_s);
    pkt_seal(&p, true, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_ATTR_REPEATED);
    assert_false(r.has_msk);

    /* The keys of a Challenge are not an MSK (RFC 2548: Access-Accept only). */
    pkt_start(&p, 11, 9);
    pkt_eap(&p, success, 4);
    pkt_mppe(&p, 17, recv, 32, salt_r);
    pkt_seal(&p, true, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_OK);
    assert_false(r.has_msk);

    /* Framed-IPv6-Address wins over the prefix. */
    pkt_start(&p, 2, 9);
    pkt_attr(&p, 97, prefix, sizeof(prefix));
    pkt_attr(&p, 168, (const uint8_t[16]){0x20, 0x01, 0x0d, 0xb8, [15] = 5}, 16);
    pkt_seal(&p, false, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_OK);
    assert_int_equal(r.framed_ip6_prefix_len, 128);
    assert_int_equal(r.framed_ip6.ip[15], 5);
}

static void test_mppe_vector(void **state)
{
    (void)state;
    /* Computed with Python's hashlib from RFC 2548 2.4.2, not with veer's code. */
    uint8_t value[64], want[32], key[64];
    size_t n = unit_hex("8123ecde47a3c941259052b5348050eb8408c8e70e6fcc6305ce9cdc5ab03281"
                        "5108160ea1e314f57c7e6b395b4467891800",
                        value, sizeof(value));
    unit_hex("030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dc", want,
             sizeof(want));
    assert_int_equal(n, 50);
    size_t klen = 0;
    assert_reason(
        ike_radius_mppe_decrypt(value, n, req_auth, secret, SECRET_LEN, key, sizeof(key), &klen),
        IKE_RADIUS_OK);
    assert_int_equal(klen, 32);
    assert_memory_equal(key, want, 32);
    /* The test's encryptor gives the same bytes. */
    uint8_t enc[256];
    assert_int_equal(mppe_encrypt(want, 32, value, req_auth, enc), 50);
    assert_memory_equal(enc, value, 50);

    /* Round trips of other lengths; a wrong Request Authenticator gives garbage or a refusal. */
    for (size_t l = 1; l <= 64; l += 7) {
        uint8_t k[64];
        for (size_t i = 0; i < l; i++)
            k[i] = (uint8_t)(i ^ l);
        size_t m = mppe_encrypt(k, l, salt_r, req_auth, enc);
        assert_reason(
            ike_radius_mppe_decrypt(enc, m, req_auth, secret, SECRET_LEN, key, sizeof(key), &klen),
            IKE_RADIUS_OK);
        assert_int_equal(klen, l);
        assert_memory_equal(key, k, l);
        enum ike_radius_reject why = ike_radius_mppe_decrypt(enc, m, (const uint8_t[16]){1}, secret,
                                                             SECRET_LEN, key, sizeof(key), &klen);
        assert_true(why != IKE_RADIUS_OK || memcmp(key, k, l) != 0 || klen != l);
    }
    /* Bad shapes. */
    assert_reason(
        ike_radius_mppe_decrypt(value, 17, req_auth, secret, SECRET_LEN, key, sizeof(key), &klen),
        IKE_RADIUS_MPPE_BAD_FORMAT);
    assert_reason(
        ike_radius_mppe_decrypt(value, 49, req_auth, secret, SECRET_LEN, key, sizeof(key), &klen),
        IKE_RADIUS_MPPE_BAD_FORMAT);
    assert_reason(ike_radius_mppe_decrypt(value, n, req_auth, secret, SECRET_LEN, key, 31, &klen),
                  IKE_RADIUS_MPPE_BAD_KEY);
}

/* ---- malformed replies ---- */

static void test_malformed(void **state)
{
    (void)state;
    struct ike_radius_reply r;
    uint8_t eap[100];
    make_eap(eap, sizeof(eap), 1);
    struct pkt p;
    pkt_start(&p, 11, 1);
    pkt_eap(&p, eap, sizeof(eap));
    pkt_seal(&p, true, secret, SECRET_LEN);
    assert_reason(parse(&p, &r), IKE_RADIUS_OK);

    /* Header: truncated, Length below 20, above 4096, above the datagram. */
    assert_reason(ike_radius_parse_reply(p.b, 19, req_auth, secret, SECRET_LEN, &r),
                  IKE_RADIUS_TRUNCATED);
    assert_reason(ike_radius_parse_reply(NULL, 0, req_auth, secret, SECRET_LEN, &r),
                  IKE_RADIUS_TRUNCATED);
    assert_int_equal(ike_radius_identifier(p.b, 19), -1);
    struct pkt q = p;
    q.b[2] = 0;
    q.b[3] = 19;
    assert_reason(parse(&q, &r), IKE_RADIUS_LENGTH_TOO_SMALL);
    q.b[2] = 0x10;
    q.b[3] = 0x01;
    q.len = 4200;
    assert_reason(parse(&q, &r), IKE_RADIUS_LENGTH_TOO_LARGE);
    assert_reason(ike_radius_parse_reply(p.b, p.len - 1, req_auth, secret, SECRET_LEN, &r),
                  IKE_RADIUS_LENGTH_OVERRUN);
    /* Length smaller than the datagram: the rest is padding (RFC 2865 3) and ignored ... */
    assert_reason(ike_radius_parse_reply(p.b, p.len + 30, req_auth, secret, SECRET_LEN, &r),
                  IKE_RADIUS_OK);
    /* ... but a Length that cuts an attribute leaves it overrunning. */
    q = p;
    q.b[2] = (uint8_t)((p.len - 5) >> 8);
    q.b[3] = (uint8_t)(p.len - 5);
    assert_reason(parse(&q, &r), IKE_RADIUS_ATTR_OVERRUN);
    /* One byte of the Message-Authenticator's header left inside Length. */
    q = p;
    q.b[2] = (uint8_t)((p.len - 17) >> 8);
    q.b[3] = (uint8_t)(p.len - 17);
    assert_reason(parse(&q, &r), IKE_RADIUS_ATTR_OVERRUN);

    /* Attribute lengths 0, 1, and running past the packet. */
    for (unsigned l = 0; l < 2; l++) {
        q = p;
        q.b[21] = (uint8_t)l;
        assert_reason(parse(&q, &r), IKE_RADIUS_ATTR_TOO_SHORT);
    }
    q = p;
    q.b[21] = 255;
    assert_reason(parse(&q, &r), IKE_RADIUS_ATTR_OVERRUN);

    /* Unknown codes: a request, an Accounting-Response, 99. */
    uint8_t codes[] = {1, 4, 5, 12, 99};
    for (unsigned i = 0; i < sizeof(codes); i++) {
        pkt_start(&q, codes[i], 1);
        pkt_eap(&q, eap, sizeof(eap));
        pkt_seal(&q, true, secret, SECRET_LEN);
        assert_reason(parse(&q, &r), IKE_RADIUS_UNKNOWN_CODE);
    }

    /* EAP-Message: more than the bound; its length field disagreeing; shorter than 4. */
    static uint8_t big[IKE_RADIUS_EAP_MAX + 300];
    make_eap(big, IKE_RADIUS_EAP_MAX + 1, 1);
    pkt_start(&q, 11, 1);
    pkt_eap(&q, big, IKE_RADIUS_EAP_MAX + 1);
    pkt_seal(&q, true, secret, SECRET_LEN);
    assert_reason(parse(&q, &r), IKE_RADIUS_EAP_TOO_LONG);
    make_eap(big, IKE_RADIUS_EAP_MAX, 1);
    pkt_start(&q, 11, 1);
    pkt_eap(&q, big, IKE_RADIUS_EAP_MAX);
    pkt_seal(&q, true, secret, SECRET_LEN);
    assert_reason(parse(&q, &r), IKE_RADIUS_OK);
    assert_int_equal(r.eap_len, IKE_RADIUS_EAP_MAX);
    pkt_start(&q, 11, 1);
    pkt_eap(&q, eap, sizeof(eap) - 1);
    pkt_seal(&q, true, secret, SECRET_LEN);
    assert_reason(parse(&q, &r), IKE_RADIUS_EAP_BAD_LENGTH);
    pkt_start(&q, 11, 1);
    pkt_eap(&q, eap, 3);
    pkt_seal(&q, true, secret, SECRET_LEN);
    assert_reason(parse(&q, &r), IKE_RADIUS_EAP_BAD_LENGTH);

    /* Message-Authenticator of 15 bytes, twice. */
    pkt_start(&q, 11, 1);
    pkt_eap(&q, eap, sizeof(eap));
    pkt_attr(&q, 80, "0123456789abcde", 15);
    pkt_seal(&q, false, secret, SECRET_LEN);
    assert_reason(parse(&q, &r), IKE_RADIUS_ATTR_BAD_LENGTH);
    pkt_start(&q, 11, 1);
    pkt_attr(&q, 80, "0123456789abcdef", 16);
    pkt_eap(&q, eap, sizeof(eap));
    pkt_seal(&q, true, secret, SECRET_LEN);
    assert_reason(parse(&q, &r), IKE_RADIUS_ATTR_REPEATED);

    /* Values of the wrong size; State twice or empty. */
    const struct {
        uint8_t type;
        size_t len;
    } bad[] = {{27, 3}, {8, 5}, {168, 15}, {97, 1}, {24, 0}};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pkt_start(&q, 2, 1);
        pkt_attr(&q, bad[i].type, "\x00\x81\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e",
                 bad[i].len);
        pkt_seal(&q, false, secret, SECRET_LEN);
        assert_reason(parse(&q, &r), IKE_RADIUS_ATTR_BAD_LENGTH);
    }
    pkt_start(&q, 2, 1);
    pkt_attr(&q, 24, "a", 1);
    pkt_attr(&q, 24, "b", 1);
    pkt_seal(&q, false, secret, SECRET_LEN);
    assert_reason(parse(&q, &r), IKE_RADIUS_ATTR_REPEATED);

    /* A Microsoft attribute whose inner length runs past it. */
    pkt_start(&q, 2, 1);
    pkt_attr(&q, 26, (const uint8_t[]){0, 0, 1, 0x37, 17, 40, 0x80, 0}, 8);
    pkt_seal(&q, false, secret, SECRET_LEN);
    assert_reason(parse(&q, &r), IKE_RADIUS_MPPE_BAD_FORMAT);

    /* Every reason has its own name and sentence. */
    for (unsigned i = 0; i < IKE_RADIUS__COUNT; i++) {
        assert_string_not_equal(ike_radius_reject_name(i), "?");
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(ike_radius_reject_name(i), ike_radius_reject_name(j));
    }
    assert_string_equal(ike_radius_reject_name(IKE_RADIUS__COUNT), "?");
    assert_string_equal(ike_radius_reject_text(IKE_RADIUS_MA_MISSING),
                        "EAP-Message without Message-Authenticator");
}

/* ---- accounting ---- */

static void test_accounting(void **state)
{
    (void)state;
    struct ike_addr nas = {.family = 4, .ip = {192, 0, 2, 1}};
    struct ike_addr fip = {.family = 4, .ip = {10, 9, 8, 7}};
    struct ike_addr cl = {.family = 6, .port = 500, .ip = {0x20, 0x01, 0x0d, 0xb8, [15] = 9}};
    struct ike_radius_class cls[2] = {{.len = 3, .value = "abc"}, {.len = 2, .value = "de"}};
    struct ike_radius_acct_req a = {
        .identifier = 0x55,
        .status = IKE_RADIUS_ACCT_START,
        .session_id = "0123456789abcdef",
        .user_name = (const uint8_t *)"alice",
        .user_name_len = 5,
        .framed_ip = &fip,
        .client = &cl,
        .in_octets = 0x100000005ull,
        .out_octets = 0x2300000007ull,
        .in_packets = 11,
        .out_packets = 13,
        .session_time = 600,
        .terminate_cause = IKE_RADIUS_TERM_USER_REQUEST,
        .event_timestamp = 1700000000,
        .classes = cls,
        .nclass = 2,
        .nas = {.ip = &nas, .identifier = "veer-gw"},
    };
    uint8_t out[4096], md[16], copy[4096];
    enum ike_radius_reject why;
    size_t vl = 0;
    const uint8_t *v;
    long n = ike_radius_acct_request(&a, secret, SECRET_LEN, out, sizeof(out), &why);
    assert_reason(why, IKE_RADIUS_OK);
    assert_true(n > 20);
    assert_int_equal(out[0], 4);
    assert_int_equal(out[1], 0x55);
    /* Request Authenticator = MD5(packet with 16 zero octets | secret), computed here. */
    memcpy(copy, out, (size_t)n);
    memset(copy + 4, 0, 16);
    md5_of(copy, (size_t)n, secret, SECRET_LEN, md);
    assert_memory_equal(out + 4, md, 16);
    v = find_attr(out, (size_t)n, 40, 0, &vl);
    assert_true(v != NULL && vl == 4 && v[3] == 1);
    v = find_attr(out, (size_t)n, 44, 0, &vl);
    assert_true(v != NULL && vl == 16 && memcmp(v, "0123456789abcdef", 16) == 0);
    v = find_attr(out, (size_t)n, 31, 0, &vl);
    assert_true(v != NULL && vl == 17 && memcmp(v, "[2001:db8::9]:500", 17) == 0);
    v = find_attr(out, (size_t)n, 25, 1, &vl);
    assert_true(v != NULL && vl == 2 && memcmp(v, "de", 2) == 0);
    v = find_attr(out, (size_t)n, 55, 0, &vl);
    assert_true(v != NULL && vl == 4);
    assert_null(find_attr(out, (size_t)n, 42, 0, &vl)); /* no counters at Start */
    assert_null(find_attr(out, (size_t)n, 49, 0, &vl));

    /* Stop: counters, gigawords, the cause. */
    a.status = IKE_RADIUS_ACCT_STOP;
    n = ike_radius_acct_request(&a, secret, SECRET_LEN, out, sizeof(out), &why);
    assert_true(n > 0);
    memcpy(copy, out, (size_t)n);
    memset(copy + 4, 0, 16);
    md5_of(copy, (size_t)n, secret, SECRET_LEN, md);
    assert_memory_equal(out + 4, md, 16);
    struct {
        uint8_t type;
        uint32_t v;
    } want[] = {{40, 2},  {42, 5},  {52, 1},   {43, 7}, {53, 0x23},
                {47, 11}, {48, 13}, {46, 600}, {49, 1}, {8, 0x0a090807}};
    for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        v = find_attr(out, (size_t)n, want[i].type, 0, &vl);
        assert_non_null(v);
        assert_int_equal(vl, 4);
        assert_int_equal((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | v[2] << 8 | v[3], want[i].v);
    }
    uint8_t ra[16];
    memcpy(ra, out + 4, 16);

    /* The Accounting-Response: built here with that Request Authenticator. */
    struct pkt p;
    pkt_start(&p, 5, 0x55);
    p.b[2] = 0;
    p.b[3] = 20;
    memcpy(p.b + 4, ra, 16);
    md5_of(p.b, 20, secret, SECRET_LEN, md);
    memcpy(p.b + 4, md, 16);
    assert_reason(ike_radius_acct_response_check(p.b, 20, ra, secret, SECRET_LEN), IKE_RADIUS_OK);
    assert_reason(ike_radius_acct_response_check(p.b, 20, req_auth, secret, SECRET_LEN),
                  IKE_RADIUS_BAD_RESPONSE_AUTH);
    p.b[9] ^= 0x80;
    assert_reason(ike_radius_acct_response_check(p.b, 20, ra, secret, SECRET_LEN),
                  IKE_RADIUS_BAD_RESPONSE_AUTH);
    p.b[9] ^= 0x80;
    p.b[0] = 2;
    assert_reason(ike_radius_acct_response_check(p.b, 20, ra, secret, SECRET_LEN),
                  IKE_RADIUS_UNKNOWN_CODE);
    assert_reason(ike_radius_acct_response_check(p.b, 12, ra, secret, SECRET_LEN),
                  IKE_RADIUS_TRUNCATED);

    /* Bad inputs. */
    a.session_id = "";
    assert_int_equal(ike_radius_acct_request(&a, secret, SECRET_LEN, out, sizeof(out), &why), -1);
    assert_reason(why, IKE_RADIUS_BAD_INPUT);
    a.session_id = "s";
    a.status = 9; /* Tunnel-Start (RFC 2867): not one veer sends */
    assert_int_equal(ike_radius_acct_request(&a, secret, SECRET_LEN, out, sizeof(out), &why), -1);
    assert_reason(why, IKE_RADIUS_BAD_INPUT);
    a.status = IKE_RADIUS_ACCT_INTERIM;
    assert_int_equal(ike_radius_acct_request(&a, secret, SECRET_LEN, out, 40, &why), -1);
    assert_reason(why, IKE_RADIUS_NO_ROOM);
}

/* The codec's own request and a reply to it, end to end through the MSK. */
static void test_request_reply_round_trip(void **state)
{
    (void)state;
    uint8_t eap[10] = {2, 1, 0, 10, 1, 'a', 'l', 'i', 'c', 'e'}, out[4096];
    struct ike_radius_access_req q = {.identifier = 200,
                                      .user_name = (const uint8_t *)"alice",
                                      .user_name_len = 5,
                                      .eap = eap,
                                      .eap_len = sizeof(eap)};
    memcpy(q.authenticator, req_auth, 16);
    enum ike_radius_reject why;
    long n = ike_radius_access_request(&q, secret, SECRET_LEN, out, sizeof(out), &why);
    assert_true(n > 0);
    uint8_t recv[32], send[32], success[4];
    make_keys(recv, send);
    make_eap(success, 4, 3);
    struct pkt p;
    pkt_start(&p, 2, 200);
    pkt_eap(&p, success, 4);
    pkt_mppe(&p, 16, send, 32, salt_s);
    pkt_mppe(&p, 17, recv, 32, salt_r);
    pkt_seal(&p, true, secret, SECRET_LEN);
    struct ike_radius_reply r;
    assert_int_equal(ike_radius_identifier(p.b, p.len), out[1]);
    assert_reason(ike_radius_parse_reply(p.b, p.len, out + 4, secret, SECRET_LEN, &r),
                  IKE_RADIUS_OK);
    assert_true(r.has_msk);
    assert_memory_equal(r.msk, recv, 32);
    assert_memory_equal(r.msk + 32, send, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc2865_example), cmocka_unit_test(test_access_request),
        cmocka_unit_test(test_challenge),       cmocka_unit_test(test_accept_msk),
        cmocka_unit_test(test_mppe_vector),     cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_accounting),      cmocka_unit_test(test_request_reply_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
