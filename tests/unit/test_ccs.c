/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CREATE_CHILD_SA and the SA lifecycle, veer against veer through the mock
 * backend: Child SA rekeys from either side, with PFS and INVALID_KE_PAYLOAD,
 * IKE SA rekeys from either side, simultaneous Child SA and IKE SA rekeys
 * (both orders, lost responses), further Child SAs,
 * deletes that cross, lifetimes (time and bytes, soft and hard), liveness
 * checks and a dead peer, lost responses, and refusals.
 */
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "mock_backend.h"
#include "unit_util.h"

/* Every live Child SA of one side has its mirror on the other: SPIs and keys crosswise. */
static void assert_paired(const struct lab *lab, unsigned expect)
{
    const struct mock_node *a = &lab->alice_node, *g = &lab->gw_node;
    assert_int_equal(a->nlive, expect);
    assert_int_equal(g->nlive, expect);
    for (unsigned i = 0; i < a->nlive; i++) {
        const struct ike_child_sa *ca = &a->live[i];
        const struct ike_child_sa *cg = mock_live(g, ca->spi_out);
        assert_non_null(cg);
        assert_int_equal(cg->spi_out, ca->spi_in);
        assert_int_equal(ca->encr_key_len, cg->encr_key_len);
        assert_int_equal(ca->integ_key_len, cg->integ_key_len);
        assert_memory_equal(ca->encr_out, cg->encr_in, ca->encr_key_len);
        assert_memory_equal(ca->encr_in, cg->encr_out, ca->encr_key_len);
        assert_memory_not_equal(ca->encr_in, ca->encr_out, ca->encr_key_len);
        assert_int_equal(ca->alg.encr.id, cg->alg.encr.id);
        assert_int_equal(ca->alg.dh, cg->alg.dh);
    }
    assert_int_equal(a->ndelete_unknown, 0);
    assert_int_equal(g->ndelete_unknown, 0);
}

static const struct ike_counters *counters(struct ike_ctx *ctx)
{
    return ike_get_counters(ctx);
}

static void rekey_child_from(struct lab *lab, struct ike_ctx *from)
{
    struct ike_sa_info sa = lab_only_sa(from);
    uint32_t old_in = sa.children[0].spi_in;
    assert_int_equal(ike_rekey_child(from, sa.spi_i, sa.spi_r, old_in), 0);
    /* CREATE_CHILD_SA, then the Delete of the old pair. */
    assert_int_equal(lab_run(lab), 4);
    assert_paired(lab, 1);
    sa = lab_only_sa(from);
    assert_int_equal(sa.nchildren, 1);
    assert_int_not_equal(sa.children[0].spi_in, old_in);
    assert_int_equal(sa.children[0].rekey_of, old_in);
    assert_int_equal(counters(lab->alice)->child_rekeyed, 1);
    assert_int_equal(counters(lab->gw)->child_rekeyed, 1);
}

static void test_child_rekey_by_initiator(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    rekey_child_from(lab, lab->alice);
    assert_int_equal(lab->alice_node.ndeleted, 1);
    assert_int_equal(lab->gw_node.ndeleted, 1);
}

static void test_child_rekey_by_responder(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    rekey_child_from(lab, lab->gw);
}

static void test_child_rekey_with_pfs(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.esp[0].ndh = lab->gw_peer.esp[0].ndh = 1;
    lab->alice_peer.esp[0].dh[0] = lab->gw_peer.esp[0].dh[0] = IKE_DH_CURVE25519;
    lab_start(lab);
    /* IKE_AUTH has no KE: its Child SA is made without PFS even so configured. */
    lab_establish(lab);
    assert_int_equal(lab->alice_node.live[0].alg.dh, IKE_DH_NONE);
    rekey_child_from(lab, lab->alice);
    assert_int_equal(lab->alice_node.live[0].alg.dh, IKE_DH_CURVE25519);
}

static void test_child_rekey_invalid_ke(void **state)
{
    struct lab *lab = *state;
    /* Alice guesses ECP-256 for PFS; the gateway takes only X25519. */
    lab->alice_peer.esp[0].ndh = 2;
    lab->alice_peer.esp[0].dh[0] = IKE_DH_ECP_256;
    lab->alice_peer.esp[0].dh[1] = IKE_DH_CURVE25519;
    lab->gw_peer.esp[0].ndh = 1;
    lab->gw_peer.esp[0].dh[0] = IKE_DH_CURVE25519;
    lab_start_establish(lab);
    struct ike_sa_info sa = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_child(lab->alice, sa.spi_i, sa.spi_r, sa.children[0].spi_in), 0);
    assert_int_equal(lab_run(lab), 6); /* refused, retried, then the Delete */
    assert_int_equal(counters(lab->gw)->invalid_ke_payload, 1);
    assert_paired(lab, 1);
    assert_int_equal(lab->gw_node.live[0].alg.dh, IKE_DH_CURVE25519);
}

static void ike_rekey_from(struct lab *lab, struct ike_ctx *from)
{
    struct ike_sa_info before = lab_only_sa(lab->alice);
    uint32_t child_in = before.children[0].spi_in;
    unsigned installs = lab->alice_node.ninstalled + lab->gw_node.ninstalled;
    assert_int_equal(ike_rekey_ike(from, before.spi_i, before.spi_r), 0);
    /* CREATE_CHILD_SA, then the Delete of the old IKE SA. */
    assert_int_equal(lab_run(lab), 4);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_int_equal(a.spi_i, g.spi_i);
    assert_int_equal(a.spi_r, g.spi_r);
    assert_true(a.spi_i != before.spi_i && a.spi_r != before.spi_r);
    /* The rekeying side is the original initiator of the new IKE SA (2.18). */
    assert_int_equal(a.initiator, from == lab->alice);
    assert_int_equal(g.initiator, from == lab->gw);
    /* The Child SA moved over untouched: no install, no delete in the dataplane. */
    assert_int_equal(a.children[0].spi_in, child_in);
    assert_int_equal(lab->alice_node.ninstalled + lab->gw_node.ninstalled, installs);
    assert_paired(lab, 1);
    assert_int_equal(counters(lab->alice)->ike_rekeyed, 1);
    assert_int_equal(counters(lab->gw)->ike_rekeyed, 1);
    /* The new keys work: a Child SA rekey over the new IKE SA. */
    struct ike_sa_info now = lab_only_sa(from);
    assert_int_equal(ike_rekey_child(from, now.spi_i, now.spi_r, now.children[0].spi_in), 0);
    assert_int_equal(lab_run(lab), 4);
    assert_paired(lab, 1);
}

static void test_ike_rekey_by_initiator(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    ike_rekey_from(lab, lab->alice);
}

static void test_ike_rekey_by_responder(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    ike_rekey_from(lab, lab->gw);
}

static void test_simultaneous_child_rekey(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(ike_rekey_child(lab->alice, a.spi_i, a.spi_r, a.children[0].spi_in), 0);
    assert_int_equal(ike_rekey_child(lab->gw, g.spi_i, g.spi_r, g.children[0].spi_in), 0);
    lab_run(lab);
    /* Three pairs existed for a moment; the redundant one and the old one are gone. */
    assert_paired(lab, 1);
    assert_int_equal(counters(lab->alice)->rekey_collisions, 1);
    assert_int_equal(counters(lab->gw)->rekey_collisions, 1);
    assert_int_not_equal(lab->alice_node.live[0].spi_in, a.children[0].spi_in);
    assert_int_equal(lab->alice_node.ninstalled, 3);
    assert_int_equal(lab->alice_node.ndeleted, 2);
}

static void count_sa(void *opaque, const struct ike_sa_info *sa)
{
    (void)opaque;
    (void)sa;
}

static unsigned nsas(struct ike_ctx *ctx)
{
    return ike_sa_foreach(ctx, count_sa, NULL);
}

static bool to_alice(const struct lab *lab, const struct mock_packet *pkt)
{
    return memcmp(pkt->to.ip, lab->alice_addr.ip, 4) == 0;
}

/* Hands one popped packet to the side it is addressed to. */
static void deliver(struct lab *lab, const struct mock_packet *pkt)
{
    ike_input(to_alice(lab, pkt) ? lab->alice : lab->gw, &pkt->to, &pkt->from, pkt->data, pkt->len);
}

/*
 * After crossing IKE SA rekeys: one IKE SA left on each side, the same one,
 * new, with the Child SA moved over untouched (no install, no delete).
 * Returns whether alice's rekey survived (she is the new SA's initiator).
 */
static bool assert_one_new_ike_sa(struct lab *lab, const struct ike_sa_info *before,
                                  unsigned installs)
{
    assert_int_equal(nsas(lab->alice), 1);
    assert_int_equal(nsas(lab->gw), 1);
    struct ike_sa_info a = lab_only_sa(lab->alice), g = lab_only_sa(lab->gw);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_int_equal(g.state, IKE_SA_ESTABLISHED);
    assert_int_equal(a.spi_i, g.spi_i);
    assert_int_equal(a.spi_r, g.spi_r);
    assert_true(a.spi_i != before->spi_i && a.spi_r != before->spi_r);
    assert_int_equal(a.initiator, !g.initiator);
    assert_int_equal(a.nchildren, 1);
    assert_int_equal(a.children[0].spi_in, before->children[0].spi_in);
    assert_int_equal(lab->alice_node.ninstalled + lab->gw_node.ninstalled, installs);
    assert_paired(lab, 1);
    return a.initiator;
}

/* Ticks both sides a second at a time until each has one SA and nothing is in flight. */
static void settle(struct lab *lab)
{
    for (unsigned s = 0; s < 120 && (nsas(lab->alice) != 1 || nsas(lab->gw) != 1); s++) {
        lab->net.now_ns += SEC;
        ike_tick(lab->alice);
        ike_tick(lab->gw);
        lab_run(lab);
    }
}

/* Both start an IKE SA rekey; `gw_first` delivers the gateway's request first. */
static void cross_ike_rekeys(struct lab *lab, bool gw_first)
{
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_ike(lab->alice, a.spi_i, a.spi_r), 0);
    assert_int_equal(ike_rekey_ike(lab->gw, a.spi_i, a.spi_r), 0);
    static struct mock_packet first, second;
    assert_true(mock_pop(&lab->net, &first));
    assert_true(mock_pop(&lab->net, &second));
    assert_false(to_alice(lab, &first)); /* alice asked first */
    deliver(lab, gw_first ? &second : &first);
    deliver(lab, gw_first ? &first : &second);
}

/*
 * Simultaneous IKE SA rekeys (2.8.2): both are answered, the SA with the
 * lowest of the four nonces is deleted by its creator, the Child SAs move to
 * the other and its creator deletes the old SA. Rounds with the deterministic
 * RNG give both outcomes, in both orders of arrival.
 */
static void simultaneous_ike_rekeys(struct lab *lab, bool gw_first)
{
    lab_start_establish(lab);
    unsigned alice_won = 0, rounds = 8;
    for (unsigned r = 0; r < rounds; r++) {
        struct ike_sa_info before = lab_only_sa(lab->alice);
        unsigned installs = lab->alice_node.ninstalled + lab->gw_node.ninstalled;
        cross_ike_rekeys(lab, gw_first);
        /* Two responses, the redundant SA's Delete and the old SA's Delete. */
        assert_int_equal(lab_run(lab), 6);
        alice_won += assert_one_new_ike_sa(lab, &before, installs);
        assert_int_equal(counters(lab->alice)->rekey_collisions, r + 1);
        assert_int_equal(counters(lab->gw)->rekey_collisions, r + 1);
        assert_int_equal(counters(lab->alice)->ike_rekeyed, r + 1);
        assert_int_equal(counters(lab->gw)->ike_rekeyed, r + 1);
    }
    assert_int_equal(counters(lab->alice)->temporary_failure, 0);
    assert_int_equal(counters(lab->gw)->tx_temporary_failure, 0);
    assert_true(alice_won > 0 && alice_won < rounds);
    /* The new keys work: a Child SA rekey over the surviving IKE SA. */
    struct ike_sa_info now = lab_only_sa(lab->gw);
    assert_int_equal(ike_rekey_child(lab->gw, now.spi_i, now.spi_r, now.children[0].spi_in), 0);
    assert_int_equal(lab_run(lab), 4);
    assert_paired(lab, 1);
}

static void test_simultaneous_ike_rekey(void **state)
{
    simultaneous_ike_rekeys(*state, false);
}

static void test_simultaneous_ike_rekey_other_order(void **state)
{
    simultaneous_ike_rekeys(*state, true);
}

/*
 * Crossing IKE SA rekeys where responses are lost: `drop_to_alice` and
 * `drop_to_gw` lose the first response each way. Retransmissions are answered
 * from the cache, a side whose response never came takes the peer's SA when
 * the peer deletes the old one, and a redundant SA its creator never learnt
 * of is deleted by the other side after half_open_timeout. In every case one
 * IKE SA is left, the same on both sides, with the Child SA untouched.
 */
static void lost_response_rounds(struct lab *lab, bool drop_to_alice, bool drop_to_gw)
{
    lab_start_establish(lab);
    for (unsigned r = 0; r < 6; r++) {
        struct ike_sa_info before = lab_only_sa(lab->alice);
        unsigned installs = lab->alice_node.ninstalled + lab->gw_node.ninstalled;
        cross_ike_rekeys(lab, r % 2 == 1);
        /* The two responses, in the order they were sent. */
        static struct mock_packet resp[2];
        assert_true(mock_pop(&lab->net, &resp[0]));
        assert_true(mock_pop(&lab->net, &resp[1]));
        for (unsigned k = 0; k < 2; k++) {
            if (to_alice(lab, &resp[k]) ? !drop_to_alice : !drop_to_gw)
                deliver(lab, &resp[k]);
        }
        lab_run(lab);
        settle(lab);
        assert_one_new_ike_sa(lab, &before, installs);
        assert_int_equal(counters(lab->alice)->ike_rekeyed, r + 1);
        assert_int_equal(counters(lab->gw)->ike_rekeyed, r + 1);
        assert_int_equal(counters(lab->alice)->peer_dead, 0);
        assert_int_equal(counters(lab->gw)->peer_dead, 0);
    }
}

static void test_simultaneous_ike_rekey_lost_response_to_alice(void **state)
{
    lost_response_rounds(*state, true, false);
}

static void test_simultaneous_ike_rekey_lost_response_to_gw(void **state)
{
    lost_response_rounds(*state, false, true);
}

static void test_simultaneous_ike_rekey_both_responses_lost(void **state)
{
    lost_response_rounds(*state, true, true);
}

static void test_second_child_and_deletes(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_create_child(lab->alice, a.spi_i, a.spi_r), 0);
    assert_int_equal(lab_run(lab), 2);
    assert_paired(lab, 2);
    assert_int_equal(lab_only_sa(lab->gw).nchildren, 2);
    /* The gateway deletes the first. */
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_int_equal(ike_delete_child(lab->gw, g.spi_i, g.spi_r, g.children[0].spi_in), 0);
    assert_int_equal(lab_run(lab), 2);
    assert_paired(lab, 1);
    /* Both delete the other at once: the deletes cross, and both sides end without it. */
    a = lab_only_sa(lab->alice);
    g = lab_only_sa(lab->gw);
    assert_int_equal(ike_delete_child(lab->alice, a.spi_i, a.spi_r, a.children[0].spi_in), 0);
    assert_int_equal(ike_delete_child(lab->gw, g.spi_i, g.spi_r, g.children[0].spi_in), 0);
    assert_int_equal(lab_run(lab), 4);
    assert_paired(lab, 0);
    assert_int_equal(lab_only_sa(lab->alice).nchildren, 0);
    assert_int_equal(lab_only_sa(lab->gw).nchildren, 0);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
}

static void test_liveness_and_dead_peer(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.dpd_delay_s = 10;
    lab_start_establish(lab);
    lab->net.now_ns += 5 * SEC;
    ike_tick(lab->alice);
    assert_int_equal(lab->net.count, 0); /* not yet */
    lab->net.now_ns += 6 * SEC;
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 2); /* an empty INFORMATIONAL and its answer */
    assert_int_equal(counters(lab->alice)->liveness_checks, 1);
    assert_int_equal(counters(lab->alice)->peer_dead, 0);
    /* Now the gateway is gone: nothing alice sends is answered. */
    for (unsigned i = 0; i < 40; i++) {
        lab->net.now_ns += 5 * SEC;
        ike_tick(lab->alice);
        lab->net.count = 0;
    }
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(counters(lab->alice)->peer_dead, 1);
    assert_int_equal(counters(lab->alice)->liveness_checks, 2);
    assert_int_equal(lab->alice_node.nlive, 0);
}

static void test_lifetime_rekey_and_expiry(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.child_rekey_s = 100;
    lab->gw_peer.child_life_s = 300;
    lab_start_establish(lab);
    lab->net.now_ns += 99 * SEC;
    ike_tick(lab->alice);
    assert_int_equal(lab->net.count, 0);
    lab->net.now_ns += 2 * SEC;
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 4);
    assert_paired(lab, 1);
    assert_int_equal(counters(lab->alice)->child_rekeyed, 1);
    /* Alice stops rekeying; the gateway's hard limit ends the Child SA. */
    lab->alice_peer.child_rekey_s = 0;
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_ike(lab->alice, a.spi_i, a.spi_r), 0); /* no effect on children */
    lab_run(lab);
    lab->net.now_ns += 301 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(counters(lab->gw)->child_expired, 1);
    assert_paired(lab, 0);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
}

static void test_byte_lifetime(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.child_rekey_bytes = 1000000;
    lab_start_establish(lab);
    uint32_t in = lab_only_sa(lab->alice).children[0].spi_in;
    ike_child_usage(lab->alice, in, 999999);
    ike_tick(lab->alice);
    assert_int_equal(lab->net.count, 0);
    ike_child_usage(lab->alice, in, 1000000);
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 4);
    assert_paired(lab, 1);
    assert_int_equal(lab_only_sa(lab->alice).children[0].rekey_of, in);
}

/* The dataplane's reports: byte lifetime over both directions, ESP as a sign of life. */
static void test_traffic_reports(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.dpd_delay_s = 10;
    lab->alice_peer.child_rekey_bytes = 1000000;
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    uint32_t in = a.children[0].spi_in;
    struct ike_child_traffic t = {
        .packets_in = 10, .bytes_in = 600000, .packets_out = 9, .bytes_out = 300000};
    assert_int_equal(ike_child_traffic(lab->alice, a.spi_i, a.spi_r, in + 1, &t), -ENOENT);
    assert_int_equal(ike_child_traffic(lab->alice, a.spi_i, a.spi_r + 1, in, &t), -ENOENT);
    /* ESP keeps arriving: 11 s without IKE, but the peer is plainly alive. */
    for (unsigned s = 0; s < 3; s++) {
        lab->net.now_ns += 11 * SEC;
        t.last_in_ns = lab->net.now_ns - SEC;
        assert_int_equal(ike_child_traffic(lab->alice, a.spi_i, a.spi_r, in, &t), 0);
        ike_tick(lab->alice);
        assert_int_equal(lab->net.count, 0);
    }
    assert_int_equal(counters(lab->alice)->liveness_checks, 0);
    struct ike_sa_info seen = lab_only_sa(lab->alice);
    assert_int_equal(seen.children[0].traffic.packets_in, 10);
    assert_int_equal(seen.children[0].traffic.bytes_out, 300000);
    /* Only what we send: that is no sign of the peer's life; a check goes out. */
    lab->net.now_ns += 11 * SEC;
    t.last_out_ns = lab->net.now_ns;
    assert_int_equal(ike_child_traffic(lab->alice, a.spi_i, a.spi_r, in, &t), 0);
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(counters(lab->alice)->liveness_checks, 1);
    /* 900,000 bytes so far; 100,000 more in either direction reach the byte lifetime. */
    t.bytes_out += 100000;
    assert_int_equal(ike_child_traffic(lab->alice, a.spi_i, a.spi_r, in, &t), 0);
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 4);
    assert_paired(lab, 1);
    assert_int_equal(lab_only_sa(lab->alice).children[0].rekey_of, in);
}

static void test_lost_response_is_replayed(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_child(lab->alice, a.spi_i, a.spi_r, a.children[0].spi_in), 0);
    static struct mock_packet req, resp;
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_true(mock_pop(&lab->net, &resp)); /* lost */
    lab->net.now_ns += SEC;
    ike_tick(lab->alice);
    assert_int_equal(lab_run(lab), 4);
    /* The gateway answered the retransmission from its cache: one new Child SA, not two. */
    assert_int_equal(counters(lab->gw)->rx_retransmit_answered, 1);
    assert_int_equal(lab->gw_node.ninstalled, 2);
    assert_paired(lab, 1);
}

static void test_rekey_refused(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    /* The gateway's policy changes under the SA: AES-256 only from now on. */
    lab->gw_peer.esp[0].encr[0].key_bits = 256;
    struct ike_sa_info a = lab_only_sa(lab->alice);
    uint32_t in = a.children[0].spi_in;
    assert_int_equal(ike_rekey_child(lab->alice, a.spi_i, a.spi_r, in), 0);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(counters(lab->gw)->no_proposal_chosen, 1);
    assert_int_equal(counters(lab->alice)->no_proposal_chosen, 1);
    /* The old Child SA carries on; the IKE SA is unharmed. */
    assert_paired(lab, 1);
    assert_int_equal(lab->alice_node.live[0].spi_in, in);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    /* A rekey crossing our own Delete of the same Child SA is refused for now (2.25). */
    lab->gw_peer.esp[0].encr[0].key_bits = 128;
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_int_equal(ike_delete_child(lab->gw, g.spi_i, g.spi_r, g.children[0].spi_in), 0);
    assert_int_equal(ike_rekey_child(lab->alice, a.spi_i, a.spi_r, in), 0);
    lab_run(lab);
    assert_int_equal(counters(lab->gw)->tx_temporary_failure, 1);
    assert_int_equal(counters(lab->alice)->temporary_failure, 1);
    assert_paired(lab, 0);
}

static void test_operator_errors(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_ike(lab->alice, a.spi_i + 1, a.spi_r), -ENOENT);
    assert_int_equal(ike_rekey_child(lab->alice, a.spi_i, a.spi_r, 12345), -ENOENT);
    assert_int_equal(ike_delete_child(lab->alice, a.spi_i, a.spi_r, 12345), -ENOENT);
    assert_int_equal(ike_rekey_ike(lab->alice, a.spi_i, a.spi_r), 0);
    /* One request at a time. */
    assert_int_equal(ike_rekey_child(lab->alice, a.spi_i, a.spi_r, a.children[0].spi_in), -EBUSY);
    /* A delete while a request is out waits for it, then goes. */
    assert_int_equal(ike_delete(lab->alice, a.spi_i, a.spi_r), 0);
    lab_run(lab);
    ike_tick(lab->alice);
    lab_run(lab);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_paired(lab, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_child_rekey_by_initiator),
        LAB_TEST(test_child_rekey_by_responder),
        LAB_TEST(test_child_rekey_with_pfs),
        LAB_TEST(test_child_rekey_invalid_ke),
        LAB_TEST(test_ike_rekey_by_initiator),
        LAB_TEST(test_ike_rekey_by_responder),
        LAB_TEST(test_simultaneous_child_rekey),
        LAB_TEST(test_simultaneous_ike_rekey),
        LAB_TEST(test_simultaneous_ike_rekey_other_order),
        LAB_TEST(test_simultaneous_ike_rekey_lost_response_to_alice),
        LAB_TEST(test_simultaneous_ike_rekey_lost_response_to_gw),
        LAB_TEST(test_simultaneous_ike_rekey_both_responses_lost),
        LAB_TEST(test_second_child_and_deletes),
        LAB_TEST(test_liveness_and_dead_peer),
        LAB_TEST(test_lifetime_rekey_and_expiry),
        LAB_TEST(test_byte_lifetime),
        LAB_TEST(test_lost_response_is_replayed),
        LAB_TEST(test_traffic_reports),
        LAB_TEST(test_rekey_refused),
        LAB_TEST(test_operator_errors),
    };
    return cmocka_run_group_tests_name("create_child_sa", tests, NULL, NULL);
}
