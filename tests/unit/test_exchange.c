/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A veer initiator against a veer responder in one process, through the mock
 * backend: IKE_SA_INIT, IKE_AUTH with a shared key and the first Child SA,
 * deletes, lost and duplicated messages, and each failure path.
 */
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_ts.h"
#include "ike_lab.h"
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
    };
    return cmocka_run_group_tests_name("exchange", tests, NULL, NULL);
}
