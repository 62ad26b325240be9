/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbours: IPv4 (ARP) and IPv6 (neighbour discovery, RFC 4861) in two
 * tables of the same kind, written by the control lcore only, read by every
 * lcore without locks. Each slot is guarded by a sequence number (odd while
 * being written), so a reader either sees a whole entry or retries; writers
 * never wait for readers. Learnt entries age (neigh_age.c): one not confirmed
 * for a while is asked for again by unicast, and removed when it stays silent.
 */
#ifndef VEER_DP_NEIGH_H
#define VEER_DP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#define DP_NEIGH_SLOTS 4096 /* power of two; open addressing, short probe */
#define DP_NEIGH_PROBE 16

/*
 * One neighbour, either family: the key is 4 bytes (IPv4, the rest zero) or
 * 16 (IPv6), network order; all zero: the slot is empty.
 */
struct dp_neigh_slot {
    uint32_t seq;
    uint8_t ip[16]; /* 4-aligned: an IPv4 key reads as one word */
    uint16_t port;
    struct rte_ether_addr mac;
    uint8_t probes;      /* unicast probes unanswered since updated_ns */
    uint64_t updated_ns; /* last confirmed: learnt, or refreshed by a reply */
    uint64_t probed_ns;  /* when the last of those probes went */
};

#define DP_NEIGH6_SLOTS DP_NEIGH_SLOTS /* as many as for IPv4: one slot type, one hash */

struct dp_neigh_table {
    struct dp_neigh_slot slot[DP_NEIGH_SLOTS];
    struct dp_neigh_slot slot6[DP_NEIGH6_SLOTS];
    /* Where aging goes on in each table (control lcore only; neigh_age.c). */
    unsigned age_cursor4, age_cursor6;
    /*
     * Entries learnt so far, either family, written (release) after the slot
     * by the control lcore: a worker holding packets for unknown neighbours
     * (dp_neigh_hold.h) looks them up again only when it moved.
     */
    uint32_t learnt;
};

/*
 * Control lcore: learns or refreshes ip -> mac on port (a refreshed entry is
 * confirmed: its unanswered probes are forgotten). When the probe window
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

/*
 * Control lcore: a solicited advertisement without a target link-layer option
 * (the answer to a unicast solicitation may omit it, RFC 4861 7.2.4) confirms
 * a learnt entry as it is (7.2.5); a configured one is left alone. false
 * when ip has no entry.
 */
bool dp_neigh_confirm6(struct dp_neigh_table *t, const uint8_t ip[16], uint64_t now_ns);

/*
 * Aging (neigh_age.c), RFC 4861 7.3's REACHABLE -> PROBE -> gone for both
 * families, on the control lcore's tick: a learnt entry not confirmed for
 * reachable_ns is probed by unicast (ARP request or neighbour solicitation to
 * its MAC) at most once per DP_NEIGH_PROBE_INTERVAL_NS, and removed one
 * interval after the last of `probes` went unanswered. Workers go on using it
 * meanwhile; once removed they miss, and ask by broadcast or multicast again.
 */
struct dp_neigh_aging {
    uint64_t reachable_ns; /* 0: never age (configured entries never do) */
    unsigned probes;       /* 0: removed as soon as it is due */
};

#define DP_NEIGH_PROBE_INTERVAL_NS 1000000000ull /* RFC 4861 RETRANS_TIMER */
/* Slots of each table looked at per call: a whole table every 4 calls (400 ms at 100 ms). */
#define DP_NEIGH_AGE_SLOTS 1024
/* Probes per call at most, both families together (the rest wait for the next call). */
#define DP_NEIGH_AGE_MAX_PROBES 32

/* A probe the caller is to send: to ip at mac through port. */
struct dp_neigh_probe {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16]; /* network order; the first 4 bytes for IPv4 */
    uint16_t port;
    struct rte_ether_addr mac;
};

/*
 * Control lcore: looks at the next DP_NEIGH_AGE_SLOTS slots of each table,
 * removes the entries whose probes went unanswered (adding their number to
 * *expired) and records up to max probes due into out (at most half of them
 * for IPv4, so neither family starves the other); returns how many. A slot
 * whose probe did not fit is looked at again on the next call.
 */
unsigned dp_neigh_age(struct dp_neigh_table *t, const struct dp_neigh_aging *a, uint64_t now_ns,
                      struct dp_neigh_probe *out, unsigned max, uint64_t *expired);

/* One entry as telemetry lists it (either family). */
struct dp_neigh_entry {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16]; /* network order; the first 4 bytes for IPv4 */
    uint16_t port;
    struct rte_ether_addr mac;
    uint64_t updated_ns; /* DP_NEIGH_STATIC for a configured entry */
    uint8_t probes;      /* unicast probes unanswered so far (aging) */
};

/*
 * Any thread: copies up to max entries, IPv4 (neigh4.c) or IPv6 (neigh6.c),
 * into out, each read whole (a slot being rewritten is skipped); returns how
 * many were copied.
 */
unsigned dp_neigh_list4(const struct dp_neigh_table *t, struct dp_neigh_entry *out, unsigned max);
unsigned dp_neigh_list6(const struct dp_neigh_table *t, struct dp_neigh_entry *out, unsigned max);

#endif
