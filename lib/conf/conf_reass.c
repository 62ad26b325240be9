/* SPDX-License-Identifier: BSD-3-Clause */
/* dataplane.reassembly: how many IPv4 datagrams to the gateway each worker reassembles, how long.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conf_loader.h"

void conf_reassembly_defaults(struct conf_reassembly *r)
{
    r->flows = CONF_REASS_FLOWS_DEFAULT;
    r->timeout_ms = CONF_REASS_TIMEOUT_MS_DEFAULT;
    r->max_size = CONF_REASS_MAX_SIZE_DEFAULT;
    r->mbufs = CONF_REASS_MBUFS_DEFAULT;
}

static int want_range(struct loader *l, const yaml_node_t *v, unsigned min, unsigned max,
                      const char *unit, unsigned *out)
{
    if (conf_want_uint(l, v, UINT32_MAX, out) < 0)
        return -1;
    return *out < min || *out > max ? conf_fail(l, v, "%u to %u %s", min, max, unit) : 0;
}

static int reassembly_key(struct loader *l, struct conf_reassembly *r, const char *key,
                          const yaml_node_t *v)
{
    if (strcmp(key, "flows") == 0)
        return want_range(l, v, 0, CONF_REASS_FLOWS_MAX, "datagrams", &r->flows);
    if (strcmp(key, "timeout_ms") == 0)
        return want_range(l, v, CONF_REASS_TIMEOUT_MS_MIN, CONF_REASS_TIMEOUT_MS_MAX, "ms",
                          &r->timeout_ms);
    if (strcmp(key, "max_size") == 0)
        return want_range(l, v, CONF_REASS_MAX_SIZE_MIN, CONF_REASS_MAX_SIZE_MAX, "bytes",
                          &r->max_size);
    if (strcmp(key, "mbufs") == 0)
        return want_range(l, v, 0, CONF_REASS_MBUFS_MAX, "mbufs", &r->mbufs);
    return conf_fail(l, v, "unknown key");
}

int conf_reassembly(struct loader *l, const yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return conf_fail(l, v, "expected a mapping");
    struct conf_reassembly *r = &l->conf->dp.reassembly;
    for (yaml_node_pair_t *g = v->data.mapping.pairs.start; g < v->data.mapping.pairs.top; g++) {
        const char *k = conf_scalar(yaml_document_get_node(&l->doc, g->key));
        snprintf(l->path, sizeof(l->path), "dataplane.reassembly.%s", k ? k : "?");
        if (reassembly_key(l, r, k ? k : "", yaml_document_get_node(&l->doc, g->value)) < 0)
            return -1;
    }
    return 0;
}
