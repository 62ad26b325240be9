/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payloads made of a few fixed fields and one opaque value: KE (RFC 7296 3.4),
 * IDi/IDr (3.5), CERT (3.6), CERTREQ (3.7), AUTH (3.8), Nonce (3.9), Vendor ID
 * (3.12) and EAP (3.16, with the EAP header of RFC 3748 4).
 */
#include "ike_payload.h"

#include <errno.h>

#include "pl_priv.h"

/* Type (or group) and three reserved bytes, or two and two for KE. */
#define FIXED4_LEN 4
#define CERT_FIXED_LEN 1

/* EAP header (RFC 3748 4): Code, Identifier, Length, then Type for requests and responses. */
#define EAP_HDR_LEN 4
#define EAP_CODE_REQUEST 1
#define EAP_CODE_RESPONSE 2
#define EAP_CODE_SUCCESS 3
#define EAP_CODE_FAILURE 4

/*
 * Splits a body into `fixed` bytes of fixed fields and the value after them.
 * An empty value is refused when the payload needs one: a KE without a public
 * value or an ID without identity data cannot be used, and saying so here gives
 * a precise error instead of a later failure deep in crypto or policy code.
 */
static int split_body(const struct ike_pl *pl, size_t fixed, bool need_value,
                      struct ike_bytes *value, struct ike_err *err)
{
    if (pl->len < fixed + (need_value ? 1 : 0))
        return pl_fail(err, IKE_ERR_PL_BODY_TOO_SHORT, pl, pl->len);
    value->ptr = pl->body + fixed;
    value->len = (uint16_t)(pl->len - fixed);
    return 0;
}

/* Writes a whole payload: `nfixed` bytes of fixed fields, then the value. */
static int write_payload(struct ike_writer *w, uint8_t type, const uint8_t *fixed, size_t nfixed,
                         const struct ike_bytes *value)
{
    if (value->len > PL_BODY_MAX - nfixed)
        return -EINVAL;
    size_t start = ike_w_payload_begin(w, type, false);
    ike_w_bytes(w, fixed, nfixed);
    ike_w_bytes(w, value->ptr, value->len);
    ike_w_payload_end(w, start);
    return pl_w_status(w);
}

/* ---- KE ---- */

int ike_ke_decode(const struct ike_pl *pl, struct ike_ke_payload *out, struct ike_err *err)
{
    int rc = split_body(pl, FIXED4_LEN, true, &out->data, err);
    if (rc < 0)
        return rc;
    out->group = ike_get16(pl->body);
    return 0;
}

int ike_ke_encode(struct ike_writer *w, const struct ike_ke_payload *ke)
{
    if (ke->data.len == 0)
        return -EINVAL;
    uint8_t fixed[FIXED4_LEN] = {(uint8_t)(ke->group >> 8), (uint8_t)ke->group, 0, 0};
    return write_payload(w, IKE_PL_KE, fixed, sizeof(fixed), &ke->data);
}

/* ---- IDi / IDr ---- */

int ike_id_decode(const struct ike_pl *pl, struct ike_id_payload *out, struct ike_err *err)
{
    int rc = split_body(pl, FIXED4_LEN, true, &out->data, err);
    if (rc < 0)
        return rc;
    out->type = pl->body[0];
    return 0;
}

int ike_id_encode(struct ike_writer *w, uint8_t which, const struct ike_id_payload *id)
{
    if ((which != IKE_PL_IDI && which != IKE_PL_IDR) || id->data.len == 0)
        return -EINVAL;
    uint8_t fixed[FIXED4_LEN] = {id->type, 0, 0, 0};
    return write_payload(w, which, fixed, sizeof(fixed), &id->data);
}

/* ---- CERT / CERTREQ ---- */

/*
 * A CERT must carry a certificate; a CERTREQ may list no authority at all
 * (several implementations send one empty CERTREQ to ask for "any").
 */
int ike_cert_decode(const struct ike_pl *pl, struct ike_cert_payload *out, struct ike_err *err)
{
    int rc = split_body(pl, CERT_FIXED_LEN, pl->type != IKE_PL_CERTREQ, &out->data, err);
    if (rc < 0)
        return rc;
    out->encoding = pl->body[0];
    return 0;
}

int ike_cert_encode(struct ike_writer *w, uint8_t which, const struct ike_cert_payload *c)
{
    if (which != IKE_PL_CERT && which != IKE_PL_CERTREQ)
        return -EINVAL;
    if (which == IKE_PL_CERT && c->data.len == 0)
        return -EINVAL;
    return write_payload(w, which, &c->encoding, CERT_FIXED_LEN, &c->data);
}

/* ---- AUTH ---- */

int ike_auth_decode(const struct ike_pl *pl, struct ike_auth_payload *out, struct ike_err *err)
{
    int rc = split_body(pl, FIXED4_LEN, true, &out->data, err);
    if (rc < 0)
        return rc;
    out->method = pl->body[0];
    return 0;
}

int ike_auth_encode(struct ike_writer *w, const struct ike_auth_payload *a)
{
    if (a->data.len == 0)
        return -EINVAL;
    uint8_t fixed[FIXED4_LEN] = {a->method, 0, 0, 0};
    return write_payload(w, IKE_PL_AUTH, fixed, sizeof(fixed), &a->data);
}

/* ---- Nonce ---- */

int ike_nonce_decode(const struct ike_pl *pl, struct ike_bytes *out, struct ike_err *err)
{
    if (pl->len < IKE_NONCE_MIN)
        return pl_fail(err, IKE_ERR_NONCE_TOO_SHORT, pl, 0);
    if (pl->len > IKE_NONCE_MAX)
        return pl_fail(err, IKE_ERR_NONCE_TOO_LONG, pl, 0);
    out->ptr = pl->body;
    out->len = pl->len;
    return 0;
}

int ike_nonce_encode(struct ike_writer *w, const struct ike_bytes *nonce)
{
    if (nonce->len < IKE_NONCE_MIN || nonce->len > IKE_NONCE_MAX)
        return -EINVAL;
    return write_payload(w, IKE_PL_NONCE, NULL, 0, nonce);
}

/* ---- Vendor ID ---- */

int ike_vendor_decode(const struct ike_pl *pl, struct ike_bytes *out, struct ike_err *err)
{
    return split_body(pl, 0, true, out, err);
}

int ike_vendor_encode(struct ike_writer *w, const struct ike_bytes *vid)
{
    if (vid->len == 0)
        return -EINVAL;
    return write_payload(w, IKE_PL_VENDOR, NULL, 0, vid);
}

/* ---- EAP ---- */

/*
 * Checks the EAP header of a complete EAP message. The EAP Length must match
 * the payload exactly: the message is handed whole to the EAP method, which
 * would otherwise see trailing bytes or read short. Requests and responses
 * need the Type byte, so their minimum length is one more.
 */
static int eap_check(const struct ike_pl *pl, struct ike_eap_payload *out, struct ike_err *err)
{
    if (pl->len < EAP_HDR_LEN)
        return pl_fail(err, IKE_ERR_PL_BODY_TOO_SHORT, pl, pl->len);
    uint8_t code = pl->body[0];
    if (code < EAP_CODE_REQUEST || code > EAP_CODE_FAILURE)
        return pl_fail(err, IKE_ERR_EAP_BAD_CODE, pl, 0);
    bool has_type = code == EAP_CODE_REQUEST || code == EAP_CODE_RESPONSE;
    uint16_t len = ike_get16(pl->body + 2);
    if (len != pl->len || len < EAP_HDR_LEN + (has_type ? 1 : 0))
        return pl_fail(err, IKE_ERR_EAP_BAD_LENGTH, pl, 2);
    out->code = code;
    out->identifier = pl->body[1];
    out->type = has_type ? pl->body[EAP_HDR_LEN] : 0;
    out->data.ptr = pl->body;
    out->data.len = pl->len;
    return 0;
}

int ike_eap_decode(const struct ike_pl *pl, struct ike_eap_payload *out, struct ike_err *err)
{
    return eap_check(pl, out, err);
}

/* Refuses to send what ike_eap_decode() would refuse, using the same check. */
int ike_eap_encode(struct ike_writer *w, const struct ike_bytes *eap_message)
{
    struct ike_pl pl = ike_pl_from_body(IKE_PL_EAP, eap_message->ptr, eap_message->len);
    struct ike_eap_payload eap;
    if (eap_check(&pl, &eap, NULL) < 0)
        return -EINVAL;
    return write_payload(w, IKE_PL_EAP, NULL, 0, eap_message);
}
