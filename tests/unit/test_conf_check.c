/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf_load_opts, as --check-syntax uses it: the secrets and credentials
 * files a configuration names are listed with file:line, not opened, and
 * every other error is still found; a plain load still fails on a missing file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "unit_util.h"

/* Every kind of file the loader reads for a secret; none of them exists. */
static const char with_files[] =
    "gateway:\n"                                                           /* 1 */
    "  listen: [198.51.100.1]\n"                                           /* 2 */
    "  cacerts: /nonexistent/veer/ca.pem\n"                                /* 3 */
    "peers:\n"                                                             /* 4 */
    "  - name: psk-file\n"                                                 /* 5 */
    "    local_id: gw.example\n"                                           /* 6 */
    "    psk_file: /nonexistent/veer/rw.psk\n"                             /* 7 */
    "    ike_proposals: [aes128gcm16-prfsha256-x25519]\n"                  /* 8 */
    "    esp_proposals: [aes128gcm16]\n"                                   /* 9 */
    "    local_ts: [10.2.0.0/24]\n"                                        /* 10 */
    "    remote_ts: [10.1.0.0/16]\n"                                       /* 11 */
    "  - name: certs\n"                                                    /* 12 */
    "    auth: pubkey\n"                                                   /* 13 */
    "    cert: /nonexistent/veer/gw-cert.pem\n"                            /* 14 */
    "    key: /nonexistent/veer/gw-key.pem\n"                              /* 15 */
    "    cacerts: [/nonexistent/veer/clients-ca.pem]\n"                    /* 16 */
    "    ike_proposals: [aes128gcm16-prfsha256-x25519]\n"                  /* 17 */
    "    esp_proposals: [aes128gcm16]\n"                                   /* 18 */
    "    local_ts: [10.2.0.0/24]\n"                                        /* 19 */
    "    remote_ts: [10.4.0.0/16]\n"                                       /* 20 */
    "  - name: eap\n"                                                      /* 21 */
    "    local_id: gw.example\n"                                           /* 22 */
    "    psk: labsecret\n"                                                 /* 23 */
    "    local_auth: psk\n"                                                /* 24 */
    "    remote_auth: eap-md5\n"                                           /* 25 */
    "    eap_secrets_file: /nonexistent/veer/eap.secrets\n"                /* 26 */
    "    ike_proposals: [aes128gcm16-prfsha256-x25519]\n"                  /* 27 */
    "    esp_proposals: [aes128gcm16]\n"                                   /* 28 */
    "    local_ts: [10.2.0.0/24]\n"                                        /* 29 */
    "    remote_ts: [10.5.0.0/16]\n"                                       /* 30 */
    "dataplane:\n"                                                         /* 31 */
    "  ports:\n"                                                           /* 32 */
    "    - {name: outside, device: net_null0, address: 198.51.100.1/24}\n" /* 33 */
    "  static_sas:\n"                                                      /* 34 */
    "    - name: bench\n"                                                  /* 35 */
    "      local: 198.51.100.1\n"                                          /* 36 */
    "      remote: 198.51.100.2\n"                                         /* 37 */
    "      spi_in: 0x1000\n"                                               /* 38 */
    "      spi_out: 0x2000\n"                                              /* 39 */
    "      esp: aes128gcm16\n"                                             /* 40 */
    "      keys_file: /nonexistent/veer/bench.keys\n"                      /* 41 */
    "      local_ts: [10.2.0.0/24]\n"                                      /* 42 */
    "      remote_ts: [10.6.0.0/24]\n";                                    /* 43 */

struct seen {
    unsigned n;
    char line[16][256];
};

static void on_file(void *arg, const char *where, const char *key, const char *path)
{
    struct seen *s = arg;
    if (s->n < 16)
        snprintf(s->line[s->n], sizeof(s->line[0]), "%s %s %s", where, key, path);
    s->n++;
}

/* Writes text to a temporary file; its name in path. */
static void write_temp(const char *text, char *path, size_t cap)
{
    snprintf(path, cap, "/tmp/veer-check-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_skip_lists_files(void **state)
{
    (void)state;
    static struct veer_conf c;
    char path[64], err[512] = "", want[256];
    write_temp(with_files, path, sizeof(path));
    struct seen seen = {0};
    struct conf_load_opts opts = {.skip_files = true, .on_file = on_file, .arg = &seen};
    int rc = conf_load_opts(path, &opts, &c, err, sizeof(err));
    unlink(path);
    if (rc != 0)
        fail_msg("%s", err);
    /* In the order they would be read: a peer's cert and key once the peer is whole. */
    static const char *const expect[] = {
        "3 gateway.cacerts /nonexistent/veer/ca.pem",
        "7 peers[0].psk_file /nonexistent/veer/rw.psk",
        "16 peers[1].cacerts /nonexistent/veer/clients-ca.pem",
        "14 peers[1].cert /nonexistent/veer/gw-cert.pem",
        "15 peers[1].key /nonexistent/veer/gw-key.pem",
        "26 peers[2].eap_secrets_file /nonexistent/veer/eap.secrets",
        "41 dataplane.static_sas[0].keys_file /nonexistent/veer/bench.keys",
    };
    assert_int_equal(seen.n, sizeof(expect) / sizeof(expect[0]));
    for (unsigned i = 0; i < seen.n; i++) {
        snprintf(want, sizeof(want), "%s:%s", path, expect[i]);
        assert_string_equal(seen.line[i], want);
    }
    /* No keys from files: nothing here could be run. */
    assert_int_equal(c.npeers, 3);
    assert_int_equal(c.peers[0].psk_len, 0);
    assert_null(c.peers[1].cred);
    assert_null(c.peers[2].eap_secrets);
    assert_int_equal(c.dp.nstatic_sas, 1);
    conf_free(&c);
}

/* Starting (conf_load) still opens them: the first missing one is an error with file:line. */
static void test_full_load_needs_files(void **state)
{
    (void)state;
    static struct veer_conf c;
    char path[64], err[512] = "", want[256];
    write_temp(with_files, path, sizeof(path));
    struct seen seen = {0};
    struct conf_load_opts opts = {.on_file = on_file, .arg = &seen};
    assert_int_equal(conf_load(path, &c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "%s:3: gateway.cacerts: cannot open /nonexistent/veer/ca.pem: No such file", path);
    assert_non_null(strstr(err, want));
    /* on_file without skip_files: told, then read (and failing the same way). */
    assert_int_equal(conf_load_opts(path, &opts, &c, err, sizeof(err)), -1);
    unlink(path);
    assert_int_equal(seen.n, 1);
    assert_non_null(strstr(err, want));
}

/* Replaces the first `from` in with_files by `to`, loads it without files, expects `why`. */
static void expect_skip_error(const char *from, const char *to, const char *why)
{
    static struct veer_conf c;
    char text[4096], path[64], err[512] = "", want[512];
    const char *at = strstr(with_files, from);
    assert_non_null(at);
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - with_files), with_files, to,
             at + strlen(from));
    write_temp(text, path, sizeof(path));
    struct conf_load_opts opts = {.skip_files = true};
    int rc = conf_load_opts(path, &opts, &c, err, sizeof(err));
    unlink(path);
    assert_int_equal(rc, -1);
    snprintf(want, sizeof(want), "%s:%s", path, why);
    if (strstr(err, want) == NULL)
        fail_msg("got \"%s\", want \"%s\"", err, want);
}

/* Without the files, everything else is still checked, with file:line. */
static void test_skip_still_checks(void **state)
{
    (void)state;
    expect_skip_error("      esp: aes128gcm16\n", "      esp: aes128gcm16-ecp256\n",
                      "40: dataplane.static_sas[0].esp: exactly one transform set");
    expect_skip_error("    psk_file: /nonexistent/veer/rw.psk\n", "",
                      "5: peers[0]: needs name, local_id, psk or psk_file");
    expect_skip_error("    remote_auth: eap-md5\n", "    remote_auth: eap-md6\n",
                      "25: peers[2].remote_auth: expected psk or pubkey or eap-md5");
    expect_skip_error("    key: /nonexistent/veer/gw-key.pem\n", "",
                      "12: peers[1]: cert and key go together");
    expect_skip_error("  listen: [198.51.100.1]\n", "  listen: [198.51.100.1]\n  lisen: []\n",
                      "3: gateway.lisen: unknown key");
}

/* A neighbour off its port's subnet: app/veer refused it only after EAL; now the loader does. */
static void test_neighbour_off_subnet(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[512] = "";
    static const char text[] =
        "peers:\n"
        "  - name: rw\n"
        "    local_id: gw.example\n"
        "    psk: labsecret\n"
        "    ike_proposals: [aes128gcm16-prfsha256-x25519]\n"
        "    esp_proposals: [aes128gcm16]\n"
        "    local_ts: [10.2.0.0/24]\n"
        "    remote_ts: [10.1.0.0/16]\n"
        "dataplane:\n"
        "  ports:\n"
        "    - {name: outside, device: net_null0, address: 198.51.100.1/24}\n"
        "  neighbours:\n"
        "    - {address: 198.51.100.2, mac: '02:00:00:00:00:02', port: outside}\n"
        "    - {address: 10.9.9.9, mac: '02:00:00:00:00:03', port: outside}\n";
    assert_int_equal(conf_load_string(text, "n.yaml", &c, err, sizeof(err)), -1);
    assert_string_equal(err, "n.yaml:14: dataplane.neighbours[1].address: not on port outside's "
                             "IPv4 subnet");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skip_lists_files),
        cmocka_unit_test(test_full_load_needs_files),
        cmocka_unit_test(test_skip_still_checks),
        cmocka_unit_test(test_neighbour_off_subnet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
