/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/dp/neigh: the operations on a table of slots that are the same
 * for ARP and neighbour discovery, written once for a key of `len` bytes (4
 * or 16) that hashes to `h` (neigh4.c, neigh6.c compute it). A slot is
 * looked for at h, h + 1 ... for DP_NEIGH_PROBE slots. Always inlined with a
 * constant len, so the IPv4 lookup on the forwarding path compares one word
 * as a copy written for IPv4 alone would.
 *
 * The sequence lock: the control lcore, the only writer, makes a slot's seq
 * odd, writes, and makes it even again; a reader copies the slot between two
 * reads of seq and retries when it was odd or moved. Writers never wait.
 */
#ifndef VEER_DP_NEIGH_SLOTS_H
#define VEER_DP_NEIGH_SLOTS_H

#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_pause.h>

#include "dp_neigh.h"

_Static_assert(DP_NEIGH6_SLOTS == DP_NEIGH_SLOTS, "one mask serves both tables");

/* murmur3's 32-bit finaliser: every bit of h spread over every other. */
static inline uint32_t neigh_mix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static __rte_always_inline bool neigh_key_empty(const uint8_t *key, size_t len)
{
    static const uint8_t zero[16];
    return memcmp(key, zero, len) == 0;
}

/* The i-th slot of the probe window that starts at h. */
static __rte_always_inline unsigned neigh_at(uint32_t h, unsigned i)
{
    return (h + i) & (DP_NEIGH_SLOTS - 1);
}

/* The writer's half of the sequence lock: odd while the slot changes. */
static inline void neigh_write_begin(uint32_t *seq)
{
    __atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void neigh_write_end(uint32_t *seq)
{
    __atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

/* After a learn: the count workers holding packets watch (dp_neigh_hold.h); the slot is written. */
static inline void neigh_learnt(struct dp_neigh_table *t)
{
    __atomic_store_n(&t->learnt, t->learnt + 1, __ATOMIC_RELEASE);
}

/* dp_neigh_learn's rules (dp_neigh.h) for a key of len bytes; the caller refused an empty key. */
static __rte_always_inline bool neigh_slots_learn(struct dp_neigh_slot *slots, uint32_t h,
                                                  const uint8_t *key, size_t len, uint16_t port,
                                                  const struct rte_ether_addr *mac, uint64_t now_ns)
{
    struct dp_neigh_slot *free_slot = NULL, *oldest = NULL, *s = NULL;
    for (unsigned i = 0; i < DP_NEIGH_PROBE; i++) {
        struct dp_neigh_slot *c = &slots[neigh_at(h, i)];
        if (memcmp(c->ip, key, len) == 0) {
            s = c;
            break;
        }
        if (neigh_key_empty(c->ip, len) && free_slot == NULL)
            free_slot = c;
        if (oldest == NULL || c->updated_ns < oldest->updated_ns)
            oldest = c;
    }
    /*
     * A full window gives up its least recently confirmed entry: a flood of
     * made-up sources must not lock real neighbours out for good. The one
     * pushed out is asked for again the next time it is needed.
     */
    bool evicted = s == NULL && free_slot == NULL;
    if (s != NULL && s->updated_ns == DP_NEIGH_STATIC && now_ns != DP_NEIGH_STATIC)
        return true; /* the operator's entry wins over what ARP or ND says */
    if (s == NULL)
        s = free_slot != NULL ? free_slot : oldest;
    neigh_write_begin(&s->seq);
    s->port = port;
    s->mac = *mac;
    s->updated_ns = now_ns;
    s->probes = 0;
    s->probed_ns = 0;
    memcpy(s->ip, key, len);
    neigh_write_end(&s->seq);
    return !evicted;
}

/* One try at a slot: false when it was being written; else *found says whether it holds key. */
static __rte_always_inline bool neigh_read_slot(const struct dp_neigh_slot *s, const uint8_t *key,
                                                size_t len, struct rte_ether_addr *mac,
                                                uint16_t *port, bool *found)
{
    uint32_t before = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
    if (before & 1)
        return false;
    uint8_t got[16];
    memcpy(got, s->ip, len);
    struct rte_ether_addr m = s->mac;
    uint16_t p = s->port;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != before)
        return false;
    *found = memcmp(got, key, len) == 0;
    if (*found) {
        *mac = m;
        *port = p;
    }
    return true;
}

/* The MAC and port of key; false when unknown. Any lcore. */
static __rte_always_inline bool neigh_slots_lookup(const struct dp_neigh_slot *slots, uint32_t h,
                                                   const uint8_t *key, size_t len,
                                                   struct rte_ether_addr *mac, uint16_t *port)
{
    for (unsigned i = 0; i < DP_NEIGH_PROBE; i++) {
        const struct dp_neigh_slot *s = &slots[neigh_at(h, i)];
        bool found = false;
        /* A slot being rewritten is retried a few times, then taken as a miss. */
        unsigned tries = 0;
        while (!neigh_read_slot(s, key, len, mac, port, &found) && ++tries < 4)
            rte_pause();
        if (found)
            return true;
    }
    return false;
}

/* dp_neigh_confirm6's rules for a key of len bytes: a learnt entry confirmed as it is. */
static __rte_always_inline bool neigh_slots_confirm(struct dp_neigh_slot *slots, uint32_t h,
                                                    const uint8_t *key, size_t len, uint64_t now_ns)
{
    for (unsigned i = 0; i < DP_NEIGH_PROBE && !neigh_key_empty(key, len); i++) {
        struct dp_neigh_slot *s = &slots[neigh_at(h, i)];
        if (memcmp(s->ip, key, len) != 0)
            continue;
        if (s->updated_ns == DP_NEIGH_STATIC)
            return true;
        neigh_write_begin(&s->seq);
        s->updated_ns = now_ns;
        s->probes = 0;
        neigh_write_end(&s->seq);
        return true;
    }
    return false;
}

/* Copies up to max entries of family (key len bytes) into out, each read whole. */
static __rte_always_inline unsigned neigh_slots_list(const struct dp_neigh_slot *slots,
                                                     uint8_t family, size_t len,
                                                     struct dp_neigh_entry *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < DP_NEIGH_SLOTS && n < max; i++) {
        const struct dp_neigh_slot *s = &slots[i];
        uint32_t before = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
        struct dp_neigh_entry e = {.family = family, .port = s->port, .mac = s->mac};
        memcpy(e.ip, s->ip, len);
        e.updated_ns = s->updated_ns;
        e.probes = s->probes;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if ((before & 1) || neigh_key_empty(e.ip, len) ||
            __atomic_load_n(&s->seq, __ATOMIC_RELAXED) != before)
            continue;
        out[n++] = e;
    }
    return n;
}

#endif
