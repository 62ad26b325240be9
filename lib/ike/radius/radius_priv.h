/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the files of lib/ike/radius: the attribute writer, the walk over
 * a received packet's attributes, and the two authenticators.
 */
#ifndef VEER_RADIUS_PRIV_H
#define VEER_RADIUS_PRIV_H

#include "ike_radius.h"

/* An output buffer; every write past cap (or past 4096 bytes) only sets `full`. */
struct radius_w {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool full;
};

/* Starts a packet: code, identifier, the length left 0, authenticator (NULL: zeros). */
void radius_w_start(struct radius_w *w, uint8_t *out, size_t cap, uint8_t code, uint8_t id,
                    const uint8_t *auth);
/* One attribute of n bytes (n <= 253; the caller checks). */
void radius_w_attr(struct radius_w *w, uint8_t type, const void *value, size_t n);
void radius_w_u32(struct radius_w *w, uint8_t type, uint32_t v);
/* A NUL-terminated string attribute when s is non-NULL; false when it is empty or too long. */
bool radius_w_text(struct radius_w *w, uint8_t type, const char *s);
/* NAS-IP-Address or NAS-IPv6-Address, NAS-Identifier, Called-Station-Id. */
bool radius_w_nas(struct radius_w *w, const struct ike_radius_nas *nas);
/* Calling-Station-Id "ip:port" when client is non-NULL. */
void radius_w_station(struct radius_w *w, const struct ike_addr *client);
/* Writes the Length field; false when the packet did not fit. */
bool radius_w_finish(struct radius_w *w);

/* What the walk over a received packet found. */
struct radius_walk {
    size_t len;    /* the Length field: octets past it are padding */
    size_t ma_off; /* offset of the Message-Authenticator attribute, 0: none */
    bool has_eap;
};

/* Header and attribute bounds; at most one Message-Authenticator, of 16 bytes. */
enum ike_radius_reject radius_walk(const uint8_t *pkt, size_t len, struct radius_walk *wk);

/*
 * The Response Authenticator, MD5(Code+ID+Length+RequestAuth+Attributes+Secret),
 * then the Message-Authenticator when there is one (RFC 3579 3.2: HMAC-MD5 with
 * the Request Authenticator in the header and the attribute's value zeroed).
 */
enum ike_radius_reject radius_check_reply_auth(const uint8_t *pkt, const struct radius_walk *wk,
                                               const uint8_t req_auth[IKE_RADIUS_AUTH_LEN],
                                               const uint8_t *secret, size_t secret_len);

/* MD5 over up to four parts (NULL parts skipped); false when libcrypto fails. */
bool radius_md5(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, const uint8_t *c,
                size_t clen, const uint8_t *d, size_t dlen, uint8_t out[16]);

/*
 * HMAC-MD5 keyed by the secret over pkt[0..len) with `auth` in the authenticator
 * field and the Message-Authenticator at ma_off zeroed (len <= 4096).
 */
bool radius_message_auth(const uint8_t *pkt, size_t len, size_t ma_off, const uint8_t *auth,
                         const uint8_t *secret, size_t secret_len, uint8_t out[16]);

static inline uint32_t radius_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
