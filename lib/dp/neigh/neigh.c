/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_neigh.h"

#include <string.h>

#include <rte_atomic.h>

static unsigned slot_of(uint32_t ip, unsigned i)
{
    /*
     * Hosts of one subnet differ only in their last octet, which is the high
     * byte of the network-order word: a multiply alone would carry that byte
     * upwards only and put a whole /24 into four probe windows. A full 32-bit
     * mix (murmur3's finaliser) spreads every bit over every other.
     */
    uint32_t h = ip;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return (h + i) & (DP_NEIGH_SLOTS - 1);
}

bool dp_neigh_learn(struct dp_neigh_table *t, uint32_t ip, uint16_t port,
                    const struct rte_ether_addr *mac, uint64_t now_ns)
{
    if (ip == 0)
        return false;
    struct dp_neigh_slot *free_slot = NULL, *oldest = NULL, *s = NULL;
    for (unsigned i = 0; i < DP_NEIGH_PROBE; i++) {
        struct dp_neigh_slot *c = &t->slot[slot_of(ip, i)];
        if (c->ip == ip) {
            s = c;
            break;
        }
        if (c->ip == 0 && free_slot == NULL)
            free_slot = c;
        if (oldest == NULL || c->updated_ns < oldest->updated_ns)
            oldest = c;
    }
    /*
     * A full window gives up its least recently confirmed entry: a flood of
     * made-up sources must not lock real neighbours out for good. The one
     * pushed out is asked for again (ARP) the next time it is needed.
     */
    bool evicted = s == NULL && free_slot == NULL;
    if (s != NULL && s->updated_ns == DP_NEIGH_STATIC && now_ns != DP_NEIGH_STATIC)
        return true; /* the operator's entry wins over what ARP says */
    if (s == NULL)
        s = free_slot != NULL ? free_slot : oldest;
    /* Odd while writing: readers retry instead of seeing half an entry. */
    __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    s->port = port;
    s->mac = *mac;
    s->updated_ns = now_ns;
    s->probes = 0;
    s->probed_ns = 0;
    __atomic_store_n(&s->ip, ip, __ATOMIC_RELAXED);
    __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
    return !evicted;
}

static bool read_slot(const struct dp_neigh_slot *s, uint32_t ip, struct rte_ether_addr *mac,
                      uint16_t *port, bool *found)
{
    uint32_t before = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
    if (before & 1)
        return false;
    uint32_t got = __atomic_load_n(&s->ip, __ATOMIC_RELAXED);
    struct rte_ether_addr m = s->mac;
    uint16_t p = s->port;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != before)
        return false;
    *found = got == ip;
    if (*found) {
        *mac = m;
        *port = p;
    }
    return true;
}

bool dp_neigh_lookup(const struct dp_neigh_table *t, uint32_t ip, struct rte_ether_addr *mac,
                     uint16_t *port)
{
    for (unsigned i = 0; i < DP_NEIGH_PROBE; i++) {
        const struct dp_neigh_slot *s = &t->slot[slot_of(ip, i)];
        bool found = false;
        /* A slot being rewritten is retried a few times, then taken as a miss. */
        unsigned tries = 0;
        while (!read_slot(s, ip, mac, port, &found) && ++tries < 4)
            rte_pause();
        if (found)
            return true;
    }
    return false;
}

unsigned dp_neigh_list4(const struct dp_neigh_table *t, struct dp_neigh_entry *out, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < DP_NEIGH_SLOTS && n < max; i++) {
        const struct dp_neigh_slot *s = &t->slot[i];
        uint32_t before = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
        struct dp_neigh_entry e = {.family = 4, .port = s->port, .mac = s->mac};
        uint32_t ip = __atomic_load_n(&s->ip, __ATOMIC_RELAXED);
        e.updated_ns = s->updated_ns;
        e.probes = s->probes;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if ((before & 1) || ip == 0 || __atomic_load_n(&s->seq, __ATOMIC_RELAXED) != before)
            continue;
        memcpy(e.ip, &ip, 4);
        out[n++] = e;
    }
    return n;
}
