/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The first thing a worker does with a burst: sort each packet into what the
 * control lcore handles (IKE on 500, IKE after the non-ESP marker on 4500,
 * ARP, IPv6 neighbour solicitations and advertisements to our addresses or
 * their solicited-node groups), inbound ESP (plain, or in UDP on 4500, over
 * IPv4 or IPv6), fragments to us (to reassembly), plaintext to protect, or a
 * drop with its reason counted. IPv6 packets to us with extension headers
 * other than a Fragment header, hop-by-hop options anywhere,
 * and multicast or link-local traffic that is not neighbour discovery for us
 * are dropped and counted. Only headers are read; nothing is trusted beyond
 * what the lengths prove.
 */
#ifndef VEER_DP_CLASSIFY_H
#define VEER_DP_CLASSIFY_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_addrs.h"
#include "dp_counters.h"

enum dp_class {
    DP_CLASS_CONTROL, /* IKE, ARP or neighbour discovery: to the control lcore */
    DP_CLASS_ESP,     /* ESP for us, possibly in UDP (RFC 3948) */
    DP_CLASS_PLAIN,   /* IPv4 or IPv6 not for us: to be protected */
    DP_CLASS_DROP,    /* counted in c, to be freed */
    DP_CLASS_FRAG,    /* an IPv4 or IPv6 fragment for us: to reassembly (dp_reass.h) */
    DP_CLASS_ECHO,    /* an echo request to one of our addresses: answered here (dp_echo.h) */
};

/* local: the gateway's addresses (its ports' and anycast), the route table's in force. */
enum dp_class dp_classify(const struct rte_mbuf *m, const struct dp_addrs *local,
                          struct dp_worker_counters *c);

#endif
