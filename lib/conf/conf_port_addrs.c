/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port's own addresses: `address` (IPv4) and `address6` (IPv6), as before,
 * and `addresses`, a list of either family, e.g.
 *   ports: [{name: outside, device: ..., address: 198.51.100.1/24,
 *            addresses: [198.51.100.11/24, 2001:db8::1/64]},
 *           {name: outside2, device: ..., addresses: [203.0.113.1/24]}]
 * All of them are the gateway's own (ARP/ND answered, IKE and ESP taken) and
 * each subnet is connected. At most CONF_MAX_PORT_ADDRS per port; an address
 * given twice, in one port or in two, is an error: which port would answer
 * for it would depend on the order of the file.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_loader.h"

/* Whether a and b (same family) agree in their first `bits` bits. */
static bool same_prefix(const struct ike_addr *a, const struct ike_addr *b, unsigned bits)
{
    for (unsigned i = 0; i < bits; i++) {
        unsigned mask = 0x80u >> (i % 8);
        if ((a->ip[i / 8] & mask) != (b->ip[i / 8] & mask))
            return false;
    }
    return true;
}

/* Whether the bits of a past its first `bits` are all `value` (0 or 1). */
static bool host_bits_all(const struct ike_addr *a, unsigned bits, unsigned value)
{
    for (unsigned i = bits; i < ike_addr_ip_len(a) * 8; i++) {
        bool set = (a->ip[i / 8] & (0x80u >> (i % 8))) != 0;
        if (set != (value != 0))
            return false;
    }
    return true;
}

static int why_fail(char *why, size_t why_len, const char *s, const char *what)
{
    snprintf(why, why_len, "%s \"%s\"", what, s);
    return -1;
}

int conf_addr_prefix_parse(const char *s, struct ike_addr *addr, uint8_t *prefix_len, char *why,
                           size_t why_len)
{
    char text[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof(text))
        return why_fail(why, why_len, s, "bad address");
    memcpy(text, s, alen);
    text[alen] = '\0';
    if (ike_addr_parse(addr, text, 0) < 0)
        return why_fail(why, why_len, s, "not an IPv4 or IPv6 address:");
    unsigned bits = ike_addr_ip_len(addr) * 8;
    *prefix_len = (uint8_t)bits;
    if (slash != NULL) {
        char *end;
        unsigned long v = strtoul(slash + 1, &end, 10);
        if (*end != '\0' || end == slash + 1 || slash[1] == '-' || slash[1] == '+' || v > bits)
            return why_fail(why, why_len, s, "bad prefix length in");
        *prefix_len = (uint8_t)v;
    }
    if (host_bits_all(addr, 0, 0))
        return why_fail(why, why_len, s, "the unspecified address:");
    if ((addr->family == 4 && addr->ip[0] >= 224) || (addr->family == 6 && addr->ip[0] == 0xff))
        return why_fail(why, why_len, s, "a multicast or reserved address:");
    /* The subnet's own name and its broadcast are nobody's address (/31 and /32 have neither). */
    if (addr->family == 4 && *prefix_len <= 30 &&
        (host_bits_all(addr, *prefix_len, 0) || host_bits_all(addr, *prefix_len, 1)))
        return why_fail(why, why_len, s, "the network or broadcast address of its subnet:");
    return 0;
}

int conf_port_address_key(struct loader *l, struct conf_port *p, const char *key,
                          const yaml_node_t *v)
{
    char why[160];
    const char *s;
    if (strcmp(key, "address") == 0 || strcmp(key, "address6") == 0) {
        bool six = key[7] == '6';
        struct ike_addr *a = six ? &p->addr6 : &p->addr;
        uint8_t *len = six ? &p->prefix6_len : &p->prefix_len;
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (conf_addr_prefix_parse(s, a, len, why, sizeof(why)) < 0)
            return conf_fail(l, v, "%s", why);
        if (!six && a->family != 4)
            return conf_fail(l, v, "an IPv4 address; IPv6 goes in address6 or addresses");
        if (six && a->family != 6)
            return conf_fail(l, v, "an IPv6 address like 2001:db8:1::1/64");
        return 0;
    }
    if (strcmp(key, "addresses") != 0)
        return 1;
    if (v->type != YAML_SEQUENCE_NODE)
        return conf_fail(l, v, "a list of addresses, e.g. [198.51.100.11/24, 2001:db8::1/64]");
    unsigned n = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++, n++) {
        const yaml_node_t *item = yaml_document_get_node(&l->doc, *it);
        if (n >= CONF_MAX_PORT_ADDRS)
            return conf_fail(l, item, "at most %d addresses per port", CONF_MAX_PORT_ADDRS);
        if (conf_want_scalar(l, item, &s) < 0)
            return -1;
        struct conf_port_addr *a = &p->addrs[n];
        if (conf_addr_prefix_parse(s, &a->addr, &a->prefix_len, why, sizeof(why)) < 0)
            return conf_fail(l, item, "%s", why);
    }
    p->naddrs = n;
    return 0;
}

static const char *format(const struct ike_addr *a, char *out, size_t cap)
{
    if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, out, (socklen_t)cap) == NULL)
        snprintf(out, cap, "?");
    return out;
}

int conf_port_addresses_finish(struct loader *l, const yaml_node_t *item, struct conf_port *p)
{
    /* address and address6 first, so that they stay the port's first of their family. */
    struct conf_port_addr all[CONF_MAX_PORT_ADDRS + 2];
    unsigned n = 0;
    if (p->addr.family == 4)
        all[n++] = (struct conf_port_addr){.addr = p->addr, .prefix_len = p->prefix_len};
    if (p->addr6.family == 6)
        all[n++] = (struct conf_port_addr){.addr = p->addr6, .prefix_len = p->prefix6_len};
    memcpy(all + n, p->addrs, p->naddrs * sizeof(p->addrs[0]));
    n += p->naddrs;
    if (n > CONF_MAX_PORT_ADDRS)
        return conf_fail(l, item,
                         "%u addresses: at most %d per port (address, address6 and "
                         "addresses together)",
                         n, CONF_MAX_PORT_ADDRS);
    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = 0; j < i; j++) {
            char text[INET6_ADDRSTRLEN];
            if (ike_addr_ip_equal(&all[i].addr, &all[j].addr))
                return conf_fail(l, item, "address %s is given twice",
                                 format(&all[i].addr, text, sizeof(text)));
        }
    }
    memcpy(p->addrs, all, n * sizeof(all[0]));
    p->naddrs = n;
    for (unsigned i = 0; i < n; i++) {
        const struct conf_port_addr *a = &p->addrs[i];
        if (a->addr.family == 4 && p->addr.family == 0) {
            p->addr = a->addr;
            p->prefix_len = a->prefix_len;
        } else if (a->addr.family == 6 && p->addr6.family == 0) {
            p->addr6 = a->addr;
            p->prefix6_len = a->prefix_len;
        }
    }
    return 0;
}

int conf_port_addresses_check(struct loader *l, const yaml_node_t *section)
{
    const struct conf_dataplane *dp = &l->conf->dp;
    for (unsigned i = 0; i < dp->nports; i++) {
        for (unsigned j = 0; j < i; j++) {
            for (unsigned a = 0; a < dp->ports[i].naddrs; a++) {
                for (unsigned b = 0; b < dp->ports[j].naddrs; b++) {
                    const struct ike_addr *x = &dp->ports[i].addrs[a].addr;
                    if (!ike_addr_ip_equal(x, &dp->ports[j].addrs[b].addr))
                        continue;
                    char text[INET6_ADDRSTRLEN];
                    snprintf(l->path, sizeof(l->path), "dataplane.ports[%u]", i);
                    return conf_fail(l, section, "address %s is also port %s's",
                                     format(x, text, sizeof(text)), dp->ports[j].name);
                }
            }
        }
    }
    return 0;
}

bool conf_on_port_subnet(const struct conf_port *p, const struct ike_addr *a)
{
    for (unsigned i = 0; i < p->naddrs; i++) {
        const struct conf_port_addr *o = &p->addrs[i];
        if (o->addr.family == a->family && same_prefix(a, &o->addr, o->prefix_len))
            return true;
    }
    return false;
}

const struct conf_port_addr *conf_port_source(const struct conf_port *p, const struct ike_addr *to)
{
    const struct conf_port_addr *first = NULL;
    for (unsigned i = 0; i < p->naddrs; i++) {
        const struct conf_port_addr *o = &p->addrs[i];
        if (o->addr.family != to->family)
            continue;
        if (same_prefix(to, &o->addr, o->prefix_len))
            return o;
        if (first == NULL)
            first = o;
    }
    return first;
}

int conf_local_for(const struct conf_dataplane *dp, const struct ike_addr *remote,
                   struct ike_addr *local)
{
    const struct conf_port_addr *chosen = NULL;
    for (unsigned i = 0; i < dp->nports && chosen == NULL; i++) {
        if (conf_on_port_subnet(&dp->ports[i], remote))
            chosen = conf_port_source(&dp->ports[i], remote);
    }
    for (unsigned i = 0; i < dp->nports && chosen == NULL; i++)
        chosen = conf_port_source(&dp->ports[i], remote);
    if (chosen == NULL)
        return -1;
    *local = chosen->addr;
    local->port = IKE_PORT;
    return 0;
}

unsigned conf_local_addrs(const struct veer_conf *c, struct ike_addr *out, unsigned max)
{
    unsigned n = 0;
    if (!c->dp.present) {
        for (unsigned i = 0; i < c->nlisten; i++, n++) {
            if (n < max) {
                out[n] = c->listen[i];
                out[n].port = IKE_PORT;
            }
        }
        return n;
    }
    /* No address is in two ports (conf_port_addresses_check): each comes once. */
    for (unsigned p = 0; p < c->dp.nports; p++) {
        for (unsigned i = 0; i < c->dp.ports[p].naddrs; i++, n++) {
            if (n < max) {
                out[n] = c->dp.ports[p].addrs[i].addr;
                out[n].port = IKE_PORT;
            }
        }
    }
    return n;
}
