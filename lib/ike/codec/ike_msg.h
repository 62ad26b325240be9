/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE message framing: the fixed header and the chain of generic payload
 * headers (RFC 7296 3.1, 3.2). Decoding fills a struct ike_msg with zero-copy
 * views of each payload; it has no side effects, bounds every loop and, on
 * failure, reports which payload at which offset was wrong and why.
 */
#ifndef VEER_IKE_MSG_H
#define VEER_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_consts.h"
#include "ike_err.h"

/* Upper bound on payloads in one message (outer and inner chains together). */
#define IKE_MSG_MAX_PAYLOADS 64

struct ike_hdr {
    uint64_t spi_i;
    uint64_t spi_r;
    uint8_t next_payload;
    uint8_t version; /* major << 4 | minor */
    uint8_t exchange;
    uint8_t flags;
    uint32_t msg_id;
    uint32_t length;
};

/* A payload as found on the wire: a view into the message, no copy. */
struct ike_pl {
    const uint8_t *body; /* after the 4-byte generic header */
    uint32_t offset;     /* of the generic header, from the start of the IKE header */
    uint16_t len;        /* body length (payload length - 4) */
    uint8_t type;        /* enum ike_payload_type, or an unknown number */
    uint8_t next;        /* next payload field as received */
    bool critical;
    bool known;     /* type is one this codec decodes */
    bool encrypted; /* came from inside SK/SKF (decode_inner) */
};

struct ike_msg {
    struct ike_hdr hdr;
    const uint8_t *data; /* the IKE header */
    uint32_t len;
    uint8_t npayloads;
    bool decrypted; /* the inner chain has been added */
    struct ike_pl pl[IKE_MSG_MAX_PAYLOADS];
};

static inline bool ike_hdr_is_response(const struct ike_hdr *h)
{
    return (h->flags & IKE_FLAG_RESPONSE) != 0;
}

static inline uint16_t ike_get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t ike_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t ike_get64(const uint8_t *p)
{
    return ((uint64_t)ike_get32(p) << 32) | ike_get32(p + 4);
}

/*
 * Checks the generic payload header of a payload of `type` at base[pos] in a
 * chain of `len` bytes (base[0] is at message offset base_off) and returns its
 * length in *plen. Shared by the full decoder and the stateless scanner so
 * both refuse exactly the same chains.
 */
static inline int ike_chain_check(const uint8_t *base, size_t len, size_t pos, size_t base_off,
                                  uint8_t type, uint16_t *plen, struct ike_err *err)
{
    size_t at = base_off + pos;
    if (len - pos < IKE_GENERIC_HDR_LEN)
        return ike_fail(err, IKE_ERR_PL_TRUNCATED_HEADER, type, at);
    const uint8_t *p = base + pos;
    *plen = ike_get16(p + 2);
    if (*plen < IKE_GENERIC_HDR_LEN)
        return ike_fail(err, IKE_ERR_PL_LENGTH_TOO_SHORT, type, at + 2);
    if (*plen > len - pos)
        return ike_fail(err, IKE_ERR_PL_LENGTH_OVERRUN, type, at + 2);
    if ((p[1] & IKE_PAYLOAD_CRITICAL) && !ike_payload_type_known(type))
        return ike_fail(err, IKE_ERR_PL_UNSUPPORTED_CRITICAL, type, at);
    return 0;
}

/*
 * Decodes the 28-byte header. `len` is the datagram length (after any non-ESP
 * marker); the header's length field must equal it.
 */
int ike_hdr_decode(const uint8_t *buf, size_t len, struct ike_hdr *hdr, struct ike_err *err);

/*
 * Decodes the header and the chain of payloads up to and including SK/SKF,
 * which must be last. Unknown payloads without the critical bit are kept with
 * known=false; an unknown critical payload fails with PL_UNSUPPORTED_CRITICAL
 * and err->payload holding its type (for the UNSUPPORTED_CRITICAL_PAYLOAD
 * notify). Returns 0 or -EBADMSG.
 */
int ike_msg_decode(const uint8_t *buf, size_t len, struct ike_msg *msg, struct ike_err *err);

/*
 * Appends the payload chain found in a decrypted SK/SKF plaintext (after the
 * caller removed IV, padding and ICV). `first` is the SK payload's next-payload
 * field; `offset` is where the plaintext began in the message, for errors.
 */
int ike_msg_decode_inner(struct ike_msg *msg, const uint8_t *plain, size_t len, uint8_t first,
                         size_t offset, struct ike_err *err);

/* The first payload of `type` after `prev` (NULL: from the start), or NULL. */
const struct ike_pl *ike_msg_find(const struct ike_msg *msg, uint8_t type,
                                  const struct ike_pl *prev);

/* The first Notify payload of notify type `ntype`, or NULL. */
const struct ike_pl *ike_msg_find_notify(const struct ike_msg *msg, uint16_t ntype);

/* Number of payloads of `type`. */
unsigned ike_msg_count(const struct ike_msg *msg, uint8_t type);

/* A payload view over a bare body, for decoding payloads outside a message (tests, fuzzing). */
static inline struct ike_pl ike_pl_from_body(uint8_t type, const uint8_t *body, size_t len)
{
    struct ike_pl pl = {.body = body, .len = (uint16_t)len, .type = type, .known = true};
    return pl;
}

#endif
