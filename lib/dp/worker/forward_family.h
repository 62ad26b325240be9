/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/dp/worker: the few header fields and lookups in which IPv4 and
 * IPv6 forwarding differ, behind one name each. Every function takes the
 * family as an argument the caller passes as a constant, and is always
 * inlined: the branch on it folds away, so each family's path compiles to
 * what a copy written for that family alone would.
 */
#ifndef VEER_DP_FORWARD_FAMILY_H
#define VEER_DP_FORWARD_FAMILY_H

#include <string.h>

#include <rte_common.h>
#include <rte_ip.h>

#include "dp_esp.h"
#include "dp_pkt.h"
#include "forward_priv.h"

/* TTL (IPv4) or hop limit (IPv6). */
static __rte_always_inline unsigned fwd_ttl(unsigned family, const void *l3)
{
    if (family == 6)
        return ((const struct rte_ipv6_hdr *)l3)->hop_limits;
    return ((const struct rte_ipv4_hdr *)l3)->time_to_live;
}

/* The packet's length by its own header: IPv4 total length, IPv6 header and payload. */
static __rte_always_inline size_t fwd_len(unsigned family, const void *l3)
{
    if (family == 6)
        return sizeof(struct rte_ipv6_hdr) +
               rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)l3)->payload_len);
    return rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)l3)->total_length);
}

/* One hop less; IPv4's header checksum follows (IPv6 has none). */
static __rte_always_inline void fwd_decrement(unsigned family, void *l3)
{
    if (family == 6)
        ((struct rte_ipv6_hdr *)l3)->hop_limits--;
    else
        dp_ipv4_decrement_ttl((struct rte_ipv4_hdr *)l3);
}

/* The Child SA whose selectors cover the packet (len bytes at l3), or NULL. */
static __rte_always_inline struct dp_esp_sa *fwd_policy(unsigned family, const struct dp_sadb *db,
                                                        const void *l3, size_t len)
{
    if (family == 6)
        return dp_spd_lookup6(db, (const struct rte_ipv6_hdr *)l3, len);
    return dp_spd_lookup(db, (const struct rte_ipv4_hdr *)l3, len);
}

/* Where the destination address lies in the packet's header. */
static __rte_always_inline const void *fwd_dst(unsigned family, const void *l3)
{
    if (family == 6)
        return ((const struct rte_ipv6_hdr *)l3)->dst_addr;
    return &((const struct rte_ipv4_hdr *)l3)->dst_addr;
}

/* The next hop to dst (network order, 4 or 16 bytes by family); false: no route. */
static __rte_always_inline bool fwd_route(const struct dp_worker *w, unsigned family,
                                          const void *dst, struct dp_fwd_hop *hop)
{
    hop->family = (uint8_t)family;
    if (w->routes == NULL)
        return false;
    if (family == 6) {
        if (!dp_route_lookup6(w->routes, dst, &hop->v6))
            return false;
        hop->port_index = hop->v6.port_index;
        return true;
    }
    uint32_t dst4;
    memcpy(&dst4, dst, sizeof(dst4));
    if (!dp_route_lookup(w->routes, dst4, &hop->v4))
        return false;
    hop->port_index = hop->v4.port_index;
    return true;
}

/*
 * The largest inner packet the tunnel takes through a link of `link_mtu`:
 * the link's less sa's overhead, but for IPv6 never below its 1280 (RFC 8200
 * 5): up to that the sealed packet leaves in outer fragments
 * (dp_post_frag.h).
 */
static __rte_always_inline size_t fwd_tunnel_mtu(unsigned family, const struct dp_esp_sa *sa,
                                                 size_t link_mtu)
{
    size_t mtu = dp_esp_max_inner(sa, link_mtu);
    return family == 6 ? RTE_MAX(mtu, (size_t)DP_IP6_MIN_MTU) : mtu;
}

#endif
