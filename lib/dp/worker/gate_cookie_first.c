/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cookie-first overload policy of the admission gate (auto mode). A
 * spoofed flood cannot return cookies: once new requests outrun the rate,
 * the gate asks every one of them for a cookie, clients that support
 * REDIRECT included, and spends its tokens on the cookies that come back, so
 * those clients are served here. REDIRECT goes out only when the control
 * lcore truly has no capacity: saturated (CPU time, ring), or no token left
 * for a returned cookie.
 *
 *   request        control lcore          can be redirected   cannot
 *   no valid       saturated              REDIRECT            COOKIE
 *   cookie         a token, no flood      admitted            admitted
 *                  otherwise              COOKIE              COOKIE
 *   valid cookie   saturated              REDIRECT            admitted
 *                  a token                admitted            admitted
 *                  no token               REDIRECT            admitted
 *
 * A proven client that cannot be redirected is always admitted, as under
 * redirect-first: there is nowhere else to send it.
 */
#include <string.h>

#include "gate_priv.h"
#include "ike_cookie.h"

#define WINDOW_NS 1000000000ull
/* Room for any stateless reply: never longer than the request (ike_stateless.h). */
#define REPLY_MAX (28 + 512)

/* One stateless decision, before anything is sent. */
struct answer {
    struct pick_ctx pick;
    struct ike_sl_result res;
    uint8_t reply[REPLY_MAX];
};

static bool redirect_capable(const struct ike_sl_request *req)
{
    return req->redirect_supported || req->has_redirected_from;
}

static void decide(struct dp_gate_worker *g, const struct dp_ike_udp *u,
                   const struct ike_sl_request *req, uint64_t now_ns, bool may_redirect,
                   struct answer *a)
{
    a->pick = (struct pick_ctx){.g = g, .here = &u->here, .pick = {.index = -1}};
    const struct ike_sl_config cfg = {
        .cookie_keys = &g->keys,
        .pick_redirect = may_redirect && g->redirect.ntargets > 0 ? gate_pick_target : NULL,
        .pick_opaque = &a->pick};
    ike_sl_decide(&cfg, now_ns, &u->client, req, a->reply, sizeof(a->reply), &a->res);
}

/* Sends what decide() chose, in place, and counts it. */
static enum dp_gate_verdict send_answer(struct dp_gate_worker *g, struct rte_mbuf *m,
                                        const struct dp_ike_udp *u, const struct answer *a,
                                        struct dp_worker_counters *c)
{
    if (a->pick.pick.excluded_origin)
        c->redirect_origin_excluded++;
    if (a->res.no_redirect == IKE_SL_NR_NO_TARGET)
        c->redirect_no_target++;
    switch (a->res.action) {
    case IKE_SL_REDIRECT:
        gate_count_redirect(g, &a->pick, c);
        dp_ike_udp_reply(m, u, a->reply, a->res.reply_len);
        return DP_GATE_REPLIED;
    case IKE_SL_COOKIE:
        c->gate_cookies++;
        dp_ike_udp_reply(m, u, a->reply, a->res.reply_len);
        return DP_GATE_REPLIED;
    default: /* no reply fits (ADMIT is never sent here) */
        c->gate_malformed++;
        return DP_GATE_DROP;
    }
}

static void demand_cookies(struct dp_gate_worker *g, uint64_t now_ns, struct dp_worker_counters *c)
{
    g->cookies_only = true;
    g->demand_window_ns = now_ns;
    g->demand_seen = 0;
    c->gate_cookies_demanded++;
}

/*
 * While cookies_only: requests without a valid cookie, counted over windows
 * of at least a second; at half this worker's share of the rate or fewer the
 * flood is over and tokens go to whoever asks first again. Half, so that
 * demand hovering at the rate does not flap between the two.
 */
static void note_demand(struct dp_gate_worker *g, uint64_t now_ns)
{
    if (!g->cookies_only)
        return;
    g->demand_seen++;
    uint64_t span = now_ns > g->demand_window_ns ? now_ns - g->demand_window_ns : 0;
    if (span < WINDOW_NS)
        return;
    uint64_t share = __atomic_load_n(&g->shared->rate, __ATOMIC_RELAXED) / g->nworkers;
    if (g->demand_seen * WINDOW_NS / span <= share / 2)
        g->cookies_only = false;
    g->demand_window_ns = now_ns;
    g->demand_seen = 0;
}

static enum dp_gate_verdict serve(struct dp_gate_worker *g, bool capable,
                                  struct dp_worker_counters *c)
{
    c->gate_cookie_admitted++;
    if (capable)
        c->gate_cookie_served_redirect_capable++;
    if (g->ring_room > 0)
        g->ring_room--;
    return DP_GATE_PASS;
}

/* A returned cookie that verified: served here while there is capacity. */
static enum dp_gate_verdict proven(struct dp_gate_worker *g, struct rte_mbuf *m,
                                   const struct dp_ike_udp *u, const struct ike_sl_request *req,
                                   uint64_t now_ns, bool saturated, struct dp_worker_counters *c)
{
    bool capable = redirect_capable(req);
    if (!saturated && gate_take_token(g, now_ns))
        return serve(g, capable, c);
    if (!capable)
        return serve(g, capable, c);
    /* The same request without its cookie: the stateless responder's REDIRECT, or nothing. */
    struct ike_sl_request plain = *req;
    plain.cookie = (struct ike_bytes){0};
    struct answer a;
    decide(g, u, &plain, now_ns, true, &a);
    if (a.res.action != IKE_SL_REDIRECT)
        return serve(g, capable, c); /* no target, or it would not fit: served after all */
    if (saturated)
        c->gate_redirect_saturated++;
    else
        c->gate_redirect_over_rate++;
    return send_answer(g, m, u, &a, c);
}

enum dp_gate_verdict gate_cookie_first(struct dp_gate_worker *g, struct rte_mbuf *m,
                                       const struct dp_ike_udp *u, const struct ike_sl_request *req,
                                       uint64_t now_ns, struct dp_worker_counters *c)
{
    gate_refresh_keys(g);
    bool saturated = __atomic_load_n(&g->shared->saturated, __ATOMIC_RELAXED) != 0;
    if (req->cookie.ptr != NULL &&
        ike_cookie_ok(ike_cookie_verify(&g->keys, now_ns, req->cookie.ptr, req->cookie.len,
                                        req->nonce.ptr, req->nonce.len, &u->client, req->spi_i)))
        return proven(g, m, u, req, now_ns, saturated, c);
    struct answer a;
    if (saturated) {
        decide(g, u, req, now_ns, true, &a);
        if (a.res.action == IKE_SL_REDIRECT)
            c->gate_redirect_saturated++;
        return send_answer(g, m, u, &a, c);
    }
    note_demand(g, now_ns);
    if (!g->cookies_only && !__atomic_load_n(&g->shared->overloaded, __ATOMIC_RELAXED)) {
        if (g->ring_room == 0) {
            c->gate_ring_busy++;
        } else if (gate_take_token(g, now_ns)) {
            g->ring_room--;
            c->gate_admitted++;
            return DP_GATE_PASS;
        } else {
            demand_cookies(g, now_ns, c);
        }
    }
    decide(g, u, req, now_ns, false, &a);
    if (a.res.action == IKE_SL_COOKIE && redirect_capable(req))
        c->gate_cookie_first++;
    return send_answer(g, m, u, &a, c);
}
