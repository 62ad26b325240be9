/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A reloaded configuration in lib/ike (ike_reconfigure), on the shared bench:
 * the gateway's peer configurations live in a heap array that is freed
 * (and poisoned) right after each reload, as app/veer frees the old
 * configuration, so an SA left pointing into it would read garbage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike.h"
#include "ike_lab.h"
#include "mock_backend.h"
#include "unit_util.h"

/* The gateway's peers after the last reload (heap), freed by the teardown. */
static struct ike_peer_cfg *gw_peers;
static unsigned gw_npeers;

/*
 * Reloads the gateway with these peers (copied to the heap), then wipes the
 * array the SAs pointed into before, as app/veer frees the old configuration.
 */
static struct ike_reconfigure_result reload_gw(struct lab *lab, const struct ike_peer_cfg *peers,
                                               unsigned n)
{
    struct ike_peer_cfg *next_peers = calloc(n > 0 ? n : 1, sizeof(*next_peers));
    assert_non_null(next_peers);
    if (n > 0)
        memcpy(next_peers, peers, n * sizeof(*next_peers));
    struct ike_config next = lab->gw_cfg;
    next.peers = next_peers;
    next.npeers = n;
    struct ike_reconfigure_result res;
    assert_int_equal(ike_reconfigure(lab->gw, &next, &res), 0);
    if (gw_peers != NULL) {
        memset(gw_peers, 0xa5, (gw_npeers > 0 ? gw_npeers : 1) * sizeof(*gw_peers));
        free(gw_peers);
    } else {
        memset(&lab->gw_peer, 0xa5, sizeof(lab->gw_peer));
    }
    gw_peers = next_peers;
    gw_npeers = n;
    lab->gw_cfg = next;
    return res;
}

static int reload_teardown(void **state)
{
    lab_teardown(state);
    free(gw_peers);
    gw_peers = NULL;
    gw_npeers = 0;
    return 0;
}

#define RELOAD_TEST(f) cmocka_unit_test_setup_teardown(f, lab_setup, reload_teardown)

/* The gateway's road-warrior peer with another PSK (or name). */
static struct ike_peer_cfg gw_peer_with(const struct lab *lab, const char *name, const char *psk)
{
    struct ike_peer_cfg p = lab->gw_peer;
    if (name != NULL)
        snprintf(p.name, sizeof(p.name), "%s", name);
    if (psk != NULL) {
        p.psk_len = strlen(psk);
        memcpy(p.psk, psk, p.psk_len);
    }
    return p;
}

/* The gateway's SA after a reload that changed its peer's PSK: same SPIs, nothing deleted. */
static void test_kept_peer_untouched(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_sa_info before = lab_only_sa(lab->gw);
    struct ike_peer_cfg changed = gw_peer_with(lab, NULL, "another-secret");
    struct ike_reconfigure_result res = reload_gw(lab, &changed, 1);
    assert_int_equal(res.kept, 1);
    assert_int_equal(res.deleted, 0);
    assert_int_equal(lab_run(lab), 0); /* nothing said to the peer */

    struct ike_sa_info after = lab_only_sa(lab->gw);
    assert_int_equal(after.spi_i, before.spi_i);
    assert_int_equal(after.spi_r, before.spi_r);
    assert_int_equal(after.state, IKE_SA_ESTABLISHED);
    assert_string_equal(after.peer, "road-warriors");
    assert_int_equal(after.child_spi_in, before.child_spi_in);
    assert_int_equal(lab->gw_node.ndeleted, 0);
    assert_int_equal(lab->gw_node.nlive, 1);
    assert_int_equal(ike_get_counters(lab->gw)->reload_sas_kept, 1);

    /* It goes on under the new configuration: a Child SA rekey from the gateway succeeds. */
    assert_int_equal(ike_rekey_child(lab->gw, after.spi_i, after.spi_r, after.child_spi_in), 0);
    assert_true(lab_run(lab) >= 2);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
    assert_int_equal(ike_get_counters(lab->gw)->child_rekeyed, 1);
}

/* After the reload a new initiator with the old PSK is refused: the new one is in force. */
static void test_new_psk_for_new_sas(void **state)
{
    struct lab *lab = *state;
    lab_start(lab);
    struct ike_peer_cfg changed = gw_peer_with(lab, NULL, "another-secret");
    reload_gw(lab, &changed, 1);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    lab_run(lab);
    assert_int_equal(ike_get_counters(lab->gw)->sa_established, 0);
    assert_int_equal(ike_get_counters(lab->gw)->auth_failed, 1);

    /* alice takes the new PSK too: established. */
    memcpy(lab->alice_peer.psk, "another-secret", 14);
    lab->alice_peer.psk_len = 14;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    lab_run(lab);
    assert_int_equal(ike_get_counters(lab->gw)->sa_established, 1);
}

/* A removed peer's SA: Delete to the peer, Child SA out of the dataplane, SA gone. */
static void test_removed_peer_deleted(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_peer_cfg other = gw_peer_with(lab, "branch-office", NULL);
    struct ike_reconfigure_result res = reload_gw(lab, &other, 1);
    assert_int_equal(res.kept, 0);
    assert_int_equal(res.deleted, 1);
    assert_int_equal(ike_get_counters(lab->gw)->reload_sas_deleted, 1);

    /* The Delete and its answer: both sides forget the SA and its Child SA. */
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(lab->gw_node.nlive, 0);
    assert_int_equal(lab->alice_node.nlive, 0);
}

/* The Delete of a removed peer's SA is retransmitted like any request when lost. */
static void test_removed_peer_delete_retransmitted(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    reload_gw(lab, NULL, 0);
    struct mock_packet lost;
    assert_true(mock_pop(&lab->net, &lost)); /* the first Delete never arrives */
    assert_int_equal(lab_run(lab), 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 1); /* waiting for the answer */
    lab->net.now_ns += 2 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(lab->gw_node.nlive, 0);
}

/* A reload during the deletion (the peer gone twice over) leaves it going on. */
static void test_reload_while_deleting(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    reload_gw(lab, NULL, 0);
    struct mock_packet lost;
    assert_true(mock_pop(&lab->net, &lost));
    struct ike_peer_cfg other = gw_peer_with(lab, "branch-office", NULL);
    struct ike_reconfigure_result res = reload_gw(lab, &other, 1);
    assert_int_equal(res.deleted, 0); /* already being deleted: not counted twice */
    lab->net.now_ns += 2 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

/* A peer added before the kept one: the SA follows its name, not its place in the list. */
static void test_kept_by_name(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_sa_info before = lab_only_sa(lab->gw);
    struct ike_peer_cfg two[2] = {gw_peer_with(lab, "added-first", "x"),
                                  gw_peer_with(lab, NULL, NULL)};
    struct ike_reconfigure_result res = reload_gw(lab, two, 2);
    assert_int_equal(res.kept, 1);
    struct ike_sa_info after = lab_only_sa(lab->gw);
    assert_int_equal(after.spi_r, before.spi_r);
    assert_string_equal(after.peer, "road-warriors");
    assert_int_equal(lab_run(lab), 0);
    /* Liveness goes on under the new list. */
    lab->net.now_ns += 1 * SEC;
    ike_tick(lab->gw);
    lab_run(lab);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        RELOAD_TEST(test_kept_peer_untouched),
        RELOAD_TEST(test_new_psk_for_new_sas),
        RELOAD_TEST(test_removed_peer_deleted),
        RELOAD_TEST(test_removed_peer_delete_retransmitted),
        RELOAD_TEST(test_reload_while_deleting),
        RELOAD_TEST(test_kept_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
