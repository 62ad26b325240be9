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
    switch (n.type) {
    case IKE_N_REDIRECT_SUPPORTED:
        req->redirect_supported = true;
        break;
    case IKE_N_REDIRECTED_FROM:
        if (req->has_redirected_from)
            return ike_fail(err, IKE_ERR_SL_REPEATED_NOTIFY, IKE_PL_NOTIFY, pl->offset);
        rc = ike_notify_gw_decode(&n, &req->redirected_from, err);
        if (rc < 0)
            return rc;
        req->has_redirected_from = true;
        break;
    case IKE_N_COOKIE:
        if (req->cookie.ptr != NULL)
            return ike_fail(err, IKE_ERR_SL_REPEATED_NOTIFY, IKE_PL_NOTIFY, pl->offset);
        req->cookie = n.data;
        break;
    default:
        break;
    }
    return 0;
}

static int extract(const struct ike_msg *msg, struct ike_sl_request *req, struct ike_err *err)
{
    for (unsigned i = 0; i < msg->npayloads; i++) {
        const struct ike_pl *pl = &msg->pl[i];
        int rc = 0;
        switch (pl->type) {
        case IKE_PL_NONCE:
            rc = ike_nonce_decode(pl, &req->nonce, err);
            break;
        case IKE_PL_KE:
            if (pl->len < 5)
                return ike_fail(err, IKE_ERR_PL_BODY_TOO_SHORT, IKE_PL_KE, pl->offset);
            req->ke_group = ike_get16(pl->body);
            break;
        case IKE_PL_NOTIFY:
            rc = note_notify(pl, req, err);
            break;
        default:
            /* SA contents are checked by the control plane once the request is admitted. */
            break;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int ike_sl_parse(const uint8_t *udp, size_t len, bool natt, struct ike_sl_request *req,
                 struct ike_err *err)
{
    memset(req, 0, sizeof(*req));
    if (natt) {
        if (len < IKE_NON_ESP_MARKER_LEN || ike_get32(udp) != 0)
            return ike_fail(err, IKE_ERR_NON_ESP_MARKER_MISSING, IKE_PL_NONE, 0);
        udp += IKE_NON_ESP_MARKER_LEN;
        len -= IKE_NON_ESP_MARKER_LEN;
    }
    struct ike_msg msg;
    int rc = ike_msg_decode(udp, len, &msg, err);
    if (rc == 0)
        rc = check_request_header(&msg.hdr, err);
    if (rc == 0)
        rc = ike_msg_check_rules(&msg, err);
    if (rc == 0)
        rc = extract(&msg, req, err);
    if (rc < 0)
        return rc;
    req->ike = udp;
    req->ike_len = (uint32_t)len;
    req->natt = natt;
    req->spi_i = msg.hdr.spi_i;
    return 0;
}

static void reply_header(struct ike_writer *w, const struct ike_sl_request *req, uint8_t *out,
                         size_t out_cap)
{
    const struct ike_hdr hdr = {
        .spi_i = req->spi_i,
        .spi_r = 0,
        .version = IKE_MAJOR_VERSION << 4,
        .exchange = IKE_EXCH_IKE_SA_INIT,
        .flags = IKE_FLAG_RESPONSE,
        .msg_id = 0,
    };
    ike_w_init(w, out, out_cap, req->natt);
    ike_w_header(w, &hdr);
}

long ike_sl_build_redirect(const struct ike_sl_request *req, const struct ike_gw_id *gw,
                           uint8_t *out, size_t out_cap)
{
    struct ike_writer w;
    reply_header(&w, req, out, out_cap);
    ike_notify_redirect_encode(&w, gw, &req->nonce);
    return ike_w_finish(&w);
}

long ike_sl_build_cookie(const struct ike_sl_request *req, const uint8_t *cookie,
                         size_t cookie_len, uint8_t *out, size_t out_cap)
{
    struct ike_writer w;
    reply_header(&w, req, out, out_cap);
    ike_notify_encode_simple(&w, IKE_N_COOKIE, cookie, cookie_len);
    return ike_w_finish(&w);
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

int ike_sl_respond(const struct ike_sl_config *cfg, uint64_t now_ns,
                   const struct ike_addr *client, const uint8_t *udp, size_t len, bool natt,
                   uint8_t *out, size_t out_cap, struct ike_sl_result *res)
{
    memset(res, 0, sizeof(*res));
    res->action = IKE_SL_DROP;
    struct ike_sl_request req;
    int rc = ike_sl_parse(udp, len, natt, &req, &res->err);
    if (rc < 0)
        return rc;

    if (req.cookie.ptr != NULL) {
        res->cookie_present = true;
        res->cookie = ike_cookie_verify(cfg->cookie_keys, now_ns, req.cookie.ptr, req.cookie.len,
                                        req.nonce.ptr, req.nonce.len, client, req.spi_i);
        if (ike_cookie_ok(res->cookie)) {
            res->action = IKE_SL_ADMIT;
            return 0;
        }
    }

    /* A reply never carries more bytes than the request did: no amplification. */
    size_t cap = out_cap < len ? out_cap : len;
    struct ike_gw_id target;
    res->no_redirect = pick_target(cfg, client, &req, &target);
    if (res->no_redirect == IKE_SL_NR_NONE) {
        long n = ike_sl_build_redirect(&req, &target, out, cap);
        if (n > 0) {
            res->action = IKE_SL_REDIRECT;
            res->reply_len = (size_t)n;
            return 0;
        }
        res->no_redirect = IKE_SL_NR_TOO_BIG;
    }

    uint8_t cookie[IKE_COOKIE_LEN];
    ike_cookie_make(cfg->cookie_keys, req.nonce.ptr, req.nonce.len, client, req.spi_i, cookie);
    long n = ike_sl_build_cookie(&req, cookie, sizeof(cookie), out, cap);
    if (n < 0) {
        enum ike_err_code why = out_cap < len ? IKE_ERR_SL_NO_ROOM : IKE_ERR_SL_WOULD_AMPLIFY;
        return ike_fail(&res->err, why, IKE_PL_NONE, 0);
    }
    res->action = IKE_SL_COOKIE;
    res->reply_len = (size_t)n;
    return 0;
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
