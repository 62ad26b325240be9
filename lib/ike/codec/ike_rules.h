/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which payloads each exchange may carry, per direction (RFC 7296 1.2-1.5,
 * RFC 5685, RFC 7383): how many of each, and whether inside SK. Unknown
 * payloads without the critical bit are ignored, as RFC 7296 2.5 requires.
 */
#ifndef VEER_IKE_RULES_H
#define VEER_IKE_RULES_H

#include <stdbool.h>
#include <stdint.h>

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

/* Payload types are below 64, so a set of payload types fits in a mask. */
#define IKE_PL_BIT(type) (UINT64_C(1) << (type))

/*
 * The rules of one exchange and direction, as masks of payload types: the
 * per-payload check is a few register operations, cheap enough for worker
 * cores that scan every IKE_SA_INIT of a flood.
 */
struct ike_rule_set {
    uint8_t exchange;
    bool response;
    bool encrypted;        /* payloads live inside SK */
    uint64_t allowed;      /* may appear */
    uint64_t at_most_once; /* may appear once at most (the others any number of times) */
    uint64_t required;     /* must appear */
};

/*
 * The rules of an exchange and direction, or NULL for an exchange without
 * rules. The stateless scanner uses them directly so that it and
 * ike_msg_check_rules() enforce one set of rules.
 */
const struct ike_rule_set *ike_rules_for(uint8_t exchange, bool response);

/*
 * Adds a payload of `type` to `seen` (a mask) under the rules; fails with
 * RULE_PAYLOAD_NOT_ALLOWED or RULE_PAYLOAD_REPEATED at `offset`.
 */
static inline int ike_rules_add(const struct ike_rule_set *rs, uint64_t *seen, uint8_t type,
                                size_t offset, struct ike_err *err)
{
    uint64_t bit = IKE_PL_BIT(type);
    if (!(rs->allowed & bit))
        return ike_fail(err, IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED, type, offset);
    if (rs->at_most_once & *seen & bit)
        return ike_fail(err, IKE_ERR_RULE_PAYLOAD_REPEATED, type, offset);
    *seen |= bit;
    return 0;
}

/* Fails with RULE_PAYLOAD_MISSING (naming the lowest missing type) unless `seen` has all required.
 */
int ike_rules_check_required(const struct ike_rule_set *rs, uint64_t seen, uint32_t msg_len,
                             struct ike_err *err);

#endif
