/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration payload in IKE_AUTH (RFC 7296 2.19, 3.15): virtual IPs.
 *
 * Responder: the client's CFG_REQUEST is noted with the first IKE_AUTH
 * request, and addresses are leased from the peer configuration's pools
 * only once the client has authenticated, right before its Child SA is
 * installed: an unauthenticated client never holds a lease. The Child SA's
 * remote selector is then exactly the leased addresses, and so is that of
 * every later Child SA of the IKE SA (a client cannot widen it in
 * CREATE_CHILD_SA). The leases go back to their pools when the IKE SA goes
 * (held there for the identity, ike_pool.h); an IKE rekey hands them on.
 *
 * Initiator: a CFG_REQUEST for the families of vip_request; the addresses
 * of the CFG_REPLY are our local selector from then on.
 */
#include <errno.h>
#include <string.h>

#include "ike_sa.h"
#include "ike_ts.h"

#define IP6_ATTR_LEN 17 /* INTERNAL_IP6_ADDRESS: the address and a prefix length */

int ike_cp_init(struct ike_ctx *ctx)
{
    if (ctx->cfg.npools > IKE_MAX_POOLS)
        return -1;
    for (unsigned i = 0; i < ctx->cfg.npools; i++) {
        uint64_t seed;
        ike_random(ctx, &seed, sizeof(seed));
        ctx->pools[i] = ike_pool_new(&ctx->cfg.pools[i], seed);
        if (ctx->pools[i] == NULL)
            return -1;
    }
    return 0;
}

void ike_cp_fini(struct ike_ctx *ctx)
{
    for (unsigned i = 0; i < IKE_MAX_POOLS; i++) {
        ike_pool_free(ctx->pools[i]);
        ctx->pools[i] = NULL;
    }
}

struct ike_pool *ike_ctx_pool(const struct ike_ctx *ctx, unsigned i)
{
    return i < ctx->cfg.npools ? ctx->pools[i] : NULL;
}

/* ---- responder ---- */

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0)
            return false;
    }
    return true;
}

/* An address attribute of a request: empty, or the address the client would like (3.15.1). */
static bool read_wanted(const struct ike_cp_attr *a, uint8_t family, struct ike_addr *want)
{
    size_t len = family == 4 ? 4 : IP6_ATTR_LEN;
    if (a->value.len == 0)
        return true;
    if (a->value.len != len)
        return false;
    if (!all_zero(a->value.ptr, family == 4 ? 4 : 16)) {
        memset(want, 0, sizeof(*want));
        want->family = family;
        memcpy(want->ip, a->value.ptr, family == 4 ? 4 : 16);
    }
    return true;
}

int ike_cp_parse_request(const struct ike_pl *pl, struct ike_cp_ask *ask)
{
    memset(ask, 0, sizeof(*ask));
    struct ike_cp_payload cp;
    if (ike_cp_decode(pl, &cp, NULL) < 0 || cp.type != IKE_CFG_REQUEST)
        return -1;
    bool ok = true;
    for (unsigned i = 0; i < cp.nattrs; i++) {
        const struct ike_cp_attr *a = &cp.attrs[i];
        switch (a->type) {
        case IKE_CPA_INTERNAL_IP4_ADDRESS:
            ask->families |= IKE_VIP_4;
            ok &= read_wanted(a, 4, &ask->want4);
            break;
        case IKE_CPA_INTERNAL_IP6_ADDRESS:
            ask->families |= IKE_VIP_6;
            ok &= read_wanted(a, 6, &ask->want6);
            break;
        case IKE_CPA_INTERNAL_IP4_NETMASK:
            ask->netmask = true;
            break;
        case IKE_CPA_INTERNAL_IP4_DNS:
            ask->dns4 = true;
            break;
        case IKE_CPA_INTERNAL_IP6_DNS:
            ask->dns6 = true;
            break;
        default:
            break; /* what we do not provide, we do not answer (3.15.1) */
        }
    }
    return ok ? 0 : 1;
}

void ike_cp_read_request(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    memset(&sa->cp_ask, 0, sizeof(sa->cp_ask));
    const struct ike_pl *pl = ike_msg_find(m, IKE_PL_CP, NULL);
    if (pl == NULL)
        return;
    int rc = ike_cp_parse_request(pl, &sa->cp_ask);
    if (rc != 0)
        ctx->counters.cp_malformed++; /* an address asked for is ignored, a fresh one given */
    if (rc < 0)
        ike_sa_log_rl(ctx, sa, IKE_LOG_WARN,
                      "IKE_AUTH: configuration payload we cannot read: ignored");
}

bool ike_cp_vip_wanted(const struct ike_sa *sa)
{
    return sa->cp_ask.families != 0 && sa->peer != NULL && sa->peer->npools > 0;
}

/* Leases an address of `family` from the first of the peer's pools with room. */
static int lease(struct ike_ctx *ctx, struct ike_sa *sa, uint8_t family,
                 const struct ike_addr *want, struct ike_vip *out)
{
    const struct ike_peer_cfg *p = sa->peer;
    int rc = -ENOENT;
    for (unsigned i = 0; i < p->npools; i++) {
        struct ike_pool *pool = ike_ctx_pool(ctx, p->pools[i]);
        if (pool == NULL || ike_pool_cfg(pool)->first.family != family)
            continue;
        rc = ike_pool_acquire(pool, &sa->remote_id, want->family == family ? want : NULL,
                              ike_now(ctx), &out->addr);
        if (rc == 0) {
            out->pool = p->pools[i];
            return 0;
        }
    }
    return rc;
}

static void host_ts(const struct ike_addr *a, struct ike_ts *ts)
{
    ike_ts_range(ts, a, a, 0, 0, 65535);
}

/*
 * The client proposed TSi (kept in child->ts_remote by select_child): each
 * of its selectors narrowed to the leased addresses (its protocol and ports
 * stay). Empty when it proposed nothing that covers them.
 */
static void narrow_to_vips(const struct ike_sa *sa, struct ike_child_sa *child)
{
    struct ike_ts_payload proposed = {.nts = child->ts_remote.nts};
    memcpy(proposed.ts, child->ts_remote.ts, child->ts_remote.nts * sizeof(proposed.ts[0]));
    struct ike_ts hosts[IKE_MAX_VIPS];
    for (unsigned i = 0; i < sa->nvips; i++)
        host_ts(&sa->vips[i].addr, &hosts[i]);
    ike_ts_narrow_set(&proposed, hosts, sa->nvips, &child->ts_remote);
}

/*
 * The peer's first pool of the family (its DNS servers and prefix length go
 * with a Framed-IP-Address or Framed-IPv6-Address), or -1.
 */
static int radius_pool(const struct ike_ctx *ctx, const struct ike_sa *sa, uint8_t family)
{
    for (unsigned i = 0; i < sa->peer->npools; i++) {
        struct ike_pool *pool = ike_ctx_pool(ctx, sa->peer->pools[i]);
        if (pool != NULL && ike_pool_cfg(pool)->first.family == family)
            return sa->peer->pools[i];
    }
    return -1;
}

uint16_t ike_cp_assign(struct ike_ctx *ctx, struct ike_sa *sa, struct ike_child_sa *child)
{
    if (sa->cp_ask.families != 0 && sa->peer->npools == 0) {
        /*
         * The client's TSi is a placeholder for an address it has not got:
         * narrowed to remote_ts it would give it a whole subnet. Say no.
         */
        ctx->counters.cp_no_pool++;
        ike_sa_log(ctx, sa, IKE_LOG_WARN,
                   "IKE_AUTH: the peer configuration has no pools: no "
                   "virtual IP to give");
        return IKE_N_INTERNAL_ADDRESS_FAILURE;
    }
    if (!ike_cp_vip_wanted(sa) || sa->nvips > 0)
        return 0;
    static const uint8_t families[] = {4, 6};
    for (unsigned f = 0; f < 2; f++) {
        unsigned bit = families[f] == 4 ? IKE_VIP_4 : IKE_VIP_6;
        if (!(sa->cp_ask.families & bit))
            continue;
        bool from_radius = families[f] == 4 ? sa->has_radius_vip4 : sa->has_radius_vip6;
        int rpool = from_radius ? radius_pool(ctx, sa, families[f]) : -1;
        if (rpool >= 0) {
            /* RADIUS's Framed-IP(v6)-Address: leased from no pool, so given back to none. */
            sa->vips[sa->nvips] =
                (struct ike_vip){.addr = families[f] == 4 ? sa->radius_vip4 : sa->radius_vip6,
                                 .pool = (uint8_t)rpool,
                                 .radius = true};
            sa->nvips++;
            ctx->counters.radius_framed_ip++;
            continue;
        }
        const struct ike_addr *want = families[f] == 4 ? &sa->cp_ask.want4 : &sa->cp_ask.want6;
        int rc = lease(ctx, sa, families[f], want, &sa->vips[sa->nvips]);
        if (rc == 0) {
            sa->nvips++;
            continue;
        }
        if (rc == -ENOENT)
            continue; /* no pool of this family: the client gets what the others give */
        ctx->counters.cp_address_failure++;
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "IKE_AUTH: no IPv%u address left in the pools%s",
                   families[f], rc == -ENOSPC ? "" : " (out of memory)");
        ike_cp_release(ctx, sa);
        return IKE_N_INTERNAL_ADDRESS_FAILURE;
    }
    if (sa->nvips == 0) {
        ctx->counters.cp_address_failure++;
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "IKE_AUTH: no pool of the family asked for");
        return IKE_N_INTERNAL_ADDRESS_FAILURE;
    }
    narrow_to_vips(sa, child);
    if (child->ts_remote.nts == 0) {
        ike_cp_release(ctx, sa);
        ctx->counters.ts_unacceptable++;
        return IKE_N_TS_UNACCEPTABLE;
    }
    ctx->counters.cp_addresses_assigned += sa->nvips;
    for (unsigned i = 0; i < sa->nvips; i++) {
        char a[IKE_ADDR_STRLEN];
        ike_addr_format(&sa->vips[i].addr, a, sizeof(a));
        ike_sa_log(ctx, sa, IKE_LOG_INFO, "IKE_AUTH: virtual IP %s from pool %s", a,
                   ike_pool_cfg(ctx->pools[sa->vips[i].pool])->name);
    }
    return 0;
}

static void put_attr(struct ike_cp_payload *cp, uint16_t type, const uint8_t *v, uint16_t len)
{
    if (cp->nattrs < IKE_CP_MAX_ATTRS)
        cp->attrs[cp->nattrs++] = (struct ike_cp_attr){type, {v, len}};
}

int ike_cp_put_reply(const struct ike_ctx *ctx, const struct ike_sa *sa, struct ike_writer *w)
{
    if (sa->nvips == 0 || sa->vips_ours)
        return 0;
    struct ike_cp_payload cp = {.type = IKE_CFG_REPLY};
    uint8_t ip6[IKE_MAX_VIPS][IP6_ATTR_LEN], mask[IKE_MAX_VIPS][4];
    for (unsigned i = 0; i < sa->nvips; i++) {
        const struct ike_vip *v = &sa->vips[i];
        const struct ike_pool_cfg *pc = ike_pool_cfg(ctx->pools[v->pool]);
        if (v->addr.family == 4) {
            put_attr(&cp, IKE_CPA_INTERNAL_IP4_ADDRESS, v->addr.ip, 4);
            if (sa->cp_ask.netmask) {
                uint32_t m = pc->prefix_len == 0 ? 0 : ~0u << (32 - pc->prefix_len);
                ike_put32(mask[i], m);
                put_attr(&cp, IKE_CPA_INTERNAL_IP4_NETMASK, mask[i], 4);
            }
        } else {
            memcpy(ip6[i], v->addr.ip, 16);
            ip6[i][16] = pc->prefix_len;
            put_attr(&cp, IKE_CPA_INTERNAL_IP6_ADDRESS, ip6[i], IP6_ATTR_LEN);
        }
        /* A pool's DNS servers go with its addresses (the client may use them or not). */
        for (unsigned d = 0; d < pc->ndns; d++) {
            const struct ike_addr *dns = &pc->dns[d];
            put_attr(&cp, dns->family == 4 ? IKE_CPA_INTERNAL_IP4_DNS : IKE_CPA_INTERNAL_IP6_DNS,
                     dns->ip, (uint16_t)ike_addr_ip_len(dns));
        }
    }
    return ike_cp_encode(w, &cp);
}

/* ---- initiator ---- */

int ike_cp_put_request(const struct ike_sa *sa, struct ike_writer *w)
{
    uint8_t want = sa->peer->vip_request;
    if (want == 0)
        return 0;
    struct ike_cp_payload cp = {.type = IKE_CFG_REQUEST};
    if (want & IKE_VIP_4) {
        put_attr(&cp, IKE_CPA_INTERNAL_IP4_ADDRESS, NULL, 0);
        put_attr(&cp, IKE_CPA_INTERNAL_IP4_DNS, NULL, 0);
    }
    if (want & IKE_VIP_6) {
        put_attr(&cp, IKE_CPA_INTERNAL_IP6_ADDRESS, NULL, 0);
        put_attr(&cp, IKE_CPA_INTERNAL_IP6_DNS, NULL, 0);
    }
    return ike_cp_encode(w, &cp);
}

int ike_cp_parse_reply(const struct ike_pl *pl, uint8_t want, struct ike_addr *out, unsigned *n)
{
    *n = 0;
    struct ike_cp_payload cp;
    if (ike_cp_decode(pl, &cp, NULL) < 0 || cp.type != IKE_CFG_REPLY)
        return -1;
    int bad = 0;
    for (unsigned i = 0; i < cp.nattrs && *n < IKE_MAX_VIPS; i++) {
        const struct ike_cp_attr *a = &cp.attrs[i];
        uint8_t family = a->type == IKE_CPA_INTERNAL_IP4_ADDRESS   ? 4
                         : a->type == IKE_CPA_INTERNAL_IP6_ADDRESS ? 6
                                                                   : 0;
        unsigned bit = family == 4 ? IKE_VIP_4 : IKE_VIP_6;
        if (family == 0 || !(want & bit))
            continue;
        struct ike_addr got = {0};
        if (!read_wanted(a, family, &got) || got.family == 0) {
            bad++; /* a wrong length, or the unspecified address: not an address to use */
            continue;
        }
        bool dup = false;
        for (unsigned j = 0; j < *n; j++)
            dup |= out[j].family == family;
        if (!dup)
            out[(*n)++] = got;
    }
    return bad;
}

bool ike_cp_read_reply(struct ike_ctx *ctx, struct ike_sa *sa, const struct ike_msg *m)
{
    if (sa->peer->vip_request == 0)
        return true;
    const struct ike_pl *pl = ike_msg_find(m, IKE_PL_CP, NULL);
    struct ike_addr got[IKE_MAX_VIPS];
    unsigned n = 0;
    int rc = pl != NULL ? ike_cp_parse_reply(pl, sa->peer->vip_request, got, &n) : -1;
    if (rc < 0) {
        ctx->counters.cp_malformed++;
        ike_sa_log(ctx, sa, IKE_LOG_WARN, "IKE_AUTH: the peer gave no virtual IP (no CFG_REPLY)");
        return false;
    }
    ctx->counters.cp_malformed += (uint64_t)rc;
    sa->nvips = 0;
    sa->vips_ours = true;
    for (unsigned i = 0; i < n; i++)
        sa->vips[sa->nvips++] = (struct ike_vip){.addr = got[i]};
    if (sa->nvips == 0) {
        ike_sa_log(ctx, sa, IKE_LOG_WARN,
                   "IKE_AUTH: the peer's CFG_REPLY holds no address we asked for");
        return false;
    }
    ctx->counters.cp_addresses_received += sa->nvips;
    for (unsigned i = 0; i < sa->nvips; i++) {
        char a[IKE_ADDR_STRLEN];
        ike_addr_format(&sa->vips[i].addr, a, sizeof(a));
        ike_sa_log(ctx, sa, IKE_LOG_INFO, "IKE_AUTH: the peer gave us virtual IP %s", a);
    }
    return true;
}

/* ---- both ---- */

const struct ike_ts *ike_cp_selectors(const struct ike_sa *sa, bool local, struct ike_ts *buf,
                                      unsigned *n)
{
    if (sa->nvips > 0 && local == sa->vips_ours) {
        for (unsigned i = 0; i < sa->nvips; i++)
            host_ts(&sa->vips[i].addr, &buf[i]);
        *n = sa->nvips;
        return buf;
    }
    *n = local ? sa->peer->nlocal_ts : sa->peer->nremote_ts;
    return local ? sa->peer->local_ts : sa->peer->remote_ts;
}

void ike_cp_release(struct ike_ctx *ctx, struct ike_sa *sa)
{
    if (!sa->vips_ours) {
        for (unsigned i = 0; i < sa->nvips; i++) {
            struct ike_pool *pool = ike_ctx_pool(ctx, sa->vips[i].pool);
            if (pool != NULL && !sa->vips[i].radius)
                ike_pool_release(pool, &sa->vips[i].addr, ike_now(ctx));
        }
    }
    sa->nvips = 0;
}

void ike_cp_move(struct ike_sa *from, struct ike_sa *to)
{
    to->nvips = from->nvips;
    memcpy(to->vips, from->vips, sizeof(to->vips));
    to->cp_ask = from->cp_ask;
    to->vips_ours = from->vips_ours;
    from->nvips = 0;
}
