/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual IPs (docs/remote-access.md): the `pools:` section, a peer's
 * `pools` (names, resolved once the whole file is read: the section may
 * come after the peers) and an initiator's `vips`.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_loader.h"

/* Adds `n` (< 2^32) to a big-endian address of `len` bytes; false on overflow. */
static bool addr_add(uint8_t *ip, unsigned len, uint64_t n)
{
    for (unsigned i = len; i-- > 0 && n > 0;) {
        uint64_t v = ip[i] + (n & 0xff);
        ip[i] = (uint8_t)v;
        n = (n >> 8) + (v >> 8);
    }
    return n == 0;
}

/* "10.3.0.0/24": the hosts of the subnet (IPv4 without network and broadcast, IPv6 without ::0). */
static int parse_prefix(struct loader *l, const yaml_node_t *v, const char *s,
                        struct ike_pool_cfg *pc)
{
    char text[64];
    const char *slash = strchr(s, '/');
    size_t alen = (size_t)(slash - s);
    if (alen >= sizeof(text))
        return conf_fail(l, v, "bad subnet \"%s\"", s);
    memcpy(text, s, alen);
    text[alen] = '\0';
    if (ike_addr_parse(&pc->first, text, 0) < 0)
        return conf_fail(l, v, "not an IPv4 or IPv6 subnet: \"%s\"", s);
    unsigned bits = ike_addr_ip_len(&pc->first) * 8;
    char *end;
    unsigned long len = strtoul(slash + 1, &end, 10);
    if (*end != '\0' || end == slash + 1 || len > bits || len < (bits == 32 ? 8u : 64u))
        return conf_fail(l, v, "bad prefix length in \"%s\" (/8 to /32, IPv6 /64 to /128)", s);
    for (unsigned b = (unsigned)len; b < bits; b++) {
        if (pc->first.ip[b / 8] & (0x80 >> (b % 8)))
            return conf_fail(l, v, "\"%s\" has host bits set", s);
    }
    pc->last = pc->first;
    for (unsigned b = (unsigned)len; b < bits; b++)
        pc->last.ip[b / 8] |= (uint8_t)(0x80 >> (b % 8));
    pc->prefix_len = (uint8_t)len;
    unsigned host_bits = bits - (unsigned)len;
    if (bits == 32 && host_bits >= 2) {
        addr_add(pc->first.ip, 4, 1);
        pc->last.ip[3]--; /* the broadcast address ends in a 1 bit: no borrow */
    } else if (bits == 128 && host_bits >= 1) {
        addr_add(pc->first.ip, 16, 1);
    }
    return 0;
}

/* "10.3.0.10-10.3.0.99": that range. */
static int parse_range(struct loader *l, const yaml_node_t *v, const char *s,
                       struct ike_pool_cfg *pc)
{
    char text[128];
    if (strlen(s) >= sizeof(text))
        return conf_fail(l, v, "bad range \"%s\"", s);
    strcpy(text, s);
    char *dash = strchr(text, '-');
    *dash = '\0';
    if (ike_addr_parse(&pc->first, text, 0) < 0 || ike_addr_parse(&pc->last, dash + 1, 0) < 0)
        return conf_fail(l, v, "not an address range: \"%s\"", s);
    if (pc->first.family != pc->last.family ||
        memcmp(pc->first.ip, pc->last.ip, ike_addr_ip_len(&pc->first)) > 0)
        return conf_fail(l, v, "\"%s\": the first address must not be after the last", s);
    pc->prefix_len = (uint8_t)(ike_addr_ip_len(&pc->first) * 8);
    return 0;
}

static int pool_addresses(struct loader *l, const yaml_node_t *v, struct ike_pool_cfg *pc)
{
    const char *s;
    if (conf_want_scalar(l, v, &s) < 0)
        return -1;
    if (strchr(s, '/') != NULL)
        return parse_prefix(l, v, s, pc);
    if (strchr(s, '-') != NULL)
        return parse_range(l, v, s, pc);
    return conf_fail(l, v, "expected a subnet (10.3.0.0/24) or a range (10.3.0.10-10.3.0.99)");
}

static int dns_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    struct ike_pool_cfg *pc = arg;
    const char *s;
    if (conf_want_scalar(l, item, &s) < 0)
        return -1;
    if (i >= IKE_POOL_MAX_DNS)
        return conf_fail(l, item, "at most %d DNS servers", IKE_POOL_MAX_DNS);
    if (ike_addr_parse(&pc->dns[i], s, 0) < 0)
        return conf_fail(l, item, "not an IPv4 or IPv6 address: \"%s\"", s);
    pc->ndns = i + 1;
    return 0;
}

static int pool_key(struct loader *l, struct ike_pool_cfg *pc, const char *key,
                    const yaml_node_t *v)
{
    const char *s;
    if (strcmp(key, "name") == 0)
        return conf_want_string(l, v, pc->name, sizeof(pc->name), "name must be ");
    if (strcmp(key, "addresses") == 0)
        return pool_addresses(l, v, pc);
    if (strcmp(key, "dns") == 0)
        return conf_each_item(l, v, dns_item, pc);
    if (strcmp(key, "hold") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (conf_parse_duration(s, 30 * 86400, &pc->hold_s) < 0)
            return conf_fail(l, v, "expected a duration up to 30d, got \"%s\"", s);
        return 0;
    }
    return conf_fail(l, v, "unknown key");
}

static int pool_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    struct veer_conf *c = l->conf;
    if (i >= IKE_MAX_POOLS)
        return conf_fail(l, item, "at most %d pools", IKE_MAX_POOLS);
    if (item->type != YAML_MAPPING_NODE)
        return conf_fail(l, item, "a pool is a mapping of keys");
    struct ike_pool_cfg *pc = &c->pools[i];
    c->npools = i + 1;
    pc->hold_s = CONF_POOL_HOLD_DEFAULT;
    for (yaml_node_pair_t *kv = item->data.mapping.pairs.start; kv < item->data.mapping.pairs.top;
         kv++) {
        const char *key = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        snprintf(l->path, sizeof(l->path), "pools[%u].%s", i, key ? key : "?");
        if (pool_key(l, pc, key ? key : "", yaml_document_get_node(&l->doc, kv->value)) < 0)
            return -1;
    }
    snprintf(l->path, sizeof(l->path), "pools[%u]", i);
    if (pc->name[0] == '\0' || pc->first.family == 0)
        return conf_fail(l, item, "needs name and addresses");
    for (unsigned j = 0; j < i; j++) {
        if (strcmp(c->pools[j].name, pc->name) == 0)
            return conf_fail(l, item, "a second pool named \"%s\"", pc->name);
    }
    return 0;
}

int conf_pools_section(struct loader *l, const yaml_node_t *v)
{
    return conf_each_item(l, v, pool_item, NULL);
}

static int vip_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)i;
    struct ike_peer_cfg *p = arg;
    const char *s;
    if (conf_want_scalar(l, item, &s) < 0)
        return -1;
    if (strcmp(s, "0.0.0.0") == 0)
        p->vip_request |= IKE_VIP_4;
    else if (strcmp(s, "::") == 0)
        p->vip_request |= IKE_VIP_6;
    else
        return conf_fail(l, item, "expected 0.0.0.0 or :: (any address of that family)");
    return 0;
}

int conf_pools_peer_key(struct loader *l, struct ike_peer_cfg *p, unsigned peer, const char *key,
                        const yaml_node_t *v)
{
    if (strcmp(key, "pools") == 0) {
        if (v->type != YAML_SEQUENCE_NODE)
            return conf_fail(l, v, "expected a list of pool names");
        l->peer_pools_node[peer] = v;
        return 0;
    }
    if (strcmp(key, "vips") == 0)
        return conf_each_item(l, v, vip_item, p);
    return 1;
}

static int peer_pool_name(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    struct ike_peer_cfg *p = arg;
    const struct veer_conf *c = l->conf;
    const char *s;
    if (conf_want_scalar(l, item, &s) < 0)
        return -1;
    if (i >= IKE_PEER_MAX_POOLS)
        return conf_fail(l, item, "at most %d pools", IKE_PEER_MAX_POOLS);
    for (unsigned j = 0; j < c->npools; j++) {
        if (strcmp(c->pools[j].name, s) == 0) {
            p->pools[i] = (uint8_t)j;
            p->npools = (uint8_t)(i + 1);
            return 0;
        }
    }
    return conf_fail(l, item, "no pool named \"%s\" (see the pools section)", s);
}

int conf_pools_finish(struct loader *l)
{
    struct veer_conf *c = l->conf;
    for (unsigned i = 0; i < c->npeers; i++) {
        if (l->peer_pools_node[i] == NULL)
            continue;
        snprintf(l->path, sizeof(l->path), "peers[%u].pools", i);
        if (conf_each_item(l, l->peer_pools_node[i], peer_pool_name, &c->peers[i]) < 0)
            return -1;
    }
    l->path[0] = '\0';
    return 0;
}
