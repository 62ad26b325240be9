/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Post-fragmentation (RFC 4459 section 3): a sealed ESP packet longer than
 * the outside link's MTU leaves in outer IP fragments, which the peer
 * gateway reassembles before it decrypts. veer does it for one case only:
 * an inner IPv6 packet of at most 1280 bytes in a tunnel whose inner MTU is
 * below that. IPv6 promises every link 1280 bytes (RFC 8200 5) and a sender
 * never goes below it, whatever Packet Too Big says, so such a tunnel must
 * carry them in pieces below IPv6; veer is the outer packet's source, so it
 * may fragment it in either outer family (no DF on its IPv4 header; its own
 * Fragment header in IPv6). Everything else too big for the tunnel is
 * answered (Packet Too Big, Fragmentation Needed) or pre-fragmented before
 * encryption (dp_frag.h), as docs/fragmentation.md explains.
 */
#ifndef VEER_DP_POST_FRAG_H
#define VEER_DP_POST_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_counters.h"

/*
 * One worker's identifications for the outer fragments it makes: worker w
 * of N takes only those equal to w modulo N, so two workers sending
 * fragments to the same peer never reuse each other's (IPv4's 16 bits
 * included), each a counter from a random start (RFC 7739 5: not guessable
 * from outside) that steps by N and wraps within its residue.
 */
struct dp_frag_ids {
    uint32_t next4; /* IPv4, below 2^16 */
    uint32_t next6; /* IPv6 Fragment header */
    uint32_t step;  /* N; 0 (never initialised) is taken as 1 */
};

/* Random starts for worker `index` of `nworkers` (OpenSSL's RAND_bytes; aborts without). */
void dp_frag_ids_init(struct dp_frag_ids *ids, unsigned index, unsigned nworkers);
/* The next identification for a fragmented packet of `family` (4 or 6). */
uint32_t dp_frag_ids_next(struct dp_frag_ids *ids, uint8_t family);

/*
 * Worker: m holds a sealed packet as dp_esp_encrypt leaves it (data at the
 * outer IPv4 or IPv6 header veer wrote, then ESP or UDP and ESP), longer
 * than `mtu`. It is cut into fragments of at most mtu bytes in fresh mbufs
 * from m's pool (dp_src_fragment), each starting at its IP header with room
 * in front for Ethernet, into out[] (at most DP_POST_FRAG_MAX); m is always
 * consumed. Counts esp_outer_fragmented and esp_outer_fragments; on failure
 * returns 0, nothing in out[], drop_too_big counted with frag_no_mbuf or
 * frag_unfit.
 */
#define DP_POST_FRAG_MAX 32
unsigned dp_post_fragment(struct rte_mbuf *m, size_t mtu, struct dp_frag_ids *ids,
                          struct rte_mbuf **out, struct dp_worker_counters *c);

#endif
