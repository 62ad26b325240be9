/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP tunnel mode (RFC 4303) with AES-GCM (RFC 4106) through intel-ipsec-mb,
 * on worker lcores, plus the SA database they read without locks: inbound SAs
 * in an rte_hash by SPI (lock-free readers), outbound SAs in an array found
 * by traffic selector, both published by the control lcore and freed only
 * after every worker has passed a quiescent state (RCU QSBR).
 */
#ifndef VEER_DP_ESP_H
#define VEER_DP_ESP_H

#include <stdbool.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>
#include <rte_hash.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dp_counters.h"
#include "ike.h"

#define DP_REPLAY_WINDOW 64
#define DP_MAX_OUT_SAS 256

/* One direction of a Child SA. */
struct dp_esp_sa {
    struct gcm_key_data key; /* expanded key and GHASH tables, 64-byte aligned */
    uint32_t spi;            /* host order */
    uint16_t key_bits;
    uint8_t salt[4];
    bool udp_encap;               /* ESP in UDP/4500 (RFC 3948) */
    uint32_t local_ip, remote_ip; /* outer, network order */
    uint16_t local_port, remote_port;
    struct ike_ts_set ts_local, ts_remote; /* outbound: which plaintext it carries */
    uint64_t seq;                          /* outbound: last sent; inbound: highest seen */
    uint64_t replay_bitmap;                /* inbound: bit i = seq - i seen */
    uint64_t packets, bytes;
} __rte_aligned(64);

/* The outbound SAs as one immutable array; replaced whole when it changes. */
struct dp_spd {
    unsigned n;
    struct dp_esp_sa *sa[DP_MAX_OUT_SAS];
};

struct dp_sadb {
    struct rte_hash *in; /* SPI -> struct dp_esp_sa * */
    struct dp_spd *out;  /* read with __atomic_load_n */
    struct rte_rcu_qsbr *qsbr;
    unsigned nworkers;
};

int dp_sadb_init(struct dp_sadb *db, unsigned nworkers, char *err, size_t err_len);
void dp_sadb_free(struct dp_sadb *db);

/* Control lcore: installs both directions of a Child SA (AES-GCM only so far). */
int dp_sadb_install(struct dp_sadb *db, const struct ike_child_sa *child);
/* Control lcore: removes them; returns once no worker can still be using them. */
int dp_sadb_remove(struct dp_sadb *db, const struct ike_child_sa *child);

/* Worker: the outbound SA whose selectors cover this inner IPv4 packet, or NULL. */
struct dp_esp_sa *dp_spd_lookup(const struct dp_sadb *db, uint32_t src, uint32_t dst);

/*
 * Worker: encapsulates the IPv4 packet that starts `l3` bytes into m (its
 * Ethernet header is dropped) and leaves room in front for a new one. 0, or
 * -1 with the drop counted.
 */
int dp_esp_encrypt(IMB_MGR *mgr, struct dp_esp_sa *sa, struct rte_mbuf *m, size_t l3,
                   struct dp_worker_counters *c);
/*
 * Worker: decapsulates the ESP packet whose ESP header is `esp_off` bytes into
 * m; on success m holds the inner IPv4 packet alone (room in front for an
 * Ethernet header). 0, or -1 with the reason counted.
 */
int dp_esp_decrypt(IMB_MGR *mgr, const struct dp_sadb *db, struct rte_mbuf *m, size_t esp_off,
                   struct dp_worker_counters *c);

#endif
