/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A veer initiator against a veer responder in one process, through the mock
 * backend: IKE_SA_INIT, IKE_AUTH with a shared key and the first Child SA,
 * deletes, lost and duplicated messages, and each failure path; the checks
 * an attacker leans on: a truncated PSK AUTH, an identity that is a prefix
 * of the configured one, a stale response and a replayed old request.
 */
#include <string.h>

#include "ike.h"
#include "ike_auth_eap.h"
#include "ike_consts.h"
#include "ike_keymat.h"
#include "ike_ts.h"
#include "ike_lab.h"
#include "ike_sa.h"
#include "mock_backend.h"
#include "unit_util.h"

static void test_establish_and_delete(void **state)
{
    struct lab *lab = *state;
    assert_int_equal(lab_start_run(lab), 4);

    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_true(a.initiator);
    assert_false(g.initiator);
    assert_int_equal(a.spi_i, g.spi_i);
    assert_int_equal(a.spi_r, g.spi_r);
    assert_string_equal(g.peer, "road-warriors");
    assert_int_equal(a.alg.encr.id, IKE_ENCR_AES_GCM_16);
    assert_int_equal(a.alg.dh, IKE_DH_CURVE25519);

    /* Both sides derived the same Child SA keys, crosswise. */
    lab_expect_child_pair(lab);
    const struct ike_child_sa *ca = &lab->alice_node.installed[0];
    const struct ike_child_sa *cg = &lab->gw_node.installed[0];
    assert_int_equal(ca->encr_key_len, 20);
    assert_memory_not_equal(ca->encr_in, ca->encr_out, 20);
    /* Narrowed selectors: alice keeps 10.1.0.1, the gateway offers 10.2.0.0/24. */
    assert_int_equal(cg->ts_remote.nts, 1);
    assert_memory_equal(cg->ts_remote.ts[0].start_addr, "\x0a\x01\x00\x01", 4);
    assert_memory_equal(ca->ts_remote.ts[0].end_addr, "\x0a\x02\x00\xff", 4);
    assert_false(ca->udp_encap);

    /* Alice deletes; both sides forget the SA and its Child SA. */
    assert_int_equal(ike_delete(lab->alice, a.spi_i, a.spi_r), 0);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(lab->alice_node.ndeleted, 1);
    assert_int_equal(lab->gw_node.ndeleted, 1);
    assert_int_equal(ike_get_counters(lab->gw)->sa_established, 1);
}

static void test_wrong_psk(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.psk[0] ^= 1;
    lab_start_run(lab);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_get_counters(lab->gw)->auth_failed, 1);
    assert_int_equal(ike_get_counters(lab->alice)->auth_failed, 1);
    assert_int_equal(lab->gw_node.ninstalled, 0);
}

static void test_no_proposal_chosen(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.ike[0].encr[0].key_bits = 256;
    assert_int_equal(lab_start_run(lab), 2);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_get_counters(lab->gw)->no_proposal_chosen, 1);
    assert_int_equal(ike_get_counters(lab->alice)->no_proposal_chosen, 1);
}

static void test_invalid_ke_retry(void **state)
{
    struct lab *lab = *state;
    /* Alice offers X25519 then ECP-256 and guesses X25519; the gateway wants ECP-256. */
    lab->alice_peer.ike[0].ndh = 2;
    lab->alice_peer.ike[0].dh[1] = IKE_DH_ECP_256;
    lab->gw_peer.ike[0].dh[0] = IKE_DH_ECP_256;
    assert_int_equal(lab_start_run(lab), 6);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(lab_only_sa(lab->gw).alg.dh, IKE_DH_ECP_256);
    assert_int_equal(ike_get_counters(lab->gw)->invalid_ke_payload, 1);
}

static void test_ts_unacceptable(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.local_ts[0] = lab_prefix("10.9.0.0", "10.9.0.255");
    lab_start_run(lab);
    /* The IKE SA stands; no Child SA exists on either side. */
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(lab_only_sa(lab->gw).nchildren, 0);
    assert_int_equal(lab->alice_node.ninstalled, 0);
    assert_int_equal(ike_get_counters(lab->gw)->ts_unacceptable, 1);
    assert_int_equal(ike_get_counters(lab->alice)->ts_unacceptable, 1);
}

static void test_lost_and_duplicated(void **state)
{
    struct lab *lab = *state;
    lab_start(lab);
    struct mock_packet lost;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    /* The first IKE_SA_INIT request is lost: alice retransmits on her timer. */
    assert_true(mock_pop(&lab->net, &lost));
    ike_tick(lab->alice);
    assert_int_equal(lab->net.count, 0);
    lab->net.now_ns += SEC;
    ike_tick(lab->alice);
    assert_int_equal(lab->net.count, 1);
    assert_int_equal(ike_get_counters(lab->alice)->tx_retransmits, 1);
    /* Deliver it twice: the duplicate gets the same answer, no second SA. */
    static struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 1);
    assert_int_equal(ike_get_counters(lab->gw)->rx_retransmit_answered, 1);
    assert_int_equal(lab->net.count, 2);
    static struct mock_packet dup;
    assert_true(mock_pop(&lab->net, &dup));
    lab_run(lab); /* the second copy of the response is ignored; IKE_AUTH follows */
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
    /* A replayed IKE_AUTH request is answered from the cache, not processed again. */
    assert_int_equal(lab->gw_node.ninstalled, 1);
}

static void test_half_open_expiry_and_give_up(void **state)
{
    struct lab *lab = *state;
    lab_start_initiate(lab);
    static struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    lab->net.count = 0; /* the response is lost, and so is everything after */
    lab->net.head = 0;
    lab->net.now_ns += 31 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_get_counters(lab->gw)->sa_half_open_expired, 1);
    /* Alice retries 5 times with back-off, then gives up. */
    for (unsigned i = 0; i < 10; i++) {
        lab->net.now_ns += 60 * SEC;
        ike_tick(lab->alice);
        lab->net.count = 0;
    }
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_get_counters(lab->alice)->tx_retransmits, 4);
}

/* ---- what an attacker tries ---- */

static const struct ike_counters *counters(struct ike_ctx *ctx)
{
    return ike_get_counters(ctx);
}

/* Alice's IKE SA, as lib/ike keeps it: its keys open what the gateway sends her. */
static struct ike_sa *alice_sa(struct lab *lab)
{
    struct ike_sa *sa = ike_sa_find_ours(lab->alice, lab_only_sa(lab->alice).spi_i);
    assert_non_null(sa);
    return sa;
}

/* Verifies and decrypts a copy of `p` (from gw) with alice's keys into *m. */
static void open_for_alice(struct lab *lab, const struct mock_packet *p, struct ike_msg *m)
{
    static uint8_t copy[MOCK_PKT];
    memcpy(copy, p->data, p->len);
    assert_int_equal(ike_msg_decode(copy, p->len, m, NULL), 0);
    assert_int_equal(ike_open_message(lab->alice, alice_sa(lab), copy, p->len, m), 0);
}

/* Runs IKE_SA_INIT; alice's IKE_AUTH request is left queued. */
static void run_init(struct lab *lab)
{
    lab_start_initiate(lab);
    assert_int_equal(mock_run(&lab->net, lab->alice, &lab->alice_addr, lab->gw, &lab->gw_addr, 2),
                     2);
    assert_int_equal(lab->net.count, 1);
}

/*
 * Delivers the queued IKE_AUTH request to gw and gw's answer to alice; *m
 * is that answer, opened.
 */
static void auth_round(struct lab *lab, struct ike_msg *m)
{
    static struct mock_packet req, resp;
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_true(mock_pop(&lab->net, &resp));
    assert_int_equal(lab->net.count, 0);
    open_for_alice(lab, &resp, m);
    ike_input(lab->alice, &resp.to, &resp.from, resp.data, resp.len);
}

/* gw answered IKE_AUTH with AUTHENTICATION_FAILED, counted it, and kept nothing. */
static void expect_auth_refused(struct lab *lab, const struct ike_msg *answer)
{
    assert_non_null(ike_msg_find_notify(answer, IKE_N_AUTHENTICATION_FAILED));
    assert_null(ike_msg_find(answer, IKE_PL_IDR, NULL));
    assert_null(ike_msg_find(answer, IKE_PL_AUTH, NULL));
    assert_int_equal(counters(lab->gw)->auth_failed, 1);
    assert_int_equal(counters(lab->gw)->sa_established, 0);
    assert_int_equal(counters(lab->alice)->auth_failed, 1);
    lab_run(lab);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(lab->gw_node.ninstalled, 0);
}

/* IDi and an AUTH of `len` bytes from `value`, shared-key method. */
struct auth_forgery {
    const struct ike_id *id;
    const uint8_t *value;
    uint16_t len;
};

static int build_auth_forgery(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w,
                              void *arg)
{
    (void)ctx;
    (void)sa;
    const struct auth_forgery *f = arg;
    const struct ike_id_payload id = {.type = f->id->type, .data = {f->id->data, f->id->len}};
    const struct ike_auth_payload auth = {.method = IKE_AUTH_SHARED_KEY,
                                          .data = {f->value, f->len}};
    ike_id_encode(w, IKE_PL_IDI, &id);
    return ike_auth_encode(w, &auth);
}

/*
 * RFC 7296 2.15: the PSK AUTH is prf(...) whole. Alice sends the first byte
 * of her right AUTH value only: compared over its own length it would
 * match, and anyone would get in after 256 tries at most.
 */
static void test_truncated_psk_auth(void **state)
{
    struct lab *lab = *state;
    run_init(lab);
    static struct mock_packet dropped;
    assert_true(mock_pop(&lab->net, &dropped)); /* alice's own IKE_AUTH never arrives */
    struct ike_sa *sa = alice_sa(lab);
    const struct ike_id *me = &lab->alice_peer.local_id;
    uint8_t body[4 + IKE_ID_MAX], value[IKE_PRF_MAX_LEN];
    size_t body_len = ike_auth_id_body(me, body);
    assert_int_equal(ike_auth_shared_key_value(sa, lab->alice_peer.psk, lab->alice_peer.psk_len,
                                               true, body, body_len, value),
                     0);
    assert_int_equal(ike_prf_len(sa->alg.prf), 32);
    struct auth_forgery f = {.id = me, .value = value, .len = 1};
    assert_int_equal(
        ike_send_encrypted(lab->alice, sa, IKE_EXCH_IKE_AUTH, false, 1, build_auth_forgery, &f), 0);
    static struct ike_msg answer;
    auth_round(lab, &answer);
    expect_auth_refused(lab, &answer);
}

/* The configured identity is "alice.example": IDi "alice" is someone else. */
static void test_identity_prefix_refused(void **state)
{
    struct lab *lab = *state;
    lab_set_id(&lab->alice_peer.local_id, "alice");
    run_init(lab);
    static struct ike_msg answer;
    auth_round(lab, &answer);
    expect_auth_refused(lab, &answer);
}

/* And the other way: alice wants "gw.example", the gateway says it is "gw". */
static void test_responder_identity_prefix_refused(void **state)
{
    struct lab *lab = *state;
    lab_set_id(&lab->gw_peer.local_id, "gw");
    run_init(lab);
    static struct ike_msg answer;
    auth_round(lab, &answer);
    assert_non_null(ike_msg_find(&answer, IKE_PL_IDR, NULL));
    assert_int_equal(counters(lab->gw)->sa_established, 1);
    assert_int_equal(counters(lab->alice)->auth_failed, 1);
    assert_int_equal(counters(lab->alice)->sa_established, 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(lab->alice_node.ninstalled, 0);
}

/* Delivers `p` to whichever side it is for. */
static void deliver(struct lab *lab, const struct mock_packet *p)
{
    struct ike_ctx *to = ike_addr_ip_equal(&p->to, &lab->gw_addr) ? lab->gw : lab->alice;
    ike_input(to, &p->to, &p->from, p->data, p->len);
}

/*
 * A genuine response of an earlier exchange, replayed while another request
 * is out: its Message ID is not the outstanding one's, so it answers nothing
 * (RFC 7296 2.2), though it passes the integrity check.
 */
static void test_stale_response_ignored(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    /* Message 2: alice deletes her Child SA; the gateway's answer is recorded. */
    assert_int_equal(ike_delete_child(lab->alice, a.spi_i, a.spi_r, a.children[0].spi_in), 0);
    static struct mock_packet req, old_resp;
    assert_true(mock_pop(&lab->net, &req));
    deliver(lab, &req);
    assert_true(mock_pop(&lab->net, &old_resp));
    deliver(lab, &old_resp);
    assert_int_equal(lab->alice_node.nlive, 0);
    /* Message 3: a new Child SA; the answer to message 2 comes again first. */
    assert_int_equal(ike_create_child(lab->alice, a.spi_i, a.spi_r), 0);
    assert_true(mock_pop(&lab->net, &req));
    deliver(lab, &req);
    assert_int_equal(counters(lab->alice)->rx_bad_msg_id, 0);
    deliver(lab, &old_resp);
    assert_int_equal(counters(lab->alice)->rx_bad_msg_id, 1);
    struct ike_sa *sa = alice_sa(lab);
    assert_non_null(sa->request.buf);
    assert_int_equal(sa->request.msg_id, 3);
    assert_int_equal(sa->next_req_id, 3);
    assert_int_equal(sa->pending.kind, IKE_REQ_NEW_CHILD);
    /* The real answer still completes the exchange. */
    assert_int_equal(lab_run(lab), 1);
    assert_null(sa->request.buf);
    assert_int_equal(counters(lab->alice)->rx_bad_msg_id, 1);
    assert_int_equal(lab->alice_node.nlive, 1);
    assert_int_equal(lab->gw_node.nlive, 1);
    assert_int_equal(lab_only_sa(lab->alice).nchildren, 1);
}

/*
 * A genuine request older than the last one (a CREATE_CHILD_SA replayed
 * after a later Delete) is neither answered nor processed again (RFC 7296
 * 2.2): only a retransmission of the last request gets an answer, from the
 * cache.
 */
static void test_old_request_replay_ignored(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    /* Message 2: a second Child SA, the request recorded on its way. */
    assert_int_equal(ike_create_child(lab->alice, a.spi_i, a.spi_r), 0);
    static struct mock_packet ccs, del;
    assert_true(mock_pop(&lab->net, &ccs));
    deliver(lab, &ccs);
    assert_int_equal(lab_run(lab), 1);
    assert_int_equal(lab->gw_node.nlive, 2);
    uint32_t second = lab->alice_node.installed[1].spi_in;
    /* Message 3: alice deletes it again. */
    assert_int_equal(ike_delete_child(lab->alice, a.spi_i, a.spi_r, second), 0);
    assert_true(mock_pop(&lab->net, &del));
    deliver(lab, &del);
    assert_int_equal(lab_run(lab), 1);
    assert_int_equal(lab->gw_node.nlive, 1);
    assert_int_equal(lab->gw_node.ninstalled, 2);
    /* The CREATE_CHILD_SA comes again: no answer, no Child SA. */
    deliver(lab, &ccs);
    assert_int_equal(counters(lab->gw)->rx_bad_msg_id, 1);
    assert_int_equal(counters(lab->gw)->rx_retransmit_answered, 0);
    assert_int_equal(lab->net.count, 0);
    assert_int_equal(lab->gw_node.ninstalled, 2);
    assert_int_equal(lab->gw_node.nlive, 1);
    assert_int_equal(lab_only_sa(lab->gw).nchildren, 1);
    /* The last request (the Delete) again: answered from the cache, not processed. */
    deliver(lab, &del);
    assert_int_equal(counters(lab->gw)->rx_retransmit_answered, 1);
    assert_int_equal(counters(lab->gw)->rx_bad_msg_id, 1);
    assert_int_equal(lab->net.count, 1);
    assert_int_equal(lab->gw_node.ndeleted, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_establish_and_delete),
        LAB_TEST(test_wrong_psk),
        LAB_TEST(test_no_proposal_chosen),
        LAB_TEST(test_invalid_ke_retry),
        LAB_TEST(test_ts_unacceptable),
        LAB_TEST(test_lost_and_duplicated),
        LAB_TEST(test_half_open_expiry_and_give_up),
        LAB_TEST(test_truncated_psk_auth),
        LAB_TEST(test_identity_prefix_refused),
        LAB_TEST(test_responder_identity_prefix_refused),
        LAB_TEST(test_stale_response_ignored),
        LAB_TEST(test_old_request_replay_ignored),
    };
    return cmocka_run_group_tests_name("exchange", tests, NULL, NULL);
}
