/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP-triggered NAT rebinding (RFC 7296 2.23): the dataplane reports that
 * authentic ESP of a NATed peer came from a new mapping
 * (ike_child_peer_moved). The gateway checks the peer there with an empty
 * INFORMATIONAL and moves the IKE SA and its Child SAs (child_update) only
 * on the authenticated answer from there; a check without an answer moves
 * nothing; a MOBIKE SA (RFC 4555 3.8) and an SA without a NATed peer are
 * never moved; reports while a check is out are folded into it. Every
 * outcome is counted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "ike_consts.h"
#include "ike_lab.h"

/* lab_setup, alice without MOBIKE (a strongSwan client with mobike = no). */
static int setup(void **state)
{
    int rc = lab_setup(state);
    ((struct lab *)*state)->alice_peer.mobike = IKE_MOBIKE_NO;
    return rc;
}
#define REBIND_TEST(f) cmocka_unit_test_setup_teardown(f, setup, lab_teardown)

static const struct ike_counters *gw_counters(struct lab *lab)
{
    return ike_get_counters(lab->gw);
}

/* alice (192.0.2.2) behind a NAT whose public address is 198.51.100.9. */
static void nat_on(struct lab *lab, uint16_t shift)
{
    lab->net.nat.on = true;
    lab->net.nat.inside = lab->alice_addr;
    assert_int_equal(ike_addr_parse(&lab->net.nat.outside, "198.51.100.9", 0), 0);
    lab->net.nat.port_shift = shift;
}

static struct ike_addr addr(const char *ip, uint16_t port)
{
    struct ike_addr a;
    assert_int_equal(ike_addr_parse(&a, ip, port), 0);
    return a;
}

static void assert_remote(const struct ike_addr *a, const char *ip, uint16_t port)
{
    struct ike_addr want = addr(ip, port);
    assert_true(ike_addr_equal(a, &want));
}

/* Established through the NAT: alice's 4500 is the NAT's 5500. */
static struct ike_sa_info establish_behind_nat(struct lab *lab)
{
    nat_on(lab, 1000);
    lab_start_establish(lab);
    struct ike_sa_info gw = lab_only_sa(lab->gw);
    assert_true(gw.natt);
    assert_remote(&gw.remote, "198.51.100.9", 5500);
    const struct ike_child_sa *c = mock_live(&lab->gw_node, gw.child_spi_in);
    assert_non_null(c);
    assert_true(c->udp_encap);
    assert_true(c->esp_rebind); /* the dataplane reports ESP from elsewhere for it */
    return gw;
}

/* What the dataplane does on authentic ESP from `from`. */
static int esp_from(struct lab *lab, const struct ike_sa_info *gw, const struct ike_addr *from)
{
    return ike_child_peer_moved(lab->gw, gw->spi_i, gw->spi_r, gw->child_spi_in, from);
}

static void test_rebind_checked_then_moved(void **state)
{
    struct lab *lab = *state;
    struct ike_sa_info gw = establish_behind_nat(lab);
    /* The NAT rebinds: alice's packets now leave from port 6500; she sends ESP only. */
    lab->net.nat.port_shift = 2000;
    struct ike_addr moved = addr("198.51.100.9", 6500);
    assert_int_equal(esp_from(lab, &gw, &moved), 0);
    assert_int_equal(gw_counters(lab)->esp_rebind_reported, 1);
    assert_int_equal(gw_counters(lab)->esp_rebind_checks, 1);
    /* One empty INFORMATIONAL, to the new mapping; nothing moved before its answer. */
    assert_int_equal(lab->net.count, 1);
    struct mock_packet *req = &lab->net.queue[lab->net.head];
    assert_true(ike_addr_equal(&req->to, &moved));
    assert_int_equal(req->data[4 + 18], IKE_EXCH_INFORMATIONAL); /* after the non-ESP marker */
    struct ike_sa_info now = lab_only_sa(lab->gw);
    assert_remote(&now.remote, "198.51.100.9", 5500);
    assert_int_equal(lab->gw_node.nupdated, 0);
    assert_remote(&mock_live(&lab->gw_node, gw.child_spi_in)->remote, "198.51.100.9", 5500);
    /* alice answers through the new mapping: the SA and its Child SA follow. */
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(lab->net.nat.dropped, 0);
    now = lab_only_sa(lab->gw);
    assert_remote(&now.remote, "198.51.100.9", 6500);
    assert_int_equal(gw_counters(lab)->esp_rebind_moved, 1);
    assert_int_equal(gw_counters(lab)->peer_address_updated, 1);
    assert_int_equal(lab->gw_node.nupdated, 1);
    assert_int_equal(lab->gw_node.nupdate_unknown, 0);
    const struct ike_child_sa *c = mock_live(&lab->gw_node, gw.child_spi_in);
    assert_remote(&c->remote, "198.51.100.9", 6500);
    assert_true(c->udp_encap);
    /* ESP from there is no news any more. */
    assert_int_equal(esp_from(lab, &gw, &moved), 0);
    assert_int_equal(gw_counters(lab)->esp_rebind_same_address, 1);
    assert_int_equal(lab->net.count, 0);
    /* The gateway's own requests reach alice there: a delete completes. */
    assert_int_equal(ike_delete(lab->gw, gw.spi_i, gw.spi_r), 0);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(lab->net.nat.dropped, 0);
    assert_int_equal(ike_sa_foreach(lab->alice, NULL, NULL), 0);
}

static void test_rebind_no_answer_moves_nothing(void **state)
{
    struct lab *lab = *state;
    struct ike_sa_info gw = establish_behind_nat(lab);
    /* Authentic ESP relayed from an address where alice is not: nobody answers there. */
    struct ike_addr elsewhere = addr("198.51.100.9", 7777);
    assert_int_equal(esp_from(lab, &gw, &elsewhere), 0);
    assert_int_equal(gw_counters(lab)->esp_rebind_checks, 1);
    unsigned to_elsewhere = 0;
    for (unsigned i = 0; i < 20 && gw_counters(lab)->esp_rebind_no_answer == 0; i++) {
        struct mock_packet p;
        while (mock_pop(&lab->net, &p))
            to_elsewhere += ike_addr_equal(&p.to, &elsewhere);
        lab->net.now_ns += SEC / 2;
        ike_tick(lab->gw);
    }
    assert_int_equal(to_elsewhere, 3); /* IKE_REBIND_TRIES */
    assert_int_equal(gw_counters(lab)->esp_rebind_no_answer, 1);
    /* The same request goes on to where alice is: answered, and nothing moved. */
    assert_int_equal(lab->net.count, 1);
    assert_remote(&lab->net.queue[lab->net.head].to, "198.51.100.9", 5500);
    assert_int_equal(lab_run(lab), 2);
    struct ike_sa_info now = lab_only_sa(lab->gw);
    assert_int_equal(now.state, IKE_SA_ESTABLISHED);
    assert_remote(&now.remote, "198.51.100.9", 5500);
    assert_int_equal(gw_counters(lab)->esp_rebind_moved, 0);
    assert_int_equal(gw_counters(lab)->esp_rebind_answered_elsewhere, 0);
    assert_int_equal(gw_counters(lab)->peer_address_updated, 0);
    assert_int_equal(lab->gw_node.nupdated, 0);
    assert_remote(&mock_live(&lab->gw_node, gw.child_spi_in)->remote, "198.51.100.9", 5500);
    /* Later reports start a new check: the SA is free again. */
    assert_int_equal(esp_from(lab, &gw, &elsewhere), 0);
    assert_int_equal(gw_counters(lab)->esp_rebind_checks, 2);
}

static void test_rebind_reports_coalesced(void **state)
{
    struct lab *lab = *state;
    struct ike_sa_info gw = establish_behind_nat(lab);
    lab->net.nat.port_shift = 2000;
    struct ike_addr moved = addr("198.51.100.9", 6500), other = addr("198.51.100.9", 6600);
    assert_int_equal(esp_from(lab, &gw, &moved), 0);
    /* More reports while the check is out, from there or elsewhere: folded into it. */
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(esp_from(lab, &gw, i % 2 ? &other : &moved), 0);
    assert_int_equal(gw_counters(lab)->esp_rebind_reported, 6);
    assert_int_equal(gw_counters(lab)->esp_rebind_coalesced, 5);
    assert_int_equal(gw_counters(lab)->esp_rebind_checks, 1);
    assert_int_equal(lab->net.count, 1);
    assert_int_equal(lab_run(lab), 2);
    assert_int_equal(gw_counters(lab)->esp_rebind_moved, 1);
    assert_int_equal(lab->gw_node.nupdated, 1);
}

static void test_rebind_waits_for_outstanding_request(void **state)
{
    struct lab *lab = *state;
    struct ike_sa_info gw = establish_behind_nat(lab);
    /* A liveness check of the gateway is out: the check of the new mapping waits for it. */
    lab->gw_peer.dpd_delay_s = 10;
    lab->net.now_ns += 11 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(lab->net.count, 1);
    struct ike_addr moved = addr("198.51.100.9", 6500), other = addr("198.51.100.9", 6600);
    assert_int_equal(esp_from(lab, &gw, &other), 0);
    assert_int_equal(esp_from(lab, &gw, &moved), 0); /* the newest mapping wins */
    assert_int_equal(gw_counters(lab)->esp_rebind_checks, 0);
    assert_int_equal(gw_counters(lab)->esp_rebind_coalesced, 1);
    assert_int_equal(lab_run(lab), 2); /* the liveness check and its answer, on the old mapping */
    lab->net.nat.port_shift = 2000;
    ike_tick(lab->gw);
    assert_int_equal(gw_counters(lab)->esp_rebind_checks, 1);
    assert_int_equal(lab->net.count, 1);
    assert_true(ike_addr_equal(&lab->net.queue[lab->net.head].to, &moved));
    assert_int_equal(lab_run(lab), 2);
    struct ike_sa_info now = lab_only_sa(lab->gw);
    assert_remote(&now.remote, "198.51.100.9", 6500);
    assert_int_equal(gw_counters(lab)->esp_rebind_moved, 1);
    assert_int_equal(lab->gw_node.nupdated, 1);
}

static void test_rebind_not_for_mobike(void **state)
{
    struct lab *lab = *state;
    /* alice keeps MOBIKE here: the SA moves on UPDATE_SA_ADDRESSES only (RFC 4555 3.8). */
    lab->alice_peer.mobike = IKE_MOBIKE_YES;
    nat_on(lab, 1000);
    lab_start_establish(lab);
    struct ike_sa_info gw = lab_only_sa(lab->gw);
    assert_true(gw.mobike);
    const struct ike_child_sa *c = mock_live(&lab->gw_node, gw.child_spi_in);
    assert_true(c->udp_encap);
    assert_false(c->esp_rebind); /* the dataplane does not even report */
    lab->net.nat.port_shift = 2000;
    struct ike_addr moved = addr("198.51.100.9", 6500);
    assert_int_equal(esp_from(lab, &gw, &moved), 0);
    assert_int_equal(gw_counters(lab)->esp_rebind_mobike, 1);
    assert_int_equal(gw_counters(lab)->esp_rebind_checks, 0);
    assert_int_equal(lab->net.count, 0);
    gw = lab_only_sa(lab->gw);
    assert_remote(&gw.remote, "198.51.100.9", 5500);
    assert_int_equal(lab->gw_node.nupdated, 0);
}

static void test_rebind_not_without_nat(void **state)
{
    struct lab *lab = *state;
    lab_start_establish(lab);
    struct ike_sa_info gw = lab_only_sa(lab->gw);
    assert_false(gw.natt);
    const struct ike_child_sa *c = mock_live(&lab->gw_node, gw.child_spi_in);
    assert_false(c->udp_encap);
    assert_false(c->esp_rebind);
    struct ike_addr moved = addr("192.0.2.77", 4500);
    assert_int_equal(esp_from(lab, &gw, &moved), 0);
    assert_int_equal(gw_counters(lab)->esp_rebind_no_nat, 1);
    assert_int_equal(gw_counters(lab)->esp_rebind_checks, 0);
    assert_int_equal(lab->net.count, 0);
    gw = lab_only_sa(lab->gw);
    assert_remote(&gw.remote, "192.0.2.2", 500);
    assert_int_equal(lab->gw_node.nupdated, 0);
}

static void test_rebind_unknown_sa(void **state)
{
    struct lab *lab = *state;
    struct ike_sa_info gw = establish_behind_nat(lab);
    struct ike_addr moved = addr("198.51.100.9", 6500);
    assert_int_equal(ike_child_peer_moved(lab->gw, gw.spi_i, gw.spi_r, gw.child_spi_in + 1, &moved),
                     -ENOENT);
    assert_int_equal(ike_child_peer_moved(lab->gw, gw.spi_i + 1, gw.spi_r, gw.child_spi_in, &moved),
                     -ENOENT);
    assert_int_equal(gw_counters(lab)->esp_rebind_reported, 0);
    assert_int_equal(lab->net.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        REBIND_TEST(test_rebind_checked_then_moved),
        REBIND_TEST(test_rebind_no_answer_moves_nothing),
        REBIND_TEST(test_rebind_reports_coalesced),
        REBIND_TEST(test_rebind_waits_for_outstanding_request),
        REBIND_TEST(test_rebind_not_for_mobike),
        REBIND_TEST(test_rebind_not_without_nat),
        REBIND_TEST(test_rebind_unknown_sa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
