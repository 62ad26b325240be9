/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Crash Detection in the workers (lib/dp/worker/qcd.c, RFC 6290) on real
 * mbufs: a protected INFORMATIONAL request for an IKE SA the gateway does not
 * know is answered in place, byte by byte (SPIs, message ID, flags,
 * INVALID_IKE_SPI then the token ike_qcd_token() gives, no longer than the
 * request, the non-ESP marker on 4500, IPv4 and IPv6); two tokens during a
 * secret rotation and one once its time is up; a known SPI, an unprotected
 * message, a response, IKE_SA_INIT, a request too short for the reply and a
 * malformed one get no reply, each counted, and go on; the rate limit; a
 * failed insert (through the control lcore's backend hook) that stops the
 * answers; lookups by other threads while SPIs come and go; and a worker
 * lcore on net_ring ports sending the reply out and a known SA's request to
 * the control ring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_udp.h>

#include "dp_ctrl.h"
#include "dp_pkt.h"
#include "dp_qcd.h"
#include "dp_worker.h"
#include "fwd_env.h"
#include "ike_consts.h"
#include "ike_msg.h"
#include "ike_writer.h"
#include "inet_sum.h"
#include "pcap_io.h"
#include "test_pkt.h"

#define OUTSIDE FWD_OUTSIDE
#define ETH 14
#define UDP4_HDRS (ETH + 20 + 8)
#define UDP6_HDRS (ETH + 40 + 8)
#define CLIENT_NATT_PORT 40000
#define SPI_I 0x0102030405060708ull /* the peer's, as initiator */
#define SPI_R 0x1112131415161718ull /* ours, lost in the restart */
#define MSG_ID 7
#define ONE_TOKEN IKE_QCD_REPLY_LEN                         /* 76 bytes */
#define TWO_TOKENS (IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN) /* 116 bytes */
#define READERS 2

static struct fwd_env env, *e = &env;
static struct rte_rcu_qsbr *qsbr;
static struct dp_qcd q;
static struct ike_qcd_keys keys;
static const struct rte_ether_addr client_mac = {{2, 0, 0, 0, 0, 0x99}};
static uint32_t client_ip;
static uint8_t client_ip6[16];

static void open_qcd(unsigned rate, unsigned max_sas, unsigned prev_valid_s)
{
    dp_qcd_free(&q);
    const struct dp_qcd_config cfg = {.keys = &keys,
                                      .prev_valid_s = prev_valid_s,
                                      .max_sas = max_sas,
                                      .rate = rate,
                                      .qsbr = qsbr};
    char err[256] = "";
    if (dp_qcd_init(&q, &cfg, err, sizeof(err)) < 0)
        fail_msg("dp_qcd_init: %s", err);
    e->w.qcd = (struct dp_qcd_worker){.shared = &q};
}

static int group_setup(void **state)
{
    (void)state;
    struct fwd_env_cfg cfg = fwd_env_cfg_std("test_qcd_worker");
    cfg.lcores = "0-1";
    cfg.to_ctrl = true;
    cfg.net6[OUTSIDE] = 1;
    if (fwd_env_open(e, &cfg) < 0)
        return -1;
    qsbr = rte_zmalloc("test_qcd_qsbr", rte_rcu_qsbr_get_memsize(READERS), RTE_CACHE_LINE_SIZE);
    if (qsbr == NULL || rte_rcu_qsbr_init(qsbr, READERS) != 0)
        return -1;
    for (unsigned i = 0; i < IKE_QCD_SECRET_LEN; i++) {
        keys.cur[i] = (uint8_t)i;
        keys.prev[i] = (uint8_t)(0xa0 + i);
    }
    client_ip = test_ip4(198, 51, 100, 2);
    test_a6(client_ip6, 1, 2);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    dp_qcd_free(&q);
    rte_free(qsbr);
    fwd_env_close(e);
    return 0;
}

/* Each test: fresh counters and rings, no previous secret, a table holding nothing. */
static int test_setup(void **state)
{
    (void)state;
    fwd_env_reset(e);
    keys.has_prev = false;
    open_qcd(CONF_QCD_REPLY_RATE_DEFAULT, 0, 0);
    return 0;
}

/*
 * An IKE message of `total` bytes: the header, then one payload of type
 * `first` filling the rest (for SK: an IV, ciphertext and ICV nobody here can
 * check, as a restarted gateway sees them).
 */
static size_t ike_message(uint8_t *out, uint64_t spi_i, uint64_t spi_r, uint8_t first,
                          uint8_t exchange, uint8_t flags, size_t total)
{
    ike_put64(out, spi_i);
    ike_put64(out + 8, spi_r);
    out[16] = first;
    out[17] = IKE_MAJOR_VERSION << 4;
    out[18] = exchange;
    out[19] = flags;
    ike_put32(out + 20, MSG_ID);
    ike_put32(out + 24, (uint32_t)total);
    out[28] = IKE_PL_NONE; /* SK: the first inner payload; none in a liveness check */
    out[29] = 0;
    ike_put16(out + 30, (uint16_t)(total - IKE_HDR_LEN));
    for (size_t i = 32; i < total; i++)
        out[i] = (uint8_t)(0xa5 ^ i);
    return total;
}

/* A protected INFORMATIONAL request from the initiator of IKE SA (SPI_I, SPI_R). */
static size_t informational(uint8_t *out, size_t total)
{
    return ike_message(out, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR,
                       total);
}

/* The client's frame to the outside port: on 4500 behind the non-ESP marker, from port 40000. */
static struct rte_mbuf *frame4(uint16_t dport, const uint8_t *ike, size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    assert_non_null(m);
    size_t marker = dport == DP_NATT_PORT ? IKE_NON_ESP_MARKER_LEN : 0;
    uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, UDP4_HDRS);
    memset(p, 0, marker);
    memcpy(p + marker, ike, len);
    uint16_t sport = dport == DP_NATT_PORT ? CLIENT_NATT_PORT : DP_IKE_PORT;
    dp_build_udp4(m, &client_mac, &e->ports[OUTSIDE].mac, client_ip, e->ports[OUTSIDE].ip, sport,
                  dport, marker + len);
    m->port = e->ports[OUTSIDE].id;
    return m;
}

static struct rte_mbuf *frame6(uint16_t dport, const uint8_t *ike, size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    assert_non_null(m);
    size_t marker = dport == DP_NATT_PORT ? IKE_NON_ESP_MARKER_LEN : 0;
    uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, UDP6_HDRS);
    memset(p, 0, marker);
    memcpy(p + marker, ike, len);
    uint16_t sport = dport == DP_NATT_PORT ? CLIENT_NATT_PORT : DP_IKE_PORT;
    dp_build_udp6(m, &client_mac, &e->ports[OUTSIDE].mac, client_ip6, e->ports[OUTSIDE].ip6, sport,
                  dport, marker + len);
    m->port = e->ports[OUTSIDE].id;
    return m;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static enum dp_qcd_verdict check(struct rte_mbuf *m, uint64_t now)
{
    return dp_qcd_check(&e->w.qcd, m, now, &e->w.counters);
}

/* One notify's header at p: next payload, length, protocol, SPI size, type. */
static void expect_notify(const uint8_t *p, uint8_t next, size_t len, uint8_t proto, uint16_t type)
{
    assert_int_equal(p[0], next);
    assert_int_equal(p[1], 0);
    assert_int_equal(ike_get16(p + 2), len);
    assert_int_equal(p[4], proto);
    assert_int_equal(p[5], 0);
    assert_int_equal(ike_get16(p + 6), type);
}

/*
 * The reply in m, over IPv4 or IPv6, to a request of req_len bytes (the IKE
 * message) to port `port` from (spi_i, spi_r) with flags req_flags: from the
 * gateway's address and port to the client's, checksums right, then
 * HDR(the SPIs, N, 2.0, INFORMATIONAL, R and the other side's I, the message
 * ID), N(INVALID_IKE_SPI), N(QUICK_CRASH_DETECTION, token) and, with `prev`,
 * the previous secret's token. The reply is no longer than the request.
 */
static void expect_reply(struct rte_mbuf *m, unsigned family, uint16_t port, size_t req_len,
                         uint64_t spi_i, uint64_t spi_r, uint8_t req_flags, bool prev)
{
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    assert_memory_equal(&eth->dst_addr, &client_mac, 6);
    assert_memory_equal(&eth->src_addr, &e->ports[OUTSIDE].mac, 6);
    const struct rte_udp_hdr *udp;
    if (family == 4) {
        const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
        assert_int_equal(ip->src_addr, e->ports[OUTSIDE].ip);
        assert_int_equal(ip->dst_addr, client_ip);
        assert_int_equal(rte_ipv4_cksum(ip), 0);
        udp = (const struct rte_udp_hdr *)(ip + 1);
        if (udp->dgram_cksum != 0) { /* summed apart: addresses, protocol, UDP length, datagram */
            uint32_t pseudo = add_words(0, (const uint8_t *)&ip->src_addr, 8) + IPPROTO_UDP +
                              rte_be_to_cpu_16(udp->dgram_len);
            assert_int_equal(
                fold(add_words(pseudo, (const uint8_t *)udp, rte_be_to_cpu_16(udp->dgram_len))),
                0xffff);
        }
    } else {
        const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eth + 1);
        assert_memory_equal(ip->src_addr, e->ports[OUTSIDE].ip6, 16);
        assert_memory_equal(ip->dst_addr, client_ip6, 16);
        udp = (const struct rte_udp_hdr *)(ip + 1);
        assert_int_not_equal(udp->dgram_cksum, 0);
        assert_int_equal(
            udp6_sum((const uint8_t *)ip, (const uint8_t *)udp, rte_be_to_cpu_16(udp->dgram_len)),
            0xffff);
    }
    assert_int_equal(rte_be_to_cpu_16(udp->src_port), port);
    assert_int_equal(rte_be_to_cpu_16(udp->dst_port),
                     port == DP_NATT_PORT ? CLIENT_NATT_PORT : DP_IKE_PORT);
    const uint8_t *p = (const uint8_t *)(udp + 1);
    size_t udp_payload = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
    size_t marker = port == DP_NATT_PORT ? IKE_NON_ESP_MARKER_LEN : 0;
    static const uint8_t zero[4];
    assert_memory_equal(p, zero, marker);
    p += marker;
    size_t len = prev ? TWO_TOKENS : ONE_TOKEN;
    assert_int_equal(udp_payload, marker + len);
    assert_true(len <= req_len);
    assert_int_equal(rte_pktmbuf_pkt_len(m), (uint8_t *)p - rte_pktmbuf_mtod(m, uint8_t *) + len);

    assert_int_equal(ike_get64(p), spi_i);
    assert_int_equal(ike_get64(p + 8), spi_r);
    assert_int_equal(p[16], IKE_PL_NOTIFY);
    assert_int_equal(p[17], 0x20);
    assert_int_equal(p[18], IKE_EXCH_INFORMATIONAL);
    uint8_t flags = IKE_FLAG_RESPONSE | ((req_flags & IKE_FLAG_INITIATOR) ? 0 : IKE_FLAG_INITIATOR);
    assert_int_equal(p[19], flags);
    assert_int_equal(ike_get32(p + 20), MSG_ID);
    assert_int_equal(ike_get32(p + 24), len);
    const uint8_t *n = p + IKE_HDR_LEN;
    expect_notify(n, IKE_PL_NOTIFY, 8, IKE_PROTO_NONE, IKE_N_INVALID_IKE_SPI);
    n += 8;
    uint8_t token[IKE_QCD_TOKEN_LEN];
    assert_int_equal(ike_qcd_token(keys.cur, spi_i, spi_r, token), 0);
    expect_notify(n, prev ? IKE_PL_NOTIFY : IKE_PL_NONE, IKE_QCD_NOTIFY_LEN, IKE_PROTO_IKE,
                  IKE_N_QUICK_CRASH_DETECTION);
    assert_memory_equal(n + 8, token, IKE_QCD_TOKEN_LEN);
    if (prev) {
        n += IKE_QCD_NOTIFY_LEN;
        assert_int_equal(ike_qcd_token(keys.prev, spi_i, spi_r, token), 0);
        expect_notify(n, IKE_PL_NONE, IKE_QCD_NOTIFY_LEN, IKE_PROTO_IKE,
                      IKE_N_QUICK_CRASH_DETECTION);
        assert_memory_equal(n + 8, token, IKE_QCD_TOKEN_LEN);
    }
    /* And what a peer's lib/ike makes of it: an unprotected response of two or three notifies. */
    static uint8_t copy[256];
    memcpy(copy, p, len);
    struct ike_msg msg;
    assert_int_equal(ike_msg_decode(copy, len, &msg, NULL), 0);
    assert_int_equal(msg.npayloads, prev ? 3 : 2);
    assert_non_null(ike_msg_find_notify(&msg, IKE_N_INVALID_IKE_SPI));
}

/* The reply on 4500 over IPv4 (a NATed road warrior), and on 500. */
static void test_reply_ipv4(void **state)
{
    (void)state;
    uint8_t ike[200];
    size_t len = informational(ike, 80);
    struct rte_mbuf *m = frame4(DP_NATT_PORT, ike, len);
    assert_int_equal(check(m, now_ns()), DP_QCD_REPLIED);
    expect_reply(m, 4, DP_NATT_PORT, len, SPI_I, SPI_R, IKE_FLAG_INITIATOR, false);
    rte_pktmbuf_free(m);

    /* From the responder of an SA we initiated: ours is SPIi, and we answer as the initiator. */
    len = ike_message(ike, SPI_R, SPI_I, IKE_PL_SKF, IKE_EXCH_CREATE_CHILD_SA, 0, ONE_TOKEN);
    m = frame4(DP_IKE_PORT, ike, len);
    assert_int_equal(check(m, now_ns()), DP_QCD_REPLIED);
    const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, UDP4_HDRS);
    assert_int_equal(p[18], IKE_EXCH_CREATE_CHILD_SA);
    assert_int_equal(p[19], IKE_FLAG_RESPONSE | IKE_FLAG_INITIATOR);
    assert_int_equal(ike_get64(p), SPI_R);
    assert_int_equal(ike_get64(p + 8), SPI_I);
    rte_pktmbuf_free(m);
    assert_int_equal(e->w.counters.qcd_replied, 2);
}

/* Over IPv6: the checksum the reply needs, and a request with a bad one left to the control lcore.
 */
static void test_reply_ipv6(void **state)
{
    (void)state;
    uint8_t ike[200];
    size_t len = informational(ike, 96);
    struct rte_mbuf *m = frame6(DP_NATT_PORT, ike, len);
    assert_int_equal(check(m, now_ns()), DP_QCD_REPLIED);
    expect_reply(m, 6, DP_NATT_PORT, len, SPI_I, SPI_R, IKE_FLAG_INITIATOR, false);
    rte_pktmbuf_free(m);

    m = frame6(DP_IKE_PORT, ike, len);
    struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, ETH + 40);
    udp->dgram_cksum ^= 0x0101;
    assert_int_equal(check(m, now_ns()), DP_QCD_PASS);
    rte_pktmbuf_free(m);
    assert_int_equal(e->w.counters.qcd_replied, 1);
}

/* During a rotation: both tokens when they fit, only the current one when not; none after it. */
static void test_previous_secret(void **state)
{
    (void)state;
    keys.has_prev = true;
    open_qcd(CONF_QCD_REPLY_RATE_DEFAULT, 0, 1);
    assert_int_not_equal(q.prev_until_ns, 0);
    uint64_t before = q.prev_until_ns - 1;
    uint8_t ike[200];
    size_t len = informational(ike, TWO_TOKENS);
    struct rte_mbuf *m = frame4(DP_NATT_PORT, ike, len);
    assert_int_equal(check(m, before), DP_QCD_REPLIED);
    expect_reply(m, 4, DP_NATT_PORT, len, SPI_I, SPI_R, IKE_FLAG_INITIATOR, true);
    rte_pktmbuf_free(m);
    len = informational(ike, TWO_TOKENS - 1);
    m = frame4(DP_NATT_PORT, ike, len);
    assert_int_equal(check(m, before), DP_QCD_REPLIED);
    expect_reply(m, 4, DP_NATT_PORT, len, SPI_I, SPI_R, IKE_FLAG_INITIATOR, false);
    rte_pktmbuf_free(m);
    /* qcd_prev_valid_s after start: the previous secret is gone, in this worker too. */
    len = informational(ike, 200);
    m = frame4(DP_NATT_PORT, ike, len);
    assert_int_equal(check(m, q.prev_until_ns), DP_QCD_REPLIED);
    expect_reply(m, 4, DP_NATT_PORT, len, SPI_I, SPI_R, IKE_FLAG_INITIATOR, false);
    rte_pktmbuf_free(m);
    assert_false(e->w.qcd.keys.has_prev);

    /* prev_valid_s 0: kept for good. */
    open_qcd(CONF_QCD_REPLY_RATE_DEFAULT, 0, 0);
    assert_int_equal(q.prev_until_ns, 0);
    m = frame4(DP_NATT_PORT, ike, len);
    assert_int_equal(check(m, UINT64_MAX / 2), DP_QCD_REPLIED);
    expect_reply(m, 4, DP_NATT_PORT, len, SPI_I, SPI_R, IKE_FLAG_INITIATOR, true);
    rte_pktmbuf_free(m);
    assert_int_equal(e->w.counters.qcd_replied, 4);
}

/* No reply, the frame untouched, on to the control lcore with the reason counted. */
static void expect_passed(const uint8_t *ike, size_t len, uint64_t *counter)
{
    struct rte_mbuf *m = frame4(DP_NATT_PORT, ike, len);
    static uint8_t before[2048];
    size_t flen = rte_pktmbuf_pkt_len(m);
    memcpy(before, rte_pktmbuf_mtod(m, uint8_t *), flen);
    uint64_t was = counter != NULL ? *counter : 0;
    assert_int_equal(check(m, now_ns()), DP_QCD_PASS);
    assert_int_equal(rte_pktmbuf_pkt_len(m), flen);
    assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), before, flen);
    if (counter != NULL)
        assert_int_equal(*counter, was + 1);
    rte_pktmbuf_free(m);
}

static void test_no_reply(void **state)
{
    (void)state;
    struct dp_worker_counters *c = &e->w.counters;
    uint8_t ike[200];
    /* An SA of ours: the control lcore's, nothing counted. */
    assert_int_equal(dp_qcd_spi_add(&q, SPI_R), 0);
    assert_true(dp_qcd_known(&q, SPI_R));
    expect_passed(ike, informational(ike, 80), NULL);
    /* ... and as SPIi of an SA we initiated, in its responder's request. */
    expect_passed(ike, ike_message(ike, SPI_R, SPI_I, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, 0, 80),
                  NULL);
    dp_qcd_spi_del(&q, SPI_R);
    assert_false(dp_qcd_known(&q, SPI_R));
    /* Unprotected: an INFORMATIONAL with a Notify first. */
    expect_passed(ike,
                  ike_message(ike, SPI_I, SPI_R, IKE_PL_NOTIFY, IKE_EXCH_INFORMATIONAL,
                              IKE_FLAG_INITIATOR, 80),
                  &c->qcd_no_reply_unprotected);
    /* A response (from the responder: ours is SPIi). */
    expect_passed(
        ike,
        ike_message(ike, SPI_R, SPI_I, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_RESPONSE, 80),
        &c->qcd_no_reply_response);
    /* IKE_SA_INIT with an SPIr of ours we do not know. */
    expect_passed(
        ike,
        ike_message(ike, SPI_I, SPI_R, IKE_PL_SK, IKE_EXCH_IKE_SA_INIT, IKE_FLAG_INITIATOR, 80),
        &c->qcd_no_reply_sa_init);
    /* Too short for the reply: 75 bytes, one less than INVALID_IKE_SPI and a token. */
    expect_passed(ike, informational(ike, ONE_TOKEN - 1), &c->qcd_no_reply_too_large);
    /* The length field and the datagram disagree. */
    informational(ike, 80);
    ike_put32(ike + 24, 81);
    expect_passed(ike, 80, &c->qcd_no_reply_malformed);
    /* The SK payload does not fill the message. */
    informational(ike, 80);
    ike_put16(ike + 30, 40);
    expect_passed(ike, 80, &c->qcd_no_reply_malformed);
    /* A new IKE_SA_INIT (SPIr zero) and a runt: not judged here at all. */
    expect_passed(
        ike, ike_message(ike, SPI_I, 0, IKE_PL_SA, IKE_EXCH_IKE_SA_INIT, IKE_FLAG_INITIATOR, 80),
        NULL);
    expect_passed(ike, IKE_HDR_LEN - 1, NULL);
    assert_int_equal(c->qcd_replied, 0);
    assert_int_equal(c->qcd_no_reply_unprotected + c->qcd_no_reply_response +
                         c->qcd_no_reply_sa_init + c->qcd_no_reply_too_large +
                         c->qcd_no_reply_malformed,
                     6);
}

/* qcd_reply_rate 3: three at once, then silence (counted) until the schedule moves on. */
static void test_rate_limit(void **state)
{
    (void)state;
    struct dp_worker_counters *c = &e->w.counters;
    open_qcd(3, 0, 0);
    const uint64_t t = 5000000000ull, interval = 1000000000ull / 3;
    uint8_t ike[200];
    size_t len = informational(ike, 80);
    for (unsigned i = 0; i < 3; i++) {
        struct rte_mbuf *m = frame4(DP_NATT_PORT, ike, len);
        assert_int_equal(check(m, t), DP_QCD_REPLIED);
        rte_pktmbuf_free(m);
    }
    struct rte_mbuf *m = frame4(DP_NATT_PORT, ike, len);
    assert_int_equal(check(m, t + interval - 1), DP_QCD_DROP);
    rte_pktmbuf_free(m);
    assert_int_equal(c->qcd_rate_limited, 1);
    /* Over the limit, what would get no reply anyway still goes on, with its own reason. */
    uint8_t resp[200];
    size_t rlen =
        ike_message(resp, SPI_R, SPI_I, IKE_PL_SK, IKE_EXCH_INFORMATIONAL, IKE_FLAG_RESPONSE, 80);
    expect_passed(resp, rlen, &c->qcd_no_reply_response);
    /* One interval on, one more; the next waits again. */
    m = frame4(DP_NATT_PORT, ike, len);
    assert_int_equal(check(m, t + interval), DP_QCD_REPLIED);
    rte_pktmbuf_free(m);
    m = frame4(DP_NATT_PORT, ike, len);
    assert_int_equal(check(m, t + interval), DP_QCD_DROP);
    rte_pktmbuf_free(m);
    /* A quiet second refills the whole burst, no more. */
    for (unsigned i = 0; i < 4; i++) {
        m = frame4(DP_NATT_PORT, ike, len);
        assert_int_equal(check(m, t + 10 * 1000000000ull), i < 3 ? DP_QCD_REPLIED : DP_QCD_DROP);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(c->qcd_replied, 7);
    assert_int_equal(c->qcd_rate_limited, 3);

    /* Rate 0: no table, nothing judged. */
    open_qcd(0, 0, 0);
    assert_null(q.spis);
    expect_passed(ike, len, NULL);
}

/*
 * A table that refuses an SPI through the control lcore's backend hook: the
 * workers stop answering for good and hand everything to the control lcore.
 */
static void test_failed_insert(void **state)
{
    (void)state;
    open_qcd(CONF_QCD_REPLY_RATE_DEFAULT, 1, 0); /* the smallest table: 64 SPIs */
    struct dp_ctrl ctrl = {.qcd = &q};
    struct ike_backend be = dp_ctrl_backend(&ctrl);
    assert_non_null(be.spi_added);
    assert_non_null(be.spi_removed);
    uint8_t ike[200];
    size_t len = informational(ike, 80);
    unsigned added = 0;
    while (added < 10000 && be.spi_added(be.opaque, 0x5000 + added) == 0)
        added++;
    assert_true(added >= 64 && added < 10000);
    assert_int_equal(ctrl.counters.qcd_spi_add_failed, 1);
    assert_int_equal(q.nspis, added);
    assert_int_equal(q.add_failed, 1);
    assert_false(dp_qcd_answering(&q));
    expect_passed(ike, len, &e->w.counters.qcd_table_incomplete);
    /* Known SPIs still pass unjudged; removing SPIs does not bring the answers back. */
    be.spi_removed(be.opaque, 0x5000);
    be.spi_removed(be.opaque, 0x5001);
    assert_int_equal(q.nspis, added - 2);
    assert_false(dp_qcd_answering(&q));
    expect_passed(ike, len, &e->w.counters.qcd_table_incomplete);
    assert_int_equal(e->w.counters.qcd_replied, 0);
    assert_int_equal(e->w.counters.qcd_table_incomplete, 2);

    /* Without a table (no QCD secret) the hooks accept everything and do nothing. */
    dp_qcd_free(&q);
    assert_int_equal(be.spi_added(be.opaque, 0x77), 0);
    be.spi_removed(be.opaque, 0x77);
    assert_int_equal(ctrl.counters.qcd_spi_add_failed, 1);
}

struct reader {
    unsigned id;
    volatile bool *stop;
    uint64_t lookups, missed, found_gone;
};

#define STEADY 1000
#define CHURN_ROUNDS 200
#define CHURN 500

/*
 * A worker's side: the SPIs of live SAs must always be found, whatever comes
 * and goes around them (a miss would be answered, and its peer would delete a
 * live SA); SPIs of the other range may or may not be there.
 */
static void *read_spis(void *arg)
{
    struct reader *r = arg;
    rte_rcu_qsbr_thread_register(qsbr, r->id);
    rte_rcu_qsbr_thread_online(qsbr, r->id);
    while (!*r->stop) {
        for (unsigned i = 0; i < STEADY; i++) {
            if (!dp_qcd_known(&q, 0x1000000000ull + i))
                r->missed++;
            r->lookups++;
        }
        if (dp_qcd_known(&q, 0x3000000000ull))
            r->found_gone++; /* never added */
        rte_rcu_qsbr_quiescent(qsbr, r->id);
    }
    rte_rcu_qsbr_thread_offline(qsbr, r->id);
    rte_rcu_qsbr_thread_unregister(qsbr, r->id);
    return NULL;
}

static void test_lookups_while_spis_change(void **state)
{
    (void)state;
    open_qcd(CONF_QCD_REPLY_RATE_DEFAULT, 2 * (STEADY + CHURN), 0); /* 3750 SPIs */
    for (unsigned i = 0; i < STEADY; i++)
        assert_int_equal(dp_qcd_spi_add(&q, 0x1000000000ull + i), 0);
    volatile bool stop = false;
    struct reader readers[READERS];
    pthread_t th[READERS];
    for (unsigned i = 0; i < READERS; i++) {
        readers[i] = (struct reader){.id = i, .stop = &stop};
        assert_int_equal(pthread_create(&th[i], NULL, read_spis, &readers[i]), 0);
    }
    /*
     * Slots freed by deletes come back only after both readers passed a
     * quiescent state; waiting for that once a round keeps the table (three
     * rounds' worth beyond the steady SPIs) from filling up with slots not
     * yet reclaimed when a reader thread is descheduled, and reuses every
     * slot many times over.
     */
    for (unsigned r = 0; r < CHURN_ROUNDS; r++) {
        for (unsigned i = 0; i < CHURN; i++)
            assert_int_equal(dp_qcd_spi_add(&q, 0x2000000000ull + (uint64_t)r * CHURN + i), 0);
        for (unsigned i = 0; i < CHURN; i++)
            dp_qcd_spi_del(&q, 0x2000000000ull + (uint64_t)r * CHURN + i);
        rte_rcu_qsbr_check(qsbr, rte_rcu_qsbr_start(qsbr), true);
    }
    stop = true;
    uint64_t lookups = 0;
    for (unsigned i = 0; i < READERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(readers[i].missed, 0);
        assert_int_equal(readers[i].found_gone, 0);
        lookups += readers[i].lookups;
    }
    print_message("%u SPIs added and deleted under %u readers doing %lu lookups\n",
                  CHURN_ROUNDS * CHURN, READERS, (unsigned long)lookups);
    assert_true(lookups > 0);
    assert_true(dp_qcd_answering(&q));
    assert_int_equal(q.nspis, STEADY);
    assert_false(dp_qcd_known(&q, 0x2000000000ull));
}

/*
 * The whole worker on net_ring ports: the unknown SA's request comes back
 * out of the port it came in by, the known SA's and a new IKE_SA_INIT go to
 * the control ring.
 */
static void test_worker_lcore(void **state)
{
    (void)state;
    assert_int_equal(dp_qcd_spi_add(&q, SPI_R + 1), 0);
    uint8_t lost[200], known[200], init[1500];
    size_t lost_len = informational(lost, 88);
    size_t known_len = ike_message(known, SPI_I, SPI_R + 1, IKE_PL_SK, IKE_EXCH_INFORMATIONAL,
                                   IKE_FLAG_INITIATOR, 88);
    /* A real one: the gate drops what its checks would not let the control lcore see. */
    static struct pcap_udp req;
    assert_int_equal(
        pcap_io_read_udp(VEER_TEST_DATA "/strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap", 0, &req),
        0);
    assert_true(req.len <= sizeof(init));
    memcpy(init, req.payload, req.len);
    size_t init_len = req.len;
    struct rte_mbuf *in[3] = {frame4(DP_NATT_PORT, lost, lost_len),
                              frame4(DP_NATT_PORT, known, known_len),
                              frame4(DP_IKE_PORT, init, init_len)};
    assert_int_equal(rte_ring_enqueue_bulk(e->rx[OUTSIDE], (void **)in, 3, NULL), 3);
    e->stop = false;
    unsigned lcore = rte_get_next_lcore(-1, 1, 0);
    assert_int_equal(rte_eal_remote_launch(dp_worker_main, &e->w, lcore), 0);
    /* Bounded: at most 5 s for what takes microseconds. */
    for (unsigned i = 0;
         i < 5000 && (rte_ring_count(e->tx[OUTSIDE]) < 1 || rte_ring_count(e->to_ctrl) < 2); i++)
        rte_delay_us_sleep(1000);
    e->stop = true;
    rte_eal_wait_lcore(lcore);

    struct rte_mbuf *out[4];
    assert_int_equal(rte_ring_dequeue_burst(e->tx[OUTSIDE], (void **)out, 4, NULL), 1);
    expect_reply(out[0], 4, DP_NATT_PORT, lost_len, SPI_I, SPI_R, IKE_FLAG_INITIATOR, false);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(rte_ring_dequeue_burst(e->to_ctrl, (void **)out, 4, NULL), 2);
    const uint8_t *p = rte_pktmbuf_mtod_offset(out[0], const uint8_t *, UDP4_HDRS + 4);
    assert_memory_equal(p, known, known_len);
    p = rte_pktmbuf_mtod_offset(out[1], const uint8_t *, UDP4_HDRS);
    assert_memory_equal(p, init, init_len);
    rte_pktmbuf_free_bulk(out, 2);
    assert_int_equal(e->w.counters.qcd_replied, 1);
    assert_int_equal(e->w.counters.to_control, 2);
    assert_int_equal(e->w.counters.tx_packets, 1);
    fwd_env_pools_full(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reply_ipv4, test_setup),
        cmocka_unit_test_setup(test_reply_ipv6, test_setup),
        cmocka_unit_test_setup(test_previous_secret, test_setup),
        cmocka_unit_test_setup(test_no_reply, test_setup),
        cmocka_unit_test_setup(test_rate_limit, test_setup),
        cmocka_unit_test_setup(test_failed_insert, test_setup),
        cmocka_unit_test_setup(test_lookups_while_spis_change, test_setup),
        cmocka_unit_test_setup(test_worker_lcore, test_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
