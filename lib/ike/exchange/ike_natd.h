/* SPDX-License-Identifier: BSD-3-Clause */
/* NAT detection (RFC 7296 2.23): SHA1(SPIi | SPIr | IP | port). */
#ifndef VEER_IKE_NATD_H
#define VEER_IKE_NATD_H

#include <stdbool.h>
#include <stdint.h>

#include "ike_addr.h"
#include "ike_msg.h"
#include "ike_writer.h"

#define IKE_NATD_LEN 20

/* The NAT_DETECTION_*_IP data for `addr`; spi_r is 0 in the IKE_SA_INIT request. */
void ike_natd_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_addr *addr,
                   uint8_t out[IKE_NATD_LEN]);

/*
 * Writes NAT_DETECTION_SOURCE_IP for `local` (where the message leaves from)
 * and NAT_DETECTION_DESTINATION_IP for `remote` (where it goes).
 */
void ike_natd_put(struct ike_writer *w, uint64_t spi_i, uint64_t spi_r,
                  const struct ike_addr *local, const struct ike_addr *remote);

/* What a message's NAT detection notifies say. */
struct ike_natd_seen {
    bool present;          /* it had at least one (of the right length) */
    bool peer_behind_nat;  /* no NAT_DETECTION_SOURCE_IP matched where it came from */
    bool local_behind_nat; /* its NAT_DETECTION_DESTINATION_IP did not match where it arrived */
};

/*
 * Compares m's NAT detection hashes with `local`, where m arrived, and
 * `remote`, where it came from. A hash of another length is ignored.
 */
struct ike_natd_seen ike_natd_check(const struct ike_msg *m, uint64_t spi_i, uint64_t spi_r,
                                    const struct ike_addr *local, const struct ike_addr *remote);

#endif
