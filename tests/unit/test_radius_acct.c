/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS accounting (RFC 2866) through the mock backend: alice (PSK) and gw
 * with `radius.accounting` on and two servers whose accounting ports are a
 * recorder in this file. Each Accounting-Request is checked against an
 * authenticator computed here by EVP MD5, and answered (or not) with
 * Accounting-Responses built here. Start with the first Child SA,
 * Interim-Updates with the dataplane's counts (Gigawords past 4 GiB), Stop
 * with each terminate cause, one session over IKE and Child SA rekeys, the
 * virtual IP as Framed-IP-Address, retransmission and failover, the bounded
 * queue, forged or malformed responses ignored, and Accounting-On at the
 * first tick and -Off after the Stops at shutdown.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike.h"
#include "ike_lab.h"
#include "ike_radius.h"
#include "mock_backend.h"
#include "unit_util.h"

static const char *const secrets[2] = {"acct-one", "acct-two"};

/* ---- the recorder: what gw sent to each accounting port ---- */

#define REC_MAX 64
struct sent {
    unsigned seq; /* order among everything sent */
    unsigned server;
    size_t len;
    uint8_t b[IKE_RADIUS_MAX_LEN];
};
#define NAS_MAX 4
struct recorder {
    struct sent nas[NAS_MAX]; /* Accounting-On and -Off, kept apart from the sessions' records */
    unsigned nnas;
    unsigned seq;
    struct sent pkts[REC_MAX];
    unsigned n;      /* recorded (the first REC_MAX) */
    unsigned total;  /* sent, recorded or not */
    uint8_t last_id; /* the identifier of the last one sent */
};
static struct recorder rec;

/* Whether buf's Acct-Status-Type (the first attribute veer writes) is Accounting-On or -Off. */
static bool about_nas(const uint8_t *buf, size_t len)
{
    return len >= 26 && buf[20] == IKE_RADIUS_ATTR_ACCT_STATUS_TYPE && buf[21] == 6 &&
           (buf[25] == IKE_RADIUS_ACCT_ON || buf[25] == IKE_RADIUS_ACCT_OFF);
}

static int acct_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    (void)opaque;
    assert_true(server < 2);
    assert_true(len <= IKE_RADIUS_MAX_LEN);
    rec.seq++;
    if (about_nas(buf, len)) {
        assert_true(rec.nnas < NAS_MAX);
        struct sent *p = &rec.nas[rec.nnas++];
        p->seq = rec.seq;
        p->server = server;
        p->len = len;
        memcpy(p->b, buf, len);
        return 0;
    }
    rec.total++;
    rec.last_id = buf[1];
    if (rec.n < REC_MAX) {
        rec.pkts[rec.n].seq = rec.seq;
        rec.pkts[rec.n].server = server;
        rec.pkts[rec.n].len = len;
        memcpy(rec.pkts[rec.n].b, buf, len);
        rec.n++;
    }
    return 0;
}

static void md5_of(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, const uint8_t *c,
                   size_t clen, uint8_t out[16])
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    unsigned n = 0;
    assert_non_null(x);
    assert_int_equal(EVP_DigestInit_ex(x, EVP_md5(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(x, a, alen), 1);
    if (b != NULL)
        assert_int_equal(EVP_DigestUpdate(x, b, blen), 1);
    if (c != NULL)
        assert_int_equal(EVP_DigestUpdate(x, c, clen), 1);
    assert_int_equal(EVP_DigestFinal_ex(x, out, &n), 1);
    EVP_MD_CTX_free(x);
}

/* RFC 2866 3: the Request Authenticator is MD5 over the packet with zeros there, and the secret. */
static void expect_request_auth(const struct sent *p)
{
    uint8_t copy[IKE_RADIUS_MAX_LEN], md[16];
    const char *s = secrets[p->server];
    assert_int_equal(p->b[0], IKE_RADIUS_ACCOUNTING_REQUEST);
    assert_int_equal((size_t)(p->b[2] << 8 | p->b[3]), p->len);
    memcpy(copy, p->b, p->len);
    memset(copy + 4, 0, 16);
    md5_of(copy, p->len, (const uint8_t *)s, strlen(s), NULL, 0, md);
    assert_memory_equal(md, p->b + 4, 16);
}

/* The value of the first attribute `type`, its length in *n; NULL when absent. */
static const uint8_t *attr(const struct sent *p, uint8_t type, size_t *n)
{
    for (size_t off = 20; off + 2 <= p->len && p->b[off + 1] >= 2; off += p->b[off + 1]) {
        if (p->b[off] == type) {
            *n = p->b[off + 1] - 2u;
            return p->b + off + 2;
        }
    }
    return NULL;
}

static bool has_attr(const struct sent *p, uint8_t type)
{
    size_t n;
    return attr(p, type, &n) != NULL;
}

static uint32_t attr32(const struct sent *p, uint8_t type)
{
    size_t n = 0;
    const uint8_t *v = attr(p, type, &n);
    assert_non_null(v);
    assert_int_equal(n, 4);
    return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

/* The Acct-Session-Id as a C string (into buf). */
static const char *session_id(const struct sent *p, char *buf, size_t cap)
{
    size_t n = 0;
    const uint8_t *v = attr(p, IKE_RADIUS_ATTR_ACCT_SESSION_ID, &n);
    assert_non_null(v);
    assert_true(n > 0 && n < cap);
    memcpy(buf, v, n);
    buf[n] = 0;
    return buf;
}

/* An Accounting-Response to p: Response Authenticator over p's Request Authenticator. */
static size_t response(const struct sent *p, const char *secret, uint8_t code, uint8_t *out)
{
    out[0] = code;
    out[1] = p->b[1];
    out[2] = 0;
    out[3] = 20;
    memcpy(out + 4, p->b + 4, 16);
    md5_of(out, 20, (const uint8_t *)secret, strlen(secret), NULL, 0, out + 4);
    return 20;
}

static void answer(struct lab *lab, const struct sent *p)
{
    uint8_t r[20];
    response(p, secrets[p->server], IKE_RADIUS_ACCOUNTING_RESPONSE, r);
    ike_radius_acct_input(lab->gw, p->server, r, sizeof(r));
}

/* ---- the lab ---- */

static bool accounting = true;

static int acct_setup(void **state)
{
    lab_setup(state);
    memset(&rec, 0, sizeof(rec));
    accounting = true;
    return 0;
}

/* lab_start, then gw again with two servers, accounting on (every 60 s) and the recorder. */
static void acct_start(struct lab *lab, unsigned interval_s)
{
    lab_start(lab);
    ike_ctx_free(lab->gw);
    static const char *const addrs[2] = {"192.0.2.11", "192.0.2.12"};
    struct ike_radius_cfg *rc = &lab->gw_cfg.radius;
    lab_radius_two_servers(rc, addrs, secrets);
    rc->accounting = accounting;
    rc->accounting_interval_s = interval_s;
    struct ike_backend g = mock_backend(&lab->gw_node);
    g.radius_acct_send = acct_send;
    lab->gw = ike_ctx_new(&lab->gw_cfg, &g);
    assert_non_null(lab->gw);
    /* The first tick sends Accounting-On (test_accounting_on_off): answered, out of the way. */
    ike_tick(lab->gw);
    assert_int_equal(rec.nnas, accounting ? 1 : 0);
    if (accounting)
        answer(lab, &rec.nas[0]);
}

static const struct ike_counters *gwc(struct lab *lab)
{
    return ike_get_counters(lab->gw);
}

/* The dataplane's report for gw's Child SA spi_in. */
static void report(struct lab *lab, uint32_t spi_in, uint64_t bytes_in, uint64_t pkts_in,
                   uint64_t bytes_out, uint64_t pkts_out)
{
    struct ike_sa_info g = lab_only_sa(lab->gw);
    struct ike_child_traffic t = {.bytes_in = bytes_in,
                                  .packets_in = pkts_in,
                                  .bytes_out = bytes_out,
                                  .packets_out = pkts_out,
                                  .last_in_ns = lab->net.now_ns,
                                  .last_out_ns = lab->net.now_ns};
    assert_int_equal(ike_child_traffic(lab->gw, g.spi_i, g.spi_r, spi_in, &t), 0);
}

/* Start when the Child SA is up, Interim with the counts, Stop when alice deletes. */
static void test_start_interim_stop(void **state)
{
    struct lab *lab = *state;
    acct_start(lab, 60);
    lab_establish(lab);
    assert_int_equal(rec.n, 1);
    const struct sent *start = &rec.pkts[0];
    expect_request_auth(start);
    assert_int_equal(start->server, 0);
    assert_int_equal(attr32(start, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE), IKE_RADIUS_ACCT_START);
    size_t n = 0;
    const uint8_t *user = attr(start, IKE_RADIUS_ATTR_USER_NAME, &n);
    assert_non_null(user);
    assert_int_equal(n, 13);
    assert_memory_equal(user, "alice.example", 13); /* the IKE identity without RADIUS */
    const uint8_t *station = attr(start, IKE_RADIUS_ATTR_CALLING_STATION_ID, &n);
    assert_non_null(station);
    assert_memory_equal(station, "192.0.2.2", 9);
    const uint8_t *nas = attr(start, IKE_RADIUS_ATTR_NAS_IDENTIFIER, &n);
    assert_non_null(nas);
    assert_memory_equal(nas, "veer-unit", 9);
    assert_false(has_attr(start, IKE_RADIUS_ATTR_ACCT_INPUT_OCTETS));
    assert_false(has_attr(start, IKE_RADIUS_ATTR_FRAMED_IP_ADDRESS));
    assert_false(has_attr(start, IKE_RADIUS_ATTR_CLASS));
    char id0[32], id1[32];
    session_id(start, id0, sizeof(id0));
    assert_int_equal(strlen(id0), 17);
    assert_int_equal(gwc(lab)->radius_acct_starts, 1);
    assert_int_equal(gwc(lab)->radius_acct_sent, 2); /* Accounting-On, Start */
    assert_int_equal(ike_radius_acct_pending(lab->gw), 1);
    answer(lab, start);
    assert_int_equal(gwc(lab)->radius_acct_answered, 2);
    assert_int_equal(ike_radius_acct_pending(lab->gw), 0);

    /* 5 GiB + 7 in, 1000 out: Gigawords carry the top 32 bits (RFC 2869 5.1). */
    uint32_t spi_in = lab->gw_node.installed[0].spi_in;
    report(lab, spi_in, (5ull << 30) + 7, 4000000, 1000, 10);
    lab->net.now_ns += 59 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(rec.n, 1);
    lab->net.now_ns += 1 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(rec.n, 2);
    const struct sent *interim = &rec.pkts[1];
    expect_request_auth(interim);
    assert_int_equal(attr32(interim, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE), IKE_RADIUS_ACCT_INTERIM);
    assert_string_equal(session_id(interim, id1, sizeof(id1)), id0);
    assert_int_equal(attr32(interim, IKE_RADIUS_ATTR_ACCT_INPUT_OCTETS),
                     (uint32_t)((5ull << 30) + 7));
    assert_int_equal(attr32(interim, IKE_RADIUS_ATTR_ACCT_INPUT_GIGAWORDS), 1);
    assert_int_equal(attr32(interim, IKE_RADIUS_ATTR_ACCT_INPUT_PACKETS), 4000000);
    assert_int_equal(attr32(interim, IKE_RADIUS_ATTR_ACCT_OUTPUT_OCTETS), 1000);
    assert_int_equal(attr32(interim, IKE_RADIUS_ATTR_ACCT_OUTPUT_GIGAWORDS), 0);
    assert_int_equal(attr32(interim, IKE_RADIUS_ATTR_ACCT_OUTPUT_PACKETS), 10);
    assert_int_equal(attr32(interim, IKE_RADIUS_ATTR_ACCT_SESSION_TIME), 60);
    assert_false(has_attr(interim, IKE_RADIUS_ATTR_ACCT_TERMINATE_CAUSE));
    assert_int_equal(gwc(lab)->radius_acct_interims, 1);
    answer(lab, interim);

    /* The client deletes its IKE SA: Stop, User-Request, the last counts. */
    report(lab, spi_in, (5ull << 30) + 9, 4000001, 2000, 20);
    lab->net.now_ns += 5 * SEC;
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_delete(lab->alice, a.spi_i, a.spi_r), 0);
    lab_run(lab);
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(rec.n, 3);
    const struct sent *stop = &rec.pkts[2];
    expect_request_auth(stop);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE), IKE_RADIUS_ACCT_STOP);
    assert_string_equal(session_id(stop, id1, sizeof(id1)), id0);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_TERMINATE_CAUSE),
                     IKE_RADIUS_TERM_USER_REQUEST);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_SESSION_TIME), 65);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_OUTPUT_OCTETS), 2000);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_INPUT_PACKETS), 4000001);
    assert_int_equal(gwc(lab)->radius_acct_stops, 1);
    answer(lab, stop);
    assert_int_equal(gwc(lab)->radius_acct_answered, 4);
    assert_int_equal(ike_radius_acct_pending(lab->gw), 0);
}

/* Off (the default, as strongSwan's accounting = no): nothing is sent. */
static void test_off_by_default(void **state)
{
    struct lab *lab = *state;
    accounting = false;
    acct_start(lab, 60);
    lab_establish(lab);
    lab->net.now_ns += 120 * SEC;
    ike_tick(lab->gw);
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_int_equal(ike_delete(lab->gw, g.spi_i, g.spi_r), 0);
    lab_run(lab);
    assert_int_equal(rec.total, 0);
    assert_int_equal(ike_radius_acct_shutdown(lab->gw), 0);
    assert_int_equal(rec.nnas, 0); /* neither Accounting-On nor -Off */
    assert_int_equal(gwc(lab)->radius_acct_starts, 0);
}

/* An IKE rekey and a Child SA rekey: one session, its counts summed; an operator's delete. */
static void test_rekeys_keep_session(void **state)
{
    struct lab *lab = *state;
    acct_start(lab, 0);
    lab_establish(lab);
    assert_int_equal(rec.n, 1);
    char id0[32], id1[32];
    session_id(&rec.pkts[0], id0, sizeof(id0));
    uint32_t first_spi = lab->gw_node.installed[0].spi_in;
    report(lab, first_spi, 1000, 10, 3000, 30);

    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_int_equal(ike_rekey_ike(lab->gw, g.spi_i, g.spi_r), 0);
    lab_run(lab);
    assert_int_equal(gwc(lab)->ike_rekeyed, 1);
    struct ike_sa_info g2 = lab_only_sa(lab->gw);
    assert_true(g2.spi_r != g.spi_r || g2.spi_i != g.spi_i);
    assert_int_equal(rec.n, 1); /* neither Stop nor Start */

    assert_int_equal(ike_rekey_child(lab->gw, g2.spi_i, g2.spi_r, first_spi), 0);
    lab_run(lab);
    assert_int_equal(gwc(lab)->child_rekeyed, 1);
    assert_int_equal(gwc(lab)->child_deleted, 1); /* the old one: its counts stay */
    assert_int_equal(rec.n, 1);
    uint32_t second_spi = lab->gw_node.installed[1].spi_in;
    report(lab, second_spi, 500, 5, 700, 7);

    lab->net.now_ns += 3 * SEC;
    g2 = lab_only_sa(lab->gw);
    assert_int_equal(ike_delete(lab->gw, g2.spi_i, g2.spi_r), 0);
    lab_run(lab);
    assert_int_equal(rec.n, 2);
    const struct sent *stop = &rec.pkts[1];
    expect_request_auth(stop);
    assert_string_equal(session_id(stop, id1, sizeof(id1)), id0);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_TERMINATE_CAUSE),
                     IKE_RADIUS_TERM_ADMIN_RESET);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_INPUT_OCTETS), 1500);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_INPUT_PACKETS), 15);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_OUTPUT_OCTETS), 3700);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_OUTPUT_PACKETS), 37);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_SESSION_TIME), 3);
    assert_int_equal(gwc(lab)->radius_acct_starts, 1);
    assert_int_equal(gwc(lab)->radius_acct_stops, 1);
}

/* Each IKE SA has its own session id. */
static void test_session_ids_differ(void **state)
{
    struct lab *lab = *state;
    acct_start(lab, 0);
    lab_establish(lab);
    struct ike_sa_info a = lab_only_sa(lab->alice);
    assert_int_equal(ike_delete(lab->alice, a.spi_i, a.spi_r), 0);
    lab_run(lab);
    lab_establish(lab);
    assert_int_equal(rec.n, 3);
    char id0[32], id2[32];
    session_id(&rec.pkts[0], id0, sizeof(id0));
    session_id(&rec.pkts[2], id2, sizeof(id2));
    assert_int_equal(attr32(&rec.pkts[2], IKE_RADIUS_ATTR_ACCT_STATUS_TYPE), IKE_RADIUS_ACCT_START);
    assert_string_not_equal(id0, id2);
}

/* The peer stops answering DPD: Lost-Carrier. */
static void test_dpd_lost_carrier(void **state)
{
    struct lab *lab = *state;
    lab->gw_peer.dpd_delay_s = 10;
    acct_start(lab, 0);
    lab_establish(lab);
    for (unsigned i = 0; i < 40 && ike_sa_foreach(lab->gw, NULL, NULL) > 0; i++) {
        lab->net.now_ns += 10 * SEC;
        ike_tick(lab->gw);
        struct mock_packet drop;
        while (mock_pop(&lab->net, &drop)) {
        }
    }
    assert_int_equal(ike_sa_foreach(lab->gw, NULL, NULL), 0);
    assert_int_equal(gwc(lab)->peer_dead, 1);
    const struct sent *stop = &rec.pkts[rec.n - 1];
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE), IKE_RADIUS_ACCT_STOP);
    assert_int_equal(attr32(stop, IKE_RADIUS_ATTR_ACCT_TERMINATE_CAUSE),
                     IKE_RADIUS_TERM_LOST_CARRIER);
}

/* The gateway stops: NAS-Reboot for every session, once. */
static void test_shutdown_nas_reboot(void **state)
{
    struct lab *lab = *state;
    acct_start(lab, 0);
    lab_establish(lab);
    answer(lab, &rec.pkts[0]);
    assert_int_equal(ike_radius_acct_shutdown(lab->gw), 2); /* the Stop and Accounting-Off */
    assert_int_equal(rec.n, 2);
    assert_int_equal(attr32(&rec.pkts[1], IKE_RADIUS_ATTR_ACCT_TERMINATE_CAUSE),
                     IKE_RADIUS_TERM_NAS_REBOOT);
    assert_int_equal(ike_radius_acct_shutdown(lab->gw), 2); /* no second Stop, no second Off */
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.nnas, 2);
    answer(lab, &rec.pkts[1]);
    answer(lab, &rec.nas[1]);
    assert_int_equal(ike_radius_acct_pending(lab->gw), 0);
    /* The IKE SA itself stays until it is deleted; it sends no further Stop then. */
    struct ike_sa_info g = lab_only_sa(lab->gw);
    assert_int_equal(ike_delete(lab->gw, g.spi_i, g.spi_r), 0);
    lab_run(lab);
    assert_int_equal(rec.n, 2);
}

/*
 * Accounting-On at the first tick (about the NAS: no user, no counts, the
 * run's session-id prefix with number 0), once; Accounting-Off at shutdown,
 * after the sessions' Stops, once.
 */
static void test_accounting_on_off(void **state)
{
    struct lab *lab = *state;
    acct_start(lab, 0); /* ticked once: the On went out and was answered */
    const struct sent *on = &rec.nas[0];
    expect_request_auth(on);
    assert_int_equal(on->server, 0);
    assert_int_equal(attr32(on, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE), IKE_RADIUS_ACCT_ON);
    char on_id[32], start_id[32];
    session_id(on, on_id, sizeof(on_id));
    assert_int_equal(strlen(on_id), 17);
    assert_string_equal(on_id + 8, "-00000000");
    size_t n = 0;
    const uint8_t *nas = attr(on, IKE_RADIUS_ATTR_NAS_IDENTIFIER, &n);
    assert_non_null(nas);
    assert_memory_equal(nas, "veer-unit", 9);
    assert_false(has_attr(on, IKE_RADIUS_ATTR_USER_NAME));
    assert_false(has_attr(on, IKE_RADIUS_ATTR_ACCT_SESSION_TIME));
    assert_false(has_attr(on, IKE_RADIUS_ATTR_ACCT_INPUT_OCTETS));
    assert_false(has_attr(on, IKE_RADIUS_ATTR_ACCT_TERMINATE_CAUSE));
    assert_int_equal(gwc(lab)->radius_acct_on_off, 1);
    assert_int_equal(ike_radius_acct_pending(lab->gw), 0);
    lab->net.now_ns += 10 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(rec.nnas, 1); /* once per run */

    lab_establish(lab);
    session_id(&rec.pkts[0], start_id, sizeof(start_id));
    assert_memory_equal(start_id, on_id, 9); /* the same run's prefix */
    assert_string_not_equal(start_id + 8, "-00000000");
    answer(lab, &rec.pkts[0]);

    assert_int_equal(ike_radius_acct_shutdown(lab->gw), 2);
    assert_int_equal(rec.nnas, 2);
    const struct sent *off = &rec.nas[1];
    expect_request_auth(off);
    assert_int_equal(attr32(off, IKE_RADIUS_ATTR_ACCT_STATUS_TYPE), IKE_RADIUS_ACCT_OFF);
    assert_true(off->seq > rec.pkts[1].seq); /* after the Stop */
    char off_id[32];
    assert_string_equal(session_id(off, off_id, sizeof(off_id)), on_id);
    assert_false(has_attr(off, IKE_RADIUS_ATTR_ACCT_INPUT_OCTETS));
    assert_int_equal(gwc(lab)->radius_acct_on_off, 2);
    answer(lab, off);
    answer(lab, &rec.pkts[1]);
    assert_int_equal(ike_radius_acct_pending(lab->gw), 0);
}

/* The client's virtual IP from a pool is the Framed-IP-Address. */
static struct ike_pool_cfg pool;

static void test_framed_ip(void **state)
{
    struct lab *lab = *state;
    lab_vip4_pool(lab, &pool);
    acct_start(lab, 0);
    lab_establish(lab);
    assert_int_equal(rec.n, 1);
    size_t n = 0;
    const uint8_t *ip = attr(&rec.pkts[0], IKE_RADIUS_ATTR_FRAMED_IP_ADDRESS, &n);
    assert_non_null(ip);
    assert_int_equal(n, 4);
    assert_memory_equal(ip, ((const uint8_t[]){10, 3, 0, 1}), 4);
}

/* Server 1 silent: `tries` sends a timeout apart, then server 2 with its own secret; then none. */
static void test_failover_and_give_up(void **state)
{
    struct lab *lab = *state;
    acct_start(lab, 0);
    lab_establish(lab);
    for (unsigned i = 0; i < 3; i++) {
        lab->net.now_ns += SEC;
        ike_tick(lab->gw);
    }
    assert_int_equal(rec.n, 4);
    assert_int_equal(rec.pkts[2].server, 0);
    assert_memory_equal(rec.pkts[0].b, rec.pkts[2].b, rec.pkts[0].len); /* same id, same auth */
    assert_int_equal(rec.pkts[3].server, 1);
    expect_request_auth(&rec.pkts[3]); /* rebuilt under server 2's secret */
    assert_int_equal(gwc(lab)->radius_acct_retransmits, 2);
    assert_int_equal(gwc(lab)->radius_acct_failovers, 1);
    assert_int_equal(gwc(lab)->radius_acct_sent, 2); /* Accounting-On, Start */
    for (unsigned i = 0; i < 3; i++) {
        lab->net.now_ns += SEC;
        ike_tick(lab->gw);
    }
    assert_int_equal(rec.n, 6);
    assert_int_equal(gwc(lab)->radius_acct_timed_out, 1);
    assert_int_equal(ike_radius_acct_pending(lab->gw), 0);
}

/* 256 outstanding on the server, 1024 waiting: the next record is refused and counted. */
static void test_queue_bound(void **state)
{
    struct lab *lab = *state;
    acct_start(lab, 1);
    lab->gw_cfg.radius.timeout_ms = 3600 * 1000; /* none times out while the queue fills */
    ike_ctx_free(lab->gw);
    struct ike_backend g = mock_backend(&lab->gw_node);
    g.radius_acct_send = acct_send;
    lab->gw = ike_ctx_new(&lab->gw_cfg, &g);
    ike_tick(lab->gw); /* the first context sent -Off when freed; this one's -On, answered */
    assert_int_equal(rec.nnas, 3);
    answer(lab, &rec.nas[2]);
    lab_establish(lab);
    for (unsigned i = 0; i < 256 + 1024 - 1; i++) {
        lab->net.now_ns += SEC;
        ike_tick(lab->gw);
    }
    assert_int_equal(ike_radius_acct_pending(lab->gw), 256 + 1024);
    assert_int_equal(rec.total, 256);
    assert_int_equal(gwc(lab)->radius_acct_queued, 1024);
    assert_int_equal(gwc(lab)->radius_acct_queue_full, 0);
    lab->net.now_ns += SEC;
    ike_tick(lab->gw);
    assert_int_equal(gwc(lab)->radius_acct_queue_full, 1);
    assert_int_equal(ike_radius_acct_pending(lab->gw), 256 + 1024);
    /* An answer frees an identifier: the oldest waiting record goes out on it. */
    answer(lab, &rec.pkts[0]);
    assert_int_equal(rec.total, 257);
    assert_int_equal(ike_radius_acct_pending(lab->gw), 256 + 1023);
    assert_int_equal(rec.last_id, rec.pkts[0].b[1]);
}

/* Forged, stray and malformed responses change nothing; the real one is taken. */
static void test_bad_responses(void **state)
{
    struct lab *lab = *state;
    acct_start(lab, 0);
    lab_establish(lab);
    const struct sent *start = &rec.pkts[0];
    uint8_t r[64];
    size_t n = response(start, secrets[0], IKE_RADIUS_ACCOUNTING_RESPONSE, r);

    uint8_t bad[64];
    memcpy(bad, r, n);
    bad[9] ^= 1; /* Response Authenticator */
    ike_radius_acct_input(lab->gw, 0, bad, n);
    assert_int_equal(gwc(lab)->radius_rx_bad_response_auth, 1);
    response(start, secrets[1], IKE_RADIUS_ACCOUNTING_RESPONSE, bad); /* another secret */
    ike_radius_acct_input(lab->gw, 0, bad, n);
    assert_int_equal(gwc(lab)->radius_rx_bad_response_auth, 2);
    response(start, secrets[0], IKE_RADIUS_ACCESS_ACCEPT, bad); /* authentic, wrong code */
    ike_radius_acct_input(lab->gw, 0, bad, n);
    assert_int_equal(gwc(lab)->radius_rx_unknown_code, 1);
    ike_radius_acct_input(lab->gw, 0, r, 19); /* shorter than a header */
    assert_int_equal(gwc(lab)->radius_rx_truncated, 1);
    memcpy(bad, r, n);
    bad[3] = 40; /* Length past the datagram */
    ike_radius_acct_input(lab->gw, 0, bad, n);
    assert_int_equal(gwc(lab)->radius_rx_length_overrun, 1);
    memcpy(bad, r, n);
    bad[20] = 18; /* an attribute of length 1 after a Length that includes it */
    bad[21] = 1;
    bad[3] = 22;
    ike_radius_acct_input(lab->gw, 0, bad, 22);
    assert_int_equal(gwc(lab)->radius_rx_attr_too_short, 1);
    assert_int_equal(gwc(lab)->radius_acct_refused, 6);
    memcpy(bad, r, n);
    bad[1] ^= 0x40; /* no request has this identifier */
    ike_radius_acct_input(lab->gw, 0, bad, n);
    ike_radius_acct_input(lab->gw, 1, r, n); /* the right answer from the wrong server */
    assert_int_equal(gwc(lab)->radius_acct_unmatched, 2);
    assert_int_equal(gwc(lab)->radius_acct_answered, 1); /* the Accounting-On */
    assert_int_equal(ike_radius_acct_pending(lab->gw), 1);

    ike_radius_acct_input(lab->gw, 0, r, n);
    assert_int_equal(gwc(lab)->radius_acct_answered, 2);
    assert_int_equal(ike_radius_acct_pending(lab->gw), 0);
    ike_radius_acct_input(lab->gw, 0, r, n); /* a duplicate: its request is gone */
    assert_int_equal(gwc(lab)->radius_acct_unmatched, 3);
}

#define ACCT_TEST(f) cmocka_unit_test_setup_teardown(f, acct_setup, lab_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ACCT_TEST(test_start_interim_stop),  ACCT_TEST(test_off_by_default),
        ACCT_TEST(test_rekeys_keep_session), ACCT_TEST(test_session_ids_differ),
        ACCT_TEST(test_dpd_lost_carrier),    ACCT_TEST(test_shutdown_nas_reboot),
        ACCT_TEST(test_framed_ip),           ACCT_TEST(test_failover_and_give_up),
        ACCT_TEST(test_queue_bound),         ACCT_TEST(test_bad_responses),
        ACCT_TEST(test_accounting_on_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
