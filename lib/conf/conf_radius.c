/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `radius:` section (docs/radius.md): the RADIUS servers that
 * remote_auth eap-radius relays EAP to (RFC 3579), in the order they are
 * tried. Each server's shared secret is in its own owner-only file, read
 * like a peer's psk_file. Accounting (RFC 2866) goes to each server's
 * acct_port when `accounting` is on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "conf_loader.h"

static int read_secret(struct loader *l, const yaml_node_t *n, const char *path,
                       struct ike_radius_server_cfg *s)
{
    struct stat st;
    if (!conf_file_named(l, n, path))
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return conf_fail(l, n, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) < 0 || (st.st_mode & 077) != 0) {
        fclose(f);
        return conf_fail(l, n, "%s must be readable by its owner only (chmod 600)", path);
    }
    size_t len = fread(s->secret, 1, sizeof(s->secret), f);
    int more = fgetc(f);
    fclose(f);
    while (len > 0 && (s->secret[len - 1] == '\n' || s->secret[len - 1] == '\r'))
        len--;
    if (more != EOF || len == 0)
        return conf_fail(l, n, "%s must hold 1 to %d bytes", path, IKE_RADIUS_SECRET_MAX);
    s->secret_len = (uint8_t)len;
    return 0;
}

static int server_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    struct ike_radius_cfg *rc = &l->conf->ike.radius;
    if (i >= IKE_RADIUS_MAX_SERVERS)
        return conf_fail(l, item, "at most %d servers", IKE_RADIUS_MAX_SERVERS);
    if (item->type != YAML_MAPPING_NODE)
        return conf_fail(l, item, "expected a mapping (address, port, acct_port, secret_file)");
    struct ike_radius_server_cfg *s = &rc->servers[i];
    rc->nservers = i + 1;
    unsigned port = 1812, acct_port = 1813;
    const char *addr = NULL;
    const yaml_node_t *addr_node = item, *secret_node = NULL;
    for (yaml_node_pair_t *kv = item->data.mapping.pairs.start; kv < item->data.mapping.pairs.top;
         kv++) {
        const char *k = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        const yaml_node_t *v = yaml_document_get_node(&l->doc, kv->value);
        snprintf(l->path, sizeof(l->path), "radius.servers[%u].%s", i, k ? k : "?");
        if (k != NULL && strcmp(k, "address") == 0) {
            if (conf_want_scalar(l, v, &addr) < 0)
                return -1;
            addr_node = v;
        } else if (k != NULL && strcmp(k, "port") == 0) {
            if (conf_want_uint(l, v, 65535, &port) < 0)
                return -1;
            if (port == 0)
                return conf_fail(l, v, "1 to 65535");
        } else if (k != NULL && strcmp(k, "acct_port") == 0) {
            if (conf_want_uint(l, v, 65535, &acct_port) < 0)
                return -1;
            if (acct_port == 0)
                return conf_fail(l, v, "1 to 65535");
        } else if (k != NULL && strcmp(k, "secret_file") == 0) {
            const char *path;
            if (conf_want_scalar(l, v, &path) < 0 || read_secret(l, v, path, s) < 0)
                return -1;
            secret_node = v;
        } else {
            return conf_fail(l, v, "unknown key");
        }
    }
    s->acct_port = (uint16_t)acct_port;
    snprintf(l->path, sizeof(l->path), "radius.servers[%u]", i);
    if (addr == NULL || secret_node == NULL)
        return conf_fail(l, item, "needs address and secret_file");
    snprintf(l->path, sizeof(l->path), "radius.servers[%u].address", i);
    if (ike_addr_parse(&s->addr, addr, (uint16_t)port) < 0)
        return conf_fail(l, addr_node, "not an IPv4 or IPv6 address: \"%s\"", addr);
    return 0;
}

int conf_radius_section(struct loader *l, const yaml_node_t *v)
{
    struct ike_radius_cfg *rc = &l->conf->ike.radius;
    rc->timeout_ms = 1000;
    rc->tries = 3;
    bool servers = false;
    if (v->type != YAML_MAPPING_NODE)
        return conf_fail(l, v, "expected a mapping");
    for (yaml_node_pair_t *kv = v->data.mapping.pairs.start; kv < v->data.mapping.pairs.top; kv++) {
        const char *k = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        const yaml_node_t *n = yaml_document_get_node(&l->doc, kv->value);
        const char *s;
        snprintf(l->path, sizeof(l->path), "radius.%s", k ? k : "?");
        if (k != NULL && strcmp(k, "servers") == 0) {
            if (n->type != YAML_SEQUENCE_NODE)
                return conf_fail(l, n, "expected a list of servers");
            if (conf_each_item(l, n, server_item, NULL) < 0)
                return -1;
            servers = true;
        } else if (k != NULL && strcmp(k, "timeout") == 0) {
            if (conf_want_scalar(l, n, &s) < 0)
                return -1;
            if (conf_parse_duration_ms(s, 60000, &rc->timeout_ms) < 0 || rc->timeout_ms < 10)
                return conf_fail(l, n, "a duration from 10ms to 60s, got \"%s\"", s);
        } else if (k != NULL && strcmp(k, "tries") == 0) {
            if (conf_want_uint(l, n, 10, &rc->tries) < 0)
                return -1;
            if (rc->tries == 0)
                return conf_fail(l, n, "1 to 10");
        } else if (k != NULL && strcmp(k, "accounting") == 0) {
            if (conf_want_scalar(l, n, &s) < 0)
                return -1;
            if (strcmp(s, "true") != 0 && strcmp(s, "yes") != 0 && strcmp(s, "false") != 0 &&
                strcmp(s, "no") != 0)
                return conf_fail(l, n, "true or false, got \"%s\"", s);
            rc->accounting = strcmp(s, "true") == 0 || strcmp(s, "yes") == 0;
        } else if (k != NULL && strcmp(k, "accounting_interval") == 0) {
            if (conf_want_scalar(l, n, &s) < 0)
                return -1;
            if (conf_parse_duration(s, 86400, &rc->accounting_interval_s) < 0)
                return conf_fail(l, n, "a duration up to 1d (0: no Interim-Update), got \"%s\"", s);
        } else if (k != NULL && strcmp(k, "nas_identifier") == 0) {
            if (conf_want_string(l, n, rc->nas_identifier, sizeof(rc->nas_identifier),
                                 "nas_identifier must be ") < 0)
                return -1;
        } else {
            return conf_fail(l, n, "unknown key");
        }
    }
    snprintf(l->path, sizeof(l->path), "radius");
    if (!servers || rc->nservers == 0)
        return conf_fail(l, v, "needs servers (at least one)");
    return 0;
}

int conf_radius_finish(struct loader *l)
{
    for (unsigned i = 0; i < l->conf->npeers; i++) {
        if (l->conf->peers[i].remote_auth == IKE_PEER_AUTH_EAP_RADIUS &&
            l->conf->ike.radius.nservers == 0) {
            snprintf(l->path, sizeof(l->path), "peers[%u].remote_auth", i);
            return conf_fail(l, l->peer_node[i], "eap-radius needs a radius: section with servers");
        }
    }
    return 0;
}
