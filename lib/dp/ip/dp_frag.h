/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 fragmentation (RFC 791 2.3, 3.2) of packets without DF that are too
 * long for where they go: a plaintext packet before it is encrypted, so that
 * each fragment's ESP packet fits the outside link (RFC 4459 section 3,
 * "pre-fragmentation": the peer gateway reassembles nothing, the inner
 * destination does), and a decrypted or forwarded packet longer than its out
 * port's MTU.
 *
 * Each fragment is a copy in a fresh single-segment mbuf from the packet's
 * own pool, starting at its IPv4 header with the pool's headroom in front:
 * the ESP engine encrypts in place and needs head and tail room in one
 * writable segment, which the indirect mbufs of rte_ipv4_fragment_packet
 * (read-only views into the original's buffer, chained behind a header mbuf)
 * do not give, and the ports need no multi-segment TX. The copy costs one
 * pass over bytes the cipher reads anyway, on a path taken only by too-big
 * packets without DF (docs/fragmentation.md).
 */
#ifndef VEER_DP_FRAG_H
#define VEER_DP_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_counters.h"

/* The most fragments veer makes of one packet; more is a counted drop (frag_unfit). */
#define DP_FRAG_MAX 32

/*
 * Splits the IPv4 packet that starts `l3` bytes into m (one segment) into
 * fragments of at most `mtu` bytes, allocated from `pool`, into out[]. The
 * first carries the whole header; later ones only the options whose copied
 * flag is set (RFC 791 3.1). Offsets add to the packet's own (a fragment may
 * be fragmented again), the last keeps its MF flag, every other has MF set;
 * identification, TTL and the rest are the packet's; each header checksum is
 * new. m is left as it was. Returns the number of fragments, or -ENOMEM
 * (pool empty: nothing left allocated), -EMSGSIZE (more than max_out
 * fragments, or mtu below its header plus 8 bytes), -EINVAL (bad header,
 * lengths or options).
 */
int dp_frag_ipv4(const struct rte_mbuf *m, size_t l3, size_t mtu, struct rte_mempool *pool,
                 struct rte_mbuf **out, unsigned max_out);

/*
 * Worker: the same for a packet being forwarded, with the counting: m is
 * always consumed. On success the fragments are in out[] (frag_packets,
 * frag_fragments counted); on failure nothing is, the packet is dropped
 * (drop_too_big, and frag_no_mbuf or frag_unfit says why) and 0 returned.
 */
unsigned dp_frag_forward(struct rte_mbuf *m, size_t l3, size_t mtu, struct rte_mbuf **out,
                         struct dp_worker_counters *c);

#endif
