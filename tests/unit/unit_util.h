/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the unit tests: hex vectors and capture reading. */
#ifndef VEER_UNIT_UTIL_H
#define VEER_UNIT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/* Decodes a hex string (spaces and newlines ignored) into buf; returns the byte count. */
size_t unit_hex(const char *hex, uint8_t *buf, size_t cap);

/*
 * Reads the UDP payload of packet number `index` (0-based) of a pcap file in
 * tests/data (Ethernet, IPv4, UDP). Returns its length, or 0 when absent.
 */
size_t unit_pcap_udp_payload(const char *file, unsigned index, uint8_t *buf, size_t cap);

#endif
