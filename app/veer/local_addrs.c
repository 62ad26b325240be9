/* SPDX-License-Identifier: BSD-3-Clause */
#include "local_addrs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* lib/ike's list: the ports' addresses, in order, without the anycast ones (no port). */
static void build_ike_list(struct veer_local_addrs *l, const struct dp_addrs *s)
{
    l->nike = 0;
    for (unsigned i = 0; i < s->n && l->nike < sizeof(l->ike) / sizeof(l->ike[0]); i++) {
        const struct dp_addr *a = &s->a[i];
        if (a->port == DP_ADDR_NO_PORT)
            continue;
        struct ike_addr *o = &l->ike[l->nike++];
        memset(o, 0, sizeof(*o));
        o->family = a->family;
        o->port = IKE_PORT;
        memcpy(o->ip, a->ip, a->family == 6 ? 16 : 4);
    }
}

/* The configured mobike_addresses that are among ours now: removed ones are not announced. */
static void build_announce_list(struct veer_local_addrs *l)
{
    l->nannounce = 0;
    for (unsigned i = 0; i < l->conf->nmobike_addrs; i++) {
        const struct ike_addr *m = &l->conf->mobike_addrs[i];
        for (unsigned k = 0; k < l->nike; k++) {
            if (l->ike[k].family == m->family &&
                memcmp(l->ike[k].ip, m->ip, m->family == 6 ? 16 : 4) == 0) {
                l->announce[l->nannounce++] = l->ike[k];
                break;
            }
        }
    }
}

int veer_local_addrs_build(const struct veer_conf *conf, struct dp_addrs *out)
{
    if (dp_addrs_from_conf(out, conf->dp.ports, conf->dp.nports) < 0) {
        fprintf(stderr, "veer: more than %d addresses\n", DP_MAX_ADDRS);
        return -1;
    }
    /* Anycast addresses are ours too: ARP answered, their IKE_SA_INITs meet the gate (RFC 5685 4).
     */
    const struct rp_table *redirect = &conf->redirect;
    for (unsigned i = 0; i < redirect->nanycast; i++) {
        struct dp_addr a = {.family = redirect->anycast[i].family,
                            .prefix_len = redirect->anycast[i].family == 6 ? 128 : 32,
                            .port = DP_ADDR_NO_PORT};
        memcpy(a.ip, redirect->anycast[i].ip, a.family == 6 ? 16 : 4);
        if (dp_addrs_add(out, &a) == -ENOSPC) {
            fprintf(stderr, "veer: too many addresses with the anycast ones\n");
            return -1;
        }
    }
    return 0;
}

void veer_local_addrs_start(struct veer_local_addrs *l, struct veer_conf *conf,
                            struct dp_route_table *rt)
{
    l->conf = conf;
    l->seen = dp_route_table_addrs(rt, &l->last, NULL);
    build_ike_list(l, &l->last);
    build_announce_list(l);
    /* lib/ike copies both lists when the context is made. */
    conf->ike.local_addrs = l->ike;
    conf->ike.nlocal_addrs = l->nike;
    conf->ike.announce_addrs = l->announce;
    conf->ike.nannounce_addrs = l->nannounce;
}

bool veer_local_addrs_tick(struct veer_local_addrs *l, struct dp_ctrl *ctrl,
                           struct dp_route_table *rt)
{
    if (dp_route_table_addr_changes(rt) == l->seen)
        return false;
    const struct dp_addrs *now = dp_ctrl_addrs(ctrl); /* the control lcore's copy, fresh */
    l->seen = ctrl->addrs_seen;
    for (unsigned i = 0; i < now->n; i++) {
        const struct dp_addr *a = &now->a[i];
        if (dp_addrs_find(&l->last, a->family, a->ip) == NULL)
            dp_ctrl_announce(ctrl, a);
    }
    l->last = *now;
    build_ike_list(l, now);
    build_announce_list(l);
    int rc = ike_set_local_addrs(ctrl->ike, l->ike, l->nike, l->announce, l->nannounce);
    fprintf(stderr, "veer: the gateway's addresses changed: %u now, %u announced%s%s\n", l->nike,
            l->nannounce, rc < 0 ? "; lib/ike did not take them: " : "",
            rc < 0 ? strerror(-rc) : "");
    return true;
}
