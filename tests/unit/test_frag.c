/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE fragmentation (RFC 7383), veer against veer: with a small fragment size
 * IKE_AUTH and CREATE_CHILD_SA go as SKF fragments; reassembly copes with
 * reordering, duplicates, forged and lost fragments, and a retransmitted
 * fragmented request is answered once.
 */
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "mock_backend.h"
#include "unit_util.h"

#define SMALL 160 /* IP datagram bytes: every IKE_AUTH message needs several fragments */

static const struct ike_counters *counters(struct ike_ctx *ctx)
{
    return ike_get_counters(ctx);
}

static void start_small(struct lab *lab)
{
    lab_start(lab);
    ike_ctx_free(lab->alice);
    ike_ctx_free(lab->gw);
    lab->alice_cfg.fragment_size = lab->gw_cfg.fragment_size = SMALL;
    struct ike_backend a = mock_backend(&lab->alice_node);
    struct ike_backend g = mock_backend(&lab->gw_node);
    lab->alice = ike_ctx_new(&lab->alice_cfg, &a);
    lab->gw = ike_ctx_new(&lab->gw_cfg, &g);
}

static void assert_one_child_pair(const struct lab *lab)
{
    assert_int_equal(lab->alice_node.nlive, 1);
    assert_int_equal(lab->gw_node.nlive, 1);
    const struct ike_child_sa *a = &lab->alice_node.live[0], *g = &lab->gw_node.live[0];
    assert_int_equal(a->spi_in, g->spi_out);
    assert_memory_equal(a->encr_out, g->encr_in, a->encr_key_len);
}

/* Runs IKE_SA_INIT and stops with alice's fragmented IKE_AUTH request queued. */
static unsigned to_auth_request(struct lab *lab)
{
    static struct mock_packet p;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_true(mock_pop(&lab->net, &p));
    ike_input(lab->gw, &p.to, &p.from, p.data, p.len);
    assert_true(mock_pop(&lab->net, &p));
    ike_input(lab->alice, &p.to, &p.from, p.data, p.len);
    return lab->net.count;
}

static void test_fragmented_exchanges(void **state)
{
    struct lab *lab = *state;
    start_small(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    unsigned sent = lab_run(lab);
    assert_true(sent > 4);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
    assert_int_equal(counters(lab->alice)->tx_fragmented, 1);
    assert_int_equal(counters(lab->gw)->tx_fragmented, 1);
    assert_int_equal(counters(lab->gw)->rx_reassembled, 1);
    assert_int_equal(counters(lab->alice)->rx_reassembled, 1);
    assert_one_child_pair(lab);
    /* No datagram went over the limit (IPv4: 20 + 8 bytes of headers). */
    assert_true(lab->net.sent == sent);
    /* CREATE_CHILD_SA too. */
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_child(lab->alice, a.spi_i, a.spi_r, a.children[0].spi_in), 0);
    lab_run(lab);
    assert_int_equal(counters(lab->gw)->rx_reassembled, 2);
    assert_one_child_pair(lab);
}

static void test_reordered_duplicated_forged(void **state)
{
    struct lab *lab = *state;
    start_small(lab);
    unsigned n = to_auth_request(lab);
    assert_true(n >= 3 && n <= 8);
    static struct mock_packet frag[8];
    for (unsigned i = 0; i < n; i++)
        assert_true(mock_pop(&lab->net, &frag[i]));
    /* A forged copy of the last fragment: one flipped ciphertext bit. */
    static struct mock_packet forged;
    forged = frag[n - 1];
    forged.data[forged.len - 20] ^= 1;
    ike_input(lab->gw, &forged.to, &forged.from, forged.data, forged.len);
    assert_int_equal(counters(lab->gw)->rx_decrypt_failed, 1);
    /* Last to first, the second one twice. */
    for (unsigned i = n; i-- > 0;) {
        ike_input(lab->gw, &frag[i].to, &frag[i].from, frag[i].data, frag[i].len);
        if (i == 1)
            ike_input(lab->gw, &frag[i].to, &frag[i].from, frag[i].data, frag[i].len);
    }
    assert_int_equal(counters(lab->gw)->rx_fragments_dropped, 1); /* the duplicate */
    assert_int_equal(counters(lab->gw)->rx_reassembled, 1);
    lab_run(lab);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_one_child_pair(lab);
}

static void test_lost_fragment_and_replay(void **state)
{
    struct lab *lab = *state;
    start_small(lab);
    unsigned n = to_auth_request(lab);
    static struct mock_packet frag[8];
    for (unsigned i = 0; i < n; i++)
        assert_true(mock_pop(&lab->net, &frag[i]));
    /* All but the second arrive; the gateway waits. */
    for (unsigned i = 0; i < n; i++) {
        if (i != 1)
            ike_input(lab->gw, &frag[i].to, &frag[i].from, frag[i].data, frag[i].len);
    }
    assert_int_equal(lab->net.count, 0);
    /* Alice retransmits every fragment; the set completes. */
    lab->net.now_ns += SEC;
    ike_tick(lab->alice);
    assert_int_equal(lab->net.count, n);
    unsigned response_frags = 0;
    static struct mock_packet p;
    while (mock_pop(&lab->net, &p)) {
        if (p.to.ip[3] == lab->gw_addr.ip[3])
            ike_input(lab->gw, &p.to, &p.from, p.data, p.len);
        else
            response_frags++; /* the answer is lost */
    }
    assert_int_equal(counters(lab->gw)->rx_reassembled, 1);
    assert_true(response_frags >= 2);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
    /* The whole request again: answered once, from the cache, on its first fragment. */
    for (unsigned i = 0; i < n; i++)
        ike_input(lab->gw, &frag[i].to, &frag[i].from, frag[i].data, frag[i].len);
    assert_int_equal(counters(lab->gw)->rx_retransmit_answered, 1);
    assert_int_equal(lab->net.count, response_frags);
    lab_run(lab);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_one_child_pair(lab);
    assert_int_equal(lab->gw_node.ninstalled, 1);
}

static void test_unfragmented_by_default(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_int_equal(counters(lab->alice)->tx_fragmented, 0);
    assert_int_equal(counters(lab->gw)->tx_fragmented, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_fragmented_exchanges),
        LAB_TEST(test_reordered_duplicated_forged),
        LAB_TEST(test_lost_fragment_and_replay),
        LAB_TEST(test_unfragmented_by_default),
    };
    return cmocka_run_group_tests_name("fragmentation", tests, NULL, NULL);
}
