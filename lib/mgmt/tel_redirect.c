/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/redirect...: the redirect policy at run time. Reading commands copy
 * the table the workers see (the same lock-free publication); changes go to
 * the control lcore, which edits its master copy and publishes a new table,
 * so no worker ever waits and lib/ike sees the change at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt_tel_priv.h"

#define REDIRECT_REASON_LIST(X)                                                                    \
    X(gate_redirects)                                                                              \
    X(redirect_weighted_round_robin)                                                               \
    X(redirect_least_loaded)                                                                       \
    X(redirect_client_hash)                                                                        \
    X(redirect_anycast)                                                                            \
    X(redirect_origin_excluded)                                                                    \
    X(redirect_no_target)                                                                          \
    X(anycast_passed)

/* The published table; false only if the control lcore kept rewriting it meanwhile. */
static bool current_table(const struct mgmt_tel *t, struct rp_table *out)
{
    for (unsigned tries = 0; tries < 1000; tries++) {
        uint32_t seen = 0;
        if (rp_refresh(&t->gate->redirect, out, &seen))
            return true;
    }
    return false;
}

/* Clients sent to target i by the workers counting for this table's generation. */
static uint64_t target_count(const struct mgmt_tel *t, const struct rp_table *table, unsigned i)
{
    uint64_t sum = 0;
    for (unsigned w = 0; w < t->nworkers; w++) {
        const struct dp_gate_worker *g = &t->workers[w].gate;
        if (__atomic_load_n(&g->counted_generation, __ATOMIC_ACQUIRE) == table->generation)
            sum += __atomic_load_n(&g->target_redirects[i], __ATOMIC_RELAXED);
    }
    return sum;
}

static int show(struct rte_tel_data *d)
{
    const struct mgmt_tel *t = mgmt_tel_instance();
    static __thread struct rp_table table; /* 5 KB: not on the telemetry thread's stack */
    if (!current_table(t, &table))
        return mgmt_tel_error(d, "the redirect table is being replaced; try again");
    struct rte_tel_data *gw = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *weight = mgmt_tel_column(RTE_TEL_U64_VAL),
                        *load = mgmt_tel_column(RTE_TEL_U64_VAL),
                        *kind = mgmt_tel_column(RTE_TEL_STRING_VAL),
                        *count = mgmt_tel_column(RTE_TEL_U64_VAL),
                        *anycast = mgmt_tel_column(RTE_TEL_STRING_VAL);
    for (unsigned i = 0; i < table.ntargets; i++) {
        const struct rp_target *e = &table.targets[i];
        char text[IKE_GW_ID_MAX + 1];
        rp_gw_format(&e->gw, text, sizeof(text));
        rte_tel_data_add_array_string(gw, text);
        rte_tel_data_add_array_u64(weight, e->weight);
        rte_tel_data_add_array_u64(load, e->load);
        rte_tel_data_add_array_string(kind, e->anycast_only ? "self_for_anycast"
                                            : e->self       ? "self"
                                                            : "other");
        rte_tel_data_add_array_u64(count, target_count(t, &table, i));
    }
    for (unsigned i = 0; i < table.nanycast; i++) {
        char text[64];
        ike_addr_format(&table.anycast[i], text, sizeof(text));
        *strrchr(text, ':') = '\0'; /* no port */
        rte_tel_data_add_array_string(anycast, text);
    }
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "policy", rp_policy_name(table.policy));
    rte_tel_data_add_dict_string(d, "allow_self", table.allow_self ? "true" : "false");
    rte_tel_data_add_dict_u64(d, "generation", table.generation);
    mgmt_tel_add_column(d, "gateway", gw);
    mgmt_tel_add_column(d, "weight", weight);
    mgmt_tel_add_column(d, "load", load);
    mgmt_tel_add_column(d, "kind", kind);
    mgmt_tel_add_column(d, "redirected", count);
    mgmt_tel_add_column(d, "anycast", anycast);
    /* Decisions and their reasons, over all workers (/veer/workers has them per worker). */
#define ADD_REASON(n)                                                                              \
    {                                                                                              \
        uint64_t sum = 0;                                                                          \
        for (unsigned w = 0; w < t->nworkers; w++)                                                 \
            sum += __atomic_load_n(&t->workers[w].counters.n, __ATOMIC_RELAXED);                   \
        rte_tel_data_add_dict_u64(d, #n, sum);                                                     \
    }
    REDIRECT_REASON_LIST(ADD_REASON)
#undef ADD_REASON
    return 0;
}

static int cmd_show(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/redirect takes no parameters, got \"%s\"", params);
    return show(d);
}

static struct request *new_request(enum request_kind kind)
{
    struct request *r = calloc(1, sizeof(*r));
    if (r != NULL)
        r->kind = kind;
    return r;
}

/* "GW[=WEIGHT],GW[=WEIGHT],..." */
static bool parse_targets(const char *params, struct request *r)
{
    char buf[1024];
    if (params == NULL || params[0] == '\0' || strlen(params) >= sizeof(buf))
        return false;
    strcpy(buf, params);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        if (r->ntargets >= RP_MAX_TARGETS)
            return false;
        uint32_t w = RP_WEIGHT_DEFAULT;
        char *eq = strchr(item, '=');
        if (eq != NULL) {
            char *end;
            *eq = '\0';
            unsigned long v = strtoul(eq + 1, &end, 10);
            if (end == eq + 1 || *end != '\0' || eq[1] == '-' || v > RP_WEIGHT_MAX)
                return false;
            w = (uint32_t)v;
        }
        if (rp_gw_parse(item, &r->targets[r->ntargets]) < 0)
            return false;
        r->weights[r->ntargets++] = w;
    }
    return r->ntargets > 0;
}

static int cmd_targets(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    struct request *r = new_request(REQ_RP_TARGETS);
    if (r == NULL)
        return -ENOMEM;
    if (!parse_targets(params, r)) {
        free(r);
        return mgmt_tel_error(d,
                              "usage: /veer/redirect/targets,GATEWAY[=WEIGHT],... (at most %d, "
                              "weights 0 to %d), got \"%s\"",
                              RP_MAX_TARGETS, RP_WEIGHT_MAX, params != NULL ? params : "");
    }
    return mgmt_tel_run_request(d, r);
}

static int cmd_load(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    struct request *r = new_request(REQ_RP_LOAD);
    if (r == NULL)
        return -ENOMEM;
    char gw[IKE_GW_ID_MAX + 1] = "";
    const char *comma = params != NULL ? strrchr(params, ',') : NULL;
    bool ok = comma != NULL && (size_t)(comma - params) < sizeof(gw);
    if (ok) {
        memcpy(gw, params, (size_t)(comma - params));
        char *end;
        unsigned long v = strtoul(comma + 1, &end, 10);
        ok = end != comma + 1 && *end == '\0' && comma[1] != '-' && v <= UINT32_MAX &&
             rp_gw_parse(gw, &r->targets[0]) == 0;
        r->load = (uint32_t)v;
    }
    if (!ok) {
        free(r);
        return mgmt_tel_error(d, "usage: /veer/redirect/load,GATEWAY,LOAD (0 to %u), got \"%s\"",
                              UINT32_MAX, params != NULL ? params : "");
    }
    return mgmt_tel_run_request(d, r);
}

static int cmd_policy(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    struct request *r = new_request(REQ_RP_POLICY);
    if (r == NULL)
        return -ENOMEM;
    if (params == NULL || rp_policy_parse(params, &r->policy) < 0) {
        free(r);
        return mgmt_tel_error(d,
                              "usage: /veer/redirect/policy,weighted_round_robin|least_loaded|"
                              "client_hash, got \"%s\"",
                              params != NULL ? params : "");
    }
    return mgmt_tel_run_request(d, r);
}

int mgmt_tel_redirect_apply(struct mgmt_tel *t, const struct request *r)
{
    struct rp_table *table = t->redirect;
    int rc = 0;
    switch (r->kind) {
    case REQ_RP_TARGETS:
        rc = rp_table_replace_targets(table, r->targets, r->weights, r->ntargets);
        break;
    case REQ_RP_LOAD: {
        int i = rp_table_find(table, &r->targets[0]);
        if (i < 0)
            return -ENOENT;
        /* Same generation: the workers keep their counts and their place. */
        table->targets[i].load = r->load;
        break;
    }
    case REQ_RP_POLICY:
        table->policy = r->policy;
        break;
    default:
        return -EINVAL;
    }
    if (rc == 0)
        rp_publish(&t->gate->redirect, table);
    return rc;
}

int mgmt_tel_redirect_reply(struct rte_tel_data *d, int rc)
{
    switch (rc) {
    case 0:
        return show(d);
    case -EEXIST:
        return mgmt_tel_error(d, "a target is listed twice");
    case -EPERM:
        return mgmt_tel_error(d, "a target is this gateway's own address and allow_self is off");
    case -EADDRINUSE:
        return mgmt_tel_error(d, "a target is one of this gateway's anycast addresses");
    case -ENOENT:
        return mgmt_tel_error(d, "no such target");
    case -ENOSPC:
        return mgmt_tel_error(d, "at most %d targets", RP_MAX_TARGETS);
    default:
        return mgmt_tel_error(d, "failed: %s", strerror(-rc));
    }
}

void mgmt_tel_redirect_register(void)
{
    rte_telemetry_register_cmd("/veer/redirect", cmd_show,
                               "The redirect policy: targets, weights, loads, clients sent, "
                               "decisions by reason");
    rte_telemetry_register_cmd("/veer/redirect/targets", cmd_targets,
                               "Replaces the redirect targets. Parameters: GATEWAY[=WEIGHT],...");
    rte_telemetry_register_cmd("/veer/redirect/load", cmd_load,
                               "Sets a target's load (least_loaded). Parameters: GATEWAY,LOAD");
    rte_telemetry_register_cmd(
        "/veer/redirect/policy", cmd_policy,
        "Switches the redirect policy. Parameters: weighted_round_robin|least_loaded|client_hash");
}
