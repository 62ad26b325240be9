/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packets held for a neighbour being asked for (dp_neigh_hold.h), both
 * families: an entry is keyed by family and a 16-byte address (IPv4 in the
 * first 4), and only the table lookup tells the two apart. Entries stay in
 * the order they were made, so the first is always the next to expire.
 */
#include "dp_neigh_hold.h"

#include <string.h>

#include <rte_common.h>

void dp_neigh_hold_init(struct dp_neigh_hold *h, unsigned qlen, unsigned total, uint64_t timeout)
{
    memset(h, 0, sizeof(*h));
    h->qlen = RTE_MIN(qlen, (unsigned)DP_NEIGH_HOLD_QLEN_MAX);
    h->total = RTE_MIN(total, (unsigned)DP_NEIGH_HOLD_TOTAL_MAX);
    h->timeout = timeout;
    h->next_due = UINT64_MAX;
}

static size_t key_len(uint8_t family)
{
    return family == 6 ? 16 : 4;
}

/* The entry for ip of family, or NULL. */
static struct dp_neigh_held *find(struct dp_neigh_hold *h, uint8_t family, const void *ip)
{
    for (unsigned i = 0; i < h->n; i++) {
        struct dp_neigh_held *e = &h->e[i];
        if (e->family == family && memcmp(e->ip, ip, key_len(family)) == 0)
            return e;
    }
    return NULL;
}

void dp_neigh_hold_put(struct dp_neigh_hold *h, uint8_t family, const void *ip, const void *port,
                       struct rte_mbuf *m, uint64_t now, struct dp_worker_counters *c)
{
    if (h->qlen == 0) {
        c->drop_no_neighbour++;
        rte_pktmbuf_free(m);
        return;
    }
    struct dp_neigh_held *e = find(h, family, ip);
    if (e != NULL && e->n >= h->qlen) {
        c->drop_neigh_hold_full++;
        rte_pktmbuf_free(m);
        return;
    }
    if (h->held >= h->total || (e == NULL && h->n == DP_NEIGH_HOLD_ENTRIES)) {
        c->drop_neigh_hold_total++;
        rte_pktmbuf_free(m);
        return;
    }
    if (e == NULL) {
        e = &h->e[h->n++];
        e->family = family;
        e->n = 0;
        memset(e->ip, 0, sizeof(e->ip));
        memcpy(e->ip, ip, key_len(family));
        e->port = port;
        e->since = now;
        if (h->n == 1)
            h->next_due = now + h->timeout;
    }
    e->m[e->n++] = m;
    h->held++;
    c->neigh_held++;
}

/* Sends e's packets to mac in order; e is then empty. */
static void send_all(struct dp_neigh_hold *h, struct dp_neigh_held *e,
                     const struct rte_ether_addr *mac, dp_neigh_hold_send_fn *send, void *ctx,
                     struct dp_worker_counters *c)
{
    for (unsigned i = 0; i < e->n; i++)
        send(ctx, e->m[i], e->family, e->port, mac);
    c->neigh_hold_sent += e->n;
    h->held -= e->n;
    e->n = 0;
}

/* Removes the empty entries, keeping the others in order; the first sets next_due. */
static void compact(struct dp_neigh_hold *h)
{
    unsigned j = 0;
    for (unsigned i = 0; i < h->n; i++) {
        if (h->e[i].n == 0)
            continue;
        if (j != i)
            h->e[j] = h->e[i];
        j++;
    }
    h->n = j;
    h->next_due = j > 0 ? h->e[0].since + h->timeout : UINT64_MAX;
}

void dp_neigh_hold_release(struct dp_neigh_hold *h, uint8_t family, const void *ip,
                           const struct rte_ether_addr *mac, dp_neigh_hold_send_fn *send, void *ctx,
                           struct dp_worker_counters *c)
{
    struct dp_neigh_held *e = find(h, family, ip);
    if (e == NULL)
        return;
    send_all(h, e, mac, send, ctx, c);
    compact(h);
}

/* Whether t knows e's neighbour now, and at which MAC. */
static bool known(const struct dp_neigh_table *t, const struct dp_neigh_held *e,
                  struct rte_ether_addr *mac)
{
    uint16_t port_id;
    if (e->family == 6)
        return dp_neigh_lookup6(t, e->ip, mac, &port_id);
    uint32_t ip4;
    memcpy(&ip4, e->ip, sizeof(ip4));
    return dp_neigh_lookup(t, ip4, mac, &port_id);
}

void dp_neigh_hold_poll(struct dp_neigh_hold *h, const struct dp_neigh_table *t, uint64_t now,
                        dp_neigh_hold_send_fn *send, void *ctx, struct dp_worker_counters *c)
{
    /* Read before the lookups: whatever is learnt after them changes it again. */
    uint32_t learnt = t != NULL ? __atomic_load_n(&t->learnt, __ATOMIC_ACQUIRE) : h->seen;
    if (learnt == h->seen && now < h->next_due)
        return;
    h->seen = learnt;
    for (unsigned i = 0; i < h->n; i++) {
        struct dp_neigh_held *e = &h->e[i];
        struct rte_ether_addr mac;
        if (t != NULL && known(t, e, &mac)) {
            send_all(h, e, &mac, send, ctx, c);
        } else if (now - e->since >= h->timeout) {
            rte_pktmbuf_free_bulk(e->m, e->n);
            c->drop_neigh_hold_expired += e->n;
            h->held -= e->n;
            e->n = 0;
        }
    }
    compact(h);
}

void dp_neigh_hold_free(struct dp_neigh_hold *h, struct dp_worker_counters *c)
{
    for (unsigned i = 0; i < h->n; i++) {
        rte_pktmbuf_free_bulk(h->e[i].m, h->e[i].n);
        c->drop_neigh_hold_stopped += h->e[i].n;
        h->e[i].n = 0;
    }
    h->n = 0;
    h->held = 0;
    h->next_due = UINT64_MAX;
}
