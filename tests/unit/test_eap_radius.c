/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * remote_auth eap-radius (RFC 3579) through the mock backend: alice does
 * EAP-MSCHAPv2 as client, gw relays it to a fake RADIUS server in this file,
 * which runs lib/ike's MSCHAPv2 server functions (so the MSK is real) and
 * answers with packets built here (Response Authenticator by EVP MD5,
 * Message-Authenticator by EVP_MAC HMAC-MD5, MS-MPPE keys encrypted from
 * RFC 2548): Accept establishes with MSK-keyed AUTHs, Reject refuses, a
 * silent server is retried then failed over, all silent gives up, an IKE
 * retransmission while RADIUS is pending is dropped, forged replies ignored.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "ike.h"
#include "ike_eap.h"
#include "ike_eap_mschapv2.h"
#include "ike_lab.h"
#include "ike_radius.h"
#include "mock_backend.h"
#include "unit_util.h"

static const uint8_t password[] = "radius-pass";
#define PASSWORD_LEN (sizeof(password) - 1)
static const char *const secrets[2] = {"secret-one", "secret-two"};

/* ---- the fake RADIUS server ---- */

struct fake {
    bool silent[2];    /* a server that never answers */
    unsigned nsent[2]; /* datagrams gw sent to each */
    uint8_t last[2][IKE_RADIUS_MAX_LEN];
    size_t last_len[2];
    bool pending[2]; /* an unanswered request from gw */
    struct ike_mschapv2_server ms;
    bool started;
    bool bad_msk;         /* Accept with keys other than the MSCHAPv2 MSK */
    bool framed;          /* Accept with Framed-IP-Address 10.9.0.7 */
    bool framed6;         /* Accept with Framed-IPv6-Address fd00:9::7 */
    bool session_timeout; /* Accept with Session-Timeout 30 */
    bool acct_attrs;      /* Accept with Class "grp-7" and Acct-Interim-Interval 5 */
    bool accounting;      /* gw has radius.accounting on (no interval of its own) */
    uint8_t user[256];
    size_t user_len;
};
static struct fake fake;
static const uint8_t framed6_addr[16] = {0xfd, 0, 0, 9, [15] = 7};

/*
 * What gw sent to the accounting ports about sessions: how many, the first
 * and the last (Accounting-On/-Off, about the NAS, only counted in `nas`).
 */
static struct {
    unsigned n, nas;
    uint8_t first[IKE_RADIUS_MAX_LEN], last[IKE_RADIUS_MAX_LEN];
    size_t first_len, last_len;
} acct;

static uint32_t acct_u32(const uint8_t *p, size_t len, uint8_t type);

static int fake_acct_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    (void)opaque;
    assert_true(server < 2);
    assert_true(len <= IKE_RADIUS_MAX_LEN);
    uint32_t status = acct_u32(buf, len, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE);
    if (status == IKE_RADIUS_ACCT_ON || status == IKE_RADIUS_ACCT_OFF) {
        acct.nas++;
        return 0;
    }
    if (acct.n++ == 0) {
        memcpy(acct.first, buf, len);
        acct.first_len = len;
    }
    memcpy(acct.last, buf, len);
    acct.last_len = len;
    return 0;
}

/* The value of attribute `type` in p (NULL when absent), its length in *n. */
static const uint8_t *acct_attr(const uint8_t *p, size_t len, uint8_t type, size_t *n)
{
    for (size_t off = 20; off + 2 <= len && p[off + 1] >= 2; off += p[off + 1]) {
        if (p[off] == type) {
            *n = p[off + 1] - 2u;
            return p + off + 2;
        }
    }
    return NULL;
}

static uint32_t acct_u32(const uint8_t *p, size_t len, uint8_t type)
{
    size_t n = 0;
    const uint8_t *v = acct_attr(p, len, type, &n);
    assert_non_null(v);
    assert_int_equal(n, 4);
    return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

static int fake_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    (void)opaque;
    assert_true(server < 2);
    assert_true(len <= IKE_RADIUS_MAX_LEN);
    memcpy(fake.last[server], buf, len);
    fake.last_len[server] = len;
    fake.nsent[server]++;
    fake.pending[server] = true;
    return 0;
}

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
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

struct pkt {
    uint8_t b[IKE_RADIUS_MAX_LEN];
    size_t len;
};

static void pkt_attr(struct pkt *p, uint8_t type, const void *v, size_t n)
{
    p->b[p->len] = type;
    p->b[p->len + 1] = (uint8_t)(n + 2);
    memcpy(p->b + p->len + 2, v, n);
    p->len += n + 2;
}

/* RFC 2548 2.4.2: the MS-MPPE value (salt, String) of key, in a Microsoft VSA. */
static void pkt_mppe(struct pkt *p, uint8_t type, const uint8_t *key, size_t klen,
                     const uint8_t salt[2], const char *secret, const uint8_t ra[16])
{
    uint8_t v[253] = {0, 0, 0x01, 0x37}, plain[64] = {0}, in[128];
    size_t slen = strlen(secret), n = (1 + klen + 15) / 16 * 16;
    uint8_t *out = v + 6;
    plain[0] = (uint8_t)klen;
    memcpy(plain + 1, key, klen);
    out[0] = salt[0];
    out[1] = salt[1];
    for (size_t i = 0; i < n; i += 16) {
        uint8_t b[16];
        memcpy(in, secret, slen);
        if (i == 0) {
            memcpy(in + slen, ra, 16);
            memcpy(in + slen + 16, salt, 2);
            md5_of(in, slen + 18, NULL, 0, b);
        } else {
            memcpy(in + slen, out + 2 + i - 16, 16);
            md5_of(in, slen + 16, NULL, 0, b);
        }
        for (size_t j = 0; j < 16; j++)
            out[2 + i + j] = plain[i + j] ^ b[j];
    }
    v[4] = type;
    v[5] = (uint8_t)(n + 4);
    pkt_attr(p, 26, v, n + 8);
}

/* Message-Authenticator, Length, then the Response Authenticator over the request's. */
static void pkt_seal(struct pkt *p, const char *secret, const uint8_t ra[16])
{
    static const uint8_t zero[16];
    size_t ma_off = p->len, slen = strlen(secret);
    pkt_attr(p, 80, zero, 16);
    p->b[2] = (uint8_t)(p->len >> 8);
    p->b[3] = (uint8_t)p->len;
    memcpy(p->b + 4, ra, 16);
    hmac_md5((const uint8_t *)secret, slen, p->b, p->len, p->b + ma_off + 2);
    uint8_t md[16];
    md5_of(p->b, p->len, (const uint8_t *)secret, slen, md);
    memcpy(p->b + 4, md, 16);
}

/* The joined EAP-Message and the User-Name of the request gw sent to `server`. */
static size_t request_eap(unsigned server, uint8_t *eap, bool *has_ma)
{
    const uint8_t *b = fake.last[server];
    size_t len = fake.last_len[server], n = 0;
    *has_ma = false;
    for (size_t off = 20; off + 2 <= len && b[off + 1] >= 2; off += b[off + 1]) {
        if (b[off] == 79) {
            memcpy(eap + n, b + off + 2, b[off + 1] - 2u);
            n += b[off + 1] - 2u;
        } else if (b[off] == 80) {
            *has_ma = true;
        } else if (b[off] == 1) {
            fake.user_len = b[off + 1] - 2u;
            memcpy(fake.user, b + off + 2, fake.user_len);
        }
    }
    return n;
}

/* Answers gw's outstanding request to `server` as a RADIUS server running EAP-MSCHAPv2 would. */
static void fake_answer(struct lab *lab, unsigned server, struct pkt *p)
{
    uint8_t eap[IKE_RADIUS_EAP_MAX], out[IKE_EAP_MSG_MAX], ra[16];
    bool has_ma;
    size_t n = request_eap(server, eap, &has_ma), out_len = 0;
    assert_true(has_ma);
    assert_true(fake.last[server][0] == IKE_RADIUS_ACCESS_REQUEST);
    memcpy(ra, fake.last[server] + 4, 16);
    memset(p, 0, sizeof(*p));
    p->b[1] = fake.last[server][1];
    p->len = 20;
    uint8_t code = IKE_RADIUS_ACCESS_CHALLENGE;
    if (!fake.started) {
        /* The EAP-Response/Identity: the MSCHAPv2 Challenge-Request. */
        assert_true(n > 5 && eap[0] == IKE_EAP_CODE_RESPONSE && eap[4] == IKE_EAP_TYPE_IDENTITY);
        uint8_t rnd[17];
        for (unsigned i = 0; i < sizeof(rnd); i++)
            rnd[i] = (uint8_t)(i * 7 + 3);
        out_len = ike_mschapv2_server_start(&fake.ms, rnd, out);
        fake.started = true;
    } else {
        enum ike_eap_reject why;
        enum ike_eap_step step =
            ike_mschapv2_server_input(&fake.ms, eap, n, fake.user, fake.user_len, password,
                                      PASSWORD_LEN, out, &out_len, &why);
        if (step == IKE_EAP_STEP_SUCCESS)
            code = IKE_RADIUS_ACCESS_ACCEPT;
        else if (step == IKE_EAP_STEP_FAILURE || why != IKE_EAP_OK) {
            code = IKE_RADIUS_ACCESS_REJECT;
            out[0] = IKE_EAP_CODE_FAILURE;
            out[1] = eap[1];
            out[2] = 0;
            out[3] = 4;
            out_len = 4;
        }
    }
    p->b[0] = code;
    pkt_attr(p, 79, out, out_len);
    if (code == IKE_RADIUS_ACCESS_CHALLENGE)
        pkt_attr(p, 24, "state-x", 7);
    if (code == IKE_RADIUS_ACCESS_ACCEPT) {
        /* As FreeRADIUS: 16-byte MasterReceiveKey and MasterSendKey. */
        assert_true(fake.ms.has_msk);
        fake.ms.msk[0] ^= fake.bad_msk;
        if (fake.framed)
            pkt_attr(p, 8, (const uint8_t[]){10, 9, 0, 7}, 4);
        if (fake.framed6)
            pkt_attr(p, 168, framed6_addr, 16);
        if (fake.session_timeout)
            pkt_attr(p, 27, (const uint8_t[]){0, 0, 0, 30}, 4);
        if (fake.acct_attrs) {
            pkt_attr(p, 25, "grp-7", 5);
            pkt_attr(p, 85, (const uint8_t[]){0, 0, 0, 5}, 4);
        }
        pkt_mppe(p, 17, fake.ms.msk, 16, (const uint8_t[]){0x80, 0x01}, secrets[server], ra);
        pkt_mppe(p, 16, fake.ms.msk + 16, 16, (const uint8_t[]){0x80, 0x02}, secrets[server], ra);
    }
    pkt_seal(p, secrets[server], ra);
    (void)lab;
}

/* Runs the lab, answering every request of gw, until nothing moves; returns the replies sent. */
static unsigned run_with_radius(struct lab *lab)
{
    unsigned replies = 0;
    for (unsigned round = 0; round < 20; round++) {
        lab_run(lab);
        bool any = false;
        for (unsigned s = 0; s < 2; s++) {
            if (!fake.pending[s] || fake.silent[s])
                continue;
            struct pkt p;
            fake.pending[s] = false;
            fake_answer(lab, s, &p);
            ike_radius_input(lab->gw, s, p.b, p.len);
            replies++;
            any = true;
        }
        if (!any)
            break;
    }
    return replies;
}

/* ---- the lab ---- */

static struct ike_eap_secret alice_secret;

static int rad_setup(void **state)
{
    lab_setup(state);
    struct lab *lab = *state;
    memset(&fake, 0, sizeof(fake));
    memset(&acct, 0, sizeof(acct));
    memset(&alice_secret, 0, sizeof(alice_secret));
    lab_set_id(&alice_secret.id, "alice.example");
    memcpy(alice_secret.secret, password, PASSWORD_LEN);
    alice_secret.len = PASSWORD_LEN;
    lab->alice_peer.local_auth = IKE_PEER_AUTH_EAP_MSCHAPV2;
    lab->alice_peer.eap_secrets = &alice_secret;
    lab->alice_peer.neap_secrets = 1;
    lab_set_id(&lab->alice_peer.local_id, "alice.example");
    lab->gw_peer.remote_auth = IKE_PEER_AUTH_EAP_RADIUS;
    memset(&lab->gw_peer.remote_id, 0, sizeof(lab->gw_peer.remote_id));
    return 0;
}

/* lab_start, then gw again with two RADIUS servers and the fake behind radius_send. */
static void rad_start(struct lab *lab)
{
    lab_start(lab);
    ike_ctx_free(lab->gw);
    static const char *const addrs[2] = {"192.0.2.1", "192.0.2.2"};
    struct ike_radius_cfg *rc = &lab->gw_cfg.radius;
    lab_radius_two_servers(rc, addrs, secrets);
    rc->accounting = fake.accounting;
    struct ike_backend g = mock_backend(&lab->gw_node);
    g.radius_send = fake_send;
    g.radius_acct_send = fake_acct_send;
    lab->gw = ike_ctx_new(&lab->gw_cfg, &g);
    assert_non_null(lab->gw);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
}

static const struct ike_counters *gwc(struct lab *lab)
{
    return ike_get_counters(lab->gw);
}

/*
 * The Session-Timeout has not ended gw's IKE SA `before_s` seconds on, has 2 s
 * later; the Delete it sent is exchanged.
 */
static void expect_session_timeout(struct lab *lab, unsigned before_s)
{
    lab->net.now_ns += before_s * SEC;
    ike_tick(lab->gw);
    assert_int_equal(gwc(lab)->radius_session_timeouts, 0);
    lab->net.now_ns += 2 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(gwc(lab)->radius_session_timeouts, 1);
    lab_run(lab);
    ike_tick(lab->gw);
}

static void expect_established(struct lab *lab)
{
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_int_equal(gwc(lab)->eap_succeeded, 1);
    assert_int_equal(gwc(lab)->eap_bad_final_auth, 0);
    lab_expect_child_pair(lab);
}

/* Identity, Challenge/Response, Success-Request/Response: three requests, Accept last. */
static void test_accept(void **state)
{
    struct lab *lab = *state;
    rad_start(lab);
    assert_int_equal(run_with_radius(lab), 3);
    expect_established(lab);
    assert_int_equal(gwc(lab)->radius_requests, 3);
    assert_int_equal(gwc(lab)->radius_challenges, 2);
    assert_int_equal(gwc(lab)->radius_accepts, 1);
    assert_int_equal(gwc(lab)->radius_accept_no_msk, 0);
    assert_int_equal(fake.user_len, 13);
    assert_memory_equal(fake.user, "alice.example", 13);
    assert_int_equal(fake.nsent[1], 0);
}

static void test_reject(void **state)
{
    struct lab *lab = *state;
    memcpy(alice_secret.secret, "radius-pasX", PASSWORD_LEN);
    rad_start(lab);
    assert_int_equal(run_with_radius(lab), 2);
    assert_int_equal(gwc(lab)->radius_rejects, 1);
    assert_int_equal(gwc(lab)->auth_failed, 1);
    assert_int_equal(gwc(lab)->eap_succeeded, 0);
    assert_int_equal(lab->gw_node.ninstalled, 0);
    ike_tick(lab->gw);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_get_counters(lab->alice)->auth_failed, 1);
}

/* An Access-Accept whose MSK is not the client's: its AUTH after EAP does not verify at gw. */
static void test_wrong_msk(void **state)
{
    struct lab *lab = *state;
    fake.bad_msk = true;
    rad_start(lab);
    run_with_radius(lab);
    assert_int_equal(gwc(lab)->radius_accepts, 1);
    assert_int_equal(gwc(lab)->eap_bad_final_auth, 1);
    assert_int_equal(gwc(lab)->eap_succeeded, 0);
    assert_int_equal(lab->gw_node.ninstalled, 0);
    assert_int_equal(ike_get_counters(lab->alice)->auth_failed, 1);
}

/* Framed-IP-Address: the client's virtual IPv4 instead of the pool's, given back to no pool. */
static struct ike_pool_cfg pool;

static void test_framed_ip(void **state)
{
    struct lab *lab = *state;
    fake.framed = true;
    lab_vip4_pool(lab, &pool);
    pool.hold_s = 60;
    rad_start(lab);
    run_with_radius(lab);
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_int_equal(gwc(lab)->radius_framed_ip, 1);
    assert_int_equal(gwc(lab)->cp_addresses_assigned, 1);
    assert_int_equal(g.nvips, 1);
    assert_memory_equal(g.vips[0].ip, ((const uint8_t[]){10, 9, 0, 7}), 4);
    assert_int_equal(ike_get_counters(lab->alice)->cp_addresses_received, 1);
    assert_int_equal(lab->gw_node.installed[0].ts_remote.ts[0].start_addr[2], 0);
    assert_int_equal(lab->gw_node.installed[0].ts_remote.ts[0].start_addr[3], 7);
}

/*
 * Framed-IPv6-Address: the client's virtual IPv6 (its IPv4 from the pool),
 * and accounting reports both.
 */
static struct ike_pool_cfg dual[2];

static void test_framed_ip6(void **state)
{
    struct lab *lab = *state;
    fake.framed6 = fake.accounting = true;
    memset(dual, 0, sizeof(dual));
    strcpy(dual[0].name, "rw4");
    ike_addr_parse(&dual[0].first, "10.3.0.1", 0);
    ike_addr_parse(&dual[0].last, "10.3.0.9", 0);
    dual[0].prefix_len = 24;
    strcpy(dual[1].name, "rw6");
    ike_addr_parse(&dual[1].first, "fd00:3::1", 0);
    ike_addr_parse(&dual[1].last, "fd00:3::9", 0);
    dual[1].prefix_len = 112;
    lab->gw_cfg.pools = dual;
    lab->gw_cfg.npools = 2;
    lab->gw_peer.npools = 2;
    lab->gw_peer.pools[0] = 0;
    lab->gw_peer.pools[1] = 1;
    lab->gw_peer.nremote_ts = 0;
    lab->alice_peer.vip_request = IKE_VIP_4 | IKE_VIP_6;
    lab->alice_peer.nlocal_ts = 0;
    rad_start(lab);
    run_with_radius(lab);
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_int_equal(gwc(lab)->radius_framed_ip, 1);
    assert_int_equal(g.nvips, 2);
    assert_int_equal(g.vips[0].family, 4);
    assert_memory_equal(g.vips[0].ip, ((const uint8_t[]){10, 3, 0, 1}), 4);
    assert_int_equal(g.vips[1].family, 6);
    assert_memory_equal(g.vips[1].ip, framed6_addr, 16);
    assert_int_equal(ike_get_counters(lab->alice)->cp_addresses_received, 2);
    size_t n = 0;
    const uint8_t *v =
        acct_attr(acct.first, acct.first_len, IKE_RADIUS_ATTR_FRAMED_IPV6_ADDRESS, &n);
    assert_non_null(v);
    assert_int_equal(n, 16);
    assert_memory_equal(v, framed6_addr, 16);
    v = acct_attr(acct.first, acct.first_len, IKE_RADIUS_ATTR_FRAMED_IP_ADDRESS, &n);
    assert_non_null(v);
    assert_memory_equal(v, ((const uint8_t[]){10, 3, 0, 1}), 4);
}

/* Session-Timeout: gw deletes the IKE SA when it is up. */
static void test_session_timeout(void **state)
{
    struct lab *lab = *state;
    fake.session_timeout = true;
    rad_start(lab);
    run_with_radius(lab);
    expect_established(lab);
    expect_session_timeout(lab, 29);
    ike_tick(lab->alice);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
}

/* Accounting: the Accept's Class echoed, its Acct-Interim-Interval used, the EAP identity. */
static void test_accounting_from_accept(void **state)
{
    struct lab *lab = *state;
    fake.acct_attrs = fake.accounting = true;
    rad_start(lab);
    run_with_radius(lab);
    expect_established(lab);
    assert_int_equal(acct.n, 1);
    assert_int_equal(acct_u32(acct.first, acct.first_len, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE),
                     IKE_RADIUS_ACCT_START);
    size_t n = 0;
    const uint8_t *v = acct_attr(acct.first, acct.first_len, IKE_RADIUS_ATTR_CLASS, &n);
    assert_non_null(v);
    assert_int_equal(n, 5);
    assert_memory_equal(v, "grp-7", 5);
    v = acct_attr(acct.first, acct.first_len, IKE_RADIUS_ATTR_USER_NAME, &n);
    assert_non_null(v);
    assert_int_equal(n, fake.user_len);
    assert_memory_equal(v, fake.user, n);
    lab->net.now_ns += 4 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(acct.n, 2); /* the Start's retransmission (1 s timeout) */
    lab->net.now_ns += 1 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(acct_u32(acct.last, acct.last_len, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE),
                     IKE_RADIUS_ACCT_INTERIM);
    assert_int_equal(ike_get_counters(lab->gw)->radius_acct_interims, 1);
    v = acct_attr(acct.last, acct.last_len, IKE_RADIUS_ATTR_CLASS, &n);
    assert_non_null(v);
}

/* An Access-Reject: no session, nothing sent to accounting. */
static void test_reject_no_accounting(void **state)
{
    struct lab *lab = *state;
    fake.accounting = true;
    memcpy(alice_secret.secret, "radius-pasX", PASSWORD_LEN);
    rad_start(lab);
    run_with_radius(lab);
    assert_int_equal(gwc(lab)->radius_rejects, 1);
    ike_tick(lab->gw);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(acct.n, 0);
    assert_int_equal(acct.nas, 1); /* only Accounting-On */
}

/* Session-Timeout bounds the session across an IKE rekey; its Stop says Session-Timeout. */
static void test_session_timeout_over_rekey(void **state)
{
    struct lab *lab = *state;
    fake.session_timeout = fake.accounting = true;
    rad_start(lab);
    run_with_radius(lab);
    expect_established(lab);
    lab->net.now_ns += 10 * SEC;
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_int_equal(ike_rekey_ike(lab->gw, g.spi_i, g.spi_r), 0);
    lab_run(lab);
    assert_int_equal(gwc(lab)->ike_rekeyed, 1);
    struct ike_sa_info g2 = lab_only_sa(lab->gw);
    assert_true(g2.spi_i != g.spi_i);
    expect_session_timeout(lab, 19);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(acct_u32(acct.last, acct.last_len, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE),
                     IKE_RADIUS_ACCT_STOP);
    assert_int_equal(acct_u32(acct.last, acct.last_len, IKE_RADIUS_ATTR_ACCT_TERMINATE_CAUSE),
                     IKE_RADIUS_TERM_SESSION_TIMEOUT);
    assert_int_equal(ike_get_counters(lab->gw)->radius_acct_starts, 1);
}

/* Server 1 silent: sent `tries` times a timeout apart, then server 2 (its own secret) answers. */
static void test_failover(void **state)
{
    struct lab *lab = *state;
    fake.silent[0] = true;
    rad_start(lab);
    run_with_radius(lab);
    assert_int_equal(fake.nsent[0], 1);
    for (unsigned i = 0; i < 3; i++) {
        lab->net.now_ns += SEC;
        ike_tick(lab->gw);
    }
    assert_int_equal(fake.nsent[0], 3);
    assert_int_equal(fake.nsent[1], 1);
    assert_int_equal(gwc(lab)->radius_retransmits, 2);
    assert_int_equal(gwc(lab)->radius_failovers, 1);
    run_with_radius(lab);
    expect_established(lab);
    /* Once failed over, the next requests go to server 2 straight away. */
    assert_int_equal(fake.nsent[0], 3);
    assert_int_equal(fake.nsent[1], 3);
}

static void test_all_dead(void **state)
{
    struct lab *lab = *state;
    fake.silent[0] = fake.silent[1] = true;
    rad_start(lab);
    run_with_radius(lab);
    for (unsigned i = 0; i < 6; i++) {
        lab->net.now_ns += SEC;
        ike_tick(lab->gw);
    }
    assert_int_equal(fake.nsent[0], 3);
    assert_int_equal(fake.nsent[1], 3);
    assert_int_equal(gwc(lab)->radius_gave_up, 1);
    assert_int_equal(gwc(lab)->auth_failed, 1);
    lab_run(lab);
    assert_int_equal(ike_get_counters(lab->alice)->auth_failed, 1);
    assert_int_equal(lab->gw_node.ninstalled, 0);
    ike_tick(lab->gw);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

/* alice retransmits her IKE_AUTH request while gw waits for RADIUS: dropped, not relayed twice. */
static void test_ike_retransmit_dropped(void **state)
{
    struct lab *lab = *state;
    fake.silent[0] = true;
    rad_start(lab);
    run_with_radius(lab);
    assert_int_equal(fake.nsent[0], 1);
    unsigned gw_sent = lab->net.sent;
    lab->net.now_ns += SEC / 2 + 1;
    ike_tick(lab->alice);
    assert_int_equal(ike_get_counters(lab->alice)->tx_retransmits, 1);
    lab_run(lab);
    assert_int_equal(gwc(lab)->radius_ike_retransmit_dropped, 1);
    assert_int_equal(gwc(lab)->rx_retransmit_answered, 0);
    assert_int_equal(lab->net.sent, gw_sent + 1); /* alice's retransmission, no answer */
    assert_int_equal(fake.nsent[0], 1);
    /* RADIUS answers: the conversation goes on and ends well. */
    fake.silent[0] = false;
    run_with_radius(lab);
    expect_established(lab);
}

/*
 * Delivers the lab's packets one by one; the first that gw leaves waiting
 * because its RADIUS wait queue is full is copied into *deferred.
 */
static void run_catching_deferred(struct lab *lab, struct mock_packet *deferred, bool *caught)
{
    static struct mock_packet p;
    for (unsigned n = 0; n < 100000 && mock_pop(&lab->net, &p); n++) {
        if (ike_addr_ip_equal(&p.to, &lab->alice_addr)) {
            ike_input(lab->alice, &p.to, &p.from, p.data, p.len);
            continue;
        }
        uint64_t full = gwc(lab)->radius_queue_full;
        ike_input(lab->gw, &p.to, &p.from, p.data, p.len);
        if (!*caught && gwc(lab)->radius_queue_full > full) {
            *deferred = p;
            *caught = true;
        }
    }
}

/*
 * A login storm: 256 requests out on the server, 1024 waiting, and one more
 * client. Its request is not refused but left unanswered (the message ID is
 * expected again); once RADIUS has room, the same datagram (its
 * retransmission) is taken.
 */
static void test_queue_full_waits(void **state)
{
    struct lab *lab = *state;
    fake.silent[0] = fake.silent[1] = true;
    rad_start(lab); /* one client */
    /* Both sides again, with room for 1281 IKE SAs. */
    lab->net.count = 0;
    ike_ctx_free(lab->alice);
    ike_ctx_free(lab->gw);
    lab->alice_cfg.max_sas = lab->gw_cfg.max_sas = 2048;
    struct ike_backend a = mock_backend(&lab->alice_node), g = mock_backend(&lab->gw_node);
    g.radius_send = fake_send;
    lab->alice = ike_ctx_new(&lab->alice_cfg, &a);
    lab->gw = ike_ctx_new(&lab->gw_cfg, &g);
    assert_non_null(lab->alice);
    assert_non_null(lab->gw);
    static struct mock_packet deferred;
    bool caught = false;
    /* Batches that fit the mock network's queue; no time passes, so nobody retransmits. */
    for (unsigned made = 0; made < 256 + 1024 + 1; made += 16) {
        for (unsigned i = 0; i < 16 && made + i < 256 + 1024 + 1; i++)
            assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
        run_catching_deferred(lab, &deferred, &caught);
    }
    assert_true(caught);
    assert_int_equal(gwc(lab)->radius_queue_full, 1);
    assert_int_equal(gwc(lab)->radius_requests, 256 + 1024);
    assert_int_equal(gwc(lab)->radius_queued, 1024);
    assert_int_equal(gwc(lab)->auth_failed, 0);
    assert_int_equal(lab->net.count, 0); /* no answer to the deferred client */
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 256 + 1024 + 1);

    /* Its retransmission while RADIUS is still full: left waiting again. */
    ike_input(lab->gw, &deferred.to, &deferred.from, deferred.data, deferred.len);
    assert_int_equal(gwc(lab)->radius_queue_full, 2);
    assert_int_equal(gwc(lab)->radius_ike_retransmit_dropped, 0);
    assert_int_equal(lab->net.count, 0);

    /* Server 0 times out (3 tries): its 256 fail over, 256 waiting go out on server 0. */
    for (unsigned i = 0; i < 3; i++) {
        lab->net.now_ns += SEC;
        ike_tick(lab->gw);
    }
    assert_int_equal(gwc(lab)->radius_failovers, 256);
    assert_int_equal(gwc(lab)->auth_failed, 0);
    ike_input(lab->gw, &deferred.to, &deferred.from, deferred.data, deferred.len);
    assert_int_equal(gwc(lab)->radius_queue_full, 2);
    assert_int_equal(gwc(lab)->radius_requests, 256 + 1024 + 1);
    assert_int_equal(gwc(lab)->radius_queued, 1025);
    /* Taken this time: a further copy is a retransmission while RADIUS works on it. */
    ike_input(lab->gw, &deferred.to, &deferred.from, deferred.data, deferred.len);
    assert_int_equal(gwc(lab)->radius_ike_retransmit_dropped, 1);
    assert_int_equal(gwc(lab)->auth_failed, 0);
}

/* A reply with a wrong Response Authenticator or for another identifier: counted, ignored. */
static void test_forged_reply(void **state)
{
    struct lab *lab = *state;
    fake.silent[0] = true;
    rad_start(lab);
    run_with_radius(lab);
    struct pkt p;
    fake_answer(lab, 0, &p);
    fake.started = false; /* the answer is built again below */
    struct pkt bad = p;
    bad.b[5] ^= 1; /* the Response Authenticator */
    ike_radius_input(lab->gw, 0, bad.b, bad.len);
    assert_int_equal(gwc(lab)->radius_rx_bad_response_auth, 1);
    bad = p;
    bad.b[1] ^= 0x55; /* no request has this identifier */
    ike_radius_input(lab->gw, 0, bad.b, bad.len);
    assert_int_equal(gwc(lab)->radius_unmatched, 1);
    ike_radius_input(lab->gw, 1, p.b, p.len); /* the right packet from the wrong server */
    assert_int_equal(gwc(lab)->radius_unmatched, 2);
    ike_radius_input(lab->gw, 0, p.b, 10);
    assert_int_equal(gwc(lab)->radius_rx_truncated, 1);
    assert_int_equal(gwc(lab)->radius_challenges, 0);
    fake.silent[0] = false;
    run_with_radius(lab);
    expect_established(lab);
}

#define RAD_TEST(f) cmocka_unit_test_setup_teardown(f, rad_setup, lab_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        RAD_TEST(test_accept),
        RAD_TEST(test_reject),
        RAD_TEST(test_wrong_msk),
        RAD_TEST(test_failover),
        RAD_TEST(test_all_dead),
        RAD_TEST(test_ike_retransmit_dropped),
        RAD_TEST(test_queue_full_waits),
        RAD_TEST(test_forged_reply),
        RAD_TEST(test_framed_ip),
        RAD_TEST(test_session_timeout),
        RAD_TEST(test_accounting_from_accept),
        RAD_TEST(test_reject_no_accounting),
        RAD_TEST(test_session_timeout_over_rekey),
        RAD_TEST(test_framed_ip6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
