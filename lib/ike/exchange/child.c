/* SPDX-License-Identifier: BSD-3-Clause */
/* Child SAs: key material (RFC 7296 2.17), lifetimes, and hand-over to the dataplane. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "ike_sa.h"

/* Key lengths of an ESP transform set: AES key plus 4 bytes of salt for GCM (RFC 4106 8.1). */
static int esp_key_lens(const struct ike_chosen *alg, size_t *encr, size_t *integ)
{
    struct ike_sk_suite s;
    int rc = ike_sk_suite_init(&s, alg->encr.id, alg->encr.key_bits, alg->integ);
    if (rc < 0)
        return rc;
    *encr = s.encr_key_len;
    *integ = s.integ_key_len;
    return 0;
}

static struct ike_child *container(struct ike_child_sa *child)
{
    /* struct ike_child starts with its ike_child_sa. */
    return (struct ike_child *)child;
}

static int child_index(const struct ike_sa *sa, const struct ike_child *c)
{
    for (unsigned i = 0; i < sa->nchildren; i++) {
        if (sa->children[i] == c)
            return (int)i;
    }
    return -1;
}

struct ike_child_sa *ike_child_new(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (sa->nchildren >= IKE_MAX_CHILDREN) {
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "has %u Child SAs: no room for more", sa->nchildren);
        return NULL;
    }
    struct ike_child *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->state = IKE_CHILD_NEW;
    sa->children[sa->nchildren++] = c;
    return &c->sa;
}

static void unlink_child(struct ike_sa *sa, struct ike_child *c)
{
    int i = child_index(sa, c);
    if (i < 0)
        return;
    sa->children[i] = sa->children[--sa->nchildren];
    sa->children[sa->nchildren] = NULL;
    memset(c, 0, sizeof(*c)); /* keys do not outlive their SA */
    free(c);
}

void ike_child_discard(struct ike_sa *sa, struct ike_child_sa *child)
{
    if (child != NULL && container(child)->state == IKE_CHILD_NEW)
        unlink_child(sa, container(child));
}

uint32_t ike_child_fresh_spi(struct ike_ctx *ctx, const struct ike_sa *sa)
{
    for (;;) {
        uint32_t spi = 0;
        ike_random(ctx, &spi, sizeof(spi));
        if (spi < 256) /* 1-255 are reserved (RFC 4303 2.1) */
            continue;
        bool used = spi == sa->pending.new_spi;
        for (unsigned i = 0; i < sa->nchildren && !used; i++)
            used = sa->children[i]->sa.spi_in == spi;
        if (!used)
            return spi;
    }
}

void ike_child_schedule(struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_child *c)
{
    const struct ike_peer_cfg *p = sa->peer;
    c->installed_ns = ike_now(ctx);
    c->rekey_ns = p != NULL ? ike_deadline(ctx, p, p->child_rekey_s) : 0;
    c->expire_ns =
        p != NULL && p->child_life_s > 0 ? c->installed_ns + p->child_life_s * 1000000000ull : 0;
    if (c->expire_ns != 0 && c->rekey_ns >= c->expire_ns)
        c->rekey_ns = 0; /* a rekey after the hard limit would never happen */
}

/*
 * Where a new Child SA's ESP goes: the IKE SA's addresses, except while a
 * moved peer's new address is being checked (RFC 4555 3.7: due, or the
 * check out). ESP then stays where the other Child SAs already send, and a
 * Child SA made meanwhile (a rekey right after the move) follows with them
 * once the check passes; else it would reach the unchecked address first.
 */
static void child_addresses(const struct ike_sa *sa, struct ike_child_sa *child)
{
    child->local = sa->local;
    child->remote = sa->remote;
    child->udp_encap = sa->nat_detected;
    child->esp_rebind = ike_rebind_wanted(sa);
    bool checking = sa->mobike_check_due ||
                    (sa->request.buf != NULL && sa->pending.kind == IKE_REQ_MOBIKE_CHECK);
    for (unsigned i = 0; checking && i < sa->nchildren; i++) {
        const struct ike_child *other = sa->children[i];
        if (&other->sa == child || other->state == IKE_CHILD_NEW)
            continue;
        child->local = other->sa.local;
        child->remote = other->sa.remote;
        child->udp_encap = other->sa.udp_encap;
        return;
    }
}

int ike_child_install_keyed(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child_sa *child,
                            const struct ike_child_keying *k)
{
    struct ike_child *c = container(child);
    int rc = esp_key_lens(&child->alg, &child->encr_key_len, &child->integ_key_len);
    if (rc < 0) {
        ike_child_log(ctx, sa, child, IKE_LOG_WARN,
                      "ESP transforms %u/%u not supported by the dataplane", child->alg.encr.id,
                      child->alg.integ);
        ike_child_discard(sa, child);
        return rc;
    }
    /* Initiator-to-responder keys come first, encryption before integrity in each. */
    uint8_t km[2 * (IKE_CHILD_KEY_MAX + 64)];
    size_t half = child->encr_key_len + child->integ_key_len;
    rc = ike_derive_child_keymat(sa->alg.prf, sa->keys.sk_d, sa->keys.lens.prf, k->gir, k->gir_len,
                                 k->ni, k->ni_len, k->nr, k->nr_len, km, 2 * half);
    if (rc < 0) {
        ike_child_discard(sa, child);
        return rc;
    }
    const uint8_t *i2r = km, *r2i = km + half;
    const uint8_t *in = k->we_initiated ? r2i : i2r;
    const uint8_t *out = k->we_initiated ? i2r : r2i;
    memcpy(child->encr_in, in, child->encr_key_len);
    memcpy(child->integ_in, in + child->encr_key_len, child->integ_key_len);
    memcpy(child->encr_out, out, child->encr_key_len);
    memcpy(child->integ_out, out + child->encr_key_len, child->integ_key_len);
    memset(km, 0, sizeof(km));
    child->ike_spi_i = sa->spi_i;
    child->ike_spi_r = sa->spi_r;
    child_addresses(sa, child);
    rc = ctx->be.child_install != NULL ? ctx->be.child_install(ctx->be.opaque, child) : 0;
    if (rc < 0) {
        ike_child_log(ctx, sa, child, IKE_LOG_ERR, "the dataplane refused the Child SA");
        ike_child_discard(sa, child);
        return rc;
    }
    c->state = IKE_CHILD_INSTALLED;
    ike_child_schedule(ctx, sa, c);
    ctx->counters.child_installed++;
    ike_acct_child_up(ctx, sa);
    ike_child_log(ctx, sa, child, IKE_LOG_INFO, "Child SA installed: %s-%u%s%s%s",
                  ike_transform_id_name(IKE_TT_ENCR, child->alg.encr.id), child->alg.encr.key_bits,
                  k->gir != NULL ? " PFS" : "", child->udp_encap ? " in UDP" : "",
                  child->rekey_of != 0 ? " (rekey)" : "");
    return 0;
}

int ike_child_derive_and_install(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child_sa *child)
{
    const struct ike_child_keying k = {.ni = sa->ni,
                                       .ni_len = sa->ni_len,
                                       .nr = sa->nr,
                                       .nr_len = sa->nr_len,
                                       .we_initiated = sa->initiator};
    return ike_child_install_keyed(ctx, sa, child, &k);
}

struct ike_child *ike_child_by_spi_in(struct ike_sa *sa, uint32_t spi_in)
{
    for (unsigned i = 0; i < sa->nchildren; i++) {
        if (sa->children[i]->state != IKE_CHILD_NEW && sa->children[i]->sa.spi_in == spi_in)
            return sa->children[i];
    }
    return NULL;
}

struct ike_child *ike_child_by_spi_out(struct ike_sa *sa, uint32_t spi_out)
{
    for (unsigned i = 0; i < sa->nchildren; i++) {
        if (sa->children[i]->state != IKE_CHILD_NEW && sa->children[i]->sa.spi_out == spi_out)
            return sa->children[i];
    }
    return NULL;
}

void ike_child_remove(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child *c)
{
    if (c->state != IKE_CHILD_NEW) {
        if (ctx->be.child_delete != NULL)
            ctx->be.child_delete(ctx->be.opaque, &c->sa);
        ctx->counters.child_deleted++;
        /* Its traffic as last reported stays in the log when the SA is gone (an audit trail). */
        const struct ike_child_traffic *t = &c->traffic;
        ike_child_log(ctx, sa, &c->sa, IKE_LOG_INFO,
                      "Child SA deleted: in %llu packets %llu bytes, out %llu packets %llu bytes",
                      (unsigned long long)t->packets_in, (unsigned long long)t->bytes_in,
                      (unsigned long long)t->packets_out, (unsigned long long)t->bytes_out);
        ike_acct_child_gone(sa, c);
    }
    unlink_child(sa, c);
}

void ike_children_delete(struct ike_ctx *ctx, struct ike_sa *sa)
{
    while (sa->nchildren > 0)
        ike_child_remove(ctx, sa, sa->children[sa->nchildren - 1]);
}

void ike_children_move(struct ike_sa *from, struct ike_sa *to)
{
    for (unsigned i = 0; i < from->nchildren && to->nchildren < IKE_MAX_CHILDREN; i++) {
        struct ike_child *c = from->children[i];
        c->sa.ike_spi_i = to->spi_i;
        c->sa.ike_spi_r = to->spi_r;
        to->children[to->nchildren++] = c;
        from->children[i] = NULL;
    }
    from->nchildren = 0;
    ike_cp_move(from, to);   /* the Child SAs' virtual IPs go with them */
    ike_acct_move(from, to); /* and their accounting session, under the same Acct-Session-Id */
}

int ike_child_traffic(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r, uint32_t spi_in,
                      const struct ike_child_traffic *t)
{
    /* Our SPI is whichever the SA was created under: one of the two. */
    struct ike_sa *sa = ike_sa_find_ours(ctx, spi_r);
    if (sa == NULL || sa->spi_i != spi_i || sa->spi_r != spi_r)
        sa = ike_sa_find_ours(ctx, spi_i);
    if (sa == NULL || sa->spi_i != spi_i || sa->spi_r != spi_r)
        return -ENOENT;
    struct ike_child *c = ike_child_by_spi_in(sa, spi_in);
    if (c == NULL)
        return -ENOENT;
    c->traffic = *t;
    c->bytes = t->bytes_in + t->bytes_out;
    /* Protected traffic from the peer proves it alive as well as an IKE message does. */
    if (t->last_in_ns > sa->last_rx_ns)
        sa->last_rx_ns = t->last_in_ns;
    return 0;
}

void ike_child_usage(struct ike_ctx *ctx, uint32_t child_spi_in, uint64_t bytes)
{
    /* Linear in SAs: the dataplane reports in batches, a few times a second. */
    for (unsigned b = 0; b < ctx->nbuckets; b++) {
        for (struct ike_sa *sa = ctx->by_ours[b]; sa != NULL; sa = sa->next_ours) {
            struct ike_child *c = ike_child_by_spi_in(sa, child_spi_in);
            if (c != NULL) {
                c->bytes = bytes;
                return;
            }
        }
    }
}
