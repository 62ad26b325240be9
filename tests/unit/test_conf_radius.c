/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `radius:` section and remote_auth eap-radius: servers with their
 * owner-only secret files, the defaults, and each mistake refused with its
 * key named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "unit_conf.h"
#include "unit_util.h"

static char dir[] = "/tmp/veer-confrad-XXXXXX";
static char secret_path[600];

static const char peer[] =
    UNIT_CONF_PEER("10.2.0.0/24", "10.1.0.1") "    remote_auth: eap-radius\n";

static int make_secret(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(secret_path, sizeof(secret_path), "%s/radius", dir);
    FILE *f = fopen(secret_path, "w");
    assert_non_null(f);
    fputs("radius-s3cret\n", f);
    fclose(f);
    chmod(secret_path, 0600);
    return 0;
}

static int remove_secret(void **state)
{
    (void)state;
    unlink(secret_path);
    rmdir(dir);
    return 0;
}

static int load(const char *radius, const char *peers, struct veer_conf *c, char *err, size_t cap)
{
    static char text[4096];
    int n = snprintf(text, sizeof(text), "gateway:\n  listen: [198.51.100.1]\n%s%s", radius, peers);
    assert_true(n > 0 && (size_t)n < sizeof(text));
    return conf_load_string(text, "t.yaml", c, err, cap);
}

static void expect_error(const char *radius, const char *peers, const char *want)
{
    static struct veer_conf c;
    char err[256] = "";
    unit_conf_refused(load(radius, peers, &c, err, sizeof(err)), err, want);
}

static void test_servers(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256] = "", radius[2048];
    snprintf(radius, sizeof(radius),
             "radius:\n  nas_identifier: veer-1\n  timeout: 500ms\n  tries: 2\n"
             "  accounting: yes\n  accounting_interval: 10m\n  servers:\n"
             "    - address: 192.0.2.1\n      acct_port: 11813\n      secret_file: %s\n"
             "    - address: 2001:db8::1\n      port: 11812\n      secret_file: %s\n",
             secret_path, secret_path);
    assert_int_equal(load(radius, peer, &c, err, sizeof(err)), 0);
    const struct ike_radius_cfg *rc = &c.ike.radius;
    assert_int_equal(c.peers[0].remote_auth, IKE_PEER_AUTH_EAP_RADIUS);
    assert_int_equal(rc->nservers, 2);
    assert_int_equal(rc->servers[0].addr.family, 4);
    assert_int_equal(rc->servers[0].addr.port, 1812);
    assert_int_equal(rc->servers[1].addr.family, 6);
    assert_int_equal(rc->servers[1].addr.port, 11812);
    assert_int_equal(rc->servers[0].secret_len, 13);
    assert_memory_equal(rc->servers[0].secret, "radius-s3cret", 13);
    assert_int_equal(rc->timeout_ms, 500);
    assert_int_equal(rc->tries, 2);
    assert_string_equal(rc->nas_identifier, "veer-1");
    assert_true(rc->accounting);
    assert_int_equal(rc->accounting_interval_s, 600);
    assert_int_equal(rc->servers[0].acct_port, 11813);
    assert_int_equal(rc->servers[1].acct_port, 1813);
    conf_free(&c);
    /* Defaults: 1 s, 3 tries, no NAS-Identifier. */
    snprintf(radius, sizeof(radius),
             "radius:\n  servers:\n    - address: 192.0.2.1\n"
             "      secret_file: %s\n",
             secret_path);
    assert_int_equal(load(radius, peer, &c, err, sizeof(err)), 0);
    assert_int_equal(c.ike.radius.timeout_ms, 1000);
    assert_int_equal(c.ike.radius.tries, 3);
    assert_string_equal(c.ike.radius.nas_identifier, "");
    assert_false(c.ike.radius.accounting); /* off, as strongSwan's accounting = no */
    assert_int_equal(c.ike.radius.accounting_interval_s, 0);
    assert_int_equal(c.ike.radius.servers[0].acct_port, 1813);
    conf_free(&c);
}

static void test_errors(void **state)
{
    (void)state;
    char radius[2048];
    expect_error("", peer, "peers[0].remote_auth: eap-radius needs a radius: section");
    expect_error("radius:\n  timeout: 1s\n", peer, "radius: needs servers");
    expect_error("radius:\n  servers: []\n", peer, "radius: needs servers");
    expect_error("radius:\n  servers:\n    - address: 192.0.2.1\n", peer,
                 "radius.servers[0]: needs address and secret_file");
    snprintf(radius, sizeof(radius),
             "radius:\n  servers:\n    - address: nowhere\n"
             "      secret_file: %s\n",
             secret_path);
    expect_error(radius, peer, "radius.servers[0].address: not an IPv4 or IPv6 address");
    snprintf(radius, sizeof(radius),
             "radius:\n  servers:\n    - address: 192.0.2.1\n"
             "      port: 0\n      secret_file: %s\n",
             secret_path);
    expect_error(radius, peer, "radius.servers[0].port: 1 to 65535");
    snprintf(radius, sizeof(radius), "radius:\n  colour: blue\n");
    expect_error(radius, peer, "radius.colour: unknown key");
    snprintf(radius, sizeof(radius), "radius:\n  tries: 0\n");
    expect_error(radius, peer, "radius.tries: 1 to 10");
    snprintf(radius, sizeof(radius), "radius:\n  accounting: maybe\n");
    expect_error(radius, peer, "radius.accounting: true or false");
    snprintf(radius, sizeof(radius), "radius:\n  accounting_interval: 2d\n");
    expect_error(radius, peer, "radius.accounting_interval: a duration up to 1d");
    snprintf(radius, sizeof(radius),
             "radius:\n  servers:\n    - address: 192.0.2.1\n"
             "      acct_port: 0\n      secret_file: %s\n",
             secret_path);
    expect_error(radius, peer, "radius.servers[0].acct_port: 1 to 65535");
    snprintf(radius, sizeof(radius), "radius:\n  timeout: 5ms\n");
    expect_error(radius, peer, "radius.timeout: a duration from 10ms to 60s");
    snprintf(radius, sizeof(radius),
             "radius:\n  servers:\n    - address: 192.0.2.1\n"
             "      secret_file: %s\n      weight: 3\n",
             secret_path);
    expect_error(radius, peer, "radius.servers[0].weight: unknown key");
    /* The secret file: owner only, not empty. */
    snprintf(radius, sizeof(radius),
             "radius:\n  servers:\n    - address: 192.0.2.1\n"
             "      secret_file: %s\n",
             secret_path);
    chmod(secret_path, 0640);
    expect_error(radius, peer, "must be readable by its owner only");
    chmod(secret_path, 0600);
    /* eap-radius is for a responder's remote_auth. */
    static char peers[2048];
    snprintf(peers, sizeof(peers), "%s",
             UNIT_CONF_PEER("10.2.0.0/24", "10.1.0.1") "    local_auth: eap-radius\n");
    expect_error(radius, peers, "eap-radius is for responders");
    snprintf(peers, sizeof(peers), "%s",
             UNIT_CONF_PEER("10.2.0.0/24", "10.1.0.1") "    auth: eap-radius\n");
    expect_error(radius, peers, "EAP authenticates the client only");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_servers),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, make_secret, remove_secret);
}
