/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: Quick Crash Detection's stateless reply after a restart
 * (RFC 6290), as a token maker sends it: ike_qcd_reply() on any message, and
 * the workers' path for a message whose SPI of ours they do not know
 * (dp_qcd_check, lib/dp/worker/qcd.c) on a real mbuf.
 *
 * Input: one control byte, then the UDP payload (with the non-ESP marker on
 * 4500). Control bits:
 *   0  port 4500
 *   1  IPv6 frame
 *   2  a previous secret (two tokens where they fit)
 *   3  the message's SPI of ours is in the workers' table
 *   4  the table is incomplete (an insert failed)
 *   5  ike_qcd_reply's buffer half the message (the workers' is fixed)
 *   6  this worker's rate limit exhausted
 *
 * Oracles besides the sanitizers:
 *  - ike_qcd_reply answers exactly when the documented rules say (header,
 *    Response flag, IKE_SA_INIT or a zero SPI, SK/SKF first and filling the
 *    message, room for one reply in min(request, buffer)), computed here from
 *    the bytes alone, and gives the reason they give when it does not;
 *  - a reply is never longer than the request nor the buffer, decodes as an
 *    unprotected response with the request's SPIs, exchange and message ID,
 *    the other side's Initiator flag, N(INVALID_IKE_SPI) first and then the
 *    token(s) ike_qcd_token() gives; two tokens exactly when both fit;
 *  - it is a pure function: a second call gives the same bytes;
 *  - the worker answers exactly the messages with an unknown, non-zero SPI
 *    of ours, a complete table and room in the rate, that ike_qcd_reply
 *    answers; its reply in the frame is ike_qcd_reply's bytes behind the
 *    marker, from the address and port the request came to, back to its
 *    source, no longer than the request; every other frame leaves untouched,
 *    and exactly one counter moves when the message was judged.
 */
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_udp.h>

#include "dp_pkt.h"
#include "dp_qcd.h"
#include "fuzz_common.h"
#include "fuzz_eal.h"
#include "ike_consts.h"
#include "ike_msg.h"
#include "ike_qcd.h"
#include "ike_writer.h"

#define CTL_NATT 0x01
#define CTL_V6 0x02
#define CTL_PREV 0x04
#define CTL_KNOWN 0x08
#define CTL_INCOMPLETE 0x10
#define CTL_SMALL_OUT 0x20
#define CTL_RATE_LIMITED 0x40

#define NOW_NS 5000000000ull
#define MARKER IKE_NON_ESP_MARKER_LEN
#define HDRS6                                                                                      \
    (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_udp_hdr))
#define MAX_PAYLOAD 1400 /* a frame of it fits a default mbuf */

struct fuzz_qcd {
    struct rte_mempool *pool;
    struct rte_rcu_qsbr *qsbr;
    struct dp_qcd q[2]; /* without and with a previous secret */
};

static struct fuzz_qcd *env;
static const struct rte_ether_addr gw_mac = {{2, 0, 0, 0, 0, 1}}, client_mac = {{2, 0, 0, 0, 0, 2}};
static const uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t client6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
#define GW4 0xc6336401u     /* 198.51.100.1 */
#define CLIENT4 0xc6336402u /* 198.51.100.2 */
#define CLIENT_PORT 40000

static void keys_of(struct ike_qcd_keys *k, bool prev)
{
    for (unsigned i = 0; i < IKE_QCD_SECRET_LEN; i++) {
        k->cur[i] = (uint8_t)(0x30 + i);
        k->prev[i] = (uint8_t)(0x90 + i);
    }
    k->has_prev = prev;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_eal_init("fuzz_qcd");
    static struct fuzz_qcd e;
    e.pool = rte_pktmbuf_pool_create("fuzz_qcd", 64, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    e.qsbr = rte_zmalloc("fuzz_qcd_qsbr", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
    FUZZ_CHECK(e.pool != NULL && e.qsbr != NULL && rte_rcu_qsbr_init(e.qsbr, 1) == 0);
    static const char *const names[2] = {"fuzz_qcd_spis", "fuzz_qcd_spis_prev"};
    for (unsigned i = 0; i < 2; i++) {
        struct ike_qcd_keys k;
        keys_of(&k, i == 1);
        /* Rate 3: the schedule a rate-limited input starts from is easy to reason about. */
        const struct dp_qcd_config cfg = {
            .keys = &k, .max_sas = 64, .rate = 3, .qsbr = e.qsbr, .name = names[i]};
        char err[256];
        FUZZ_CHECK(dp_qcd_init(&e.q[i], &cfg, err, sizeof(err)) == 0);
    }
    env = &e;
    return 0;
}

/* The rules ike_qcd_reply documents, from the bytes alone. */
static enum ike_qcd_no_reply expected(const uint8_t *msg, size_t len, size_t cap, bool prev,
                                      size_t *total)
{
    *total = 0;
    if (len < IKE_HDR_LEN || msg[17] >> 4 != IKE_MAJOR_VERSION || ike_get32(msg + 24) != len)
        return IKE_QCD_NR_MALFORMED;
    if (msg[19] & IKE_FLAG_RESPONSE)
        return IKE_QCD_NR_RESPONSE;
    if (msg[18] == IKE_EXCH_IKE_SA_INIT || ike_get64(msg) == 0 || ike_get64(msg + 8) == 0)
        return IKE_QCD_NR_SA_INIT;
    if (msg[16] != IKE_PL_SK && msg[16] != IKE_PL_SKF)
        return IKE_QCD_NR_UNPROTECTED;
    if (len < IKE_HDR_LEN + 4 || ike_get16(msg + IKE_HDR_LEN + 2) != len - IKE_HDR_LEN)
        return IKE_QCD_NR_MALFORMED;
    size_t room = cap < len ? cap : len;
    if (room < IKE_QCD_REPLY_LEN)
        return IKE_QCD_NR_TOO_LARGE;
    *total = IKE_QCD_REPLY_LEN +
             (prev && room >= IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN ? IKE_QCD_NOTIFY_LEN : 0);
    return IKE_QCD_NR_NONE;
}

static void check_token(const uint8_t *n, uint8_t next, const uint8_t *secret, uint64_t spi_i,
                        uint64_t spi_r)
{
    FUZZ_CHECK(n[0] == next && n[1] == 0 && ike_get16(n + 2) == IKE_QCD_NOTIFY_LEN);
    FUZZ_CHECK(n[4] == IKE_PROTO_IKE && n[5] == 0);
    FUZZ_CHECK(ike_get16(n + 6) == IKE_N_QUICK_CRASH_DETECTION);
    uint8_t token[IKE_QCD_TOKEN_LEN];
    FUZZ_CHECK(ike_qcd_token(secret, spi_i, spi_r, token) == 0);
    FUZZ_CHECK(memcmp(n + 8, token, IKE_QCD_TOKEN_LEN) == 0);
}

/* A reply of `len` bytes to msg under keys k, field by field and through the decoder. */
static void check_reply(const struct ike_qcd_keys *k, const uint8_t *msg, const uint8_t *r,
                        size_t len)
{
    FUZZ_CHECK(len == IKE_QCD_REPLY_LEN || (k->has_prev && len == IKE_QCD_REPLY_LEN + 40));
    uint64_t spi_i = ike_get64(msg), spi_r = ike_get64(msg + 8);
    FUZZ_CHECK(memcmp(r, msg, 16) == 0);
    FUZZ_CHECK(r[16] == IKE_PL_NOTIFY && r[17] == 0x20 && r[18] == msg[18]);
    uint8_t flags = IKE_FLAG_RESPONSE | ((msg[19] & IKE_FLAG_INITIATOR) ? 0 : IKE_FLAG_INITIATOR);
    FUZZ_CHECK(r[19] == flags);
    FUZZ_CHECK(ike_get32(r + 20) == ike_get32(msg + 20) && ike_get32(r + 24) == len);
    static const uint8_t invalid_spi[8] = {IKE_PL_NOTIFY, 0, 0, 8, IKE_PROTO_NONE, 0, 0, 4};
    FUZZ_CHECK(memcmp(r + IKE_HDR_LEN, invalid_spi, 8) == 0);
    bool two = len > IKE_QCD_REPLY_LEN;
    check_token(r + IKE_HDR_LEN + 8, two ? IKE_PL_NOTIFY : IKE_PL_NONE, k->cur, spi_i, spi_r);
    if (two)
        check_token(r + IKE_QCD_REPLY_LEN, IKE_PL_NONE, k->prev, spi_i, spi_r);
    uint8_t copy[IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN];
    memcpy(copy, r, len);
    struct ike_msg *m = malloc(sizeof(*m));
    FUZZ_CHECK(m != NULL);
    FUZZ_CHECK(ike_msg_decode(copy, len, m, NULL) == 0);
    FUZZ_CHECK(ike_hdr_is_response(&m->hdr) && m->npayloads == (two ? 3u : 2u));
    FUZZ_CHECK(ike_msg_find_notify(m, IKE_N_INVALID_IKE_SPI) == &m->pl[0]);
    free(m);
}

/* ike_qcd_reply alone, on the IKE message (after any marker). */
static void fuzz_reply(const struct ike_qcd_keys *k, const uint8_t *msg, size_t len, bool small)
{
    size_t cap = small ? len / 2 : len + 64;
    uint8_t *out = malloc(cap > 0 ? cap : 1), *again = malloc(cap > 0 ? cap : 1);
    FUZZ_CHECK(out != NULL && again != NULL);
    enum ike_qcd_no_reply why = IKE_QCD_NR__COUNT, why2;
    long n = ike_qcd_reply(k, msg, len, out, cap, &why);
    size_t total;
    enum ike_qcd_no_reply want = expected(msg, len, cap, k->has_prev, &total);
    FUZZ_CHECK(why == want);
    FUZZ_CHECK(why < IKE_QCD_NR__COUNT && strcmp(ike_qcd_no_reply_name(why), "?") != 0);
    if (want != IKE_QCD_NR_NONE) {
        FUZZ_CHECK(n == -1);
    } else {
        FUZZ_CHECK(n > 0 && (size_t)n == total && (size_t)n <= len && (size_t)n <= cap);
        check_reply(k, msg, out, (size_t)n);
        FUZZ_CHECK(ike_qcd_reply(k, msg, len, again, cap, &why2) == n && why2 == why);
        FUZZ_CHECK(memcmp(out, again, (size_t)n) == 0);
    }
    free(out);
    free(again);
}

static struct rte_mbuf *frame(bool v6, bool natt, const uint8_t *udp, size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(env->pool);
    FUZZ_CHECK(m != NULL);
    uint16_t sport = natt ? CLIENT_PORT : IKE_PORT, dport = natt ? IKE_NATT_PORT : IKE_PORT;
    memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, v6 ? HDRS6 : HDRS6 - 20), udp, len);
    if (v6)
        dp_build_udp6(m, &client_mac, &gw_mac, client6, gw6, sport, dport, len);
    else
        dp_build_udp4(m, &client_mac, &gw_mac, rte_cpu_to_be_32(CLIENT4), rte_cpu_to_be_32(GW4),
                      sport, dport, len);
    return m;
}

static uint64_t counters_sum(const struct dp_worker_counters *c)
{
    uint64_t sum = 0;
#define ADD(n) sum += c->n;
    DP_QCD_COUNTER_LIST(ADD)
#undef ADD
    return sum;
}

/* The worker's path on a frame of this payload, against what ike_qcd_reply says. */
static void fuzz_worker(uint8_t ctl, const uint8_t *udp, size_t len)
{
    bool v6 = ctl & CTL_V6, natt = ctl & CTL_NATT;
    struct dp_qcd *q = &env->q[(ctl & CTL_PREV) ? 1 : 0];
    struct dp_qcd_worker w = {.shared = q};
    if (ctl & CTL_RATE_LIMITED)
        w.tat_ns = NOW_NS + 1000000000ull; /* the next reply fits two thirds of a second on */
    const uint8_t *msg = udp + (natt ? MARKER : 0);
    size_t mlen = len - (natt ? (len < MARKER ? len : MARKER) : 0);
    bool marker_ok = !natt || (len >= MARKER && memcmp(udp, "\0\0\0\0", MARKER) == 0);
    uint64_t ours = 0;
    if (marker_ok && mlen >= IKE_HDR_LEN)
        ours = ike_get64(msg + ((msg[19] & IKE_FLAG_INITIATOR) ? 8 : 0));
    bool known = (ctl & CTL_KNOWN) && ours != 0;
    if (known)
        FUZZ_CHECK(dp_qcd_spi_add(q, ours) == 0);
    if (ctl & CTL_INCOMPLETE)
        q->incomplete = 1;

    struct rte_mbuf *m = frame(v6, natt, udp, len);
    size_t flen = rte_pktmbuf_pkt_len(m);
    uint8_t *before = malloc(flen);
    FUZZ_CHECK(before != NULL);
    memcpy(before, rte_pktmbuf_mtod(m, uint8_t *), flen);
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    enum dp_qcd_verdict v = dp_qcd_check(&w, m, NOW_NS, &c);

    /* What it should have done. */
    enum dp_qcd_verdict want = DP_QCD_PASS;
    uint8_t ref[IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN];
    long n = -1;
    bool judged = marker_ok && mlen >= IKE_HDR_LEN && ours != 0 && !known;
    if (judged && (ctl & CTL_INCOMPLETE)) {
        FUZZ_CHECK(c.qcd_table_incomplete == 1);
    } else if (judged) {
        bool answerable = !(msg[19] & IKE_FLAG_RESPONSE) && msg[18] != IKE_EXCH_IKE_SA_INIT &&
                          (msg[16] == IKE_PL_SK || msg[16] == IKE_PL_SKF);
        enum ike_qcd_no_reply why;
        n = ike_qcd_reply(&q->keys, msg, mlen, ref, sizeof(ref), &why);
        if (answerable && (ctl & CTL_RATE_LIMITED)) {
            want = DP_QCD_DROP;
            FUZZ_CHECK(c.qcd_rate_limited == 1);
        } else if (n > 0) {
            want = DP_QCD_REPLIED;
            FUZZ_CHECK(c.qcd_replied == 1);
        }
    }
    FUZZ_CHECK(v == want);
    FUZZ_CHECK(counters_sum(&c) == (judged ? 1u : 0u));
    if (v == DP_QCD_REPLIED) {
        size_t hdrs = v6 ? HDRS6 : HDRS6 - 20, marker = natt ? MARKER : 0;
        FUZZ_CHECK(rte_pktmbuf_pkt_len(m) == hdrs + marker + (size_t)n);
        FUZZ_CHECK(rte_pktmbuf_pkt_len(m) <= flen);
        const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
        const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
        FUZZ_CHECK(rte_is_same_ether_addr(&eth->dst_addr, &client_mac));
        const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)(p + hdrs - 8);
        FUZZ_CHECK(rte_be_to_cpu_16(u->src_port) == (natt ? IKE_NATT_PORT : IKE_PORT));
        FUZZ_CHECK(rte_be_to_cpu_16(u->dst_port) == (natt ? CLIENT_PORT : IKE_PORT));
        if (v6) {
            const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eth + 1);
            FUZZ_CHECK(memcmp(ip->src_addr, gw6, 16) == 0 &&
                       memcmp(ip->dst_addr, client6, 16) == 0);
        } else {
            const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
            FUZZ_CHECK(ip->src_addr == rte_cpu_to_be_32(GW4) &&
                       ip->dst_addr == rte_cpu_to_be_32(CLIENT4));
        }
        FUZZ_CHECK(marker == 0 || memcmp(p + hdrs, "\0\0\0\0", MARKER) == 0);
        FUZZ_CHECK(memcmp(p + hdrs + marker, ref, (size_t)n) == 0);
    } else {
        FUZZ_CHECK(rte_pktmbuf_pkt_len(m) == flen);
        FUZZ_CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), before, flen) == 0);
    }
    free(before);
    rte_pktmbuf_free(m);
    q->incomplete = 0;
    if (known)
        dp_qcd_spi_del(q, ours);
    FUZZ_CHECK(q->nspis == 0);
}

/* The IKE header follows the control byte and, on port 4500, the non-ESP marker. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    size_t ike = 1 + (size > 0 && (data[0] & CTL_NATT) ? MARKER : 0);
    return fuzz_mutate_chain(data, size, max_size, seed, ike, size, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    size_t len = size - 1;
    /* Copied to a buffer of its exact size: ASan then flags any read past it. */
    uint8_t *udp = malloc(len > 0 ? len : 1);
    FUZZ_CHECK(udp != NULL);
    memcpy(udp, data + 1, len);
    const uint8_t *msg = udp;
    size_t mlen = len;
    if ((ctl & CTL_NATT) && len >= MARKER) {
        msg += MARKER;
        mlen -= MARKER;
    }
    struct ike_qcd_keys k;
    keys_of(&k, ctl & CTL_PREV);
    fuzz_reply(&k, msg, mlen, ctl & CTL_SMALL_OUT);
    if (len <= MAX_PAYLOAD)
        fuzz_worker(ctl, udp, len);
    free(udp);
    return 0;
}
