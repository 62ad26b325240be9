/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 neighbours (neighbour discovery): the 16-byte key, its hash, and the
 * confirmation only neighbour discovery has; the table's rules are
 * neigh_slots.h's, shared with IPv4.
 */
#include <string.h>

#include "dp_neigh.h"
#include "neigh_slots.h"

#define KEY 16

static uint32_t hash6(const uint8_t ip[KEY])
{
    /*
     * Hosts of one /64 differ in their interface identifiers, the last 8
     * bytes: every word is folded in before the mix (neigh4.c says why).
     */
    uint32_t w[4];
    memcpy(w, ip, KEY);
    return neigh_mix(w[0] ^ w[1] * 0x9e3779b1u ^ w[2] * 0x85ebca77u ^ w[3]);
}

bool dp_neigh_learn6(struct dp_neigh_table *t, const uint8_t ip[16], uint16_t port,
                     const struct rte_ether_addr *mac, uint64_t now_ns)
{
    if (neigh_key_empty(ip, KEY))
        return false;
    bool kept = neigh_slots_learn(t->slot6, hash6(ip), ip, KEY, port, mac, now_ns);
    neigh_learnt(t);
    return kept;
}

bool dp_neigh_confirm6(struct dp_neigh_table *t, const uint8_t ip[16], uint64_t now_ns)
{
    return neigh_slots_confirm(t->slot6, hash6(ip), ip, KEY, now_ns);
}

bool dp_neigh_lookup6(const struct dp_neigh_table *t, const uint8_t ip[16],
                      struct rte_ether_addr *mac, uint16_t *port)
{
    return neigh_slots_lookup(t->slot6, hash6(ip), ip, KEY, mac, port);
}

unsigned dp_neigh_list6(const struct dp_neigh_table *t, struct dp_neigh_entry *out, unsigned max)
{
    return neigh_slots_list(t->slot6, 6, KEY, out, max);
}
