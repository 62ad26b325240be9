/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the payload codecs (pl_*.c); not part of the public API.
 *
 * Offsets in errors: decoders report the byte where the fault was found, from
 * the IKE header. A field with a bad value is reported at that field; a body
 * too short for its fixed fields at its end, where the missing bytes belong.
 */
#ifndef VEER_IKE_PL_PRIV_H
#define VEER_IKE_PL_PRIV_H

#include <errno.h>
#include <stddef.h>

#include "ike_payload.h"

/* Fails the decoding of `pl` at byte `pos` of its body. */
static inline int pl_fail(struct ike_err *err, enum ike_err_code code, const struct ike_pl *pl,
                          size_t pos)
{
    return ike_fail(err, code, pl->type, (size_t)pl->offset + IKE_GENERIC_HDR_LEN + pos);
}

/* Fails the decoding of notify n's data at byte `pos` of the data. */
static inline int pl_notify_fail(struct ike_err *err, enum ike_err_code code,
                                 const struct ike_notify_payload *n, size_t pos)
{
    return ike_fail(err, code, IKE_PL_NOTIFY, (size_t)n->data_off + pos);
}

/*
 * Encoders end with this: the writer skips every write once it overflowed, so
 * one check after the last write tells whether the payload is complete.
 */
static inline int pl_w_status(const struct ike_writer *w)
{
    return w->overflow ? -ENOSPC : 0;
}

/* Largest body a payload can have: its 16-bit length includes the generic header. */
#define PL_BODY_MAX (UINT16_MAX - IKE_GENERIC_HDR_LEN)

#endif
