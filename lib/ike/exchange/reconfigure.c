/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A reloaded configuration, as strongSwan's `swanctl --load-all` does it:
 * established SAs stay with the configuration of their name, the SAs of a
 * removed one are deleted. SAs point into ike_config.peers; the caller owns
 * that array and frees the old one after this returns, so every SA is
 * pointed at the new array or at a private copy here before it does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike_sa.h"

/* A removed configuration, kept for its SAs until they are gone. */
struct ike_peer_orphan {
    struct ike_peer_orphan *next;
    struct ike_peer_cfg cfg;
};

int ike_sa_peer_index(const struct ike_ctx *ctx, const struct ike_sa *sa)
{
    for (unsigned i = 0; sa->peer != NULL && i < ctx->cfg.npeers; i++) {
        if (sa->peer == &ctx->cfg.peers[i])
            return (int)i;
    }
    return -1;
}

void ike_orphans_free(struct ike_ctx *ctx)
{
    while (ctx->orphans != NULL) {
        struct ike_peer_orphan *o = ctx->orphans;
        ctx->orphans = o->next;
        free(o);
    }
}

static const struct ike_peer_cfg *find_peer(const struct ike_config *cfg, const char *name)
{
    for (unsigned i = 0; i < cfg->npeers; i++) {
        if (strcmp(cfg->peers[i].name, name) == 0)
            return &cfg->peers[i];
    }
    return NULL;
}

/*
 * The copy of a removed configuration its SAs run on while they are deleted:
 * the credentials belong to the caller and go with the old configuration,
 * and a Delete needs none; nothing starts it again.
 */
static const struct ike_peer_cfg *orphan_of(struct ike_ctx *ctx, const struct ike_peer_cfg *old)
{
    for (struct ike_peer_orphan *o = ctx->orphans; o != NULL; o = o->next) {
        if (strcmp(o->cfg.name, old->name) == 0)
            return &o->cfg;
    }
    struct ike_peer_orphan *o = calloc(1, sizeof(*o));
    if (o == NULL)
        return NULL;
    o->cfg = *old;
    o->cfg.cred = NULL;
    o->cfg.trust = NULL;
    o->cfg.eap_secrets = NULL;
    o->cfg.neap_secrets = 0;
    memset(o->cfg.psk, 0, sizeof(o->cfg.psk));
    o->cfg.start_action = IKE_START_NONE;
    o->next = ctx->orphans;
    ctx->orphans = o;
    return &o->cfg;
}

/* Orphans no SA points to any more (their SAs are gone). */
static void drop_unused_orphans(struct ike_ctx *ctx)
{
    for (struct ike_peer_orphan **p = &ctx->orphans; *p != NULL;) {
        bool used = false;
        for (unsigned b = 0; b < ctx->nbuckets && !used; b++) {
            for (const struct ike_sa *sa = ctx->by_ours[b]; sa != NULL; sa = sa->next_ours)
                used |= sa->peer == &(*p)->cfg;
        }
        if (used) {
            p = &(*p)->next;
        } else {
            struct ike_peer_orphan *o = *p;
            *p = o->next;
            free(o);
        }
    }
}

/* The loop-detection history, per peer configuration, carried over by name. */
static struct ike_redirect_hist *carry_redirect_hist(struct ike_ctx *ctx,
                                                     const struct ike_config *cfg)
{
    struct ike_redirect_hist *h = calloc(cfg->npeers > 0 ? cfg->npeers : 1, sizeof(*h));
    if (h == NULL)
        return NULL;
    for (unsigned i = 0; i < cfg->npeers; i++) {
        h[i].at_ns = calloc(ctx->cfg.max_redirects, sizeof(uint64_t));
        if (h[i].at_ns == NULL) {
            for (unsigned j = 0; j < i; j++)
                free(h[j].at_ns);
            free(h);
            return NULL;
        }
        for (unsigned j = 0; ctx->redirect_hist != NULL && j < ctx->cfg.npeers; j++) {
            if (strcmp(ctx->cfg.peers[j].name, cfg->peers[i].name) == 0) {
                h[i].n = ctx->redirect_hist[j].n;
                memcpy(h[i].at_ns, ctx->redirect_hist[j].at_ns,
                       ctx->cfg.max_redirects * sizeof(uint64_t));
            }
        }
    }
    return h;
}

/* The SAs of removed configurations get their copies first: failing then changes nothing. */
static int make_orphans(struct ike_ctx *ctx, const struct ike_config *cfg)
{
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        for (const struct ike_sa *sa = ctx->by_ours[b]; sa != NULL; sa = sa->next_ours) {
            if (sa->peer != NULL && ike_sa_peer_index(ctx, sa) >= 0 &&
                find_peer(cfg, sa->peer->name) == NULL && orphan_of(ctx, sa->peer) == NULL)
                return -ENOMEM;
        }
    }
    return 0;
}

/* Every SA onto the new array or its copy, so nothing points into the old one. */
static void repoint_sas(struct ike_ctx *ctx, const struct ike_config *cfg)
{
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        for (struct ike_sa *sa = ctx->by_ours[b]; sa != NULL; sa = sa->next_ours) {
            if (sa->peer == NULL || ike_sa_peer_index(ctx, sa) < 0)
                continue; /* none yet, or already a copy */
            const struct ike_peer_cfg *next = find_peer(cfg, sa->peer->name);
            sa->peer = next != NULL ? next : orphan_of(ctx, sa->peer);
        }
    }
}

/* The new settings, but what the context built at start from the old ones stays. */
static void take_config(struct ike_ctx *ctx, const struct ike_config *cfg)
{
    struct ike_config keep = ctx->cfg;
    ctx->cfg = *cfg;
    ike_config_defaults(&ctx->cfg);
    ctx->cfg.max_sas = keep.max_sas; /* the SA table's size */
    ctx->cfg.max_redirects = keep.max_redirects;
    ctx->cfg.local_addrs = keep.local_addrs; /* the context's own copies (mobike_switch.c) */
    ctx->cfg.nlocal_addrs = keep.nlocal_addrs;
    ctx->cfg.announce_addrs = keep.announce_addrs;
    ctx->cfg.nannounce_addrs = keep.nannounce_addrs;
    ctx->cfg.pools = NULL; /* read once, by ike_cp_init: the pools made then stay */
    ctx->cfg.npools = keep.npools;
    ctx->cfg.radius = keep.radius;
    /* The maker's secrets were copied at start (qcd_sa.c); the pointer says only "QCD on". */
    ctx->cfg.qcd_keys = keep.qcd_keys != NULL ? &ctx->qcd : NULL;
    ctx->cfg.qcd_prev_valid_s = keep.qcd_prev_valid_s;
}

int ike_reconfigure(struct ike_ctx *ctx, const struct ike_config *cfg,
                    struct ike_reconfigure_result *res)
{
    struct ike_reconfigure_result none = {0};
    if (res == NULL)
        res = &none;
    *res = none;
    struct ike_redirect_hist *hist = carry_redirect_hist(ctx, cfg);
    if (hist == NULL)
        return -ENOMEM;
    if (make_orphans(ctx, cfg) < 0) {
        for (unsigned i = 0; i < cfg->npeers; i++)
            free(hist[i].at_ns);
        free(hist);
        drop_unused_orphans(ctx);
        return -ENOMEM;
    }
    repoint_sas(ctx, cfg);
    for (unsigned i = 0; ctx->redirect_hist != NULL && i < ctx->cfg.npeers; i++)
        free(ctx->redirect_hist[i].at_ns);
    free(ctx->redirect_hist);
    ctx->redirect_hist = hist;
    take_config(ctx, cfg);
    /* Then the SAs whose configuration is gone: the peer told, their Child SAs removed. */
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        struct ike_sa *sa = ctx->by_ours[b];
        while (sa != NULL) {
            struct ike_sa *next = sa->next_ours;
            bool live = sa->state != IKE_SA_DELETING && sa->state != IKE_SA_DEAD;
            if (sa->peer != NULL && live && ike_sa_peer_index(ctx, sa) >= 0) {
                res->kept++;
                ctx->counters.reload_sas_kept++;
            } else if (sa->peer != NULL && live) {
                ike_sa_log(ctx, sa, IKE_LOG_INFO,
                           "the peer configuration is no longer there: deleting the SA");
                res->deleted++;
                ctx->counters.reload_sas_deleted++;
                ike_delete(ctx, sa->spi_i, sa->spi_r);
            }
            sa = next;
        }
    }
    drop_unused_orphans(ctx);
    return 0;
}
