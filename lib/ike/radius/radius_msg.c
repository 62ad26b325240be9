/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS packets (RFC 2865 3): the attribute writer, the Access-Request
 * builder with EAP-Message and Message-Authenticator (RFC 3579 3.1-3.2), the
 * reply parser, and the authenticators both directions use.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "radius_priv.h"

#define IKE_X_RADIUS_NAME(n, s) #n,
#define IKE_X_RADIUS_TEXT(n, s) s,
static const char *const reject_names[] = {IKE_RADIUS_REJECT_LIST(IKE_X_RADIUS_NAME)};
static const char *const reject_texts[] = {IKE_RADIUS_REJECT_LIST(IKE_X_RADIUS_TEXT)};

const char *ike_radius_reject_name(unsigned r)
{
    return r < IKE_RADIUS__COUNT ? reject_names[r] : "?";
}

const char *ike_radius_reject_text(unsigned r)
{
    return r < IKE_RADIUS__COUNT ? reject_texts[r] : "unknown reason";
}

/* ---- writer ---- */

void radius_w_start(struct radius_w *w, uint8_t *out, size_t cap, uint8_t code, uint8_t id,
                    const uint8_t *auth)
{
    w->buf = out;
    w->cap = cap < IKE_RADIUS_MAX_LEN ? cap : IKE_RADIUS_MAX_LEN;
    w->len = IKE_RADIUS_HDR_LEN;
    w->full = w->cap < IKE_RADIUS_HDR_LEN;
    if (w->full)
        return;
    out[0] = code;
    out[1] = id;
    out[2] = 0;
    out[3] = 0;
    if (auth != NULL)
        memcpy(out + 4, auth, IKE_RADIUS_AUTH_LEN);
    else
        memset(out + 4, 0, IKE_RADIUS_AUTH_LEN);
}

void radius_w_attr(struct radius_w *w, uint8_t type, const void *value, size_t n)
{
    if (w->full || n > IKE_RADIUS_ATTR_MAX_VALUE || w->cap - w->len < 2 + n) {
        w->full = true;
        return;
    }
    w->buf[w->len] = type;
    w->buf[w->len + 1] = (uint8_t)(2 + n);
    if (n > 0)
        memcpy(w->buf + w->len + 2, value, n);
    w->len += 2 + n;
}

void radius_w_u32(struct radius_w *w, uint8_t type, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    radius_w_attr(w, type, b, sizeof(b));
}

bool radius_w_text(struct radius_w *w, uint8_t type, const char *s)
{
    if (s == NULL)
        return true;
    size_t n = strlen(s);
    if (n == 0 || n > IKE_RADIUS_ATTR_MAX_VALUE)
        return false;
    radius_w_attr(w, type, s, n);
    return true;
}

bool radius_w_nas(struct radius_w *w, const struct ike_radius_nas *nas)
{
    if (nas->ip != NULL) {
        if (nas->ip->family == 4)
            radius_w_attr(w, IKE_RADIUS_ATTR_NAS_IP_ADDRESS, nas->ip->ip, 4);
        else if (nas->ip->family == 6)
            radius_w_attr(w, IKE_RADIUS_ATTR_NAS_IPV6_ADDRESS, nas->ip->ip, 16);
        else
            return false;
    }
    return radius_w_text(w, IKE_RADIUS_ATTR_NAS_IDENTIFIER, nas->identifier) &&
           radius_w_text(w, IKE_RADIUS_ATTR_CALLED_STATION_ID, nas->called_station_id);
}

void radius_w_station(struct radius_w *w, const struct ike_addr *client)
{
    if (client == NULL)
        return;
    char text[IKE_ADDR_STRLEN];
    ike_addr_format(client, text, sizeof(text));
    radius_w_text(w, IKE_RADIUS_ATTR_CALLING_STATION_ID, text);
}

bool radius_w_finish(struct radius_w *w)
{
    if (w->full)
        return false;
    w->buf[2] = (uint8_t)(w->len >> 8);
    w->buf[3] = (uint8_t)w->len;
    return true;
}

/* ---- authenticators ---- */

bool radius_md5(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, const uint8_t *c,
                size_t clen, const uint8_t *d, size_t dlen, uint8_t out[16])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned n = 0;
    bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
              (a == NULL || EVP_DigestUpdate(ctx, a, alen) == 1) &&
              (b == NULL || EVP_DigestUpdate(ctx, b, blen) == 1) &&
              (c == NULL || EVP_DigestUpdate(ctx, c, clen) == 1) &&
              (d == NULL || EVP_DigestUpdate(ctx, d, dlen) == 1) &&
              EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 16;
    EVP_MD_CTX_free(ctx);
    return ok;
}

bool radius_message_auth(const uint8_t *pkt, size_t len, size_t ma_off, const uint8_t *auth,
                         const uint8_t *secret, size_t secret_len, uint8_t out[16])
{
    uint8_t copy[IKE_RADIUS_MAX_LEN], md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (len > sizeof(copy) || len < IKE_RADIUS_HDR_LEN || ma_off < IKE_RADIUS_HDR_LEN ||
        ma_off + 18 > len || secret_len == 0 || secret_len > INT32_MAX)
        return false;
    memcpy(copy, pkt, len);
    memcpy(copy + 4, auth, IKE_RADIUS_AUTH_LEN);
    memset(copy + ma_off + 2, 0, 16);
    if (HMAC(EVP_md5(), secret, (int)secret_len, copy, len, md, &n) == NULL || n != 16)
        return false;
    memcpy(out, md, 16);
    return true;
}

/* ---- received packets ---- */

int ike_radius_identifier(const uint8_t *pkt, size_t len)
{
    return pkt != NULL && len >= IKE_RADIUS_HDR_LEN ? pkt[1] : -1;
}

enum ike_radius_reject radius_walk(const uint8_t *pkt, size_t len, struct radius_walk *wk)
{
    memset(wk, 0, sizeof(*wk));
    if (pkt == NULL || len < IKE_RADIUS_HDR_LEN)
        return IKE_RADIUS_TRUNCATED;
    size_t plen = (size_t)pkt[2] << 8 | pkt[3];
    if (plen < IKE_RADIUS_HDR_LEN)
        return IKE_RADIUS_LENGTH_TOO_SMALL;
    if (plen > IKE_RADIUS_MAX_LEN)
        return IKE_RADIUS_LENGTH_TOO_LARGE;
    if (plen > len)
        return IKE_RADIUS_LENGTH_OVERRUN;
    for (size_t off = IKE_RADIUS_HDR_LEN; off < plen;) {
        if (plen - off < 2)
            return IKE_RADIUS_ATTR_OVERRUN;
        size_t alen = pkt[off + 1];
        if (alen < 2)
            return IKE_RADIUS_ATTR_TOO_SHORT;
        if (alen > plen - off)
            return IKE_RADIUS_ATTR_OVERRUN;
        if (pkt[off] == IKE_RADIUS_ATTR_MESSAGE_AUTHENTICATOR) {
            if (alen != 18)
                return IKE_RADIUS_ATTR_BAD_LENGTH;
            if (wk->ma_off != 0)
                return IKE_RADIUS_ATTR_REPEATED;
            wk->ma_off = off;
        } else if (pkt[off] == IKE_RADIUS_ATTR_EAP_MESSAGE) {
            wk->has_eap = true;
        }
        off += alen;
    }
    wk->len = plen;
    return IKE_RADIUS_OK;
}

enum ike_radius_reject radius_check_reply_auth(const uint8_t *pkt, const struct radius_walk *wk,
                                               const uint8_t req_auth[IKE_RADIUS_AUTH_LEN],
                                               const uint8_t *secret, size_t secret_len)
{
    uint8_t md[16];
    if (secret == NULL || secret_len == 0 || req_auth == NULL)
        return IKE_RADIUS_BAD_INPUT;
    if (!radius_md5(pkt, 4, req_auth, IKE_RADIUS_AUTH_LEN, pkt + IKE_RADIUS_HDR_LEN,
                    wk->len - IKE_RADIUS_HDR_LEN, secret, secret_len, md))
        return IKE_RADIUS_CRYPTO;
    if (CRYPTO_memcmp(md, pkt + 4, sizeof(md)) != 0)
        return IKE_RADIUS_BAD_RESPONSE_AUTH;
    if (wk->ma_off == 0)
        return wk->has_eap ? IKE_RADIUS_MA_MISSING : IKE_RADIUS_OK;
    if (!radius_message_auth(pkt, wk->len, wk->ma_off, req_auth, secret, secret_len, md))
        return IKE_RADIUS_CRYPTO;
    if (CRYPTO_memcmp(md, pkt + wk->ma_off + 2, sizeof(md)) != 0)
        return IKE_RADIUS_BAD_MESSAGE_AUTH;
    return IKE_RADIUS_OK;
}

/* ---- Access-Request ---- */

long ike_radius_access_request(const struct ike_radius_access_req *req, const uint8_t *secret,
                               size_t secret_len, uint8_t *out, size_t cap,
                               enum ike_radius_reject *why)
{
    struct radius_w w;
    *why = IKE_RADIUS_BAD_INPUT;
    if (secret == NULL || secret_len == 0 || req->user_name == NULL || req->user_name_len == 0 ||
        req->user_name_len > IKE_RADIUS_ATTR_MAX_VALUE || req->eap == NULL || req->eap_len < 4 ||
        req->state_len > IKE_RADIUS_ATTR_MAX_VALUE || (req->state == NULL && req->state_len > 0))
        return -1;
    radius_w_start(&w, out, cap, IKE_RADIUS_ACCESS_REQUEST, req->identifier, req->authenticator);
    radius_w_attr(&w, IKE_RADIUS_ATTR_USER_NAME, req->user_name, req->user_name_len);
    if (!radius_w_nas(&w, &req->nas))
        return -1;
    radius_w_station(&w, req->client);
    radius_w_u32(&w, IKE_RADIUS_ATTR_NAS_PORT_TYPE, IKE_RADIUS_NAS_PORT_VIRTUAL);
    radius_w_u32(&w, IKE_RADIUS_ATTR_SERVICE_TYPE, IKE_RADIUS_SERVICE_FRAMED);
    if (req->framed_mtu != 0)
        radius_w_u32(&w, IKE_RADIUS_ATTR_FRAMED_MTU, req->framed_mtu);
    if (req->state_len > 0)
        radius_w_attr(&w, IKE_RADIUS_ATTR_STATE, req->state, req->state_len);
    /* RFC 3579 3.1: the EAP packet in consecutive attributes of at most 253 bytes. */
    for (size_t off = 0; off < req->eap_len; off += IKE_RADIUS_ATTR_MAX_VALUE) {
        size_t n = req->eap_len - off;
        radius_w_attr(&w, IKE_RADIUS_ATTR_EAP_MESSAGE, req->eap + off,
                      n < IKE_RADIUS_ATTR_MAX_VALUE ? n : IKE_RADIUS_ATTR_MAX_VALUE);
    }
    size_t ma_off = w.len;
    static const uint8_t zero[16];
    radius_w_attr(&w, IKE_RADIUS_ATTR_MESSAGE_AUTHENTICATOR, zero, sizeof(zero));
    if (!radius_w_finish(&w)) {
        *why = IKE_RADIUS_NO_ROOM;
        return -1;
    }
    if (!radius_message_auth(out, w.len, ma_off, req->authenticator, secret, secret_len,
                             out + ma_off + 2)) {
        *why = IKE_RADIUS_CRYPTO;
        return -1;
    }
    *why = IKE_RADIUS_OK;
    return (long)w.len;
}

/* ---- Access-Accept, -Reject, -Challenge ---- */

/* Framed-IPv6-Prefix (RFC 3162 2.3): Reserved, Prefix-Length, Prefix (0..16 bytes). */
static bool ip6_prefix_ok(const uint8_t *v, size_t n)
{
    return n >= 2 && n <= 18 && v[1] <= 128 && v[1] <= 8 * (n - 2);
}

static void take_ip6_prefix(const uint8_t *v, size_t n, struct ike_radius_reply *out)
{
    memset(&out->framed_ip6, 0, sizeof(out->framed_ip6));
    out->framed_ip6.family = 6;
    memcpy(out->framed_ip6.ip, v + 2, n - 2);
    out->framed_ip6_prefix_len = v[1];
    out->has_framed_ip6 = true;
}

/*
 * Vendor-Specific (RFC 2865 5.26) of Microsoft: the MS-MPPE keys of an
 * Access-Accept, 32 bytes each (the two halves of a 64-byte MSK) or 16 each
 * (EAP-MSCHAPv2's MasterReceiveKey and MasterSendKey, RFC 3079, as
 * FreeRADIUS sends them). *recv_len, *send_len: 0 until found.
 */
static enum ike_radius_reject take_vendor(const uint8_t *v, size_t n, const uint8_t *req_auth,
                                          const uint8_t *secret, size_t secret_len, uint8_t *recv,
                                          size_t *recv_len, uint8_t *send, size_t *send_len)
{
    if (n < 4 || radius_get32(v) != IKE_RADIUS_VENDOR_MICROSOFT)
        return IKE_RADIUS_OK; /* other vendors' attributes are not ours to read */
    for (size_t off = 4; off < n;) {
        if (n - off < 2 || v[off + 1] < 2 || v[off + 1] > n - off)
            return IKE_RADIUS_MPPE_BAD_FORMAT;
        uint8_t type = v[off], vlen = v[off + 1];
        if (type == IKE_RADIUS_MS_MPPE_RECV_KEY || type == IKE_RADIUS_MS_MPPE_SEND_KEY) {
            size_t *has = type == IKE_RADIUS_MS_MPPE_RECV_KEY ? recv_len : send_len;
            uint8_t *key = type == IKE_RADIUS_MS_MPPE_RECV_KEY ? recv : send;
            if (*has != 0)
                return IKE_RADIUS_ATTR_REPEATED;
            size_t klen = 0;
            enum ike_radius_reject r =
                ike_radius_mppe_decrypt(v + off + 2, vlen - 2u, req_auth, secret, secret_len, key,
                                        IKE_RADIUS_MPPE_KEY_LEN, &klen);
            if (r != IKE_RADIUS_OK)
                return r;
            if (klen != IKE_RADIUS_MPPE_KEY_LEN && klen != IKE_RADIUS_MPPE_KEY_LEN / 2)
                return IKE_RADIUS_MPPE_BAD_KEY;
            *has = klen;
        }
        off += vlen;
    }
    return IKE_RADIUS_OK;
}

/* The attributes of a verified reply into *out. */
static enum ike_radius_reject take_attrs(const uint8_t *pkt, size_t plen, const uint8_t *req_auth,
                                         const uint8_t *secret, size_t secret_len,
                                         struct ike_radius_reply *out)
{
    uint8_t recv[IKE_RADIUS_MPPE_KEY_LEN], send[IKE_RADIUS_MPPE_KEY_LEN];
    size_t has_recv = 0, has_send = 0;
    bool has_ip6_addr = false;
    enum ike_radius_reject r = IKE_RADIUS_OK;
    for (size_t off = IKE_RADIUS_HDR_LEN; off < plen && r == IKE_RADIUS_OK;) {
        uint8_t type = pkt[off];
        size_t n = pkt[off + 1] - 2u;
        const uint8_t *v = pkt + off + 2;
        off += n + 2;
        switch (type) {
        case IKE_RADIUS_ATTR_EAP_MESSAGE:
            if (n > sizeof(out->eap) - out->eap_len) {
                r = IKE_RADIUS_EAP_TOO_LONG;
                break;
            }
            memcpy(out->eap + out->eap_len, v, n);
            out->eap_len += n;
            break;
        case IKE_RADIUS_ATTR_STATE:
            if (n == 0)
                r = IKE_RADIUS_ATTR_BAD_LENGTH;
            else if (out->state_len != 0)
                r = IKE_RADIUS_ATTR_REPEATED;
            else
                memcpy(out->state, v, out->state_len = n);
            break;
        case IKE_RADIUS_ATTR_CLASS:
            if (n == 0)
                break; /* nothing to echo in accounting */
            if (out->nclass == IKE_RADIUS_CLASS_MAX) {
                out->class_dropped++;
                break;
            }
            out->classes[out->nclass].len = (uint8_t)n;
            memcpy(out->classes[out->nclass].value, v, n);
            out->nclass++;
            break;
        case IKE_RADIUS_ATTR_SESSION_TIMEOUT:
            if (n != 4)
                r = IKE_RADIUS_ATTR_BAD_LENGTH;
            out->has_session_timeout = n == 4;
            out->session_timeout = n == 4 ? radius_get32(v) : 0;
            break;
        case IKE_RADIUS_ATTR_ACCT_INTERIM_INTERVAL:
            if (n != 4)
                r = IKE_RADIUS_ATTR_BAD_LENGTH;
            out->has_interim_interval = n == 4;
            out->interim_interval = n == 4 ? radius_get32(v) : 0;
            break;
        case IKE_RADIUS_ATTR_FRAMED_IP_ADDRESS:
            if (n != 4) {
                r = IKE_RADIUS_ATTR_BAD_LENGTH;
                break;
            }
            memset(&out->framed_ip, 0, sizeof(out->framed_ip));
            out->framed_ip.family = 4;
            memcpy(out->framed_ip.ip, v, 4);
            out->has_framed_ip = true;
            break;
        case IKE_RADIUS_ATTR_FRAMED_IPV6_ADDRESS:
            if (n != 16) {
                r = IKE_RADIUS_ATTR_BAD_LENGTH;
                break;
            }
            memset(&out->framed_ip6, 0, sizeof(out->framed_ip6));
            out->framed_ip6.family = 6;
            memcpy(out->framed_ip6.ip, v, 16);
            out->framed_ip6_prefix_len = 128;
            out->has_framed_ip6 = has_ip6_addr = true;
            break;
        case IKE_RADIUS_ATTR_FRAMED_IPV6_PREFIX:
            /* An address of its own (Framed-IPv6-Address) wins over a prefix. */
            if (!ip6_prefix_ok(v, n))
                r = IKE_RADIUS_ATTR_BAD_LENGTH;
            else if (!has_ip6_addr && !out->has_framed_ip6)
                take_ip6_prefix(v, n, out);
            break;
        case IKE_RADIUS_ATTR_VENDOR_SPECIFIC:
            /* RFC 2548 2.4.2-2.4.3: the keys belong to an Access-Accept only. */
            if (out->code == IKE_RADIUS_ACCESS_ACCEPT)
                r = take_vendor(v, n, req_auth, secret, secret_len, recv, &has_recv, send,
                                &has_send);
            break;
        default:
            break; /* Reply-Message and the rest: not used */
        }
    }
    if (r == IKE_RADIUS_OK && (has_recv == 0) != (has_send == 0))
        r = IKE_RADIUS_MPPE_ONE_KEY;
    if (r == IKE_RADIUS_OK && has_recv != has_send)
        r = IKE_RADIUS_MPPE_BAD_KEY;
    if (r == IKE_RADIUS_OK && has_recv != 0) {
        /* 16-byte keys: Recv || Send || 32 zero bytes, EAP-MSCHAPv2's MSK (RFC 3079 3.3). */
        memset(out->msk, 0, sizeof(out->msk));
        memcpy(out->msk, recv, has_recv);
        memcpy(out->msk + has_recv, send, has_send);
        out->has_msk = true;
    }
    OPENSSL_cleanse(recv, sizeof(recv));
    OPENSSL_cleanse(send, sizeof(send));
    return r;
}

enum ike_radius_reject ike_radius_parse_reply(const uint8_t *pkt, size_t len,
                                              const uint8_t req_auth[IKE_RADIUS_AUTH_LEN],
                                              const uint8_t *secret, size_t secret_len,
                                              struct ike_radius_reply *out)
{
    struct radius_walk wk;
    memset(out, 0, sizeof(*out));
    enum ike_radius_reject r = radius_walk(pkt, len, &wk);
    if (r != IKE_RADIUS_OK)
        return r;
    if (pkt[0] != IKE_RADIUS_ACCESS_ACCEPT && pkt[0] != IKE_RADIUS_ACCESS_REJECT &&
        pkt[0] != IKE_RADIUS_ACCESS_CHALLENGE)
        return IKE_RADIUS_UNKNOWN_CODE;
    r = radius_check_reply_auth(pkt, &wk, req_auth, secret, secret_len);
    if (r != IKE_RADIUS_OK)
        return r;
    out->code = pkt[0];
    out->identifier = pkt[1];
    out->has_message_authenticator = wk.ma_off != 0;
    r = take_attrs(pkt, wk.len, req_auth, secret, secret_len, out);
    if (r == IKE_RADIUS_OK && out->eap_len > 0 &&
        (out->eap_len < 4 || ((size_t)out->eap[2] << 8 | out->eap[3]) != out->eap_len))
        r = IKE_RADIUS_EAP_BAD_LENGTH;
    if (r == IKE_RADIUS_OK && out->code == IKE_RADIUS_ACCESS_CHALLENGE && out->eap_len == 0)
        r = IKE_RADIUS_EAP_MISSING;
    if (r != IKE_RADIUS_OK) {
        OPENSSL_cleanse(out->msk, sizeof(out->msk));
        out->has_msk = false;
    }
    return r;
}
