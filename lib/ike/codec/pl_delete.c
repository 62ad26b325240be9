/* SPDX-License-Identifier: BSD-3-Clause */
/* Delete payload (RFC 7296 3.11). */
#include "ike_payload.h"

#include <errno.h>

#include "pl_priv.h"

/* Protocol ID, SPI Size, Num of SPIs. */
#define DELETE_FIXED_LEN 4
#define CHILD_SPI_LEN 4

/*
 * The IKE SA's SPIs are in the IKE header, so deleting it carries no SPI (size
 * 0, count 0); AH and ESP SPIs are 4 bytes (RFC 7296 3.11).
 */
static bool delete_spi_size_ok(uint8_t protocol, uint8_t spi_size)
{
    return spi_size == (protocol == IKE_PROTO_IKE ? 0 : CHILD_SPI_LEN);
}

static bool delete_protocol_ok(uint8_t protocol)
{
    return protocol == IKE_PROTO_IKE || protocol == IKE_PROTO_AH || protocol == IKE_PROTO_ESP;
}

int ike_delete_decode(const struct ike_pl *pl, struct ike_delete_payload *out, struct ike_err *err)
{
    if (pl->len < DELETE_FIXED_LEN)
        return pl_fail(err, IKE_ERR_PL_BODY_TOO_SHORT, pl, pl->len);
    const uint8_t *b = pl->body;
    if (!delete_protocol_ok(b[0]))
        return pl_fail(err, IKE_ERR_DELETE_BAD_PROTOCOL, pl, 0);
    if (!delete_spi_size_ok(b[0], b[1]))
        return pl_fail(err, IKE_ERR_DELETE_BAD_SPI_SIZE, pl, 1);
    uint16_t nspis = ike_get16(b + 2);
    if (nspis > IKE_DELETE_MAX_SPIS)
        return pl_fail(err, IKE_ERR_DELETE_TOO_MANY_SPIS, pl, 2);
    /* For IKE the size is 0, so the product alone would accept any count: test it too. */
    bool ike_with_spis = b[0] == IKE_PROTO_IKE && nspis != 0;
    if (ike_with_spis || (size_t)nspis * b[1] != (size_t)pl->len - DELETE_FIXED_LEN)
        return pl_fail(err, IKE_ERR_DELETE_SPI_COUNT, pl, 2);
    out->protocol = b[0];
    out->spi_size = b[1];
    out->nspis = nspis;
    out->spis = b + DELETE_FIXED_LEN;
    return 0;
}

int ike_delete_encode(struct ike_writer *w, const struct ike_delete_payload *d)
{
    if (!delete_protocol_ok(d->protocol) || !delete_spi_size_ok(d->protocol, d->spi_size) ||
        d->nspis > IKE_DELETE_MAX_SPIS || (d->protocol == IKE_PROTO_IKE && d->nspis != 0) ||
        (d->nspis > 0 && d->spis == NULL))
        return -EINVAL;
    size_t start = ike_w_payload_begin(w, IKE_PL_DELETE, false);
    ike_w_u8(w, d->protocol);
    ike_w_u8(w, d->spi_size);
    ike_w_u16(w, d->nspis);
    ike_w_bytes(w, d->spis, (size_t)d->nspis * d->spi_size);
    ike_w_payload_end(w, start);
    return pl_w_status(w);
}
