/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_redirect_policy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ike_consts.h"

#define RP_X_NAME(e, s) [e] = s,
static const char *const policy_names[RP_NPOLICIES] = {RP_POLICY_LIST(RP_X_NAME)};
#undef RP_X_NAME

const char *rp_policy_name(enum rp_policy p)
{
    return (unsigned)p < RP_NPOLICIES ? policy_names[p] : "?";
}

int rp_policy_parse(const char *name, enum rp_policy *out)
{
    for (unsigned i = 0; i < RP_NPOLICIES; i++) {
        if (strcmp(name, policy_names[i]) == 0) {
            *out = (enum rp_policy)i;
            return 0;
        }
    }
    return -1;
}

int rp_gw_parse(const char *text, struct ike_gw_id *gw)
{
    struct ike_addr a;
    memset(gw, 0, sizeof(*gw));
    if (ike_addr_parse(&a, text, 0) == 0) {
        gw->type = a.family == 4 ? IKE_GW_IPV4 : IKE_GW_IPV6;
        gw->len = (uint8_t)ike_addr_ip_len(&a);
        memcpy(gw->value, a.ip, gw->len);
        return 0;
    }
    /* Host names: letters, digits, dots and hyphens (RFC 1123), as RFC 5685 3 carries them. */
    size_t n = strlen(text);
    if (n == 0 || n > IKE_GW_ID_MAX || text[0] == '.' || text[0] == '-' ||
        strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n)
        return -1;
    gw->type = IKE_GW_FQDN;
    gw->len = (uint8_t)n;
    memcpy(gw->value, text, n);
    return 0;
}

void rp_gw_format(const struct ike_gw_id *gw, char *out, size_t cap)
{
    if ((gw->type == IKE_GW_IPV4 && gw->len == 4) || (gw->type == IKE_GW_IPV6 && gw->len == 16)) {
        struct ike_addr a = {.family = gw->type == IKE_GW_IPV4 ? 4 : 6};
        memcpy(a.ip, gw->value, gw->len);
        char text[64];
        ike_addr_format(&a, text, sizeof(text));
        /* ike_addr_format writes a port; the identity has none. */
        char *colon = strrchr(text, ':');
        if (colon != NULL)
            *colon = '\0';
        const char *start = text;
        size_t len = strlen(text);
        if (text[0] == '[' && len >= 2 && text[len - 1] == ']') {
            text[len - 1] = '\0';
            start = text + 1;
        }
        snprintf(out, cap, "%s", start);
        return;
    }
    if (gw->type == IKE_GW_FQDN) {
        snprintf(out, cap, "%.*s", (int)gw->len, (const char *)gw->value);
        return;
    }
    snprintf(out, cap, "type%u", gw->type);
}

static bool gw_is_addr(const struct ike_gw_id *gw, const struct ike_addr *a)
{
    unsigned len = ike_addr_ip_len(a);
    uint8_t type = a->family == 4 ? IKE_GW_IPV4 : IKE_GW_IPV6;
    return gw->type == type && gw->len == len && memcmp(gw->value, a->ip, len) == 0;
}

/* FNV-1a then a 64-bit finaliser (MurmurHash3's fmix64): cheap, well spread, stable. */
static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

#define FNV_OFFSET 0xcbf29ce484222325ull

uint64_t rp_client_hash(const struct ike_addr *client)
{
    uint64_t h = hash_bytes(FNV_OFFSET, &client->family, 1);
    return mix64(hash_bytes(h, client->ip, ike_addr_ip_len(client)));
}

static uint64_t target_key(const struct ike_gw_id *gw)
{
    uint8_t lower[IKE_GW_ID_MAX];
    /* Host names compare case-insensitively, so they hash that way too. */
    for (unsigned i = 0; i < gw->len; i++) {
        uint8_t c = gw->value[i];
        lower[i] = gw->type == IKE_GW_FQDN && c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
    }
    uint64_t h = hash_bytes(FNV_OFFSET, &gw->type, 1);
    return mix64(hash_bytes(h, lower, gw->len));
}

void rp_table_init(struct rp_table *t, enum rp_policy policy, bool allow_self)
{
    memset(t, 0, sizeof(*t));
    t->policy = policy;
    t->allow_self = allow_self;
    t->generation = 1;
}

int rp_table_find(const struct rp_table *t, const struct ike_gw_id *gw)
{
    for (unsigned i = 0; i < t->ntargets; i++) {
        if (ike_gw_id_equal(&t->targets[i].gw, gw))
            return (int)i;
    }
    return -1;
}

bool rp_table_is_anycast(const struct rp_table *t, const struct ike_addr *addr)
{
    for (unsigned i = 0; i < t->nanycast; i++) {
        if (ike_addr_ip_equal(&t->anycast[i], addr))
            return true;
    }
    return false;
}

bool rp_table_is_self(const struct rp_table *t, const struct ike_gw_id *gw)
{
    for (unsigned i = 0; i < t->nself; i++) {
        if (gw_is_addr(gw, &t->self[i]))
            return true;
    }
    return false;
}

static bool gw_is_anycast(const struct rp_table *t, const struct ike_gw_id *gw)
{
    for (unsigned i = 0; i < t->nanycast; i++) {
        if (gw_is_addr(gw, &t->anycast[i]))
            return true;
    }
    return false;
}

static int add_entry(struct rp_table *t, const struct ike_gw_id *gw, uint32_t weight,
                     bool anycast_only)
{
    if (weight > RP_WEIGHT_MAX)
        return -EINVAL;
    if (gw_is_anycast(t, gw))
        return -EADDRINUSE;
    if (rp_table_find(t, gw) >= 0)
        return -EEXIST;
    if (t->ntargets >= RP_MAX_TARGETS)
        return -ENOSPC;
    bool self = rp_table_is_self(t, gw);
    if (self && !t->allow_self && !anycast_only)
        return -EPERM;
    struct rp_target *e = &t->targets[t->ntargets++];
    memset(e, 0, sizeof(*e));
    e->gw = *gw;
    e->weight = weight;
    e->key = target_key(gw);
    e->self = self;
    e->anycast_only = anycast_only;
    t->generation++;
    return 0;
}

int rp_table_add(struct rp_table *t, const struct ike_gw_id *gw, uint32_t weight)
{
    return add_entry(t, gw, weight, false);
}

int rp_table_add_anycast_self(struct rp_table *t, const struct ike_gw_id *gw, uint32_t weight)
{
    if (gw->type == IKE_GW_FQDN)
        return -EINVAL; /* a unicast address is what anycast clients must be sent to */
    return add_entry(t, gw, weight, true);
}

int rp_table_add_self(struct rp_table *t, const struct ike_addr *addr)
{
    if (t->nself >= RP_MAX_SELF)
        return -ENOSPC;
    for (unsigned i = 0; i < t->nself; i++) {
        if (ike_addr_ip_equal(&t->self[i], addr))
            return 0;
    }
    t->self[t->nself] = *addr;
    t->self[t->nself++].port = 0;
    return 0;
}

int rp_table_add_anycast(struct rp_table *t, const struct ike_addr *addr)
{
    if (rp_table_is_anycast(t, addr))
        return -EEXIST;
    if (t->nanycast >= RP_MAX_ANYCAST)
        return -ENOSPC;
    t->anycast[t->nanycast] = *addr;
    t->anycast[t->nanycast++].port = 0;
    return 0;
}

int rp_table_replace_targets(struct rp_table *t, const struct ike_gw_id *gws,
                             const uint32_t *weights, unsigned n)
{
    struct rp_table next = *t;
    next.ntargets = 0;
    for (unsigned i = 0; i < t->ntargets; i++) {
        if (t->targets[i].anycast_only)
            next.targets[next.ntargets++] = t->targets[i];
    }
    for (unsigned i = 0; i < n; i++) {
        /* Naming the anycast-self entry sets its weight (0 keeps anycast clients away). */
        int kept = rp_table_find(&next, &gws[i]);
        if (kept >= 0 && next.targets[kept].anycast_only) {
            if (weights[i] > RP_WEIGHT_MAX)
                return -EINVAL;
            next.targets[kept].weight = weights[i];
            continue;
        }
        int rc = rp_table_add(&next, &gws[i], weights[i]);
        if (rc < 0)
            return rc;
        int old = rp_table_find(t, &gws[i]);
        if (old >= 0)
            next.targets[next.ntargets - 1].load = t->targets[old].load;
    }
    next.generation = t->generation + 1;
    *t = next;
    return 0;
}

/* ---- choosing ---- */

static bool eligible(const struct rp_table *t, const struct rp_target *e, const struct rp_query *q,
                     bool *excluded_origin)
{
    if (e->weight == 0)
        return false;
    if (e->anycast_only && !q->anycast)
        return false;
    if (e->self && !e->anycast_only && !t->allow_self)
        return false;
    if (q->here != NULL && gw_is_addr(&e->gw, q->here))
        return false;
    if (q->redirected_from != NULL && ike_gw_id_equal(&e->gw, q->redirected_from)) {
        *excluded_origin = true;
        return false;
    }
    return true;
}

static void cursor_sync(const struct rp_table *t, struct rp_cursor *c)
{
    if (c->generation == t->generation)
        return;
    memset(c->current, 0, sizeof(c->current));
    c->generation = t->generation;
}

/*
 * Smooth weighted round robin among the candidates: every candidate gains its
 * weight, the richest is chosen and pays back the total. Over any window of
 * total-weight picks each target is chosen exactly weight times, interleaved
 * (5,1,1 gives a a b a c a a, not a a a a a b c).
 */
static int smooth_wrr(const struct rp_table *t, struct rp_cursor *c, const bool *cand)
{
    int best = -1;
    int64_t total = 0;
    for (unsigned i = 0; i < t->ntargets; i++) {
        if (!cand[i])
            continue;
        c->current[i] += t->targets[i].weight;
        total += t->targets[i].weight;
        if (best < 0 || c->current[i] > c->current[best])
            best = (int)i;
    }
    if (best >= 0)
        c->current[best] -= total;
    return best;
}

/* Keeps only the candidates with the lowest load per unit of weight. */
static void least_loaded(const struct rp_table *t, bool *cand)
{
    int best = -1;
    for (unsigned i = 0; i < t->ntargets; i++) {
        if (!cand[i])
            continue;
        /* load_i / w_i < load_b / w_b, without division: 32x32 bits fit in 64. */
        if (best < 0 || (uint64_t)t->targets[i].load * t->targets[best].weight <
                            (uint64_t)t->targets[best].load * t->targets[i].weight)
            best = (int)i;
    }
    if (best < 0)
        return;
    for (unsigned i = 0; i < t->ntargets; i++) {
        if (cand[i] && (uint64_t)t->targets[i].load * t->targets[best].weight !=
                           (uint64_t)t->targets[best].load * t->targets[i].weight)
            cand[i] = false;
    }
}

/*
 * Weighted rendezvous hashing: each target scores w / -ln(u), u uniform in
 * (0,1) from hash(client, target); the highest wins. A target's score for a
 * client does not depend on the others, so removing one moves only its own
 * clients, and each target wins a share of clients proportional to its weight.
 */
static int rendezvous(const struct rp_table *t, const bool *cand, const struct ike_addr *client)
{
    uint64_t ch = client != NULL ? rp_client_hash(client) : 0;
    int best = -1;
    double best_score = 0;
    for (unsigned i = 0; i < t->ntargets; i++) {
        if (!cand[i])
            continue;
        uint64_t h = mix64(ch ^ t->targets[i].key);
        double u = ((double)(h >> 11) + 0.5) / 9007199254740992.0; /* (0,1), 53 bits */
        double score = (double)t->targets[i].weight / -log(u);
        if (best < 0 || score > best_score) {
            best = (int)i;
            best_score = score;
        }
    }
    return best;
}

struct rp_pick rp_pick(const struct rp_table *t, struct rp_cursor *c, const struct rp_query *q)
{
    struct rp_pick out = {.index = -1};
    bool cand[RP_MAX_TARGETS];
    unsigned ncand = 0;
    for (unsigned i = 0; i < t->ntargets; i++) {
        cand[i] = eligible(t, &t->targets[i], q, &out.excluded_origin);
        ncand += cand[i];
    }
    if (ncand == 0)
        return out;
    cursor_sync(t, c);
    switch (t->policy) {
    case RP_CLIENT_HASH:
        out.index = rendezvous(t, cand, q->client);
        break;
    case RP_LEAST_LOADED:
        least_loaded(t, cand);
        out.index = smooth_wrr(t, c, cand);
        break;
    default:
        out.index = smooth_wrr(t, c, cand);
        break;
    }
    return out;
}

/* ---- publication ---- */

void rp_publish(struct rp_shared *s, const struct rp_table *t)
{
    __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    s->table = *t;
    __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

bool rp_refresh(const struct rp_shared *s, struct rp_table *copy, uint32_t *seen)
{
    uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
    if (seq == *seen || (seq & 1))
        return false;
    struct rp_table tmp;
    memcpy(&tmp, &s->table, sizeof(tmp));
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq)
        return false;
    *copy = tmp;
    *seen = seq;
    return true;
}
