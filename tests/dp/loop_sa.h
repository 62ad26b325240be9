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
 * Opens the ESP packet in m (its ESP header at esp_off) with inbound SA `spi`
 * as the peer would: with the peer's selectors, the mirror of the SA's (the
 * inbound check on what was decrypted is RFC 4301 5.2's). The inner packet is
 * then at the mbuf's data; the test fails unless it opened.
 */
void test_open_as_peer(struct dp_esp_engine *eng, struct dp_sadb *sadb, uint32_t spi,
                       struct rte_mbuf *m, size_t esp_off);

#endif
