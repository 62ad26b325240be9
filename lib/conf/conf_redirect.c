/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `redirect:` section (RFC 5685 redirect policy) and its short form
 * `dataplane.admission.redirect_to`. Keys are read in any order; the table is
 * built at the end, when the gateway's own addresses (gateway.listen and the
 * ports) are known, so a target that is the gateway itself can be refused
 * with the line it was written on.
 */
#include <errno.h>
#include <string.h>

#include "conf_loader.h"

int conf_parse_gw(struct loader *l, const yaml_node_t *n, struct ike_gw_id *gw)
{
    const char *s;
    if (conf_want_scalar(l, n, &s) < 0)
        return -1;
    if (rp_gw_parse(s, gw) < 0)
        return conf_fail(l, n, "not an IPv4/IPv6 address nor a host name: \"%s\"", s);
    return 0;
}

static int want_weight(struct loader *l, const yaml_node_t *n, uint32_t *out)
{
    unsigned w;
    if (conf_want_uint(l, n, RP_WEIGHT_MAX, &w) < 0)
        return -1;
    *out = w;
    return 0;
}

static int claim_targets(struct loader *l, const yaml_node_t *v, const char *key)
{
    struct conf_redirect_draft *d = &l->redirect;
    if (d->targets_node != NULL)
        return conf_fail(l, v,
                         "redirect targets are already given by %s (line %zu): one or the other",
                         d->targets_key, d->targets_node->start_mark.line + 1);
    d->targets_node = v;
    d->targets_key = key;
    return 0;
}

static int add_target(struct loader *l, const yaml_node_t *item, unsigned i,
                      const struct ike_gw_id *gw, uint32_t weight)
{
    struct conf_redirect_draft *d = &l->redirect;
    if (i >= RP_MAX_TARGETS)
        return conf_fail(l, item, "at most %d redirect targets", RP_MAX_TARGETS);
    d->gw[i] = *gw;
    d->weight[i] = weight;
    d->node[i] = item;
    d->ntargets = i + 1;
    return 0;
}

static int short_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    struct ike_gw_id gw;
    if (conf_parse_gw(l, item, &gw) < 0)
        return -1;
    return add_target(l, item, i, &gw, RP_WEIGHT_DEFAULT);
}

int conf_redirect_short_form(struct loader *l, const yaml_node_t *v)
{
    if (claim_targets(l, v, "dataplane.admission.redirect_to") < 0)
        return -1;
    return conf_each_item(l, v, short_item, NULL);
}

/* A target: "203.0.113.1", or {gateway: 203.0.113.1, weight: 3}. */
static int target_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    if (item->type == YAML_SCALAR_NODE)
        return short_item(l, item, i, NULL);
    if (item->type != YAML_MAPPING_NODE)
        return conf_fail(l, item, "a target is a gateway or a mapping with gateway and weight");
    struct ike_gw_id gw = {0};
    uint32_t weight = RP_WEIGHT_DEFAULT;
    for (yaml_node_pair_t *kv = item->data.mapping.pairs.start; kv < item->data.mapping.pairs.top;
         kv++) {
        const char *key = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        const yaml_node_t *val = yaml_document_get_node(&l->doc, kv->value);
        snprintf(l->path, sizeof(l->path), "redirect.targets[%u].%s", i, key ? key : "?");
        int rc;
        if (key != NULL && strcmp(key, "gateway") == 0)
            rc = conf_parse_gw(l, val, &gw);
        else if (key != NULL && strcmp(key, "weight") == 0)
            rc = want_weight(l, val, &weight);
        else
            rc = conf_fail(l, val, "unknown key");
        if (rc < 0)
            return -1;
    }
    snprintf(l->path, sizeof(l->path), "redirect.targets[%u]", i);
    if (gw.type == 0)
        return conf_fail(l, item, "needs gateway");
    return add_target(l, item, i, &gw, weight);
}

static int anycast_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    struct conf_redirect_draft *d = &l->redirect;
    const char *s;
    if (conf_want_scalar(l, item, &s) < 0)
        return -1;
    if (i >= RP_MAX_ANYCAST)
        return conf_fail(l, item, "at most %d anycast addresses", RP_MAX_ANYCAST);
    if (ike_addr_parse(&d->anycast[i], s, 0) < 0)
        return conf_fail(l, item, "not an IPv4 or IPv6 address: \"%s\"", s);
    d->anycast_node[i] = item;
    d->nanycast = i + 1;
    return 0;
}

static int anycast_key(struct loader *l, const char *key, const yaml_node_t *v)
{
    struct conf_redirect_draft *d = &l->redirect;
    if (strcmp(key, "addresses") == 0)
        return conf_each_item(l, v, anycast_item, NULL);
    if (strcmp(key, "self") == 0) {
        if (conf_parse_gw(l, v, &d->anycast_self) < 0)
            return -1;
        if (d->anycast_self.type == IKE_GW_FQDN)
            return conf_fail(l, v, "one of this gateway's unicast addresses, not a host name");
        d->anycast_self_node = v;
        return 0;
    }
    if (strcmp(key, "self_weight") == 0)
        return want_weight(l, v, &d->anycast_self_weight);
    return conf_fail(l, v, "unknown key");
}

static int redirect_key(struct loader *l, const char *key, const yaml_node_t *v)
{
    struct conf_redirect_draft *d = &l->redirect;
    const char *s;
    if (strcmp(key, "policy") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (rp_policy_parse(s, &d->policy) < 0)
            return conf_fail(l, v, "weighted_round_robin, least_loaded or client_hash, got \"%s\"",
                             s);
        return 0;
    }
    if (strcmp(key, "allow_self") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
            return conf_fail(l, v, "true or false, got \"%s\"", s);
        d->allow_self = s[0] == 't';
        return 0;
    }
    if (strcmp(key, "targets") == 0)
        return claim_targets(l, v, "redirect.targets") < 0
                   ? -1
                   : conf_each_item(l, v, target_item, NULL);
    if (strcmp(key, "anycast") == 0) {
        if (v->type != YAML_MAPPING_NODE)
            return conf_fail(l, v, "expected a mapping");
        for (yaml_node_pair_t *kv = v->data.mapping.pairs.start; kv < v->data.mapping.pairs.top;
             kv++) {
            const char *k = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
            snprintf(l->path, sizeof(l->path), "redirect.anycast.%s", k ? k : "?");
            if (anycast_key(l, k ? k : "", yaml_document_get_node(&l->doc, kv->value)) < 0)
                return -1;
        }
        return 0;
    }
    return conf_fail(l, v, "unknown key");
}

int conf_redirect_section(struct loader *l, const yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return conf_fail(l, v, "expected a mapping");
    for (yaml_node_pair_t *kv = v->data.mapping.pairs.start; kv < v->data.mapping.pairs.top; kv++) {
        const char *k = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        snprintf(l->path, sizeof(l->path), "redirect.%s", k ? k : "?");
        if (redirect_key(l, k ? k : "", yaml_document_get_node(&l->doc, kv->value)) < 0)
            return -1;
    }
    return 0;
}

static int add_own(struct loader *l, const yaml_node_t *n, struct rp_table *t,
                   const struct ike_addr *a)
{
    if (rp_table_add_self(t, a) < 0)
        return conf_fail(l, n,
                         "too many own addresses: at most %d in gateway.listen and every port "
                         "together (the redirect policy's table)",
                         RP_MAX_SELF);
    return 0;
}

int conf_redirect_finish(struct loader *l)
{
    const struct conf_redirect_draft *d = &l->redirect;
    struct veer_conf *c = l->conf;
    struct rp_table *t = &c->redirect;
    rp_table_init(t, d->policy, d->allow_self);
    for (unsigned i = 0; i < c->nlisten; i++) {
        if (add_own(l, NULL, t, &c->listen[i]) < 0)
            return -1;
    }
    for (unsigned i = 0; i < c->dp.nports; i++) {
        const struct conf_port *p = &c->dp.ports[i];
        snprintf(l->path, sizeof(l->path), "dataplane.ports[%u]", i);
        for (unsigned a = 0; a < p->naddrs; a++) {
            if (add_own(l, l->port_node[i], t, &p->addrs[a].addr) < 0)
                return -1;
        }
    }
    for (unsigned i = 0; i < d->nanycast; i++) {
        snprintf(l->path, sizeof(l->path), "redirect.anycast.addresses[%u]", i);
        if (rp_table_add_anycast(t, &d->anycast[i]) < 0)
            return conf_fail(l, d->anycast_node[i], "listed twice");
    }
    if (d->anycast_self_node != NULL) {
        snprintf(l->path, sizeof(l->path), "redirect.anycast.self");
        if (d->nanycast == 0)
            return conf_fail(l, d->anycast_self_node, "needs anycast addresses");
        if (!rp_table_is_self(t, &d->anycast_self))
            return conf_fail(
                l, d->anycast_self_node,
                "not one of this gateway's addresses (gateway.listen, dataplane.ports)");
        uint32_t w = d->anycast_self_weight ? d->anycast_self_weight : RP_WEIGHT_DEFAULT;
        if (rp_table_add_anycast_self(t, &d->anycast_self, w) < 0)
            return conf_fail(l, d->anycast_self_node, "is an anycast address itself");
    }
    for (unsigned i = 0; i < d->ntargets; i++) {
        snprintf(l->path, sizeof(l->path), "%s[%u]", d->targets_key, i);
        switch (rp_table_add(t, &d->gw[i], d->weight[i])) {
        case 0:
            break;
        case -EEXIST:
            return conf_fail(l, d->node[i], "listed twice");
        case -EADDRINUSE:
            return conf_fail(
                l, d->node[i],
                "an anycast address of this gateway: clients would come straight back");
        case -EPERM:
            return conf_fail(l, d->node[i],
                             "this gateway's own address: set redirect.allow_self: true to send "
                             "clients here");
        default:
            return conf_fail(l, d->node[i], "at most %d targets, weights up to %d", RP_MAX_TARGETS,
                             RP_WEIGHT_MAX);
        }
    }
    return 0;
}
