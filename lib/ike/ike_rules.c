/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_rules.h"

#include <stdbool.h>

#define MANY 255

struct pl_rule {
    uint8_t type;
    uint8_t min;
    uint8_t max;
};

struct exchange_rules {
    uint8_t exchange;
    bool response;
    bool encrypted; /* payloads live inside SK */
    const struct pl_rule *rules;
    unsigned nrules;
};

static const struct pl_rule init_request[] = {
    {IKE_PL_SA, 1, 1}, {IKE_PL_KE, 1, 1}, {IKE_PL_NONCE, 1, 1},
    {IKE_PL_NOTIFY, 0, MANY}, {IKE_PL_VENDOR, 0, MANY},
};
static const struct pl_rule init_response[] = {
    {IKE_PL_SA, 1, 1}, {IKE_PL_KE, 1, 1}, {IKE_PL_NONCE, 1, 1}, {IKE_PL_CERTREQ, 0, MANY},
    {IKE_PL_NOTIFY, 0, MANY}, {IKE_PL_VENDOR, 0, MANY},
};
/* IDi may be absent in the later rounds of EAP or multiple authentication. */
static const struct pl_rule auth_request[] = {
    {IKE_PL_IDI, 0, 1}, {IKE_PL_CERT, 0, MANY}, {IKE_PL_CERTREQ, 0, MANY},
    {IKE_PL_IDR, 0, 1}, {IKE_PL_AUTH, 0, 1}, {IKE_PL_EAP, 0, 1}, {IKE_PL_CP, 0, 1},
    {IKE_PL_SA, 0, 1}, {IKE_PL_TSI, 0, 1}, {IKE_PL_TSR, 0, 1},
    {IKE_PL_NOTIFY, 0, MANY}, {IKE_PL_VENDOR, 0, MANY},
};
static const struct pl_rule auth_response[] = {
    {IKE_PL_IDR, 0, 1}, {IKE_PL_CERT, 0, MANY}, {IKE_PL_AUTH, 0, 1}, {IKE_PL_EAP, 0, 1},
    {IKE_PL_CP, 0, 1}, {IKE_PL_SA, 0, 1}, {IKE_PL_TSI, 0, 1}, {IKE_PL_TSR, 0, 1},
    {IKE_PL_NOTIFY, 0, MANY}, {IKE_PL_VENDOR, 0, MANY},
};
/* TSi/TSr are absent when the exchange rekeys the IKE SA. */
static const struct pl_rule create_child[] = {
    {IKE_PL_SA, 1, 1}, {IKE_PL_NONCE, 1, 1}, {IKE_PL_KE, 0, 1}, {IKE_PL_TSI, 0, 1},
    {IKE_PL_TSR, 0, 1}, {IKE_PL_NOTIFY, 0, MANY}, {IKE_PL_VENDOR, 0, MANY},
};
static const struct pl_rule informational[] = {
    {IKE_PL_NOTIFY, 0, MANY}, {IKE_PL_DELETE, 0, MANY}, {IKE_PL_CP, 0, 1},
    {IKE_PL_VENDOR, 0, MANY},
};
static const struct pl_rule intermediate[] = {
    {IKE_PL_NOTIFY, 0, MANY}, {IKE_PL_VENDOR, 0, MANY},
};

#define RULES(x) x, sizeof(x) / sizeof(x[0])
static const struct exchange_rules exchanges[] = {
    {IKE_EXCH_IKE_SA_INIT, false, false, RULES(init_request)},
    {IKE_EXCH_IKE_SA_INIT, true, false, RULES(init_response)},
    {IKE_EXCH_IKE_AUTH, false, true, RULES(auth_request)},
    {IKE_EXCH_IKE_AUTH, true, true, RULES(auth_response)},
    {IKE_EXCH_CREATE_CHILD_SA, false, true, RULES(create_child)},
    {IKE_EXCH_CREATE_CHILD_SA, true, true, RULES(create_child)},
    {IKE_EXCH_INFORMATIONAL, false, true, RULES(informational)},
    {IKE_EXCH_INFORMATIONAL, true, true, RULES(informational)},
    {IKE_EXCH_IKE_INTERMEDIATE, false, true, RULES(intermediate)},
    {IKE_EXCH_IKE_INTERMEDIATE, true, true, RULES(intermediate)},
};

static const struct exchange_rules *find_rules(const struct ike_hdr *h)
{
    bool response = ike_hdr_is_response(h);
    for (unsigned i = 0; i < sizeof(exchanges) / sizeof(exchanges[0]); i++) {
        if (exchanges[i].exchange == h->exchange && exchanges[i].response == response)
            return &exchanges[i];
    }
    return NULL;
}

static const struct pl_rule *find_rule(const struct exchange_rules *ex, uint8_t type)
{
    for (unsigned i = 0; i < ex->nrules; i++) {
        if (ex->rules[i].type == type)
            return &ex->rules[i];
    }
    return NULL;
}

static bool is_sk(uint8_t type)
{
    return type == IKE_PL_SK || type == IKE_PL_SKF;
}

static int check_outer(const struct ike_msg *msg, const struct exchange_rules *ex,
                       struct ike_err *err)
{
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

/* A response carrying notifies but no SA (or, for IKE_AUTH, no AUTH/EAP) reports a failure. */
static bool is_notify_only_response(const struct ike_msg *msg, bool response)
{
    if (!response || ike_msg_count(msg, IKE_PL_NOTIFY) == 0)
        return false;
    for (unsigned i = 0; i < msg->npayloads; i++) {
        uint8_t t = msg->pl[i].type;
        if (msg->pl[i].known && t != IKE_PL_NOTIFY && t != IKE_PL_VENDOR && !is_sk(t))
            return false;
    }
    return true;
}

static int check_counts(const struct ike_msg *msg, const struct exchange_rules *ex,
                        struct ike_err *err)
{
    uint8_t counts[256] = {0};
    for (unsigned i = 0; i < msg->npayloads; i++) {
        const struct ike_pl *pl = &msg->pl[i];
        if (!pl->known || is_sk(pl->type))
            continue;
        const struct pl_rule *r = find_rule(ex, pl->type);
        if (r == NULL)
            return ike_fail(err, IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED, pl->type, pl->offset);
        if (++counts[pl->type] > r->max)
            return ike_fail(err, IKE_ERR_RULE_PAYLOAD_REPEATED, pl->type, pl->offset);
    }
    if (is_notify_only_response(msg, ex->response))
        return 0;
    for (unsigned i = 0; i < ex->nrules; i++) {
        if (counts[ex->rules[i].type] < ex->rules[i].min)
            return ike_fail(err, IKE_ERR_RULE_PAYLOAD_MISSING, ex->rules[i].type, msg->len);
    }
    /* Traffic selectors come in pairs; in IKE_AUTH they come with the Child SA's SA payload. */
    if (counts[IKE_PL_TSI] != counts[IKE_PL_TSR]) {
        uint8_t missing = counts[IKE_PL_TSI] ? IKE_PL_TSR : IKE_PL_TSI;
        return ike_fail(err, IKE_ERR_RULE_PAYLOAD_MISSING, missing, msg->len);
    }
    if (ex->exchange == IKE_EXCH_IKE_AUTH && counts[IKE_PL_SA] != counts[IKE_PL_TSI]) {
        uint8_t missing = counts[IKE_PL_SA] ? IKE_PL_TSI : IKE_PL_SA;
        return ike_fail(err, IKE_ERR_RULE_PAYLOAD_MISSING, missing, msg->len);
    }
    return 0;
}

int ike_msg_check_rules(const struct ike_msg *msg, struct ike_err *err)
{
    const struct exchange_rules *ex = find_rules(&msg->hdr);
    if (ex == NULL)
        return ike_fail(err, IKE_ERR_HDR_UNKNOWN_EXCHANGE, IKE_PL_NONE, 18);
    int rc = check_outer(msg, ex, err);
    if (rc < 0)
        return rc;
    if (ex->encrypted && !msg->decrypted)
        return 0;
    return check_counts(msg, ex, err);
}
