/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_writer.h"

#include <errno.h>
#include <string.h>

#define NO_PATCH ((size_t)-1)

void ike_w_init(struct ike_writer *w, uint8_t *buf, size_t cap, bool non_esp_marker)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->hdr_off = 0;
    w->np_patch = NO_PATCH;
    w->overflow = false;
    if (non_esp_marker) {
        ike_w_zero(w, IKE_NON_ESP_MARKER_LEN);
        w->hdr_off = w->len;
    }
}

uint8_t *ike_w_reserve(struct ike_writer *w, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

void ike_w_bytes(struct ike_writer *w, const void *p, size_t n)
{
    uint8_t *d = ike_w_reserve(w, n);
    if (d != NULL && n > 0)
        memcpy(d, p, n);
}

void ike_w_zero(struct ike_writer *w, size_t n)
{
    uint8_t *d = ike_w_reserve(w, n);
    if (d != NULL)
        memset(d, 0, n);
}

void ike_w_u8(struct ike_writer *w, uint8_t v)
{
    uint8_t *d = ike_w_reserve(w, 1);
    if (d != NULL)
        d[0] = v;
}

void ike_w_u16(struct ike_writer *w, uint16_t v)
{
    uint8_t *d = ike_w_reserve(w, 2);
    if (d != NULL)
        ike_put16(d, v);
}

void ike_w_u32(struct ike_writer *w, uint32_t v)
{
    uint8_t *d = ike_w_reserve(w, 4);
    if (d != NULL)
        ike_put32(d, v);
}

void ike_w_u64(struct ike_writer *w, uint64_t v)
{
    uint8_t *d = ike_w_reserve(w, 8);
    if (d != NULL)
        ike_put64(d, v);
}

void ike_w_put16_at(struct ike_writer *w, size_t off, uint16_t v)
{
    if (!w->overflow && off + 2 <= w->len)
        ike_put16(w->buf + off, v);
}

void ike_w_header(struct ike_writer *w, const struct ike_hdr *hdr)
{
    uint8_t *d = ike_w_reserve(w, IKE_HDR_LEN);
    if (d == NULL)
        return;
    ike_put64(d, hdr->spi_i);
    ike_put64(d + 8, hdr->spi_r);
    d[16] = IKE_PL_NONE;
    d[17] = hdr->version;
    d[18] = hdr->exchange;
    d[19] = hdr->flags;
    ike_put32(d + 20, hdr->msg_id);
    ike_put32(d + 24, 0);
    w->np_patch = w->hdr_off + 16;
}

size_t ike_w_payload_begin(struct ike_writer *w, uint8_t type, bool critical)
{
    size_t start = w->len;
    uint8_t *d = ike_w_reserve(w, IKE_GENERIC_HDR_LEN);
    if (d == NULL)
        return start;
    if (w->np_patch != NO_PATCH)
        w->buf[w->np_patch] = type;
    d[0] = IKE_PL_NONE;
    d[1] = critical ? IKE_PAYLOAD_CRITICAL : 0;
    ike_put16(d + 2, 0);
    w->np_patch = start;
    return start;
}

void ike_w_payload_end(struct ike_writer *w, size_t start)
{
    size_t n = w->len - start;
    if (n > UINT16_MAX)
        w->overflow = true;
    ike_w_put16_at(w, start + 2, (uint16_t)n);
}

long ike_w_finish(struct ike_writer *w)
{
    size_t ike_len = w->len - w->hdr_off;
    if (w->overflow || ike_len < IKE_HDR_LEN || ike_len > UINT32_MAX)
        return -ENOSPC;
    ike_put32(w->buf + w->hdr_off + 24, (uint32_t)ike_len);
    return (long)w->len;
}
