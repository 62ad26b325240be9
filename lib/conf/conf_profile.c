/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port profiles: the drivers-cfg/NAME.yaml files and the same keys given on a
 * port in veer.yaml. One parser for both, so a key means the same wherever it
 * is written. A profile file must state every key: nothing about a device
 * family is left to a default nobody wrote down.
 */
#include "conf_profile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_loader.h"

struct named_bit {
    const char *name;
    uint32_t bit;
};

static const struct named_bit rss_fields[] = {
    {"ipv4", CONF_RSS_IPV4}, {"ipv6", CONF_RSS_IPV6}, {"udp", CONF_RSS_UDP},
    {"tcp", CONF_RSS_TCP},   {"esp", CONF_RSS_ESP},   {NULL, 0},
};

static const struct named_bit rx_offloads[] = {
    {"ipv4_cksum", CONF_OFFLOAD_IPV4_CKSUM},
    {"udp_cksum", CONF_OFFLOAD_UDP_CKSUM},
    {"scatter", CONF_OFFLOAD_MULTI_SEG},
    {NULL, 0},
};

static const struct named_bit tx_offloads[] = {
    {"ipv4_cksum", CONF_OFFLOAD_IPV4_CKSUM},
    {"udp_cksum", CONF_OFFLOAD_UDP_CKSUM},
    {"multi_seg", CONF_OFFLOAD_MULTI_SEG},
    {"fast_free", CONF_OFFLOAD_FAST_FREE},
    {NULL, 0},
};

static const char *bit_name(const struct named_bit *table, uint32_t bit)
{
    for (; table->name != NULL; table++)
        if (table->bit == bit)
            return table->name;
    return "?";
}

const char *conf_rss_field_name(uint32_t bit)
{
    return bit_name(rss_fields, bit);
}

const char *conf_offload_name(uint32_t bit)
{
    return bit == CONF_OFFLOAD_MULTI_SEG ? "multi_seg" : bit_name(tx_offloads, bit);
}

/* A list of names from `table`, or an empty list; each name once. */
static int want_bits(struct loader *l, const yaml_node_t *v, const struct named_bit *table,
                     uint32_t *out)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return conf_fail(l, v, "expected a list, e.g. [%s, %s]", table[0].name, table[1].name);
    uint32_t bits = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        const yaml_node_t *item = yaml_document_get_node(&l->doc, *it);
        const char *s;
        if (conf_want_scalar(l, item, &s) < 0)
            return -1;
        const struct named_bit *nb = table;
        while (nb->name != NULL && strcmp(nb->name, s) != 0)
            nb++;
        if (nb->name == NULL) {
            char known[128] = "";
            for (const struct named_bit *k = table; k->name != NULL; k++)
                snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
                         k == table ? "" : ", ", k->name);
            return conf_fail(l, item, "unknown \"%s\" (known: %s)", s, known);
        }
        if (bits & nb->bit)
            return conf_fail(l, item, "\"%s\" given twice", s);
        bits |= nb->bit;
    }
    *out = bits;
    return 0;
}

static int want_bool(struct loader *l, const yaml_node_t *v, bool *out)
{
    const char *s;
    if (conf_want_scalar(l, v, &s) < 0)
        return -1;
    if (strcmp(s, "true") == 0 || strcmp(s, "on") == 0 || strcmp(s, "yes") == 0)
        *out = true;
    else if (strcmp(s, "false") == 0 || strcmp(s, "off") == 0 || strcmp(s, "no") == 0)
        *out = false;
    else
        return conf_fail(l, v, "expected true or false, got \"%s\"", s);
    return 0;
}

static int want_desc(struct loader *l, const yaml_node_t *v, unsigned *out)
{
    if (conf_want_uint(l, v, 32768, out) < 0)
        return -1;
    /* The device rounds to its own limits (rte_eth_dev_adjust_nb_rx_tx_desc); 0 is no ring. */
    return *out < 16 ? conf_fail(l, v, "16 to 32768 descriptors") : 0;
}

int conf_profile_key(struct loader *l, struct conf_profile_overrides *o, const char *key,
                     const yaml_node_t *v)
{
    struct conf_port_profile *p = &o->values;
    uint32_t bit;
    int rc;
    if (strcmp(key, "rx_desc") == 0) {
        bit = CONF_PK_RX_DESC;
        rc = want_desc(l, v, &p->rx_desc);
    } else if (strcmp(key, "tx_desc") == 0) {
        bit = CONF_PK_TX_DESC;
        rc = want_desc(l, v, &p->tx_desc);
    } else if (strcmp(key, "rss") == 0) {
        bit = CONF_PK_RSS;
        rc = want_bool(l, v, &p->rss);
    } else if (strcmp(key, "rss_fields") == 0) {
        bit = CONF_PK_RSS_FIELDS;
        rc = want_bits(l, v, rss_fields, &p->rss_fields);
    } else if (strcmp(key, "rx_offloads") == 0) {
        bit = CONF_PK_RX_OFFLOADS;
        rc = want_bits(l, v, rx_offloads, &p->rx_offloads);
    } else if (strcmp(key, "tx_offloads") == 0) {
        bit = CONF_PK_TX_OFFLOADS;
        rc = want_bits(l, v, tx_offloads, &p->tx_offloads);
    } else if (strcmp(key, "device_mtu") == 0) {
        bit = CONF_PK_MTU;
        rc = conf_want_uint(l, v, 16000, &p->mtu);
        /* 68: the least IPv4 allows (RFC 791); 0 keeps the device's own. */
        if (rc == 0 && p->mtu != 0 && p->mtu < 68)
            rc = conf_fail(l, v, "0 (the device's) or 68 to 16000 bytes");
    } else if (strcmp(key, "promiscuous") == 0) {
        bit = CONF_PK_PROMISCUOUS;
        rc = want_bool(l, v, &p->promiscuous);
    } else if (strcmp(key, "link_wait_ms") == 0) {
        bit = CONF_PK_LINK_WAIT_MS;
        rc = conf_want_uint(l, v, 60000, &p->link_wait_ms);
    } else {
        return 1;
    }
    if (rc == 0 && (o->given & bit))
        rc = conf_fail(l, v, "given twice");
    o->given |= bit;
    return rc;
}

void conf_profile_override(struct conf_port_profile *p, const struct conf_profile_overrides *o)
{
    const struct conf_port_profile *v = &o->values;
    if (o->given & CONF_PK_RX_DESC)
        p->rx_desc = v->rx_desc;
    if (o->given & CONF_PK_TX_DESC)
        p->tx_desc = v->tx_desc;
    if (o->given & CONF_PK_RSS)
        p->rss = v->rss;
    if (o->given & CONF_PK_RSS_FIELDS)
        p->rss_fields = v->rss_fields;
    if (o->given & CONF_PK_RX_OFFLOADS)
        p->rx_offloads = v->rx_offloads;
    if (o->given & CONF_PK_TX_OFFLOADS)
        p->tx_offloads = v->tx_offloads;
    if (o->given & CONF_PK_MTU)
        p->mtu = v->mtu;
    if (o->given & CONF_PK_PROMISCUOUS)
        p->promiscuous = v->promiscuous;
    if (o->given & CONF_PK_LINK_WAIT_MS)
        p->link_wait_ms = v->link_wait_ms;
}

static const char *const key_names[] = {"rx_desc",    "tx_desc",     "rss",
                                        "rss_fields", "rx_offloads", "tx_offloads",
                                        "mtu",        "promiscuous", "link_wait_ms"};

static int walk_profile(struct loader *l, struct conf_profile_overrides *o)
{
    const yaml_node_t *root = yaml_document_get_root_node(&l->doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE)
        return conf_fail(l, root, "a profile is a mapping of port keys");
    for (yaml_node_pair_t *kv = root->data.mapping.pairs.start; kv < root->data.mapping.pairs.top;
         kv++) {
        const char *key = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        const yaml_node_t *v = yaml_document_get_node(&l->doc, kv->value);
        snprintf(l->path, sizeof(l->path), "%s", key != NULL ? key : "?");
        int rc = conf_profile_key(l, o, key != NULL ? key : "", v);
        if (rc < 0)
            return -1;
        if (rc > 0)
            return conf_fail(l, v, "unknown key");
    }
    for (unsigned i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++) {
        if (!(o->given & (1u << i))) {
            l->path[0] = '\0';
            return conf_fail(l, root, "missing %s (a profile states every key)", key_names[i]);
        }
    }
    return 0;
}

static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= CONF_PROFILE_NAME_MAX)
        return false;
    /* No '/' nor '.': a name can never reach outside the profile directory. */
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

int conf_profile_load(const char *dir, const char *name, struct conf_port_profile *out, char *err,
                      size_t err_len)
{
    if (!valid_name(name)) {
        snprintf(err, err_len, "profile \"%s\": a name of letters, digits, '_' and '-'", name);
        return -1;
    }
    char path[CONF_PROFILE_DIR_MAX + CONF_PROFILE_NAME_MAX + 8];
    snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, err_len, "profile %s: %s", path, strerror(errno));
        return -1;
    }
    struct loader l = {.name = path, .err = err, .err_len = err_len};
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int rc;
    if (!yaml_parser_load(&parser, &l.doc)) {
        snprintf(err, err_len, "%s:%zu: %s", path, parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "YAML syntax error");
        rc = -1;
    } else {
        struct conf_profile_overrides o = {0};
        rc = walk_profile(&l, &o);
        if (rc == 0)
            *out = o.values;
        yaml_document_delete(&l.doc);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

void conf_profile_default_dir(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    const char *build_root = VEER_BUILD_ROOT "/";
    if (n > 0) {
        exe[n] = '\0';
        if (strncmp(exe, build_root, strlen(build_root)) == 0) {
            snprintf(out, cap, "%s", VEER_DRIVERS_CFG_SOURCE);
            return;
        }
    }
    snprintf(out, cap, "%s", VEER_DRIVERS_CFG_INSTALLED);
}

int conf_profile_check_ports(struct loader *l)
{
    struct conf_dataplane *dp = &l->conf->dp;
    if (dp->drivers_cfg[0] == '\0')
        conf_profile_default_dir(dp->drivers_cfg, sizeof(dp->drivers_cfg));
    for (unsigned i = 0; i < dp->nports; i++) {
        const struct conf_port *p = &dp->ports[i];
        if (strcmp(p->profile, CONF_PROFILE_AUTO) == 0)
            continue; /* chosen by driver once the device is probed (lib/dp/port/port.c) */
        struct conf_port_profile unused;
        char why[384];
        if (conf_profile_load(dp->drivers_cfg, p->profile, &unused, why, sizeof(why)) < 0) {
            snprintf(l->path, sizeof(l->path), "dataplane.ports[%u].profile", i);
            return conf_fail(l, l->port_profile_node[i], "%s", why);
        }
    }
    return 0;
}
