/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane.routes: static IPv4 routes the workers use beyond the ports'
 * connected subnets, e.g.
 *   routes: [{to: 10.9.0.0/16, via: 10.2.0.254, port: inside},
 *            {to: 0.0.0.0/0, via: 198.51.100.254}]
 * A next hop must be directly reachable: on the subnet of the named port, or
 * of some port when none is named. That is checked once the whole section
 * is read, since the ports may come after the routes.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_loader.h"

static uint32_t ipv4_host(const struct ike_addr *a)
{
    return (uint32_t)a->ip[0] << 24 | (uint32_t)a->ip[1] << 16 | (uint32_t)a->ip[2] << 8 | a->ip[3];
}

static uint32_t prefix_mask(unsigned len)
{
    return len == 0 ? 0 : ~0u << (32 - len);
}

int conf_route_prefix_parse(const char *s, struct ike_addr *to, uint8_t *len, char *why,
                            size_t why_len)
{
    const char *slash = strchr(s, '/');
    char text[32];
    size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
    if (slash == NULL || alen >= sizeof(text)) {
        snprintf(why, why_len, "an IPv4 prefix like 10.9.0.0/16, got \"%s\"", s);
        return -1;
    }
    memcpy(text, s, alen);
    text[alen] = '\0';
    char *end;
    unsigned long n = strtoul(slash + 1, &end, 10);
    if (ike_addr_parse(to, text, 0) < 0 || to->family != 4 || *end != '\0' || end == slash + 1 ||
        n > 32) {
        snprintf(why, why_len, "an IPv4 prefix like 10.9.0.0/16, got \"%s\"", s);
        return -1;
    }
    *len = (uint8_t)n;
    /* A typo in the host bits would route something else: refuse rather than mask. */
    if ((ipv4_host(to) & ~prefix_mask(*len)) != 0) {
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
        if (ike_addr_parse(&r->via, s, 0) < 0 || r->via.family != 4)
            return conf_fail(l, v, "an IPv4 address, got \"%s\"", s);
        return 0;
    }
    if (strcmp(key, "port") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strlen(s) == 0 || strlen(s) >= sizeof(r->port))
            return conf_fail(l, v, "a port name of 1 to %zu characters", sizeof(r->port) - 1);
        strcpy(r->port, s);
        return 0;
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
    for (unsigned j = 0; j < i; j++) {
        const struct conf_route *o = &dp->routes[j];
        if (o->prefix_len == r->prefix_len && memcmp(o->to.ip, r->to.ip, 4) == 0)
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

static bool on_port_subnet(const struct conf_port *p, const struct ike_addr *a)
{
    if (p->addr.family != 4)
        return false;
    uint32_t mask = prefix_mask(p->prefix_len);
    return (ipv4_host(a) & mask) == (ipv4_host(&p->addr) & mask);
}

int conf_routes_check(struct loader *l)
{
    const struct conf_dataplane *dp = &l->conf->dp;
    for (unsigned i = 0; i < dp->nroutes; i++) {
        const struct conf_route *r = &dp->routes[i];
        const yaml_node_t *node = l->route_node[i];
        char via[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, r->via.ip, via, sizeof(via));
        if (r->port[0] != '\0') {
            unsigned p = 0;
            while (p < dp->nports && strcmp(dp->ports[p].name, r->port) != 0)
                p++;
            snprintf(l->path, sizeof(l->path), "dataplane.routes[%u].port", i);
            if (p == dp->nports)
                return conf_fail(l, node, "no port is named \"%s\"", r->port);
            snprintf(l->path, sizeof(l->path), "dataplane.routes[%u].via", i);
            if (!on_port_subnet(&dp->ports[p], &r->via))
                return conf_fail(l, node, "%s is not on port %s's subnet", via, r->port);
            continue;
        }
        unsigned p = 0;
        while (p < dp->nports && !on_port_subnet(&dp->ports[p], &r->via))
            p++;
        snprintf(l->path, sizeof(l->path), "dataplane.routes[%u].via", i);
        if (p == dp->nports)
            return conf_fail(l, node, "%s is on no port's subnet", via);
    }
    return 0;
}
