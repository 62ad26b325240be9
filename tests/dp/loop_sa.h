/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane tests' loop SA: one Child SA with the same SPI and key both
 * ways, so that what the worker seals can be opened again by the same SA.
 */
#ifndef VEER_TEST_LOOP_SA_H
#define VEER_TEST_LOOP_SA_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_esp.h"

/*
 * The loop SA of test_forward.c and test_ipfrag.c as configuration: AES-GCM
 * in UDP between 198.51.100.1 and 203.0.113.2, SPI 0x1000 both ways, for
 * 10.2.0.0/24 <-> 10.1.0.0/24.
 */
extern const char test_loop_sa_yaml[];

/*
 * Opens the ESP packet in m (its ESP header at esp_off) with inbound SA `spi`
 * as the peer would: with the peer's selectors, the mirror of the SA's (the
 * inbound check on what was decrypted is RFC 4301 5.2's). The inner packet is
 * then at the mbuf's data; the test fails unless it opened.
 */
void test_open_as_peer(struct dp_esp_engine *eng, struct dp_sadb *sadb, uint32_t spi,
                       struct rte_mbuf *m, size_t esp_off);

#endif
