/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_ts.h"

#include <errno.h>
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

static void set_to_payload(const struct ike_ts_set *s, struct ike_ts_payload *p)
{
    p->nts = s->nts;
    memcpy(p->ts, s->ts, s->nts * sizeof(s->ts[0]));
}

unsigned ike_ts_narrow_set(const struct ike_ts_payload *proposed, const struct ike_ts *configured,
                           unsigned nconfigured, struct ike_ts_set *out)
{
    struct ike_ts_payload all;
    unsigned n = ike_ts_narrow(proposed, configured, nconfigured, &all);
    out->nts = (uint8_t)(n < IKE_CHILD_TS_MAX ? n : IKE_CHILD_TS_MAX);
    memcpy(out->ts, all.ts, out->nts * sizeof(out->ts[0]));
    return out->nts;
}

int ike_ts_decode_set(const struct ike_pl *pl, struct ike_ts_set *out)
{
    struct ike_ts_payload p;
    if (ike_ts_decode(pl, &p, NULL) < 0)
        return -EBADMSG;
    if (p.nts > IKE_CHILD_TS_MAX)
        return -E2BIG;
    out->nts = p.nts;
    memcpy(out->ts, p.ts, p.nts * sizeof(p.ts[0]));
    return 0;
}

int ike_ts_encode_set(struct ike_writer *w, uint8_t which, const struct ike_ts_set *s)
{
    struct ike_ts_payload p;
    set_to_payload(s, &p);
    return ike_ts_encode(w, which, &p);
}

bool ike_ts_set_within(const struct ike_ts_set *inner, const struct ike_ts *outer, unsigned nouter)
{
    struct ike_ts_payload p;
    set_to_payload(inner, &p);
    return ike_ts_within(&p, outer, nouter);
}
