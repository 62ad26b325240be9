/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "app.h"

static bool has_peer(const struct veer_conf *c, const char *name)
{
    for (unsigned i = 0; i < c->npeers; i++) {
        if (strcmp(c->peers[i].name, name) == 0)
            return true;
    }
    return false;
}

/*
 * Peers with start_action start get their IKE SA once the ports are up
 * (lib/ike starts it again whenever it is lost): from the address of the
 * port whose subnet holds the peer, else the first of its family. A first
 * IKE_SA_INIT that cannot leave yet (the next hop's MAC unknown: the failed
 * send asked ARP or ND) is kept by lib/ike and retransmitted. After a
 * reload, only the peers the reload added: the others have theirs.
 */
void veer_start_peers(struct app *a, const struct veer_conf *before)
{
    for (unsigned i = 0; i < a->conf->npeers; i++) {
        const struct ike_peer_cfg *p = &a->conf->peers[i];
        struct ike_addr local; /* there is one: veer_check_start_peers() */
        if (p->start_action != IKE_START_START || (before != NULL && has_peer(before, p->name)) ||
            conf_local_for(&a->conf->dp, &p->remote, &local) < 0)
            continue;
        int rc = ike_initiate(a->ctrl.ike, i, &local);
        char from[IKE_ADDR_STRLEN], to[IKE_ADDR_STRLEN];
        ike_addr_format(&local, from, sizeof(from));
        ike_addr_format(&p->remote, to, sizeof(to));
        if (rc == 0)
            fprintf(stderr, "veer: peer %s: starting its IKE SA, %s to %s\n", p->name, from, to);
        else
            fprintf(stderr, "veer: peer %s: cannot start its IKE SA, %s to %s: %s\n", p->name, from,
                    to, strerror(-rc));
    }
}
