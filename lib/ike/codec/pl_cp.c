/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration payload (RFC 7296 3.15, 3.15.1). */
#include "ike_payload.h"

#include <errno.h>

#include "pl_priv.h"

/* CFG Type and three reserved bytes. */
#define CP_FIXED_LEN 4
/* R bit and Attribute Type, Length. */
#define CP_ATTR_HDR_LEN 4
/* The top bit of the attribute type is reserved: ignored on receipt, sent as zero. */
#define CP_ATTR_TYPE_MASK 0x7fff

static bool cp_type_ok(uint8_t type)
{
    return type >= IKE_CFG_REQUEST && type <= IKE_CFG_ACK;
}

int ike_cp_decode(const struct ike_pl *pl, struct ike_cp_payload *out, struct ike_err *err)
{
    if (pl->len < CP_FIXED_LEN)
        return pl_fail(err, IKE_ERR_PL_BODY_TOO_SHORT, pl, pl->len);
    if (!cp_type_ok(pl->body[0]))
        return pl_fail(err, IKE_ERR_CP_BAD_TYPE, pl, 0);
    out->type = pl->body[0];
    size_t pos = CP_FIXED_LEN;
    unsigned n = 0;
    /* Each attribute takes at least 4 bytes, and the count bound stops the walk earlier. */
    while (pos < pl->len) {
        if (n == IKE_CP_MAX_ATTRS)
            return pl_fail(err, IKE_ERR_CP_TOO_MANY_ATTRS, pl, pos);
        if (pl->len - pos < CP_ATTR_HDR_LEN)
            return pl_fail(err, IKE_ERR_CP_ATTR_TRUNCATED, pl, pos);
        const uint8_t *p = pl->body + pos;
        uint16_t len = ike_get16(p + 2);
        if (len > pl->len - pos - CP_ATTR_HDR_LEN)
            return pl_fail(err, IKE_ERR_CP_ATTR_TRUNCATED, pl, pos + 2);
        struct ike_cp_attr *a = &out->attrs[n++];
        a->type = ike_get16(p) & CP_ATTR_TYPE_MASK;
        a->value.ptr = p + CP_ATTR_HDR_LEN;
        a->value.len = len;
        pos += CP_ATTR_HDR_LEN + (size_t)len;
    }
    out->nattrs = (uint8_t)n;
    return 0;
}

int ike_cp_encode(struct ike_writer *w, const struct ike_cp_payload *cp)
{
    if (!cp_type_ok(cp->type) || cp->nattrs > IKE_CP_MAX_ATTRS)
        return -EINVAL;
    size_t start = ike_w_payload_begin(w, IKE_PL_CP, false);
    ike_w_u8(w, cp->type);
    ike_w_zero(w, 3);
    for (unsigned i = 0; i < cp->nattrs; i++) {
        const struct ike_cp_attr *a = &cp->attrs[i];
        ike_w_u16(w, a->type & CP_ATTR_TYPE_MASK);
        ike_w_u16(w, a->value.len);
        ike_w_bytes(w, a->value.ptr, a->value.len);
    }
    ike_w_payload_end(w, start);
    return pl_w_status(w);
}
