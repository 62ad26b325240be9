/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore: drains the ring the workers fill (IKE, ARP, IPv6
 * neighbour discovery), answers ARP and neighbour solicitations for the
 * gateway's addresses and learns neighbours, runs lib/ike over IPv4 and IPv6
 * with a backend that sends through the ports' control TX queues, and ticks
 * its timers. It never blocks, and nothing it does makes a worker wait.
 */
#ifndef VEER_DP_CTRL_H
#define VEER_DP_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "dp_classify.h"
#include "dp_esp.h"
#include "dp_neigh.h"
#include "dp_port.h"
#include "dp_qcd.h"
#include "dp_route_table.h"
#include "ike.h"

#define DP_CTRL_COUNTER_LIST(X)                                                                    \
    X(rx_packets)                                                                                  \
    X(rx_ike)                                                                                      \
    X(rx_arp)                                                                                      \
    X(rx_nd) /* IPv6 neighbour solicitations and advertisements */                                 \
    X(rx_malformed)                                                                                \
    X(nd_bad_hop_limit)     /* ND not sent with hop limit 255: from off the link, ignored */       \
    X(nd_bad_checksum)      /* ND with a wrong ICMPv6 checksum */                                  \
    X(rx_bad_udp6_checksum) /* IKE over IPv6 with a zero or wrong UDP checksum */                  \
    X(nd_adverts)           /* neighbour advertisements sent for our addresses */                  \
    X(nd_solicits)          /* neighbour solicitations sent to resolve a peer */                   \
    X(arp_replies)                                                                                 \
    X(arp_requests)                                                                                \
    X(neigh_probes)  /* unicast ARP requests and solicitations to confirm an aging neighbour */    \
    X(neigh_expired) /* learnt neighbours removed after their probes went unanswered */            \
    X(tx_ike)                                                                                      \
    X(tx_no_port)        /* no port has the local address */                                       \
    X(tx_no_route)       /* no connected subnet and no route leads to the peer */                  \
    X(tx_too_big)        /* an IKE datagram too long even in fragments (> 64 KiB) */               \
    X(tx_ike_fragmented) /* IKE datagrams sent as IPv4 or IPv6 fragments (over the port's MTU) */  \
    X(tx_no_neighbour)   /* its MAC is not known yet: an ARP request went out instead */           \
    X(tx_no_mbuf)                                                                                  \
    X(tx_full)                                                                                     \
    X(child_sa_installed)                                                                          \
    X(child_sa_refused) /* an algorithm the ESP engine does not do: logged with the reason */      \
    X(child_sa_removed)                                                                            \
    X(child_sa_moved)   /* outbound SAs sent to a NATed peer's new address (RFC 7296 2.23) */      \
    X(child_sa_rebinds) /* workers' reports of ESP from a NATed peer's new mapping, to lib/ike */  \
    X(child_sa_rebind_unknown) /* ... whose Child SA lib/ike no longer has */                      \
    X(child_sa_seq_rekeys) /* rekeys asked for by an outbound SA running out of sequence numbers   \
                            */                                                                     \
    X(qcd_spi_add_failed)  /* an IKE SPI the workers' table refused: they stopped answering (QCD)  \
                            */

#define DP_X_FIELD(n) uint64_t n;
struct dp_ctrl_counters {
    DP_CTRL_COUNTER_LIST(DP_X_FIELD)
};
#undef DP_X_FIELD

struct dp_ctrl {
    struct rte_ring *from_workers;
    struct rte_mempool *pool;
    const struct dp_port *ports;
    unsigned nports;
    struct dp_neigh_table *neigh;
    struct dp_sadb *sadb; /* where Child SAs go for the workers */
    struct dp_qcd *qcd;   /* our IKE SPIs, for the workers' QCD replies (NULL: none) */
    struct ike_ctx *ike;
    /*
     * Where IKE to a peer goes, and the gateway's addresses (its ports' and
     * anycast ones: ARP and ND answered, IKE sent from them). NULL: connected
     * subnets of the ports' first addresses only, as in tests.
     */
    struct dp_route_table *routes;
    /* This lcore's copy of routes' addresses (dp_ctrl_addrs), and its addr_changes. */
    struct dp_addrs addrs;
    uint64_t addrs_seen;
    struct dp_neigh_aging neigh_aging; /* zero: learnt neighbours never age */
    /* Identifications of the IKE datagrams it fragments: from random bases (dp_ctrl_backend). */
    uint16_t ip_id;    /* IPv4 */
    uint32_t frag_id6; /* IPv6 Fragment header */
    enum ike_log_level log_level;
    struct dp_ctrl_counters counters;
};

/*
 * The lib/ike backend over the ports (opaque: the dp_ctrl); seeds c's
 * fragment identification counters with random values.
 */
struct ike_backend dp_ctrl_backend(struct dp_ctrl *c);

/* Every tick: rekeys the Child SAs whose outbound sequence numbers are running out. */
void dp_ctrl_rekey_exhausting(struct dp_ctrl *c);

/*
 * Every tick: hands each Child SA's counts and last use to lib/ike (byte
 * lifetimes, liveness, telemetry).
 */
void dp_ctrl_report_traffic(struct dp_ctrl *c);

/* The clock neighbours are learnt and aged by (CLOCK_MONOTONIC, ns). */
uint64_t dp_ctrl_now_ns(void);

/*
 * Every tick: ages the learnt neighbours (dp_neigh_age), sending the probes
 * due by unicast from the entry's port (ARP request, neighbour solicitation)
 * and counting them and the entries removed. now_ns: dp_ctrl_now_ns().
 */
void dp_ctrl_age_neighbours(struct dp_ctrl *c, uint64_t now_ns);

/*
 * The gateway's addresses as the control lcore sees them: a copy of the route
 * table's, taken again when it changed (dp_route_table_addr_changes).
 */
const struct dp_addrs *dp_ctrl_addrs(struct dp_ctrl *c);

/*
 * Tells the link about our address a (a new one: an operator added it):
 * a gratuitous ARP request (RFC 5227 3) or an unsolicited neighbour
 * advertisement to all nodes (RFC 4861 7.2.6), so neighbours that cached
 * another MAC for it update. Nothing for an anycast address.
 */
void dp_ctrl_announce(struct dp_ctrl *c, const struct dp_addr *a);

/*
 * Every loop: hands the workers' reports of authentic ESP from a NATed
 * peer's new mapping to lib/ike (ike_child_peer_moved), which checks the
 * peer there before the SA moves. Returns how many it took.
 */
unsigned dp_ctrl_rebinds(struct dp_ctrl *c);

/* Takes up to a burst from the workers' ring; returns how many packets it handled. */
unsigned dp_ctrl_poll(struct dp_ctrl *c);

#endif
