/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's own DoS protection (RFC 7296 2.6): past a number of
 * half-open SAs, an IKE_SA_INIT must come back with a cookie before it costs
 * a DH computation and an SA. The cookies are the stateless responder's
 * (cookie.c), so a cookie a worker core handed out is accepted here too.
 */
#include <string.h>

#include "ike_sa.h"

bool ike_cookie_gate(struct ike_ctx *ctx, const struct ike_addr *local,
                     const struct ike_addr *remote, const struct ike_msg *m,
                     const struct ike_bytes *ni)
{
    if (ctx->cfg.cookie_threshold == 0 || ctx->nhalf_open < ctx->cfg.cookie_threshold)
        return true;
    const struct ike_pl *pl = ike_msg_find_notify(m, IKE_N_COOKIE);
    struct ike_notify_payload n;
    if (pl != NULL && ike_notify_decode(pl, &n, NULL) == 0) {
        enum ike_cookie_verdict v =
            ike_cookie_verify(&ctx->cookies, ike_now(ctx), n.data.ptr, n.data.len, ni->ptr, ni->len,
                              remote, m->hdr.spi_i);
        if (ike_cookie_ok(v)) {
            ctx->counters.cookies_accepted++;
            return true;
        }
        /* A wrong or stale cookie gets a fresh one, as a first request would (2.6). */
        ctx->counters.cookies_rejected++;
        ike_log_rl(ctx, IKE_LOG_DEBUG, "IKE_SA_INIT with a bad cookie: %s",
                   ike_cookie_verdict_name(v));
    }
    uint8_t cookie[IKE_COOKIE_LEN];
    ike_cookie_make(&ctx->cookies, ni->ptr, ni->len, remote, m->hdr.spi_i, cookie);
    ctx->counters.cookies_sent++;
    ike_sa_init_reply_notify(ctx, local, remote, &m->hdr, IKE_N_COOKIE, cookie, IKE_COOKIE_LEN);
    return false;
}

void ike_cookie_maybe_rotate(struct ike_ctx *ctx, uint64_t now)
{
    uint64_t period = (uint64_t)ctx->cfg.cookie_rotate_s * 1000000000ull;
    if (now - ctx->cookie_rotated_ns < period)
        return;
    uint8_t secret[IKE_COOKIE_SECRET_LEN];
    ike_random(ctx, secret, sizeof(secret));
    /* A client answering a cookie of the last period is still let in. */
    ike_cookie_rotate(&ctx->cookies, secret, now, period);
    memset(secret, 0, sizeof(secret));
    ctx->cookie_rotated_ns = now;
}

void ike_cookie_init(struct ike_ctx *ctx)
{
    uint8_t secret[IKE_COOKIE_SECRET_LEN];
    ike_random(ctx, secret, sizeof(secret));
    ike_cookie_keys_init(&ctx->cookies, secret);
    memset(secret, 0, sizeof(secret));
    ctx->cookie_rotated_ns = ike_now(ctx);
}
