/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inbound anti-replay window (RFC 4303 3.4.3) and the inference of the
 * high-order 32 bits of an extended sequence number (RFC 4303 Appendix A2).
 *
 * The window is a ring of 64-bit words (the scheme of RFC 6479): sliding it
 * forward clears only the words it moves into, so a large window costs no
 * more per packet than a small one, where shifting one long bitmap would
 * cost a pass over all of it. The ring has a power-of-two number of words and
 * one word more than the window needs, so the word the newest packet lands
 * in never aliases one still inside the window.
 *
 * Pure functions on caller-owned memory: no DPDK, no allocation, testable
 * alone. Only an inbound SA's owner worker opens its packets (others hand
 * them to it: lib/dp/worker/dp_handoff.h), so there is no synchronisation here.
 */
#ifndef VEER_DP_ESP_REPLAY_H
#define VEER_DP_ESP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_REPLAY_WINDOW_MIN 64
#define DP_REPLAY_WINDOW_MAX 4096
/*
 * 1024 packets: at 4 Mpps on one SA that is 250 us of reordering (RSS
 * across queues, a peer's multi-core sender), where RFC 4303's minimum of 64
 * is 16 us; it costs 136 bytes per inbound SA.
 */
#define DP_REPLAY_WINDOW_DEFAULT 1024

struct dp_replay {
    uint64_t top;    /* highest authenticated sequence number (all 64 bits with ESN) */
    uint32_t window; /* packets below and including top that are still accepted */
    uint32_t mask;   /* words in the ring - 1 */
    uint64_t *bits;  /* the ring: bit (n % 64) of word (n / 64) % words is sequence number n */
};

/* Words the ring needs for a window of `window` packets. */
size_t dp_replay_words(uint32_t window);

/* Sets up an empty window over `bits` (dp_replay_words(window) zeroed words). */
void dp_replay_init(struct dp_replay *r, uint32_t window, uint64_t *bits);

enum dp_replay_verdict { DP_REPLAY_OK, DP_REPLAY_TOO_OLD, DP_REPLAY_SEEN };

/* Before the ICV: may this sequence number be new? Sequence number 0 is never sent. */
enum dp_replay_verdict dp_replay_check(const struct dp_replay *r, uint64_t seq);

/* After the ICV proved the packet genuine: marks it seen, sliding the window if it is newer. */
void dp_replay_update(struct dp_replay *r, uint64_t seq);

/*
 * RFC 4303 A2.2: the full 64-bit sequence number a packet carrying the low
 * 32 bits `seq_lo` most likely has, given the window. 0 (never valid) when
 * the guess would lie below 0 or above 2^64 - 1: the packet is then dropped
 * as too old.
 */
uint64_t dp_esn_infer(const struct dp_replay *r, uint32_t seq_lo);

#endif
