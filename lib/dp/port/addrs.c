/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_addrs.h"

#include <errno.h>

#include <rte_byteorder.h>

static size_t ip_len(uint8_t family)
{
    return family == 6 ? 16 : 4;
}

static void push(struct dp_addrs *s, uint8_t family, const void *ip, uint8_t len, unsigned port)
{
    struct dp_addr *a = &s->a[s->n++];
    memset(a, 0, sizeof(*a));
    a->family = family;
    a->prefix_len = len;
    a->port = (uint16_t)port;
    memcpy(a->ip, ip, ip_len(family));
}

int dp_addrs_from_conf(struct dp_addrs *s, const struct conf_port *ports, unsigned nports)
{
    s->n = 0;
    for (unsigned p = 0; p < nports; p++) {
        for (unsigned i = 0; i < ports[p].naddrs; i++) {
            const struct conf_port_addr *a = &ports[p].addrs[i];
            if (s->n == DP_MAX_ADDRS)
                return -1;
            push(s, a->addr.family, a->addr.ip, a->prefix_len, p);
        }
    }
    return 0;
}

static uint8_t mask_len(uint32_t mask_be)
{
    return (uint8_t)__builtin_popcount(mask_be);
}

void dp_addrs_from_ports(struct dp_addrs *s, const struct dp_port *ports, unsigned nports)
{
    s->n = 0;
    for (unsigned p = 0; p < nports && s->n + 2 <= DP_MAX_ADDRS; p++) {
        if (ports[p].ip != 0)
            push(s, 4, &ports[p].ip, mask_len(ports[p].mask), p);
        if (ports[p].has_ip6)
            push(s, 6, ports[p].ip6, ports[p].prefix6_len, p);
    }
}

bool dp_addr_holds(const struct dp_addr *a, uint8_t family, const void *ip)
{
    if (a->family != family)
        return false;
    const uint8_t *x = ip;
    unsigned whole = a->prefix_len / 8, rest = a->prefix_len % 8;
    if (memcmp(x, a->ip, whole) != 0)
        return false;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return rest == 0 || ((x[whole] ^ a->ip[whole]) & mask) == 0;
}

bool dp_addrs_on_link(const struct dp_addrs *s, unsigned port, uint8_t family, const void *ip)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (s->a[i].port == port && dp_addr_holds(&s->a[i], family, ip))
            return true;
    }
    return false;
}

int dp_addrs_link_port(const struct dp_addrs *s, uint8_t family, const void *ip)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (s->a[i].port != DP_ADDR_NO_PORT && dp_addr_holds(&s->a[i], family, ip))
            return s->a[i].port;
    }
    return -1;
}

const struct dp_addr *dp_addrs_source(const struct dp_addrs *s, unsigned port, uint8_t family,
                                      const void *toward)
{
    const struct dp_addr *first = NULL;
    for (unsigned i = 0; i < s->n; i++) {
        const struct dp_addr *a = &s->a[i];
        if (a->port != port || a->family != family)
            continue;
        if (toward != NULL && dp_addr_holds(a, family, toward))
            return a;
        if (first == NULL)
            first = a;
    }
    return first;
}

bool dp_addrs_solicited(const struct dp_addrs *s, const uint8_t group[16])
{
    static const uint8_t prefix[13] = {0xff, 0x02, [11] = 1, [12] = 0xff};
    if (memcmp(group, prefix, sizeof(prefix)) != 0)
        return false;
    for (unsigned i = 0; i < s->n; i++) {
        if (s->a[i].family == 6 && memcmp(s->a[i].ip + 13, group + 13, 3) == 0)
            return true;
    }
    return false;
}

bool dp_addrs_is_broadcast(const struct dp_addrs *s, unsigned port, uint32_t ip)
{
    for (unsigned i = 0; i < s->n; i++) {
        const struct dp_addr *a = &s->a[i];
        /* /31 and /32 have no broadcast address (RFC 3021). */
        if (a->port != port || a->family != 4 || a->prefix_len > 30)
            continue;
        uint32_t own, mask = rte_cpu_to_be_32(~0u << (32 - a->prefix_len));
        if (a->prefix_len == 0)
            mask = 0;
        memcpy(&own, a->ip, 4);
        if (ip == (own | ~mask))
            return true;
    }
    return false;
}

unsigned dp_addrs_count(const struct dp_addrs *s, unsigned port)
{
    unsigned n = 0;
    for (unsigned i = 0; i < s->n; i++)
        n += s->a[i].port == port;
    return n;
}

int dp_addrs_add(struct dp_addrs *s, const struct dp_addr *a)
{
    if (dp_addrs_find(s, a->family, a->ip) != NULL)
        return -EEXIST;
    if (s->n == DP_MAX_ADDRS ||
        (a->port != DP_ADDR_NO_PORT && dp_addrs_count(s, a->port) >= CONF_MAX_PORT_ADDRS))
        return -ENOSPC;
    push(s, a->family, a->ip, a->prefix_len, a->port);
    return 0;
}

int dp_addrs_del(struct dp_addrs *s, unsigned port, uint8_t family, const void *ip)
{
    const struct dp_addr *a = dp_addrs_find(s, family, ip);
    if (a == NULL || a->port != port)
        return -ENOENT;
    unsigned i = (unsigned)(a - s->a);
    memmove(&s->a[i], &s->a[i + 1], (s->n - i - 1) * sizeof(s->a[0]));
    s->n--;
    return 0;
}
