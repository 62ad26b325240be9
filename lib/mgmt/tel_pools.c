/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/pools...: the virtual-IP pools (lib/ike/pool) as operators see them.
 * The figures come from the snapshot the control lcore publishes every tick;
 * a page of leases and a release run on the control lcore, which alone
 * touches the pools.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt_tel_priv.h"

void mgmt_tel_pools_snapshot(struct mgmt_tel *t, const struct ike_ctx *ike)
{
    t->npools = 0;
    for (unsigned i = 0; i < IKE_MAX_POOLS; i++) {
        const struct ike_pool *p = ike_ctx_pool(ike, i);
        if (p == NULL)
            break;
        struct pool_view *v = &t->pools[t->npools++];
        const struct ike_pool_cfg *c = ike_pool_cfg(p);
        snprintf(v->name, sizeof(v->name), "%s", c->name);
        struct ike_addr a = c->first, b = c->last;
        a.port = b.port = 0;
        ike_addr_format(&a, v->first, sizeof(v->first));
        ike_addr_format(&b, v->last, sizeof(v->last));
        ike_pool_stats(p, &v->st);
    }
}

/* "10.3.0.1:0" as ike_addr_format writes an address without port: the address alone. */
static const char *bare(const char *formatted, char *out, size_t cap)
{
    const char *s = formatted[0] == '[' ? formatted + 1 : formatted;
    size_t n = strcspn(s, formatted[0] == '[' ? "]" : ":");
    snprintf(out, cap, "%.*s", (int)n, s);
    return out;
}

static int cmd_pools(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/pools takes no parameters, got \"%s\"", params);
    struct mgmt_tel *t = mgmt_tel_instance();
    struct rte_tel_data *name = mgmt_tel_column(RTE_TEL_STRING_VAL);
    struct rte_tel_data *range = mgmt_tel_column(RTE_TEL_STRING_VAL);
    struct rte_tel_data *col[5];
    for (unsigned i = 0; i < 5; i++)
        col[i] = mgmt_tel_column(RTE_TEL_U64_VAL);
    pthread_mutex_lock(&t->lock);
    unsigned n = t->npools;
    for (unsigned i = 0; i < n; i++) {
        const struct pool_view *v = &t->pools[i];
        char a[IKE_ADDR_STRLEN], b[IKE_ADDR_STRLEN], r[2 * IKE_ADDR_STRLEN + 2];
        snprintf(r, sizeof(r), "%s-%s", bare(v->first, a, sizeof(a)), bare(v->last, b, sizeof(b)));
        rte_tel_data_add_array_string(name, v->name);
        rte_tel_data_add_array_string(range, r);
        rte_tel_data_add_array_u64(col[0], v->st.size);
        rte_tel_data_add_array_u64(col[1], v->st.online);
        rte_tel_data_add_array_u64(col[2], v->st.held);
        rte_tel_data_add_array_u64(col[3], v->st.free);
        rte_tel_data_add_array_u64(col[4], v->st.exhausted);
    }
    pthread_mutex_unlock(&t->lock);
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "pools", n);
    mgmt_tel_add_column(d, "name", name);
    mgmt_tel_add_column(d, "range", range);
    static const char *const names[5] = {"size", "used", "held", "free", "exhausted"};
    for (unsigned i = 0; i < 5; i++)
        mgmt_tel_add_column(d, names[i], col[i]);
    return 0;
}

static struct ike_pool *pool_named(struct ike_ctx *ike, const char *name)
{
    for (unsigned i = 0; i < IKE_MAX_POOLS; i++) {
        struct ike_pool *p = ike_ctx_pool(ike, i);
        if (p == NULL)
            break;
        if (strcmp(ike_pool_cfg(p)->name, name) == 0)
            return p;
    }
    return NULL;
}

int mgmt_tel_pools_apply(struct ike_ctx *ike, struct request *r)
{
    struct ike_pool *p = pool_named(ike, r->pool);
    if (p == NULL)
        return -ESRCH;
    if (r->kind == REQ_POOL_RELEASE)
        return ike_pool_forget(p, &r->to);
    r->now_ns = ike_ctx_now(ike);
    r->nleases = (unsigned)ike_pool_list(p, (size_t)r->page * POOL_LEASES_PER_PAGE, r->leases,
                                         POOL_LEASES_PER_PAGE);
    struct ike_pool_stats st;
    ike_pool_stats(p, &st);
    r->asked = (unsigned)(st.online + st.held);
    return 0;
}

/* The owner as text: printable identities as they are, others in hex. */
static void owner_text(const struct ike_id *id, char *out, size_t cap)
{
    bool printable = id->len > 0;
    for (unsigned i = 0; i < id->len; i++)
        printable &= id->data[i] >= 0x20 && id->data[i] < 0x7f && id->data[i] != '"';
    if (printable) {
        snprintf(out, cap, "%.*s", (int)id->len, (const char *)id->data);
        return;
    }
    size_t off = 0;
    for (unsigned i = 0; i < id->len && off + 3 < cap; i++)
        off += (size_t)snprintf(out + off, cap - off, "%02x", id->data[i]);
    if (id->len == 0)
        snprintf(out, cap, "-");
}

static int leases_reply(struct rte_tel_data *d, const struct request *r)
{
    struct rte_tel_data *addr = mgmt_tel_column(RTE_TEL_STRING_VAL);
    struct rte_tel_data *owner = mgmt_tel_column(RTE_TEL_STRING_VAL);
    struct rte_tel_data *state = mgmt_tel_column(RTE_TEL_STRING_VAL);
    struct rte_tel_data *refs = mgmt_tel_column(RTE_TEL_U64_VAL);
    struct rte_tel_data *held = mgmt_tel_column(RTE_TEL_U64_VAL);
    for (unsigned i = 0; i < r->nleases; i++) {
        const struct ike_pool_lease *l = &r->leases[i];
        char f[IKE_ADDR_STRLEN], a[IKE_ADDR_STRLEN], o[2 * IKE_ID_MAX + 1];
        ike_addr_format(&l->addr, f, sizeof(f));
        owner_text(&l->owner, o, sizeof(o));
        rte_tel_data_add_array_string(addr, bare(f, a, sizeof(a)));
        rte_tel_data_add_array_string(owner, o);
        rte_tel_data_add_array_string(state, l->refs > 0 ? "online" : "held");
        rte_tel_data_add_array_u64(refs, l->refs);
        /* How long a held lease has waited for its owner, in seconds. */
        uint64_t s = l->refs == 0 && r->now_ns > l->released_ns
                         ? (r->now_ns - l->released_ns) / 1000000000ull
                         : 0;
        rte_tel_data_add_array_u64(held, s);
    }
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "pool", r->pool);
    rte_tel_data_add_dict_u64(d, "leases", r->asked);
    rte_tel_data_add_dict_u64(d, "page", r->page);
    rte_tel_data_add_dict_u64(d, "per_page", POOL_LEASES_PER_PAGE);
    mgmt_tel_add_column(d, "address", addr);
    mgmt_tel_add_column(d, "owner", owner);
    mgmt_tel_add_column(d, "state", state);
    mgmt_tel_add_column(d, "ike_sas", refs);
    mgmt_tel_add_column(d, "held_s", held);
    return 0;
}

int mgmt_tel_pools_reply(struct rte_tel_data *d, const struct request *r, int rc)
{
    if (rc == -ESRCH)
        return mgmt_tel_error(d, "no pool named \"%s\" (see /veer/pools)", r->pool);
    if (r->kind == REQ_POOL_LEASES)
        return leases_reply(d, r);
    if (rc == -EBUSY)
        return mgmt_tel_error(d, "that address is in use by an IKE SA: delete the SA first");
    if (rc == -ENOENT)
        return mgmt_tel_error(d, "pool %s has no lease for that address", r->pool);
    if (rc < 0)
        return mgmt_tel_error(d, "failed: %s", strerror(-rc));
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "released", "yes");
    return 0;
}

/* Splits "NAME,REST" (REST optional): false when NAME is empty or too long. */
static bool split_pool(const char *params, char *name, const char **rest)
{
    if (params == NULL || params[0] == '\0')
        return false;
    size_t n = strcspn(params, ",");
    if (n == 0 || n >= IKE_POOL_NAME_MAX)
        return false;
    memcpy(name, params, n);
    name[n] = '\0';
    *rest = params[n] == ',' ? params + n + 1 : NULL;
    return true;
}

/* /veer/pools/leases,NAME[,PAGE] */
static int cmd_leases(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    struct request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->kind = REQ_POOL_LEASES;
    const char *rest;
    bool ok = split_pool(params, r->pool, &rest);
    if (ok && rest != NULL) {
        char *end;
        unsigned long page = strtoul(rest, &end, 10);
        ok = *rest != '\0' && *end == '\0' && page < 1000000;
        r->page = (unsigned)page;
    }
    if (!ok) {
        free(r);
        return mgmt_tel_error(d, "usage: /veer/pools/leases,POOL[,PAGE], got \"%s\"",
                              params != NULL ? params : "");
    }
    return mgmt_tel_run_request(d, r);
}

/* /veer/pools/release,NAME,ADDRESS */
static int cmd_release(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    struct request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->kind = REQ_POOL_RELEASE;
    const char *rest;
    if (!split_pool(params, r->pool, &rest) || rest == NULL ||
        ike_addr_parse(&r->to, rest, 0) < 0) {
        free(r);
        return mgmt_tel_error(d, "usage: /veer/pools/release,POOL,ADDRESS, got \"%s\"",
                              params != NULL ? params : "");
    }
    return mgmt_tel_run_request(d, r);
}

void mgmt_tel_pools_register(void)
{
    rte_telemetry_register_cmd("/veer/pools", cmd_pools,
                               "Virtual-IP pools: range, size, used, held, free, exhausted");
    rte_telemetry_register_cmd("/veer/pools/leases", cmd_leases,
                               "A pool's leases, 32 a page: address, owner, state. Params: "
                               "POOL[,PAGE]");
    rte_telemetry_register_cmd("/veer/pools/release", cmd_release,
                               "Releases a held lease now. Params: POOL,ADDRESS");
}
