/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's addresses changed at run time. The workers read the list
 * inside the route table they hold (dp_routes.addrs), never t->addrs: a
 * change edits t->addrs under the writers' lock, builds a new table from it
 * with the same routes and swaps it in (dp_route_table_replace: one atomic
 * store, then an RCU grace period before the old table is freed). A change
 * a route depends on fails in the build and leaves everything as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dp_route_table.h"
#include "route_priv.h"

/* Caller holds the lock: next becomes t->addrs if the routes fit it. */
static int apply(struct dp_route_table *t, const struct dp_addrs *next, char *err, size_t err_len)
{
    if (t->current == NULL) {
        snprintf(err, err_len, "the route table is closed");
        return -ESHUTDOWN;
    }
    struct dp_addrs before = t->addrs; /* 1.5 KB: a stack takes it */
    t->addrs = *next;
    int rc = dp_route_table_replace(t, t->routes, t->nroutes, err, err_len);
    if (rc < 0) {
        t->addrs = before;
        return rc == -EINVAL ? -EBUSY : rc;
    }
    __atomic_add_fetch(&t->addr_changes, 1, __ATOMIC_RELEASE);
    return 0;
}

int dp_route_table_addr_add(struct dp_route_table *t, const struct dp_addr *a, char *err,
                            size_t err_len)
{
    if (a->port >= t->nports || (a->family != 4 && a->family != 6)) {
        snprintf(err, err_len, "no such port, or not an IPv4 or IPv6 address");
        return -EINVAL;
    }
    /* As the configuration: a link that cannot carry 1280 bytes cannot carry IPv6. */
    if (a->family == 6 && t->mtu[a->port] < CONF_MTU_MIN_IPV6) {
        snprintf(err, err_len, "the port's mtu %u is below IPv6's minimum of %u", t->mtu[a->port],
                 CONF_MTU_MIN_IPV6);
        return -EINVAL;
    }
    pthread_mutex_lock(&t->lock);
    struct dp_addrs next = t->addrs;
    int rc = dp_addrs_add(&next, a);
    if (rc == -EEXIST)
        snprintf(err, err_len, "the address is already the gateway's");
    else if (rc == -ENOSPC)
        snprintf(err, err_len, "at most %d addresses per port", CONF_MAX_PORT_ADDRS);
    else
        rc = apply(t, &next, err, err_len);
    t->addr_edits += rc == 0;
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int dp_route_table_addr_del(struct dp_route_table *t, unsigned port, uint8_t family, const void *ip,
                            char *err, size_t err_len)
{
    pthread_mutex_lock(&t->lock);
    struct dp_addrs next = t->addrs;
    int rc = dp_addrs_del(&next, port, family, ip);
    if (rc == -ENOENT) {
        snprintf(err, err_len, "not an address of that port");
    } else if (dp_addrs_count(&next, port) == 0) {
        /* A port without an address answers nothing and sends nothing: not at run time. */
        snprintf(err, err_len, "the port's last address");
        rc = -EBUSY;
    } else {
        rc = apply(t, &next, err, err_len);
        t->addr_edits += rc == 0;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

uint64_t dp_route_table_addrs(struct dp_route_table *t, struct dp_addrs *out, uint64_t *edits)
{
    pthread_mutex_lock(&t->lock);
    *out = t->addrs;
    if (edits != NULL)
        *edits = t->addr_edits;
    uint64_t changes = t->addr_changes;
    pthread_mutex_unlock(&t->lock);
    return changes;
}
