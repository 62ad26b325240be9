/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parameters of /veer/port/address_add and address_del, as an operator
 * types them: "PORT,ADDRESS/LEN" and "PORT,ADDRESS". Kept apart from the
 * telemetry callbacks so that every malformed form is tested without a
 * socket (tests/dp/test_port_addr_args.c).
 */
#ifndef VEER_MGMT_PORT_ADDR_ARGS_H
#define VEER_MGMT_PORT_ADDR_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_addrs.h"
#include "dp_port.h"

/*
 * params into out: the port named (its index in ports), the address and,
 * with_len, its prefix length (conf_addr_prefix_parse's rules); without
 * with_len a bare address, prefix_len set to the whole address. 0, or -1
 * with why set: no parameters, not exactly two, no such port, a bad address.
 */
int mgmt_port_addr_args(const char *params, const struct dp_port *ports, unsigned nports,
                        bool with_len, struct dp_addr *out, char *why, size_t why_len);

#endif
