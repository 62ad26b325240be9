/* SPDX-License-Identifier: BSD-3-Clause */
#include "loop_sa.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <rte_hash.h>

void test_open_as_peer(struct dp_esp_engine *eng, struct dp_sadb *sadb, uint32_t spi,
                       struct rte_mbuf *m, size_t esp_off)
{
    struct dp_worker_counters c = {0};
    void *d = NULL;
    assert_true(rte_hash_lookup_data(sadb->in, &spi, &d) >= 0);
    struct dp_esp_sa *in = d;
    struct ike_ts_set ours = in->ts_local;
    in->ts_local = in->ts_remote;
    in->ts_remote = ours;
    int rc = dp_esp_decrypt(eng, sadb, m, esp_off, &c);
    in->ts_remote = in->ts_local;
    in->ts_local = ours;
    assert_int_equal(rc, 0);
}
