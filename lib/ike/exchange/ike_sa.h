/* SPDX-License-Identifier: BSD-3-Clause */
/* The IKE SA and the control-plane context: private to lib/ike. */
#ifndef VEER_IKE_SA_H
#define VEER_IKE_SA_H

#include <stdarg.h>

#include "ike.h"
#include "ike_log_limit.h"
#include "ike_cookie.h"
#include "ike_dh.h"
#include "ike_keymat.h"
#include "ike_msg.h"
#include "ike_sk_crypto.h"

/* Largest IKE message veer builds or accepts (before fragmentation exists). */
#define IKE_MSG_BUF 8192
#define IKE_MAX_CHILDREN 8
/* Our nonces: 256 bits, twice the PRF security of SHA-256 as 2.10 asks, and small to keep. */
#define IKE_OUR_NONCE_LEN 32
/* Our COOKIE2s (RFC 4555 4.2.5, 8 to 64 octets): 128 bits the peer cannot predict. */
#define IKE_MOBIKE_COOKIE2_LEN 16

enum ike_child_state {
    IKE_CHILD_NEW,       /* negotiated, not installed yet */
    IKE_CHILD_INSTALLED, /* carrying traffic */
    IKE_CHILD_REKEYING,  /* our CREATE_CHILD_SA rekeying it is out */
    IKE_CHILD_REKEYED,   /* replaced; its Delete is out or expected from the peer */
    IKE_CHILD_DELETING,  /* our Delete is out */
};

/* A Child SA as the control plane keeps it: what the dataplane sees, and its life. */
struct ike_child {
    struct ike_child_sa sa; /* first: the dataplane's view */
    enum ike_child_state state;
    uint64_t installed_ns;
    uint64_t rekey_ns;                /* when to rekey it; 0: never */
    uint64_t expire_ns;               /* when to delete it; 0: never */
    uint64_t bytes;                   /* reported by the dataplane (ike_child_usage) */
    struct ike_child_traffic traffic; /* reported by the dataplane (ike_child_traffic) */
};

/* What keyed a Child SA (RFC 7296 2.17): the nonces of the exchange that made it. */
struct ike_child_keying {
    const uint8_t *ni, *nr; /* exchange initiator's and responder's nonces */
    size_t ni_len, nr_len;
    const uint8_t *gir; /* PFS shared secret, NULL without */
    size_t gir_len;
    bool we_initiated; /* we sent the request: we send with the i->r keys */
};

/* The request of ours that is outstanding (one at a time), and what it is for. */
enum ike_req_kind {
    IKE_REQ_NONE,
    IKE_REQ_SETUP,          /* IKE_SA_INIT or IKE_AUTH */
    IKE_REQ_LIVENESS,       /* empty INFORMATIONAL */
    IKE_REQ_DELETE_IKE,     /* INFORMATIONAL Delete of this IKE SA */
    IKE_REQ_DELETE_CHILD,   /* INFORMATIONAL Delete of Child SA old_spi */
    IKE_REQ_NEW_CHILD,      /* CREATE_CHILD_SA for a new Child SA */
    IKE_REQ_REKEY_CHILD,    /* CREATE_CHILD_SA rekeying Child SA old_spi */
    IKE_REQ_REKEY_IKE,      /* CREATE_CHILD_SA rekeying this IKE SA */
    IKE_REQ_REDIRECT,       /* INFORMATIONAL with N(REDIRECT) (RFC 5685 5) */
    IKE_REQ_MOBIKE,         /* INFORMATIONAL with N(UPDATE_SA_ADDRESSES) (RFC 4555 3.5) */
    IKE_REQ_MOBIKE_CHECK,   /* INFORMATIONAL with N(COOKIE2): return routability (RFC 4555 3.7) */
    IKE_REQ_RMOBIKE_SWITCH, /* INFORMATIONAL with N(SWITCH_TO_IP_ADDRESS) (r-MOBIKE 4.2) */
    IKE_REQ_REBIND_CHECK,   /* empty INFORMATIONAL to a NATed peer's new mapping (rebind.c) */
};

/* The responder's ADDITIONAL_* addresses an initiator keeps per IKE SA (RFC 4555 3.4). */
#define IKE_MAX_PEER_ADDRS 8
/* Tries of one address pair when our address went away, before the next pair (RFC 4555 3.10). */
#define IKE_MOVE_TRIES 3
/* Tries of a liveness check to a NAT's new mapping (rebind.c) before it goes to the old one. */
#define IKE_REBIND_TRIES 3

struct ike_pending {
    enum ike_req_kind kind;
    uint32_t old_spi;     /* our inbound SPI of the Child SA deleted or rekeyed */
    uint32_t new_spi;     /* our inbound SPI offered for the new Child SA */
    uint64_t new_ike_spi; /* our SPI of the new IKE SA (rekey) */
    struct ike_dh_key *dh;
    uint8_t nonce[IKE_OUR_NONCE_LEN];
    uint16_t nonce_len;
    /*
     * Simultaneous rekey (2.8.1, 2.8.2): the peer rekeyed old_spi (or this
     * IKE SA) too while this was out. Its exchange made peer_new_spi (or the
     * IKE SA of our SPI peer_new_ike_spi); the lowest nonce of the two
     * exchanges says whose new SA goes.
     */
    bool collided;
    uint32_t peer_new_spi;
    uint64_t peer_new_ike_spi;
    uint8_t peer_min_nonce[IKE_OUR_NONCE_LEN]; /* its first bytes: random nonces differ early */
    uint16_t peer_min_nonce_len;
    /* MOBIKE update (IKE_REQ_MOBIKE): the COOKIE2 its answer must echo (RFC 4555 3.7). */
    uint8_t cookie2[IKE_MOBIKE_COOKIE2_LEN];
    bool mobike_no_nats;     /* it carried NO_NATS_ALLOWED rather than NAT detection */
    struct ike_addr checked; /* IKE_REQ_MOBIKE_CHECK: the peer's address it went to */
};

/* Virtual IPs (cp.c, RFC 7296 2.19): at most one per family. */
#define IKE_MAX_VIPS 2
struct ike_vip {
    struct ike_addr addr;
    uint8_t pool; /* responder: the pool it is leased from (ike_ctx.pools) */
    bool radius;  /* responder: RADIUS's Framed-IP-Address, not leased (`pool` for DNS, mask) */
};

/* Responder: what a client's CFG_REQUEST in IKE_AUTH asked for, until its Child SA is made. */
struct ike_cp_ask {
    uint8_t families;             /* IKE_VIP_4 | IKE_VIP_6: addresses asked for */
    bool netmask, dns4, dns6;     /* INTERNAL_IP4_NETMASK, INTERNAL_IP4_DNS, INTERNAL_IP6_DNS */
    struct ike_addr want4, want6; /* the address the client would like; family 0: any */
};

/* A message kept for retransmission (our request) or replay (our last response). */
struct ike_kept_msg {
    uint8_t *buf;
    size_t len;
    uint32_t msg_id;
    uint16_t nfrags;    /* 0: one datagram; else buf holds the fragments back to back */
    uint16_t *frag_len; /* their lengths (nfrags of them) */
};

/* IKE fragmentation (RFC 7383): at most this many fragments, and this much reassembled. */
#define IKE_MAX_FRAGS 64
#define IKE_REASM_MAX 65535

/* A fragmented message being reassembled (one per SA at a time). */
struct ike_reasm {
    uint32_t msg_id;
    bool response;
    uint8_t first_inner; /* from fragment 1 */
    uint16_t total, have;
    size_t bytes;
    uint8_t *part[IKE_MAX_FRAGS];
    uint16_t part_len[IKE_MAX_FRAGS];
};

struct ike_sa {
    struct ike_sa *next_ours;   /* chain keyed by our SPI */
    struct ike_sa *next_theirs; /* chain keyed by the initiator's SPI (responder SAs) */
    uint64_t spi_i, spi_r;
    bool initiator;
    enum ike_sa_state state;
    const struct ike_peer_cfg *peer;
    uint32_t log_no; /* its number in log lines (sa_log.c): unique while the context lives */
    struct ike_addr local, remote;
    bool natt;             /* IKE moved to port 4500 (non-ESP marker) */
    bool nat_detected;     /* some side is behind a NAT: ESP goes in UDP */
    bool peer_behind_nat;  /* its NAT_DETECTION_SOURCE_IP did not match what we saw */
    bool local_behind_nat; /* its NAT_DETECTION_DESTINATION_IP did not match our address */
    /*
     * Where the request being answered came from and went to: responses go
     * back there (RFC 7296 2.11), whatever local/remote (where our own
     * requests and ESP go) say.
     */
    struct ike_addr reply_local, reply_remote;
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
    struct ike_child *children[IKE_MAX_CHILDREN]; /* allocated: most SAs have one */
    struct ike_pending pending;
    uint64_t last_rx_ns;     /* last message from the peer (liveness) */
    uint64_t rekey_ns;       /* when to rekey this IKE SA; 0: never */
    uint64_t rekeyed_ns;     /* when it was replaced (REKEYED) */
    bool delete_queued;      /* an operator's delete waits for the outstanding request */
    struct ike_id remote_id; /* the identity the peer authenticated with */
    bool frag_ok;            /* both sent IKEV2_FRAGMENTATION_SUPPORTED */
    struct ike_reasm *reasm; /* allocated while fragments come in */
    /* Certificates (auth_cert.c): what the peer said in IKE_SA_INIT. */
    uint8_t peer_hashes;   /* its SIGNATURE_HASH_ALGORITHMS (RFC 7427 4), IKE_HASH_BIT()s */
    uint8_t certs_to_send; /* initiator: how many of our certificates its CERTREQ wants; 0 all */
    /* Redirect (redirect.c, RFC 5685). */
    bool redirect_supported; /* the initiator sent REDIRECT_SUPPORTED or REDIRECTED_FROM */
    /* initiator: we were sent here from redirected_from; responder: the client says it was */
    bool has_redirected_from;
    struct ike_gw_id redirected_from;
    uint64_t redirect_delete_ns; /* redirected client: delete the SA then */
    bool multiple_auth; /* the peer sent MULTIPLE_AUTH_SUPPORTED in IKE_SA_INIT (RFC 4739) */
    /* EAP in IKE_AUTH (ike_auth_eap.c): allocated for the conversation, either role. */
    struct ike_eap_conv *eap;
    /*
     * eap-radius: the Framed-IP-Address and Framed-IPv6-Address of the
     * Access-Accept (cp.c gives them as the client's virtual IPs instead of
     * a pool's addresses).
     */
    bool has_radius_vip4, has_radius_vip6;
    struct ike_addr radius_vip4, radius_vip6;
    uint32_t radius_session_timeout_s; /* Session-Timeout of the Accept; 0: none */
    uint64_t session_end_ns;           /* delete the IKE SA then (Session-Timeout); 0: never */
    /*
     * RADIUS accounting (acct.c): the session, kept over IKE rekeys; NULL
     * without accounting. acct_cause: why the SA ends (Acct-Terminate-Cause),
     * set by the first place that knows; 0: User-Request.
     */
    struct ike_acct *acct;
    uint32_t acct_cause;
    /* The redundant IKE SA of a rekey collision the peer made: we delete it then if it does not. */
    uint64_t redundant_delete_ns;
    /* Quick Crash Detection (qcd_sa.c, RFC 6290). */
    bool qcd_peer;      /* the peer sent QUICK_CRASH_DETECTION in IKE_AUTH: it does QCD */
    bool qcd_sent;      /* our token went to the peer (maker) */
    bool qcd_kept;      /* we keep the digest of the peer's token (taker) */
    bool qcd_requested; /* a liveness check of ours is out because inbound ESP stopped */
    uint8_t qcd_digest[IKE_QCD_DIGEST_LEN];
    /* MOBIKE (mobike.c, RFC 4555). */
    bool mobike_peer;      /* the peer sent MOBIKE_SUPPORTED in IKE_AUTH */
    bool mobike;           /* both did: UPDATE_SA_ADDRESSES moves the SA, and nothing else does */
    bool mobike_check_due; /* the peer moved: check its new address before the Child SAs go */
    /* r-MOBIKE and address lists (mobike_switch.c). */
    bool mobike_initiator; /* we began the first IKE SA of this series (kept over IKE rekeys) */
    bool rmobike_peer;     /* responder: the initiator sent MOBIKE_SUPPORTED('R') */
    uint8_t npeer_addrs;   /* initiator: the responder's announced addresses (3.4, 3.6) */
    struct ike_addr peer_addrs[IKE_MAX_PEER_ADDRS];
    bool switch_pending;  /* responder: a switch asked and not yet followed, refused or timed out */
    bool switch_queued;   /* ... not sent yet: a request of ours was outstanding */
    bool switch_answered; /* ... the initiator answered it: its update (or refusal) comes next */
    struct ike_addr switch_to;
    uint64_t switch_deadline_ns;
    bool switch_follow_due; /* initiator: a switch taken, our update to switch_target waits */
    struct ike_addr switch_target;
    bool liveness_due;     /* initiator: a switch refused, the current pair is checked next */
    bool addrs_update_due; /* responder: our announced addresses changed, the peer is told next */
    bool move_active; /* initiator: our address went away, moving (move_pair: the pair tried) */
    bool move_due;    /* ... not started yet: a request of ours was outstanding */
    unsigned move_pair;
    struct ike_addr move_remote; /* the peer's address when the move began: pairs count from it */
    /*
     * Virtual IPs (cp.c): leased to the peer, or given to us (vips_ours).
     * Kept over IKE rekeys, whoever initiates those.
     */
    struct ike_cp_ask cp_ask;
    bool vips_ours;
    uint8_t nvips;
    struct ike_vip vips[IKE_MAX_VIPS];
    /*
     * ESP-triggered NAT rebinding (rebind.c, RFC 7296 2.23): authentic ESP
     * came from rebind_to; a liveness check goes there (due: not yet, a
     * request was outstanding), and the authenticated answer from there
     * moves the SA (follow_peer).
     */
    bool rebind_due;
    bool rebind_check; /* the outstanding request is that check, sent to rebind_to */
    struct ike_addr rebind_to;
};

/* When veer as initiator was redirected lately, per peer configuration (loop detection). */
struct ike_redirect_hist {
    uint64_t *at_ns; /* max_redirects of them: a load generator may follow thousands */
    unsigned n;
};

struct ike_ctx {
    struct ike_config cfg;
    struct ike_backend be;
    struct ike_counters counters;
    unsigned nhalf_open; /* responder SAs between IKE_SA_INIT and IKE_AUTH */
    struct ike_cookie_keys cookies;
    uint64_t cookie_rotated_ns;
    unsigned nbuckets; /* power of two */
    struct ike_sa **by_ours;
    struct ike_sa **by_theirs;
    unsigned nsas;
    uint8_t buf[IKE_MSG_BUF + IKE_NON_ESP_MARKER_LEN];
    uint8_t reasm_buf[IKE_REASM_MAX];        /* the joined plaintext of a reassembled message */
    struct ike_redirect_hist *redirect_hist; /* one per configured peer */
    struct rp_cursor redirect_cursor;        /* the control plane's place in the policy */
    struct ike_qcd_keys qcd;                 /* valid when cfg.qcd_keys != NULL */
    uint64_t qcd_prev_until_ns;              /* drop qcd.prev then (0: never) */
    uint64_t qcd_window_ns;                  /* the second the answers below were counted in */
    unsigned qcd_window_answers;
    struct ike_log_limit log_limit; /* ike_log_rl's per-reason windows (log_limit.c) */
    uint32_t last_log_no;           /* the number of the last IKE SA made (sa_log.c) */
    /* The gateway's addresses (cfg.local_addrs and announce_addrs point here). */
    struct ike_addr local_addrs[IKE_MAX_LOCAL_ADDRS];
    struct ike_addr announce_addrs[IKE_MAX_LOCAL_ADDRS];
    /* One per cfg.pools (cp.c). */
    struct ike_pool *pools[IKE_MAX_POOLS];
    /* The RADIUS client of eap-radius (eap_radius.c), made on first use. */
    struct ike_radius_client *radius;
    /*
     * Copies of peer configurations a reload removed, for their SAs until
     * those are deleted (reconfigure.c): the caller frees the originals.
     */
    struct ike_peer_orphan *orphans;
    /* The accounting client (acct_client.c), made on first use; session ids: prefix-number. */
    struct ike_acct_client *acct_client;
    uint32_t acct_prefix;
    uint32_t acct_next;
    bool acct_on_sent, acct_off_sent; /* Accounting-On/Off (acct.c) */
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
/* Fills in the defaults of ike_config's zero fields (ike_ctx_new, ike_reconfigure). */
void ike_config_defaults(struct ike_config *cfg);
/* The index of sa->peer in cfg.peers, or -1 (none, or a removed configuration's copy). */
int ike_sa_peer_index(const struct ike_ctx *ctx, const struct ike_sa *sa);
/* Frees the copies of removed peer configurations (ike_ctx_free). */
void ike_orphans_free(struct ike_ctx *ctx);

uint64_t ike_now(struct ike_ctx *ctx);
void ike_random(struct ike_ctx *ctx, void *buf, size_t len);
void ike_log(struct ike_ctx *ctx, enum ike_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ike_vlog(struct ike_ctx *ctx, enum ike_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/*
 * ike_log for lines the network can provoke at will: at most
 * IKE_LOG_LIMIT_BURST a second per `fmt` (the reason); the rest are counted
 * (log_suppressed) and summed up in one line of the same level once the
 * second is over (at the next such line or ike_log_limit_flush).
 */
void ike_log_rl(struct ike_ctx *ctx, enum ike_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Called from ike_tick: the sums of the seconds that are over. */
void ike_log_limit_flush(struct ike_ctx *ctx);
/* ike_log_rl's gate: true when a line of this reason may be printed now (counts it). */
bool ike_log_limit_admit(struct ike_ctx *ctx, enum ike_log_level level, const char *fmt);

/*
 * Lines about one SA (sa_log.c, docs/operations.md "Logs"): a fixed tag
 * first, so that an operator can grep for one SA or one identity,
 *
 *     PEER[N] REMOTE SPIi_SPIr IDENTITY[ child IN/OUT]: text
 *
 * PEER the peer configuration's name (- before one is chosen), N the SA's
 * number (sa->log_no: unique while veer runs, a rekey's new SA has its own),
 * REMOTE the peer's address and port, IDENTITY the authenticated remote
 * identity quoted and escaped (- before IKE_AUTH). The child variants add a
 * Child SA's inbound and outbound SPIs. The _rl variants are ike_log_rl's.
 */
void ike_sa_log(struct ike_ctx *ctx, const struct ike_sa *sa, enum ike_log_level level,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ike_sa_log_rl(struct ike_ctx *ctx, const struct ike_sa *sa, enum ike_log_level level,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ike_child_log(struct ike_ctx *ctx, const struct ike_sa *sa, const struct ike_child_sa *child,
                   enum ike_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Enough for any tag ike_sa_log_tag writes. */
#define IKE_SA_TAG_MAX 480
/* Writes the tag (without the ": ") into out; returns out. */
const char *ike_sa_log_tag(const struct ike_sa *sa, const struct ike_child_sa *child, char *out,
                           size_t cap);
/* "PEER[N] SPIi_SPIr" of another SA, for a line that links two (a rekey's old and new). */
#define IKE_SA_REF_MAX 80
const char *ike_sa_log_ref(const struct ike_sa *sa, char *out, size_t cap);
/*
 * An identity as a log shows it: addresses as text, a DN in RFC 2253 form,
 * anything else as its octets; quoted, with quote, backslash and every octet
 * outside printable ASCII escaped (\", \\, \xNN), at most
 * IKE_ID_LOG_CHARS characters between the quotes ("..." after the closing
 * quote says it was cut). Wire data: a log line never carries control characters.
 */
#define IKE_ID_LOG_CHARS 64
#define IKE_ID_LOG_MAX (IKE_ID_LOG_CHARS + 8)
const char *ike_id_log_text(const struct ike_id *id, char *out, size_t cap);

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

/* Sends a kept message again, all its fragments; a request also re-arms its timer. */
int ike_resend(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_kept_msg *kept,
               bool request);
/* Starts the retransmission timer of the request just sent (exponential back-off). */
void ike_arm_retransmit(struct ike_ctx *ctx, struct ike_sa *sa);
/* Our encryption and integrity keys for sending. */
void ike_send_keys(const struct ike_sa *sa, const uint8_t **ek, const uint8_t **ak);
/*
 * Verifies and decrypts a received SK/SKF payload in place with the peer's
 * keys and strips its padding: the inner length, or -EBADMSG counted as
 * rx_decrypt_failed.
 */
long ike_sk_open_received(struct ike_ctx *ctx, const struct ike_sa *sa, uint8_t *msg, size_t len,
                          const struct ike_sk_payload *sk);

/*
 * ike_sa_init.c: sends an unprotected notify-only response (COOKIE,
 * INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN ...) to the IKE_SA_INIT request with
 * header req; no SA is kept.
 */
void ike_sa_init_reply_notify(struct ike_ctx *ctx, const struct ike_addr *local,
                              const struct ike_addr *remote, const struct ike_hdr *req,
                              uint16_t type, const void *data, size_t len);

/* ---- fragmentation (frag.c, RFC 7383) ---- */

/* Largest IKE datagram (UDP payload) we send to this peer unfragmented. */
size_t ike_frag_max(const struct ike_ctx *ctx, const struct ike_sa *sa);
/*
 * Sends the inner payloads `inner` (first of type first_inner) of a message
 * with header h as SKF fragments, each sealed on its own, and keeps them for
 * retransmission (request) or replay (response).
 */
int ike_frag_send(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_hdr *h,
                  uint8_t first_inner, const uint8_t *inner, size_t inner_len, bool response);
/*
 * Takes one received SKF fragment of `m`: verifies and decrypts it, keeps it,
 * and once all have come appends the joined inner payloads to `m`. Returns 0
 * (complete), -EAGAIN (more to come) or -EBADMSG.
 */
int ike_frag_receive(struct ike_ctx *ctx, struct ike_sa *sa, uint8_t *msg, size_t len,
                     struct ike_msg *m, const struct ike_pl *skf);
/* The fragment number of an SKF message, 0 for anything else (decided without decrypting). */
unsigned ike_frag_number(const struct ike_sa *sa, const struct ike_msg *m);
void ike_reasm_free(struct ike_sa *sa);

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
/* IKE_SA_INIT's part of certificate authentication: SIGNATURE_HASH_ALGORITHMS, CERTREQ. */
void ike_auth_put_init(struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_writer *w);
void ike_auth_read_init(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);

void ike_info_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/* `done` is the request this answers (the SA's pending slot is already free). */
void ike_info_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                       const struct ike_pending *done);

/* ---- Child SAs (child.c) ---- */

/* A new, zeroed Child SA of `sa`, not installed yet; NULL when the SA has no room. */
struct ike_child_sa *ike_child_new(struct ike_ctx *ctx, struct ike_sa *sa);
/* Forgets a Child SA that was never installed. */
void ike_child_discard(struct ike_sa *sa, struct ike_child_sa *child);
/* Keys the Child SA of IKE_AUTH (nonces of IKE_SA_INIT) and installs it. */
int ike_child_derive_and_install(struct ike_ctx *ctx, struct ike_sa *sa,
                                 struct ike_child_sa *child);
/* Keys a Child SA of CREATE_CHILD_SA and installs it; discards it on failure. */
int ike_child_install_keyed(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child_sa *child,
                            const struct ike_child_keying *k);
struct ike_child *ike_child_by_spi_in(struct ike_sa *sa, uint32_t spi_in);
struct ike_child *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi_out);
/* Removes one Child SA from the dataplane and frees it. */
void ike_child_remove(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child *c);
void ike_children_delete(struct ike_ctx *ctx, struct ike_sa *sa);
/* Moves the Child SAs of an IKE SA being replaced to its successor (2.18). */
void ike_children_move(struct ike_sa *from, struct ike_sa *to);
/* A fresh inbound ESP SPI, unused by any Child SA of `sa`. */
uint32_t ike_child_fresh_spi(struct ike_ctx *ctx, const struct ike_sa *sa);
/* When to rekey / expire a Child SA installed now, from the peer's lifetimes. */
void ike_child_schedule(struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_child *c);

/* ---- configuration payload: virtual IPs (cp.c) ---- */

/* Makes the pools of cfg.pools; -1 when one cannot be made. */
int ike_cp_init(struct ike_ctx *ctx);
void ike_cp_fini(struct ike_ctx *ctx);
/*
 * The configuration payload's rules, on a payload alone (fuzz_cp): a
 * CFG_REQUEST into *ask (0; 1 when an address attribute was malformed and
 * ignored; -1 unreadable), and the addresses of the families in `want` from
 * a CFG_REPLY, at most one each (the number of unusable ones, or -1).
 */
int ike_cp_parse_request(const struct ike_pl *pl, struct ike_cp_ask *ask);
int ike_cp_parse_reply(const struct ike_pl *pl, uint8_t want, struct ike_addr *out, unsigned *n);
/* Responder: notes the CFG_REQUEST of the first IKE_AUTH request, if any. */
void ike_cp_read_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/* Responder: the client asked for an address its peer configuration leases. */
bool ike_cp_vip_wanted(const struct ike_sa *sa);
/*
 * Responder, the client authenticated and its Child SA is about to be
 * installed: leases what it asked for and narrows the Child SA's remote
 * selector to it. 0, or the notify to send instead of the Child SA.
 */
uint16_t ike_cp_assign(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child_sa *child);
/* Responder: CFG_REPLY with the leased addresses, when there are any. */
int ike_cp_put_reply(const struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_writer *w);
/* Initiator: CFG_REQUEST for peer->vip_request, when set. */
int ike_cp_put_request(const struct ike_sa *sa, struct ike_writer *w);
/* Initiator: takes the CFG_REPLY of the last IKE_AUTH response; false when it is unusable. */
bool ike_cp_read_reply(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/*
 * The selectors a Child SA of `sa` may have on one side: the virtual IPs
 * as hosts when the SA has them on that side, else the peer configuration's.
 * buf holds IKE_MAX_VIPS; returns the array and its length in *n.
 */
const struct ike_ts *ike_cp_selectors(const struct ike_sa *sa, bool local, struct ike_ts *buf,
                                      unsigned *n);
/* The leases go back to their pools (the SA is going away). */
void ike_cp_release(struct ike_ctx *ctx, struct ike_sa *sa);
/* An IKE rekey: the new SA takes the virtual IPs over. */
void ike_cp_move(struct ike_sa *from, struct ike_sa *to);

/* ---- CREATE_CHILD_SA (create_child_sa.c) ---- */

void ike_ccs_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
void ike_ccs_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                      const struct ike_pending *done);
int ike_ccs_start_child(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child *rekeyed);
int ike_ccs_start_ike_rekey(struct ike_ctx *ctx, struct ike_sa *sa);
/* The peer deletes `sa`: if our rekey of it crossed the peer's, the Child SAs go to the peer's SA.
 */
void ike_ccs_ike_deleted(struct ike_ctx *ctx, struct ike_sa *sa);

/* ---- INFORMATIONAL (informational.c) ---- */

int ike_info_start_liveness(struct ike_ctx *ctx, struct ike_sa *sa);
/* RFC 6290 4.3: our token for an IKE SA we just rekeyed, in an INFORMATIONAL of its own. */
int ike_info_start_qcd(struct ike_ctx *ctx, struct ike_sa *sa);
int ike_info_start_delete_child(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child *c);
int ike_info_start_delete_ike(struct ike_ctx *ctx, struct ike_sa *sa);
/* The SA named by both SPIs, whichever side we are; NULL when there is none. */
struct ike_sa *ike_sa_find_pair(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r);

/* ---- lifetimes (ike_ctx.c) ---- */

/* A moment `base_s` seconds from now, up to the peer's jitter earlier; 0 when base_s is 0. */
uint64_t ike_deadline(struct ike_ctx *ctx, const struct ike_peer_cfg *peer, unsigned base_s);
/* A new, established IKE SA replacing `old` (rekey, 2.18), indexed under our SPI. */
struct ike_sa *ike_sa_create_rekeyed(struct ike_ctx *ctx, struct ike_sa *old, bool initiator,
                                     uint64_t spi_i, uint64_t spi_r);
uint64_t ike_sa_fresh_spi(struct ike_ctx *ctx);

/* ---- Redirect (redirect.c, RFC 5685) ---- */

/* Initiator, IKE_SA_INIT: writes REDIRECTED_FROM or REDIRECT_SUPPORTED. */
void ike_redirect_announce(const struct ike_sa *sa, struct ike_writer *w);
/* Responder, IKE_SA_INIT request: whether the client can be redirected. */
bool ike_redirect_client_supports(const struct ike_msg *m);
/* Responder, IKE_SA_INIT request: notes redirect support and REDIRECTED_FROM in the SA. */
void ike_redirect_note_client(struct ike_sa *sa, const struct ike_msg *m);
/*
 * Initiator: a REDIRECT in an IKE_SA_INIT response (`nonce_check`: its nonce
 * data must be our Ni), an IKE_AUTH response or an INFORMATIONAL request.
 * Starts an IKE SA to the new gateway unless the loop limit says no.
 */
enum ike_redirect_outcome {
    IKE_REDIRECT_NONE,    /* no REDIRECT in m */
    IKE_REDIRECT_IGNORED, /* forged or unusable: go on as if it were not there */
    IKE_REDIRECT_DONE,    /* followed, or refused by the loop limit: `sa` is to end */
};
enum ike_redirect_outcome ike_redirect_follow(struct ike_ctx *ctx, struct ike_sa *sa,
                                              const struct ike_msg *m, bool nonce_check);
/* Responder, IKE_AUTH: whether this client is to be sent elsewhere, and where (into gw). */
bool ike_redirect_in_auth(struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_gw_id *gw);
/* Responder: starts the INFORMATIONAL REDIRECT of an established SA. */
int ike_redirect_start(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_gw_id *gw);

/* ---- MOBIKE (mobike.c, RFC 4555) ---- */

/* Whether this peer configuration lets MOBIKE be used (mobike: yes). */
bool ike_mobike_allowed(const struct ike_peer_cfg *peer);
/* IKE_AUTH request (responder): notes the initiator's MOBIKE_SUPPORTED. */
void ike_mobike_note_auth(struct ike_sa *sa, const struct ike_msg *m);
/*
 * IKE_AUTH: the initiator's first request, or the responder's response with
 * the outcome (the Child SA), gets MOBIKE_SUPPORTED when the configuration
 * allows it (and, for the responder, the initiator sent it; MOBIKE is then
 * on, and NO_ADDITIONAL_ADDRESSES goes with it: veer announces no other
 * addresses yet).
 */
void ike_mobike_put_auth(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w);
/* Initiator, the IKE_AUTH response with the outcome: MOBIKE on if the responder said so. */
void ike_mobike_auth_done(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/* An INFORMATIONAL request of the peer with UPDATE_SA_ADDRESSES in it (RFC 4555 3.5). */
bool ike_mobike_is_update(const struct ike_msg *m);

/* What our answer to an INFORMATIONAL request carries for MOBIKE. */
struct ike_mobike_answer {
    uint16_t error; /* UNEXPECTED_NAT_DETECTED or INVALID_SYNTAX (nothing moved), or 0 */
    bool natd;      /* the request had NAT detection: ours go back (RFC 4555 3.8) */
    uint8_t cookie2_len;
    uint8_t cookie2[IKE_COOKIE2_MAX]; /* the request's, echoed (4.2.5) */
};
/*
 * An INFORMATIONAL request, validated and new (RFC 4555 3.5, 3.8, 3.9): on an
 * SA with MOBIKE on, UPDATE_SA_ADDRESSES moves the IKE SA and every Child SA
 * to where the request came from and went to, NAT detection switching
 * ESP-in-UDP; on one without, it moves nothing (counted). Fills what the
 * answer carries.
 */
void ike_mobike_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                        struct ike_mobike_answer *a);
/* Writes the answer's MOBIKE notifies. */
int ike_mobike_put_answer(struct ike_sa *sa, struct ike_writer *w,
                          const struct ike_mobike_answer *a);
/* The answer to our UPDATE_SA_ADDRESSES (`done` is the request, IKE_REQ_MOBIKE). */
/* Starts the return routability check of the peer's new address (its COOKIE2 must come back). */
int ike_mobike_start_check(struct ike_ctx *ctx, struct ike_sa *sa);
/* Its answer: the Child SAs follow, or the check starts again, or the SA closes. */
void ike_mobike_check_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                               const struct ike_pending *done);
void ike_mobike_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                         const struct ike_pending *done);

/*
 * Our side moves to `local`, the peer's to `remote`, and UPDATE_SA_ADDRESSES
 * says so (3.5). IKE_MOBIKE_SAME_REQUEST: the outstanding update again, on the
 * new pair, with its message ID and COOKIE2.
 */
#define IKE_MOBIKE_SAME_REQUEST 0x100u
int ike_mobike_move(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_addr *local,
                    const struct ike_addr *remote, unsigned flags);

/* ---- r-MOBIKE and address lists (mobike_switch.c) ---- */

/* Copies the configured addresses into the context (ike_ctx_new). */
void ike_mobike_addrs_init(struct ike_ctx *ctx);
/* Responder, IKE_AUTH response: ADDITIONAL_* for announce_addrs but the SA's, or NO_ADDITIONAL. */
void ike_mobike_put_addresses(struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_writer *w);
/*
 * Initiator: the responder's address list in m (IKE_AUTH response or its
 * INFORMATIONAL request) replaces the one kept (3.6); false when one of its
 * notifies is malformed (nothing changed). No list in m: nothing changes.
 */
bool ike_mobike_learn_addrs(struct ike_sa *sa, const struct ike_msg *m);
/*
 * A SWITCH_TO_IP_ADDRESS in the peer's INFORMATIONAL request (type from the
 * configuration): returns an error notify for the answer (INVALID_SYNTAX) or
 * 0; sets what happens after the answer (our update, a liveness check).
 */
uint16_t ike_mobike_switch_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/* Responder: a request of the initiator after our switch was answered, no update in it: refused. */
void ike_mobike_switch_note_request(struct ike_ctx *ctx, struct ike_sa *sa, bool update);
/* Responder: the initiator's update arrived at reply_local: the switch was followed if there. */
void ike_mobike_switch_note_update(struct ike_ctx *ctx, struct ike_sa *sa);
/* The answer to our SWITCH_TO_IP_ADDRESS. */
void ike_mobike_switch_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/* Timers: a switch's timeout (any time); true when it started a request (only when free). */
void ike_mobike_switch_expire(struct ike_ctx *ctx, struct ike_sa *sa, uint64_t now);
bool ike_mobike_tick(struct ike_ctx *ctx, struct ike_sa *sa);
/* Our address-pair move got no answer: true when the next pair was started (else: dead). */
bool ike_mobike_next_pair(struct ike_ctx *ctx, struct ike_sa *sa);
/* The answer to a move of ours came: the pair works. */
void ike_mobike_move_done(struct ike_sa *sa);
/* What an IKE rekey carries to the successor. */
void ike_mobike_carry(struct ike_sa *to, const struct ike_sa *from);

/*
 * The IKE SA's addresses (and NAT state) changed: every Child SA takes them,
 * and the dataplane hears of it (child_update).
 */
void ike_sa_update_children(struct ike_ctx *ctx, struct ike_sa *sa);

/* ---- Quick Crash Detection (qcd_sa.c, RFC 6290) ---- */

/* Whether we make tokens for / keep tokens of this peer configuration's SAs. */
bool ike_qcd_makes(const struct ike_ctx *ctx, const struct ike_peer_cfg *peer);
bool ike_qcd_takes(const struct ike_peer_cfg *peer);
/*
 * Writes our token for the IKE SA (spi_i, spi_r) of `sa`'s peer, when we are
 * its maker: N(QUICK_CRASH_DETECTION).
 */
void ike_qcd_put(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, uint64_t spi_i,
                 uint64_t spi_r);
/*
 * Reads the peer's token from a protected message (IKE_AUTH, an IKE rekey,
 * or a later INFORMATIONAL replacing it, RFC 6290 4.4) into `sa` (taker).
 */
void ike_qcd_take(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/*
 * An unprotected response for `sa` (no SK): when it carries INVALID_IKE_SPI
 * and one of its QUICK_CRASH_DETECTION tokens matches the one we keep, the
 * peer restarted: `sa` goes DEAD and, with start_action start, is started
 * again. Anything else changes nothing and is counted.
 */
void ike_qcd_unprotected(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m);
/* The maker after a restart: answers a message for an IKE SA we do not know. */
void ike_qcd_unknown_sa(struct ike_ctx *ctx, const struct ike_addr *local,
                        const struct ike_addr *remote, const uint8_t *msg, size_t len);
/* Taker: a liveness check now if inbound ESP stopped while outbound flows. */
bool ike_qcd_liveness_due(struct ike_ctx *ctx, struct ike_sa *sa, uint64_t now);
/* Sets up ctx->qcd from the configuration; drops the previous secret when its time is up. */
void ike_qcd_init(struct ike_ctx *ctx);
void ike_qcd_tick(struct ike_ctx *ctx, uint64_t now);
/* Copies what the taker keeps from the SA being replaced to its successor (IKE rekey). */
void ike_qcd_carry(struct ike_sa *to, const struct ike_sa *from);

/* ---- ESP-triggered NAT rebinding (rebind.c) ---- */

/* Whether the dataplane should report authentic ESP from a new source for sa's Child SAs. */
bool ike_rebind_wanted(const struct ike_sa *sa);
/* Where our requests go: the peer's address, or a NAT's new mapping being checked. */
const struct ike_addr *ike_request_remote(const struct ike_sa *sa);
/* ike_tick, the request slot free: the check that waited for it. True: one went out. */
bool ike_rebind_tick(struct ike_ctx *ctx, struct ike_sa *sa);
/* ike_tick, our request unanswered: the check to the new mapping gives up after its tries. */
void ike_rebind_retransmit(struct ike_ctx *ctx, struct ike_sa *sa);
/* The answer to the check (IKE_REQ_REBIND_CHECK), authenticated; follow_peer has run. */
void ike_rebind_response(struct ike_ctx *ctx, struct ike_sa *sa);

/* An SA lost (dead peer, QCD): starts it again when its peer configuration says so. */
void ike_sa_reconnect(struct ike_ctx *ctx, const struct ike_sa *sa);

/* ---- DoS protection and stale SAs (ike_ctx.c) ---- */

/* Whether an IKE_SA_INIT may make an SA now: false after a COOKIE was sent instead (2.6). */
bool ike_cookie_gate(struct ike_ctx *ctx, const struct ike_addr *local,
                     const struct ike_addr *remote, const struct ike_msg *m,
                     const struct ike_bytes *ni);
/* A random cookie secret at start, and a new one every cookie_rotate_s (ike_tick). */
void ike_cookie_init(struct ike_ctx *ctx);
void ike_cookie_maybe_rotate(struct ike_ctx *ctx, uint64_t now);
/*
 * INITIAL_CONTACT (2.4) from the peer of `sa`: every other IKE SA between the
 * same identities is stale; removed without telling the peer, which lost them.
 */
void ike_initial_contact(struct ike_ctx *ctx, struct ike_sa *sa);
/* Whether we have another IKE SA with this peer configuration (initiator: INITIAL_CONTACT). */
bool ike_sa_other_with_peer(struct ike_ctx *ctx, const struct ike_sa *sa);

#endif
