/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A clean stop (SIGTERM): Deletes for the IKE SAs of the peers whose
 * stop_action is delete (RFC 7296 1.4.1), so that they stop sending at once,
 * then a bounded wait for the answers while the program keeps polling. The
 * others keep their SAs and learn of the restart from Quick Crash Detection
 * or their liveness checks.
 */
#ifndef VEER_MGMT_GOODBYE_H
#define VEER_MGMT_GOODBYE_H

#include <stdbool.h>

#include "ike.h"

/*
 * Starts a Delete for every established IKE SA whose peer configuration (by
 * name, among peers[0..npeers)) says stop_action delete, or says nothing and
 * the program's `dflt` is IKE_STOP_DELETE. Returns how many were started.
 */
unsigned mgmt_goodbye_send(struct ike_ctx *ctx, const struct ike_peer_cfg *peers, unsigned npeers,
                           enum ike_stop_action dflt);
/* How many IKE SAs still wait for the answer to our Delete: wait while nonzero. */
unsigned mgmt_goodbye_pending(const struct ike_ctx *ctx);

#endif
