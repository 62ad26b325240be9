/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS accounting sessions (RFC 2866): one per IKE SA, started by its first
 * Child SA, carried over IKE rekeys (one session for the client's whole
 * connection, as strongSwan's eap-radius does), stopped when the IKE SA goes.
 * The traffic is what the dataplane reported per Child SA
 * (ike_child_traffic), plus what Child SAs that already went had.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"

struct ike_acct {
    char session_id[IKE_ACCT_SESSION_ID_MAX];
    uint8_t user[IKE_RADIUS_ATTR_MAX_VALUE];
    size_t user_len;
    struct ike_radius_class classes[IKE_RADIUS_CLASS_MAX];
    unsigned nclass;
    bool has_interim; /* the Access-Accept's Acct-Interim-Interval wins over the configuration */
    uint32_t interim_s;
    bool started;
    uint64_t start_ns;
    uint64_t next_interim_ns;      /* 0: no Interim-Updates */
    struct ike_child_traffic gone; /* Child SAs of this session that are no more */
};

static bool accounting_on(const struct ike_ctx *ctx)
{
    return ctx->cfg.radius.accounting && ctx->cfg.radius.nservers > 0;
}

/* The random half of this run's session ids ("prefix-number"). */
static void session_prefix(struct ike_ctx *ctx)
{
    if (ctx->acct_prefix == 0)
        ike_random(ctx, &ctx->acct_prefix, sizeof(ctx->acct_prefix));
    if (ctx->acct_prefix == 0)
        ctx->acct_prefix = 1; /* 0 means "not drawn yet" */
}

/*
 * Accounting-On or -Off: about the NAS, not a session. Its Acct-Session-Id
 * (which RFC 2866 wants in every request) is this run's prefix with number
 * 0, which no session takes.
 */
static void emit_nas(struct ike_ctx *ctx, enum ike_radius_acct_status status)
{
    struct ike_acct_record *rec = calloc(1, sizeof(*rec));
    if (rec == NULL)
        return;
    session_prefix(ctx);
    rec->status = status;
    snprintf(rec->session_id, sizeof(rec->session_id), "%08X-%08X", ctx->acct_prefix, 0u);
    ctx->counters.radius_acct_on_off++;
    ike_log(ctx, IKE_LOG_INFO, "RADIUS accounting: %s",
            status == IKE_RADIUS_ACCT_ON ? "Accounting-On" : "Accounting-Off");
    ike_acct_client_send(ctx, rec);
    free(rec);
}

void ike_acct_boot(struct ike_ctx *ctx)
{
    if (ctx->acct_on_sent || !accounting_on(ctx))
        return;
    ctx->acct_on_sent = true;
    emit_nas(ctx, IKE_RADIUS_ACCT_ON);
}

static struct ike_acct *session(struct ike_sa *sa)
{
    if (sa->acct == NULL)
        sa->acct = calloc(1, sizeof(*sa->acct));
    return sa->acct;
}

void ike_acct_accept(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_radius_reply *rep,
                     const uint8_t *user, size_t user_len)
{
    struct ike_acct *a;
    if (!accounting_on(ctx) || (a = session(sa)) == NULL)
        return;
    a->user_len = user_len < sizeof(a->user) ? user_len : sizeof(a->user);
    memcpy(a->user, user, a->user_len);
    a->nclass = rep->nclass;
    memcpy(a->classes, rep->classes, sizeof(a->classes));
    a->has_interim = rep->has_interim_interval;
    a->interim_s = rep->interim_interval;
}

/* Without RADIUS's User-Name: the peer's IKE identity as text (a DN has none here). */
static void user_from_id(struct ike_acct *a, const struct ike_id *id)
{
    struct ike_addr ip = {0};
    char text[64];
    switch (id->type) {
    case IKE_ID_FQDN:
    case IKE_ID_RFC822_ADDR:
    case IKE_ID_KEY_ID:
        a->user_len = id->len;
        memcpy(a->user, id->data, id->len);
        return;
    case IKE_ID_IPV4_ADDR:
    case IKE_ID_IPV6_ADDR:
        if (id->len != (id->type == IKE_ID_IPV4_ADDR ? 4 : 16))
            return;
        ip.family = id->type == IKE_ID_IPV4_ADDR ? 4 : 6;
        memcpy(ip.ip, id->data, id->len);
        ike_addr_format(&ip, text, sizeof(text));
        a->user_len = strlen(text);
        memcpy(a->user, text, a->user_len);
        return;
    default:
        return;
    }
}

/* The session's counts: Child SAs gone, plus the last report of each one there. */
static struct ike_child_traffic totals(const struct ike_sa *sa)
{
    struct ike_child_traffic t = sa->acct->gone;
    for (unsigned i = 0; i < sa->nchildren; i++) {
        const struct ike_child_traffic *c = &sa->children[i]->traffic;
        t.packets_in += c->packets_in;
        t.bytes_in += c->bytes_in;
        t.packets_out += c->packets_out;
        t.bytes_out += c->bytes_out;
    }
    return t;
}

static void emit(struct ike_ctx *ctx, struct ike_sa *sa, enum ike_radius_acct_status status,
                 uint32_t cause)
{
    const struct ike_acct *a = sa->acct;
    struct ike_acct_record *rec = calloc(1, sizeof(*rec));
    if (rec == NULL)
        return;
    rec->status = status;
    memcpy(rec->session_id, a->session_id, sizeof(rec->session_id));
    memcpy(rec->user, a->user, a->user_len);
    rec->user_len = a->user_len;
    rec->client = sa->remote;
    for (unsigned i = 0; i < sa->nvips; i++) {
        /* Only the client's virtual IPs: those a responder gave it (not ours as initiator). */
        if (sa->vips_ours)
            break;
        if (sa->vips[i].addr.family == 4)
            rec->framed_ip = sa->vips[i].addr;
        else if (sa->vips[i].addr.family == 6)
            rec->framed_ip6 = sa->vips[i].addr;
    }
    rec->nclass = a->nclass;
    memcpy(rec->classes, a->classes, sizeof(rec->classes));
    if (status != IKE_RADIUS_ACCT_START) {
        /* Input is what the client sent (RFC 2866 5.3): the ESP we received. */
        struct ike_child_traffic t = totals(sa);
        rec->in_octets = t.bytes_in;
        rec->out_octets = t.bytes_out;
        rec->in_packets = (uint32_t)t.packets_in;
        rec->out_packets = (uint32_t)t.packets_out;
        rec->session_time = (uint32_t)((ike_now(ctx) - a->start_ns) / 1000000000ull);
    }
    rec->terminate_cause = cause;
    ike_acct_client_send(ctx, rec);
    free(rec);
}

static uint64_t interval_ns(const struct ike_ctx *ctx, const struct ike_acct *a)
{
    uint32_t s = a->has_interim ? a->interim_s : ctx->cfg.radius.accounting_interval_s;
    return (uint64_t)s * 1000000000ull;
}

void ike_acct_child_up(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (!accounting_on(ctx) || (sa->acct != NULL && sa->acct->started))
        return;
    bool fresh = sa->acct == NULL;
    struct ike_acct *a = session(sa);
    if (a == NULL)
        return;
    if (fresh)
        user_from_id(a, &sa->remote_id);
    session_prefix(ctx);
    snprintf(a->session_id, sizeof(a->session_id), "%08X-%08X", ctx->acct_prefix, ++ctx->acct_next);
    a->started = true;
    a->start_ns = ike_now(ctx);
    uint64_t every = interval_ns(ctx, a);
    a->next_interim_ns = every != 0 ? a->start_ns + every : 0;
    ctx->counters.radius_acct_starts++;
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "RADIUS accounting: session %s started", a->session_id);
    emit(ctx, sa, IKE_RADIUS_ACCT_START, 0);
}

void ike_acct_child_gone(struct ike_sa *sa, const struct ike_child *c)
{
    if (sa->acct == NULL)
        return;
    struct ike_child_traffic *g = &sa->acct->gone;
    g->packets_in += c->traffic.packets_in;
    g->bytes_in += c->traffic.bytes_in;
    g->packets_out += c->traffic.packets_out;
    g->bytes_out += c->traffic.bytes_out;
}

void ike_acct_tick(struct ike_ctx *ctx, struct ike_sa *sa, uint64_t now)
{
    struct ike_acct *a = sa->acct;
    if (a == NULL || !a->started || a->next_interim_ns == 0 || now < a->next_interim_ns)
        return;
    uint64_t every = interval_ns(ctx, a);
    /* One update however late the tick: the next is an interval from now, not a burst. */
    a->next_interim_ns = now + every;
    ctx->counters.radius_acct_interims++;
    emit(ctx, sa, IKE_RADIUS_ACCT_INTERIM, 0);
}

void ike_acct_end(struct ike_ctx *ctx, struct ike_sa *sa)
{
    struct ike_acct *a = sa->acct;
    if (a == NULL)
        return;
    if (a->started) {
        uint32_t cause = sa->acct_cause != 0 ? sa->acct_cause : IKE_RADIUS_TERM_USER_REQUEST;
        ctx->counters.radius_acct_stops++;
        ike_sa_log(ctx, sa, IKE_LOG_INFO, "RADIUS accounting: session %s stopped (cause %u)",
                   a->session_id, cause);
        emit(ctx, sa, IKE_RADIUS_ACCT_STOP, cause);
    }
    ike_acct_free(sa);
}

void ike_acct_move(struct ike_sa *from, struct ike_sa *to)
{
    if (from->acct == NULL)
        return;
    ike_acct_free(to); /* a new SA has none; never two sessions for one client */
    to->acct = from->acct;
    from->acct = NULL;
}

void ike_acct_free(struct ike_sa *sa)
{
    free(sa->acct);
    sa->acct = NULL;
}

unsigned ike_radius_acct_shutdown(struct ike_ctx *ctx)
{
    for (unsigned b = 0; ctx->by_ours != NULL && b < ctx->nbuckets; b++) {
        for (struct ike_sa *sa = ctx->by_ours[b]; sa != NULL; sa = sa->next_ours) {
            if (sa->acct == NULL)
                continue;
            sa->acct_cause = IKE_RADIUS_TERM_NAS_REBOOT;
            ike_acct_end(ctx, sa);
        }
    }
    if (ctx->acct_on_sent && !ctx->acct_off_sent) {
        ctx->acct_off_sent = true;
        emit_nas(ctx, IKE_RADIUS_ACCT_OFF);
    }
    return ike_radius_acct_pending(ctx);
}
