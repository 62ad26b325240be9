/* SPDX-License-Identifier: BSD-3-Clause */
/* The ESP benches' SA, installed the one way both of them need it. */
#ifndef VEER_BENCH_SA_H
#define VEER_BENCH_SA_H

#include <stddef.h>
#include <stdint.h>

#include "dp_esp.h"

/*
 * Installs in db one Child SA from 198.51.100.1 to .2 in UDP, every IPv4
 * address on both sides, with algorithm encr/key_bits/integ and one SPI and
 * one key both ways: what the bench seals it can open again. A refusal ends
 * the program with prog's name, since no figure would mean anything.
 */
void bench_loop_sa(struct dp_sadb *db, const char *prog, uint32_t spi, uint16_t encr,
                   uint16_t key_bits, uint16_t integ, size_t encr_key_len, size_t integ_key_len);

#endif
