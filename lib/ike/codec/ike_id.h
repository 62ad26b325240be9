/* SPDX-License-Identifier: BSD-3-Clause */
/* An IKE identity as the ID payload carries it (RFC 7296 3.5): type and raw data. */
#ifndef VEER_IKE_ID_H
#define VEER_IKE_ID_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define IKE_ID_MAX 255
struct ike_id {
    uint8_t type; /* enum ike_id_type */
    uint8_t len;
    uint8_t data[IKE_ID_MAX];
};

static inline bool ike_id_equal(const struct ike_id *a, const struct ike_id *b)
{
    return a->type == b->type && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

#endif
