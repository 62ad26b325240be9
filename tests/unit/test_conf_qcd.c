/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick Crash Detection in the configuration (lib/conf/conf_qcd_keys.c):
 * gateway.qcd_secret_file (made at the first start, never by --check or
 * --check-syntax, never for a file with a mistake), qcd_previous_secret_file
 * and qcd_previous_valid; peers' qcd, qcd_liveness and start_action; the
 * millisecond durations; and conf_local_for(), where app/veer starts from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "unit_conf.h"
#include "unit_util.h"

#define PEER UNIT_CONF_PEER("10.2.0.0/24", "10.1.0.1")

struct dir {
    char path[64];
    char cur[96], prev[96], conf[96];
};

static int dir_setup(void **state)
{
    static struct dir d;
    snprintf(d.path, sizeof(d.path), "/tmp/veer-conf-qcd.XXXXXX");
    assert_non_null(mkdtemp(d.path));
    snprintf(d.cur, sizeof(d.cur), "%s/qcd.secret", d.path);
    snprintf(d.prev, sizeof(d.prev), "%s/qcd.previous", d.path);
    snprintf(d.conf, sizeof(d.conf), "%s/veer.yaml", d.path);
    *state = &d;
    return 0;
}

static int dir_teardown(void **state)
{
    struct dir *d = *state;
    unlink(d->cur);
    unlink(d->prev);
    unlink(d->conf);
    rmdir(d->path);
    return 0;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void write_secret(const char *path, uint8_t fill, size_t len, mode_t mode)
{
    uint8_t data[64];
    memset(data, fill, sizeof(data));
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* What the callbacks were told: "key path" of the last call, and how many. */
struct told {
    unsigned files, creates;
    char file[256], create[256];
};

static void on_file(void *arg, const char *where, const char *key, const char *path)
{
    (void)where;
    struct told *t = arg;
    t->files++;
    snprintf(t->file, sizeof(t->file), "%s %s", key, path);
}

static void on_create(void *arg, const char *where, const char *key, const char *path)
{
    (void)where;
    struct told *t = arg;
    t->creates++;
    snprintf(t->create, sizeof(t->create), "%s %s", key, path);
}

/*
 * Writes "gateway: listen, <gateway lines>" and the peer with <peer lines>
 * to d->conf and loads it with opts; the gateway lines start on line 3.
 */
static int load(const struct dir *d, const char *gateway, const char *peer,
                const struct conf_load_opts *opts, struct veer_conf *c, char *err, size_t cap)
{
    FILE *f = fopen(d->conf, "w");
    assert_non_null(f);
    fprintf(f, "gateway:\n  listen: [198.51.100.1]\n%s%s%s", gateway, PEER, peer);
    assert_int_equal(fclose(f), 0);
    err[0] = '\0';
    return conf_load_opts(d->conf, opts, c, err, cap);
}

static void expect_refused(int rc, const char *err, const char *want)
{
    unit_conf_refused(rc, err, want);
    assert_null(strchr(err, '\n')); /* one line */
}

/* Without QCD keys: no tokens; every peer both roles, 1 s liveness, nothing started. */
static void test_defaults(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    assert_int_equal(unit_conf_load("t.yaml", "gateway:\n  listen: [198.51.100.1]\n" PEER, "", NULL,
                                    &c, err, sizeof(err)),
                     0);
    assert_null(c.ike.qcd_keys);
    assert_int_equal(c.ike.qcd_prev_valid_s, 86400);
    assert_int_equal(c.peers[0].qcd, IKE_QCD_BOTH);
    assert_int_equal(c.peers[0].qcd_liveness_ms, 1000);
    assert_int_equal(c.peers[0].start_action, IKE_START_NONE);
    assert_int_equal(c.peers[0].stop_action, IKE_STOP_DEFAULT);
    assert_int_equal(c.stop_wait_ms, 2000);
    conf_free(&c);
}

/* The first start makes the secret (0600, 32 bytes) and says so; the next reads the same. */
static void test_secret_made_at_first_start(void **state)
{
    struct dir *d = *state;
    static struct veer_conf c;
    char gw[256], err[512];
    snprintf(gw, sizeof(gw), "  qcd_secret_file: %s\n", d->cur);
    struct told told = {0};
    struct conf_load_opts opts = {.on_create = on_create, .arg = &told};
    if (load(d, gw, "", &opts, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    struct stat st;
    assert_int_equal(stat(d->cur, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, IKE_QCD_SECRET_LEN);
    assert_int_equal(told.creates, 1);
    char want[256];
    snprintf(want, sizeof(want), "gateway.qcd_secret_file %s", d->cur);
    assert_string_equal(told.create, want);
    assert_ptr_equal(c.ike.qcd_keys, &c.qcd_keys);
    assert_false(c.qcd_keys.has_prev);
    uint8_t first[IKE_QCD_SECRET_LEN];
    memcpy(first, c.qcd_keys.cur, sizeof(first));
    conf_free(&c);
    assert_null(c.ike.qcd_keys);
    static const uint8_t zero[IKE_QCD_SECRET_LEN];
    assert_memory_equal(c.qcd_keys.cur, zero, sizeof(zero)); /* wiped */

    told.creates = 0;
    if (load(d, gw, "", &opts, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(told.creates, 0);
    assert_memory_equal(c.qcd_keys.cur, first, sizeof(first));
    conf_free(&c);
}

/* A rotated-out secret is read as the previous one, valid as long as qcd_previous_valid says. */
static void test_previous_secret(void **state)
{
    struct dir *d = *state;
    static struct veer_conf c;
    char gw[512], err[512];
    write_secret(d->cur, 0xc0, IKE_QCD_SECRET_LEN, 0600);
    write_secret(d->prev, 0x9e, IKE_QCD_SECRET_LEN, 0400);
    snprintf(gw, sizeof(gw),
             "  qcd_secret_file: %s\n  qcd_previous_secret_file: %s\n  qcd_previous_valid: 12h\n",
             d->cur, d->prev);
    if (load(d, gw, "", NULL, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_ptr_equal(c.ike.qcd_keys, &c.qcd_keys);
    assert_true(c.qcd_keys.has_prev);
    assert_int_equal(c.qcd_keys.cur[0], 0xc0);
    assert_int_equal(c.qcd_keys.prev[IKE_QCD_SECRET_LEN - 1], 0x9e);
    assert_int_equal(c.ike.qcd_prev_valid_s, 12 * 3600);
    conf_free(&c);

    snprintf(gw, sizeof(gw),
             "  qcd_previous_valid: 0\n  qcd_secret_file: %s\n  qcd_previous_secret_file: %s\n",
             d->cur, d->prev);
    if (load(d, gw, "", NULL, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.ike.qcd_prev_valid_s, 0); /* as long as veer runs */
    conf_free(&c);
}

/* The previous secret must be there: it is never made, and its absence stops the start. */
static void test_previous_never_created(void **state)
{
    struct dir *d = *state;
    static struct veer_conf c;
    char gw[512], err[512], want[256];
    snprintf(gw, sizeof(gw), "  qcd_secret_file: %s\n  qcd_previous_secret_file: %s\n", d->cur,
             d->prev);
    int rc = load(d, gw, "", NULL, &c, err, sizeof(err));
    snprintf(want, sizeof(want), "%s:4: gateway.qcd_previous_secret_file: %s: cannot open", d->conf,
             d->prev);
    expect_refused(rc, err, want);
    assert_false(exists(d->prev));
}

static void test_previous_mistakes(void **state)
{
    struct dir *d = *state;
    static struct veer_conf c;
    char gw[512], err[512];
    snprintf(gw, sizeof(gw), "  qcd_previous_secret_file: %s\n", d->prev);
    expect_refused(load(d, gw, "", NULL, &c, err, sizeof(err)), err,
                   "gateway.qcd_previous_secret_file: needs qcd_secret_file");
    snprintf(gw, sizeof(gw), "  qcd_secret_file: %s\n  qcd_previous_secret_file: %s\n", d->cur,
             d->cur);
    expect_refused(load(d, gw, "", NULL, &c, err, sizeof(err)), err,
                   "gateway.qcd_previous_secret_file: the same file as qcd_secret_file");
    /* Copied instead of moved: no rotation happened. */
    write_secret(d->cur, 0x11, IKE_QCD_SECRET_LEN, 0600);
    write_secret(d->prev, 0x11, IKE_QCD_SECRET_LEN, 0600);
    snprintf(gw, sizeof(gw), "  qcd_secret_file: %s\n  qcd_previous_secret_file: %s\n", d->cur,
             d->prev);
    expect_refused(load(d, gw, "", NULL, &c, err, sizeof(err)), err,
                   "holds the same secret as qcd_secret_file: to rotate, move the current file");
}

/* A secret that is there but wrong stops the start with one line, and is left as it is. */
static void test_bad_secret_stops_start(void **state)
{
    struct dir *d = *state;
    static struct veer_conf c;
    char gw[256], err[512], want[256];
    snprintf(gw, sizeof(gw), "  qcd_secret_file: %s\n", d->cur);
    snprintf(want, sizeof(want), "%s:3: gateway.qcd_secret_file: %s: ", d->conf, d->cur);

    write_secret(d->cur, 0x22, IKE_QCD_SECRET_LEN, 0640);
    expect_refused(load(d, gw, "", NULL, &c, err, sizeof(err)), err, want);
    expect_refused(-1, err, "chmod 600");

    write_secret(d->cur, 0x22, IKE_QCD_SECRET_LEN - 1, 0600);
    expect_refused(load(d, gw, "", NULL, &c, err, sizeof(err)), err,
                   "31 bytes, a QCD secret has 32");
    struct stat st;
    assert_int_equal(stat(d->cur, &st), 0);
    assert_int_equal(st.st_size, IKE_QCD_SECRET_LEN - 1); /* never replaced */

    unlink(d->cur);
    write_secret(d->prev, 0x22, IKE_QCD_SECRET_LEN, 0600);
    assert_int_equal(symlink(d->prev, d->cur), 0);
    expect_refused(load(d, gw, "", NULL, &c, err, sizeof(err)), err, want);
}

/* A file with a mistake elsewhere makes no secret: the files are read last. */
static void test_mistake_makes_no_secret(void **state)
{
    struct dir *d = *state;
    static struct veer_conf c;
    char gw[256], err[512];
    snprintf(gw, sizeof(gw), "  qcd_secret_file: %s\n", d->cur);
    expect_refused(load(d, gw, "    colour: blue\n", NULL, &c, err, sizeof(err)), err,
                   "peers[0].colour: unknown key");
    assert_false(exists(d->cur));
}

/* --check-syntax: both files listed, neither opened nor made, no keys. */
static void test_check_syntax_touches_nothing(void **state)
{
    struct dir *d = *state;
    static struct veer_conf c;
    char gw[512], err[512], want[256];
    snprintf(gw, sizeof(gw), "  qcd_secret_file: %s\n  qcd_previous_secret_file: %s\n", d->cur,
             d->prev);
    struct told told = {0};
    struct conf_load_opts opts = {
        .skip_files = true, .on_file = on_file, .no_create = true, .arg = &told};
    if (load(d, gw, "", &opts, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(told.files, 2);
    snprintf(want, sizeof(want), "gateway.qcd_previous_secret_file %s", d->prev);
    assert_string_equal(told.file, want);
    assert_false(exists(d->cur));
    assert_null(c.ike.qcd_keys);
    conf_free(&c);
}

/* --check: reads what is there, makes nothing, says what starting would make. */
static void test_check_creates_nothing(void **state)
{
    struct dir *d = *state;
    static struct veer_conf c;
    char gw[256], err[512];
    snprintf(gw, sizeof(gw), "  qcd_secret_file: %s\n", d->cur);
    struct told told = {0};
    struct conf_load_opts opts = {.no_create = true, .on_create = on_create, .arg = &told};
    if (load(d, gw, "", &opts, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(told.creates, 1);
    assert_false(exists(d->cur));
    assert_null(c.ike.qcd_keys);
    conf_free(&c);

    /* Nowhere to make it: an error already now. */
    snprintf(gw, sizeof(gw), "  qcd_secret_file: %s/nodir/qcd.secret\n", d->path);
    expect_refused(load(d, gw, "", &opts, &c, err, sizeof(err)), err,
                   "not there, and /tmp/veer-conf-qcd.");

    /* There: read, and checked like at start. */
    write_secret(d->cur, 0x33, IKE_QCD_SECRET_LEN, 0600);
    snprintf(gw, sizeof(gw), "  qcd_secret_file: %s\n", d->cur);
    told.creates = 0;
    if (load(d, gw, "", &opts, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(told.creates, 0);
    assert_ptr_equal(c.ike.qcd_keys, &c.qcd_keys);
    conf_free(&c);
    chmod(d->cur, 0644);
    expect_refused(load(d, gw, "", &opts, &c, err, sizeof(err)), err, "chmod 600");
}

static void test_gateway_value_errors(void **state)
{
    (void)state;
    const char *head = "gateway:\n  listen: [198.51.100.1]\n";
    unit_conf_expect_refused("t.yaml", head, "  qcd_previous_valid: soon\n", PEER,
                             "t.yaml:3: gateway.qcd_previous_valid: expected a duration like 12h");
    unit_conf_expect_refused("t.yaml", head, "  qcd_previous_valid: 367d\n", PEER, "at most 366d");
    unit_conf_expect_refused("t.yaml", head, "  qcd_secret_file: ''\n", PEER,
                             "t.yaml:3: gateway.qcd_secret_file: expected a file name");
    unit_conf_expect_refused("t.yaml", head, "  qcd_secret_file: [a, b]\n", PEER,
                             "gateway.qcd_secret_file: expected a single value");
}

static void test_peer_keys(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    const char *head = "gateway:\n  listen: [198.51.100.1]\n" PEER;
    static const struct {
        const char *lines;
        uint8_t qcd;
        unsigned liveness_ms;
        uint8_t start;
    } ok[] = {
        {"    qcd: taker\n    qcd_liveness: 500ms\n", IKE_QCD_TAKER, 500, IKE_START_NONE},
        {"    qcd: off\n    qcd_liveness: 0\n", IKE_QCD_OFF, 0, IKE_START_NONE},
        {"    qcd: both\n    qcd_liveness: 2\n", IKE_QCD_BOTH, 2000, IKE_START_NONE},
        {"    qcd_liveness: 1m\n    start_action: none\n", IKE_QCD_BOTH, 60000, IKE_START_NONE},
        {"    remote: 203.0.113.7\n    start_action: start\n", IKE_QCD_BOTH, 1000, IKE_START_START},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (unit_conf_load("t.yaml", head, ok[i].lines, NULL, &c, err, sizeof(err)) != 0)
            fail_msg("%s: %s", ok[i].lines, err);
        assert_int_equal(c.peers[0].qcd, ok[i].qcd);
        assert_int_equal(c.peers[0].qcd_liveness_ms, ok[i].liveness_ms);
        assert_int_equal(c.peers[0].start_action, ok[i].start);
        conf_free(&c);
    }
    unit_conf_expect_refused("t.yaml", head, "    qcd: sometimes\n", NULL,
                             "t.yaml:12: peers[0].qcd: expected both, maker, taker or off, got "
                             "\"sometimes\"");
    unit_conf_expect_refused("t.yaml", head, "    qcd_liveness: 5x\n", NULL,
                             "peers[0].qcd_liveness: expected a duration like 500ms");
    unit_conf_expect_refused("t.yaml", head, "    qcd_liveness: 2h\n", NULL, "at most 1h");
    unit_conf_expect_refused("t.yaml", head, "    start_action: later\n", NULL,
                             "peers[0].start_action: expected none or start, got \"later\"");
    unit_conf_expect_refused("t.yaml", head, "    start_action: start\n", NULL,
                             "t.yaml:4: peers[0]: start_action start needs remote");
    unit_conf_expect_refused("t.yaml", head, "    stop_action: clear\n", NULL,
                             "t.yaml:12: peers[0].stop_action: expected none or delete, got "
                             "\"clear\"");
    /* A maker without a secret would silently make no tokens. */
    unit_conf_expect_refused("t.yaml", head, "    qcd: maker\n", NULL,
                             "t.yaml:4: peers[0].qcd: maker needs gateway.qcd_secret_file");
}

/* What a clean stop does with each peer's SAs, and how long it waits for the answers. */
static void test_stop_keys(void **state)
{
    (void)state;
    static struct veer_conf c;
    char err[256];
    const char *head = "gateway:\n  listen: [198.51.100.1]\n  stop_wait: 500ms\n" PEER;
    static const struct {
        const char *lines;
        uint8_t stop;
    } ok[] = {
        {"    stop_action: none\n", IKE_STOP_NONE},
        {"    stop_action: delete\n", IKE_STOP_DELETE},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (unit_conf_load("t.yaml", head, ok[i].lines, NULL, &c, err, sizeof(err)) != 0)
            fail_msg("%s: %s", ok[i].lines, err);
        assert_int_equal(c.peers[0].stop_action, ok[i].stop);
        assert_int_equal(c.stop_wait_ms, 500);
        conf_free(&c);
    }
    const char *gw = "gateway:\n  listen: [198.51.100.1]\n";
    unit_conf_expect_refused("t.yaml", gw, "  stop_wait: 16s\n", PEER,
                             "t.yaml:3: gateway.stop_wait: expected a duration like 500ms or 2s "
                             "(at most 15s), got \"16s\"");
    unit_conf_expect_refused("t.yaml", gw, "  stop_wait: soon\n", PEER,
                             "gateway.stop_wait: expected a duration");
}

static void test_duration_ms(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        unsigned ms;
    } cases[] = {
        {"500ms", 0, 500},     {"1s", 0, 1000},
        {"3", 0, 3000},        {"0", 0, 0},
        {"2m", 0, 120000},     {"1h", 0, 3600000},
        {"1d", -ERANGE, 0},    {"3600001ms", -ERANGE, 0},
        {"ms", -EINVAL, 0},    {"5 ms", -EINVAL, 0},
        {"1.5s", -EINVAL, 0},  {"-1s", -EINVAL, 0},
        {"10mss", -EINVAL, 0}, {"99999999999999999999999", -ERANGE, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned out = 12345;
        int rc = conf_parse_duration_ms(cases[i].text, CONF_QCD_LIVENESS_MS_MAX, &out);
        if (rc != cases[i].rc)
            fail_msg("\"%s\": %d, want %d", cases[i].text, rc, cases[i].rc);
        if (rc == 0 && out != cases[i].ms)
            fail_msg("\"%s\": %u ms, want %u", cases[i].text, out, cases[i].ms);
    }
}

static void port(struct conf_port *p, const char *addr, uint8_t len, const char *addr6,
                 uint8_t len6)
{
    memset(p, 0, sizeof(*p));
    if (addr != NULL)
        assert_int_equal(ike_addr_parse(&p->addr, addr, 0), 0);
    if (addr6 != NULL)
        assert_int_equal(ike_addr_parse(&p->addr6, addr6, 0), 0);
    p->prefix_len = len;
    p->prefix6_len = len6;
    /* The full list, as the loader makes it (conf_port_addresses_finish). */
    if (addr != NULL)
        p->addrs[p->naddrs++] = (struct conf_port_addr){.addr = p->addr, .prefix_len = len};
    if (addr6 != NULL)
        p->addrs[p->naddrs++] = (struct conf_port_addr){.addr = p->addr6, .prefix_len = len6};
}

static void expect_local(const struct conf_dataplane *dp, const char *remote, const char *want)
{
    struct ike_addr r, local, w;
    assert_int_equal(ike_addr_parse(&r, remote, IKE_PORT), 0);
    if (want == NULL) {
        assert_int_equal(conf_local_for(dp, &r, &local), -1);
        return;
    }
    assert_int_equal(ike_addr_parse(&w, want, IKE_PORT), 0);
    assert_int_equal(conf_local_for(dp, &r, &local), 0);
    char got[IKE_ADDR_STRLEN];
    ike_addr_format(&local, got, sizeof(got));
    if (!ike_addr_ip_equal(&local, &w) || local.port != IKE_PORT)
        fail_msg("%s: from %s, want %s", remote, got, want);
}

/* app/veer starts from the port on the peer's subnet, else the first of its family. */
static void test_local_for(void **state)
{
    (void)state;
    static struct conf_dataplane dp;
    dp.nports = 3;
    port(&dp.ports[0], NULL, 0, "2001:db8:1::1", 64); /* IPv6 only */
    port(&dp.ports[1], "198.51.100.1", 24, NULL, 0);
    port(&dp.ports[2], "10.2.0.1", 24, "2001:db8:2::1", 64);
    expect_local(&dp, "10.2.0.7", "10.2.0.1");
    expect_local(&dp, "198.51.100.9", "198.51.100.1");
    expect_local(&dp, "203.0.113.7", "198.51.100.1");
    expect_local(&dp, "2001:db8:2::9", "2001:db8:2::1");
    expect_local(&dp, "2001:db8:99::1", "2001:db8:1::1");
    dp.nports = 2;
    dp.ports[0] = dp.ports[1];
    expect_local(&dp, "2001:db8:2::9", NULL); /* no IPv6 address on any port */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test_setup_teardown(test_secret_made_at_first_start, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_previous_secret, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_previous_never_created, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_previous_mistakes, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_bad_secret_stops_start, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_mistake_makes_no_secret, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_check_syntax_touches_nothing, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_check_creates_nothing, dir_setup, dir_teardown),
        cmocka_unit_test(test_gateway_value_errors),
        cmocka_unit_test(test_peer_keys),
        cmocka_unit_test(test_stop_keys),
        cmocka_unit_test(test_duration_ms),
        cmocka_unit_test(test_local_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
