/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MOBIKE (RFC 4555), veer against veer through the mock backend: alice is
 * the roaming initiator (ike_mobike_update), gw the responder that follows
 * her. MOBIKE_SUPPORTED in IKE_AUTH only when both allow it; a move without
 * a NAT, into a NAT (the mock NAT) and out of it, each moving the IKE SA and
 * the Child SAs (ESP-in-UDP switched with the NAT); a forged or replayed
 * update moves nothing; an update on an SA without MOBIKE moves nothing;
 * COOKIE2 echoed and checked; NO_NATS_ALLOWED; with MOBIKE on, a NAT's new
 * mapping is not followed until the update (3.8), and NAT detection in any
 * INFORMATIONAL is answered.
 */
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "ike_natd.h"
#include "ike_sa.h"
#include "mock_backend.h"
#include "unit_util.h"

static const struct ike_counters *counters(struct ike_ctx *ctx)
{
    return ike_get_counters(ctx);
}

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

/* alice's SA as lib/ike keeps it (white box: what a test changes behind her back). */
static struct ike_sa *alice_sa(struct lab *lab)
{
    struct ike_sa *sa = ike_sa_find_ours(lab->alice, lab_only_sa(lab->alice).spi_i);
    assert_non_null(sa);
    return sa;
}

/* alice behind a NAT (public 198.51.100.9) when she is at `inside`. */
static void nat_on(struct lab *lab, const char *inside, uint16_t shift)
{
    lab->net.nat.on = true;
    lab->net.nat.inside = addr(inside, 0);
    lab->net.nat.outside = addr("198.51.100.9", 0);
    lab->net.nat.port_shift = shift;
}

/* alice now at `ip` (packets for it reach her), told to move there. */
static int alice_moves(struct lab *lab, const char *ip, unsigned flags)
{
    lab->alice_addr = addr(ip, IKE_PORT);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    struct ike_addr to = addr(ip, 0);
    return ike_mobike_update(lab->alice, a.spi_i, a.spi_r, &to, flags);
}

/* gw's one Child SA as its dataplane holds it. */
static const struct ike_child_sa *gw_child(struct lab *lab)
{
    const struct ike_child_sa *c = mock_live(&lab->gw_node, lab_only_sa(lab->gw).child_spi_in);
    assert_non_null(c);
    return c;
}

static const struct ike_child_sa *alice_child(struct lab *lab)
{
    const struct ike_child_sa *c =
        mock_live(&lab->alice_node, lab_only_sa(lab->alice).child_spi_in);
    assert_non_null(c);
    return c;
}

/* The gateway's own request (a delete) reaches alice where she now is, and both SAs end. */
static void gw_reaches_alice(struct lab *lab)
{
    struct ike_sa_info g = lab_only_sa(lab->gw);
    unsigned dropped = lab->net.nat.dropped;
    assert_int_equal(ike_delete(lab->gw, g.spi_i, g.spi_r), 0);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(lab->net.nat.dropped, dropped);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
}

/* ---- IKE_AUTH ---- */

static void test_negotiated(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_true(lab_only_sa(lab->alice).mobike);
    assert_true(lab_only_sa(lab->gw).mobike);
    assert_int_equal(counters(lab->alice)->mobike_negotiated, 1);
    assert_int_equal(counters(lab->gw)->mobike_negotiated, 1);
}

static void test_gateway_without_mobike(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.mobike = IKE_MOBIKE_NO;
    lab_start_establish(lab);
    assert_false(lab_only_sa(lab->alice).mobike);
    assert_false(lab_only_sa(lab->gw).mobike);
    assert_int_equal(counters(lab->gw)->mobike_negotiated, 0);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    struct ike_addr to = addr("192.0.2.3", 0);
    assert_int_equal(ike_mobike_update(lab->alice, a.spi_i, a.spi_r, &to, 0), -ENOTSUP);
}

static void test_client_without_mobike(void **state)
{
    struct lab *lab = *state;
    lab->alice_peer.mobike = IKE_MOBIKE_NO;
    lab_start_establish(lab);
    assert_false(lab_only_sa(lab->alice).mobike);
    assert_false(lab_only_sa(lab->gw).mobike);
    assert_int_equal(counters(lab->gw)->mobike_negotiated, 0);
}

/* An IKE SA rekey keeps MOBIKE on (it was negotiated for the IKE SA, 3.2). */
static void test_kept_over_ike_rekey(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_ike(lab->alice, a.spi_i, a.spi_r), 0);
    lab_run(lab);
    struct ike_sa_info b = lab_only_sa(lab->alice);
    assert_true(b.spi_i != a.spi_i);
    assert_true(b.mobike);
    assert_true(lab_only_sa(lab->gw).mobike);
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    assert_int_equal(lab_run(lab), 4);
    assert_addr(lab_only_sa(lab->gw).remote, "192.0.2.3", IKE_NATT_PORT);
}

/* ---- moves ---- */

static void test_move_without_nat(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_false(lab_only_sa(lab->gw).natt);
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    assert_int_equal(lab_run(lab), 4);
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_addr(g.remote, "192.0.2.3", IKE_NATT_PORT);
    assert_addr(g.local, "192.0.2.1", IKE_NATT_PORT);
    assert_true(g.natt);
    assert_false(g.nat_detected);
    assert_int_equal(counters(lab->gw)->mobike_updates, 1);
    assert_int_equal(counters(lab->gw)->peer_address_updated, 1);
    assert_int_equal(counters(lab->gw)->mobike_nat_on, 0);
    /* The Child SA followed, ESP still plain. */
    assert_int_equal(lab->gw_node.nupdated, 1);
    assert_addr(gw_child(lab)->remote, "192.0.2.3", IKE_NATT_PORT);
    assert_false(gw_child(lab)->udp_encap);
    /* alice's own Child SA leaves from her new address; her COOKIE2 came back. */
    assert_int_equal(counters(lab->alice)->mobike_updates_sent, 1);
    assert_int_equal(counters(lab->alice)->mobike_cookie2_mismatch, 0);
    assert_addr(alice_child(lab)->local, "192.0.2.3", IKE_NATT_PORT);
    assert_false(alice_child(lab)->udp_encap);
    gw_reaches_alice(lab);
}

static void test_move_into_nat(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_false(gw_child(lab)->udp_encap);
    nat_on(lab, "192.0.2.3", 1000);
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    assert_int_equal(lab_run(lab), 4);
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_addr(g.remote, "198.51.100.9", 5500);
    assert_true(g.nat_detected);
    assert_int_equal(counters(lab->gw)->mobike_nat_on, 1);
    assert_addr(gw_child(lab)->remote, "198.51.100.9", 5500);
    assert_true(gw_child(lab)->udp_encap);
    /* alice learns from gw's NAT detection that she is behind a NAT: her ESP goes in UDP too. */
    assert_true(lab_only_sa(lab->alice).nat_detected);
    assert_int_equal(counters(lab->alice)->mobike_nat_on, 1);
    assert_true(alice_child(lab)->udp_encap);
    assert_addr(alice_child(lab)->local, "192.0.2.3", IKE_NATT_PORT);
    gw_reaches_alice(lab);
}

static void test_move_out_of_nat(void **state)
{
    struct lab *lab = *state;
    nat_on(lab, "192.0.2.2", 1000);
    lab_start_establish(lab);
    assert_true(gw_child(lab)->udp_encap);
    assert_addr(lab_only_sa(lab->gw).remote, "198.51.100.9", 5500);
    /* 192.0.2.3 is not behind the NAT. */
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    assert_int_equal(lab_run(lab), 4);
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_addr(g.remote, "192.0.2.3", IKE_NATT_PORT);
    assert_false(g.nat_detected);
    assert_int_equal(counters(lab->gw)->mobike_nat_off, 1);
    assert_false(gw_child(lab)->udp_encap);
    assert_addr(gw_child(lab)->remote, "192.0.2.3", IKE_NATT_PORT);
    assert_false(lab_only_sa(lab->alice).nat_detected);
    assert_int_equal(counters(lab->alice)->mobike_nat_off, 1);
    assert_false(alice_child(lab)->udp_encap);
    gw_reaches_alice(lab);
}

/* ---- what must not move anything ---- */

static void expect_gw_unmoved(struct lab *lab)
{
    assert_addr(lab_only_sa(lab->gw).remote, "192.0.2.2", IKE_PORT);
    assert_addr(gw_child(lab)->remote, "192.0.2.2", IKE_PORT);
    assert_int_equal(lab->gw_node.nupdated, 0);
    assert_int_equal(counters(lab->gw)->mobike_updates, 0);
    assert_int_equal(counters(lab->gw)->peer_address_updated, 0);
}

static void test_forged_update_refused(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    static struct mock_packet req;
    assert_true(mock_pop(&lab->net, &req));
    req.data[req.len - 1] ^= 0x01; /* the ICV */
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_int_equal(counters(lab->gw)->rx_decrypt_failed, 1);
    assert_int_equal(lab->net.count, 0);
    expect_gw_unmoved(lab);
    /* The genuine one still moves it: the forgery used up nothing. */
    req.data[req.len - 1] ^= 0x01;
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    assert_int_equal(lab_run(lab), 3);
    assert_addr(lab_only_sa(lab->gw).remote, "192.0.2.3", IKE_NATT_PORT);
}

static void test_replayed_update_refused(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    static struct mock_packet first, second;
    assert_true(mock_pop(&lab->net, &first));
    ike_input(lab->gw, &first.to, &first.from, first.data, first.len);
    assert_int_equal(lab_run(lab), 3);
    assert_int_equal(alice_moves(lab, "192.0.2.4", 0), 0);
    assert_true(mock_pop(&lab->net, &second));
    ike_input(lab->gw, &second.to, &second.from, second.data, second.len);
    assert_int_equal(lab_run(lab), 3);
    assert_addr(lab_only_sa(lab->gw).remote, "192.0.2.4", IKE_NATT_PORT);
    assert_int_equal(counters(lab->gw)->mobike_updates, 2);
    unsigned updated = lab->gw_node.nupdated;
    /* The older update replayed from where it first came: an old Message ID, dropped. */
    ike_input(lab->gw, &first.to, &first.from, first.data, first.len);
    assert_int_equal(counters(lab->gw)->rx_bad_msg_id, 1);
    assert_int_equal(lab->net.count, 0);
    /* The last one replayed from elsewhere: answered there from the cache, not taken again. */
    struct ike_addr elsewhere = addr("192.0.2.66", IKE_NATT_PORT);
    ike_input(lab->gw, &second.to, &elsewhere, second.data, second.len);
    assert_int_equal(counters(lab->gw)->rx_retransmit_answered, 1);
    static struct mock_packet answer;
    assert_true(mock_pop(&lab->net, &answer));
    assert_true(ike_addr_equal(&answer.to, &elsewhere));
    assert_addr(lab_only_sa(lab->gw).remote, "192.0.2.4", IKE_NATT_PORT);
    assert_int_equal(counters(lab->gw)->mobike_updates, 2);
    assert_int_equal(lab->gw_node.nupdated, updated);
}

/* The gateway did not agree to MOBIKE; alice (white box) sends an update anyway. */
static void test_update_without_mobike_refused(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.mobike = IKE_MOBIKE_NO;
    lab_start_establish(lab);
    alice_sa(lab)->mobike = true;
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    lab_run(lab);
    assert_int_equal(counters(lab->gw)->mobike_not_negotiated, 1);
    assert_int_equal(counters(lab->gw)->mobike_updates, 0);
    assert_int_equal(lab->gw_node.nupdated, 0);
    /* Not a MOBIKE peer, so no COOKIE2 came back: alice closed the SA (3.7). */
    assert_int_equal(counters(lab->alice)->mobike_cookie2_mismatch, 1);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

/* ---- COOKIE2 ---- */

static void test_cookie2_checked(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    /* gw echoes what it got; alice expects another value than she sent. */
    alice_sa(lab)->pending.cookie2[3] ^= 0x40;
    assert_int_equal(mock_run(&lab->net, lab->alice, &lab->alice_addr, lab->gw, &lab->gw_addr, 2),
                     2);
    assert_int_equal(counters(lab->gw)->mobike_updates, 1);
    assert_int_equal(counters(lab->alice)->mobike_cookie2_mismatch, 1);
    assert_int_equal(lab->alice_node.nupdated, 0);
    /* RFC 4555 3.7: the IKE SA is closed. */
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_DELETING);
    lab_run(lab);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

/* An INFORMATIONAL request of alice's with these notifies (white box). */
struct custom_req {
    bool update;
    bool natd;
    const uint8_t *cookie2;
    uint16_t cookie2_len;
};

static int build_custom(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    const struct custom_req *r = arg;
    if (r->update)
        ike_notify_encode_simple(w, IKE_N_UPDATE_SA_ADDRESSES, NULL, 0);
    if (r->natd)
        ike_natd_put(w, sa->spi_i, sa->spi_r, &sa->local, &sa->remote);
    if (r->cookie2 != NULL)
        ike_notify_encode_simple(w, IKE_N_COOKIE2, r->cookie2, r->cookie2_len);
    return w->overflow ? -1 : 0;
}

/* Sends r from alice; gw's answer is opened with alice's keys into *m. */
static void custom_round(struct lab *lab, const struct custom_req *r, struct ike_msg *m)
{
    struct ike_sa *sa = alice_sa(lab);
    sa->pending.kind = IKE_REQ_LIVENESS;
    assert_int_equal(ike_send_encrypted(lab->alice, sa, IKE_EXCH_INFORMATIONAL, false,
                                        sa->next_req_id, build_custom, (void *)r),
                     0);
    static struct mock_packet req;
    static uint8_t copy[MOCK_PKT];
    assert_true(mock_pop(&lab->net, &req));
    ike_input(lab->gw, &req.to, &req.from, req.data, req.len);
    /* A look at the answer; then it goes to alice the usual way (through the NAT, if on). */
    assert_int_equal(lab->net.count, 1);
    const struct mock_packet *resp = &lab->net.queue[lab->net.head];
    memcpy(copy, resp->data, resp->len);
    size_t off = resp->from.port == IKE_NATT_PORT ? IKE_NON_ESP_MARKER_LEN : 0;
    assert_int_equal(ike_msg_decode(copy + off, resp->len - off, m, NULL), 0);
    assert_int_equal(ike_open_message(lab->alice, sa, copy + off, resp->len - off, m), 0);
    assert_int_equal(lab_run(lab), 1);
    assert_null(alice_sa(lab)->request.buf);
}

static void test_cookie2_echoed_in_any_informational(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    static const uint8_t c[64] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    struct custom_req r = {.cookie2 = c, .cookie2_len = 64};
    static struct ike_msg m;
    custom_round(lab, &r, &m);
    const struct ike_pl *pl = ike_msg_find_notify(&m, IKE_N_COOKIE2);
    assert_non_null(pl);
    struct ike_notify_payload n;
    assert_int_equal(ike_notify_decode(pl, &n, NULL), 0);
    assert_int_equal(n.data.len, 64);
    assert_memory_equal(n.data.ptr, c, 64);
    assert_null(ike_msg_find_notify(&m, IKE_N_NAT_DETECTION_SOURCE_IP));
    expect_gw_unmoved(lab);
}

static void test_malformed_cookie2_refused(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    lab->alice_addr = addr("192.0.2.3", IKE_PORT);
    alice_sa(lab)->local = addr("192.0.2.3", IKE_PORT);
    static const uint8_t c[7] = {1, 2, 3, 4, 5, 6, 7};
    struct custom_req r = {.update = true, .natd = true, .cookie2 = c, .cookie2_len = 7};
    static struct ike_msg m;
    custom_round(lab, &r, &m);
    assert_non_null(ike_msg_find_notify(&m, IKE_N_INVALID_SYNTAX));
    assert_null(ike_msg_find_notify(&m, IKE_N_COOKIE2));
    assert_int_equal(counters(lab->gw)->mobike_malformed, 1);
    expect_gw_unmoved(lab);
}

/* ---- NAT detection and NAT prohibition ---- */

/* RFC 4555 3.8: NAT detection in a liveness check is answered, and moves nothing. */
static void test_natd_answered(void **state)
{
    struct lab *lab = *state;
    nat_on(lab, "192.0.2.2", 1000);
    lab_start_establish(lab);
    lab->net.nat.port_shift = 2000; /* the NAT made a new mapping */
    struct custom_req r = {.natd = true};
    static struct ike_msg m;
    custom_round(lab, &r, &m);
    /* gw's answer says what it saw: the new mapping, not what alice's SA says. */
    const struct ike_pl *pl = ike_msg_find_notify(&m, IKE_N_NAT_DETECTION_DESTINATION_IP);
    assert_non_null(pl);
    assert_non_null(ike_msg_find_notify(&m, IKE_N_NAT_DETECTION_SOURCE_IP));
    struct ike_sa_info a = lab_only_sa(lab->alice);
    uint8_t seen[IKE_NATD_LEN];
    struct ike_addr mapped = addr("198.51.100.9", 6500);
    ike_natd_hash(a.spi_i, a.spi_r, &mapped, seen);
    assert_memory_equal(pl->body + 4, seen, IKE_NATD_LEN);
    /* With MOBIKE on, the new mapping is not followed until an update (3.8). */
    assert_addr(lab_only_sa(lab->gw).remote, "198.51.100.9", 5500);
    assert_int_equal(counters(lab->gw)->peer_address_ignored, 1);
    assert_int_equal(counters(lab->gw)->peer_address_updated, 0);
    assert_int_equal(lab->gw_node.nupdated, 0);
    /* alice's update (same address) then moves it to the new mapping. */
    assert_int_equal(alice_moves(lab, "192.0.2.2", 0), 0);
    assert_int_equal(lab_run(lab), 4);
    assert_addr(lab_only_sa(lab->gw).remote, "198.51.100.9", 6500);
    assert_int_equal(counters(lab->gw)->peer_address_updated, 1);
    assert_int_equal(counters(lab->gw)->mobike_nat_on, 0);
    assert_addr(gw_child(lab)->remote, "198.51.100.9", 6500);
    gw_reaches_alice(lab);
}

static void test_no_nats_allowed_without_nat(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_int_equal(alice_moves(lab, "192.0.2.3", IKE_MOBIKE_NO_NATS), 0);
    assert_int_equal(lab_run(lab), 4);
    assert_int_equal(counters(lab->gw)->mobike_unexpected_nat, 0);
    assert_int_equal(counters(lab->gw)->mobike_updates, 1);
    assert_addr(lab_only_sa(lab->gw).remote, "192.0.2.3", IKE_NATT_PORT);
    assert_false(gw_child(lab)->udp_encap);
    assert_int_equal(counters(lab->alice)->mobike_update_refused, 0);
    assert_addr(alice_child(lab)->local, "192.0.2.3", IKE_NATT_PORT);
}

static void test_no_nats_allowed_behind_nat(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    nat_on(lab, "192.0.2.3", 1000);
    assert_int_equal(alice_moves(lab, "192.0.2.3", IKE_MOBIKE_NO_NATS), 0);
    assert_int_equal(lab_run(lab), 2);
    /* The addresses were translated: UNEXPECTED_NAT_DETECTED, and nothing moved. */
    assert_int_equal(counters(lab->gw)->mobike_unexpected_nat, 1);
    expect_gw_unmoved(lab);
    assert_int_equal(counters(lab->alice)->mobike_update_refused, 1);
    assert_int_equal(counters(lab->alice)->mobike_cookie2_mismatch, 0);
    assert_int_equal(lab->alice_node.nupdated, 0);
}

/* ---- the return routability check (3.7) ---- */

/* The gateway checks alice's new address before its ESP goes there. */
static void test_return_check_before_esp(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    static struct mock_packet update;
    assert_true(mock_pop(&lab->net, &update));
    ike_input(lab->gw, &update.to, &update.from, update.data, update.len);
    /* The IKE SA moved; ESP waits: the update's answer and the check are on their way. */
    assert_int_equal(lab->net.count, 2);
    assert_addr(lab_only_sa(lab->gw).remote, "192.0.2.3", IKE_NATT_PORT);
    assert_int_equal(lab->gw_node.nupdated, 0);
    assert_addr(gw_child(lab)->remote, "192.0.2.2", IKE_PORT);
    assert_int_equal(counters(lab->gw)->mobike_checks, 1);
    /* alice answers the check from her new address: now ESP follows. */
    assert_int_equal(lab_run(lab), 3);
    assert_int_equal(counters(lab->gw)->mobike_checks_passed, 1);
    assert_int_equal(lab->gw_node.nupdated, 1);
    assert_addr(gw_child(lab)->remote, "192.0.2.3", IKE_NATT_PORT);
}

/* An address that does not answer never gets the gateway's ESP. */
static void test_return_check_unanswered(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    /* She claims 192.0.2.3 but stays reachable at .2 only: the check goes nowhere. */
    lab->alice_addr = addr("192.0.2.2", IKE_PORT);
    lab_run(lab);
    for (unsigned i = 0; i < 5; i++) {
        lab->net.now_ns += 2 * SEC;
        ike_tick(lab->gw);
        lab_run(lab);
    }
    assert_int_equal(counters(lab->gw)->mobike_checks, 1);
    assert_int_equal(counters(lab->gw)->mobike_checks_passed, 0);
    assert_int_equal(lab->gw_node.nupdated, 0);
    assert_addr(gw_child(lab)->remote, "192.0.2.2", IKE_PORT);
}

/* An answer without our COOKIE2 closes the IKE SA (3.7: MUST be closed). */
static void test_return_check_wrong_cookie2(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    static struct mock_packet update;
    assert_true(mock_pop(&lab->net, &update));
    ike_input(lab->gw, &update.to, &update.from, update.data, update.len);
    /* White box: the cookie the gateway expects is not the one it sent. */
    struct ike_sa *g = ike_sa_find_ours(lab->gw, lab_only_sa(lab->gw).spi_r);
    assert_non_null(g);
    g->pending.cookie2[0] ^= 0xff;
    lab_run(lab);
    assert_int_equal(counters(lab->gw)->mobike_cookie2_mismatch, 1);
    assert_int_equal(counters(lab->gw)->mobike_checks_passed, 0);
    assert_int_equal(lab->gw_node.nupdated, 0);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

/*
 * A Child SA made while the check is out (alice rekeys hers at once, as
 * strongSwan's kernel-libipsec does after a move) goes where ESP already
 * goes, not to the unchecked address; it follows with the others once the
 * check passes.
 */
static void test_return_check_covers_rekey(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    uint32_t old_in = lab_only_sa(lab->gw).child_spi_in;
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    static struct mock_packet pkt, check;
    assert_true(mock_pop(&lab->net, &pkt));
    ike_input(lab->gw, &pkt.to, &pkt.from, pkt.data, pkt.len);
    /* The answer reaches alice; the check is held back. */
    assert_true(mock_pop(&lab->net, &pkt));
    assert_true(mock_pop(&lab->net, &check));
    ike_input(lab->alice, &pkt.to, &pkt.from, pkt.data, pkt.len);
    assert_int_equal(counters(lab->gw)->mobike_checks, 1);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_rekey_child(lab->alice, a.spi_i, a.spi_r, a.child_spi_in), 0);
    assert_true(mock_pop(&lab->net, &pkt));
    ike_input(lab->gw, &pkt.to, &pkt.from, pkt.data, pkt.len);
    assert_int_equal(lab->gw_node.ninstalled, 2);
    assert_addr(lab->gw_node.installed[1].remote, "192.0.2.2", IKE_PORT);
    assert_int_equal(lab->gw_node.nupdated, 0);
    /* The check's answer: every Child SA follows, the new one too. */
    ike_input(lab->alice, &check.to, &check.from, check.data, check.len);
    lab_run(lab);
    assert_int_equal(counters(lab->gw)->mobike_checks_passed, 1);
    assert_null(mock_live(&lab->gw_node, old_in));
    assert_addr(gw_child(lab)->remote, "192.0.2.3", IKE_NATT_PORT);
    assert_int_equal(gw_child(lab)->spi_in, lab->gw_node.installed[1].spi_in);
}

/* mobike_no_check: ESP follows at once (3.7 allows it where peers are trusted). */
static void test_return_check_off(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.mobike_no_check = true;
    lab_start_establish(lab);
    assert_int_equal(alice_moves(lab, "192.0.2.3", 0), 0);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(counters(lab->gw)->mobike_checks, 0);
    assert_int_equal(lab->gw_node.nupdated, 1);
    assert_addr(gw_child(lab)->remote, "192.0.2.3", IKE_NATT_PORT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_negotiated),
        LAB_TEST(test_return_check_before_esp),
        LAB_TEST(test_return_check_unanswered),
        LAB_TEST(test_return_check_wrong_cookie2),
        LAB_TEST(test_return_check_covers_rekey),
        LAB_TEST(test_return_check_off),
        LAB_TEST(test_gateway_without_mobike),
        LAB_TEST(test_client_without_mobike),
        LAB_TEST(test_kept_over_ike_rekey),
        LAB_TEST(test_move_without_nat),
        LAB_TEST(test_move_into_nat),
        LAB_TEST(test_move_out_of_nat),
        LAB_TEST(test_forged_update_refused),
        LAB_TEST(test_replayed_update_refused),
        LAB_TEST(test_update_without_mobike_refused),
        LAB_TEST(test_cookie2_checked),
        LAB_TEST(test_cookie2_echoed_in_any_informational),
        LAB_TEST(test_malformed_cookie2_refused),
        LAB_TEST(test_natd_answered),
        LAB_TEST(test_no_nats_allowed_without_nat),
        LAB_TEST(test_no_nats_allowed_behind_nat),
    };
    return cmocka_run_group_tests_name("mobike", tests, NULL, NULL);
}
