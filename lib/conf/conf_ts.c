/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic selectors as written in the configuration, strongSwan's way: a
 * subnet or address, then optionally a protocol and ports in brackets.
 *
 *     10.2.0.0/24   10.1.0.1   2001:db8::/32
 *     10.2.0.0/24[tcp]   10.2.0.0/24[tcp/80]   10.2.0.0/24[udp/500-600]
 *     10.2.0.0/24[icmp/8]   2001:db8::/32[ipv6-icmp/128]   10.2.0.0/24[47]
 *     10.2.0.0/24[tcp/%any]   10.2.0.0/24[tcp/opaque]   10.2.0.0/24[%any]
 *
 * ICMP and ICMPv6 take a message type, a range of types (every code), or
 * TYPE(CODE): RFC 7296 3.13.1 carries type << 8 | code in the port fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_loader.h"
#include "ike_ts.h"

enum {
    P_ICMP = 1,
    P_TCP = 6,
    P_UDP = 17,
    P_DCCP = 33,
    P_GRE = 47,
    P_ESP = 50,
    P_AH = 51,
    P_ICMPV6 = 58,
    P_SCTP = 132,
    P_MH = 135,
    P_UDPLITE = 136,
};

static const struct {
    const char *name;
    uint8_t proto;
} protocols[] = {
    {"icmp", P_ICMP},
    {"tcp", P_TCP},
    {"udp", P_UDP},
    {"dccp", P_DCCP},
    {"gre", P_GRE},
    {"esp", P_ESP},
    {"ah", P_AH},
    {"ipv6-icmp", P_ICMPV6},
    {"icmp6", P_ICMPV6},
    {"icmpv6", P_ICMPV6},
    {"sctp", P_SCTP},
    {"ipv6-mh", P_MH},
    {"mobility-header", P_MH},
    {"udplite", P_UDPLITE},
    {"ospf", 89},
    {"ipencap", 4},
    {"ipv6", 41},
    {"l2tp", 115},
};

static bool is_icmp(uint8_t proto)
{
    return proto == P_ICMP || proto == P_ICMPV6;
}

/* Protocols whose selectors may name ports (ICMP's type and code, MH's type among them). */
static bool has_ports(uint8_t proto)
{
    return proto == P_TCP || proto == P_UDP || proto == P_SCTP || proto == P_DCCP ||
           proto == P_UDPLITE || is_icmp(proto) || proto == P_MH;
}

/* A decimal number of at most max, the whole of s[0..len). */
static bool number(const char *s, size_t len, unsigned long max, unsigned long *out)
{
    if (len == 0 || len > 5)
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    *out = v;
    return v <= max;
}

/* The protocol in s[0..len): a name, a number, or %any (0). */
static bool parse_proto(const char *s, size_t len, uint8_t *out)
{
    unsigned long v;
    if (len == 4 && strncmp(s, "%any", 4) == 0) {
        *out = 0;
        return true;
    }
    if (number(s, len, 255, &v)) {
        *out = (uint8_t)v;
        return true;
    }
    for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
        if (strlen(protocols[i].name) == len && strncasecmp(s, protocols[i].name, len) == 0) {
            *out = protocols[i].proto;
            return true;
        }
    }
    return false;
}

/*
 * One end of a range of ICMP or MH types: TYPE (ICMP: its first or, for the
 * end, last code), or for ICMP TYPE(CODE). As the port fields carry them.
 */
static bool type_value(const char *s, size_t len, bool end, bool mh, uint16_t *out)
{
    unsigned long type, code;
    const char *open = memchr(s, '(', len);
    if (open == NULL) {
        if (!number(s, len, 255, &type))
            return false;
        *out = (uint16_t)(type << 8 | (end && !mh ? 0xff : 0));
        return true;
    }
    size_t tlen = (size_t)(open - s);
    if (mh || s[len - 1] != ')' || !number(s, tlen, 255, &type) ||
        !number(open + 1, len - tlen - 2, 255, &code))
        return false;
    *out = (uint16_t)(type << 8 | code);
    return true;
}

/* The ports in s (NUL-terminated) for protocol `proto`: N, N-M, %any or opaque. */
static const char *parse_ports(const char *s, uint8_t proto, struct ike_ts *ts)
{
    if (strcmp(s, "%any") == 0) {
        ts->start_port = 0;
        ts->end_port = 65535;
        return NULL;
    }
    if (proto == 0)
        return "ports need a protocol, e.g. [tcp/80]";
    if (!has_ports(proto))
        return "this protocol has no ports";
    if (strcasecmp(s, "opaque") == 0 || strcasecmp(s, "%opaque") == 0) {
        ts->start_port = 65535; /* RFC 7296 3.13.1: OPAQUE */
        ts->end_port = 0;
        return NULL;
    }
    const char *dash = strchr(s, '-');
    size_t n1 = dash != NULL ? (size_t)(dash - s) : strlen(s);
    const char *second = dash != NULL ? dash + 1 : s;
    size_t n2 = dash != NULL ? strlen(second) : n1;
    if (is_icmp(proto) || proto == P_MH) {
        bool mh = proto == P_MH;
        uint16_t lo, hi;
        if (!type_value(s, n1, false, mh, &lo) || !type_value(second, n2, true, mh, &hi))
            return mh ? "expected a mobility header type 0-255 or a range of them"
                      : "expected an ICMP type 0-255, a range of types, or TYPE(CODE)";
        ts->start_port = lo;
        ts->end_port = hi;
    } else {
        unsigned long lo, hi;
        if (!number(s, n1, 65535, &lo) || !number(second, n2, 65535, &hi))
            return "expected a port 0-65535, a range like 500-600, %any or opaque";
        ts->start_port = (uint16_t)lo;
        ts->end_port = (uint16_t)hi;
    }
    if (ts->start_port > ts->end_port)
        return "the range ends before it starts";
    return NULL;
}

/* "[proto]" or "[proto/ports]" (brackets stripped, NUL-terminated) into ts. */
static const char *parse_proto_ports(char *s, int family, struct ike_ts *ts)
{
    char *slash = strchr(s, '/');
    size_t plen = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (plen == 0)
        return "expected a protocol (tcp, udp, icmp, a number, %any...) in the brackets";
    if (!parse_proto(s, plen, &ts->ip_proto))
        return "unknown protocol (tcp, udp, icmp, ipv6-icmp, sctp, gre, esp, a number 0-255 or "
               "%any)";
    if (ts->ip_proto == P_ICMP && family == 6)
        return "icmp is IPv4's: an IPv6 selector takes ipv6-icmp";
    if (ts->ip_proto == P_ICMPV6 && family == 4)
        return "ipv6-icmp is IPv6's: an IPv4 selector takes icmp";
    if (slash == NULL)
        return NULL;
    if (slash[1] == '\0')
        return "expected ports after the slash";
    return parse_ports(slash + 1, ts->ip_proto, ts);
}

int conf_parse_ts(struct loader *l, const yaml_node_t *n, struct ike_ts *ts)
{
    const char *s;
    if (conf_want_scalar(l, n, &s) < 0)
        return -1;
    char buf[96];
    if (strlen(s) >= sizeof(buf))
        return conf_fail(l, n, "selector \"%s\" too long", s);
    strcpy(buf, s);
    char *bracket = strchr(buf, '['), *pp = NULL;
    if (bracket != NULL) {
        char *close = strchr(bracket, ']');
        if (close == NULL || close[1] != '\0')
            return conf_fail(l, n, "bad selector \"%s\": expected SUBNET[PROTOCOL/PORTS]", s);
        *bracket = *close = '\0';
        pp = bracket + 1;
    }
    if (buf[0] == '\0')
        return conf_fail(l, n, "selector \"%s\" needs a subnet first, e.g. 0.0.0.0/0%s or ::/0%s",
                         s, s, s);
    char *slash = strchr(buf, '/');
    if (slash != NULL)
        *slash = '\0';
    struct ike_addr first, last;
    if (ike_addr_parse(&first, buf, 0) < 0)
        return conf_fail(l, n, "bad address in subnet \"%s\"", s);
    unsigned bits = ike_addr_ip_len(&first) * 8, prefix = bits;
    if (slash != NULL) {
        unsigned long v;
        if (!number(slash + 1, strlen(slash + 1), bits, &v))
            return conf_fail(l, n, "bad prefix length in \"%s\"", s);
        prefix = (unsigned)v;
    }
    last = first;
    for (unsigned b = prefix; b < bits; b++) {
        first.ip[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
        last.ip[b / 8] |= (uint8_t)(0x80u >> (b % 8));
    }
    ike_ts_range(ts, &first, &last, 0, 0, 65535);
    if (pp != NULL) {
        const char *why = parse_proto_ports(pp, first.family, ts);
        if (why != NULL)
            return conf_fail(l, n, "bad selector \"%s\": %s", s, why);
    }
    return 0;
}
