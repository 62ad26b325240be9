/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data of MOBIKE's notifies (RFC 4555 4): COOKIE2, NO_NATS_ALLOWED,
 * ADDITIONAL_IP4_ADDRESS / ADDITIONAL_IP6_ADDRESS, and the ones that carry
 * none (UPDATE_SA_ADDRESSES, NO_ADDITIONAL_ADDRESSES, UNACCEPTABLE_ADDRESSES,
 * UNEXPECTED_NAT_DETECTED).
 */
#include "ike_payload.h"

#include <errno.h>
#include <string.h>

#include "pl_priv.h"

#define IPV4_LEN 4
#define IPV6_LEN 16

int ike_notify_cookie2_decode(const struct ike_notify_payload *n, struct ike_bytes *cookie,
                              struct ike_err *err)
{
    if (n->data.len < IKE_COOKIE2_MIN)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n, n->data.len);
    if (n->data.len > IKE_COOKIE2_MAX)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n, IKE_COOKIE2_MAX);
    *cookie = n->data;
    return 0;
}

int ike_notify_cookie2_encode(struct ike_writer *w, const struct ike_bytes *cookie)
{
    if (cookie->len < IKE_COOKIE2_MIN || cookie->len > IKE_COOKIE2_MAX)
        return -EINVAL;
    return ike_notify_encode_simple(w, IKE_N_COOKIE2, cookie->ptr, cookie->len);
}

int ike_notify_no_data_decode(const struct ike_notify_payload *n, struct ike_err *err)
{
    if (n->data.len != 0)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n, 0);
    return 0;
}

int ike_notify_additional_decode(const struct ike_notify_payload *n, struct ike_addr *addr,
                                 struct ike_err *err)
{
    unsigned want = n->type == IKE_N_ADDITIONAL_IP6_ADDRESS ? IPV6_LEN : IPV4_LEN;
    if (n->type != IKE_N_ADDITIONAL_IP4_ADDRESS && n->type != IKE_N_ADDITIONAL_IP6_ADDRESS)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n, 0);
    if (n->data.len != want)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n,
                              n->data.len < want ? n->data.len : want);
    memset(addr, 0, sizeof(*addr));
    addr->family = want == IPV6_LEN ? 6 : 4;
    memcpy(addr->ip, n->data.ptr, want);
    return 0;
}

int ike_notify_additional_encode(struct ike_writer *w, const struct ike_addr *addr)
{
    if (addr->family != 4 && addr->family != 6)
        return -EINVAL;
    uint16_t type = addr->family == 6 ? IKE_N_ADDITIONAL_IP6_ADDRESS : IKE_N_ADDITIONAL_IP4_ADDRESS;
    return ike_notify_encode_simple(w, type, addr->ip, ike_addr_ip_len(addr));
}

/* Source address, destination address, source port, destination port (4.2.6). */
int ike_notify_no_nats_decode(const struct ike_notify_payload *n, struct ike_addr *src,
                              struct ike_addr *dst, struct ike_err *err)
{
    unsigned ip_len;
    if (n->data.len == IKE_NO_NATS_IPV4_LEN)
        ip_len = IPV4_LEN;
    else if (n->data.len == IKE_NO_NATS_IPV6_LEN)
        ip_len = IPV6_LEN;
    else
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n,
                              n->data.len < IKE_NO_NATS_IPV6_LEN ? n->data.len
                                                                 : IKE_NO_NATS_IPV6_LEN);
    const uint8_t *d = n->data.ptr;
    memset(src, 0, sizeof(*src));
    memset(dst, 0, sizeof(*dst));
    src->family = dst->family = ip_len == IPV6_LEN ? 6 : 4;
    memcpy(src->ip, d, ip_len);
    memcpy(dst->ip, d + ip_len, ip_len);
    src->port = ike_get16(d + 2 * ip_len);
    dst->port = ike_get16(d + 2 * ip_len + 2);
    return 0;
}

int ike_notify_no_nats_encode(struct ike_writer *w, const struct ike_addr *src,
                              const struct ike_addr *dst)
{
    if ((src->family != 4 && src->family != 6) || src->family != dst->family)
        return -EINVAL;
    unsigned ip_len = ike_addr_ip_len(src);
    uint8_t data[IKE_NO_NATS_IPV6_LEN];
    memcpy(data, src->ip, ip_len);
    memcpy(data + ip_len, dst->ip, ip_len);
    ike_put16(data + 2 * ip_len, src->port);
    ike_put16(data + 2 * ip_len + 2, dst->port);
    return ike_notify_encode_simple(w, IKE_N_NO_NATS_ALLOWED, data, 2 * ip_len + 4);
}

/* The new address alone: its length says the family (draft 5.2). */
int ike_notify_switch_decode(const struct ike_notify_payload *n, struct ike_addr *addr,
                             struct ike_err *err)
{
    if (n->spi_size != 0)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n, 0);
    if (n->data.len != IPV4_LEN && n->data.len != IPV6_LEN)
        return pl_notify_fail(err, IKE_ERR_NOTIFY_BAD_DATA, n,
                              n->data.len < IPV6_LEN ? n->data.len : IPV6_LEN);
    memset(addr, 0, sizeof(*addr));
    addr->family = n->data.len == IPV6_LEN ? 6 : 4;
    memcpy(addr->ip, n->data.ptr, n->data.len);
    return 0;
}

int ike_notify_switch_encode(struct ike_writer *w, uint16_t type, const struct ike_addr *addr)
{
    if (addr->family != 4 && addr->family != 6)
        return -EINVAL;
    return ike_notify_encode_simple(w, type, addr->ip, ike_addr_ip_len(addr));
}

bool ike_notify_mobike_says_r(const struct ike_notify_payload *n)
{
    /* Exactly the one octet: other data is RFC 4555's, ignored (4.2.1). */
    return n->data.len == 1 && n->data.ptr[0] == IKE_RMOBIKE_OCTET;
}
