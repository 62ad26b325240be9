/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless cookies (RFC 7296 2.6):
 *
 *   cookie = version | first 16 bytes of SHA-256(secret[version] | len(Ni) | Ni |
 *                                              IPi | port_i | SPIi)
 *
 * The secret rotates; the version byte names the secret used, so a cookie made
 * just before a rotation is still accepted during a grace period. The keys are
 * read-only for anyone checking or making cookies (worker lcores): the owner
 * rotates a private copy and publishes it.
 */
#ifndef VEER_IKE_COOKIE_H
#define VEER_IKE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_addr.h"

#define IKE_COOKIE_SECRET_LEN 32
#define IKE_COOKIE_HASH_LEN 16
#define IKE_COOKIE_LEN (1 + IKE_COOKIE_HASH_LEN)
/* Largest cookie a peer may send us back (RFC 7296 2.6 says 1..64 bytes). */
#define IKE_COOKIE_MAX_LEN 64

struct ike_cookie_secret {
    uint8_t version;
    /* SHA-256 state (an OpenSSL SHA256_CTX) after absorbing one block made
     * of the secret, so each cookie costs only the blocks of the data it binds. */
    _Alignas(8) uint8_t sha_state[128];
};

struct ike_cookie_keys {
    struct ike_cookie_secret current;
    struct ike_cookie_secret previous;
    bool has_previous;
    uint64_t previous_until_ns; /* previous secret accepted while now < this */
};

enum ike_cookie_verdict {
    IKE_COOKIE_VALID,          /* made with the current secret */
    IKE_COOKIE_VALID_PREVIOUS, /* made with the previous secret, inside the grace period */
    IKE_COOKIE_BAD_LENGTH,
    IKE_COOKIE_UNKNOWN_VERSION, /* made with a secret that is gone */
    IKE_COOKIE_EXPIRED,         /* previous secret, grace period over */
    IKE_COOKIE_MISMATCH,        /* forged, or bound to another Ni, address, port or SPIi */
};

const char *ike_cookie_verdict_name(enum ike_cookie_verdict v);

/* Sets up keys with a first secret, version 1. */
void ike_cookie_keys_init(struct ike_cookie_keys *k, const uint8_t secret[IKE_COOKIE_SECRET_LEN]);

/*
 * Makes `new_secret` current (version + 1); the old current secret stays
 * acceptable until now_ns + grace_ns.
 */
void ike_cookie_rotate(struct ike_cookie_keys *k, const uint8_t new_secret[IKE_COOKIE_SECRET_LEN],
                       uint64_t now_ns, uint64_t grace_ns);

/* Writes IKE_COOKIE_LEN bytes to out. */
void ike_cookie_make(const struct ike_cookie_keys *k, const uint8_t *ni, size_t ni_len,
                     const struct ike_addr *initiator, uint64_t spi_i, uint8_t out[IKE_COOKIE_LEN]);

enum ike_cookie_verdict ike_cookie_verify(const struct ike_cookie_keys *k, uint64_t now_ns,
                                          const uint8_t *cookie, size_t cookie_len,
                                          const uint8_t *ni, size_t ni_len,
                                          const struct ike_addr *initiator, uint64_t spi_i);

static inline bool ike_cookie_ok(enum ike_cookie_verdict v)
{
    return v == IKE_COOKIE_VALID || v == IKE_COOKIE_VALID_PREVIOUS;
}

#endif
