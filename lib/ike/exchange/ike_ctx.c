/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-plane context: SA table, the one function through which every
 * SA state changes, the receive pipeline and the timers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "acct.h"
#include "eap_radius.h"
#include "ike_auth_eap.h"
#include "ike_rules.h"
#include "ike_sa.h"
#include "ike_writer.h"

#define IKE_X_STATE_NAME(n) #n,
static const char *const state_names[] = {IKE_SA_STATE_LIST(IKE_X_STATE_NAME)};

const char *ike_sa_state_name(enum ike_sa_state s)
{
    return s < IKE_SA__STATES ? state_names[s] : "?";
}

/* ---- helpers over the backend ---- */

uint64_t ike_now(struct ike_ctx *ctx)
{
    return ctx->be.now_ns(ctx->be.opaque);
}

uint64_t ike_ctx_now(struct ike_ctx *ctx)
{
    return ike_now(ctx);
}

void ike_random(struct ike_ctx *ctx, void *buf, size_t len)
{
    ctx->be.random(ctx->be.opaque, buf, len);
}

void ike_vlog(struct ike_ctx *ctx, enum ike_log_level level, const char *fmt, va_list ap)
{
    if (ctx->be.log == NULL)
        return;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    ctx->be.log(ctx->be.opaque, level, msg);
}

void ike_log(struct ike_ctx *ctx, enum ike_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ike_vlog(ctx, level, fmt, ap);
    va_end(ap);
}

int ike_log_level_parse(const char *name, enum ike_log_level *out)
{
    static const struct {
        const char *name;
        enum ike_log_level level;
    } names[] = {{"error", IKE_LOG_ERR}, {"err", IKE_LOG_ERR},   {"warning", IKE_LOG_WARN},
                 {"warn", IKE_LOG_WARN}, {"info", IKE_LOG_INFO}, {"debug", IKE_LOG_DEBUG}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    }
    return -EINVAL;
}

int ike_keep(struct ike_kept_msg *kept, const uint8_t *buf, size_t len, uint32_t msg_id)
{
    uint8_t *copy = realloc(kept->buf, len);
    if (copy == NULL)
        return -ENOMEM;
    memcpy(copy, buf, len);
    kept->buf = copy;
    kept->len = len;
    kept->msg_id = msg_id;
    free(kept->frag_len);
    kept->frag_len = NULL;
    kept->nfrags = 0;
    return 0;
}

void ike_unkeep(struct ike_kept_msg *kept)
{
    free(kept->buf);
    free(kept->frag_len);
    memset(kept, 0, sizeof(*kept));
}

/* ---- table ---- */

static unsigned bucket(const struct ike_ctx *ctx, uint64_t spi)
{
    /* SPIs are random, so folding them is a fine hash. */
    return (unsigned)((spi ^ (spi >> 32)) & (ctx->nbuckets - 1));
}

void ike_config_defaults(struct ike_config *cfg)
{
    if (cfg->max_sas == 0)
        cfg->max_sas = 65536;
    if (cfg->half_open_timeout_s == 0)
        cfg->half_open_timeout_s = 30;
    if (cfg->retransmit_base_ms == 0)
        cfg->retransmit_base_ms = 500;
    if (cfg->retransmit_tries == 0)
        cfg->retransmit_tries = 5;
    if (cfg->cookie_rotate_s == 0)
        cfg->cookie_rotate_s = 300;
    if (cfg->fragment_size == 0)
        cfg->fragment_size = 1280;
    if (cfg->redirect_grace_s == 0)
        cfg->redirect_grace_s = 10;
    if (cfg->max_redirects == 0)
        cfg->max_redirects = 5;
    if (cfg->redirect_loop_period_s == 0)
        cfg->redirect_loop_period_s = 300;
}

struct ike_ctx *ike_ctx_new(const struct ike_config *cfg, const struct ike_backend *be)
{
    struct ike_ctx *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return NULL;
    ctx->cfg = *cfg;
    ctx->be = *be;
    ike_config_defaults(&ctx->cfg);
    ctx->redirect_hist =
        calloc(ctx->cfg.npeers > 0 ? ctx->cfg.npeers : 1, sizeof(*ctx->redirect_hist));
    for (unsigned i = 0; ctx->redirect_hist != NULL && i < ctx->cfg.npeers; i++) {
        ctx->redirect_hist[i].at_ns = calloc(ctx->cfg.max_redirects, sizeof(uint64_t));
        if (ctx->redirect_hist[i].at_ns == NULL) {
            ike_ctx_free(ctx);
            return NULL;
        }
    }
    ike_cookie_init(ctx);
    ike_qcd_init(ctx);
    ike_mobike_addrs_init(ctx);
    if (ike_cp_init(ctx) < 0) {
        ike_ctx_free(ctx);
        return NULL;
    }
    ctx->nbuckets = 1;
    while (ctx->nbuckets < ctx->cfg.max_sas && ctx->nbuckets < (1u << 24))
        ctx->nbuckets <<= 1;
    ctx->by_ours = calloc(ctx->nbuckets, sizeof(*ctx->by_ours));
    ctx->by_theirs = calloc(ctx->nbuckets, sizeof(*ctx->by_theirs));
    if (ctx->by_ours == NULL || ctx->by_theirs == NULL) {
        ike_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

static uint64_t our_spi(const struct ike_sa *sa)
{
    return sa->initiator ? sa->spi_i : sa->spi_r;
}

/* Indexes `sa` under our SPI, telling a dataplane that keeps its own view of them. */
static void index_ours(struct ike_ctx *ctx, struct ike_sa *sa, uint64_t spi)
{
    unsigned b = bucket(ctx, spi);
    sa->next_ours = ctx->by_ours[b];
    ctx->by_ours[b] = sa;
    if (ctx->be.spi_added != NULL && ctx->be.spi_added(ctx->be.opaque, spi) < 0)
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "the dataplane did not take our IKE SPI %016llx",
                   (unsigned long long)spi);
}

static void unlink_sa(struct ike_sa **head, struct ike_sa *sa, bool ours)
{
    for (struct ike_sa **p = head; *p != NULL; p = ours ? &(*p)->next_ours : &(*p)->next_theirs) {
        if (*p == sa) {
            *p = ours ? sa->next_ours : sa->next_theirs;
            return;
        }
    }
}

static void free_sa(struct ike_sa *sa)
{
    while (sa->nchildren > 0) {
        struct ike_child *c = sa->children[--sa->nchildren];
        memset(c, 0, sizeof(*c));
        free(c);
    }
    ike_dh_free(sa->pending.dh);
    ike_dh_free(sa->dh);
    ike_unkeep(&sa->init_i);
    ike_unkeep(&sa->init_r);
    ike_unkeep(&sa->request);
    ike_unkeep(&sa->response);
    ike_reasm_free(sa);
    ike_auth_eap_free(sa);
    ike_acct_free(sa);
    ike_sa_keys_wipe(&sa->keys);
    memset(sa, 0, sizeof(*sa));
    free(sa);
}

void ike_ctx_free(struct ike_ctx *ctx)
{
    if (ctx == NULL)
        return;
    /* Sessions the embedder did not stop: their Stop goes out once, unanswered. */
    ike_radius_acct_shutdown(ctx);
    for (unsigned b = 0; ctx->by_ours != NULL && b < ctx->nbuckets; b++) {
        struct ike_sa *sa = ctx->by_ours[b];
        while (sa != NULL) {
            struct ike_sa *next = sa->next_ours;
            free_sa(sa);
            sa = next;
        }
    }
    free(ctx->by_ours);
    free(ctx->by_theirs);
    for (unsigned i = 0; ctx->redirect_hist != NULL && i < ctx->cfg.npeers; i++)
        free(ctx->redirect_hist[i].at_ns);
    free(ctx->redirect_hist);
    OPENSSL_cleanse(&ctx->qcd, sizeof(ctx->qcd));
    ike_cp_fini(ctx);
    ike_eap_radius_free(ctx);
    ike_orphans_free(ctx);
    ike_acct_client_free(ctx);
    free(ctx);
}

uint64_t ike_sa_fresh_spi(struct ike_ctx *ctx)
{
    for (;;) {
        uint64_t spi;
        ike_random(ctx, &spi, sizeof(spi));
        if (spi != 0 && ike_sa_find_ours(ctx, spi) == NULL)
            return spi;
    }
}

struct ike_sa *ike_sa_create(struct ike_ctx *ctx, bool initiator, const struct ike_addr *local,
                             const struct ike_addr *remote)
{
    if (ctx->nsas >= ctx->cfg.max_sas) {
        ctx->counters.sa_table_full++;
        return NULL;
    }
    struct ike_sa *sa = calloc(1, sizeof(*sa));
    if (sa == NULL)
        return NULL;
    sa->initiator = sa->mobike_initiator = initiator;
    sa->local = sa->reply_local = *local;
    sa->remote = sa->reply_remote = *remote;
    sa->natt = local->port == IKE_NATT_PORT;
    sa->created_ns = ike_now(ctx);
    sa->log_no = ++ctx->last_log_no;
    sa->state = initiator ? IKE_SA_INIT_SENT : IKE_SA_INIT_DONE;
    if (initiator) {
        sa->spi_i = ike_sa_fresh_spi(ctx);
        index_ours(ctx, sa, sa->spi_i);
    } else
        ctx->nhalf_open++;
    ctx->nsas++;
    ctx->counters.sa_created++;
    return sa;
}

struct ike_sa *ike_sa_create_rekeyed(struct ike_ctx *ctx, struct ike_sa *old, bool initiator,
                                     uint64_t spi_i, uint64_t spi_r)
{
    uint64_t ours = initiator ? spi_i : spi_r;
    if (ours == 0 || ike_sa_find_ours(ctx, ours) != NULL)
        return NULL;
    /* The table may be full of half-open SAs; a rekey never fails for that. */
    struct ike_sa *sa = calloc(1, sizeof(*sa));
    if (sa == NULL)
        return NULL;
    sa->initiator = initiator;
    sa->spi_i = spi_i;
    sa->spi_r = spi_r;
    sa->peer = old->peer;
    sa->remote_id = old->remote_id;
    sa->local = sa->reply_local = old->local;
    sa->remote = sa->reply_remote = old->remote;
    sa->natt = old->natt;
    sa->nat_detected = old->nat_detected;
    sa->peer_behind_nat = old->peer_behind_nat;
    sa->local_behind_nat = old->local_behind_nat;
    sa->frag_ok = old->frag_ok;
    sa->mobike_peer = old->mobike_peer;
    sa->mobike = old->mobike; /* negotiated for the IKE SA and its successors (RFC 4555 3.2) */
    /* RADIUS's Session-Timeout bounds the client's session, not one IKE SA of it. */
    sa->radius_session_timeout_s = old->radius_session_timeout_s;
    sa->session_end_ns = old->session_end_ns;
    sa->created_ns = ike_now(ctx);
    sa->log_no = ++ctx->last_log_no; /* its own: the rekey line names both (create_child_sa.c) */
    sa->last_rx_ns = sa->created_ns;
    sa->state = IKE_SA_ESTABLISHED;
    sa->rekey_ns = sa->peer != NULL ? ike_deadline(ctx, sa->peer, sa->peer->ike_rekey_s) : 0;
    ike_qcd_carry(sa, old);
    ike_mobike_carry(sa, old);
    index_ours(ctx, sa, ours);
    ctx->nsas++;
    ctx->counters.sa_created++;
    return sa;
}

void ike_sa_index_responder(struct ike_ctx *ctx, struct ike_sa *sa)
{
    sa->spi_r = ike_sa_fresh_spi(ctx);
    index_ours(ctx, sa, sa->spi_r);
    unsigned b = bucket(ctx, sa->spi_i);
    sa->next_theirs = ctx->by_theirs[b];
    ctx->by_theirs[b] = sa;
}

struct ike_sa *ike_sa_find_ours(struct ike_ctx *ctx, uint64_t spi)
{
    for (struct ike_sa *sa = ctx->by_ours[bucket(ctx, spi)]; sa != NULL; sa = sa->next_ours) {
        if (our_spi(sa) == spi)
            return sa;
    }
    return NULL;
}

struct ike_sa *ike_sa_find_half_open(struct ike_ctx *ctx, uint64_t spi_i,
                                     const struct ike_addr *remote)
{
    for (struct ike_sa *sa = ctx->by_theirs[bucket(ctx, spi_i)]; sa != NULL; sa = sa->next_theirs) {
        if (sa->spi_i == spi_i && sa->state != IKE_SA_DEAD && ike_addr_equal(&sa->remote, remote))
            return sa;
    }
    return NULL;
}

void ike_sa_destroy(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (sa->state == IKE_SA_INIT_DONE)
        ctx->nhalf_open--;
    ike_acct_end(ctx, sa); /* before the Child SAs go: the Stop carries their traffic */
    ike_children_delete(ctx, sa);
    ike_cp_release(ctx, sa);
    uint64_t ours = our_spi(sa);
    if (ours != 0) {
        unlink_sa(&ctx->by_ours[bucket(ctx, ours)], sa, true);
        if (ctx->be.spi_removed != NULL)
            ctx->be.spi_removed(ctx->be.opaque, ours);
    }
    if (!sa->initiator)
        unlink_sa(&ctx->by_theirs[bucket(ctx, sa->spi_i)], sa, false); /* no-op if absent */
    ctx->nsas--;
    ctx->counters.sa_deleted++;
    free_sa(sa);
}

void ike_initial_contact(struct ike_ctx *ctx, struct ike_sa *sa)
{
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        struct ike_sa *other = ctx->by_ours[b];
        while (other != NULL) {
            struct ike_sa *next = other->next_ours;
            if (other != sa && other->peer == sa->peer && other->state != IKE_SA_INIT_SENT &&
                other->state != IKE_SA_INIT_DONE && other->state != IKE_SA_AUTH_SENT &&
                ike_id_equal(&other->remote_id, &sa->remote_id)) {
                ctx->counters.initial_contact_deleted++;
                ike_sa_set_state(ctx, other, IKE_SA_DEAD, "INITIAL_CONTACT: the peer lost it");
                ike_acct_cause(other, IKE_RADIUS_TERM_LOST_CARRIER);
                ike_sa_destroy(ctx, other);
            }
            other = next;
        }
    }
}

bool ike_sa_other_with_peer(struct ike_ctx *ctx, const struct ike_sa *sa)
{
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        for (const struct ike_sa *o = ctx->by_ours[b]; o != NULL; o = o->next_ours) {
            if (o != sa && o->peer == sa->peer && o->state != IKE_SA_DEAD)
                return true;
        }
    }
    return false;
}

/* ---- state machine ---- */

static bool transition_allowed(enum ike_sa_state from, enum ike_sa_state to)
{
    switch (to) {
    case IKE_SA_AUTH_SENT:
        return from == IKE_SA_INIT_SENT;
    case IKE_SA_ESTABLISHED:
        return from == IKE_SA_INIT_DONE || from == IKE_SA_AUTH_SENT;
    case IKE_SA_DELETING:
        return from == IKE_SA_ESTABLISHED || from == IKE_SA_REKEYED;
    case IKE_SA_REKEYED:
        return from == IKE_SA_ESTABLISHED;
    case IKE_SA_DEAD:
        return from != IKE_SA_DEAD;
    default:
        return false; /* INIT_SENT and INIT_DONE are only entered at creation */
    }
}

void ike_sa_set_state(struct ike_ctx *ctx, struct ike_sa *sa, enum ike_sa_state next,
                      const char *why)
{
    if (!transition_allowed(sa->state, next)) {
        ctx->counters.bad_transitions++;
        ike_sa_log(ctx, sa, IKE_LOG_ERR, "refused %s -> %s (%s)", ike_sa_state_name(sa->state),
                   ike_sa_state_name(next), why);
        return;
    }
    if (sa->state == IKE_SA_INIT_DONE && next == IKE_SA_DEAD)
        /* A half-open SA given up: anyone can make these by the thousand (a spoofed flood). */
        ike_sa_log_rl(ctx, sa, IKE_LOG_INFO, "half-open, dropped (%s)", why);
    else
        ike_sa_log(ctx, sa, IKE_LOG_INFO, "%s -> %s (%s)", ike_sa_state_name(sa->state),
                   ike_sa_state_name(next), why);
    ctx->counters.state_transitions++;
    if (sa->state == IKE_SA_INIT_DONE)
        ctx->nhalf_open--;
    if (next == IKE_SA_ESTABLISHED) {
        ctx->counters.sa_established++;
        /* The IKE_SA_INIT messages were only needed for AUTH. */
        ike_unkeep(&sa->init_i);
        ike_unkeep(&sa->init_r);
        ike_dh_free(sa->dh);
        sa->dh = NULL;
        sa->last_rx_ns = ike_now(ctx);
        sa->rekey_ns = sa->peer != NULL ? ike_deadline(ctx, sa->peer, sa->peer->ike_rekey_s) : 0;
    }
    if (next == IKE_SA_REKEYED)
        sa->rekeyed_ns = ike_now(ctx);
    sa->state = next;
}

/* ---- receive pipeline ---- */

static bool is_request(const struct ike_hdr *h)
{
    return !ike_hdr_is_response(h);
}

void ike_sa_update_children(struct ike_ctx *ctx, struct ike_sa *sa)
{
    for (unsigned i = 0; i < sa->nchildren; i++) {
        struct ike_child_sa *c = &sa->children[i]->sa;
        c->local = sa->local;
        c->remote = sa->remote;
        c->udp_encap = sa->nat_detected;
        c->esp_rebind = ike_rebind_wanted(sa);
        if (ctx->be.child_update != NULL && ctx->be.child_update(ctx->be.opaque, c) < 0)
            ike_child_log(ctx, sa, c, IKE_LOG_WARN, "the dataplane did not take the new address");
    }
}

/*
 * A validated new message (its integrity checked, its message ID never seen
 * before, so not a replay) came from somewhere else than the SA points to.
 * While IKE_AUTH is under way that is the initiator floating to port 4500
 * (RFC 7296 2.23). Later, a NAT on the peer's side renewed its mapping: a
 * gateway not itself behind a NAT follows it (2.23, "dynamically update the
 * address"), and so does ESP. Anything else (a peer that moved without a NAT)
 * is MOBIKE's to handle, not a reason to move the SA. With MOBIKE on, only
 * UPDATE_SA_ADDRESSES moves it (mobike.c), not even a NAT's new mapping: RFC
 * 4555 3.8 forbids these dynamic updates, so that any other INFORMATIONAL
 * can test a path without changing anything.
 */
static void follow_peer(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_addr *local,
                        const struct ike_addr *remote, const struct ike_msg *m)
{
    if (ike_addr_equal(&sa->local, local) && ike_addr_equal(&sa->remote, remote))
        return;
    bool floating = sa->state == IKE_SA_INIT_DONE || sa->state == IKE_SA_AUTH_SENT;
    if (!floating && sa->mobike) {
        if (!ike_mobike_is_update(m))
            ctx->counters.peer_address_ignored++;
        return;
    }
    if (!floating && !(sa->peer_behind_nat && !sa->local_behind_nat)) {
        ctx->counters.peer_address_ignored++;
        return;
    }
    if (!floating) {
        char from[IKE_ADDR_STRLEN], to[IKE_ADDR_STRLEN];
        ike_addr_format(&sa->remote, from, sizeof(from));
        ike_addr_format(remote, to, sizeof(to));
        ike_sa_log(ctx, sa, IKE_LOG_INFO, "peer behind a NAT moved from %s to %s", from, to);
        ctx->counters.peer_address_updated++;
    }
    sa->local = *local;
    sa->remote = *remote;
    sa->natt = local->port == IKE_NATT_PORT;
    ike_sa_update_children(ctx, sa);
}

static void dispatch_request(struct ike_ctx *ctx, struct ike_sa *sa, uint8_t *msg, size_t len,
                             struct ike_msg *m, const struct ike_addr *local,
                             const struct ike_addr *remote)
{
    const struct ike_hdr *h = &m->hdr;
    if (h->msg_id + 1 == sa->next_peer_id && sa->response.buf != NULL &&
        sa->response.msg_id == h->msg_id) {
        /*
         * A retransmitted request: replay our answer, process nothing (RFC 7296
         * 2.1). A fragmented one is answered once, on its first fragment (RFC 7383 2.6.1).
         */
        if (ike_frag_number(sa, m) > 1)
            return;
        ctx->counters.rx_retransmit_answered++;
        ike_resend(ctx, sa, &sa->response, false);
        return;
    }
    if (h->msg_id + 1 == sa->next_peer_id && ike_auth_eap_radius_pending(sa)) {
        /* The answer waits for RADIUS: it goes out once, when RADIUS speaks (eap_radius.c). */
        ctx->counters.radius_ike_retransmit_dropped++;
        return;
    }
    if (h->msg_id != sa->next_peer_id) {
        ctx->counters.rx_bad_msg_id++;
        return;
    }
    if (ike_open_message(ctx, sa, msg, len, m) < 0)
        return;
    sa->last_rx_ns = ike_now(ctx);
    /* Whole (reassembled if it came in fragments), validated and new: it may move the SA. */
    follow_peer(ctx, sa, local, remote, m);
    switch (h->exchange) {
    case IKE_EXCH_IKE_AUTH:
        if (sa->state == IKE_SA_INIT_DONE)
            ike_auth_request(ctx, sa, m);
        break;
    case IKE_EXCH_CREATE_CHILD_SA:
        if (sa->state == IKE_SA_ESTABLISHED || sa->state == IKE_SA_DELETING ||
            sa->state == IKE_SA_REKEYED)
            ike_ccs_request(ctx, sa, m);
        break;
    case IKE_EXCH_INFORMATIONAL:
        if (sa->state == IKE_SA_ESTABLISHED || sa->state == IKE_SA_DELETING ||
            sa->state == IKE_SA_REKEYED)
            ike_info_request(ctx, sa, m);
        break;
    default:
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "%s request not handled yet",
                      ike_exchange_name(h->exchange));
        break;
    }
}

static void dispatch_response(struct ike_ctx *ctx, struct ike_sa *sa, uint8_t *msg, size_t len,
                              struct ike_msg *m, const struct ike_addr *local,
                              const struct ike_addr *remote)
{
    const struct ike_hdr *h = &m->hdr;
    if (sa->request.buf == NULL || h->msg_id != sa->request.msg_id) {
        ctx->counters.rx_bad_msg_id++;
        return;
    }
    if (h->exchange == IKE_EXCH_IKE_SA_INIT) {
        if (sa->state == IKE_SA_INIT_SENT)
            ike_init_response(ctx, sa, msg, len, m);
        return;
    }
    if (ike_open_message(ctx, sa, msg, len, m) < 0)
        return;
    sa->last_rx_ns = ike_now(ctx);
    follow_peer(ctx, sa, local, remote, m);
    ike_unkeep(&sa->request);
    sa->next_req_id++;
    /* The slot is free again: a handler may send the next request (a Delete after a rekey). */
    struct ike_pending done = sa->pending;
    memset(&sa->pending, 0, sizeof(sa->pending));
    if (h->exchange == IKE_EXCH_IKE_AUTH && sa->state == IKE_SA_AUTH_SENT)
        ike_auth_response(ctx, sa, m);
    else if (h->exchange == IKE_EXCH_CREATE_CHILD_SA)
        ike_ccs_response(ctx, sa, m, &done);
    else if (h->exchange == IKE_EXCH_INFORMATIONAL)
        ike_info_response(ctx, sa, m, &done);
    ike_dh_free(done.dh);
    memset(&done, 0, sizeof(done));
}

void ike_input(struct ike_ctx *ctx, const struct ike_addr *local, const struct ike_addr *remote,
               const uint8_t *udp, size_t len)
{
    ctx->counters.rx_packets++;
    if (local->port == IKE_NATT_PORT) {
        /* On 4500 IKE follows four zero bytes; anything else is ESP, not ours. */
        if (len < IKE_NON_ESP_MARKER_LEN || ike_get32(udp) != 0) {
            ctx->counters.rx_malformed++;
            return;
        }
        udp += IKE_NON_ESP_MARKER_LEN;
        len -= IKE_NON_ESP_MARKER_LEN;
    }
    if (len > IKE_MSG_BUF) {
        ctx->counters.rx_malformed++;
        return;
    }
    /* Decryption works in place: take a private copy of the datagram. */
    uint8_t msg[IKE_MSG_BUF];
    memcpy(msg, udp, len);
    struct ike_msg m;
    struct ike_err err;
    if (ike_msg_decode(msg, len, &m, &err) < 0 || ike_msg_check_rules(&m, &err) < 0) {
        char text[160];
        ike_err_format(&err, text, sizeof(text));
        ike_log_rl(ctx, IKE_LOG_DEBUG, "dropped malformed message: %s", text);
        ctx->counters.rx_malformed++;
        return;
    }
    const struct ike_hdr *h = &m.hdr;
    bool from_initiator = (h->flags & IKE_FLAG_INITIATOR) != 0;
    if (h->exchange == IKE_EXCH_IKE_SA_INIT && is_request(h) && h->spi_r == 0) {
        ike_init_request(ctx, local, remote, msg, len, &m);
        return;
    }
    struct ike_sa *sa = ike_sa_find_ours(ctx, from_initiator ? h->spi_r : h->spi_i);
    if (sa == NULL && is_request(h))
        ike_qcd_unknown_sa(ctx, local, remote, udp, len); /* we may have restarted (RFC 6290) */
    if (sa == NULL || sa->initiator == from_initiator ||
        (sa->spi_r != 0 && sa->spi_r != h->spi_r && h->exchange != IKE_EXCH_IKE_SA_INIT)) {
        ctx->counters.rx_no_sa++;
        ike_log_rl(ctx, IKE_LOG_DEBUG, "no IKE SA for %s %016llx_%016llx msg %u (%s)",
                   ike_exchange_name(h->exchange) != NULL ? ike_exchange_name(h->exchange) : "?",
                   (unsigned long long)h->spi_i, (unsigned long long)h->spi_r, h->msg_id,
                   sa == NULL ? "unknown SPI" : "SPIs do not match");
        return;
    }
    /*
     * Whatever the request, its answer goes back where it came from (RFC 7296
     * 2.11); the SA itself moves only once a message is validated (follow_peer).
     */
    if (!is_request(h) && h->exchange != IKE_EXCH_IKE_SA_INIT && h->next_payload != IKE_PL_SK &&
        h->next_payload != IKE_PL_SKF) {
        /* Unprotected, after IKE_SA_INIT: only a restarted peer's INVALID_IKE_SPI may be. */
        ike_qcd_unprotected(ctx, sa, &m);
    } else if (is_request(h)) {
        sa->reply_local = *local;
        sa->reply_remote = *remote;
        dispatch_request(ctx, sa, msg, len, &m, local, remote);
    } else {
        dispatch_response(ctx, sa, msg, len, &m, local, remote);
    }
    if (sa->state == IKE_SA_DEAD)
        ike_sa_destroy(ctx, sa);
}

/* ---- timers ---- */

uint64_t ike_deadline(struct ike_ctx *ctx, const struct ike_peer_cfg *peer, unsigned base_s)
{
    if (base_s == 0)
        return 0;
    /* Jitter spreads rekeys so both ends (and a restart's thousands of SAs) rarely collide. */
    unsigned jitter_s = peer->rekey_jitter_s < base_s / 2 ? peer->rekey_jitter_s : base_s / 2;
    uint64_t early = 0;
    if (jitter_s > 0) {
        ike_random(ctx, &early, sizeof(early));
        early %= (uint64_t)jitter_s * 1000000000ull + 1;
    }
    return ike_now(ctx) + (uint64_t)base_s * 1000000000ull - early;
}

/* Hard limits first (time, then bytes), then the first Child SA due for a rekey. */
static void tick_children(struct ike_ctx *ctx, struct ike_sa *sa, uint64_t now)
{
    const struct ike_peer_cfg *p = sa->peer;
    for (unsigned i = 0; i < sa->nchildren; i++) {
        struct ike_child *c = sa->children[i];
        bool hard = (c->expire_ns != 0 && now >= c->expire_ns) ||
                    (p->child_life_bytes != 0 && c->bytes >= p->child_life_bytes);
        if (hard && c->state != IKE_CHILD_DELETING && c->state != IKE_CHILD_NEW) {
            ctx->counters.child_expired++;
            ike_child_log(ctx, sa, &c->sa, IKE_LOG_INFO, "Child SA reached its hard lifetime");
            ike_info_start_delete_child(ctx, sa, c);
            return;
        }
    }
    for (unsigned i = 0; i < sa->nchildren; i++) {
        struct ike_child *c = sa->children[i];
        bool soft = (c->rekey_ns != 0 && now >= c->rekey_ns) ||
                    (p->child_rekey_bytes != 0 && c->bytes >= p->child_rekey_bytes);
        if (soft && c->state == IKE_CHILD_INSTALLED) {
            if (ike_ccs_start_child(ctx, sa, c) < 0)
                c->rekey_ns = now + 10 * 1000000000ull; /* try again later, not every tick */
            return;
        }
    }
}

static void tick_established(struct ike_ctx *ctx, struct ike_sa *sa, uint64_t now)
{
    if (sa->peer == NULL)
        return;
    if (sa->rekey_ns != 0 && now >= sa->rekey_ns) {
        if (ike_ccs_start_ike_rekey(ctx, sa) < 0)
            sa->rekey_ns = now + 10 * 1000000000ull;
        return;
    }
    tick_children(ctx, sa, now);
    if (sa->request.buf != NULL)
        return;
    if (sa->peer->dpd_delay_s != 0 &&
        now - sa->last_rx_ns >= (uint64_t)sa->peer->dpd_delay_s * 1000000000ull) {
        ike_info_start_liveness(ctx, sa);
    } else if (ike_qcd_liveness_due(ctx, sa, now)) {
        /* Inbound ESP stopped while ours flows: ask now, a restarted maker answers with its token.
         */
        ctx->counters.qcd_liveness_early++;
        ike_info_start_liveness(ctx, sa);
    }
}

static void tick_sa(struct ike_ctx *ctx, struct ike_sa *sa, uint64_t now)
{
    uint64_t half_open_ns = (uint64_t)ctx->cfg.half_open_timeout_s * 1000000000ull;
    if (sa->state == IKE_SA_INIT_DONE && now - sa->created_ns > half_open_ns) {
        ctx->counters.sa_half_open_expired++;
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "half-open timeout");
        return;
    }
    if (sa->state == IKE_SA_REKEYED && now - sa->rekeyed_ns > half_open_ns) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "replaced, and the peer never deleted it");
        return;
    }
    if (sa->state == IKE_SA_ESTABLISHED) {
        ike_mobike_switch_expire(ctx, sa, now);
        ike_acct_tick(ctx, sa, now);
    }
    if (sa->request.buf != NULL) {
        if (now < sa->next_retx_ns)
            return;
        /* A NAT's new mapping that does not answer: the check goes on to the old one. */
        ike_rebind_retransmit(ctx, sa);
        /* Our address went away: a pair that does not answer soon gives way to the next. */
        if (sa->move_active && sa->tries >= IKE_MOVE_TRIES && ike_mobike_next_pair(ctx, sa))
            return;
        if (sa->tries >= ctx->cfg.retransmit_tries) {
            bool was_up = sa->state == IKE_SA_ESTABLISHED;
            /* A start_action start peer is tried again, also when it never answered at all. */
            bool retry =
                was_up ||
                (sa->initiator && (sa->state == IKE_SA_INIT_SENT || sa->state == IKE_SA_AUTH_SENT));
            ctx->counters.peer_dead += was_up;
            ike_acct_cause(sa, IKE_RADIUS_TERM_LOST_CARRIER);
            ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "peer not answering");
            if (retry)
                ike_sa_reconnect(ctx, sa);
            return;
        }
        ctx->counters.tx_retransmits++;
        ike_resend(ctx, sa, &sa->request, true);
        return;
    }
    if (sa->mobike_check_due && sa->state == IKE_SA_ESTABLISHED) {
        ike_mobike_start_check(ctx, sa); /* a return routability check that waited for a request */
        return;
    }
    if (ike_mobike_tick(ctx, sa)) /* a move, a switch or its follow-up that waited */
        return;
    if (ike_rebind_tick(ctx, sa)) /* a check of a NAT's new mapping that waited */
        return;
    if (sa->delete_queued && (sa->state == IKE_SA_ESTABLISHED || sa->state == IKE_SA_REKEYED)) {
        sa->delete_queued = false;
        ike_info_start_delete_ike(ctx, sa);
        return;
    }
    if (sa->state == IKE_SA_ESTABLISHED && sa->redundant_delete_ns != 0 &&
        now >= sa->redundant_delete_ns) {
        /* The peer's redundant SA of a rekey collision, which it should have deleted (2.8.2). */
        ike_info_start_delete_ike(ctx, sa);
        return;
    }
    if (sa->state == IKE_SA_ESTABLISHED && sa->redirect_delete_ns != 0 &&
        now >= sa->redirect_delete_ns) {
        /* A redirected client that did not leave by itself. */
        ike_acct_cause(sa, IKE_RADIUS_TERM_NAS_REQUEST);
        ike_info_start_delete_ike(ctx, sa);
        return;
    }
    if (sa->state == IKE_SA_ESTABLISHED && sa->session_end_ns != 0 && now >= sa->session_end_ns) {
        /* RADIUS's Session-Timeout (eap-radius): the client's time is up. */
        ctx->counters.radius_session_timeouts++;
        ike_acct_cause(sa, IKE_RADIUS_TERM_SESSION_TIMEOUT);
        sa->session_end_ns = 0;
        ike_info_start_delete_ike(ctx, sa);
        return;
    }
    if (sa->state == IKE_SA_ESTABLISHED)
        tick_established(ctx, sa, now);
}

void ike_tick(struct ike_ctx *ctx)
{
    uint64_t now = ike_now(ctx);
    ike_cookie_maybe_rotate(ctx, now);
    ike_qcd_tick(ctx, now);
    ike_log_limit_flush(ctx);
    ike_eap_radius_tick(ctx, now);
    ike_acct_boot(ctx);
    ike_acct_client_tick(ctx, now);
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        struct ike_sa *sa = ctx->by_ours[b];
        while (sa != NULL) {
            struct ike_sa *next = sa->next_ours;
            tick_sa(ctx, sa, now);
            if (sa->state == IKE_SA_DEAD)
                ike_sa_destroy(ctx, sa);
            sa = next;
        }
    }
}

/* ---- operations ---- */

void ike_sa_reconnect(struct ike_ctx *ctx, const struct ike_sa *sa)
{
    const struct ike_peer_cfg *p = sa->peer;
    int index = ike_sa_peer_index(ctx, sa);
    if (index < 0 || p->start_action != IKE_START_START || p->remote.family == 0)
        return;
    /* From the address the lost SA used, on port 500 again (NAT-T floats anew). */
    struct ike_addr local = sa->local;
    local.port = IKE_PORT;
    int rc = ike_initiate(ctx, (unsigned)index, &local);
    if (rc == 0)
        ctx->counters.reconnects++;
    ike_sa_log(ctx, sa, rc == 0 ? IKE_LOG_INFO : IKE_LOG_WARN, "%s",
               rc == 0 ? "starting the IKE SA again" : "cannot start the IKE SA again");
}

int ike_initiate(struct ike_ctx *ctx, unsigned peer, const struct ike_addr *local)
{
    if (peer >= ctx->cfg.npeers || ctx->cfg.peers[peer].remote.family == 0)
        return -EINVAL;
    const struct ike_peer_cfg *p = &ctx->cfg.peers[peer];
    struct ike_sa *sa = ike_sa_create(ctx, true, local, &p->remote);
    if (sa == NULL)
        return -ENOMEM;
    sa->peer = p;
    int rc = ike_init_start(ctx, sa);
    if (rc < 0 && sa->request.buf != NULL) {
        /* Built and kept; only the send failed (no neighbour yet): the retransmission sends it. */
        ike_sa_log(ctx, sa, IKE_LOG_INFO, "IKE_SA_INIT not sent yet (%d); retransmitting", rc);
        return 0;
    }
    if (rc < 0)
        ike_sa_destroy(ctx, sa);
    return rc;
}

const struct ike_cookie_keys *ike_get_cookie_keys(const struct ike_ctx *ctx, uint64_t *rotated_ns)
{
    if (rotated_ns != NULL)
        *rotated_ns = ctx->cookie_rotated_ns;
    return &ctx->cookies;
}

unsigned ike_half_open(const struct ike_ctx *ctx)
{
    return ctx->nhalf_open;
}

const struct ike_counters *ike_get_counters(const struct ike_ctx *ctx)
{
    return &ctx->counters;
}

unsigned ike_sa_foreach(const struct ike_ctx *ctx,
                        void (*fn)(void *opaque, const struct ike_sa_info *sa), void *opaque)
{
    unsigned n = 0;
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        for (const struct ike_sa *sa = ctx->by_ours[b]; sa != NULL; sa = sa->next_ours) {
            struct ike_sa_info info = {.spi_i = sa->spi_i,
                                       .spi_r = sa->spi_r,
                                       .initiator = sa->initiator,
                                       .state = sa->state,
                                       .peer = sa->peer != NULL ? sa->peer->name : NULL,
                                       .local = sa->local,
                                       .remote = sa->remote,
                                       .natt = sa->natt,
                                       .nat_detected = sa->nat_detected,
                                       .mobike = sa->mobike,
                                       .rmobike = sa->rmobike_peer ||
                                                  (sa->mobike_initiator && sa->mobike &&
                                                   sa->peer != NULL &&
                                                   sa->peer->rmobike == IKE_RMOBIKE_YES),
                                       .switch_pending = sa->switch_pending,
                                       .switch_to = sa->switch_to,
                                       .npeer_addrs = sa->npeer_addrs,
                                       .alg = sa->alg,
                                       .qcd_token_kept = sa->qcd_kept,
                                       .qcd_token_sent = sa->qcd_sent,
                                       .nchildren = sa->nchildren};
            for (unsigned i = 0; i < sa->nchildren && i < IKE_INFO_MAX_CHILDREN; i++) {
                info.children[i].spi_in = sa->children[i]->sa.spi_in;
                info.children[i].spi_out = sa->children[i]->sa.spi_out;
                info.children[i].rekey_of = sa->children[i]->sa.rekey_of;
                info.children[i].installed = sa->children[i]->state != IKE_CHILD_NEW;
                info.children[i].traffic = sa->children[i]->traffic;
            }
            info.nvips = sa->nvips;
            for (unsigned i = 0; i < sa->nvips; i++)
                info.vips[i] = sa->vips[i].addr;
            if (sa->nchildren > 0) {
                info.child_spi_in = sa->children[0]->sa.spi_in;
                info.child_spi_out = sa->children[0]->sa.spi_out;
            }
            if (fn != NULL)
                fn(opaque, &info);
            n++;
        }
    }
    return n;
}
