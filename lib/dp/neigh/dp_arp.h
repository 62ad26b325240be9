/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP messages (RFC 826) over Ethernet, IPv4's counterpart of dp_nd.h: the
 * requests and replies veer sends, built one way for the control lcore
 * (answers, aging probes, its own next hops) and the workers (resolving a
 * next hop).
 */
#ifndef VEER_DP_ARP_H
#define VEER_DP_ARP_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

/*
 * Writes a whole frame into the empty mbuf m: ARP `op` (RTE_ARP_OP_REQUEST
 * or _REPLY) from src_mac/sender_ip about target_ip, to dst_mac (NULL:
 * broadcast). A request's target hardware address is zero even when sent by
 * unicast (it is what it asks for); a reply's is dst_mac.
 */
void dp_arp_build(struct rte_mbuf *m, const struct rte_ether_addr *src_mac, uint16_t op,
                  const struct rte_ether_addr *dst_mac, uint32_t sender_ip, uint32_t target_ip);

#endif
