/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two worker lcores over net_ring ports of two queue pairs each: every SA
 * half is worked by its owner worker (dp_handoff.h). Plaintext of several
 * SAs arriving on both workers' queues leaves each SA's owner alone, its
 * sequence numbers strictly in order and contiguous; ESP of several SAs
 * spread over both queues is opened by each inbound SA's owner alone, none
 * refused by the replay window; a full handoff ring is a counted drop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "conf.h"
#include "dp_handoff.h"
#include "dp_post_frag.h"
#include "dp_worker.h"
#include "test_eal.h"
#include "test_pkt.h"

#define OUTSIDE 0
#define INSIDE 1
#define NW 2      /* workers, and queue pairs per port */
#define NSAS 4    /* Child SAs, their halves dealt over both workers */
#define PER_Q 150 /* plaintext packets per SA fed to each queue */
#define NESP 100  /* ESP packets per SA, spread over both queues */
#define ETH 14
#define NMBUFS 4096

static const struct rte_ether_addr peer_mac = {{2, 0, 0, 0, 0, 2}}, host_mac = {{2, 0, 0, 0, 1, 2}};

/* Our four SAs: 10.2.0.0/24 <-> 10.1.k.0/24 with peer 198.51.100.2; then the peer's view. */
#define SA(k, a, b, spi_a, spi_b, key_a, key_b, ts_a, ts_b)                                        \
    "    - name: sa" #k "\n"                                                                       \
    "      local: " a "\n"                                                                         \
    "      remote: " b "\n"                                                                        \
    "      esp: aes128gcm16\n"                                                                     \
    "      spi_in: " spi_a "\n"                                                                    \
    "      spi_out: " spi_b "\n"                                                                   \
    "      key_in: " key_a "\n"                                                                    \
    "      key_out: " key_b "\n"                                                                   \
    "      local_ts: [" ts_a "]\n"                                                                 \
    "      remote_ts: [" ts_b "]\n"
#define KEY_IN "000102030405060708090a0b0c0d0e0fa0a1a2a3"
#define KEY_OUT "101112131415161718191a1b1c1d1e1fb0b1b2b3"
#define OURS(k)                                                                                    \
    SA(k, "198.51.100.1", "198.51.100.2", "0x200" #k, "0x300" #k, KEY_IN, KEY_OUT, "10.2.0.0/24",  \
       "10.1." #k ".0/24")
#define PEERS(k)                                                                                   \
    SA(k, "198.51.100.2", "198.51.100.1", "0x300" #k, "0x200" #k, KEY_OUT, KEY_IN,                 \
       "10.1." #k ".0/24", "10.2.0.0/24")
#define PORTS(a) "dataplane:\n  ports: [{name: o, device: x, address: " a "/24}]\n  static_sas:\n"
static const char ours_yaml[] = PORTS("198.51.100.1") OURS(0) OURS(1) OURS(2) OURS(3);
static const char peers_yaml[] = PORTS("198.51.100.2") PEERS(0) PEERS(1) PEERS(2) PEERS(3);

static struct env {
    struct rte_mempool *pool;
    struct rte_ring *rx[2][NW], *tx[2][NW], *to_ctrl;
    struct rte_ring *handoff[NW], *small[NW];
    struct dp_port ports[2];
    struct dp_neigh_table neigh;
    struct dp_routes routes;
    struct dp_gate_shared gate;
    struct veer_conf conf, peer_conf;
    struct dp_sadb sadb;
    struct dp_esp_sa *peer_out[NSAS]; /* what the peer seals with (no SADB: one per process) */
    struct dp_esp_engine peer_eng;
    struct dp_worker w[NW];
    unsigned lcore[NW];
    volatile bool stop;
    uint64_t last_seq[NSAS]; /* the last sequence number each outbound SA sent */
} * e;

static struct rte_ring *ring(const char *dir, unsigned port, unsigned q)
{
    char name[RTE_RING_NAMESIZE];
    snprintf(name, sizeof(name), "w_%s_%u_%u", dir, port, q);
    return rte_ring_create(name, 2048, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

/* A net_ring port of NW queue pairs: queue q of worker q reads rx[q] and writes tx[q]. */
static int make_port(unsigned i, const char *name, uint32_t ip)
{
    for (unsigned q = 0; q < NW; q++) {
        e->rx[i][q] = ring("rx", i, q);
        e->tx[i][q] = ring("tx", i, q);
        if (e->rx[i][q] == NULL || e->tx[i][q] == NULL)
            return -1;
    }
    int id = rte_eth_from_rings(name, e->rx[i], NW, e->tx[i], NW, 0);
    struct rte_eth_conf conf = {0};
    if (id < 0 || rte_eth_dev_configure((uint16_t)id, NW, NW, &conf) < 0)
        return -1;
    for (uint16_t q = 0; q < NW; q++) {
        if (rte_eth_rx_queue_setup((uint16_t)id, q, 64, 0, NULL, e->pool) < 0 ||
            rte_eth_tx_queue_setup((uint16_t)id, q, 64, 0, NULL) < 0)
            return -1;
    }
    if (rte_eth_dev_start((uint16_t)id) < 0)
        return -1;
    struct dp_port *p = &e->ports[i];
    p->id = (uint16_t)id;
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->mac = (struct rte_ether_addr){{2, 0, 0, 0xaa, 0, (uint8_t)i}};
    p->ip = ip;
    p->mask = rte_cpu_to_be_32(0xffffff00);
    p->nrxq = p->ntxq = NW;
    return 0;
}

static int install(void)
{
    char err[256];
    if (conf_load_string(ours_yaml, "ours.yaml", &e->conf, err, sizeof(err)) < 0 ||
        conf_load_string(peers_yaml, "peers.yaml", &e->peer_conf, err, sizeof(err)) < 0 ||
        dp_sadb_init(&e->sadb, NW, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    for (unsigned k = 0; k < NSAS; k++) {
        e->peer_out[k] =
            dp_esp_sa_new(&e->peer_conf.dp.static_sas[k].sa, false, 0, err, sizeof(err));
        if (e->peer_out[k] == NULL || dp_sadb_install_manual(&e->sadb, &e->conf.dp.static_sas[k].sa,
                                                             true, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
    }
    return 0;
}

/* Worker i over rings (its ESP engine kept). */
static void setup_worker(unsigned i, struct rte_ring **rings)
{
    struct dp_worker *w = &e->w[i];
    struct dp_esp_engine esp = w->esp;
    *w = (struct dp_worker){.esp = esp,
                            .index = i,
                            .ports = e->ports,
                            .nports = 2,
                            .to_ctrl = e->to_ctrl,
                            .idle_sleep_us = 20, /* two CPUs shared with other tests */
                            .stop = &e->stop,
                            .gate = {.shared = &e->gate, .nworkers = NW},
                            .sadb = &e->sadb,
                            .neigh = &e->neigh,
                            .routes = &e->routes,
                            .handoff = {.in = rings[i], .rings = rings, .nworkers = NW}};
    dp_icmp_limiter_init(&w->icmp, 1000, rte_get_timer_hz(), rte_get_timer_cycles());
    dp_icmp_limiter_init(&w->echo, 1000, rte_get_timer_hz(), rte_get_timer_cycles());
    dp_frag_ids_init(&w->frag_ids, i, NW);
}

static int group_setup(void **state)
{
    static struct env env;
    e = &env;
    *state = e;
    if (test_eal_init("test_workers", "(0-2)@(0-1)", "320") < 0 || rte_lcore_count() != NW + 1)
        return -1;
    e->pool = rte_pktmbuf_pool_create("test_workers", NMBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    e->to_ctrl = rte_ring_create("w_ctrl", 64, 0, RING_F_SC_DEQ);
    char err[256];
    if (e->pool == NULL || e->to_ctrl == NULL ||
        make_port(OUTSIDE, "outside", test_ip4(198, 51, 100, 1)) < 0 ||
        make_port(INSIDE, "inside", test_ip4(10, 2, 0, 1)) < 0 ||
        dp_handoff_rings_create(e->handoff, NW, 2048, "w_handoff", err, sizeof(err)) < 0 ||
        dp_handoff_rings_create(e->small, NW, 64, "w_small", err, sizeof(err)) < 0)
        return -1;
    const uint16_t mtu[2] = {1500, 1500};
    if (dp_routes_init(&e->routes, "test_workers", e->ports, 2, mtu, err, sizeof(err)) < 0)
        return -1;
    dp_neigh_learn(&e->neigh, test_ip4(198, 51, 100, 2), e->ports[OUTSIDE].id, &peer_mac,
                   DP_NEIGH_STATIC);
    for (uint8_t h = 10; h < 10 + NW; h++)
        dp_neigh_learn(&e->neigh, test_ip4(10, 2, 0, h), e->ports[INSIDE].id, &host_mac,
                       DP_NEIGH_STATIC);
    if (install() < 0 || dp_esp_engine_init(&e->peer_eng) < 0)
        return -1;
    e->gate.mode = CONF_GATE_OFF;
    unsigned lc, n = 0;
    RTE_LCORE_FOREACH_WORKER(lc)
    {
        e->lcore[n] = lc;
        setup_worker(n, e->handoff);
        if (dp_esp_engine_init(&e->w[n].esp) < 0)
            return -1;
        n++;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < NW; i++)
        dp_esp_engine_free(&e->w[i].esp);
    dp_esp_engine_free(&e->peer_eng);
    dp_sadb_free(&e->sadb);
    for (unsigned k = 0; k < NSAS; k++)
        rte_free(e->peer_out[k]);
    dp_handoff_rings_free(e->handoff, NW);
    dp_handoff_rings_free(e->small, NW);
    dp_routes_free(&e->routes);
    test_eal_cleanup();
    return 0;
}

/* The SA half of db with this SPI. */
static const struct dp_esp_sa *out_sa(const struct dp_sadb *db, uint32_t spi)
{
    for (unsigned i = 0; i < db->out->n; i++)
        if (db->out->sa[i]->spi == spi)
            return db->out->sa[i];
    fail_msg("no outbound SA %08x", spi);
    return NULL;
}

static unsigned in_owner(uint32_t spi)
{
    void *d = NULL;
    assert_true(rte_hash_lookup_data(e->sadb.in, &spi, &d) >= 0);
    return ((const struct dp_esp_sa *)d)->owner;
}

/* A UDP packet 10.2.0.<10+q> -> 10.1.<k>.1 arriving on the inside port. */
static struct rte_mbuf *plain(unsigned k, unsigned q, uint16_t n)
{
    uint8_t p[64] = {0};
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
    *ip = (struct rte_ipv4_hdr){.version_ihl = RTE_IPV4_VHL_DEF,
                                .total_length = rte_cpu_to_be_16(sizeof(p)),
                                .time_to_live = 64,
                                .next_proto_id = IPPROTO_UDP,
                                .src_addr = test_ip4(10, 2, 0, (uint8_t)(10 + q)),
                                .dst_addr = test_ip4(10, 1, (uint8_t)k, 1)};
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    udp->src_port = rte_cpu_to_be_16(n);
    udp->dst_port = rte_cpu_to_be_16(9);
    udp->dgram_len = rte_cpu_to_be_16(sizeof(p) - sizeof(*ip));
    return test_frame(e->pool, &e->ports[INSIDE], &host_mac, RTE_ETHER_TYPE_IPV4, p, sizeof(p));
}

static void launch(unsigned first, unsigned count)
{
    e->stop = false;
    for (unsigned i = first; i < first + count; i++)
        assert_int_equal(rte_eal_remote_launch(dp_worker_main, &e->w[i], e->lcore[i]), 0);
}

static void stop(void)
{
    e->stop = true;
    rte_eal_mp_wait_lcore();
}

static unsigned sent_on(unsigned port)
{
    unsigned n = 0;
    for (unsigned q = 0; q < NW; q++)
        n += rte_ring_count(e->tx[port][q]);
    return n;
}

/* Waits (at most 10 s: microseconds of work, on CPUs shared with others) for `want` frames. */
static void wait_sent(unsigned port, unsigned want)
{
    for (unsigned i = 0; i < 10000 && sent_on(port) < want; i++)
        rte_delay_us_sleep(1000);
    assert_int_equal(sent_on(port), want);
}

/*
 * Reads back what worker q sent to the peer: every frame ESP of an SA whose
 * owner is q, its sequence number the one after the SA's last. Returns how
 * many frames.
 */
static unsigned check_order(unsigned q, unsigned counts[NSAS])
{
    struct rte_mbuf *m;
    unsigned n = 0;
    while (rte_ring_dequeue(e->tx[OUTSIDE][q], (void **)&m) == 0) {
        const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
        const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + ETH);
        assert_int_equal(ip->next_proto_id, IPPROTO_ESP);
        const uint8_t *esp = f + ETH + sizeof(*ip);
        uint32_t spi = (uint32_t)esp[0] << 24 | (uint32_t)esp[1] << 16 | esp[2] << 8 | esp[3];
        uint32_t seq = (uint32_t)esp[4] << 24 | (uint32_t)esp[5] << 16 | esp[6] << 8 | esp[7];
        assert_in_range(spi, 0x3000, 0x3000 + NSAS - 1);
        unsigned k = spi - 0x3000;
        assert_int_equal(out_sa(&e->sadb, spi)->owner, q);
        assert_int_equal(seq, e->last_seq[k] + 1);
        e->last_seq[k] = seq;
        counts[k]++;
        n++;
        rte_pktmbuf_free(m);
    }
    return n;
}

static void reset(void)
{
    for (unsigned i = 0; i < NW; i++) {
        memset(&e->w[i].counters, 0, sizeof(e->w[i].counters));
        e->w[i].handoff.npending = 0;
    }
}

/* Plaintext of every SA on both workers' queues: each SA's numbers leave its owner in order. */
static void test_outbound_order(void **state)
{
    (void)state;
    reset();
    /* The outbound halves are dealt over both workers. */
    unsigned owned[NW] = {0};
    for (unsigned k = 0; k < NSAS; k++)
        owned[out_sa(&e->sadb, 0x3000 + k)->owner]++;
    assert_int_equal(owned[0], NSAS / 2);
    assert_int_equal(owned[1], NSAS / 2);
    for (uint16_t i = 0; i < PER_Q; i++)
        for (unsigned k = 0; k < NSAS; k++)
            for (unsigned q = 0; q < NW; q++)
                assert_int_equal(rte_ring_enqueue(e->rx[INSIDE][q], plain(k, q, i)), 0);
    launch(0, NW);
    wait_sent(OUTSIDE, PER_Q * NSAS * NW);
    stop();
    unsigned counts[NSAS] = {0};
    for (unsigned q = 0; q < NW; q++)
        assert_int_equal(check_order(q, counts), PER_Q * NW * owned[q]);
    for (unsigned k = 0; k < NSAS; k++)
        assert_int_equal(counts[k], PER_Q * NW);
    /* Half of what each worker received belonged to the other. */
    for (unsigned i = 0; i < NW; i++) {
        const struct dp_worker_counters *c = &e->w[i].counters;
        assert_int_equal(c->plain_in, PER_Q * NSAS);
        assert_int_equal(c->handoff_sent, PER_Q * NSAS / 2);
        assert_int_equal(c->handoff_received, PER_Q * NSAS / 2);
        assert_int_equal(c->esp_encrypted, PER_Q * NW * owned[i]);
        assert_int_equal(c->drop_handoff_full, 0);
    }
}

/*
 * ESP of every SA, numbered by the peer and dealt alternately over both
 * queues: each inbound SA's packets are opened by its owner alone, and its
 * window refuses none of them.
 */
static void test_inbound_owner(void **state)
{
    (void)state;
    reset();
    struct dp_worker_counters pc = {0};
    for (unsigned i = 0; i < NESP; i++) {
        for (unsigned k = 0; k < NSAS; k++) {
            /* The peer seals what it sends to 10.2.0.10 from 10.1.k.1. */
            struct rte_mbuf *m = plain(k, 0, (uint16_t)i);
            struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH);
            ip->src_addr = test_ip4(10, 1, (uint8_t)k, 1);
            ip->dst_addr = test_ip4(10, 2, 0, 10);
            ip->hdr_checksum = 0;
            ip->hdr_checksum = rte_ipv4_cksum(ip);
            assert_int_equal(dp_esp_encrypt(&e->peer_eng, e->peer_out[k], m, ETH, &pc), 0);
            struct rte_ether_hdr *eth =
                (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
            assert_non_null(eth);
            *eth = (struct rte_ether_hdr){.dst_addr = e->ports[OUTSIDE].mac,
                                          .src_addr = peer_mac,
                                          .ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)};
            m->port = e->ports[OUTSIDE].id;
            assert_int_equal(rte_ring_enqueue(e->rx[OUTSIDE][i % NW], m), 0);
        }
    }
    launch(0, NW);
    wait_sent(INSIDE, NESP * NSAS);
    stop();
    unsigned per_sa[NSAS] = {0};
    for (unsigned q = 0; q < NW; q++) {
        struct rte_mbuf *m;
        while (rte_ring_dequeue(e->tx[INSIDE][q], (void **)&m) == 0) {
            const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH);
            unsigned k = ((const uint8_t *)&ip->src_addr)[2];
            assert_in_range(k, 0, NSAS - 1);
            assert_int_equal(in_owner(0x2000 + k), q);
            per_sa[k]++;
            rte_pktmbuf_free(m);
        }
    }
    uint64_t opened = 0, handed = 0;
    for (unsigned i = 0; i < NW; i++) {
        const struct dp_worker_counters *c = &e->w[i].counters;
        opened += c->esp_decrypted;
        handed += c->handoff_sent;
        assert_true(c->handoff_sent > 0);
        assert_int_equal(c->drop_esp_replayed + c->drop_esp_too_old, 0);
    }
    assert_int_equal(opened, NESP * NSAS);
    assert_int_equal(handed, NESP * NSAS / 2);
    for (unsigned k = 0; k < NSAS; k++)
        assert_int_equal(per_sa[k], NESP);
}

/*
 * The owner stopped: its handoff ring fills and what does not fit is
 * dropped and counted; once it runs, what the ring held leaves in order.
 */
static void test_handoff_full(void **state)
{
    (void)state;
    reset();
    for (unsigned i = 0; i < NW; i++)
        setup_worker(i, e->small);
    unsigned k = 0;
    while (out_sa(&e->sadb, 0x3000 + k)->owner != 1)
        k++;
    const unsigned fed = 200, room = rte_ring_get_capacity(e->small[1]);
    for (uint16_t i = 0; i < fed; i++)
        assert_int_equal(rte_ring_enqueue(e->rx[INSIDE][0], plain(k, 0, i)), 0);
    launch(0, 1);
    for (unsigned i = 0; i < 10000 && rte_ring_count(e->rx[INSIDE][0]) > 0; i++)
        rte_delay_us_sleep(1000);
    rte_delay_us_sleep(20000); /* the last burst handed on */
    stop();
    const struct dp_worker_counters *c = &e->w[0].counters;
    assert_int_equal(c->handoff_sent, room);
    assert_int_equal(c->drop_handoff_full, fed - room);
    assert_int_equal(sent_on(OUTSIDE), 0);
    launch(1, 1);
    wait_sent(OUTSIDE, room);
    stop();
    unsigned counts[NSAS] = {0};
    assert_int_equal(check_order(1, counts), room);
    assert_int_equal(counts[k], room);
    assert_int_equal(e->w[1].counters.handoff_received, room);
    for (unsigned i = 0; i < NW; i++)
        setup_worker(i, e->handoff);
    /* Every mbuf is back: none leaked on the way through the rings. */
    assert_int_equal(rte_mempool_avail_count(e->pool), NMBUFS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbound_order),
        cmocka_unit_test(test_inbound_owner),
        cmocka_unit_test(test_handoff_full),
    };
    return cmocka_run_group_tests_name("workers", tests, group_setup, group_teardown);
}
