/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The difference between the running configuration and a reloaded one. Both
 * were made by conf_load(), which zeroes the whole structure first, so
 * settings compare byte for byte, padding included.
 */
#include <string.h>

#include "conf_reload.h"

static void restart(struct conf_reload_diff *d, bool differs, const char *key)
{
    if (differs && d->nrestart < CONF_RELOAD_RESTART_MAX)
        d->restart[d->nrestart++] = key;
}

#define DIFFERS(a, b) (memcmp(&(a), &(b), sizeof(a)) != 0)

static bool eap_secrets_differ(const struct ike_peer_cfg *a, const struct ike_peer_cfg *b)
{
    return a->neap_secrets != b->neap_secrets ||
           (a->neap_secrets > 0 &&
            memcmp(a->eap_secrets, b->eap_secrets, a->neap_secrets * sizeof(*a->eap_secrets)) != 0);
}

/* Everything but the pointers to credentials, which are new objects each load. */
static bool peer_differs(const struct ike_peer_cfg *a, const struct ike_peer_cfg *b)
{
    struct ike_peer_cfg x, y;
    memcpy(&x, a, sizeof(x));
    memcpy(&y, b, sizeof(y));
    x.cred = y.cred = NULL;
    x.trust = y.trust = NULL;
    x.eap_secrets = y.eap_secrets = NULL;
    return memcmp(&x, &y, sizeof(x)) != 0 || eap_secrets_differ(a, b);
}

static const struct ike_peer_cfg *peer_named(const struct veer_conf *c, const char *name)
{
    for (unsigned i = 0; i < c->npeers; i++) {
        if (strcmp(c->peers[i].name, name) == 0)
            return &c->peers[i];
    }
    return NULL;
}

static void diff_peers(const struct veer_conf *old, const struct veer_conf *next,
                       struct conf_reload_diff *d)
{
    for (unsigned i = 0; i < next->npeers; i++) {
        const struct ike_peer_cfg *was = peer_named(old, next->peers[i].name);
        if (was == NULL)
            d->peers_added++;
        else if (peer_differs(was, &next->peers[i]))
            d->peers_changed++;
        else
            d->peers_same++;
    }
    for (unsigned i = 0; i < old->npeers; i++) {
        if (peer_named(next, old->peers[i].name) == NULL)
            d->peers_removed++;
    }
}

/* gateway:, pools: and radius: keys lib/ike built its context from at start. */
static void diff_gateway(const struct veer_conf *old, const struct veer_conf *next,
                         struct conf_reload_diff *d)
{
    const struct ike_config *a = &old->ike, *b = &next->ike;
    restart(d, old->nlisten != next->nlisten || DIFFERS(old->listen, next->listen),
            "gateway.listen");
    restart(d, a->max_sas != b->max_sas, "gateway.max_sas");
    restart(d, a->max_redirects != b->max_redirects, "gateway.max_redirects");
    restart(d,
            old->nmobike_addrs != next->nmobike_addrs ||
                DIFFERS(old->mobike_addrs, next->mobike_addrs),
            "gateway.mobike_addresses");
    restart(
        d, (a->qcd_keys == NULL) != (b->qcd_keys == NULL) || DIFFERS(old->qcd_keys, next->qcd_keys),
        "gateway.qcd_secret_file");
    restart(d, a->qcd_prev_valid_s != b->qcd_prev_valid_s, "gateway.qcd_previous_valid");
    restart(d, old->npools != next->npools || DIFFERS(old->pools, next->pools), "pools");
    restart(d, DIFFERS(a->radius, b->radius), "radius");
}

static void diff_dataplane(const struct veer_conf *old, const struct veer_conf *next,
                           struct conf_reload_diff *d)
{
    const struct conf_dataplane *a = &old->dp, *b = &next->dp;
    restart(d, a->present != b->present, "dataplane");
    restart(d, a->workers != b->workers, "dataplane.workers");
    restart(d, a->idle_sleep_us != b->idle_sleep_us, "dataplane.idle_sleep_us");
    restart(d, a->mbufs != b->mbufs, "dataplane.mbufs");
    restart(d, a->ring_size != b->ring_size, "dataplane.ring_size");
    restart(d, a->replay_window != b->replay_window, "dataplane.replay_window");
    restart(d, strcmp(a->telemetry_group, b->telemetry_group) != 0, "dataplane.telemetry_group");
    restart(d, strcmp(a->drivers_cfg, b->drivers_cfg) != 0, "dataplane.drivers_cfg");
    restart(d, a->nports != b->nports || DIFFERS(a->ports, b->ports), "dataplane.ports");
    restart(d, a->nstatic_sas != b->nstatic_sas || DIFFERS(a->static_sas, b->static_sas),
            "dataplane.static_sas");
    restart(d, a->icmp_rate != b->icmp_rate, "dataplane.icmp_rate");
    restart(d, a->qcd_reply_rate != b->qcd_reply_rate, "dataplane.qcd_reply_rate");
    restart(d, a->neighbour_hold != b->neighbour_hold, "dataplane.neighbour_hold");
    restart(d, a->neighbour_hold_total != b->neighbour_hold_total,
            "dataplane.neighbour_hold_total");
    restart(d, DIFFERS(a->reassembly, b->reassembly), "dataplane.reassembly");
    d->admission_changed = DIFFERS(a->admission, b->admission);
    d->routes_changed = a->nroutes != b->nroutes || DIFFERS(a->routes, b->routes);
    d->neighbours_changed =
        a->nneighbours != b->nneighbours || DIFFERS(a->neighbours, b->neighbours);
}

static void diff_redirect(const struct veer_conf *old, const struct veer_conf *next,
                          struct conf_reload_diff *d)
{
    const struct rp_table *a = &old->redirect, *b = &next->redirect;
    /* Anycast addresses are the gateway's own: they are in the route table since start. */
    restart(d, a->nanycast != b->nanycast || DIFFERS(a->anycast, b->anycast), "redirect.anycast");
    d->redirect_changed = a->policy != b->policy || a->allow_self != b->allow_self ||
                          a->ntargets != b->ntargets || DIFFERS(a->targets, b->targets);
}

void conf_reload_diff(const struct veer_conf *old, const struct veer_conf *next,
                      struct conf_reload_diff *d)
{
    memset(d, 0, sizeof(*d));
    diff_gateway(old, next, d);
    diff_dataplane(old, next, d);
    diff_redirect(old, next, d);
    diff_peers(old, next, d);
}

void conf_reload_restart_text(const struct conf_reload_diff *d, char *out, size_t len)
{
    if (len == 0)
        return;
    out[0] = '\0';
    size_t used = 0;
    for (unsigned i = 0; i < d->nrestart; i++) {
        const char *sep = i > 0 ? ", " : "";
        size_t need = strlen(sep) + strlen(d->restart[i]);
        if (used + need + 4 > len) {
            if (used + 4 <= len)
                memcpy(out + used, "...", 4);
            return;
        }
        memcpy(out + used, sep, strlen(sep));
        used += strlen(sep);
        memcpy(out + used, d->restart[i], strlen(d->restart[i]) + 1);
        used += strlen(d->restart[i]);
    }
}
