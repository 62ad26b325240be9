/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * veer-ike --control PATH: operator commands through a file, for tests and
 * benchmarks that have no telemetry socket. At each tick, when PATH exists,
 * every line of it is run and logged with its result, and the file removed:
 *   switch FROM TO            r-MOBIKE: every responder SA on our address FROM
 *   switch-sa SPI_I SPI_R TO  r-MOBIKE: one IKE SA (SPIs in hex)
 *   redirect-all GW           RFC 5685: every responder SA that supports it
 *   local-addrs A[,B..]       our addresses changed (ike_set_local_addrs)
 * Write it elsewhere and rename it to PATH, so that it is never read half-written.
 */
#ifndef VEER_IKE_CONTROL_H
#define VEER_IKE_CONTROL_H

#include <stdio.h>

#include "ike.h"
#include "ike_consts.h"

/* Runs the commands of `path` if it exists, logging to `log`; returns how many lines ran. */
unsigned control_poll(const char *path, struct ike_ctx *ctx, FILE *log);

/* Runs one command line (no newline); writes its result into out. 0, or -1 when refused. */
int control_run(struct ike_ctx *ctx, const char *line, char *out, size_t cap);

#endif
