/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ICMP and ICMPv6 errors a worker sends about packets it cannot forward,
 * once for both families: suppressed by the family's rules (RFC 1812
 * 4.3.2.7, RFC 4443 2.4 e; forward4.c, forward6.c), then limited by the
 * worker's one token bucket (dp_icmp.h) so that a flood of expiring packets
 * cannot turn the gateway into an amplifier, then built and sent like any
 * packet the gateway makes: into a tunnel when a Child SA covers it.
 */
#include <rte_cycles.h>

#include "dp_icmp.h"
#include "dp_icmp6.h"
#include "dp_icmp_limit.h"
#include "forward_family.h"
#include "forward_priv.h"

/* A packet the gateway made itself (data at its IP header, of `family`). */
static void local_out(struct dp_worker *w, struct rte_mbuf *m, unsigned family)
{
    const void *ip = rte_pktmbuf_mtod(m, const void *);
    struct dp_esp_sa *sa =
        w->sadb != NULL ? fwd_policy(family, w->sadb, ip, rte_pktmbuf_data_len(m)) : NULL;
    struct dp_fwd_hop hop;
    bool routed = sa != NULL ? dp_fwd_route_peer(w, sa, &hop)
                             : fwd_route(w, family, fwd_dst(family, ip), &hop);
    if (!routed) {
        w->counters.drop_no_route++;
        rte_pktmbuf_free(m);
        return;
    }
    if (sa != NULL)
        dp_fwd_tunnel_out(w, sa, m, 0, &hop);
    else
        dp_fwd_send_to_hop(w, m, &hop);
}

void dp_fwd_icmp_error(struct dp_worker *w, const struct dp_fwd_about *a, struct rte_mempool *pool,
                       uint8_t type, uint8_t code, uint32_t param, uint64_t *sent)
{
    bool v6 = a->family == 6;
    if (a->l2_group || !(v6 ? dp_fwd_icmp_may6(w, a, type) : dp_fwd_icmp_may4(w, a))) {
        w->counters.icmp_suppressed++;
        return;
    }
    if (!dp_icmp_limiter_take(&w->icmp, rte_get_timer_cycles())) {
        w->counters.icmp_rate_limited++;
        return;
    }
    struct rte_mbuf *m = v6 ? dp_fwd_icmp_build6(w, a, pool, type, code, param)
                            : dp_fwd_icmp_build4(w, a, pool, type, code, param);
    if (m == NULL) {
        w->counters.icmp_no_mbuf++;
        return;
    }
    (*sent)++;
    local_out(w, m, a->family);
}

void dp_fwd_expired(struct dp_worker *w, const struct dp_fwd_about *a, struct rte_mbuf *m)
{
    w->counters.drop_ttl_expired++;
    if (a->family == 6)
        dp_fwd_icmp_error(w, a, m->pool, DP_ICMP6_TIME_EXCEEDED, DP_ICMP6_HOP_LIMIT_EXCEEDED, 0,
                          &w->counters.icmp6_time_exceeded);
    else
        dp_fwd_icmp_error(w, a, m->pool, DP_ICMP_TIME_EXCEEDED, DP_ICMP_TTL_EXCEEDED, 0,
                          &w->counters.icmp_time_exceeded);
    rte_pktmbuf_free(m);
}

const struct dp_addr *dp_fwd_error_source(const struct dp_worker *w, const struct dp_fwd_about *a,
                                          const void *to)
{
    const struct dp_routes *r = w->routes;
    int p = dp_routes_port_index(r, a->from != NULL ? a->from->id : a->in_port);
    if (p < 0 || (unsigned)p >= r->nports)
        return NULL;
    return dp_addrs_source(&r->addrs, (unsigned)p, a->family, to);
}
