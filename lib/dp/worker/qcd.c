/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_qcd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>

#include "dp_ike_udp.h"
#include "dp_pkt.h"
#include "ike_consts.h"

#define QCD_NS_PER_S 1000000000ull
#define HDR_SPI_R_OFF 8
#define HDR_NEXT_OFF 16
#define HDR_EXCH_OFF 18
#define HDR_FLAGS_OFF 19
#define MIN_ENTRIES 64

/* The counter of each reason ike_qcd_reply gives for not answering. */
#define QCD_NO_REPLY_COUNTERS(X)                                                                   \
    X(MALFORMED, qcd_no_reply_malformed)                                                           \
    X(RESPONSE, qcd_no_reply_response)                                                             \
    X(SA_INIT, qcd_no_reply_sa_init)                                                               \
    X(UNPROTECTED, qcd_no_reply_unprotected)                                                       \
    X(TOO_LARGE, qcd_no_reply_too_large)
#define QCD_ONE(reason, counter) +1
_Static_assert(0 QCD_NO_REPLY_COUNTERS(QCD_ONE) == IKE_QCD_NR__COUNT - 1,
               "a counter for every reason in IKE_QCD_NO_REPLY_LIST");
#undef QCD_ONE

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * QCD_NS_PER_S + (uint64_t)ts.tv_nsec;
}

int dp_qcd_init(struct dp_qcd *q, const struct dp_qcd_config *cfg, char *err, size_t err_len)
{
    memset(q, 0, sizeof(*q));
    if (cfg->keys == NULL || cfg->rate == 0)
        return 0;
    q->keys = *cfg->keys;
    q->rate = cfg->rate;
    q->interval_ns = QCD_NS_PER_S / cfg->rate;
    q->burst_ns = (uint64_t)(cfg->rate - 1) * q->interval_ns;
    if (q->keys.has_prev && cfg->prev_valid_s != 0)
        q->prev_until_ns = monotonic_ns() + (uint64_t)cfg->prev_valid_s * QCD_NS_PER_S;
    /*
     * Every IKE SA has one SPI of ours; an IKE rekey holds two for a while
     * (and lib/ike lets rekeys past max_sas): a quarter more for those.
     */
    uint64_t sas = cfg->max_sas != 0 ? cfg->max_sas : DP_QCD_MAX_SAS_DEFAULT;
    uint64_t entries = sas + sas / 4;
    if (entries < MIN_ENTRIES)
        entries = MIN_ENTRIES;
    struct rte_hash_parameters p = {
        .name = cfg->name != NULL ? cfg->name : "veer_ike_spis",
        .entries = (uint32_t)entries,
        .key_len = sizeof(uint64_t),
        .hash_func = rte_hash_crc,
        .socket_id = cfg->socket,
        /* Lock-free readers; extendable buckets, so only a full table refuses a key. */
        .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
    };
    q->spis = rte_hash_create(&p);
    if (q->spis == NULL) {
        snprintf(err, err_len, "QCD: a table of %llu IKE SPIs: %s", (unsigned long long)entries,
                 rte_strerror(rte_errno));
        dp_qcd_free(q);
        return -1;
    }
    /*
     * A deleted SPI's slot goes to a defer queue and is reused only once every
     * worker has reported a quiescent state since: a worker halfway through a
     * lookup never compares against a slot rewritten under it.
     */
    struct rte_hash_rcu_config rcu = {.v = cfg->qsbr, .mode = RTE_HASH_QSBR_MODE_DQ};
    if (cfg->qsbr == NULL || rte_hash_rcu_qsbr_add(q->spis, &rcu) != 0) {
        snprintf(err, err_len, "QCD: the IKE SPI table's RCU: %s",
                 cfg->qsbr == NULL ? "no QSBR variable" : rte_strerror(rte_errno));
        dp_qcd_free(q);
        return -1;
    }
    return 0;
}

void dp_qcd_free(struct dp_qcd *q)
{
    rte_hash_free(q->spis);
    OPENSSL_cleanse(&q->keys, sizeof(q->keys));
    memset(q, 0, sizeof(*q));
}

int dp_qcd_spi_add(struct dp_qcd *q, uint64_t spi)
{
    if (q->spis == NULL)
        return 0;
    uint64_t key = rte_cpu_to_be_64(spi);
    if (rte_hash_lookup(q->spis, &key) >= 0)
        return 0; /* already there (never expected: lib/ike's SPIs are unique) */
    int32_t rc = rte_hash_add_key(q->spis, &key);
    if (rc < 0) {
        /* Release: a worker that sees the flag sees the table as it was when it was set. */
        __atomic_store_n(&q->incomplete, 1, __ATOMIC_RELEASE);
        __atomic_store_n(&q->add_failed, q->add_failed + 1, __ATOMIC_RELAXED);
        return -ENOSPC;
    }
    __atomic_store_n(&q->nspis, q->nspis + 1, __ATOMIC_RELAXED);
    return 0;
}

void dp_qcd_spi_del(struct dp_qcd *q, uint64_t spi)
{
    if (q->spis == NULL)
        return;
    uint64_t key = rte_cpu_to_be_64(spi);
    if (rte_hash_del_key(q->spis, &key) >= 0)
        __atomic_store_n(&q->nspis, q->nspis - 1, __ATOMIC_RELAXED);
}

bool dp_qcd_known(const struct dp_qcd *q, uint64_t spi)
{
    uint64_t key = rte_cpu_to_be_64(spi);
    return q->spis != NULL && rte_hash_lookup(q->spis, &key) >= 0;
}

bool dp_qcd_answering(const struct dp_qcd *q)
{
    return q != NULL && q->spis != NULL && !__atomic_load_n(&q->incomplete, __ATOMIC_ACQUIRE);
}

/*
 * The rate limit as a virtual schedule (GCRA): each reply moves tat_ns on by
 * one interval, and a reply fits while tat_ns is at most rate - 1 intervals
 * ahead, so a second's worth (rate replies) may go at once after a quiet
 * spell. Exact in integers, with nothing lost to rounding between two close
 * calls, whatever the rate.
 */
static bool reply_fits(const struct dp_qcd_worker *w, uint64_t now_ns)
{
    uint64_t tat = w->tat_ns > now_ns ? w->tat_ns : now_ns;
    return tat - now_ns <= w->shared->burst_ns;
}

static void reply_spent(struct dp_qcd_worker *w, uint64_t now_ns)
{
    w->tat_ns = (w->tat_ns > now_ns ? w->tat_ns : now_ns) + w->shared->interval_ns;
}

/* The worker's secrets: copied once, the previous one dropped when its time is up. */
static const struct ike_qcd_keys *worker_keys(struct dp_qcd_worker *w, uint64_t now_ns)
{
    const struct dp_qcd *q = w->shared;
    if (!w->keys_taken) {
        w->keys = q->keys;
        w->keys_taken = true;
    }
    if (w->keys.has_prev && q->prev_until_ns != 0 && now_ns >= q->prev_until_ns) {
        OPENSSL_cleanse(w->keys.prev, sizeof(w->keys.prev));
        w->keys.has_prev = false;
    }
    return &w->keys;
}

static void count_no_reply(enum ike_qcd_no_reply why, struct dp_worker_counters *c)
{
    switch (why) {
#define QCD_CASE(reason, counter)                                                                  \
    case IKE_QCD_NR_##reason:                                                                      \
        c->counter++;                                                                              \
        break;
        QCD_NO_REPLY_COUNTERS(QCD_CASE)
#undef QCD_CASE
    default:
        c->qcd_no_reply_malformed++; /* never expected: ike_qcd_reply names every reason */
        break;
    }
}

/* IPv6 UDP always carries a checksum (RFC 8200 8.1); the control lcore refuses a bad one too. */
static bool checksum_ok(const struct dp_ike_udp *u)
{
    if (u->ip6 == NULL)
        return true;
    size_t len = sizeof(*u->udp) + u->len;
    return u->udp->dgram_cksum != 0 && dp_ipv6_l4_sum(u->ip6, IPPROTO_UDP, u->udp, len) == 0xffff;
}

enum dp_qcd_verdict dp_qcd_check(struct dp_qcd_worker *w, struct rte_mbuf *m, uint64_t now_ns,
                                 struct dp_worker_counters *c)
{
    const struct dp_qcd *q = w->shared;
    struct dp_ike_udp u;
    if (q == NULL || q->spis == NULL || !dp_ike_udp_of(m, &u))
        return DP_QCD_PASS;
    const uint8_t *msg = (const uint8_t *)(u.udp + 1);
    size_t len = u.len, marker = 0;
    if (rte_be_to_cpu_16(u.udp->dst_port) == DP_NATT_PORT) {
        /* The classifier handed over only IKE behind the marker on 4500; checked again. */
        if (len < IKE_NON_ESP_MARKER_LEN || memcmp(msg, "\0\0\0\0", IKE_NON_ESP_MARKER_LEN) != 0)
            return DP_QCD_PASS;
        marker = IKE_NON_ESP_MARKER_LEN;
        msg += marker;
        len -= marker;
    }
    if (len < IKE_HDR_LEN)
        return DP_QCD_PASS; /* no SPIs to judge by: the control lcore counts it malformed */
    /* Ours is SPIr in what an initiator sends, SPIi in what a responder sends. */
    uint64_t ours;
    memcpy(&ours, msg + ((msg[HDR_FLAGS_OFF] & IKE_FLAG_INITIATOR) ? HDR_SPI_R_OFF : 0), 8);
    if (ours == 0)
        return DP_QCD_PASS; /* a new IKE_SA_INIT: the admission gate's */
    if (rte_hash_lookup(q->spis, &ours) >= 0)
        return DP_QCD_PASS; /* an IKE SA of ours */
    if (__atomic_load_n(&q->incomplete, __ATOMIC_ACQUIRE)) {
        c->qcd_table_incomplete++; /* the SA may be live: only the control lcore can tell */
        return DP_QCD_PASS;
    }
    if (!checksum_ok(&u))
        return DP_QCD_PASS; /* counted by the control lcore (rx_bad_udp6_checksum) */
    /*
     * What the header says ike_qcd_reply would answer, looked at before the
     * HMAC it costs: over the limit such a request is dropped unanswered.
     */
    uint8_t next = msg[HDR_NEXT_OFF];
    bool answerable = !(msg[HDR_FLAGS_OFF] & IKE_FLAG_RESPONSE) &&
                      msg[HDR_EXCH_OFF] != IKE_EXCH_IKE_SA_INIT &&
                      (next == IKE_PL_SK || next == IKE_PL_SKF);
    if (answerable && !reply_fits(w, now_ns)) {
        c->qcd_rate_limited++;
        return DP_QCD_DROP;
    }
    uint8_t reply[IKE_NON_ESP_MARKER_LEN + IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN];
    enum ike_qcd_no_reply why;
    long n = ike_qcd_reply(worker_keys(w, now_ns), msg, len, reply + marker, sizeof(reply) - marker,
                           &why);
    if (n < 0) {
        count_no_reply(why, c);
        return DP_QCD_PASS; /* the control lcore finds no SA either, and sends nothing */
    }
    reply_spent(w, now_ns);
    memset(reply, 0, marker);
    dp_ike_udp_reply(m, &u, reply, marker + (size_t)n);
    c->qcd_replied++;
    return DP_QCD_REPLIED;
}
