/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The workers' TX buffer (lib/dp/port/tx.c) on net_ring ports read back: packets
 * leave in the order queued, a burst at a time, all of them after a flush;
 * a full TX ring is a counted drop whose mbufs go back to the pool; more
 * ports than the buffer holds are still served.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_tx.h"
#include "ring_port.h"
#include "test_eal.h"

#define NPORTS (DP_TX_PORTS + 2)
#define RING_SIZE 256 /* each port's TX ring: holds RING_SIZE - 1 packets */
#define QUEUE 0

struct env {
    struct rte_mempool *pool;
    struct rte_ring *ring[NPORTS];
    uint16_t port[NPORTS];
};

static int group_setup(void **state)
{
    if (test_eal_init("test_tx", "0", "256") < 0)
        return -1;
    static struct env e;
    e.pool = rte_pktmbuf_pool_create("test_tx", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (e.pool == NULL)
        return -1;
    for (unsigned i = 0; i < NPORTS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "tx_ring%u", i);
        e.ring[i] = rte_ring_create(name, RING_SIZE, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
        snprintf(name, sizeof(name), "net_tx%u", i);
        int id = e.ring[i] != NULL ? test_ring_port(name, e.ring[i], e.ring[i], e.pool) : -1;
        if (id < 0)
            return -1;
        e.port[i] = (uint16_t)id;
    }
    *state = &e;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_eal_cleanup();
    return 0;
}

/* A one-byte packet whose byte says which it was. */
static struct rte_mbuf *numbered(struct env *e, unsigned k)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    assert_non_null(m);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 1);
    *p = (uint8_t)k;
    return m;
}

/* Takes everything port i sent; checks it is 0, 1, 2 ... in order. Returns how many. */
static unsigned drain_in_order(struct env *e, unsigned i)
{
    struct rte_mbuf *m;
    unsigned n = 0;
    while (rte_ring_dequeue(e->ring[i], (void **)&m) == 0) {
        assert_int_equal(*rte_pktmbuf_mtod(m, uint8_t *), (uint8_t)n);
        rte_pktmbuf_free(m);
        n++;
    }
    return n;
}

static void test_in_order_after_flush(void **state)
{
    struct env *e = *state;
    struct dp_tx tx = {0};
    struct dp_worker_counters c = {0};
    /* Two ports interleaved; 70 packets for the first fill its queue twice before the flush. */
    for (unsigned k = 0; k < 70; k++) {
        dp_tx_put(&tx, e->port[0], QUEUE, numbered(e, k), &c);
        if (k < 5)
            dp_tx_put(&tx, e->port[1], QUEUE, numbered(e, k), &c);
    }
    /* Full queues went out as they filled: two bursts of DP_TX_BURST, the rest waits. */
    assert_int_equal(rte_ring_count(e->ring[0]), 2 * DP_TX_BURST);
    assert_int_equal(rte_ring_count(e->ring[1]), 0);
    dp_tx_flush(&tx, QUEUE, &c);
    assert_int_equal(drain_in_order(e, 0), 70);
    assert_int_equal(drain_in_order(e, 1), 5);
    assert_int_equal(c.tx_packets, 75);
    assert_int_equal(c.drop_tx_full, 0);
    /* Nothing left to send a second time. */
    dp_tx_flush(&tx, QUEUE, &c);
    assert_int_equal(rte_ring_count(e->ring[0]), 0);
    assert_int_equal(c.tx_packets, 75);
}

static void test_full_ring_counted_and_freed(void **state)
{
    struct env *e = *state;
    struct dp_tx tx = {0};
    struct dp_worker_counters c = {0};
    unsigned avail = rte_mempool_avail_count(e->pool);
    unsigned total = RING_SIZE + 40; /* the ring holds RING_SIZE - 1 */
    for (unsigned k = 0; k < total; k++)
        dp_tx_put(&tx, e->port[2], QUEUE, numbered(e, k), &c);
    dp_tx_flush(&tx, QUEUE, &c);
    assert_int_equal(c.tx_packets, RING_SIZE - 1);
    assert_int_equal(c.drop_tx_full, total - (RING_SIZE - 1));
    assert_int_equal(drain_in_order(e, 2), RING_SIZE - 1);
    /* Every mbuf, sent or dropped, is back. */
    assert_int_equal(rte_mempool_avail_count(e->pool), avail);
}

static void test_more_ports_than_queues(void **state)
{
    struct env *e = *state;
    struct dp_tx tx = {0};
    struct dp_worker_counters c = {0};
    for (unsigned k = 0; k < 3; k++)
        for (unsigned i = 0; i < NPORTS; i++)
            dp_tx_put(&tx, e->port[i], QUEUE, numbered(e, k), &c);
    dp_tx_flush(&tx, QUEUE, &c);
    for (unsigned i = 0; i < NPORTS; i++)
        assert_int_equal(drain_in_order(e, i), 3);
    assert_int_equal(c.tx_packets, 3 * NPORTS);
    /* The queues start over after a flush: the same ports are buffered again. */
    dp_tx_put(&tx, e->port[NPORTS - 1], QUEUE, numbered(e, 0), &c);
    assert_int_equal(rte_ring_count(e->ring[NPORTS - 1]), 0);
    dp_tx_flush(&tx, QUEUE, &c);
    assert_int_equal(drain_in_order(e, NPORTS - 1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_after_flush),
        cmocka_unit_test(test_full_ring_counted_and_freed),
        cmocka_unit_test(test_more_ports_than_queues),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
