/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP tunnel mode (RFC 4303) with AES-GCM (RFC 4106) or AES-CBC (RFC 3602)
 * with HMAC-SHA1/SHA2 (RFC 2404, 4868), ESN or not, through intel-ipsec-mb,
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
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dp_counters.h"
#include "dp_esp_replay.h"
#include "ike.h"

#define DP_MAX_OUT_SAS 65536 /* as many as inbound SPIs in the SAD */

/* How an SA protects its packets. */
enum dp_esp_cipher {
    DP_ESP_AES_GCM, /* RFC 4106: AEAD, 16-byte ICV */
    DP_ESP_AES_CBC, /* RFC 3602 with HMAC-SHA1-96 (2404) or HMAC-SHA2 (4868) */
};

/* AES-CBC + HMAC keys, prepared once when the SA is installed. */
struct dp_esp_cbc_keys {
    uint32_t enc[60] __rte_aligned(16); /* expanded AES key, up to 15 round keys */
    uint32_t dec[60] __rte_aligned(16);
    uint8_t ipad[64];    /* hash state after (integrity key ^ ipad): HMAC's inner block, done */
    uint8_t opad[64];    /* ... and after (key ^ opad), so a packet costs no key blocks */
    uint8_t iv_seed[16]; /* secret, random per SA: see make_iv in esp_cbc.c */
};

/* One direction of a Child SA. */
struct dp_esp_sa {
    union {
        struct gcm_key_data gcm; /* expanded key and GHASH tables, 64-byte aligned */
        struct dp_esp_cbc_keys cbc;
    } key;
    enum dp_esp_cipher cipher;
    IMB_HASH_ALG hash; /* CBC: the HMAC */
    uint16_t key_bits;
    uint8_t iv_len;  /* 8 (GCM: the sequence number) or 16 (CBC) */
    uint8_t icv_len; /* 16, or 12/16/24/32 with HMAC */
    uint8_t block;   /* what payload and trailer must fill: 4 (GCM) or 16 (CBC); a power of two */
    bool esn;        /* 64-bit sequence numbers (RFC 4303 2.2.1) */
    uint8_t salt[4]; /* GCM */
    uint32_t spi;    /* host order */
    bool udp_encap;  /* ESP in UDP/4500 (RFC 3948) */
    uint8_t outer_family; /* 4 or 6: the outer header it writes */
    /*
     * The worker that alone seals (outbound) or opens (inbound) its packets,
     * so sequence numbers leave in order and the replay window has one
     * writer; others hand it the packets (lib/dp/worker/dp_handoff.h).
     * Chosen at install, the halves of all SAs dealt round the workers.
     */
    uint16_t owner;
    /*
     * Outer addresses, network order: local_ip/remote_ip when IPv4, the ip6
     * arrays when IPv6. Inbound, remote_*, remote_port and udp_encap say where
     * the peer sends from (RFC 4555 3.12); they are the only fields written
     * after the SA is published, by dp_sadb_update with atomic stores of
     * 32 bits or less: a worker that reads them meanwhile may miscount one
     * packet, never misroute one.
     */
    union {
        uint32_t local_ip;
        uint8_t local_ip6[16];
    };
    union {
        uint32_t remote_ip;
        uint8_t remote_ip6[16];
    };
    uint16_t local_port, remote_port;
    /*
     * Which plaintext it carries: outbound, what the SPD matches (source in
     * ts_local, destination in ts_remote); inbound, what a decrypted packet must
     * be (source in ts_remote, destination in ts_local: RFC 4301 5.2).
     */
    struct ike_ts_set ts_local, ts_remote;
    /* Some selector names a protocol or ports: matching reads the L4 header (dp_esp_ts.h). */
    bool ts_l4;
    /* For a rekey request from the dataplane: which Child SA of which IKE SA. */
    uint64_t ike_spi_i, ike_spi_r;
    uint32_t child_spi_in;
    /*
     * Outbound: the last sequence number sent. It never passes seq_max (2^32-1,
     * or 2^64-1 with ESN): an SA that has used them all drops and counts, and
     * from seq_soft on it asks the control lcore for a rekey (rekey_state).
     */
    uint64_t seq;
    uint64_t seq_max, seq_soft;
    uint8_t rekey_state;     /* enum dp_rekey_state, atomic */
    struct dp_replay replay; /* inbound: the window; its words follow the SA */
    uint64_t packets, bytes;
    /* Inbound: of `packets`, those from the peer's address (and port): proof it is there. */
    uint64_t packets_from_peer;
    uint64_t installed; /* outbound: the SADB's install count when it came; the newest wins */
    /* Control lcore only (dp_sadb_traffic): the count it last saw, and when it moved. */
    uint64_t seen_packets, last_used_ns;
    /*
     * Inbound, ESP-triggered NAT rebinding (docs/control-plane.md): whether
     * authentic ESP in UDP from another source is reported to the control
     * lcore (child->esp_rebind; atomic, dp_sadb_update moves it), whether a
     * report is in the ring and not yet taken (atomic: one per SA at a
     * time), and when the last one went (timer cycles, atomic).
     */
    bool esp_rebind;
    uint8_t rebind_pending;
    uint64_t rebind_last;
} __rte_aligned(64);

/* What a worker puts in the rebinding ring: an inbound SA's SPI and where its ESP came from. */
struct dp_rebind_msg {
    uint32_t spi;   /* host order */
    uint16_t port;  /* host order */
    uint8_t family; /* 4 or 6 */
    uint8_t unused;
    uint8_t ip[16]; /* network order */
};

/* What the control lcore takes from it (dp_sadb_rebinds). */
struct dp_rebind {
    struct dp_esp_sa *in; /* valid until the next dp_sadb_remove */
    struct ike_addr from;
};

#define DP_REBIND_RING 1024        /* reports in flight: one per inbound SA at most */
#define DP_REBIND_INTERVAL_MS 1000 /* per inbound SA, between two reports */

enum dp_rekey_state { DP_REKEY_NONE, DP_REKEY_WANTED, DP_REKEY_ASKED };

/*
 * A worker's intel-ipsec-mb managers, never shared. AES-GCM goes through the
 * direct API of the CPU's best code path (`gcm`: VAES/AVX-512 here). AES-CBC
 * + HMAC go through the job API a burst at a time: to the SSE manager
 * (`chain`), whose HMAC-SHA uses the SHA extensions two lanes wide and loses
 * little when it flushes a burst of few or mixed packets, and, when a burst
 * holds a whole set of `wide_lanes` big packets, those go to the `gcm`
 * manager, whose AVX-512 code runs 16 packets' AES and SHA side by side (a
 * third faster there, but 4x slower flushing one lane: tests/bench/bench_esp,
 * docs/esp.md). SSE is there on every CPU with AES-NI.
 */
struct dp_esp_engine {
    IMB_MGR *gcm;
    IMB_MGR *chain;
    unsigned wide_lanes; /* SHA-256 lanes of `gcm`'s code path; 0: never wider than `chain` */
};

/* Allocates both managers; 0, or -1 when intel-ipsec-mb cannot. */
int dp_esp_engine_init(struct dp_esp_engine *e);
void dp_esp_engine_free(struct dp_esp_engine *e);

/* The control lcore's list of outbound SAs, newest first; workers never read it. */
struct dp_spd {
    unsigned n;
    struct dp_esp_sa *sa[DP_MAX_OUT_SAS];
};

/* What the workers look outbound SAs up in (lib/dp/esp/spd.c). */
struct dp_spd_list;
struct dp_spd_index {
    struct rte_hash *host;    /* IPv4 host (network order) -> struct dp_spd_list * */
    struct dp_spd_list *wide; /* the SAs with wider remote selectors; atomic pointer */
    unsigned nhost;           /* keys in host (atomic): 0 skips the probe */
    struct rte_rcu_qsbr *qsbr;
};

int dp_spd_index_init(struct dp_spd_index *x, struct rte_rcu_qsbr *qsbr, char *err, size_t err_len);
void dp_spd_index_free(struct dp_spd_index *x);
/* Control lcore; each returns once no worker can still see what it replaced. */
int dp_spd_index_add(struct dp_spd_index *x, struct dp_esp_sa *sa);
void dp_spd_index_remove(struct dp_spd_index *x, struct dp_esp_sa *sa);
int dp_spd_index_replace(struct dp_spd_index *x, struct dp_esp_sa *old, struct dp_esp_sa *sa);

struct dp_sadb {
    struct rte_hash *in; /* SPI -> struct dp_esp_sa * */
    struct dp_spd *out;  /* control lcore only */
    struct dp_spd_index spd;
    uint64_t installs;   /* numbers each outbound SA (dp_esp_sa.installed) */
    unsigned next_owner; /* the worker the next SA half is dealt to (dp_esp_sa.owner) */
    struct rte_rcu_qsbr *qsbr;
    unsigned nworkers;
    uint32_t replay_window; /* for inbound SAs installed from now on (default 1024) */
    /* Workers to the control lcore: ESP from a NATed peer's new mapping (struct dp_rebind_msg). */
    struct rte_ring *rebind;
    uint64_t
        rebind_interval; /* timer cycles between two reports of an SA (DP_REBIND_INTERVAL_MS) */
};

int dp_sadb_init(struct dp_sadb *db, unsigned nworkers, char *err, size_t err_len);
void dp_sadb_free(struct dp_sadb *db);

/*
 * Control lcore: installs both directions of a Child SA. -ENOTSUP, with the
 * reason in `why`, for what the ESP engine cannot do (dp_esp_sa_supported):
 * such an SA is never installed half right.
 */
int dp_sadb_install(struct dp_sadb *db, const struct ike_child_sa *child, char *why,
                    size_t why_len);
/*
 * Control lcore: a manually keyed Child SA (configuration, not IKE). Without
 * `anti_replay` its inbound half checks no sequence numbers: a manually keyed
 * sender restarts its counter, so RFC 4303 3.3.3 has the receiver not rely on it.
 */
int dp_sadb_install_manual(struct dp_sadb *db, const struct ike_child_sa *child, bool anti_replay,
                           char *why, size_t why_len);
/*
 * Control lcore: the peer's outer address or port changed (a NAT rebinding,
 * a MOBIKE move, ESP in UDP switched on or off): the outbound SA of `child`
 * is replaced by one sending to child->local/remote with child->udp_encap,
 * its sequence numbers carried on (never reused) and its counters kept;
 * workers never wait. Inbound SAs are found by SPI alone and keep taking
 * ESP from anywhere; theirs is updated in place to the new peer address,
 * port and encapsulation, which only counting looks at (RFC 4555 3.12).
 * 0, -ENOENT, -ENOMEM or -ENOTSUP with why set.
 */
/* Per worker: what it may send between two quiescent states (a burst per port, at most 8). */
#define DP_UPDATE_SEQ_HEADROOM 256
int dp_sadb_update(struct dp_sadb *db, const struct ike_child_sa *child, char *why, size_t why_len);

/*
 * Control lcore, a few times a second: calls fn for every Child SA the
 * dataplane holds (by its outbound SA, with the inbound one of the same
 * Child SA when there is one) with its counts, and when they last moved
 * (now_ns when they moved since the previous call). The SAs' IKE SPIs may
 * be updated by fn (the IKE SA may have been rekeyed since).
 */
typedef void (*dp_traffic_fn)(void *arg, struct dp_esp_sa *out, struct dp_esp_sa *in,
                              const struct ike_child_traffic *t);
void dp_sadb_traffic(struct dp_sadb *db, uint64_t now_ns, dp_traffic_fn fn, void *arg);

/* Control lcore: removes both directions; returns once no worker can still be using them. */
int dp_sadb_remove(struct dp_sadb *db, const struct ike_child_sa *child);

/*
 * Control lcore: outbound SAs whose sequence numbers are running out and
 * that nobody asked to rekey yet; each is reported once. Returns how many of
 * at most `max` it wrote to `out` (the SAs stay valid until the next remove).
 */
unsigned dp_sadb_rekeys_wanted(struct dp_sadb *db, const struct dp_esp_sa **out, unsigned max);

/*
 * Control lcore, every loop: takes up to `max` (at most 32) rebinding
 * reports from the workers, and lets each SA report again (after the
 * interval). A report whose SA was removed meanwhile is left out.
 */
unsigned dp_sadb_rebinds(struct dp_sadb *db, struct dp_rebind *out, unsigned max);

/*
 * Worker: the owner of the inbound SA of the ESP packet whose ESP header is
 * `esp_off` bytes into m, or -1 when the SPI is unknown or the packet too
 * short to hold one (then the receiving worker drops and counts it itself).
 */
int dp_sadb_in_owner(const struct dp_sadb *db, const struct rte_mbuf *m, size_t esp_off);

/* Does the ESP engine do this Child SA? If not, why (for the log). */
bool dp_esp_sa_supported(const struct ike_child_sa *child, char *why, size_t why_len);

/*
 * Control lcore: a new SA for one direction (rte_zmalloc'd, keys prepared,
 * `replay_window` packets for inbound), or NULL with the reason in `why`.
 */
struct dp_esp_sa *dp_esp_sa_new(const struct ike_child_sa *child, bool inbound,
                                uint32_t replay_window, char *why, size_t why_len);

/*
 * Worker: the outbound SA whose selectors cover this inner IPv4 packet (its
 * header and `len` bytes in all, at least the 20 of the header: addresses,
 * and protocol and ports for the SAs whose selectors name them), or NULL.
 * Its outer family is the SA's own: IPv4 traffic may travel in IPv6 and the
 * reverse.
 */
struct dp_esp_sa *dp_spd_lookup(const struct dp_sadb *db, const struct rte_ipv4_hdr *ip,
                                size_t len);
/* The same for an inner IPv6 packet (at least its 40-byte header): IPv6 selectors only. */
struct dp_esp_sa *dp_spd_lookup6(const struct dp_sadb *db, const struct rte_ipv6_hdr *ip,
                                 size_t len);

/*
 * The longest inner packet (IPv4 or IPv6) `sa` can carry in an outer packet
 * of at most mtu bytes: mtu less the outer IPv4 or IPv6 (and UDP) header, ESP
 * header, IV, padding to the SA's block, trailer and ICV. 0 when nothing fits.
 */
size_t dp_esp_max_inner(const struct dp_esp_sa *sa, size_t mtu);

/*
 * Worker: encapsulates the IPv4 or IPv6 packet that starts `l3` bytes into m
 * (its Ethernet header is dropped) in the SA's outer family and leaves room in
 * front for a new Ethernet header. 0, or -1 with the drop counted.
 */
int dp_esp_encrypt(struct dp_esp_engine *eng, struct dp_esp_sa *sa, struct rte_mbuf *m, size_t l3,
                   struct dp_worker_counters *c);
/*
 * Worker: decapsulates the ESP packet whose ESP header is `esp_off` bytes into
 * m, an Ethernet frame with an outer IPv4 or IPv6 header (then ESP, or UDP
 * and ESP); on success m holds the inner IPv4 or IPv6 packet alone (room in
 * front for an Ethernet header), which the SA's selectors cover. 0, or -1
 * with the reason counted.
 */
int dp_esp_decrypt(struct dp_esp_engine *eng, const struct dp_sadb *db, struct rte_mbuf *m,
                   size_t esp_off, struct dp_worker_counters *c);

/*
 * Worker: the same for n packets at once, each with its own SA (GCM and CBC
 * mixed), in chunks of DP_ESP_BURST whose AES-CBC + HMAC jobs run in
 * intel-ipsec-mb's lanes together. ok[i] says whether m[i] came through;
 * each one that did not is counted for its own reason, and no other packet
 * is affected by it. The packets stay in their order.
 */
#define DP_ESP_BURST 32
void dp_esp_encrypt_burst(struct dp_esp_engine *eng, struct dp_esp_sa *const sa[],
                          struct rte_mbuf *const m[], size_t l3, unsigned n, bool ok[],
                          struct dp_worker_counters *c);
void dp_esp_decrypt_burst(struct dp_esp_engine *eng, const struct dp_sadb *db,
                          struct rte_mbuf *const m[], const size_t esp_off[], unsigned n, bool ok[],
                          struct dp_worker_counters *c);

#endif
