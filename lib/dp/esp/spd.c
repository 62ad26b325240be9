/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outbound policy index the workers read (dp_spd_lookup). A gateway for
 * road warriors holds thousands of Child SAs whose remote selectors are each
 * one host (the client's address or virtual IP): those are found by a hash
 * of the destination address. SAs whose remote selectors are wider (subnets,
 * ranges: site-to-site) are few and sit in one list walked for every packet.
 * Of all the SAs that match, the newest wins: a rekey's new SA takes the
 * traffic at once (RFC 7296 2.8).
 *
 * Each hash entry and the wide list are immutable arrays, newest first. A
 * change builds new arrays, publishes them (the hash's lock-free data update,
 * an atomic pointer swap) and frees the old ones after an RCU grace period,
 * so workers never lock and never read freed memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "dp_esp.h"
#include "dp_esp_ts.h"
#include "dp_hash_key.h"

struct dp_spd_list {
    unsigned n;
    struct dp_esp_sa *sa[];
};

#define MAX_RETIRED (IKE_TS_MAX + 1)

/* Old arrays of one change, freed together after one grace period. */
struct retired {
    unsigned n;
    struct dp_spd_list *list[MAX_RETIRED];
};

static void retire(struct retired *r, struct dp_spd_list *l)
{
    if (l != NULL)
        r->list[r->n++] = l;
}

static void release(struct dp_spd_index *x, struct retired *r)
{
    if (r->n == 0)
        return;
    if (x->qsbr != NULL)
        rte_rcu_qsbr_synchronize(x->qsbr, RTE_QSBR_THRID_INVALID);
    for (unsigned i = 0; i < r->n; i++)
        free(r->list[i]);
}

/* The host address of an IPv4 selector that names exactly one (network order), or false. */
static bool single_host(const struct ike_ts *ts, uint32_t *host)
{
    if (ts->type != IKE_TS_IPV4_ADDR_RANGE || memcmp(ts->start_addr, ts->end_addr, 4) != 0)
        return false;
    memcpy(host, ts->start_addr, 4);
    return true;
}

/* Whether every remote selector of sa is one IPv4 host: then it is found by hash. */
static bool by_host(const struct dp_esp_sa *sa)
{
    uint32_t h;
    for (unsigned i = 0; i < sa->ts_remote.nts; i++) {
        if (!single_host(&sa->ts_remote.ts[i], &h))
            return false;
    }
    return sa->ts_remote.nts > 0;
}

/* old with sa in front (add), without drop (remove), or with drop replaced by sa. */
static struct dp_spd_list *edited(const struct dp_spd_list *old, struct dp_esp_sa *add,
                                  const struct dp_esp_sa *drop)
{
    unsigned n = old != NULL ? old->n : 0;
    struct dp_spd_list *l = malloc(sizeof(*l) + (n + 1) * sizeof(l->sa[0]));
    if (l == NULL)
        return NULL;
    l->n = 0;
    if (add != NULL && drop == NULL)
        l->sa[l->n++] = add;
    for (unsigned i = 0; i < n; i++) {
        if (old->sa[i] != drop)
            l->sa[l->n++] = old->sa[i];
        else if (add != NULL)
            l->sa[l->n++] = add; /* same place: an address update is not a newer SA */
    }
    return l;
}

int dp_spd_index_init(struct dp_spd_index *x, struct rte_rcu_qsbr *qsbr, char *err, size_t err_len)
{
    memset(x, 0, sizeof(*x));
    x->qsbr = qsbr;
    struct rte_hash_parameters p = {.name = "veer_spd_host",
                                    .entries = DP_MAX_OUT_SAS,
                                    .key_len = sizeof(uint32_t),
                                    .socket_id = (int)rte_socket_id(),
                                    .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF};
    x->host = rte_hash_create(&p);
    if (x->host != NULL)
        rte_hash_set_cmp_func(x->host, dp_hash_key32_cmp);
    x->wide = calloc(1, sizeof(*x->wide));
    if (x->host == NULL || x->wide == NULL) {
        snprintf(err, err_len, "cannot create the outbound policy index");
        dp_spd_index_free(x);
        return -1;
    }
    return 0;
}

void dp_spd_index_free(struct dp_spd_index *x)
{
    if (x->host != NULL) {
        const void *key;
        void *data;
        uint32_t it = 0;
        while (rte_hash_iterate(x->host, &key, &data, &it) >= 0)
            free(data);
        rte_hash_free(x->host);
    }
    free(x->wide);
    memset(x, 0, sizeof(*x));
}

/* Applies one edit (see edited()) to sa's places in the index. */
static int edit(struct dp_spd_index *x, struct dp_esp_sa *where, struct dp_esp_sa *add,
                const struct dp_esp_sa *drop)
{
    struct retired old = {0};
    int rc = 0;
    if (!by_host(where)) {
        struct dp_spd_list *next = edited(x->wide, add, drop);
        if (next == NULL)
            return -ENOMEM;
        retire(&old, __atomic_exchange_n(&x->wide, next, __ATOMIC_RELEASE));
        release(x, &old);
        return 0;
    }
    for (unsigned i = 0; i < where->ts_remote.nts && rc == 0; i++) {
        uint32_t host;
        single_host(&where->ts_remote.ts[i], &host);
        void *data = NULL;
        struct dp_spd_list *cur = rte_hash_lookup_data(x->host, &host, &data) >= 0 ? data : NULL;
        if (cur == NULL && add == NULL)
            continue;
        /* Two selectors naming the same host: the first edit did both. */
        bool present = false;
        for (unsigned k = 0; cur != NULL && k < cur->n; k++)
            present |= cur->sa[k] == (drop != NULL ? drop : add);
        if ((drop == NULL) == present)
            continue;
        struct dp_spd_list *next = edited(cur, add, drop);
        if (next == NULL) {
            rc = -ENOMEM;
            break;
        }
        if (next->n == 0) {
            free(next);
            int32_t pos = rte_hash_del_key(x->host, &host);
            /* The key slot is reused only once no worker can be reading it. */
            if (x->qsbr != NULL)
                rte_rcu_qsbr_synchronize(x->qsbr, RTE_QSBR_THRID_INVALID);
            if (pos >= 0)
                rte_hash_free_key_with_position(x->host, pos);
            __atomic_fetch_sub(&x->nhost, 1, __ATOMIC_RELAXED);
        } else if (rte_hash_add_key_data(x->host, &host, next) < 0) {
            free(next);
            rc = -ENOSPC;
            break;
        } else if (cur == NULL) {
            __atomic_fetch_add(&x->nhost, 1, __ATOMIC_RELAXED);
        }
        retire(&old, cur);
    }
    release(x, &old);
    return rc;
}

int dp_spd_index_add(struct dp_spd_index *x, struct dp_esp_sa *sa)
{
    return edit(x, sa, sa, NULL);
}

void dp_spd_index_remove(struct dp_spd_index *x, struct dp_esp_sa *sa)
{
    edit(x, sa, NULL, sa);
}

int dp_spd_index_replace(struct dp_spd_index *x, struct dp_esp_sa *old, struct dp_esp_sa *sa)
{
    return edit(x, old, sa, old);
}

/* The first SA of l, the newest, whose selectors cover the packet. */
static struct dp_esp_sa *first_match(const struct dp_spd_list *l, struct dp_ts_pkt *p)
{
    for (unsigned i = 0; l != NULL && i < l->n; i++) {
        struct dp_esp_sa *sa = l->sa[i];
        if (dp_ts_covers4(&sa->ts_local, &sa->ts_remote, sa->ts_l4, p))
            return sa;
    }
    return NULL;
}

/*
 * Several SAs for one host may differ in protocol or ports alone: the host's
 * list is walked newest first to the first that covers the packet, as the
 * wide list is.
 */
struct dp_esp_sa *dp_spd_lookup(const struct dp_sadb *db, const struct rte_ipv4_hdr *ip, size_t len)
{
    const struct dp_spd_index *x = &db->spd;
    struct dp_ts_pkt p;
    dp_ts_pkt_init(&p, ip, len);
    struct dp_esp_sa *host = NULL;
    /* No hash probe while no SA is indexed by host (site-to-site only). */
    if (__atomic_load_n(&x->nhost, __ATOMIC_RELAXED) != 0) {
        uint32_t dst = ip->dst_addr;
        void *data = NULL;
        if (rte_hash_lookup_data(x->host, &dst, &data) >= 0)
            host = first_match(data, &p);
    }
    struct dp_esp_sa *wide = first_match(__atomic_load_n(&x->wide, __ATOMIC_ACQUIRE), &p);
    if (host == NULL || wide == NULL)
        return host != NULL ? host : wide;
    return host->installed > wide->installed ? host : wide;
}

struct dp_esp_sa *dp_spd_lookup6(const struct dp_sadb *db, const struct rte_ipv6_hdr *ip,
                                 size_t len)
{
    /* IPv6 selectors are never indexed by host: every IPv6 SA is in the wide list. */
    const struct dp_spd_list *l = __atomic_load_n(&db->spd.wide, __ATOMIC_ACQUIRE);
    struct dp_ts_pkt p;
    dp_ts_pkt_init(&p, ip, len);
    for (unsigned i = 0; l != NULL && i < l->n; i++) {
        struct dp_esp_sa *sa = l->sa[i];
        if (dp_ts_covers6(&sa->ts_local, &sa->ts_remote, sa->ts_l4, &p))
            return sa;
    }
    return NULL;
}
