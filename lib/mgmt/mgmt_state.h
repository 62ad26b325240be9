/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A plain-text view of the control plane, rewritten atomically: one line per
 * IKE SA with its Child SAs, a summary line, then every counter. Tests and scripts read it;
 * the telemetry socket shows the same data to operators.
 */
#ifndef VEER_MGMT_STATE_H
#define VEER_MGMT_STATE_H

#include <stdio.h>

#include "ike.h"

/*
 * Writes the SA lines of ctx to f, then "summary ike_sas=N established=N
 * reconnects=N qcd_...=N": the table and the QCD counters in one line.
 */
void mgmt_print_sas(FILE *f, const struct ike_ctx *ctx);
/* Writes " vips=A[,B]" for an SA with virtual IPs (part of its line), nothing without. */
void mgmt_print_vips(FILE *f, const struct ike_sa_info *sa);
/* Writes "pool name=N range=A-B size=N used=N held=N free=N exhausted=N" per pool. */
void mgmt_print_pools(FILE *f, const struct ike_ctx *ctx);
/* Writes "counter <name>=<value>" lines for every lib/ike counter. */
void mgmt_print_ike_counters(FILE *f, const struct ike_ctx *ctx);

/*
 * Rewrites `path` with the SAs and counters of ctx, then calls extra(f, arg)
 * (NULL: none) for more lines; readers never see half a file. 0 or -errno.
 */
int mgmt_write_state(const char *path, const struct ike_ctx *ctx, void (*extra)(FILE *f, void *arg),
                     void *arg);

#endif
