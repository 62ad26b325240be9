/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_handoff.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_errno.h>

/*
 * The kind travels in the pointer's lowest bit: an mbuf is cache-line
 * aligned, so the bit is free, and the ring stays one pointer per packet.
 */
_Static_assert(alignof(struct rte_mbuf) >= 2, "mbuf pointers have a free low bit");

static void *tag(struct rte_mbuf *m, enum dp_handoff_kind kind)
{
    return (void *)((uintptr_t)m | (kind == DP_HANDOFF_ESP ? 1u : 0u));
}

static struct rte_mbuf *untag(void *p, enum dp_handoff_kind *kind)
{
    *kind = ((uintptr_t)p & 1u) ? DP_HANDOFF_ESP : DP_HANDOFF_PLAIN;
    return (struct rte_mbuf *)((uintptr_t)p & ~(uintptr_t)1u);
}

void dp_handoff_put(struct dp_handoff *h, unsigned to, struct rte_mbuf *m,
                    enum dp_handoff_kind kind, struct dp_worker_counters *c)
{
    if (h->npending == DP_BURST)
        dp_handoff_flush(h, c);
    h->pending[h->npending] = tag(m, kind);
    h->pending_to[h->npending] = (unsigned char)to;
    h->npending++;
}

static void free_tagged(void *const *p, unsigned n)
{
    enum dp_handoff_kind kind;
    for (unsigned i = 0; i < n; i++)
        rte_pktmbuf_free(untag(p[i], &kind));
}

void dp_handoff_flush(struct dp_handoff *h, struct dp_worker_counters *c)
{
    unsigned n = h->npending;
    bool done[DP_BURST] = {false};
    /* Grouped by owner, each group in the order staged: one ring operation per owner. */
    for (unsigned i = 0; i < n; i++) {
        if (done[i])
            continue;
        unsigned to = h->pending_to[i], k = 0;
        void *group[DP_BURST];
        for (unsigned j = i; j < n; j++) {
            if (!done[j] && h->pending_to[j] == to) {
                group[k++] = h->pending[j];
                done[j] = true;
            }
        }
        unsigned sent = rte_ring_mp_enqueue_burst(h->rings[to], group, k, NULL);
        c->handoff_sent += sent;
        c->drop_handoff_full += k - sent;
        free_tagged(group + sent, k - sent);
    }
    h->npending = 0;
}

unsigned dp_handoff_take(struct dp_handoff *h, struct rte_mbuf **plain, unsigned *nplain,
                         struct rte_mbuf **esp, unsigned *nesp, struct dp_worker_counters *c)
{
    void *got[DP_BURST];
    unsigned n = rte_ring_sc_dequeue_burst(h->in, got, DP_BURST, NULL);
    *nplain = *nesp = 0;
    for (unsigned i = 0; i < n; i++) {
        enum dp_handoff_kind kind;
        struct rte_mbuf *m = untag(got[i], &kind);
        if (kind == DP_HANDOFF_ESP)
            esp[(*nesp)++] = m;
        else
            plain[(*nplain)++] = m;
    }
    c->handoff_received += n;
    return n;
}

int dp_handoff_rings_create(struct rte_ring **rings, unsigned nworkers, unsigned size,
                            const char *prefix, char *err, size_t err_len)
{
    if (nworkers < 2)
        return 0;
    for (unsigned w = 0; w < nworkers; w++) {
        char name[RTE_RING_NAMESIZE];
        snprintf(name, sizeof(name), "%s_%u", prefix, w);
        /* Any worker enqueues, only the owner dequeues. */
        rings[w] = rte_ring_create(name, size, (int)rte_socket_id(), RING_F_SC_DEQ);
        if (rings[w] == NULL) {
            snprintf(err, err_len, "cannot create handoff ring %s of %u: %s", name, size,
                     rte_strerror(rte_errno));
            dp_handoff_rings_free(rings, w);
            return -1;
        }
    }
    return 0;
}

void dp_handoff_rings_free(struct rte_ring **rings, unsigned nworkers)
{
    for (unsigned w = 0; w < nworkers; w++) {
        if (rings[w] == NULL)
            continue;
        void *p[DP_BURST];
        unsigned n;
        while ((n = rte_ring_sc_dequeue_burst(rings[w], p, DP_BURST, NULL)) > 0)
            free_tagged(p, n);
        rte_ring_free(rings[w]);
        rings[w] = NULL;
    }
}
