/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_route.h"

#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
/* rte_lpm.h's bulk lookup (unused here) has a variable length array; -Wvla is ours. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvla"
#include <rte_lpm.h>
#pragma GCC diagnostic pop

#include "route_priv.h"

int dp_routes_init(struct dp_routes *r, const char *name, const struct dp_port *ports,
                   unsigned nports, const uint16_t *mtus, char *err, size_t err_len)
{
    memset(r, 0, sizeof(*r));
    if (nports > CONF_MAX_PORTS) {
        snprintf(err, err_len, "at most %d ports", CONF_MAX_PORTS);
        return -1;
    }
    r->ports = ports;
    r->nports = nports;
    r->default_hop = -1;
    r->default_hop6 = -1;
    snprintf(r->name, sizeof(r->name), "%s", name);
    for (unsigned i = 0; i < nports; i++)
        r->mtu[i] = mtus != NULL ? mtus[i] : CONF_MTU_DEFAULT;
    /* The ports' first addresses until the table's owner sets the full list (dp_routes.addrs). */
    dp_addrs_from_ports(&r->addrs, ports, nports);
    /* tbl8 groups hold prefixes longer than /24: one per such route is the worst case. */
    struct rte_lpm_config cfg = {.max_rules = CONF_MAX_ROUTES, .number_tbl8s = CONF_MAX_ROUTES};
    r->lpm = rte_lpm_create(name, SOCKET_ID_ANY, &cfg);
    if (r->lpm == NULL) {
        snprintf(err, err_len, "route table %s: %s", name, rte_strerror(rte_errno));
        return -1;
    }
    return 0;
}

void dp_routes_free(struct dp_routes *r)
{
    rte_lpm_free(r->lpm);
    r->lpm = NULL;
    dp_routes_free6(r);
}

int dp_routes_via_port(const struct dp_routes *r, int port, unsigned family, const void *via)
{
    for (unsigned i = 0; port < 0 && i < r->nports; i++) {
        if (dp_addrs_on_link(&r->addrs, i, (uint8_t)family, via))
            port = (int)i;
    }
    if (port < 0 || (unsigned)port >= r->nports ||
        !dp_addrs_on_link(&r->addrs, (unsigned)port, (uint8_t)family, via))
        return -1;
    return port;
}

int dp_routes_add(struct dp_routes *r, uint32_t prefix, uint8_t len, uint32_t via, int port,
                  char *err, size_t err_len)
{
    port = dp_routes_via_port(r, port, 4, &via);
    if (port < 0) {
        snprintf(err, err_len, "next hop %u.%u.%u.%u is on no port's subnet",
                 ((const uint8_t *)&via)[0], ((const uint8_t *)&via)[1], ((const uint8_t *)&via)[2],
                 ((const uint8_t *)&via)[3]);
        return -1;
    }
    if (r->nhops >= CONF_MAX_ROUTES || len > 32) {
        snprintf(err, err_len, "too many routes, or a prefix longer than 32");
        return -1;
    }
    r->hop[r->nhops] = (struct dp_route_hop){.via = via, .port = (uint16_t)port};
    /* rte_lpm takes depths 1 to 32: the default route is kept beside it. */
    int rc = len == 0 ? 0 : rte_lpm_add(r->lpm, rte_be_to_cpu_32(prefix), len, r->nhops);
    if (len == 0)
        r->default_hop = (int)r->nhops;
    if (rc < 0) {
        snprintf(err, err_len, "rte_lpm_add: %s", rte_strerror(-rc));
        return -1;
    }
    r->nhops++;
    return 0;
}

int dp_routes_add_list(struct dp_routes *r, const struct conf_route *routes, unsigned n, char *err,
                       size_t err_len)
{
    for (unsigned i = 0; i < n; i++) {
        const struct conf_route *cr = &routes[i];
        int port = -1;
        if (cr->port[0] != '\0') {
            for (unsigned p = 0; p < r->nports && port < 0; p++) {
                if (strcmp(r->ports[p].name, cr->port) == 0)
                    port = (int)p;
            }
            if (port < 0) {
                snprintf(err, err_len, "route %u: no port is named %s", i, cr->port);
                return -1;
            }
        }
        uint32_t prefix, via;
        memcpy(&prefix, cr->to.ip, 4);
        memcpy(&via, cr->via.ip, 4);
        char why[128];
        int rc =
            cr->to.family == 6
                ? dp_routes_add6(r, cr->to.ip, cr->prefix_len, cr->via.ip, port, why, sizeof(why))
                : dp_routes_add(r, prefix, cr->prefix_len, via, port, why, sizeof(why));
        if (rc < 0) {
            snprintf(err, err_len, "route %u: %s", i, why);
            return -1;
        }
    }
    return 0;
}

int dp_routes_add_conf(struct dp_routes *r, const struct conf_dataplane *dp, char *err,
                       size_t err_len)
{
    return dp_routes_add_list(r, dp->routes, dp->nroutes, err, err_len);
}

bool dp_route_lookup(const struct dp_routes *r, uint32_t dst, struct dp_next_hop *nh)
{
    /* A connected subnet: one per address of each port. */
    int p = dp_addrs_link_port(&r->addrs, 4, &dst);
    if (p >= 0 && (unsigned)p < r->nports) {
        *nh = (struct dp_next_hop){.port = &r->ports[p], .port_index = (unsigned)p, .ip = dst};
        return true;
    }
    uint32_t hop;
    if (r->lpm == NULL || rte_lpm_lookup(r->lpm, rte_be_to_cpu_32(dst), &hop) != 0) {
        if (r->default_hop < 0)
            return false;
        hop = (uint32_t)r->default_hop;
    }
    const struct dp_route_hop *h = &r->hop[hop];
    *nh = (struct dp_next_hop){.port = &r->ports[h->port], .port_index = h->port, .ip = h->via};
    return true;
}

int dp_routes_port_index(const struct dp_routes *r, uint16_t port_id)
{
    for (unsigned i = 0; i < r->nports; i++) {
        if (r->ports[i].id == port_id)
            return (int)i;
    }
    return -1;
}
