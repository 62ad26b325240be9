/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stateless IKE_SA_INIT responder: a pure function from a request's bytes
 * (and its source address) to a decision and, possibly, a reply's bytes. Worker
 * lcores call it when the admission gate is closed; the control lcore calls it
 * when half-open SAs pass the cookie threshold. It keeps no per-client state,
 * allocates nothing and never answers with more bytes than it received.
 */
#ifndef VEER_IKE_STATELESS_H
#define VEER_IKE_STATELESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_addr.h"
#include "ike_cookie.h"
#include "ike_err.h"
#include "ike_payload.h"

/* What a stateless decision needs from an IKE_SA_INIT request. */
struct ike_sl_request {
    const uint8_t *ike; /* IKE header inside the datagram */
    uint32_t ike_len;   /* IKE message length */
    bool natt;          /* came on port 4500 behind a non-ESP marker */
    uint64_t spi_i;
    struct ike_bytes nonce; /* Ni, 16..256 bytes */
    uint16_t ke_group;
    bool redirect_supported;  /* N(REDIRECT_SUPPORTED) seen */
    bool has_redirected_from; /* N(REDIRECTED_FROM) seen (implies redirect support) */
    struct ike_gw_id redirected_from;
    struct ike_bytes cookie; /* N(COOKIE) data; len 0 when absent */
};

/*
 * Validates an IKE_SA_INIT request for stateless handling and extracts what
 * ike_sl_request holds. `udp` is the UDP payload; with `natt` it must begin
 * with the 4-byte non-ESP marker. Malformed requests (truncated, bad lengths,
 * wrong major version, Response flag, missing Initiator flag, non-zero SPIr or
 * message ID, zero SPIi, SA/KE/Nonce missing or repeated, Ni outside 16..256
 * bytes, payload chain faults) fail with -EBADMSG and the reason in err.
 */
int ike_sl_parse(const uint8_t *udp, size_t len, bool natt, struct ike_sl_request *req,
                 struct ike_err *err);

/*
 * Redirect policy seam: picks the gateway this client should go to. Returns
 * false when no target is available. `redirected_from` is NULL unless the
 * client said where it was redirected from; the policy should avoid it, and
 * ike_sl_respond() refuses it anyway.
 */
typedef bool (*ike_sl_pick_fn)(void *opaque, const struct ike_addr *client,
                               const struct ike_gw_id *redirected_from, struct ike_gw_id *target);

struct ike_sl_config {
    const struct ike_cookie_keys *cookie_keys;
    ike_sl_pick_fn pick_redirect; /* NULL: never redirect */
    void *pick_opaque;
};

enum ike_sl_action {
    IKE_SL_DROP,     /* malformed, or no reply fits: nothing is sent */
    IKE_SL_ADMIT,    /* carries a valid cookie: hand to the control plane, first in line */
    IKE_SL_REDIRECT, /* reply holds HDR, N(REDIRECT) */
    IKE_SL_COOKIE,   /* reply holds HDR, N(COOKIE) */
};

/* Why a client that might have been redirected got a COOKIE instead. */
enum ike_sl_no_redirect {
    IKE_SL_NR_NONE,             /* it was redirected (or the question did not arise) */
    IKE_SL_NR_NOT_SUPPORTED,    /* no REDIRECT_SUPPORTED nor REDIRECTED_FROM */
    IKE_SL_NR_NO_POLICY,        /* redirection not configured */
    IKE_SL_NR_NO_TARGET,        /* the policy had no gateway */
    IKE_SL_NR_TARGET_IS_ORIGIN, /* the policy picked the gateway named in REDIRECTED_FROM */
    IKE_SL_NR_TOO_BIG,          /* the REDIRECT reply would be larger than the request */
};

struct ike_sl_result {
    enum ike_sl_action action;
    struct ike_err err;             /* for IKE_SL_DROP: why */
    bool cookie_present;            /* the request carried N(COOKIE) */
    enum ike_cookie_verdict cookie; /* its verdict, when present */
    enum ike_sl_no_redirect no_redirect;
    size_t reply_len; /* bytes of UDP payload written to out */
};

const char *ike_sl_action_name(enum ike_sl_action a);
const char *ike_sl_no_redirect_name(enum ike_sl_no_redirect r);

/*
 * Decides for one request. Malformed: DROP. A valid returned cookie: ADMIT (an
 * invalid one is ignored, as RFC 7296 2.6 says). A client that supports
 * redirection and for which the policy yields a gateway other than the one it
 * was redirected from: REDIRECT. Otherwise: COOKIE. Replies are written to
 * `out` as a UDP payload, behind a non-ESP marker when the request had one.
 * Returns 0, or -EBADMSG for DROP.
 */
int ike_sl_respond(const struct ike_sl_config *cfg, uint64_t now_ns, const struct ike_addr *client,
                   const uint8_t *udp, size_t len, bool natt, uint8_t *out, size_t out_cap,
                   struct ike_sl_result *res);

/*
 * The same decision for a request ike_sl_parse() already accepted, for callers
 * that parse first (the workers' gate validates every new request before it
 * spends an admission token on it).
 */
int ike_sl_decide(const struct ike_sl_config *cfg, uint64_t now_ns, const struct ike_addr *client,
                  const struct ike_sl_request *req, uint8_t *out, size_t out_cap,
                  struct ike_sl_result *res);

/*
 * The two replies on their own, for callers that already parsed the request
 * (the control plane). Each returns the UDP payload length or -ENOSPC.
 */
long ike_sl_build_redirect(const struct ike_sl_request *req, const struct ike_gw_id *gw,
                           uint8_t *out, size_t out_cap);
long ike_sl_build_cookie(const struct ike_sl_request *req, const uint8_t *cookie, size_t cookie_len,
                         uint8_t *out, size_t out_cap);

#endif
