/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's addresses in MOBIKE (RFC 4555 3.4, 3.6, 3.10) and r-MOBIKE
 * (draft-smyslov-ipsecme-ikev2-r-mobike): what a responder announces, what an
 * initiator learns, the responder asking the initiator to switch to another
 * of its addresses (SWITCH_TO_IP_ADDRESS), the initiator following or
 * refusing, and moving our SAs when one of our addresses goes away.
 *
 * The responder changes nothing when it asks: its SA moves only when the
 * initiator's UPDATE_SA_ADDRESSES arrives at the new address (draft 4.2), so
 * the path is proven by the initiator itself, through any NAT or firewall.
 */
#include <errno.h>
#include <string.h>

#include "ike_sa.h"
#include "ike_writer.h"

static uint16_t switch_type(const struct ike_ctx *ctx)
{
    return ctx->cfg.switch_notify != 0 ? ctx->cfg.switch_notify : IKE_SWITCH_TO_IP_ADDRESS_DEFAULT;
}

static unsigned copy_addrs(struct ike_addr *dst, const struct ike_addr *src, unsigned n)
{
    unsigned k = 0;
    for (unsigned i = 0; src != NULL && i < n && k < IKE_MAX_LOCAL_ADDRS; i++) {
        if (src[i].family != 4 && src[i].family != 6)
            continue;
        dst[k] = src[i];
        dst[k++].port = 0; /* addresses only: ports stay the SA's */
    }
    return k;
}

void ike_mobike_addrs_init(struct ike_ctx *ctx)
{
    ctx->cfg.nlocal_addrs =
        copy_addrs(ctx->local_addrs, ctx->cfg.local_addrs, ctx->cfg.nlocal_addrs);
    ctx->cfg.local_addrs = ctx->local_addrs;
    ctx->cfg.nannounce_addrs =
        copy_addrs(ctx->announce_addrs, ctx->cfg.announce_addrs, ctx->cfg.nannounce_addrs);
    ctx->cfg.announce_addrs = ctx->announce_addrs;
    if (ctx->cfg.switch_timeout_s == 0)
        ctx->cfg.switch_timeout_s = 10;
}

static bool is_local(const struct ike_ctx *ctx, const struct ike_addr *a)
{
    for (unsigned i = 0; i < ctx->cfg.nlocal_addrs; i++) {
        if (ike_addr_ip_equal(&ctx->local_addrs[i], a))
            return true;
    }
    return false;
}

static void log_sa(struct ike_ctx *ctx, enum ike_log_level level, const struct ike_sa *sa,
                   const char *what, const struct ike_addr *a)
{
    char text[IKE_ADDR_STRLEN];
    struct ike_addr ip = *a;
    ip.port = 0;
    ike_addr_format(&ip, text, sizeof(text));
    ike_sa_log(ctx, sa, level, "%s %s", what, text);
}

/* ---- the address lists (RFC 4555 3.4, 3.6) ---- */

void ike_mobike_put_addresses(struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_writer *w)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ctx->cfg.nannounce_addrs; i++) {
        const struct ike_addr *a = &ctx->announce_addrs[i];
        if (ike_addr_ip_equal(a, &sa->local))
            continue; /* the one the SA uses is known already */
        ike_notify_additional_encode(w, a);
        n++;
    }
    if (n == 0)
        ike_notify_encode_simple(w, IKE_N_NO_ADDITIONAL_ADDRESSES, NULL, 0);
}

static int build_addresses(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)arg;
    ike_mobike_put_addresses(ctx, sa, w);
    return w->overflow ? -ENOSPC : 0;
}

/* RFC 4555 3.6: our changed list, in an INFORMATIONAL of its own; its answer changes nothing. */
static int send_addresses(struct ike_ctx *ctx, struct ike_sa *sa)
{
    sa->addrs_update_due = false;
    sa->pending.kind = IKE_REQ_LIVENESS;
    ctx->counters.mobike_addresses_sent++;
    return ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id,
                              build_addresses, NULL);
}

bool ike_mobike_learn_addrs(struct ike_sa *sa, const struct ike_msg *m)
{
    struct ike_addr got[IKE_MAX_PEER_ADDRS];
    unsigned n = 0;
    bool list = false;
    for (unsigned i = 0; i < m->npayloads; i++) {
        struct ike_notify_payload p;
        if (m->pl[i].type != IKE_PL_NOTIFY || ike_notify_decode(&m->pl[i], &p, NULL) < 0)
            continue;
        if (p.type == IKE_N_NO_ADDITIONAL_ADDRESSES) {
            list = true;
            continue;
        }
        if (p.type != IKE_N_ADDITIONAL_IP4_ADDRESS && p.type != IKE_N_ADDITIONAL_IP6_ADDRESS)
            continue;
        struct ike_addr a;
        if (ike_notify_additional_decode(&p, &a, NULL) < 0)
            return false;
        list = true;
        if (n < IKE_MAX_PEER_ADDRS) /* bounded: the rest are not kept */
            got[n++] = a;
    }
    if (!list)
        return true;
    memcpy(sa->peer_addrs, got, n * sizeof(got[0]));
    sa->npeer_addrs = (uint8_t)n;
    return true;
}

void ike_mobike_carry(struct ike_sa *to, const struct ike_sa *from)
{
    to->mobike_initiator = from->mobike_initiator;
    to->rmobike_peer = from->rmobike_peer;
    to->npeer_addrs = from->npeer_addrs;
    memcpy(to->peer_addrs, from->peer_addrs, sizeof(to->peer_addrs));
    /* A switch asked of the old SA is followed (or not) on the new one. */
    to->switch_pending = from->switch_pending;
    to->switch_queued = from->switch_queued;
    to->switch_answered = from->switch_answered;
    to->switch_to = from->switch_to;
    to->switch_deadline_ns = from->switch_deadline_ns;
}

/* ---- the initiator: SWITCH_TO_IP_ADDRESS received ---- */

static bool in_prefix(const struct ike_prefix *p, const struct ike_addr *a)
{
    if (p->addr.family != a->family)
        return false;
    unsigned bits = p->len, bytes = bits / 8;
    if (memcmp(p->addr.ip, a->ip, bytes) != 0)
        return false;
    if (bits % 8 == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
    return (p->addr.ip[bytes] & mask) == (a->ip[bytes] & mask);
}

/* Draft 4.2: announced by the responder, or allowed by our policy (switch_allow). */
static bool switch_acceptable(const struct ike_sa *sa, const struct ike_addr *to)
{
    for (unsigned i = 0; i < sa->npeer_addrs; i++) {
        if (ike_addr_ip_equal(&sa->peer_addrs[i], to))
            return true;
    }
    for (unsigned i = 0; i < sa->peer->nswitch_allow; i++) {
        if (in_prefix(&sa->peer->switch_allow[i], to))
            return true;
    }
    return false;
}

uint16_t ike_mobike_switch_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    const struct ike_pl *pl = ike_msg_find_notify(m, switch_type(ctx));
    if (pl == NULL)
        return 0;
    ctx->counters.rmobike_switch_received++;
    /*
     * Draft 4.2: only the responder asks, and only an initiator that sent 'R';
     * anything else gets an empty answer and no action.
     */
    if (!sa->mobike || !sa->mobike_initiator || sa->peer->rmobike != IKE_RMOBIKE_YES) {
        ctx->counters.rmobike_switch_ignored++;
        log_sa(ctx, IKE_LOG_WARN, sa,
               "SWITCH_TO_IP_ADDRESS ignored (we are not the r-MOBIKE "
               "initiator of this SA):",
               &sa->remote);
        return 0;
    }
    struct ike_notify_payload n;
    struct ike_addr to;
    if (ike_notify_decode(pl, &n, NULL) < 0 || ike_notify_switch_decode(&n, &to, NULL) < 0 ||
        ike_msg_find_notify(m, IKE_N_UPDATE_SA_ADDRESSES) != NULL) {
        log_sa(ctx, IKE_LOG_WARN, sa, "unreadable SWITCH_TO_IP_ADDRESS from", &sa->remote);
        return IKE_N_INVALID_SYNTAX;
    }
    if (to.family != sa->local.family || !switch_acceptable(sa, &to)) {
        /* Draft 4.2: keep the current address, and check that it still works. */
        ctx->counters.rmobike_switch_rejected++;
        log_sa(ctx, IKE_LOG_WARN, sa, "switch refused: neither announced nor allowed:", &to);
        sa->liveness_due = true;
        return 0;
    }
    ctx->counters.rmobike_switch_followed++;
    log_sa(ctx, IKE_LOG_INFO, sa, "the responder asks us to switch to", &to);
    sa->switch_target = to;
    sa->switch_follow_due = true;
    sa->liveness_due = false;
    return 0;
}

/* Our update to the address the responder named: its IP only, the port stays (draft 4.2). */
static int start_follow(struct ike_ctx *ctx, struct ike_sa *sa)
{
    sa->switch_follow_due = false;
    struct ike_addr remote = sa->switch_target;
    remote.port = sa->remote.port;
    return ike_mobike_move(ctx, sa, &sa->local, &remote, 0);
}

/* ---- the responder: asking for a switch ---- */

static int build_switch(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)arg;
    ike_notify_switch_encode(w, switch_type(ctx), &sa->switch_to);
    return w->overflow ? -ENOSPC : 0;
}

static int send_switch(struct ike_ctx *ctx, struct ike_sa *sa)
{
    sa->switch_queued = false;
    sa->switch_answered = false;
    sa->pending.kind = IKE_REQ_RMOBIKE_SWITCH;
    ctx->counters.rmobike_switch_asked++;
    log_sa(ctx, IKE_LOG_INFO, sa, "asking the initiator to switch to", &sa->switch_to);
    /* From the current address: the new one proves itself by the initiator's update. */
    return ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id, build_switch,
                              NULL);
}

/* Why `sa` cannot be asked to switch (0: it can). */
static int switch_capable(const struct ike_sa *sa)
{
    if (sa->state != IKE_SA_ESTABLISHED)
        return -ENOENT;
    if (sa->mobike_initiator || !sa->mobike || !sa->rmobike_peer ||
        sa->peer->rmobike != IKE_RMOBIKE_YES)
        return -ENOTSUP;
    return 0;
}

static int ask_switch(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_addr *to)
{
    int rc = switch_capable(sa);
    if (rc == -ENOTSUP) {
        /* Draft 4.2: MUST NOT be sent to an initiator that did not say 'R'. */
        ctx->counters.rmobike_switch_not_capable++;
        log_sa(ctx, IKE_LOG_WARN, sa, "cannot switch (its initiator did not send 'R'):", to);
    }
    if (rc < 0)
        return rc;
    if (!is_local(ctx, to) || to->family != sa->local.family)
        return -EADDRNOTAVAIL;
    if (ike_addr_ip_equal(to, &sa->local) ||
        (sa->switch_pending && ike_addr_ip_equal(to, &sa->switch_to)))
        return -EALREADY;
    sa->switch_pending = true;
    sa->switch_to = *to;
    sa->switch_to.port = 0;
    sa->switch_deadline_ns = ike_now(ctx) + (uint64_t)ctx->cfg.switch_timeout_s * 1000000000ull;
    if (sa->request.buf != NULL) {
        sa->switch_queued = true;
        return -EBUSY;
    }
    send_switch(ctx, sa);
    return 0;
}

int ike_mobike_switch(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r,
                      const struct ike_addr *to)
{
    struct ike_sa *sa = ike_sa_find_pair(ctx, spi_i, spi_r);
    if (sa == NULL)
        return -ENOENT;
    return ask_switch(ctx, sa, to);
}

unsigned ike_mobike_switch_where(struct ike_ctx *ctx, const char *peer, const struct ike_id *id,
                                 const struct ike_addr *from, const struct ike_addr *to,
                                 unsigned *not_capable)
{
    unsigned asked = 0, cannot = 0;
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        for (struct ike_sa *sa = ctx->by_ours[b]; sa != NULL; sa = sa->next_ours) {
            if (sa->state != IKE_SA_ESTABLISHED || sa->mobike_initiator || sa->peer == NULL ||
                (peer != NULL && strcmp(sa->peer->name, peer) != 0) ||
                (id != NULL && !ike_id_equal(&sa->remote_id, id)) ||
                (from != NULL && !ike_addr_ip_equal(&sa->local, from)))
                continue;
            int rc = ask_switch(ctx, sa, to);
            asked += rc == 0 || rc == -EBUSY;
            cannot += rc == -ENOTSUP;
        }
    }
    if (not_capable != NULL)
        *not_capable = cannot;
    return asked;
}

void ike_mobike_switch_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    for (unsigned i = 0; i < m->npayloads; i++) {
        struct ike_notify_payload n;
        if (m->pl[i].type == IKE_PL_NOTIFY && ike_notify_decode(&m->pl[i], &n, NULL) == 0 &&
            n.type < 16384) {
            ctx->counters.rmobike_switch_refused++;
            sa->switch_pending = false;
            log_sa(ctx, IKE_LOG_WARN, sa, "the initiator refused to switch to", &sa->switch_to);
            return;
        }
    }
    /* Its update (to switch_to) or its liveness check (refusal) comes next. */
    sa->switch_answered = true;
}

void ike_mobike_switch_note_request(struct ike_ctx *ctx, struct ike_sa *sa, bool update)
{
    if (!sa->switch_pending || !sa->switch_answered || update)
        return;
    /* Draft 4.2: an initiator that refuses checks the current pair instead. */
    ctx->counters.rmobike_switch_refused++;
    sa->switch_pending = false;
    log_sa(ctx, IKE_LOG_WARN, sa, "the initiator kept its address pair instead of switching to",
           &sa->switch_to);
}

void ike_mobike_switch_note_update(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (!sa->switch_pending || !ike_addr_ip_equal(&sa->reply_local, &sa->switch_to))
        return;
    ctx->counters.rmobike_switch_moved++;
    sa->switch_pending = sa->switch_queued = false;
    log_sa(ctx, IKE_LOG_INFO, sa, "the initiator switched us to", &sa->switch_to);
}

void ike_mobike_switch_expire(struct ike_ctx *ctx, struct ike_sa *sa, uint64_t now)
{
    if (!sa->switch_pending || now < sa->switch_deadline_ns)
        return;
    ctx->counters.rmobike_switch_timed_out++;
    sa->switch_pending = sa->switch_queued = false;
    log_sa(ctx, IKE_LOG_WARN, sa, "no update from the initiator: switch timed out, to",
           &sa->switch_to);
}

/* ---- our addresses change ---- */

/*
 * The k-th address pair of an initiator SA whose local address went away
 * (RFC 4555 3.10 leaves the order to us): our addresses of the peer's family
 * in order, each with the peer's current address, then its announced ones.
 */
static bool pair_at(const struct ike_ctx *ctx, const struct ike_sa *sa, unsigned k,
                    struct ike_addr *local, struct ike_addr *remote)
{
    const struct ike_addr *was = &sa->move_remote; /* the peer's address when the move began */
    struct ike_addr remotes[1 + IKE_MAX_PEER_ADDRS];
    unsigned nr = 0;
    remotes[nr++] = *was;
    for (unsigned i = 0; i < sa->npeer_addrs; i++) {
        if (sa->peer_addrs[i].family == was->family && !ike_addr_ip_equal(&sa->peer_addrs[i], was))
            remotes[nr++] = sa->peer_addrs[i];
    }
    unsigned seen = 0;
    for (unsigned i = 0; i < ctx->cfg.nlocal_addrs; i++) {
        if (ctx->local_addrs[i].family != was->family)
            continue;
        if (k < seen + nr) {
            *local = ctx->local_addrs[i];
            *remote = remotes[k - seen];
            /* MOBIKE runs on 4500 (3.3), whatever the old pair used. */
            local->port = remote->port = IKE_NATT_PORT;
            if (was->port != IKE_PORT && k - seen == 0)
                remote->port = was->port; /* a NAT's mapped port stays */
            return true;
        }
        seen += nr;
    }
    return false;
}

static int start_move(struct ike_ctx *ctx, struct ike_sa *sa)
{
    struct ike_addr local, remote;
    sa->move_due = false;
    if (!pair_at(ctx, sa, sa->move_pair, &local, &remote)) {
        sa->move_active = false;
        return -EADDRNOTAVAIL;
    }
    sa->move_active = true;
    return ike_mobike_move(ctx, sa, &local, &remote, 0);
}

bool ike_mobike_next_pair(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (!sa->move_active || sa->pending.kind != IKE_REQ_MOBIKE)
        return false;
    struct ike_addr local, remote;
    if (!pair_at(ctx, sa, sa->move_pair + 1, &local, &remote))
        return false; /* every pair tried: the peer is dead after all */
    ctx->counters.mobike_local_next_pair++;
    sa->move_pair++;
    log_sa(ctx, IKE_LOG_WARN, sa, "no answer on that path: trying the next pair, from", &local);
    /*
     * The same message ID and COOKIE2 (one request at a time, RFC 7296 2.3):
     * a peer that never saw the update takes this one; one that answered it
     * replays that answer to the new pair, with the COOKIE2 we still expect.
     */
    sa->move_active = true;
    ike_mobike_move(ctx, sa, &local, &remote, IKE_MOBIKE_SAME_REQUEST);
    return true;
}

void ike_mobike_move_done(struct ike_sa *sa)
{
    sa->move_active = false;
    sa->move_pair = 0;
}

bool ike_mobike_tick(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (sa->state != IKE_SA_ESTABLISHED || sa->request.buf != NULL)
        return false;
    if (sa->move_due) {
        start_move(ctx, sa);
        return true;
    }
    if (sa->switch_follow_due) {
        start_follow(ctx, sa);
        return true;
    }
    if (sa->liveness_due) {
        sa->liveness_due = false;
        ike_info_start_liveness(ctx, sa);
        return true;
    }
    if (sa->addrs_update_due) {
        send_addresses(ctx, sa); /* before a switch that may name a new address */
        return true;
    }
    if (sa->switch_queued && sa->switch_pending) {
        send_switch(ctx, sa);
        return true;
    }
    return false;
}

/* One SA whose local address went away. */
static void local_gone(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (sa->mobike && sa->mobike_initiator) {
        ctx->counters.mobike_local_moved++;
        log_sa(ctx, IKE_LOG_INFO, sa, "our address went away, moving the SA from", &sa->local);
        sa->move_pair = 0;
        sa->move_remote = sa->remote;
        sa->move_due = true;
        ike_mobike_tick(ctx, sa);
        return;
    }
    if (switch_capable(sa) == 0) {
        for (unsigned i = 0; i < ctx->cfg.nlocal_addrs; i++) {
            if (ctx->local_addrs[i].family == sa->local.family) {
                int rc = ask_switch(ctx, sa, &ctx->local_addrs[i]);
                if (rc == 0 || rc == -EBUSY || rc == -EALREADY)
                    return;
            }
        }
    }
    ctx->counters.mobike_local_gone++;
    log_sa(ctx, IKE_LOG_WARN, sa, "our address went away and the SA cannot move: left to DPD,",
           &sa->local);
}

int ike_set_local_addrs(struct ike_ctx *ctx, const struct ike_addr *addrs, unsigned n,
                        const struct ike_addr *announce, unsigned nannounce)
{
    if (n > IKE_MAX_LOCAL_ADDRS || (announce != NULL && nannounce > IKE_MAX_LOCAL_ADDRS))
        return -E2BIG;
    ctx->cfg.nlocal_addrs = copy_addrs(ctx->local_addrs, addrs, n);
    bool changed = false;
    if (announce != NULL) {
        struct ike_addr was[IKE_MAX_LOCAL_ADDRS];
        unsigned nwas = ctx->cfg.nannounce_addrs;
        memcpy(was, ctx->announce_addrs, sizeof(was));
        ctx->cfg.nannounce_addrs = copy_addrs(ctx->announce_addrs, announce, nannounce);
        changed = nwas != ctx->cfg.nannounce_addrs ||
                  memcmp(was, ctx->announce_addrs, nwas * sizeof(was[0])) != 0;
    }
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        for (struct ike_sa *sa = ctx->by_ours[b]; sa != NULL; sa = sa->next_ours) {
            if (sa->state != IKE_SA_ESTABLISHED || sa->peer == NULL)
                continue;
            /* RFC 4555 3.6: our MOBIKE clients hear of the new list, before any switch. */
            if (changed && sa->mobike && !sa->mobike_initiator) {
                sa->addrs_update_due = true;
                ike_mobike_tick(ctx, sa);
            }
            if (!is_local(ctx, &sa->local))
                local_gone(ctx, sa);
        }
    }
    return 0;
}
