/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Notify payload (RFC 7296 3.10) and the data of the notifies veer reads:
 * REDIRECT and REDIRECTED_FROM (RFC 5685 9.2, 9.3), SIGNATURE_HASH_ALGORITHMS
 * (RFC 7427 4).
 */
#include "ike_payload.h"

#include <errno.h>
#include <string.h>

#include "pl_priv.h"

/* Protocol ID, SPI Size, Notify Message Type. */
#define NOTIFY_FIXED_LEN 4
/* GW Ident Type, GW Ident Len. */
#define GW_ID_HDR_LEN 2
#define GW_ID_IPV4_LEN 4
#define GW_ID_IPV6_LEN 16

static bool notify_spi_size_ok(unsigned spi_size)
{
    return spi_size == 0 || spi_size == 4 || spi_size == 8;
}

int ike_notify_decode(const struct ike_pl *pl, struct ike_notify_payload *out, struct ike_err *err)
{
    if (pl->len < NOTIFY_FIXED_LEN)
        return pl_fail(err, IKE_ERR_PL_BODY_TOO_SHORT, pl, pl->len);
    const uint8_t *b = pl->body;
    /* The protocol is not checked: RFC 7296 3.10 says to ignore it when there is no SPI. */
    out->protocol = b[0];
    out->spi_size = b[1];
    out->type = ike_get16(b + 2);
    if (!notify_spi_size_ok(out->spi_size))
        return pl_fail(err, IKE_ERR_NOTIFY_BAD_SPI_SIZE, pl, 1);
    if (pl->len - NOTIFY_FIXED_LEN < out->spi_size)
        return pl_fail(err, IKE_ERR_NOTIFY_SPI_TRUNCATED, pl, NOTIFY_FIXED_LEN);
    memset(out->spi, 0, sizeof(out->spi));
    memcpy(out->spi, b + NOTIFY_FIXED_LEN, out->spi_size);
    size_t data_pos = (size_t)NOTIFY_FIXED_LEN + out->spi_size;
    out->data.ptr = b + data_pos;
    out->data.len = (uint16_t)(pl->len - data_pos);
    out->data_off = pl->offset + IKE_GENERIC_HDR_LEN + (uint32_t)data_pos;
    return 0;
}

/* Opens a Notify payload and writes its fixed fields and SPI; returns its offset. */
static size_t notify_begin(struct ike_writer *w, uint8_t protocol, uint8_t spi_size, uint16_t type,
                           const uint8_t *spi)
{
    size_t start = ike_w_payload_begin(w, IKE_PL_NOTIFY, false);
    ike_w_u8(w, protocol);
    ike_w_u8(w, spi_size);
    ike_w_u16(w, type);
    ike_w_bytes(w, spi, spi_size);
    return start;
}

int ike_notify_encode(struct ike_writer *w, const struct ike_notify_payload *n)
{
    if (!notify_spi_size_ok(n->spi_size) ||
        n->data.len > PL_BODY_MAX - NOTIFY_FIXED_LEN - n->spi_size)
        return -EINVAL;
    size_t start = notify_begin(w, n->protocol, n->spi_size, n->type, n->spi);
    ike_w_bytes(w, n->data.ptr, n->data.len);
    ike_w_payload_end(w, start);
    return pl_w_status(w);
}

int ike_notify_encode_simple(struct ike_writer *w, uint16_t type, const void *data, size_t len)
{
    if (len > PL_BODY_MAX - NOTIFY_FIXED_LEN || (data == NULL && len > 0))
        return -EINVAL;
    size_t start = notify_begin(w, IKE_PROTO_NONE, 0, type, NULL);
    ike_w_bytes(w, data, len);
    ike_w_payload_end(w, start);
    return pl_w_status(w);
}

/* ---- Gateway identities (RFC 5685) ---- */

static uint8_t ascii_lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* DNS names compare case-insensitively (RFC 4343); no locale may change that. */
bool ike_gw_id_equal(const struct ike_gw_id *a, const struct ike_gw_id *b)
{
    if (a->type != b->type || a->len != b->len)
        return false;
    if (a->type != IKE_GW_FQDN)
        return memcmp(a->value, b->value, a->len) == 0;
    for (unsigned i = 0; i < a->len; i++) {
        if (ascii_lower(a->value[i]) != ascii_lower(b->value[i]))
            return false;
    }
    return true;
}

/*
 * RFC 5685 9.3 lists only IPv4 and IPv6 for REDIRECTED_FROM: it names the address
 * the initiator actually sent to. REDIRECT (9.2) also allows an FQDN.
 */
static bool gw_type_ok(uint16_t notify_type, uint8_t gw_type)
{
    if (gw_type == IKE_GW_IPV4 || gw_type == IKE_GW_IPV6)
        return true;
    return gw_type == IKE_GW_FQDN && notify_type != IKE_N_REDIRECTED_FROM;
}

static bool gw_len_ok(uint8_t gw_type, unsigned len)
{
    switch (gw_type) {
    case IKE_GW_IPV4:
        return len == GW_ID_IPV4_LEN;
    case IKE_GW_IPV6:
        return len == GW_ID_IPV6_LEN;
    case IKE_GW_FQDN:
        return len >= 1 && len <= IKE_GW_ID_MAX;
    default:
        return false;
    }
}

/* Reads the GW identity at the start of the notify data; *used is the bytes it took. */
static int gw_decode(const struct ike_notify_payload *n, struct ike_gw_id *gw, size_t *used,
                     struct ike_err *err)
{
    const uint8_t *d = n->data.ptr;
    if (n->data.len < GW_ID_HDR_LEN)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n, n->data.len);
    if (!gw_type_ok(n->type, d[0]))
        return pl_notify_fail(err, IKE_ERR_GW_ID_BAD_TYPE, n, 0);
    if (!gw_len_ok(d[0], d[1]) || d[1] > n->data.len - GW_ID_HDR_LEN)
        return pl_notify_fail(err, IKE_ERR_GW_ID_BAD_LENGTH, n, 1);
    memset(gw, 0, sizeof(*gw));
    gw->type = d[0];
    gw->len = d[1];
    memcpy(gw->value, d + GW_ID_HDR_LEN, gw->len);
    *used = (size_t)GW_ID_HDR_LEN + gw->len;
    return 0;
}

/*
 * The nonce is absent in a gateway-initiated or IKE_AUTH redirect (RFC 5685 5,
 * 6); when present it is the initiator's Ni and so obeys the Nonce bounds (9.2).
 */
int ike_notify_redirect_decode(const struct ike_notify_payload *n, struct ike_gw_id *gw,
                               struct ike_bytes *nonce, struct ike_err *err)
{
    size_t used = 0; /* gcc -O3 cannot see that gw_decode() sets it on success */
    int rc = gw_decode(n, gw, &used, err);
    if (rc < 0)
        return rc;
    size_t rest = n->data.len - used;
    if (rest > 0 && rest < IKE_NONCE_MIN)
        return pl_notify_fail(err, IKE_ERR_NONCE_TOO_SHORT, n, used);
    if (rest > IKE_NONCE_MAX)
        return pl_notify_fail(err, IKE_ERR_NONCE_TOO_LONG, n, used);
    nonce->ptr = n->data.ptr + used;
    nonce->len = (uint16_t)rest;
    return 0;
}

int ike_notify_gw_decode(const struct ike_notify_payload *n, struct ike_gw_id *gw,
                         struct ike_err *err)
{
    size_t used = 0; /* gcc -O3 cannot see that gw_decode() sets it on success */
    int rc = gw_decode(n, gw, &used, err);
    if (rc < 0)
        return rc;
    if (used != n->data.len)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n, used);
    return 0;
}

/* Writes a whole GW-identity notify: Protocol ID 0, SPI Size 0, the identity, the nonce. */
static int gw_notify_write(struct ike_writer *w, uint16_t type, const struct ike_gw_id *gw,
                           const struct ike_bytes *nonce)
{
    if (!gw_type_ok(type, gw->type) || !gw_len_ok(gw->type, gw->len))
        return -EINVAL;
    size_t start = notify_begin(w, IKE_PROTO_NONE, 0, type, NULL);
    ike_w_u8(w, gw->type);
    ike_w_u8(w, gw->len);
    ike_w_bytes(w, gw->value, gw->len);
    if (nonce != NULL)
        ike_w_bytes(w, nonce->ptr, nonce->len);
    ike_w_payload_end(w, start);
    return pl_w_status(w);
}

/* `nonce` may be NULL or empty for the redirects that carry none (RFC 5685 5, 6). */
int ike_notify_redirect_encode(struct ike_writer *w, const struct ike_gw_id *gw,
                               const struct ike_bytes *nonce)
{
    if (nonce != NULL && nonce->len > 0 &&
        (nonce->len < IKE_NONCE_MIN || nonce->len > IKE_NONCE_MAX))
        return -EINVAL;
    return gw_notify_write(w, IKE_N_REDIRECT, gw, nonce);
}

int ike_notify_gw_encode(struct ike_writer *w, uint16_t type, const struct ike_gw_id *gw)
{
    return gw_notify_write(w, type, gw, NULL);
}

/* ---- SIGNATURE_HASH_ALGORITHMS ---- */

int ike_notify_hash_algs_decode(const struct ike_notify_payload *n, uint16_t *algs, unsigned *nalgs,
                                struct ike_err *err)
{
    if (n->data.len % 2 != 0)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n, n->data.len - 1u);
    unsigned count = n->data.len / 2u;
    if (count > IKE_MAX_HASH_ALGS)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n, 2u * IKE_MAX_HASH_ALGS);
    for (unsigned i = 0; i < count; i++)
        algs[i] = ike_get16(n->data.ptr + 2u * i);
    *nalgs = count;
    return 0;
}
