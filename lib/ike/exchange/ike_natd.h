/* SPDX-License-Identifier: BSD-3-Clause */
/* NAT detection (RFC 7296 2.23): SHA1(SPIi | SPIr | IP | port). */
#ifndef VEER_IKE_NATD_H
#define VEER_IKE_NATD_H

#include <stdint.h>

#include "ike_addr.h"

#define IKE_NATD_LEN 20

/* The NAT_DETECTION_*_IP data for `addr`; spi_r is 0 in the IKE_SA_INIT request. */
void ike_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_addr *addr,
                   uint8_t out[IKE_NATD_LEN]);

#endif
