/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_goodbye.h"

#include <stdlib.h>
#include <string.h>

struct goodbye_list {
    const struct ike_peer_cfg *peers;
    unsigned npeers;
    enum ike_stop_action dflt;
    unsigned n, cap;
    uint64_t (*spi)[2];
};

static bool deletes_at_stop(const struct goodbye_list *l, const char *peer)
{
    for (unsigned i = 0; peer != NULL && i < l->npeers; i++) {
        if (strcmp(l->peers[i].name, peer) == 0) {
            uint8_t action = l->peers[i].stop_action;
            return (action == IKE_STOP_DEFAULT ? l->dflt : action) == IKE_STOP_DELETE;
        }
    }
    return false;
}

static void collect(void *opaque, const struct ike_sa_info *sa)
{
    struct goodbye_list *l = opaque;
    if (l->n < l->cap && sa->state == IKE_SA_ESTABLISHED && deletes_at_stop(l, sa->peer)) {
        l->spi[l->n][0] = sa->spi_i;
        l->spi[l->n][1] = sa->spi_r;
        l->n++;
    }
}

/* Collected first: ike_delete() changes the table ike_sa_foreach() walks. */
unsigned mgmt_goodbye_send(struct ike_ctx *ctx, const struct ike_peer_cfg *peers, unsigned npeers,
                           enum ike_stop_action dflt)
{
    struct goodbye_list l = {.peers = peers, .npeers = npeers, .dflt = dflt};
    l.cap = ike_sa_foreach(ctx, NULL, NULL);
    if (l.cap == 0)
        return 0;
    l.spi = calloc(l.cap, sizeof(*l.spi));
    if (l.spi == NULL)
        return 0;
    ike_sa_foreach(ctx, collect, &l);
    unsigned sent = 0;
    for (unsigned i = 0; i < l.n; i++)
        sent += ike_delete(ctx, l.spi[i][0], l.spi[i][1]) == 0;
    free(l.spi);
    return sent;
}

static void count_deleting(void *opaque, const struct ike_sa_info *sa)
{
    *(unsigned *)opaque += sa->state == IKE_SA_DELETING;
}

unsigned mgmt_goodbye_pending(const struct ike_ctx *ctx)
{
    unsigned n = 0;
    ike_sa_foreach(ctx, count_deleting, &n);
    return n;
}
