/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_AUTH with EAP (RFC 7296 2.16; ike_auth_eap.c) and the pieces of
 * ike_auth.c it shares. Private to lib/ike.
 */
#ifndef VEER_IKE_AUTH_EAP_H
#define VEER_IKE_AUTH_EAP_H

#include "ike_sa.h"
#include "ike_writer.h"

/* ---- ike_auth.c, shared with the EAP rounds ---- */

/* The body of an ID payload (type, 3 reserved bytes, data): what AUTH covers. */
size_t ike_auth_id_body(const struct ike_id *id, uint8_t *out);
/* Keeps the identity the peer authenticated with (INITIAL_CONTACT compares them). */
void ike_auth_remember_id(struct ike_sa *sa, const struct ike_id_payload *id);
bool ike_auth_id_matches(const struct ike_id *want, const struct ike_id_payload *got);
/* An identity the peer claims (not yet authenticated) as log lines show it (ike_id_log_text). */
const char *ike_auth_claimed_id_text(const struct ike_id_payload *id, char *out, size_t cap);
/*
 * The shared-key AUTH value of one side (2.15) keyed with `key`: the PSK, or
 * after EAP without an MSK, that side's SK_pi or SK_pr (2.16).
 */
int ike_auth_shared_key_value(const struct ike_sa *sa, const uint8_t *key, size_t key_len,
                              bool initiator_side, const uint8_t *id, size_t id_len, uint8_t *out);
/* Writes IDx, our CERTs (the first `ncerts`, 0: all) and AUTH (none for local EAP). */
int ike_auth_put_id_auth(struct ike_sa *sa, struct ike_writer *w, unsigned ncerts);
/* How many of our certificates to send, given the CERTREQs of m. */
unsigned ike_auth_certs_wanted(struct ike_ctx *ctx, const struct ike_peer_cfg *peer,
                               const struct ike_msg *m);
/*
 * The end of a responder's IKE_AUTH: N(REDIRECT), a Child SA's error notify,
 * or CP (the virtual IPs) and SA/TSi/TSr.
 */
int ike_auth_put_outcome(const struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_writer *w,
                         const struct ike_gw_id *redirect, uint16_t child_error,
                         const struct ike_child_sa *child);
/* Responder: the Child SA asked for in m, chosen but not installed (NULL: none, or *error). */
struct ike_child_sa *ike_auth_responder_child(struct ike_ctx *ctx, struct ike_sa *sa,
                                              const struct ike_msg *m, uint16_t *error);
/*
 * Responder, the client authenticated: leases its virtual IPs and installs
 * the Child SA. 0, or the notify to send instead (the Child SA discarded).
 */
uint16_t ike_auth_install_child(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child_sa *child);
/* Responder: N(AUTHENTICATION_FAILED), and the SA is dead. */
void ike_auth_send_failed(struct ike_ctx *ctx, struct ike_sa *sa, uint32_t msg_id);
/* Initiator: the responder is authenticated; the SA is up, m's redirect or Child SA taken. */
void ike_auth_established(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);

/* ---- ike_auth_eap.c ---- */

/* Responder: the first IKE_AUTH request, which has no AUTH. */
void ike_auth_eap_begin(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_id_payload *idi,
                        const struct ike_msg *m);
/*
 * Responder: the first round (RFC 4739) passed with N(ANOTHER_AUTH_FOLLOWS);
 * answers IDr, AUTH and waits for the second round's IDi, which starts EAP.
 */
void ike_auth_eap_second_round(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/* Responder: a later IKE_AUTH request of the conversation. */
void ike_auth_eap_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/*
 * Initiator: the first IKE_AUTH response, the responder's AUTH already
 * checked: EAP starts (local_auth eap-md5), or the second round does
 * (local_auth2, RFC 4739) with an IKE_AUTH request of our IDi alone.
 */
void ike_auth_eap_first_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/* Initiator: a later IKE_AUTH response. */
void ike_auth_eap_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/* The EAP Identifier of the responder's request outstanding (tests, logs); 0 without. */
uint8_t ike_auth_eap_identifier(const struct ike_sa *sa);
/* Frees (and wipes) an SA's conversation. */
void ike_auth_eap_free(struct ike_sa *sa);

#endif
