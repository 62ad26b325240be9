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
#include <unistd.h>

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
#include "pcap_io.h"

#define HDRS                                                                                       \
    (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))

static struct rte_mempool *pool;
static const struct rte_ether_addr mac_a = {{2, 0, 0, 0, 0, 1}}, mac_b = {{2, 0, 0, 0, 0, 2}};
static uint32_t gw_ip, client_ip;

static int group_setup(void **state)
{
    (void)state;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=test_dp_%d", (int)getpid());
    char *argv[] = {
        "test_dp",           "-l",  "0", "--no-huge", "-m", "64", "--no-pci", "--no-telemetry",
        "--log-level=error", prefix};
    if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0)
        return -1;
    pool = rte_pktmbuf_pool_create("test", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    gw_ip = rte_cpu_to_be_32(0xc6336401);     /* 198.51.100.1 */
    client_ip = rte_cpu_to_be_32(0xc6336402); /* 198.51.100.2 */
    return pool == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rte_mempool_free(pool);
    rte_eal_cleanup();
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

static const struct dp_local_addrs *local(void)
{
    static struct dp_local_addrs l;
    l.n = 1;
    l.ip[0] = gw_ip;
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
    expect_class(m, DP_CLASS_DROP, &c);
    assert_int_equal(c.drop_ip_fragment, 1);
    m = udp_frame(500, ike, sizeof(ike));
    rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
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

static void test_gate_redirect_and_cookie(void **state)
{
    (void)state;
    struct dp_gate_shared s;
    struct dp_gate_worker g;
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    gate_init(&s, &g, CONF_GATE_ON);
    s.ntargets = 1;
    s.targets[0] = (struct ike_gw_id){.type = IKE_GW_IPV4, .len = 4, .value = {203, 0, 113, 1}};
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
    s.ntargets = 0;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_gate_redirect_and_cookie),
        cmocka_unit_test(test_gate_open_auto_and_malformed),
    };
    return cmocka_run_group_tests_name("dp", tests, group_setup, group_teardown);
}
