/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKEv2 control plane: configuration it runs on, the narrow backend it
 * reaches the world through, and the entry points a control loop calls.
 *
 * lib/ike never opens a socket, reads a clock or installs an SA itself: the
 * backend does (Linux UDP sockets in app/, DPDK rings in the appliance, mocks
 * in unit tests), so the same code runs in all three.
 */
#ifndef VEER_IKE_H
#define VEER_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike_addr.h"
#include "ike_id.h"
#include "ike_payload.h"
#include "ike_pool.h"
#include "ike_proposal.h"
#include "ike_qcd.h"
#include "ike_redirect_policy.h"

/* ---- configuration ---- */

#define IKE_PSK_MAX 128
#define IKE_PEER_NAME_MAX 64
#define IKE_CFG_MAX_PROPOSALS 4
#define IKE_CFG_MAX_TS 4

/*
 * One EAP user's secret (EAP-MD5, RFC 3748 5.4): the identity it goes with is
 * the IKE identity the client sends in IDi (veer asks no EAP-Identity).
 */
#define IKE_EAP_SECRET_MAX 128
struct ike_eap_secret {
    struct ike_id id;
    uint8_t secret[IKE_EAP_SECRET_MAX];
    uint8_t len;
};

/* An address prefix (switch_allow): `len` leading bits of `addr` (family 4 or 6). */
struct ike_prefix {
    struct ike_addr addr;
    uint8_t len;
};
#define IKE_MAX_SWITCH_ALLOW 8

/* Virtual IPs: pools per peer configuration and in all; what an initiator asks for. */
#define IKE_PEER_MAX_POOLS 4
#define IKE_MAX_POOLS 16
#define IKE_VIP_4 1u
#define IKE_VIP_6 2u

struct ike_cred;  /* ike_auth_cert.h */
struct ike_trust; /* ike_auth_cert.h */

struct ike_peer_cfg {
    char name[IKE_PEER_NAME_MAX];
    struct ike_id local_id;
    struct ike_id remote_id; /* type 0: any identity authenticated with this PSK */
    uint8_t psk[IKE_PSK_MAX];
    size_t psk_len;
    struct ike_addr remote; /* where to initiate to; family 0 for responder-only peers */
    unsigned nike, nesp;
    struct ike_proposal_cfg ike[IKE_CFG_MAX_PROPOSALS];
    struct ike_proposal_cfg esp[IKE_CFG_MAX_PROPOSALS];
    unsigned nlocal_ts, nremote_ts;
    struct ike_ts local_ts[IKE_CFG_MAX_TS];
    struct ike_ts remote_ts[IKE_CFG_MAX_TS];
    /*
     * Lifetimes and liveness, in seconds (0: never). PFS for CREATE_CHILD_SA
     * comes from DH groups in `esp`; IKE_AUTH's Child SA never has PFS.
     */
    unsigned ike_rekey_s;       /* rekey the IKE SA this long after it was made */
    unsigned child_rekey_s;     /* rekey a Child SA this long after it was installed */
    unsigned child_life_s;      /* hard limit: a Child SA still there is deleted */
    uint64_t child_rekey_bytes; /* rekey once the dataplane reports this many bytes */
    uint64_t child_life_bytes;  /* delete at this many bytes */
    unsigned rekey_jitter_s;    /* rekeys start up to this much early, at random */
    unsigned dpd_delay_s;       /* liveness check after this long without a message */
    /*
     * Certificate authentication (auth_cert.c, ike_auth_cert.h). How each side
     * proves its identity: IKE_PEER_AUTH_PSK (the default, with psk above) or
     * IKE_PEER_AUTH_PUBKEY (a certificate and a signature). The objects are
     * loaded and owned by whoever built the configuration (lib/conf, tests).
     */
    uint8_t local_auth;            /* how we authenticate to the peer */
    uint8_t remote_auth;           /* how the peer must authenticate to us */
    const struct ike_cred *cred;   /* local_auth pubkey: our certificate(s) and key */
    const struct ike_trust *trust; /* remote_auth pubkey: CAs the peer's certificate chains to */
    /*
     * Redirect in IKE_AUTH (RFC 5685 6): a client that authenticates under this
     * peer configuration and supports redirection is sent here (type 0: never).
     */
    struct ike_gw_id auth_redirect;
    /* Instead of one gateway: the gateway-wide redirect policy picks one per client. */
    bool auth_redirect_by_policy;
    /*
     * With EAP (RFC 5685 6) the redirect goes in the first IKE_AUTH response
     * (before EAP, on the unauthenticated IDi) or in the last one (after EAP
     * succeeded and both AUTHs were checked, the default).
     */
    uint8_t auth_redirect_when; /* enum ike_redirect_when */
    /*
     * EAP (ike_auth_eap.c): remote_auth eap-md5 or eap-mschapv2 looks the
     * client's IDi up in these; local_auth eap-* answers with the secret of
     * our local_id.
     * Owned by whoever built the configuration.
     */
    const struct ike_eap_secret *eap_secrets;
    unsigned neap_secrets;
    /*
     * Multiple authentication (RFC 4739): a second round after the first
     * (psk or pubkey) one, IKE_PEER_AUTH_EAP_MD5 or 0 for none (the only
     * second round veer does). remote_auth2: the client must do it (as
     * strongSwan's remote-2); local_auth2: we do it as initiator.
     */
    uint8_t remote_auth2, local_auth2;
    /*
     * Quick Crash Detection (RFC 6290, qcd_sa.c): which roles veer plays
     * with this peer (enum ike_qcd_role; the maker's also needs
     * ike_config.qcd_keys). A taker checks liveness this soon after inbound
     * ESP stops while outbound still flows, so a restarted maker's token
     * comes back at once rather than at the next DPD (0: never).
     */
    uint8_t qcd;
    unsigned qcd_liveness_ms;
    /*
     * enum ike_start_action: IKE_START_START initiates to `remote` when the
     * gateway starts (the embedder calls ike_initiate) and again whenever
     * the IKE SA is lost (dead peer, a peer's restart detected by QCD).
     */
    uint8_t start_action;
    /*
     * enum ike_stop_action: whether the embedder deletes this peer's IKE SAs
     * (telling the peer) when the gateway stops cleanly. lib/ike does not
     * act on it; IKE_STOP_DEFAULT leaves the choice to the program.
     */
    uint8_t stop_action;
    /*
     * MOBIKE (RFC 4555, mobike.c): enum ike_mobike_mode. With IKE_MOBIKE_YES
     * (the default) veer announces MOBIKE_SUPPORTED in IKE_AUTH (as
     * responder, when the initiator did) and then takes the peer's
     * UPDATE_SA_ADDRESSES; IKE_MOBIKE_NO never does. Before the Child SAs
     * follow a peer to a new address, an INFORMATIONAL with COOKIE2 must
     * come back from there (RFC 4555 3.7), unless mobike_no_check.
     */
    uint8_t mobike;
    bool mobike_no_check;
    /*
     * r-MOBIKE (draft-smyslov-ipsecme-ikev2-r-mobike, mobike_switch.c): enum
     * ike_rmobike_mode. With IKE_RMOBIKE_YES (the default) veer as initiator
     * sends MOBIKE_SUPPORTED('R') and follows the responder's
     * SWITCH_TO_IP_ADDRESS to an address it announced or one inside
     * switch_allow; as responder it may ask this peer's SAs to switch.
     */
    uint8_t rmobike;
    unsigned nswitch_allow;
    struct ike_prefix switch_allow[IKE_MAX_SWITCH_ALLOW];
    /*
     * Virtual IPs (RFC 7296 2.19, cp.c). Responder: a client's CFG_REQUEST
     * for an INTERNAL_IP4/IP6_ADDRESS is served from these pools (indices
     * into ike_config.pools; the first of the family with room), and the
     * Child SAs' remote selector is then exactly the leased address, not
     * remote_ts. Initiator: vip_request (IKE_VIP_4 | IKE_VIP_6) asks the
     * responder for addresses, which become our local selector.
     */
    uint8_t npools;
    uint8_t pools[IKE_PEER_MAX_POOLS];
    uint8_t vip_request;
};

enum ike_qcd_role { IKE_QCD_BOTH, IKE_QCD_OFF, IKE_QCD_MAKER, IKE_QCD_TAKER };
enum ike_mobike_mode { IKE_MOBIKE_YES, IKE_MOBIKE_NO };
enum ike_rmobike_mode { IKE_RMOBIKE_YES, IKE_RMOBIKE_NO };
enum ike_start_action { IKE_START_NONE, IKE_START_START };
enum ike_stop_action { IKE_STOP_DEFAULT, IKE_STOP_NONE, IKE_STOP_DELETE };

/*
 * IKE_PEER_AUTH_EAP_MD5, IKE_PEER_AUTH_EAP_MSCHAPV2: the client authenticates
 * with EAP inside IKE_AUTH (RFC 7296 2.16); only as remote_auth of a
 * responder or local_auth of an initiator. MSCHAPv2 derives an MSK, which
 * then keys the AUTH payloads after EAP; MD5 does not (SK_pi/SK_pr do).
 */
enum ike_peer_auth {
    IKE_PEER_AUTH_PSK,
    IKE_PEER_AUTH_PUBKEY,
    IKE_PEER_AUTH_EAP_MD5,
    IKE_PEER_AUTH_EAP_MSCHAPV2,
    /*
     * EAP pass-through (RFC 3579): veer asks the EAP identity and relays the
     * client's EAP to the RADIUS servers of ike_config.radius (eap_radius.c);
     * remote_auth of a responder only.
     */
    IKE_PEER_AUTH_EAP_RADIUS,
};

static inline bool ike_peer_auth_is_eap(uint8_t auth)
{
    return auth == IKE_PEER_AUTH_EAP_MD5 || auth == IKE_PEER_AUTH_EAP_MSCHAPV2 ||
           auth == IKE_PEER_AUTH_EAP_RADIUS;
}
enum ike_redirect_when { IKE_REDIRECT_AUTH_LAST, IKE_REDIRECT_AUTH_FIRST };

/*
 * RADIUS servers for remote_auth eap-radius (RFC 3579, eap_radius.c): tried
 * in order, each `tries` times `timeout_ms` apart, then the next one. The
 * embedder owns the sockets: ike_backend.radius_send() sends to server i,
 * ike_radius_input() takes what came back from it.
 */
#define IKE_RADIUS_MAX_SERVERS 4
#define IKE_RADIUS_SECRET_MAX 128
#define IKE_RADIUS_NAS_ID_MAX 64
struct ike_radius_server_cfg {
    struct ike_addr addr; /* with its port (1812) */
    uint16_t acct_port;   /* accounting (RFC 2866) at the same address; 0: 1813 */
    uint8_t secret[IKE_RADIUS_SECRET_MAX];
    uint8_t secret_len;
};
struct ike_radius_cfg {
    unsigned nservers;
    struct ike_radius_server_cfg servers[IKE_RADIUS_MAX_SERVERS];
    unsigned timeout_ms;                        /* 0: 1000 */
    unsigned tries;                             /* per server; 0: 3 */
    char nas_identifier[IKE_RADIUS_NAS_ID_MAX]; /* "": none sent */
    /*
     * Accounting (RFC 2866, acct.c): off by default, as strongSwan's
     * eap-radius `accounting = no`. On: every IKE SA, whatever its
     * authentication, is a session from its first Child SA to its end, with
     * Interim-Updates every accounting_interval_s (0: none), or what the
     * Access-Accept's Acct-Interim-Interval says for its session.
     */
    bool accounting;
    unsigned accounting_interval_s;
};

struct ike_config {
    const struct ike_peer_cfg *peers;
    unsigned npeers;
    unsigned max_sas;             /* SA table size */
    unsigned half_open_timeout_s; /* responder drops an SA stuck before IKE_AUTH */
    unsigned retransmit_base_ms;  /* first retransmission; doubles each time */
    unsigned retransmit_tries;    /* then the SA is given up */
    /*
     * DoS protection (RFC 7296 2.6): with this many half-open SAs or more, an
     * IKE_SA_INIT without a valid cookie gets a COOKIE and makes no SA. 0: never.
     */
    unsigned cookie_threshold;
    unsigned cookie_rotate_s; /* new cookie secret this often; the last one stays valid as long */
    /* IP datagrams longer than this are sent as IKE fragments (RFC 7383) if the peer takes them. */
    unsigned fragment_size;
    /* RFC 5685: a redirected client is deleted this long after it was told (0: 10 s). */
    unsigned redirect_grace_s;
    /* veer as initiator: at most max_redirects (0: 5) redirects within this many seconds (0: 300).
     */
    unsigned max_redirects;
    unsigned redirect_loop_period_s;
    /*
     * The redirect policy for peers with auth_redirect_by_policy and for drains
     * without a gateway (NULL: none). Owned by the caller, changed only on the
     * thread that runs this context.
     */
    const struct rp_table *redirect_policy;
    /*
     * The QCD maker's secrets (NULL: veer makes no tokens), read from the
     * secret file at start; the previous one is dropped qcd_prev_valid_s
     * after the context starts (0: it stays).
     */
    const struct ike_qcd_keys *qcd_keys;
    unsigned qcd_prev_valid_s;
    /*
     * The gateway's own addresses (port ignored): where IKE may be received;
     * the targets a switch may name and the addresses MOBIKE as initiator may
     * move to. The context copies them (at most IKE_MAX_LOCAL_ADDRS).
     */
    const struct ike_addr *local_addrs;
    unsigned nlocal_addrs;
    /*
     * Announced to MOBIKE peers in ADDITIONAL_IP4/IP6_ADDRESS (RFC 4555 3.4),
     * minus the one the SA uses; none: NO_ADDITIONAL_ADDRESSES. Copied too.
     */
    const struct ike_addr *announce_addrs;
    unsigned nannounce_addrs;
    uint16_t switch_notify; /* SWITCH_TO_IP_ADDRESS's type; 0: IKE_SWITCH_TO_IP_ADDRESS_DEFAULT */
    unsigned
        switch_timeout_s; /* an asked switch not followed by the peer's update: timed out (0: 10) */
    /* Address pools for virtual IPs (ike_pool.h); the context makes one of each (copied). */
    const struct ike_pool_cfg *pools;
    unsigned npools;
    /* RADIUS for remote_auth eap-radius (copied with the rest). */
    struct ike_radius_cfg radius;
};

#define IKE_MAX_LOCAL_ADDRS 16
/* A private-use status type (RFC 7296 3.10.1): the draft has no IANA number yet. */
#define IKE_SWITCH_TO_IP_ADDRESS_DEFAULT 40960

/* ---- what the control plane gives the dataplane ---- */

#define IKE_CHILD_KEY_MAX 36
struct ike_child_sa {
    uint64_t ike_spi_i, ike_spi_r; /* the IKE SA it belongs to */
    uint32_t spi_in;               /* chosen by us: the peer sends with it */
    uint32_t spi_out;              /* chosen by the peer: we send with it */
    struct ike_chosen alg;
    size_t encr_key_len, integ_key_len;
    uint8_t encr_in[IKE_CHILD_KEY_MAX], encr_out[IKE_CHILD_KEY_MAX];
    uint8_t integ_in[64], integ_out[64];
    struct ike_addr local, remote; /* outer addresses */
    bool udp_encap;                /* ESP in UDP/4500 (RFC 3948) */
    struct ike_ts_set ts_local, ts_remote;
    /*
     * Rekey (RFC 7296 2.8): the spi_in of the Child SA this one replaces, 0
     * for a new one. The dataplane sends with the new SA from now on and keeps
     * accepting the old one until child_delete() for it.
     */
    uint32_t rekey_of;
    /*
     * The peer is behind a NAT (we are not), ESP goes in UDP and MOBIKE is
     * off: authentic ESP from another source is worth a report
     * (ike_child_peer_moved), a NAT may have rebound (RFC 7296 2.23).
     */
    bool esp_rebind;
};

/* ---- the backend ---- */

enum ike_log_level { IKE_LOG_ERR, IKE_LOG_WARN, IKE_LOG_INFO, IKE_LOG_DEBUG };
/* --log-level's names: error (err), warning (warn), info, debug. 0, or -EINVAL. */
int ike_log_level_parse(const char *name, enum ike_log_level *out);

struct ike_backend {
    void *opaque;
    /* Sends a UDP payload (with the non-ESP marker already in front on 4500). */
    int (*send)(void *opaque, const struct ike_addr *local, const struct ike_addr *remote,
                const uint8_t *buf, size_t len);
    int (*child_install)(void *opaque, const struct ike_child_sa *child);
    int (*child_delete)(void *opaque, const struct ike_child_sa *child);
    /*
     * The outer addresses changed (a NAT mapping renewed, RFC 7296 2.23, or a
     * MOBIKE update, RFC 4555 3.5): child->local/remote are the new ones, and
     * child->udp_encap says whether ESP goes in UDP from now on (a MOBIKE
     * move into or out of a NAT switches it); the dataplane sends that way
     * from now on. NULL: nothing to update.
     */
    int (*child_update)(void *opaque, const struct ike_child_sa *child);
    uint64_t (*now_ns)(void *opaque);
    void (*random)(void *opaque, uint8_t *buf, size_t len);
    void (*log)(void *opaque, enum ike_log_level level, const char *msg);
    /*
     * Our IKE SPIs as they come and go (NULL: not wanted), for a dataplane
     * that answers messages for unknown SPIs itself (QCD): spi_added is
     * called before any message with that SPI leaves, spi_removed once it is
     * forgotten. A failed spi_added must make the dataplane stop answering
     * on its own (it no longer knows every SPI), never answer for this one.
     */
    int (*spi_added)(void *opaque, uint64_t our_spi);
    void (*spi_removed)(void *opaque, uint64_t our_spi);
    /*
     * Sends one RADIUS datagram to ike_config.radius.servers[server] (NULL:
     * no RADIUS). Must not block; a failure counts like a lost datagram.
     */
    int (*radius_send)(void *opaque, unsigned server, const uint8_t *buf, size_t len);
    /*
     * The same for accounting: to server's acct_port (NULL: no accounting
     * is sent, every request counts as a failed send).
     */
    int (*radius_acct_send)(void *opaque, unsigned server, const uint8_t *buf, size_t len);
};

/* ---- SA states ---- */

#define IKE_SA_STATE_LIST(X)                                                                       \
    X(INIT_SENT) /* initiator: IKE_SA_INIT request out */                                          \
    X(INIT_DONE) /* responder: IKE_SA_INIT answered, waiting for IKE_AUTH */                       \
    X(AUTH_SENT) /* initiator: IKE_AUTH request out */                                             \
    X(ESTABLISHED)                                                                                 \
    X(DELETING) /* our Delete is out */                                                            \
    X(REKEYED)  /* replaced by a new IKE SA; waiting for the peer's Delete */                      \
    X(DEAD)     /* to be freed */

#define IKE_X_STATE_ENUM(n) IKE_SA_##n,
enum ike_sa_state { IKE_SA_STATE_LIST(IKE_X_STATE_ENUM) IKE_SA__STATES };
#undef IKE_X_STATE_ENUM

const char *ike_sa_state_name(enum ike_sa_state s);

/* ---- counters (one per reason; telemetry prints the names) ---- */

#define IKE_COUNTER_LIST(X)                                                                        \
    X(rx_packets)                                                                                  \
    X(rx_malformed)                                                                                \
    X(log_suppressed) /* log lines the network provoked, over a few a second per reason */         \
    X(rx_no_sa)                                                                                    \
    X(rx_bad_msg_id)                                                                               \
    X(rx_retransmit_answered)                                                                      \
    X(init_restarted) /* an IKE_SA_INIT with a known SPIi but new content replaced the old */      \
    X(peer_address_updated) /* SA moved: a NATed peer's new mapping (2.23) or a MOBIKE update */   \
    X(peer_address_ignored) /* from elsewhere, not followed: no NAT rebinding, or MOBIKE on */     \
    X(esp_rebind_reported)  /* ESP from a NATed peer's new mapping (ike_child_peer_moved) */       \
    X(esp_rebind_checks)    /* ... liveness checks sent to the new mapping (RFC 7296 2.23) */      \
    X(esp_rebind_moved)     /* ... answered from there: the IKE SA and its Child SAs moved */      \
    X(esp_rebind_no_answer) /* ... unanswered there: nothing moved, asked at the old one */        \
    X(esp_rebind_answered_elsewhere) /* ... answered, not from the new mapping: not moved */       \
    X(esp_rebind_coalesced)          /* reports while a check was due or out: folded into it */    \
    X(esp_rebind_mobike)          /* reports for an SA with MOBIKE: not followed (RFC 4555 3.8) */ \
    X(esp_rebind_no_nat)          /* reports for an SA without a NATed peer, or not in UDP */      \
    X(esp_rebind_not_established) /* reports for an SA not established, or being deleted */        \
    X(esp_rebind_same_address)    /* reports naming where the SA already is */                     \
    X(rx_decrypt_failed)                                                                           \
    X(tx_packets)                                                                                  \
    X(tx_retransmits)                                                                              \
    X(sa_created)                                                                                  \
    X(sa_established)                                                                              \
    X(sa_deleted)                                                                                  \
    X(sa_half_open_expired)                                                                        \
    X(sa_table_full)                                                                               \
    X(no_proposal_chosen)                                                                          \
    X(invalid_ke_payload)                                                                          \
    X(auth_failed)                                                                                 \
    X(cert_malformed)     /* CERT, CERTREQ, SIGNATURE_HASH_ALGORITHMS we cannot parse */           \
    X(cert_untrusted)     /* no chain to a trust anchor */                                         \
    X(cert_expired)       /* a certificate of the chain outside its validity */                    \
    X(cert_id_mismatch)   /* the ID is not one the certificate names */                            \
    X(auth_bad_signature) /* signature AUTH that does not verify, or an unaccepted method */       \
    X(ts_unacceptable)                                                                             \
    X(rx_fragments)                                                                                \
    X(rx_fragments_dropped)                                                                        \
    X(rx_reassembled)                                                                              \
    X(tx_fragmented)                                                                               \
    X(redirects_sent)       /* REDIRECT in IKE_AUTH or INFORMATIONAL (the workers count theirs) */ \
    X(redirects_followed)   /* veer as initiator went to another gateway */                        \
    X(redirect_loops)       /* refused: too many redirects too quickly (RFC 5685 9.1) */           \
    X(redirect_refused)     /* bad nonce data, unusable gateway identity, unsolicited */           \
    X(redirects_by_policy)  /* IKE_AUTH or drain redirects whose target the policy chose */        \
    X(redirect_no_target)   /* the policy had no target for a client: it stays */                  \
    X(redirects_auth_first) /* of redirects_sent: in the first IKE_AUTH response, before EAP */    \
    X(redirects_auth_last)  /* of redirects_sent: in the last IKE_AUTH response, after EAP */      \
    X(eap_started)          /* EAP conversations we began as responder */                          \
    X(eap_succeeded)        /* ... that ended with EAP-Success and a good final AUTH */            \
    X(eap_wrong_secret)     /* an EAP response that does not match the user's secret */            \
    X(eap_unknown_user)     /* an IDi without an EAP secret (refused like a wrong secret) */       \
    X(eap_bad_identifier)   /* a response to a request we did not send */                          \
    X(eap_bad_type)         /* a response of another method than asked */                          \
    X(eap_bad_length)       /* EAP or EAP-MD5 lengths that do not add up, or bad codes */          \
    X(eap_nak)              /* the client refused the EAP method offered */                        \
    X(eap_out_of_order)     /* AUTH during EAP, EAP after EAP-Success, EAP missing */              \
    X(eap_too_many_rounds)  /* more bad responses than IKE_EAP_MAX_ROUNDS */                       \
    X(eap_bad_final_auth)   /* the AUTH after EAP-Success did not verify */                        \
    X(eap_bad_opcode)       /* an EAP-MSCHAPv2 op-code other than the one awaited */               \
    X(eap_name_mismatch)    /* an EAP-MSCHAPv2 Name other than the client's IDi */                 \
    X(eap_crypto_failed)    /* EAP-MSCHAPv2 without MD4 or DES (OpenSSL legacy provider) */        \
    X(radius_requests)      /* Access-Requests sent for an EAP response (eap-radius) */            \
    X(radius_retransmits)   /* ... sent again to the same server after its timeout */              \
    X(radius_failovers)     /* ... moved to the next server after `tries` without answer */        \
    X(radius_gave_up)       /* ... no server answered: the client got AUTHENTICATION_FAILED */     \
    X(radius_queued)        /* ... waited for a free identifier (256 outstanding per server) */    \
    X(radius_queue_full)    /* ... not taken: the wait queue was full (the client retransmits) */  \
    X(radius_send_failed)   /* radius_send() failed (counted as a lost datagram) */                \
    X(radius_build_failed)  /* an Access-Request that could not be built */                        \
    X(radius_challenges)    /* Access-Challenge: its EAP request relayed to the client */          \
    X(radius_accepts)       /* Access-Accept: EAP-Success relayed */                               \
    X(radius_rejects)       /* Access-Reject: EAP-Failure and AUTHENTICATION_FAILED */             \
    X(radius_accept_no_msk) /* an Access-Accept without MS-MPPE keys: AUTH keyed with SK_p */      \
    X(radius_framed_ip)     /* Framed-IP(v6)-Address given to the client as its virtual IP */      \
    X(radius_session_timeouts)       /* IKE SAs deleted at the Session-Timeout of their Accept */  \
    X(radius_unmatched)              /* a reply for no outstanding request (identifier, server) */ \
    X(radius_orphaned)               /* a reply or timeout after the IKE SA went */                \
    X(radius_ike_retransmit_dropped) /* an IKE_AUTH retransmission while RADIUS pending */         \
    X(radius_rx_truncated)           /* replies refused by the codec, one per reason: */           \
    X(radius_rx_length_too_small)                                                                  \
    X(radius_rx_length_too_large)                                                                  \
    X(radius_rx_length_overrun)                                                                    \
    X(radius_rx_unknown_code)                                                                      \
    X(radius_rx_attr_too_short)                                                                    \
    X(radius_rx_attr_overrun)                                                                      \
    X(radius_rx_attr_bad_length)                                                                   \
    X(radius_rx_attr_repeated)                                                                     \
    X(radius_rx_bad_response_auth)                                                                 \
    X(radius_rx_ma_missing)                                                                        \
    X(radius_rx_bad_message_auth)                                                                  \
    X(radius_rx_eap_missing)                                                                       \
    X(radius_rx_eap_too_long)                                                                      \
    X(radius_rx_eap_bad_length)                                                                    \
    X(radius_rx_mppe_bad_format)                                                                   \
    X(radius_rx_mppe_bad_key)                                                                      \
    X(radius_rx_mppe_one_key)                                                                      \
    X(radius_rx_other)         /* NO_ROOM, BAD_INPUT, CRYPTO */                                    \
    X(radius_acct_starts)      /* accounting sessions started (Start queued) */                    \
    X(radius_acct_interims)    /* Interim-Updates queued */                                        \
    X(radius_acct_stops)       /* Stops queued */                                                  \
    X(radius_acct_on_off)      /* Accounting-On (first tick) and -Off (shutdown) queued */         \
    X(radius_acct_sent)        /* Accounting-Requests sent the first time (to a server) */         \
    X(radius_acct_answered)    /* ... answered by a verified Accounting-Response */                \
    X(radius_acct_retransmits) /* ... sent again to the same server after its timeout */           \
    X(radius_acct_failovers)   /* ... moved to the next server after `tries` without answer */     \
    X(radius_acct_timed_out)   /* ... no server answered: dropped */                               \
    X(radius_acct_queued)      /* ... waited for a free identifier (256 outstanding per server) */ \
    X(radius_acct_queue_full)  /* ... refused: the wait queue was full, the record is lost */      \
    X(radius_acct_send_failed) /* radius_acct_send() failed (counted as a lost datagram) */        \
    X(radius_acct_build_failed) /* an Accounting-Request that could not be built */                \
    X(radius_acct_unmatched)    /* an Accounting-Response for no outstanding request */            \
    X(radius_acct_refused) /* an Accounting-Response that failed the codec (radius_rx_* too) */    \
    X(multi_auth_refused)  /* ANOTHER_AUTH_FOLLOWS where no second round is due, or missing */     \
    X(cookies_sent)                                                                                \
    X(cookies_accepted)                                                                            \
    X(cookies_rejected)                                                                            \
    X(initial_contact_deleted)                                                                     \
    X(child_installed)                                                                             \
    X(child_deleted)                                                                               \
    X(child_rekeyed)                                                                               \
    X(child_expired)                                                                               \
    X(child_not_found)                                                                             \
    X(ike_rekeyed)                                                                                 \
    X(rekey_collisions)                                                                            \
    X(temporary_failure)    /* requests of ours the peer refused for now */                        \
    X(tx_temporary_failure) /* requests of the peer we refused for now */                          \
    X(liveness_checks)                                                                             \
    X(peer_dead)                                                                                   \
    X(reconnects)          /* start_action start: an SA lost and started again */                  \
    X(qcd_tokens_sent)     /* our token in IKE_AUTH or an IKE rekey (maker) */                     \
    X(qcd_tokens_taken)    /* a peer's token kept with its IKE SA (taker) */                       \
    X(qcd_token_malformed) /* a QUICK_CRASH_DETECTION outside 16..128 octets, ignored */           \
    X(qcd_replies_sent)    /* INVALID_IKE_SPI + token for an SA we do not know (maker) */          \
    X(qcd_no_reply)        /* a message for an unknown SA we could not answer (see the log) */     \
    X(qcd_rate_limited)    /* ... not answered: over the control lcore's answers per second */     \
    X(qcd_peer_restarted)  /* a matching token: the peer lost the SA, we deleted ours */           \
    X(qcd_token_mismatch)  /* INVALID_IKE_SPI with tokens, none ours: forged or stale, ignored */  \
    X(qcd_no_token)        /* INVALID_IKE_SPI for an SA without a token, or without QCD */         \
    X(qcd_liveness_early)  /* liveness checks because inbound ESP stopped (taker) */               \
    X(mobike_negotiated)   /* IKE SAs where both sides sent MOBIKE_SUPPORTED (RFC 4555 3.2) */     \
    X(mobike_updates)      /* UPDATE_SA_ADDRESSES taken: the SA is on the request's addresses */   \
    X(mobike_nat_on)       /* ... moves that turned ESP-in-UDP on (into a NAT), either role */     \
    X(mobike_nat_off)      /* ... moves that turned ESP-in-UDP off (out of a NAT), either role */  \
    X(mobike_not_negotiated)   /* UPDATE_SA_ADDRESSES on an SA without MOBIKE: nothing moved */    \
    X(mobike_unexpected_nat)   /* NO_NATS_ALLOWED unlike the IP header: UNEXPECTED_NAT_DETECTED */ \
    X(mobike_malformed)        /* COOKIE2, NO_NATS_ALLOWED ... we cannot read: INVALID_SYNTAX */   \
    X(mobike_updates_sent)     /* our UPDATE_SA_ADDRESSES (ike_mobike_update) */                   \
    X(mobike_update_refused)   /* ... answered with an error notify: our Child SAs stay */         \
    X(mobike_checks)           /* return routability checks we sent (RFC 4555 3.7) */              \
    X(mobike_checks_passed)    /* ... answered with our COOKIE2: the Child SAs followed */         \
    X(mobike_checks_again)     /* ... answered after the peer moved once more: checked anew */     \
    X(mobike_cookie2_mismatch) /* an answer without our COOKIE2: the IKE SA closed (3.7) */        \
    X(mobike_local_moved)      /* our address went away: we moved the SA (MOBIKE initiator) */     \
    X(mobike_local_next_pair)  /* ... that move got no answer: the next address pair tried */      \
    X(mobike_local_gone)       /* our address went away and the SA cannot move: left to DPD */     \
    X(mobike_addresses_sent)   /* our changed address list sent to a MOBIKE client (3.6) */        \
    X(rmobike_switch_asked)    /* SWITCH_TO_IP_ADDRESS sent to an 'R' initiator (responder) */     \
    X(rmobike_switch_moved)    /* ... followed: its UPDATE_SA_ADDRESSES arrived at the target */   \
    X(rmobike_switch_refused)  /* ... answered with an error, or a liveness check instead */       \
    X(rmobike_switch_timed_out)   /* ... no update within switch_timeout_s */                      \
    X(rmobike_switch_not_capable) /* a switch asked of an SA whose initiator sent no 'R' */        \
    X(rmobike_switch_received)    /* SWITCH_TO_IP_ADDRESS received (initiator) */                  \
    X(rmobike_switch_followed)    /* ... to an announced or allowed address: update sent */        \
    X(rmobike_switch_rejected)    /* ... to any other address: kept ours, liveness check */        \
    X(rmobike_switch_ignored)     /* ... by the SA's responder, or without 'R' sent: no action */  \
    X(cp_addresses_assigned)      /* INTERNAL_IP4/IP6_ADDRESS leased and sent (responder) */       \
    X(cp_address_failure)         /* ... none left in the pools: INTERNAL_ADDRESS_FAILURE */       \
    X(cp_no_pool)                 /* a client asked for an address its peer has no pool for */     \
    X(cp_malformed)               /* a CP we cannot read, or a reply address we cannot use */      \
    X(cp_addresses_received)      /* virtual IPs a responder gave us (initiator) */                \
    X(reload_sas_kept)            /* IKE SAs moved to their peer's reloaded configuration */       \
    X(reload_sas_deleted) /* IKE SAs deleted because a reload removed their configuration */       \
    X(state_transitions)                                                                           \
    X(bad_transitions)

#define IKE_X_COUNTER_FIELD(n) uint64_t n;
struct ike_counters {
    IKE_COUNTER_LIST(IKE_X_COUNTER_FIELD)
};
#undef IKE_X_COUNTER_FIELD

/* ---- entry points ---- */

struct ike_ctx;

/*
 * The context's address pools (cp.c), in ike_config.pools' order: for
 * telemetry to list and release leases (ike_pool.h) on the thread that runs
 * the context. NULL past the last.
 */
struct ike_pool *ike_ctx_pool(const struct ike_ctx *ctx, unsigned i);
/* The backend's clock as the context reads it (for ages shown beside its state). */
uint64_t ike_ctx_now(struct ike_ctx *ctx);

struct ike_ctx *ike_ctx_new(const struct ike_config *cfg, const struct ike_backend *be);
void ike_ctx_free(struct ike_ctx *ctx);

/*
 * A reloaded configuration (reconfigure.c). Each IKE SA is matched to the
 * new peer configuration of the same name and from then on follows it
 * (credentials, lifetimes, proposals for rekeys): its SPIs, keys and Child
 * SAs stay. The SAs of a configuration that is gone are deleted, the peer
 * told (Delete, retransmitted as usual) and their Child SAs removed from the
 * dataplane; until they are gone they run on a copy of the old
 * configuration without credentials, so the caller may free the old one as
 * soon as this returns. Kept from the running context (they need a
 * restart): max_sas, max_redirects, the pools, RADIUS and the QCD keys'
 * contents, the local and announced addresses. Returns how many IKE SAs
 * were deleted (in *deleted) and 0, or -ENOMEM with nothing changed.
 */
struct ike_reconfigure_result {
    unsigned kept;    /* IKE SAs moved to the new configuration of their peer */
    unsigned deleted; /* IKE SAs of a removed peer configuration, being deleted */
};
int ike_reconfigure(struct ike_ctx *ctx, const struct ike_config *cfg,
                    struct ike_reconfigure_result *res);

/* One received UDP payload; `local` says the address and port it arrived on. */
void ike_input(struct ike_ctx *ctx, const struct ike_addr *local, const struct ike_addr *remote,
               const uint8_t *udp, size_t len);

/* Runs the timers that are due (retransmission, half-open expiry). */
void ike_tick(struct ike_ctx *ctx);
/*
 * A datagram that came from ike_config.radius.servers[server] (eap-radius):
 * matched to its Access-Request, verified, its answer relayed to the client.
 * Forged, stale or malformed ones are counted and dropped.
 */
void ike_radius_input(struct ike_ctx *ctx, unsigned server, const uint8_t *buf, size_t len);
/* The same for what came from a server's accounting port: an Accounting-Response. */
void ike_radius_acct_input(struct ike_ctx *ctx, unsigned server, const uint8_t *buf, size_t len);
/*
 * The gateway is stopping: every accounting session gets its Stop
 * (NAS-Reboot) now, then Accounting-Off once (if Accounting-On went out
 * at the first ike_tick). Returns how many accounting requests are still
 * unanswered; the embedder keeps polling (ike_radius_acct_pending) a
 * little while before ike_ctx_free drops them.
 */
unsigned ike_radius_acct_shutdown(struct ike_ctx *ctx);
unsigned ike_radius_acct_pending(const struct ike_ctx *ctx);

/* Starts an IKE SA (and its first Child SA) with configured peer `peer` from `local`. */
int ike_initiate(struct ike_ctx *ctx, unsigned peer, const struct ike_addr *local);

/* Deletes the IKE SA (and its Child SAs), telling the peer. */
int ike_delete(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r);

/*
 * Operator actions on an established IKE SA (telemetry, tests). They start a
 * request now when none is outstanding (-EBUSY otherwise: one request at a
 * time per SA) and return 0, or -ENOENT when there is no such SA or Child SA.
 */
int ike_rekey_ike(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r);
int ike_rekey_child(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r, uint32_t child_spi_in);
int ike_delete_child(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r, uint32_t child_spi_in);
/*
 * Gateway-initiated redirect (RFC 5685 5): tells the client of this IKE SA to
 * go to `gw` (NULL: where the redirect policy sends this client) and deletes
 * the SA after redirect_grace_s. -ENOTSUP when the client did not announce
 * redirect support, -EBUSY with a request outstanding, -EHOSTUNREACH when the
 * policy has no target for it.
 */
int ike_redirect(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r, const struct ike_gw_id *gw);
/*
 * Redirects every established responder SA that supports it ("drain"), to
 * `gw` or (NULL) each where the redirect policy sends it; returns how many.
 */
unsigned ike_redirect_all(struct ike_ctx *ctx, const struct ike_gw_id *gw);
/*
 * The same for the established responder SAs of one peer configuration
 * (`peer`, its name) and/or of one authenticated identity (`id`); NULL
 * matches any. Returns how many were told.
 */
unsigned ike_redirect_where(struct ike_ctx *ctx, const char *peer, const struct ike_id *id,
                            const struct ike_gw_id *gw);

/*
 * MOBIKE as the initiator of IKE SA (spi_i, spi_r), the minimal part tests
 * and veer-ike use (RFC 4555 3.5): our side moves to `new_local` (its
 * address; IKE runs on port 4500 from then on, both sides, as 3.3 has it)
 * and an INFORMATIONAL with UPDATE_SA_ADDRESSES, NAT detection and a fresh
 * COOKIE2 goes to the peer. Its answer must echo the COOKIE2 (else the IKE
 * SA is closed, 3.7); its NAT detection then says whether ESP goes in UDP,
 * and every Child SA follows (child_update). IKE_MOBIKE_NO_NATS sends
 * NO_NATS_ALLOWED (3.9) instead of NAT detection. -ENOENT: no such
 * established SA; -ENOTSUP: not our SA as initiator, or no MOBIKE on it;
 * -EBUSY: a request of ours is outstanding; -EAFNOSUPPORT: new_local is not
 * of the peer's address family.
 */
#define IKE_MOBIKE_NO_NATS 1u
int ike_mobike_update(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r,
                      const struct ike_addr *new_local, unsigned flags);

/*
 * r-MOBIKE responder (draft-smyslov-ipsecme-ikev2-r-mobike 4.2): asks the
 * initiator of IKE SA (spi_i, spi_r) to move our end to `to` (one of
 * local_addrs, same family). Nothing of ours changes until its
 * UPDATE_SA_ADDRESSES arrives at `to`. -ENOENT no such established SA,
 * -ENOTSUP the peer did not send 'R' or no MOBIKE or we are its initiator,
 * -EADDRNOTAVAIL `to` is not ours, -EALREADY already there (or already
 * asked), -EBUSY a request of ours is outstanding: the switch is then sent as
 * soon as it is answered (ike_tick).
 */
int ike_mobike_switch(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r,
                      const struct ike_addr *to);
/*
 * The same for every established responder SA matching all given filters
 * (NULL: any): peer configuration name, authenticated identity, our current
 * local address. Returns how many were asked (sent or queued); *not_capable
 * (may be NULL) gets how many matched but cannot be asked.
 */
unsigned ike_mobike_switch_where(struct ike_ctx *ctx, const char *peer, const struct ike_id *id,
                                 const struct ike_addr *from, const struct ike_addr *to,
                                 unsigned *not_capable);
/*
 * The gateway's addresses changed at run time: replaces local_addrs (and, if
 * announce is non-NULL, announce_addrs). Our SAs whose local address is gone:
 * as MOBIKE initiator, moved to the next address pair; as responder with an
 * 'R' peer, switched to another address of the same family; others are
 * counted (mobike_local_gone) and left to DPD. -E2BIG: more than
 * IKE_MAX_LOCAL_ADDRS (nothing changed).
 */
int ike_set_local_addrs(struct ike_ctx *ctx, const struct ike_addr *addrs, unsigned n,
                        const struct ike_addr *announce, unsigned nannounce);

/* A further Child SA with the peer configuration's proposals and selectors. */
int ike_create_child(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r);

/* The dataplane's byte count for a Child SA (both directions), for byte lifetimes. */
void ike_child_usage(struct ike_ctx *ctx, uint32_t child_spi_in, uint64_t bytes);

/* What the dataplane saw of a Child SA: totals since it was installed. */
struct ike_child_traffic {
    uint64_t packets_in, bytes_in, packets_out, bytes_out;
    uint64_t last_in_ns, last_out_ns; /* when the counts last moved (ike_now's clock); 0: never */
};

/*
 * The dataplane's report for the Child SA spi_in of IKE SA (spi_i, spi_r),
 * a few times a second: its byte lifetime counts both directions, and ESP
 * received from the peer counts as a sign of life, so no liveness check is
 * sent while protected traffic flows (RFC 7296 2.4). -ENOENT: no such SA.
 */
int ike_child_traffic(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r, uint32_t spi_in,
                      const struct ike_child_traffic *t);

/*
 * The dataplane's report that authentic ESP (ICV and anti-replay passed)
 * for the Child SA spi_in of IKE SA (spi_i, spi_r) came from `from`, not
 * from the SA's peer: a NAT in front of the peer may have rebound (RFC
 * 7296 2.23). For an established SA without MOBIKE whose peer is behind a
 * NAT (and we are not), a liveness check goes to `from`; its authenticated
 * answer from there moves the IKE SA and every Child SA (child_update).
 * No answer there: nothing moves. Reports are coalesced, one check per SA
 * at a time; every outcome is counted (esp_rebind_*). -ENOENT: no such SA.
 */
int ike_child_peer_moved(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r, uint32_t spi_in,
                         const struct ike_addr *from);

const struct ike_counters *ike_get_counters(const struct ike_ctx *ctx);

/*
 * The cookie secrets of the control plane (rotated by ike_tick()), for the
 * worker cores' stateless responder: a cookie either side hands out is
 * accepted by both. `rotated_ns` changes at every rotation.
 */
struct ike_cookie_keys;
const struct ike_cookie_keys *ike_get_cookie_keys(const struct ike_ctx *ctx, uint64_t *rotated_ns);
/* Responder SAs between IKE_SA_INIT and IKE_AUTH: the control plane's load. */
unsigned ike_half_open(const struct ike_ctx *ctx);

/* A read-only view of one SA, for telemetry and tests. */
#define IKE_INFO_MAX_CHILDREN 8
struct ike_sa_info {
    uint64_t spi_i, spi_r;
    bool initiator;
    enum ike_sa_state state;
    const char *peer;
    struct ike_addr local, remote;
    bool natt;
    bool nat_detected;         /* ESP goes in UDP */
    bool mobike;               /* both sent MOBIKE_SUPPORTED (RFC 4555) */
    bool rmobike;              /* the initiator sent MOBIKE_SUPPORTED('R') (r-MOBIKE) */
    bool switch_pending;       /* responder: a switch asked, the peer's update not here yet */
    struct ike_addr switch_to; /* ... to there */
    unsigned npeer_addrs;      /* initiator: addresses the responder announced (3.4) */
    struct ike_chosen alg;
    bool qcd_token_kept; /* taker: the peer gave us a token for this SA */
    bool qcd_token_sent; /* maker: we gave the peer one */
    /* Virtual IPs: leased to the peer (responder) or given to us (initiator). */
    unsigned nvips;
    struct ike_addr vips[2];
    unsigned nchildren;
    uint32_t child_spi_in, child_spi_out; /* of the first Child SA */
    struct {
        uint32_t spi_in, spi_out, rekey_of;
        bool installed;
        struct ike_child_traffic traffic;
    } children[IKE_INFO_MAX_CHILDREN];
};

/* Calls fn for every SA; returns how many there are. */
unsigned ike_sa_foreach(const struct ike_ctx *ctx,
                        void (*fn)(void *opaque, const struct ike_sa_info *sa), void *opaque);

#endif
