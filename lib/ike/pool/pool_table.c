/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pool's indexes: keyed hashes, the two chained hash tables (by offset,
 * by identity), the list ike_pool_list pages through, the held and free
 * lists, and address arithmetic on the range. pool.c decides; this finds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool_priv.h"

#define POOL_MIN_BITS 4

static uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = rotl(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = rotl(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = rotl(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = rotl(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = rotl(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = rotl(v2, 32);                                                                         \
    } while (0)

/* SipHash-2-4: identities come from clients, so their hash is keyed (no chosen collisions). */
static uint64_t siphash24(uint64_t k0, uint64_t k1, const uint8_t *in, size_t len)
{
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    size_t whole = len & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = le64(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = whole; i < len; i++)
        b |= (uint64_t)in[i] << (8 * (i - whole));
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void pool_keys_init(struct ike_pool *p, uint64_t seed)
{
    p->sip_k0 = mix64(seed ^ 0x9e3779b97f4a7c15ull);
    p->sip_k1 = mix64(seed + 0x6a09e667f3bcc909ull);
    /* Multiply-add-shift on 32-bit offsets: universal for random 64-bit a (odd) and b. */
    p->off_mul = mix64(seed ^ 0xbb67ae8584caa73bull) | 1;
    p->off_add = mix64(seed + 0x3c6ef372fe94f82bull);
}

uint32_t pool_id_hash(const struct ike_pool *p, const struct ike_id *id)
{
    uint8_t buf[1 + IKE_ID_MAX];
    buf[0] = id->type;
    memcpy(buf + 1, id->data, id->len);
    return (uint32_t)(siphash24(p->sip_k0, p->sip_k1, buf, 1u + id->len) >> 32);
}

bool pool_lease_owned_by(const struct pool_lease *l, const struct ike_id *id, uint32_t hash)
{
    return l->id_hash == hash && l->id_type == id->type && l->id_len == id->len &&
           memcmp(l->id, id->data, id->len) == 0;
}

static uint32_t hash_of(const struct ike_pool *p, unsigned which, const struct pool_lease *l)
{
    if (which == POOL_BY_ID)
        return l->id_hash;
    return (uint32_t)((l->off * p->off_mul + p->off_add) >> 32);
}

static size_t bucket_of(uint32_t hash, unsigned bits)
{
    return (size_t)(hash >> (32 - bits));
}

int pool_table_init(struct ike_pool *p, unsigned which)
{
    struct pool_table *t = &p->table[which];
    t->bucket = calloc((size_t)1 << POOL_MIN_BITS, sizeof(*t->bucket));
    if (t->bucket == NULL)
        return -ENOMEM;
    t->bits = POOL_MIN_BITS;
    t->n = 0;
    p->bytes += ((size_t)1 << POOL_MIN_BITS) * sizeof(*t->bucket);
    return 0;
}

int pool_table_reserve(struct ike_pool *p, unsigned which)
{
    struct pool_table *t = &p->table[which];
    size_t nb = (size_t)1 << t->bits;
    if (t->n + 1 <= nb || t->bits >= 32)
        return 0;
    struct pool_lease **nbk = calloc(nb * 2, sizeof(*nbk));
    if (nbk == NULL)
        return -ENOMEM;
    unsigned bits = t->bits + 1;
    for (size_t i = 0; i < nb; i++) {
        struct pool_lease *l = t->bucket[i];
        while (l != NULL) {
            struct pool_lease *next = l->chain[which];
            size_t b = bucket_of(hash_of(p, which, l), bits);
            l->chain[which] = nbk[b];
            nbk[b] = l;
            l = next;
        }
    }
    free(t->bucket);
    t->bucket = nbk;
    t->bits = bits;
    p->bytes += nb * sizeof(*nbk);
    return 0;
}

void pool_table_insert(struct ike_pool *p, unsigned which, struct pool_lease *l)
{
    struct pool_table *t = &p->table[which];
    size_t b = bucket_of(hash_of(p, which, l), t->bits);
    l->chain[which] = t->bucket[b];
    t->bucket[b] = l;
    t->n++;
}

void pool_table_remove(struct ike_pool *p, unsigned which, struct pool_lease *l)
{
    struct pool_table *t = &p->table[which];
    struct pool_lease **pp = &t->bucket[bucket_of(hash_of(p, which, l), t->bits)];
    while (*pp != NULL) {
        if (*pp == l) {
            *pp = l->chain[which];
            l->chain[which] = NULL;
            t->n--;
            return;
        }
        pp = &(*pp)->chain[which];
    }
}

struct pool_lease *pool_find_off(const struct ike_pool *p, uint32_t off)
{
    const struct pool_table *t = &p->table[POOL_BY_OFF];
    uint32_t h = (uint32_t)((off * p->off_mul + p->off_add) >> 32);
    for (struct pool_lease *l = t->bucket[bucket_of(h, t->bits)]; l != NULL;
         l = l->chain[POOL_BY_OFF]) {
        if (l->off == off)
            return l;
    }
    return NULL;
}

struct pool_lease *pool_find_id(const struct ike_pool *p, const struct ike_id *id, uint32_t hash)
{
    const struct pool_table *t = &p->table[POOL_BY_ID];
    for (struct pool_lease *l = t->bucket[bucket_of(hash, t->bits)]; l != NULL;
         l = l->chain[POOL_BY_ID]) {
        if (pool_lease_owned_by(l, id, hash))
            return l;
    }
    return NULL;
}

int pool_all_reserve(struct ike_pool *p)
{
    if (p->nall < p->all_cap)
        return 0;
    size_t cap = p->all_cap ? p->all_cap * 2 : 16;
    struct pool_lease **all = realloc(p->all, cap * sizeof(*all));
    if (all == NULL)
        return -ENOMEM;
    p->bytes += (cap - p->all_cap) * sizeof(*all);
    p->all = all;
    p->all_cap = cap;
    return 0;
}

void pool_all_add(struct ike_pool *p, struct pool_lease *l)
{
    l->slot = (uint32_t)p->nall;
    p->all[p->nall++] = l;
}

/* The last one takes its place: O(1), and the order only changes when the pool does. */
void pool_all_remove(struct ike_pool *p, struct pool_lease *l)
{
    struct pool_lease *last = p->all[--p->nall];
    p->all[l->slot] = last;
    last->slot = l->slot;
    l->slot = POOL_NO_SLOT;
}

void pool_list_append(struct pool_list *list, struct pool_lease *l)
{
    l->next = NULL;
    l->prev = list->tail;
    if (list->tail != NULL)
        list->tail->next = l;
    else
        list->head = l;
    list->tail = l;
}

void pool_list_unlink(struct pool_list *list, struct pool_lease *l)
{
    if (l->prev != NULL)
        l->prev->next = l->next;
    else
        list->head = l->next;
    if (l->next != NULL)
        l->next->prev = l->prev;
    else
        list->tail = l->prev;
    l->prev = l->next = NULL;
}

/* An address as a 128-bit number in two halves (IPv4: lo only). */
struct u128 {
    uint64_t hi, lo;
};

static uint64_t be64(const uint8_t *b)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

static void put_be64(uint8_t *b, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
}

static struct u128 to_u128(const struct ike_addr *a)
{
    struct u128 v;
    if (a->family == 6) {
        v.hi = be64(a->ip);
        v.lo = be64(a->ip + 8);
    } else {
        v.hi = 0;
        v.lo = (uint64_t)a->ip[0] << 24 | (uint64_t)a->ip[1] << 16 | (uint64_t)a->ip[2] << 8 |
               a->ip[3];
    }
    return v;
}

/* a - b when a >= b; false when a < b. */
static bool sub_u128(struct u128 a, struct u128 b, struct u128 *out)
{
    if (a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo))
        return false;
    out->lo = a.lo - b.lo;
    out->hi = a.hi - b.hi - (a.lo < b.lo);
    return true;
}

uint64_t pool_range_size(const struct ike_addr *first, const struct ike_addr *last)
{
    struct u128 d;
    if (!sub_u128(to_u128(last), to_u128(first), &d))
        return 0;
    if (d.hi != 0 || d.lo >= IKE_POOL_MAX_SIZE)
        return IKE_POOL_MAX_SIZE;
    return d.lo + 1;
}

int64_t pool_offset_of(const struct ike_pool *p, const struct ike_addr *a)
{
    struct u128 d;
    if (a->family != p->cfg.first.family || !sub_u128(to_u128(a), to_u128(&p->cfg.first), &d))
        return -1;
    if (d.hi != 0 || d.lo >= p->size)
        return -1;
    return (int64_t)d.lo;
}

void pool_addr_at(const struct ike_pool *p, uint32_t off, struct ike_addr *out)
{
    memset(out, 0, sizeof(*out));
    out->family = p->cfg.first.family;
    struct u128 v = to_u128(&p->cfg.first);
    v.lo += off;
    v.hi += v.lo < off; /* carry */
    if (out->family == 6) {
        put_be64(out->ip, v.hi);
        put_be64(out->ip + 8, v.lo);
    } else {
        for (unsigned i = 0; i < 4; i++)
            out->ip[i] = (uint8_t)(v.lo >> (24 - 8 * i));
    }
}
