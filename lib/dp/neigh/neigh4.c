/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 neighbours (ARP): the 4-byte key and its hash; the table's rules are
 * neigh_slots.h's, shared with IPv6.
 */
#include <string.h>

#include "dp_neigh.h"
#include "neigh_slots.h"

static uint32_t hash4(uint32_t ip)
{
    /*
     * Hosts of one subnet differ only in their last octet, which is the high
     * byte of the network-order word: a multiply alone would carry that byte
     * upwards only and put a whole /24 into four probe windows. A full 32-bit
     * mix spreads every bit over every other.
     */
    return neigh_mix(ip);
}

bool dp_neigh_learn(struct dp_neigh_table *t, uint32_t ip, uint16_t port,
                    const struct rte_ether_addr *mac, uint64_t now_ns)
{
    if (ip == 0)
        return false;
    bool kept =
        neigh_slots_learn(t->slot, hash4(ip), (const uint8_t *)&ip, sizeof(ip), port, mac, now_ns);
    neigh_learnt(t);
    return kept;
}

bool dp_neigh_lookup(const struct dp_neigh_table *t, uint32_t ip, struct rte_ether_addr *mac,
                     uint16_t *port)
{
    return neigh_slots_lookup(t->slot, hash4(ip), (const uint8_t *)&ip, sizeof(ip), mac, port);
}

unsigned dp_neigh_list4(const struct dp_neigh_table *t, struct dp_neigh_entry *out, unsigned max)
{
    return neigh_slots_list(t->slot, 4, sizeof(uint32_t), out, max);
}
