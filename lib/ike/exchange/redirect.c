/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redirect (RFC 5685) on the control plane. As responder: in IKE_AUTH by the
 * client's authenticated identity (6), and gateway-initiated for an
 * established SA (5, "drain"); IKE_SA_INIT redirects are the stateless
 * responder's, on the worker cores. As initiator: following a REDIRECT in any
 * of the three exchanges, with REDIRECTED_FROM to the new gateway, the nonce
 * check of IKE_SA_INIT (9.2) and a loop limit (9.1). A redirect never changes
 * the peer configuration: policy, selectors and credentials stay the same.
 */
#include <errno.h>
#include <string.h>

#include "ike_sa.h"
#include "ike_writer.h"

#define SEC 1000000000ull

void ike_redirect_announce(const struct ike_sa *sa, struct ike_writer *w)
{
    /* REDIRECTED_FROM implies support (RFC 5685 4), so one or the other is sent. */
    if (sa->has_redirected_from)
        ike_notify_gw_encode(w, IKE_N_REDIRECTED_FROM, &sa->redirected_from);
    else
        ike_notify_encode_simple(w, IKE_N_REDIRECT_SUPPORTED, NULL, 0);
}

bool ike_redirect_client_supports(const struct ike_msg *m)
{
    return ike_msg_find_notify(m, IKE_N_REDIRECT_SUPPORTED) != NULL ||
           ike_msg_find_notify(m, IKE_N_REDIRECTED_FROM) != NULL;
}

void ike_redirect_note_client(struct ike_sa *sa, const struct ike_msg *m)
{
    sa->redirect_supported = ike_redirect_client_supports(m);
    const struct ike_pl *pl = ike_msg_find_notify(m, IKE_N_REDIRECTED_FROM);
    struct ike_notify_payload n;
    /* Kept so that a policy never sends the client back where it came from. */
    sa->has_redirected_from = pl != NULL && ike_notify_decode(pl, &n, NULL) == 0 &&
                              ike_notify_gw_decode(&n, &sa->redirected_from, NULL) == 0;
}

/* The policy's choice for this client, never the gateway it says it came from. */
static bool pick_by_policy(struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_gw_id *gw)
{
    const struct rp_table *t = ctx->cfg.redirect_policy;
    if (t == NULL)
        return false;
    const struct rp_query q = {.client = &sa->remote,
                               .here = &sa->local,
                               .redirected_from =
                                   sa->has_redirected_from ? &sa->redirected_from : NULL};
    struct rp_pick pick = rp_pick(t, &ctx->redirect_cursor, &q);
    if (pick.index < 0) {
        ctx->counters.redirect_no_target++;
        return false;
    }
    *gw = t->targets[pick.index].gw;
    ctx->counters.redirects_by_policy++;
    return true;
}

bool ike_redirect_in_auth(struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_gw_id *gw)
{
    if (sa->peer == NULL || !sa->redirect_supported)
        return false;
    if (sa->peer->auth_redirect_by_policy)
        return pick_by_policy(ctx, sa, gw);
    if (sa->peer->auth_redirect.type == 0)
        return false;
    *gw = sa->peer->auth_redirect;
    return true;
}

/* ---- initiator ---- */

static bool gw_to_addr(const struct ike_gw_id *gw, struct ike_addr *addr)
{
    memset(addr, 0, sizeof(*addr));
    if (gw->type == IKE_GW_IPV4 && gw->len == 4)
        addr->family = 4;
    else if (gw->type == IKE_GW_IPV6 && gw->len == 16)
        addr->family = 6;
    else
        return false; /* an FQDN would need a resolver in the backend */
    memcpy(addr->ip, gw->value, gw->len);
    addr->port = IKE_PORT;
    return true;
}

static void addr_to_gw(const struct ike_addr *addr, struct ike_gw_id *gw)
{
    memset(gw, 0, sizeof(*gw));
    gw->type = addr->family == 6 ? IKE_GW_IPV6 : IKE_GW_IPV4;
    gw->len = (uint8_t)ike_addr_ip_len(addr);
    memcpy(gw->value, addr->ip, gw->len);
}

/* RFC 5685 9.1: at most max_redirects within the period, per peer configuration. */
static bool loop_allowed(struct ike_ctx *ctx, const struct ike_sa *sa, uint64_t now)
{
    int index = ike_sa_peer_index(ctx, sa);
    if (ctx->redirect_hist == NULL || index < 0)
        return false; /* a removed configuration's SA is being deleted: it goes nowhere else */
    struct ike_redirect_hist *h = &ctx->redirect_hist[index];
    uint64_t period = (uint64_t)ctx->cfg.redirect_loop_period_s * SEC;
    unsigned kept = 0;
    for (unsigned i = 0; i < h->n; i++) {
        if (now - h->at_ns[i] < period)
            h->at_ns[kept++] = h->at_ns[i];
    }
    h->n = kept;
    if (h->at_ns == NULL || h->n >= ctx->cfg.max_redirects)
        return false;
    h->at_ns[h->n++] = now;
    return true;
}

/* The REDIRECT notify of m with its gateway and nonce data; false when absent or malformed. */
static bool find_redirect(const struct ike_msg *m, struct ike_gw_id *gw, struct ike_bytes *nonce,
                          bool *present)
{
    const struct ike_pl *pl = ike_msg_find_notify(m, IKE_N_REDIRECT);
    *present = pl != NULL;
    struct ike_notify_payload n;
    return pl != NULL && ike_notify_decode(pl, &n, NULL) == 0 &&
           ike_notify_redirect_decode(&n, gw, nonce, NULL) == 0;
}

enum ike_redirect_outcome ike_redirect_follow(struct ike_ctx *ctx, struct ike_sa *sa,
                                              const struct ike_msg *m, bool nonce_check)
{
    struct ike_gw_id gw;
    struct ike_bytes nonce;
    bool present;
    bool ok = find_redirect(m, &gw, &nonce, &present);
    if (!present)
        return IKE_REDIRECT_NONE;
    const char *why = NULL;
    struct ike_addr target;
    if (!ok)
        why = "malformed REDIRECT";
    else if (!sa->initiator || sa->peer == NULL)
        why = "REDIRECT sent to a responder";
    else if (nonce_check && (nonce.len != sa->ni_len || memcmp(nonce.ptr, sa->ni, nonce.len) != 0))
        why = "REDIRECT whose nonce data is not our Ni (RFC 5685 9.2)";
    else if (!gw_to_addr(&gw, &target))
        why = "REDIRECT to a host name (no resolver) or a malformed address";
    if (why != NULL) {
        ctx->counters.redirect_refused++;
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN, "%s: ignored", why);
        /* A forged REDIRECT in IKE_SA_INIT must not end the exchange: wait for the real answer
         * (9.2). */
        return IKE_REDIRECT_IGNORED;
    }
    if (!loop_allowed(ctx, sa, ike_now(ctx))) {
        ctx->counters.redirect_loops++;
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "redirected %u times in %u s: giving up (redirect loop)",
                   ctx->cfg.max_redirects, ctx->cfg.redirect_loop_period_s);
        return IKE_REDIRECT_DONE;
    }
    struct ike_addr local = sa->local;
    local.port = IKE_PORT;
    struct ike_sa *next = ike_sa_create(ctx, true, &local, &target);
    if (next == NULL)
        return IKE_REDIRECT_DONE;
    next->peer = sa->peer;
    next->has_redirected_from = true;
    /* REDIRECTED_FROM names the gateway that redirected us (RFC 5685 4). */
    addr_to_gw(&sa->remote, &next->redirected_from);
    char to[64];
    ike_addr_format(&target, to, sizeof(to));
    char ref[IKE_SA_REF_MAX];
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "redirected to %s, new SA %s", to,
               ike_sa_log_ref(next, ref, sizeof(ref)));
    ctx->counters.redirects_followed++;
    int rc = ike_init_start(ctx, next);
    if (rc < 0 && next->request.buf != NULL) {
        /*
         * Built and kept; only the send failed (the new gateway's MAC not
         * known yet: the failed send asked for it), as in ike_initiate: the
         * retransmission sends it, rather than losing the tunnel.
         */
        ike_sa_log(ctx, next, IKE_LOG_INFO, "IKE_SA_INIT not sent yet (%d); retransmitting", rc);
    } else if (rc < 0) {
        ike_sa_set_state(ctx, next, IKE_SA_DEAD, "cannot start towards the new gateway");
        ike_sa_destroy(ctx, next);
    }
    return IKE_REDIRECT_DONE;
}

/* ---- responder ---- */

static int build_redirect(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    (void)sa;
    return ike_notify_redirect_encode(w, arg, NULL);
}

int ike_redirect_start(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_gw_id *gw)
{
    if (!sa->redirect_supported)
        return -ENOTSUP;
    if (sa->request.buf != NULL)
        return -EBUSY;
    struct ike_gw_id chosen;
    if (gw == NULL) {
        if (!pick_by_policy(ctx, sa, &chosen))
            return -EHOSTUNREACH;
        gw = &chosen;
    }
    sa->pending.kind = IKE_REQ_REDIRECT;
    int rc = ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id,
                                build_redirect, (void *)gw);
    if (rc == 0) {
        ctx->counters.redirects_sent++;
        /* The client goes; if it does not delete this SA itself, we do after the grace time. */
        sa->redirect_delete_ns = ike_now(ctx) + (uint64_t)ctx->cfg.redirect_grace_s * SEC;
    }
    return rc;
}

int ike_redirect(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r, const struct ike_gw_id *gw)
{
    struct ike_sa *sa = ike_sa_find_pair(ctx, spi_i, spi_r);
    if (sa == NULL || sa->state != IKE_SA_ESTABLISHED || sa->initiator)
        return -ENOENT;
    return ike_redirect_start(ctx, sa, gw);
}

unsigned ike_redirect_where(struct ike_ctx *ctx, const char *peer, const struct ike_id *id,
                            const struct ike_gw_id *gw)
{
    unsigned n = 0;
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        for (struct ike_sa *sa = ctx->by_ours[b]; sa != NULL; sa = sa->next_ours) {
            if (sa->state != IKE_SA_ESTABLISHED || sa->initiator)
                continue;
            if (peer != NULL && (sa->peer == NULL || strcmp(sa->peer->name, peer) != 0))
                continue;
            if (id != NULL && !ike_id_equal(&sa->remote_id, id))
                continue;
            if (ike_redirect_start(ctx, sa, gw) == 0)
                n++;
        }
    }
    return n;
}

unsigned ike_redirect_all(struct ike_ctx *ctx, const struct ike_gw_id *gw)
{
    return ike_redirect_where(ctx, NULL, NULL, gw);
}
