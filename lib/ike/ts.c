/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_ts.h"

#include <string.h>

static size_t addr_len(const struct ike_ts *t)
{
    return t->type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 4;
}

/* Intersection of a and b in out; false when empty. */
static bool intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
    if (a->type != b->type)
        return false;
    if (a->ip_proto != 0 && b->ip_proto != 0 && a->ip_proto != b->ip_proto)
        return false;
    size_t n = addr_len(a);
    *out = *a;
    out->ip_proto = a->ip_proto != 0 ? a->ip_proto : b->ip_proto;
    out->start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
    out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
    /* Addresses are big-endian, so memcmp orders them. */
    const uint8_t *lo = memcmp(a->start_addr, b->start_addr, n) > 0 ? a->start_addr : b->start_addr;
    const uint8_t *hi = memcmp(a->end_addr, b->end_addr, n) < 0 ? a->end_addr : b->end_addr;
    memcpy(out->start_addr, lo, n);
    memcpy(out->end_addr, hi, n);
    return out->start_port <= out->end_port && memcmp(out->start_addr, out->end_addr, n) <= 0;
}

unsigned ike_ts_narrow(const struct ike_ts_payload *proposed, const struct ike_ts *configured,
                       unsigned nconfigured, struct ike_ts_payload *out)
{
    out->nts = 0;
    for (unsigned p = 0; p < proposed->nts; p++) {
        for (unsigned c = 0; c < nconfigured && out->nts < IKE_TS_MAX; c++) {
            struct ike_ts t;
            if (intersect(&proposed->ts[p], &configured[c], &t))
                out->ts[out->nts++] = t;
        }
    }
    return out->nts;
}

static bool contains(const struct ike_ts *outer, const struct ike_ts *in)
{
    size_t n = addr_len(in);
    return outer->type == in->type && (outer->ip_proto == 0 || outer->ip_proto == in->ip_proto) &&
           outer->start_port <= in->start_port && in->end_port <= outer->end_port &&
           memcmp(outer->start_addr, in->start_addr, n) <= 0 &&
           memcmp(in->end_addr, outer->end_addr, n) <= 0;
}

bool ike_ts_within(const struct ike_ts_payload *inner, const struct ike_ts *outer, unsigned nouter)
{
    if (inner->nts == 0)
        return false;
    for (unsigned i = 0; i < inner->nts; i++) {
        bool ok = false;
        for (unsigned o = 0; o < nouter && !ok; o++)
            ok = contains(&outer[o], &inner->ts[i]);
        if (!ok)
            return false;
    }
    return true;
}

void ike_ts_range(struct ike_ts *ts, const struct ike_addr *first, const struct ike_addr *last,
                  uint8_t ip_proto, uint16_t start_port, uint16_t end_port)
{
    memset(ts, 0, sizeof(*ts));
    ts->type = first->family == 6 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
    ts->ip_proto = ip_proto;
    ts->start_port = start_port;
    ts->end_port = end_port;
    memcpy(ts->start_addr, first->ip, ike_addr_ip_len(first));
    memcpy(ts->end_addr, last->ip, ike_addr_ip_len(last));
}
