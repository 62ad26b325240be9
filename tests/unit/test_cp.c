/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual IPs (RFC 7296 2.19, cp.c), veer against veer through the mock
 * backend: alice asks for addresses (vip_request), gw leases them from its
 * pools. The Child SA's selectors are exactly the leased address on both
 * sides; the same identity gets the same address back; an exhausted pool
 * answers INTERNAL_ADDRESS_FAILURE and creates no Child SA; a wrong PSK
 * leases nothing; a lease follows an IKE rekey and goes back to the pool
 * with the IKE SA; a Child SA rekey keeps the address; a client without CP
 * is served as before; with EAP the lease comes only after EAP succeeded.
 */
#include <errno.h>
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "ike_msg.h"
#include "ike_sa.h"
#include "ike_ts.h"
#include "mock_backend.h"
#include "unit_util.h"

static struct ike_pool_cfg pools[2];

static const struct ike_counters *counters(struct ike_ctx *ctx)
{
    return ike_get_counters(ctx);
}

static void set_range(struct ike_pool_cfg *pc, const char *name, const char *first,
                      const char *last, uint8_t prefix_len)
{
    memset(pc, 0, sizeof(*pc));
    strcpy(pc->name, name);
    assert_int_equal(ike_addr_parse(&pc->first, first, 0), 0);
    assert_int_equal(ike_addr_parse(&pc->last, last, 0), 0);
    pc->prefix_len = prefix_len;
    pc->hold_s = 60;
}

/* gw leases from pool "rw4" (10.3.0.1-10.3.0.2, and "rw6" with six); alice asks. */
static void vip_setup(struct lab *lab, uint8_t families, bool six)
{
    set_range(&pools[0], "rw4", "10.3.0.1", "10.3.0.2", 24);
    assert_int_equal(ike_addr_parse(&pools[0].dns[0], "10.2.0.53", 0), 0);
    pools[0].ndns = 1;
    set_range(&pools[1], "rw6", "fd00:3::1", "fd00:3::ff", 112);
    lab->gw_cfg.pools = pools;
    lab->gw_cfg.npools = six ? 2 : 1;
    lab->gw_peer.npools = six ? 2 : 1;
    lab->gw_peer.pools[0] = 0;
    lab->gw_peer.pools[1] = 1;
    lab->gw_peer.nremote_ts = 0; /* the pools stand for the client's side */
    lab->alice_peer.vip_request = families;
    lab->alice_peer.nlocal_ts = 0;
}

static void assert_host(const struct ike_ts_set *s, const char *ip)
{
    struct ike_addr a;
    assert_int_equal(ike_addr_parse(&a, ip, 0), 0);
    assert_int_equal(s->nts, 1);
    unsigned n = ike_addr_ip_len(&a);
    assert_int_equal(s->ts[0].type, n == 4 ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE);
    assert_memory_equal(s->ts[0].start_addr, a.ip, n);
    assert_memory_equal(s->ts[0].end_addr, a.ip, n);
}

static struct ike_pool_stats pool_stats(struct lab *lab, unsigned i)
{
    struct ike_pool_stats st;
    struct ike_pool *p = ike_ctx_pool(lab->gw, i);
    assert_non_null(p);
    ike_pool_stats(p, &st);
    return st;
}

static void delete_all(struct lab *lab)
{
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_delete(lab->alice, a.spi_i, a.spi_r), 0);
    lab_run(lab);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
}

static void test_vip_leased_and_narrowed(void **state)
{
    struct lab *lab = *state;
    vip_setup(lab, IKE_VIP_4, false);
    lab_start_establish(lab);
    lab_expect_child_pair(lab);
    /* Both sides' selectors on alice's side are the leased host, nothing wider. */
    assert_host(&lab->alice_node.installed[0].ts_local, "10.3.0.1");
    assert_host(&lab->gw_node.installed[0].ts_remote, "10.3.0.1");
    assert_int_equal(counters(lab->gw)->cp_addresses_assigned, 1);
    assert_int_equal(counters(lab->alice)->cp_addresses_received, 1);
    struct ike_pool_stats st = pool_stats(lab, 0);
    assert_int_equal(st.online, 1);
    assert_int_equal(st.free, 1);
    /* The lease belongs to the authenticated identity. */
    struct ike_addr a;
    ike_addr_parse(&a, "10.3.0.1", 0);
    struct ike_pool_lease l;
    assert_true(ike_pool_lookup(ike_ctx_pool(lab->gw, 0), &a, &l));
    assert_int_equal(l.owner.len, strlen("alice.example"));
    assert_memory_equal(l.owner.data, "alice.example", l.owner.len);
    assert_int_equal(l.refs, 1);
}

static void test_same_address_after_reconnect(void **state)
{
    struct lab *lab = *state;
    vip_setup(lab, IKE_VIP_4, false);
    lab_start(lab);
    /* Someone else takes the first address while alice is away, after her first visit. */
    lab_establish(lab);
    delete_all(lab);
    struct ike_pool_stats st = pool_stats(lab, 0);
    assert_int_equal(st.online, 0);
    assert_int_equal(st.held, 1);
    lab_establish(lab);
    assert_host(&lab->gw_node.installed[1].ts_remote, "10.3.0.1");
    assert_host(&lab->alice_node.installed[1].ts_local, "10.3.0.1");
}

static void test_pool_exhausted(void **state)
{
    struct lab *lab = *state;
    vip_setup(lab, IKE_VIP_4, false);
    lab_start(lab);
    struct ike_id bob, carol;
    lab_set_id(&bob, "bob.example");
    lab_set_id(&carol, "carol.example");
    struct ike_addr got;
    assert_int_equal(ike_pool_acquire(ike_ctx_pool(lab->gw, 0), &bob, NULL, 0, &got), 0);
    assert_int_equal(ike_pool_acquire(ike_ctx_pool(lab->gw, 0), &carol, NULL, 0, &got), 0);
    lab_establish(lab);
    /* The IKE SA stands; no Child SA on either side, and the refusal is counted. */
    assert_int_equal(lab->gw_node.ninstalled, 0);
    assert_int_equal(lab->alice_node.ninstalled, 0);
    assert_int_equal(counters(lab->gw)->cp_address_failure, 1);
    assert_int_equal(counters(lab->gw)->cp_addresses_assigned, 0);
    assert_int_equal(pool_stats(lab, 0).online, 2);
}

static void test_wrong_psk_leases_nothing(void **state)
{
    struct lab *lab = *state;
    vip_setup(lab, IKE_VIP_4, false);
    lab->gw_peer.psk[0] ^= 1;
    lab_start_run(lab);
    assert_int_equal(counters(lab->gw)->auth_failed, 1);
    struct ike_pool_stats st = pool_stats(lab, 0);
    assert_int_equal(st.online + st.held, 0);
}

static void test_both_families(void **state)
{
    struct lab *lab = *state;
    vip_setup(lab, IKE_VIP_4 | IKE_VIP_6, true);
    lab_start_establish(lab);
    const struct ike_child_sa *g = &lab->gw_node.installed[0];
    const struct ike_child_sa *a = &lab->alice_node.installed[0];
    assert_int_equal(g->ts_remote.nts, 2);
    assert_int_equal(a->ts_local.nts, 2);
    assert_memory_equal(g->ts_remote.ts[0].start_addr, "\x0a\x03\x00\x01", 4);
    struct ike_addr six;
    ike_addr_parse(&six, "fd00:3::1", 0);
    assert_memory_equal(g->ts_remote.ts[1].start_addr, six.ip, 16);
    assert_memory_equal(g->ts_remote.ts[1].end_addr, six.ip, 16);
    assert_int_equal(counters(lab->gw)->cp_addresses_assigned, 2);
    assert_int_equal(pool_stats(lab, 1).online, 1);
}

/* A client without a CP: its own address must be in remote_ts, as before (here: none is). */
static void test_no_cp_needs_remote_ts(void **state)
{
    struct lab *lab = *state;
    vip_setup(lab, 0, false);
    lab->alice_peer.nlocal_ts = 1; /* 10.1.0.1, its own */
    lab_start_establish(lab);
    assert_int_equal(lab->gw_node.ninstalled, 0);
    assert_int_equal(counters(lab->gw)->ts_unacceptable, 1);
    assert_int_equal(pool_stats(lab, 0).online, 0);
}

/*
 * A client asking where the peer configuration has no pools gets no address
 * and no tunnel, rather than its placeholder TSi narrowed to remote_ts.
 */
static void test_no_pool_configured(void **state)
{
    struct lab *lab = *state;
    vip_setup(lab, IKE_VIP_4, false);
    lab->gw_peer.npools = 0;
    lab->gw_peer.nremote_ts = 1;
    lab_start_establish(lab);
    assert_int_equal(counters(lab->gw)->cp_no_pool, 1);
    assert_int_equal(lab->gw_node.ninstalled, 0);
}

static void test_lease_follows_ike_rekey(void **state)
{
    struct lab *lab = *state;
    vip_setup(lab, IKE_VIP_4, false);
    lab_start_establish(lab);
    struct ike_sa_info g = lab_only_sa(lab->gw);
    /* The gateway rekeys: the new IKE SA has the gateway as its initiator. */
    assert_int_equal(ike_rekey_ike(lab->gw, g.spi_i, g.spi_r), 0);
    lab_run(lab);
    struct ike_sa_info g2 = lab_only_sa(lab->gw);
    assert_true(g2.spi_i != g.spi_i);
    assert_int_equal(pool_stats(lab, 0).online, 1);
    /* A Child SA rekey by the gateway keeps the client's side at its address. */
    assert_int_equal(ike_rekey_child(lab->gw, g2.spi_i, g2.spi_r, g2.children[0].spi_in), 0);
    lab_run(lab);
    assert_int_equal(counters(lab->alice)->child_rekeyed, 1);
    assert_host(&lab->gw_node.installed[1].ts_remote, "10.3.0.1");
    assert_host(&lab->alice_node.installed[1].ts_local, "10.3.0.1");
    delete_all(lab);
    struct ike_pool_stats st = pool_stats(lab, 0);
    assert_int_equal(st.online, 0);
    assert_int_equal(st.held, 1);
}

/* alice authenticates with EAP-MD5 (its secret `secret`), gw leases after EAP succeeded. */
static void eap_vip_setup(struct lab *lab, const char *secret)
{
    static struct ike_eap_secret alice_secret, gw_user;
    vip_setup(lab, IKE_VIP_4, false);
    memset(&gw_user, 0, sizeof(gw_user));
    lab_set_id(&gw_user.id, "alice.example");
    memcpy(gw_user.secret, "eap-secret", 10);
    gw_user.len = 10;
    alice_secret = gw_user;
    memcpy(alice_secret.secret, secret, 10);
    lab->alice_peer.local_auth = IKE_PEER_AUTH_EAP_MD5;
    lab->alice_peer.eap_secrets = &alice_secret;
    lab->alice_peer.neap_secrets = 1;
    lab->gw_peer.remote_auth = IKE_PEER_AUTH_EAP_MD5;
    lab->gw_peer.eap_secrets = &gw_user;
    lab->gw_peer.neap_secrets = 1;
}

/* With EAP the CFG_REQUEST comes in the first IKE_AUTH, the address in the last response. */
static void test_vip_after_eap(void **state)
{
    struct lab *lab = *state;
    eap_vip_setup(lab, "eap-secret");
    lab_start_initiate(lab);
    assert_int_equal(lab_run(lab), 8);
    assert_int_equal(counters(lab->gw)->eap_succeeded, 1);
    lab_expect_child_pair(lab);
    assert_host(&lab->gw_node.installed[0].ts_remote, "10.3.0.1");
    assert_host(&lab->alice_node.installed[0].ts_local, "10.3.0.1");
    assert_int_equal(pool_stats(lab, 0).online, 1);
}

/* A client that fails EAP never held a lease, not even while the conversation ran. */
static void test_eap_failure_leases_nothing(void **state)
{
    struct lab *lab = *state;
    eap_vip_setup(lab, "eap-secreX");
    lab_start_run(lab);
    assert_int_equal(counters(lab->gw)->eap_wrong_secret, 1);
    struct ike_pool_stats st = pool_stats(lab, 0);
    assert_int_equal(st.online + st.held, 0);
    assert_int_equal(counters(lab->gw)->cp_addresses_assigned, 0);
}

/* ---- the payload's rules alone (ike_cp_parse_request, ike_cp_parse_reply) ---- */

static int parse_request(const char *hex, struct ike_cp_ask *ask)
{
    static uint8_t body[256];
    size_t n = unit_hex(hex, body, sizeof(body));
    struct ike_pl pl = ike_pl_from_body(IKE_PL_CP, body, (uint16_t)n);
    return ike_cp_parse_request(&pl, ask);
}

static void test_parse_request(void **state)
{
    (void)state;
    struct ike_cp_ask ask;
    /* strongSwan's vips = 0.0.0.0, :: with DNS: empty attributes. */
    assert_int_equal(parse_request("01000000 0001 0000 0008 0000 0003 0000 000a 0000", &ask), 0);
    assert_int_equal(ask.families, IKE_VIP_4 | IKE_VIP_6);
    assert_true(ask.dns4 && ask.dns6);
    assert_false(ask.netmask);
    assert_int_equal(ask.want4.family, 0);
    /* An address asked for, and a netmask; the reserved top bit of a type ignored. */
    assert_int_equal(parse_request("01000000 0001 0004 0a030009 8002 0000", &ask), 0);
    assert_int_equal(ask.want4.family, 4);
    assert_memory_equal(ask.want4.ip, "\x0a\x03\x00\x09", 4);
    assert_true(ask.netmask);
    /* IPv6: 16 bytes and a prefix length; ::/0 means any. */
    assert_int_equal(parse_request("01000000 0008 0011 fd000003000000000000000000000007 40", &ask),
                     0);
    assert_int_equal(ask.want6.family, 6);
    assert_int_equal(ask.want6.ip[15], 7);
    assert_int_equal(parse_request("01000000 0008 0011 00000000000000000000000000000000 00", &ask),
                     0);
    assert_int_equal(ask.want6.family, 0);
    assert_int_equal(ask.families, IKE_VIP_6);
}

static void test_parse_request_malformed(void **state)
{
    (void)state;
    struct ike_cp_ask ask;
    /* A wrong address length: the family still asked for, the address ignored. */
    assert_int_equal(parse_request("01000000 0001 0003 0a0300", &ask), 1);
    assert_int_equal(ask.families, IKE_VIP_4);
    assert_int_equal(ask.want4.family, 0);
    assert_int_equal(parse_request("01000000 0008 0010 fd000003000000000000000000000007", &ask), 1);
    /* Unreadable: a reply where a request belongs, an unknown type, cut attributes. */
    assert_int_equal(parse_request("02000000 0001 0000", &ask), -1);
    assert_int_equal(parse_request("09000000", &ask), -1);
    assert_int_equal(parse_request("01000000 0001 0004 0a03", &ask), -1);
    assert_int_equal(parse_request("01000000 00", &ask), -1);
    assert_int_equal(parse_request("0100", &ask), -1);
    assert_int_equal(ask.families, 0);
}

static int parse_reply(const char *hex, uint8_t want, struct ike_addr *out, unsigned *n)
{
    static uint8_t body[256];
    size_t len = unit_hex(hex, body, sizeof(body));
    struct ike_pl pl = ike_pl_from_body(IKE_PL_CP, body, (uint16_t)len);
    return ike_cp_parse_reply(&pl, want, out, n);
}

static void test_parse_reply(void **state)
{
    (void)state;
    struct ike_addr a[IKE_MAX_VIPS];
    unsigned n;
    /* Address, netmask, DNS, IPv6 address: the addresses of the families we asked for. */
    assert_int_equal(parse_reply("02000000 0001 0004 0a030001 0002 0004 ffffff00 0003 0004 "
                                 "0a020035 0008 0011 fd000003000000000000000000000001 70",
                                 IKE_VIP_4 | IKE_VIP_6, a, &n),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].family, 4);
    assert_memory_equal(a[0].ip, "\x0a\x03\x00\x01", 4);
    assert_int_equal(a[1].family, 6);
    /* Only IPv4 asked for: the IPv6 address is not ours to take. */
    assert_int_equal(
        parse_reply("02000000 0008 0011 fd000003000000000000000000000001 70", IKE_VIP_4, a, &n), 0);
    assert_int_equal(n, 0);
    /* A second IPv4 address is ignored; 0.0.0.0 and a cut address are unusable. */
    assert_int_equal(
        parse_reply("02000000 0001 0004 0a030001 0001 0004 0a030002", IKE_VIP_4, a, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].ip[3], 1);
    assert_int_equal(parse_reply("02000000 0001 0004 00000000 0001 0002 0a03", IKE_VIP_4, a, &n),
                     2);
    assert_int_equal(n, 0);
    /* A request where the reply belongs, or garbage. */
    assert_int_equal(parse_reply("01000000 0001 0004 0a030001", IKE_VIP_4, a, &n), -1);
    assert_int_equal(parse_reply("02000000 0001 0008 0a030001", IKE_VIP_4, a, &n), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_vip_leased_and_narrowed),
        LAB_TEST(test_same_address_after_reconnect),
        LAB_TEST(test_pool_exhausted),
        LAB_TEST(test_wrong_psk_leases_nothing),
        LAB_TEST(test_both_families),
        LAB_TEST(test_no_cp_needs_remote_ts),
        LAB_TEST(test_no_pool_configured),
        LAB_TEST(test_lease_follows_ike_rekey),
        cmocka_unit_test(test_parse_request),
        cmocka_unit_test(test_parse_request_malformed),
        cmocka_unit_test(test_parse_reply),
        LAB_TEST(test_vip_after_eap),
        LAB_TEST(test_eap_failure_leases_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
