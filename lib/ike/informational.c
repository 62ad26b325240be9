/* SPDX-License-Identifier: BSD-3-Clause */
/* INFORMATIONAL exchanges (RFC 7296 1.4): deletes and liveness checks. */
#include <errno.h>
#include <string.h>

#include "ike_sa.h"
#include "ike_writer.h"

static int build_delete_ike(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    (void)sa;
    (void)arg;
    const struct ike_delete_payload d = {.protocol = IKE_PROTO_IKE};
    return ike_delete_encode(w, &d);
}

/* Answers Child SA deletes with deletes of our side (RFC 7296 1.4.1). */
static int build_delete_children(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w,
                                 void *arg)
{
    (void)ctx;
    (void)sa;
    const struct ike_delete_payload *d = arg;
    if (d == NULL || d->nspis == 0)
        return 0;
    return ike_delete_encode(w, d);
}

void ike_info_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    uint32_t msg_id = m->hdr.msg_id;
    sa->next_peer_id = msg_id + 1;
    uint8_t ours[4 * IKE_MAX_CHILDREN];
    struct ike_delete_payload reply = {.protocol = IKE_PROTO_ESP, .spi_size = 4, .spis = ours};
    for (const struct ike_pl *pl = ike_msg_find(m, IKE_PL_DELETE, NULL); pl != NULL;
         pl = ike_msg_find(m, IKE_PL_DELETE, pl)) {
        struct ike_delete_payload d;
        if (ike_delete_decode(pl, &d, NULL) < 0)
            continue;
        if (d.protocol == IKE_PROTO_IKE) {
            ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, true, msg_id, NULL, NULL);
            ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "deleted by peer");
            return;
        }
        for (unsigned i = 0; i < d.nspis; i++) {
            uint32_t spi = ike_get32(d.spis + 4 * i);
            for (unsigned c = 0; c < sa->nchildren; c++) {
                if (sa->children[c].spi_out == spi && reply.nspis < IKE_MAX_CHILDREN) {
                    ike_put32(ours + 4 * reply.nspis++, sa->children[c].spi_in);
                }
            }
        }
    }
    if (reply.nspis > 0) {
        /* Only one Child SA per IKE SA exists so far. */
        ike_children_delete(ctx, sa);
    }
    ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, true, msg_id, build_delete_children,
                       &reply);
}

void ike_info_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    (void)m;
    if (sa->state == IKE_SA_DELETING)
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "delete acknowledged");
}

int ike_delete(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r)
{
    struct ike_sa *sa = NULL;
    sa = ike_sa_find_ours(ctx, spi_i);
    if (sa == NULL || !sa->initiator)
        sa = ike_sa_find_ours(ctx, spi_r);
    if (sa == NULL || sa->spi_i != spi_i || sa->spi_r != spi_r)
        return -ENOENT;
    if (sa->state != IKE_SA_ESTABLISHED) {
        ike_sa_set_state(ctx, sa, IKE_SA_DEAD, "deleted before established");
        ike_sa_destroy(ctx, sa);
        return 0;
    }
    int rc = ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id,
                                build_delete_ike, NULL);
    ike_sa_set_state(ctx, sa, IKE_SA_DELETING, "delete requested");
    return rc;
}
