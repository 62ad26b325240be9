/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app/veer's RADIUS transport (eap-radius, accounting): one non-blocking
 * kernel UDP socket per server, connected to it, and one to its accounting
 * port. RADIUS goes over the management
 * network through the kernel, not through DPDK; the control lcore polls the
 * sockets each iteration. One set per process (the control lcore's).
 */
#ifndef VEER_RADIUS_SOCK_H
#define VEER_RADIUS_SOCK_H

#include "ike.h"

/* Opens the sockets of rc's servers; 0 or -errno. */
int veer_radius_open(const struct ike_radius_cfg *rc);
/* ike_backend.radius_send (opaque unused). */
int veer_radius_send(void *opaque, unsigned server, const uint8_t *buf, size_t len);
/* ike_backend.radius_acct_send: to the server's acct_port (radius.accounting). */
int veer_radius_acct_send(void *opaque, unsigned server, const uint8_t *buf, size_t len);
/* Reads what the servers sent into ike_radius_input(); returns how many datagrams. */
unsigned veer_radius_poll(struct ike_ctx *ctx);
void veer_radius_close(void);

#endif
