/* SPDX-License-Identifier: BSD-3-Clause */
/* Child SA key material (RFC 7296 2.17) and hand-over to the dataplane. */
#include <errno.h>
#include <string.h>

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

int ike_child_derive_and_install(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child_sa *c)
{
    int rc = esp_key_lens(&c->alg, &c->encr_key_len, &c->integ_key_len);
    if (rc < 0) {
        ike_log(ctx, IKE_LOG_WARN, "ESP transforms %u/%u not supported by the dataplane",
                c->alg.encr.id, c->alg.integ);
        return rc;
    }
    /* Initiator-to-responder keys come first, encryption before integrity in each. */
    uint8_t km[2 * (IKE_CHILD_KEY_MAX + 64)];
    size_t half = c->encr_key_len + c->integ_key_len;
    rc = ike_derive_child_keymat(sa->alg.prf, sa->keys.sk_d, sa->keys.lens.prf, NULL, 0, sa->ni,
                                 sa->ni_len, sa->nr, sa->nr_len, km, 2 * half);
    if (rc < 0)
        return rc;
    const uint8_t *i2r = km, *r2i = km + half;
    const uint8_t *in = sa->initiator ? r2i : i2r;
    const uint8_t *out = sa->initiator ? i2r : r2i;
    memcpy(c->encr_in, in, c->encr_key_len);
    memcpy(c->integ_in, in + c->encr_key_len, c->integ_key_len);
    memcpy(c->encr_out, out, c->encr_key_len);
    memcpy(c->integ_out, out + c->encr_key_len, c->integ_key_len);
    memset(km, 0, sizeof(km));
    c->ike_spi_i = sa->spi_i;
    c->ike_spi_r = sa->spi_r;
    c->local = sa->local;
    c->remote = sa->remote;
    c->udp_encap = sa->nat_detected;
    rc = ctx->be.child_install != NULL ? ctx->be.child_install(ctx->be.opaque, c) : 0;
    if (rc < 0) {
        ike_log(ctx, IKE_LOG_ERR, "dataplane refused Child SA %08x/%08x", c->spi_in, c->spi_out);
        return rc;
    }
    sa->nchildren = 1;
    ctx->counters.child_installed++;
    ike_log(ctx, IKE_LOG_INFO, "Child SA installed: in %08x out %08x %s-%u%s", c->spi_in,
            c->spi_out, ike_transform_id_name(IKE_TT_ENCR, c->alg.encr.id), c->alg.encr.key_bits,
            c->udp_encap ? " in UDP" : "");
    return 0;
}

void ike_children_delete(struct ike_ctx *ctx, struct ike_sa *sa)
{
    for (unsigned i = 0; i < sa->nchildren; i++) {
        if (ctx->be.child_delete != NULL)
            ctx->be.child_delete(ctx->be.opaque, &sa->children[i]);
        ctx->counters.child_deleted++;
    }
    memset(sa->children, 0, sizeof(sa->children));
    sa->nchildren = 0;
}
