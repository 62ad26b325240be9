/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker counters of fragmentation (frag.c) and reassembly
 * (reass.c), kept apart from dp_counters.h's list so that each concern
 * names its own; they are part of struct dp_worker_counters all the same.
 */
#ifndef VEER_DP_FRAG_COUNTERS_H
#define VEER_DP_FRAG_COUNTERS_H

#define DP_FRAG_COUNTER_LIST(X)                                                                    \
    X(frag_packets)    /* too big without DF: fragmented (before ESP, or for the out port) */      \
    X(frag_fragments)  /* fragments made of them */                                                \
    X(frag_no_mbuf)    /* could not fragment: the mbuf pool was empty (drop_too_big too) */        \
    X(frag_unfit)      /* could not: > 32 fragments, MTU < header + 8 or > an mbuf, bad options */ \
    X(reass_fragments) /* IPv4 fragments to one of our addresses, taken for reassembly */          \
    X(reass_packets)   /* datagrams made whole, then classified like any packet */                 \
    X(reass_invalid)   /* datagrams given up: duplicate, overlapping, a hole, > 8 fragments,       \
                          an empty or misaligned fragment, longer than 65535 */                    \
    X(reass_timeouts)  /* fragments freed: their datagram was not whole within the timeout */      \
    X(reass_table_full) /* fragments refused: every slot of the table held a live datagram */      \
    X(reass_no_mbuf)    /* whole, but no mbuf to hold it in one piece (or longer than max_size) */

#endif
