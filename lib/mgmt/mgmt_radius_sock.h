/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RADIUS transport (eap-radius, accounting) of both programs, veer-ike
 * and app/veer: one non-blocking kernel UDP socket per server, connected to
 * it, and one to its accounting port. RADIUS goes over the management
 * network through the kernel, not through DPDK. The owner keeps the state
 * (no globals) and polls the sockets from its own loop.
 */
#ifndef VEER_MGMT_RADIUS_SOCK_H
#define VEER_MGMT_RADIUS_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ike.h"
#include "ike_radius.h"

#define MGMT_RADIUS_MAX_DATAGRAM 65536 /* longer than RADIUS allows: the codec refuses it */
/* SO_RCVBUF asked for each socket: 256 answers (one per identifier) of RADIUS's largest. */
#define MGMT_RADIUS_RCVBUF (256 * IKE_RADIUS_MAX_LEN)

struct mgmt_radius_socks {
    unsigned nauth;
    int auth_fd[IKE_RADIUS_MAX_SERVERS];
    unsigned nacct; /* radius.accounting: one more per server, to its acct_port */
    int acct_fd[IKE_RADIUS_MAX_SERVERS];
    uint8_t rx[MGMT_RADIUS_MAX_DATAGRAM]; /* one received datagram at a time */
};

/* Fills ss from a (port included); returns the length to pass to bind/connect. */
socklen_t mgmt_sockaddr_from_ike(const struct ike_addr *a, struct sockaddr_storage *ss);

/* No sockets (a zeroed struct is the same). */
void mgmt_radius_init(struct mgmt_radius_socks *s);
/* Opens the sockets of rc's servers; 0, or -errno with none left open. */
int mgmt_radius_open(struct mgmt_radius_socks *s, const struct ike_radius_cfg *rc);
void mgmt_radius_close(struct mgmt_radius_socks *s);

/* For ike_backend.radius_send and radius_acct_send: 0 or -errno (-EINVAL: no such server). */
int mgmt_radius_send(const struct mgmt_radius_socks *s, unsigned server, const uint8_t *buf,
                     size_t len);
int mgmt_radius_acct_send(const struct mgmt_radius_socks *s, unsigned server, const uint8_t *buf,
                          size_t len);

/* How many sockets: the servers' first, then their accounting ones. */
static inline unsigned mgmt_radius_nsockets(const struct mgmt_radius_socks *s)
{
    return s->nauth + s->nacct;
}
/* Socket i of the mgmt_radius_nsockets() (for poll()). */
int mgmt_radius_fd(const struct mgmt_radius_socks *s, unsigned i);
/*
 * Reads up to `max` datagrams from socket i into ike_radius_input() or
 * ike_radius_acct_input(); returns how many.
 */
unsigned mgmt_radius_read(struct mgmt_radius_socks *s, struct ike_ctx *ctx, unsigned i,
                          unsigned max);
/* mgmt_radius_read() on every socket. */
unsigned mgmt_radius_read_all(struct mgmt_radius_socks *s, struct ike_ctx *ctx, unsigned max);

#endif
