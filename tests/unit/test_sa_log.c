/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lines about one SA (sa_log.c) begin with a tag that names it: peer
 * configuration, the SA's number, the peer's address, the SPIs and the
 * authenticated identity, plus a Child SA's SPIs. The identity comes from the
 * wire: a hostile one is escaped and cut, never a control character in a
 * line. The rate-limited variant holds back and counts like ike_log_rl.
 */
#include <stdio.h>
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "ike_sa.h"
#include "mock_backend.h"
#include "unit_util.h"

#define MAX_LINES 128

struct capture {
    unsigned n;
    char line[MAX_LINES][1024];
};

static void capture_line(void *arg, enum ike_log_level level, const char *msg)
{
    (void)level;
    struct capture *c = arg;
    if (c->n < MAX_LINES)
        snprintf(c->line[c->n++], sizeof(c->line[0]), "%s", msg);
}

/* The first captured line holding `needle`, or NULL. */
static const char *find_line(const struct capture *c, const char *needle)
{
    for (unsigned i = 0; i < c->n; i++) {
        if (strstr(c->line[i], needle) != NULL)
            return c->line[i];
    }
    return NULL;
}

/* Fails the test when no captured line holds `needle`, showing those there were. */
static void expect_line(const struct capture *c, const char *needle)
{
    if (find_line(c, needle) != NULL)
        return;
    for (unsigned i = 0; i < c->n; i++)
        fprintf(stderr, "  captured: %s\n", c->line[i]);
    fail_msg("no line holds \"%s\"", needle);
}

static void capture_gw(struct lab *lab, struct capture *c)
{
    memset(c, 0, sizeof(*c));
    lab->gw_node.on_log = capture_line;
    lab->gw_node.on_log_arg = c;
}

static void test_tag_names_sa_and_identity(void **state)
{
    struct lab *lab = *state;
    static struct capture cap;
    capture_gw(lab, &cap);
    lab_start_establish(lab);
    struct ike_sa_info sa = lab_only_sa(lab->gw);
    struct ike_sa *gw_sa = ike_sa_find_ours(lab->gw, sa.spi_r);
    assert_non_null(gw_sa);

    char want[256];
    snprintf(want, sizeof(want),
             "road-warriors[%u] 192.0.2.2:500 %016llx_%016llx \"alice.example\": INIT_DONE -> "
             "ESTABLISHED",
             gw_sa->log_no, (unsigned long long)sa.spi_i, (unsigned long long)sa.spi_r);
    const char *up = find_line(&cap, "-> ESTABLISHED");
    assert_non_null(up);
    assert_true(strncmp(up, want, strlen(want)) == 0);

    /* The configuration IKE_SA_INIT chose names it already; the identity waits for IKE_AUTH. */
    snprintf(want, sizeof(want),
             "road-warriors[%u] 192.0.2.2:500 %016llx_%016llx -: IKE_SA_INIT answered",
             gw_sa->log_no, (unsigned long long)sa.spi_i, (unsigned long long)sa.spi_r);
    expect_line(&cap, want);

    /* The Child SA's line adds its inbound and outbound SPIs. */
    snprintf(want, sizeof(want), "\"alice.example\" child %08x/%08x: Child SA installed",
             sa.child_spi_in, sa.child_spi_out);
    expect_line(&cap, want);
}

/* Every SA has its own number; a rekey's new SA too, and the rekey line names both. */
static void test_rekey_links_old_and_new(void **state)
{
    struct lab *lab = *state;
    static struct capture cap;
    capture_gw(lab, &cap);
    lab_start_establish(lab);
    struct ike_sa_info before = lab_only_sa(lab->gw);
    struct ike_sa *old = ike_sa_find_ours(lab->gw, before.spi_r);
    assert_non_null(old);
    uint32_t old_no = old->log_no;
    struct ike_sa *alice_sa = ike_sa_find_ours(lab->alice, lab_only_sa(lab->alice).spi_i);
    assert_int_equal(ike_ccs_start_ike_rekey(lab->alice, alice_sa), 0);
    lab_run(lab);
    struct ike_sa_info after = lab_only_sa(lab->gw);
    assert_true(after.spi_r != before.spi_r);
    struct ike_sa *next = ike_sa_find_ours(lab->gw, after.spi_r);
    assert_non_null(next);
    assert_true(next->log_no != old_no);
    char want[256];
    snprintf(want, sizeof(want),
             "road-warriors[%u] 192.0.2.2:500 %016llx_%016llx \"alice.example\": IKE SA rekeyed "
             "by the peer, now road-warriors[%u] %016llx_%016llx",
             old_no, (unsigned long long)before.spi_i, (unsigned long long)before.spi_r,
             next->log_no, (unsigned long long)after.spi_i, (unsigned long long)after.spi_r);
    expect_line(&cap, want);
}

static void assert_printable(const char *line)
{
    for (const char *p = line; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            fail_msg("control or non-ASCII octet 0x%02x in \"%s\"", (unsigned char)*p, line);
    }
}

/* A client names itself with a newline, an escape sequence, a quote and a backslash. */
static void test_hostile_identity_escaped(void **state)
{
    struct lab *lab = *state;
    static struct capture cap;
    capture_gw(lab, &cap);
    static const char evil[] = "x\nINFO forged: ESTABLISHED\x1b[31m\"\\\xff";
    struct ike_id *id = &lab->alice_peer.local_id;
    id->type = IKE_ID_FQDN;
    id->len = sizeof(evil) - 1;
    memcpy(id->data, evil, id->len);
    lab->gw_peer.remote_id.type = 0; /* any identity the PSK authenticates */
    lab_start_establish(lab);
    assert_true(cap.n > 0);
    for (unsigned i = 0; i < cap.n; i++)
        assert_printable(cap.line[i]);
    const char *up = find_line(&cap, "-> ESTABLISHED");
    assert_non_null(up);
    assert_non_null(strstr(up, " \"x\\x0aINFO forged: ESTABLISHED\\x1b[31m\\\"\\\\\\xff\": "));
}

/* A long identity is cut at IKE_ID_LOG_CHARS, and says so after its closing quote. */
static void test_identity_bounded(void **state)
{
    (void)state;
    struct ike_id id = {.type = IKE_ID_KEY_ID, .len = 200};
    memset(id.data, 0x01, id.len); /* each octet takes four characters escaped */
    char out[IKE_ID_LOG_MAX];
    ike_id_log_text(&id, out, sizeof(out));
    assert_true(strlen(out) <= IKE_ID_LOG_CHARS + 5);
    assert_int_equal(out[0], '"');
    assert_string_equal(out + strlen(out) - 4, "\"...");
    assert_non_null(strstr(out, "\\x01\\x01"));

    struct ike_id ip = {.type = IKE_ID_IPV4_ADDR, .len = 4, .data = {198, 51, 100, 10}};
    assert_string_equal(ike_id_log_text(&ip, out, sizeof(out)), "\"198.51.100.10\"");
    struct ike_id none = {0};
    assert_string_equal(ike_id_log_text(&none, out, sizeof(out)), "-");
    /* A DN in RFC 2253 form: the DER of CN=alice. */
    static const uint8_t dn[] = {0x30, 0x10, 0x31, 0x0e, 0x30, 0x0c, 0x06, 0x03, 0x55,
                                 0x04, 0x03, 0x0c, 0x05, 'a',  'l',  'i',  'c',  'e'};
    struct ike_id der = {.type = IKE_ID_DER_ASN1_DN, .len = sizeof(dn)};
    memcpy(der.data, dn, sizeof(dn));
    assert_string_equal(ike_id_log_text(&der, out, sizeof(out)), "\"CN=alice\"");
}

/* ike_sa_log_rl: a burst a second per reason, the rest counted and summed once it is over. */
static void test_sa_rl_suppresses_and_counts(void **state)
{
    struct lab *lab = *state;
    static struct capture cap;
    lab_start_establish(lab);
    capture_gw(lab, &cap);
    struct ike_sa *sa = ike_sa_find_ours(lab->gw, lab_only_sa(lab->gw).spi_r);
    assert_non_null(sa);
    const struct ike_counters *c = ike_get_counters(lab->gw);
    uint64_t suppressed = c->log_suppressed;
    for (unsigned i = 0; i < 100; i++)
        ike_sa_log_rl(lab->gw, sa, IKE_LOG_WARN, "test flood line %u", i);
    assert_int_equal(cap.n, IKE_LOG_LIMIT_BURST);
    assert_int_equal(c->log_suppressed - suppressed, 100 - IKE_LOG_LIMIT_BURST);
    assert_non_null(strstr(cap.line[0], "road-warriors["));
    assert_non_null(strstr(cap.line[0], ": test flood line 0"));
    lab->net.now_ns += 2 * SEC;
    ike_tick(lab->gw);
    char want[80];
    snprintf(want, sizeof(want), "%u more lines like \"test flood line ...\" suppressed",
             100 - IKE_LOG_LIMIT_BURST);
    expect_line(&cap, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_tag_names_sa_and_identity),   LAB_TEST(test_rekey_links_old_and_new),
        LAB_TEST(test_hostile_identity_escaped),    cmocka_unit_test(test_identity_bounded),
        LAB_TEST(test_sa_rl_suppresses_and_counts),
    };
    return cmocka_run_group_tests_name("sa_log", tests, NULL, NULL);
}
