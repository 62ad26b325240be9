/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 routes beside route.c's IPv4 ones: connected prefixes first, then an
 * rte_lpm6 longest match, the default route (::/0) kept beside it since
 * rte_lpm6 takes depths 1 to 128 only.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lpm6.h>

#include "route_priv.h"

/* tbl8 groups per route in the worst case: one per byte beyond the first three (a /128). */
#define TBL8_PER_ROUTE 13

static int make_table(struct dp_routes *r, char *err, size_t err_len)
{
    char name[RTE_LPM6_NAMESIZE];
    snprintf(name, sizeof(name), "%s6", r->name);
    struct rte_lpm6_config cfg = {.max_rules = CONF_MAX_ROUTES,
                                  .number_tbl8s = CONF_MAX_ROUTES * TBL8_PER_ROUTE};
    r->lpm6 = rte_lpm6_create(name, SOCKET_ID_ANY, &cfg);
    if (r->lpm6 == NULL) {
        snprintf(err, err_len, "route table %s: %s", name, rte_strerror(rte_errno));
        return -1;
    }
    return 0;
}

void dp_routes_free6(struct dp_routes *r)
{
    rte_lpm6_free(r->lpm6);
    r->lpm6 = NULL;
}

int dp_routes_add6(struct dp_routes *r, const uint8_t prefix[16], uint8_t len,
                   const uint8_t via[16], int port, char *err, size_t err_len)
{
    port = dp_routes_via_port(r, port, 6, via);
    if (port < 0) {
        char text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, via, text, sizeof(text));
        snprintf(err, err_len, "next hop %s is on no port's IPv6 subnet", text);
        return -1;
    }
    if (r->nhops6 >= CONF_MAX_ROUTES || len > 128) {
        snprintf(err, err_len, "too many IPv6 routes, or a prefix longer than 128");
        return -1;
    }
    if (len > 0 && r->lpm6 == NULL && make_table(r, err, err_len) < 0)
        return -1;
    struct dp_route6_hop *h = &r->hop6[r->nhops6];
    memcpy(h->via, via, 16);
    h->port = (uint16_t)port;
    int rc = len == 0 ? 0 : rte_lpm6_add(r->lpm6, prefix, len, r->nhops6);
    if (rc < 0) {
        snprintf(err, err_len, "rte_lpm6_add: %s", rte_strerror(-rc));
        return -1;
    }
    if (len == 0)
        r->default_hop6 = (int)r->nhops6;
    r->nhops6++;
    return 0;
}

bool dp_route_lookup6(const struct dp_routes *r, const uint8_t dst[16], struct dp_next_hop6 *nh)
{
    int p = dp_addrs_link_port(&r->addrs, 6, dst);
    if (p >= 0 && (unsigned)p < r->nports) {
        nh->port = &r->ports[p];
        nh->port_index = (unsigned)p;
        memcpy(nh->ip, dst, 16);
        return true;
    }
    uint32_t hop;
    if (r->lpm6 == NULL || rte_lpm6_lookup(r->lpm6, dst, &hop) != 0) {
        if (r->default_hop6 < 0)
            return false;
        hop = (uint32_t)r->default_hop6;
    }
    const struct dp_route6_hop *h = &r->hop6[hop];
    nh->port = &r->ports[h->port];
    nh->port_index = h->port;
    memcpy(nh->ip, h->via, 16);
    return true;
}
