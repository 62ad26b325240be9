/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 neighbours: neigh.c's table and rules with 16-byte keys. The writer
 * bumps a slot's sequence number to odd, writes, and back to even; readers
 * copy the slot and retry when the number was odd or moved.
 */
#include <string.h>

#include <rte_pause.h>

#include "dp_neigh.h"

static const uint8_t unspecified[16];

static unsigned slot_of(const uint8_t ip[16], unsigned i)
{
    /*
     * Hosts of one /64 differ in their interface identifiers, the last 8
     * bytes: every word is folded in, then murmur3's finaliser spreads every
     * bit over every other (as neigh.c does for IPv4).
     */
    uint32_t w[4];
    memcpy(w, ip, 16);
    uint32_t h = w[0] ^ w[1] * 0x9e3779b1u ^ w[2] * 0x85ebca77u ^ w[3];
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return (h + i) & (DP_NEIGH6_SLOTS - 1);
}

static bool slot_empty(const struct dp_neigh6_slot *s)
{
    return memcmp(s->ip, unspecified, 16) == 0;
}

bool dp_neigh_learn6(struct dp_neigh_table *t, const uint8_t ip[16], uint16_t port,
                     const struct rte_ether_addr *mac, uint64_t now_ns)
{
    if (memcmp(ip, unspecified, 16) == 0)
        return false;
    struct dp_neigh6_slot *free_slot = NULL, *oldest = NULL, *s = NULL;
    for (unsigned i = 0; i < DP_NEIGH_PROBE; i++) {
        struct dp_neigh6_slot *c = &t->slot6[slot_of(ip, i)];
        if (memcmp(c->ip, ip, 16) == 0) {
            s = c;
            break;
        }
        if (slot_empty(c) && free_slot == NULL)
            free_slot = c;
        if (oldest == NULL || c->updated_ns < oldest->updated_ns)
            oldest = c;
    }
    /* A full window gives up its least recently confirmed entry (neigh.c says why). */
    bool evicted = s == NULL && free_slot == NULL;
    if (s != NULL && s->updated_ns == DP_NEIGH_STATIC && now_ns != DP_NEIGH_STATIC)
        return true; /* the operator's entry wins over what neighbour discovery says */
    if (s == NULL)
        s = free_slot != NULL ? free_slot : oldest;
    __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    s->port = port;
    s->mac = *mac;
    s->updated_ns = now_ns;
    s->probes = 0;
    s->probed_ns = 0;
    memcpy(s->ip, ip, 16);
    __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
    return !evicted;
}

bool dp_neigh_confirm6(struct dp_neigh_table *t, const uint8_t ip[16], uint64_t now_ns)
{
    for (unsigned i = 0; i < DP_NEIGH_PROBE && memcmp(ip, unspecified, 16) != 0; i++) {
        struct dp_neigh6_slot *s = &t->slot6[slot_of(ip, i)];
        if (memcmp(s->ip, ip, 16) != 0)
            continue;
        if (s->updated_ns == DP_NEIGH_STATIC)
            return true;
        __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        s->updated_ns = now_ns;
        s->probes = 0;
        __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
        return true;
    }
    return false;
}

static bool read_slot(const struct dp_neigh6_slot *s, const uint8_t ip[16],
                      struct rte_ether_addr *mac, uint16_t *port, bool *found)
{
    uint32_t before = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
    if (before & 1)
        return false;
    uint8_t got[16];
    memcpy(got, s->ip, 16);
    struct rte_ether_addr m = s->mac;
    uint16_t p = s->port;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != before)
        return false;
    *found = memcmp(got, ip, 16) == 0;
    if (*found) {
        *mac = m;
        *port = p;
    }
    return true;
}

bool dp_neigh_lookup6(const struct dp_neigh_table *t, const uint8_t ip[16],
                      struct rte_ether_addr *mac, uint16_t *port)
{
    for (unsigned i = 0; i < DP_NEIGH_PROBE; i++) {
        const struct dp_neigh6_slot *s = &t->slot6[slot_of(ip, i)];
        bool found = false;
        unsigned tries = 0;
        while (!read_slot(s, ip, mac, port, &found) && ++tries < 4)
            rte_pause();
        if (found)
            return true;
    }
    return false;
}

unsigned dp_neigh_list6(const struct dp_neigh_table *t, struct dp_neigh_entry *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < DP_NEIGH6_SLOTS && n < max; i++) {
        const struct dp_neigh6_slot *s = &t->slot6[i];
        uint32_t before = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
        struct dp_neigh_entry e = {.family = 6, .port = s->port, .mac = s->mac};
        memcpy(e.ip, s->ip, 16);
        e.updated_ns = s->updated_ns;
        e.probes = s->probes;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if ((before & 1) || memcmp(e.ip, unspecified, 16) == 0 ||
            __atomic_load_n(&s->seq, __ATOMIC_RELAXED) != before)
            continue;
        out[n++] = e;
    }
    return n;
}
