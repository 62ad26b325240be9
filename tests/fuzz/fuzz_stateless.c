/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the stateless IKE_SA_INIT responder, what worker cores run
 * on every datagram of a flood.
 *
 * Input: one control byte, then the UDP payload. Control bits:
 *   0    port 4500 (the payload must start with a non-ESP marker)
 *   1-2  redirect policy: 0 IPv4 192.0.2.99, 1 FQDN, 2 no target, 3 echo REDIRECTED_FROM
 *   3    no redirect policy at all
 *   4    IPv6 client
 *   5    FQDN of 200 bytes instead of gw2.example.net (REDIRECT too big for small requests)
 *   6    reply buffer of half the request (COOKIE may not fit: NO_ROOM)
 *   7    cookie secret rotated once (current version 2, previous still in grace)
 *
 * Oracles besides the sanitizers:
 *  - differential: ike_sl_parse() accepts exactly what the full decoder
 *    (ike_msg_decode, ike_msg_check_rules, the KE/Nonce/Notify decoders and
 *    the IKE_SA_INIT request header rules) accepts, and extracts the same
 *    fields; the scanner promises this in stateless.c;
 *  - the decision (ADMIT/REDIRECT/COOKIE/DROP and the no-redirect reason) is
 *    the one the documented rules give, computed here independently;
 *  - no amplification: a reply is never longer than the request nor the buffer;
 *  - a REDIRECT or COOKIE reply decodes as an IKE_SA_INIT response with the
 *    request's SPIi, passes the exchange rules and holds exactly the expected
 *    notify (gateway and Ni for REDIRECT, a verifying cookie for COOKIE);
 *  - the cookie of a COOKIE reply, sent back in the request as a client would,
 *    gets the request ADMITted; the same cookie with one bit flipped does not;
 *  - DROP comes with an error code in range.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "ike_cookie.h"
#include "ike_msg.h"
#include "ike_rules.h"
#include "ike_stateless.h"

#define CTL_NATT 0x01
#define CTL_POLICY_SHIFT 1
#define CTL_POLICY_MASK 0x03
#define CTL_NO_POLICY 0x08
#define CTL_CLIENT_V6 0x10
#define CTL_LONG_FQDN 0x20
#define CTL_SMALL_OUT 0x40
#define CTL_ROTATED 0x80

enum policy_mode { POLICY_IPV4, POLICY_FQDN, POLICY_NONE, POLICY_ECHO };

#define NOW_NS 5000000000ull
#define GRACE_NS 10000000000ull
#define LONG_FQDN_LEN 200
#define MARKER_LEN IKE_NON_ESP_MARKER_LEN
/* Notify generic header + Protocol ID, SPI size, type. */
#define NOTIFY_HDR_LEN 8

struct policy {
    enum policy_mode mode;
    struct ike_gw_id target;
    unsigned calls;
};

static bool pick(void *opaque, const struct ike_addr *client, const struct ike_gw_id *from,
                 struct ike_gw_id *target)
{
    struct policy *p = opaque;
    FUZZ_CHECK(client != NULL && target != NULL);
    p->calls++;
    if (p->mode == POLICY_NONE)
        return false;
    if (p->mode == POLICY_ECHO && from != NULL) {
        *target = *from;
        return true;
    }
    *target = p->target;
    return true;
}

/* What the full decoder finds in a request, for comparison with the scanner. */
struct ref {
    bool ok;
    uint64_t spi_i;
    struct ike_bytes nonce;
    uint16_t ke_group;
    bool redirect_supported;
    bool has_from;
    struct ike_gw_id from;
    bool has_cookie;
    struct ike_bytes cookie;
    struct ike_msg msg; /* last: ref_parse() clears everything before it */
};

/* The header checks ike_sl_parse() documents, on a header the full decoder read. */
static bool ref_header_ok(const struct ike_hdr *h)
{
    return h->exchange == IKE_EXCH_IKE_SA_INIT && !(h->flags & IKE_FLAG_RESPONSE) &&
           (h->flags & IKE_FLAG_INITIATOR) && h->spi_i != 0 && h->spi_r == 0 && h->msg_id == 0;
}

static bool ref_notify(const struct ike_pl *pl, struct ref *r)
{
    struct ike_notify_payload n;
    if (ike_notify_decode(pl, &n, NULL) < 0)
        return false;
    switch (n.type) {
    case IKE_N_REDIRECT_SUPPORTED:
        r->redirect_supported = true;
        return true;
    case IKE_N_REDIRECTED_FROM:
        if (r->has_from || ike_notify_gw_decode(&n, &r->from, NULL) < 0)
            return false;
        r->has_from = true;
        return true;
    case IKE_N_COOKIE:
        if (r->has_cookie)
            return false;
        r->has_cookie = true;
        r->cookie = n.data;
        return true;
    default:
        return true;
    }
}

static void ref_parse(const uint8_t *udp, size_t len, bool natt, struct ref *r)
{
    memset(r, 0, offsetof(struct ref, msg));
    if (natt) {
        if (len < MARKER_LEN || ike_get32(udp) != 0)
            return;
        udp += MARKER_LEN;
        len -= MARKER_LEN;
    }
    if (ike_msg_decode(udp, len, &r->msg, NULL) < 0 || !ref_header_ok(&r->msg.hdr) ||
        ike_msg_check_rules(&r->msg, NULL) < 0)
        return;
    r->spi_i = r->msg.hdr.spi_i;
    for (unsigned i = 0; i < r->msg.npayloads; i++) {
        const struct ike_pl *pl = &r->msg.pl[i];
        if (pl->type == IKE_PL_NONCE) {
            if (ike_nonce_decode(pl, &r->nonce, NULL) < 0)
                return;
        } else if (pl->type == IKE_PL_KE) {
            struct ike_ke_payload ke;
            if (ike_ke_decode(pl, &ke, NULL) < 0)
                return;
            r->ke_group = ke.group;
        } else if (pl->type == IKE_PL_NOTIFY) {
            if (!ref_notify(pl, r))
                return;
        }
    }
    r->ok = true;
}

struct setup {
    bool natt;
    struct ike_cookie_keys keys;
    struct policy policy;
    struct ike_sl_config cfg;
    struct ike_addr client;
    size_t out_cap;
};

static void setup_init(struct setup *s, uint8_t ctl, size_t udp_len)
{
    static const uint8_t secret1[IKE_COOKIE_SECRET_LEN] = "veer-fuzz-secret-one-0123456789";
    static const uint8_t secret2[IKE_COOKIE_SECRET_LEN] = "veer-fuzz-secret-two-0123456789";
    s->natt = ctl & CTL_NATT;
    ike_cookie_keys_init(&s->keys, secret1);
    if (ctl & CTL_ROTATED)
        ike_cookie_rotate(&s->keys, secret2, NOW_NS - 1, GRACE_NS);

    memset(&s->policy, 0, sizeof(s->policy));
    s->policy.mode = (enum policy_mode)((ctl >> CTL_POLICY_SHIFT) & CTL_POLICY_MASK);
    struct ike_gw_id *t = &s->policy.target;
    if (s->policy.mode == POLICY_FQDN) {
        t->type = IKE_GW_FQDN;
        if (ctl & CTL_LONG_FQDN) {
            t->len = LONG_FQDN_LEN;
            memset(t->value, 'a', LONG_FQDN_LEN);
            memcpy(t->value + LONG_FQDN_LEN - 12, ".example.net", 12);
        } else {
            t->len = 15;
            memcpy(t->value, "gw2.example.net", 15);
        }
    } else {
        t->type = IKE_GW_IPV4;
        t->len = 4;
        memcpy(t->value, (const uint8_t[]){192, 0, 2, 99}, 4);
    }
    s->cfg.cookie_keys = &s->keys;
    s->cfg.pick_redirect = (ctl & CTL_NO_POLICY) ? NULL : pick;
    s->cfg.pick_opaque = &s->policy;

    uint16_t port = s->natt ? IKE_NATT_PORT : IKE_PORT;
    int rc = ike_addr_parse(&s->client, (ctl & CTL_CLIENT_V6) ? "2001:db8:100::2" : "198.51.100.2",
                            port);
    FUZZ_CHECK(rc == 0);
    s->out_cap = (ctl & CTL_SMALL_OUT) ? udp_len / 2 : udp_len;
}

/* The decision the documented rules give for a request the reference accepted. */
struct expect {
    enum ike_sl_action action;
    enum ike_sl_no_redirect no_redirect;
    enum ike_err_code drop_code; /* for DROP */
    struct ike_gw_id target;     /* for REDIRECT */
};

static struct expect expect_for(const struct setup *s, const struct ref *r, size_t len)
{
    struct expect e = {.action = IKE_SL_DROP, .no_redirect = IKE_SL_NR_NONE};
    if (r->has_cookie &&
        ike_cookie_ok(ike_cookie_verify(&s->keys, NOW_NS, r->cookie.ptr, r->cookie.len,
                                        r->nonce.ptr, r->nonce.len, &s->client, r->spi_i))) {
        e.action = IKE_SL_ADMIT;
        return e;
    }
    size_t cap = s->out_cap < len ? s->out_cap : len;
    size_t marker = s->natt ? MARKER_LEN : 0;
    if (!r->redirect_supported && !r->has_from) {
        e.no_redirect = IKE_SL_NR_NOT_SUPPORTED;
    } else if (s->cfg.pick_redirect == NULL) {
        e.no_redirect = IKE_SL_NR_NO_POLICY;
    } else if (s->policy.mode == POLICY_NONE) {
        e.no_redirect = IKE_SL_NR_NO_TARGET;
    } else {
        e.target = (s->policy.mode == POLICY_ECHO && r->has_from) ? r->from : s->policy.target;
        size_t n = marker + IKE_HDR_LEN + NOTIFY_HDR_LEN + 2 + e.target.len + r->nonce.len;
        if (r->has_from && ike_gw_id_equal(&e.target, &r->from)) {
            e.no_redirect = IKE_SL_NR_TARGET_IS_ORIGIN;
        } else if (n <= cap) {
            e.action = IKE_SL_REDIRECT;
            return e;
        } else {
            e.no_redirect = IKE_SL_NR_TOO_BIG;
        }
    }
    if (marker + IKE_HDR_LEN + NOTIFY_HDR_LEN + IKE_COOKIE_LEN <= cap)
        e.action = IKE_SL_COOKIE;
    else
        e.drop_code = s->out_cap < len ? IKE_ERR_SL_NO_ROOM : IKE_ERR_SL_WOULD_AMPLIFY;
    return e;
}

/* The scanner must accept what the reference accepts and extract the same things. */
static void check_parse(const struct setup *s, const uint8_t *udp, size_t len, const struct ref *r)
{
    struct ike_sl_request req;
    struct ike_err err;
    int rc = ike_sl_parse(udp, len, s->natt, &req, &err);
    fuzz_check_err(rc, &err, len);
    FUZZ_CHECK((rc == 0) == r->ok);
    if (rc < 0)
        return;
    FUZZ_CHECK(req.ike == udp + (s->natt ? MARKER_LEN : 0));
    FUZZ_CHECK(req.ike_len == len - (s->natt ? MARKER_LEN : 0));
    FUZZ_CHECK(req.natt == s->natt && req.spi_i == r->spi_i && req.ke_group == r->ke_group);
    FUZZ_CHECK(req.nonce.ptr == r->nonce.ptr && req.nonce.len == r->nonce.len);
    FUZZ_CHECK(req.redirect_supported == r->redirect_supported);
    FUZZ_CHECK(req.has_redirected_from == r->has_from);
    if (r->has_from)
        FUZZ_CHECK(fuzz_gw_same(&req.redirected_from, &r->from));
    FUZZ_CHECK((req.cookie.ptr != NULL) == r->has_cookie);
    if (r->has_cookie)
        FUZZ_CHECK(req.cookie.ptr == r->cookie.ptr && req.cookie.len == r->cookie.len);
}

/*
 * Decodes a reply and returns its one notify. The reply must be what RFC 7296
 * 2.6 / RFC 5685 3 describe: HDR(SPIi, SPIr=0, Response, msgid 0), one Notify.
 */
static struct ike_notify_payload check_reply(const struct setup *s, const struct ref *r,
                                             const uint8_t *reply, size_t len, uint16_t ntype)
{
    size_t marker = s->natt ? MARKER_LEN : 0;
    FUZZ_CHECK(len > marker);
    if (s->natt)
        FUZZ_CHECK(ike_get32(reply) == 0);
    struct ike_msg *msg = malloc(sizeof(*msg));
    FUZZ_CHECK(msg != NULL);
    struct ike_err err;
    FUZZ_CHECK(ike_msg_decode(reply + marker, len - marker, msg, &err) == 0);
    FUZZ_CHECK(ike_msg_check_rules(msg, &err) == 0);
    const struct ike_hdr *h = &msg->hdr;
    FUZZ_CHECK(h->exchange == IKE_EXCH_IKE_SA_INIT && ike_hdr_is_response(h));
    FUZZ_CHECK(!(h->flags & IKE_FLAG_INITIATOR));
    FUZZ_CHECK(h->spi_i == r->spi_i && h->spi_r == 0 && h->msg_id == 0);
    FUZZ_CHECK(msg->npayloads == 1 && msg->pl[0].type == IKE_PL_NOTIFY);
    struct ike_notify_payload n;
    FUZZ_CHECK(ike_notify_decode(&msg->pl[0], &n, &err) == 0);
    FUZZ_CHECK(n.type == ntype && n.spi_size == 0 && n.protocol == IKE_PROTO_NONE);
    free(msg);
    return n;
}

/*
 * Sends the cookie back as a client would (RFC 7296 2.6: N(COOKIE) first, the
 * rest of the request unchanged) and checks the decision, once with the cookie
 * as given (must be ADMIT) and once with a bit of its hash flipped (must not be).
 */
static void check_cookie_echo(const struct setup *s, const struct ref *r, const uint8_t *udp,
                              size_t len, const struct ike_bytes *cookie)
{
    /* One more payload could pass the decoder's bound: that request would be dropped. */
    if (r->msg.npayloads >= IKE_MSG_MAX_PAYLOADS)
        return;
    size_t marker = s->natt ? MARKER_LEN : 0;
    size_t add = NOTIFY_HDR_LEN + cookie->len;
    size_t len2 = len + add;
    uint8_t *req2 = malloc(len2);
    uint8_t *out = malloc(len2);
    FUZZ_CHECK(req2 != NULL && out != NULL);
    const uint8_t *ike = udp + marker;
    memcpy(req2, udp, marker + IKE_HDR_LEN);
    uint8_t *h = req2 + marker;
    uint8_t *n = h + IKE_HDR_LEN;
    n[0] = ike[16]; /* the notify chains to the request's first payload */
    n[1] = 0;
    ike_put16(n + 2, (uint16_t)add);
    n[4] = IKE_PROTO_NONE;
    n[5] = 0;
    ike_put16(n + 6, IKE_N_COOKIE);
    memcpy(n + NOTIFY_HDR_LEN, cookie->ptr, cookie->len);
    memcpy(n + add, ike + IKE_HDR_LEN, len - marker - IKE_HDR_LEN);
    h[16] = IKE_PL_NOTIFY;
    ike_put32(h + 24, (uint32_t)(len2 - marker));

    for (int flip = 0; flip < 2; flip++) {
        if (flip)
            n[NOTIFY_HDR_LEN + 1] ^= 0x01;
        struct ike_sl_result res;
        int rc = ike_sl_respond(&s->cfg, NOW_NS, &s->client, req2, len2, s->natt, out, len2, &res);
        FUZZ_CHECK(res.cookie_present);
        if (!flip) {
            FUZZ_CHECK(rc == 0 && res.action == IKE_SL_ADMIT && res.reply_len == 0);
            FUZZ_CHECK(res.cookie == IKE_COOKIE_VALID);
        } else {
            FUZZ_CHECK(res.action != IKE_SL_ADMIT);
            FUZZ_CHECK(res.cookie == IKE_COOKIE_MISMATCH);
            FUZZ_CHECK(res.reply_len <= len2);
        }
    }
    free(req2);
    free(out);
}

/* The IKE header follows the control byte and, on port 4500, the non-ESP marker. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    size_t ike = 1 + (size > 0 && (data[0] & CTL_NATT) ? MARKER_LEN : 0);
    return fuzz_mutate_chain(data, size, max_size, seed, ike, size, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    /* The UDP payload is copied to a buffer of its exact size: ASan then flags any read past it. */
    size_t len = size - 1;
    uint8_t *udp = malloc(len > 0 ? len : 1);
    FUZZ_CHECK(udp != NULL);
    memcpy(udp, data + 1, len);

    struct setup *s = malloc(sizeof(*s));
    struct ref *r = malloc(sizeof(*r));
    FUZZ_CHECK(s != NULL && r != NULL);
    setup_init(s, data[0], len);
    ref_parse(udp, len, s->natt, r);
    check_parse(s, udp, len, r);

    uint8_t *out = malloc(s->out_cap > 0 ? s->out_cap : 1);
    FUZZ_CHECK(out != NULL);
    struct ike_sl_result res;
    int rc = ike_sl_respond(&s->cfg, NOW_NS, &s->client, udp, len, s->natt, out, s->out_cap, &res);

    /* No amplification, whatever the decision. */
    FUZZ_CHECK(res.reply_len <= len && res.reply_len <= s->out_cap);
    FUZZ_CHECK((rc == 0) == (res.action != IKE_SL_DROP));
    if (res.action == IKE_SL_DROP || res.action == IKE_SL_ADMIT)
        FUZZ_CHECK(res.reply_len == 0);

    if (!r->ok) {
        FUZZ_CHECK(res.action == IKE_SL_DROP);
        fuzz_check_err(rc, &res.err, len);
        FUZZ_CHECK(res.err.code != IKE_ERR_SL_NO_ROOM && res.err.code != IKE_ERR_SL_WOULD_AMPLIFY);
        FUZZ_CHECK(s->policy.calls == 0);
        goto done;
    }

    struct expect e = expect_for(s, r, len);
    FUZZ_CHECK(res.action == e.action);
    FUZZ_CHECK(res.cookie_present == r->has_cookie);
    if (e.action != IKE_SL_ADMIT)
        FUZZ_CHECK(res.no_redirect == e.no_redirect);
    switch (res.action) {
    case IKE_SL_DROP:
        FUZZ_CHECK(rc == -EBADMSG && res.err.code == e.drop_code);
        break;
    case IKE_SL_ADMIT:
        break;
    case IKE_SL_REDIRECT: {
        struct ike_notify_payload n = check_reply(s, r, out, res.reply_len, IKE_N_REDIRECT);
        struct ike_gw_id gw;
        struct ike_bytes nonce;
        struct ike_err err;
        FUZZ_CHECK(ike_notify_redirect_decode(&n, &gw, &nonce, &err) == 0);
        FUZZ_CHECK(fuzz_gw_same(&gw, &e.target));
        FUZZ_CHECK(fuzz_bytes_equal(&nonce, &r->nonce));
        break;
    }
    case IKE_SL_COOKIE: {
        struct ike_notify_payload n = check_reply(s, r, out, res.reply_len, IKE_N_COOKIE);
        FUZZ_CHECK(n.data.len == IKE_COOKIE_LEN);
        FUZZ_CHECK(ike_cookie_verify(&s->keys, NOW_NS, n.data.ptr, n.data.len, r->nonce.ptr,
                                     r->nonce.len, &s->client, r->spi_i) == IKE_COOKIE_VALID);
        if (!r->has_cookie)
            check_cookie_echo(s, r, udp, len, &n.data);
        break;
    }
    }

done:
    free(out);
    free(s);
    free(r);
    free(udp);
    return 0;
}
