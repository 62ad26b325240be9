/* SPDX-License-Identifier: BSD-3-Clause */
/* The IKE SA and the control-plane context: private to lib/ike. */
#ifndef VEER_IKE_SA_H
#define VEER_IKE_SA_H

#include <stdarg.h>

#include "ike.h"
#include "ike_cookie.h"
#include "ike_dh.h"
#include "ike_keymat.h"
#include "ike_msg.h"
#include "ike_sk_crypto.h"

/* Largest IKE message veer builds or accepts (before fragmentation exists). */
#define IKE_MSG_BUF 8192
#define IKE_MAX_CHILDREN 4

/* A message kept for retransmission (our request) or replay (our last response). */
struct ike_kept_msg {
    uint8_t *buf;
    size_t len;
    uint32_t msg_id;
};

struct ike_sa {
    struct ike_sa *next_ours;   /* chain keyed by our SPI */
    struct ike_sa *next_theirs; /* chain keyed by the initiator's SPI (responder SAs) */
    uint64_t spi_i, spi_r;
    bool initiator;
    enum ike_sa_state state;
    const struct ike_peer_cfg *peer;
    struct ike_addr local, remote;
    bool natt;         /* IKE moved to port 4500 (non-ESP marker) */
    bool nat_detected; /* some side is behind a NAT: ESP goes in UDP */
    struct ike_chosen alg;
    struct ike_sk_suite suite;
    struct ike_sa_keys keys;
    struct ike_dh_key *dh;
    uint8_t ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
    uint16_t ni_len, nr_len;
    uint8_t cookie[IKE_COOKIE_MAX_LEN];
    uint8_t cookie_len;
    struct ike_kept_msg init_i, init_r; /* IKE_SA_INIT messages, signed in IKE_AUTH */
    uint32_t next_req_id;               /* next request we send */
    uint32_t next_peer_id;              /* next request we expect */
    struct ike_kept_msg request;        /* outstanding request */
    unsigned tries;
    uint64_t next_retx_ns;
    struct ike_kept_msg response; /* last response, replayed for a retransmitted request */
    uint64_t created_ns;
    uint32_t child_spi_offered; /* initiator: inbound SPI offered in IKE_AUTH */
    unsigned nchildren;
    struct ike_child_sa children[IKE_MAX_CHILDREN];
};

struct ike_ctx {
    struct ike_config cfg;
    struct ike_backend be;
    struct ike_counters counters;
    unsigned nbuckets; /* power of two */
    struct ike_sa **by_ours;
    struct ike_sa **by_theirs;
    unsigned nsas;
    uint8_t buf[IKE_MSG_BUF + IKE_NON_ESP_MARKER_LEN];
};

/* ---- SA table and life cycle (ike_ctx.c) ---- */

struct ike_sa *ike_sa_create(struct ike_ctx *ctx, bool initiator, const struct ike_addr *local,
                             const struct ike_addr *remote);
struct ike_sa *ike_sa_find_ours(struct ike_ctx *ctx, uint64_t our_spi);
/* Responder SA for an IKE_SA_INIT retransmission: same SPIi and peer address. */
struct ike_sa *ike_sa_find_half_open(struct ike_ctx *ctx, uint64_t spi_i,
                                     const struct ike_addr *remote);
/* Sets the responder SPI of a new responder SA and indexes it. */
void ike_sa_index_responder(struct ike_ctx *ctx, struct ike_sa *sa);
/* Every state change goes through here: checks the transition, logs and counts it. */
void ike_sa_set_state(struct ike_ctx *ctx, struct ike_sa *sa, enum ike_sa_state next,
                      const char *why);
void ike_sa_destroy(struct ike_ctx *ctx, struct ike_sa *sa);

uint64_t ike_now(struct ike_ctx *ctx);
void ike_random(struct ike_ctx *ctx, void *buf, size_t len);
void ike_log(struct ike_ctx *ctx, enum ike_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps a copy of buf in *kept (replacing what it held). */
int ike_keep(struct ike_kept_msg *kept, const uint8_t *buf, size_t len, uint32_t msg_id);
void ike_unkeep(struct ike_kept_msg *kept);

/* ---- sending (ike_out.c) ---- */

/* Inner payload writer of an encrypted message. */
typedef int (*ike_build_fn)(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w,
                            void *arg);

/*
 * Builds HDR, SK{...} for `exchange` (request or response), seals it with our
 * keys and sends it; requests are kept for retransmission, responses for
 * replay.
 */
int ike_send_encrypted(struct ike_ctx *ctx, struct ike_sa *sa, uint8_t exchange, bool response,
                       uint32_t msg_id, ike_build_fn build, void *arg);

/* Sends (and keeps, for requests) an unencrypted message already in ctx->buf. */
int ike_send_raw(struct ike_ctx *ctx, struct ike_sa *sa, const uint8_t *buf, size_t len,
                 bool request, uint32_t msg_id);

/* Header for a message of this SA. */
struct ike_hdr ike_sa_header(const struct ike_sa *sa, uint8_t exchange, bool response,
                             uint32_t msg_id);

/*
 * Verifies and decrypts the SK payload of a received message in place and
 * appends the inner payloads to `m`. Returns 0 or -EBADMSG.
 */
int ike_open_message(struct ike_ctx *ctx, struct ike_sa *sa, uint8_t *msg, size_t len,
                     struct ike_msg *m);

/* ---- exchanges ---- */

void ike_init_request(struct ike_ctx *ctx, const struct ike_addr *local,
                      const struct ike_addr *remote, const uint8_t *msg, size_t len,
                      const struct ike_msg *m);
void ike_init_response(struct ike_ctx *ctx, struct ike_sa *sa, const uint8_t *msg, size_t len,
                       const struct ike_msg *m);
int ike_init_start(struct ike_ctx *ctx, struct ike_sa *sa);

void ike_auth_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
void ike_auth_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
int ike_auth_start(struct ike_ctx *ctx, struct ike_sa *sa);

void ike_info_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
void ike_info_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);

/* Child SA keys (RFC 7296 2.17) and installation. */
int ike_child_derive_and_install(struct ike_ctx *ctx, struct ike_sa *sa,
                                 struct ike_child_sa *child);
void ike_children_delete(struct ike_ctx *ctx, struct ike_sa *sa);

#endif
