/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker counters of fragmentation (frag.c, post_frag.c) and
 * reassembly (reass.c), kept apart from dp_counters.h's list so that each
 * concern names its own; they are part of struct dp_worker_counters all the
 * same. A failed post-fragmentation counts drop_too_big and frag_no_mbuf or
 * frag_unfit, as a failed pre-fragmentation does.
 * reass_invalid counts every fragment or datagram refused as malformed; the
 * counters after it that say "of reass_invalid" name the reasons it has.
 */
#ifndef VEER_DP_FRAG_COUNTERS_H
#define VEER_DP_FRAG_COUNTERS_H

#define DP_FRAG_COUNTER_LIST(X)                                                                    \
    X(frag_packets)   /* too big without DF: fragmented (before ESP, or for the out port) */       \
    X(frag_fragments) /* fragments made of them */                                                 \
    X(frag_no_mbuf)   /* could not fragment: the mbuf pool was empty (drop_too_big too) */         \
    X(frag_unfit)     /* could not: > 32 fragments, MTU < header + 8 or > an mbuf, bad options */  \
    X(esp_outer_fragmented) /* ESP packets sent in outer fragments: IPv6 of up to 1280 bytes in a  \
                               tunnel narrower than that (post-fragmentation, RFC 4459 3) */       \
    X(esp_outer_fragments)  /* the outer fragments made of them */                                 \
    X(reass_fragments)      /* IPv4 and IPv6 fragments to one of our addresses, taken in */        \
    X(reass_packets)        /* datagrams made whole, then classified like any packet */            \
    X(reass_invalid)  /* datagrams given up and fragments refused: the reasons below, and a hole,  \
                         data past the last fragment, an empty or misaligned fragment */           \
    X(reass_overlap)  /* of reass_invalid: a fragment overlapping another, or the same twice */    \
    X(reass_too_many) /* of reass_invalid: more than 8 fragments in one datagram */                \
    X(reass_too_long) /* of reass_invalid: a fragment ending past 65535 bytes of data */           \
    X(reass6_bad_chain) /* of reass_invalid: IPv6 Fragment header not right after the IPv6         \
                           header, an extension header behind it, or a first fragment without      \
                           its whole UDP or ESP header (RFC 7112) */                               \
    X(reass6_atomic)    /* IPv6 atomic fragments (offset 0, no M flag): taken as whole packets,    \
                           apart from any other fragment (RFC 6946) */                             \
    X(reass_timeouts)   /* fragments freed: their datagram was not whole within the timeout */     \
    X(reass_table_full) /* fragments refused: every slot of the table held a live datagram */      \
    X(reass_no_mbuf)    /* whole, but no mbuf to hold it in one piece (or longer than max_size) */

#endif
