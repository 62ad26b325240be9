/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * veer: the appliance. EAL arguments, then ours after "--":
 *   veer -l 0,1 --no-huge -m 512 -- -c veer.yaml [--state-file PATH] [-v]
 *   veer --check veer.yaml   (no EAL: args.c)
 * The main lcore runs the control plane; every other lcore of -l is a worker.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "app.h"
#include "args.h"
#include "conf.h"
#include "conf_check.h"
#include "dp_addrs.h"
#include "dp_ctrl.h"
#include "dp_eal_dir.h"
#include "dp_mbuf_budget.h"
#include "dp_port.h"
#include "dp_worker.h"
#include "local_addrs.h"
#include "mgmt_goodbye.h"
#include "mgmt_state.h"
#include "mgmt_telemetry.h"

#define TICK_MS 100
#define MBUF_CACHE 256

/* SIGINT and SIGTERM seen: the first stops cleanly, a second cuts the goodbye short. */
static volatile sig_atomic_t stop_signals;
/* SIGHUP: the control lcore reloads the configuration between its polls (reload.c). */
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
    (void)sig;
    if (stop_signals < 2)
        stop_signals++;
}

static void on_hangup(int sig)
{
    (void)sig;
    reload_requested = 1;
}

static void print_dp_counters(FILE *f, void *arg)
{
    const struct app *a = arg;
#define PRINT_CTRL(n) fprintf(f, "ctrl %s=%llu\n", #n, (unsigned long long)a->ctrl.counters.n);
    DP_CTRL_COUNTER_LIST(PRINT_CTRL)
#undef PRINT_CTRL
    for (unsigned w = 0; w < a->nworkers; w++) {
        const struct dp_worker_counters *c = &a->workers[w].counters;
#define PRINT_WORKER(n) fprintf(f, "worker%u %s=%llu\n", w, #n, (unsigned long long)c->n);
        DP_WORKER_COUNTER_LIST(PRINT_WORKER)
#undef PRINT_WORKER
    }
}

/* The configured neighbours and manually keyed SAs, before any packet moves. */
static int install_static(struct app *a)
{
    const struct conf_dataplane *dp = &a->conf->dp;
    struct dp_addrs own; /* every port's subnets, as configured */
    if (dp_addrs_from_conf(&own, dp->ports, dp->nports) < 0)
        return -1;
    for (unsigned i = 0; i < dp->nneighbours; i++) {
        const struct conf_neighbour *nb = &dp->neighbours[i];
        unsigned p = 0;
        while (p < a->nports && strcmp(a->ports[p].name, nb->port) != 0)
            p++;
        uint32_t ip;
        memcpy(&ip, nb->addr.ip, 4);
        struct rte_ether_addr mac;
        memcpy(mac.addr_bytes, nb->mac, sizeof(nb->mac));
        bool v6 = nb->addr.family == 6;
        if (p == a->nports || !dp_addrs_on_link(&own, p, nb->addr.family, nb->addr.ip)) {
            fprintf(stderr, "veer: neighbour %u is not on port %s's %s subnet\n", i, nb->port,
                    v6 ? "IPv6" : "IPv4");
            return -1;
        }
        if (v6)
            dp_neigh_learn6(&a->neigh, nb->addr.ip, a->ports[p].id, &mac, DP_NEIGH_STATIC);
        else
            dp_neigh_learn(&a->neigh, ip, a->ports[p].id, &mac, DP_NEIGH_STATIC);
    }
    for (unsigned i = 0; i < dp->nstatic_sas; i++) {
        const struct conf_static_sa *st = &dp->static_sas[i];
        char why[160];
        if (dp_sadb_install_manual(&a->sadb, &st->sa, st->anti_replay, why, sizeof(why)) < 0) {
            fprintf(stderr, "veer: static SA %s: %s\n", st->name, why);
            return -1;
        }
        fprintf(stderr, "veer: static SA %s: in %08x out %08x%s\n", st->name, st->sa.spi_in,
                st->sa.spi_out, st->anti_replay ? "" : ", no anti-replay");
    }
    return 0;
}

/*
 * Connected subnets, each port's MTU and dataplane.routes; the routes may
 * change later (/veer/routes/add, /del), guarded by the SADB's QSBR.
 */
static int setup_routes(struct app *a)
{
    const struct conf_dataplane *dp = &a->conf->dp;
    uint16_t mtu[CONF_MAX_PORTS];
    for (unsigned i = 0; i < a->nports; i++)
        mtu[i] = (uint16_t)dp->ports[i].mtu;
    char err[256];
    struct dp_addrs addrs; /* every port's and the anycast ones: the connected subnets */
    if (veer_local_addrs_build(a->conf, &addrs) < 0)
        return -1;
    if (dp_route_table_init(&a->routes, a->ports, a->nports, mtu, &addrs, dp->routes, dp->nroutes,
                            a->sadb.qsbr, err, sizeof(err)) < 0) {
        fprintf(stderr, "veer: %s\n", err);
        return -1;
    }
    veer_local_addrs_start(&a->local, a->conf, &a->routes);
    return 0;
}

/*
 * Each worker's table of datagrams in reassembly (dataplane.reassembly), and
 * one pool of max_size buffers for datagrams that outgrow the mbuf of their
 * first fragment (an IKE_AUTH with certificates; ESP fragments of a packet
 * that fitted a 1500-byte link fit their first mbuf and need none).
 */
static int setup_reassembly(struct app *a)
{
    const struct conf_reassembly *r = &a->conf->dp.reassembly;
    if (r->flows > 0 && r->mbufs > 0) {
        uint16_t room =
            (uint16_t)(RTE_PKTMBUF_HEADROOM + sizeof(struct rte_ether_hdr) + r->max_size);
        /* Rare and large: a small per-lcore cache, none for a small pool (at most n / 1.5). */
        unsigned cache = r->mbufs >= 64 ? 32 : 0;
        a->reass_pool =
            rte_pktmbuf_pool_create("veer_reass", r->mbufs, cache, 0, room, (int)rte_socket_id());
        if (a->reass_pool == NULL) {
            fprintf(stderr, "veer: %u reassembly mbufs of %u bytes: %s\n", r->mbufs, room,
                    rte_strerror(rte_errno));
            return -1;
        }
    }
    for (unsigned w = 0; w < a->nworkers; w++) {
        char err[256];
        if (dp_reass_init(&a->workers[w].reass, r->flows, r->timeout_ms, rte_get_tsc_hz(),
                          a->reass_pool, (int)rte_socket_id(), err, sizeof(err)) < 0) {
            fprintf(stderr, "veer: %s\n", err);
            return -1;
        }
    }
    return 0;
}

/* /veer/reload runs on the control lcore too (mgmt_tel_serve), between polls. */
static int reload_for_telemetry(void *arg, char *msg, size_t len)
{
    return veer_reload(arg, msg, len);
}

/*
 * ike_backend.radius_send and radius_acct_send: the backend's opaque is the
 * control lcore's dp_ctrl (dp_ctrl_backend), which lives in struct app next
 * to the RADIUS sockets.
 */
static int radius_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    const struct app *a = container_of(opaque, struct app, ctrl);
    return mgmt_radius_send(&a->radius, server, buf, len);
}

static int radius_acct_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    const struct app *a = container_of(opaque, struct app, ctrl);
    return mgmt_radius_acct_send(&a->radius, server, buf, len);
}

static int setup(struct app *a)
{
    char err[512];
    a->conf = calloc(1, sizeof(*a->conf));
    if (a->conf == NULL || conf_start_load("veer", a->args.config, a->conf) < 0)
        return -1;
    const struct conf_dataplane *dp = &a->conf->dp;
    if (!dp->present) {
        fprintf(stderr, "veer: %s: no dataplane: section (veer-ike runs without one)\n",
                a->args.config);
        return -1;
    }
    if (veer_check_start_peers(a->conf, a->args.config) < 0)
        return -1;
    a->nworkers = dp->workers;
    if (rte_lcore_count() != a->nworkers + 1) {
        fprintf(stderr, "veer: %u workers configured: give EAL %u lcores (-l), it has %u\n",
                a->nworkers, a->nworkers + 1, rte_lcore_count());
        return -1;
    }
    /* Ports first: their profiles decide the rings the pool must fill. */
    for (unsigned i = 0; i < dp->nports; i++) {
        if (dp_port_prepare(&dp->ports[i], dp->drivers_cfg, a->nworkers, &a->ports[i], err,
                            sizeof(err)) < 0) {
            fprintf(stderr, "veer: %s\n", err);
            return -1;
        }
        a->nports++;
    }
    struct dp_mbuf_budget budget;
    /* Each worker may hold neighbour_hold_total packets for neighbours it asks for. */
    unsigned held = dp->neighbour_hold > 0 ? dp->workers * dp->neighbour_hold_total : 0;
    /* ... and its handoff ring may be full of packets others handed it. */
    if (dp->workers > 1)
        held += dp->workers * DP_HANDOFF_RING_DEFAULT;
    dp_mbuf_budget(a->ports, a->nports, rte_lcore_count(), MBUF_CACHE, dp->ring_size, held,
                   &budget);
    int fits = dp_mbuf_budget_check(&budget, a->ports, a->nports, dp->mbufs, err, sizeof(err));
    if (fits != 0)
        fprintf(stderr, "veer: %s%s\n", fits > 0 ? "warning: " : "", err);
    if (fits < 0)
        return -1;
    a->pool = rte_pktmbuf_pool_create("veer_mbufs", dp->mbufs * dp->nports, MBUF_CACHE, 0,
                                      RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
    a->ring = rte_ring_create("veer_to_ctrl", dp->ring_size, (int)rte_socket_id(), RING_F_SC_DEQ);
    a->workers = calloc(a->nworkers, sizeof(*a->workers));
    a->handoff = calloc(a->nworkers, sizeof(*a->handoff));
    if (a->pool == NULL || a->ring == NULL || a->workers == NULL || a->handoff == NULL) {
        fprintf(stderr, "veer: out of memory for mbufs or rings: %s\n", rte_strerror(rte_errno));
        return -1;
    }
    if (dp_handoff_rings_create(a->handoff, a->nworkers, DP_HANDOFF_RING_DEFAULT, "veer_handoff",
                                err, sizeof(err)) < 0) {
        fprintf(stderr, "veer: %s\n", err);
        return -1;
    }
    for (unsigned i = 0; i < a->nports; i++) {
        struct dp_port *p = &a->ports[i];
        if (dp_port_start(p, a->pool, err, sizeof(err)) < 0) {
            fprintf(stderr, "veer: %s\n", err);
            return -1;
        }
        char mac[RTE_ETHER_ADDR_FMT_SIZE];
        rte_ether_format_addr(mac, sizeof(mac), &p->mac);
        fprintf(stderr,
                "veer: port %s: DPDK port %u (%s), MAC %s, profile %s: %u RX x %u, %u TX x %u "
                "descriptors, RSS %s, device MTU %u%s%s%s\n",
                p->name, p->id, p->driver, mac, p->profile, p->nrxq, p->rx_desc, p->ntxq,
                p->tx_desc, p->rss_hf != 0 ? "on" : "off", p->mtu,
                p->tx_cksum_udp4 ? ", TX checksums offloaded" : "",
                p->promiscuous ? ", promiscuous" : "",
                p->has_ip6 ? (p->ipv6_multicast ? ", IPv6" : ", IPv6 (multicast not confirmed)")
                           : "");
        /* Correct without RSS (SAs are handed to their owners), but the load may not spread. */
        if (dp_port_rx_spread_warns(p))
            fprintf(stderr,
                    "veer: warning: port %s: %u RX queues without RSS: which worker receives a "
                    "flow is the device's choice (af_packet: the kernel's fanout hash); each SA "
                    "is still worked by its owner worker (/veer/ports rx_spread)\n",
                    p->name, p->nrxq);
        /* Fragments of one datagram must meet on one worker: hashed by addresses alone. */
        if (p->rss_hf != 0 && !(p->rss_hf & RTE_ETH_RSS_FRAG_IPV4) && dp->reassembly.flows > 0)
            fprintf(stderr,
                    "veer: warning: port %s: RSS does not hash IPv4 fragments by addresses; "
                    "fragments of one datagram may reach different workers and time out "
                    "(reass_timeouts)\n",
                    p->name);
    }
    if (dp_sadb_init(&a->sadb, a->nworkers, err, sizeof(err)) < 0) {
        fprintf(stderr, "veer: %s\n", err);
        return -1;
    }
    a->sadb.replay_window = dp->replay_window;
    if (install_static(a) < 0 || setup_routes(a) < 0)
        return -1;
    const struct dp_qcd_config qcd = {.keys = a->conf->ike.qcd_keys,
                                      .prev_valid_s = a->conf->ike.qcd_prev_valid_s,
                                      .max_sas = a->conf->ike.max_sas,
                                      .rate = dp->qcd_reply_rate,
                                      .qsbr = a->sadb.qsbr};
    if (dp_qcd_init(&a->qcd, &qcd, err, sizeof(err)) < 0) {
        fprintf(stderr, "veer: %s\n", err);
        return -1;
    }
    a->ctrl = (struct dp_ctrl){.from_workers = a->ring,
                               .sadb = &a->sadb,
                               .qcd = &a->qcd,
                               .pool = a->pool,
                               .ports = a->ports,
                               .nports = a->nports,
                               .neigh = &a->neigh,
                               .routes = &a->routes,
                               .log_level = a->args.log_level};
    a->ctrl.neigh_aging = (struct dp_neigh_aging){
        .reachable_ns = dp->neighbour_reachable * 1000000000ull, .probes = dp->neighbour_probes};
    struct ike_backend be = dp_ctrl_backend(&a->ctrl);
    /* eap-radius: the servers are reached through the kernel (management network). */
    int rrc = mgmt_radius_open(&a->radius, &a->conf->ike.radius);
    if (rrc < 0) {
        fprintf(stderr, "veer: cannot open the RADIUS sockets: %s\n", strerror(-rrc));
        return -1;
    }
    if (a->conf->ike.radius.nservers > 0)
        be.radius_send = radius_send;
    if (a->conf->ike.radius.nservers > 0 && a->conf->ike.radius.accounting)
        be.radius_acct_send = radius_acct_send;
    /* IKE_AUTH and drain redirects choose from the same table the workers get. */
    a->conf->ike.redirect_policy = &a->conf->redirect;
    a->ctrl.ike = ike_ctx_new(&a->conf->ike, &be);
    if (a->ctrl.ike == NULL) {
        fprintf(stderr, "veer: cannot create the IKE context\n");
        return -1;
    }
    const struct conf_admission *adm = &dp->admission;
    a->gate.mode = adm->mode;
    a->gate.rate = adm->rate;
    a->gate.overload_policy = adm->overload_policy;
    rp_publish(&a->gate.redirect, &a->conf->redirect);
    dp_gate_publish_keys(&a->gate, ike_get_cookie_keys(a->ctrl.ike, &a->keys_rotated_ns));
    for (unsigned w = 0; w < a->nworkers; w++) {
        struct dp_worker *wk = &a->workers[w];
        *wk = (struct dp_worker){
            .index = w,
            .ports = a->ports,
            .nports = a->nports,
            .to_ctrl = a->ring,
            .idle_sleep_us = dp->idle_sleep_us,
            .stop = &a->workers_stop,
            .gate = {.shared = &a->gate, .nworkers = a->nworkers},
            .qcd = {.shared = &a->qcd},
            .sadb = &a->sadb,
            .neigh = &a->neigh,
            .routes = dp_route_table_current(&a->routes),
            .route_table = &a->routes,
            .handoff = {.in = a->handoff[w], .rings = a->handoff, .nworkers = a->nworkers}};
        dp_icmp_limiter_init(&wk->icmp, dp->icmp_rate, rte_get_timer_hz(), rte_get_timer_cycles());
        dp_icmp_limiter_init(&wk->echo, dp->icmp_rate, rte_get_timer_hz(), rte_get_timer_cycles());
        dp_frag_ids_init(&wk->frag_ids, w, a->nworkers);
        _Static_assert(CONF_NEIGH_HOLD_MAX <= DP_NEIGH_HOLD_QLEN_MAX &&
                           CONF_NEIGH_HOLD_TOTAL_MAX <= DP_NEIGH_HOLD_TOTAL_MAX,
                       "dataplane.neighbour_hold's bounds fit the workers' hold queues");
        dp_neigh_hold_init(&wk->hold, dp->neighbour_hold, dp->neighbour_hold_total,
                           DP_NEIGH_HOLD_TIMEOUT_S * rte_get_timer_hz());
        /* intel-ipsec-mb managers of its own per worker, never shared (dp_esp.h). */
        if (dp_esp_engine_init(&wk->esp) < 0) {
            fprintf(stderr, "veer: intel-ipsec-mb: cannot allocate a manager\n");
            return -1;
        }
        /* Its addresses (the ports' and anycast) come with w->routes (veer_local_addrs). */
    }
    if (setup_reassembly(a) < 0)
        return -1;
    a->tel = mgmt_tel_start(a->ports, a->nports, a->workers, a->nworkers, &a->ctrl, &a->gate,
                            &a->conf->redirect, a->conf->dp.telemetry_group, err, sizeof(err));
    if (a->tel == NULL) {
        fprintf(stderr, "veer: %s\n", err);
        return -1;
    }
    mgmt_tel_set_routes(a->tel, &a->routes);
    mgmt_tel_set_reload(a->tel, reload_for_telemetry, a);
    return 0;
}

/*
 * What the workers' gate needs from the control plane, every tick: fresh
 * cookie keys after a rotation, and whether it is falling behind (the ring
 * half full, or half-open SAs close to the cookie threshold) or saturated.
 */
static void publish_load(struct app *a)
{
    uint64_t rotated;
    const struct ike_cookie_keys *keys = ike_get_cookie_keys(a->ctrl.ike, &rotated);
    if (rotated != a->keys_rotated_ns) {
        dp_gate_publish_keys(&a->gate, keys);
        a->keys_rotated_ns = rotated;
    }
    /* What this lcore could do in the last tick, and what the gate may let through for it. */
    bool busy = false;
    uint64_t rate = dp_load_tick(&a->load, rte_get_timer_cycles(), rte_get_timer_hz(),
                                 ike_get_counters(a->ctrl.ike)->sa_created,
                                 a->conf->dp.admission.rate, &busy, &a->gate.load);
    __atomic_store_n(&a->gate.rate, rate, __ATOMIC_RELAXED);
    unsigned threshold = a->conf->ike.cookie_threshold;
    /*
     * Saturated: no CPU time or ring room left for more work. Many half-open
     * SAs are a different sign, of requests that never finished (a spoofed
     * flood): it closes the gate too, but cookie-first answers it with
     * cookies, not by sending proven clients away.
     */
    bool saturated = busy || rte_ring_count(a->ring) > rte_ring_get_capacity(a->ring) / 2;
    bool behind =
        saturated || (threshold > 0 && ike_half_open(a->ctrl.ike) >= threshold - threshold / 4);
    __atomic_store_n(&a->gate.saturated, saturated ? 1u : 0u, __ATOMIC_RELAXED);
    __atomic_store_n(&a->gate.overloaded, behind ? 1u : 0u, __ATOMIC_RELAXED);
}

/* The CPU time this thread has run, in ns: preemption does not count (dp_load.h). */
static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One pass of the control lcore: workers' ring, RADIUS, telemetry, and the timers when due. */
static void control_step(struct app *a)
{
    uint64_t hz = rte_get_timer_hz();
    uint64_t start = rte_get_timer_cycles(), cpu_start = thread_cpu_ns();
    unsigned n = dp_ctrl_poll(&a->ctrl);
    n += dp_ctrl_rebinds(&a->ctrl);
    n += mgmt_radius_read_all(&a->radius, a->ctrl.ike, 16);
    mgmt_tel_serve(a->tel, a->ctrl.ike);
    if (reload_requested) {
        reload_requested = 0;
        char msg[512];
        veer_reload(a, msg, sizeof(msg)); /* logs and counts it */
    }
    uint64_t now = rte_get_timer_cycles(), cpu_ns = thread_cpu_ns() - cpu_start;
    dp_load_poll(&a->load, now - start, cpu_ns * hz / 1000000000ull, n > 0);
    if (now >= a->next_tick) {
        dp_ctrl_report_traffic(&a->ctrl);
        ike_tick(a->ctrl.ike);
        dp_ctrl_rekey_exhausting(&a->ctrl);
        dp_ctrl_age_neighbours(&a->ctrl, dp_ctrl_now_ns());
        veer_local_addrs_tick(&a->local, &a->ctrl, &a->routes);
        publish_load(a);
        mgmt_tel_publish(a->tel, a->ctrl.ike);
        if (a->args.state_file != NULL)
            mgmt_write_state(a->args.state_file, a->ctrl.ike, print_dp_counters, a);
        a->next_tick = now + hz * TICK_MS / 1000;
    }
    if (n == 0 && a->conf->dp.idle_sleep_us > 0)
        rte_delay_us_sleep(a->conf->dp.idle_sleep_us);
}

static void control_loop(struct app *a)
{
    dp_load_start(&a->load, rte_get_timer_cycles());
    while (stop_signals == 0)
        control_step(a);
}

/*
 * Before the workers stop: Deletes for the SAs of peers with stop_action
 * delete, and up to gateway.stop_wait for their answers (or until a second
 * signal), with the workers still carrying the packets both ways. Peers
 * without it are left to QCD and their liveness checks.
 */
static void say_goodbye(struct app *a)
{
    unsigned sent = mgmt_goodbye_send(a->ctrl.ike, a->conf->peers, a->conf->npeers, IKE_STOP_NONE);
    if (sent == 0)
        return;
    fprintf(stderr, "veer: stopping: deleting %u IKE SA%s, waiting up to %u ms for the answers\n",
            sent, conf_plural(sent), a->conf->stop_wait_ms);
    uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * a->conf->stop_wait_ms / 1000;
    unsigned pending = mgmt_goodbye_pending(a->ctrl.ike);
    while (pending > 0 && stop_signals < 2 && rte_get_timer_cycles() < end) {
        control_step(a);
        pending = mgmt_goodbye_pending(a->ctrl.ike);
    }
    /* An operator's own delete may have been pending too. */
    unsigned answered = sent > pending ? sent - pending : 0;
    fprintf(stderr, "veer: stopping: %u of %u Deletes answered\n", answered, sent);
}

/*
 * RADIUS accounting: every session's Stop (NAS-Reboot) goes out now, and
 * the servers get up to a second to answer; a Stop never retransmitted is
 * still better than none.
 */
static void stop_accounting(struct app *a)
{
    for (unsigned i = 0; i < 100 && ike_radius_acct_shutdown(a->ctrl.ike) > 0; i++) {
        mgmt_radius_read_all(&a->radius, a->ctrl.ike, 16);
        rte_delay_us_sleep(10000);
    }
}

int main(int argc, char **argv)
{
    int checked = veer_check_main(argc, argv);
    if (checked >= 0)
        return checked;
    int eal = rte_eal_init(argc, argv);
    if (eal < 0) {
        fprintf(stderr, "veer: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
        return 1;
    }
    static struct app a;
    char eal_dir[DP_EAL_DIR_MAX];
    dp_eal_dir_note(eal_dir);
    if (veer_args_parse(&a.args, argc - eal, argv + eal) < 0 || setup(&a) < 0) {
        if (a.conf != NULL) { /* what the loader read, if it got that far: zeroed otherwise */
            conf_free(a.conf);
            free(a.conf);
        }
        rte_eal_cleanup();
        dp_eal_dir_remove(eal_dir);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_hangup);
    unsigned w = 0, lcore;
    RTE_LCORE_FOREACH_WORKER(lcore)
    {
        rte_eal_remote_launch(dp_worker_main, &a.workers[w++], lcore);
    }
    fprintf(stderr, "veer running: %u worker(s), %u port(s)\n", a.nworkers, a.nports);
    veer_start_peers(&a, NULL);
    control_loop(&a);
    stop_accounting(&a);
    say_goodbye(&a);
    a.workers_stop = true;
    rte_eal_mp_wait_lcore();
    for (unsigned p = 0; p < a.nports; p++)
        dp_port_close(&a.ports[p]);
    ike_ctx_free(a.ctrl.ike);
    mgmt_radius_close(&a.radius);
    /* Certificates, keys and secrets: freed and wiped, the last users gone above. */
    conf_free(a.conf);
    free(a.conf);
    dp_qcd_free(&a.qcd);
    for (unsigned i = 0; i < a.nworkers; i++) {
        dp_esp_engine_free(&a.workers[i].esp);
        dp_reass_free(&a.workers[i].reass);
    }
    dp_sadb_free(&a.sadb);
    dp_route_table_free(&a.routes);
    free(a.workers);
    rte_ring_free(a.ring);
    if (a.handoff != NULL) /* every worker has stopped: nobody hands anything on now */
        dp_handoff_rings_free(a.handoff, a.nworkers);
    free(a.handoff);
    rte_mempool_free(a.pool);
    rte_mempool_free(a.reass_pool);
    rte_eal_cleanup();
    int rc = dp_eal_dir_remove(eal_dir);
    if (rc < 0)
        fprintf(stderr, "veer: DPDK's runtime directory %s not removed: %s\n", eal_dir,
                strerror(-rc));
    fprintf(stderr, "veer stopped\n");
    return 0;
}
