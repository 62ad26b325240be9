/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admission gate over IPv6, on mbufs (EAL with --no-huge, no ports): a
 * real strongSwan IKE_SA_INIT (tests/data) carried in IPv6/UDP to port 500,
 * or 4500 behind the non-ESP marker, is answered in place with REDIRECT (to
 * a target of either family) or COOKIE. Each reply's IPv6 and UDP headers are
 * checked byte by byte, its UDP checksum summed here independently of DPDK,
 * and its IKE message decoded by lib/ike; the cookie is the one lib/ike makes
 * for the client's IPv6 address and port, and it admits that client only.
 * What the gate does not judge (ICMPv6, extension headers, other ports, bad
 * UDP lengths) goes on to the control lcore untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp_gate.h"
#include "ike_consts.h"
#include "ike_msg.h"
#include "ike_redirect_policy.h"
#include "pcap_io.h"
#include "inet_sum.h"
#include "test_eal.h"

#define ETH 14
#define HDRS6 (ETH + 40 + 8)
#define CLIENT_PORT 500

static struct rte_mempool *pool;
static const struct rte_ether_addr mac_gw = {{2, 0, 0, 0, 0, 1}}, mac_client = {{2, 0, 0, 0, 0, 2}};
static const uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};         /* 2001:db8::1 */
static const uint8_t client6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};     /* 2001:db8::2 */
static const uint8_t other6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 3};      /* 2001:db8::3 */
static const uint8_t anycast6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x64}; /* 2001:db8::64 */
static const uint8_t secret[IKE_COOKIE_SECRET_LEN] = "test_gate6 cookie secret 0123456";
static struct pcap_udp strongswan; /* its IKE_SA_INIT request */

static int group_setup(void **state)
{
    (void)state;
    if (test_eal_pool("test_gate6", "64", 256, &pool) < 0)
        return -1;
    if (pcap_io_read_udp(VEER_TEST_DATA "/strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap", 0,
                         &strongswan) != 0)
        return -1;
    return 0;
}

/* ---- frames, built and checked here without DPDK's helpers ---- */

/*
 * A client -> gateway frame: Ethernet, IPv6 (next header `next`), UDP from
 * CLIENT_PORT to `dport` with its checksum, then the non-ESP marker when
 * `marker`, then the IKE message.
 */
static struct rte_mbuf *frame6(const uint8_t src[16], const uint8_t dst[16], uint8_t next,
                               uint16_t dport, bool marker, const uint8_t *ike, size_t len)
{
    static uint8_t f[2048];
    size_t udp_len = 8 + (marker ? 4 : 0) + len;
    assert_true(ETH + 40 + udp_len <= sizeof(f));
    memset(f, 0, ETH + 40 + udp_len);
    memcpy(f, &mac_gw, 6);
    memcpy(f + 6, &mac_client, 6);
    put16(f + 12, 0x86dd);
    uint8_t *ip = f + ETH, *u = ip + 40;
    ip[0] = 0x60;
    put16(ip + 4, udp_len);
    ip[6] = next;
    ip[7] = 64;
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, dst, 16);
    put16(u, CLIENT_PORT);
    put16(u + 2, dport);
    put16(u + 4, udp_len);
    memcpy(u + 8 + (marker ? 4 : 0), ike, len);
    put16(u + 6, 0xffff - udp6_sum(ip, u, udp_len));
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH + 40 + udp_len));
    assert_non_null(p);
    memcpy(p, f, ETH + 40 + udp_len);
    return m;
}

static struct rte_mbuf *strongswan_to(const uint8_t src[16], const uint8_t dst[16], uint16_t dport)
{
    return frame6(src, dst, 17, dport, dport == 4500, strongswan.payload, strongswan.len);
}

/*
 * The reply in m, byte by byte: to `client` from `here`, ports swapped, the
 * UDP checksum right, the marker when `marker`; its IKE message decoded into
 * msg (backed by `copy`).
 */
static void check_reply(struct rte_mbuf *m, const uint8_t here[16], const uint8_t client[16],
                        uint16_t here_port, bool marker, uint8_t *copy, struct ike_msg *msg)
{
    const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
    size_t total = rte_pktmbuf_data_len(m);
    assert_int_equal(rte_pktmbuf_pkt_len(m), total);
    assert_memory_equal(f, &mac_client, 6);
    assert_memory_equal(f + 6, &mac_gw, 6);
    assert_int_equal(get16(f + 12), 0x86dd);
    const uint8_t *ip = f + ETH, *u = ip + 40;
    static const uint8_t vtc_flow[4] = {0x60, 0, 0, 0};
    assert_memory_equal(ip, vtc_flow, 4);
    assert_int_equal(get16(ip + 4), total - ETH - 40);
    assert_int_equal(ip[6], 17);
    assert_int_equal(ip[7], 64);
    assert_memory_equal(ip + 8, here, 16);
    assert_memory_equal(ip + 24, client, 16);
    assert_int_equal(get16(u), here_port);
    assert_int_equal(get16(u + 2), CLIENT_PORT);
    assert_int_equal(get16(u + 4), total - ETH - 40);
    assert_int_not_equal(get16(u + 6), 0);
    assert_int_equal(udp6_sum(ip, u, total - ETH - 40), 0xffff);
    size_t skip = marker ? 4 : 0, len = total - HDRS6 - skip;
    if (marker) {
        static const uint8_t zero[4];
        assert_memory_equal(u + 8, zero, 4);
    }
    memcpy(copy, u + 8 + skip, len);
    assert_int_equal(ike_msg_decode(copy, len, msg, NULL), 0);
    assert_true(ike_hdr_is_response(&msg->hdr));
    assert_int_equal(msg->hdr.spi_r, 0);
    assert_int_equal(msg->hdr.exchange, IKE_EXCH_IKE_SA_INIT);
}

static void gate_init(struct dp_gate_shared *s, struct dp_gate_worker *g, enum conf_gate_mode mode)
{
    memset(s, 0, sizeof(*s));
    memset(g, 0, sizeof(*g));
    s->mode = mode;
    struct ike_cookie_keys keys;
    ike_cookie_keys_init(&keys, secret);
    dp_gate_publish_keys(s, &keys);
    g->shared = s;
    g->nworkers = 1;
}

/* Publishes a table of these targets (weight 1) and anycast address, as the control lcore does. */
static void publish(struct dp_gate_shared *s, const char *target, const uint8_t *anycast)
{
    static struct rp_table t;
    rp_table_init(&t, RP_WEIGHTED_RR, false);
    if (target != NULL) {
        struct ike_gw_id gw;
        assert_int_equal(rp_gw_parse(target, &gw), 0);
        assert_int_equal(rp_table_add(&t, &gw, 1), 0);
    }
    if (anycast != NULL) {
        struct ike_addr a = {.family = 6};
        memcpy(a.ip, anycast, 16);
        assert_int_equal(rp_table_add_anycast(&t, &a), 0);
    }
    rp_publish(&s->redirect, &t);
}

/* The gateway a REDIRECT names, as text. */
static void redirect_target(const struct ike_msg *msg, char *text, size_t cap)
{
    const struct ike_pl *pl = ike_msg_find_notify(msg, IKE_N_REDIRECT);
    assert_non_null(pl);
    struct ike_notify_payload n;
    struct ike_gw_id gw;
    struct ike_bytes nonce;
    assert_int_equal(ike_notify_decode(pl, &n, NULL), 0);
    assert_int_equal(ike_notify_redirect_decode(&n, &gw, &nonce, NULL), 0);
    rp_gw_format(&gw, text, cap);
}

/* The COOKIE notify's data in a reply. */
static struct ike_bytes cookie_of(const struct ike_msg *msg)
{
    const struct ike_pl *pl = ike_msg_find_notify(msg, IKE_N_COOKIE);
    assert_non_null(pl);
    struct ike_notify_payload n;
    assert_int_equal(ike_notify_decode(pl, &n, NULL), 0);
    return n.data;
}

/*
 * strongSwan's request again with N(COOKIE) first (RFC 7296 2.6): the header
 * now points at the notify, which points at what the header pointed at.
 */
static size_t with_cookie(const struct ike_bytes *cookie, uint8_t *out)
{
    const uint8_t *req = strongswan.payload;
    size_t n_len = 8 + cookie->len, len = strongswan.len + n_len;
    memcpy(out, req, 28);
    out[16] = IKE_PL_NOTIFY;
    out[24] = (uint8_t)(len >> 24);
    out[25] = (uint8_t)(len >> 16);
    out[26] = (uint8_t)(len >> 8);
    out[27] = (uint8_t)len;
    uint8_t *n = out + 28;
    n[0] = req[16];
    n[1] = 0;
    put16(n + 2, n_len);
    n[4] = 0; /* protocol */
    n[5] = 0; /* SPI size */
    put16(n + 6, IKE_N_COOKIE);
    memcpy(n + 8, cookie->ptr, cookie->len);
    memcpy(n + n_len, req + 28, strongswan.len - 28);
    return len;
}

/* ---- tests ---- */

/* REDIRECT to an IPv6 target, then to an IPv4 one, each reply turned around in IPv6. */
static void test_gate6_redirect(void **state)
{
    (void)state;
    static struct dp_gate_shared s;
    static struct dp_gate_worker g;
    struct dp_worker_counters c = {0};
    gate_init(&s, &g, CONF_GATE_ON);
    static const char *targets[] = {"2001:db8:ff::9", "203.0.113.1"};
    for (size_t i = 0; i < 2; i++) {
        publish(&s, targets[i], NULL);
        struct rte_mbuf *m = strongswan_to(client6, gw6, 500);
        size_t request_len = rte_pktmbuf_pkt_len(m);
        assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
        assert_true(rte_pktmbuf_pkt_len(m) <= request_len);
        static uint8_t copy[2048];
        struct ike_msg msg;
        check_reply(m, gw6, client6, 500, false, copy, &msg);
        char text[IKE_ADDR_STRLEN];
        redirect_target(&msg, text, sizeof(text));
        assert_string_equal(text, targets[i]);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(c.gate_redirects, 2);
    assert_int_equal(c.gate_cookies, 0);
}

/*
 * COOKIE: lib/ike's cookie for the client's IPv6 address and port; returned,
 * it admits that client first, and no other address.
 */
static void test_gate6_cookie(void **state)
{
    (void)state;
    static struct dp_gate_shared s;
    static struct dp_gate_worker g;
    struct dp_worker_counters c = {0};
    gate_init(&s, &g, CONF_GATE_ON);
    struct rte_mbuf *m = strongswan_to(client6, gw6, 500);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
    assert_int_equal(c.gate_cookies, 1);
    static uint8_t copy[2048];
    struct ike_msg msg;
    check_reply(m, gw6, client6, 500, false, copy, &msg);
    struct ike_bytes got = cookie_of(&msg);
    /* What lib/ike computes for this client over IPv6. */
    struct ike_sl_request req;
    struct ike_err err;
    assert_int_equal(ike_sl_parse(strongswan.payload, strongswan.len, false, &req, &err), 0);
    struct ike_cookie_keys keys;
    ike_cookie_keys_init(&keys, secret);
    struct ike_addr who = {.family = 6, .port = CLIENT_PORT};
    memcpy(who.ip, client6, 16);
    uint8_t want[IKE_COOKIE_LEN];
    ike_cookie_make(&keys, req.nonce.ptr, req.nonce.len, &who, req.spi_i, want);
    assert_int_equal(got.len, IKE_COOKIE_LEN);
    assert_memory_equal(got.ptr, want, IKE_COOKIE_LEN);
    /* The same bytes computed over IPv4 (the first four address bytes) differ. */
    struct ike_addr v4 = {.family = 4, .port = CLIENT_PORT};
    memcpy(v4.ip, client6, 4);
    uint8_t as_v4[IKE_COOKIE_LEN];
    ike_cookie_make(&keys, req.nonce.ptr, req.nonce.len, &v4, req.spi_i, as_v4);
    assert_memory_not_equal(as_v4, want, IKE_COOKIE_LEN);
    struct ike_bytes cookie = {.ptr = want, .len = IKE_COOKIE_LEN};
    rte_pktmbuf_free(m);

    uint8_t again[2048];
    size_t len = with_cookie(&cookie, again);
    m = frame6(client6, gw6, 17, 500, false, again, len);
    assert_int_equal(dp_gate_check(&g, m, 2000, &c), DP_GATE_PASS);
    assert_int_equal(c.gate_cookie_admitted, 1);
    rte_pktmbuf_free(m);
    /* From another address the cookie is worthless: a new COOKIE, for that address. */
    m = frame6(other6, gw6, 17, 500, false, again, len);
    assert_int_equal(dp_gate_check(&g, m, 2000, &c), DP_GATE_REPLIED);
    assert_int_equal(c.gate_cookie_admitted, 1);
    assert_int_equal(c.gate_cookies, 2);
    check_reply(m, gw6, other6, 500, false, copy, &msg);
    got = cookie_of(&msg);
    assert_memory_not_equal(got.ptr, want, IKE_COOKIE_LEN);
    rte_pktmbuf_free(m);
}

/* On port 4500 behind the non-ESP marker: the reply has the marker and comes from 4500. */
static void test_gate6_natt(void **state)
{
    (void)state;
    static struct dp_gate_shared s;
    static struct dp_gate_worker g;
    struct dp_worker_counters c = {0};
    gate_init(&s, &g, CONF_GATE_ON);
    struct rte_mbuf *m = strongswan_to(client6, gw6, 4500);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
    static uint8_t copy[2048];
    struct ike_msg msg;
    check_reply(m, gw6, client6, 4500, true, copy, &msg);
    assert_non_null(ike_msg_find_notify(&msg, IKE_N_COOKIE));
    rte_pktmbuf_free(m);
    assert_int_equal(c.gate_cookies, 1);
}

/* RFC 5685 4 over IPv6: to an anycast address, redirected with the gate open; from that address. */
static void test_gate6_anycast(void **state)
{
    (void)state;
    static struct dp_gate_shared s;
    static struct dp_gate_worker g;
    struct dp_worker_counters c = {0};
    gate_init(&s, &g, CONF_GATE_OFF);
    publish(&s, "2001:db8:ff::9", anycast6);
    struct rte_mbuf *m = strongswan_to(client6, anycast6, 500);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
    static uint8_t copy[2048];
    struct ike_msg msg;
    check_reply(m, anycast6, client6, 500, false, copy, &msg);
    char text[IKE_ADDR_STRLEN];
    redirect_target(&msg, text, sizeof(text));
    assert_string_equal(text, "2001:db8:ff::9");
    rte_pktmbuf_free(m);
    assert_int_equal(c.redirect_anycast, 1);
    assert_int_equal(c.gate_admitted, 0);
    /* To our unicast address the open gate lets it through. */
    m = strongswan_to(client6, gw6, 500);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_PASS);
    rte_pktmbuf_free(m);
    assert_int_equal(c.gate_admitted, 1);
}

/* What the gate does not judge passes untouched; a malformed IKE_SA_INIT is dropped. */
static void test_gate6_not_judged_and_malformed(void **state)
{
    (void)state;
    static struct dp_gate_shared s;
    static struct dp_gate_worker g;
    struct dp_worker_counters c = {0};
    gate_init(&s, &g, CONF_GATE_ON);
    struct rte_mbuf *m;
    uint8_t before[2048];
#define EXPECT_UNTOUCHED(make)                                                                     \
    do {                                                                                           \
        m = (make);                                                                                \
        size_t n = rte_pktmbuf_data_len(m);                                                        \
        memcpy(before, rte_pktmbuf_mtod(m, uint8_t *), n);                                         \
        assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_PASS);                            \
        assert_int_equal(rte_pktmbuf_data_len(m), n);                                              \
        assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), before, n);                            \
        rte_pktmbuf_free(m);                                                                       \
    } while (0)
    /* ICMPv6 (neighbour discovery), a hop-by-hop header first, another UDP port. */
    EXPECT_UNTOUCHED(frame6(client6, gw6, 58, 500, false, strongswan.payload, strongswan.len));
    EXPECT_UNTOUCHED(frame6(client6, gw6, 0, 500, false, strongswan.payload, strongswan.len));
    EXPECT_UNTOUCHED(frame6(client6, gw6, 17, 501, false, strongswan.payload, strongswan.len));
    /* UDP longer than the IPv6 payload; IPv6 payload longer than the frame; a runt. */
    m = strongswan_to(client6, gw6, 500);
    put16(rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + 40 + 4), strongswan.len + 9);
    EXPECT_UNTOUCHED(m);
    m = strongswan_to(client6, gw6, 500);
    put16(rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + 4), strongswan.len + 9);
    EXPECT_UNTOUCHED(m);
    m = strongswan_to(client6, gw6, 500);
    rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - (ETH + 40 + 7)));
    EXPECT_UNTOUCHED(m);
    /* Too short for an IKE header behind the marker; a response; an SA's request (SPIr set). */
    EXPECT_UNTOUCHED(frame6(client6, gw6, 17, 4500, true, strongswan.payload, 27));
    uint8_t ike[2048];
    memcpy(ike, strongswan.payload, strongswan.len);
    ike[19] |= IKE_FLAG_RESPONSE;
    EXPECT_UNTOUCHED(frame6(client6, gw6, 17, 500, false, ike, strongswan.len));
    memcpy(ike, strongswan.payload, strongswan.len);
    ike[8] = 1;
    EXPECT_UNTOUCHED(frame6(client6, gw6, 17, 500, false, ike, strongswan.len));
#undef EXPECT_UNTOUCHED
    assert_int_equal(c.gate_cookies + c.gate_redirects + c.gate_admitted + c.gate_malformed, 0);
    /* IKE version 3: malformed, dropped unanswered. */
    memcpy(ike, strongswan.payload, strongswan.len);
    ike[17] = 0x30;
    m = frame6(client6, gw6, 17, 500, false, ike, strongswan.len);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_DROP);
    rte_pktmbuf_free(m);
    assert_int_equal(c.gate_malformed, 1);
    /* Gate open: let through. */
    s.mode = CONF_GATE_OFF;
    m = strongswan_to(client6, gw6, 500);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_PASS);
    rte_pktmbuf_free(m);
    assert_int_equal(c.gate_admitted, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate6_redirect),
        cmocka_unit_test(test_gate6_cookie),
        cmocka_unit_test(test_gate6_natt),
        cmocka_unit_test(test_gate6_anycast),
        cmocka_unit_test(test_gate6_not_judged_and_malformed),
    };
    return cmocka_run_group_tests_name("gate6", tests, group_setup, test_eal_teardown);
}
