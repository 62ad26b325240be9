/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_worker.h"

#include "dp_echo.h"
#include "dp_forward.h"

#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

/* Empty polls in a row before an idle worker starts sleeping. */
#define IDLE_POLLS_BEFORE_SLEEP 1024

struct buckets {
    struct rte_mbuf *ctrl[DP_BURST], *esp[DP_BURST], *plain[DP_BURST], *drop[DP_BURST];
    struct rte_mbuf *echo[DP_BURST];
    /* drop[] also takes what the gate refuses, so it never exceeds one burst either */
    unsigned nctrl, nesp, nplain, ndrop, necho;
};

static void sort_burst(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n, struct buckets *b)
{
    b->nctrl = b->nesp = b->nplain = b->ndrop = b->necho = 0;
    uint64_t now = rte_rdtsc();
    for (unsigned i = 0; i < n; i++) {
        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
        struct rte_mbuf *m = pkts[i];
        enum dp_class cls = dp_classify(m, &w->routes->addrs, &w->counters);
        if (cls == DP_CLASS_FRAG) {
            m = dp_reass_input(&w->reass, m, now, &w->counters);
            if (m == NULL)
                continue; /* held until its datagram is whole, or given up and counted */
            cls = dp_classify(m, &w->routes->addrs, &w->counters); /* whole: like any frame */
        }
        switch (cls) {
        case DP_CLASS_CONTROL:
            b->ctrl[b->nctrl++] = m;
            break;
        case DP_CLASS_ESP:
            b->esp[b->nesp++] = m;
            break;
        case DP_CLASS_PLAIN:
            b->plain[b->nplain++] = m;
            break;
        case DP_CLASS_ECHO:
            b->echo[b->necho++] = m;
            break;
        default:
            b->drop[b->ndrop++] = m;
            break;
        }
    }
    /* What reassembly gave up in this burst: its death row holds one burst's worth, no more. */
    RTE_BUILD_BUG_ON(DP_BURST > RTE_IP_FRAG_DEATH_ROW_LEN);
    dp_reass_flush(&w->reass);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    /* The control lcore's clock too: cookie grace periods are compared across both. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * New IKE_SA_INITs meet the admission gate, and requests for IKE SAs lost in
 * a restart get QCD's INVALID_IKE_SPI: some are answered here and sent
 * straight back.
 */
static enum dp_gate_verdict answer(struct dp_worker *w, struct rte_mbuf *m, uint64_t now)
{
    enum dp_gate_verdict v = dp_gate_check(&w->gate, m, now, &w->counters);
    if (v != DP_GATE_PASS)
        return v;
    switch (dp_qcd_check(&w->qcd, m, now, &w->counters)) {
    case DP_QCD_REPLIED:
        return DP_GATE_REPLIED;
    case DP_QCD_DROP:
        return DP_GATE_DROP;
    default:
        return DP_GATE_PASS;
    }
}

/* A burst comes from one port: replies made in place go back out of it. */
static void send_back(struct dp_worker *w, struct rte_mbuf **reply, unsigned nreply)
{
    if (nreply == 0)
        return;
    uint16_t sent = rte_eth_tx_burst(reply[0]->port, (uint16_t)w->index, reply, (uint16_t)nreply);
    w->counters.tx_packets += sent;
    w->counters.drop_tx_full += nreply - sent;
    rte_pktmbuf_free_bulk(reply + sent, nreply - sent);
}

static void gate_burst(struct dp_worker *w, struct buckets *b)
{
    struct rte_mbuf *pass[DP_BURST], *reply[DP_BURST];
    unsigned npass = 0, nreply = 0;
    uint64_t now = now_ns();
    dp_gate_ring_room(&w->gate, w->to_ctrl);
    for (unsigned i = 0; i < b->nctrl; i++) {
        switch (answer(w, b->ctrl[i], now)) {
        case DP_GATE_PASS:
            pass[npass++] = b->ctrl[i];
            break;
        case DP_GATE_REPLIED:
            reply[nreply++] = b->ctrl[i];
            break;
        default:
            b->drop[b->ndrop++] = b->ctrl[i];
            break;
        }
    }
    memcpy(b->ctrl, pass, npass * sizeof(pass[0]));
    b->nctrl = npass;
    send_back(w, reply, nreply);
}

/* Echo requests to us: answered in place through the echo bucket. */
static void echo_burst(struct dp_worker *w, struct buckets *b)
{
    struct rte_mbuf *reply[DP_BURST];
    unsigned nreply = 0;
    uint64_t now = rte_get_timer_cycles();
    for (unsigned i = 0; i < b->necho; i++) {
        struct rte_mbuf *m = b->echo[i];
        unsigned mtu = m->port < CONF_MAX_PORTS ? w->routes->mtu[m->port] : 0;
        if (dp_echo_answer(&w->echo, m, mtu, now, &w->counters))
            reply[nreply++] = m;
        else
            b->drop[b->ndrop++] = m;
    }
    send_back(w, reply, nreply);
}

static void handle_burst(struct dp_worker *w, struct buckets *b)
{
    struct dp_worker_counters *c = &w->counters;
    if (b->nctrl > 0)
        gate_burst(w, b);
    if (b->necho > 0)
        echo_burst(w, b);
    if (b->nctrl > 0) {
        unsigned sent = rte_ring_enqueue_burst(w->to_ctrl, (void **)b->ctrl, b->nctrl, NULL);
        c->to_control += sent;
        /* Never wait for the control lcore: what does not fit is dropped and counted. */
        c->drop_ring_full += b->nctrl - sent;
        rte_pktmbuf_free_bulk(b->ctrl + sent, b->nctrl - sent);
    }
    c->esp_in += b->nesp;
    c->plain_in += b->nplain;
    if (w->sadb == NULL) {
        c->drop_no_esp_engine += b->nesp;
        c->drop_no_policy += b->nplain;
        rte_pktmbuf_free_bulk(b->esp, b->nesp);
        rte_pktmbuf_free_bulk(b->plain, b->nplain);
    } else {
        dp_forward_esp(w, b->esp, b->nesp);
        dp_forward_plain(w, b->plain, b->nplain);
    }
    rte_pktmbuf_free_bulk(b->drop, b->ndrop);
}

/* Worker 0 sends what the control lcore queued for ports without a control TX queue. */
static void drain_ctrl_tx(struct dp_worker *w)
{
    struct rte_mbuf *pkts[DP_BURST];
    for (unsigned p = 0; p < w->nports; p++) {
        const struct dp_port *port = &w->ports[p];
        if (port->ctrl_tx == NULL)
            continue;
        unsigned n = rte_ring_dequeue_burst(port->ctrl_tx, (void **)pkts, DP_BURST, NULL);
        if (n == 0)
            continue;
        uint16_t sent = rte_eth_tx_burst(port->id, (uint16_t)w->index, pkts, (uint16_t)n);
        w->counters.tx_packets += sent;
        w->counters.drop_tx_full += n - sent;
        rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    }
}

/* What other workers handed this one, the owner of their SAs: one burst per turn. */
static unsigned take_handed(struct dp_worker *w)
{
    struct rte_mbuf *plain[DP_BURST], *esp[DP_BURST];
    unsigned nplain, nesp;
    unsigned n = dp_handoff_take(&w->handoff, plain, &nplain, esp, &nesp, &w->counters);
    /* Only a worker with the SADB hands packets on, and all workers share it. */
    if (n > 0)
        dp_forward_handed(w, plain, nplain, esp, nesp);
    return n;
}

int dp_worker_main(void *arg)
{
    struct dp_worker *w = arg;
    struct rte_mbuf *pkts[DP_BURST];
    struct buckets b;
    unsigned idle = 0;
    if (w->sadb != NULL) {
        rte_rcu_qsbr_thread_register(w->sadb->qsbr, w->index);
        rte_rcu_qsbr_thread_online(w->sadb->qsbr, w->index);
    }
    while (!*w->stop) {
        /* Between bursts this worker holds no SA pointer: the control lcore may free them. */
        if (w->sadb != NULL)
            rte_rcu_qsbr_quiescent(w->sadb->qsbr, w->index);
        /* The same quiescent state covers the route table: take the one in force now. */
        if (w->route_table != NULL)
            w->routes = dp_route_table_current(w->route_table);
        unsigned got = 0;
        for (unsigned p = 0; p < w->nports; p++) {
            uint16_t n = rte_eth_rx_burst(w->ports[p].id, (uint16_t)w->index, pkts, DP_BURST);
            if (n == 0)
                continue;
            got += n;
            w->counters.rx_bursts++;
            w->counters.rx_packets += n;
            sort_burst(w, pkts, n, &b);
            handle_burst(w, &b);
        }
        if (dp_handoff_on(&w->handoff))
            got += take_handed(w);
        if (w->index == 0)
            drain_ctrl_tx(w);
        dp_reass_expire(&w->reass, rte_rdtsc(), &w->counters);
        if (unlikely(w->hold.held != 0))
            dp_forward_held(w, rte_get_timer_cycles());
        if (got > 0) {
            idle = 0;
        } else if (w->idle_sleep_us > 0 && ++idle > IDLE_POLLS_BEFORE_SLEEP) {
            /* Labs and CI share cores: an idle worker gives its CPU back. */
            rte_delay_us_sleep(w->idle_sleep_us);
        }
    }
    dp_neigh_hold_free(&w->hold, &w->counters); /* its mbufs, before the pool goes */
    if (w->sadb != NULL) {
        rte_rcu_qsbr_thread_offline(w->sadb->qsbr, w->index);
        rte_rcu_qsbr_thread_unregister(w->sadb->qsbr, w->index);
    }
    return 0;
}
