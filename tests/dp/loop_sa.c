/* SPDX-License-Identifier: BSD-3-Clause */
#include "loop_sa.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <rte_hash.h>

const char test_loop_sa_yaml[] = "dataplane:\n"
                                 "  ports: [{name: o, device: x, address: 198.51.100.1/24}]\n"
                                 "  static_sas:\n"
                                 "    - name: loop\n"
                                 "      local: 198.51.100.1\n"
                                 "      remote: 203.0.113.2\n"
                                 "      esp: aes128gcm16\n"
                                 "      udp_encap: true\n"
                                 "      spi_in: 0x1000\n"
                                 "      spi_out: 0x1000\n"
                                 "      key_in: 000102030405060708090a0b0c0d0e0fa0a1a2a3\n"
                                 "      key_out: 000102030405060708090a0b0c0d0e0fa0a1a2a3\n"
                                 "      local_ts: [10.2.0.0/24]\n"
                                 "      remote_ts: [10.1.0.0/24]\n";

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
