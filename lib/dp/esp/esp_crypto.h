/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cipher of an ESP packet, for lib/dp/esp/esp.c only. `esp` points at the ESP
 * header (SPI, sequence number); the IV (sa->iv_len bytes), then `len` bytes
 * of payload (plaintext with its trailer, or ciphertext), then the ICV
 * (sa->icv_len bytes) follow it. `seq` is the full sequence number: with ESN
 * its high 32 bits are authenticated though never sent (RFC 4303 2.2.1).
 * AES-GCM goes one packet per call (its direct API is near the bare cipher
 * already); AES-CBC + HMAC a burst per call (one packet alone leaves the
 * multi-buffer lanes empty and CBC encryption is serial within a packet).
 */
#ifndef VEER_DP_ESP_CRYPTO_H
#define VEER_DP_ESP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_esp.h"

/*
 * One packet's crypto within a burst: esp.c frames the packet and fills the
 * first fields, the cipher code sets `ok` (and `job_error` when the library
 * refused rather than the ICV failing). A burst's operations stay in one
 * array on the worker's stack, so completed jobs find their packet through
 * job->user_data and the packets leave in the order they came.
 */
struct dp_esp_op {
    struct rte_mbuf *m;
    struct dp_esp_sa *sa;
    uint8_t *esp;     /* the ESP header */
    size_t len;       /* payload with trailer (encrypt) or ciphertext (decrypt) */
    uint64_t seq;     /* full sequence number */
    size_t inner_len; /* encrypt: the inner packet's length */
    size_t outer;     /* encrypt: the outer header(s) to put in front */
    bool ok;
    bool job_error;
    uint8_t tag[32];      /* CBC: the HMAC as computed */
    uint8_t received[32]; /* CBC decrypt: the ICV as received */
};

/* Fills the IV, encrypts the payload in place and writes the ICV. false: the library refused. */
bool dp_esp_gcm_seal(IMB_MGR *mgr, const struct dp_esp_sa *sa, uint8_t *esp, size_t len,
                     uint64_t seq);

/* Checks the ICV and decrypts the payload in place; false: forged or corrupted. */
bool dp_esp_gcm_open(IMB_MGR *mgr, const struct dp_esp_sa *sa, uint8_t *esp, size_t len,
                     uint64_t seq);

/*
 * AES-CBC + HMAC for n operations at once, all in the manager's lanes
 * together and flushed once at the end (the manager is empty on return).
 * Seal fills each IV, encrypts and writes the ICV; open checks every ICV
 * before anything is decrypted, then decrypts only the authentic ones.
 */
void dp_esp_cbc_seal_burst(IMB_MGR *mgr, struct dp_esp_op *const ops[], unsigned n);
void dp_esp_cbc_open_burst(IMB_MGR *mgr, struct dp_esp_op *const ops[], unsigned n);

/* Compares two ICVs in time that does not depend on where they differ. */
bool dp_esp_icv_equal(const uint8_t *a, const uint8_t *b, size_t len);

#define DP_ESP_HDR 8 /* SPI, sequence number */

static inline void dp_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint32_t dp_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
