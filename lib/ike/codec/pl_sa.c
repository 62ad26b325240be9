/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security Association payload (RFC 7296 3.3): proposals, transforms and
 * transform attributes. The decoder checks the structure and the fields whose
 * values the RFC fixes; which algorithms are acceptable is policy, not syntax.
 */
#include "ike_payload.h"

#include <errno.h>
#include <string.h>

#include "pl_priv.h"

/* Last-substructure values: 0 ends the list, 2 and 3 are the IKEv1 payload numbers. */
#define SA_LAST 0
#define SA_MORE_PROPOSALS 2
#define SA_MORE_TRANSFORMS 3

/* Last, reserved, length, number, protocol, SPI size, number of transforms. */
#define PROP_HDR_LEN 8
/* Last, reserved, length, type, reserved, transform ID. */
#define XFORM_HDR_LEN 8
/* AF bit and type, then the value (TV) or the length (TLV). */
#define ATTR_HDR_LEN 4
#define ATTR_AF_TV 0x8000
#define ATTR_TYPE_MASK 0x7fff

#define PROP_IKE_SPI_LEN 8
#define PROP_CHILD_SPI_LEN 4

/*
 * Transform attributes. IANA defines one for IKEv2: Key Length, in TV format.
 *
 * RFC 7296 3.3.6 would have a transform with an attribute the responder does
 * not understand treated as unacceptable while the rest of the SA is processed.
 * struct ike_transform has no field to carry "unacceptable", so an unknown
 * attribute fails the payload with SA_ATTR_UNKNOWN. With Key Length the only
 * attribute ever assigned, no peer sends another today; if one appears, add a
 * flag to struct ike_transform and let the policy code skip the transform.
 */
static int decode_attrs(const struct ike_pl *pl, size_t pos, size_t end, struct ike_transform *t,
                        struct ike_err *err)
{
    bool have_key_len = false;
    t->key_len = IKE_KEY_LEN_NONE;
    /* Every attribute takes at least 4 bytes of a transform of at most 64 KiB. */
    while (pos < end) {
        if (end - pos < ATTR_HDR_LEN)
            return pl_fail(err, IKE_ERR_SA_ATTR_TRUNCATED, pl, pos);
        const uint8_t *p = pl->body + pos;
        uint16_t af_type = ike_get16(p);
        bool tv = (af_type & ATTR_AF_TV) != 0;
        /* Structure first: a TLV value must fit before its type matters. */
        if (!tv && ike_get16(p + 2) > end - pos - ATTR_HDR_LEN)
            return pl_fail(err, IKE_ERR_SA_ATTR_TRUNCATED, pl, pos + 2);
        if ((af_type & ATTR_TYPE_MASK) != IKE_TRANSFORM_ATTR_KEY_LENGTH)
            return pl_fail(err, IKE_ERR_SA_ATTR_UNKNOWN, pl, pos);
        if (!tv)
            return pl_fail(err, IKE_ERR_SA_ATTR_KEY_LENGTH_FORMAT, pl, pos);
        /* RFC 7296 3.3.5: a transform MUST NOT have two attributes of one type. */
        if (have_key_len)
            return pl_fail(err, IKE_ERR_SA_ATTR_DUPLICATE, pl, pos);
        have_key_len = true;
        t->key_len = ike_get16(p + 2);
        pos += ATTR_HDR_LEN;
    }
    return 0;
}

/* Decodes the transform at body offset `pos` of a proposal ending at `end`. */
static int decode_transform(const struct ike_pl *pl, size_t pos, size_t end,
                            struct ike_transform *t, size_t *len_out, struct ike_err *err)
{
    if (end - pos < XFORM_HDR_LEN)
        return pl_fail(err, IKE_ERR_SA_XFORM_TRUNCATED, pl, pos);
    const uint8_t *p = pl->body + pos;
    uint16_t len = ike_get16(p + 2);
    if (len < XFORM_HDR_LEN || len > end - pos)
        return pl_fail(err, IKE_ERR_SA_XFORM_TRUNCATED, pl, pos + 2);
    if (p[0] != SA_LAST && p[0] != SA_MORE_TRANSFORMS)
        return pl_fail(err, IKE_ERR_SA_XFORM_BAD_LAST, pl, pos);
    if ((p[0] == SA_LAST) != (pos + len == end))
        return pl_fail(err, IKE_ERR_SA_XFORM_LAST_MISMATCH, pl, pos);
    t->type = p[4];
    t->id = ike_get16(p + 6);
    *len_out = len;
    return decode_attrs(pl, pos + XFORM_HDR_LEN, pos + len, t, err);
}

/*
 * Decodes the transforms of `prop`, which lie in body[pos, end). Their number
 * must match the proposal's count both ways: a peer whose count disagrees
 * with its bytes has encoded something other than what it meant.
 */
static int decode_transforms(const struct ike_pl *pl, size_t pos, size_t end,
                             struct ike_proposal *prop, struct ike_sa_payload *sa,
                             struct ike_err *err)
{
    unsigned i;
    /* Every transform takes at least 8 bytes, and the two bounds stop the walk earlier. */
    for (i = 0; pos < end; i++) {
        if (i == prop->ntransforms)
            return pl_fail(err, IKE_ERR_SA_PROP_TRANSFORM_COUNT, pl, pos);
        if (sa->ntransforms == IKE_SA_MAX_TRANSFORMS)
            return pl_fail(err, IKE_ERR_SA_TOO_MANY_TRANSFORMS, pl, pos);
        size_t len = 0;
        int rc = decode_transform(pl, pos, end, &sa->transforms[sa->ntransforms], &len, err);
        if (rc < 0)
            return rc;
        sa->ntransforms++;
        pos += len;
    }
    if (i != prop->ntransforms)
        return pl_fail(err, IKE_ERR_SA_PROP_TRANSFORM_COUNT, pl, pos);
    return 0;
}

static bool spi_size_ok(uint8_t protocol, uint8_t spi_size)
{
    if (protocol == IKE_PROTO_IKE)
        return spi_size == 0 || spi_size == PROP_IKE_SPI_LEN;
    return spi_size == PROP_CHILD_SPI_LEN;
}

/*
 * Proposal numbers (RFC 7296 3.3.1): an offer numbers its proposals 1, 2, 3...
 * and an answer carries the one accepted proposal with the number it had in the
 * offer. So with more than one proposal the first must be 1, a lone proposal
 * may have any number but 0, and each next one is the previous plus one. IKEv1
 * gave AND-ed protocols (AH+ESP bundles) equal numbers; IKEv2 dropped bundles,
 * and RFC 7296 requires each number to be one more than the previous, so an
 * equal number is refused too.
 */
static bool prop_num_ok(const struct ike_sa_payload *sa, uint8_t num, bool more)
{
    if (sa->nproposals > 0)
        return num == sa->proposals[sa->nproposals - 1].num + 1;
    return more ? num == 1 : num != 0;
}

/* Checks the proposal header at body offset `pos` and fills `prop` from it. */
static int decode_prop_header(const struct ike_pl *pl, size_t pos, const struct ike_sa_payload *sa,
                              struct ike_proposal *prop, size_t *len_out, struct ike_err *err)
{
    if (pl->len - pos < PROP_HDR_LEN)
        return pl_fail(err, IKE_ERR_SA_PROP_TRUNCATED, pl, pos);
    const uint8_t *p = pl->body + pos;
    uint16_t len = ike_get16(p + 2);
    if (len < PROP_HDR_LEN || len > pl->len - pos)
        return pl_fail(err, IKE_ERR_SA_PROP_TRUNCATED, pl, pos + 2);
    if (p[0] != SA_LAST && p[0] != SA_MORE_PROPOSALS)
        return pl_fail(err, IKE_ERR_SA_PROP_BAD_LAST, pl, pos);
    bool more = p[0] == SA_MORE_PROPOSALS;
    if (more != (pos + len < pl->len))
        return pl_fail(err, IKE_ERR_SA_PROP_LAST_MISMATCH, pl, pos);
    if (!prop_num_ok(sa, p[4], more))
        return pl_fail(err, IKE_ERR_SA_PROP_BAD_NUMBER, pl, pos + 4);
    if (p[5] != IKE_PROTO_IKE && p[5] != IKE_PROTO_AH && p[5] != IKE_PROTO_ESP)
        return pl_fail(err, IKE_ERR_SA_PROP_BAD_PROTOCOL, pl, pos + 5);
    if (!spi_size_ok(p[5], p[6]))
        return pl_fail(err, IKE_ERR_SA_PROP_BAD_SPI_SIZE, pl, pos + 6);
    if (p[7] == 0)
        return pl_fail(err, IKE_ERR_SA_PROP_NO_TRANSFORMS, pl, pos + 7);
    if (len - PROP_HDR_LEN < p[6])
        return pl_fail(err, IKE_ERR_SA_PROP_TRUNCATED, pl, pos + PROP_HDR_LEN);
    memset(prop, 0, sizeof(*prop));
    prop->num = p[4];
    prop->protocol = p[5];
    prop->spi_size = p[6];
    prop->ntransforms = p[7];
    prop->first = sa->ntransforms;
    memcpy(prop->spi, p + PROP_HDR_LEN, prop->spi_size);
    *len_out = len;
    return 0;
}

int ike_sa_decode(const struct ike_pl *pl, struct ike_sa_payload *out, struct ike_err *err)
{
    out->nproposals = 0;
    out->ntransforms = 0;
    if (pl->len == 0)
        return pl_fail(err, IKE_ERR_SA_NO_PROPOSALS, pl, 0);
    size_t pos = 0;
    /* Every proposal takes at least 8 bytes, and the bound stops the walk earlier. */
    while (pos < pl->len) {
        if (out->nproposals == IKE_SA_MAX_PROPOSALS)
            return pl_fail(err, IKE_ERR_SA_TOO_MANY_PROPOSALS, pl, pos);
        struct ike_proposal *prop = &out->proposals[out->nproposals];
        size_t len = 0;
        int rc = decode_prop_header(pl, pos, out, prop, &len, err);
        if (rc < 0)
            return rc;
        rc = decode_transforms(pl, pos + PROP_HDR_LEN + prop->spi_size, pos + len, prop, out, err);
        if (rc < 0)
            return rc;
        out->nproposals++;
        pos += len;
    }
    return 0;
}

/* ---- encoder ---- */

/* Refuses what the decoder would refuse for its structure, and any out-of-range index. */
static bool sa_encodable(const struct ike_sa_payload *sa)
{
    if (sa->nproposals == 0 || sa->nproposals > IKE_SA_MAX_PROPOSALS ||
        sa->ntransforms > IKE_SA_MAX_TRANSFORMS)
        return false;
    for (unsigned i = 0; i < sa->nproposals; i++) {
        const struct ike_proposal *p = &sa->proposals[i];
        if (p->spi_size > sizeof(p->spi) || p->ntransforms == 0 ||
            (size_t)p->first + p->ntransforms > sa->ntransforms)
            return false;
    }
    return true;
}

static void encode_transform(struct ike_writer *w, const struct ike_transform *t, bool last)
{
    bool key_len = t->key_len != IKE_KEY_LEN_NONE;
    ike_w_u8(w, last ? SA_LAST : SA_MORE_TRANSFORMS);
    ike_w_u8(w, 0);
    ike_w_u16(w, XFORM_HDR_LEN + (key_len ? ATTR_HDR_LEN : 0));
    ike_w_u8(w, t->type);
    ike_w_u8(w, 0);
    ike_w_u16(w, t->id);
    if (key_len) {
        ike_w_u16(w, ATTR_AF_TV | IKE_TRANSFORM_ATTR_KEY_LENGTH);
        ike_w_u16(w, t->key_len);
    }
}

static void encode_proposal(struct ike_writer *w, const struct ike_sa_payload *sa,
                            const struct ike_proposal *p, bool last)
{
    size_t start = w->len;
    ike_w_u8(w, last ? SA_LAST : SA_MORE_PROPOSALS);
    ike_w_u8(w, 0);
    ike_w_u16(w, 0); /* length, patched below */
    ike_w_u8(w, p->num);
    ike_w_u8(w, p->protocol);
    ike_w_u8(w, p->spi_size);
    ike_w_u8(w, p->ntransforms);
    ike_w_bytes(w, p->spi, p->spi_size);
    for (unsigned i = 0; i < p->ntransforms; i++)
        encode_transform(w, ike_proposal_transform(sa, p, i), i + 1u == p->ntransforms);
    /* A proposal lies inside a payload, whose own end check catches more than 64 KiB. */
    ike_w_put16_at(w, start + 2, (uint16_t)(w->len - start));
}

int ike_sa_encode(struct ike_writer *w, const struct ike_sa_payload *sa)
{
    if (!sa_encodable(sa))
        return -EINVAL;
    size_t start = ike_w_payload_begin(w, IKE_PL_SA, false);
    for (unsigned i = 0; i < sa->nproposals; i++)
        encode_proposal(w, sa, &sa->proposals[i], i + 1u == sa->nproposals);
    ike_w_payload_end(w, start);
    return pl_w_status(w);
}
