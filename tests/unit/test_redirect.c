/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redirect (RFC 5685) on the control plane, veer against veer with a second
 * gateway: in IKE_AUTH by identity, gateway-initiated for an established SA,
 * in IKE_SA_INIT (a real stateless REDIRECT), the initiator's nonce check
 * against a forged REDIRECT (9.2), REDIRECTED_FROM, and the loop limit (9.1).
 */
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "ike_msg.h"
#include "ike_stateless.h"
#include "mock_backend.h"
#include "unit_util.h"

struct gw2 {
    struct mock_node node;
    struct ike_peer_cfg peer;
    struct ike_config cfg;
    struct ike_ctx *ctx;
    struct ike_addr addr;
};

static const struct ike_gw_id gw1_id = {.type = IKE_GW_IPV4, .len = 4, .value = {192, 0, 2, 1}};
static const struct ike_gw_id gw2_id = {.type = IKE_GW_IPV4, .len = 4, .value = {192, 0, 2, 3}};

static void gw2_start(struct lab *lab, struct gw2 *g)
{
    memset(g, 0, sizeof(*g));
    assert_int_equal(ike_addr_parse(&g->addr, "192.0.2.3", 500), 0);
    g->node = (struct mock_node){.name = "gw2", .net = &lab->net, .rng = 0xabcdef};
    g->peer = lab->gw_peer;
    strcpy(g->peer.name, "gw2-road-warriors");
    memset(&g->peer.auth_redirect, 0, sizeof(g->peer.auth_redirect));
    g->cfg = (struct ike_config){.peers = &g->peer, .npeers = 1, .max_sas = 64};
    struct ike_backend be = mock_backend(&g->node);
    g->ctx = ike_ctx_new(&g->cfg, &be);
    assert_non_null(g->ctx);
}

/* The second gateway of the running test: set up empty, freed by the teardown. */
static struct gw2 gw2;

static int gw2_setup(void **state)
{
    memset(&gw2, 0, sizeof(gw2));
    return lab_setup(state);
}

/* Frees gw2 with the lab, so that a test that fails half-way leaks nothing either. */
static int gw2_teardown(void **state)
{
    ike_ctx_free(gw2.ctx);
    gw2.ctx = NULL;
    return lab_teardown(state);
}

/* Starts alice and gw from their (possibly tweaked) peers, then gw2 as a copy of gw. */
static struct gw2 *start3(struct lab *lab)
{
    lab_start(lab);
    gw2_start(lab, &gw2);
    return &gw2;
}

/* Delivers queued packets among alice, gw and gw2 until none are left. */
static unsigned run3(struct lab *lab, struct gw2 *g)
{
    static struct mock_packet p;
    unsigned n = 0;
    while (n < 200 && mock_pop(&lab->net, &p)) {
        n++;
        if (ike_addr_ip_equal(&p.to, &lab->alice_addr))
            ike_input(lab->alice, &p.to, &p.from, p.data, p.len);
        else if (ike_addr_ip_equal(&p.to, &lab->gw_addr))
            ike_input(lab->gw, &p.to, &p.from, p.data, p.len);
        else if (ike_addr_ip_equal(&p.to, &g->addr))
            ike_input(g->ctx, &p.to, &p.from, p.data, p.len);
    }
    return n;
}

static const struct ike_counters *counters(struct ike_ctx *ctx)
{
    return ike_get_counters(ctx);
}

/* Alice ends with exactly one SA, established with gw2; gw keeps nothing. */
static void assert_on_gw2(struct lab *lab, struct gw2 *g)
{
    struct ike_sa_info a = lab_only_sa(lab->alice), b = lab_only_sa(g->ctx);
    assert_int_equal(a.state, IKE_SA_ESTABLISHED);
    assert_int_equal(b.state, IKE_SA_ESTABLISHED);
    assert_memory_equal(a.remote.ip, g->addr.ip, 4);
    assert_int_equal(a.spi_i, b.spi_i);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(counters(lab->alice)->redirects_followed, 1);
}

static void test_redirect_in_auth(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.auth_redirect = gw2_id;
    struct gw2 *g = start3(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    run3(lab, g);
    assert_on_gw2(lab, g);
    assert_int_equal(counters(lab->gw)->redirects_sent, 1);
    /* The gateway that redirected made no Child SA for the client. */
    assert_int_equal(lab->gw_node.ninstalled, 0);
    assert_int_equal(g->node.nlive, 1);
}

/* A policy whose targets are gw (the origin, listed first) and gw2. */
static void policy_gw_gw2(struct rp_table *t)
{
    rp_table_init(t, RP_WEIGHTED_RR, true);
    assert_int_equal(rp_table_add(t, &gw1_id, 5), 0);
    assert_int_equal(rp_table_add(t, &gw2_id, 1), 0);
}

/* IKE_AUTH by policy: a peer with redirect_to '%policy' goes where the shared table says. */
static void test_redirect_in_auth_by_policy(void **state)
{
    struct lab *lab = *state;
    static struct rp_table t;
    rp_table_init(&t, RP_WEIGHTED_RR, false);
    assert_int_equal(rp_table_add(&t, &gw2_id, 1), 0);
    lab->gw_peer.auth_redirect_by_policy = true;
    lab->gw_cfg.redirect_policy = &t;
    struct gw2 *g = start3(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    run3(lab, g);
    assert_on_gw2(lab, g);
    assert_int_equal(counters(lab->gw)->redirects_by_policy, 1);
    assert_int_equal(lab->gw_node.ninstalled, 0);
}

/* No target in the policy: the client is simply served here. */
static void test_redirect_in_auth_policy_empty(void **state)
{
    struct lab *lab = *state;
    static struct rp_table t;
    rp_table_init(&t, RP_WEIGHTED_RR, false);
    lab->gw_peer.auth_redirect_by_policy = true;
    lab->gw_cfg.redirect_policy = &t;
    lab_start_establish(lab);
    assert_int_equal(counters(lab->gw)->redirect_no_target, 1);
    assert_int_equal(counters(lab->gw)->redirects_sent, 0);
    assert_int_equal(lab->gw_node.ninstalled, 1);
}

/* A drain without a gateway asks the policy per client; a client never goes back to its origin. */
static void test_drain_by_policy_skips_origin(void **state)
{
    struct lab *lab = *state;
    static struct rp_table t;
    policy_gw_gw2(&t);
    lab->gw_cfg.redirect_policy = &t;
    struct gw2 *g = start3(lab);
    lab_establish(lab);
    assert_int_equal(ike_redirect_all(lab->gw, NULL), 1);
    run3(lab, g);
    /* gw (weight 5, allow_self) would be the first choice, but it is where the client is. */
    assert_on_gw2(lab, g);
}

static void test_redirect_established(void **state)
{
    struct lab *lab = *state;
    struct gw2 *g = start3(lab);
    lab_establish(lab);
    struct ike_sa_info s = lab_only_sa(lab->gw);
    assert_int_equal(ike_redirect(lab->alice, s.spi_i, s.spi_r, &gw2_id), -ENOENT);
    assert_int_equal(ike_redirect(lab->gw, s.spi_i, s.spi_r, &gw2_id), 0);
    run3(lab, g);
    assert_on_gw2(lab, g);
    assert_int_equal(counters(lab->gw)->redirects_sent, 1);
    assert_int_equal(lab->gw_node.nlive, 0);
}

/*
 * The client's first IKE_SA_INIT towards the new gateway cannot leave (its
 * MAC not known yet: app/veer's send fails and asks for it): the message is
 * kept and retransmitted, as a first initiation is, and the client still
 * ends on gw2 rather than losing its tunnel.
 */
static void test_redirect_first_send_fails(void **state)
{
    struct lab *lab = *state;
    struct gw2 *g = start3(lab);
    lab_establish(lab);
    struct ike_sa_info s = lab_only_sa(lab->gw);
    assert_int_equal(ike_redirect(lab->gw, s.spi_i, s.spi_r, &gw2_id), 0);
    static struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    lab->alice_node.fail_sends = 2; /* its IKE_SA_INIT to gw2 among them */
    ike_input(lab->alice, &req.to, &req.from, req.data, req.len);
    /* Nothing left for gw2: that send failed (the other failure fell on whatever went first). */
    for (unsigned i = 0; i < lab->net.count; i++)
        assert_false(
            ike_addr_ip_equal(&lab->net.queue[(lab->net.head + i) % MOCK_QUEUE].to, &g->addr));
    assert_int_equal(counters(lab->alice)->redirects_followed, 1);
    for (unsigned i = 0; i < 15; i++) {
        lab->net.now_ns += SEC;
        ike_tick(lab->alice);
        ike_tick(lab->gw);
        ike_tick(g->ctx);
        run3(lab, g);
    }
    assert_on_gw2(lab, g);
}

/* A drain of one peer configuration or one identity leaves every other client alone. */
static void test_drain_by_peer_and_identity(void **state)
{
    struct lab *lab = *state;
    struct gw2 *g = start3(lab);
    lab_establish(lab);
    struct ike_id bob = {.type = IKE_ID_FQDN, .len = 11};
    memcpy(bob.data, "bob.example", 11);
    struct ike_id alice = {.type = IKE_ID_FQDN, .len = 13};
    memcpy(alice.data, "alice.example", 13);
    assert_int_equal(ike_redirect_where(lab->gw, "site-to-site", NULL, &gw2_id), 0);
    assert_int_equal(ike_redirect_where(lab->gw, NULL, &bob, &gw2_id), 0);
    assert_int_equal(ike_redirect_where(lab->gw, "road-warriors", &bob, &gw2_id), 0);
    assert_int_equal(lab->net.count, 0);
    assert_int_equal(counters(lab->gw)->redirects_sent, 0);
    assert_int_equal(ike_redirect_where(lab->gw, "road-warriors", &alice, &gw2_id), 1);
    run3(lab, g);
    assert_on_gw2(lab, g);
    assert_int_equal(counters(lab->gw)->redirects_sent, 1);
}

static void test_drain_and_grace(void **state)
{
    struct lab *lab = *state;
    start3(lab); /* gw2 stands by: alice never answers the drain */
    lab_establish(lab);
    /* The client does not answer the drain: after the grace time its SA goes anyway. */
    assert_int_equal(ike_redirect_all(lab->gw, &gw2_id), 1);
    lab->net.count = 0;
    lab->net.now_ns += 11 * SEC;
    ike_tick(lab->gw);
    lab->net.count = 0;
    for (unsigned i = 0; i < 20 && ike_sa_foreach(lab->gw, NULL, NULL) > 0; i++) {
        lab->net.now_ns += 10 * SEC;
        ike_tick(lab->gw);
        lab->net.count = 0;
    }
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

/*
 * Alice's IKE_SA_INIT is answered by a stateless REDIRECT (as a worker would)
 * before the gateway's own answer; with `wrong_nonce` the REDIRECT is forged.
 */
static void init_redirect(struct lab *lab, struct gw2 *g, bool wrong_nonce)
{
    static struct mock_packet req;
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_true(mock_pop(&lab->net, &req));
    struct ike_sl_request r;
    assert_int_equal(ike_sl_parse(req.data, req.len, false, &r, NULL), 0);
    assert_true(r.redirect_supported);
    uint8_t nonce[256];
    memcpy(nonce, r.nonce.ptr, r.nonce.len);
    if (wrong_nonce) {
        nonce[0] ^= 1;
        r.nonce.ptr = nonce;
    }
    uint8_t reply[512];
    long n = ike_sl_build_redirect(&r, &gw2_id, reply, sizeof(reply));
    assert_true(n > 0);
    ike_input(lab->alice, &lab->alice_addr, &lab->gw_addr, reply, (size_t)n);
    /* The genuine request still reaches the gateway. */
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    run3(lab, g);
}

static void test_redirect_in_init(void **state)
{
    struct lab *lab = *state;
    struct gw2 *g = start3(lab);
    init_redirect(lab, g, false);
    /* Alice went to gw2; the half-open SA the gateway made expires on its own. */
    assert_int_equal(lab_only_sa(g->ctx).state, IKE_SA_ESTABLISHED);
    assert_int_equal(counters(lab->alice)->redirects_followed, 1);
}

static void test_forged_redirect_ignored(void **state)
{
    struct lab *lab = *state;
    struct gw2 *g = start3(lab);
    init_redirect(lab, g, true);
    /* Nonce data not our Ni: ignored; the real answer came and the SA is with gw. */
    assert_int_equal(counters(lab->alice)->redirect_refused, 1);
    assert_int_equal(counters(lab->alice)->redirects_followed, 0);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
    assert_int_equal(ike_sa_foreach(g->ctx, NULL, NULL), 0);
}

static void test_redirect_loop_stops(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.auth_redirect = gw2_id;
    struct gw2 *g = start3(lab);
    g->peer.auth_redirect = gw1_id; /* gw2 sends it back: a loop */
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    run3(lab, g);
    assert_int_equal(counters(lab->alice)->redirects_followed, 5);
    assert_int_equal(counters(lab->alice)->redirect_loops, 1);
    /* Alice stopped; whatever the gateways hold is removed after the grace time. */
    lab->net.now_ns += 11 * SEC;
    ike_tick(lab->alice);
    ike_tick(lab->gw);
    ike_tick(g->ctx);
    run3(lab, g);
    assert_int_equal(counters(lab->alice)->redirects_followed, 5);
}

/* A lab case with gw2 set up empty and freed after. */
#define GW2_TEST(f) cmocka_unit_test_setup_teardown(f, gw2_setup, gw2_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        GW2_TEST(test_redirect_in_auth),
        GW2_TEST(test_redirect_in_auth_by_policy),
        GW2_TEST(test_redirect_in_auth_policy_empty),
        GW2_TEST(test_drain_by_policy_skips_origin),
        GW2_TEST(test_redirect_established),
        GW2_TEST(test_redirect_first_send_fails),
        GW2_TEST(test_drain_and_grace),
        GW2_TEST(test_redirect_in_init),
        GW2_TEST(test_forged_redirect_ignored),
        GW2_TEST(test_redirect_loop_stops),
        GW2_TEST(test_drain_by_peer_and_identity),
    };
    return cmocka_run_group_tests_name("redirect", tests, NULL, NULL);
}
