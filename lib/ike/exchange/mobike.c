/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MOBIKE (RFC 4555): veer as the responder of a roaming client.
 * MOBIKE_SUPPORTED in IKE_AUTH (3.2), UPDATE_SA_ADDRESSES taken (3.5) with
 * NAT detection re-evaluated (3.8) and NO_NATS_ALLOWED checked (3.9),
 * COOKIE2 echoed (4.2.5), the return routability check (3.7). And the
 * initiator's message: ike_mobike_move() moves our side (or the peer's) and
 * tells the peer. Addresses, r-MOBIKE's switch and moves when our address
 * goes away are in mobike_switch.c (docs/mobike.md).
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <string.h>

#include "ike_natd.h"
#include "ike_sa.h"
#include "ike_writer.h"

bool ike_mobike_allowed(const struct ike_peer_cfg *peer)
{
    return peer != NULL && peer->mobike == IKE_MOBIKE_YES;
}

/* ---- IKE_AUTH ---- */

void ike_mobike_note_auth(struct ike_sa *sa, const struct ike_msg *m)
{
    /* Its data is ignored (4.2.1), but for r-MOBIKE's single 'R' (draft 4.1). */
    const struct ike_pl *pl = ike_msg_find_notify(m, IKE_N_MOBIKE_SUPPORTED);
    struct ike_notify_payload n;
    if (pl == NULL)
        return;
    sa->mobike_peer = true;
    sa->rmobike_peer |= ike_notify_decode(pl, &n, NULL) == 0 && ike_notify_mobike_says_r(&n);
}

void ike_mobike_put_auth(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w)
{
    if (!ike_mobike_allowed(sa->peer))
        return;
    if (sa->initiator) {
        /* r-MOBIKE (draft 4.1): the initiator's single 'R' says it follows switches. */
        static const uint8_t r = IKE_RMOBIKE_OCTET;
        bool say_r = sa->peer->rmobike == IKE_RMOBIKE_YES;
        ike_notify_encode_simple(w, IKE_N_MOBIKE_SUPPORTED, say_r ? &r : NULL, say_r ? 1 : 0);
        return;
    }
    if (!sa->mobike_peer)
        return;
    /* Responder: the response with the Child SA says yes, and MOBIKE is on from here. */
    ike_notify_encode_simple(w, IKE_N_MOBIKE_SUPPORTED, NULL, 0);
    /* Our other addresses (3.4), or NO_ADDITIONAL_ADDRESSES: the client must not guess any. */
    ike_mobike_put_addresses(ctx, sa, w);
    if (!sa->mobike)
        ctx->counters.mobike_negotiated++;
    sa->mobike = true;
}

void ike_mobike_auth_done(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    if (!ike_mobike_allowed(sa->peer) || ike_msg_find_notify(m, IKE_N_MOBIKE_SUPPORTED) == NULL)
        return;
    sa->mobike_peer = sa->mobike = true;
    ctx->counters.mobike_negotiated++;
    /* The responder's other addresses (3.4): where a switch may send us. */
    if (!ike_mobike_learn_addrs(sa, m))
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "unreadable ADDITIONAL_*_ADDRESS ignored");
}

/* ---- the responder: INFORMATIONAL requests ---- */

bool ike_mobike_is_update(const struct ike_msg *m)
{
    return m->hdr.exchange == IKE_EXCH_INFORMATIONAL && !ike_hdr_is_response(&m->hdr) &&
           ike_msg_find_notify(m, IKE_N_UPDATE_SA_ADDRESSES) != NULL;
}

/* MOBIKE's notifies in a request, read. */
struct notes {
    bool update, no_nats, malformed;
    struct ike_bytes cookie2; /* len 0: none */
    struct ike_addr no_nats_src, no_nats_dst;
};

/* Reads the notifies; a COOKIE2 or NO_NATS_ALLOWED we cannot read sets `malformed`. */
static void read_notes(const struct ike_msg *m, struct notes *n)
{
    memset(n, 0, sizeof(*n));
    for (unsigned i = 0; i < m->npayloads; i++) {
        struct ike_notify_payload p;
        if (m->pl[i].type != IKE_PL_NOTIFY || ike_notify_decode(&m->pl[i], &p, NULL) < 0)
            continue;
        switch (p.type) {
        case IKE_N_UPDATE_SA_ADDRESSES:
            n->update = true;
            n->malformed |= ike_notify_no_data_decode(&p, NULL) < 0;
            break;
        case IKE_N_COOKIE2:
            n->malformed |=
                n->cookie2.len > 0 || ike_notify_cookie2_decode(&p, &n->cookie2, NULL) < 0;
            break;
        case IKE_N_ADDITIONAL_IP4_ADDRESS:
        case IKE_N_ADDITIONAL_IP6_ADDRESS: {
            struct ike_addr a;
            n->malformed |= ike_notify_additional_decode(&p, &a, NULL) < 0;
            break;
        }
        case IKE_N_NO_NATS_ALLOWED:
            n->malformed |= n->no_nats || ike_notify_no_nats_decode(&p, &n->no_nats_src,
                                                                    &n->no_nats_dst, NULL) < 0;
            n->no_nats = true;
            break;
        default:
            break;
        }
    }
}

static void log_move(struct ike_ctx *ctx, const struct ike_sa *sa, const struct ike_addr *from,
                     const struct ike_addr *to, const char *why)
{
    char a[IKE_ADDR_STRLEN], b[IKE_ADDR_STRLEN];
    ike_addr_format(from, a, sizeof(a));
    ike_addr_format(to, b, sizeof(b));
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "%s %s to %s%s", why, a, b,
               sa->nat_detected ? ", ESP in UDP" : "");
}

/*
 * RFC 4555 3.5: the IKE SA takes the request's addresses from the IP header
 * (`local` where it arrived, `remote` where it came from), NAT detection (or
 * a matching NO_NATS_ALLOWED, which says there is no NAT) switches ESP-in-UDP,
 * and every Child SA follows.
 */
static void take_update(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                        const struct notes *n)
{
    const struct ike_addr *local = &sa->reply_local, *remote = &sa->reply_remote;
    struct ike_natd_seen seen = ike_natd_check(m, sa->spi_i, sa->spi_r, local, remote);
    bool moved = !ike_addr_equal(&sa->local, local) || !ike_addr_equal(&sa->remote, remote);
    bool encap_was = sa->nat_detected;
    if (seen.present) {
        sa->peer_behind_nat = seen.peer_behind_nat;
        sa->local_behind_nat = seen.local_behind_nat;
        sa->nat_detected = seen.peer_behind_nat || seen.local_behind_nat;
    } else if (n->no_nats) {
        sa->peer_behind_nat = sa->local_behind_nat = sa->nat_detected = false;
    }
    struct ike_addr from = sa->remote;
    sa->local = *local;
    sa->remote = *remote;
    sa->natt = local->port == IKE_NATT_PORT;
    ctx->counters.mobike_updates++;
    ctx->counters.peer_address_updated += moved;
    ike_mobike_switch_note_update(ctx, sa);
    ctx->counters.mobike_nat_on += !encap_was && sa->nat_detected;
    ctx->counters.mobike_nat_off += encap_was && !sa->nat_detected;
    log_move(ctx, sa, &from, remote, moved ? "MOBIKE: peer moved from" : "MOBIKE: peer stays at");
    /*
     * 3.7: ESP goes to a new peer address only once it proved it receives
     * there; otherwise an authenticated peer could aim our ESP at anyone.
     * Our IKE messages go there at once: the check is one of them.
     */
    bool peer_moved = !ike_addr_equal(&from, remote);
    if (peer_moved && !sa->peer->mobike_no_check)
        sa->mobike_check_due = true;
    else if (moved || encap_was != sa->nat_detected)
        ike_sa_update_children(ctx, sa);
}

void ike_mobike_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                        struct ike_mobike_answer *a)
{
    memset(a, 0, sizeof(*a));
    struct notes n;
    read_notes(m, &n);
    /* r-MOBIKE's SWITCH_TO_IP_ADDRESS (the number is the configuration's, so read apart). */
    uint16_t switch_error = ike_mobike_switch_request(ctx, sa, m);
    if (!sa->mobike) {
        /* Not negotiated: an unknown status notify to this SA, ignored (RFC 7296 3.10.1). */
        if (n.update) {
            ctx->counters.mobike_not_negotiated++;
            ike_sa_log(ctx, sa, IKE_LOG_WARN, "UPDATE_SA_ADDRESSES without MOBIKE: not moved");
        }
        return;
    }
    if (n.malformed || switch_error != 0) {
        ctx->counters.mobike_malformed++;
        a->error = IKE_N_INVALID_SYNTAX;
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "unreadable MOBIKE notify: not moved");
        return;
    }
    if (n.cookie2.len > 0) {
        a->cookie2_len = (uint8_t)n.cookie2.len;
        memcpy(a->cookie2, n.cookie2.ptr, n.cookie2.len);
    }
    /* 3.9: the addresses the peer sent from and to must be those we see, or a NAT is between. */
    if (n.no_nats && (!ike_addr_equal(&n.no_nats_src, &sa->reply_remote) ||
                      !ike_addr_equal(&n.no_nats_dst, &sa->reply_local))) {
        ctx->counters.mobike_unexpected_nat++;
        a->error = IKE_N_UNEXPECTED_NAT_DETECTED;
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "NO_NATS_ALLOWED, but the addresses were translated");
        return;
    }
    /* 3.8: NAT detection in any INFORMATIONAL request is answered with ours. */
    a->natd = ike_natd_check(m, sa->spi_i, sa->spi_r, &sa->reply_local, &sa->reply_remote).present;
    /* The responder's new address list replaces the old one (3.6); read above, so valid. */
    if (sa->mobike_initiator)
        ike_mobike_learn_addrs(sa, m);
    ike_mobike_switch_note_request(ctx, sa, n.update);
    if (n.update)
        take_update(ctx, sa, m, &n);
}

int ike_mobike_put_answer(struct ike_sa *sa, struct ike_writer *w,
                          const struct ike_mobike_answer *a)
{
    if (a->error != 0)
        ike_notify_encode_simple(w, a->error, NULL, 0);
    /* Ours as this answer leaves: from where the request arrived, to where it came from. */
    if (a->natd)
        ike_natd_put(w, sa->spi_i, sa->spi_r, &sa->reply_local, &sa->reply_remote);
    if (a->cookie2_len > 0) {
        const struct ike_bytes c = {a->cookie2, a->cookie2_len};
        ike_notify_cookie2_encode(w, &c);
    }
    return w->overflow ? -ENOSPC : 0;
}

/* ---- the initiator: ike_mobike_update() ---- */

struct update_req {
    unsigned flags;
    const uint8_t *cookie2;
};

static int build_update(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    const struct update_req *r = arg;
    ike_notify_encode_simple(w, IKE_N_UPDATE_SA_ADDRESSES, NULL, 0);
    if (r->flags & IKE_MOBIKE_NO_NATS)
        ike_notify_no_nats_encode(w, &sa->local, &sa->remote);
    else
        ike_natd_put(w, sa->spi_i, sa->spi_r, &sa->local, &sa->remote);
    const struct ike_bytes c = {r->cookie2, IKE_MOBIKE_COOKIE2_LEN};
    ike_notify_cookie2_encode(w, &c);
    return w->overflow ? -ENOSPC : 0;
}

int ike_mobike_update(struct ike_ctx *ctx, uint64_t spi_i, uint64_t spi_r,
                      const struct ike_addr *new_local, unsigned flags)
{
    struct ike_sa *sa = ike_sa_find_pair(ctx, spi_i, spi_r);
    if (sa == NULL || sa->state != IKE_SA_ESTABLISHED)
        return -ENOENT;
    /* The original initiator's, also after the responder rekeyed the IKE SA. */
    if (!sa->mobike_initiator || !sa->mobike)
        return -ENOTSUP;
    if (sa->request.buf != NULL)
        return -EBUSY;
    if (new_local->family != sa->remote.family)
        return -EAFNOSUPPORT;
    struct ike_addr local = *new_local, remote = sa->remote;
    local.port = IKE_NATT_PORT;
    if (!sa->natt)
        remote.port = IKE_NATT_PORT;
    return ike_mobike_move(ctx, sa, &local, &remote, flags);
}

int ike_mobike_move(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_addr *local,
                    const struct ike_addr *remote, unsigned flags)
{
    struct ike_addr from = sa->local, from_remote = sa->remote;
    sa->local = *local;
    sa->remote = *remote;
    sa->natt = local->port == IKE_NATT_PORT;
    sa->pending.kind = IKE_REQ_MOBIKE;
    sa->pending.mobike_no_nats = (flags & IKE_MOBIKE_NO_NATS) != 0;
    if (!(flags & IKE_MOBIKE_SAME_REQUEST)) {
        ike_random(ctx, sa->pending.cookie2, sizeof(sa->pending.cookie2));
        ctx->counters.mobike_updates_sent++;
    }
    if (!ike_addr_equal(&from, &sa->local))
        log_move(ctx, sa, &from, &sa->local, "MOBIKE: we move from");
    else
        log_move(ctx, sa, &from_remote, &sa->remote, "MOBIKE: we take the peer from");
    struct update_req r = {.flags = flags, .cookie2 = sa->pending.cookie2};
    return ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id, build_update,
                              &r);
}

static int build_check(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_writer *w, void *arg)
{
    (void)ctx;
    (void)arg;
    const struct ike_bytes c = {sa->pending.cookie2, IKE_MOBIKE_COOKIE2_LEN};
    ike_notify_cookie2_encode(w, &c);
    return w->overflow ? -ENOSPC : 0;
}

int ike_mobike_start_check(struct ike_ctx *ctx, struct ike_sa *sa)
{
    sa->mobike_check_due = false;
    sa->pending.kind = IKE_REQ_MOBIKE_CHECK;
    sa->pending.checked = sa->remote;
    ike_random(ctx, sa->pending.cookie2, sizeof(sa->pending.cookie2));
    ctx->counters.mobike_checks++;
    return ike_send_encrypted(ctx, sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id, build_check,
                              NULL);
}

/* Whether m carries exactly our COOKIE2 (RFC 4555 3.7). */
static bool cookie2_echoed(const struct ike_msg *m, const uint8_t *ours)
{
    const struct ike_pl *pl = ike_msg_find_notify(m, IKE_N_COOKIE2);
    struct ike_notify_payload n;
    struct ike_bytes c;
    return pl != NULL && ike_notify_decode(pl, &n, NULL) == 0 &&
           ike_notify_cookie2_decode(&n, &c, NULL) == 0 && c.len == IKE_MOBIKE_COOKIE2_LEN &&
           CRYPTO_memcmp(c.ptr, ours, IKE_MOBIKE_COOKIE2_LEN) == 0;
}

void ike_mobike_check_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                               const struct ike_pending *done)
{
    if (!cookie2_echoed(m, done->cookie2)) {
        /* 3.7: "If the values do not match, the IKE_SA MUST be closed." */
        ctx->counters.mobike_cookie2_mismatch++;
        ike_sa_log(ctx, sa, IKE_LOG_WARN,
                   "the answer to our return routability check lacks our "
                   "COOKIE2: closing the SA");
        ike_info_start_delete_ike(ctx, sa);
        return;
    }
    if (!ike_addr_equal(&sa->remote, &done->checked)) {
        /* It moved again while the check was out: this answer proves neither address. */
        ctx->counters.mobike_checks_again++;
        sa->mobike_check_due = true;
        return;
    }
    ctx->counters.mobike_checks_passed++;
    ike_sa_log(ctx, sa, IKE_LOG_INFO, "the peer's new address answered: ESP follows");
    ike_sa_update_children(ctx, sa);
}

void ike_mobike_response(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m,
                         const struct ike_pending *done)
{
    ike_mobike_move_done(sa);
    if (!cookie2_echoed(m, done->cookie2)) {
        ctx->counters.mobike_cookie2_mismatch++;
        ike_sa_log(ctx, sa, IKE_LOG_WARN,
                   "the answer to our address update lacks our COOKIE2: "
                   "closing the SA");
        ike_info_start_delete_ike(ctx, sa);
        return;
    }
    for (unsigned i = 0; i < m->npayloads; i++) {
        struct ike_notify_payload n;
        if (m->pl[i].type == IKE_PL_NOTIFY && ike_notify_decode(&m->pl[i], &n, NULL) == 0 &&
            n.type < 16384) {
            ctx->counters.mobike_update_refused++;
            ike_sa_log(ctx, sa, IKE_LOG_WARN, "address update refused: %s",
                       ike_notify_name(n.type) != NULL ? ike_notify_name(n.type) : "?");
            return;
        }
    }
    /* Where the answer came from is the peer as we reach it; our NAT state from its hashes. */
    struct ike_natd_seen seen = ike_natd_check(m, sa->spi_i, sa->spi_r, &sa->local, &sa->remote);
    bool encap_was = sa->nat_detected;
    if (seen.present) {
        sa->peer_behind_nat = seen.peer_behind_nat;
        sa->local_behind_nat = seen.local_behind_nat;
        sa->nat_detected = seen.peer_behind_nat || seen.local_behind_nat;
    } else if (done->mobike_no_nats) {
        /* The peer took NO_NATS_ALLOWED: nothing translated our addresses (3.9). */
        sa->peer_behind_nat = sa->local_behind_nat = sa->nat_detected = false;
    }
    ctx->counters.mobike_nat_on += !encap_was && sa->nat_detected;
    ctx->counters.mobike_nat_off += encap_was && !sa->nat_detected;
    ike_sa_update_children(ctx, sa);
}
