/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which payloads each exchange may carry, per direction (RFC 7296 1.2-1.5,
 * RFC 5685, RFC 7383): how many of each, and whether inside SK. Unknown
 * payloads without the critical bit are ignored, as RFC 7296 2.5 requires.
 */
#ifndef VEER_IKE_RULES_H
#define VEER_IKE_RULES_H

#include "ike_msg.h"

/*
 * Checks a decoded message. Before decryption (msg->decrypted false) only the
 * outer layer is checked: IKE_SA_INIT must carry no SK, every other exchange
 * exactly one SK or SKF and nothing else. After ike_msg_decode_inner() the
 * inner payloads are checked against the exchange's table. A response made
 * only of notifies (an error, COOKIE, REDIRECT) is always well-formed.
 * Returns 0 or -EBADMSG with the reason in err.
 */
int ike_msg_check_rules(const struct ike_msg *msg, struct ike_err *err);

#endif
