/* SPDX-License-Identifier: BSD-3-Clause */
/* The YAML configuration: the shipped example loads; errors name file:line and key. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "ike_consts.h"
#include "unit_conf.h"
#include "unit_util.h"

static const char minimal[] =
    "gateway:\n"
    "  listen: [198.51.100.1]\n" UNIT_CONF_PEER("10.2.0.0/24", "10.1.0.1");

static void test_minimal(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256] = "";
    assert_int_equal(conf_load_string(minimal, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.npeers, 1);
    assert_int_equal(c.nlisten, 1);
    assert_int_equal(c.listen[0].port, 500);
    const struct ike_peer_cfg *p = &c.peers[0];
    assert_string_equal(p->name, "rw");
    assert_int_equal(p->local_id.type, IKE_ID_FQDN);
    assert_int_equal(p->remote_id.type, 0);
    assert_int_equal(p->psk_len, 9);
    assert_int_equal(p->ike[0].encr[0].id, IKE_ENCR_AES_GCM_16);
    assert_int_equal(p->ike[0].dh[0], IKE_DH_CURVE25519);
    assert_int_equal(p->esp[0].esn[0], IKE_ESN_NO_ESN);
    assert_memory_equal(p->local_ts[0].start_addr, "\x0a\x02\x00\x00", 4);
    assert_memory_equal(p->local_ts[0].end_addr, "\x0a\x02\x00\xff", 4);
    assert_memory_equal(p->remote_ts[0].end_addr, "\x0a\x01\x00\x01", 4);
    assert_ptr_equal(c.ike.peers, c.peers);
}

/* Writes a 0600 key file named `name` in dir. */
static void write_key(const char *dir, const char *name)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("example-key\n", f);
    fclose(f);
    chmod(path, 0600);
}

/*
 * Loads the shipped example etc/<name> into c, its /etc/veer/ key files
 * (`keys`, NULL-terminated) written to a temporary directory that the file
 * is pointed at (and /var/lib/veer/, where the QCD secret is made) and
 * removed again; the test fails with the loader's error unless it loads.
 */
static void load_example(const char *name, const char *const *keys, struct veer_conf *c)
{
    char path[512], dir[] = "/tmp/veer-example-XXXXXX";
    snprintf(path, sizeof(path), "%s/../../etc/%s", VEER_TEST_DATA, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[16384], out[16384];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_non_null(mkdtemp(dir));
    for (const char *const *k = keys; *k != NULL; k++)
        write_key(dir, *k);
    char *o = out;
    static const char *const prefixes[] = {"/etc/veer/", "/var/lib/veer/"};
    for (const char *t = text; *t != '\0';) {
        const char *hit = NULL, *prefix = NULL;
        for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
            const char *h = strstr(t, prefixes[i]);
            if (h != NULL && (hit == NULL || h < hit)) {
                hit = h;
                prefix = prefixes[i];
            }
        }
        size_t keep = hit != NULL ? (size_t)(hit - t) : strlen(t);
        memcpy(o, t, keep);
        o += keep;
        t += keep;
        if (hit != NULL) {
            o += sprintf(o, "%s/", dir);
            t += strlen(prefix);
        }
    }
    *o = '\0';
    char err[256] = "";
    int rc = conf_load_string(out, name, c, err, sizeof(err));
    for (const char *const *k = keys; *k != NULL; k++) {
        snprintf(path, sizeof(path), "%s/%s", dir, *k);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/qcd.secret", dir);
    unlink(path);
    rmdir(dir);
    if (rc != 0)
        fail_msg("%s", err);
}

/* The shipped example, with its /etc/veer key files moved to a temporary directory. */
static void test_example_file_loads(void **state)
{
    (void)state;
    static const char *const keys[] = {"road-warriors.psk", "branch.psk", "vip-clients.psk", NULL};
    static struct veer_conf c;
    load_example("veer-ike.example.yaml", keys, &c);
    assert_int_equal(c.npeers, 3);
    /* The remote-access peer leases from both pools; rw4 is 10.5.0.0/22's hosts. */
    assert_int_equal(c.npools, 2);
    assert_ptr_equal(c.ike.pools, c.pools);
    assert_int_equal(c.peers[2].npools, 2);
    assert_int_equal(c.peers[2].pools[1], 1);
    assert_int_equal(c.peers[2].nremote_ts, 0);
    assert_memory_equal(c.pools[0].first.ip, "\x0a\x05\x00\x01", 4);
    assert_memory_equal(c.pools[0].last.ip, "\x0a\x05\x03\xfe", 4);
    assert_int_equal(c.pools[0].prefix_len, 22);
    assert_int_equal(c.pools[0].hold_s, 3600);
    assert_int_equal(c.pools[0].ndns, 1);
    assert_int_equal(c.peers[0].nike, 2);
    assert_int_equal(c.peers[1].remote.family, 4);
    assert_int_equal(c.peers[1].esp[0].nesn, 2);
    assert_int_equal(c.ike.half_open_timeout_s, 30);
    assert_ptr_equal(c.ike.qcd_keys, &c.qcd_keys); /* made at this first start */
    assert_int_equal(c.peers[1].start_action, IKE_START_START);
    assert_int_equal(c.peers[1].qcd_liveness_ms, 500);
}

/* The annotated redirect example loads, with its psk_file pointed at a temporary key. */
static void test_redirect_example_loads(void **state)
{
    (void)state;
    static const char *const keys[] = {"road-warriors.psk", NULL};
    static struct veer_conf c;
    load_example("veer-redirect.example.yaml", keys, &c);
    assert_int_equal(c.redirect.policy, RP_CLIENT_HASH);
    assert_int_equal(c.redirect.ntargets, 4); /* three targets and the anycast self */
    assert_int_equal(c.redirect.nanycast, 1);
    assert_true(c.peers[1].auth_redirect_by_policy);
    assert_false(c.peers[0].auth_redirect_by_policy);
}

static void expect_error(const char *text, const char *want)
{
    static struct veer_conf c;
    char err[256] = "";
    unit_conf_refused(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), err, want);
}

/* The loader's error for `minimal` with `more` after it must contain `want`. */
static void expect_error_after_minimal(const char *more, const char *want)
{
    static char text[4096];
    snprintf(text, sizeof(text), "%s%s", minimal, more);
    expect_error(text, want);
}

static void test_errors_name_line_and_key(void **state)
{
    (void)state;
    char text[2048];
    expect_error("gateway:\n  listne: [1.2.3.4]\npeers: []\n",
                 "t.yaml:2: gateway.listne: unknown key");
    expect_error("gateway: {}\nbogus: 1\n", "t.yaml:2: bogus: unknown key");
    expect_error_after_minimal("    colour: blue\n", "t.yaml:12: peers[0].colour: unknown key");
    strcpy(text, minimal);
    char *at = strstr(text, "aes128gcm16]\n    local_ts");
    memcpy(at, "aes129gcm16", 11);
    expect_error(text, "t.yaml:9: peers[0].esp_proposals: unknown or misplaced algorithm "
                       "\"aes129gcm16\"");
    strcpy(text, minimal);
    at = strstr(text, "10.2.0.0/24");
    memcpy(at, "10.2.0.0/33", 11);
    expect_error(text, "t.yaml:10: peers[0].local_ts: bad prefix length");
    expect_error("peers:\n  - name: x\n", "peers[0]: needs name, local_id");
    expect_error("gateway:\n  max_sas: lots\npeers: []\n", "gateway.max_sas: expected a number");
    expect_error("gateway: [\n", "t.yaml:2:");
    expect_error("gateway: {}\n", "no peers configured");
    /* An IKE proposal without a DH group, or ESP with a PRF. */
    strcpy(text, minimal);
    at = strstr(text, "-x25519");
    memcpy(at, "       ", 7);
    expect_error(text, "an IKE proposal needs a PRF and a DH group");
}

static void test_psk_file_permissions(void **state)
{
    (void)state;
    char dir[] = "/tmp/veer-conf-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char psk[600], yaml[2048];
    snprintf(psk, sizeof(psk), "%s/psk", dir);
    FILE *f = fopen(psk, "w");
    assert_non_null(f);
    fputs("s3cret\n", f);
    fclose(f);
    chmod(psk, 0644);
    char base[1024];
    strcpy(base, minimal);
    char *at = strstr(base, "    psk: labsecret\n");
    *at = '\0';
    snprintf(yaml, sizeof(yaml), "%s    psk_file: %s\n%s", base, psk,
             strstr(minimal, "    ike_proposals"));
    expect_error(yaml, "must be readable by its owner only");
    chmod(psk, 0600);
    static struct veer_conf c;
    char err[256];
    assert_int_equal(conf_load_string(yaml, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].psk_len, 6);
    assert_memory_equal(c.peers[0].psk, "s3cret", 6);
    unlink(psk);
    rmdir(dir);
}

static void test_proposal_syntax(void **state)
{
    (void)state;
    struct ike_proposal_cfg p;
    char err[200];
    assert_int_equal(
        conf_parse_proposal("aes256-sha384-modp2048", IKE_PROTO_IKE, &p, err, sizeof(err)), 0);
    assert_int_equal(p.encr[0].id, IKE_ENCR_AES_CBC);
    assert_int_equal(p.integ[0], IKE_INTEG_HMAC_SHA2_384_192);
    assert_int_equal(p.prf[0], IKE_PRF_HMAC_SHA2_384); /* implied by the integrity algorithm */
    assert_int_equal(
        conf_parse_proposal("aes128gcm16-esn-noesn", IKE_PROTO_ESP, &p, err, sizeof(err)), 0);
    assert_int_equal(p.nesn, 2);
    assert_int_equal(conf_parse_proposal("aes128-prfsha256", IKE_PROTO_ESP, &p, err, sizeof(err)),
                     -1);
    assert_int_equal(conf_parse_proposal("sha256-x25519", IKE_PROTO_IKE, &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no encryption algorithm"));
}

static void test_lifetimes(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256] = "", text[2048];
    /* Nothing said: strongSwan's defaults, no liveness checks. */
    assert_int_equal(conf_load_string(minimal, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].ike_rekey_s, 4 * 3600);
    assert_int_equal(c.peers[0].child_rekey_s, 3600);
    assert_int_equal(c.peers[0].child_life_s, 3960);
    assert_int_equal(c.peers[0].rekey_jitter_s, 360);
    assert_int_equal(c.peers[0].dpd_delay_s, 0);
    assert_int_equal(c.ike.cookie_threshold, 1000);
    assert_int_equal(c.ike.cookie_rotate_s, 0); /* lib/ike's default: 300 s */
    assert_int_equal(conf_load_string("gateway:\n  cookie_threshold: 0\n  cookie_rotate: 2m\n"
                                      "peers:\n  - name: x\n",
                                      "t.yaml", &c, err, sizeof(err)),
                     -1);
    assert_int_equal(c.ike.cookie_threshold, 0);
    assert_int_equal(c.ike.cookie_rotate_s, 120);
    expect_error("gateway:\n  fragment_size: 100\npeers: []\n",
                 "gateway.fragment_size: at least 256 bytes");
    expect_error("gateway:\n  cookie_rotate: 0\npeers: []\n",
                 "gateway.cookie_rotate: expected a duration from 1s to 1d");
    assert_int_equal(c.ike.redirect_grace_s, 0); /* lib/ike's default: 10 s */
    assert_int_equal(conf_load_string("gateway:\n  redirect_grace: 1m\npeers:\n  - name: x\n",
                                      "t.yaml", &c, err, sizeof(err)),
                     -1);
    assert_int_equal(c.ike.redirect_grace_s, 60);
    expect_error("gateway:\n  redirect_grace: 2h\npeers: []\n",
                 "gateway.redirect_grace: expected a duration from 1s to 1h");
    snprintf(text, sizeof(text),
             "%s    ike_rekey_time: 8h\n    child_rekey_time: 20m\n    dpd_delay: 30s\n"
             "    child_rekey_bytes: 512M\n    child_life_bytes: 1G\n    rekey_jitter: 0\n",
             minimal);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    const struct ike_peer_cfg *p = &c.peers[0];
    assert_int_equal(p->ike_rekey_s, 8 * 3600);
    assert_int_equal(p->child_rekey_s, 1200);
    assert_int_equal(p->child_life_s, 1320); /* 110 % of the rekey time unless said */
    assert_int_equal(p->dpd_delay_s, 30);
    assert_int_equal(p->rekey_jitter_s, 0);
    assert_true(p->child_rekey_bytes == 512ull << 20);
    assert_true(p->child_life_bytes == 1ull << 30);
    /* 0 turns a rekey off. */
    snprintf(text, sizeof(text), "%s    child_rekey_time: 0\n    child_life_time: 0\n", minimal);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].child_rekey_s, 0);
    assert_int_equal(c.peers[0].child_life_s, 0);

    expect_error_after_minimal("    dpd_delay: 5 minutes\n",
                               "t.yaml:12: peers[0].dpd_delay: expected a duration");
    expect_error_after_minimal("    child_rekey_time: 367d\n",
                               "peers[0].child_rekey_time: expected a duration");
    expect_error_after_minimal("    child_life_bytes: 2X\n",
                               "peers[0].child_life_bytes: expected a byte count");
    expect_error_after_minimal("    child_rekey_time: 2h\n    child_life_time: 1h\n",
                               "peers[0]: child_rekey_time must be shorter than child_life_time");
    expect_error_after_minimal("    child_rekey_bytes: 2G\n    child_life_bytes: 1G\n",
                               "child_rekey_bytes must be smaller than child_life_bytes");
}

/* RFC 4555 per peer: yes by default, no turns MOBIKE off. */
static void test_mobike(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256] = "", text[2048];
    assert_int_equal(conf_load_string(minimal, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].mobike, IKE_MOBIKE_YES);
    static const struct {
        const char *value;
        uint8_t mode;
    } ok[] = {{"yes", IKE_MOBIKE_YES},
              {"true", IKE_MOBIKE_YES},
              {"no", IKE_MOBIKE_NO},
              {"false", IKE_MOBIKE_NO}};
    for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        snprintf(text, sizeof(text), "%s    mobike: %s\n", minimal, ok[i].value);
        assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
        assert_int_equal(c.peers[0].mobike, ok[i].mode);
    }
    expect_error_after_minimal("    mobike: maybe\n",
                               "t.yaml:12: peers[0].mobike: expected yes or no, got \"maybe\"");
    expect_error_after_minimal("    mobike: [yes]\n", "peers[0].mobike:");
    /* The return routability check: on unless turned off. */
    assert_int_equal(conf_load_string(minimal, "t.yaml", &c, err, sizeof(err)), 0);
    assert_false(c.peers[0].mobike_no_check);
    snprintf(text, sizeof(text), "%s    mobike_return_check: no\n", minimal);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    assert_true(c.peers[0].mobike_no_check);
    expect_error_after_minimal("    mobike_return_check: later\n",
                               "t.yaml:12: peers[0].mobike_return_check: expected yes or no, got "
                               "\"later\"");
}

/* r-MOBIKE and the gateway's announced addresses (conf_mobike.c). */
static void test_rmobike(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256] = "", text[2048];
    assert_int_equal(conf_load_string(minimal, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].rmobike, IKE_RMOBIKE_YES);
    assert_int_equal(c.peers[0].nswitch_allow, 0);
    assert_int_equal(c.ike.nannounce_addrs, 0);
    assert_int_equal(c.ike.switch_notify, 0);
    assert_int_equal(c.ike.switch_timeout_s, 0);
    static const char full[] =
        "gateway:\n"
        "  listen: [198.51.100.1]\n"
        "  mobike_addresses: [198.51.100.1, 198.51.100.2, '2001:db8::2']\n"
        "  switch_notify: 50000\n"
        "  switch_timeout: 30s\n" UNIT_CONF_PEER(
            "10.2.0.0/24",
            "10.1.0.1") "    rmobike: no\n"
                        "    switch_allow: [198.51.100.0/24, '2001:db8::/32', 203.0.113.7]\n";
    assert_int_equal(conf_load_string(full, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.ike.nannounce_addrs, 3);
    assert_ptr_equal(c.ike.announce_addrs, c.mobike_addrs);
    assert_int_equal(c.mobike_addrs[2].family, 6);
    assert_int_equal(c.ike.switch_notify, 50000);
    assert_int_equal(c.ike.switch_timeout_s, 30);
    const struct ike_peer_cfg *p = &c.peers[0];
    assert_int_equal(p->rmobike, IKE_RMOBIKE_NO);
    assert_int_equal(p->nswitch_allow, 3);
    assert_int_equal(p->switch_allow[0].len, 24);
    assert_int_equal(p->switch_allow[1].len, 32);
    assert_int_equal(p->switch_allow[1].addr.family, 6);
    assert_int_equal(p->switch_allow[2].len, 32);
    expect_error_after_minimal(
        "    rmobike: sometimes\n",
        "t.yaml:12: peers[0].rmobike: expected yes or no, got \"sometimes\"");
    expect_error_after_minimal("    switch_allow: [198.51.100.1/24]\n", "has host bits set");
    expect_error_after_minimal("    switch_allow: [198.51.100.0/33]\n", "bad prefix length");
    expect_error_after_minimal("    switch_allow: [somewhere]\n", "not an IPv4 or IPv6 subnet");
    expect_error_after_minimal("    switch_allow: 198.51.100.0/24\n", "peers[0].switch_allow:");
    /* The redirect loop limit (a load generator follows many). */
    snprintf(text, sizeof(text), "gateway:\n  max_redirects: 2000\n%s",
             UNIT_CONF_PEER("10.2.0.0/24", "10.1.0.1"));
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.ike.max_redirects, 2000);
    static const char *const bad_gw[][2] = {
        {"  max_redirects: 0\n", "gateway.max_redirects: at least 1"},
        {"  switch_notify: 16500\n", "gateway.switch_notify: a private-use status type, 40960"},
        {"  switch_notify: 70000\n", "gateway.switch_notify:"},
        {"  switch_timeout: 0\n", "gateway.switch_timeout: expected a duration from 1s to 1h"},
        {"  switch_timeout: 2h\n", "gateway.switch_timeout:"},
        {"  mobike_addresses: [gw.example]\n", "gateway.mobike_addresses: not an IPv4 or IPv6"},
        {"  mobike_addresses: [1.0.0.1, 1.0.0.2, 1.0.0.3, 1.0.0.4, 1.0.0.5, 1.0.0.6, 1.0.0.7, "
         "1.0.0.8, 1.0.0.9]\n",
         "at most 8 addresses"},
    };
    for (unsigned i = 0; i < sizeof(bad_gw) / sizeof(bad_gw[0]); i++) {
        snprintf(text, sizeof(text), "gateway:\n  listen: [198.51.100.1]\n%s%s", bad_gw[i][0],
                 UNIT_CONF_PEER("10.2.0.0/24", "10.1.0.1"));
        expect_error(text, bad_gw[i][1]);
    }
}

static void test_dataplane_section(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256] = "", text[2048];
    assert_int_equal(conf_load_string(minimal, "t.yaml", &c, err, sizeof(err)), 0);
    assert_false(c.dp.present);
    snprintf(text, sizeof(text),
             "%sdataplane:\n  workers: 2\n  idle_sleep_us: 50\n  ports:\n"
             "    - name: outside\n      device: net_af_packet0,iface=veth0\n"
             "      address: 198.51.100.1/24\n",
             minimal);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    assert_true(c.dp.present);
    assert_int_equal(c.dp.workers, 2);
    assert_int_equal(c.dp.idle_sleep_us, 50);
    assert_int_equal(c.dp.ring_size, 4096);
    assert_int_equal(c.dp.replay_window, 1024);
    assert_int_equal(c.dp.neighbour_reachable, 30);
    assert_int_equal(c.dp.neighbour_probes, 3);
    assert_int_equal(c.dp.neighbour_hold, 3);
    assert_int_equal(c.dp.neighbour_hold_total, 64);
    assert_int_equal(c.dp.nports, 1);
    assert_string_equal(c.dp.ports[0].device, "net_af_packet0,iface=veth0");
    assert_int_equal(c.dp.ports[0].prefix_len, 24);
    assert_string_equal(c.dp.ports[0].profile, "auto");
    assert_int_equal(c.dp.ports[0].overrides.given, 0);
    assert_memory_equal(c.dp.ports[0].addr.ip, "\xc6\x33\x64\x01", 4);
    expect_error_after_minimal("dataplane:\n  workers: 0\n",
                               "t.yaml:13: dataplane.workers: at least 1 worker");
    expect_error_after_minimal("dataplane:\n  ring_size: 1000\n",
                               "dataplane.ring_size: a power of two");
    /* The replay window: any size from 64 to 4096 packets. */
    static const char *const windows[] = {"64", "100", "4096"};
    for (unsigned i = 0; i < 3; i++) {
        snprintf(text, sizeof(text),
                 "%sdataplane:\n  replay_window: %s\n  ports:\n"
                 "    - name: outside\n      device: net_af_packet0,iface=veth0\n"
                 "      address: 198.51.100.1/24\n",
                 minimal, windows[i]);
        assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
        assert_int_equal(c.dp.replay_window, (unsigned)atoi(windows[i]));
    }
    expect_error_after_minimal("dataplane:\n  replay_window: 63\n",
                               "t.yaml:13: dataplane.replay_window: 64 to 4096 packets");
    expect_error_after_minimal("dataplane:\n  replay_window: 4097\n",
                               "dataplane.replay_window: 64 to 4096 packets");
    expect_error_after_minimal("dataplane:\n  replay_window: lots\n",
                               "dataplane.replay_window: expected a number");
    /* Neighbour aging: 0 keeps learnt neighbours for good, as before; at least one probe. */
    snprintf(text, sizeof(text),
             "%sdataplane:\n  neighbour_reachable: 0\n  neighbour_probes: 10\n  ports:\n"
             "    - name: outside\n      device: net_af_packet0,iface=veth0\n"
             "      address: 198.51.100.1/24\n",
             minimal);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.dp.neighbour_reachable, 0);
    assert_int_equal(c.dp.neighbour_probes, 10);
    expect_error_after_minimal("dataplane:\n  neighbour_reachable: 86401\n",
                               "t.yaml:13: dataplane.neighbour_reachable: expected a number from "
                               "0 to 86400, got \"86401\"");
    expect_error_after_minimal("dataplane:\n  neighbour_reachable: 30s\n",
                               "dataplane.neighbour_reachable: expected a number");
    expect_error_after_minimal("dataplane:\n  neighbour_probes: 0\n",
                               "t.yaml:13: dataplane.neighbour_probes: 1 to 10 probes");
    expect_error_after_minimal("dataplane:\n  neighbour_probes: 11\n",
                               "dataplane.neighbour_probes: 1 to 10 probes");
    /* Packets held for a neighbour being asked for: 0 drops them, as before. */
    snprintf(text, sizeof(text),
             "%sdataplane:\n  neighbour_hold: 0\n  neighbour_hold_total: 1024\n  ports:\n"
             "    - name: outside\n      device: net_af_packet0,iface=veth0\n"
             "      address: 198.51.100.1/24\n",
             minimal);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.dp.neighbour_hold, 0);
    assert_int_equal(c.dp.neighbour_hold_total, 1024);
    expect_error_after_minimal("dataplane:\n  neighbour_hold: 17\n",
                               "t.yaml:13: dataplane.neighbour_hold: expected a number from "
                               "0 to 16, got \"17\"");
    expect_error_after_minimal("dataplane:\n  neighbour_hold_total: 0\n",
                               "t.yaml:13: dataplane.neighbour_hold_total: 1 to 1024 packets");
    expect_error_after_minimal("dataplane:\n  neighbour_hold_total: 1025\n",
                               "dataplane.neighbour_hold_total: 1 to 1024 packets");
    expect_error_after_minimal("dataplane:\n  ports:\n    - name: x\n      device: y\n",
                               "dataplane.ports[0]: needs name, device and address");
    expect_error_after_minimal("dataplane:\n  ports:\n    - name: x\n      address: 1.2.3.4/33\n",
                               "dataplane.ports[0].address: bad prefix length");
    expect_error_after_minimal("dataplane:\n  workers: 1\n", "dataplane: needs at least one port");
}

/* dataplane.static_sas and dataplane.neighbours, with no IKE peer at all. */
static const char static_base[] =
    "dataplane:\n"
    "  ports:\n"
    "    - name: outside\n      device: net_null0\n      address: 198.51.100.1/24\n"
    "  neighbours:\n"
    "    - {address: 198.51.100.2, mac: \"02:00:00:00:00:02\", port: %s}\n"
    "  static_sas:\n"
    "    - name: s1\n"
    "      local: 198.51.100.1\n"
    "      remote: 198.51.100.2\n"
    "      esp: %s\n"
    "      spi_in: %s\n"
    "      spi_out: 0x1000\n"
    "      key_in: %s\n"
    "      key_out: %s\n"
    "      local_ts: [10.2.0.0/24]\n"
    "      remote_ts: [10.1.0.0/24]\n"
    "%s";

static void static_text(char *text, size_t cap, const char *port, const char *esp, const char *spi,
                        const char *key_in, const char *key_out, const char *extra)
{
    snprintf(text, cap, static_base, port, esp, spi, key_in, key_out, extra);
}

#define GCM128_KEY "101112131415161718191a1b1c1d1e1fb0b1b2b3"
#define CBC_SHA256_KEY                                                                             \
    "00112233445566778899aabbccddeeff"                                                             \
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void test_static_sas(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256] = "", text[2048];
    static_text(text, sizeof(text), "outside", "aes128gcm16", "0x2000", GCM128_KEY,
                "00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:a0:a1:a2:a3", "");
    if (conf_load_string(text, "t.yaml", &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.npeers, 0);
    assert_int_equal(c.dp.nstatic_sas, 1);
    const struct ike_child_sa *sa = &c.dp.static_sas[0].sa;
    assert_string_equal(c.dp.static_sas[0].name, "s1");
    assert_false(c.dp.static_sas[0].anti_replay);
    assert_int_equal(sa->spi_in, 0x2000);
    assert_int_equal(sa->spi_out, 0x1000);
    assert_int_equal(sa->alg.encr.id, IKE_ENCR_AES_GCM_16);
    assert_int_equal(sa->alg.encr.key_bits, 128);
    assert_int_equal(sa->encr_key_len, 20); /* key and salt (RFC 4106 8.1) */
    assert_int_equal(sa->integ_key_len, 0);
    assert_memory_equal(sa->encr_in, "\x10\x11\x12", 3);
    assert_memory_equal(sa->encr_in + 16, "\xb0\xb1\xb2\xb3", 4);
    assert_memory_equal(sa->encr_out + 16, "\xa0\xa1\xa2\xa3", 4);
    assert_int_equal(sa->ts_local.nts, 1);
    assert_int_equal(c.dp.nneighbours, 1);
    assert_memory_equal(c.dp.neighbours[0].mac, "\x02\x00\x00\x00\x00\x02", 6);
    /* CBC + HMAC: the cipher key, then the integrity key; anti-replay on request. */
    static_text(text, sizeof(text), "outside", "aes128-sha256", "4096", CBC_SHA256_KEY,
                CBC_SHA256_KEY, "      anti_replay: true\n      udp_encap: true\n");
    if (conf_load_string(text, "t.yaml", &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    sa = &c.dp.static_sas[0].sa;
    assert_int_equal(sa->encr_key_len, 16);
    assert_int_equal(sa->integ_key_len, 32);
    assert_memory_equal(sa->integ_in, "\x00\x01\x02", 3);
    assert_true(c.dp.static_sas[0].anti_replay);
    assert_true(sa->udp_encap);
    /* Refusals, each naming the key. */
    static_text(text, sizeof(text), "outside", "aes128gcm16", "0x2000", "0011", GCM128_KEY, "");
    expect_error(text, "dataplane.static_sas[0].key_in: inbound key: 20 bytes in hex");
    static_text(text, sizeof(text), "outside", "aes128gcm16", "0x2000", GCM128_KEY, "zz", "");
    expect_error(text, "static_sas[0].key_out: outbound key: 20 bytes in hex");
    static_text(text, sizeof(text), "outside", "aes128gcm16", "255", GCM128_KEY, GCM128_KEY, "");
    expect_error(text, "dataplane.static_sas[0].spi_in: an SPI from 256");
    static_text(text, sizeof(text), "outside", "aes128gcm16-esn", "0x2000", GCM128_KEY, GCM128_KEY,
                "");
    expect_error(text, "static_sas[0].esp: ESN needs anti_replay: true");
    static_text(text, sizeof(text), "outside", "aes128gcm16-aes256gcm16", "0x2000", GCM128_KEY,
                GCM128_KEY, "");
    expect_error(text, "static_sas[0].esp: exactly one transform set");
    static_text(text, sizeof(text), "outside", "aes128gcm16", "0x2000", GCM128_KEY, GCM128_KEY,
                "      colour: blue\n");
    expect_error(text, "dataplane.static_sas[0].colour: unknown key");
    static_text(text, sizeof(text), "inside", "aes128gcm16", "0x2000", GCM128_KEY, GCM128_KEY, "");
    expect_error(text, "dataplane.neighbours[0].port: no port is named \"inside\"");
    snprintf(text, sizeof(text),
             "dataplane:\n  ports:\n    - {name: o, device: d, address: 10.0.0.1/24}\n"
             "  neighbours:\n    - {address: 10.0.0.2, mac: \"02:00:00:00:00\", port: o}\n");
    expect_error(text, "dataplane.neighbours[0].mac: a MAC address");
    snprintf(text, sizeof(text),
             "dataplane:\n  ports:\n    - {name: o, device: d, address: 10.0.0.1/24}\n"
             "  static_sas:\n    - {name: x, local: 10.0.0.1}\n");
    expect_error(text, "dataplane.static_sas[0]: needs name, local, remote, spi_in");
    /* Keys from an owner-only file instead. */
    char dir[] = "/tmp/veer-conf-XXXXXX", keys[600], extra[700];
    assert_non_null(mkdtemp(dir));
    snprintf(keys, sizeof(keys), "%s/keys", dir);
    FILE *f = fopen(keys, "w");
    assert_non_null(f);
    fputs("in " GCM128_KEY "\nout 0x000102030405060708090a0b0c0d0e0fa0a1a2a3\n", f);
    fclose(f);
    chmod(keys, 0640);
    snprintf(extra, sizeof(extra), "      keys_file: %s\n", keys);
    snprintf(text, sizeof(text),
             "dataplane:\n  ports:\n    - {name: o, device: d, address: 198.51.100.1/24}\n"
             "  static_sas:\n    - name: f\n      local: 198.51.100.1\n      remote: 198.51.100.2\n"
             "      esp: aes128gcm16\n      spi_in: 0x2000\n      spi_out: 0x1000\n"
             "      local_ts: [10.2.0.0/24]\n      remote_ts: [10.1.0.0/24]\n%s",
             extra);
    expect_error(text, "must be readable by its owner only");
    chmod(keys, 0600);
    if (conf_load_string(text, "t.yaml", &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_memory_equal(c.dp.static_sas[0].sa.encr_out + 16, "\xa0\xa1\xa2\xa3", 4);
    assert_memory_equal(c.dp.static_sas[0].sa.encr_in, "\x10\x11", 2);
    f = fopen(keys, "w");
    fputs("in " GCM128_KEY "\n", f);
    fclose(f);
    expect_error(text, "dataplane.static_sas[0].keys_file: needs key_in and key_out, or keys_file");
    unlink(keys);
    rmdir(dir);
}

static void test_redirect_section(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256] = "", text[4096];
    snprintf(text, sizeof(text),
             "%s" /* 11 lines */
             "redirect:\n"
             "  policy: client_hash\n"
             "  targets:\n"
             "    - gateway: 203.0.113.1\n"
             "      weight: 3\n"
             "    - 2001:db8::20\n"
             "    - gateway: vpn3.example.net\n"
             "  anycast:\n"
             "    addresses: [198.51.100.100]\n"
             "    self: 198.51.100.1\n"
             "    self_weight: 2\n",
             minimal);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    const struct rp_table *t = &c.redirect;
    assert_int_equal(t->policy, RP_CLIENT_HASH);
    assert_false(t->allow_self);
    assert_int_equal(t->ntargets, 4);
    assert_true(t->targets[0].anycast_only);
    assert_int_equal(t->targets[0].weight, 2);
    assert_int_equal(t->targets[1].weight, 3);
    assert_int_equal(t->targets[2].gw.type, IKE_GW_IPV6);
    assert_int_equal(t->targets[2].weight, 1);
    assert_int_equal(t->targets[3].gw.type, IKE_GW_FQDN);
    assert_int_equal(t->nanycast, 1);
    assert_int_equal(t->nself, 1); /* gateway.listen */

    /* The short form, and a peer that redirects in IKE_AUTH through the policy. */
    snprintf(text, sizeof(text),
             "%s    redirect_to: '%%policy'\n"
             "dataplane:\n  admission:\n    redirect_to: [203.0.113.1, gw2.example]\n"
             "  ports:\n    - name: o\n      device: d\n      address: 198.51.100.2/24\n",
             minimal);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.redirect.policy, RP_WEIGHTED_RR);
    assert_int_equal(c.redirect.ntargets, 2);
    assert_int_equal(c.redirect.nself, 2); /* listen and the port */
    assert_true(c.peers[0].auth_redirect_by_policy);
    /* The overload policy: cookie-first unless chosen otherwise. */
    assert_int_equal(c.dp.admission.overload_policy, CONF_OVERLOAD_COOKIE_FIRST);
    snprintf(text, sizeof(text),
             "%sdataplane:\n  admission:\n    overload_policy: redirect-first\n"
             "  ports:\n    - name: o\n      device: d\n      address: 198.51.100.2/24\n",
             minimal);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.dp.admission.overload_policy, CONF_OVERLOAD_REDIRECT_FIRST);
    expect_error_after_minimal("dataplane:\n  admission:\n    overload_policy: redirect\n",
                               "t.yaml:14: dataplane.admission.overload_policy: redirect-first or "
                               "cookie-first, got \"redirect\"");

    /* Errors: file, line and key. */
    expect_error_after_minimal("redirect:\n  policy: random\n",
                               "t.yaml:13: redirect.policy: weighted_round_robin, least_loaded or");
    expect_error_after_minimal("redirect:\n  colour: red\n",
                               "t.yaml:13: redirect.colour: unknown key");
    expect_error_after_minimal("redirect:\n  targets:\n    - gateway: a.example\n      wieght: 2\n",
                               "t.yaml:15: redirect.targets[0].wieght: unknown key");
    expect_error_after_minimal("redirect:\n  targets:\n    - weight: 2\n",
                               "t.yaml:14: redirect.targets[0]: needs gateway");
    expect_error_after_minimal(
        "redirect:\n  targets:\n    - gateway: a.example\n      weight: 1001\n",
        "t.yaml:15: redirect.targets[0].weight: expected a number from 0 to 1000");
    expect_error_after_minimal(
        "redirect:\n  targets: [under_score.example]\n",
        "t.yaml:13: redirect.targets: not an IPv4/IPv6 address nor a host name");
    expect_error_after_minimal("redirect:\n  targets: [203.0.113.1, 203.0.113.1]\n",
                               "t.yaml:13: redirect.targets[1]: listed twice");
    expect_error_after_minimal("redirect:\n  targets:\n    - 198.51.100.1\n",
                               "t.yaml:14: redirect.targets[0]: this gateway's own address: set "
                               "redirect.allow_self: true");
    snprintf(text, sizeof(text), "%sredirect:\n  allow_self: true\n  targets: [198.51.100.1]\n",
             minimal);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), 0);
    expect_error_after_minimal("redirect:\n  allow_self: yes\n",
                               "redirect.allow_self: true or false");
    expect_error_after_minimal(
        "redirect:\n  targets: [198.51.100.100]\n  anycast:\n"
        "    addresses: [198.51.100.100]\n",
        "t.yaml:13: redirect.targets[0]: an anycast address of this gateway");
    expect_error_after_minimal(
        "redirect:\n  anycast:\n    addresses: [198.51.100.100]\n    self: 203.0.113.9\n",
        "t.yaml:15: redirect.anycast.self: not one of this gateway's addresses");
    expect_error_after_minimal("redirect:\n  anycast:\n    self: 198.51.100.1\n",
                               "t.yaml:14: redirect.anycast.self: needs anycast addresses");
    expect_error_after_minimal(
        "redirect:\n  anycast:\n    addresses: [gw.example]\n",
        "t.yaml:14: redirect.anycast.addresses: not an IPv4 or IPv6 address");
    expect_error_after_minimal(
        "redirect:\n  targets: [203.0.113.1]\n"
        "dataplane:\n  admission:\n    redirect_to: [203.0.113.2]\n",
        "t.yaml:16: dataplane.admission.redirect_to: redirect targets are already "
        "given by redirect.targets (line 13)");
}

static void test_units(void **state)
{
    (void)state;
    unsigned d;
    uint64_t b;
    assert_int_equal(conf_parse_duration("90", 1000, &d), 0);
    assert_int_equal(d, 90);
    assert_int_equal(conf_parse_duration("2d", 200000, &d), 0);
    assert_int_equal(d, 172800);
    assert_int_equal(conf_parse_duration("17m", 1000, &d), -ERANGE);
    assert_int_equal(conf_parse_duration("", 1000, &d), -EINVAL);
    assert_int_equal(conf_parse_duration("-5", 1000, &d), -EINVAL);
    assert_int_equal(conf_parse_duration("5 s", 1000, &d), -EINVAL);
    assert_int_equal(conf_parse_duration("5sec", 1000, &d), -EINVAL);
    assert_int_equal(conf_parse_duration("99999999999999999999999", 1000, &d), -ERANGE);
    assert_int_equal(conf_parse_bytes("64K", &b), 0);
    assert_true(b == 65536);
    assert_int_equal(conf_parse_bytes("16777215T", &b), 0);
    assert_int_equal(conf_parse_bytes("16777216T", &b), -ERANGE);
    assert_int_equal(conf_parse_bytes("1KB", &b), -EINVAL);
    assert_int_equal(conf_parse_bytes("K", &b), -EINVAL);
}

/* The EAP peer of a responder: `extra` goes at the end of the peer, `users` into a 0600 file. */
static void eap_yaml(char *yaml, size_t cap, const char *users_path, const char *extra)
{
    snprintf(yaml, cap,
             "gateway:\n"
             "  listen: [198.51.100.1]\n"
             "peers:\n"
             "  - name: rw-eap\n"
             "    local_id: gw.example\n"
             "    remote_id: '%%any'\n"
             "    psk: labsecret\n"
             "    local_auth: psk\n"
             "    remote_auth: eap-md5\n"
             "    eap_secrets_file: %s\n"
             "    ike_proposals: [aes128gcm16-prfsha256-x25519]\n"
             "    esp_proposals: [aes128gcm16]\n"
             "    local_ts: [10.2.0.0/24]\n"
             "    remote_ts: [10.1.0.0/16]\n"
             "%s",
             users_path, extra);
}

static void write_users(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void test_eap_secrets(void **state)
{
    (void)state;
    char dir[] = "/tmp/veer-eap-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char users[600], yaml[2048];
    snprintf(users, sizeof(users), "%s/eap-users", dir);
    write_users(users,
                "# EAP-MD5 users\n"
                "\n"
                "alice@example.org s3cret with spaces\n"
                "bob.example\tpw\n",
                0600);
    eap_yaml(yaml, sizeof(yaml), users, "    redirect_when: first\n");
    static struct veer_conf c;
    char err[256] = "";
    assert_int_equal(conf_load_string(yaml, "t.yaml", &c, err, sizeof(err)), 0);
    const struct ike_peer_cfg *p = &c.peers[0];
    assert_int_equal(p->remote_auth, IKE_PEER_AUTH_EAP_MD5);
    assert_int_equal(p->local_auth, IKE_PEER_AUTH_PSK);
    assert_int_equal(p->auth_redirect_when, IKE_REDIRECT_AUTH_FIRST);
    assert_int_equal(p->neap_secrets, 2);
    assert_int_equal(p->eap_secrets[0].id.type, IKE_ID_RFC822_ADDR);
    assert_int_equal(p->eap_secrets[0].id.len, 17);
    assert_memory_equal(p->eap_secrets[0].id.data, "alice@example.org", 17);
    assert_int_equal(p->eap_secrets[0].len, 18);
    assert_memory_equal(p->eap_secrets[0].secret, "s3cret with spaces", 18);
    assert_int_equal(p->eap_secrets[1].id.type, IKE_ID_FQDN);
    assert_int_equal(p->eap_secrets[1].len, 2);
    conf_free(&c);
    assert_null(c.peers[0].eap_secrets);

    /* Readable by others; a line without a secret (file:line); an identity twice; empty. */
    chmod(users, 0640);
    expect_error(yaml, "must be readable by its owner only");
    write_users(users, "alice@example.org s3cret\nbob.example\n", 0600);
    expect_error(yaml, "t.yaml:10: peers[0].eap_secrets_file: ");
    char want[700];
    snprintf(want, sizeof(want), "%s:2: expected \"identity secret\"", users);
    expect_error(yaml, want);
    write_users(users, "bob.example a\nbob.example b\n", 0600);
    snprintf(want, sizeof(want), "%s:2: identity given twice", users);
    expect_error(yaml, want);
    write_users(users, "# nobody\n", 0600);
    expect_error(yaml, "no users");
    write_users(users, "bob.example pw\n", 0600);
    eap_yaml(yaml, sizeof(yaml), users, "    redirect_when: later\n");
    expect_error(yaml, "peers[0].redirect_when: expected first or last");
    /* EAP is one-sided; it needs the file; a gateway we initiate to does no EAP. */
    eap_yaml(yaml, sizeof(yaml), users, "    auth: eap-md5\n");
    expect_error(yaml, "EAP authenticates the client only");
    eap_yaml(yaml, sizeof(yaml), users, "    remote: 198.51.100.9\n");
    expect_error(yaml, "is for responders");
    eap_yaml(yaml, sizeof(yaml), users, "    local_auth: eap-md5\n    remote_auth: psk\n");
    expect_error(yaml, "eap_secrets_file has no secret for local_id");
    write_users(users, "bob.example pw\ngw.example client-pw\n", 0600);
    assert_int_equal(conf_load_string(yaml, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].local_auth, IKE_PEER_AUTH_EAP_MD5);
    conf_free(&c);
    /* RFC 4739: a second round after psk or pubkey, EAP-MD5 only. */
    eap_yaml(yaml, sizeof(yaml), users, "    remote_auth: psk\n    remote_auth_2: eap-md5\n");
    assert_int_equal(conf_load_string(yaml, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].remote_auth, IKE_PEER_AUTH_PSK);
    assert_int_equal(c.peers[0].remote_auth2, IKE_PEER_AUTH_EAP_MD5);
    conf_free(&c);
    eap_yaml(yaml, sizeof(yaml), users, "    remote_auth_2: eap-md5\n");
    expect_error(yaml, "with a second round (local_auth_2, remote_auth_2) the first is psk or");
    eap_yaml(yaml, sizeof(yaml), users, "    remote_auth: psk\n    remote_auth_2: pubkey\n");
    expect_error(yaml, "peers[0].remote_auth_2: the second authentication round takes eap-md5");
    eap_yaml(yaml, sizeof(yaml), users,
             "    local_auth_2: eap-md5\n    remote_auth: psk\n    remote: 198.51.100.9\n");
    assert_int_equal(conf_load_string(yaml, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].local_auth2, IKE_PEER_AUTH_EAP_MD5);
    conf_free(&c);
    char *at = strstr(yaml, "    eap_secrets_file:");
    memmove(at, strchr(at, '\n') + 1, strlen(strchr(at, '\n') + 1) + 1);
    expect_error(yaml, "eap-md5 needs eap_secrets_file");
    /* EAP-MSCHAPv2: the same file and the same rules. */
    eap_yaml(yaml, sizeof(yaml), users, "    remote_auth: eap-mschapv2\n");
    assert_int_equal(conf_load_string(yaml, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].remote_auth, IKE_PEER_AUTH_EAP_MSCHAPV2);
    assert_int_equal(c.peers[0].neap_secrets, 2);
    conf_free(&c);
    eap_yaml(yaml, sizeof(yaml), users, "    local_auth: eap-mschapv2\n    remote_auth: psk\n");
    assert_int_equal(conf_load_string(yaml, "t.yaml", &c, err, sizeof(err)), 0);
    assert_int_equal(c.peers[0].local_auth, IKE_PEER_AUTH_EAP_MSCHAPV2);
    conf_free(&c);
    eap_yaml(yaml, sizeof(yaml), users, "    auth: eap-mschapv2\n");
    expect_error(yaml, "EAP authenticates the client only");
    eap_yaml(yaml, sizeof(yaml), users,
             "    remote_auth: eap-mschapv2\n    remote: 198.51.100.9\n");
    expect_error(yaml, "is for responders");
    at = strstr(yaml, "    eap_secrets_file:");
    memmove(at, strchr(at, '\n') + 1, strlen(strchr(at, '\n') + 1) + 1);
    expect_error(yaml, "eap-mschapv2 needs eap_secrets_file");
    unlink(users);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_example_file_loads),
        cmocka_unit_test(test_errors_name_line_and_key),
        cmocka_unit_test(test_psk_file_permissions),
        cmocka_unit_test(test_proposal_syntax),
        cmocka_unit_test(test_lifetimes),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_mobike),
        cmocka_unit_test(test_rmobike),
        cmocka_unit_test(test_dataplane_section),
        cmocka_unit_test(test_static_sas),
        cmocka_unit_test(test_redirect_section),
        cmocka_unit_test(test_redirect_example_loads),
        cmocka_unit_test(test_eap_secrets),
    };
    return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
