/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_route_table.h"

#include "route_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Builds a table from t's ports and routes[0..n); NULL with err set. */
static struct dp_routes *build(struct dp_route_table *t, const struct conf_route *routes,
                               unsigned n, char *err, size_t err_len)
{
    struct dp_routes *r = malloc(sizeof(*r));
    if (r == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    /* The table being replaced still holds its name until it is freed. */
    char name[32];
    snprintf(name, sizeof(name), "veer_rt%u", t->generation++);
    if (dp_routes_init(r, name, t->ports, t->nports, t->mtu, err, err_len) < 0) {
        free(r);
        return NULL;
    }
    r->addrs = t->addrs; /* before the routes: their next hops must be on these subnets */
    if (dp_routes_add_list(r, routes, n, err, err_len) < 0) {
        dp_routes_free(r);
        free(r);
        return NULL;
    }
    return r;
}

static void release(struct dp_routes *r)
{
    if (r != NULL) {
        dp_routes_free(r);
        free(r);
    }
}

int dp_route_table_init(struct dp_route_table *t, const struct dp_port *ports, unsigned nports,
                        const uint16_t *mtus, const struct dp_addrs *addrs,
                        const struct conf_route *routes, unsigned nroutes,
                        struct rte_rcu_qsbr *qsbr, char *err, size_t err_len)
{
    memset(t, 0, sizeof(*t));
    pthread_mutex_init(&t->lock, NULL);
    if (nports > CONF_MAX_PORTS || nroutes > CONF_MAX_ROUTES) {
        snprintf(err, err_len, "at most %d ports and %d routes", CONF_MAX_PORTS, CONF_MAX_ROUTES);
        return -1;
    }
    t->ports = ports;
    t->nports = nports;
    t->qsbr = qsbr;
    for (unsigned i = 0; i < nports; i++)
        t->mtu[i] = mtus != NULL ? mtus[i] : CONF_MTU_DEFAULT;
    memcpy(t->routes, routes, nroutes * sizeof(routes[0]));
    t->nroutes = nroutes;
    if (addrs != NULL)
        t->addrs = *addrs;
    else
        dp_addrs_from_ports(&t->addrs, ports, nports);
    t->addr_changes = 1; /* a reader's copy starts at 0: it takes this list first */
    t->current = build(t, t->routes, t->nroutes, err, err_len);
    return t->current != NULL ? 0 : -1;
}

void dp_route_table_free(struct dp_route_table *t)
{
    /* A telemetry command may still come in while the process stops: it finds no table. */
    pthread_mutex_lock(&t->lock);
    release(t->current);
    t->current = NULL;
    t->nroutes = 0;
    pthread_mutex_unlock(&t->lock);
}

int dp_route_table_replace(struct dp_route_table *t, const struct conf_route *routes, unsigned n,
                           char *err, size_t err_len)
{
    struct dp_routes *next = build(t, routes, n, err, err_len);
    if (next == NULL)
        return -EINVAL;
    struct dp_routes *old = __atomic_exchange_n(&t->current, next, __ATOMIC_RELEASE);
    /* Workers drop their pointer at their next quiescent state; then nobody can be reading. */
    if (t->qsbr != NULL)
        rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
    release(old);
    if (routes != t->routes)
        memcpy(t->routes, routes, n * sizeof(routes[0]));
    t->nroutes = n;
    return 0;
}

static int find(const struct dp_route_table *t, const struct ike_addr *to, uint8_t len)
{
    for (unsigned i = 0; i < t->nroutes; i++) {
        const struct conf_route *r = &t->routes[i];
        if (r->prefix_len == len && r->to.family == to->family &&
            memcmp(r->to.ip, to->ip, ike_addr_ip_len(to)) == 0)
            return (int)i;
    }
    return -1;
}

int dp_route_table_add(struct dp_route_table *t, const struct conf_route *r, char *err,
                       size_t err_len)
{
    pthread_mutex_lock(&t->lock);
    int rc;
    if (t->current == NULL) {
        snprintf(err, err_len, "the route table is closed");
        rc = -ESHUTDOWN;
    } else if (find(t, &r->to, r->prefix_len) >= 0) {
        snprintf(err, err_len, "a route to that prefix exists; delete it first");
        rc = -EEXIST;
    } else if (t->nroutes >= CONF_MAX_ROUTES) {
        snprintf(err, err_len, "at most %d routes", CONF_MAX_ROUTES);
        rc = -ENOSPC;
    } else {
        /* Built from a copy so that a refused route leaves the list as it was. */
        struct conf_route next[CONF_MAX_ROUTES];
        memcpy(next, t->routes, t->nroutes * sizeof(next[0]));
        next[t->nroutes] = *r;
        rc = dp_route_table_replace(t, next, t->nroutes + 1, err, err_len);
        t->changes += rc == 0;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int dp_route_table_del(struct dp_route_table *t, const struct ike_addr *to, uint8_t prefix_len,
                       char *err, size_t err_len)
{
    pthread_mutex_lock(&t->lock);
    int rc;
    int i = find(t, to, prefix_len);
    if (t->current == NULL) {
        snprintf(err, err_len, "the route table is closed");
        rc = -ESHUTDOWN;
    } else if (i < 0) {
        snprintf(err, err_len, "no route to that prefix");
        rc = -ENOENT;
    } else {
        struct conf_route next[CONF_MAX_ROUTES];
        unsigned n = 0;
        for (unsigned j = 0; j < t->nroutes; j++) {
            if ((int)j != i)
                next[n++] = t->routes[j];
        }
        rc = dp_route_table_replace(t, next, n, err, err_len);
        t->changes += rc == 0;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

bool dp_route_table_lookup(struct dp_route_table *t, uint32_t dst, struct dp_next_hop *nh,
                           uint16_t *mtu)
{
    pthread_mutex_lock(&t->lock);
    bool ok = t->current != NULL && dp_route_lookup(t->current, dst, nh);
    if (ok)
        *mtu = t->current->mtu[nh->port_index];
    pthread_mutex_unlock(&t->lock);
    return ok;
}

bool dp_route_table_lookup6(struct dp_route_table *t, const uint8_t dst[16],
                            struct dp_next_hop6 *nh, uint16_t *mtu)
{
    pthread_mutex_lock(&t->lock);
    bool ok = t->current != NULL && dp_route_lookup6(t->current, dst, nh);
    if (ok)
        *mtu = t->current->mtu[nh->port_index];
    pthread_mutex_unlock(&t->lock);
    return ok;
}

unsigned dp_route_table_list(struct dp_route_table *t, struct conf_route *out, unsigned max,
                             uint64_t *changes)
{
    pthread_mutex_lock(&t->lock);
    unsigned n = t->nroutes;
    memcpy(out, t->routes, (n < max ? n : max) * sizeof(out[0]));
    if (changes != NULL)
        *changes = t->changes;
    pthread_mutex_unlock(&t->lock);
    return n;
}
