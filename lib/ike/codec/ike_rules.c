/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_rules.h"

#include <stdbool.h>

#define B(t) IKE_PL_BIT(IKE_PL_##t)
#define ANY_NUMBER (B(NOTIFY) | B(VENDOR))

/* {exchange, response, encrypted, allowed, at most once, required} */
static const struct ike_rule_set exchanges[] = {
    {IKE_EXCH_IKE_SA_INIT, false, false, B(SA) | B(KE) | B(NONCE) | ANY_NUMBER,
     B(SA) | B(KE) | B(NONCE), B(SA) | B(KE) | B(NONCE)},
    {IKE_EXCH_IKE_SA_INIT, true, false, B(SA) | B(KE) | B(NONCE) | B(CERTREQ) | ANY_NUMBER,
     B(SA) | B(KE) | B(NONCE), B(SA) | B(KE) | B(NONCE)},
    /* IDi may be absent in the later rounds of EAP or multiple authentication. */
    {IKE_EXCH_IKE_AUTH, false, true,
     B(IDI) | B(CERT) | B(CERTREQ) | B(IDR) | B(AUTH) | B(EAP) | B(CP) | B(SA) | B(TSI) | B(TSR) |
         ANY_NUMBER,
     B(IDI) | B(IDR) | B(AUTH) | B(EAP) | B(CP) | B(SA) | B(TSI) | B(TSR), 0},
    {IKE_EXCH_IKE_AUTH, true, true,
     B(IDR) | B(CERT) | B(AUTH) | B(EAP) | B(CP) | B(SA) | B(TSI) | B(TSR) | ANY_NUMBER,
     B(IDR) | B(AUTH) | B(EAP) | B(CP) | B(SA) | B(TSI) | B(TSR), 0},
    /* TSi/TSr are absent when the exchange rekeys the IKE SA. */
    {IKE_EXCH_CREATE_CHILD_SA, false, true, B(SA) | B(NONCE) | B(KE) | B(TSI) | B(TSR) | ANY_NUMBER,
     B(SA) | B(NONCE) | B(KE) | B(TSI) | B(TSR), B(SA) | B(NONCE)},
    {IKE_EXCH_CREATE_CHILD_SA, true, true, B(SA) | B(NONCE) | B(KE) | B(TSI) | B(TSR) | ANY_NUMBER,
     B(SA) | B(NONCE) | B(KE) | B(TSI) | B(TSR), B(SA) | B(NONCE)},
    {IKE_EXCH_INFORMATIONAL, false, true, B(DELETE) | B(CP) | ANY_NUMBER, B(CP), 0},
    {IKE_EXCH_INFORMATIONAL, true, true, B(DELETE) | B(CP) | ANY_NUMBER, B(CP), 0},
    {IKE_EXCH_IKE_INTERMEDIATE, false, true, ANY_NUMBER, 0, 0},
    {IKE_EXCH_IKE_INTERMEDIATE, true, true, ANY_NUMBER, 0, 0},
};

const struct ike_rule_set *ike_rules_for(uint8_t exchange, bool response)
{
    for (unsigned i = 0; i < sizeof(exchanges) / sizeof(exchanges[0]); i++) {
        if (exchanges[i].exchange == exchange && exchanges[i].response == response)
            return &exchanges[i];
    }
    return NULL;
}

int ike_rules_check_required(const struct ike_rule_set *rs, uint64_t seen, uint32_t msg_len,
                             struct ike_err *err)
{
    uint64_t missing = rs->required & ~seen;
    if (missing == 0)
        return 0;
    return ike_fail(err, IKE_ERR_RULE_PAYLOAD_MISSING, (uint8_t)__builtin_ctzll(missing), msg_len);
}

static bool is_sk(uint8_t type)
{
    return type == IKE_PL_SK || type == IKE_PL_SKF;
}

/*
 * RFC 7296 2.21.4: a node that lost the IKE SA answers a request for it
 * unprotected, with notifies only (INVALID_IKE_SPI, and RFC 6290's tokens).
 * Such a response passes here; what it may change is decided by the
 * exchange layer, for an SA and a request it has.
 */
static bool unprotected_notify_response(const struct ike_msg *msg, const struct ike_rule_set *ex)
{
    if (!ex->response || msg->npayloads == 0)
        return false;
    for (unsigned i = 0; i < msg->npayloads; i++) {
        if (msg->pl[i].type != IKE_PL_NOTIFY)
            return false;
    }
    return true;
}

static int check_outer(const struct ike_msg *msg, const struct ike_rule_set *ex,
                       struct ike_err *err)
{
    if (ex->encrypted && unprotected_notify_response(msg, ex))
        return 0;
    unsigned nsk = 0;
    for (unsigned i = 0; i < msg->npayloads; i++) {
        const struct ike_pl *pl = &msg->pl[i];
        if (pl->encrypted || !pl->known)
            continue;
        if (is_sk(pl->type)) {
            if (!ex->encrypted)
                return ike_fail(err, IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED, pl->type, pl->offset);
            nsk++;
        } else if (ex->encrypted) {
            return ike_fail(err, IKE_ERR_RULE_MUST_BE_ENCRYPTED, pl->type, pl->offset);
        }
    }
    if (ex->encrypted && nsk == 0)
        return ike_fail(err, IKE_ERR_RULE_SK_MISSING, IKE_PL_NONE, IKE_HDR_LEN);
    return 0;
}

static int check_counts(const struct ike_msg *msg, const struct ike_rule_set *ex,
                        struct ike_err *err)
{
    uint64_t seen = 0;
    for (unsigned i = 0; i < msg->npayloads; i++) {
        const struct ike_pl *pl = &msg->pl[i];
        if (!pl->known || is_sk(pl->type))
            continue;
        int rc = ike_rules_add(ex, &seen, pl->type, pl->offset, err);
        if (rc < 0)
            return rc;
    }
    /* A response of notifies only reports a failure (or COOKIE, REDIRECT): nothing required. */
    if (ex->response && (seen & ~ANY_NUMBER) == 0 && (seen & B(NOTIFY)))
        return 0;
    int rc = ike_rules_check_required(ex, seen, msg->len, err);
    if (rc < 0)
        return rc;
    /* Traffic selectors come in pairs; in IKE_AUTH they come with the Child SA's SA payload. */
    bool tsi = seen & B(TSI), tsr = seen & B(TSR), sa = seen & B(SA);
    if (tsi != tsr)
        return ike_fail(err, IKE_ERR_RULE_PAYLOAD_MISSING, tsi ? IKE_PL_TSR : IKE_PL_TSI, msg->len);
    if (ex->exchange == IKE_EXCH_IKE_AUTH && sa != tsi)
        return ike_fail(err, IKE_ERR_RULE_PAYLOAD_MISSING, sa ? IKE_PL_TSI : IKE_PL_SA, msg->len);
    return 0;
}

int ike_msg_check_rules(const struct ike_msg *msg, struct ike_err *err)
{
    const struct ike_rule_set *ex =
        ike_rules_for(msg->hdr.exchange, ike_hdr_is_response(&msg->hdr));
    if (ex == NULL)
        return ike_fail(err, IKE_ERR_HDR_UNKNOWN_EXCHANGE, IKE_PL_NONE, 18);
    int rc = check_outer(msg, ex, err);
    if (rc < 0)
        return rc;
    if (ex->encrypted && !msg->decrypted)
        return 0;
    return check_counts(msg, ex, err);
}
