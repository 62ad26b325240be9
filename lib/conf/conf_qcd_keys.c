/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Restarts in the configuration: Quick Crash Detection (RFC 6290), and what
 * happens to a peer's SAs when the gateway starts and stops:
 *   gateway: qcd_secret_file, qcd_previous_secret_file, qcd_previous_valid, stop_wait
 *   peers[]: qcd, qcd_liveness, start_action, stop_action
 * The secret files are read last, once the whole file is known to be valid,
 * so that a configuration with a mistake never creates a secret.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf_loader.h"
#include "conf_qcd.h"

int conf_qcd_gateway_key(struct loader *l, const char *key, const yaml_node_t *v)
{
    const char *s;
    if (strcmp(key, "qcd_secret_file") == 0 || strcmp(key, "qcd_previous_secret_file") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (s[0] == '\0')
            return conf_fail(l, v, "expected a file name");
        *(strcmp(key, "qcd_secret_file") == 0 ? &l->qcd_secret_node : &l->qcd_prev_node) = v;
        return 0;
    }
    if (strcmp(key, "stop_wait") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (conf_parse_duration_ms(s, CONF_STOP_WAIT_MS_MAX, &l->conf->stop_wait_ms) < 0)
            return conf_fail(l, v, "expected a duration like 500ms or 2s (at most 15s), got \"%s\"",
                             s);
        return 0;
    }
    if (strcmp(key, "qcd_previous_valid") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (conf_parse_duration(s, 366u * 86400u, &l->conf->ike.qcd_prev_valid_s) < 0)
            return conf_fail(l, v,
                             "expected a duration like 12h, 1d or 7d (at most 366d; 0: as long "
                             "as veer runs), got \"%s\"",
                             s);
        return 0;
    }
    return 1;
}

int conf_qcd_peer_key(struct loader *l, struct ike_peer_cfg *p, const char *key,
                      const yaml_node_t *v)
{
    const char *s;
    if (strcmp(key, "qcd") == 0) {
        static const char *const roles[] = {
            [IKE_QCD_BOTH] = "both",
            [IKE_QCD_OFF] = "off",
            [IKE_QCD_MAKER] = "maker",
            [IKE_QCD_TAKER] = "taker",
        };
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        for (unsigned i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
            if (strcmp(s, roles[i]) == 0) {
                p->qcd = (uint8_t)i;
                return 0;
            }
        }
        return conf_fail(l, v, "expected both, maker, taker or off, got \"%s\"", s);
    }
    if (strcmp(key, "qcd_liveness") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (conf_parse_duration_ms(s, CONF_QCD_LIVENESS_MS_MAX, &p->qcd_liveness_ms) < 0)
            return conf_fail(l, v,
                             "expected a duration like 500ms, 1s or 2m (at most 1h; 0: off), "
                             "got \"%s\"",
                             s);
        return 0;
    }
    if (strcmp(key, "start_action") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strcmp(s, "none") == 0)
            p->start_action = IKE_START_NONE;
        else if (strcmp(s, "start") == 0)
            p->start_action = IKE_START_START;
        else
            return conf_fail(l, v, "expected none or start, got \"%s\"", s);
        return 0;
    }
    if (strcmp(key, "stop_action") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strcmp(s, "none") == 0)
            p->stop_action = IKE_STOP_NONE;
        else if (strcmp(s, "delete") == 0)
            p->stop_action = IKE_STOP_DELETE;
        else
            return conf_fail(l, v, "expected none or delete, got \"%s\"", s);
        return 0;
    }
    return 1;
}

int conf_qcd_peer_finish(struct loader *l, const yaml_node_t *item, const struct ike_peer_cfg *p)
{
    if (p->start_action == IKE_START_START && p->remote.family == 0)
        return conf_fail(l, item, "start_action start needs remote (the address to initiate to)");
    return 0;
}

/* The directory path is in: "." for a bare name. */
static void dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, cap, ".");
    else if (slash == path)
        snprintf(dir, cap, "/");
    else
        snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

/* Tells opts->on_create about the file at node n. */
static void tell_create(struct loader *l, const yaml_node_t *n, const char *path)
{
    const struct conf_load_opts *o = l->opts;
    if (o == NULL || o->on_create == NULL)
        return;
    char where[300];
    snprintf(where, sizeof(where), "%s:%zu", l->name, n->start_mark.line + 1);
    o->on_create(o->arg, where, l->path, path);
}

/*
 * The current secret into conf->qcd_keys.cur, made first when the file is
 * not there; under no_create only whether it could be. *loaded: it was read.
 */
static int load_current(struct loader *l, const yaml_node_t *n, const char *path, bool *loaded)
{
    bool no_create = l->opts != NULL && l->opts->no_create;
    struct stat st;
    bool missing = lstat(path, &st) != 0 && errno == ENOENT;
    char why[512];
    *loaded = false;
    if (missing && no_create) {
        char dir[4096];
        dir_of(path, dir, sizeof(dir));
        if (access(dir, W_OK | X_OK) != 0)
            return conf_fail(l, n, "%s: not there, and %s cannot take a new one: %s", path, dir,
                             strerror(errno));
        tell_create(l, n, path);
        return 0;
    }
    if (conf_qcd_secret_load(path, !no_create, l->conf->qcd_keys.cur, why, sizeof(why)) < 0)
        return conf_fail(l, n, "%s", why);
    if (missing)
        tell_create(l, n, path);
    *loaded = true;
    return 0;
}

int conf_qcd_finish(struct loader *l)
{
    struct veer_conf *c = l->conf;
    const yaml_node_t *cur_node = l->qcd_secret_node, *prev_node = l->qcd_prev_node;
    if (cur_node == NULL) {
        for (unsigned i = 0; i < c->npeers; i++) {
            if (c->peers[i].qcd != IKE_QCD_MAKER)
                continue;
            snprintf(l->path, sizeof(l->path), "peers[%u].qcd", i);
            return conf_fail(l, l->peer_node[i],
                             "maker needs gateway.qcd_secret_file (the secret tokens are made "
                             "from)");
        }
        snprintf(l->path, sizeof(l->path), "gateway.qcd_previous_secret_file");
        if (prev_node != NULL)
            return conf_fail(l, prev_node, "needs qcd_secret_file (the current secret)");
        l->path[0] = '\0';
        return 0;
    }
    const char *cur = conf_scalar(cur_node), *prev = conf_scalar(prev_node);
    snprintf(l->path, sizeof(l->path), "gateway.qcd_secret_file");
    bool read = conf_file_named(l, cur_node, cur);
    snprintf(l->path, sizeof(l->path), "gateway.qcd_previous_secret_file");
    if (prev != NULL) {
        read = conf_file_named(l, prev_node, prev) && read;
        if (strcmp(prev, cur) == 0)
            return conf_fail(l, prev_node, "the same file as qcd_secret_file");
    }
    if (!read) { /* --check-syntax: no keys, nothing run with them */
        l->path[0] = '\0';
        return 0;
    }
    bool loaded;
    snprintf(l->path, sizeof(l->path), "gateway.qcd_secret_file");
    if (load_current(l, cur_node, cur, &loaded) < 0)
        return -1;
    snprintf(l->path, sizeof(l->path), "gateway.qcd_previous_secret_file");
    if (prev != NULL) {
        char why[512];
        /* Never created: a previous secret is one clients hold tokens of. */
        if (conf_qcd_secret_load(prev, false, c->qcd_keys.prev, why, sizeof(why)) < 0)
            return conf_fail(l, prev_node, "%s", why);
        c->qcd_keys.has_prev = true;
        if (loaded && CRYPTO_memcmp(c->qcd_keys.cur, c->qcd_keys.prev, IKE_QCD_SECRET_LEN) == 0)
            return conf_fail(l, prev_node,
                             "holds the same secret as qcd_secret_file: to rotate, move the "
                             "current file here and restart");
    }
    l->path[0] = '\0';
    if (loaded)
        c->ike.qcd_keys = &c->qcd_keys;
    return 0;
}
