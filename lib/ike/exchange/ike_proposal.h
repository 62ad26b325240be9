/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proposals (RFC 7296 2.7, 3.3): what veer is configured to accept, how the
 * responder picks one of the initiator's proposals, and the SA payloads both
 * roles send.
 */
#ifndef VEER_IKE_PROPOSAL_H
#define VEER_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ike_payload.h"

#define IKE_CFG_MAX_ALGS 8

struct ike_encr_alg {
    uint16_t id;
    uint16_t key_bits; /* 0 for ciphers without a Key Length attribute */
};

/* One configured proposal: any combination of the listed algorithms is acceptable. */
struct ike_proposal_cfg {
    uint8_t protocol; /* IKE_PROTO_IKE or IKE_PROTO_ESP */
    uint8_t nencr, nprf, ninteg, ndh, nesn;
    struct ike_encr_alg encr[IKE_CFG_MAX_ALGS];
    uint16_t prf[IKE_CFG_MAX_ALGS];
    uint16_t integ[IKE_CFG_MAX_ALGS];
    uint16_t dh[IKE_CFG_MAX_ALGS];
    uint16_t esn[2];
};

/* The transforms agreed on: one of each type. */
struct ike_chosen {
    uint8_t num; /* proposal number, echoed in the reply */
    uint8_t protocol;
    uint8_t spi_size;
    uint8_t spi[8];
    struct ike_encr_alg encr;
    uint16_t prf;   /* IKE only */
    uint16_t integ; /* IKE_INTEG_NONE with AEAD ciphers */
    uint16_t dh;    /* IKE_DH_NONE when the Child SA has no PFS */
    uint16_t esn;   /* ESP only */
};

bool ike_encr_is_aead(uint16_t encr);

/*
 * Responder: picks the first offered proposal (initiator's order of
 * preference) of `protocol` that one of `cfg` accepts, and in it the first
 * offered transform of each type. With `want_dh` the proposal must carry a
 * DH group (IKE SAs, Child SAs with PFS). Returns 0, or -ENOENT: no proposal
 * chosen.
 */
int ike_proposal_select(const struct ike_sa_payload *offered, const struct ike_proposal_cfg *cfg,
                        unsigned ncfg, uint8_t protocol, struct ike_chosen *out);

/* Whether `chosen` (from a responder's SA payload) is allowed by one of `cfg`. */
bool ike_proposal_acceptable(const struct ike_chosen *chosen, const struct ike_proposal_cfg *cfg,
                             unsigned ncfg);

/* Reads the single proposal of a responder's SA payload. -EBADMSG when not exactly one. */
int ike_proposal_from_reply(const struct ike_sa_payload *sa, struct ike_chosen *out);

/* Initiator: an SA payload offering each configured proposal (numbered from 1) with `spi`. */
void ike_proposal_offer(const struct ike_proposal_cfg *cfg, unsigned ncfg, const uint8_t *spi,
                        uint8_t spi_size, struct ike_sa_payload *out);

/*
 * The Child SA of IKE_AUTH has no KE, so no PFS (RFC 7296 1.2): both roles
 * negotiate it with the configured ESP proposals minus their DH groups.
 */
void ike_proposal_cfg_without_dh(const struct ike_proposal_cfg *in, unsigned n,
                                 struct ike_proposal_cfg *out);

/* Responder: the SA payload holding the chosen proposal. */
void ike_proposal_reply(const struct ike_chosen *chosen, struct ike_sa_payload *out);

#endif
