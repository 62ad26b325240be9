/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane.routes: static IPv4 and IPv6 routes the workers use beyond the
 * ports' connected subnets, e.g.
 *   routes: [{to: 10.9.0.0/16, via: 10.2.0.254, port: inside},
 *            {to: 2001:db8:9::/48, via: 2001:db8:2::fe},
 *            {to: 0.0.0.0/0, via: 198.51.100.254}]
 * A next hop is of the prefix's family and directly reachable: on the
 * subnet of the named port (address or address6), or of some port when none
 * is named. That is checked once the whole section is read, since the ports
 * may come after the routes (conf_port_addrs.c has the ports' subnets).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_loader.h"

/* Whether a has any bit set past its first `bits`. */
static bool has_host_bits(const struct ike_addr *a, unsigned bits)
{
    for (unsigned i = bits; i < ike_addr_ip_len(a) * 8; i++) {
        if (a->ip[i / 8] & (0x80u >> (i % 8)))
            return true;
    }
    return false;
}

/*
 * "10.9.0.0/16" or "2001:db8:9::/48": a prefix without host bits (a typo
 * there would route something else: refuse rather than mask).
 */
int conf_route_prefix_parse(const char *s, struct ike_addr *to, uint8_t *len, char *why,
                            size_t why_len)
{
    const char *slash = strchr(s, '/');
    char text[64];
    size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (slash == NULL || alen >= sizeof(text)) {
        snprintf(why, why_len, "a prefix like 10.9.0.0/16 or 2001:db8:9::/48, got \"%s\"", s);
        return -1;
    }
    memcpy(text, s, alen);
    text[alen] = '\0';
    char *end;
    unsigned long n = strtoul(slash + 1, &end, 10);
    if (ike_addr_parse(to, text, 0) < 0 || *end != '\0' || end == slash + 1 ||
        n > ike_addr_ip_len(to) * 8) {
        snprintf(why, why_len, "a prefix like 10.9.0.0/16 or 2001:db8:9::/48, got \"%s\"", s);
        return -1;
    }
    *len = (uint8_t)n;
    if (has_host_bits(to, *len)) {
        snprintf(why, why_len, "\"%s\" has host bits set", s);
        return -1;
    }
    return 0;
}

static int parse_prefix(struct loader *l, const yaml_node_t *n, struct conf_route *r)
{
    const char *s;
    if (conf_want_scalar(l, n, &s) < 0)
        return -1;
    char why[128];
    if (conf_route_prefix_parse(s, &r->to, &r->prefix_len, why, sizeof(why)) < 0)
        return conf_fail(l, n, "%s", why);
    return 0;
}

static int route_key(struct loader *l, struct conf_route *r, const char *key, const yaml_node_t *v)
{
    const char *s;
    if (strcmp(key, "to") == 0)
        return parse_prefix(l, v, r);
    if (strcmp(key, "via") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (ike_addr_parse(&r->via, s, 0) < 0)
            return conf_fail(l, v, "an IPv4 or IPv6 address, got \"%s\"", s);
        return 0;
    }
    if (strcmp(key, "port") == 0) {
        return conf_want_string(l, v, r->port, sizeof(r->port), "a port name of ");
    }
    return conf_fail(l, v, "unknown key");
}

static int route_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    struct conf_dataplane *dp = &l->conf->dp;
    if (i >= CONF_MAX_ROUTES)
        return conf_fail(l, item, "at most %d routes", CONF_MAX_ROUTES);
    if (item->type != YAML_MAPPING_NODE)
        return conf_fail(l, item, "a route is a mapping: to, via and optionally port");
    struct conf_route *r = &dp->routes[i];
    memset(r, 0, sizeof(*r));
    dp->nroutes = i + 1;
    l->route_node[i] = item;
    for (yaml_node_pair_t *kv = item->data.mapping.pairs.start; kv < item->data.mapping.pairs.top;
         kv++) {
        const char *key = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        snprintf(l->path, sizeof(l->path), "dataplane.routes[%u].%s", i, key ? key : "?");
        if (route_key(l, r, key ? key : "", yaml_document_get_node(&l->doc, kv->value)) < 0)
            return -1;
    }
    snprintf(l->path, sizeof(l->path), "dataplane.routes[%u]", i);
    if (r->to.family == 0 || r->via.family == 0)
        return conf_fail(l, item, "needs to and via");
    if (r->to.family != r->via.family)
        return conf_fail(l, item, "to and via are of different families (IPv4, IPv6)");
    for (unsigned j = 0; j < i; j++) {
        const struct conf_route *o = &dp->routes[j];
        if (o->prefix_len == r->prefix_len && ike_addr_ip_equal(&o->to, &r->to))
            return conf_fail(l, item, "the same destination as routes[%u]", j);
    }
    return 0;
}

int conf_routes(struct loader *l, const yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return conf_fail(l, v, "a list of routes");
    return conf_each_item(l, v, route_item, NULL);
}

int conf_routes_check(struct loader *l)
{
    const struct conf_dataplane *dp = &l->conf->dp;
    for (unsigned i = 0; i < dp->nroutes; i++) {
        const struct conf_route *r = &dp->routes[i];
        const yaml_node_t *node = l->route_node[i];
        char via[INET6_ADDRSTRLEN];
        inet_ntop(r->via.family == 6 ? AF_INET6 : AF_INET, r->via.ip, via, sizeof(via));
        if (r->port[0] != '\0') {
            unsigned p = 0;
            while (p < dp->nports && strcmp(dp->ports[p].name, r->port) != 0)
                p++;
            snprintf(l->path, sizeof(l->path), "dataplane.routes[%u].port", i);
            if (p == dp->nports)
                return conf_fail(l, node, "no port is named \"%s\"", r->port);
            snprintf(l->path, sizeof(l->path), "dataplane.routes[%u].via", i);
            if (!conf_on_port_subnet(&dp->ports[p], &r->via))
                return conf_fail(l, node, "%s is not on port %s's subnet", via, r->port);
            continue;
        }
        unsigned p = 0;
        while (p < dp->nports && !conf_on_port_subnet(&dp->ports[p], &r->via))
            p++;
        snprintf(l->path, sizeof(l->path), "dataplane.routes[%u].via", i);
        if (p == dp->nports)
            return conf_fail(l, node, "%s is on no port's subnet", via);
    }
    return 0;
}
