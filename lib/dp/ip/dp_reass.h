/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly of IPv4 and IPv6 fragments addressed to the gateway (RFC 791
 * 3.2, RFC 8200 4.5): ESP or ESP-in-UDP from a peer that fragments after
 * encryption (Linux does), and IKE messages fragmented at the IP layer by a
 * peer without IKE fragmentation (RFC 7383). IPv6 fragments meet IPv6's own
 * rules first (reass6.c: the Fragment header right after the fixed header,
 * the whole UDP or ESP header in the first fragment, atomic fragments taken
 * as whole packets). Each worker has one librte_ip_frag table for both,
 * bounded in datagrams (`flows`), fragments per datagram (8:
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG of Debian's DPDK build) and time; what it
 * gives up goes to a death row freed after every burst. A datagram made
 * whole is returned in one contiguous segment (ESP and the control lcore
 * read packets in place) and classified again like any arriving frame.
 * Fragments passing through the gateway are not reassembled: they are
 * protected (or forwarded) as they are.
 */
#ifndef VEER_DP_REASS_H
#define VEER_DP_REASS_H

#include <stdint.h>

#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "dp_counters.h"

struct dp_reass {
    struct rte_ip_frag_tbl *tbl; /* NULL: reassembly off, fragments to us are dropped */
    struct rte_ip_frag_death_row dr;
    /* For datagrams longer than the first fragment's mbuf holds; NULL: those are dropped. */
    struct rte_mempool *big;
};

/*
 * A table for up to `flows` datagrams in reassembly at once (0: off, r->tbl
 * NULL), each given `timeout_ms` from its first fragment; `big`, the pool
 * whole datagrams are copied into when they do not fit the first fragment's
 * mbuf. 0, or -1 with the reason in err.
 */
int dp_reass_init(struct dp_reass *r, unsigned flows, unsigned timeout_ms, uint64_t tsc_hz,
                  struct rte_mempool *big, int socket, char *err, size_t err_len);
/* Frees the table and every fragment it still holds. */
void dp_reass_free(struct dp_reass *r);

/*
 * Worker: takes a fragment (a frame dp_classify called DP_CLASS_FRAG) at
 * time `now` (TSC cycles). Returns the whole datagram as one segment,
 * Ethernet header in front, once its last missing fragment arrived (an IPv6
 * atomic fragment at once, its Fragment header taken out); NULL while it is
 * incomplete or when it was refused or given up (counted, with the reason).
 * m is consumed either way. Call dp_reass_flush before more than DP_BURST
 * fragments went in.
 */
struct rte_mbuf *dp_reass_input(struct dp_reass *r, struct rte_mbuf *m, uint64_t now,
                                struct dp_worker_counters *c);
/* Worker: frees what the table gave up since the last call (its death row). */
void dp_reass_flush(struct dp_reass *r);
/* Worker: gives up datagrams older than the timeout (reass_timeouts), and flushes. */
void dp_reass_expire(struct dp_reass *r, uint64_t now, struct dp_worker_counters *c);

#endif
