/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/dp: what reass.c (the table and its bookkeeping, both families)
 * and each family's front end share: reass4.c and reass6.c read a fragment's
 * headers, apply the family's own rules, and hand it to librte_ip_frag in
 * the family's call.
 */
#ifndef VEER_DP_REASS_PRIV_H
#define VEER_DP_REASS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "dp_counters.h"

#define DP_REASS_UNIT 8         /* fragment offsets count 8-byte units, in both families */
#define DP_REASS_MAX_DATA 65535 /* IPv4 total length, IPv6 payload length: 16 bits */

/* A fragment's datagram and its place in it, read from its own headers. */
struct dp_frag_id {
    uint8_t family;  /* 4 or 6 */
    uint8_t key[36]; /* source, destination, identification: the library's key */
    size_t key_len;
    size_t ofs, len; /* data bytes: where this fragment's start, and how many */
    bool more;       /* MF / M flag */
};

/*
 * Reads a fragment (an Ethernet frame whose headers the classifier and the
 * checks before the table passed). false: not one (IPv6 without a Fragment
 * header right after the fixed header).
 */
bool dp_reass_identify(const struct rte_mbuf *m, struct dp_frag_id *f);
void dp_reass4_identify(const struct rte_mbuf *m, struct dp_frag_id *f);
bool dp_reass6_identify(const struct rte_mbuf *m, struct dp_frag_id *f);

enum dp_reass_verdict {
    DP_REASS_TAKE,   /* a fragment for the table: f filled */
    DP_REASS_ATOMIC, /* IPv6, offset 0 and no M flag: a whole packet (RFC 6946) */
    DP_REASS_REFUSE, /* dropped, its reason counted; the caller frees m */
};

/*
 * A fragment's family rules before the table. IPv4 has none beyond what
 * reass.c checks for both: every fragment is taken. IPv6: the Fragment
 * header right after the fixed header, and in a first fragment UDP or ESP
 * after it, whole (RFC 7112). f is filled when the verdict is TAKE.
 */
enum dp_reass_verdict dp_reass4_check(const struct rte_mbuf *m, struct dp_frag_id *f,
                                      struct dp_worker_counters *c);
enum dp_reass_verdict dp_reass6_check(const struct rte_mbuf *m, struct dp_frag_id *f,
                                      struct dp_worker_counters *c);

/* An atomic fragment without its Fragment header, in place: the packet it stands for. */
struct rte_mbuf *dp_reass6_unwrap_atomic(struct rte_mbuf *m);

/*
 * Gives a checked fragment (Ethernet frame) to the table in its family's
 * call, setting the mbuf's l2_len and l3_len as the library needs them:
 * the library's answer, the whole datagram (still chained, its IPv4 header
 * checksum filled) or NULL.
 */
struct rte_mbuf *dp_reass4_submit(struct rte_ip_frag_tbl *tbl, struct rte_ip_frag_death_row *dr,
                                  struct rte_mbuf *m, uint64_t now);
struct rte_mbuf *dp_reass6_submit(struct rte_ip_frag_tbl *tbl, struct rte_ip_frag_death_row *dr,
                                  struct rte_mbuf *m, uint64_t now);

#endif
