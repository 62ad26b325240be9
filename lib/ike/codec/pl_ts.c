/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic Selector payloads TSi/TSr (RFC 7296 3.13, 3.13.1). Only syntax is
 * checked here: start > end is legal on the wire (RFC 7296 3.13.1 uses port
 * range 65535-0 for OPAQUE), so ranges are left to the policy code.
 */
#include "ike_payload.h"

#include <errno.h>
#include <string.h>

#include "pl_priv.h"

/* Number of TSs and three reserved bytes. */
#define TS_FIXED_LEN 4
/* TS Type, IP Protocol ID, Selector Length, Start Port, End Port. */
#define TS_SEL_HDR_LEN 8
#define TS_IPV4_ADDR_LEN 4
#define TS_IPV6_ADDR_LEN 16

/* Address length for a selector type, 0 for a type this codec does not know. */
static size_t ts_addr_len(uint8_t type)
{
    switch (type) {
    case IKE_TS_IPV4_ADDR_RANGE:
        return TS_IPV4_ADDR_LEN;
    case IKE_TS_IPV6_ADDR_RANGE:
        return TS_IPV6_ADDR_LEN;
    default:
        return 0;
    }
}

/* Decodes the selector at body offset `pos`; *sel_len is the bytes it took. */
static int ts_decode_one(const struct ike_pl *pl, size_t pos, struct ike_ts *ts, size_t *sel_len,
                         struct ike_err *err)
{
    /* Type, protocol and length come first: without them nothing else can be checked. */
    if (pl->len - pos < 4)
        return pl_fail(err, IKE_ERR_TS_TRUNCATED, pl, pos);
    const uint8_t *p = pl->body + pos;
    size_t alen = ts_addr_len(p[0]);
    if (alen == 0)
        return pl_fail(err, IKE_ERR_TS_BAD_TYPE, pl, pos);
    uint16_t len = ike_get16(p + 2);
    if (len != TS_SEL_HDR_LEN + 2 * alen)
        return pl_fail(err, IKE_ERR_TS_BAD_LENGTH, pl, pos + 2);
    if (len > pl->len - pos)
        return pl_fail(err, IKE_ERR_TS_TRUNCATED, pl, pos + 2);
    memset(ts, 0, sizeof(*ts));
    ts->type = p[0];
    ts->ip_proto = p[1];
    ts->start_port = ike_get16(p + 4);
    ts->end_port = ike_get16(p + 6);
    memcpy(ts->start_addr, p + TS_SEL_HDR_LEN, alen);
    memcpy(ts->end_addr, p + TS_SEL_HDR_LEN + alen, alen);
    *sel_len = len;
    return 0;
}

int ike_ts_decode(const struct ike_pl *pl, struct ike_ts_payload *out, struct ike_err *err)
{
    if (pl->len < TS_FIXED_LEN)
        return pl_fail(err, IKE_ERR_PL_BODY_TOO_SHORT, pl, pl->len);
    unsigned count = pl->body[0];
    if (count == 0)
        return pl_fail(err, IKE_ERR_TS_NONE, pl, 0);
    if (count > IKE_TS_MAX)
        return pl_fail(err, IKE_ERR_TS_TOO_MANY, pl, 0);
    size_t pos = TS_FIXED_LEN;
    unsigned i;
    /* At most `count` (<= IKE_TS_MAX) rounds; each takes at least 16 bytes. */
    for (i = 0; i < count && pos < pl->len; i++) {
        size_t sel_len = 0;
        int rc = ts_decode_one(pl, pos, &out->ts[i], &sel_len, err);
        if (rc < 0)
            return rc;
        pos += sel_len;
    }
    /* Fewer selectors than counted, or bytes left after the last one. */
    if (i != count || pos != pl->len)
        return pl_fail(err, IKE_ERR_TS_COUNT_MISMATCH, pl, i != count ? 0 : pos);
    out->nts = (uint8_t)count;
    return 0;
}

int ike_ts_encode(struct ike_writer *w, uint8_t which, const struct ike_ts_payload *ts)
{
    if ((which != IKE_PL_TSI && which != IKE_PL_TSR) || ts->nts == 0 || ts->nts > IKE_TS_MAX)
        return -EINVAL;
    for (unsigned i = 0; i < ts->nts; i++) {
        if (ts_addr_len(ts->ts[i].type) == 0)
            return -EINVAL;
    }
    size_t start = ike_w_payload_begin(w, which, false);
    ike_w_u8(w, ts->nts);
    ike_w_zero(w, 3);
    for (unsigned i = 0; i < ts->nts; i++) {
        const struct ike_ts *t = &ts->ts[i];
        size_t alen = ts_addr_len(t->type);
        ike_w_u8(w, t->type);
        ike_w_u8(w, t->ip_proto);
        ike_w_u16(w, (uint16_t)(TS_SEL_HDR_LEN + 2 * alen));
        ike_w_u16(w, t->start_port);
        ike_w_u16(w, t->end_port);
        ike_w_bytes(w, t->start_addr, alen);
        ike_w_bytes(w, t->end_addr, alen);
    }
    ike_w_payload_end(w, start);
    return pl_w_status(w);
}
