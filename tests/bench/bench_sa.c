/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_sa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_loop_sa(struct dp_sadb *db, const char *prog, uint32_t spi, uint16_t encr,
                   uint16_t key_bits, uint16_t integ, size_t encr_key_len, size_t integ_key_len)
{
    struct ike_child_sa c;
    memset(&c, 0, sizeof(c));
    c.spi_in = c.spi_out = spi;
    c.alg.encr.id = encr;
    c.alg.encr.key_bits = key_bits;
    c.alg.integ = integ;
    c.encr_key_len = encr_key_len;
    c.integ_key_len = integ_key_len;
    for (unsigned i = 0; i < sizeof(c.encr_in); i++)
        c.encr_in[i] = c.encr_out[i] = (uint8_t)(i * 7 + 1);
    for (unsigned i = 0; i < sizeof(c.integ_in); i++)
        c.integ_in[i] = c.integ_out[i] = (uint8_t)(i * 5 + 3);
    c.local.family = c.remote.family = 4;
    memcpy(c.local.ip, (const uint8_t[]){198, 51, 100, 1}, 4);
    memcpy(c.remote.ip, (const uint8_t[]){198, 51, 100, 2}, 4);
    c.udp_encap = true;
    c.remote.port = 4500;
    c.ts_local.nts = c.ts_remote.nts = 1;
    c.ts_local.ts[0] = (struct ike_ts){
        .type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535, .end_addr = {255, 255, 255, 255}};
    c.ts_remote.ts[0] = c.ts_local.ts[0];
    char why[160];
    if (dp_sadb_install(db, &c, why, sizeof(why)) != 0) {
        fprintf(stderr, "%s: SA refused: %s\n", prog, why);
        exit(1);
    }
}
