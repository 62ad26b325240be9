/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP-MD5 (eap_md5.c) on its own -- a response checked against a digest
 * computed outside veer, wrong secrets, identifiers, types, lengths, Nak,
 * the round limit -- and IKE_AUTH with EAP veer against veer (ike_auth_eap.c):
 * success with equal Child SA keys, a wrong or unknown user, messages out of
 * order or tampered on the way (the test sends them as alice, with her keys),
 * an abandoned conversation, and REDIRECT in the first or last response.
 */
#include <stdio.h>
#include <string.h>

#include "ike.h"
#include "ike_auth_eap.h"
#include "ike_consts.h"
#include "ike_eap.h"
#include "ike_lab.h"
#include "ike_sa.h"
#include "mock_backend.h"
#include "unit_util.h"

static const uint8_t challenge[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t secret[] = "md5-secret";
#define SECRET_LEN 10

/* Starts a server whose first request has identifier 0x42 and the challenge above. */
static void start_server(struct ike_eap_server *s, uint8_t *req)
{
    uint8_t rnd[17];
    rnd[0] = 0x42;
    memcpy(rnd + 1, challenge, 16);
    assert_int_equal(ike_eap_server_start(s, rnd, req), IKE_EAP_MD5_MSG_LEN);
}

static enum ike_eap_step feed(struct ike_eap_server *s, const uint8_t *msg, size_t len,
                              enum ike_eap_reject *why, uint8_t *out, size_t *out_len)
{
    return ike_eap_server_input(s, msg, len, secret, SECRET_LEN, challenge, out, out_len, why);
}

static void test_md5_request_and_response(void **state)
{
    (void)state;
    struct ike_eap_server s;
    uint8_t req[IKE_EAP_MSG_MAX], resp[IKE_EAP_MSG_MAX], out[IKE_EAP_MSG_MAX], expect[64];
    start_server(&s, req);
    /* Request: code 1, id 0x42, length 22, type 4, value size 16, the challenge. */
    unit_hex("01 42 0016 04 10 000102030405060708090a0b0c0d0e0f", expect, sizeof(expect));
    assert_memory_equal(req, expect, 22);
    long n = ike_eap_peer_respond(req, 22, (const uint8_t *)"u", 1, secret, SECRET_LEN, resp,
                                  sizeof(resp));
    assert_int_equal(n, 22);
    /* MD5(0x42 | "md5-secret" | 00..0f), computed with Python's hashlib. */
    unit_hex("02 42 0016 04 10 afd6a4ca4d93a98309c36a1c08a45e5e", expect, sizeof(expect));
    assert_memory_equal(resp, expect, 22);
    enum ike_eap_reject why;
    size_t out_len;
    assert_int_equal(feed(&s, resp, 22, &why, out, &out_len), IKE_EAP_STEP_SUCCESS);
    assert_int_equal(why, IKE_EAP_OK);
    assert_int_equal(out_len, 4);
    assert_memory_equal(out, "\x03\x42\x00\x04", 4);
}

static void test_md5_wrong_secret_and_unknown_user(void **state)
{
    (void)state;
    struct ike_eap_server s;
    uint8_t req[IKE_EAP_MSG_MAX], resp[IKE_EAP_MSG_MAX], out[IKE_EAP_MSG_MAX];
    enum ike_eap_reject why;
    size_t out_len;
    start_server(&s, req);
    assert_int_equal(ike_eap_peer_respond(req, 22, NULL, 0, (const uint8_t *)"md5-secreT",
                                          SECRET_LEN, resp, sizeof(resp)),
                     22);
    assert_int_equal(feed(&s, resp, 22, &why, out, &out_len), IKE_EAP_STEP_FAILURE);
    assert_int_equal(why, IKE_EAP_WRONG_SECRET);
    assert_memory_equal(out, "\x04\x42\x00\x04", 4);
    start_server(&s, req);
    assert_int_equal(ike_eap_peer_respond(req, 22, NULL, 0, secret, SECRET_LEN, resp, sizeof(resp)),
                     22);
    assert_int_equal(ike_eap_server_input(&s, resp, 22, NULL, 0, challenge, out, &out_len, &why),
                     IKE_EAP_STEP_FAILURE);
    assert_int_equal(why, IKE_EAP_UNKNOWN_USER);
}

/* Each unusable response gets a new request (next identifier) with the reason, then a good one
 * passes. */
static void expect_rerequest(const char *hex, enum ike_eap_reject reason)
{
    struct ike_eap_server s;
    uint8_t req[IKE_EAP_MSG_MAX], bad[IKE_EAP_MSG_MAX], out[IKE_EAP_MSG_MAX], resp[IKE_EAP_MSG_MAX];
    enum ike_eap_reject why;
    size_t out_len;
    start_server(&s, req);
    size_t n = unit_hex(hex, bad, sizeof(bad));
    assert_int_equal(feed(&s, bad, n, &why, out, &out_len), IKE_EAP_STEP_REQUEST);
    assert_int_equal(why, reason);
    assert_int_equal(out_len, 22);
    assert_int_equal(out[0], IKE_EAP_CODE_REQUEST);
    assert_int_equal(out[1], 0x43);
    assert_int_equal(
        ike_eap_peer_respond(out, out_len, NULL, 0, secret, SECRET_LEN, resp, sizeof(resp)), 22);
    assert_int_equal(feed(&s, resp, 22, &why, out, &out_len), IKE_EAP_STEP_SUCCESS);
}

static void test_md5_bad_responses(void **state)
{
    (void)state;
    const char *digest = "afd6a4ca4d93a98309c36a1c08a45e5e";
    char hex[128];
    /* The right digest, but for identifier 0x41. */
    snprintf(hex, sizeof(hex), "02 41 0016 04 10 %s", digest);
    expect_rerequest(hex, IKE_EAP_BAD_IDENTIFIER);
    /* An Identity response to an MD5 request. */
    expect_rerequest("02 42 0006 01 75", IKE_EAP_BAD_TYPE);
    /* Length field one more than the message. */
    snprintf(hex, sizeof(hex), "02 42 0017 04 10 %s", digest);
    expect_rerequest(hex, IKE_EAP_BAD_LENGTH);
    /* Value-Size 15. */
    snprintf(hex, sizeof(hex), "02 42 0016 04 0f %s", digest);
    expect_rerequest(hex, IKE_EAP_BAD_LENGTH);
    /* Truncated: the header and type only, and a bare header. */
    expect_rerequest("02 42 0005 04", IKE_EAP_BAD_LENGTH);
    expect_rerequest("02 42 0004", IKE_EAP_BAD_LENGTH);
    expect_rerequest("02", IKE_EAP_BAD_LENGTH);
    /* A Success or a Request from the peer is no response. */
    expect_rerequest("03 42 0004", IKE_EAP_BAD_LENGTH);
    snprintf(hex, sizeof(hex), "01 42 0016 04 10 %s", digest);
    expect_rerequest(hex, IKE_EAP_BAD_LENGTH);
}

static void test_md5_nak_and_round_limit(void **state)
{
    (void)state;
    struct ike_eap_server s;
    uint8_t req[IKE_EAP_MSG_MAX], out[IKE_EAP_MSG_MAX], bad[8];
    enum ike_eap_reject why;
    size_t out_len;
    start_server(&s, req);
    size_t n = unit_hex("02 42 0006 03 15", bad, sizeof(bad)); /* Nak: wants EAP-TTLS */
    assert_int_equal(feed(&s, bad, n, &why, out, &out_len), IKE_EAP_STEP_FAILURE);
    assert_int_equal(why, IKE_EAP_NAK);
    start_server(&s, req);
    n = unit_hex("02 00 0006 01 75", bad, sizeof(bad));
    for (unsigned round = 1; round < IKE_EAP_MAX_ROUNDS; round++)
        assert_int_equal(feed(&s, bad, n, &why, out, &out_len), IKE_EAP_STEP_REQUEST);
    assert_int_equal(feed(&s, bad, n, &why, out, &out_len), IKE_EAP_STEP_FAILURE);
    assert_int_equal(why, IKE_EAP_TOO_MANY_ROUNDS);
    assert_int_equal(out[0], IKE_EAP_CODE_FAILURE);
}

static void test_peer_side(void **state)
{
    (void)state;
    uint8_t req[64], out[64];
    size_t n = unit_hex("01 07 0005 01", req, sizeof(req)); /* Identity request */
    assert_int_equal(ike_eap_peer_respond(req, n, (const uint8_t *)"bob", 3, secret, SECRET_LEN,
                                          out, sizeof(out)),
                     8);
    assert_memory_equal(out,
                        "\x02\x07\x00\x08\x01"
                        "bob",
                        8);
    n = unit_hex("01 08 0005 06", req, sizeof(req)); /* GTC: we answer with a Nak for MD5 */
    assert_int_equal(ike_eap_peer_respond(req, n, NULL, 0, secret, SECRET_LEN, out, sizeof(out)),
                     6);
    assert_memory_equal(out, "\x02\x08\x00\x06\x03\x04", 6);
    /* Malformed requests: value size past the end, wrong length, not a request, too short. */
    const char *bad[] = {"01 09 0008 04 05 aa bb", "01 09 0009 04 02 aa bb", "02 09 0007 04 01 aa",
                         "01 09 0004", "01 09 0006 04 00"};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        n = unit_hex(bad[i], req, sizeof(req));
        assert_int_equal(
            ike_eap_peer_respond(req, n, NULL, 0, secret, SECRET_LEN, out, sizeof(out)), -1);
    }
}

/* ---- IKE_AUTH with EAP, veer against veer ---- */

static struct ike_eap_secret alice_secret, gw_users[2];

/* alice authenticates with EAP-MD5 as alice.example; gw with its PSK, users alice and carol. */
static int eap_setup(void **state)
{
    lab_setup(state);
    struct lab *lab = *state;
    memset(gw_users, 0, sizeof(gw_users));
    lab_set_id(&gw_users[0].id, "carol.example");
    memcpy(gw_users[0].secret, "carols-secret", 13);
    gw_users[0].len = 13;
    lab_set_id(&gw_users[1].id, "alice.example");
    memcpy(gw_users[1].secret, secret, SECRET_LEN);
    gw_users[1].len = SECRET_LEN;
    alice_secret = gw_users[1];
    lab->alice_peer.local_auth = IKE_PEER_AUTH_EAP_MD5;
    lab->alice_peer.eap_secrets = &alice_secret;
    lab->alice_peer.neap_secrets = 1;
    lab->gw_peer.remote_auth = IKE_PEER_AUTH_EAP_MD5;
    memset(&lab->gw_peer.remote_id, 0, sizeof(lab->gw_peer.remote_id)); /* any EAP user */
    lab->gw_peer.eap_secrets = gw_users;
    lab->gw_peer.neap_secrets = 2;
    return 0;
}

static const struct ike_counters *gwc(struct lab *lab)
{
    return ike_get_counters(lab->gw);
}

static void test_eap_establishes(void **state)
{
    struct lab *lab = *state;
    lab_start_initiate(lab);
    /* IKE_SA_INIT, then three IKE_AUTH round trips: first, EAP response, final AUTH. */
    assert_int_equal(lab_run(lab), 8);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_int_equal(gwc(lab)->eap_started, 1);
    assert_int_equal(gwc(lab)->eap_succeeded, 1);
    assert_int_equal(ike_half_open(lab->gw), 0);
    /* The Child SA asked for in the first message, keyed alike on both sides. */
    lab_expect_child_pair(lab);
}

/* alice answers with another secret: EAP-Failure, and neither side keeps an SA. */
static void test_eap_wrong_secret(void **state)
{
    struct lab *lab = *state;
    memcpy(alice_secret.secret, "md5-secreX", SECRET_LEN);
    assert_int_equal(lab_start_run(lab), 6);
    assert_int_equal(gwc(lab)->eap_wrong_secret, 1);
    assert_int_equal(gwc(lab)->auth_failed, 1);
    assert_int_equal(gwc(lab)->eap_succeeded, 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(lab->gw_node.ninstalled, 0);
    assert_int_equal(ike_get_counters(lab->alice)->auth_failed, 1);
}

static void test_eap_unknown_user(void **state)
{
    struct lab *lab = *state;
    lab_set_id(&lab->alice_peer.local_id, "mallory.example");
    lab_set_id(&alice_secret.id, "mallory.example");
    assert_int_equal(lab_start_run(lab), 6);
    assert_int_equal(gwc(lab)->eap_unknown_user, 1);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

/* A gateway peer without EAP refuses a client that sends no AUTH. */
static void test_eap_not_configured(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.remote_auth = IKE_PEER_AUTH_PSK;
    assert_int_equal(lab_start_run(lab), 4);
    assert_int_equal(gwc(lab)->eap_started, 0);
    assert_int_equal(gwc(lab)->auth_failed, 1);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

/* ---- tampering: the test replaces alice's IKE_AUTH requests by its own, sent with her keys ----
 */

struct forged {
    uint8_t eap[64]; /* raw EAP payload body, or none (len 0) */
    size_t eap_len;
    bool auth; /* an AUTH payload (junk) */
};

static int build_forged(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    (void)sa;
    const struct forged *f = arg;
    if (f->auth) {
        uint8_t junk[32] = {1};
        const struct ike_auth_payload a = {.method = IKE_AUTH_SHARED_KEY, .data = {junk, 32}};
        ike_auth_encode(w, &a);
    }
    if (f->eap_len > 0) {
        size_t at = ike_w_payload_begin(w, IKE_PL_EAP, false);
        ike_w_bytes(w, f->eap, f->eap_len);
        ike_w_payload_end(w, at);
    }
    return w->overflow ? -1 : 0;
}

static bool is_auth_request(const struct mock_packet *p, uint32_t *msg_id)
{
    if (p->len < 28 || p->data[18] != IKE_EXCH_IKE_AUTH || (p->data[19] & IKE_FLAG_RESPONSE))
        return false;
    *msg_id = (uint32_t)p->data[20] << 24 | (uint32_t)p->data[21] << 16 |
              (uint32_t)p->data[22] << 8 | p->data[23];
    return true;
}

/*
 * Runs the lab, but alice's IKE_AUTH requests from message ID `from_id` on
 * are dropped and `forged` sent in their place (its EAP identifier patched to
 * the one of gw's last request plus `id_delta`), `nforge` times.
 */
static unsigned run_forging(struct lab *lab, uint32_t from_id, struct forged *forged,
                            unsigned nforge, int id_delta)
{
    static struct mock_packet p;
    unsigned n = 0, done = 0;
    bool next_is_forged = false;
    uint8_t last_req_id = 0;
    while (n < 100 && mock_pop(&lab->net, &p)) {
        n++;
        uint32_t msg_id;
        bool to_gw = ike_addr_ip_equal(&p.to, &lab->gw_addr);
        if (to_gw && !next_is_forged && done < nforge && is_auth_request(&p, &msg_id) &&
            msg_id >= from_id) {
            struct ike_sa *sa = ike_sa_find_ours(lab->alice, lab_only_sa(lab->alice).spi_i);
            assert_non_null(sa);
            struct ike_sa *g = ike_sa_find_ours(lab->gw, lab_only_sa(lab->gw).spi_r);
            assert_non_null(g);
            if (forged->eap_len > 1)
                forged->eap[1] = (uint8_t)(last_req_id + id_delta);
            assert_int_equal(ike_send_encrypted(lab->alice, sa, IKE_EXCH_IKE_AUTH, false, msg_id,
                                                build_forged, forged),
                             0);
            done++;
            next_is_forged = true;
            continue;
        }
        next_is_forged = false;
        if (to_gw) {
            ike_input(lab->gw, &p.to, &p.from, p.data, p.len);
            /* The identifier of gw's request is inside its encrypted answer: ask gw's state. */
            struct ike_sa_info gi;
            if (ike_sa_foreach(lab->gw, NULL, NULL) == 1) {
                gi = lab_only_sa(lab->gw);
                struct ike_sa *g = ike_sa_find_ours(lab->gw, gi.spi_r);
                if (g != NULL && g->eap != NULL)
                    last_req_id = ike_auth_eap_identifier(g);
            }
        } else {
            ike_input(lab->alice, &p.to, &p.from, p.data, p.len);
        }
    }
    return n;
}

static void forged_eap(struct forged *f, const char *hex)
{
    memset(f, 0, sizeof(*f));
    f->eap_len = unit_hex(hex, f->eap, sizeof(f->eap));
}

/* What a forging case leaves of gw's IKE SA. */
enum sa_after { SA_NOT_CHECKED, SA_GONE, SA_ESTABLISHED };

/*
 * One forged IKE_AUTH request (run_forging's from_id, nforge and id_delta) and
 * the counters gw must show after it; NC: a counter the case does not look at.
 */
#define NC (-1L)
struct forging_case {
    bool auth;           /* an AUTH payload, junk, in place of the EAP response */
    const char *eap_hex; /* else this EAP payload */
    uint32_t from_id;
    unsigned nforge;
    int id_delta;
    long out_of_order, bad_identifier, bad_type, too_many_rounds, bad_length, succeeded;
    enum sa_after sa;
};

static void expect_count(uint64_t got, long want)
{
    if (want != NC)
        assert_int_equal(got, (uint64_t)want);
}

static void run_case(struct lab *lab, const struct forging_case *k)
{
    struct forged f = {.auth = k->auth};
    if (k->eap_hex != NULL)
        forged_eap(&f, k->eap_hex);
    lab_start_initiate(lab);
    run_forging(lab, k->from_id, &f, k->nforge, k->id_delta);
    expect_count(gwc(lab)->eap_out_of_order, k->out_of_order);
    expect_count(gwc(lab)->eap_bad_identifier, k->bad_identifier);
    expect_count(gwc(lab)->eap_bad_type, k->bad_type);
    expect_count(gwc(lab)->eap_too_many_rounds, k->too_many_rounds);
    expect_count(gwc(lab)->eap_bad_length, k->bad_length);
    expect_count(gwc(lab)->eap_succeeded, k->succeeded);
    if (k->sa == SA_GONE) {
        assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    } else if (k->sa == SA_ESTABLISHED) {
        assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
        assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    }
}

/* An MD5 response with the right length, to be sent where it does not belong. */
#define MD5_RESPONSE "02 00 0016 04 10 afd6a4ca4d93a98309c36a1c08a45e5e"

/*
 * The cases, one a line: auth, eap_hex, from_id, nforge, id_delta; then the
 * counters out_of_order, bad_identifier, bad_type, too_many_rounds,
 * bad_length, succeeded; then gw's SA.
 */
enum {
    AUTH_OUT_OF_ORDER,
    AFTER_SUCCESS,
    WRONG_IDENTIFIER,
    TOO_MANY_ROUNDS,
    LONG_LENGTH,
    TRUNCATED
};
static const struct forging_case cases[] = {
    /* AUTH instead of the EAP response: out of order, refused, the SA goes. */
    [AUTH_OUT_OF_ORDER] = {true, NULL, 2, 1, 0, 1, NC, NC, NC, NC, 0, SA_GONE},
    /* EAP again after EAP-Success, where the AUTH belongs: out of order too. */
    [AFTER_SUCCESS] = {false, MD5_RESPONSE, 3, 1, 0, 1, NC, NC, NC, NC, 0, SA_GONE},
    /* A wrong identifier, then alice's real answer to the new request: counted, established. */
    [WRONG_IDENTIFIER] = {false, MD5_RESPONSE, 2, 1, 5, NC, 1, NC, NC, NC, 1, SA_ESTABLISHED},
    /* Wrong types (an Identity response) until the round limit: EAP-Failure. */
    [TOO_MANY_ROUNDS] = {false, "02 00 0006 01 75", 2, IKE_EAP_MAX_ROUNDS, 0, NC, NC,
                         IKE_EAP_MAX_ROUNDS - 1, 1, NC, 0, SA_GONE},
    /* An EAP length that disagrees with the payload's: counted, alice answers the next request. */
    [LONG_LENGTH] = {false, "02 00 0030 04 10 afd6a4ca4d93a98309c36a1c08a45e5e", 2, 1, 0, NC, NC,
                     NC, NC, 1, 1, SA_NOT_CHECKED},
    /* A truncated EAP payload: the same. */
    [TRUNCATED] = {false, "02 00 0005 04", 2, 1, 0, NC, NC, NC, NC, 1, 1, SA_NOT_CHECKED},
};

static void test_eap_auth_out_of_order(void **state)
{
    run_case(*state, &cases[AUTH_OUT_OF_ORDER]);
}

static void test_eap_after_success_out_of_order(void **state)
{
    run_case(*state, &cases[AFTER_SUCCESS]);
}

static void test_eap_wrong_identifier_recovers(void **state)
{
    run_case(*state, &cases[WRONG_IDENTIFIER]);
}

static void test_eap_too_many_rounds(void **state)
{
    run_case(*state, &cases[TOO_MANY_ROUNDS]);
}

/* Both bad lengths, each on a fresh lab. */
static void test_eap_bad_length_and_truncated(void **state)
{
    run_case(*state, &cases[LONG_LENGTH]);
    lab_teardown(state);
    eap_setup(state);
    run_case(*state, &cases[TRUNCATED]);
}

/* alice goes quiet after the first EAP request: the half-open timeout ends gw's side. */
static void test_eap_abandoned(void **state)
{
    struct lab *lab = *state;
    lab_start_initiate(lab);
    static struct mock_packet p;
    unsigned n = 0;
    while (n < 20 && mock_pop(&lab->net, &p)) {
        n++;
        if (ike_addr_ip_equal(&p.to, &lab->gw_addr))
            ike_input(lab->gw, &p.to, &p.from, p.data, p.len);
        else if (n <= 2)
            ike_input(lab->alice, &p.to, &p.from, p.data, p.len); /* IKE_SA_INIT only */
    }
    assert_int_equal(gwc(lab)->eap_started, 1);
    assert_int_equal(ike_half_open(lab->gw), 1);
    lab->net.now_ns += 29 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 1);
    lab->net.now_ns += 2 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(gwc(lab)->sa_half_open_expired, 1);
    assert_int_equal(ike_half_open(lab->gw), 0);
}

/* ---- REDIRECT with EAP (RFC 5685 6) ---- */

static const struct ike_gw_id gw2_id = {.type = IKE_GW_IPV4, .len = 4, .value = {192, 0, 2, 3}};

/*
 * Runs the lab; what alice sends to 192.0.2.3 after a redirect (there is no
 * gateway there) is noted in *to_gw2 and dropped. Returns the packets
 * delivered between alice and gw.
 */
static unsigned run_until_gw2(struct lab *lab, bool *to_gw2)
{
    static struct mock_packet p;
    unsigned n = 0;
    *to_gw2 = false;
    while (n < 50 && mock_pop(&lab->net, &p)) {
        if (ike_addr_ip_equal(&p.to, &lab->gw_addr)) {
            ike_input(lab->gw, &p.to, &p.from, p.data, p.len);
        } else if (ike_addr_ip_equal(&p.to, &lab->alice_addr)) {
            ike_input(lab->alice, &p.to, &p.from, p.data, p.len);
        } else {
            *to_gw2 |= p.to.ip[3] == 3 && p.data[18] == IKE_EXCH_IKE_SA_INIT;
            continue;
        }
        n++;
    }
    return n;
}

/*
 * gw redirects alice to gw2 in its first or last IKE_AUTH response (when);
 * runs the lab and checks that alice turned to gw2. Returns the packets
 * delivered, which each caller checks against its own count.
 */
static unsigned redirected_to_gw2(struct lab *lab, enum ike_redirect_when when)
{
    lab->gw_peer.auth_redirect = gw2_id;
    lab->gw_peer.auth_redirect_when = when;
    lab_start_initiate(lab);
    bool to_gw2;
    unsigned n = run_until_gw2(lab, &to_gw2);
    assert_true(to_gw2);
    return n;
}

static void test_redirect_first_auth(void **state)
{
    struct lab *lab = *state;
    /* IKE_SA_INIT and the first IKE_AUTH: no EAP, no final AUTH. */
    assert_int_equal(redirected_to_gw2(lab, IKE_REDIRECT_AUTH_FIRST), 4);
    assert_int_equal(gwc(lab)->redirects_sent, 1);
    assert_int_equal(gwc(lab)->redirects_auth_first, 1);
    assert_int_equal(gwc(lab)->eap_started, 0);
    assert_int_equal(lab->gw_node.ninstalled, 0);
    assert_int_equal(ike_get_counters(lab->alice)->redirects_followed, 1);
    /* alice's old SA is gone without a Delete (there is no IKE SA to delete); gw's times out. */
    struct ike_sa_info a = lab_only_sa(lab->alice); /* the new one, to gw2 */
    assert_int_equal(a.state, IKE_SA_INIT_SENT);
    assert_memory_equal(a.remote.ip, gw2_id.value, 4);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_INIT_DONE);
    lab->net.now_ns += 31 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

static void test_redirect_last_auth(void **state)
{
    struct lab *lab = *state;
    /* IKE_SA_INIT, three IKE_AUTH round trips, then alice's Delete and its answer. */
    assert_int_equal(redirected_to_gw2(lab, IKE_REDIRECT_AUTH_LAST), 10);
    assert_int_equal(gwc(lab)->eap_succeeded, 1);
    assert_int_equal(gwc(lab)->redirects_sent, 1);
    assert_int_equal(gwc(lab)->redirects_auth_last, 1);
    assert_int_equal(lab->gw_node.ninstalled, 0); /* no Child SA with a redirect */
    assert_int_equal(ike_get_counters(lab->alice)->redirects_followed, 1);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0); /* alice deleted it */
}

/* A client that did not announce REDIRECT_SUPPORTED is never redirected. */
static void test_no_redirect_without_support(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.auth_redirect = gw2_id;
    lab->gw_peer.auth_redirect_when = IKE_REDIRECT_AUTH_FIRST;
    lab_start_initiate(lab);
    /* Deliver IKE_SA_INIT to gw after taking away the client's redirect support. */
    static struct mock_packet p;
    assert_true(mock_pop(&lab->net, &p));
    ike_input(lab->gw, &p.to, &p.from, p.data, p.len);
    struct ike_sa *g = ike_sa_find_ours(lab->gw, lab_only_sa(lab->gw).spi_r);
    g->redirect_supported = false;
    lab_run(lab);
    assert_int_equal(gwc(lab)->redirects_sent, 0);
    assert_int_equal(gwc(lab)->eap_succeeded, 1);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
}

/* ---- multiple authentication (RFC 4739): PSK, then EAP-MD5 ---- */

static int multi_setup(void **state)
{
    eap_setup(state);
    struct lab *lab = *state;
    lab->alice_peer.local_auth = IKE_PEER_AUTH_PSK;
    lab->alice_peer.local_auth2 = IKE_PEER_AUTH_EAP_MD5;
    lab->gw_peer.remote_auth = IKE_PEER_AUTH_PSK;
    lab->gw_peer.remote_auth2 = IKE_PEER_AUTH_EAP_MD5;
    lab_set_id(&lab->gw_peer.remote_id, "alice.example");
    return 0;
}

/* A fresh multi-auth lab in place of *state's, for a test's second half: returns it. */
static struct lab *multi_again(void **state)
{
    lab_teardown(state);
    multi_setup(state);
    return *state;
}

static void test_multi_auth_establishes(void **state)
{
    struct lab *lab = *state;
    lab_start_initiate(lab);
    /* IKE_SA_INIT; PSK round; IDi alone -> EAP request; response -> Success; AUTH -> AUTH, SA. */
    assert_int_equal(lab_run(lab), 10);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
    assert_int_equal(gwc(lab)->eap_succeeded, 1);
    assert_int_equal(gwc(lab)->multi_auth_refused, 0);
    lab_expect_child_pair(lab);
}

/* The second round fails on the EAP password although the PSK round passed. */
static void test_multi_auth_wrong_eap_secret(void **state)
{
    struct lab *lab = *state;
    memcpy(alice_secret.secret, "md5-secreX", SECRET_LEN);
    assert_int_equal(lab_start_run(lab), 8);
    assert_int_equal(gwc(lab)->eap_wrong_secret, 1);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(lab->gw_node.ninstalled, 0);
}

/* A client that stops after the first round when a second is due is refused, and the reverse. */
static void test_multi_auth_mismatch(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.local_auth2 = 0;
    assert_int_equal(lab_start_run(lab), 4);
    assert_int_equal(gwc(lab)->multi_auth_refused, 1);
    assert_int_equal(gwc(lab)->auth_failed, 1);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    lab = multi_again(state);
    lab->gw_peer.remote_auth2 = 0;
    lab_start_run(lab);
    /* gw announces no MULTIPLE_AUTH_SUPPORTED: alice cannot do her second round and gives up. */
    assert_int_equal(ike_get_counters(lab->alice)->multi_auth_refused, 1);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
}

/* The second round's IDi replaced by an AUTH: out of order. */
static void test_multi_auth_out_of_order(void **state)
{
    struct lab *lab = *state;
    struct forged f = {.auth = true};
    lab_start_initiate(lab);
    run_forging(lab, 2, &f, 1, 0);
    assert_int_equal(gwc(lab)->eap_out_of_order, 1);
    assert_int_equal(gwc(lab)->eap_started, 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

static void test_multi_auth_redirect_first_and_last(void **state)
{
    struct lab *lab = *state;
    assert_int_equal(redirected_to_gw2(lab, IKE_REDIRECT_AUTH_FIRST), 4);
    assert_int_equal(gwc(lab)->redirects_auth_first, 1);
    assert_int_equal(gwc(lab)->eap_started, 0);
    lab = multi_again(state);
    assert_int_equal(redirected_to_gw2(lab, IKE_REDIRECT_AUTH_LAST), 12); /* with alice's Delete */
    assert_int_equal(gwc(lab)->redirects_auth_last, 1);
    assert_int_equal(gwc(lab)->eap_succeeded, 1);
    assert_int_equal(lab->gw_node.ninstalled, 0);
}

/* The lab cases of this file, with EAP-MD5 alone or after a PSK round. */
#define EAP_TEST(f) cmocka_unit_test_setup_teardown(f, eap_setup, lab_teardown)
#define MULTI_TEST(f) cmocka_unit_test_setup_teardown(f, multi_setup, lab_teardown)

/* ---- Quick Crash Detection (RFC 6290 3): tokens in the first request and the final response ----
 */

static struct ike_qcd_keys qcd_gw, qcd_alice;

/* Both makers and takers; after `packets` establish, the gateway restarts and alice notices. */
static void qcd_round(struct lab *lab, unsigned packets)
{
    memset(&qcd_gw, 0x11, sizeof(qcd_gw));
    memset(&qcd_alice, 0x22, sizeof(qcd_alice));
    qcd_gw.has_prev = qcd_alice.has_prev = false;
    lab->gw_qcd = &qcd_gw;
    lab->alice_qcd = &qcd_alice;
    assert_int_equal(lab_start_run(lab), packets);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_true(a.qcd_token_sent && a.qcd_token_kept && g.qcd_token_sent && g.qcd_token_kept);
    assert_int_equal(ike_get_counters(lab->alice)->qcd_tokens_sent,
                     1); /* one token, not per round */
    assert_int_equal(gwc(lab)->qcd_tokens_sent, 1);
    /* The token alice keeps is the one the gateway makes again after a restart. */
    ike_ctx_free(lab->gw);
    struct ike_backend be = mock_backend(&lab->gw_node);
    lab->gw = ike_ctx_new(&lab->gw_cfg, &be);
    assert_int_equal(ike_rekey_child(lab->alice, a.spi_i, a.spi_r, a.children[0].spi_in), 0);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(ike_get_counters(lab->alice)->qcd_peer_restarted, 1);
}

static void test_eap_qcd_tokens(void **state)
{
    qcd_round(*state, 8);
}

static void test_multi_auth_qcd_tokens(void **state)
{
    qcd_round(*state, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5_request_and_response),
        cmocka_unit_test(test_md5_wrong_secret_and_unknown_user),
        cmocka_unit_test(test_md5_bad_responses),
        cmocka_unit_test(test_md5_nak_and_round_limit),
        cmocka_unit_test(test_peer_side),
        EAP_TEST(test_eap_establishes),
        EAP_TEST(test_eap_qcd_tokens),
        EAP_TEST(test_eap_wrong_secret),
        EAP_TEST(test_eap_unknown_user),
        EAP_TEST(test_eap_not_configured),
        EAP_TEST(test_eap_auth_out_of_order),
        EAP_TEST(test_eap_after_success_out_of_order),
        EAP_TEST(test_eap_wrong_identifier_recovers),
        EAP_TEST(test_eap_too_many_rounds),
        EAP_TEST(test_eap_bad_length_and_truncated),
        EAP_TEST(test_eap_abandoned),
        EAP_TEST(test_redirect_first_auth),
        EAP_TEST(test_redirect_last_auth),
        EAP_TEST(test_no_redirect_without_support),
        MULTI_TEST(test_multi_auth_establishes),
        MULTI_TEST(test_multi_auth_qcd_tokens),
        MULTI_TEST(test_multi_auth_wrong_eap_secret),
        MULTI_TEST(test_multi_auth_mismatch),
        MULTI_TEST(test_multi_auth_out_of_order),
        MULTI_TEST(test_multi_auth_redirect_first_and_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
