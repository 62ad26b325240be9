/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payload bodies (RFC 7296 3.3-3.16, RFC 7383 2.5, RFC 5685 3-5, RFC 4555 4): one decoded
 * struct, one decoder and one encoder per payload type.
 *
 * Decoders take the payload view from ike_msg_decode() (or ike_pl_from_body()),
 * keep pointers into the message instead of copying, bound every loop, and fail
 * with -EBADMSG and a precise struct ike_err (offsets are from the IKE header).
 * Encoders write the whole payload, generic header included, through a writer.
 */
#ifndef VEER_IKE_PAYLOAD_H
#define VEER_IKE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_addr.h"
#include "ike_msg.h"
#include "ike_writer.h"

/* A view of bytes inside a message (decoders) or of caller memory (encoders). */
struct ike_bytes {
    const uint8_t *ptr;
    uint16_t len;
};

/* ---- SA (3.3): proposals and transforms ---- */

#define IKE_SA_MAX_PROPOSALS 32
#define IKE_SA_MAX_TRANSFORMS 256 /* over all proposals of one SA payload */
#define IKE_KEY_LEN_NONE 0        /* no Key Length attribute */

struct ike_transform {
    uint8_t type;     /* enum ike_transform_type */
    uint16_t id;      /* transform ID for that type */
    uint16_t key_len; /* Key Length attribute in bits, IKE_KEY_LEN_NONE if absent */
};

struct ike_proposal {
    uint8_t num;
    uint8_t protocol; /* enum ike_protocol */
    uint8_t spi_size; /* 0 (IKE in IKE_SA_INIT), 4 (AH/ESP), 8 (IKE rekey) */
    uint8_t spi[8];
    uint8_t ntransforms;
    uint16_t first; /* index of its first transform in ike_sa_payload.transforms */
};

struct ike_sa_payload {
    uint8_t nproposals;
    uint16_t ntransforms;
    struct ike_proposal proposals[IKE_SA_MAX_PROPOSALS];
    struct ike_transform transforms[IKE_SA_MAX_TRANSFORMS];
};

int ike_sa_decode(const struct ike_pl *pl, struct ike_sa_payload *out, struct ike_err *err);
int ike_sa_encode(struct ike_writer *w, const struct ike_sa_payload *sa);

static inline const struct ike_transform *
ike_proposal_transform(const struct ike_sa_payload *sa, const struct ike_proposal *p, unsigned i)
{
    return &sa->transforms[p->first + i];
}

/* ---- KE (3.4) ---- */

struct ike_ke_payload {
    uint16_t group; /* enum ike_dh */
    struct ike_bytes data;
};

int ike_ke_decode(const struct ike_pl *pl, struct ike_ke_payload *out, struct ike_err *err);
int ike_ke_encode(struct ike_writer *w, const struct ike_ke_payload *ke);

/* ---- IDi / IDr (3.5) ---- */

struct ike_id_payload {
    uint8_t type; /* enum ike_id_type */
    struct ike_bytes data;
};

/* `pl->type` says IDi or IDr; encode takes it as `which`. */
int ike_id_decode(const struct ike_pl *pl, struct ike_id_payload *out, struct ike_err *err);
int ike_id_encode(struct ike_writer *w, uint8_t which, const struct ike_id_payload *id);

/* ---- CERT (3.6) and CERTREQ (3.7) ---- */

struct ike_cert_payload {
    uint8_t encoding;      /* enum ike_cert_encoding */
    struct ike_bytes data; /* CERT: the certificate; CERTREQ: concatenated SHA-1 key hashes */
};

int ike_cert_decode(const struct ike_pl *pl, struct ike_cert_payload *out, struct ike_err *err);
/* `which` is IKE_PL_CERT or IKE_PL_CERTREQ. */
int ike_cert_encode(struct ike_writer *w, uint8_t which, const struct ike_cert_payload *c);

/* ---- AUTH (3.8) ---- */

struct ike_auth_payload {
    uint8_t method; /* enum ike_auth_method */
    struct ike_bytes data;
};

int ike_auth_decode(const struct ike_pl *pl, struct ike_auth_payload *out, struct ike_err *err);
int ike_auth_encode(struct ike_writer *w, const struct ike_auth_payload *a);

/* ---- Nonce (3.9): 16..256 bytes ---- */

int ike_nonce_decode(const struct ike_pl *pl, struct ike_bytes *out, struct ike_err *err);
int ike_nonce_encode(struct ike_writer *w, const struct ike_bytes *nonce);

/* ---- Notify (3.10) ---- */

struct ike_notify_payload {
    uint8_t protocol; /* enum ike_protocol; 0 when about the IKE SA */
    uint8_t spi_size; /* 0, 4 or 8 */
    uint16_t type;    /* enum ike_notify_type */
    uint8_t spi[8];
    struct ike_bytes data;
    uint32_t data_off; /* message offset of data, set by decode: the data decoders report it */
};

int ike_notify_decode(const struct ike_pl *pl, struct ike_notify_payload *out, struct ike_err *err);
int ike_notify_encode(struct ike_writer *w, const struct ike_notify_payload *n);

/* Gateway identity of REDIRECT / REDIRECTED_FROM (RFC 5685 3, 10). */
#define IKE_GW_ID_MAX 255
struct ike_gw_id {
    uint8_t type; /* enum ike_gw_id_type */
    uint8_t len;  /* 4 for IPv4, 16 for IPv6, 1..255 for FQDN */
    uint8_t value[IKE_GW_ID_MAX];
};

/* True when both identities have the same type and value (FQDN compared case-insensitively). */
bool ike_gw_id_equal(const struct ike_gw_id *a, const struct ike_gw_id *b);

/* REDIRECT data: GW identity, then the nonce it answers (may be empty, RFC 5685 5). */
int ike_notify_redirect_decode(const struct ike_notify_payload *n, struct ike_gw_id *gw,
                               struct ike_bytes *nonce, struct ike_err *err);
int ike_notify_redirect_encode(struct ike_writer *w, const struct ike_gw_id *gw,
                               const struct ike_bytes *nonce);
/* REDIRECTED_FROM data: GW identity only. */
int ike_notify_gw_decode(const struct ike_notify_payload *n, struct ike_gw_id *gw,
                         struct ike_err *err);
int ike_notify_gw_encode(struct ike_writer *w, uint16_t type, const struct ike_gw_id *gw);
/* SIGNATURE_HASH_ALGORITHMS (RFC 7427 4): list of 16-bit hash identifiers. */
#define IKE_MAX_HASH_ALGS 16
int ike_notify_hash_algs_decode(const struct ike_notify_payload *n, uint16_t *algs, unsigned *nalgs,
                                struct ike_err *err);

/* A status notify with no SPI and no data (REDIRECT_SUPPORTED, ...) or with plain data. */
int ike_notify_encode_simple(struct ike_writer *w, uint16_t type, const void *data, size_t len);

/*
 * The data of MOBIKE's notifies (RFC 4555 4, pl_mobike.c). MOBIKE_SUPPORTED's
 * data is ignored on receipt (4.2.1): it needs no decoder.
 */
#define IKE_COOKIE2_MIN 8
#define IKE_COOKIE2_MAX 64
/* COOKIE2 (4.2.5): 8 to 64 octets chosen by the exchange initiator. */
int ike_notify_cookie2_decode(const struct ike_notify_payload *n, struct ike_bytes *cookie,
                              struct ike_err *err);
int ike_notify_cookie2_encode(struct ike_writer *w, const struct ike_bytes *cookie);
/*
 * UPDATE_SA_ADDRESSES, NO_ADDITIONAL_ADDRESSES (4.2.3, 4.2.4), and the error
 * notifies UNACCEPTABLE_ADDRESSES and UNEXPECTED_NAT_DETECTED (4.1): no data.
 */
int ike_notify_no_data_decode(const struct ike_notify_payload *n, struct ike_err *err);
/* ADDITIONAL_IP4_ADDRESS (4 octets) or ADDITIONAL_IP6_ADDRESS (16): the address, port 0. */
int ike_notify_additional_decode(const struct ike_notify_payload *n, struct ike_addr *addr,
                                 struct ike_err *err);
int ike_notify_additional_encode(struct ike_writer *w, const struct ike_addr *addr);
/*
 * NO_NATS_ALLOWED (4.2.6): the source and destination addresses and ports of
 * the packet as its sender sent it, 12 octets for IPv4, 36 for IPv6.
 */
#define IKE_NO_NATS_IPV4_LEN 12
#define IKE_NO_NATS_IPV6_LEN 36
int ike_notify_no_nats_decode(const struct ike_notify_payload *n, struct ike_addr *src,
                              struct ike_addr *dst, struct ike_err *err);
int ike_notify_no_nats_encode(struct ike_writer *w, const struct ike_addr *src,
                              const struct ike_addr *dst);
/*
 * SWITCH_TO_IP_ADDRESS (draft-smyslov-ipsecme-ikev2-r-mobike 5.2): the
 * responder's new address, 4 octets (IPv4) or 16 (IPv6), protocol ID and SPI
 * size zero. It has no IANA number, so its type is the caller's (the
 * configuration's): the parser keeps it as any unknown status notify and the
 * exchange code matches the number.
 */
int ike_notify_switch_decode(const struct ike_notify_payload *n, struct ike_addr *addr,
                             struct ike_err *err);
int ike_notify_switch_encode(struct ike_writer *w, uint16_t type, const struct ike_addr *addr);
/* MOBIKE_SUPPORTED's data: the single octet 'R' says r-MOBIKE (draft 4.1, 5.1). */
#define IKE_RMOBIKE_OCTET 0x52
bool ike_notify_mobike_says_r(const struct ike_notify_payload *n);

/* ---- Delete (3.11) ---- */

#define IKE_DELETE_MAX_SPIS 1024
struct ike_delete_payload {
    uint8_t protocol;
    uint8_t spi_size; /* 0 for IKE, 4 for AH/ESP */
    uint16_t nspis;
    const uint8_t *spis; /* nspis * spi_size bytes, big-endian */
};

int ike_delete_decode(const struct ike_pl *pl, struct ike_delete_payload *out, struct ike_err *err);
int ike_delete_encode(struct ike_writer *w, const struct ike_delete_payload *d);

/* ---- Vendor ID (3.12) ---- */

int ike_vendor_decode(const struct ike_pl *pl, struct ike_bytes *out, struct ike_err *err);
int ike_vendor_encode(struct ike_writer *w, const struct ike_bytes *vid);

/* ---- TSi / TSr (3.13) ---- */

#define IKE_TS_MAX 32
struct ike_ts {
    uint8_t type;     /* IKE_TS_IPV4_ADDR_RANGE or IKE_TS_IPV6_ADDR_RANGE */
    uint8_t ip_proto; /* 0 = any */
    uint16_t start_port;
    uint16_t end_port;
    uint8_t start_addr[16]; /* 4 bytes used for IPv4 */
    uint8_t end_addr[16];
};

struct ike_ts_payload {
    uint8_t nts;
    struct ike_ts ts[IKE_TS_MAX];
};

int ike_ts_decode(const struct ike_pl *pl, struct ike_ts_payload *out, struct ike_err *err);

/*
 * The selectors of one Child SA, as kept for its lifetime: a few, so that an
 * SA stays small (a responder narrows to at most this many; a peer sending
 * more in a reply is refused).
 */
#define IKE_CHILD_TS_MAX 4
struct ike_ts_set {
    uint8_t nts;
    struct ike_ts ts[IKE_CHILD_TS_MAX];
};
/* `which` is IKE_PL_TSI or IKE_PL_TSR. */
int ike_ts_encode(struct ike_writer *w, uint8_t which, const struct ike_ts_payload *ts);

/* ---- CP (3.15) ---- */

#define IKE_CP_MAX_ATTRS 32
struct ike_cp_attr {
    uint16_t type; /* enum ike_cp_attr_type, without the reserved top bit */
    struct ike_bytes value;
};

struct ike_cp_payload {
    uint8_t type; /* enum ike_cp_type */
    uint8_t nattrs;
    struct ike_cp_attr attrs[IKE_CP_MAX_ATTRS];
};

int ike_cp_decode(const struct ike_pl *pl, struct ike_cp_payload *out, struct ike_err *err);
int ike_cp_encode(struct ike_writer *w, const struct ike_cp_payload *cp);

/* ---- EAP (3.16) ---- */

struct ike_eap_payload {
    uint8_t code; /* 1 request, 2 response, 3 success, 4 failure */
    uint8_t identifier;
    uint8_t type;          /* EAP method type for requests/responses, 0 otherwise */
    struct ike_bytes data; /* the whole EAP message, code included */
};

int ike_eap_decode(const struct ike_pl *pl, struct ike_eap_payload *out, struct ike_err *err);
/* Writes an EAP payload around a complete EAP message (data). */
int ike_eap_encode(struct ike_writer *w, const struct ike_bytes *eap_message);

/* ---- SK (3.14) and SKF (RFC 7383 2.5) framing ---- */

/*
 * The encrypted payload split by the negotiated IV and ICV sizes. `ciphertext`
 * covers the encrypted inner payloads, padding and pad length; `first_inner` is
 * the generic header's next-payload field (type of the first inner payload).
 */
struct ike_sk_payload {
    uint8_t first_inner;
    uint16_t frag_num;   /* SKF only; 0 for SK */
    uint16_t frag_total; /* SKF only; 0 for SK */
    struct ike_bytes iv;
    struct ike_bytes ciphertext;
    struct ike_bytes icv;
};

int ike_sk_decode(const struct ike_pl *pl, size_t iv_len, size_t icv_len,
                  struct ike_sk_payload *out, struct ike_err *err);

/*
 * Opens an SK payload (or SKF when `frag_total` > 0): writes the header and
 * zeroed IV space; inner payloads are then written with the normal encoders
 * and chain from the SK's own next-payload field. Returns the SK's offset.
 */
size_t ike_sk_begin(struct ike_writer *w, size_t iv_len, uint16_t frag_num, uint16_t frag_total);

/*
 * Closes the SK payload: pads the plaintext to `block_size` (1 for AEAD and
 * stream modes) with zero bytes, appends the pad length byte and zeroed ICV
 * space, and writes the length. On success *plain_off / *plain_len say where
 * the plaintext to encrypt lies (IV precedes it, ICV follows it).
 */
int ike_sk_end(struct ike_writer *w, size_t sk_start, size_t iv_len, size_t block_size,
               size_t icv_len, size_t *plain_off, size_t *plain_len);
/*
 * The same, padded further (whole blocks, at most 255 bytes of padding) until
 * the plaintext is at least min_plain bytes: a message made long enough for
 * the answer it may get (a QCD taker's requests, RFC 6290 and no amplification).
 */
int ike_sk_end_padded(struct ike_writer *w, size_t sk_start, size_t iv_len, size_t block_size,
                      size_t icv_len, size_t min_plain, size_t *plain_off, size_t *plain_len);

/*
 * After decryption: strips the padding given by the last plaintext byte.
 * Returns the inner payload length or -EBADMSG when the pad length is too big.
 */
long ike_sk_unpad(const uint8_t *plain, size_t len);

#endif
