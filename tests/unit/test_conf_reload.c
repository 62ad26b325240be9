/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf_reload_diff: what a reloaded file changes, peers matched by name, and
 * the settings that refuse a reload because only a restart changes them.
 */
#include <stdio.h>
#include <string.h>

#include "conf_reload.h"
#include "unit_conf.h"
#include "unit_util.h"

#define PORTS                                                                                      \
    "dataplane:\n"                                                                                 \
    "  ports:\n"                                                                                   \
    "    - {name: outside, device: net_null0, address: 198.51.100.1/24}\n"                         \
    "    - {name: inside, device: net_null1, address: 10.2.0.1/24}\n"

#define PEER(name, psk)                                                                            \
    "  - name: " name "\n"                                                                         \
    "    local_id: gw.example\n"                                                                   \
    "    remote_id: '%any'\n"                                                                      \
    "    psk: " psk "\n"                                                                           \
    "    ike_proposals: [aes128gcm16-prfsha256-x25519]\n"                                          \
    "    esp_proposals: [aes128gcm16]\n"                                                           \
    "    local_ts: [10.2.0.0/24]\n"                                                                \
    "    remote_ts: [10.1.0.0/16]\n"

static struct veer_conf old_conf, next_conf;

static void load_pair(const char *old_text, const char *next_text)
{
    char err[256];
    if (conf_load_string(old_text, "old.yaml", &old_conf, err, sizeof(err)) < 0)
        fail_msg("old: %s", err);
    if (conf_load_string(next_text, "new.yaml", &next_conf, err, sizeof(err)) < 0)
        fail_msg("new: %s", err);
}

static void free_pair(void)
{
    conf_free(&old_conf);
    conf_free(&next_conf);
}

/* The same file twice: nothing to do, nothing refused. */
static void test_same(void **state)
{
    (void)state;
    const char *text = "peers:\n" PEER("a", "one") PEER("b", "two") PORTS;
    load_pair(text, text);
    struct conf_reload_diff d;
    conf_reload_diff(&old_conf, &next_conf, &d);
    assert_int_equal(d.nrestart, 0);
    assert_int_equal(d.peers_same, 2);
    assert_int_equal(d.peers_added + d.peers_changed + d.peers_removed, 0);
    assert_false(d.routes_changed || d.neighbours_changed || d.redirect_changed ||
                 d.admission_changed);
    free_pair();
}

/* A PSK changed, a peer added, one removed, in another order: matched by name. */
static void test_peers(void **state)
{
    (void)state;
    load_pair("peers:\n" PEER("a", "one") PEER("b", "two") PEER("c", "three") PORTS,
              "peers:\n" PEER("d", "four") PEER("c", "three") PEER("a", "changed") PORTS);
    struct conf_reload_diff d;
    conf_reload_diff(&old_conf, &next_conf, &d);
    assert_int_equal(d.nrestart, 0);
    assert_int_equal(d.peers_added, 1);   /* d */
    assert_int_equal(d.peers_changed, 1); /* a's PSK */
    assert_int_equal(d.peers_removed, 1); /* b */
    assert_int_equal(d.peers_same, 1);    /* c */
    free_pair();
}

/* Routes, neighbours, admission and redirect targets change without a restart. */
static void test_reloadable(void **state)
{
    (void)state;
    load_pair("peers:\n" PEER("a", "one") PORTS, "peers:\n" PEER("a", "one") PORTS
              "  routes:\n"
              "    - {to: 10.9.0.0/16, via: 10.2.0.254}\n"
              "  neighbours:\n"
              "    - {address: 10.2.0.254, mac: '02:00:00:00:00:01', port: inside}\n"
              "  admission: {mode: auto, rate: 50}\n"
              "redirect:\n"
              "  targets: [192.0.2.10]\n");
    struct conf_reload_diff d;
    conf_reload_diff(&old_conf, &next_conf, &d);
    assert_int_equal(d.nrestart, 0);
    assert_true(d.routes_changed);
    assert_true(d.neighbours_changed);
    assert_true(d.admission_changed);
    assert_true(d.redirect_changed);
    free_pair();
}

static void expect_restart(const char *extra_old, const char *extra_new, const char *want)
{
    char a[2048], b[2048];
    static const char base[] = "peers:\n" PEER("a", "one") PORTS;
    snprintf(a, sizeof(a), "%s%s", base, extra_old);
    snprintf(b, sizeof(b), "%s%s", base, extra_new);
    load_pair(a, b);
    struct conf_reload_diff d;
    conf_reload_diff(&old_conf, &next_conf, &d);
    char text[256];
    conf_reload_restart_text(&d, text, sizeof(text));
    if (strcmp(text, want) != 0)
        fail_msg("want \"%s\", got \"%s\"", want, text);
    free_pair();
}

/* Each setting made at start only refuses the reload, named as in the file. */
static void test_restart_rules(void **state)
{
    (void)state;
    expect_restart("", "  workers: 2\n", "dataplane.workers");
    expect_restart("", "  mbufs: 16384\n", "dataplane.mbufs");
    expect_restart("", "  replay_window: 128\n", "dataplane.replay_window");
    expect_restart("", "  reassembly: {flows: 16}\n", "dataplane.reassembly");
    expect_restart("", "gateway:\n  max_sas: 100\n", "gateway.max_sas");
    expect_restart("", "pools:\n  - {name: p, addresses: 10.8.0.0/24}\n", "pools");
    /* Two at once, both named, in the file's section order. */
    expect_restart("", "  workers: 2\n  ring_size: 2048\ngateway:\n  max_sas: 100\n",
                   "gateway.max_sas, dataplane.workers, dataplane.ring_size");
}

/* A port's device or address changed: a restart. */
static void test_ports_need_restart(void **state)
{
    (void)state;
    load_pair("peers:\n" PEER("a", "one") PORTS,
              "peers:\n" PEER("a", "one") "dataplane:\n"
                                          "  ports:\n"
                                          "    - {name: outside, device: net_null0, address: "
                                          "198.51.100.2/24}\n"
                                          "    - {name: inside, device: net_null1, address: "
                                          "10.2.0.1/24}\n");
    struct conf_reload_diff d;
    conf_reload_diff(&old_conf, &next_conf, &d);
    assert_int_equal(d.nrestart, 1);
    assert_string_equal(d.restart[0], "dataplane.ports");
    free_pair();
}

/* The refusal's text is cut with "..." rather than overflow. */
static void test_restart_text_cut(void **state)
{
    (void)state;
    struct conf_reload_diff d = {.nrestart = 3,
                                 .restart = {"dataplane.workers", "dataplane.mbufs", "pools"}};
    char text[24];
    conf_reload_restart_text(&d, text, sizeof(text));
    assert_string_equal(text, "dataplane.workers...");
    char tiny[1];
    conf_reload_restart_text(&d, tiny, sizeof(tiny));
    assert_string_equal(tiny, "");
    struct conf_reload_diff none = {0};
    char empty[8] = "x";
    conf_reload_restart_text(&none, empty, sizeof(empty));
    assert_string_equal(empty, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same),
        cmocka_unit_test(test_peers),
        cmocka_unit_test(test_reloadable),
        cmocka_unit_test(test_restart_rules),
        cmocka_unit_test(test_ports_need_restart),
        cmocka_unit_test(test_restart_text_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
