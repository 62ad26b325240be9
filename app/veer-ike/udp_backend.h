/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ike's backend over Linux UDP sockets on ports 500 and 4500. Shared by
 * veer-ike (the responder/initiator on sockets) and tests/bench/bench_ike_load
 * (the load generator), so both drive lib/ike through the same socket code.
 */
#ifndef VEER_UDP_BACKEND_H
#define VEER_UDP_BACKEND_H

#include <stdbool.h>
#include <stdio.h>

#include "ike.h"
#include "mgmt_radius_sock.h"

#define UDP_MAX_LISTEN 12
#define UDP_MAX_SOCKETS (2 * UDP_MAX_LISTEN)
#define UDP_MAX_DATAGRAM 65536
#define UDP_SOCKET_BUFFER (4 << 20) /* receive and send buffer asked for, per socket */

struct udp_backend {
    unsigned nsockets;
    int fd[UDP_MAX_SOCKETS];
    struct ike_addr bound[UDP_MAX_SOCKETS];
    enum ike_log_level log_level; /* messages above it are dropped (IKE_LOG_INFO by default) */
    bool log_children;            /* a line per Child SA install and delete */
    bool log_keys;                /* print Child SA keys: for interop tests only */
    FILE *log;
    struct mgmt_radius_socks radius; /* eap-radius and accounting servers */
    uint8_t rx[UDP_MAX_DATAGRAM];    /* one received datagram at a time */
};

/* Defaults: INFO logging and a line per Child SA, on `log`. */
void udp_backend_init(struct udp_backend *b, FILE *log);

/*
 * Opens and binds a socket on ports 500 and 4500 of each address (at most
 * UDP_MAX_LISTEN). Returns 0 or -errno.
 */
int udp_backend_open(struct udp_backend *b, const struct ike_addr *listen, unsigned nlisten);
void udp_backend_close(struct udp_backend *b);
/*
 * Opens a non-blocking UDP socket connected to each RADIUS server of rc,
 * and one to its accounting port when rc->accounting (before
 * udp_backend_ops: it adds radius_send, radius_acct_send). 0 or -errno.
 */
int udp_backend_open_radius(struct udp_backend *b, const struct ike_radius_cfg *rc);
struct ike_backend udp_backend_ops(struct udp_backend *b);

/* Waits up to timeout_ms for datagrams and feeds each to ike_input(); returns how many. */
unsigned udp_backend_poll(struct udp_backend *b, struct ike_ctx *ctx, int timeout_ms);

#endif
