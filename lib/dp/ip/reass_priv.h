/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/dp: what reass.c (the table, both families) and reass6.c (the
 * rules only IPv6 fragments have) share.
 */
#ifndef VEER_DP_REASS_PRIV_H
#define VEER_DP_REASS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
bool dp_reass6_identify(const struct rte_mbuf *m, struct dp_frag_id *f);

enum dp_reass6_verdict {
    DP_REASS6_TAKE,   /* a fragment for the table: f filled */
    DP_REASS6_ATOMIC, /* offset 0 and no M flag: a whole packet (RFC 6946) */
    DP_REASS6_REFUSE, /* dropped, its reason counted; the caller frees m */
};

/*
 * The rules for an IPv6 fragment to us beyond the IPv4 ones: the Fragment
 * header right after the fixed header, and in a first fragment UDP or ESP
 * after it, whole (RFC 7112). Fills f when the verdict is TAKE.
 */
enum dp_reass6_verdict dp_reass6_check(const struct rte_mbuf *m, struct dp_frag_id *f,
                                       struct dp_worker_counters *c);

/* An atomic fragment without its Fragment header, in place: the packet it stands for. */
struct rte_mbuf *dp_reass6_unwrap_atomic(struct rte_mbuf *m);

#endif
