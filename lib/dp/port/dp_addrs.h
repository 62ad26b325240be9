/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's own addresses, both families in one list: every address of
 * every port (dataplane.ports[].address, address6, addresses, and those added
 * at run time) with its subnet and port, and the anycast addresses (RFC 5685
 * 4), which belong to no port. Everything that asks "is this ours?" asks
 * here: the classifier (IKE, ESP, fragments for us, ND groups), the control
 * lcore (ARP and ND answers, IKE's source port), the route lookups (a
 * connected subnet per address) and the choice of a source address.
 *
 * A value type without pointers: the route table (dp_route_table.h) carries
 * a copy in each table it publishes, so a change reaches the workers with
 * the same atomic pointer swap and RCU grace period as a route change.
 */
#ifndef VEER_DP_ADDRS_H
#define VEER_DP_ADDRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf.h"
#include "dp_port.h"

#define DP_ADDR_MAX_ANYCAST 8
#define DP_MAX_ADDRS (CONF_MAX_PORTS * CONF_MAX_PORT_ADDRS + DP_ADDR_MAX_ANYCAST)
#define DP_ADDR_NO_PORT UINT16_MAX /* an anycast address: answered on every port */

struct dp_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix_len;
    uint16_t port;  /* index into the ports array, or DP_ADDR_NO_PORT */
    uint8_t ip[16]; /* IPv4 in the first 4 bytes, network order */
};

struct dp_addrs {
    unsigned n;
    struct dp_addr a[DP_MAX_ADDRS];
};

/* The addresses of ports[0..nports) (conf_port.addrs, in order); 0, or -1 when they do not fit. */
int dp_addrs_from_conf(struct dp_addrs *s, const struct conf_port *ports, unsigned nports);

/* The first IPv4 and IPv6 address of each port (dp_port.ip, .ip6): tests and tables without conf.
 */
void dp_addrs_from_ports(struct dp_addrs *s, const struct dp_port *ports, unsigned nports);

/* The one "is this ours?": the entry of ip (4 or 16 bytes, by family), or NULL. */
static inline const struct dp_addr *dp_addrs_find(const struct dp_addrs *s, uint8_t family,
                                                  const void *ip)
{
    /* The first 4 bytes decide almost every miss (transit traffic) in one compare. */
    uint32_t head;
    memcpy(&head, ip, 4);
    for (unsigned i = 0; i < s->n; i++) {
        uint32_t own;
        memcpy(&own, s->a[i].ip, 4);
        if (own == head && s->a[i].family == family &&
            (family != 6 || memcmp(s->a[i].ip + 4, (const uint8_t *)ip + 4, 12) == 0))
            return &s->a[i];
    }
    return NULL;
}

/* Whether ip is in the subnet of address a (of its family). */
bool dp_addr_holds(const struct dp_addr *a, uint8_t family, const void *ip);

/* Whether ip is on one of port's connected subnets. */
bool dp_addrs_on_link(const struct dp_addrs *s, unsigned port, uint8_t family, const void *ip);

/* The index of the first port (in address order) with a connected subnet holding ip, or -1. */
int dp_addrs_link_port(const struct dp_addrs *s, uint8_t family, const void *ip);

/*
 * The address a packet out of `port` toward `toward` (its next hop or its
 * destination; NULL: no preference) leaves from: the port's address whose
 * subnet holds it, else the port's first of that family. NULL: the port has
 * none of that family.
 */
const struct dp_addr *dp_addrs_source(const struct dp_addrs *s, unsigned port, uint8_t family,
                                      const void *toward);

/* Whether group is the solicited-node group (RFC 4291 2.7.1) of one of our IPv6 addresses. */
bool dp_addrs_solicited(const struct dp_addrs *s, const uint8_t group[16]);

/* Whether ip (IPv4, network order) is the broadcast address of one of port's subnets. */
bool dp_addrs_is_broadcast(const struct dp_addrs *s, unsigned port, uint32_t ip);

/*
 * Adds a: -EEXIST (ours already, on any port), -ENOSPC (the port has
 * CONF_MAX_PORT_ADDRS, or the list is full), or 0. It goes last, so that the
 * port's first address stays its first.
 */
int dp_addrs_add(struct dp_addrs *s, const struct dp_addr *a);

/* Removes the address ip of port: 0, or -ENOENT (not that port's). */
int dp_addrs_del(struct dp_addrs *s, unsigned port, uint8_t family, const void *ip);

/* The addresses of port (of both families, anycast excluded). */
unsigned dp_addrs_count(const struct dp_addrs *s, unsigned port);

#endif
