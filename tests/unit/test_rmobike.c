/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * r-MOBIKE (draft-smyslov-ipsecme-ikev2-r-mobike) and MOBIKE's address lists
 * and moves (RFC 4555 3.4, 3.6, 3.10), veer against veer through the mock
 * backend: alice the initiator, gw the responder with two addresses (GW1,
 * where the SA starts, and GW2). 'R' negotiated or not; a switch moves the SA
 * only when alice's update arrives at the new address; never asked without
 * 'R'; refused for an address neither announced nor allowed (and the current
 * pair checked); allowed by switch_allow; timed out; ignored when it comes
 * from the initiator; a forged one moves nothing; the address list learned
 * and replaced; our own address going away moves the SA (MOBIKE initiator),
 * pair after pair.
 */
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "ike_sa.h"
#include "ike_writer.h"
#include "mock_backend.h"
#include "unit_util.h"

#define GW1 "192.0.2.1"
#define GW2 "192.0.2.9"
#define A1 "192.0.2.2"
#define A2 "192.0.2.3"
#define A3 "192.0.2.4"

static struct ike_addr addr(const char *ip, uint16_t port)
{
    struct ike_addr a;
    assert_int_equal(ike_addr_parse(&a, ip, port), 0);
    return a;
}

static void assert_addr(struct ike_addr a, const char *ip, uint16_t port)
{
    struct ike_addr want = addr(ip, port);
    char got[IKE_ADDR_STRLEN], exp[IKE_ADDR_STRLEN];
    ike_addr_format(&a, got, sizeof(got));
    ike_addr_format(&want, exp, sizeof(exp));
    assert_string_equal(got, exp);
}

static const struct ike_counters *counters(struct ike_ctx *ctx)
{
    return ike_get_counters(ctx);
}

/* The network around the lab: which addresses are up, and what was dropped. */
struct rig {
    struct lab *lab;
    bool gw2_up;
    struct ike_addr gw_addrs[2], announce[2], alice_addrs[3];
    struct ike_addr dead_from; /* packets from here are lost (family 0: none) */
    unsigned dropped;
};

static bool is_alice(const struct rig *r, const struct ike_addr *a)
{
    for (unsigned i = 0; i < 3; i++) {
        if (ike_addr_ip_equal(a, &r->alice_addrs[i]))
            return true;
    }
    return false;
}

/* Delivers up to max packets: to gw at GW1 (and GW2 when up), to alice at any of hers. */
static unsigned run_n(struct rig *r, unsigned max)
{
    static struct mock_packet p;
    struct lab *lab = r->lab;
    unsigned n = 0;
    while (n < max && mock_pop(&lab->net, &p)) {
        n++;
        if (r->dead_from.family != 0 && ike_addr_ip_equal(&p.from, &r->dead_from))
            r->dropped++;
        else if (is_alice(r, &p.to))
            ike_input(lab->alice, &p.to, &p.from, p.data, p.len);
        else if (ike_addr_ip_equal(&p.to, &r->gw_addrs[0]) ||
                 (r->gw2_up && ike_addr_ip_equal(&p.to, &r->gw_addrs[1])))
            ike_input(lab->gw, &p.to, &p.from, p.data, p.len);
        else
            r->dropped++;
    }
    return n;
}

static unsigned run(struct rig *r)
{
    return run_n(r, 50);
}

/* gw on GW1 and GW2, announcing `nannounce` of them (GW1 first); alice on A1 and A2. */
static void rig_start(struct lab *lab, struct rig *r, unsigned nannounce)
{
    memset(r, 0, sizeof(*r));
    r->lab = lab;
    r->gw2_up = true;
    r->gw_addrs[0] = r->announce[0] = addr(GW1, 0);
    r->gw_addrs[1] = r->announce[1] = addr(GW2, 0);
    r->alice_addrs[0] = addr(A1, 0);
    r->alice_addrs[1] = addr(A2, 0);
    r->alice_addrs[2] = addr(A3, 0);
    lab->gw_cfg.local_addrs = r->gw_addrs;
    lab->gw_cfg.nlocal_addrs = 2;
    lab->gw_cfg.announce_addrs = r->announce;
    lab->gw_cfg.nannounce_addrs = nannounce;
    lab->alice_cfg.local_addrs = r->alice_addrs;
    lab->alice_cfg.nlocal_addrs = 2;
    lab_start(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(run(r), 4);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
}

static int ask(struct lab *lab, const char *to)
{
    struct ike_sa_info g = lab_only_sa(lab->gw);
    struct ike_addr a = addr(to, 0);
    return ike_mobike_switch(lab->gw, g.spi_i, g.spi_r, &a);
}

static struct ike_sa *sa_of(struct ike_ctx *ctx)
{
    struct ike_sa_info i = lab_only_sa(ctx);
    struct ike_sa *sa = ike_sa_find_pair(ctx, i.spi_i, i.spi_r);
    assert_non_null(sa);
    return sa;
}

/* The SA and its Child SA on both sides where they started: nothing moved. */
static void expect_unmoved(struct lab *lab)
{
    assert_addr(lab_only_sa(lab->gw).local, GW1, IKE_PORT);
    assert_addr(lab_only_sa(lab->alice).remote, GW1, IKE_PORT);
    assert_int_equal(lab->gw_node.nupdated, 0);
    assert_int_equal(counters(lab->gw)->rmobike_switch_moved, 0);
}

/* White box: a request of `ctx`'s SA carrying one notify (what no API sends). */
struct raw_notify {
    uint16_t type;
    const void *data;
    size_t len;
};

static int build_raw(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    (void)sa;
    const struct raw_notify *n = arg;
    for (; n->type != 0; n++)
        ike_notify_encode_simple(w, n->type, n->data, n->len);
    return w->overflow ? -ENOSPC : 0;
}

static void send_raw(struct ike_ctx *ctx, const struct raw_notify *n)
{
    struct ike_sa *sa = sa_of(ctx);
    assert_null(sa->request.buf);
    sa->pending.kind = IKE_REQ_LIVENESS; /* its answer changes nothing */
    assert_int_equal(ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id,
                                        build_raw, (void *)n),
                     0);
}

/* ---- negotiation and address lists ---- */

static void test_r_negotiated(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    struct ike_sa_info g = lab_only_sa(lab->gw), a = lab_only_sa(lab->alice);
    assert_true(g.mobike && g.rmobike);
    assert_true(a.mobike && a.rmobike);
    /* alice learned GW2 (GW1 is the SA's own, not announced). */
    assert_int_equal(a.npeer_addrs, 1);
    assert_addr(sa_of(lab->alice)->peer_addrs[0], GW2, 0);
}

static void test_r_not_negotiated(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    lab->alice_peer.rmobike = IKE_RMOBIKE_NO;
    rig_start(lab, &r, 2);
    assert_true(lab_only_sa(lab->gw).mobike);
    assert_false(lab_only_sa(lab->gw).rmobike);
    /* Never sent: nothing leaves, counted. */
    assert_int_equal(ask(lab, GW2), -ENOTSUP);
    assert_int_equal(lab->net.count, 0);
    assert_int_equal(counters(lab->gw)->rmobike_switch_not_capable, 1);
    assert_int_equal(counters(lab->gw)->rmobike_switch_asked, 0);
    unsigned nc = 0;
    struct ike_addr to = addr(GW2, 0);
    assert_int_equal(ike_mobike_switch_where(lab->gw, NULL, NULL, NULL, &to, &nc), 0);
    assert_int_equal(nc, 1);
    assert_int_equal(lab->net.count, 0);
}

/* The gateway allows no switch of this peer's SAs: the 'R' is not taken. */
static void test_r_refused_by_gateway(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    lab->gw_peer.rmobike = IKE_RMOBIKE_NO;
    rig_start(lab, &r, 2);
    assert_int_equal(ask(lab, GW2), -ENOTSUP);
    assert_int_equal(lab->net.count, 0);
}

static void test_no_additional_addresses(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 1); /* only GW1, the SA's: NO_ADDITIONAL_ADDRESSES */
    assert_int_equal(lab_only_sa(lab->alice).npeer_addrs, 0);
}

/* A later INFORMATIONAL's list replaces the old (3.6), also over an IKE rekey. */
static void test_list_replaced(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    const struct ike_addr ten = addr("192.0.2.10", 0);
    const struct raw_notify list[] = {{IKE_N_ADDITIONAL_IP4_ADDRESS, ten.ip, 4}, {0, NULL, 0}};
    send_raw(lab->gw, list);
    assert_int_equal(run(&r), 2);
    assert_int_equal(lab_only_sa(lab->alice).npeer_addrs, 1);
    assert_addr(sa_of(lab->alice)->peer_addrs[0], "192.0.2.10", 0);
    /* GW2 is no longer announced: a switch there is refused. */
    assert_int_equal(ask(lab, GW2), 0);
    run(&r);
    assert_int_equal(counters(lab->alice)->rmobike_switch_rejected, 1);
    expect_unmoved(lab);
    /* Kept over an IKE rekey. */
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_ike(lab->alice, a.spi_i, a.spi_r), 0);
    run(&r);
    assert_true(lab_only_sa(lab->alice).spi_i != a.spi_i);
    assert_int_equal(lab_only_sa(lab->alice).npeer_addrs, 1);
    /* NO_ADDITIONAL_ADDRESSES empties it. */
    const struct raw_notify none[] = {{IKE_N_NO_ADDITIONAL_ADDRESSES, NULL, 0}, {0, NULL, 0}};
    send_raw(lab->gw, none);
    assert_int_equal(run(&r), 2);
    assert_int_equal(lab_only_sa(lab->alice).npeer_addrs, 0);
}

/* ---- the switch ---- */

static void test_switch_moves_on_update(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    struct ike_sa_info before = lab_only_sa(lab->gw);
    assert_int_equal(ask(lab, GW2), 0);
    assert_int_equal(counters(lab->gw)->rmobike_switch_asked, 1);
    assert_true(lab_only_sa(lab->gw).switch_pending);
    assert_int_equal(ask(lab, GW2), -EALREADY);
    assert_int_equal(ask(lab, GW1), -EALREADY);
    /* The request reaches alice and her answer gw: nothing of gw's moved yet. */
    assert_int_equal(run_n(&r, 2), 2);
    assert_int_equal(counters(lab->alice)->rmobike_switch_received, 1);
    assert_int_equal(counters(lab->alice)->rmobike_switch_followed, 1);
    assert_addr(lab_only_sa(lab->gw).local, GW1, IKE_PORT);
    assert_int_equal(lab->gw_node.nupdated, 0);
    assert_int_equal(counters(lab->gw)->rmobike_switch_moved, 0);
    /* alice's update, to GW2, and its answer. */
    assert_int_equal(lab->net.count, 1);
    assert_int_equal(run(&r), 2);
    struct ike_sa_info g = lab_only_sa(lab->gw), a = lab_only_sa(lab->alice);
    assert_int_equal(g.spi_i, before.spi_i);
    assert_int_equal(g.spi_r, before.spi_r);
    assert_addr(g.local, GW2, IKE_PORT);
    assert_addr(g.remote, A1, IKE_PORT);
    assert_false(g.switch_pending);
    assert_addr(a.remote, GW2, IKE_PORT);
    assert_int_equal(counters(lab->gw)->rmobike_switch_moved, 1);
    /* The Child SAs followed on both sides, with the same SPIs. */
    assert_int_equal(g.child_spi_in, before.child_spi_in);
    assert_int_equal(lab->gw_node.nupdated, 1);
    assert_addr(mock_live(&lab->gw_node, g.child_spi_in)->local, GW2, IKE_PORT);
    assert_addr(mock_live(&lab->alice_node, a.child_spi_in)->remote, GW2, IKE_PORT);
    /* gw's own requests go from GW2 now and reach alice. */
    assert_int_equal(ike_delete(lab->gw, g.spi_i, g.spi_r), 0);
    assert_int_equal(run(&r), 2);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
}

static void test_switch_where(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    struct ike_addr gw1 = addr(GW1, 0), gw2 = addr(GW2, 0), other = addr("192.0.2.77", 0);
    unsigned nc = 9;
    assert_int_equal(ike_mobike_switch_where(lab->gw, NULL, NULL, &gw2, &gw1, &nc), 0);
    assert_int_equal(nc, 0);
    assert_int_equal(ike_mobike_switch_where(lab->gw, "nobody", NULL, NULL, &gw2, NULL), 0);
    /* Not one of ours. */
    assert_int_equal(ike_mobike_switch_where(lab->gw, NULL, NULL, &gw1, &other, NULL), 0);
    assert_int_equal(lab->net.count, 0);
    assert_int_equal(ike_mobike_switch_where(lab->gw, "road-warriors", NULL, &gw1, &gw2, &nc), 1);
    assert_int_equal(nc, 0);
    run(&r);
    assert_addr(lab_only_sa(lab->gw).local, GW2, IKE_PORT);
    /* The initiator's own SAs are never asked. */
    assert_int_equal(ike_mobike_switch_where(lab->alice, NULL, NULL, NULL, &gw1, &nc), 0);
}

static void test_switch_when_busy(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    ike_info_start_liveness(lab->gw, sa_of(lab->gw));
    assert_int_equal(ask(lab, GW2), -EBUSY);
    assert_int_equal(counters(lab->gw)->rmobike_switch_asked, 0);
    /* Sent as soon as the liveness check is answered: then the switch and the update. */
    assert_int_equal(run_n(&r, 2), 2);
    assert_int_equal(counters(lab->gw)->rmobike_switch_asked, 1);
    assert_int_equal(run(&r), 4);
    assert_addr(lab_only_sa(lab->gw).local, GW2, IKE_PORT);
    assert_int_equal(counters(lab->gw)->rmobike_switch_moved, 1);
}

static void test_switch_refused_unannounced(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 1);
    assert_int_equal(ask(lab, GW2), 0);
    /* Request, answer, then alice's liveness check on the current pair and its answer. */
    assert_int_equal(run(&r), 4);
    assert_int_equal(counters(lab->alice)->rmobike_switch_rejected, 1);
    assert_int_equal(counters(lab->alice)->rmobike_switch_followed, 0);
    assert_int_equal(counters(lab->alice)->liveness_checks, 1);
    assert_int_equal(counters(lab->alice)->mobike_updates_sent, 0);
    assert_int_equal(counters(lab->gw)->rmobike_switch_refused, 1);
    assert_false(lab_only_sa(lab->gw).switch_pending);
    expect_unmoved(lab);
}

static void test_switch_allowed_by_policy(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    lab->alice_peer.nswitch_allow = 1;
    lab->alice_peer.switch_allow[0] = (struct ike_prefix){.addr = addr("192.0.2.8", 0), .len = 29};
    rig_start(lab, &r, 1);
    assert_int_equal(ask(lab, GW2), 0);
    assert_int_equal(run(&r), 4);
    assert_int_equal(counters(lab->alice)->rmobike_switch_followed, 1);
    assert_addr(lab_only_sa(lab->gw).local, GW2, IKE_PORT);
    assert_int_equal(counters(lab->gw)->rmobike_switch_moved, 1);
}

static void test_switch_timed_out(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    r.gw2_up = false; /* alice's update never arrives */
    assert_int_equal(ask(lab, GW2), 0);
    assert_int_equal(run(&r), 3);
    assert_int_equal(r.dropped, 1);
    lab->net.now_ns += 9 * SEC;
    ike_tick(lab->gw);
    assert_true(lab_only_sa(lab->gw).switch_pending);
    lab->net.now_ns += 2 * SEC;
    ike_tick(lab->gw);
    assert_false(lab_only_sa(lab->gw).switch_pending);
    assert_int_equal(counters(lab->gw)->rmobike_switch_timed_out, 1);
    assert_addr(lab_only_sa(lab->gw).local, GW1, IKE_PORT);
}

/* A SWITCH_TO_IP_ADDRESS from the initiator: an empty answer, nothing else (draft 4.2). */
static void test_switch_from_initiator_ignored(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    const struct ike_addr a2 = addr(A2, 0);
    const struct raw_notify sw[] = {{IKE_SWITCH_TO_IP_ADDRESS_DEFAULT, a2.ip, 4}, {0, NULL, 0}};
    send_raw(lab->alice, sw);
    assert_int_equal(run(&r), 2);
    assert_int_equal(counters(lab->gw)->rmobike_switch_received, 1);
    assert_int_equal(counters(lab->gw)->rmobike_switch_ignored, 1);
    assert_int_equal(counters(lab->gw)->mobike_updates_sent, 0);
    assert_addr(lab_only_sa(lab->gw).remote, A1, IKE_PORT);
    assert_int_equal(lab->net.count, 0);
}

/* An initiator that did not send 'R' ignores one all the same. */
static void test_switch_without_r_ignored(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    lab->alice_peer.rmobike = IKE_RMOBIKE_NO;
    rig_start(lab, &r, 2);
    const struct ike_addr gw2 = addr(GW2, 0);
    const struct raw_notify sw[] = {{IKE_SWITCH_TO_IP_ADDRESS_DEFAULT, gw2.ip, 4}, {0, NULL, 0}};
    send_raw(lab->gw, sw);
    assert_int_equal(run(&r), 2);
    assert_int_equal(counters(lab->alice)->rmobike_switch_ignored, 1);
    assert_int_equal(counters(lab->alice)->mobike_updates_sent, 0);
    expect_unmoved(lab);
}

static void test_switch_forged(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    assert_int_equal(ask(lab, GW2), 0);
    static struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    req.data[req.len - 1] ^= 0x01; /* the ICV */
    ike_input(lab->alice, &req.to, &req.from, req.data, req.len);
    assert_int_equal(counters(lab->alice)->rx_decrypt_failed, 1);
    assert_int_equal(counters(lab->alice)->rmobike_switch_received, 0);
    assert_int_equal(lab->net.count, 0);
    assert_addr(lab_only_sa(lab->alice).remote, GW1, IKE_PORT);
    expect_unmoved(lab);
}

/* A length other than 4 or 16: INVALID_SYNTAX, nothing moves. */
static void test_switch_malformed(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    static const uint8_t five[5] = {192, 0, 2, 9, 0};
    const struct raw_notify sw[] = {{IKE_SWITCH_TO_IP_ADDRESS_DEFAULT, five, 5}, {0, NULL, 0}};
    send_raw(lab->gw, sw);
    assert_int_equal(run(&r), 2);
    assert_int_equal(counters(lab->alice)->mobike_malformed, 1);
    assert_int_equal(counters(lab->alice)->rmobike_switch_followed, 0);
    assert_int_equal(counters(lab->alice)->mobike_updates_sent, 0);
    expect_unmoved(lab);
}

/* The configuration's number: a switch of 40960 is not one of 50000. */
static void test_switch_notify_number(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    lab->gw_cfg.switch_notify = 50000;
    rig_start(lab, &r, 2);
    assert_int_equal(ask(lab, GW2), 0);
    run(&r);
    assert_int_equal(counters(lab->alice)->rmobike_switch_received, 0);
    assert_int_equal(counters(lab->gw)->rmobike_switch_moved, 0);
}

/* ---- our addresses change ---- */

/* gw loses GW1: its 'R' initiator is asked to switch to GW2. */
static void test_responder_address_gone(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    const struct ike_addr left = addr(GW2, 0);
    assert_int_equal(ike_set_local_addrs(lab->gw, &left, 1, &left, 1), 0);
    /* The announced list changed too: alice hears of it first (3.6), then the switch goes. */
    assert_int_equal(counters(lab->gw)->mobike_addresses_sent, 1);
    assert_int_equal(counters(lab->gw)->rmobike_switch_asked, 0);
    run(&r);
    assert_int_equal(counters(lab->gw)->rmobike_switch_asked, 1);
    assert_addr(lab_only_sa(lab->gw).local, GW2, IKE_PORT);
    assert_int_equal(counters(lab->gw)->rmobike_switch_moved, 1);
}

/* An address announced later (3.6) is one a switch may name: alice learns it, then follows. */
static void test_announced_later(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 1);
    assert_int_equal(lab_only_sa(lab->alice).npeer_addrs, 0);
    /* The same list again: nothing to tell. */
    assert_int_equal(ike_set_local_addrs(lab->gw, r.gw_addrs, 2, r.announce, 1), 0);
    assert_int_equal(counters(lab->gw)->mobike_addresses_sent, 0);
    assert_int_equal(lab->net.count, 0);
    assert_int_equal(ike_set_local_addrs(lab->gw, r.gw_addrs, 2, r.announce, 2), 0);
    assert_int_equal(counters(lab->gw)->mobike_addresses_sent, 1);
    assert_int_equal(run(&r), 2);
    assert_int_equal(lab_only_sa(lab->alice).npeer_addrs, 1);
    assert_int_equal(ask(lab, GW2), 0);
    run(&r);
    assert_int_equal(counters(lab->alice)->rmobike_switch_followed, 1);
    assert_addr(lab_only_sa(lab->gw).local, GW2, IKE_PORT);
}

static void test_responder_address_gone_without_r(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    lab->alice_peer.rmobike = IKE_RMOBIKE_NO;
    rig_start(lab, &r, 2);
    const struct ike_addr left = addr(GW2, 0);
    assert_int_equal(ike_set_local_addrs(lab->gw, &left, 1, NULL, 0), 0);
    assert_int_equal(counters(lab->gw)->mobike_local_gone, 1);
    assert_int_equal(lab->net.count, 0);
}

/* alice loses A1: as MOBIKE initiator she moves the SA to A2 (4500 both sides, 3.3). */
static void test_initiator_address_gone(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    const struct ike_addr left = addr(A2, 0);
    assert_int_equal(ike_set_local_addrs(lab->alice, &left, 1, NULL, 0), 0);
    assert_int_equal(counters(lab->alice)->mobike_local_moved, 1);
    run(&r);
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_addr(g.remote, A2, IKE_NATT_PORT);
    assert_addr(g.local, GW1, IKE_NATT_PORT);
    assert_int_equal(counters(lab->gw)->mobike_checks_passed, 1);
    assert_addr(mock_live(&lab->gw_node, g.child_spi_in)->remote, A2, IKE_NATT_PORT);
}

/* The first pair left (A3 with GW1) is dead: after a few tries alice takes the next. */
static void test_initiator_next_pair(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    rig_start(lab, &r, 2);
    r.dead_from = addr(A3, 0);
    const struct ike_addr left[2] = {addr(A3, 0), addr(A2, 0)};
    assert_int_equal(ike_set_local_addrs(lab->alice, left, 2, NULL, 0), 0);
    for (unsigned i = 0; i < 12; i++) {
        run(&r);
        lab->net.now_ns += SEC;
        ike_tick(lab->alice);
        ike_tick(lab->gw);
    }
    run(&r);
    assert_true(r.dropped >= IKE_MOVE_TRIES);
    /* A3 with GW1, A3 with GW2, then A2 with GW1. */
    assert_int_equal(counters(lab->alice)->mobike_local_next_pair, 2);
    assert_int_equal(counters(lab->alice)->peer_dead, 0);
    assert_addr(lab_only_sa(lab->gw).remote, A2, IKE_NATT_PORT);
    assert_addr(lab_only_sa(lab->alice).local, A2, IKE_NATT_PORT);
    assert_addr(lab_only_sa(lab->alice).remote, GW1, IKE_NATT_PORT);
}

/* Without MOBIKE an SA cannot move: counted, left to DPD. */
static void test_initiator_address_gone_without_mobike(void **state)
{
    struct lab *lab = *state;
    struct rig r;
    lab->alice_peer.mobike = IKE_MOBIKE_NO;
    rig_start(lab, &r, 2);
    const struct ike_addr left = addr(A2, 0);
    assert_int_equal(ike_set_local_addrs(lab->alice, &left, 1, NULL, 0), 0);
    assert_int_equal(counters(lab->alice)->mobike_local_gone, 1);
    assert_int_equal(lab->net.count, 0);
    assert_addr(lab_only_sa(lab->alice).local, A1, IKE_PORT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_r_negotiated),
        LAB_TEST(test_r_not_negotiated),
        LAB_TEST(test_r_refused_by_gateway),
        LAB_TEST(test_no_additional_addresses),
        LAB_TEST(test_list_replaced),
        LAB_TEST(test_switch_moves_on_update),
        LAB_TEST(test_switch_where),
        LAB_TEST(test_switch_when_busy),
        LAB_TEST(test_switch_refused_unannounced),
        LAB_TEST(test_switch_allowed_by_policy),
        LAB_TEST(test_switch_timed_out),
        LAB_TEST(test_switch_from_initiator_ignored),
        LAB_TEST(test_switch_without_r_ignored),
        LAB_TEST(test_switch_forged),
        LAB_TEST(test_switch_malformed),
        LAB_TEST(test_switch_notify_number),
        LAB_TEST(test_responder_address_gone),
        LAB_TEST(test_announced_later),
        LAB_TEST(test_responder_address_gone_without_r),
        LAB_TEST(test_initiator_address_gone),
        LAB_TEST(test_initiator_next_pair),
        LAB_TEST(test_initiator_address_gone_without_mobike),
    };
    return cmocka_run_group_tests_name("rmobike", tests, NULL, NULL);
}
