/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the pool (lib/ike/pool only): the lease record, the two chained
 * hash tables that find it (by offset, by identity), the list of leases that
 * ike_pool_list pages through, and the 128-bit address arithmetic.
 */
#ifndef VEER_IKE_POOL_PRIV_H
#define VEER_IKE_POOL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_addr.h"
#include "ike_id.h"
#include "ike_pool.h"

/* The chains a lease is on: by its address's offset, by its owner's identity. */
enum { POOL_BY_OFF, POOL_BY_ID, POOL_NTABLES };

#define POOL_NO_SLOT UINT32_MAX

/*
 * One address that has been handed out at least once: online (refs > 0),
 * held (refs == 0, on the held list by release) or free (forgotten by the
 * operator: on the free list, owner meaningless, in the offset table only).
 * Allocated at offsetof(struct pool_lease, id) + id_len bytes.
 */
struct pool_lease {
    struct pool_lease *chain[POOL_NTABLES];
    struct pool_lease *prev, *next; /* held: the held list; free: the free list */
    uint64_t released_ns;
    uint32_t off;
    uint32_t refs;
    uint32_t slot;    /* index in pool.all; POOL_NO_SLOT when free */
    uint32_t id_hash; /* top 32 bits of the identity's keyed hash */
    uint8_t id_type, id_len;
    uint8_t id[];
};

/* A chained hash table, doubled when it holds more entries than buckets. */
struct pool_table {
    struct pool_lease **bucket;
    unsigned bits; /* 1 << bits buckets */
    size_t n;
};

/* A doubly linked list through prev/next, oldest first. */
struct pool_list {
    struct pool_lease *head, *tail;
};

struct ike_pool {
    struct ike_pool_cfg cfg;
    uint64_t size;
    uint32_t next_unused; /* offsets from here on were never handed out (unless in by_off) */
    uint64_t sip_k0, sip_k1;
    uint64_t off_mul, off_add;
    struct pool_table table[POOL_NTABLES];
    struct pool_list held, free;
    struct pool_lease **all; /* online and held leases, for ike_pool_list */
    size_t nall, all_cap;
    uint64_t online, nheld, exhausted;
    uint64_t bytes;
};

/* The record of a lease is this many bytes for an identity of id_len. */
static inline size_t pool_lease_size(unsigned id_len)
{
    return offsetof(struct pool_lease, id) + id_len;
}

/* pool_table.c: keys and hashes. */
void pool_keys_init(struct ike_pool *p, uint64_t seed);
uint32_t pool_id_hash(const struct ike_pool *p, const struct ike_id *id);
bool pool_lease_owned_by(const struct pool_lease *l, const struct ike_id *id, uint32_t hash);

/* pool_table.c: tables. _reserve makes room for one more entry (-ENOMEM, nothing changed). */
int pool_table_init(struct ike_pool *p, unsigned which);
int pool_table_reserve(struct ike_pool *p, unsigned which);
void pool_table_insert(struct ike_pool *p, unsigned which, struct pool_lease *l);
void pool_table_remove(struct ike_pool *p, unsigned which, struct pool_lease *l);
struct pool_lease *pool_find_off(const struct ike_pool *p, uint32_t off);
struct pool_lease *pool_find_id(const struct ike_pool *p, const struct ike_id *id, uint32_t hash);

/* pool_table.c: the list of online and held leases. */
int pool_all_reserve(struct ike_pool *p);
void pool_all_add(struct ike_pool *p, struct pool_lease *l);
void pool_all_remove(struct ike_pool *p, struct pool_lease *l);

/* pool_table.c: held and free lists. */
void pool_list_append(struct pool_list *list, struct pool_lease *l);
void pool_list_unlink(struct pool_list *list, struct pool_lease *l);

/* pool_table.c: addresses. Offset of `a` in the range, or -1 when outside it. */
int64_t pool_offset_of(const struct ike_pool *p, const struct ike_addr *a);
void pool_addr_at(const struct ike_pool *p, uint32_t off, struct ike_addr *out);
/* last - first + 1, cut to IKE_POOL_MAX_SIZE; 0 when first > last. */
uint64_t pool_range_size(const struct ike_addr *first, const struct ike_addr *last);

#endif
