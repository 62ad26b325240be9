/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What veer-flood says and hears in IKE: IKE_SA_INIT requests as a client
 * would send them (SA with one AES-GCM/X25519 proposal, a valid X25519 KE,
 * a nonce, NAT detection, optionally REDIRECT_SUPPORTED and a COOKIE), and a
 * verdict on every reply (REDIRECT, COOKIE, a full IKE_SA_INIT response, an
 * error notify, or malformed). No DPDK here, so unit tests and a fuzz target
 * can use it directly.
 */
#ifndef VEER_FLOOD_IKE_H
#define VEER_FLOOD_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLOOD_X25519_LEN 32
#define FLOOD_NONCE_LEN 32
#define FLOOD_COOKIE_MAX 64 /* RFC 7296 3.10.1: 1..64 bytes */
#define FLOOD_REQUEST_MAX 512

/* Where the per-request fields sit in a built request, so a sender can vary them in place. */
struct flood_ike_layout {
    size_t len;       /* the whole IKE message (after any non-ESP marker) */
    size_t spi_i_off; /* 8 bytes */
    size_t nonce_off; /* FLOOD_NONCE_LEN bytes */
};

struct flood_ike_request {
    uint64_t spi_i;
    const uint8_t *ke;    /* FLOOD_X25519_LEN bytes: an X25519 public value */
    const uint8_t *nonce; /* FLOOD_NONCE_LEN bytes */
    const uint8_t *cookie;
    size_t cookie_len;       /* 0: no COOKIE notify */
    bool redirect_supported; /* send N(REDIRECT_SUPPORTED) */
};

/* Writes the request into buf. Returns its length, or -ENOSPC / -EINVAL. */
long flood_ike_build(const struct flood_ike_request *req, uint8_t *buf, size_t cap,
                     struct flood_ike_layout *layout);

enum flood_reply_kind {
    FLOOD_REPLY_REDIRECT,   /* IKE_SA_INIT response carrying N(REDIRECT) */
    FLOOD_REPLY_COOKIE,     /* IKE_SA_INIT response carrying N(COOKIE) */
    FLOOD_REPLY_SA_INIT,    /* a full response: SA, KE, Nr (the responder did the DH) */
    FLOOD_REPLY_INVALID_KE, /* N(INVALID_KE_PAYLOAD) */
    FLOOD_REPLY_ERROR,      /* any other error notify (NO_PROPOSAL_CHOSEN, ...) */
    FLOOD_REPLY_NOT_OURS,   /* a valid IKE message that is no IKE_SA_INIT response */
    FLOOD_REPLY_MALFORMED,  /* does not decode */
    FLOOD_REPLY_KINDS,
};

struct flood_reply {
    enum flood_reply_kind kind;
    uint64_t spi_i;
    const uint8_t *cookie; /* FLOOD_REPLY_COOKIE: points into the message */
    size_t cookie_len;
};

/* Judges one IKE message (after any non-ESP marker). Never fails: bad input is MALFORMED. */
void flood_ike_classify(const uint8_t *msg, size_t len, struct flood_reply *out);

const char *flood_reply_kind_name(enum flood_reply_kind kind);

#endif
