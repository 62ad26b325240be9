/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS accounting (RFC 2866): the Accounting-Request, whose Request
 * Authenticator is MD5(Code+ID+Length+16 zero octets+Attributes+Secret)
 * (RFC 2866 3), the virtual IPs as Framed-IP-Address and Framed-IPv6-Address
 * (RFC 6911), with 64-bit octet counts as Acct-*-Octets plus
 * Acct-*-Gigawords (RFC 2869 5.1-5.2), and the check of the
 * Accounting-Response.
 */
#include <string.h>

#include "radius_priv.h"

long ike_radius_acct_request(const struct ike_radius_acct_req *req, const uint8_t *secret,
                             size_t secret_len, uint8_t *out, size_t cap,
                             enum ike_radius_reject *why)
{
    struct radius_w w;
    *why = IKE_RADIUS_BAD_INPUT;
    if (secret == NULL || secret_len == 0 || req->session_id == NULL ||
        req->user_name_len > IKE_RADIUS_ATTR_MAX_VALUE ||
        (req->user_name == NULL && req->user_name_len > 0) ||
        (req->classes == NULL && req->nclass > 0) ||
        (req->framed_ip != NULL && req->framed_ip->family != 4) ||
        (req->framed_ip6 != NULL && req->framed_ip6->family != 6) ||
        (req->status != IKE_RADIUS_ACCT_START && req->status != IKE_RADIUS_ACCT_STOP &&
         req->status != IKE_RADIUS_ACCT_INTERIM && req->status != IKE_RADIUS_ACCT_ON &&
         req->status != IKE_RADIUS_ACCT_OFF))
        return -1;
    radius_w_start(&w, out, cap, IKE_RADIUS_ACCOUNTING_REQUEST, req->identifier, NULL);
    radius_w_u32(&w, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE, (uint32_t)req->status);
    if (!radius_w_text(&w, IKE_RADIUS_ATTR_ACCT_SESSION_ID, req->session_id))
        return -1;
    if (req->user_name_len > 0)
        radius_w_attr(&w, IKE_RADIUS_ATTR_USER_NAME, req->user_name, req->user_name_len);
    if (!radius_w_nas(&w, &req->nas))
        return -1;
    radius_w_station(&w, req->client);
    radius_w_u32(&w, IKE_RADIUS_ATTR_NAS_PORT_TYPE, IKE_RADIUS_NAS_PORT_VIRTUAL);
    radius_w_u32(&w, IKE_RADIUS_ATTR_SERVICE_TYPE, IKE_RADIUS_SERVICE_FRAMED);
    if (req->framed_ip != NULL)
        radius_w_attr(&w, IKE_RADIUS_ATTR_FRAMED_IP_ADDRESS, req->framed_ip->ip, 4);
    if (req->framed_ip6 != NULL)
        radius_w_attr(&w, IKE_RADIUS_ATTR_FRAMED_IPV6_ADDRESS, req->framed_ip6->ip, 16);
    for (unsigned i = 0; i < req->nclass; i++) {
        if (req->classes[i].len == 0 || req->classes[i].len > IKE_RADIUS_ATTR_MAX_VALUE)
            return -1;
        radius_w_attr(&w, IKE_RADIUS_ATTR_CLASS, req->classes[i].value, req->classes[i].len);
    }
    if (req->event_timestamp != 0)
        radius_w_u32(&w, IKE_RADIUS_ATTR_EVENT_TIMESTAMP, req->event_timestamp);
    if (req->status == IKE_RADIUS_ACCT_INTERIM || req->status == IKE_RADIUS_ACCT_STOP) {
        radius_w_u32(&w, IKE_RADIUS_ATTR_ACCT_SESSION_TIME, req->session_time);
        radius_w_u32(&w, IKE_RADIUS_ATTR_ACCT_INPUT_OCTETS, (uint32_t)req->in_octets);
        radius_w_u32(&w, IKE_RADIUS_ATTR_ACCT_INPUT_GIGAWORDS, (uint32_t)(req->in_octets >> 32));
        radius_w_u32(&w, IKE_RADIUS_ATTR_ACCT_OUTPUT_OCTETS, (uint32_t)req->out_octets);
        radius_w_u32(&w, IKE_RADIUS_ATTR_ACCT_OUTPUT_GIGAWORDS, (uint32_t)(req->out_octets >> 32));
        radius_w_u32(&w, IKE_RADIUS_ATTR_ACCT_INPUT_PACKETS, req->in_packets);
        radius_w_u32(&w, IKE_RADIUS_ATTR_ACCT_OUTPUT_PACKETS, req->out_packets);
    }
    if (req->status == IKE_RADIUS_ACCT_STOP && req->terminate_cause != 0)
        radius_w_u32(&w, IKE_RADIUS_ATTR_ACCT_TERMINATE_CAUSE, req->terminate_cause);
    if (!radius_w_finish(&w)) {
        *why = IKE_RADIUS_NO_ROOM;
        return -1;
    }
    /* The authenticator field is still 16 zero octets: hash the packet as it is. */
    uint8_t md[16];
    if (!radius_md5(out, w.len, secret, secret_len, NULL, 0, NULL, 0, md)) {
        *why = IKE_RADIUS_CRYPTO;
        return -1;
    }
    memcpy(out + 4, md, sizeof(md));
    *why = IKE_RADIUS_OK;
    return (long)w.len;
}

enum ike_radius_reject ike_radius_acct_response_check(const uint8_t *pkt, size_t len,
                                                      const uint8_t req_auth[IKE_RADIUS_AUTH_LEN],
                                                      const uint8_t *secret, size_t secret_len)
{
    struct radius_walk wk;
    enum ike_radius_reject r = radius_walk(pkt, len, &wk);
    if (r != IKE_RADIUS_OK)
        return r;
    if (pkt[0] != IKE_RADIUS_ACCOUNTING_RESPONSE)
        return IKE_RADIUS_UNKNOWN_CODE;
    return radius_check_reply_auth(pkt, &wk, req_auth, secret, secret_len);
}
