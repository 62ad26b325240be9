/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outbound policy index (lib/dp/esp/spd.c): thousands of road-warrior Child
 * SAs found by their one-host remote selector, site-to-site SAs in the wide
 * list, the newest matching SA winning across both (a rekey takes the
 * traffic), removal falling back to the older SA, an address update keeping
 * the SA's place, and lookups from other threads while SAs come and go
 * (run under ASan: a use after free fails the test).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_eal.h>

#include "dp_esp.h"
#include "spd_probe.h"
#include "test_eal.h"
#include "test_pkt.h"

#define CLIENTS 10000
#define READERS 2

static struct ike_ts range(uint32_t lo, uint32_t hi)
{
    struct ike_ts ts = {.type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535};
    memcpy(ts.start_addr, &lo, 4);
    memcpy(ts.end_addr, &hi, 4);
    return ts;
}

/* A Child SA from 10.2.0.0/24 to remote [lo, hi], SPIs from n. */
static struct ike_child_sa child(uint32_t n, uint32_t lo, uint32_t hi)
{
    struct ike_child_sa c;
    memset(&c, 0, sizeof(c));
    c.spi_in = 0x10000 + n;
    c.spi_out = 0x80000 + n;
    c.alg.encr.id = IKE_ENCR_AES_GCM_16;
    c.alg.encr.key_bits = 128;
    c.alg.esn = IKE_ESN_NO_ESN;
    c.encr_key_len = 20;
    assert_int_equal(ike_addr_parse(&c.local, "198.51.100.1", 500), 0);
    assert_int_equal(ike_addr_parse(&c.remote, "203.0.113.9", 4500), 0);
    c.udp_encap = true;
    c.ts_local.nts = c.ts_remote.nts = 1;
    c.ts_local.ts[0] = range(test_ip4(10, 2, 0, 0), test_ip4(10, 2, 0, 255));
    c.ts_remote.ts[0] = range(lo, hi);
    return c;
}

/* The SPI the SPD picks for a packet from 10.2.0.5 to dst, or 0 for none. */
static uint32_t picked(const struct dp_sadb *db, uint32_t dst)
{
    const struct dp_esp_sa *sa = spd_probe4(db, test_ip4(10, 2, 0, 5), dst);
    return sa != NULL ? sa->spi : 0;
}

static uint32_t client_ip(unsigned i)
{
    return test_ip4(100, 64, (uint8_t)(i / 250), (uint8_t)(1 + i % 250));
}

static void install(struct dp_sadb *db, const struct ike_child_sa *c)
{
    char why[160] = "";
    if (dp_sadb_install(db, c, why, sizeof(why)) != 0)
        fail_msg("install: %s", why);
}

static void test_thousands_of_road_warriors(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128];
    assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
    for (unsigned i = 0; i < CLIENTS; i++) {
        struct ike_child_sa c = child(i, client_ip(i), client_ip(i));
        install(&db, &c);
    }
    assert_int_equal(db.out->n, CLIENTS);
    for (unsigned i = 0; i < CLIENTS; i++)
        assert_int_equal(picked(&db, client_ip(i)), 0x80000 + i);
    assert_int_equal(picked(&db, test_ip4(100, 64, 200, 1)), 0);
    /* Not from the SA's local selector: no match either. */
    assert_null(spd_probe4(&db, test_ip4(10, 3, 0, 5), client_ip(7)));
    /* What a lookup costs with that many SAs (printed, not judged). */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t sum = 0;
    for (unsigned r = 0; r < 100; r++) {
        for (unsigned i = 0; i < CLIENTS; i++)
            sum += picked(&db, client_ip(i));
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
                (100.0 * CLIENTS);
    print_message("%u Child SAs: %.0f ns per outbound lookup (checksum %lu)\n", CLIENTS, ns,
                  (unsigned long)sum);
    for (unsigned i = 0; i < CLIENTS; i += 2) {
        struct ike_child_sa c = child(i, client_ip(i), client_ip(i));
        assert_int_equal(dp_sadb_remove(&db, &c), 0);
    }
    for (unsigned i = 0; i < CLIENTS; i++)
        assert_int_equal(picked(&db, client_ip(i)), i % 2 == 0 ? 0 : 0x80000 + i);
    dp_sadb_free(&db);
}

static void test_newest_wins(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128], why[160];
    assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
    uint32_t host = test_ip4(10, 1, 0, 1);
    struct ike_child_sa wide = child(1, test_ip4(10, 1, 0, 0), test_ip4(10, 1, 255, 255));
    struct ike_child_sa first = child(2, host, host);
    install(&db, &wide);
    assert_int_equal(picked(&db, host), 0x80001);
    install(&db, &first);
    assert_int_equal(picked(&db, host), 0x80002); /* newer than the wide one */
    assert_int_equal(picked(&db, test_ip4(10, 1, 0, 2)), 0x80001);
    struct ike_child_sa rekeyed = child(3, host, host);
    install(&db, &rekeyed);
    assert_int_equal(picked(&db, host), 0x80003);
    struct ike_child_sa wider = child(4, test_ip4(10, 0, 0, 0), test_ip4(10, 255, 255, 255));
    install(&db, &wider); /* a rekey of a site-to-site SA covering it all */
    assert_int_equal(picked(&db, host), 0x80004);
    assert_int_equal(dp_sadb_remove(&db, &wider), 0);
    assert_int_equal(picked(&db, host), 0x80003);
    /* An address update keeps the SA where it was: not newer than anything. */
    first.remote.port = 4501;
    assert_int_equal(dp_sadb_update(&db, &first, why, sizeof(why)), 0);
    assert_int_equal(picked(&db, host), 0x80003);
    assert_int_equal(dp_sadb_remove(&db, &rekeyed), 0);
    assert_int_equal(picked(&db, host), 0x80002);
    assert_int_equal(spd_probe4(&db, test_ip4(10, 2, 0, 5), host)->remote_port, 4501);
    /* Two selectors naming hosts: found by both. */
    struct ike_child_sa two = child(5, test_ip4(10, 1, 7, 1), test_ip4(10, 1, 7, 1));
    two.ts_remote.nts = 2;
    two.ts_remote.ts[1] = range(test_ip4(10, 1, 7, 9), test_ip4(10, 1, 7, 9));
    install(&db, &two);
    assert_int_equal(picked(&db, test_ip4(10, 1, 7, 1)), 0x80005);
    assert_int_equal(picked(&db, test_ip4(10, 1, 7, 9)), 0x80005);
    assert_int_equal(picked(&db, test_ip4(10, 1, 7, 5)), 0x80001);
    assert_int_equal(dp_sadb_remove(&db, &two), 0);
    assert_int_equal(picked(&db, test_ip4(10, 1, 7, 9)), 0x80001);
    assert_int_equal(dp_sadb_remove(&db, &first), 0);
    assert_int_equal(dp_sadb_remove(&db, &wide), 0);
    assert_int_equal(picked(&db, host), 0);
    assert_int_equal(db.out->n, 0);
    dp_sadb_free(&db);
}

struct reader {
    const struct dp_sadb *db;
    unsigned id;
    const volatile bool *stop;
    uint64_t lookups, wrong;
};

static void *look_up_flat_out(void *arg)
{
    struct reader *r = arg;
    rte_rcu_qsbr_thread_register(r->db->qsbr, r->id);
    rte_rcu_qsbr_thread_online(r->db->qsbr, r->id);
    while (!*r->stop) {
        rte_rcu_qsbr_quiescent(r->db->qsbr, r->id);
        for (unsigned i = 0; i < 32; i++) {
            /* Client i's SA comes and goes: when found, it must be its own. */
            const struct dp_esp_sa *sa = spd_probe4(r->db, test_ip4(10, 2, 0, 5), client_ip(i));
            if (sa != NULL && (sa->spi != 0x80000 + i || sa->ts_remote.nts != 1))
                r->wrong++;
            r->lookups++;
        }
    }
    rte_rcu_qsbr_thread_offline(r->db->qsbr, r->id);
    rte_rcu_qsbr_thread_unregister(r->db->qsbr, r->id);
    return NULL;
}

static void test_changes_under_readers(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128];
    assert_int_equal(dp_sadb_init(&db, READERS, err, sizeof(err)), 0);
    volatile bool stop = false;
    struct reader readers[READERS];
    pthread_t th[READERS];
    for (unsigned i = 0; i < READERS; i++) {
        readers[i] = (struct reader){.db = &db, .id = i, .stop = &stop};
        assert_int_equal(pthread_create(&th[i], NULL, look_up_flat_out, &readers[i]), 0);
    }
    for (unsigned round = 0; round < 5; round++) {
        for (unsigned i = 0; i < 32; i++) {
            struct ike_child_sa c = child(i, client_ip(i), client_ip(i));
            install(&db, &c);
        }
        for (unsigned i = 0; i < 32; i++) {
            struct ike_child_sa c = child(i, client_ip(i), client_ip(i));
            assert_int_equal(dp_sadb_remove(&db, &c), 0);
        }
    }
    stop = true;
    uint64_t lookups = 0;
    for (unsigned i = 0; i < READERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(readers[i].wrong, 0);
        lookups += readers[i].lookups;
    }
    assert_true(lookups > 0);
    assert_int_equal(db.spd.nhost, 0);
    dp_sadb_free(&db);
}

static int group_setup(void **state)
{
    (void)state;
    return test_eal_init("test_spd", "0", "512") < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_eal_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thousands_of_road_warriors),
        cmocka_unit_test(test_newest_wins),
        cmocka_unit_test(test_changes_under_readers),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
