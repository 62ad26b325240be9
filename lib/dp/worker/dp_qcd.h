/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Crash Detection in the workers (RFC 6290). After a restart the
 * gateway's peers still send protected requests on IKE SAs it has lost; the
 * token maker answers each with an unprotected INVALID_IKE_SPI and the SA's
 * token, recomputed from the message's SPIs (lib/ike/qcd). The workers do
 * that themselves, in place, like the admission gate's COOKIE, for any
 * request whose SPI of ours is not in the table of live IKE SPIs the control
 * lcore keeps here (lib/ike's backend hooks spi_added / spi_removed), under
 * a per-worker rate limit. Everything else goes on to the control lcore.
 *
 * Answering for a live SA would make its peer delete it, so the table must
 * never miss one of our SPIs: the control lcore adds an SPI before any
 * message carrying it leaves, and once an insert fails the workers stop
 * answering on their own (`incomplete`) and hand every such message to the
 * control lcore, which knows every SA. Workers read the table without locks
 * (rte_hash, lock-free readers); a deleted SPI's slot is reused only after
 * every worker has passed a quiescent state (RCU QSBR, the SADB's).
 */
#ifndef VEER_DP_QCD_H
#define VEER_DP_QCD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dp_counters.h"
#include "ike_qcd.h"

#define DP_QCD_MAX_SAS_DEFAULT 65536 /* lib/ike's when ike_config.max_sas is 0 */

struct dp_qcd_config {
    const struct ike_qcd_keys *keys; /* NULL: no QCD secret, the workers answer nothing */
    unsigned prev_valid_s;           /* keys->prev is dropped this long after start (0: kept) */
    unsigned max_sas;                /* ike_config.max_sas (0: lib/ike's default) */
    unsigned rate;                   /* replies per second per worker; 0: the workers answer none */
    struct rte_rcu_qsbr *qsbr;       /* where the workers report quiescent states */
    const char *name; /* the table's name, unique in the process (NULL: "veer_ike_spis") */
    int socket;
};

/* Written by the control lcore, read by the workers and telemetry. */
struct dp_qcd {
    struct rte_hash *spis;  /* our live IKE SPIs, 8 bytes as on the wire; NULL: QCD off here */
    uint32_t incomplete;    /* set for good once an insert failed: the workers answer nothing */
    uint32_t rate;          /* replies per second per worker */
    uint64_t interval_ns;   /* one reply's share of a worker's second (1e9 / rate) */
    uint64_t burst_ns;      /* how far ahead the schedule may run: rate - 1 intervals */
    uint64_t prev_until_ns; /* CLOCK_MONOTONIC; 0: the previous secret is kept */
    struct ike_qcd_keys keys;
    uint64_t nspis;      /* in the table now */
    uint64_t add_failed; /* inserts refused (the table was full) */
};

/* One worker's view: its copy of the secrets and its token bucket (GCRA). */
struct dp_qcd_worker {
    const struct dp_qcd *shared; /* NULL: QCD off */
    bool keys_taken;
    struct ike_qcd_keys keys;
    uint64_t tat_ns; /* when the bucket will be full again */
};

/*
 * Control lcore, before lib/ike's context: the table, sized for max_sas
 * IKE SAs and their rekeys. With no keys or a rate of 0 there is no table
 * and every call below does nothing. 0, or -1 with a message in err.
 */
int dp_qcd_init(struct dp_qcd *q, const struct dp_qcd_config *cfg, char *err, size_t err_len);
void dp_qcd_free(struct dp_qcd *q);

/*
 * Control lcore (the only writer): our SPI `spi` (host order, as lib/ike
 * has it) is live, before any message with it leaves. -ENOSPC when the
 * table refused it: `incomplete` is set and the workers answer nothing from
 * then on.
 */
int dp_qcd_spi_add(struct dp_qcd *q, uint64_t spi);
/* Control lcore: lib/ike forgot `spi`. */
void dp_qcd_spi_del(struct dp_qcd *q, uint64_t spi);

/* Any lcore: whether `spi` (host order) is in the table. */
bool dp_qcd_known(const struct dp_qcd *q, uint64_t spi);

/* Whether the workers answer now: keys, a rate, and a complete table. */
bool dp_qcd_answering(const struct dp_qcd *q);

enum dp_qcd_verdict {
    DP_QCD_PASS,    /* not for a lost IKE SA, or not answerable: to the control lcore */
    DP_QCD_REPLIED, /* the mbuf now holds the reply: send it back on the same port */
    DP_QCD_DROP,    /* over the rate limit: counted, to be freed */
};

/*
 * A worker, for a control-class frame the admission gate passed: an IKE
 * message on 500 or 4500 whose SPI of ours (SPIr with the Initiator flag,
 * SPIi without) is non-zero and not in the table is judged by
 * ike_qcd_reply(): a protected request (SK or SKF first, not IKE_SA_INIT)
 * is answered in place, within the rate; every other gets no reply, its
 * reason counted (qcd_no_reply_*), and passes. now_ns: CLOCK_MONOTONIC.
 */
enum dp_qcd_verdict dp_qcd_check(struct dp_qcd_worker *w, struct rte_mbuf *m, uint64_t now_ns,
                                 struct dp_worker_counters *c);

#endif
