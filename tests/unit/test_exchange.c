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
#include "mock_backend.h"
#include "unit_util.h"

#define SEC 1000000000ull

struct lab {
    struct mock_net net;
    struct mock_node alice_node, gw_node;
    struct ike_peer_cfg alice_peer, gw_peer;
    struct ike_config alice_cfg, gw_cfg;
    struct ike_ctx *alice, *gw;
    struct ike_addr alice_addr, gw_addr;
};

static void set_id(struct ike_id *id, const char *fqdn)
{
    id->type = IKE_ID_FQDN;
    id->len = (uint8_t)strlen(fqdn);
    memcpy(id->data, fqdn, id->len);
}

static struct ike_ts prefix(const char *first, const char *last)
{
    struct ike_addr a, b;
    assert_int_equal(ike_addr_parse(&a, first, 0), 0);
    assert_int_equal(ike_addr_parse(&b, last, 0), 0);
    struct ike_ts ts;
    ike_ts_range(&ts, &a, &b, 0, 0, 65535);
    return ts;
}

static void base_peer(struct ike_peer_cfg *p, const char *name, const char *me, const char *them)
{
    memset(p, 0, sizeof(*p));
    strcpy(p->name, name);
    set_id(&p->local_id, me);
    set_id(&p->remote_id, them);
    memcpy(p->psk, "labsecret-0123456789", 20);
    p->psk_len = 20;
    p->nike = 1;
    p->ike[0] = (struct ike_proposal_cfg){.protocol = IKE_PROTO_IKE,
                                          .nencr = 1,
                                          .encr = {{IKE_ENCR_AES_GCM_16, 128}},
                                          .nprf = 1,
                                          .prf = {IKE_PRF_HMAC_SHA2_256},
                                          .ndh = 1,
                                          .dh = {IKE_DH_CURVE25519}};
    p->nesp = 1;
    p->esp[0] = (struct ike_proposal_cfg){.protocol = IKE_PROTO_ESP,
                                          .nencr = 1,
                                          .encr = {{IKE_ENCR_AES_GCM_16, 128}},
                                          .nesn = 1,
                                          .esn = {IKE_ESN_NO_ESN}};
}

static int setup(void **state)
{
    static struct lab lab;
    memset(&lab, 0, sizeof(lab));
    assert_int_equal(ike_addr_parse(&lab.alice_addr, "192.0.2.2", 500), 0);
    assert_int_equal(ike_addr_parse(&lab.gw_addr, "192.0.2.1", 500), 0);
    lab.alice_node = (struct mock_node){.name = "alice", .net = &lab.net, .rng = 0x1234567};
    lab.gw_node = (struct mock_node){.name = "gw", .net = &lab.net, .rng = 0x7654321};

    base_peer(&lab.alice_peer, "to-gw", "alice.example", "gw.example");
    lab.alice_peer.remote = lab.gw_addr;
    lab.alice_peer.nlocal_ts = lab.alice_peer.nremote_ts = 1;
    lab.alice_peer.local_ts[0] = prefix("10.1.0.1", "10.1.0.1");
    lab.alice_peer.remote_ts[0] = prefix("10.2.0.0", "10.2.0.255");

    base_peer(&lab.gw_peer, "road-warriors", "gw.example", "alice.example");
    lab.gw_peer.nlocal_ts = lab.gw_peer.nremote_ts = 1;
    lab.gw_peer.local_ts[0] = prefix("10.2.0.0", "10.2.0.255");
    lab.gw_peer.remote_ts[0] = prefix("10.1.0.0", "10.1.255.255");
    *state = &lab;
    return 0;
}

static void start(struct lab *lab)
{
    lab->alice_cfg = (struct ike_config){.peers = &lab->alice_peer, .npeers = 1, .max_sas = 64};
    lab->gw_cfg = (struct ike_config){.peers = &lab->gw_peer, .npeers = 1, .max_sas = 64};
    struct ike_backend a = mock_backend(&lab->alice_node);
    struct ike_backend g = mock_backend(&lab->gw_node);
    lab->alice = ike_ctx_new(&lab->alice_cfg, &a);
    lab->gw = ike_ctx_new(&lab->gw_cfg, &g);
    assert_non_null(lab->alice);
    assert_non_null(lab->gw);
}

static int teardown(void **state)
{
    struct lab *lab = *state;
    ike_ctx_free(lab->alice);
    ike_ctx_free(lab->gw);
    return 0;
}

static unsigned run(struct lab *lab)
{
    return mock_run(&lab->net, lab->alice, &lab->alice_addr, lab->gw, &lab->gw_addr, 50);
}

static struct ike_sa_info first_sa;
static void grab(void *opaque, const struct ike_sa_info *sa)
{
    (void)opaque;
    first_sa = *sa;
}

static struct ike_sa_info only_sa(struct ike_ctx *ctx)
{
    memset(&first_sa, 0, sizeof(first_sa));
    assert_int_equal(ike_sa_foreach(ctx, grab, NULL), 1);
    return first_sa;
}

static void test_establish_and_delete(void **state)
{
    struct lab *lab = *state;
    start(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(run(lab), 4);

    struct ike_sa_info a = only_sa(lab->alice), g = only_sa(lab->gw);
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
    assert_int_equal(lab->alice_node.ninstalled, 1);
    assert_int_equal(lab->gw_node.ninstalled, 1);
    const struct ike_child_sa *ca = &lab->alice_node.installed[0];
    const struct ike_child_sa *cg = &lab->gw_node.installed[0];
    assert_int_equal(ca->spi_in, cg->spi_out);
    assert_int_equal(ca->spi_out, cg->spi_in);
    assert_int_equal(ca->encr_key_len, 20);
    assert_memory_equal(ca->encr_out, cg->encr_in, 20);
    assert_memory_equal(ca->encr_in, cg->encr_out, 20);
    assert_memory_not_equal(ca->encr_in, ca->encr_out, 20);
    /* Narrowed selectors: alice keeps 10.1.0.1, the gateway offers 10.2.0.0/24. */
    assert_int_equal(cg->ts_remote.nts, 1);
    assert_memory_equal(cg->ts_remote.ts[0].start_addr, "\x0a\x01\x00\x01", 4);
    assert_memory_equal(ca->ts_remote.ts[0].end_addr, "\x0a\x02\x00\xff", 4);
    assert_false(ca->udp_encap);

    /* Alice deletes; both sides forget the SA and its Child SA. */
    assert_int_equal(ike_delete(lab->alice, a.spi_i, a.spi_r), 0);
    assert_int_equal(run(lab), 2);
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
    start(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    run(lab);
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
    start(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(run(lab), 2);
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
    start(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(run(lab), 6);
    assert_int_equal(only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(only_sa(lab->gw).alg.dh, IKE_DH_ECP_256);
    assert_int_equal(ike_get_counters(lab->gw)->invalid_ke_payload, 1);
}

static void test_ts_unacceptable(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.local_ts[0] = prefix("10.9.0.0", "10.9.0.255");
    start(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    run(lab);
    /* The IKE SA stands; no Child SA exists on either side. */
    assert_int_equal(only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(only_sa(lab->gw).nchildren, 0);
    assert_int_equal(lab->alice_node.ninstalled, 0);
    assert_int_equal(ike_get_counters(lab->gw)->ts_unacceptable, 1);
    assert_int_equal(ike_get_counters(lab->alice)->ts_unacceptable, 1);
}

static void test_lost_and_duplicated(void **state)
{
    struct lab *lab = *state;
    start(lab);
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
    run(lab); /* the second copy of the response is ignored; IKE_AUTH follows */
    assert_int_equal(only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
    /* A replayed IKE_AUTH request is answered from the cache, not processed again. */
    assert_int_equal(lab->gw_node.ninstalled, 1);
}

static void test_half_open_expiry_and_give_up(void **state)
{
    struct lab *lab = *state;
    start(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
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
        cmocka_unit_test_setup_teardown(test_establish_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_psk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_proposal_chosen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_ke_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ts_unacceptable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_and_duplicated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_open_expiry_and_give_up, setup, teardown),
    };
    return cmocka_run_group_tests_name("exchange", tests, NULL, NULL);
}
