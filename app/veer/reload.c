/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reloading the configuration without a restart (SIGHUP, /veer/reload), on
 * the control lcore between its polls. Everything that can fail happens
 * before anything changes: the file is loaded and checked whole, compared
 * with the running one (conf_reload.h: settings that need a restart refuse
 * the reload), the neighbours checked against the ports. Then lib/ike moves
 * its SAs to the new peer configurations (those of removed ones are
 * deleted), the workers get the new admission and redirect settings, the
 * routes and neighbours are edited in place, and the old configuration is
 * freed: nothing points into it any more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>

#include "app.h"
#include "conf_reload.h"
#include "dp_addrs.h"

static bool same_route(const struct conf_route *a, const struct conf_route *b)
{
    return a->prefix_len == b->prefix_len && ike_addr_ip_equal(&a->to, &b->to) &&
           ike_addr_ip_equal(&a->via, &b->via) && strcmp(a->port, b->port) == 0;
}

static bool has_route(const struct conf_dataplane *dp, const struct conf_route *r)
{
    for (unsigned i = 0; i < dp->nroutes; i++) {
        if (same_route(&dp->routes[i], r))
            return true;
    }
    return false;
}

/*
 * dataplane.routes edited in place (the workers see each change under
 * RCU): configured routes that went are deleted, new ones added; routes an
 * operator added at run time stay unless the file now has their prefix.
 * Returns how many could not be added (said in warn).
 */
static unsigned apply_routes(struct app *a, const struct conf_dataplane *old,
                             const struct conf_dataplane *next, char *warn, size_t len)
{
    char err[256];
    for (unsigned i = 0; i < old->nroutes; i++) {
        if (!has_route(next, &old->routes[i]))
            dp_route_table_del(&a->routes, &old->routes[i].to, old->routes[i].prefix_len, err,
                               sizeof(err)); /* -ENOENT: an operator deleted it already */
    }
    unsigned failed = 0;
    for (unsigned i = 0; i < next->nroutes; i++) {
        const struct conf_route *r = &next->routes[i];
        if (has_route(old, r))
            continue;
        dp_route_table_del(&a->routes, &r->to, r->prefix_len, err, sizeof(err));
        if (dp_route_table_add(&a->routes, r, err, sizeof(err)) < 0) {
            if (failed++ == 0)
                snprintf(warn, len, "route %u not added: %s", i, err);
        }
    }
    return failed;
}

static int port_index(const struct app *a, const char *name)
{
    for (unsigned p = 0; p < a->nports; p++) {
        if (strcmp(a->ports[p].name, name) == 0)
            return (int)p;
    }
    return -1;
}

/* Every configured neighbour is on its port's subnet, as at start. 0, or -1 with msg. */
static int check_neighbours(const struct app *a, const struct veer_conf *next, char *msg,
                            size_t len)
{
    struct dp_addrs own;
    if (dp_addrs_from_conf(&own, next->dp.ports, next->dp.nports) < 0) {
        snprintf(msg, len, "%s: the ports' addresses do not fit", a->args.config);
        return -1;
    }
    for (unsigned i = 0; i < next->dp.nneighbours; i++) {
        const struct conf_neighbour *nb = &next->dp.neighbours[i];
        int p = port_index(a, nb->port);
        if (p < 0 || !dp_addrs_on_link(&own, (unsigned)p, nb->addr.family, nb->addr.ip)) {
            snprintf(msg, len, "%s: dataplane.neighbours[%u] is not on port %s's subnet",
                     a->args.config, i, nb->port);
            return -1;
        }
    }
    return 0;
}

static bool same_neighbour(const struct conf_neighbour *x, const struct conf_neighbour *y)
{
    return ike_addr_ip_equal(&x->addr, &y->addr) && strcmp(x->port, y->port) == 0;
}

static void learn(struct app *a, const struct conf_neighbour *nb, uint64_t now_ns)
{
    int p = port_index(a, nb->port);
    if (p < 0)
        return;
    struct rte_ether_addr mac;
    memcpy(mac.addr_bytes, nb->mac, sizeof(nb->mac));
    if (nb->addr.family == 6) {
        dp_neigh_learn6(&a->neigh, nb->addr.ip, a->ports[p].id, &mac, now_ns);
    } else {
        uint32_t ip;
        memcpy(&ip, nb->addr.ip, 4);
        dp_neigh_learn(&a->neigh, ip, a->ports[p].id, &mac, now_ns);
    }
}

/*
 * dataplane.neighbours: new and changed ones are set; a removed one becomes
 * an ordinary learnt entry, confirmed by ARP/ND or aged out like the rest.
 */
static void apply_neighbours(struct app *a, const struct conf_dataplane *old,
                             const struct conf_dataplane *next)
{
    for (unsigned i = 0; i < old->nneighbours; i++) {
        bool kept = false;
        for (unsigned j = 0; j < next->nneighbours && !kept; j++)
            kept = same_neighbour(&old->neighbours[i], &next->neighbours[j]);
        if (!kept)
            learn(a, &old->neighbours[i], dp_ctrl_now_ns());
    }
    for (unsigned i = 0; i < next->nneighbours; i++)
        learn(a, &next->neighbours[i], DP_NEIGH_STATIC);
}

/*
 * The redirect policy: targets, weights, policy from the file (an operator's
 * run-time changes are replaced, as the file is what a reload asks for); the
 * gateway's own and anycast addresses as they are now.
 */
static void apply_redirect(struct app *a, struct veer_conf *next)
{
    const struct rp_table *old = &a->conf->redirect;
    struct rp_table *t = &next->redirect;
    t->nself = old->nself;
    memcpy(t->self, old->self, sizeof(t->self));
    t->nanycast = old->nanycast;
    memcpy(t->anycast, old->anycast, sizeof(t->anycast));
    t->generation = old->generation + 1;
    mgmt_tel_set_redirect(a->tel, t);
    rp_publish(&a->gate.redirect, t);
}

static void apply_dataplane(struct app *a, const struct veer_conf *next)
{
    const struct conf_admission *adm = &next->dp.admission;
    __atomic_store_n(&a->gate.mode, adm->mode, __ATOMIC_RELAXED);
    __atomic_store_n(&a->gate.rate, adm->rate, __ATOMIC_RELAXED);
    __atomic_store_n(&a->gate.overload_policy, adm->overload_policy, __ATOMIC_RELAXED);
    a->ctrl.neigh_aging =
        (struct dp_neigh_aging){.reachable_ns = next->dp.neighbour_reachable * 1000000000ull,
                                .probes = next->dp.neighbour_probes};
}

/* The file loaded and checked, nothing changed yet. NULL with msg when refused. */
static struct veer_conf *load_next(struct app *a, struct conf_reload_diff *d, char *msg, size_t len)
{
    struct veer_conf *next = calloc(1, sizeof(*next));
    if (next == NULL) {
        snprintf(msg, len, "out of memory");
        return NULL;
    }
    if (conf_load(a->args.config, next, msg, len) < 0) {
        free(next);
        return NULL;
    }
    conf_reload_diff(a->conf, next, d);
    if (d->nrestart > 0) {
        char keys[384];
        conf_reload_restart_text(d, keys, sizeof(keys));
        snprintf(msg, len, "%s: needs a restart to change %s; nothing was changed", a->args.config,
                 keys);
    } else if (veer_check_start_peers(next, a->args.config) < 0) {
        snprintf(msg, len, "%s: a peer with start_action start has no address to start from",
                 a->args.config);
    } else if (check_neighbours(a, next, msg, len) == 0) {
        return next;
    }
    conf_free(next);
    free(next);
    return NULL;
}

int veer_reload(struct app *a, char *msg, size_t len)
{
    struct conf_reload_diff d;
    struct veer_conf *next = load_next(a, &d, msg, len);
    if (next == NULL) {
        fprintf(stderr, "veer: reload refused: %s\n", msg);
        mgmt_tel_note_reload(a->tel, false, msg);
        return -1;
    }
    next->ike.redirect_policy = &next->redirect;
    next->ike.local_addrs = a->conf->ike.local_addrs; /* lib/ike keeps its own copy anyway */
    next->ike.nlocal_addrs = a->conf->ike.nlocal_addrs;
    struct ike_reconfigure_result res;
    if (ike_reconfigure(a->ctrl.ike, &next->ike, &res) < 0) {
        snprintf(msg, len, "out of memory moving the SAs; nothing was changed");
        fprintf(stderr, "veer: reload refused: %s\n", msg);
        mgmt_tel_note_reload(a->tel, false, msg);
        conf_free(next);
        free(next);
        return -1;
    }
    apply_redirect(a, next);
    apply_dataplane(a, next);
    char warn[300] = "";
    unsigned failed =
        d.routes_changed ? apply_routes(a, &a->conf->dp, &next->dp, warn, sizeof(warn)) : 0;
    if (d.neighbours_changed)
        apply_neighbours(a, &a->conf->dp, &next->dp);
    struct veer_conf *old = a->conf;
    a->conf = next;
    a->local.conf = next;
    veer_start_peers(a, old);
    conf_free(old);
    free(old);
    snprintf(msg, len,
             "%s: reloaded: peers %u added, %u changed, %u removed, %u unchanged; IKE SAs %u "
             "kept, %u deleted%s%s",
             a->args.config, d.peers_added, d.peers_changed, d.peers_removed, d.peers_same,
             res.kept, res.deleted, failed > 0 ? "; warning: " : "", warn);
    fprintf(stderr, "veer: %s\n", msg);
    mgmt_tel_note_reload(a->tel, true, msg);
    return 0;
}
