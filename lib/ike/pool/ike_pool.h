/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address pools for virtual IPs (RFC 7296 2.19, 3.15): one pool is one
 * contiguous range of one family. A lease ties an address to a client
 * identity; every IKE SA using it holds a reference. When the last goes the
 * lease is held for that identity for hold_s, so a reconnecting client gets
 * the same address back; after that the address may go to another identity
 * (the identity still gets it back while nobody took it).
 *
 * Sized for millions of leases: acquire, release and lookups are O(1)
 * (hash tables and lists, no scan of the range), and memory grows with the
 * leases made, not with the size of the range (a /64 costs nothing until
 * used). Never touched by more than one thread; no clock of its own.
 */
#ifndef VEER_IKE_POOL_H
#define VEER_IKE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_addr.h"
#include "ike_id.h"

#define IKE_POOL_NAME_MAX 32
#define IKE_POOL_MAX_DNS 4
/* Ranges larger than this are cut to their first IKE_POOL_MAX_SIZE addresses. */
#define IKE_POOL_MAX_SIZE 0xffffffffu

struct ike_pool_cfg {
    char name[IKE_POOL_NAME_MAX];
    struct ike_addr first, last; /* inclusive, same family, first <= last; ports ignored */
    uint8_t prefix_len;          /* of the network the addresses belong to (NETMASK, IP6 prefix) */
    unsigned hold_s;             /* a released lease stays its identity's this long */
    /* Handed out with the address (INTERNAL_IP4_DNS / INTERNAL_IP6_DNS), either family. */
    struct ike_addr dns[IKE_POOL_MAX_DNS];
    unsigned ndns;
};

struct ike_pool;

/*
 * A pool for `cfg` (copied), or NULL when the configuration is invalid
 * (mixed families, first after last, empty name; also: a name without its
 * NUL, prefix_len longer than the family's, ndns over IKE_POOL_MAX_DNS, a
 * DNS address of neither family) or memory runs out.
 * `hash_seed` (random, from the caller) keys the identity hash.
 */
struct ike_pool *ike_pool_new(const struct ike_pool_cfg *cfg, uint64_t hash_seed);
void ike_pool_free(struct ike_pool *p);
const struct ike_pool_cfg *ike_pool_cfg(const struct ike_pool *p);

/*
 * An address for `owner`, one more reference to its lease: the identity's
 * own lease (online or held) if it has one; else `requested` (NULL or family
 * mismatch: none) when inside the range and nobody's; else a free address.
 * Returns 0 and fills *out (port 0), -ENOSPC when the pool is exhausted,
 * -ENOMEM (the pool unchanged), -EOVERFLOW when the lease already has
 * UINT32_MAX references. now_ns must not go backwards (a monotonic clock).
 */
int ike_pool_acquire(struct ike_pool *p, const struct ike_id *owner,
                     const struct ike_addr *requested, uint64_t now_ns, struct ike_addr *out);

/*
 * Drops one reference to the lease of `addr`; at zero the lease is held
 * until now_ns + hold_s. Returns 0, or -ENOENT when addr has no online lease.
 */
int ike_pool_release(struct ike_pool *p, const struct ike_addr *addr, uint64_t now_ns);

/*
 * The operator's release: forgets the held lease of `addr` at once.
 * Returns 0, -ENOENT (no lease), -EBUSY (still referenced: delete its SAs first).
 */
int ike_pool_forget(struct ike_pool *p, const struct ike_addr *addr);

bool ike_pool_contains(const struct ike_pool *p, const struct ike_addr *addr);

struct ike_pool_stats {
    uint64_t size;      /* addresses in the range (at most IKE_POOL_MAX_SIZE) */
    uint64_t online;    /* leases with references */
    uint64_t held;      /* leases without, still reserved for their identity or not yet reused */
    uint64_t free;      /* size - online - held */
    uint64_t exhausted; /* acquire calls answered -ENOSPC */
    uint64_t bytes;     /* memory the pool holds now */
};
void ike_pool_stats(const struct ike_pool *p, struct ike_pool_stats *out);

struct ike_pool_lease {
    struct ike_addr addr;
    struct ike_id owner;
    uint32_t refs;        /* IKE SAs using it; 0: held */
    uint64_t released_ns; /* when refs went to 0 (held leases) */
};

/*
 * Up to `max` leases (online and held) after skipping `skip`, in a stable
 * order while the pool does not change (telemetry pages through it).
 * Returns how many were written.
 */
size_t ike_pool_list(const struct ike_pool *p, size_t skip, struct ike_pool_lease *out, size_t max);

/* The lease of `addr`; false when none. */
bool ike_pool_lookup(const struct ike_pool *p, const struct ike_addr *addr,
                     struct ike_pool_lease *out);

#endif
