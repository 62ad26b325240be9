/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker packet counters: one per class a packet can end in and one per
 * reason it can be dropped, so an operator can tell exactly where packets go.
 * Each worker writes only its own block (no atomics on the fast path);
 * telemetry sums them.
 */
#ifndef VEER_DP_COUNTERS_H
#define VEER_DP_COUNTERS_H

#include <stdint.h>

#include <rte_common.h>

#include "dp_frag_counters.h"

/*
 * Packets held for a next hop whose MAC is being asked for
 * (lib/dp/neigh/neigh_hold.c): held, sent once it answered, or dropped with
 * the reason.
 */
#define DP_NEIGH_HOLD_COUNTER_LIST(X)                                                              \
    X(neigh_held)              /* next hop's MAC unknown: held while an ARP request or NS went */  \
    X(neigh_hold_sent)         /* held packets sent, in order, once the neighbour answered */      \
    X(drop_neigh_hold_full)    /* its neighbour already had neighbour_hold packets held */         \
    X(drop_neigh_hold_total)   /* the worker already held neighbour_hold_total packets, or 128     \
                                  neighbours */                                                    \
    X(drop_neigh_hold_expired) /* held 3 s and the neighbour never answered */                     \
    X(drop_neigh_hold_stopped) /* still held when the worker stopped */

/*
 * Quick Crash Detection in the workers (lib/dp/worker/qcd.c): IKE messages
 * for an IKE SA the gateway does not know, answered with INVALID_IKE_SPI and
 * its token (RFC 6290) or, with the reason, handed on to the control lcore.
 * The qcd_no_reply_* follow IKE_QCD_NO_REPLY_LIST (lib/ike/qcd/ike_qcd.h).
 */
#define DP_QCD_COUNTER_LIST(X)                                                                     \
    X(qcd_replied)              /* answered in place: INVALID_IKE_SPI, then the token(s) */        \
    X(qcd_rate_limited)         /* would have been answered; over qcd_reply_rate: dropped */       \
    X(qcd_table_incomplete)     /* unknown SPI, but an insert failed: to the control lcore */      \
    X(qcd_no_reply_malformed)   /* not an IKEv2 header, or lengths that do not add up */           \
    X(qcd_no_reply_response)    /* a response: never answered */                                   \
    X(qcd_no_reply_sa_init)     /* IKE_SA_INIT, or a zero SPI */                                   \
    X(qcd_no_reply_unprotected) /* no SK or SKF first: anyone could send it */                     \
    X(qcd_no_reply_too_large)   /* the reply would be longer than the request */

#define DP_WORKER_COUNTER_LIST(X)                                                                  \
    X(rx_packets)                                                                                  \
    X(rx_bursts)                                                                                   \
    X(to_control) /* IKE and ARP handed to the control lcore */                                    \
    X(esp_in)     /* ESP and ESP-in-UDP for us */                                                  \
    X(plain_in)   /* plaintext to protect */                                                       \
    X(tx_packets)                                                                                  \
    X(drop_runt)           /* shorter than its headers say */                                      \
    X(drop_ethertype)      /* neither IPv4, IPv6 nor ARP */                                        \
    X(drop_ip_header)      /* bad IPv4 version, header length or total length */                   \
    X(drop_ip_fragment)    /* IPv4 and IPv6 fragments to us, reassembly off (flows 0) */           \
    X(drop_ip6_header)     /* bad IPv6 version, or a payload length beyond the frame */            \
    X(drop_ip6_hop_by_hop) /* IPv6 with hop-by-hop options: not processed, not forwarded */        \
    X(drop_ip6_ext_header) /* to us with routing, destination options, AH ... headers */           \
    X(drop_ip6_link_scope) /* multicast other than ND for us, link-local, unspecified */           \
    X(drop_not_for_us)     /* UDP/ESP to an address that is not ours */                            \
    X(drop_natt_keepalive)                                                                         \
    X(drop_other_proto)   /* to us, but neither ESP nor IKE */                                     \
    X(drop_ring_full)     /* the control ring was full: counted, never waited for */               \
    X(handoff_sent)       /* ESP or plaintext of an SA another worker owns, handed to it */        \
    X(handoff_received)   /* ... and taken from this worker's handoff ring as the owner */         \
    X(drop_handoff_full)  /* the owner's handoff ring was full: counted, never waited for */       \
    X(drop_no_esp_engine) /* ESP before the ESP engine is wired in */                              \
    X(drop_no_policy)     /* plaintext matching no Child SA */                                     \
    X(drop_tx_full)                                                                                \
    X(gate_admitted)        /* new IKE_SA_INIT let through to the control lcore */                 \
    X(gate_cookie_admitted) /* came back with a valid cookie: let through first */                 \
    X(gate_redirects)       /* answered by the worker with REDIRECT */                             \
    X(gate_cookies)         /* answered by the worker with COOKIE */                               \
    X(gate_ring_busy)       /* auto: over the control ring's room, answered statelessly */         \
    X(gate_malformed)       /* malformed IKE_SA_INIT: dropped before admission, spends no token */ \
    X(gate_cookie_first)    /* cookie-first: could have been redirected, asked for a cookie */     \
    X(gate_cookie_served_redirect_capable) /* ... came back with it: served here, not redirected   \
                                            */                                                     \
    X(gate_redirect_saturated) /* cookie-first: REDIRECT, the control lcore saturated */           \
    X(gate_redirect_over_rate) /* cookie-first: REDIRECT to a returned cookie, no token left */    \
    X(gate_cookies_demanded)   /* cookie-first: new requests outran the rate: cookies for all */   \
    X(redirect_weighted_round_robin) /* REDIRECTs by policy, as in force when sent */              \
    X(redirect_least_loaded)                                                                       \
    X(redirect_client_hash)                                                                        \
    X(redirect_anycast)         /* REDIRECTs to requests sent to an anycast address */             \
    X(redirect_origin_excluded) /* a target passed over: the client's REDIRECTED_FROM */           \
    X(redirect_no_target)       /* could be redirected, no target available: COOKIE instead */     \
    X(anycast_passed)           /* to an anycast address, no redirect support: gated as usual */   \
    X(esp_encrypted)                                                                               \
    X(esp_decrypted)                                                                               \
    X(esp_in_other_source) /* authentic, passed on, but not from the SA's peer: RFC 4555 3.12 */   \
    X(esp_rebind_notified) /* ... of a NATed peer: told the control lcore (RFC 7296 2.23) */       \
    X(esp_rebind_held_pending)  /* ... not told: the SA's last report not taken yet */             \
    X(esp_rebind_held_interval) /* ... not told: within DP_REBIND_INTERVAL_MS of the last */       \
    X(esp_rebind_ring_full)     /* ... not told: the rebinding ring was full */                    \
    X(esp_rebind_not_udp)       /* ... not told: plain ESP to an SA in UDP (no NAT did that) */    \
    X(drop_esp_runt)            /* shorter than ESP header, IV, trailer and ICV */                 \
    X(drop_esp_unknown_spi)     /* no inbound SA with this SPI */                                  \
    X(drop_esp_too_old)         /* sequence number below the replay window */                      \
    X(drop_esp_replayed)        /* sequence number seen before */                                  \
    X(drop_esp_bad_icv)         /* integrity check failed: forged or corrupted */                  \
    X(drop_esp_bad_length)      /* CBC: ciphertext not whole 16-byte blocks */                     \
    X(drop_esp_bad_trailer)     /* pad length longer than the payload, or inner header wrong */    \
    X(drop_esp_bad_padding)     /* padding not 1, 2, 3 ... (RFC 4303 2.4) */                       \
    X(drop_esp_bad_next_header) /* authentic, but next header not 4 or 41, or not the inner's */   \
    X(drop_esp_dummy)           /* next header 59: dummy packet (RFC 4303 2.6) */                  \
    X(drop_esp_policy_mismatch) /* authentic, inner addresses outside the SA's selectors */        \
    X(drop_esp_ipv6_ext_header) /* outer IPv6 next header not ESP or UDP: no extension headers */  \
    X(drop_esp_not_ip)          /* to encapsulate, but neither IPv4 nor IPv6 (a caller's bug) */   \
    X(drop_esp_no_room)         /* no head or tail room to encapsulate */                          \
    X(drop_esp_seq_exhausted)   /* outbound SA used every sequence number: never wraps */          \
    X(drop_esp_crypto_error)    /* intel-ipsec-mb refused a job (a bug, never expected) */         \
    X(drop_no_route)            /* destination on no connected subnet and no route to it */        \
    X(drop_no_neighbour) /* next hop's MAC unknown, holding off: an ARP request or NS went */      \
    DP_NEIGH_HOLD_COUNTER_LIST(X)                                                                  \
    X(nd_solicits)            /* IPv6 neighbour solicitations sent for a next hop */               \
    X(drop_ttl_expired)       /* TTL or hop limit 0 or 1 on a packet to forward: Time Exceeded */  \
    X(drop_frag_needed)       /* too big for the next link with DF set: Fragmentation Needed */    \
    X(drop_too_big)           /* too big, DF clear, and fragmenting failed (frag_* say why) */     \
    X(icmp_time_exceeded)     /* ICMP errors sent: type 11 code 0 */                               \
    X(icmp_frag_needed)       /* ICMP errors sent: type 3 code 4, with the next-hop MTU */         \
    X(drop_ip6_too_big)       /* IPv6 too big for the next link or tunnel: Packet Too Big */       \
    X(icmp6_time_exceeded)    /* ICMPv6 errors sent: type 3 code 0 */                              \
    X(icmp6_packet_too_big)   /* ICMPv6 errors sent: type 2, with the MTU that fits */             \
    X(icmp_suppressed)        /* not sent: about an ICMP error, to a broadcast or multicast, a     \
                                 non-first fragment, no single host as source (RFC 1812) */        \
    X(icmp_rate_limited)      /* not sent: this worker's token bucket was empty */                 \
    X(icmp_no_mbuf)           /* not sent: the mbuf pool was empty */                              \
    X(icmp_echo_replied)      /* echo requests to our addresses answered (ping, ping6) */          \
    X(icmp_echo_rate_limited) /* ... not answered: this worker's echo bucket was empty */          \
    X(icmp_echo_unanswered)   /* ... not answered: reassembled in segments, or over the MTU */     \
    DP_QCD_COUNTER_LIST(X)                                                                         \
    DP_FRAG_COUNTER_LIST(X)

#define DP_X_FIELD(n) uint64_t n;
struct dp_worker_counters {
    DP_WORKER_COUNTER_LIST(DP_X_FIELD)
} __rte_cache_aligned;
#undef DP_X_FIELD

#endif
