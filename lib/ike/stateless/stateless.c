/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_stateless.h"

#include <errno.h>
#include <string.h>

#include "ike_rules.h"

static int check_request_header(const struct ike_hdr *h, struct ike_err *err)
{
    if (h->exchange != IKE_EXCH_IKE_SA_INIT)
        return ike_fail(err, IKE_ERR_SL_NOT_IKE_SA_INIT, IKE_PL_NONE, 18);
    if (h->flags & IKE_FLAG_RESPONSE)
        return ike_fail(err, IKE_ERR_SL_RESPONSE_FLAG, IKE_PL_NONE, 19);
    if (!(h->flags & IKE_FLAG_INITIATOR))
        return ike_fail(err, IKE_ERR_SL_NOT_INITIATOR, IKE_PL_NONE, 19);
    if (h->spi_i == 0)
        return ike_fail(err, IKE_ERR_SL_ZERO_SPI_I, IKE_PL_NONE, 0);
    if (h->spi_r != 0)
        return ike_fail(err, IKE_ERR_SL_NONZERO_SPI_R, IKE_PL_NONE, 8);
    if (h->msg_id != 0)
        return ike_fail(err, IKE_ERR_SL_NONZERO_MSG_ID, IKE_PL_NONE, 20);
    return 0;
}

/* Records the notifies a stateless decision depends on; others are left to the control plane. */
static int note_notify(const struct ike_pl *pl, struct ike_sl_request *req, struct ike_err *err)
{
    struct ike_notify_payload n;
    int rc = ike_notify_decode(pl, &n, err);
    if (rc < 0)
        return rc;
    if (n.type == IKE_N_REDIRECT_SUPPORTED) {
        req->redirect_supported = true;
    } else if (n.type == IKE_N_REDIRECTED_FROM) {
        if (req->has_redirected_from)
            return ike_fail(err, IKE_ERR_SL_REPEATED_NOTIFY, IKE_PL_NOTIFY, pl->offset);
        rc = ike_notify_gw_decode(&n, &req->redirected_from, err);
        if (rc < 0)
            return rc;
        req->has_redirected_from = true;
    } else if (n.type == IKE_N_COOKIE) {
        if (req->cookie.ptr != NULL)
            return ike_fail(err, IKE_ERR_SL_REPEATED_NOTIFY, IKE_PL_NOTIFY, pl->offset);
        req->cookie = n.data;
    }
    return 0;
}

static const struct ike_pl *view(struct ike_pl *pl, const uint8_t *body, size_t pos, uint16_t blen,
                                 uint8_t type)
{
    *pl = (struct ike_pl){
        .body = body, .offset = (uint32_t)pos, .len = blen, .type = type, .known = true};
    return pl;
}

/*
 * Takes from one payload what the decision needs; SA contents are left to the
 * control plane. The common case is handled inline; whenever a payload needs
 * checking beyond that (a bad length, a notify with data) its regular decoder
 * runs, so errors are exactly those of the full decoder.
 */
static int scan_payload(const uint8_t *ike, size_t pos, uint16_t plen, uint8_t type,
                        struct ike_sl_request *req, struct ike_err *err)
{
    const uint8_t *body = ike + pos + IKE_GENERIC_HDR_LEN;
    uint16_t blen = (uint16_t)(plen - IKE_GENERIC_HDR_LEN);
    struct ike_pl pl; /* filled only for the slow paths: building it per payload showed */
    switch (type) {
    case IKE_PL_NONCE:
        if (blen < IKE_NONCE_MIN || blen > IKE_NONCE_MAX)
            return ike_nonce_decode(view(&pl, body, pos, blen, type), &req->nonce, err);
        req->nonce.ptr = body;
        req->nonce.len = blen;
        return 0;
    case IKE_PL_KE:
        if (blen <= 4) {
            struct ike_ke_payload ke;
            return ike_ke_decode(view(&pl, body, pos, blen, type), &ke, err);
        }
        req->ke_group = ike_get16(body);
        return 0;
    case IKE_PL_NOTIFY:
        /* The usual notify (no SPI) that carries nothing to act on is only glanced at. */
        if (blen >= 4 && body[1] == 0) {
            uint16_t ntype = ike_get16(body + 2);
            if (ntype == IKE_N_REDIRECT_SUPPORTED) {
                req->redirect_supported = true;
                return 0;
            }
            if (ntype != IKE_N_REDIRECTED_FROM && ntype != IKE_N_COOKIE)
                return 0;
        }
        return note_notify(view(&pl, body, pos, blen, type), req, err);
    default:
        return 0;
    }
}

/*
 * One pass over the payload chain that checks it exactly as ike_msg_decode()
 * and ike_msg_check_rules() would (same chain check, same rule table) but
 * records nothing: this runs per packet on worker cores under a flood.
 */
static int scan_chain(const uint8_t *ike, size_t len, uint8_t first, struct ike_sl_request *req,
                      struct ike_err *err)
{
    const struct ike_rule_set *rules = ike_rules_for(IKE_EXCH_IKE_SA_INIT, false);
    uint64_t seen = 0;
    size_t pos = IKE_HDR_LEN;
    uint8_t type = first;
    for (unsigned n = 0; type != IKE_PL_NONE; n++) {
        if (n >= IKE_MSG_MAX_PAYLOADS)
            return ike_fail(err, IKE_ERR_PL_TOO_MANY, type, pos);
        uint16_t plen = 0;
        int rc = ike_chain_check(ike, len, pos, 0, type, &plen, err);
        if (rc < 0)
            return rc;
        if (ike_payload_type_known(type)) {
            rc = ike_rules_add(rules, &seen, type, pos, err);
            if (rc < 0)
                return rc;
            rc = scan_payload(ike, pos, plen, type, req, err);
            if (rc < 0)
                return rc;
        }
        type = ike[pos];
        pos += plen;
    }
    if (pos != len)
        return ike_fail(err, IKE_ERR_PL_TRAILING_DATA, IKE_PL_NONE, pos);
    return ike_rules_check_required(rules, seen, (uint32_t)len, err);
}

int ike_sl_parse(const uint8_t *udp, size_t len, bool natt, struct ike_sl_request *req,
                 struct ike_err *err)
{
    /* Not memset: redirected_from is large and only read when has_redirected_from is set. */
    req->redirect_supported = false;
    req->has_redirected_from = false;
    req->cookie.ptr = NULL;
    req->cookie.len = 0;
    req->nonce.ptr = NULL;
    req->nonce.len = 0;
    if (natt) {
        if (len < IKE_NON_ESP_MARKER_LEN || ike_get32(udp) != 0)
            return ike_fail(err, IKE_ERR_NON_ESP_MARKER_MISSING, IKE_PL_NONE, 0);
        udp += IKE_NON_ESP_MARKER_LEN;
        len -= IKE_NON_ESP_MARKER_LEN;
    }
    struct ike_hdr hdr;
    int rc = ike_hdr_decode(udp, len, &hdr, err);
    if (rc == 0)
        rc = check_request_header(&hdr, err);
    if (rc == 0)
        rc = scan_chain(udp, len, hdr.next_payload, req, err);
    if (rc < 0)
        return rc;
    req->ike = udp;
    req->ike_len = (uint32_t)len;
    req->natt = natt;
    req->spi_i = hdr.spi_i;
    return 0;
}

/*
 * Replies are built with direct stores rather than through the writer and the
 * payload encoders: this is the per-packet path of a flood. The unit tests
 * check that both produce the same bytes.
 */
static long build_reply(const struct ike_sl_request *req, uint16_t notify, const uint8_t *head,
                        size_t head_len, const uint8_t *tail, size_t tail_len, uint8_t *out,
                        size_t out_cap)
{
    size_t marker = req->natt ? IKE_NON_ESP_MARKER_LEN : 0;
    size_t notify_len = IKE_GENERIC_HDR_LEN + 4 + head_len + tail_len;
    size_t total = marker + IKE_HDR_LEN + notify_len;
    if (total > out_cap || notify_len > UINT16_MAX)
        return -ENOSPC;
    uint8_t *p = out;
    if (marker) {
        memset(p, 0, marker);
        p += marker;
    }
    ike_put64(p, req->spi_i);
    memset(p + 8, 0, 8);
    p[16] = IKE_PL_NOTIFY;
    p[17] = IKE_MAJOR_VERSION << 4;
    p[18] = IKE_EXCH_IKE_SA_INIT;
    p[19] = IKE_FLAG_RESPONSE;
    ike_put32(p + 20, 0);
    ike_put32(p + 24, (uint32_t)(IKE_HDR_LEN + notify_len));
    p += IKE_HDR_LEN;
    p[0] = IKE_PL_NONE;
    p[1] = 0;
    ike_put16(p + 2, (uint16_t)notify_len);
    p[4] = IKE_PROTO_NONE; /* about the IKE SA: no protocol, no SPI */
    p[5] = 0;
    ike_put16(p + 6, notify);
    memcpy(p + 8, head, head_len);
    if (tail_len > 0)
        memcpy(p + 8 + head_len, tail, tail_len);
    return (long)total;
}

long ike_sl_build_redirect(const struct ike_sl_request *req, const struct ike_gw_id *gw,
                           uint8_t *out, size_t out_cap)
{
    /* GW Ident Type, GW Ident Len, identity (RFC 5685 3), then the Ni it answers. */
    uint8_t ident[2 + IKE_GW_ID_MAX];
    ident[0] = gw->type;
    ident[1] = gw->len;
    memcpy(ident + 2, gw->value, gw->len);
    return build_reply(req, IKE_N_REDIRECT, ident, 2u + gw->len, req->nonce.ptr, req->nonce.len,
                       out, out_cap);
}

long ike_sl_build_cookie(const struct ike_sl_request *req, const uint8_t *cookie, size_t cookie_len,
                         uint8_t *out, size_t out_cap)
{
    return build_reply(req, IKE_N_COOKIE, cookie, cookie_len, NULL, 0, out, out_cap);
}

/* Chooses a redirect target, or says why there is none. */
static enum ike_sl_no_redirect pick_target(const struct ike_sl_config *cfg,
                                           const struct ike_addr *client,
                                           const struct ike_sl_request *req,
                                           struct ike_gw_id *target)
{
    if (!req->redirect_supported && !req->has_redirected_from)
        return IKE_SL_NR_NOT_SUPPORTED;
    if (cfg->pick_redirect == NULL)
        return IKE_SL_NR_NO_POLICY;
    const struct ike_gw_id *from = req->has_redirected_from ? &req->redirected_from : NULL;
    if (!cfg->pick_redirect(cfg->pick_opaque, client, from, target))
        return IKE_SL_NR_NO_TARGET;
    if (from != NULL && ike_gw_id_equal(target, from))
        return IKE_SL_NR_TARGET_IS_ORIGIN;
    return IKE_SL_NR_NONE;
}

int ike_sl_decide(const struct ike_sl_config *cfg, uint64_t now_ns, const struct ike_addr *client,
                  const struct ike_sl_request *req, uint8_t *out, size_t out_cap,
                  struct ike_sl_result *res)
{
    memset(res, 0, sizeof(*res));
    res->action = IKE_SL_DROP;
    if (req->cookie.ptr != NULL) {
        res->cookie_present = true;
        res->cookie = ike_cookie_verify(cfg->cookie_keys, now_ns, req->cookie.ptr, req->cookie.len,
                                        req->nonce.ptr, req->nonce.len, client, req->spi_i);
        if (ike_cookie_ok(res->cookie)) {
            res->action = IKE_SL_ADMIT;
            return 0;
        }
    }

    /* A reply never carries more bytes than the request did: no amplification. */
    size_t len = req->ike_len + (req->natt ? IKE_NON_ESP_MARKER_LEN : 0);
    size_t cap = out_cap < len ? out_cap : len;
    struct ike_gw_id target;
    res->no_redirect = pick_target(cfg, client, req, &target);
    if (res->no_redirect == IKE_SL_NR_NONE) {
        long n = ike_sl_build_redirect(req, &target, out, cap);
        if (n > 0) {
            res->action = IKE_SL_REDIRECT;
            res->reply_len = (size_t)n;
            return 0;
        }
        res->no_redirect = IKE_SL_NR_TOO_BIG;
    }

    uint8_t cookie[IKE_COOKIE_LEN];
    ike_cookie_make(cfg->cookie_keys, req->nonce.ptr, req->nonce.len, client, req->spi_i, cookie);
    long n = ike_sl_build_cookie(req, cookie, sizeof(cookie), out, cap);
    if (n < 0) {
        enum ike_err_code why = out_cap < len ? IKE_ERR_SL_NO_ROOM : IKE_ERR_SL_WOULD_AMPLIFY;
        return ike_fail(&res->err, why, IKE_PL_NONE, 0);
    }
    res->action = IKE_SL_COOKIE;
    res->reply_len = (size_t)n;
    return 0;
}

int ike_sl_respond(const struct ike_sl_config *cfg, uint64_t now_ns, const struct ike_addr *client,
                   const uint8_t *udp, size_t len, bool natt, uint8_t *out, size_t out_cap,
                   struct ike_sl_result *res)
{
    struct ike_sl_request req;
    int rc = ike_sl_parse(udp, len, natt, &req, &res->err);
    if (rc < 0) {
        struct ike_err err = res->err;
        memset(res, 0, sizeof(*res));
        res->action = IKE_SL_DROP;
        res->err = err;
        return rc;
    }
    return ike_sl_decide(cfg, now_ns, client, &req, out, out_cap, res);
}

const char *ike_sl_action_name(enum ike_sl_action a)
{
    switch (a) {
    case IKE_SL_DROP:
        return "drop";
    case IKE_SL_ADMIT:
        return "admit";
    case IKE_SL_REDIRECT:
        return "redirect";
    case IKE_SL_COOKIE:
        return "cookie";
    }
    return "?";
}

const char *ike_sl_no_redirect_name(enum ike_sl_no_redirect r)
{
    switch (r) {
    case IKE_SL_NR_NONE:
        return "none";
    case IKE_SL_NR_NOT_SUPPORTED:
        return "not_supported";
    case IKE_SL_NR_NO_POLICY:
        return "no_policy";
    case IKE_SL_NR_NO_TARGET:
        return "no_target";
    case IKE_SL_NR_TARGET_IS_ORIGIN:
        return "target_is_origin";
    case IKE_SL_NR_TOO_BIG:
        return "too_big";
    }
    return "?";
}
