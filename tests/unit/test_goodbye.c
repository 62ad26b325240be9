/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A clean stop (lib/mgmt/goodbye.c): Deletes go only to the peers whose
 * stop_action says so (or whose default does), and the wait ends when the
 * answers are in. Veer against veer through the mock backend.
 */
#include <stdio.h>

#include "ike.h"
#include "ike_lab.h"
#include "mgmt_goodbye.h"
#include "mock_backend.h"
#include "unit_util.h"

/* gw says goodbye to alice with the gateway's peer set to `action` and the program's `dflt`. */
static unsigned goodbye(struct lab *lab, enum ike_stop_action action, enum ike_stop_action dflt)
{
    lab->gw_peer.stop_action = (uint8_t)action;
    lab_start_establish(lab);
    return mgmt_goodbye_send(lab->gw, &lab->gw_peer, 1, dflt);
}

static void test_delete_sent_and_answered(void **state)
{
    struct lab *lab = *state;
    assert_int_equal(goodbye(lab, IKE_STOP_DELETE, IKE_STOP_NONE), 1);
    assert_int_equal(lab->net.count, 1); /* the INFORMATIONAL with the Delete */
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_DELETING);
    assert_int_equal(mgmt_goodbye_pending(lab->gw), 1);
    /* alice answers: both sides forget the SA, nothing left to wait for. */
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(mgmt_goodbye_pending(lab->gw), 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_get_counters(lab->alice)->sa_deleted, 1);
}

static void test_none_keeps_the_sa(void **state)
{
    struct lab *lab = *state;
    assert_int_equal(goodbye(lab, IKE_STOP_NONE, IKE_STOP_DELETE), 0);
    assert_int_equal(lab->net.count, 0);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
    assert_int_equal(mgmt_goodbye_pending(lab->gw), 0);
}

/* Unset: app/veer's default keeps the SA (QCD), veer-ike's deletes it. */
static void test_default_is_the_programs(void **state)
{
    struct lab *lab = *state;
    assert_int_equal(goodbye(lab, IKE_STOP_DEFAULT, IKE_STOP_NONE), 0);
    assert_int_equal(lab->net.count, 0);
    assert_int_equal(mgmt_goodbye_send(lab->gw, &lab->gw_peer, 1, IKE_STOP_DELETE), 1);
    assert_int_equal(lab->net.count, 1);
}

/* An SA whose peer configuration is not in the list (gone) is left alone. */
static void test_unknown_peer_left_alone(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.stop_action = IKE_STOP_DELETE;
    lab_start_establish(lab);
    struct ike_peer_cfg other = lab->gw_peer;
    snprintf(other.name, sizeof(other.name), "someone-else");
    assert_int_equal(mgmt_goodbye_send(lab->gw, &other, 1, IKE_STOP_DELETE), 0);
    assert_int_equal(mgmt_goodbye_send(lab->gw, NULL, 0, IKE_STOP_DELETE), 0);
    assert_int_equal(lab->net.count, 0);
}

/* A peer that never answers: the SA stays pending until lib/ike gives up. */
static void test_unanswered_stays_pending(void **state)
{
    struct lab *lab = *state;
    assert_int_equal(goodbye(lab, IKE_STOP_DELETE, IKE_STOP_NONE), 1);
    struct mock_packet lost;
    assert_true(mock_pop(&lab->net, &lost));
    lab->net.now_ns += 1 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(mgmt_goodbye_pending(lab->gw), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_delete_sent_and_answered), LAB_TEST(test_none_keeps_the_sa),
        LAB_TEST(test_default_is_the_programs),  LAB_TEST(test_unknown_peer_left_alone),
        LAB_TEST(test_unanswered_stays_pending),
    };
    return cmocka_run_group_tests_name("goodbye", tests, NULL, NULL);
}
