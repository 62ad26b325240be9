/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate keys of the configuration (auth, local_auth, remote_auth, cert,
 * key, cacerts per peer and for the gateway, DN identities) on PEM files
 * made at run time, and the errors each can give.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "conf.h"
#include "ike_auth_cert.h"
#include "ike_consts.h"
#include "test_pki.h"
#include "unit_util.h"

static char dir[] = "/tmp/veer-conf-cert-XXXXXX";

static void write_file(const char *name, const char *text, size_t len, mode_t mode)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void write_cert(const char *name, X509 *x)
{
    size_t len;
    char *pem = pki_cert_pem(x, &len);
    write_file(name, pem, len, 0644);
    free(pem);
}

static void write_key(const char *name, EVP_PKEY *k, mode_t mode)
{
    size_t len;
    char *pem = pki_key_pem(k, NULL, &len);
    write_file(name, pem, len, mode);
    free(pem);
}

/* ca.pem, other-ca.pem, gw.pem (DNS:gw.example, by ca), gw.key, other.key, open.key (0644). */
static int group_setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    EVP_PKEY *ca_key = pki_key("p256"), *gw_key = pki_key("p256"), *other = pki_key("p256");
    const struct pki_cert_spec ca_spec = {
        .cn = "conf CA", .ca = true, .from_days = -1, .to_days = 30};
    X509 *ca = pki_cert(ca_key, &ca_spec);
    const struct pki_cert_spec other_spec = {
        .cn = "other CA", .ca = true, .from_days = -1, .to_days = 30};
    X509 *other_ca = pki_cert(other, &other_spec);
    const struct pki_cert_spec gw_spec = {.cn = "gw",
                                          .san = "DNS:gw.example",
                                          .from_days = -1,
                                          .to_days = 30,
                                          .issuer = ca,
                                          .issuer_key = ca_key};
    X509 *gw = pki_cert(gw_key, &gw_spec);
    write_cert("ca.pem", ca);
    write_cert("other-ca.pem", other_ca);
    write_cert("gw.pem", gw);
    write_key("gw.key", gw_key, 0600);
    write_key("other.key", other, 0600);
    write_key("open.key", gw_key, 0644);
    X509_free(ca);
    X509_free(other_ca);
    X509_free(gw);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(gw_key);
    EVP_PKEY_free(other);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    const char *names[] = {"ca.pem", "other-ca.pem", "gw.pem", "gw.key", "other.key", "open.key"};
    char path[256];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

/*
 * A gateway with one peer; `peer_extra` and `gw_extra` are YAML lines (with
 * their indentation) where DIR stands for the temporary directory.
 */
static int load(const char *gw_extra, const char *peer_extra, struct veer_conf *c, char *err,
                size_t err_len)
{
    char tmpl[2048], text[4096];
    snprintf(tmpl, sizeof(tmpl),
             "gateway:\n"
             "  listen: [198.51.100.1]\n"
             "%s"
             "peers:\n"
             "  - name: rw\n"
             "    remote_id: '%%any'\n"
             "    ike_proposals: [aes128gcm16-prfsha256-x25519]\n"
             "    esp_proposals: [aes128gcm16]\n"
             "    local_ts: [10.2.0.0/24]\n"
             "    remote_ts: [10.1.0.1]\n"
             "%s",
             gw_extra, peer_extra);
    char *o = text;
    for (const char *t = tmpl; *t != '\0';) {
        if (strncmp(t, "DIR", 3) == 0) {
            o += sprintf(o, "%s", dir);
            t += 3;
        } else {
            *o++ = *t++;
        }
    }
    *o = '\0';
    return conf_load_string(text, "c.yaml", c, err, err_len);
}

static void expect_error(const char *gw_extra, const char *peer_extra, const char *want)
{
    static struct veer_conf c;
    char err[512] = "";
    assert_int_equal(load(gw_extra, peer_extra, &c, err, sizeof(err)), -1);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    /* A failed load keeps nothing. */
    assert_null(c.cacerts);
    assert_null(c.creds[0]);
    assert_null(c.trusts[0]);
}

static const char gw_ca[] = "  cacerts: [DIR/ca.pem]\n";
static const char pubkey[] = "    auth: pubkey\n"
                             "    cert: DIR/gw.pem\n"
                             "    key: DIR/gw.key\n";

static void test_pubkey_peer(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[512] = "";
    char extra[512];
    snprintf(extra, sizeof(extra), "%s    local_id: gw.example\n", pubkey);
    if (load(gw_ca, extra, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    const struct ike_peer_cfg *p = &c.peers[0];
    assert_int_equal(p->local_auth, IKE_PEER_AUTH_PUBKEY);
    assert_int_equal(p->remote_auth, IKE_PEER_AUTH_PUBKEY);
    assert_ptr_equal(p->cred, c.creds[0]);
    assert_non_null(p->cred);
    assert_ptr_equal(p->trust, c.cacerts);
    assert_int_equal(ike_trust_count(p->trust), 1);
    assert_int_equal(p->local_id.type, IKE_ID_FQDN);
    assert_int_equal(p->psk_len, 0);
    conf_free(&c);
    assert_null(c.cacerts);
    assert_null(c.peers[0].cred);

    /* No local_id: the certificate's subject. The peer's own CAs win over the gateway's. */
    snprintf(extra, sizeof(extra), "%s    cacerts: [DIR/other-ca.pem, DIR/ca.pem]\n", pubkey);
    if (load(gw_ca, extra, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    p = &c.peers[0];
    assert_int_equal(p->local_id.type, IKE_ID_DER_ASN1_DN);
    struct ike_id want;
    assert_int_equal(ike_id_from_dn("O=veer test, CN=gw", &want), 0);
    assert_true(ike_dn_equal(p->local_id.data, p->local_id.len, want.data, want.len));
    assert_ptr_equal(p->trust, c.trusts[0]);
    assert_int_equal(ike_trust_count(p->trust), 2);
    conf_free(&c);

    /* Each side on its own: a certificate for us, a shared key from the peer, and back. */
    snprintf(extra, sizeof(extra),
             "    local_id: gw.example\n    local_auth: pubkey\n    remote_auth: psk\n"
             "    cert: DIR/gw.pem\n    key: DIR/gw.key\n    psk: secret\n");
    if (load("", extra, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.peers[0].remote_auth, IKE_PEER_AUTH_PSK);
    assert_null(c.peers[0].trust);
    conf_free(&c);
    if (load(gw_ca,
             "    local_id: gw.example\n    remote_auth: pubkey\n    psk: secret\n"
             "    remote_id: 'O=veer test, CN=alice'\n",
             &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.peers[0].local_auth, IKE_PEER_AUTH_PSK);
    assert_int_equal(c.peers[0].remote_id.type, IKE_ID_DER_ASN1_DN);
    assert_ptr_equal(c.peers[0].trust, c.cacerts);
    conf_free(&c);
}

static void test_errors(void **state)
{
    (void)state;
    char extra[512];
    expect_error(gw_ca, "    auth: rsa\n", "c.yaml:11: peers[0].auth: expected psk or pubkey");
    expect_error("", pubkey, "peers[0]: remote_auth pubkey needs cacerts (here or in gateway)");
    expect_error(gw_ca, "    auth: pubkey\n    cert: DIR/gw.pem\n", "cert and key go together");
    expect_error(gw_ca, "    auth: pubkey\n", "local_auth pubkey needs cert and key");
    expect_error(gw_ca,
                 "    psk: x\n    local_id: gw.example\n    cert: DIR/gw.pem\n"
                 "    key: DIR/gw.key\n",
                 "cert and key are for local_auth pubkey");
    expect_error(gw_ca, "    auth: pubkey\n    cert: DIR/gw.pem\n    key: DIR/open.key\n",
                 "peers[0].key: ");
    expect_error(gw_ca, "    auth: pubkey\n    cert: DIR/gw.pem\n    key: DIR/open.key\n",
                 "open.key must be readable by its owner only (chmod 600)");
    expect_error(gw_ca, "    auth: pubkey\n    cert: DIR/gw.pem\n    key: DIR/other.key\n",
                 "does not belong to the first certificate");
    expect_error(gw_ca, "    auth: pubkey\n    cert: DIR/gw.key\n    key: DIR/gw.key\n",
                 "peers[0].key: ");
    expect_error(gw_ca, "    auth: pubkey\n    cert: DIR/nope.pem\n    key: DIR/gw.key\n",
                 "peers[0].cert: cannot open");
    snprintf(extra, sizeof(extra), "%s    local_id: vpn.example\n", pubkey);
    expect_error(gw_ca, extra, "peers[0].local_id: not named by the certificate");
    expect_error("  cacerts: [DIR/missing.pem]\n", pubkey,
                 "c.yaml:3: gateway.cacerts: cannot open");
    expect_error("  cacerts: DIR/gw.key\n", pubkey, "gateway.cacerts: ");
    snprintf(extra, sizeof(extra), "%s    cacerts: [DIR/gw.key]\n", pubkey);
    expect_error(gw_ca, extra, "peers[0].cacerts: ");
    expect_error(gw_ca, "    remote_id: 'CN='\n    psk: x\n",
                 "peers[0].remote_id: not a distinguished name");
    expect_error(gw_ca, "    certs: DIR/gw.pem\n", "peers[0].certs: unknown key");
}

/*
 * The shipped example with its commented-out certificate blocks turned on:
 * /etc/veer becomes the temporary directory, which holds the files it names
 * (and /var/lib/veer, where the QCD secret is made).
 */
static void test_example_certificates(void **state)
{
    (void)state;
    char path[512], line[512];
    snprintf(path, sizeof(path), "%s/../../etc/veer-ike.example.yaml", VEER_TEST_DATA);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char out[32768];
    size_t n = 0;
    bool in_block = false;
    unsigned blocks = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strstr(line, "# >>> certificates") != NULL || strstr(line, "# <<< certificates")) {
            in_block = strstr(line, ">>>") != NULL;
            blocks += in_block;
            continue;
        }
        char *hash = in_block ? strchr(line, '#') : NULL;
        if (hash != NULL)
            memmove(hash, hash + 1, strlen(hash)); /* one '#' less: the YAML is live */
        for (const char *t = line; *t != '\0';) {
            if (strncmp(t, "/etc/veer", 9) == 0) {
                n += (size_t)snprintf(out + n, sizeof(out) - n, "%s", dir);
                t += 9;
            } else if (strncmp(t, "/var/lib/veer", 13) == 0) { /* the QCD secret, made here */
                n += (size_t)snprintf(out + n, sizeof(out) - n, "%s", dir);
                t += 13;
            } else {
                out[n++] = *t++;
            }
            assert_true(n < sizeof(out) - 300);
        }
    }
    fclose(f);
    out[n] = '\0';
    assert_int_equal(blocks, 2);
    const struct {
        const char *from, *to;
    } links[] = {{"ca.pem", "gw-cert.pem"},
                 {"gw.pem", "gw-cert.pem"},
                 {"gw.key", "gw-key.pem"},
                 {"other-ca.pem", "clients-ca.pem"}};
    char a[256], b[256];
    for (size_t i = 1; i < sizeof(links) / sizeof(links[0]); i++) {
        snprintf(a, sizeof(a), "%s/%s", dir, links[i].from);
        snprintf(b, sizeof(b), "%s/%s", dir, links[i].to);
        assert_int_equal(symlink(a, b), 0);
    }
    write_file("road-warriors.psk", "rw-secret\n", 10, 0600);
    write_file("branch.psk", "branch-secret\n", 14, 0600);
    write_file("vip-clients.psk", "vip-secret\n", 11, 0600);
    static struct veer_conf c;
    char err[512] = "";
    int rc = conf_load_string(out, "veer-ike.example.yaml", &c, err, sizeof(err));
    const char *made[] = {"gw-cert.pem", "gw-key.pem", "clients-ca.pem", "road-warriors.psk",
                          "branch.psk",  "qcd.secret", "vip-clients.psk"};
    for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
        snprintf(b, sizeof(b), "%s/%s", dir, made[i]);
        unlink(b);
    }
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(c.npeers, 4);
    const struct ike_peer_cfg *p = &c.peers[3];
    assert_string_equal(p->name, "cert-clients");
    assert_int_equal(p->local_auth, IKE_PEER_AUTH_PUBKEY);
    assert_int_equal(p->remote_id.type, 0);
    assert_non_null(p->cred);
    assert_ptr_equal(p->trust, c.trusts[3]);
    assert_non_null(c.cacerts);
    conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pubkey_peer),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_example_certificates),
    };
    return cmocka_run_group_tests_name("conf_cert", tests, group_setup, group_teardown);
}
