/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP-MSCHAPv2 (eap_mschapv2.c) on its own: the RFC 2759 9.2 and RFC 3079
 * 3.5.3 vectors, then authenticator and peer against each other -- the right
 * password (Success-Request, both sides the same MSK), a wrong password or
 * user (Failure-Request E=691, then EAP-Failure), and malformed, truncated,
 * wrongly identified or wrongly op-coded responses refused with their reason.
 * IKE_AUTH with EAP-MSCHAPv2 veer against veer is at the end (MSK-keyed AUTH).
 */
#include <stdio.h>
#include <string.h>

#include "ike.h"
#include "ike_eap.h"
#include "ike_eap_mschapv2.h"
#include "ike_lab.h"
#include "mock_backend.h"
#include "unit_util.h"

/* RFC 2759 9.2. */
static const uint8_t user[] = "User";
static const uint8_t password[] = "clientPass";
#define USER_LEN 4
#define PASSWORD_LEN 10

static void hex(const char *h, uint8_t *out, size_t want)
{
    assert_int_equal(unit_hex(h, out, want), want);
}

static void test_rfc2759_vectors(void **state)
{
    (void)state;
    uint8_t auth_ch[16], peer_ch[16], expect[24], got[24], hash[16], ch[8], nt[24], ar[20];
    hex("5B5D7C7D7B3F2F3E3C2C602132262628", auth_ch, 16);
    hex("21402324255E262A28295F2B3A337C7E", peer_ch, 16);
    assert_true(ike_mschapv2_challenge_hash(peer_ch, auth_ch, user, USER_LEN, ch));
    hex("D02E4386BCE91226", expect, 8);
    assert_memory_equal(ch, expect, 8);
    /* A domain in front of the name does not count (RFC 2759 8.2). */
    assert_true(
        ike_mschapv2_challenge_hash(peer_ch, auth_ch, (const uint8_t *)"DOM\\User", 8, got));
    assert_memory_equal(got, expect, 8);
    assert_true(ike_mschapv2_nt_hash(password, PASSWORD_LEN, hash));
    hex("44EBBA8D5312B8D611474411F56989AE", expect, 16);
    assert_memory_equal(hash, expect, 16);
    assert_true(ike_mschapv2_challenge_response(ch, hash, nt));
    hex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", expect, 24);
    assert_memory_equal(nt, expect, 24);
    assert_true(ike_mschapv2_auth_response(hash, nt, ch, ar));
    hex("407A5589115FD0D6209F510FE9C04566932CDA56", expect, 20);
    assert_memory_equal(ar, expect, 20);
}

static void test_rfc3079_vectors(void **state)
{
    (void)state;
    uint8_t hash[16], nt[24], master[16], expect[16], send[16], recv[16], csend[16], crecv[16];
    uint8_t msk[IKE_MSCHAPV2_MSK_LEN];
    assert_true(ike_mschapv2_nt_hash(password, PASSWORD_LEN, hash));
    hex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", nt, 24);
    assert_true(ike_mschapv2_master_key(hash, nt, master));
    hex("FDECE3717A8C838CB388E527AE3CDD31", expect, 16);
    assert_memory_equal(master, expect, 16);
    /* 3.5.3: the 128-bit send start key (GetAsymmetricStartKey, IsSend, IsServer). */
    assert_true(ike_mschapv2_start_key(master, true, true, send));
    hex("8B7CDC149B993A1BA118CB153F56DCCB", expect, 16);
    assert_memory_equal(send, expect, 16);
    /* The server's receive key is the client's send key and the other way round. */
    assert_true(ike_mschapv2_start_key(master, false, true, recv));
    assert_true(ike_mschapv2_start_key(master, true, false, csend));
    assert_true(ike_mschapv2_start_key(master, false, false, crecv));
    assert_memory_equal(recv, csend, 16);
    assert_memory_equal(send, crecv, 16);
    assert_memory_not_equal(send, recv, 16);
    /* MSK: receive | send (the authenticator's), then 32 zero bytes. */
    assert_true(ike_mschapv2_msk(hash, nt, msk));
    assert_memory_equal(msk, recv, 16);
    assert_memory_equal(msk + 16, send, 16);
    static const uint8_t zero[32];
    assert_memory_equal(msk + 32, zero, 32);
}

/* ---- authenticator and peer ---- */

static const uint8_t alice[] = "alice.example";
#define ALICE_LEN 13

struct conv {
    struct ike_mschapv2_server s;
    struct ike_mschapv2_peer p;
    uint8_t req[IKE_EAP_MSG_MAX], resp[IKE_EAP_MSG_MAX], out[IKE_EAP_MSG_MAX];
    size_t req_len, out_len;
    long resp_len;
    enum ike_eap_reject why;
};

static void begin(struct conv *c)
{
    uint8_t rnd[17];
    memset(c, 0, sizeof(*c));
    rnd[0] = 0x42;
    hex("5B5D7C7D7B3F2F3E3C2C602132262628", rnd + 1, 16);
    c->req_len = ike_mschapv2_server_start(&c->s, rnd, c->req);
    /* Request, 0x42, length 30, type 26, Challenge, MS-CHAPv2-ID 0x42, MS-Length 25, 16, ... */
    uint8_t expect[64];
    size_t n = unit_hex("01 42 001e 1a 01 42 0019 10 5B5D7C7D7B3F2F3E3C2C602132262628 76656572",
                        expect, sizeof(expect));
    assert_int_equal(c->req_len, n);
    assert_memory_equal(c->req, expect, n);
}

/* The peer answers the request in c->req with `pw`. */
static void respond(struct conv *c, const uint8_t *pw, size_t pw_len)
{
    uint8_t peer_ch[16];
    hex("21402324255E262A28295F2B3A337C7E", peer_ch, 16);
    c->resp_len = ike_mschapv2_peer_respond(&c->p, c->req, c->req_len, alice, ALICE_LEN, pw, pw_len,
                                            peer_ch, c->resp, sizeof(c->resp));
}

static enum ike_eap_step feed(struct conv *c, const uint8_t *msg, size_t len)
{
    return ike_mschapv2_server_input(&c->s, msg, len, alice, ALICE_LEN, password, PASSWORD_LEN,
                                     c->out, &c->out_len, &c->why);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct conv c;
    begin(&c);
    respond(&c, password, PASSWORD_LEN);
    assert_int_equal(c.resp_len, 59 + ALICE_LEN);
    assert_int_equal(c.resp[5], IKE_MSCHAPV2_OP_RESPONSE);
    assert_int_equal(feed(&c, c.resp, (size_t)c.resp_len), IKE_EAP_STEP_REQUEST);
    assert_int_equal(c.why, IKE_EAP_OK);
    assert_int_equal(c.out[1], 0x43);
    assert_int_equal(c.out[5], IKE_MSCHAPV2_OP_SUCCESS);
    assert_memory_equal(c.out + 9, "S=", 2);
    /* The peer checks S= and answers Success-Response. */
    memcpy(c.req, c.out, c.out_len);
    c.req_len = c.out_len;
    respond(&c, password, PASSWORD_LEN);
    assert_int_equal(c.resp_len, 6);
    assert_memory_equal(c.resp, "\x02\x43\x00\x06\x1a\x03", 6);
    assert_true(c.p.has_msk);
    assert_int_equal(feed(&c, c.resp, 6), IKE_EAP_STEP_SUCCESS);
    assert_memory_equal(c.out, "\x03\x43\x00\x04", 4);
    assert_true(c.s.has_msk);
    assert_memory_equal(c.s.msk, c.p.msk, IKE_MSCHAPV2_MSK_LEN);
}

/* A Success-Request whose S= is not what the password gives is refused by the peer. */
static void test_peer_refuses_wrong_success(void **state)
{
    (void)state;
    struct conv c;
    begin(&c);
    respond(&c, password, PASSWORD_LEN);
    assert_int_equal(feed(&c, c.resp, (size_t)c.resp_len), IKE_EAP_STEP_REQUEST);
    c.out[12] ^= 1; /* one hex digit of S= */
    memcpy(c.req, c.out, c.out_len);
    c.req_len = c.out_len;
    respond(&c, password, PASSWORD_LEN);
    assert_int_equal(c.resp_len, -1);
    assert_false(c.p.has_msk);
}

static void expect_failure_request(struct conv *c, enum ike_eap_reject reason)
{
    assert_int_equal(feed(c, c->resp, (size_t)c->resp_len), IKE_EAP_STEP_REQUEST);
    assert_int_equal(c->why, reason);
    assert_int_equal(c->out[5], IKE_MSCHAPV2_OP_FAILURE);
    assert_memory_equal(c->out + 9, "E=691 R=0 ", 10);
    assert_false(c->s.has_msk);
    /* The peer answers Failure-Response; the authenticator ends with EAP-Failure. */
    memcpy(c->req, c->out, c->out_len);
    c->req_len = c->out_len;
    respond(c, password, PASSWORD_LEN);
    assert_int_equal(c->resp_len, 6);
    assert_int_equal(c->resp[5], IKE_MSCHAPV2_OP_FAILURE);
    assert_int_equal(feed(c, c->resp, 6), IKE_EAP_STEP_FAILURE);
    assert_memory_equal(c->out, "\x04\x43\x00\x04", 4);
}

static void test_wrong_password(void **state)
{
    (void)state;
    struct conv c;
    begin(&c);
    respond(&c, (const uint8_t *)"clientPasS", PASSWORD_LEN);
    expect_failure_request(&c, IKE_EAP_WRONG_SECRET);
}

static void test_unknown_user(void **state)
{
    (void)state;
    struct conv c;
    begin(&c);
    respond(&c, password, PASSWORD_LEN);
    assert_int_equal(ike_mschapv2_server_input(&c.s, c.resp, (size_t)c.resp_len, alice, ALICE_LEN,
                                               NULL, 0, c.out, &c.out_len, &c.why),
                     IKE_EAP_STEP_REQUEST);
    assert_int_equal(c.why, IKE_EAP_UNKNOWN_USER);
    assert_int_equal(c.out[5], IKE_MSCHAPV2_OP_FAILURE);
}

/* A response changed by `edit` (or cut to `len`) ends the conversation with reason `want`. */
static void expect_refused(void (*edit)(uint8_t *), long len, enum ike_eap_reject want)
{
    struct conv c;
    begin(&c);
    respond(&c, password, PASSWORD_LEN);
    if (edit != NULL)
        edit(c.resp);
    size_t n = len >= 0 ? (size_t)len : (size_t)c.resp_len;
    assert_int_equal(feed(&c, c.resp, n), IKE_EAP_STEP_FAILURE);
    assert_int_equal(c.why, want);
    assert_int_equal(c.out[0], IKE_EAP_CODE_FAILURE);
    assert_false(c.s.has_msk);
}

static void wrong_identifier(uint8_t *m)
{
    m[1] = 0x41;
}
static void wrong_ms_id(uint8_t *m)
{
    m[6] = 0x41;
}
static void wrong_opcode(uint8_t *m)
{
    m[5] = IKE_MSCHAPV2_OP_SUCCESS;
}
static void wrong_type(uint8_t *m)
{
    m[4] = IKE_EAP_TYPE_MD5;
}
static void nak(uint8_t *m)
{
    m[4] = IKE_EAP_TYPE_NAK;
}
static void request_code(uint8_t *m)
{
    m[0] = IKE_EAP_CODE_REQUEST;
}
static void wrong_value_size(uint8_t *m)
{
    m[9] = 48;
}
static void wrong_ms_length(uint8_t *m)
{
    m[8]++;
}
static void wrong_name(uint8_t *m)
{
    m[59] = 'A';
}
static void shorter(uint8_t *m)
{
    /* A consistent EAP length that leaves no room for the whole Response value. */
    m[3] = 40;
}

static void test_bad_responses(void **state)
{
    (void)state;
    expect_refused(wrong_identifier, -1, IKE_EAP_BAD_IDENTIFIER);
    expect_refused(wrong_ms_id, -1, IKE_EAP_BAD_IDENTIFIER);
    expect_refused(wrong_opcode, -1, IKE_EAP_BAD_OPCODE);
    expect_refused(wrong_type, -1, IKE_EAP_BAD_TYPE);
    expect_refused(nak, -1, IKE_EAP_NAK);
    expect_refused(request_code, -1, IKE_EAP_BAD_LENGTH);
    expect_refused(wrong_value_size, -1, IKE_EAP_BAD_LENGTH);
    expect_refused(wrong_ms_length, -1, IKE_EAP_BAD_LENGTH);
    expect_refused(wrong_name, -1, IKE_EAP_NAME_MISMATCH);
    expect_refused(shorter, 40, IKE_EAP_BAD_LENGTH);
    /* Truncated: the EAP length says more than there is, or less than a header. */
    expect_refused(NULL, 58, IKE_EAP_BAD_LENGTH);
    expect_refused(NULL, 3, IKE_EAP_BAD_LENGTH);
    expect_refused(NULL, 0, IKE_EAP_BAD_LENGTH);
}

/* After Success-Request only a Success-Response of the next identifier gives EAP-Success. */
static void test_bad_success_response(void **state)
{
    (void)state;
    static const char *const bad[] = {"02 43 0006 1a 04", "02 42 0006 1a 03", "02 43 0005 1a",
                                      "01 43 0006 1a 03"};
    static const enum ike_eap_reject why[] = {IKE_EAP_BAD_OPCODE, IKE_EAP_BAD_IDENTIFIER,
                                              IKE_EAP_BAD_LENGTH, IKE_EAP_BAD_LENGTH};
    for (unsigned i = 0; i < 4; i++) {
        struct conv c;
        uint8_t m[16];
        begin(&c);
        respond(&c, password, PASSWORD_LEN);
        assert_int_equal(feed(&c, c.resp, (size_t)c.resp_len), IKE_EAP_STEP_REQUEST);
        size_t n = unit_hex(bad[i], m, sizeof(m));
        assert_int_equal(feed(&c, m, n), IKE_EAP_STEP_FAILURE);
        assert_int_equal(c.why, why[i]);
        assert_false(c.s.has_msk);
    }
}

static void test_peer_side(void **state)
{
    (void)state;
    struct ike_mschapv2_peer p = {0};
    uint8_t out[IKE_EAP_MSG_MAX], req[64], rnd[16] = {0};
    size_t n = unit_hex("01 07 0005 01", req, sizeof(req));
    /* Identity request: our identity. */
    assert_int_equal(ike_mschapv2_peer_respond(&p, req, n, alice, ALICE_LEN, password, PASSWORD_LEN,
                                               rnd, out, sizeof(out)),
                     5 + ALICE_LEN);
    assert_memory_equal(out + 5, alice, ALICE_LEN);
    /* MD5 asked: a Nak proposing 26. */
    n = unit_hex("01 08 0016 04 10 000102030405060708090a0b0c0d0e0f", req, sizeof(req));
    assert_int_equal(ike_mschapv2_peer_respond(&p, req, n, alice, ALICE_LEN, password, PASSWORD_LEN,
                                               rnd, out, sizeof(out)),
                     6);
    assert_memory_equal(out, "\x02\x08\x00\x06\x03\x1a", 6);
    /* A Success-Request before any Response, a challenge of 15 bytes, a bad MS-Length. */
    n = unit_hex("01 09 0009 1a 03 09 0004", req, sizeof(req));
    assert_int_equal(ike_mschapv2_peer_respond(&p, req, n, alice, ALICE_LEN, password, PASSWORD_LEN,
                                               rnd, out, sizeof(out)),
                     -1);
    n = unit_hex("01 09 0019 1a 01 09 0014 0f 000102030405060708090a0b0c0d0e", req, sizeof(req));
    assert_int_equal(ike_mschapv2_peer_respond(&p, req, n, alice, ALICE_LEN, password, PASSWORD_LEN,
                                               rnd, out, sizeof(out)),
                     -1);
    n = unit_hex("01 09 001a 1a 01 09 0014 10 000102030405060708090a0b0c0d0e0f", req, sizeof(req));
    assert_int_equal(ike_mschapv2_peer_respond(&p, req, n, alice, ALICE_LEN, password, PASSWORD_LEN,
                                               rnd, out, sizeof(out)),
                     -1);
    /* Too small an output buffer. */
    n = unit_hex("01 09 001a 1a 01 09 0015 10 000102030405060708090a0b0c0d0e0f", req, sizeof(req));
    assert_int_equal(ike_mschapv2_peer_respond(&p, req, n, alice, ALICE_LEN, password, PASSWORD_LEN,
                                               rnd, out, 60),
                     -1);
    assert_int_equal(ike_mschapv2_peer_respond(&p, req, n, alice, ALICE_LEN, password, PASSWORD_LEN,
                                               rnd, out, sizeof(out)),
                     59 + ALICE_LEN);
}

/* ---- IKE_AUTH with EAP-MSCHAPv2, veer against veer ---- */

static struct ike_eap_secret alice_secret, gw_users[2];

/* alice authenticates with EAP-MSCHAPv2 as alice.example; gw with its PSK, users carol and alice.
 */
static int ms_setup(void **state)
{
    lab_setup(state);
    struct lab *lab = *state;
    memset(gw_users, 0, sizeof(gw_users));
    lab_set_id(&gw_users[0].id, "carol.example");
    memcpy(gw_users[0].secret, "carols-secret", 13);
    gw_users[0].len = 13;
    lab_set_id(&gw_users[1].id, "alice.example");
    memcpy(gw_users[1].secret, password, PASSWORD_LEN);
    gw_users[1].len = PASSWORD_LEN;
    alice_secret = gw_users[1];
    lab->alice_peer.local_auth = IKE_PEER_AUTH_EAP_MSCHAPV2;
    lab->alice_peer.eap_secrets = &alice_secret;
    lab->alice_peer.neap_secrets = 1;
    lab->gw_peer.remote_auth = IKE_PEER_AUTH_EAP_MSCHAPV2;
    memset(&lab->gw_peer.remote_id, 0, sizeof(lab->gw_peer.remote_id)); /* any EAP user */
    lab->gw_peer.eap_secrets = gw_users;
    lab->gw_peer.neap_secrets = 2;
    return 0;
}

static const struct ike_counters *gwc(struct lab *lab)
{
    return ike_get_counters(lab->gw);
}

static void test_ike_establishes(void **state)
{
    struct lab *lab = *state;
    lab_start_initiate(lab);
    /* IKE_SA_INIT, then four IKE_AUTH round trips: first, Response, Success-Response, AUTH. */
    assert_int_equal(lab_run(lab), 10);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_int_equal(gwc(lab)->eap_started, 1);
    assert_int_equal(gwc(lab)->eap_succeeded, 1);
    assert_int_equal(gwc(lab)->eap_bad_final_auth, 0);
    assert_int_equal(ike_half_open(lab->gw), 0);
    lab_expect_child_pair(lab);
}

/* A wrong password: Failure-Request, Failure-Response, EAP-Failure with AUTHENTICATION_FAILED. */
static void test_ike_wrong_password(void **state)
{
    struct lab *lab = *state;
    memcpy(alice_secret.secret, "clientPasX", PASSWORD_LEN);
    assert_int_equal(lab_start_run(lab), 8);
    assert_int_equal(gwc(lab)->eap_wrong_secret, 1);
    assert_int_equal(gwc(lab)->auth_failed, 1);
    assert_int_equal(gwc(lab)->eap_succeeded, 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(lab->gw_node.ninstalled, 0);
    assert_int_equal(ike_get_counters(lab->alice)->auth_failed, 1);
}

static void test_ike_unknown_user(void **state)
{
    struct lab *lab = *state;
    lab_set_id(&lab->alice_peer.local_id, "mallory.example");
    lab_set_id(&alice_secret.id, "mallory.example");
    assert_int_equal(lab_start_run(lab), 8);
    assert_int_equal(gwc(lab)->eap_unknown_user, 1);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

/* An EAP-MD5 client to an EAP-MSCHAPv2 gateway: its Nak ends the conversation. */
static void test_ike_md5_client_refused(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.local_auth = IKE_PEER_AUTH_EAP_MD5;
    assert_int_equal(lab_start_run(lab), 6);
    assert_int_equal(gwc(lab)->eap_nak, 1);
    assert_int_equal(gwc(lab)->eap_succeeded, 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

#define MS_TEST(f) cmocka_unit_test_setup_teardown(f, ms_setup, lab_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc2759_vectors), cmocka_unit_test(test_rfc3079_vectors),
        cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_peer_refuses_wrong_success),
        cmocka_unit_test(test_wrong_password),  cmocka_unit_test(test_unknown_user),
        cmocka_unit_test(test_bad_responses),   cmocka_unit_test(test_bad_success_response),
        cmocka_unit_test(test_peer_side),       MS_TEST(test_ike_establishes),
        MS_TEST(test_ike_wrong_password),       MS_TEST(test_ike_unknown_user),
        MS_TEST(test_ike_md5_client_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
