/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_gate.h"

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_pause.h>
#include <rte_udp.h>

#include "dp_pkt.h"
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

/* Takes the shared keys when they changed; a copy caught mid-write is simply retried later. */
static void refresh_keys(struct dp_gate_worker *g)
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

/* Auto mode: one token per request, refilled at this worker's share of the rate. */
static bool take_token(struct dp_gate_worker *g, uint64_t now_ns)
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

static bool gate_open(struct dp_gate_worker *g, uint64_t now_ns)
{
    switch (__atomic_load_n(&g->shared->mode, __ATOMIC_RELAXED)) {
    case CONF_GATE_OFF:
        return true;
    case CONF_GATE_AUTO:
        return !__atomic_load_n(&g->shared->overloaded, __ATOMIC_RELAXED) && take_token(g, now_ns);
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

struct pick_ctx {
    struct dp_gate_worker *g;
    bool anycast;
    const struct ike_addr *here;
    struct rp_pick pick;
};

/* ike_sl_respond's policy seam: the worker's copy of the table and its own cursor. */
static bool pick_target(void *opaque, const struct ike_addr *client,
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

static void count_redirect(struct dp_gate_worker *g, const struct pick_ctx *p,
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

/* Rewrites the request frame into the reply: addresses and ports swapped, new payload. */
static void turn_around(struct rte_mbuf *m, const uint8_t *reply, size_t len)
{
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
    const struct rte_udp_hdr *udp =
        (const struct rte_udp_hdr *)((const uint8_t *)ip + dp_ipv4_hdr_len(ip));
    struct rte_ether_addr src = eth->dst_addr, dst = eth->src_addr;
    uint32_t sip = ip->dst_addr, dip = ip->src_addr;
    uint16_t sport = rte_be_to_cpu_16(udp->dst_port), dport = rte_be_to_cpu_16(udp->src_port);
    /* The reply is never longer than the request, so it fits where the request was. */
    memmove(rte_pktmbuf_mtod_offset(m, uint8_t *,
                                    sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
                                        sizeof(struct rte_udp_hdr)),
            reply, len);
    dp_build_udp4(m, &src, &dst, sip, dip, sport, dport, len);
}

enum dp_gate_verdict dp_gate_check(struct dp_gate_worker *g, struct rte_mbuf *m, uint64_t now_ns,
                                   struct dp_worker_counters *c)
{
    const struct rte_ipv4_hdr *ip = dp_ipv4(m);
    if (ip == NULL || rte_be_to_cpu_16(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type) !=
                          RTE_ETHER_TYPE_IPV4)
        return DP_GATE_PASS; /* ARP */
    const struct rte_udp_hdr *udp =
        (const struct rte_udp_hdr *)((const uint8_t *)ip + dp_ipv4_hdr_len(ip));
    const uint8_t *payload = (const uint8_t *)(udp + 1);
    size_t len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp); /* checked by the classifier */
    bool natt = rte_be_to_cpu_16(udp->dst_port) == DP_NATT_PORT;
    const uint8_t *ike = payload + (natt ? MARKER_LEN : 0);
    size_t ike_len = len - (natt ? MARKER_LEN : 0);
    /* Only new IKE_SA_INIT requests (SPIr zero) are gated; everything else belongs to an SA. */
    static const uint8_t zero_spi[8];
    if (ike_len < IKE_HDR_MIN || ike[IKE_HDR_EXCH_OFF] != IKE_EXCH_IKE_SA_INIT ||
        (ike[IKE_HDR_FLAGS_OFF] & IKE_FLAG_RESPONSE) ||
        memcmp(ike + IKE_HDR_SPI_R_OFF, zero_spi, 8) != 0)
        return DP_GATE_PASS;
    refresh_redirect(g);
    struct ike_addr dst = {.family = 4};
    memcpy(dst.ip, &ip->dst_addr, 4);
    bool anycast = g->redirect.nanycast > 0 && rp_table_is_anycast(&g->redirect, &dst);
    if (!anycast && gate_open(g, now_ns)) {
        c->gate_admitted++;
        return DP_GATE_PASS;
    }
    refresh_keys(g);
    struct ike_addr client = {.family = 4, .port = rte_be_to_cpu_16(udp->src_port)};
    memcpy(client.ip, &ip->src_addr, 4);
    struct pick_ctx pick = {.g = g, .anycast = anycast, .here = &dst, .pick = {.index = -1}};
    const struct ike_sl_config cfg = {.cookie_keys = &g->keys,
                                      .pick_redirect =
                                          g->redirect.ntargets > 0 ? pick_target : NULL,
                                      .pick_opaque = &pick};
    uint8_t reply[IKE_HDR_MIN + 512];
    struct ike_sl_result res;
    ike_sl_respond(&cfg, now_ns, &client, payload, len, natt, reply, sizeof(reply), &res);
    if (pick.pick.excluded_origin)
        c->redirect_origin_excluded++;
    if (res.no_redirect == IKE_SL_NR_NO_TARGET)
        c->redirect_no_target++;
    /* RFC 5685 4: to an anycast address, REDIRECT if at all possible; else the usual gate. */
    if (anycast && res.action == IKE_SL_COOKIE) {
        c->anycast_passed++;
        if (gate_open(g, now_ns)) {
            c->gate_admitted++;
            return DP_GATE_PASS;
        }
    }
    switch (res.action) {
    case IKE_SL_ADMIT:
        c->gate_cookie_admitted++;
        return DP_GATE_PASS;
    case IKE_SL_REDIRECT:
        count_redirect(g, &pick, c);
        turn_around(m, reply, res.reply_len);
        return DP_GATE_REPLIED;
    case IKE_SL_COOKIE:
        c->gate_cookies++;
        turn_around(m, reply, res.reply_len);
        return DP_GATE_REPLIED;
    default:
        c->gate_malformed++;
        return DP_GATE_DROP;
    }
}
