/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Does a Child SA's traffic selector set cover a packet? For the outbound
 * policy lookup (spd.c) and the inbound check of decrypted packets (esp.c).
 * A selector is an address range, a next layer protocol and a port range
 * (RFC 4301 4.4.1.1, RFC 7296 3.13.1). Inline: both callers are on the
 * per-packet path. Most SAs select on addresses alone (any protocol, any
 * port); their packets' L4 headers are never read: whether an SA needs them
 * is worked out once, when it is installed (dp_ts_set_needs_l4).
 */
#ifndef VEER_DP_ESP_TS_H
#define VEER_DP_ESP_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "ike.h"

static inline uint32_t dp_ts_addr4(const uint8_t *a)
{
    return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* `addr` in network order; IPv6 selectors never cover an IPv4 address. */
static inline bool dp_ts_set_covers4(const struct ike_ts_set *s, uint32_t addr)
{
    uint32_t a = rte_be_to_cpu_32(addr);
    for (unsigned i = 0; i < s->nts; i++) {
        const struct ike_ts *ts = &s->ts[i];
        if (ts->type == IKE_TS_IPV4_ADDR_RANGE && a >= dp_ts_addr4(ts->start_addr) &&
            a <= dp_ts_addr4(ts->end_addr))
            return true;
    }
    return false;
}

/* Byte-wise comparison of network-order addresses is numeric comparison. */
static inline bool dp_ts_set_covers6(const struct ike_ts_set *s, const uint8_t addr[16])
{
    for (unsigned i = 0; i < s->nts; i++) {
        const struct ike_ts *ts = &s->ts[i];
        if (ts->type == IKE_TS_IPV6_ADDR_RANGE && memcmp(addr, ts->start_addr, 16) >= 0 &&
            memcmp(addr, ts->end_addr, 16) <= 0)
            return true;
    }
    return false;
}

/* ---- protocol and ports ---- */

/*
 * What a packet shows a selector besides its addresses. Ports are OPAQUE
 * (RFC 4301 4.4.1.1) when they cannot be read: a non-first fragment, a
 * protocol without ports, a header cut short. ICMP and ICMPv6 carry type << 8
 * | code in both ports, the IPv6 Mobility Header its MH type << 8 (RFC 4301
 * 4.4.1.1, RFC 7296 3.13.1): one value that the source's and the
 * destination's selector must both take.
 */
struct dp_ts_l4 {
    bool proto_known; /* false: an IPv6 extension header chain not walked to its end */
    bool ports_known;
    uint8_t proto;
    uint16_t src_port, dst_port; /* host order */
};

/* Read from an IPv4 (at least 20 bytes) or IPv6 (at least 40) packet of `len` bytes (ts_l4.c). */
void dp_ts_l4_read4(const uint8_t *ip, size_t len, struct dp_ts_l4 *out);
void dp_ts_l4_read6(const uint8_t *ip, size_t len, struct dp_ts_l4 *out);

static inline bool dp_ts_any_ports(const struct ike_ts *ts)
{
    return ts->start_port == 0 && ts->end_port == 0xffff;
}

/* Does some selector of the set name a protocol or ports? Then matching needs the L4 header. */
static inline bool dp_ts_set_needs_l4(const struct ike_ts_set *s)
{
    for (unsigned i = 0; i < s->nts; i++) {
        if (s->ts[i].ip_proto != 0 || !dp_ts_any_ports(&s->ts[i]))
            return true;
    }
    return false;
}

/*
 * Does the selector take the packet's protocol and `port` (its source port
 * for a selector of the source)? ANY ports take every packet, OPAQUE (start
 * 65535, end 0) only those whose ports cannot be read, a range only ports
 * read and within it (RFC 4301 4.4.1.1 and 7: non-first fragments match ANY
 * or OPAQUE alone; veer keeps no fragment state, 7.3).
 */
static inline bool dp_ts_l4_ok(const struct ike_ts *ts, const struct dp_ts_l4 *l4, uint16_t port)
{
    if (ts->ip_proto != 0 && (!l4->proto_known || ts->ip_proto != l4->proto))
        return false;
    if (dp_ts_any_ports(ts))
        return true;
    if (!l4->ports_known)
        return ts->start_port == 0xffff && ts->end_port == 0;
    return ts->start_port <= port && port <= ts->end_port;
}

static inline bool dp_ts_set_covers4_l4(const struct ike_ts_set *s, uint32_t addr,
                                        const struct dp_ts_l4 *l4, uint16_t port)
{
    uint32_t a = rte_be_to_cpu_32(addr);
    for (unsigned i = 0; i < s->nts; i++) {
        const struct ike_ts *ts = &s->ts[i];
        if (ts->type == IKE_TS_IPV4_ADDR_RANGE && a >= dp_ts_addr4(ts->start_addr) &&
            a <= dp_ts_addr4(ts->end_addr) && dp_ts_l4_ok(ts, l4, port))
            return true;
    }
    return false;
}

static inline bool dp_ts_set_covers6_l4(const struct ike_ts_set *s, const uint8_t addr[16],
                                        const struct dp_ts_l4 *l4, uint16_t port)
{
    for (unsigned i = 0; i < s->nts; i++) {
        const struct ike_ts *ts = &s->ts[i];
        if (ts->type == IKE_TS_IPV6_ADDR_RANGE && memcmp(addr, ts->start_addr, 16) >= 0 &&
            memcmp(addr, ts->end_addr, 16) <= 0 && dp_ts_l4_ok(ts, l4, port))
            return true;
    }
    return false;
}

/*
 * A packet being matched against SAs: its L4 fields are read the first time
 * an SA's selectors need them, and once only however many SAs are tried.
 */
struct dp_ts_pkt {
    const uint8_t *ip; /* its IPv4 or IPv6 header */
    size_t len;        /* bytes of it there (at least the fixed header) */
    bool read;
    struct dp_ts_l4 l4;
};

static inline void dp_ts_pkt_init(struct dp_ts_pkt *p, const void *ip, size_t len)
{
    p->ip = (const uint8_t *)ip;
    p->len = len;
    p->read = false;
}

static inline const struct dp_ts_l4 *dp_ts_pkt_l4(struct dp_ts_pkt *p)
{
    if (!p->read) {
        if ((p->ip[0] >> 4) == 6)
            dp_ts_l4_read6(p->ip, p->len, &p->l4);
        else
            dp_ts_l4_read4(p->ip, p->len, &p->l4);
        p->read = true;
    }
    return &p->l4;
}

/*
 * Do the selector sets cover the IPv4 packet: its source `src`, its
 * destination `dst` (outbound: ours, then the peer's; inbound the reverse)?
 * `l4`: whether either set names protocols or ports. Addresses first: an SA
 * they rule out costs no L4 read.
 */
static inline bool dp_ts_covers4(const struct ike_ts_set *src, const struct ike_ts_set *dst,
                                 bool l4, struct dp_ts_pkt *p)
{
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p->ip;
    if (!dp_ts_set_covers4(src, ip->src_addr) || !dp_ts_set_covers4(dst, ip->dst_addr))
        return false;
    if (!l4)
        return true;
    const struct dp_ts_l4 *f = dp_ts_pkt_l4(p);
    return dp_ts_set_covers4_l4(src, ip->src_addr, f, f->src_port) &&
           dp_ts_set_covers4_l4(dst, ip->dst_addr, f, f->dst_port);
}

static inline bool dp_ts_covers6(const struct ike_ts_set *src, const struct ike_ts_set *dst,
                                 bool l4, struct dp_ts_pkt *p)
{
    const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)p->ip;
    if (!dp_ts_set_covers6(src, ip->src_addr) || !dp_ts_set_covers6(dst, ip->dst_addr))
        return false;
    if (!l4)
        return true;
    const struct dp_ts_l4 *f = dp_ts_pkt_l4(p);
    return dp_ts_set_covers6_l4(src, ip->src_addr, f, f->src_port) &&
           dp_ts_set_covers6_l4(dst, ip->dst_addr, f, f->dst_port);
}

#endif
