/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane.static_sas: manually keyed Child SAs (RFC 4301 4.5), for a peer
 * that does not speak IKE and for benchmarks that replay traffic against
 * known keys; dataplane.neighbours: MAC addresses the operator gives, for
 * next hops that never answer ARP (a traffic sink, a static setup).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_loader.h"
#include "ike_proposal.h"
#include "ike_sk_crypto.h"

#define KEY_TEXT_MAX 256

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "0x0011..", "00:11:..", "0011.." -> bytes; the byte count, or -1. */
static long parse_hex(const char *s, uint8_t *out, size_t cap)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    size_t n = 0;
    while (*s != '\0') {
        if (*s == ':' || *s == ' ') {
            s++;
            continue;
        }
        int hi = hex_value(s[0]), lo = s[1] != '\0' ? hex_value(s[1]) : -1;
        if (hi < 0 || lo < 0 || n >= cap)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    return (long)n;
}

/* The SA as it is being read, and which keys it got from where. */
struct static_draft {
    struct conf_static_sa *sa;
    const char *esp;
    const yaml_node_t *esp_node, *key_node[2], *file_node;
    char key_text[2][KEY_TEXT_MAX];
    bool have_local, have_remote, have_spi_in, have_spi_out;
};

/* keys_file: "in HEX" and "out HEX" lines, the file readable by its owner only. */
static int read_keys_file(struct loader *l, const yaml_node_t *n, const char *path,
                          struct static_draft *d)
{
    if (!conf_file_named(l, n, path))
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return conf_fail(l, n, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || (st.st_mode & 077) != 0) {
        fclose(f);
        return conf_fail(l, n, "%s must be readable by its owner only (chmod 600)", path);
    }
    char line[KEY_TEXT_MAX + 8];
    unsigned lines = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL && lines++ < 8) {
        line[strcspn(line, "\r\n")] = '\0';
        unsigned which = strncmp(line, "in ", 3) == 0 ? 0 : strncmp(line, "out ", 4) == 0 ? 1 : 2;
        if (which == 2 || d->key_text[which][0] != '\0')
            rc = conf_fail(l, n, "%s: want one \"in HEX\" and one \"out HEX\" line", path);
        else
            snprintf(d->key_text[which], KEY_TEXT_MAX, "%s", line + (which == 0 ? 3 : 4));
    }
    fclose(f);
    return rc;
}

static int want_spi(struct loader *l, const yaml_node_t *v, uint32_t *spi)
{
    const char *s;
    if (conf_want_scalar(l, v, &s) < 0)
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    /* SPIs 1..255 are reserved by IANA (RFC 4303 2.1); 0 means none. */
    if (errno != 0 || *end != '\0' || end == s || x < 256 || x > UINT32_MAX)
        return conf_fail(l, v, "an SPI from 256 to 0xffffffff, got \"%s\"", s);
    *spi = (uint32_t)x;
    return 0;
}

static int want_addr(struct loader *l, const yaml_node_t *v, struct ike_addr *a)
{
    const char *s;
    if (conf_want_scalar(l, v, &s) < 0)
        return -1;
    if (ike_addr_parse(a, s, 0) < 0)
        return conf_fail(l, v, "an IPv4 or IPv6 address, got \"%s\"", s);
    return 0;
}

static int ts_into(struct loader *l, const yaml_node_t *v, struct ike_ts_set *set)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return conf_fail(l, v, "a list of subnets");
    set->nts = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        if (set->nts >= IKE_CHILD_TS_MAX)
            return conf_fail(l, v, "at most %d subnets", IKE_CHILD_TS_MAX);
        if (conf_parse_ts(l, yaml_document_get_node(&l->doc, *it), &set->ts[set->nts++]) < 0)
            return -1;
    }
    return set->nts == 0 ? conf_fail(l, v, "at least one subnet") : 0;
}

static int static_key(struct loader *l, struct static_draft *d, const char *key,
                      const yaml_node_t *v)
{
    struct ike_child_sa *c = &d->sa->sa;
    const char *s;
    if (strcmp(key, "name") == 0) {
        return conf_want_string(l, v, d->sa->name, sizeof(d->sa->name), "");
    }
    if (strcmp(key, "local") == 0) {
        d->have_local = true;
        return want_addr(l, v, &c->local);
    }
    if (strcmp(key, "remote") == 0) {
        d->have_remote = true;
        return want_addr(l, v, &c->remote);
    }
    if (strcmp(key, "spi_in") == 0) {
        d->have_spi_in = true;
        return want_spi(l, v, &c->spi_in);
    }
    if (strcmp(key, "spi_out") == 0) {
        d->have_spi_out = true;
        return want_spi(l, v, &c->spi_out);
    }
    if (strcmp(key, "esp") == 0) {
        d->esp_node = v;
        return conf_want_scalar(l, v, &d->esp);
    }
    if (strcmp(key, "key_in") == 0 || strcmp(key, "key_out") == 0) {
        unsigned which = key[4] == 'i' ? 0 : 1;
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strlen(s) >= KEY_TEXT_MAX)
            return conf_fail(l, v, "too long for a key");
        snprintf(d->key_text[which], KEY_TEXT_MAX, "%s", s);
        d->key_node[which] = v;
        return 0;
    }
    if (strcmp(key, "keys_file") == 0) {
        d->file_node = v;
        return conf_want_scalar(l, v, &s) < 0 ? -1 : read_keys_file(l, v, s, d);
    }
    if (strcmp(key, "local_ts") == 0)
        return ts_into(l, v, &c->ts_local);
    if (strcmp(key, "remote_ts") == 0)
        return ts_into(l, v, &c->ts_remote);
    if (strcmp(key, "udp_encap") == 0 || strcmp(key, "anti_replay") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        bool on = strcmp(s, "true") == 0 || strcmp(s, "yes") == 0;
        if (!on && strcmp(s, "false") != 0 && strcmp(s, "no") != 0)
            return conf_fail(l, v, "true or false, got \"%s\"", s);
        *(key[0] == 'u' ? &c->udp_encap : &d->sa->anti_replay) = on;
        return 0;
    }
    return conf_fail(l, v, "unknown key");
}

/* The one transform set of `esp`, and the keys cut to what it needs. */
static int finish_static(struct loader *l, const yaml_node_t *item, unsigned i,
                         struct static_draft *d)
{
    struct ike_child_sa *c = &d->sa->sa;
    if (d->sa->name[0] == '\0' || !d->have_local || !d->have_remote || !d->have_spi_in ||
        !d->have_spi_out || d->esp == NULL || c->ts_local.nts == 0 || c->ts_remote.nts == 0)
        return conf_fail(l, item,
                         "needs name, local, remote, spi_in, spi_out, esp, local_ts and remote_ts");
    if (c->local.family != c->remote.family)
        return conf_fail(l, item, "local and remote are of different address families");
    snprintf(l->path, sizeof(l->path), "dataplane.static_sas[%u].esp", i);
    struct ike_proposal_cfg p;
    char err[128];
    if (conf_parse_proposal(d->esp, IKE_PROTO_ESP, &p, err, sizeof(err)) < 0)
        return conf_fail(l, d->esp_node, "%s", err);
    if (p.nencr != 1 || p.ninteg > 1 || p.ndh > 0 || p.nesn > 1)
        return conf_fail(l, d->esp_node,
                         "exactly one transform set (a cipher, at most one "
                         "integrity algorithm, no DH group)");
    c->alg = (struct ike_chosen){.protocol = IKE_PROTO_ESP,
                                 .encr = p.encr[0],
                                 .integ = p.ninteg ? p.integ[0] : IKE_INTEG_NONE,
                                 .dh = IKE_DH_NONE,
                                 .esn = p.nesn ? p.esn[0] : IKE_ESN_NO_ESN};
    struct ike_sk_suite suite;
    if (ike_sk_suite_init(&suite, c->alg.encr.id, c->alg.encr.key_bits, c->alg.integ) < 0)
        return conf_fail(l, d->esp_node, "\"%s\" is not a transform set veer can key", d->esp);
    c->encr_key_len = suite.encr_key_len;
    c->integ_key_len = suite.integ_key_len;
    size_t want = c->encr_key_len + c->integ_key_len;
    for (unsigned which = 0; which < 2; which++) {
        const yaml_node_t *n = d->key_node[which] != NULL ? d->key_node[which] : d->file_node;
        snprintf(l->path, sizeof(l->path), "dataplane.static_sas[%u].%s", i,
                 d->key_node[which] != NULL ? (which == 0 ? "key_in" : "key_out") : "keys_file");
        if (d->key_text[which][0] == '\0' && d->file_node != NULL && l->opts != NULL &&
            l->opts->skip_files)
            continue; /* keys_file not read: their lengths are unknown */
        if (d->key_text[which][0] == '\0')
            return conf_fail(l, item, "needs key_in and key_out, or keys_file");
        uint8_t key[IKE_CHILD_KEY_MAX + 64];
        long got = parse_hex(d->key_text[which], key, sizeof(key));
        if (got < 0 || (size_t)got != want)
            return conf_fail(l, n, "%s key: %zu bytes in hex for %s (cipher key%s%s), got %s",
                             which == 0 ? "inbound" : "outbound", want, d->esp,
                             c->alg.encr.id == IKE_ENCR_AES_GCM_16 ? " and 4 bytes of salt" : "",
                             c->integ_key_len ? " then integrity key" : "",
                             got < 0 ? "no valid hex" : "another length");
        memcpy(which == 0 ? c->encr_in : c->encr_out, key, c->encr_key_len);
        memcpy(which == 0 ? c->integ_in : c->integ_out, key + c->encr_key_len, c->integ_key_len);
    }
    snprintf(l->path, sizeof(l->path), "dataplane.static_sas[%u].esp", i);
    if (c->alg.esn == IKE_ESN_ESN && !d->sa->anti_replay)
        return conf_fail(l, d->esp_node,
                         "ESN needs anti_replay: true (the window infers the "
                         "high bits)");
    return 0;
}

static int static_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    struct conf_dataplane *dp = &l->conf->dp;
    if (i >= CONF_MAX_STATIC_SAS)
        return conf_fail(l, item, "at most %d static SAs", CONF_MAX_STATIC_SAS);
    if (item->type != YAML_MAPPING_NODE)
        return conf_fail(l, item, "a static SA is a mapping of keys");
    struct static_draft d = {.sa = &dp->static_sas[i]};
    memset(d.sa, 0, sizeof(*d.sa));
    dp->nstatic_sas = i + 1;
    for (yaml_node_pair_t *kv = item->data.mapping.pairs.start; kv < item->data.mapping.pairs.top;
         kv++) {
        const char *key = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        snprintf(l->path, sizeof(l->path), "dataplane.static_sas[%u].%s", i, key ? key : "?");
        if (static_key(l, &d, key ? key : "", yaml_document_get_node(&l->doc, kv->value)) < 0)
            return -1;
    }
    snprintf(l->path, sizeof(l->path), "dataplane.static_sas[%u]", i);
    int rc = finish_static(l, item, i, &d);
    snprintf(l->path, sizeof(l->path), "dataplane.static_sas[%u]", i);
    for (unsigned j = 0; rc == 0 && j < i; j++)
        if (dp->static_sas[j].sa.spi_in == d.sa->sa.spi_in)
            rc = conf_fail(l, item, "spi_in %#x is already static_sas[%u]'s", d.sa->sa.spi_in, j);
    memset(d.key_text, 0, sizeof(d.key_text)); /* no key text left on the stack */
    return rc;
}

int conf_static_sas(struct loader *l, const yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return conf_fail(l, v, "a list of SAs");
    return conf_each_item(l, v, static_item, NULL);
}

static int neighbour_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    struct conf_dataplane *dp = &l->conf->dp;
    if (i >= CONF_MAX_NEIGHBOURS)
        return conf_fail(l, item, "at most %d neighbours", CONF_MAX_NEIGHBOURS);
    if (item->type != YAML_MAPPING_NODE)
        return conf_fail(l, item, "a neighbour is a mapping: address, mac, port");
    struct conf_neighbour *nb = &dp->neighbours[i];
    memset(nb, 0, sizeof(*nb));
    l->neighbour_node[i] = item;
    dp->nneighbours = i + 1;
    bool have_mac = false;
    for (yaml_node_pair_t *kv = item->data.mapping.pairs.start; kv < item->data.mapping.pairs.top;
         kv++) {
        const char *key = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        const yaml_node_t *v = yaml_document_get_node(&l->doc, kv->value);
        snprintf(l->path, sizeof(l->path), "dataplane.neighbours[%u].%s", i, key ? key : "?");
        const char *s;
        if (key == NULL || conf_want_scalar(l, v, &s) < 0)
            return key == NULL ? conf_fail(l, v, "unknown key") : -1;
        if (strcmp(key, "address") == 0) {
            if (ike_addr_parse(&nb->addr, s, 0) < 0)
                return conf_fail(l, v, "an IPv4 or IPv6 address, got \"%s\"", s);
        } else if (strcmp(key, "mac") == 0) {
            if (strlen(s) != 17 || parse_hex(s, nb->mac, sizeof(nb->mac)) != 6)
                return conf_fail(l, v, "a MAC address like 02:00:00:00:00:01, got \"%s\"", s);
            have_mac = true;
        } else if (strcmp(key, "port") == 0) {
            if (strlen(s) == 0 || strlen(s) >= sizeof(nb->port))
                return conf_fail(l, v, "a port name");
            strcpy(nb->port, s);
        } else {
            return conf_fail(l, v, "unknown key");
        }
    }
    snprintf(l->path, sizeof(l->path), "dataplane.neighbours[%u]", i);
    if (nb->addr.family == 0 || !have_mac || nb->port[0] == '\0')
        return conf_fail(l, item, "needs address, mac and port");
    return 0;
}

int conf_neighbours(struct loader *l, const yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return conf_fail(l, v, "a list of neighbours");
    return conf_each_item(l, v, neighbour_item, NULL);
}
