/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker pipeline's pieces on real mbufs (EAL with --no-huge, no ports):
 * the classifier on every kind of frame and each drop reason, and the
 * admission gate answering a real strongSwan IKE_SA_INIT with REDIRECT or
 * COOKIE in place, letting it through when open, dropping malformed ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp_classify.h"
#include "dp_gate.h"
#include "dp_pkt.h"
#include "ike_msg.h"
#include "ike_redirect_policy.h"
#include "ike_writer.h"
#include "pcap_io.h"
#include "test_eal.h"

#define HDRS                                                                                       \
    (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))

static struct rte_mempool *pool;
static const struct rte_ether_addr mac_a = {{2, 0, 0, 0, 0, 1}}, mac_b = {{2, 0, 0, 0, 0, 2}};
static uint32_t gw_ip, client_ip;

static int group_setup(void **state)
{
    (void)state;
    if (test_eal_pool("test_dp", "64", 256, &pool) < 0)
        return -1;
    gw_ip = rte_cpu_to_be_32(0xc6336401);     /* 198.51.100.1 */
    client_ip = rte_cpu_to_be_32(0xc6336402); /* 198.51.100.2 */
    return 0;
}

/* A client -> gateway UDP frame with this payload. */
static struct rte_mbuf *udp_frame(uint16_t dport, const void *payload, size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, HDRS), payload, len);
    dp_build_udp4(m, &mac_b, &mac_a, client_ip, gw_ip, 500, dport, len);
    return m;
}

static struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
    return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static const struct dp_addrs *local(void)
{
    static struct dp_addrs l;
    l.n = 1;
    l.a[0] = (struct dp_addr){.family = 4, .prefix_len = 24};
    memcpy(l.a[0].ip, &gw_ip, 4);
    return &l;
}

static void expect_class(struct rte_mbuf *m, enum dp_class want, struct dp_worker_counters *c)
{
    assert_int_equal(dp_classify(m, local(), c), want);
    rte_pktmbuf_free(m);
}

static void test_classify(void **state)
{
    (void)state;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    static const uint8_t ike[40] = {1}, marker_ike[44] = {0, 0, 0, 0, 1}, esp[40] = {0, 0, 1, 0};
    expect_class(udp_frame(500, ike, sizeof(ike)), DP_CLASS_CONTROL, &c);
    expect_class(udp_frame(4500, marker_ike, sizeof(marker_ike)), DP_CLASS_CONTROL, &c);
    expect_class(udp_frame(4500, esp, sizeof(esp)), DP_CLASS_ESP, &c);
    static const uint8_t keepalive[1] = {0xff};
    expect_class(udp_frame(4500, keepalive, 1), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_natt_keepalive, 1);
    expect_class(udp_frame(4500, esp, 7), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_runt, 1);
    expect_class(udp_frame(53, ike, sizeof(ike)), DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_other_proto, 1);

    /* Plain ESP (protocol 50) for us; anything for another address is plaintext to protect. */
    struct rte_mbuf *m = udp_frame(500, ike, sizeof(ike));
    ip_of(m)->next_proto_id = IPPROTO_ESP;
    expect_class(m, DP_CLASS_ESP, &c);
    m = udp_frame(500, ike, sizeof(ike));
    ip_of(m)->dst_addr = rte_cpu_to_be_32(0x0a020005);
    expect_class(m, DP_CLASS_PLAIN, &c);

    /* Each broken header has its own counter. */
    m = udp_frame(500, ike, sizeof(ike));
    ip_of(m)->total_length = rte_cpu_to_be_16(1400);
    expect_class(m, DP_CLASS_DROP, &c);
    m = udp_frame(500, ike, sizeof(ike));
    ip_of(m)->version_ihl = 0x44;
    expect_class(m, DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_ip_header, 2);
    m = udp_frame(500, ike, sizeof(ike));
    ip_of(m)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
    expect_class(m, DP_CLASS_FRAG, &c); /* to reassembly: tests/dp/test_ipfrag.c */
    m = udp_frame(500, ike, sizeof(ike));
    ip_of(m)->fragment_offset = rte_cpu_to_be_16(1);
    expect_class(m, DP_CLASS_FRAG, &c);
    m = udp_frame(500, ike, sizeof(ike));
    rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_LLDP);
    expect_class(m, DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_ethertype, 1);
    m = udp_frame(500, ike, sizeof(ike));
    m->data_len = m->pkt_len = 20;
    expect_class(m, DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_runt, 2);
    m = udp_frame(500, ike, sizeof(ike));
    rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
    expect_class(m, DP_CLASS_CONTROL, &c);
}

/* strongSwan's IKE_SA_INIT (it announces REDIRECT_SUPPORTED), as a frame to the gateway. */
static struct rte_mbuf *strongswan_init(void)
{
    static struct pcap_udp req;
    assert_int_equal(
        pcap_io_read_udp(VEER_TEST_DATA "/strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap", 0, &req),
        0);
    return udp_frame(500, req.payload, req.len);
}

static void gate_init(struct dp_gate_shared *s, struct dp_gate_worker *g, enum conf_gate_mode mode)
{
    memset(s, 0, sizeof(*s));
    memset(g, 0, sizeof(*g));
    s->mode = mode;
    static const uint8_t secret[IKE_COOKIE_SECRET_LEN] = "test_dp cookie secret 0123456789";
    struct ike_cookie_keys keys;
    ike_cookie_keys_init(&keys, secret);
    dp_gate_publish_keys(s, &keys);
    g->shared = s;
    g->nworkers = 1;
}

/* The reply in m: to the client from the gateway, checksums right; its IKE message decoded. */
static void check_reply(struct rte_mbuf *m, struct ike_msg *msg)
{
    struct rte_ipv4_hdr *ip = ip_of(m);
    assert_int_equal(ip->src_addr, gw_ip);
    assert_int_equal(ip->dst_addr, client_ip);
    assert_int_equal(rte_ipv4_cksum(ip), 0);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    assert_int_equal(rte_be_to_cpu_16(udp->src_port), 500);
    uint16_t sent = udp->dgram_cksum;
    udp->dgram_cksum = 0;
    assert_int_equal(rte_ipv4_udptcp_cksum(ip, udp), sent);
    udp->dgram_cksum = sent;
    assert_memory_equal(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, &mac_b, 6);
    size_t len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
    static uint8_t copy[2048];
    memcpy(copy, udp + 1, len);
    assert_int_equal(ike_msg_decode(copy, len, msg, NULL), 0);
    assert_true(ike_hdr_is_response(&msg->hdr));
    assert_int_equal(msg->hdr.spi_r, 0);
}

/* Publishes a table of up to two targets (weight 1), as the control lcore does. */
static void publish_targets(struct dp_gate_shared *s, enum rp_policy policy, const char *a,
                            const char *b)
{
    static struct rp_table t;
    rp_table_init(&t, policy, false);
    const char *names[2] = {a, b};
    for (unsigned i = 0; i < 2; i++) {
        struct ike_gw_id gw;
        if (names[i] == NULL)
            continue;
        assert_int_equal(rp_gw_parse(names[i], &gw), 0);
        assert_int_equal(rp_table_add(&t, &gw, 1), 0);
    }
    rp_publish(&s->redirect, &t);
}

static void put_notify(struct ike_writer *w, uint16_t type, const uint8_t *data, size_t len)
{
    size_t p = ike_w_payload_begin(w, IKE_PL_NOTIFY, false);
    ike_w_u16(w, 0);
    ike_w_u16(w, type);
    ike_w_bytes(w, data, len);
    ike_w_payload_end(w, p);
}

/*
 * An IKE_SA_INIT to `dst` (network order) that returns `cookie` first when
 * not NULL, with REDIRECT_SUPPORTED when `supported`, and N(REDIRECTED_FROM)
 * with `from` when not NULL (`from_len` overrides its length byte, to make it
 * malformed).
 */
static struct rte_mbuf *init_build(uint32_t dst, const struct ike_bytes *cookie, bool supported,
                                   const char *from, int from_len)
{
    static uint8_t buf[512];
    struct ike_writer w;
    const struct ike_hdr h = {.spi_i = 0x1122334455667788ull,
                              .version = 0x20,
                              .exchange = IKE_EXCH_IKE_SA_INIT,
                              .flags = IKE_FLAG_INITIATOR};
    ike_w_init(&w, buf, sizeof(buf), false);
    ike_w_header(&w, &h);
    if (cookie != NULL)
        put_notify(&w, IKE_N_COOKIE, cookie->ptr, cookie->len);
    static const uint8_t sa[] = {0x00, 0x00, 0x00, 0x24, 0x01, 0x01, 0x00, 0x03, 0x03,
                                 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14, 0x80, 0x0e,
                                 0x00, 0x80, 0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00,
                                 0x05, 0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x1f};
    size_t p = ike_w_payload_begin(&w, IKE_PL_SA, false);
    ike_w_bytes(&w, sa, sizeof(sa));
    ike_w_payload_end(&w, p);
    p = ike_w_payload_begin(&w, IKE_PL_KE, false);
    ike_w_u16(&w, IKE_DH_CURVE25519);
    ike_w_u16(&w, 0);
    for (unsigned i = 0; i < 32; i++)
        ike_w_u8(&w, (uint8_t)(0x40 + i));
    ike_w_payload_end(&w, p);
    p = ike_w_payload_begin(&w, IKE_PL_NONCE, false);
    for (unsigned i = 0; i < 32; i++)
        ike_w_u8(&w, (uint8_t)(0xa0 + i));
    ike_w_payload_end(&w, p);
    if (supported)
        put_notify(&w, IKE_N_REDIRECT_SUPPORTED, NULL, 0);
    if (from != NULL) {
        struct ike_gw_id gw;
        assert_int_equal(rp_gw_parse(from, &gw), 0);
        uint8_t d[2 + IKE_GW_ID_MAX];
        d[0] = gw.type;
        d[1] = from_len >= 0 ? (uint8_t)from_len : gw.len;
        memcpy(d + 2, gw.value, gw.len);
        put_notify(&w, IKE_N_REDIRECTED_FROM, d, 2u + gw.len);
    }
    long len = ike_w_finish(&w);
    assert_true(len > 0);
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, HDRS), buf, (size_t)len);
    dp_build_udp4(m, &mac_b, &mac_a, client_ip, dst, 500, 500, (size_t)len);
    return m;
}

static struct rte_mbuf *init_to(uint32_t dst, bool supported, const char *from, int from_len)
{
    return init_build(dst, NULL, supported, from, from_len);
}

/* The gateway named in the REDIRECT of the reply in m, as text, and the reply's source. */
static void redirect_target(struct rte_mbuf *m, char *text, size_t cap, uint32_t *src)
{
    struct rte_ipv4_hdr *ip = ip_of(m);
    *src = ip->src_addr;
    assert_int_equal(ip->dst_addr, client_ip);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    size_t len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
    static uint8_t copy[2048];
    memcpy(copy, udp + 1, len);
    struct ike_msg msg;
    assert_int_equal(ike_msg_decode(copy, len, &msg, NULL), 0);
    const struct ike_pl *pl = ike_msg_find_notify(&msg, IKE_N_REDIRECT);
    assert_non_null(pl);
    struct ike_notify_payload n;
    struct ike_gw_id gw;
    struct ike_bytes nonce;
    assert_int_equal(ike_notify_decode(pl, &n, NULL), 0);
    assert_int_equal(ike_notify_redirect_decode(&n, &gw, &nonce, NULL), 0);
    rp_gw_format(&gw, text, cap);
}

static bool reply_has(struct rte_mbuf *m, uint16_t notify)
{
    struct rte_ipv4_hdr *ip = ip_of(m);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    size_t len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
    static uint8_t copy[2048];
    memcpy(copy, udp + 1, len);
    struct ike_msg msg;
    assert_int_equal(ike_msg_decode(copy, len, &msg, NULL), 0);
    return ike_msg_find_notify(&msg, notify) != NULL;
}

/* RFC 5685 9.3 via the policy: the gateway a client was redirected from is never offered again. */
static void test_gate_redirected_from(void **state)
{
    (void)state;
    static struct dp_gate_shared s;
    static struct dp_gate_worker g;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    gate_init(&s, &g, CONF_GATE_ON);
    publish_targets(&s, RP_WEIGHTED_RR, "203.0.113.1", "203.0.113.2");
    for (unsigned i = 0; i < 10; i++) {
        struct rte_mbuf *m = init_to(gw_ip, false, "203.0.113.1", -1);
        assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
        char text[64];
        uint32_t src;
        redirect_target(m, text, sizeof(text), &src);
        assert_string_equal(text, "203.0.113.2");
        assert_int_equal(src, gw_ip);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(c.gate_redirects, 10);
    assert_int_equal(c.redirect_origin_excluded, 10);
    assert_int_equal(c.redirect_weighted_round_robin, 10);
    assert_int_equal(g.target_redirects[0], 0);
    assert_int_equal(g.target_redirects[1], 10);
    /* Without REDIRECTED_FROM both targets take turns. */
    for (unsigned i = 0; i < 4; i++) {
        struct rte_mbuf *m = init_to(gw_ip, true, NULL, -1);
        assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(g.target_redirects[0], 2);
    assert_int_equal(g.target_redirects[1], 12);

    /* The origin is the only target: no target, so a COOKIE, and the reason is counted. */
    publish_targets(&s, RP_CLIENT_HASH, "203.0.113.1", NULL);
    struct rte_mbuf *m = init_to(gw_ip, true, "203.0.113.1", -1);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
    assert_true(reply_has(m, IKE_N_COOKIE));
    rte_pktmbuf_free(m);
    assert_int_equal(c.redirect_no_target, 1);
    assert_int_equal(c.gate_cookies, 1);
    /* A new target set was taken without restart, and its counts start at zero. */
    assert_int_equal(g.target_redirects[0], 0);
    assert_int_equal(g.target_redirects[1], 0);

    /* A malformed REDIRECTED_FROM (IPv4 saying 5 bytes) makes the request malformed: no reply. */
    m = init_to(gw_ip, true, "203.0.113.1", 5);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_DROP);
    rte_pktmbuf_free(m);
    m = init_to(gw_ip, true, "203.0.113.1", 0);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_DROP);
    rte_pktmbuf_free(m);
    assert_int_equal(c.gate_malformed, 2);
}

/* RFC 5685 4: to an anycast address, clients that support it are redirected even with the gate
 * open. */
static void test_gate_anycast(void **state)
{
    (void)state;
    static struct dp_gate_shared s;
    static struct dp_gate_worker g;
    static struct rp_table t;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    gate_init(&s, &g, CONF_GATE_OFF);
    uint32_t anycast_ip = rte_cpu_to_be_32(0xc6336464); /* 198.51.100.100 */
    rp_table_init(&t, RP_WEIGHTED_RR, false);
    struct ike_addr own, any;
    assert_int_equal(ike_addr_parse(&own, "198.51.100.1", 0), 0);
    assert_int_equal(ike_addr_parse(&any, "198.51.100.100", 0), 0);
    assert_int_equal(rp_table_add_self(&t, &own), 0);
    assert_int_equal(rp_table_add_anycast(&t, &any), 0);
    struct ike_gw_id self_gw, other;
    assert_int_equal(rp_gw_parse("198.51.100.1", &self_gw), 0);
    assert_int_equal(rp_gw_parse("203.0.113.1", &other), 0);
    assert_int_equal(rp_table_add_anycast_self(&t, &self_gw, 1), 0);
    rp_publish(&s.redirect, &t);

    /* Only our own unicast address is offered, and the reply comes from the anycast address. */
    struct rte_mbuf *m = init_to(anycast_ip, true, NULL, -1);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
    char text[64];
    uint32_t src;
    redirect_target(m, text, sizeof(text), &src);
    assert_string_equal(text, "198.51.100.1");
    assert_int_equal(src, anycast_ip);
    rte_pktmbuf_free(m);
    assert_int_equal(c.redirect_anycast, 1);
    assert_int_equal(c.gate_admitted, 0);

    /* The same to the unicast address, gate open: let through (our own address is no target). */
    m = init_to(gw_ip, true, NULL, -1);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_PASS);
    rte_pktmbuf_free(m);
    assert_int_equal(c.gate_admitted, 1);

    /* A client without redirect support at the anycast address: handled as usual. */
    m = init_to(anycast_ip, false, NULL, -1);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_PASS);
    rte_pktmbuf_free(m);
    assert_int_equal(c.anycast_passed, 1);
    assert_int_equal(c.gate_admitted, 2);
    s.mode = CONF_GATE_ON;
    m = init_to(anycast_ip, false, NULL, -1);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
    assert_true(reply_has(m, IKE_N_COOKIE));
    rte_pktmbuf_free(m);

    /* Targets replaced at run time: the next anycast client goes to the new set as well. */
    uint32_t w = 3;
    assert_int_equal(rp_table_replace_targets(&t, &other, &w, 1), 0);
    rp_publish(&s.redirect, &t);
    s.mode = CONF_GATE_OFF;
    unsigned to_other = 0;
    for (unsigned i = 0; i < 8; i++) {
        m = init_to(anycast_ip, true, NULL, -1);
        assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
        redirect_target(m, text, sizeof(text), &src);
        to_other += strcmp(text, "203.0.113.1") == 0;
        rte_pktmbuf_free(m);
    }
    assert_int_equal(to_other, 6); /* weights 3 (other) : 1 (self) */
    assert_int_equal(c.redirect_anycast, 9);
    /* To the unicast address with the gate closed, the new target only (not ourselves). */
    s.mode = CONF_GATE_ON;
    m = init_to(gw_ip, true, NULL, -1);
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
    redirect_target(m, text, sizeof(text), &src);
    assert_string_equal(text, "203.0.113.1");
    rte_pktmbuf_free(m);
}

static void test_gate_redirect_and_cookie(void **state)
{
    (void)state;
    struct dp_gate_shared s;
    struct dp_gate_worker g;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    gate_init(&s, &g, CONF_GATE_ON);
    publish_targets(&s, RP_WEIGHTED_RR, "203.0.113.1", NULL);
    struct rte_mbuf *m = strongswan_init();
    size_t request_len = m->pkt_len;
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
    assert_int_equal(c.gate_redirects, 1);
    assert_true(m->pkt_len <= request_len);
    struct ike_msg msg;
    check_reply(m, &msg);
    assert_non_null(ike_msg_find_notify(&msg, IKE_N_REDIRECT));
    rte_pktmbuf_free(m);

    /* No target: the same client gets a COOKIE. */
    publish_targets(&s, RP_WEIGHTED_RR, NULL, NULL);
    m = strongswan_init();
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_REPLIED);
    assert_int_equal(c.gate_cookies, 1);
    check_reply(m, &msg);
    assert_non_null(ike_msg_find_notify(&msg, IKE_N_COOKIE));
    rte_pktmbuf_free(m);
}

static void test_gate_open_auto_and_malformed(void **state)
{
    (void)state;
    struct dp_gate_shared s;
    struct dp_gate_worker g;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    gate_init(&s, &g, CONF_GATE_OFF);
    struct rte_mbuf *m = strongswan_init();
    assert_int_equal(dp_gate_check(&g, m, 1000, &c), DP_GATE_PASS);
    assert_int_equal(c.gate_admitted, 1);
    rte_pktmbuf_free(m);

    /* Auto at 2 per second: two pass, the third is answered; after a second one more passes. */
    s.mode = CONF_GATE_AUTO;
    s.rate = 2;
    g.ring_room = 100; /* an empty ring: room is not what limits here */
    uint64_t t = 5000000000ull;
    for (unsigned i = 0; i < 3; i++) {
        m = strongswan_init();
        assert_int_equal(dp_gate_check(&g, m, t, &c), i < 2 ? DP_GATE_PASS : DP_GATE_REPLIED);
        rte_pktmbuf_free(m);
    }
    m = strongswan_init();
    assert_int_equal(dp_gate_check(&g, m, t + 600000000ull, &c), DP_GATE_PASS);
    rte_pktmbuf_free(m);
    /* Overloaded: closed whatever the tokens. */
    s.overloaded = 1;
    m = strongswan_init();
    assert_int_equal(dp_gate_check(&g, m, t + 5000000000ull, &c), DP_GATE_REPLIED);
    rte_pktmbuf_free(m);

    /* Requests of existing SAs are never gated; a malformed IKE_SA_INIT is dropped, unanswered. */
    s.mode = CONF_GATE_ON;
    m = strongswan_init();
    uint8_t *ike = rte_pktmbuf_mtod_offset(m, uint8_t *, HDRS);
    ike[8] = 1; /* SPIr */
    assert_int_equal(dp_gate_check(&g, m, t, &c), DP_GATE_PASS);
    rte_pktmbuf_free(m);
    m = strongswan_init();
    ike = rte_pktmbuf_mtod_offset(m, uint8_t *, HDRS);
    ike[17] = 0x30; /* IKE version 3 */
    assert_int_equal(dp_gate_check(&g, m, t, &c), DP_GATE_DROP);
    assert_int_equal(c.gate_malformed, 1);
    rte_pktmbuf_free(m);
}

/*
 * A barrage of datagrams shaped like new IKE_SA_INITs (exchange 34, Response
 * clear, SPIr zero) but malformed inside, in auto mode with one token a
 * second: none is admitted, each is counted, and the token is still there for
 * the genuine request that follows; with the gate off as well.
 */
static void test_gate_garbage_spends_no_token(void **state)
{
    (void)state;
    struct dp_gate_shared s;
    struct dp_gate_worker g;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    gate_init(&s, &g, CONF_GATE_AUTO);
    s.rate = 1;
    g.ring_room = 1000;
    uint64_t t = 5000000000ull;
    /* Each kind of damage once per round: payload chain, lengths, header, missing payloads. */
    static const struct {
        unsigned off;
        uint8_t val;
    } damage[] = {
        {16, 99},   /* the first payload taken as an unknown one: SA missing */
        {17, 0x10}, /* major version 1 */
        {19, 0x00}, /* Initiator flag clear */
        {20, 1},    /* message ID not zero */
        {27, 0xff}, /* IKE length unlike the datagram's */
        {30, 0xff}, /* first payload's length beyond the message */
        {31, 0x01}, /* first payload's length under its header */
    };
    unsigned kinds = sizeof(damage) / sizeof(damage[0]), rounds = 300;
    for (unsigned i = 0; i < rounds * kinds; i++) {
        struct rte_mbuf *m = strongswan_init();
        uint8_t *ike = rte_pktmbuf_mtod_offset(m, uint8_t *, HDRS);
        ike[damage[i % kinds].off] = damage[i % kinds].val;
        if (damage[i % kinds].off == 31)
            ike[30] = 0;
        assert_int_equal(dp_gate_check(&g, m, t + i, &c), DP_GATE_DROP);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(c.gate_malformed, rounds * kinds);
    assert_int_equal(c.gate_admitted + c.gate_cookies + c.gate_redirects, 0);
    /* The bucket is untouched: a genuine request passes, the next one is answered. */
    struct rte_mbuf *m = strongswan_init();
    assert_int_equal(dp_gate_check(&g, m, t + 1000000ull, &c), DP_GATE_PASS);
    rte_pktmbuf_free(m);
    m = strongswan_init();
    assert_int_equal(dp_gate_check(&g, m, t + 1000001ull, &c), DP_GATE_REPLIED);
    rte_pktmbuf_free(m);
    assert_int_equal(c.gate_admitted, 1);

    /* Gate off: still dropped at the worker, never handed to the control lcore. */
    s.mode = CONF_GATE_OFF;
    m = strongswan_init();
    rte_pktmbuf_mtod_offset(m, uint8_t *, HDRS)[17] = 0x10;
    assert_int_equal(dp_gate_check(&g, m, t, &c), DP_GATE_DROP);
    rte_pktmbuf_free(m);
    assert_int_equal(c.gate_malformed, rounds * kinds + 1);
}

/*
 * Auto mode with tokens to spare: new IKE_SA_INITs beyond the control ring's
 * room (free slots less a quarter kept for other traffic) are answered with
 * COOKIE and counted, not dropped on a full ring.
 */
static void test_gate_ring_room(void **state)
{
    (void)state;
    struct dp_gate_shared s;
    struct dp_gate_worker g;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    gate_init(&s, &g, CONF_GATE_AUTO);
    s.rate = 1000000; /* a full bucket: tokens never run out below */
    struct rte_ring *r = rte_ring_create("gate_room", 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    assert_non_null(r);
    unsigned cap = rte_ring_get_capacity(r); /* 63 */
    /* Occupied up to 5 slots above the quarter kept: room for 5 new requests. */
    unsigned busy = cap - cap / 4 - 5;
    for (unsigned i = 0; i < busy; i++)
        assert_int_equal(rte_ring_enqueue(r, (void *)(uintptr_t)(i + 1)), 0);
    dp_gate_ring_room(&g, r);
    assert_int_equal(g.ring_room, 5);
    uint64_t t = 5000000000ull;
    for (unsigned i = 0; i < 8; i++) {
        struct rte_mbuf *m = strongswan_init();
        enum dp_gate_verdict v = dp_gate_check(&g, m, t, &c);
        assert_int_equal(v, i < 5 ? DP_GATE_PASS : DP_GATE_REPLIED);
        if (v == DP_GATE_REPLIED) {
            struct ike_msg msg;
            check_reply(m, &msg);
            assert_non_null(ike_msg_find_notify(&msg, IKE_N_COOKIE));
        }
        rte_pktmbuf_free(m);
    }
    assert_int_equal(c.gate_admitted, 5);
    assert_int_equal(c.gate_ring_busy, 3);
    assert_int_equal(c.gate_cookies, 3);
    /* The ring drained by the control lcore: room again. */
    void *obj;
    while (rte_ring_dequeue(r, &obj) == 0)
        ;
    dp_gate_ring_room(&g, r);
    assert_int_equal(g.ring_room, cap - cap / 4);
    struct rte_mbuf *m = strongswan_init();
    assert_int_equal(dp_gate_check(&g, m, t, &c), DP_GATE_PASS);
    rte_pktmbuf_free(m);
    /* The gate off: room is not looked at (the operator chose no gate). */
    s.mode = CONF_GATE_OFF;
    g.ring_room = 0;
    m = strongswan_init();
    assert_int_equal(dp_gate_check(&g, m, t, &c), DP_GATE_PASS);
    rte_pktmbuf_free(m);
    assert_int_equal(c.gate_ring_busy, 3);
    rte_ring_free(r);
}

/* The COOKIE in the reply in m, copied to `out` (IKE_COOKIE_LEN bytes). */
static struct ike_bytes cookie_from_reply(struct rte_mbuf *m, uint8_t *out)
{
    struct ike_msg msg;
    check_reply(m, &msg);
    const struct ike_pl *pl = ike_msg_find_notify(&msg, IKE_N_COOKIE);
    assert_non_null(pl);
    struct ike_notify_payload n;
    assert_int_equal(ike_notify_decode(pl, &n, NULL), 0);
    assert_int_equal(n.data.len, IKE_COOKIE_LEN);
    memcpy(out, n.data.ptr, n.data.len);
    return (struct ike_bytes){.ptr = out, .len = n.data.len};
}

/* One request through the gate: its verdict, and the notify its reply carries (0: none). */
static enum dp_gate_verdict gate_once(struct dp_gate_worker *g, const struct ike_bytes *cookie,
                                      bool supported, uint64_t t, struct dp_worker_counters *c,
                                      uint16_t *notify)
{
    struct rte_mbuf *m = init_build(gw_ip, cookie, supported, NULL, -1);
    enum dp_gate_verdict v = dp_gate_check(g, m, t, c);
    *notify = 0;
    if (v == DP_GATE_REPLIED)
        *notify = reply_has(m, IKE_N_REDIRECT) ? IKE_N_REDIRECT
                  : reply_has(m, IKE_N_COOKIE) ? IKE_N_COOKIE
                                               : 1;
    rte_pktmbuf_free(m);
    return v;
}

#define EXPECT_GATE(cookie, supported, t, verdict, reply)                                          \
    do {                                                                                           \
        uint16_t got_;                                                                             \
        assert_int_equal(gate_once(&g, cookie, supported, t, &c, &got_), verdict);                 \
        assert_int_equal(got_, reply);                                                             \
    } while (0)

/*
 * The cookie-first overload policy's decision table (auto mode, a redirect
 * target, 2 tokens a second): while the control lcore has capacity, a client
 * that supports REDIRECT is asked for a cookie and served here when it
 * returns it; out of tokens or saturated, it is redirected; a cookie that
 * does not verify admits nobody; `on` (the operator's drain) and
 * redirect-first redirect as before.
 */
static void test_gate_cookie_first(void **state)
{
    (void)state;
    static struct dp_gate_shared s;
    static struct dp_gate_worker g;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    gate_init(&s, &g, CONF_GATE_AUTO);
    s.overload_policy = CONF_OVERLOAD_COOKIE_FIRST;
    s.rate = 2;
    g.ring_room = 100;
    publish_targets(&s, RP_WEIGHTED_RR, "203.0.113.1", NULL);
    const uint64_t t = 5000000000ull, ms = 1000000ull;

    /* Tokens to spare: admitted as they come. */
    EXPECT_GATE(NULL, true, t, DP_GATE_PASS, 0);
    EXPECT_GATE(NULL, true, t, DP_GATE_PASS, 0);
    assert_int_equal(c.gate_admitted, 2);
    /* The rate outrun: a COOKIE, not a REDIRECT, and cookies for everybody from now on. */
    struct rte_mbuf *m = init_build(gw_ip, NULL, true, NULL, -1);
    assert_int_equal(dp_gate_check(&g, m, t, &c), DP_GATE_REPLIED);
    uint8_t buf[IKE_COOKIE_LEN];
    const struct ike_bytes cookie = cookie_from_reply(m, buf);
    rte_pktmbuf_free(m);
    assert_int_equal(c.gate_cookie_first, 1);
    assert_int_equal(c.gate_cookies_demanded, 1);
    assert_int_equal(c.gate_redirects, 0);
    /* 600 ms later a token is back, kept for returned cookies: new requests get COOKIEs. */
    EXPECT_GATE(NULL, true, t + 600 * ms, DP_GATE_REPLIED, IKE_N_COOKIE);
    EXPECT_GATE(NULL, false, t + 600 * ms, DP_GATE_REPLIED, IKE_N_COOKIE);
    assert_int_equal(c.gate_cookie_first, 2);
    /* The cookie returned: served here, with that token. */
    EXPECT_GATE(&cookie, true, t + 600 * ms, DP_GATE_PASS, 0);
    assert_int_equal(c.gate_cookie_admitted, 1);
    assert_int_equal(c.gate_cookie_served_redirect_capable, 1);
    /* At once again: no token left, so a proven client that can go elsewhere does. */
    EXPECT_GATE(&cookie, true, t + 600 * ms, DP_GATE_REPLIED, IKE_N_REDIRECT);
    assert_int_equal(c.gate_redirect_over_rate, 1);
    /* ... one that cannot is admitted, as ever. */
    EXPECT_GATE(&cookie, false, t + 600 * ms, DP_GATE_PASS, 0);
    assert_int_equal(c.gate_cookie_admitted, 2);
    assert_int_equal(c.gate_cookie_served_redirect_capable, 1);
    /* A cookie one bit off proves nothing: a COOKIE again, though a token is there. */
    uint8_t bad[IKE_COOKIE_LEN];
    memcpy(bad, buf, sizeof(bad));
    bad[IKE_COOKIE_LEN - 1] ^= 1;
    const struct ike_bytes forged = {.ptr = bad, .len = IKE_COOKIE_LEN};
    EXPECT_GATE(&forged, true, t + 1200 * ms, DP_GATE_REPLIED, IKE_N_COOKIE);
    EXPECT_GATE(&forged, false, t + 1200 * ms, DP_GATE_REPLIED, IKE_N_COOKIE);
    assert_int_equal(c.gate_cookie_admitted, 2);

    /* Saturated (CPU time or ring): REDIRECT for whoever can go, cookie or not. */
    s.saturated = 1;
    s.overloaded = 1;
    EXPECT_GATE(&cookie, true, t + 1300 * ms, DP_GATE_REPLIED, IKE_N_REDIRECT);
    EXPECT_GATE(NULL, true, t + 1300 * ms, DP_GATE_REPLIED, IKE_N_REDIRECT);
    assert_int_equal(c.gate_redirect_saturated, 2);
    EXPECT_GATE(NULL, false, t + 1300 * ms, DP_GATE_REPLIED, IKE_N_COOKIE);
    EXPECT_GATE(&cookie, false, t + 1300 * ms, DP_GATE_PASS, 0);
    /* Overloaded by half-open SAs alone, not saturated: cookies, and the proven served. */
    s.saturated = 0;
    EXPECT_GATE(NULL, true, t + 1400 * ms, DP_GATE_REPLIED, IKE_N_COOKIE);
    EXPECT_GATE(&cookie, true, t + 1400 * ms, DP_GATE_PASS, 0);
    assert_int_equal(c.gate_cookie_served_redirect_capable, 2);
    s.overloaded = 0;

    /* The flood over: after a quiet spell, tokens go to whoever asks first again. */
    EXPECT_GATE(NULL, true, t + 5000 * ms, DP_GATE_PASS, 0);
    assert_int_equal(c.gate_admitted, 3);

    /* `on`, the operator's drain: REDIRECT as before, whatever the policy. */
    s.mode = CONF_GATE_ON;
    EXPECT_GATE(NULL, true, t + 5000 * ms, DP_GATE_REPLIED, IKE_N_REDIRECT);
    /* redirect-first: REDIRECT as soon as the rate runs out. */
    s.mode = CONF_GATE_AUTO;
    s.overload_policy = CONF_OVERLOAD_REDIRECT_FIRST;
    EXPECT_GATE(NULL, true, t + 5000 * ms, DP_GATE_PASS, 0);
    EXPECT_GATE(NULL, true, t + 5000 * ms, DP_GATE_REPLIED, IKE_N_REDIRECT);
    assert_int_equal(c.gate_cookie_first, 4);
    assert_int_equal(c.gate_cookies_demanded, 1);
    assert_int_equal(c.gate_malformed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_gate_redirect_and_cookie),
        cmocka_unit_test(test_gate_open_auto_and_malformed),
        cmocka_unit_test(test_gate_ring_room),
        cmocka_unit_test(test_gate_cookie_first),
        cmocka_unit_test(test_gate_garbage_spends_no_token),
        cmocka_unit_test(test_gate_redirected_from),
        cmocka_unit_test(test_gate_anycast),
    };
    return cmocka_run_group_tests_name("dp", tests, group_setup, test_eal_teardown);
}
