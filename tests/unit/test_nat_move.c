/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A peer behind a NAT whose mapping changes (RFC 7296 2.23): the gateway
 * follows it to its new address and port on a validated new message, and
 * moves its Child SAs too (child_update); it never moves for a retransmitted,
 * forged or replayed message, nor when the peer is not behind a NAT (that is
 * MOBIKE's job), nor when it is itself behind the NAT. Responses always go
 * back where their request came from (2.11).
 *
 * alice is a client without MOBIKE here: with MOBIKE on, only an
 * UPDATE_SA_ADDRESSES moves the SA (RFC 4555 3.8; test_mobike).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ike_consts.h"
#include "ike_lab.h"

/* lab_setup, alice without MOBIKE. */
static int setup(void **state)
{
    int rc = lab_setup(state);
    ((struct lab *)*state)->alice_peer.mobike = IKE_MOBIKE_NO;
    return rc;
}
#define NAT_TEST(f) cmocka_unit_test_setup_teardown(f, setup, lab_teardown)

static const struct ike_counters *counters(struct ike_ctx *ctx)
{
    return ike_get_counters(ctx);
}

/* alice (192.0.2.2) behind a NAT whose public address is 198.51.100.9. */
static void nat_on(struct lab *lab, uint16_t shift)
{
    lab->net.nat.on = true;
    lab->net.nat.inside = lab->alice_addr;
    assert_int_equal(ike_addr_parse(&lab->net.nat.outside, "198.51.100.9", 0), 0);
    lab->net.nat.port_shift = shift;
}

/* alice's next liveness check: one empty INFORMATIONAL request, queued, not delivered. */
static void alice_checks_liveness(struct lab *lab)
{
    lab->net.now_ns += 11 * SEC;
    ike_tick(lab->alice);
    assert_int_equal(lab->net.count, 1);
}

static void assert_remote(const struct ike_addr *a, const char *ip, uint16_t port)
{
    struct ike_addr want;
    assert_int_equal(ike_addr_parse(&want, ip, port), 0);
    assert_true(ike_addr_equal(a, &want));
}

static void assert_gw_remote(struct lab *lab, const char *ip, uint16_t port)
{
    struct ike_sa_info sa = lab_only_sa(lab->gw);
    assert_remote(&sa.remote, ip, port);
}

static void establish_behind_nat(struct lab *lab)
{
    lab->alice_peer.dpd_delay_s = 10;
    nat_on(lab, 1000);
    lab_start_establish(lab);
    struct ike_sa_info gw = lab_only_sa(lab->gw);
    assert_true(gw.natt);
    assert_remote(&gw.remote, "198.51.100.9", 5500);
    const struct ike_child_sa *c = mock_live(&lab->gw_node, gw.child_spi_in);
    assert_non_null(c);
    assert_remote(&c->remote, "198.51.100.9", 5500);
    assert_true(c->udp_encap);
}

static void test_nat_rebinding_followed(void **state)
{
    struct lab *lab = *state;
    establish_behind_nat(lab);
    /* The NAT reboots: alice's packets now leave from port 6500. */
    lab->net.nat.port_shift = 2000;
    alice_checks_liveness(lab);
    assert_int_equal(lab_run(lab), 2); /* request, and the answer to the new port */
    assert_int_equal(counters(lab->alice)->liveness_checks, 1);
    assert_int_equal(lab->net.nat.dropped, 0);
    struct ike_sa_info gw = lab_only_sa(lab->gw);
    assert_remote(&gw.remote, "198.51.100.9", 6500);
    assert_int_equal(counters(lab->gw)->peer_address_updated, 1);
    /* ESP follows: the Child SA's outer address moved in the dataplane. */
    assert_int_equal(lab->gw_node.nupdated, 1);
    assert_int_equal(lab->gw_node.nupdate_unknown, 0);
    assert_remote(&mock_live(&lab->gw_node, gw.child_spi_in)->remote, "198.51.100.9", 6500);
    /* The gateway's own requests reach alice through the new mapping: a delete completes. */
    assert_int_equal(ike_delete(lab->gw, gw.spi_i, gw.spi_r), 0);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(lab->net.nat.dropped, 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    /* alice is behind the NAT: she never moved her SA (she saw no new address anyway). */
    assert_int_equal(counters(lab->alice)->peer_address_updated, 0);
}

static void test_stale_mapping_without_update_loses_requests(void **state)
{
    /* The control experiment: without the update the gateway's requests die at the NAT. */
    struct lab *lab = *state;
    establish_behind_nat(lab);
    lab->net.nat.port_shift = 2000;
    struct ike_sa_info gw = lab_only_sa(lab->gw);
    assert_int_equal(ike_delete(lab->gw, gw.spi_i, gw.spi_r), 0);
    lab_run(lab);
    assert_int_equal(lab->net.nat.dropped, 1);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 1);
}

static void test_retransmission_from_elsewhere_not_followed(void **state)
{
    struct lab *lab = *state;
    establish_behind_nat(lab);
    alice_checks_liveness(lab);
    struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_int_equal(lab->net.count, 1); /* the answer */
    lab->net.count = 0;
    /* The same request again, from another port (a replay by someone on the path). */
    struct ike_addr elsewhere = req.from;
    elsewhere.port = 7777;
    ike_input(lab->gw, &req.to, &elsewhere, req.data, req.len);
    assert_int_equal(counters(lab->gw)->rx_retransmit_answered, 1);
    /* Answered where it came from (RFC 7296 2.11), the SA left where it was. */
    struct mock_packet answer;
    assert_true(mock_pop(&lab->net, &answer));
    assert_true(ike_addr_equal(&answer.to, &elsewhere));
    assert_true(ike_addr_equal(&answer.from, &req.to));
    assert_gw_remote(lab, "198.51.100.9", 5500);
    assert_int_equal(counters(lab->gw)->peer_address_updated, 0);
    assert_int_equal(lab->gw_node.nupdated, 0);
}

static void test_forged_request_not_followed(void **state)
{
    struct lab *lab = *state;
    establish_behind_nat(lab);
    alice_checks_liveness(lab);
    struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    /* A new message ID and a broken ICV, from somewhere else. */
    req.data[req.len - 1] ^= 0x01;
    struct ike_addr elsewhere = req.from;
    elsewhere.port = 7777;
    ike_input(lab->gw, &req.to, &elsewhere, req.data, req.len);
    assert_int_equal(counters(lab->gw)->rx_decrypt_failed, 1);
    assert_int_equal(lab->net.count, 0);
    assert_gw_remote(lab, "198.51.100.9", 5500);
    assert_int_equal(counters(lab->gw)->peer_address_updated, 0);
}

static void test_no_nat_peer_moved_is_ignored(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.dpd_delay_s = 10;
    lab_start_establish(lab);
    struct ike_sa_info before = lab_only_sa(lab->gw);
    assert_false(before.natt);
    alice_checks_liveness(lab);
    struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    struct ike_addr moved;
    assert_int_equal(ike_addr_parse(&moved, "192.0.2.77", 500), 0);
    ike_input(lab->gw, &req.to, &moved, req.data, req.len);
    /* Validated and new, but nobody is behind a NAT: answered there, not followed. */
    assert_int_equal(counters(lab->gw)->peer_address_ignored, 1);
    assert_int_equal(counters(lab->gw)->peer_address_updated, 0);
    struct mock_packet answer;
    assert_true(mock_pop(&lab->net, &answer));
    assert_true(ike_addr_equal(&answer.to, &moved));
    assert_gw_remote(lab, "192.0.2.2", 500);
    assert_int_equal(lab->gw_node.nupdated, 0);
}

static void test_behind_nat_itself_does_not_follow(void **state)
{
    struct lab *lab = *state;
    establish_behind_nat(lab);
    /* The gateway's liveness check reaches alice from an unexpected port. */
    lab->gw_peer.dpd_delay_s = 10;
    struct ike_sa_info gw = lab_only_sa(lab->gw);
    assert_int_equal(ike_delete(lab->gw, gw.spi_i, gw.spi_r), 0);
    struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    struct ike_addr to = lab->alice_addr;
    to.port = IKE_NATT_PORT;
    struct ike_addr from = req.from;
    from.port = 4501;
    ike_input(lab->alice, &to, &from, req.data, req.len);
    /* alice knows she is behind a NAT: she answers but does not move her SA (2.23). */
    assert_int_equal(counters(lab->alice)->peer_address_ignored, 1);
    assert_int_equal(counters(lab->alice)->peer_address_updated, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        NAT_TEST(test_nat_rebinding_followed),
        NAT_TEST(test_stale_mapping_without_update_loses_requests),
        NAT_TEST(test_retransmission_from_elsewhere_not_followed),
        NAT_TEST(test_forged_request_not_followed),
        NAT_TEST(test_no_nat_peer_moved_is_ignored),
        NAT_TEST(test_behind_nat_itself_does_not_follow),
    };
    return cmocka_run_group_tests_name("nat_move", tests, NULL, NULL);
}
