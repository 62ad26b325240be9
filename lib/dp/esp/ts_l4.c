/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The next layer protocol and ports of a packet, for the SAs whose traffic
 * selectors name them (dp_esp_ts.h). Every read is bounded by the bytes the
 * packet has, by its own length field, and for IPv6 by a number of
 * extension headers.
 */
#include <netinet/in.h>

#include "dp_esp_ts.h"

/* IPv6 extension headers walked at most; past them the protocol stays unknown. */
#define EXT_MAX 8

enum {
    PROTO_DCCP = 33,
    PROTO_MH = 135, /* IPv6 Mobility Header (RFC 6275) */
    PROTO_UDPLITE = 136,
};

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The ports of protocol o->proto from its header at l4, `avail` bytes long. */
static void read_ports(struct dp_ts_l4 *o, const uint8_t *l4, size_t avail)
{
    uint16_t v;
    switch (o->proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_SCTP:
    case PROTO_DCCP:
    case PROTO_UDPLITE:
        /* All five start with the source and the destination port. */
        if (avail < 4)
            return;
        o->src_port = get16(l4);
        o->dst_port = get16(l4 + 2);
        break;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        if (avail < 2)
            return;
        v = get16(l4); /* type, code */
        o->src_port = o->dst_port = v;
        break;
    case PROTO_MH:
        if (avail < 3)
            return;
        o->src_port = o->dst_port = (uint16_t)(l4[2] << 8);
        break;
    default:
        return; /* no ports: OPAQUE */
    }
    o->ports_known = true;
}

void dp_ts_l4_read4(const uint8_t *ip, size_t len, struct dp_ts_l4 *o)
{
    o->proto = ip[9];
    o->proto_known = true;
    o->ports_known = false;
    size_t total = get16(ip + 2), ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (total < len)
        len = total; /* the rest is link-layer padding */
    /* A non-first fragment has no L4 header (RFC 4301 7); the first one has it. */
    if ((get16(ip + 6) & RTE_IPV4_HDR_OFFSET_MASK) != 0 || ihl < 20 || ihl > len)
        return;
    read_ports(o, ip + ihl, len - ihl);
}

static bool is_ext_header(uint8_t next)
{
    return next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS ||
           next == IPPROTO_AH || next == IPPROTO_FRAGMENT;
}

void dp_ts_l4_read6(const uint8_t *ip, size_t len, struct dp_ts_l4 *o)
{
    o->proto_known = o->ports_known = false;
    size_t end = 40 + (size_t)get16(ip + 4), off = 40;
    if (end < len)
        len = end;
    uint8_t next = ip[6];
    for (unsigned n = 0;; n++) {
        if (off > len) /* an extension header longer than the packet */
            return;
        const uint8_t *h = ip + off;
        if (!is_ext_header(next)) {
            o->proto = next;
            o->proto_known = true;
            read_ports(o, h, len - off);
            return;
        }
        if (n == EXT_MAX || off + 2 > len)
            return;
        switch (next) {
        case IPPROTO_AH:
            next = h[0];
            off += ((size_t)h[1] + 2) * 4;
            break;
        case IPPROTO_FRAGMENT:
            if (off + 8 > len)
                return;
            next = h[0];
            off += 8;
            if ((get16(h + 2) & 0xfff8) == 0)
                break; /* the first fragment: its L4 header follows */
            /* A non-first one: the protocol it names, its ports OPAQUE (RFC 4301 7). */
            if (!is_ext_header(next)) {
                o->proto = next;
                o->proto_known = true;
            }
            return;
        default: /* hop-by-hop, routing, destination options */
            next = h[0];
            off += ((size_t)h[1] + 1) * 8;
            break;
        }
    }
}
