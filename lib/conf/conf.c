/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML configuration through libyaml's document API: the whole file is parsed
 * into nodes first (libyaml handles the syntax and its errors), then walked
 * here with every node's line at hand for messages.
 */
#include "conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "conf_certs.h"
#include "conf_loader.h"
#include "conf_eap.h"
#include "ike_auth_cert.h"
#include "ike_ts.h"

int conf_fail(struct loader *l, const yaml_node_t *node, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(l->err, l->err_len, "%s:%zu: %s: %s", l->name,
             node != NULL ? node->start_mark.line + 1 : 0, l->path[0] ? l->path : "(top)", why);
    return -1;
}

const char *conf_scalar(const yaml_node_t *n)
{
    return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

int conf_want_scalar(struct loader *l, const yaml_node_t *n, const char **out)
{
    *out = conf_scalar(n);
    return *out == NULL ? conf_fail(l, n, "expected a single value") : 0;
}

int conf_want_string(struct loader *l, const yaml_node_t *n, char *dst, size_t cap,
                     const char *what)
{
    const char *s;
    if (conf_want_scalar(l, n, &s) < 0)
        return -1;
    if (strlen(s) == 0 || strlen(s) >= cap)
        return conf_fail(l, n, "%s1 to %zu characters", what, cap - 1);
    strcpy(dst, s);
    return 0;
}

int conf_want_uint(struct loader *l, const yaml_node_t *n, unsigned max, unsigned *out)
{
    const char *s;
    if (conf_want_scalar(l, n, &s) < 0)
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s || v > max)
        return conf_fail(l, n, "expected a number from 0 to %u, got \"%s\"", max, s);
    *out = (unsigned)v;
    return 0;
}

bool conf_file_named(struct loader *l, const yaml_node_t *n, const char *path)
{
    const struct conf_load_opts *o = l->opts;
    if (o != NULL && o->on_file != NULL) {
        char where[300];
        snprintf(where, sizeof(where), "%s:%zu", l->name, n != NULL ? n->start_mark.line + 1 : 0);
        o->on_file(o->arg, where, l->path, path);
    }
    return o == NULL || !o->skip_files;
}

/* Calls fn for every item of a sequence node. */
int conf_each_item(struct loader *l, const yaml_node_t *seq,
                   int (*fn)(struct loader *l, const yaml_node_t *item, unsigned i, void *arg),
                   void *arg)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return conf_fail(l, seq, "expected a list");
    unsigned i = 0;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++, i++) {
        if (fn(l, yaml_document_get_node(&l->doc, *it), i, arg) < 0)
            return -1;
    }
    return 0;
}

/* ---- values ---- */

int conf_id_parse(const char *s, struct ike_id *id, char *why, size_t why_len)
{
    memset(id, 0, sizeof(*id));
    if (strcmp(s, "%any") == 0)
        return 0;
    struct ike_addr a;
    if (ike_addr_parse(&a, s, 0) == 0) {
        id->type = a.family == 6 ? IKE_ID_IPV6_ADDR : IKE_ID_IPV4_ADDR;
        id->len = (uint8_t)ike_addr_ip_len(&a);
        memcpy(id->data, a.ip, id->len);
        return 0;
    }
    size_t len = strlen(s);
    if (len == 0 || len > IKE_ID_MAX) {
        snprintf(why, why_len, "identity must be 1 to %d bytes", IKE_ID_MAX);
        return -1;
    }
    /* "C=CH, O=Example, CN=gw": a distinguished name, as certificates carry (ID_DER_ASN1_DN). */
    if (strchr(s, '=') != NULL) {
        if (ike_id_from_dn(s, id) == 0)
            return 0;
        snprintf(why, why_len, "not a distinguished name: \"%s\"", s);
        return -1;
    }
    id->type = strchr(s, '@') != NULL ? IKE_ID_RFC822_ADDR : IKE_ID_FQDN;
    id->len = (uint8_t)len;
    memcpy(id->data, s, len);
    return 0;
}

static int parse_id(struct loader *l, const yaml_node_t *n, struct ike_id *id)
{
    const char *s;
    if (conf_want_scalar(l, n, &s) < 0)
        return -1;
    char why[128];
    return conf_id_parse(s, id, why, sizeof(why)) == 0 ? 0 : conf_fail(l, n, "%s", why);
}

static int read_psk_file(struct loader *l, const yaml_node_t *n, const char *path,
                         struct ike_peer_cfg *p)
{
    struct stat st;
    l->psk_file_node = n;
    if (!conf_file_named(l, n, path))
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return conf_fail(l, n, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) < 0 || (st.st_mode & 077) != 0) {
        fclose(f);
        return conf_fail(l, n, "%s must be readable by its owner only (chmod 600)", path);
    }
    size_t len = fread(p->psk, 1, sizeof(p->psk), f);
    int more = fgetc(f);
    fclose(f);
    while (len > 0 && (p->psk[len - 1] == '\n' || p->psk[len - 1] == '\r'))
        len--;
    if (more != EOF || len == 0)
        return conf_fail(l, n, "%s must hold 1 to %d bytes", path, IKE_PSK_MAX);
    p->psk_len = len;
    return 0;
}

/* ---- certificates ---- */

/* `one_side`: local_auth or remote_auth, where EAP may go (it authenticates the client only). */
static int parse_auth(struct loader *l, const yaml_node_t *v, uint8_t *out, bool one_side)
{
    const char *s;
    if (conf_want_scalar(l, v, &s) < 0)
        return -1;
    if (strcmp(s, "psk") == 0)
        *out = IKE_PEER_AUTH_PSK;
    else if (strcmp(s, "pubkey") == 0)
        *out = IKE_PEER_AUTH_PUBKEY;
    else if (strcmp(s, "eap-md5") == 0 && one_side)
        *out = IKE_PEER_AUTH_EAP_MD5;
    else if (strcmp(s, "eap-mschapv2") == 0 && one_side)
        *out = IKE_PEER_AUTH_EAP_MSCHAPV2;
    else if (strcmp(s, "eap-radius") == 0 && one_side)
        *out = IKE_PEER_AUTH_EAP_RADIUS;
    else if (strcmp(s, "eap-md5") == 0 || strcmp(s, "eap-mschapv2") == 0 ||
             strcmp(s, "eap-radius") == 0)
        return conf_fail(l, v,
                         "EAP authenticates the client only: use remote_auth (responder) "
                         "or local_auth (initiator)");
    else
        return conf_fail(l, v, "expected psk or pubkey%s, got \"%s\"",
                         one_side ? " or eap-md5 or eap-mschapv2 or eap-radius" : "", s);
    return 0;
}

static int cacert_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)i;
    const char *path;
    char *text, why[256];
    size_t len;
    if (conf_want_scalar(l, item, &path) < 0)
        return -1;
    if (!conf_file_named(l, item, path))
        return 0; /* an empty trust store: nothing will be run with it */
    if (conf_read_file(path, false, &text, &len, why, sizeof(why)) < 0)
        return conf_fail(l, item, "%s", why);
    int rc = ike_trust_add_pem(arg, text, len, why, sizeof(why));
    conf_free_file(text, len);
    return rc < 0 ? conf_fail(l, item, "%s: %s", path, why) : 0;
}

/* CA certificates: one PEM file or a list of them, each with one or more certificates. */
static int load_cacerts(struct loader *l, const yaml_node_t *v, struct ike_trust **slot)
{
    if (*slot == NULL)
        *slot = ike_trust_new();
    if (*slot == NULL)
        return conf_fail(l, v, "out of memory");
    return v->type == YAML_SCALAR_NODE ? cacert_item(l, v, 0, *slot)
                                       : conf_each_item(l, v, cacert_item, *slot);
}

/* The authentication keys of a peer; 1 when `key` is none of them. */
static int peer_cert_key(struct loader *l, struct ike_peer_cfg *p, const char *key,
                         const yaml_node_t *v)
{
    const char *s;
    unsigned i = l->conf->npeers - 1;
    if (strcmp(key, "auth") == 0) {
        if (parse_auth(l, v, &p->local_auth, false) < 0)
            return -1;
        p->remote_auth = p->local_auth;
        return 0;
    }
    if (strcmp(key, "local_auth") == 0)
        return parse_auth(l, v, &p->local_auth, true);
    if (strcmp(key, "remote_auth") == 0)
        return parse_auth(l, v, &p->remote_auth, true);
    if (strcmp(key, "local_auth_2") == 0 || strcmp(key, "remote_auth_2") == 0) {
        /* RFC 4739: the second round; veer does EAP-MD5 there and nothing else. */
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strcmp(s, "eap-md5") != 0)
            return conf_fail(l, v,
                             "the second authentication round takes eap-md5 only, got "
                             "\"%s\"",
                             s);
        *(key[0] == 'l' ? &p->local_auth2 : &p->remote_auth2) = IKE_PEER_AUTH_EAP_MD5;
        return 0;
    }
    if (strcmp(key, "cert") == 0 || strcmp(key, "key") == 0) {
        /* Loaded together once the whole peer is read: they may come in any order. */
        *(key[0] == 'c' ? &l->cert_node : &l->key_node) = v;
        return conf_want_scalar(l, v, &s);
    }
    if (strcmp(key, "eap_secrets_file") == 0) {
        char why[300];
        unsigned n;
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        conf_eap_free(l->conf->eap_secrets[i], p->neap_secrets);
        l->conf->eap_secrets[i] = NULL;
        p->eap_secrets = NULL;
        p->neap_secrets = 0;
        l->eap_file_node = v;
        if (!conf_file_named(l, v, s))
            return 0;
        if (conf_eap_load(s, &l->conf->eap_secrets[i], &n, why, sizeof(why)) < 0)
            return conf_fail(l, v, "%s", why);
        p->eap_secrets = l->conf->eap_secrets[i];
        p->neap_secrets = n;
        return 0;
    }
    if (strcmp(key, "cacerts") == 0) {
        if (load_cacerts(l, v, &l->conf->trusts[i]) < 0)
            return -1;
        p->trust = l->conf->trusts[i];
        return 0;
    }
    return 1;
}

/* Reads a peer's cert and key files into its credential; -1 after conf_fail(). */
static int load_cred(struct loader *l, unsigned i, struct ike_peer_cfg *p)
{
    char *cert, *key, why[256];
    size_t cert_len, key_len;
    const char *cert_path = conf_scalar(l->cert_node), *key_path = conf_scalar(l->key_node);
    snprintf(l->path, sizeof(l->path), "peers[%u].cert", i);
    bool read = conf_file_named(l, l->cert_node, cert_path);
    snprintf(l->path, sizeof(l->path), "peers[%u].key", i);
    if (!conf_file_named(l, l->key_node, key_path) || !read)
        return 0; /* no credential: nothing will be run with it */
    snprintf(l->path, sizeof(l->path), "peers[%u].cert", i);
    if (conf_read_file(cert_path, false, &cert, &cert_len, why, sizeof(why)) < 0)
        return conf_fail(l, l->cert_node, "%s", why);
    snprintf(l->path, sizeof(l->path), "peers[%u].key", i);
    if (conf_read_file(key_path, true, &key, &key_len, why, sizeof(why)) < 0) {
        conf_free_file(cert, cert_len);
        return conf_fail(l, l->key_node, "%s", why);
    }
    l->conf->creds[i] = ike_cred_from_pem(cert, cert_len, key, key_len, why, sizeof(why));
    conf_free_file(cert, cert_len);
    conf_free_file(key, key_len);
    p->cred = l->conf->creds[i];
    if (p->cred == NULL)
        return conf_fail(l, l->key_node, "%s and %s: %s", cert_path, key_path, why);
    return 0;
}

/* Certificate settings that only make sense together, once the peer is read. */
static int peer_cert_finish(struct loader *l, const yaml_node_t *item, unsigned i,
                            struct ike_peer_cfg *p)
{
    bool pubkey = p->local_auth == IKE_PEER_AUTH_PUBKEY, cert = l->cert_node != NULL;
    if (cert != (l->key_node != NULL))
        return conf_fail(l, item, "cert and key go together");
    if (pubkey != cert)
        return conf_fail(l, item,
                         pubkey ? "local_auth pubkey needs cert and key"
                                : "cert and key are for local_auth pubkey (auth: pubkey)");
    if (!pubkey)
        return 0;
    if (load_cred(l, i, p) < 0)
        return -1;
    if (p->cred == NULL) { /* files not read: whether the certificate names local_id is unknown */
        snprintf(l->path, sizeof(l->path), "peers[%u]", i);
        return 0;
    }
    snprintf(l->path, sizeof(l->path), "peers[%u].local_id", i);
    /* Without local_id we are who the certificate says; with one, it must say so too. */
    if (p->local_id.len == 0 && ike_cred_subject_id(p->cred, &p->local_id) < 0)
        return conf_fail(l, item, "the certificate's subject is too long for an ID");
    if (!ike_cred_has_id(p->cred, &p->local_id))
        return conf_fail(l, item, "not named by the certificate (subjectAltName or subject)");
    snprintf(l->path, sizeof(l->path), "peers[%u]", i);
    return 0;
}

/* EAP settings that only make sense together, once the peer is read. */
static int peer_eap_finish(struct loader *l, const yaml_node_t *item, const struct ike_peer_cfg *p)
{
    if (p->local_auth == IKE_PEER_AUTH_EAP_RADIUS)
        return conf_fail(l, item,
                         "eap-radius is for responders (remote_auth): veer relays the client's "
                         "EAP to RADIUS");
    bool radius = p->remote_auth == IKE_PEER_AUTH_EAP_RADIUS;
    if (radius && l->eap_file_node != NULL)
        return conf_fail(l, item, "eap-radius takes no eap_secrets_file: RADIUS has the users");
    if (radius && p->local_auth2 == 0 && p->remote_auth2 == 0 && p->remote.family == 0)
        return 0;
    bool local = ike_peer_auth_is_eap(p->local_auth) || p->local_auth2 != 0;
    bool remote = ike_peer_auth_is_eap(p->remote_auth) || p->remote_auth2 != 0;
    if ((ike_peer_auth_is_eap(p->local_auth) && p->local_auth2 != 0) ||
        (ike_peer_auth_is_eap(p->remote_auth) && p->remote_auth2 != 0))
        return conf_fail(l, item,
                         "with a second round (local_auth_2, remote_auth_2) the first "
                         "is psk or pubkey");
    bool ms =
        p->local_auth == IKE_PEER_AUTH_EAP_MSCHAPV2 || p->remote_auth == IKE_PEER_AUTH_EAP_MSCHAPV2;
    if ((local || remote) && l->eap_file_node == NULL)
        return conf_fail(l, item, "%s needs eap_secrets_file", ms ? "eap-mschapv2" : "eap-md5");
    if (!(local || remote) && l->eap_file_node != NULL)
        return conf_fail(l, item, "eap_secrets_file is for eap-md5 or eap-mschapv2");
    if (remote && p->remote.family != 0)
        return conf_fail(l, item,
                         "remote_auth eap-* (or remote_auth_2) is for responders: a "
                         "gateway we initiate to (remote) authenticates with psk or pubkey");
    if (!local || p->eap_secrets == NULL) /* the file not read: its users are unknown */
        return 0;
    for (unsigned k = 0; k < p->neap_secrets; k++) {
        if (p->eap_secrets[k].id.len == p->local_id.len &&
            memcmp(p->eap_secrets[k].id.data, p->local_id.data, p->local_id.len) == 0)
            return 0;
    }
    return conf_fail(l, item, "local_auth eap-*: eap_secrets_file has no secret for local_id");
}

/* Peers that take certificates get the gateway's CAs unless they have their own. */
static int peers_trust(struct loader *l)
{
    for (unsigned i = 0; i < l->conf->npeers; i++) {
        struct ike_peer_cfg *p = &l->conf->peers[i];
        if (p->remote_auth != IKE_PEER_AUTH_PUBKEY || p->trust != NULL)
            continue;
        p->trust = l->conf->cacerts;
        snprintf(l->path, sizeof(l->path), "peers[%u]", i);
        if (p->trust == NULL)
            return conf_fail(l, l->peer_node[i],
                             "remote_auth pubkey needs cacerts (here or in gateway)");
    }
    l->path[0] = '\0';
    return 0;
}

/* ---- peers ---- */

struct list_arg {
    struct ike_peer_cfg *peer;
    uint8_t protocol;
    bool local;
};

static int proposal_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    struct list_arg *a = arg;
    struct ike_peer_cfg *p = a->peer;
    unsigned *count = a->protocol == IKE_PROTO_IKE ? &p->nike : &p->nesp;
    struct ike_proposal_cfg *dst = a->protocol == IKE_PROTO_IKE ? p->ike : p->esp;
    const char *s;
    char why[200];
    if (conf_want_scalar(l, item, &s) < 0)
        return -1;
    if (i >= IKE_CFG_MAX_PROPOSALS)
        return conf_fail(l, item, "at most %d proposals", IKE_CFG_MAX_PROPOSALS);
    if (conf_parse_proposal(s, a->protocol, &dst[i], why, sizeof(why)) < 0)
        return conf_fail(l, item, "%s", why);
    *count = i + 1;
    return 0;
}

static int ts_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    struct list_arg *a = arg;
    unsigned *count = a->local ? &a->peer->nlocal_ts : &a->peer->nremote_ts;
    struct ike_ts *dst = a->local ? a->peer->local_ts : a->peer->remote_ts;
    if (i >= IKE_CFG_MAX_TS)
        return conf_fail(l, item, "at most %d subnets", IKE_CFG_MAX_TS);
    *count = i + 1;
    return conf_parse_ts(l, item, &dst[i]);
}

/* Lifetimes and liveness of a peer; 1 when `key` is none of them. */
static int peer_lifetime_key(struct loader *l, struct ike_peer_cfg *p, const char *key,
                             const yaml_node_t *v)
{
    static const struct {
        const char *key;
        size_t off;
    } durations[] = {
        {"ike_rekey_time", offsetof(struct ike_peer_cfg, ike_rekey_s)},
        {"child_rekey_time", offsetof(struct ike_peer_cfg, child_rekey_s)},
        {"child_life_time", offsetof(struct ike_peer_cfg, child_life_s)},
        {"rekey_jitter", offsetof(struct ike_peer_cfg, rekey_jitter_s)},
        {"dpd_delay", offsetof(struct ike_peer_cfg, dpd_delay_s)},
    };
    const char *s;
    for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
        if (strcmp(key, durations[i].key) != 0)
            continue;
        unsigned *out = (unsigned *)((char *)p + durations[i].off);
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (conf_parse_duration(s, 366u * 86400u, out) < 0)
            return conf_fail(l, v,
                             "expected a duration like 90, 90s, 20m, 8h or 1d (at most 366d), "
                             "got \"%s\"",
                             s);
        return 0;
    }
    if (strcmp(key, "child_rekey_bytes") == 0 || strcmp(key, "child_life_bytes") == 0) {
        uint64_t *out = key[6] == 'r' ? &p->child_rekey_bytes : &p->child_life_bytes;
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (conf_parse_bytes(s, out) < 0)
            return conf_fail(l, v, "expected a byte count like 500000, 64K, 512M or 2G, got \"%s\"",
                             s);
        return 0;
    }
    return 1;
}

#define UNSET UINT32_MAX

static void peer_lifetime_unset(struct ike_peer_cfg *p)
{
    p->ike_rekey_s = p->child_rekey_s = p->child_life_s = p->rekey_jitter_s = UNSET;
}

/*
 * What strongSwan does when nothing is said: IKE SAs rekeyed after 4 h, Child
 * SAs after 1 h, gone at 110 % of that, rekeys up to 10 % early at random.
 * Liveness checks stay off unless dpd_delay is set, as in strongSwan and libreswan.
 */
static void peer_lifetime_defaults(struct ike_peer_cfg *p)
{
    if (p->ike_rekey_s == UNSET)
        p->ike_rekey_s = 4 * 3600;
    if (p->child_rekey_s == UNSET)
        p->child_rekey_s = 3600;
    if (p->child_life_s == UNSET)
        p->child_life_s = p->child_rekey_s + p->child_rekey_s / 10;
    if (p->rekey_jitter_s == UNSET)
        p->rekey_jitter_s = p->child_rekey_s / 10;
}

/* Settings that only make sense together, checked once the peer is read. */
static int peer_check_lifetimes(struct loader *l, const yaml_node_t *item,
                                const struct ike_peer_cfg *p)
{
    if (p->child_life_s != 0 && p->child_rekey_s >= p->child_life_s)
        return conf_fail(l, item, "child_rekey_time must be shorter than child_life_time");
    if (p->child_life_bytes != 0 && p->child_rekey_bytes >= p->child_life_bytes)
        return conf_fail(l, item, "child_rekey_bytes must be smaller than child_life_bytes");
    return 0;
}

static int peer_key(struct loader *l, struct ike_peer_cfg *p, unsigned i, const char *key,
                    const yaml_node_t *v)
{
    const char *s;
    struct list_arg a = {.peer = p};
    if (strcmp(key, "name") == 0) {
        return conf_want_string(l, v, p->name, sizeof(p->name), "name must be ");
    }
    if (strcmp(key, "local_id") == 0)
        return parse_id(l, v, &p->local_id);
    if (strcmp(key, "remote_id") == 0)
        return parse_id(l, v, &p->remote_id);
    if (strcmp(key, "psk") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strlen(s) == 0 || strlen(s) > IKE_PSK_MAX)
            return conf_fail(l, v, "psk must be 1 to %d bytes", IKE_PSK_MAX);
        p->psk_len = strlen(s);
        memcpy(p->psk, s, p->psk_len);
        return 0;
    }
    if (strcmp(key, "psk_file") == 0)
        return conf_want_scalar(l, v, &s) < 0 ? -1 : read_psk_file(l, v, s, p);
    if (strcmp(key, "remote") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (ike_addr_parse(&p->remote, s, IKE_PORT) < 0)
            return conf_fail(l, v, "not an IPv4 or IPv6 address: \"%s\"", s);
        return 0;
    }
    if (strcmp(key, "ike_proposals") == 0 || strcmp(key, "esp_proposals") == 0) {
        a.protocol = key[0] == 'i' ? IKE_PROTO_IKE : IKE_PROTO_ESP;
        return conf_each_item(l, v, proposal_item, &a);
    }
    if (strcmp(key, "local_ts") == 0 || strcmp(key, "remote_ts") == 0) {
        a.local = key[0] == 'l';
        return conf_each_item(l, v, ts_item, &a);
    }
    if (strcmp(key, "mobike") == 0) {
        /* RFC 4555: MOBIKE_SUPPORTED in IKE_AUTH and UPDATE_SA_ADDRESSES taken (the default). */
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
            p->mobike = IKE_MOBIKE_YES;
        else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
            p->mobike = IKE_MOBIKE_NO;
        else
            return conf_fail(l, v, "expected yes or no, got \"%s\"", s);
        return 0;
    }
    if (strcmp(key, "mobike_return_check") == 0) {
        /* RFC 4555 3.7: ESP follows a moved peer once it answered there (the default). */
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
            p->mobike_no_check = false;
        else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
            p->mobike_no_check = true;
        else
            return conf_fail(l, v, "expected yes or no, got \"%s\"", s);
        return 0;
    }
    if (strcmp(key, "redirect_when") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strcmp(s, "first") != 0 && strcmp(s, "last") != 0)
            return conf_fail(l, v, "expected first or last, got \"%s\"", s);
        p->auth_redirect_when = s[0] == 'f' ? IKE_REDIRECT_AUTH_FIRST : IKE_REDIRECT_AUTH_LAST;
        return 0;
    }
    if (strcmp(key, "redirect_to") == 0) {
        /* '%policy': the gateway-wide redirect policy chooses, per client */
        const char *text = conf_scalar(v);
        if (text != NULL && strcmp(text, "%policy") == 0) {
            memset(&p->auth_redirect, 0, sizeof(p->auth_redirect));
            p->auth_redirect_by_policy = true;
            return 0;
        }
        return conf_parse_gw(l, v, &p->auth_redirect);
    }
    int rc = peer_lifetime_key(l, p, key, v);
    if (rc <= 0)
        return rc;
    rc = conf_qcd_peer_key(l, p, key, v);
    if (rc <= 0)
        return rc;
    rc = conf_mobike_peer_key(l, p, key, v);
    if (rc <= 0)
        return rc;
    rc = conf_pools_peer_key(l, p, i, key, v);
    if (rc <= 0)
        return rc;
    rc = peer_cert_key(l, p, key, v);
    if (rc <= 0)
        return rc;
    return conf_fail(l, v, "unknown key");
}

static int peer_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    if (i >= CONF_MAX_PEERS)
        return conf_fail(l, item, "at most %d peers", CONF_MAX_PEERS);
    if (item->type != YAML_MAPPING_NODE)
        return conf_fail(l, item, "a peer is a mapping of keys");
    struct ike_peer_cfg *p = &l->conf->peers[i];
    l->conf->npeers = i + 1;
    l->peer_node[i] = item;
    l->cert_node = l->key_node = NULL;
    l->psk_file_node = l->eap_file_node = NULL;
    peer_lifetime_unset(p);
    p->qcd_liveness_ms = CONF_QCD_LIVENESS_MS_DEFAULT;
    for (yaml_node_pair_t *kv = item->data.mapping.pairs.start; kv < item->data.mapping.pairs.top;
         kv++) {
        const char *key = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        snprintf(l->path, sizeof(l->path), "peers[%u].%s", i, key ? key : "?");
        if (peer_key(l, p, i, key ? key : "", yaml_document_get_node(&l->doc, kv->value)) < 0)
            return -1;
    }
    snprintf(l->path, sizeof(l->path), "peers[%u]", i);
    if (peer_cert_finish(l, item, i, p) < 0 || peer_eap_finish(l, item, p) < 0 ||
        conf_qcd_peer_finish(l, item, p) < 0)
        return -1;
    bool psk_needed = p->local_auth == IKE_PEER_AUTH_PSK || p->remote_auth == IKE_PEER_AUTH_PSK;
    bool psk_given = p->psk_len > 0 || l->psk_file_node != NULL;
    /* A certificate not read (skip_files) would have given local_id. */
    bool id_given = p->local_id.len > 0 || (l->cert_node != NULL && p->cred == NULL);
    /* Virtual IPs stand for a side's selector: leased to the client, or asked for by us. */
    bool remote_ts_given = p->nremote_ts > 0 || l->peer_pools_node[i] != NULL;
    bool local_ts_given = p->nlocal_ts > 0 || p->vip_request != 0;
    if (p->name[0] == '\0' || !id_given || (psk_needed && !psk_given) || p->nike == 0 ||
        p->nesp == 0 || !local_ts_given || !remote_ts_given)
        return conf_fail(l, item,
                         "needs name, local_id, psk or psk_file, ike_proposals, esp_proposals, "
                         "local_ts (or vips) and remote_ts (or pools)");
    peer_lifetime_defaults(p);
    return peer_check_lifetimes(l, item, p);
}

/* ---- gateway ---- */

static int listen_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    const char *s;
    if (conf_want_scalar(l, item, &s) < 0)
        return -1;
    if (i >= CONF_MAX_LISTEN)
        return conf_fail(l, item, "at most %d addresses", CONF_MAX_LISTEN);
    if (ike_addr_parse(&l->conf->listen[i], s, IKE_PORT) < 0)
        return conf_fail(l, item, "not an IPv4 or IPv6 address: \"%s\"", s);
    l->conf->nlisten = i + 1;
    return 0;
}

static int port_key(struct loader *l, struct conf_port *p, const char *key, const yaml_node_t *v)
{
    const char *s;
    if (strcmp(key, "name") == 0 || strcmp(key, "device") == 0) {
        char *dst = key[0] == 'n' ? p->name : p->device;
        size_t cap = key[0] == 'n' ? sizeof(p->name) : sizeof(p->device);
        return conf_want_string(l, v, dst, cap, "must be ");
    }
    int rc = conf_port_address_key(l, p, key, v); /* address, address6, addresses */
    if (rc <= 0)
        return rc;
    if (strcmp(key, "mtu") == 0) {
        if (conf_want_uint(l, v, 65535, &p->mtu) < 0)
            return -1;
        return p->mtu < CONF_MTU_MIN || p->mtu > CONF_MTU_MAX
                   ? conf_fail(l, v, "%u to %u bytes", CONF_MTU_MIN, CONF_MTU_MAX)
                   : 0;
    }
    if (strcmp(key, "profile") == 0) {
        l->port_profile_node[p - l->conf->dp.ports] = v;
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        snprintf(p->profile, sizeof(p->profile), "%s", s);
        return 0;
    }
    rc = conf_profile_key(l, &p->overrides, key, v); /* rx_desc, rss, device_mtu ... */
    return rc <= 0 ? rc : conf_fail(l, v, "unknown key");
}

static int port_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    struct conf_dataplane *dp = arg;
    if (i >= CONF_MAX_PORTS)
        return conf_fail(l, item, "at most %d ports", CONF_MAX_PORTS);
    if (item->type != YAML_MAPPING_NODE)
        return conf_fail(l, item, "a port is a mapping of keys");
    struct conf_port *p = &dp->ports[i];
    dp->nports = i + 1;
    l->port_node[i] = item;
    strcpy(p->profile, CONF_PROFILE_AUTO);
    p->mtu = CONF_MTU_DEFAULT;
    for (yaml_node_pair_t *kv = item->data.mapping.pairs.start; kv < item->data.mapping.pairs.top;
         kv++) {
        const char *key = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        snprintf(l->path, sizeof(l->path), "dataplane.ports[%u].%s", i, key ? key : "?");
        if (port_key(l, p, key ? key : "", yaml_document_get_node(&l->doc, kv->value)) < 0)
            return -1;
    }
    snprintf(l->path, sizeof(l->path), "dataplane.ports[%u]", i);
    if (conf_port_addresses_finish(l, item, p) < 0)
        return -1;
    if (p->name[0] == '\0' || p->device[0] == '\0' || p->naddrs == 0)
        return conf_fail(l, item, "needs name, device and address, address6 or addresses");
    /* IPv6 routers never fragment: a link that cannot carry 1280 bytes cannot carry IPv6. */
    if (p->addr6.family == 6 && p->mtu < CONF_MTU_MIN_IPV6)
        return conf_fail(l, item, "mtu %u is below IPv6's minimum of %u (it has an IPv6 address)",
                         p->mtu, CONF_MTU_MIN_IPV6);
    return 0;
}

static int admission_key(struct loader *l, const char *key, const yaml_node_t *v)
{
    struct conf_admission *a = &l->conf->dp.admission;
    const char *s;
    if (strcmp(key, "mode") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strcmp(s, "off") == 0)
            a->mode = CONF_GATE_OFF;
        else if (strcmp(s, "on") == 0)
            a->mode = CONF_GATE_ON;
        else if (strcmp(s, "auto") == 0)
            a->mode = CONF_GATE_AUTO;
        else
            return conf_fail(l, v, "off, on or auto, got \"%s\"", s);
        return 0;
    }
    if (strcmp(key, "rate") == 0)
        return conf_want_uint(l, v, 100000000, &a->rate);
    if (strcmp(key, "overload_policy") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strcmp(s, "redirect-first") == 0)
            a->overload_policy = CONF_OVERLOAD_REDIRECT_FIRST;
        else if (strcmp(s, "cookie-first") == 0)
            a->overload_policy = CONF_OVERLOAD_COOKIE_FIRST;
        else
            return conf_fail(l, v, "redirect-first or cookie-first, got \"%s\"", s);
        return 0;
    }
    if (strcmp(key, "redirect_to") == 0)
        return conf_redirect_short_form(l, v);
    return conf_fail(l, v, "unknown key");
}

static int admission_section(struct loader *l, const yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return conf_fail(l, v, "expected a mapping");
    for (yaml_node_pair_t *g = v->data.mapping.pairs.start; g < v->data.mapping.pairs.top; g++) {
        const char *k = conf_scalar(yaml_document_get_node(&l->doc, g->key));
        snprintf(l->path, sizeof(l->path), "dataplane.admission.%s", k ? k : "?");
        if (admission_key(l, k ? k : "", yaml_document_get_node(&l->doc, g->value)) < 0)
            return -1;
    }
    return 0;
}

static int dataplane_key(struct loader *l, const char *key, const yaml_node_t *v)
{
    struct conf_dataplane *dp = &l->conf->dp;
    if (strcmp(key, "workers") == 0) {
        if (conf_want_uint(l, v, 127, &dp->workers) < 0)
            return -1;
        return dp->workers == 0 ? conf_fail(l, v, "at least 1 worker") : 0;
    }
    if (strcmp(key, "idle_sleep_us") == 0)
        return conf_want_uint(l, v, 100000, &dp->idle_sleep_us);
    if (strcmp(key, "mbufs") == 0)
        return conf_want_uint(l, v, 1u << 22, &dp->mbufs);
    if (strcmp(key, "ring_size") == 0) {
        if (conf_want_uint(l, v, 1u << 20, &dp->ring_size) < 0)
            return -1;
        return (dp->ring_size & (dp->ring_size - 1)) != 0 || dp->ring_size < 64
                   ? conf_fail(l, v, "a power of two, at least 64")
                   : 0;
    }
    if (strcmp(key, "replay_window") == 0) {
        if (conf_want_uint(l, v, 1u << 30, &dp->replay_window) < 0)
            return -1;
        return dp->replay_window < CONF_REPLAY_WINDOW_MIN ||
                       dp->replay_window > CONF_REPLAY_WINDOW_MAX
                   ? conf_fail(l, v, "%u to %u packets", CONF_REPLAY_WINDOW_MIN,
                               CONF_REPLAY_WINDOW_MAX)
                   : 0;
    }
    if (strcmp(key, "ports") == 0)
        return conf_each_item(l, v, port_item, dp);
    if (strcmp(key, "static_sas") == 0)
        return conf_static_sas(l, v);
    if (strcmp(key, "neighbours") == 0)
        return conf_neighbours(l, v);
    if (strcmp(key, "admission") == 0)
        return admission_section(l, v);
    if (strcmp(key, "drivers_cfg") == 0) {
        return conf_want_string(l, v, dp->drivers_cfg, sizeof(dp->drivers_cfg), "a directory of ");
    }
    if (strcmp(key, "routes") == 0)
        return conf_routes(l, v);
    if (strcmp(key, "icmp_rate") == 0)
        return conf_want_uint(l, v, CONF_ICMP_RATE_MAX, &dp->icmp_rate);
    if (strcmp(key, "qcd_reply_rate") == 0)
        return conf_want_uint(l, v, CONF_QCD_REPLY_RATE_MAX, &dp->qcd_reply_rate);
    if (strcmp(key, "neighbour_reachable") == 0)
        return conf_want_uint(l, v, CONF_NEIGH_REACHABLE_MAX, &dp->neighbour_reachable);
    if (strcmp(key, "neighbour_probes") == 0) {
        if (conf_want_uint(l, v, UINT32_MAX, &dp->neighbour_probes) < 0)
            return -1;
        return dp->neighbour_probes == 0 || dp->neighbour_probes > CONF_NEIGH_PROBES_MAX
                   ? conf_fail(l, v, "1 to %u probes", CONF_NEIGH_PROBES_MAX)
                   : 0;
    }
    if (strcmp(key, "neighbour_hold") == 0)
        return conf_want_uint(l, v, CONF_NEIGH_HOLD_MAX, &dp->neighbour_hold);
    if (strcmp(key, "neighbour_hold_total") == 0) {
        if (conf_want_uint(l, v, UINT32_MAX, &dp->neighbour_hold_total) < 0)
            return -1;
        return dp->neighbour_hold_total == 0 || dp->neighbour_hold_total > CONF_NEIGH_HOLD_TOTAL_MAX
                   ? conf_fail(l, v, "1 to %u packets", CONF_NEIGH_HOLD_TOTAL_MAX)
                   : 0;
    }
    if (strcmp(key, "reassembly") == 0)
        return conf_reassembly(l, v);
    if (strcmp(key, "telemetry_group") == 0) {
        return conf_want_string(l, v, dp->telemetry_group, sizeof(dp->telemetry_group),
                                "a group name of ");
    }
    return conf_fail(l, v, "unknown key");
}

static int dataplane_section(struct loader *l, const yaml_node_t *v)
{
    struct conf_dataplane *dp = &l->conf->dp;
    dp->present = true;
    dp->workers = 1;
    dp->mbufs = 8192;
    dp->ring_size = 4096;
    dp->replay_window = CONF_REPLAY_WINDOW_DEFAULT;
    dp->admission.mode = CONF_GATE_AUTO;
    dp->admission.rate = 5000;
    dp->admission.overload_policy = CONF_OVERLOAD_COOKIE_FIRST;
    dp->icmp_rate = CONF_ICMP_RATE_DEFAULT;
    dp->qcd_reply_rate = CONF_QCD_REPLY_RATE_DEFAULT;
    dp->neighbour_reachable = CONF_NEIGH_REACHABLE_DEFAULT;
    dp->neighbour_probes = CONF_NEIGH_PROBES_DEFAULT;
    dp->neighbour_hold = CONF_NEIGH_HOLD_DEFAULT;
    dp->neighbour_hold_total = CONF_NEIGH_HOLD_TOTAL_DEFAULT;
    conf_reassembly_defaults(&dp->reassembly);
    if (v->type != YAML_MAPPING_NODE)
        return conf_fail(l, v, "expected a mapping");
    for (yaml_node_pair_t *g = v->data.mapping.pairs.start; g < v->data.mapping.pairs.top; g++) {
        const char *k = conf_scalar(yaml_document_get_node(&l->doc, g->key));
        snprintf(l->path, sizeof(l->path), "dataplane.%s", k ? k : "?");
        if (dataplane_key(l, k ? k : "", yaml_document_get_node(&l->doc, g->value)) < 0)
            return -1;
    }
    snprintf(l->path, sizeof(l->path), "dataplane");
    if (dp->nports == 0)
        return conf_fail(l, v, "needs at least one port");
    if (conf_port_addresses_check(l, v) < 0)
        return -1;
    for (unsigned i = 0; i < dp->nneighbours; i++) {
        unsigned p = 0;
        while (p < dp->nports && strcmp(dp->ports[p].name, dp->neighbours[i].port) != 0)
            p++;
        if (p == dp->nports) {
            snprintf(l->path, sizeof(l->path), "dataplane.neighbours[%u].port", i);
            return conf_fail(l, l->neighbour_node[i], "no port is named \"%s\"",
                             dp->neighbours[i].port);
        }
        /* app/veer would refuse it at start, after EAL: say so here, with the file. */
        if (!conf_on_port_subnet(&dp->ports[p], &dp->neighbours[i].addr)) {
            snprintf(l->path, sizeof(l->path), "dataplane.neighbours[%u].address", i);
            return conf_fail(l, l->neighbour_node[i], "not on port %s's %s subnet",
                             dp->neighbours[i].port,
                             dp->neighbours[i].addr.family == 6 ? "IPv6" : "IPv4");
        }
    }
    if (conf_routes_check(l) < 0)
        return -1;
    return conf_profile_check_ports(l);
}

static int gateway_key(struct loader *l, const char *key, const yaml_node_t *v)
{
    struct ike_config *c = &l->conf->ike;
    if (strcmp(key, "listen") == 0)
        return conf_each_item(l, v, listen_item, NULL);
    if (strcmp(key, "max_sas") == 0)
        return conf_want_uint(l, v, 1u << 24, &c->max_sas);
    if (strcmp(key, "half_open_timeout") == 0)
        return conf_want_uint(l, v, 3600, &c->half_open_timeout_s);
    if (strcmp(key, "retransmit_base_ms") == 0)
        return conf_want_uint(l, v, 60000, &c->retransmit_base_ms);
    if (strcmp(key, "retransmit_tries") == 0)
        return conf_want_uint(l, v, 20, &c->retransmit_tries);
    if (strcmp(key, "fragment_size") == 0) {
        if (conf_want_uint(l, v, 65535, &c->fragment_size) < 0)
            return -1;
        if (c->fragment_size < 256)
            return conf_fail(l, v, "at least 256 bytes (RFC 7383 2.5.1 suggests 1280)");
        return 0;
    }
    if (strcmp(key, "cookie_threshold") == 0)
        return conf_want_uint(l, v, 1u << 24, &c->cookie_threshold);
    if (strcmp(key, "cacerts") == 0)
        return load_cacerts(l, v, &l->conf->cacerts);
    if (strcmp(key, "redirect_grace") == 0) {
        const char *s;
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (conf_parse_duration(s, 3600, &c->redirect_grace_s) < 0 || c->redirect_grace_s == 0)
            return conf_fail(l, v, "expected a duration from 1s to 1h, got \"%s\"", s);
        return 0;
    }
    if (strcmp(key, "max_redirects") == 0) {
        /* As initiator: redirects followed within 300 s before it is a loop (RFC 5685 9.1). */
        if (conf_want_uint(l, v, 100000, &c->max_redirects) < 0)
            return -1;
        return c->max_redirects == 0 ? conf_fail(l, v, "at least 1") : 0;
    }
    if (strcmp(key, "cookie_rotate") == 0) {
        const char *s;
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (conf_parse_duration(s, 86400, &c->cookie_rotate_s) < 0 || c->cookie_rotate_s == 0)
            return conf_fail(l, v, "expected a duration from 1s to 1d, got \"%s\"", s);
        return 0;
    }
    int rc = conf_qcd_gateway_key(l, key, v);
    if (rc <= 0)
        return rc;
    rc = conf_mobike_gateway_key(l, key, v);
    return rc <= 0 ? rc : conf_fail(l, v, "unknown key");
}

static int walk(struct loader *l)
{
    const yaml_node_t *root = yaml_document_get_root_node(&l->doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE)
        return conf_fail(l, root, "the file must be a mapping with gateway and peers");
    for (yaml_node_pair_t *kv = root->data.mapping.pairs.start; kv < root->data.mapping.pairs.top;
         kv++) {
        const yaml_node_t *v = yaml_document_get_node(&l->doc, kv->value);
        const char *key = conf_scalar(yaml_document_get_node(&l->doc, kv->key));
        snprintf(l->path, sizeof(l->path), "%s", key ? key : "?");
        if (key != NULL && strcmp(key, "gateway") == 0) {
            if (v->type != YAML_MAPPING_NODE)
                return conf_fail(l, v, "expected a mapping");
            for (yaml_node_pair_t *g = v->data.mapping.pairs.start; g < v->data.mapping.pairs.top;
                 g++) {
                const char *gk = conf_scalar(yaml_document_get_node(&l->doc, g->key));
                snprintf(l->path, sizeof(l->path), "gateway.%s", gk ? gk : "?");
                if (gateway_key(l, gk ? gk : "", yaml_document_get_node(&l->doc, g->value)) < 0)
                    return -1;
            }
        } else if (key != NULL && strcmp(key, "dataplane") == 0) {
            if (dataplane_section(l, v) < 0)
                return -1;
        } else if (key != NULL && strcmp(key, "redirect") == 0) {
            if (conf_redirect_section(l, v) < 0)
                return -1;
        } else if (key != NULL && strcmp(key, "pools") == 0) {
            if (conf_pools_section(l, v) < 0)
                return -1;
        } else if (key != NULL && strcmp(key, "radius") == 0) {
            if (conf_radius_section(l, v) < 0)
                return -1;
        } else if (key != NULL && strcmp(key, "peers") == 0) {
            if (conf_each_item(l, v, peer_item, NULL) < 0)
                return -1;
        } else {
            return conf_fail(l, v, "unknown key");
        }
    }
    l->path[0] = '\0';
    /* Only manually keyed SAs is a valid setup too (a benchmark, a peer without IKE). */
    if (l->conf->npeers == 0 && l->conf->dp.nstatic_sas == 0)
        return conf_fail(l, root, "no peers configured (and no dataplane.static_sas)");
    if (conf_redirect_finish(l) < 0 || peers_trust(l) < 0 || conf_pools_finish(l) < 0 ||
        conf_radius_finish(l) < 0)
        return -1;
    /* Last: a configuration with a mistake never creates a QCD secret. */
    return conf_qcd_finish(l);
}

static int load(yaml_parser_t *parser, const char *name, const struct conf_load_opts *opts,
                struct veer_conf *conf, char *err, size_t err_len)
{
    struct loader l = {.name = name, .err = err, .err_len = err_len, .conf = conf, .opts = opts};
    memset(conf, 0, sizeof(*conf));
    conf->ike.cookie_threshold = 1000; /* half-open SAs; lib/ike's 0 would mean never */
    conf->ike.qcd_prev_valid_s = CONF_QCD_PREV_VALID_DEFAULT;
    conf->stop_wait_ms = CONF_STOP_WAIT_MS_DEFAULT;
    if (!yaml_parser_load(parser, &l.doc)) {
        snprintf(err, err_len, "%s:%zu: %s", name, parser->problem_mark.line + 1,
                 parser->problem ? parser->problem : "YAML syntax error");
        return -1;
    }
    int rc = walk(&l);
    yaml_document_delete(&l.doc);
    conf->ike.peers = conf->peers;
    conf->ike.npeers = conf->npeers;
    conf->ike.announce_addrs = conf->mobike_addrs;
    conf->ike.nannounce_addrs = conf->nmobike_addrs;
    conf->ike.pools = conf->pools;
    conf->ike.npools = conf->npools;
    if (rc < 0)
        conf_free(conf);
    return rc;
}

int conf_load_string(const char *text, const char *name, struct veer_conf *conf, char *err,
                     size_t err_len)
{
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    int rc = load(&parser, name, NULL, conf, err, err_len);
    yaml_parser_delete(&parser);
    return rc;
}

int conf_load(const char *path, struct veer_conf *conf, char *err, size_t err_len)
{
    return conf_load_opts(path, NULL, conf, err, err_len);
}

int conf_load_opts(const char *path, const struct conf_load_opts *opts, struct veer_conf *conf,
                   char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int rc = load(&parser, path, opts, conf, err, err_len);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}
