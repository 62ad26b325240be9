/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port profiles (lib/conf/conf_profile.c): every shipped drivers-cfg/ file
 * loads and states what the family is known for; port keys override; errors
 * name file, line and key; unknown keys and missing keys are refused.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "unit_conf.h"
#include "unit_util.h"

static const char peers[] = UNIT_CONF_PEER("10.2.0.0/24", "10.1.0.1");

static const char full_profile[] = "rx_desc: 2048\n"
                                   "tx_desc: 512\n"
                                   "rss: true\n"
                                   "rss_fields: [ipv4, udp, esp]\n"
                                   "rx_offloads: [ipv4_cksum]\n"
                                   "tx_offloads: [ipv4_cksum, udp_cksum, fast_free]\n"
                                   "device_mtu: 1500\n"
                                   "promiscuous: false\n"
                                   "link_wait_ms: 100\n";

/* A temporary drivers-cfg directory; files are added with put(). */
struct tmpdir {
    char path[64];
};

static void tmpdir_make(struct tmpdir *d)
{
    strcpy(d->path, "/tmp/veer-profile-XXXXXX");
    assert_non_null(mkdtemp(d->path));
}

static void put(const struct tmpdir *d, const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s.yaml", d->path, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void tmpdir_remove(const struct tmpdir *d)
{
    DIR *dir = opendir(d->path);
    assert_non_null(dir);
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[400];
        snprintf(path, sizeof(path), "%s/%s", d->path, e->d_name);
        unlink(path);
    }
    closedir(dir);
    rmdir(d->path);
}

static void expect_load_error(const struct tmpdir *d, const char *name, const char *want)
{
    struct conf_port_profile p;
    char err[512] = "";
    assert_int_equal(conf_profile_load(d->path, name, &p, err, sizeof(err)), -1);
    if (strstr(err, want) == NULL)
        fail_msg("got \"%s\", want \"%s\"", err, want);
}

static void test_profile_file(void **state)
{
    (void)state;
    struct tmpdir d;
    tmpdir_make(&d);
    put(&d, "nic", full_profile);
    struct conf_port_profile p;
    char err[512] = "";
    if (conf_profile_load(d.path, "nic", &p, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(p.rx_desc, 2048);
    assert_int_equal(p.tx_desc, 512);
    assert_true(p.rss);
    assert_int_equal(p.rss_fields, CONF_RSS_IPV4 | CONF_RSS_UDP | CONF_RSS_ESP);
    assert_int_equal(p.rx_offloads, CONF_OFFLOAD_IPV4_CKSUM);
    assert_int_equal(p.tx_offloads,
                     CONF_OFFLOAD_IPV4_CKSUM | CONF_OFFLOAD_UDP_CKSUM | CONF_OFFLOAD_FAST_FREE);
    assert_int_equal(p.mtu, 1500);
    assert_false(p.promiscuous);
    assert_int_equal(p.link_wait_ms, 100);

    /* Errors: file and line, the key, why. */
    char text[1024];
    snprintf(text, sizeof(text), "%scolour: blue\n", full_profile);
    put(&d, "typo", text);
    char want[256];
    snprintf(want, sizeof(want), "%s/typo.yaml:10: colour: unknown key", d.path);
    expect_load_error(&d, "typo", want);
    put(&d, "short", "rx_desc: 1024\ntx_desc: 1024\n");
    expect_load_error(&d, "short", "short.yaml:1: (top): missing rss (a profile states every key)");
    put(&d, "badfield", "rx_desc: 1024\nrss_fields: [ipv4, sctp]\n");
    expect_load_error(&d, "badfield", "badfield.yaml:2: rss_fields: unknown \"sctp\" (known: ipv4");
    put(&d, "twice", "tx_offloads: [fast_free, fast_free]\n");
    expect_load_error(&d, "twice", "twice.yaml:1: tx_offloads: \"fast_free\" given twice");
    put(&d, "rxfree", "rx_offloads: [fast_free]\n");
    expect_load_error(&d, "rxfree", "rx_offloads: unknown \"fast_free\"");
    put(&d, "tiny", "rx_desc: 8\n");
    expect_load_error(&d, "tiny", "tiny.yaml:1: rx_desc: 16 to 32768 descriptors");
    put(&d, "mtu", "device_mtu: 40\n");
    expect_load_error(&d, "mtu", "mtu.yaml:1: device_mtu: 0 (the device's) or 68 to 16000 bytes");
    put(&d, "bool", "promiscuous: maybe\n");
    expect_load_error(&d, "bool", "bool.yaml:1: promiscuous: expected true or false");
    put(&d, "list", "rss_fields: ipv4\n");
    expect_load_error(&d, "list", "list.yaml:1: rss_fields: expected a list");
    put(&d, "syntax", "rx_desc: [1024\n");
    expect_load_error(&d, "syntax", "syntax.yaml:2:");
    expect_load_error(&d, "absent", "absent.yaml: No such file or directory");
    /* A name never leaves the directory. */
    expect_load_error(&d, "../nic", "a name of letters, digits");
    expect_load_error(&d, "", "a name of letters, digits");
    tmpdir_remove(&d);
}

static void test_port_overrides(void **state)
{
    (void)state;
    struct tmpdir d;
    tmpdir_make(&d);
    put(&d, "nic", full_profile);
    static struct veer_conf c;
    char text[4096], err[512] = "";
    snprintf(text, sizeof(text),
             "%sdataplane:\n  drivers_cfg: %s\n  ports:\n"
             "    - name: outside\n      device: 0000:01:00.0\n      address: 198.51.100.1/24\n"
             "      profile: nic\n      rx_desc: 4096\n      rss: off\n      device_mtu: 1400\n    "
             "  mtu: 1400\n"
             "      tx_offloads: []\n"
             "    - name: inside\n      device: net_tap0\n      address: 10.2.0.1/24\n",
             peers, d.path);
    if (conf_load_string(text, "t.yaml", &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(c.dp.drivers_cfg, d.path);
    const struct conf_port *p = &c.dp.ports[0];
    assert_string_equal(p->profile, "nic");
    assert_int_equal(p->overrides.given,
                     CONF_PK_RX_DESC | CONF_PK_RSS | CONF_PK_MTU | CONF_PK_TX_OFFLOADS);
    struct conf_port_profile prof;
    assert_int_equal(conf_profile_load(c.dp.drivers_cfg, p->profile, &prof, err, sizeof(err)), 0);
    conf_profile_override(&prof, &p->overrides);
    assert_int_equal(prof.rx_desc, 4096); /* the port's */
    assert_int_equal(prof.tx_desc, 512);  /* the profile's */
    assert_false(prof.rss);               /* the port's */
    assert_int_equal(prof.rss_fields, CONF_RSS_IPV4 | CONF_RSS_UDP | CONF_RSS_ESP);
    assert_int_equal(prof.tx_offloads, 0); /* an empty list overrides too */
    assert_int_equal(prof.rx_offloads, CONF_OFFLOAD_IPV4_CKSUM);
    assert_int_equal(prof.mtu, 1400);
    assert_int_equal(prof.link_wait_ms, 100);
    assert_string_equal(c.dp.ports[1].profile, "auto");
    assert_int_equal(p->mtu, 1400); /* the port's own mtu (veer's limit) sits beside device_mtu */

    /* A named profile must exist when the configuration is loaded, not at the first packet. */
    snprintf(text, sizeof(text),
             "%sdataplane:\n  drivers_cfg: %s\n  ports:\n"
             "    - name: outside\n      device: d\n      address: 198.51.100.1/24\n"
             "      profile: ixgbee\n",
             peers, d.path);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), -1);
    char want[256];
    snprintf(want, sizeof(want),
             "t.yaml:16: dataplane.ports[0].profile: profile %s/ixgbee.yaml: No such file", d.path);
    if (strstr(err, want) == NULL)
        fail_msg("got \"%s\", want \"%s\"", err, want);
    /* Port keys are checked as in a profile, and unknown ones still refused. */
    snprintf(text, sizeof(text),
             "%sdataplane:\n  ports:\n"
             "    - name: outside\n      device: d\n      address: 198.51.100.1/24\n"
             "      rss_fields: [ipx]\n",
             peers);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), -1);
    if (strstr(err, "t.yaml:15: dataplane.ports[0].rss_fields: unknown \"ipx\"") == NULL)
        fail_msg("%s", err);
    snprintf(text, sizeof(text),
             "%sdataplane:\n  ports:\n"
             "    - name: outside\n      device: d\n      address: 198.51.100.1/24\n"
             "      rx_queues: 4\n",
             peers);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), -1);
    if (strstr(err, "t.yaml:15: dataplane.ports[0].rx_queues: unknown key") == NULL)
        fail_msg("%s", err);
    snprintf(text, sizeof(text),
             "%sdataplane:\n  ports:\n"
             "    - name: outside\n      device: d\n      address: 198.51.100.1/24\n"
             "      device_mtu: 1500\n      device_mtu: 1400\n",
             peers);
    assert_int_equal(conf_load_string(text, "t.yaml", &c, err, sizeof(err)), -1);
    if (strstr(err, "t.yaml:16: dataplane.ports[0].device_mtu: given twice") == NULL)
        fail_msg("%s", err);
    tmpdir_remove(&d);
}

/* Every file in drivers-cfg/ loads, and the families say what they are known for. */
static void test_shipped_profiles(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/../../drivers-cfg", VEER_TEST_DATA);
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            fail_msg("drivers-cfg/%s: only NAME.yaml profiles belong there", e->d_name);
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(len - 5), e->d_name);
        struct conf_port_profile p;
        char err[512];
        if (conf_profile_load(dir, name, &p, err, sizeof(err)) != 0)
            fail_msg("%s", err);
        n++;
    }
    closedir(dp);
    static const char *const families[] = {"default", "af_packet", "tap", "memif",
                                           "ixgbe",   "i40e",      "ice", "mlx5"};
    assert_int_equal(n, sizeof(families) / sizeof(families[0]));
    struct conf_port_profile p;
    char err[512];
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(conf_profile_load(dir, families[i], &p, err, sizeof(err)), 0);
    /* Software ports: no RSS (af_packet fans out in the kernel, memif's peer picks the queue). */
    assert_int_equal(conf_profile_load(dir, "af_packet", &p, err, sizeof(err)), 0);
    assert_false(p.rss);
    assert_int_equal(p.tx_offloads, 0);
    assert_int_equal(conf_profile_load(dir, "memif", &p, err, sizeof(err)), 0);
    assert_false(p.rss);
    /* NICs: RSS by addresses and UDP ports, so NAT-T flows spread; ESP SPI where asked. */
    static const char *const nics[] = {"ixgbe", "i40e", "ice", "mlx5"};
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(conf_profile_load(dir, nics[i], &p, err, sizeof(err)), 0);
        assert_true(p.rss);
        assert_int_equal(p.rss_fields & (CONF_RSS_IPV4 | CONF_RSS_UDP),
                         CONF_RSS_IPV4 | CONF_RSS_UDP);
    }
    assert_int_equal(conf_profile_load(dir, "mlx5", &p, err, sizeof(err)), 0);
    assert_true(p.rss_fields & CONF_RSS_ESP);
    assert_int_equal(conf_profile_load(dir, "ixgbe", &p, err, sizeof(err)), 0);
    assert_false(p.rss_fields & CONF_RSS_ESP);
}

/* A program of this build tree reads the source tree's profiles. */
static void test_default_dir(void **state)
{
    (void)state;
    char dir[256], want[512];
    conf_profile_default_dir(dir, sizeof(dir));
    snprintf(want, sizeof(want), "%s/../../drivers-cfg", VEER_TEST_DATA);
    char real_dir[4096], real_want[4096];
    assert_non_null(realpath(dir, real_dir));
    assert_non_null(realpath(want, real_want));
    assert_string_equal(real_dir, real_want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_file),
        cmocka_unit_test(test_port_overrides),
        cmocka_unit_test(test_shipped_profiles),
        cmocka_unit_test(test_default_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
