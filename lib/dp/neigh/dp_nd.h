/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 neighbour discovery messages (RFC 4861): the neighbour solicitations
 * and advertisements veer reads and writes, as buffers in and mbufs out, so
 * the control lcore (answers, learning) and the workers (resolving a next
 * hop) build them the same way and the tests and fuzzer can reach the
 * parser without ports. Router discovery and redirects are not done: veer's
 * routes are static.
 */
#ifndef VEER_DP_ND_H
#define VEER_DP_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#define DP_ICMP6_NEIGHBOR_SOLICIT 135
#define DP_ICMP6_NEIGHBOR_ADVERT 136
#define DP_ND_MIN_LEN 24    /* type, code, checksum, reserved or flags, target address */
#define DP_ND_HOP_LIMIT 255 /* sent with, and required on receipt: from this link only */

/* Neighbour advertisement flags (the first byte after the checksum). */
#define DP_ND_FLAG_ROUTER 0x80
#define DP_ND_FLAG_SOLICITED 0x40
#define DP_ND_FLAG_OVERRIDE 0x20

/* Why a message was refused (RFC 4861 7.1.1 and 7.1.2), each counted by the control lcore. */
enum dp_nd_verdict {
    DP_ND_OK,
    DP_ND_BAD_HOP_LIMIT, /* not 255: routed here from elsewhere, never trusted */
    DP_ND_BAD_CHECKSUM,
    DP_ND_MALFORMED, /* lengths, code, a multicast target, options, DAD rules */
};

struct dp_nd_msg {
    uint8_t type;  /* DP_ICMP6_NEIGHBOR_SOLICIT or _ADVERT */
    uint8_t flags; /* advertisements: DP_ND_FLAG_* */
    uint8_t src[16], dst[16], target[16];
    bool has_lladdr; /* a source (solicitation) or target (advertisement) link-layer option */
    struct rte_ether_addr lladdr;
};

/*
 * An NS or NA at l3 (its IPv6 header; l3_len bytes in the buffer) checked as
 * RFC 4861 says a node must before acting on it: hop limit 255, checksum,
 * code 0, at least 24 bytes, a unicast target, options of non-zero length
 * within the message, and for a solicitation from the unspecified address
 * (duplicate address detection) a solicited-node destination and no source
 * link-layer option; an advertisement to a multicast address must not claim
 * to be solicited. Unknown options are skipped.
 */
enum dp_nd_verdict dp_nd_parse(const uint8_t *l3, size_t l3_len, struct dp_nd_msg *out);

/* ff02::1:ffXX:XXXX for ip (RFC 4291 2.7.1). */
void dp_nd_solicited_node(const uint8_t ip[16], uint8_t group[16]);

/* The Ethernet address of an IPv6 multicast group: 33:33 and its last 4 bytes (RFC 2464 7). */
void dp_nd_multicast_mac(const uint8_t group[16], struct rte_ether_addr *mac);

/*
 * Writes a whole frame into the empty mbuf m: a solicitation for `target`
 * from our address src_ip with our MAC as source link-layer option, to the
 * target's solicited-node group and its multicast MAC. false: no room.
 */
bool dp_nd_build_solicit(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                         const uint8_t src_ip[16], const uint8_t target[16]);

/*
 * The same solicitation sent by unicast to target at the MAC we know for it:
 * the probe of an entry due for confirmation (RFC 4861 7.3.3). false: no room.
 */
bool dp_nd_build_probe(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                       const uint8_t src_ip[16], const uint8_t target[16],
                       const struct rte_ether_addr *dst_mac);

/*
 * Writes an advertisement of our `target` address with our MAC as target
 * link-layer option and the override flag: solicited, to dst_ip at dst_mac,
 * in answer to a solicitation; or, for one from the unspecified address,
 * unsolicited to all nodes (dst_ip NULL). false: no room.
 */
bool dp_nd_build_advert(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
                        const uint8_t target[16], const uint8_t *dst_ip,
                        const struct rte_ether_addr *dst_mac);

#endif
