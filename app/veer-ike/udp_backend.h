/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/ike's backend over Linux UDP sockets on ports 500 and 4500. */
#ifndef VEER_UDP_BACKEND_H
#define VEER_UDP_BACKEND_H

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"
#include "ike.h"

#define UDP_MAX_SOCKETS (2 * CONF_MAX_LISTEN)

struct udp_backend {
    unsigned nsockets;
    int fd[UDP_MAX_SOCKETS];
    struct ike_addr bound[UDP_MAX_SOCKETS];
    bool verbose;
    bool log_keys; /* print Child SA keys: for interop tests only */
    FILE *log;
};

/* Opens and binds a socket per listen address and port. Returns 0 or -errno. */
int udp_backend_open(struct udp_backend *b, const struct veer_conf *conf);
void udp_backend_close(struct udp_backend *b);
struct ike_backend udp_backend_ops(struct udp_backend *b);

/* Waits up to timeout_ms for datagrams and feeds each to ike_input(). */
void udp_backend_poll(struct udp_backend *b, struct ike_ctx *ctx, int timeout_ms);

#endif
