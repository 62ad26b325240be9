/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Crash Detection (RFC 6290) between two veer control planes through
 * the mock backend: tokens given and kept in IKE_AUTH by each role, a new
 * token after an IKE rekey from either side, the gateway restarted with its
 * secret (the initiator notices at its next request, deletes its SA and
 * connects again), the early liveness check, the previous secret of a
 * rotation answered until its time is up, and the replies that must not
 * change anything: forged or replayed tokens, a taker that keeps no token,
 * answers to nothing we asked, and messages a maker must not answer.
 */
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "ike_msg.h"
#include "ike_qcd.h"
#include "ike_writer.h"
#include "mock_backend.h"
#include "unit_util.h"

static const struct ike_counters *counters(struct ike_ctx *ctx)
{
    return ike_get_counters(ctx);
}

static struct ike_qcd_keys keys_of(uint8_t fill)
{
    struct ike_qcd_keys k;
    memset(&k, 0, sizeof(k));
    memset(k.cur, fill, sizeof(k.cur));
    return k;
}

static struct ike_qcd_keys gw_keys, alice_keys;

/* Both sides make and take tokens; alice connects again when her SA is lost. */
static void qcd_both(struct lab *lab)
{
    gw_keys = keys_of(0x11);
    alice_keys = keys_of(0x22);
    lab->gw_qcd = &gw_keys;
    lab->alice_qcd = &alice_keys;
    lab->alice_peer.start_action = IKE_START_START;
    lab->alice_peer.qcd_liveness_ms = 1000;
}

/* The gateway crashes and comes back with the same secret and no SAs. */
static void restart_gw(struct lab *lab)
{
    ike_ctx_free(lab->gw);
    struct ike_backend g = mock_backend(&lab->gw_node);
    lab->gw = ike_ctx_new(&lab->gw_cfg, &g);
    assert_non_null(lab->gw);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

/* Alice's outbound ESP flows and nothing comes back: what the dataplane reports. */
static void inbound_stops(struct lab *lab)
{
    struct ike_sa_info a = lab_only_sa(lab->alice);
    lab->net.now_ns += 10 * SEC;
    const struct ike_child_traffic t = {.packets_in = 5,
                                        .packets_out = 50,
                                        .last_in_ns = lab->net.now_ns - 3 * SEC,
                                        .last_out_ns = lab->net.now_ns - SEC / 10};
    assert_int_equal(ike_child_traffic(lab->alice, a.spi_i, a.spi_r, a.children[0].spi_in, &t), 0);
}

static void test_tokens_in_ike_auth(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_true(a.qcd_token_sent && a.qcd_token_kept);
    assert_true(g.qcd_token_sent && g.qcd_token_kept);
    assert_int_equal(counters(lab->alice)->qcd_tokens_sent, 1);
    assert_int_equal(counters(lab->alice)->qcd_tokens_taken, 1);
    assert_int_equal(counters(lab->gw)->qcd_tokens_sent, 1);
    assert_int_equal(counters(lab->gw)->qcd_tokens_taken, 1);
    lab_expect_child_pair(lab);
}

/* Each role on its own: a maker only keeps nothing, a taker only gives nothing. */
static void test_roles(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab->alice_peer.qcd = IKE_QCD_TAKER;
    lab->gw_peer.qcd = IKE_QCD_MAKER;
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_false(a.qcd_token_sent);
    assert_true(a.qcd_token_kept);
    assert_true(g.qcd_token_sent);
    assert_false(g.qcd_token_kept);
    assert_int_equal(counters(lab->alice)->qcd_tokens_sent, 0);
    assert_int_equal(counters(lab->gw)->qcd_tokens_taken, 0);
}

static void test_off_sends_and_keeps_nothing(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab->alice_peer.qcd = IKE_QCD_OFF;
    lab->gw_peer.qcd = IKE_QCD_OFF;
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_false(a.qcd_token_sent || a.qcd_token_kept || g.qcd_token_sent || g.qcd_token_kept);
}

/* The heart of it: the gateway restarts, alice learns it at her next request and reconnects. */
static void test_restart_detected_and_reconnected(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab_start_establish(lab);
    struct ike_sa_info before = lab_only_sa(lab->alice);
    restart_gw(lab);
    inbound_stops(lab);
    ike_tick(lab->alice);
    assert_int_equal(counters(lab->alice)->qcd_liveness_early, 1);
    /* Her liveness check, the gateway's unprotected answer, then a new IKE SA (4). */
    assert_int_equal(lab_run(lab), 6);
    assert_int_equal(counters(lab->gw)->qcd_replies_sent, 1);
    assert_int_equal(counters(lab->alice)->qcd_peer_restarted, 1);
    assert_int_equal(counters(lab->alice)->reconnects, 1);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_int_equal(a.spi_i, g.spi_i);
    assert_int_equal(a.spi_r, g.spi_r);
    assert_true(a.spi_i != before.spi_i);
    /* The old Child SA left alice's dataplane; the new one is there. */
    assert_null(mock_live(&lab->alice_node, before.children[0].spi_in));
    assert_non_null(mock_live(&lab->alice_node, a.children[0].spi_in));
}

/* Without start_action start the SA is deleted and nothing more happens. */
static void test_restart_detected_no_reconnect(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab->alice_peer.start_action = IKE_START_NONE;
    lab_start_establish(lab);
    restart_gw(lab);
    inbound_stops(lab);
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(counters(lab->alice)->qcd_peer_restarted, 1);
    assert_int_equal(counters(lab->alice)->reconnects, 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(lab->alice_node.nlive, 0);
}

/* A taker without a token (qcd off) gets the answer, and keeps its SA for DPD to decide. */
static void test_restart_without_token_changes_nothing(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab->alice_peer.qcd = IKE_QCD_OFF;
    lab_start_establish(lab);
    restart_gw(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_child(lab->alice, a.spi_i, a.spi_r, a.children[0].spi_in), 0);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(counters(lab->gw)->qcd_replies_sent, 1);
    assert_int_equal(counters(lab->alice)->qcd_no_token, 1);
    assert_int_equal(counters(lab->alice)->qcd_peer_restarted, 0);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
}

/* Without a token nothing is padded: a short liveness check cannot be answered with one. */
static void test_short_request_not_answered(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab->alice_peer.qcd = IKE_QCD_OFF;
    lab->alice_peer.dpd_delay_s = 2;
    lab_start_establish(lab);
    restart_gw(lab);
    inbound_stops(lab);
    ike_tick(lab->alice);
    assert_int_equal(counters(lab->alice)->qcd_liveness_early, 0); /* no token: no early check */
    assert_int_equal(counters(lab->alice)->liveness_checks, 1);    /* the DPD one */
    assert_int_equal(lab_run(lab), 1);
    assert_int_equal(counters(lab->gw)->qcd_replies_sent, 0);
    assert_int_equal(counters(lab->gw)->qcd_no_reply, 1);
}

/* The unprotected reply a maker under `keys` would send to alice's request queued now. */
static size_t forge_reply(struct lab *lab, const struct ike_qcd_keys *keys, uint8_t *out,
                          struct mock_packet *req)
{
    assert_true(mock_pop(&lab->net, req));
    enum ike_qcd_no_reply why;
    long n = ike_qcd_reply(keys, req->data, req->len, out, MOCK_PKT, &why);
    assert_true(n > 0);
    assert_true((size_t)n <= req->len);
    return (size_t)n;
}

/* A token made under another secret, or for other SPIs, is not ours: nothing changes. */
static void test_forged_and_replayed_tokens_ignored(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab_start_establish(lab);
    struct ike_sa_info sa = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_child(lab->alice, sa.spi_i, sa.spi_r, sa.children[0].spi_in), 0);
    struct mock_packet req;
    static uint8_t reply[MOCK_PKT];
    /* Another secret. */
    struct ike_qcd_keys other = keys_of(0x33);
    size_t n = forge_reply(lab, &other, reply, &req);
    ike_input(lab->alice, &req.from, &req.to, reply, n);
    assert_int_equal(counters(lab->alice)->qcd_token_mismatch, 1);
    /* The right secret, but the token of other SPIs (another SA's, replayed). */
    struct ike_qcd_keys right = gw_keys;
    uint8_t moved[MOCK_PKT];
    memcpy(moved, req.data, req.len);
    ike_put64(moved, sa.spi_i ^ 1);
    enum ike_qcd_no_reply why;
    long m = ike_qcd_reply(&right, moved, req.len, reply, sizeof(reply), &why);
    assert_true(m > 0);
    ike_put64(reply, sa.spi_i); /* back under alice's SPIs */
    ike_input(lab->alice, &req.from, &req.to, reply, (size_t)m);
    assert_int_equal(counters(lab->alice)->qcd_token_mismatch, 2);
    assert_int_equal(counters(lab->alice)->qcd_peer_restarted, 0);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
}

/* A genuine token that answers no request of ours (its message ID) is not acted on. */
static void test_token_for_no_request_ignored(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab_start_establish(lab);
    struct ike_sa_info sa = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_child(lab->alice, sa.spi_i, sa.spi_r, sa.children[0].spi_in), 0);
    struct mock_packet req;
    static uint8_t reply[MOCK_PKT];
    size_t n = forge_reply(lab, &gw_keys, reply, &req);
    ike_put32(reply + 20, ike_get32(reply + 20) + 1); /* another message ID */
    ike_input(lab->alice, &req.from, &req.to, reply, n);
    assert_int_equal(counters(lab->alice)->qcd_peer_restarted, 0);
    assert_int_equal(counters(lab->alice)->rx_bad_msg_id, 1);
    /* The same reply with the right message ID is acted on. */
    ike_put32(reply + 20, ike_get32(reply + 20) - 1);
    ike_input(lab->alice, &req.from, &req.to, reply, n);
    assert_int_equal(counters(lab->alice)->qcd_peer_restarted, 1);
}

/* New SPIs, new token: after an IKE rekey from either side, the restart is still noticed. */
static void rekey_then_restart(struct lab *lab, bool alice_rekeys)
{
    qcd_both(lab);
    lab_start_establish(lab);
    struct ike_sa_info sa = lab_only_sa(lab->alice);
    struct ike_ctx *from = alice_rekeys ? lab->alice : lab->gw;
    assert_int_equal(ike_rekey_ike(from, sa.spi_i, sa.spi_r), 0);
    /* CREATE_CHILD_SA, the rekeying side's INFORMATIONAL with its token, the old SA's Delete. */
    assert_int_equal(lab_run(lab), 6);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_true(a.spi_i != sa.spi_i);
    assert_true(a.qcd_token_kept && a.qcd_token_sent && g.qcd_token_kept && g.qcd_token_sent);
    assert_int_equal(counters(lab->alice)->qcd_tokens_taken, 2);
    assert_int_equal(counters(lab->gw)->qcd_tokens_taken, 2);
    restart_gw(lab);
    inbound_stops(lab);
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 6);
    assert_int_equal(counters(lab->alice)->qcd_peer_restarted, 1);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
}

static void test_ike_rekey_by_initiator(void **state)
{
    rekey_then_restart(*state, true);
}

static void test_ike_rekey_by_responder(void **state)
{
    rekey_then_restart(*state, false);
}

/* A rotated secret: the previous one still answers, until its period ends. */
static void test_rotation_window(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab_start_establish(lab); /* alice's token is under gw_keys.cur (0x11) */
    struct ike_qcd_keys rotated = keys_of(0x44);
    memcpy(rotated.prev, gw_keys.cur, sizeof(rotated.prev));
    rotated.has_prev = true;
    lab->gw_cfg.qcd_keys = &rotated;
    lab->gw_cfg.qcd_prev_valid_s = 60;
    restart_gw(lab);
    inbound_stops(lab);
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 6);
    assert_int_equal(counters(lab->alice)->qcd_peer_restarted, 1);

    /* Her new SA holds a token under the new secret: still noticed once the period is over. */
    restart_gw(lab);
    lab->net.now_ns += 61 * SEC;
    ike_tick(lab->gw);
    inbound_stops(lab);
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 6);
    assert_int_equal(counters(lab->alice)->qcd_peer_restarted, 2);
}

/* The period ends: a reply carries the current token only, and an old token fails. */
static void test_previous_secret_expires(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab_start_establish(lab); /* alice keeps a token under 0x11 */
    struct ike_qcd_keys rotated = keys_of(0x44);
    memcpy(rotated.prev, gw_keys.cur, sizeof(rotated.prev));
    rotated.has_prev = true;
    lab->gw_cfg.qcd_keys = &rotated;
    lab->gw_cfg.qcd_prev_valid_s = 60;
    restart_gw(lab);
    lab->net.now_ns += 61 * SEC;
    ike_tick(lab->gw);
    inbound_stops(lab);
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(counters(lab->gw)->qcd_replies_sent, 1);
    assert_int_equal(counters(lab->alice)->qcd_token_mismatch, 1);
    assert_int_equal(counters(lab->alice)->qcd_peer_restarted, 0);
}

/* A taker's requests are long enough for a two-token answer; the answer never exceeds them. */
static void test_taker_pads_requests(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab_start_establish(lab);
    restart_gw(lab);
    inbound_stops(lab);
    ike_tick(lab->alice);
    struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    assert_true(req.len >= IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN);
    struct ike_qcd_keys two = gw_keys;
    two.has_prev = true;
    static uint8_t reply[MOCK_PKT];
    enum ike_qcd_no_reply why;
    long n = ike_qcd_reply(&two, req.data, req.len, reply, sizeof(reply), &why);
    assert_int_equal(n, IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN);
    assert_true((size_t)n <= req.len);
}

/* A maker answers only protected requests for SAs it does not have. */
static void test_maker_answers_only_protected_requests(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab_start_establish(lab);
    struct ike_sa_info sa = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_child(lab->alice, sa.spi_i, sa.spi_r, sa.children[0].spi_in), 0);
    struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    restart_gw(lab);
    uint8_t msg[MOCK_PKT];
    /* As a response: never answered. */
    memcpy(msg, req.data, req.len);
    msg[19] |= IKE_FLAG_RESPONSE;
    ike_input(lab->gw, &req.to, &req.from, msg, req.len);
    /* Unprotected: a Notify where SK was (the lengths still add up). */
    memcpy(msg, req.data, req.len);
    msg[16] = IKE_PL_NOTIFY;
    ike_input(lab->gw, &req.to, &req.from, msg, req.len);
    assert_int_equal(lab->net.count, 0);
    assert_int_equal(counters(lab->gw)->qcd_replies_sent, 0);
    /* The request itself is answered, once. */
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_int_equal(lab->net.count, 1);
    assert_int_equal(counters(lab->gw)->qcd_replies_sent, 1);
}

/* Without a secret veer makes no tokens and answers nothing. */
static void test_no_secret_no_maker(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab->gw_qcd = NULL;
    lab_start_establish(lab);
    assert_false(lab_only_sa(lab->gw).qcd_token_sent);
    assert_false(lab_only_sa(lab->alice).qcd_token_kept);
    restart_gw(lab);
    inbound_stops(lab);
    ike_tick(lab->alice);
    assert_int_equal(counters(lab->alice)->qcd_liveness_early, 0);
    assert_int_equal(lab_run(lab), 0);
}

/* start_action start without QCD: a dead peer is given up, then started again by DPD's end. */
static void test_dead_peer_reconnects(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.start_action = IKE_START_START;
    lab->alice_peer.dpd_delay_s = 2;
    lab_start_establish(lab);
    struct ike_sa_info before = lab_only_sa(lab->alice);
    restart_gw(lab); /* no secret: it answers nothing for the lost SA */
    unsigned ticks = 0;
    while (counters(lab->alice)->reconnects == 0 && ticks++ < 100) {
        lab->net.now_ns += SEC;
        ike_tick(lab->alice);
        lab_run(lab);
    }
    assert_int_equal(counters(lab->alice)->peer_dead, 1);
    assert_int_equal(counters(lab->alice)->reconnects, 1);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_true(a.spi_i != before.spi_i);
}

/* A start_action start peer that never answers is tried again after each give-up, no faster. */
static void test_unanswered_initiate_retried(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.start_action = IKE_START_START;
    lab_start(lab);
    ike_ctx_free(lab->gw); /* nobody there */
    lab->gw = NULL;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    struct mock_packet p;
    unsigned sent = 0;
    for (unsigned t = 0; t < 40; t++) {
        lab->net.now_ns += SEC;
        ike_tick(lab->alice);
        while (mock_pop(&lab->net, &p))
            sent++;
    }
    /* 0.5 + 1 + 2 + 4 + 8 s of retransmissions per attempt: two attempts in 40 s. */
    assert_int_equal(counters(lab->alice)->reconnects, 2);
    assert_int_equal(counters(lab->alice)->peer_dead, 0);
    assert_true(sent >= 12 && sent <= 18);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 1);
}

/* The first IKE_SA_INIT cannot leave (no neighbour yet): kept and retransmitted, not dropped. */
static void test_first_send_failure_retransmitted(void **state)
{
    struct lab *lab = *state;
    lab_start(lab);
    lab->alice_node.fail_sends = 1;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(lab->net.count, 0);
    lab->net.now_ns += SEC;
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 4);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
}

/* The control lcore answers at most 5000 a second (RFC 6290 8.1: silence past a rate). */
static void test_control_answers_rate_limited(void **state)
{
    struct lab *lab = *state;
    qcd_both(lab);
    lab_start_establish(lab);
    struct ike_sa_info sa = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_child(lab->alice, sa.spi_i, sa.spi_r, sa.children[0].spi_in), 0);
    struct mock_packet req, out;
    assert_true(mock_pop(&lab->net, &req));
    restart_gw(lab);
    for (unsigned i = 0; i < 5001; i++) {
        ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
        while (mock_pop(&lab->net, &out))
            ;
    }
    assert_int_equal(counters(lab->gw)->qcd_replies_sent, 5000);
    assert_int_equal(counters(lab->gw)->qcd_rate_limited, 1);
    lab->net.now_ns += SEC;
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_int_equal(counters(lab->gw)->qcd_replies_sent, 5001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_tokens_in_ike_auth),
        LAB_TEST(test_roles),
        LAB_TEST(test_off_sends_and_keeps_nothing),
        LAB_TEST(test_restart_detected_and_reconnected),
        LAB_TEST(test_restart_detected_no_reconnect),
        LAB_TEST(test_restart_without_token_changes_nothing),
        LAB_TEST(test_short_request_not_answered),
        LAB_TEST(test_forged_and_replayed_tokens_ignored),
        LAB_TEST(test_token_for_no_request_ignored),
        LAB_TEST(test_ike_rekey_by_initiator),
        LAB_TEST(test_ike_rekey_by_responder),
        LAB_TEST(test_rotation_window),
        LAB_TEST(test_previous_secret_expires),
        LAB_TEST(test_taker_pads_requests),
        LAB_TEST(test_maker_answers_only_protected_requests),
        LAB_TEST(test_no_secret_no_maker),
        LAB_TEST(test_dead_peer_reconnects),
        LAB_TEST(test_unanswered_initiate_retried),
        LAB_TEST(test_first_send_failure_retransmitted),
        LAB_TEST(test_control_answers_rate_limited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
