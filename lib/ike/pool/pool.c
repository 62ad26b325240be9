/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtual-IP pool's decisions (ike_pool.h): which address an identity
 * gets, when a lease is held and when another identity may take it over.
 * An address is a 32-bit offset from cfg.first. Offsets below next_unused
 * all have a record (online, held or free); above it only requested ones do.
 */
#include "ike_pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool_priv.h"

#define NS_PER_S 1000000000ull

static bool cfg_valid(const struct ike_pool_cfg *cfg)
{
    if (cfg->name[0] == '\0' || memchr(cfg->name, '\0', sizeof(cfg->name)) == NULL)
        return false;
    if ((cfg->first.family != 4 && cfg->first.family != 6) || cfg->last.family != cfg->first.family)
        return false;
    if (cfg->prefix_len > 8 * ike_addr_ip_len(&cfg->first))
        return false;
    if (cfg->ndns > IKE_POOL_MAX_DNS)
        return false;
    for (unsigned i = 0; i < cfg->ndns; i++) {
        if (cfg->dns[i].family != 4 && cfg->dns[i].family != 6)
            return false;
    }
    return pool_range_size(&cfg->first, &cfg->last) > 0;
}

struct ike_pool *ike_pool_new(const struct ike_pool_cfg *cfg, uint64_t hash_seed)
{
    if (cfg == NULL || !cfg_valid(cfg))
        return NULL;
    struct ike_pool *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->cfg = *cfg;
    p->cfg.first.port = 0;
    p->cfg.last.port = 0;
    p->size = pool_range_size(&cfg->first, &cfg->last);
    p->bytes = sizeof(*p);
    pool_keys_init(p, hash_seed);
    for (unsigned i = 0; i < POOL_NTABLES; i++) {
        if (pool_table_init(p, i) != 0) {
            ike_pool_free(p);
            return NULL;
        }
    }
    return p;
}

void ike_pool_free(struct ike_pool *p)
{
    if (p == NULL)
        return;
    /* Every record, online, held or free, is in the offset table. */
    struct pool_table *t = &p->table[POOL_BY_OFF];
    if (t->bucket != NULL) {
        for (size_t i = 0; i < (size_t)1 << t->bits; i++) {
            struct pool_lease *l = t->bucket[i];
            while (l != NULL) {
                struct pool_lease *next = l->chain[POOL_BY_OFF];
                free(l);
                l = next;
            }
        }
    }
    for (unsigned i = 0; i < POOL_NTABLES; i++)
        free(p->table[i].bucket);
    free(p->all);
    free(p);
}

const struct ike_pool_cfg *ike_pool_cfg(const struct ike_pool *p)
{
    return &p->cfg;
}

static bool hold_over(const struct ike_pool *p, const struct pool_lease *l, uint64_t now_ns)
{
    return now_ns >= l->released_ns &&
           now_ns - l->released_ns >= (uint64_t)p->cfg.hold_s * NS_PER_S;
}

/* A held lease leaves the held list (its owner is back, or another takes it). */
static void unhold(struct ike_pool *p, struct pool_lease *l)
{
    pool_list_unlink(&p->held, l);
    p->nheld--;
}

/* Drops a record from every index and frees it. */
static void drop(struct ike_pool *p, struct pool_lease *l)
{
    if (l->slot == POOL_NO_SLOT) {
        pool_list_unlink(&p->free, l);
    } else {
        if (l->refs == 0)
            unhold(p, l);
        else
            p->online--;
        pool_table_remove(p, POOL_BY_ID, l);
        pool_all_remove(p, l);
    }
    pool_table_remove(p, POOL_BY_OFF, l);
    p->bytes -= pool_lease_size(l->id_len);
    free(l);
}

/*
 * Where a new lease for an identity without one goes: a fresh offset
 * (*victim NULL) or the record it replaces (free, or held past its hold).
 * Order: the requested address if nobody's; a forgotten address; one never
 * handed out; the longest-held lease past its hold time. -ENOSPC: none.
 */
static int choose(struct ike_pool *p, const struct ike_addr *requested, uint64_t now_ns,
                  uint32_t *off, struct pool_lease **victim)
{
    *victim = NULL;
    if (requested != NULL) {
        int64_t r = pool_offset_of(p, requested);
        if (r >= 0) {
            struct pool_lease *l = pool_find_off(p, (uint32_t)r);
            if (l == NULL || l->slot == POOL_NO_SLOT) {
                *off = (uint32_t)r;
                *victim = l;
                return 0;
            }
        }
    }
    if (p->free.head != NULL) {
        *victim = p->free.head;
        *off = p->free.head->off;
        return 0;
    }
    /* Each offset is skipped at most once in the pool's life: amortised O(1). */
    while (p->next_unused < p->size && pool_find_off(p, p->next_unused) != NULL)
        p->next_unused++;
    if (p->next_unused < p->size) {
        *off = p->next_unused;
        return 0;
    }
    /* The held list is in release order: if its head's hold is not over, nobody's is. */
    struct pool_lease *oldest = p->held.head;
    if (oldest != NULL && hold_over(p, oldest, now_ns)) {
        *victim = oldest;
        *off = oldest->off;
        return 0;
    }
    return -ENOSPC;
}

int ike_pool_acquire(struct ike_pool *p, const struct ike_id *owner,
                     const struct ike_addr *requested, uint64_t now_ns, struct ike_addr *out)
{
    uint32_t hash = pool_id_hash(p, owner);
    struct pool_lease *l = pool_find_id(p, owner, hash);
    if (l != NULL) {
        if (l->refs == UINT32_MAX)
            return -EOVERFLOW;
        if (l->refs == 0) {
            unhold(p, l);
            p->online++;
            l->released_ns = 0;
        }
        l->refs++;
        pool_addr_at(p, l->off, out);
        return 0;
    }

    uint32_t off;
    struct pool_lease *victim;
    if (choose(p, requested, now_ns, &off, &victim) != 0) {
        p->exhausted++;
        return -ENOSPC;
    }
    /* Room first, so that a failure leaves the pool as it was. */
    if (pool_table_reserve(p, POOL_BY_OFF) != 0 || pool_table_reserve(p, POOL_BY_ID) != 0 ||
        pool_all_reserve(p) != 0)
        return -ENOMEM;
    size_t size = pool_lease_size(owner->len);
    l = malloc(size);
    if (l == NULL)
        return -ENOMEM;
    memset(l, 0, size);
    l->off = off;
    l->refs = 1;
    l->id_hash = hash;
    l->id_type = owner->type;
    l->id_len = owner->len;
    memcpy(l->id, owner->data, owner->len);

    if (victim != NULL)
        drop(p, victim);
    if (off == p->next_unused)
        p->next_unused++;
    pool_table_insert(p, POOL_BY_OFF, l);
    pool_table_insert(p, POOL_BY_ID, l);
    pool_all_add(p, l);
    p->online++;
    p->bytes += size;
    pool_addr_at(p, off, out);
    return 0;
}

/* The online or held lease of addr, NULL when none (free records are nobody's). */
static struct pool_lease *lease_of(const struct ike_pool *p, const struct ike_addr *addr)
{
    int64_t off = pool_offset_of(p, addr);
    if (off < 0)
        return NULL;
    struct pool_lease *l = pool_find_off(p, (uint32_t)off);
    return l != NULL && l->slot != POOL_NO_SLOT ? l : NULL;
}

int ike_pool_release(struct ike_pool *p, const struct ike_addr *addr, uint64_t now_ns)
{
    struct pool_lease *l = lease_of(p, addr);
    if (l == NULL || l->refs == 0)
        return -ENOENT;
    if (--l->refs == 0) {
        l->released_ns = now_ns;
        pool_list_append(&p->held, l);
        p->online--;
        p->nheld++;
    }
    return 0;
}

int ike_pool_forget(struct ike_pool *p, const struct ike_addr *addr)
{
    struct pool_lease *l = lease_of(p, addr);
    if (l == NULL)
        return -ENOENT;
    if (l->refs > 0)
        return -EBUSY;
    if (l->off >= p->next_unused) {
        /* Requested past the never-used mark: the mark hands it out again when it gets there. */
        drop(p, l);
        return 0;
    }
    unhold(p, l);
    pool_table_remove(p, POOL_BY_ID, l);
    pool_all_remove(p, l);
    pool_list_append(&p->free, l);
    return 0;
}

bool ike_pool_contains(const struct ike_pool *p, const struct ike_addr *addr)
{
    return pool_offset_of(p, addr) >= 0;
}

void ike_pool_stats(const struct ike_pool *p, struct ike_pool_stats *out)
{
    out->size = p->size;
    out->online = p->online;
    out->held = p->nheld;
    out->free = p->size - p->online - p->nheld;
    out->exhausted = p->exhausted;
    out->bytes = p->bytes;
}

static void fill(const struct ike_pool *p, const struct pool_lease *l, struct ike_pool_lease *out)
{
    memset(out, 0, sizeof(*out));
    pool_addr_at(p, l->off, &out->addr);
    out->owner.type = l->id_type;
    out->owner.len = l->id_len;
    memcpy(out->owner.data, l->id, l->id_len);
    out->refs = l->refs;
    out->released_ns = l->released_ns;
}

size_t ike_pool_list(const struct ike_pool *p, size_t skip, struct ike_pool_lease *out, size_t max)
{
    size_t n = 0;
    for (size_t i = skip; i < p->nall && n < max; i++)
        fill(p, p->all[i], &out[n++]);
    return n;
}

bool ike_pool_lookup(const struct ike_pool *p, const struct ike_addr *addr,
                     struct ike_pool_lease *out)
{
    const struct pool_lease *l = lease_of(p, addr);
    if (l == NULL)
        return false;
    fill(p, l, out);
    return true;
}
