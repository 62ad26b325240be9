/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Echo requests to the gateway's own addresses (ping, ping6) answered by the
 * worker that received them, as operators expect of a router (RFC 1122
 * 3.2.2.6, RFC 4443 4.1), through a token bucket of their own so that a ping
 * flood neither amplifies nor starves the ICMP errors (PMTU discovery) of
 * the other bucket.
 */
#ifndef VEER_DP_ECHO_H
#define VEER_DP_ECHO_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_counters.h"
#include "dp_icmp_limit.h"

/*
 * m (classified DP_CLASS_ECHO: an ICMP echo request or ICMPv6 echo request to
 * one of our unicast addresses) is turned into its reply in place: MACs and
 * addresses swapped, type 0 or 129, TTL or hop limit 64, checksums. True: send
 * m back out of the port it came in by; false: counted, for the caller to
 * free (bucket empty; a reassembled request in several segments, or one
 * whose reply would not fit the port's MTU: the reply is never fragmented).
 */
bool dp_echo_answer(struct dp_icmp_limiter *l, struct rte_mbuf *m, unsigned mtu,
                    uint64_t now_cycles, struct dp_worker_counters *c);

#endif
