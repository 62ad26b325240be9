/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbours: IPv4 (ARP) and IPv6 (neighbour discovery, RFC 4861) in two
 * tables of the same kind, written by the control lcore only, read by every
 * lcore without locks. Each slot is guarded by a sequence number (odd while
 * being written), so a reader either sees a whole entry or retries; writers
 * never wait for readers.
 */
#ifndef VEER_DP_NEIGH_H
#define VEER_DP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#define DP_NEIGH_SLOTS 4096 /* power of two; open addressing, short probe */
#define DP_NEIGH_PROBE 16

struct dp_neigh_slot {
    uint32_t seq;
    uint32_t ip; /* network order; 0: empty */
    uint16_t port;
    struct rte_ether_addr mac;
    uint64_t updated_ns;
};

/* An IPv6 neighbour: the same fields with a 16-byte key (all zero: empty). */
#define DP_NEIGH6_SLOTS 4096 /* as many as for IPv4 */
struct dp_neigh6_slot {
    uint32_t seq;
    uint16_t port;
    struct rte_ether_addr mac;
    uint8_t ip[16];
    uint64_t updated_ns;
};

struct dp_neigh_table {
    struct dp_neigh_slot slot[DP_NEIGH_SLOTS];
    struct dp_neigh6_slot slot6[DP_NEIGH6_SLOTS];
};

/*
 * Control lcore: learns or refreshes ip -> mac on port. When the probe window
 * is full the least recently confirmed entry in it is replaced, and the
 * return is false (the caller may count it); ip 0 is never learnt.
 */
/* now_ns for a configured entry: never replaced by ARP, never the oldest. */
#define DP_NEIGH_STATIC UINT64_MAX

bool dp_neigh_learn(struct dp_neigh_table *t, uint32_t ip, uint16_t port,
                    const struct rte_ether_addr *mac, uint64_t now_ns);

/* Any lcore: the MAC and port of ip; false when unknown. */
bool dp_neigh_lookup(const struct dp_neigh_table *t, uint32_t ip, struct rte_ether_addr *mac,
                     uint16_t *port);

/*
 * The same for IPv6 (neigh6.c): learnt from neighbour advertisements and the
 * source link-layer option of solicitations; the unspecified address is
 * never learnt; the same static and replacement rules.
 */
bool dp_neigh_learn6(struct dp_neigh_table *t, const uint8_t ip[16], uint16_t port,
                     const struct rte_ether_addr *mac, uint64_t now_ns);
bool dp_neigh_lookup6(const struct dp_neigh_table *t, const uint8_t ip[16],
                      struct rte_ether_addr *mac, uint16_t *port);

/* One entry as telemetry lists it (either family). */
struct dp_neigh_entry {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16]; /* network order; the first 4 bytes for IPv4 */
    uint16_t port;
    struct rte_ether_addr mac;
    uint64_t updated_ns; /* DP_NEIGH_STATIC for a configured entry */
};

/*
 * Any thread: copies up to max entries, IPv4 (neigh.c) or IPv6 (neigh6.c),
 * into out, each read whole (a slot being rewritten is skipped); returns how
 * many were copied.
 */
unsigned dp_neigh_list4(const struct dp_neigh_table *t, struct dp_neigh_entry *out, unsigned max);
unsigned dp_neigh_list6(const struct dp_neigh_table *t, struct dp_neigh_entry *out, unsigned max);

#endif
