/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building IKE messages: a bounded writer that chains payloads (each payload
 * patches the previous next-payload field) and fills in lengths at the end.
 * Overflow is sticky: once the buffer is too small every write is skipped and
 * ike_w_finish() reports -ENOSPC, so encoders need not check every step.
 */
#ifndef VEER_IKE_WRITER_H
#define VEER_IKE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_msg.h"

struct ike_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    size_t hdr_off;  /* where the IKE header starts (after a non-ESP marker) */
    size_t np_patch; /* offset of the next-payload byte to patch, SIZE_MAX: none */
    bool overflow;
};

/* Starts a message in buf; with `non_esp_marker` the 4 zero bytes of port 4500 come first. */
void ike_w_init(struct ike_writer *w, uint8_t *buf, size_t cap, bool non_esp_marker);

/* Writes the IKE header (length and next payload are filled in later). */
void ike_w_header(struct ike_writer *w, const struct ike_hdr *hdr);

/*
 * Opens a payload: patches the previous next-payload field with `type`, writes
 * a generic header and returns its offset, to be passed to ike_w_payload_end().
 */
size_t ike_w_payload_begin(struct ike_writer *w, uint8_t type, bool critical);

/* Closes a payload opened at `start`: writes its length. */
void ike_w_payload_end(struct ike_writer *w, size_t start);

/* Reserves n bytes and returns a pointer to them, or NULL on overflow. */
uint8_t *ike_w_reserve(struct ike_writer *w, size_t n);

void ike_w_bytes(struct ike_writer *w, const void *p, size_t n);
void ike_w_u8(struct ike_writer *w, uint8_t v);
void ike_w_u16(struct ike_writer *w, uint16_t v);
void ike_w_u32(struct ike_writer *w, uint32_t v);
void ike_w_u64(struct ike_writer *w, uint64_t v);
void ike_w_zero(struct ike_writer *w, size_t n);

/* Patches a 16-bit big-endian value at an earlier offset. */
void ike_w_put16_at(struct ike_writer *w, size_t off, uint16_t v);

/*
 * Writes the header's total length. Returns the number of bytes written
 * (including any non-ESP marker) or -ENOSPC if the buffer was too small.
 */
long ike_w_finish(struct ike_writer *w);

static inline void ike_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void ike_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void ike_put64(uint8_t *p, uint64_t v)
{
    ike_put32(p, (uint32_t)(v >> 32));
    ike_put32(p + 4, (uint32_t)v);
}

#endif
