/* SPDX-License-Identifier: BSD-3-Clause */
#include "flood_ike.h"

#include <errno.h>
#include <string.h>

#include "ike_msg.h"
#include "ike_payload.h"
#include "ike_writer.h"

/* RFC 7296 3.10.1: notify types below 16384 are errors. */
#define NOTIFY_ERROR_MAX 16383
#define NATD_HASH_LEN 20 /* SHA-1 */

/* One proposal a gateway is likely to accept: AES-GCM-16-128, PRF-HMAC-SHA2-256, X25519. */
static void write_sa(struct ike_writer *w)
{
    struct ike_sa_payload sa = {.nproposals = 1, .ntransforms = 3};
    sa.proposals[0] = (struct ike_proposal){
        .num = 1, .protocol = IKE_PROTO_IKE, .spi_size = 0, .ntransforms = 3, .first = 0};
    sa.transforms[0] = (struct ike_transform){IKE_TT_ENCR, IKE_ENCR_AES_GCM_16, 128};
    sa.transforms[1] = (struct ike_transform){IKE_TT_PRF, IKE_PRF_HMAC_SHA2_256, IKE_KEY_LEN_NONE};
    sa.transforms[2] = (struct ike_transform){IKE_TT_DH, IKE_DH_CURVE25519, IKE_KEY_LEN_NONE};
    ike_sa_encode(w, &sa);
}

long flood_ike_build(const struct flood_ike_request *req, uint8_t *buf, size_t cap,
                     struct flood_ike_layout *layout)
{
    if (req->ke == NULL || req->nonce == NULL || req->cookie_len > FLOOD_COOKIE_MAX ||
        (req->cookie_len > 0 && req->cookie == NULL))
        return -EINVAL;
    struct ike_writer w;
    ike_w_init(&w, buf, cap, false);
    ike_w_header(&w, &(struct ike_hdr){.spi_i = req->spi_i,
                                       .version = IKE_MAJOR_VERSION << 4,
                                       .exchange = IKE_EXCH_IKE_SA_INIT,
                                       .flags = IKE_FLAG_INITIATOR});
    /* RFC 7296 2.6: a returned COOKIE must be the first payload. */
    if (req->cookie_len > 0)
        ike_notify_encode_simple(&w, IKE_N_COOKIE, req->cookie, req->cookie_len);
    write_sa(&w);
    ike_ke_encode(&w, &(struct ike_ke_payload){.group = IKE_DH_CURVE25519,
                                               .data = {req->ke, FLOOD_X25519_LEN}});
    size_t nonce_off = w.len + IKE_GENERIC_HDR_LEN;
    ike_nonce_encode(&w, &(struct ike_bytes){req->nonce, FLOOD_NONCE_LEN});
    /*
     * NAT detection with hashes of nothing in particular: a flood's sources are
     * made up, so the responder is told, truthfully, that there is a NAT.
     */
    static const uint8_t natd[NATD_HASH_LEN];
    ike_notify_encode_simple(&w, IKE_N_NAT_DETECTION_SOURCE_IP, natd, sizeof(natd));
    ike_notify_encode_simple(&w, IKE_N_NAT_DETECTION_DESTINATION_IP, natd, sizeof(natd));
    if (req->redirect_supported)
        ike_notify_encode_simple(&w, IKE_N_REDIRECT_SUPPORTED, NULL, 0);
    long n = ike_w_finish(&w);
    if (n < 0)
        return n;
    if (layout != NULL)
        *layout =
            (struct flood_ike_layout){.len = (size_t)n, .spi_i_off = 0, .nonce_off = nonce_off};
    return n;
}

static bool has_payload(const struct ike_msg *m, uint8_t type)
{
    return ike_msg_find(m, type, NULL) != NULL;
}

void flood_ike_classify(const uint8_t *msg, size_t len, struct flood_reply *out)
{
    *out = (struct flood_reply){.kind = FLOOD_REPLY_MALFORMED};
    struct ike_msg m;
    struct ike_err err;
    if (ike_msg_decode(msg, len, &m, &err) != 0)
        return;
    out->spi_i = m.hdr.spi_i;
    if (m.hdr.exchange != IKE_EXCH_IKE_SA_INIT || !ike_hdr_is_response(&m.hdr)) {
        out->kind = FLOOD_REPLY_NOT_OURS;
        return;
    }
    /* The first notify that decides: REDIRECT, COOKIE, INVALID_KE, another error. */
    for (unsigned i = 0; i < m.npayloads; i++) {
        if (m.pl[i].type != IKE_PL_NOTIFY)
            continue;
        struct ike_notify_payload n;
        if (ike_notify_decode(&m.pl[i], &n, &err) != 0) {
            out->kind = FLOOD_REPLY_MALFORMED;
            return;
        }
        switch (n.type) {
        case IKE_N_REDIRECT:
            out->kind = FLOOD_REPLY_REDIRECT;
            return;
        case IKE_N_COOKIE:
            if (n.data.len == 0 || n.data.len > FLOOD_COOKIE_MAX) {
                out->kind = FLOOD_REPLY_MALFORMED;
                return;
            }
            out->kind = FLOOD_REPLY_COOKIE;
            out->cookie = n.data.ptr;
            out->cookie_len = n.data.len;
            return;
        case IKE_N_INVALID_KE_PAYLOAD:
            out->kind = FLOOD_REPLY_INVALID_KE;
            return;
        default:
            if (n.type <= NOTIFY_ERROR_MAX) {
                out->kind = FLOOD_REPLY_ERROR;
                return;
            }
        }
    }
    if (has_payload(&m, IKE_PL_SA) && has_payload(&m, IKE_PL_KE) && has_payload(&m, IKE_PL_NONCE))
        out->kind = FLOOD_REPLY_SA_INIT;
    else
        out->kind = FLOOD_REPLY_MALFORMED;
}

const char *flood_reply_kind_name(enum flood_reply_kind kind)
{
    static const char *const names[FLOOD_REPLY_KINDS] = {
        [FLOOD_REPLY_REDIRECT] = "redirect",   [FLOOD_REPLY_COOKIE] = "cookie",
        [FLOOD_REPLY_SA_INIT] = "sa_init",     [FLOOD_REPLY_INVALID_KE] = "invalid_ke",
        [FLOOD_REPLY_ERROR] = "error",         [FLOOD_REPLY_NOT_OURS] = "not_ours",
        [FLOOD_REPLY_MALFORMED] = "malformed",
    };
    return (unsigned)kind < FLOOD_REPLY_KINDS ? names[kind] : "?";
}
