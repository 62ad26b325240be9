/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_gate.h"

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dp_ike_udp.h"
#include "dp_pkt.h"
#include "gate_priv.h"
#include "ike_consts.h"

#define IKE_HDR_SPI_R_OFF 8
#define IKE_HDR_EXCH_OFF 18
#define IKE_HDR_FLAGS_OFF 19
#define IKE_HDR_MIN 28
#define MARKER_LEN 4
#define BUCKET_SECONDS 1 /* a burst of up to one second's rate is let through at once */

void dp_gate_publish_keys(struct dp_gate_shared *s, const struct ike_cookie_keys *keys)
{
    __atomic_store_n(&s->keys_seq, s->keys_seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    s->keys = *keys;
    __atomic_store_n(&s->keys_seq, s->keys_seq + 1, __ATOMIC_RELEASE);
}

void gate_refresh_keys(struct dp_gate_worker *g)
{
    uint32_t seq = __atomic_load_n(&g->shared->keys_seq, __ATOMIC_ACQUIRE);
    if (seq == g->keys_seq || (seq & 1))
        return;
    struct ike_cookie_keys copy = g->shared->keys;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&g->shared->keys_seq, __ATOMIC_RELAXED) != seq)
        return;
    g->keys = copy;
    g->keys_seq = seq;
}

bool gate_take_token(struct dp_gate_worker *g, uint64_t now_ns)
{
    uint64_t rate = __atomic_load_n(&g->shared->rate, __ATOMIC_RELAXED) / g->nworkers;
    uint64_t cap = rate * 1000 * BUCKET_SECONDS;
    uint64_t elapsed_us = (now_ns - g->last_ns) / 1000;
    g->last_ns = now_ns;
    g->tokens_milli += elapsed_us * rate / 1000;
    if (g->tokens_milli > cap)
        g->tokens_milli = cap;
    if (g->tokens_milli < 1000)
        return false;
    g->tokens_milli -= 1000;
    return true;
}

void dp_gate_ring_room(struct dp_gate_worker *g, const struct rte_ring *to_ctrl)
{
    unsigned free = rte_ring_free_count(to_ctrl), keep = rte_ring_get_capacity(to_ctrl) / 4;
    g->ring_room = free > keep ? free - keep : 0;
}

static bool gate_open(struct dp_gate_worker *g, uint64_t now_ns, struct dp_worker_counters *c)
{
    switch (__atomic_load_n(&g->shared->mode, __ATOMIC_RELAXED)) {
    case CONF_GATE_OFF:
        return true;
    case CONF_GATE_AUTO:
        if (__atomic_load_n(&g->shared->overloaded, __ATOMIC_RELAXED))
            return false;
        if (g->ring_room == 0) {
            c->gate_ring_busy++;
            return false;
        }
        if (!gate_take_token(g, now_ns))
            return false;
        g->ring_room--;
        return true;
    default:
        return false;
    }
}

/* Takes a newly published redirect table; per-target counts start again with a new target set. */
static void refresh_redirect(struct dp_gate_worker *g)
{
    if (!rp_refresh(&g->shared->redirect, &g->redirect, &g->redirect_seq))
        return;
    if (g->counted_generation != g->redirect.generation) {
        memset(g->target_redirects, 0, sizeof(g->target_redirects));
        __atomic_store_n(&g->counted_generation, g->redirect.generation, __ATOMIC_RELEASE);
    }
}

bool gate_pick_target(void *opaque, const struct ike_addr *client,
                      const struct ike_gw_id *redirected_from, struct ike_gw_id *target)
{
    struct pick_ctx *p = opaque;
    const struct rp_query q = {.client = client,
                               .redirected_from = redirected_from,
                               .anycast = p->anycast,
                               .here = p->here};
    p->pick = rp_pick(&p->g->redirect, &p->g->cursor, &q);
    if (p->pick.index < 0)
        return false;
    *target = p->g->redirect.targets[p->pick.index].gw;
    return true;
}

void gate_count_redirect(struct dp_gate_worker *g, const struct pick_ctx *p,
                         struct dp_worker_counters *c)
{
    c->gate_redirects++;
    switch (g->redirect.policy) {
    case RP_LEAST_LOADED:
        c->redirect_least_loaded++;
        break;
    case RP_CLIENT_HASH:
        c->redirect_client_hash++;
        break;
    default:
        c->redirect_weighted_round_robin++;
        break;
    }
    if (p->anycast)
        c->redirect_anycast++;
    g->target_redirects[p->pick.index]++;
}

enum dp_gate_verdict dp_gate_check(struct dp_gate_worker *g, struct rte_mbuf *m, uint64_t now_ns,
                                   struct dp_worker_counters *c)
{
    struct dp_ike_udp u;
    if (!dp_ike_udp_of(m, &u))
        return DP_GATE_PASS; /* ARP, neighbour discovery */
    const uint8_t *payload = (const uint8_t *)(u.udp + 1);
    bool natt = rte_be_to_cpu_16(u.udp->dst_port) == DP_NATT_PORT;
    size_t skip = natt ? MARKER_LEN : 0;
    /* Only new IKE_SA_INIT requests (SPIr zero) are gated; everything else belongs to an SA. */
    static const uint8_t zero_spi[8];
    const uint8_t *ike = payload + skip;
    if (u.len < skip + IKE_HDR_MIN || ike[IKE_HDR_EXCH_OFF] != IKE_EXCH_IKE_SA_INIT ||
        (ike[IKE_HDR_FLAGS_OFF] & IKE_FLAG_RESPONSE) ||
        memcmp(ike + IKE_HDR_SPI_R_OFF, zero_spi, 8) != 0)
        return DP_GATE_PASS;
    /*
     * Validated before anything else, so that garbage shaped like an
     * IKE_SA_INIT spends no admission token and never reaches the control
     * lcore, whether the gate is open or closed: the checks are those the
     * control plane would make (ike_sl_parse mirrors its decoder and rules).
     */
    struct ike_sl_request req;
    struct ike_err err;
    if (ike_sl_parse(payload, u.len, natt, &req, &err) < 0) {
        c->gate_malformed++;
        return DP_GATE_DROP;
    }
    refresh_redirect(g);
    bool anycast = g->redirect.nanycast > 0 && rp_table_is_anycast(&g->redirect, &u.here);
    /* `on` is the operator's drain (REDIRECT as ever); the policy is for auto's overload. */
    if (!anycast && __atomic_load_n(&g->shared->mode, __ATOMIC_RELAXED) == CONF_GATE_AUTO &&
        __atomic_load_n(&g->shared->overload_policy, __ATOMIC_RELAXED) ==
            CONF_OVERLOAD_COOKIE_FIRST)
        return gate_cookie_first(g, m, &u, &req, now_ns, c);
    if (!anycast && gate_open(g, now_ns, c)) {
        c->gate_admitted++;
        return DP_GATE_PASS;
    }
    gate_refresh_keys(g);
    struct pick_ctx pick = {.g = g, .anycast = anycast, .here = &u.here, .pick = {.index = -1}};
    const struct ike_sl_config cfg = {.cookie_keys = &g->keys,
                                      .pick_redirect =
                                          g->redirect.ntargets > 0 ? gate_pick_target : NULL,
                                      .pick_opaque = &pick};
    uint8_t reply[IKE_HDR_MIN + 512];
    struct ike_sl_result res;
    /* The cookie covers the client's address of either family (lib/ike/stateless/cookie.c). */
    ike_sl_decide(&cfg, now_ns, &u.client, &req, reply, sizeof(reply), &res);
    if (pick.pick.excluded_origin)
        c->redirect_origin_excluded++;
    if (res.no_redirect == IKE_SL_NR_NO_TARGET)
        c->redirect_no_target++;
    /* RFC 5685 4: to an anycast address, REDIRECT if at all possible; else the usual gate. */
    if (anycast && res.action == IKE_SL_COOKIE) {
        c->anycast_passed++;
        if (gate_open(g, now_ns, c)) {
            c->gate_admitted++;
            return DP_GATE_PASS;
        }
    }
    switch (res.action) {
    case IKE_SL_ADMIT:
        c->gate_cookie_admitted++;
        return DP_GATE_PASS;
    case IKE_SL_REDIRECT:
        gate_count_redirect(g, &pick, c);
        dp_ike_udp_reply(m, &u, reply, res.reply_len);
        return DP_GATE_REPLIED;
    case IKE_SL_COOKIE:
        c->gate_cookies++;
        dp_ike_udp_reply(m, &u, reply, res.reply_len);
        return DP_GATE_REPLIED;
    default:
        c->gate_malformed++;
        return DP_GATE_DROP;
    }
}
