/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's DoS protection and stale-SA handling, veer against veer:
 * cookies past the half-open threshold (RFC 7296 2.6), with secret rotation
 * and bound to the client's address, and INITIAL_CONTACT (2.4) sent by an initiator with no other
 * SA and acted on by the responder.
 */
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "ike_msg.h"
#include "ike_stateless.h"
#include "mock_backend.h"
#include "unit_util.h"

static const struct ike_counters *counters(struct ike_ctx *ctx)
{
    return ike_get_counters(ctx);
}

/* Alice starts an IKE SA whose IKE_SA_INIT reaches the gateway but whose answer is lost. */
static void leave_half_open(struct lab *lab)
{
    static struct mock_packet req, resp;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_true(mock_pop(&lab->net, &resp));
}

/*
 * Restarts the gateway with what gw_cfg says and a cookie threshold of one,
 * then leaves one SA half-open there: its next IKE_SA_INIT needs a cookie.
 */
static void restart_gw_half_open(struct lab *lab)
{
    lab->gw_cfg.cookie_threshold = 1;
    ike_ctx_free(lab->gw);
    struct ike_backend g = mock_backend(&lab->gw_node);
    lab->gw = ike_ctx_new(&lab->gw_cfg, &g);
    leave_half_open(lab);
}

static void test_cookie_past_threshold(void **state)
{
    struct lab *lab = *state;
    lab_start(lab);
    restart_gw_half_open(lab);
    assert_int_equal(counters(lab->gw)->cookies_sent, 0);
    /* One SA is half-open: the next IKE_SA_INIT must bring a cookie first. */
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(lab_run(lab), 6);
    assert_int_equal(counters(lab->gw)->cookies_sent, 1);
    assert_int_equal(counters(lab->gw)->cookies_accepted, 1);
    assert_int_equal(counters(lab->gw)->sa_established, 1);
    assert_int_equal(counters(lab->alice)->sa_established, 1);
    /* Below the threshold again (the half-open SA expires): no cookie asked. */
    lab->net.now_ns += 31 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 1);
    ike_tick(lab->alice);
    lab->net.count = 0; /* alice's retransmissions of the lost exchange */
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(lab_run(lab), 4);
    assert_int_equal(counters(lab->gw)->cookies_sent, 1);
}

/* Alice starts an IKE SA, gets a COOKIE, and her retry with the cookie lands in *retry. */
static void cookie_round(struct lab *lab, struct mock_packet *retry)
{
    static struct mock_packet req, cookie_reply;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_true(mock_pop(&lab->net, &cookie_reply));
    ike_input(lab->alice, &cookie_reply.to, &cookie_reply.from, cookie_reply.data,
              cookie_reply.len);
    assert_true(mock_pop(&lab->net, retry));
}

static void test_cookie_rotation(void **state)
{
    struct lab *lab = *state;
    lab_start(lab);
    lab->gw_cfg.cookie_rotate_s = 60;
    lab->gw_cfg.half_open_timeout_s = 3600; /* the half-open SA outlives the rotations */
    restart_gw_half_open(lab);
    /* Alice gets a cookie; her retry is held back while the secret rotates once. */
    static struct mock_packet retry;
    cookie_round(lab, &retry);
    lab->net.now_ns += 61 * SEC;
    ike_tick(lab->gw);
    ike_input(lab->gw, &retry.to, &retry.from, retry.data, retry.len);
    /* The previous secret is still accepted for one period. */
    assert_int_equal(counters(lab->gw)->cookies_accepted, 1);
    assert_int_equal(counters(lab->gw)->cookies_rejected, 0);
    lab->net.count = 0;
    /* A second cookie, held back over two rotations: its secret is gone by then. */
    cookie_round(lab, &retry);
    lab->net.now_ns += 61 * SEC;
    ike_tick(lab->gw);
    lab->net.now_ns += 61 * SEC;
    ike_tick(lab->gw);
    lab->net.count = 0;
    ike_input(lab->gw, &retry.to, &retry.from, retry.data, retry.len);
    assert_int_equal(counters(lab->gw)->cookies_accepted, 1);
    assert_int_equal(counters(lab->gw)->cookies_rejected, 1);
    /* It is answered with a fresh cookie, not an SA. */
    assert_int_equal(counters(lab->gw)->cookies_sent, 3);
    assert_int_equal(lab->net.count, 1);
}

/*
 * The race a flood makes common: the control plane answers Alice's request,
 * but her retransmission meets a closed worker gate and gets a COOKIE first.
 * She retries with the same SPIi and the cookie in front, everything else
 * unchanged (RFC 7296 2.6). The gateway keeps its SA, keeps the retry as
 * what she will sign in IKE_AUTH, and answers as before: whichever answer
 * reaches her first, both sides go on with the same SA.
 */
static void test_restart_with_cookie_after_answer(void **state)
{
    struct lab *lab = *state;
    lab_start(lab);
    static struct mock_packet req, lost, cookie_reply;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_true(mock_pop(&lab->net, &lost)); /* still on its way when the cookie arrives */
    /* A worker's stateless COOKIE for the same request, with the gateway's keys. */
    const struct ike_cookie_keys *keys = ike_get_cookie_keys(lab->gw, NULL);
    struct ike_sl_config sl = {.cookie_keys = keys};
    struct ike_sl_result res;
    assert_int_equal(ike_sl_respond(&sl, lab->net.now_ns, &req.from, req.data, req.len, false,
                                    cookie_reply.data, sizeof(cookie_reply.data), &res),
                     0);
    assert_int_equal(res.action, IKE_SL_COOKIE);
    cookie_reply.len = res.reply_len;
    ike_input(lab->alice, &req.to, &req.from, cookie_reply.data, cookie_reply.len);
    /* Alice's retry (same SPIi, cookie first) and then the old answer arrive. */
    assert_int_equal(lab_run(lab), 4);
    ike_input(lab->alice, &lost.to, &lost.from, lost.data, lost.len); /* a stale answer: ignored */
    lab_run(lab);
    assert_int_equal(counters(lab->gw)->init_restarted, 0);
    assert_int_equal(counters(lab->gw)->auth_failed, 0);
    assert_int_equal(counters(lab->gw)->sa_established, 1);
    assert_int_equal(counters(lab->alice)->sa_established, 1);
    assert_int_equal(lab_only_sa(lab->alice).spi_r, lab_only_sa(lab->gw).spi_r);
}

/* The other order: the first answer reaches Alice after she sent her retry, before its answer. */
static void test_answer_after_cookie_retry(void **state)
{
    struct lab *lab = *state;
    lab_start(lab);
    static struct mock_packet req, first, cookie_reply, retry;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_true(mock_pop(&lab->net, &first));
    const struct ike_cookie_keys *keys = ike_get_cookie_keys(lab->gw, NULL);
    struct ike_sl_config sl = {.cookie_keys = keys};
    struct ike_sl_result res;
    assert_int_equal(ike_sl_respond(&sl, lab->net.now_ns, &req.from, req.data, req.len, false,
                                    cookie_reply.data, sizeof(cookie_reply.data), &res),
                     0);
    ike_input(lab->alice, &req.to, &req.from, cookie_reply.data, res.reply_len);
    assert_true(mock_pop(&lab->net, &retry)); /* her retry, still on its way */
    ike_input(lab->alice, &first.to, &first.from, first.data, first.len); /* she goes on with it */
    ike_input(lab->gw, &retry.to, &retry.from, retry.data, retry.len);    /* then the retry lands */
    lab_run(lab);
    assert_int_equal(counters(lab->gw)->init_restarted, 0);
    assert_int_equal(counters(lab->gw)->auth_failed, 0);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
    assert_int_equal(lab_only_sa(lab->alice).spi_r, lab_only_sa(lab->gw).spi_r);
}

/* A retry with the COOKIE in front but another nonce is a new request: the gateway starts over. */
static void test_cookie_retry_with_other_payloads(void **state)
{
    struct lab *lab = *state;
    lab_start(lab);
    static struct mock_packet req, answer;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_true(mock_pop(&lab->net, &answer));
    /* HDR, N(COOKIE), then the request's payloads with one nonce byte changed. */
    static uint8_t retry[MOCK_PKT];
    const uint8_t cookie[] = {1, 2, 3, 4, 5, 6, 7, 8};
    size_t n_len = 8 + sizeof(cookie);
    memcpy(retry, req.data, IKE_HDR_LEN);
    retry[16] = IKE_PL_NOTIFY;
    ike_put32(retry + 24, (uint32_t)(req.len + n_len));
    uint8_t *n = retry + IKE_HDR_LEN;
    n[0] = req.data[16];
    n[1] = 0;
    ike_put16(n + 2, (uint16_t)n_len);
    n[4] = 0;
    n[5] = 0;
    ike_put16(n + 6, IKE_N_COOKIE);
    memcpy(n + 8, cookie, sizeof(cookie));
    memcpy(n + n_len, req.data + IKE_HDR_LEN, req.len - IKE_HDR_LEN);
    struct ike_msg m;
    assert_int_equal(ike_msg_decode(retry, req.len + n_len, &m, NULL), 0);
    const struct ike_pl *nonce = ike_msg_find(&m, IKE_PL_NONCE, NULL);
    assert_non_null(nonce);
    retry[nonce->offset + IKE_GENERIC_HDR_LEN] ^= 0xff;
    ike_input(lab->gw, &req.to, &req.from, retry, req.len + n_len);
    assert_int_equal(counters(lab->gw)->init_restarted, 1);
    assert_int_equal(counters(lab->gw)->rx_retransmit_answered, 0);
}

/* The COOKIE notify data of an IKE_SA_INIT message, copied to out (IKE_COOKIE_LEN bytes). */
static void cookie_of(const struct mock_packet *p, uint8_t *out)
{
    struct ike_msg m;
    assert_int_equal(ike_msg_decode(p->data, p->len, &m, NULL), 0);
    struct ike_notify_payload n;
    assert_int_equal(ike_notify_decode(ike_msg_find_notify(&m, IKE_N_COOKIE), &n, NULL), 0);
    assert_int_equal(n.data.len, IKE_COOKIE_LEN);
    memcpy(out, n.data.ptr, IKE_COOKIE_LEN);
}

/*
 * A cookie is the answer of one address (2.6): the same request with alice's
 * valid cookie from another source is refused with a cookie of its own, and
 * gets no SA; from alice it still passes.
 */
static void test_cookie_bound_to_client(void **state)
{
    struct lab *lab = *state;
    lab_start(lab);
    restart_gw_half_open(lab);
    static struct mock_packet retry, spoofed, answer;
    cookie_round(lab, &retry);
    assert_int_equal(counters(lab->gw)->cookies_sent, 1);
    spoofed = retry;
    assert_int_equal(ike_addr_parse(&spoofed.from, "198.51.100.7", 500), 0);
    ike_input(lab->gw, &spoofed.to, &spoofed.from, spoofed.data, spoofed.len);
    assert_int_equal(counters(lab->gw)->cookies_rejected, 1);
    assert_int_equal(counters(lab->gw)->cookies_accepted, 0);
    assert_int_equal(counters(lab->gw)->cookies_sent, 2);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 1); /* the half-open one only */
    /* The answer is a fresh cookie, for the spoofed address, not alice's again. */
    assert_true(mock_pop(&lab->net, &answer));
    assert_int_equal(lab->net.count, 0);
    assert_true(ike_addr_equal(&answer.to, &spoofed.from));
    uint8_t alices[IKE_COOKIE_LEN], fresh[IKE_COOKIE_LEN];
    cookie_of(&answer, fresh);
    cookie_of(&retry, alices);
    assert_memory_not_equal(fresh, alices, IKE_COOKIE_LEN);
    /* From alice, the same bytes are let in and the SA comes up. */
    ike_input(lab->gw, &retry.to, &retry.from, retry.data, retry.len);
    assert_int_equal(counters(lab->gw)->cookies_accepted, 1);
    assert_int_equal(counters(lab->gw)->cookies_rejected, 1);
    assert_int_equal(lab_run(lab), 3);
    assert_int_equal(counters(lab->gw)->sa_established, 1);
    assert_int_equal(counters(lab->alice)->sa_established, 1);
}

static void test_initial_contact(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    uint32_t stale_child = lab->gw_node.live[0].spi_in;
    /* Alice reboots: her SAs vanish without a word; she connects afresh. */
    ike_ctx_free(lab->alice);
    lab->alice_node.nlive = 0;
    struct ike_backend a = mock_backend(&lab->alice_node);
    lab->alice = ike_ctx_new(&lab->alice_cfg, &a);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(lab_run(lab), 4);
    /* The gateway dropped the stale SA and its Child SA when INITIAL_CONTACT came. */
    assert_int_equal(counters(lab->gw)->initial_contact_deleted, 1);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 1);
    assert_int_equal(lab->gw_node.nlive, 1);
    assert_null(mock_live(&lab->gw_node, stale_child));
}

static void test_no_initial_contact_with_another_sa(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    /* A second IKE SA to the same gateway while the first lives: both stay. */
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(lab_run(lab), 4);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 2);
    assert_int_equal(counters(lab->gw)->initial_contact_deleted, 0);
    assert_int_equal(lab->gw_node.nlive, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_cookie_past_threshold),
        LAB_TEST(test_cookie_rotation),
        LAB_TEST(test_restart_with_cookie_after_answer),
        LAB_TEST(test_answer_after_cookie_retry),
        LAB_TEST(test_cookie_retry_with_other_payloads),
        LAB_TEST(test_cookie_bound_to_client),
        LAB_TEST(test_initial_contact),
        LAB_TEST(test_no_initial_contact_with_another_sa),
    };
    return cmocka_run_group_tests_name("admission", tests, NULL, NULL);
}
