/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP-triggered NAT rebinding (RFC 7296 2.23, docs/control-plane.md): a
 * NATed peer that only sends ESP gets a new mapping when its NAT rebinds,
 * and our ESP would go on to the old one until its next IKE message. The
 * dataplane reports authentic ESP from elsewhere (ike_child_peer_moved); a
 * liveness check goes to the new mapping, and only its authenticated answer
 * from there moves the SA, through follow_peer like any IKE message from a
 * new address. ESP alone never moves it: a packet that passed ICV and
 * anti-replay may still have been relayed from anywhere by an attacker on
 * the path, who cannot answer the check.
 */
#include <errno.h>

#include "ike_sa.h"

bool ike_rebind_wanted(const struct ike_sa *sa)
{
    /*
     * As follow_peer: a gateway not itself behind a NAT follows a NATed
     * peer, MOBIKE never. A responder installs the first Child SA before its
     * answer turns MOBIKE on: the peer's MOBIKE_SUPPORTED, if we allow it, says.
     */
    bool mobike =
        sa->mobike || (sa->mobike_peer && sa->peer != NULL && sa->peer->mobike == IKE_MOBIKE_YES);
    return sa->nat_detected && sa->peer_behind_nat && !sa->local_behind_nat && !mobike;
}

const struct ike_addr *ike_request_remote(const struct ike_sa *sa)
{
    return sa->rebind_check ? &sa->rebind_to : &sa->remote;
}

bool ike_rebind_tick(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (!sa->rebind_due || sa->request.buf != NULL)
        return false;
    sa->rebind_due = false;
    /* Meanwhile an IKE message from there moved the SA, or it changed: nothing to check. */
    if (sa->state != IKE_SA_ESTABLISHED || !ike_rebind_wanted(sa) ||
        ike_addr_equal(&sa->rebind_to, &sa->remote))
        return false;
    char to[IKE_ADDR_STRLEN];
    ike_addr_format(&sa->rebind_to, to, sizeof(to));
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "ESP from %s, checking the peer there", to);
    ctx->counters.esp_rebind_checks++;
    sa->rebind_check = true;
    sa->pending.kind = IKE_REQ_REBIND_CHECK;
    ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id, NULL, NULL);
    return true;
}

void ike_rebind_retransmit(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (!sa->rebind_check || sa->tries < IKE_REBIND_TRIES)
        return;
    /*
     * No answer from the new mapping: the SA stays. The request keeps its
     * message ID and goes on to where the SA is, an ordinary liveness check
     * with the whole retransmission budget (the peer may never have seen it).
     */
    sa->rebind_check = false;
    sa->tries = 0;
    ctx->counters.esp_rebind_no_answer++;
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "no answer from the new mapping, not moved");
}

void ike_rebind_response(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (!sa->rebind_check)
        return; /* it gave up on the new mapping: an ordinary liveness answer */
    sa->rebind_check = false;
    /* follow_peer moved the SA (and its Child SAs) if the answer came from the new mapping. */
    if (ike_addr_equal(&sa->remote, &sa->rebind_to))
        ctx->counters.esp_rebind_moved++;
    else
        ctx->counters.esp_rebind_answered_elsewhere++;
}

int ike_child_peer_moved(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r, uint32_t spi_in,
                         const struct ike_addr *from)
{
    struct ike_sa *sa = ike_sa_find_pair(ctx, spi_i, spi_r);
    if (sa == NULL || ike_child_by_spi_in(sa, spi_in) == NULL)
        return -ENOENT; /* the dataplane may ask again under the rekeyed IKE SA's SPIs */
    ctx->counters.esp_rebind_reported++;
    if (sa->state != IKE_SA_ESTABLISHED) {
        ctx->counters.esp_rebind_not_established++;
        return 0;
    }
    if (sa->mobike) {
        ctx->counters.esp_rebind_mobike++; /* RFC 4555 3.8: only UPDATE_SA_ADDRESSES moves it */
        return 0;
    }
    if (!ike_rebind_wanted(sa) || from->family != sa->remote.family) {
        ctx->counters.esp_rebind_no_nat++;
        return 0;
    }
    if (ike_addr_equal(from, &sa->remote)) {
        ctx->counters.esp_rebind_same_address++;
        return 0;
    }
    if (sa->rebind_due || sa->rebind_check) {
        /* One check at a time; one not sent yet goes to the newest mapping. */
        ctx->counters.esp_rebind_coalesced++;
        if (sa->rebind_due)
            sa->rebind_to = *from;
        return 0;
    }
    sa->rebind_to = *from;
    sa->rebind_due = true;
    ike_rebind_tick(ctx, sa); /* now, unless a request of ours is out: then ike_tick, later */
    return 0;
}
