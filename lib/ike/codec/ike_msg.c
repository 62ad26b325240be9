/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_msg.h"

#include <errno.h>

int ike_hdr_decode(const uint8_t *buf, size_t len, struct ike_hdr *hdr, struct ike_err *err)
{
    if (len < IKE_HDR_LEN)
        return ike_fail(err, IKE_ERR_HDR_TRUNCATED, IKE_PL_NONE, len);
    hdr->spi_i = ike_get64(buf);
    hdr->spi_r = ike_get64(buf + 8);
    hdr->next_payload = buf[16];
    hdr->version = buf[17];
    hdr->exchange = buf[18];
    hdr->flags = buf[19];
    hdr->msg_id = ike_get32(buf + 20);
    hdr->length = ike_get32(buf + 24);
    if (hdr->version >> 4 != IKE_MAJOR_VERSION)
        return ike_fail(err, IKE_ERR_HDR_BAD_MAJOR_VERSION, IKE_PL_NONE, 17);
    if (hdr->length < IKE_HDR_LEN)
        return ike_fail(err, IKE_ERR_HDR_LENGTH_TOO_SMALL, IKE_PL_NONE, 24);
    if (hdr->length != len)
        return ike_fail(err, IKE_ERR_HDR_LENGTH_MISMATCH, IKE_PL_NONE, 24);
    return 0;
}

/*
 * Walks one chain of generic payload headers in base[0..len), appending to
 * msg; base[0] is at message offset base_off. Every payload is at least 4
 * bytes long, so the walk advances on every step and ends after at most
 * len / 4 payloads; the payload bound stops it earlier.
 */
static int walk_chain(struct ike_msg *msg, const uint8_t *base, size_t len, size_t base_off,
                      uint8_t first, bool encrypted, struct ike_err *err)
{
    size_t pos = 0;
    uint8_t type = first;
    while (type != IKE_PL_NONE) {
        size_t at = base_off + pos;
        if (msg->npayloads >= IKE_MSG_MAX_PAYLOADS)
            return ike_fail(err, IKE_ERR_PL_TOO_MANY, type, at);
        uint16_t plen = 0;
        int rc = ike_chain_check(base, len, pos, base_off, type, &plen, err);
        if (rc < 0)
            return rc;
        const uint8_t *p = base + pos;
        struct ike_pl *pl = &msg->pl[msg->npayloads++];
        pl->body = p + IKE_GENERIC_HDR_LEN;
        pl->offset = (uint32_t)at;
        pl->len = (uint16_t)(plen - IKE_GENERIC_HDR_LEN);
        pl->type = type;
        pl->next = p[0];
        pl->critical = (p[1] & IKE_PAYLOAD_CRITICAL) != 0;
        pl->known = ike_payload_type_known(type);
        pl->encrypted = encrypted;
        pos += plen;
        if (type == IKE_PL_SK || type == IKE_PL_SKF) {
            /* Its next-payload field names the first inner payload, not a successor. */
            if (encrypted)
                return ike_fail(err, IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED, type, at);
            if (pos != len)
                return ike_fail(err, IKE_ERR_PL_SK_NOT_LAST, type, at);
            return 0;
        }
        type = p[0];
    }
    if (pos != len)
        return ike_fail(err, IKE_ERR_PL_TRAILING_DATA, IKE_PL_NONE, base_off + pos);
    return 0;
}

int ike_msg_decode(const uint8_t *buf, size_t len, struct ike_msg *msg, struct ike_err *err)
{
    msg->data = buf;
    msg->len = (uint32_t)len;
    msg->npayloads = 0;
    msg->decrypted = false;
    int rc = ike_hdr_decode(buf, len, &msg->hdr, err);
    if (rc < 0)
        return rc;
    return walk_chain(msg, buf + IKE_HDR_LEN, len - IKE_HDR_LEN, IKE_HDR_LEN, msg->hdr.next_payload,
                      false, err);
}

int ike_msg_decode_inner(struct ike_msg *msg, const uint8_t *plain, size_t len, uint8_t first,
                         size_t offset, struct ike_err *err)
{
    int rc = walk_chain(msg, plain, len, offset, first, true, err);
    if (rc == 0)
        msg->decrypted = true;
    return rc;
}

const struct ike_pl *ike_msg_find(const struct ike_msg *msg, uint8_t type,
                                  const struct ike_pl *prev)
{
    unsigned i = prev == NULL ? 0 : (unsigned)(prev - msg->pl) + 1;
    for (; i < msg->npayloads; i++) {
        if (msg->pl[i].type == type)
            return &msg->pl[i];
    }
    return NULL;
}

const struct ike_pl *ike_msg_find_notify(const struct ike_msg *msg, uint16_t ntype)
{
    for (const struct ike_pl *pl = ike_msg_find(msg, IKE_PL_NOTIFY, NULL); pl != NULL;
         pl = ike_msg_find(msg, IKE_PL_NOTIFY, pl)) {
        if (pl->len >= 4 && ike_get16(pl->body + 2) == ntype)
            return pl;
    }
    return NULL;
}

unsigned ike_msg_count(const struct ike_msg *msg, uint8_t type)
{
    unsigned n = 0;
    for (unsigned i = 0; i < msg->npayloads; i++)
        n += msg->pl[i].type == type;
    return n;
}
