/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 in lib/dp's ESP engine, on mbufs (EAL with --no-huge, no ports),
 * checked against OpenSSL: every combination of outer IPv4/IPv6, inner
 * IPv4/IPv6, AES-GCM/AES-CBC + HMAC and plain ESP/ESP in UDP both ways, with
 * the outer headers checked byte by byte and the IPv6 UDP checksum summed
 * here independently of DPDK. Then the largest inner packet per SA, hand-made
 * IPv6 ESP frames with malformed outer headers, trailers that lie about the
 * inner family, the inbound selector check, and the IPv6 policy lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_mbuf.h>

#include "dp_esp.h"
#include "spd_probe.h"
#include "esp_db.h"
#include "esp_ossl.h"
#include "ike_consts.h"
#include "inet_sum.h"
#include "test_eal.h"

#define SPI_IN 0x3000u
#define SPI_OUT 0x4000u
#define ETH 14
#define NAT_T_PORT 4500

static struct rte_mempool *pool;
static struct dp_esp_engine eng;

static const struct esp_alg algs[] = {
    {"aes128gcm16", IKE_ENCR_AES_GCM_16, 128, 0, 0, 16, "AES-128-GCM", NULL},
    {"aes256-sha256", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 32, 16, "AES-256-CBC",
     "SHA256"},
};

/* Outer endpoints: 198.51.100.1 -> .2, 2001:db8::1 -> ::2. */
static const uint8_t gw4[4] = {198, 51, 100, 1}, peer4[4] = {198, 51, 100, 2};
static const uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t peer6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
/* Hosts: ours 10.1.0.1 and 2001:db8:1::1, the peer's 10.2.0.2 and 2001:db8:2::2. */
static const uint8_t here4[4] = {10, 1, 0, 1}, there4[4] = {10, 2, 0, 2};
static const uint8_t here6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
static const uint8_t there6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2};

/* One combination: outer family, inner family, cipher, UDP encapsulation. */
struct combo {
    unsigned outer, inner;
    const struct esp_alg *alg;
    bool udp;
};

static void combo_name(const struct combo *k, char *out, size_t cap)
{
    snprintf(out, cap, "outer v%u inner v%u %s %s", k->outer, k->inner, k->alg->name,
             k->udp ? "udp" : "esp");
}

/* ---- setup ---- */

static int group_setup(void **state)
{
    (void)state;
    return test_eal_esp("test_esp6", "512", 512, &pool, &eng);
}

/* first..last of one family into a selector. */
static struct ike_ts range(unsigned family, const uint8_t *first, const uint8_t *last)
{
    struct ike_ts ts = {.type = family == 6 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE,
                        .end_port = 65535};
    memcpy(ts.start_addr, first, family == 6 ? 16 : 4);
    memcpy(ts.end_addr, last, family == 6 ? 16 : 4);
    return ts;
}

/* A /16 (IPv4) or /48 (IPv6) around addr. */
static struct ike_ts subnet(unsigned family, const uint8_t *addr)
{
    uint8_t lo[16] = {0}, hi[16];
    size_t keep = family == 6 ? 6 : 2;
    memset(hi, 0xff, sizeof(hi));
    memcpy(lo, addr, keep);
    memcpy(hi, addr, keep);
    return range(family, lo, hi);
}

/* A Child SA carrying both families between our subnets and the peer's. */
static struct ike_child_sa child_for(const struct combo *k)
{
    const struct esp_alg *a = k->alg;
    struct ike_child_sa c;
    esp_child_keyed(&c, a, false, SPI_IN, SPI_OUT, (struct esp_key_seed){0x21, 0x91, 0x41, 0xc1},
                    0);
    c.local.family = c.remote.family = (uint8_t)k->outer;
    memcpy(c.local.ip, k->outer == 6 ? gw6 : gw4, k->outer == 6 ? 16 : 4);
    memcpy(c.remote.ip, k->outer == 6 ? peer6 : peer4, k->outer == 6 ? 16 : 4);
    c.udp_encap = k->udp;
    c.remote.port = k->udp ? NAT_T_PORT : 0;
    c.ts_local.nts = c.ts_remote.nts = 2;
    c.ts_local.ts[0] = subnet(4, here4);
    c.ts_local.ts[1] = subnet(6, here6);
    c.ts_remote.ts[0] = subnet(4, there4);
    c.ts_remote.ts[1] = subnet(6, there6);
    return c;
}

/* An IPv4 address as dp_spd_lookup takes it: network order, read without alignment. */
static uint32_t ip4(const uint8_t *a)
{
    uint32_t v;
    memcpy(&v, a, 4);
    return v;
}

struct env {
    struct esp_db s;
    struct combo k;
    struct ike_child_sa child;
    struct dp_esp_sa *in, *out;
    struct dp_worker_counters c;
};

static void env_open(struct env *e, const struct combo *k)
{
    memset(e, 0, sizeof(*e));
    char why[160] = "";
    esp_db_open(&e->s);
    e->k = *k;
    e->child = child_for(k);
    if (dp_sadb_install(&e->s.db, &e->child, why, sizeof(why)) != 0)
        fail_msg("install refused: %s", why);
    e->in = esp_db_sa_in(&e->s, SPI_IN);
    e->out = k->inner == 6 ? spd_probe6(&e->s.db, here6, there6)
                           : spd_probe4(&e->s.db, ip4(here4), ip4(there4));
    assert_non_null(e->out);
    assert_int_equal(e->out->outer_family, k->outer);
}

/* ---- packets, built and checked here without DPDK's helpers ---- */

/*
 * An inner UDP packet of `len` bytes in either family, from our host to the
 * peer's (outbound) or the reverse; the payload is a pattern of `fill`.
 */
static size_t inner_packet(unsigned family, bool outbound, size_t len, uint8_t fill, uint8_t *p)
{
    const uint8_t *src = outbound ? (family == 6 ? here6 : here4) : (family == 6 ? there6 : there4);
    const uint8_t *dst = outbound ? (family == 6 ? there6 : there4) : (family == 6 ? here6 : here4);
    size_t hdr = family == 6 ? 40 : 20;
    memset(p, 0, hdr + 8);
    if (family == 6) {
        p[0] = 0x60;
        put16(p + 4, len - 40);
        p[6] = 17;
        p[7] = 64;
        memcpy(p + 8, src, 16);
        memcpy(p + 24, dst, 16);
    } else {
        p[0] = 0x45;
        put16(p + 2, len);
        p[8] = 64;
        p[9] = 17;
        memcpy(p + 12, src, 4);
        memcpy(p + 16, dst, 4);
        put16(p + 10, 0xffff - sum16(p, 20, 0));
    }
    put16(p + hdr, 1000);
    put16(p + hdr + 2, 2000);
    put16(p + hdr + 4, len - hdr);
    for (size_t i = hdr + 8; i < len; i++)
        p[i] = (uint8_t)(fill + i);
    return len;
}

/* A plaintext Ethernet frame around an inner packet. */
static struct rte_mbuf *plain_frame(unsigned family, const uint8_t *inner, size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH + len));
    assert_non_null(p);
    memset(p, 0, 12);
    put16(p + 12, family == 6 ? 0x86dd : 0x0800);
    memcpy(p + ETH, inner, len);
    return m;
}

/*
 * A frame from the peer to us around an ESP packet: Ethernet, the outer header
 * of `family` (next header `next`), UDP 4500 -> 4500 with its checksum when
 * `udp`, then the ESP bytes. Returns it; *esp_off is where ESP starts.
 */
static struct rte_mbuf *esp_frame(unsigned family, bool udp, uint8_t next, const uint8_t *esp,
                                  size_t len, size_t *esp_off)
{
    uint8_t f[2048] = {0};
    size_t ip_len = family == 6 ? 40 : 20, l4 = (udp ? 8 : 0) + len;
    uint8_t *ip = f + ETH, *u = ip + ip_len;
    put16(f + 12, family == 6 ? 0x86dd : 0x0800);
    if (family == 6) {
        ip[0] = 0x60;
        put16(ip + 4, l4);
        ip[6] = next;
        ip[7] = 64;
        memcpy(ip + 8, peer6, 16);
        memcpy(ip + 24, gw6, 16);
    } else {
        ip[0] = 0x45;
        put16(ip + 2, ip_len + l4);
        ip[8] = 64;
        ip[9] = next;
        memcpy(ip + 12, peer4, 4);
        memcpy(ip + 16, gw4, 4);
        put16(ip + 10, 0xffff - sum16(ip, 20, 0));
    }
    memcpy(u + (udp ? 8 : 0), esp, len);
    if (udp) {
        put16(u, NAT_T_PORT);
        put16(u + 2, NAT_T_PORT);
        put16(u + 4, l4);
        if (family == 6)
            put16(u + 6, 0xffff - udp6_sum(ip, u, l4));
    }
    *esp_off = ETH + ip_len + (udp ? 8 : 0);
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH + ip_len + l4));
    assert_non_null(p);
    memcpy(p, f, ETH + ip_len + l4);
    return m;
}

/* The padding RFC 4303 2.4 asks for: up to the cipher's block (16 for CBC, 4 for GCM). */
static size_t default_pad(const struct esp_alg *a, size_t len)
{
    size_t block = esp_alg_is_gcm(a) ? 4 : 16;
    return (block - (len + 2) % block) % block;
}

/* Plaintext with its trailer: the inner bytes, padding 1, 2, 3 ..., pad length, next header. */
static size_t with_trailer(const uint8_t *inner, size_t len, size_t pad, uint8_t next, uint8_t *pt)
{
    memcpy(pt, inner, len);
    for (size_t i = 0; i < pad; i++)
        pt[len + i] = (uint8_t)(i + 1);
    pt[len + pad] = (uint8_t)pad;
    pt[len + pad + 1] = next;
    return len + pad + 2;
}

/* OpenSSL seals an inner packet with this trailer next header for veer's inbound SA. */
static struct rte_mbuf *forged(struct env *e, uint64_t seq, const uint8_t *inner, size_t len,
                               uint8_t next, size_t *esp_off)
{
    uint8_t pt[2048], esp[2200];
    size_t ptl = with_trailer(inner, len, default_pad(e->k.alg, len), next, pt);
    size_t n = esp_ossl_seal(e->k.alg, &e->child, seq, pt, ptl, esp);
    return esp_frame(e->k.outer, e->k.udp, e->k.udp ? 17 : 50, esp, n, esp_off);
}

/*
 * The outer header of a frame veer sealed, byte by byte: what it must be for
 * this SA. Returns where the ESP header starts, counted from the outer header.
 */
static size_t check_outer(const struct combo *k, const uint8_t *ip, size_t ip_total)
{
    size_t hdr = k->outer == 6 ? 40 : 20;
    const uint8_t *u = ip + hdr;
    if (k->outer == 6) {
        static const uint8_t vtc_flow[4] = {0x60, 0, 0, 0};
        assert_memory_equal(ip, vtc_flow, 4);
        assert_int_equal(get16(ip + 4), ip_total - 40);
        assert_int_equal(ip[6], k->udp ? 17 : 50);
        assert_int_equal(ip[7], 64);
        assert_memory_equal(ip + 8, gw6, 16);
        assert_memory_equal(ip + 24, peer6, 16);
    } else {
        assert_int_equal(ip[0], 0x45);
        assert_int_equal(ip[1], 0);
        assert_int_equal(get16(ip + 2), ip_total);
        assert_int_equal(get16(ip + 4), 0);
        assert_int_equal(get16(ip + 6), 0);
        assert_int_equal(ip[8], 64);
        assert_int_equal(ip[9], k->udp ? 17 : 50);
        assert_memory_equal(ip + 12, gw4, 4);
        assert_memory_equal(ip + 16, peer4, 4);
        assert_int_equal(sum16(ip, 20, 0), 0xffff);
    }
    if (!k->udp)
        return hdr;
    assert_int_equal(get16(u), NAT_T_PORT);
    assert_int_equal(get16(u + 2), NAT_T_PORT);
    assert_int_equal(get16(u + 4), ip_total - hdr);
    if (k->outer == 6) {
        /* Mandatory over IPv6, never 0; the whole datagram sums to all ones. */
        assert_int_not_equal(get16(u + 6), 0);
        assert_int_equal(udp6_sum(ip, u, ip_total - hdr), 0xffff);
    } else {
        assert_int_equal(get16(u + 6), 0); /* RFC 3948 2.1 */
    }
    return hdr + 8;
}

/* ---- tests ---- */

/* veer seals, OpenSSL opens: outer header, ICV, cipher, padding, and next header 4 or 41. */
static void veer_to_openssl(const struct combo *k)
{
    char name[96];
    combo_name(k, name, sizeof(name));
    struct env e;
    env_open(&e, k);
    size_t base = k->inner == 6 ? 48 : 28;
    static const size_t extra[] = {0, 1, 2, 3, 13, 100, 1300};
    for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
        uint8_t inner[1600], pt[2048];
        size_t len = inner_packet(k->inner, true, base + extra[i], (uint8_t)i, inner);
        struct rte_mbuf *m = plain_frame(k->inner, inner, len);
        assert_int_equal(dp_esp_encrypt(&eng, e.out, m, ETH, &e.c), 0);
        const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
        size_t total = rte_pktmbuf_data_len(m);
        size_t esp_at = check_outer(k, ip, total);
        int n = esp_ossl_open(k->alg, &e.child, true, ip + esp_at, total - esp_at, i + 1, pt);
        if (n < 0)
            fail_msg("%s: OpenSSL refused veer's packet of %zu bytes", name, len);
        size_t pad = default_pad(k->alg, len);
        assert_int_equal((size_t)n, len + pad + 2);
        assert_memory_equal(pt, inner, len);
        for (size_t j = 0; j < pad; j++)
            assert_int_equal(pt[len + j], j + 1);
        assert_int_equal(pt[n - 1], k->inner == 6 ? 41 : 4);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(e.c.esp_encrypted, 7);
    esp_db_close(&e.s);
}

/* OpenSSL seals, veer opens a hand-made frame, and the inner packet comes out whole. */
static void openssl_to_veer(const struct combo *k)
{
    char name[96];
    combo_name(k, name, sizeof(name));
    struct env e;
    env_open(&e, k);
    size_t base = k->inner == 6 ? 48 : 28;
    static const size_t extra[] = {0, 1, 5, 1352};
    for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
        uint8_t inner[1600];
        size_t len = inner_packet(k->inner, false, base + extra[i], (uint8_t)(i * 3), inner);
        size_t off;
        struct rte_mbuf *m = forged(&e, i + 1, inner, len, k->inner == 6 ? 41 : 4, &off);
        if (dp_esp_decrypt(&eng, &e.s.db, m, off, &e.c) != 0)
            fail_msg("%s: veer refused OpenSSL's packet of %zu bytes", name, len);
        assert_int_equal(rte_pktmbuf_pkt_len(m), len);
        assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), inner, len);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(e.c.esp_decrypted, 4);
    esp_db_close(&e.s);
}

static void each_combo(void (*fn)(const struct combo *))
{
    for (unsigned outer = 4; outer <= 6; outer += 2)
        for (unsigned inner = 4; inner <= 6; inner += 2)
            for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++)
                for (int udp = 0; udp <= 1; udp++) {
                    const struct combo k = {outer, inner, &algs[a], udp};
                    fn(&k);
                }
}

static void test_every_combination(void **state)
{
    (void)state;
    each_combo(veer_to_openssl);
    each_combo(openssl_to_veer);
}

/* dp_esp_max_inner is exact for each outer family: the largest inner packet fits, one block more
 * does not. */
static void max_inner_fits(const struct combo *k)
{
    struct env e;
    env_open(&e, k);
    const size_t mtu = 1400;
    size_t max = dp_esp_max_inner(e.out, mtu);
    size_t outer = (k->outer == 6 ? 40 : 20) + (k->udp ? 8 : 0);
    for (size_t more = 0; more <= e.out->block; more += e.out->block) {
        uint8_t inner[1600];
        size_t len = inner_packet(k->inner, true, max + more, 0, inner);
        struct rte_mbuf *m = plain_frame(k->inner, inner, len);
        assert_int_equal(dp_esp_encrypt(&eng, e.out, m, ETH, &e.c), 0);
        size_t total = rte_pktmbuf_data_len(m);
        if (more == 0)
            assert_true(total <= mtu && total > mtu - e.out->block);
        else
            assert_true(total > mtu);
        assert_int_equal(total, outer + 8 + e.out->iv_len + len + default_pad(k->alg, len) + 2 +
                                    e.out->icv_len);
        rte_pktmbuf_free(m);
    }
    esp_db_close(&e.s);
}

static void test_max_inner(void **state)
{
    (void)state;
    each_combo(max_inner_fits);
}

/* Hand-made IPv6 frames whose outer header is wrong: each refused, each with its counter. */
static void test_malformed_ipv6_outer(void **state)
{
    (void)state;
    const struct combo k = {6, 6, &algs[0], true};
    struct env e;
    env_open(&e, &k);
    uint8_t inner[256];
    size_t len = inner_packet(6, false, 100, 9, inner), off;
    uint64_t seq = 1;
    struct rte_mbuf *m;
    struct dp_worker_counters *c = &e.c;

    /* Truncated: less than an IPv6 header, then less than its payload length says. */
    m = forged(&e, seq++, inner, len, 41, &off);
    rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - (ETH + 39)));
    assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, m, off, c), -1);
    rte_pktmbuf_free(m);
    assert_int_equal(c->drop_esp_runt, 1);
    m = forged(&e, seq++, inner, len, 41, &off);
    rte_pktmbuf_trim(m, 1);
    assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, m, off, c), -1);
    rte_pktmbuf_free(m);
    assert_int_equal(c->drop_esp_runt, 2);

    /* Wrong payload length: beyond the frame, 0 (a jumbogram's), 4 short (cuts the ICV). */
    static const int delta[] = {1, -100000, -4};
    for (size_t i = 0; i < 3; i++) {
        m = forged(&e, seq++, inner, len, 41, &off);
        uint8_t *pl = rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + 4);
        long v = delta[i] == -100000 ? 0 : (long)get16(pl) + delta[i];
        put16(pl, (size_t)v);
        assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, m, off, c), -1);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(c->drop_esp_runt, 4);
    assert_int_equal(c->drop_esp_bad_icv, 1);

    /* Extension headers (hop-by-hop, routing, fragment, destination options), or TCP. */
    static const uint8_t nexts[] = {0, 43, 44, 60, 6};
    for (size_t i = 0; i < sizeof(nexts); i++) {
        m = forged(&e, seq++, inner, len, 41, &off);
        rte_pktmbuf_mtod_offset(m, uint8_t *, ETH + 6)[0] = nexts[i];
        assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, m, off, c), -1);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(c->drop_esp_ipv6_ext_header, 5);
    /* Next header UDP, but the caller found ESP right after the IPv6 header. */
    m = forged(&e, seq++, inner, len, 41, &off);
    assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, m, off - 8, c), -1);
    rte_pktmbuf_free(m);
    assert_int_equal(c->drop_esp_ipv6_ext_header, 6);
    assert_int_equal(c->esp_decrypted, 0);

    /* None of them moved the window: the genuine packets with their numbers still pass. */
    for (uint64_t s = 1; s < seq; s++) {
        m = forged(&e, s, inner, len, 41, &off);
        assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, m, off, c), 0);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(c->esp_decrypted, seq - 1);
    esp_db_close(&e.s);
}

/* Authentic packets whose trailer or inner header lie, or that the SA was not negotiated for. */
static void test_inner_checks(void **state)
{
    (void)state;
    for (unsigned outer = 4; outer <= 6; outer += 2) {
        const struct combo k = {outer, 6, &algs[1], outer == 6};
        struct env e;
        env_open(&e, &k);
        uint8_t in6[256], in4[256];
        size_t len6 = inner_packet(6, false, 80, 1, in6), len4 = inner_packet(4, false, 60, 2, in4);
        size_t off;
        uint64_t seq = 1;
        struct rte_mbuf *m;
#define EXPECT_DROP(inner, len, next, counter, want)                                               \
    do {                                                                                           \
        m = forged(&e, seq++, (inner), (len), (next), &off);                                       \
        assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, m, off, &e.c), -1);                         \
        rte_pktmbuf_free(m);                                                                       \
        assert_int_equal(e.c.counter, (want));                                                     \
    } while (0)
        /* The trailer says IPv4 over an IPv6 packet, and the reverse. */
        EXPECT_DROP(in6, len6, 4, drop_esp_bad_next_header, 1);
        EXPECT_DROP(in4, len4, 41, drop_esp_bad_next_header, 2);
        /* An IPv6 payload length beyond the decrypted bytes; an IPv6 header cut short. */
        uint8_t bad[256];
        memcpy(bad, in6, len6);
        put16(bad + 4, len6 - 40 + 1);
        EXPECT_DROP(bad, len6, 41, drop_esp_bad_trailer, 1);
        EXPECT_DROP(in6, 39, 41, drop_esp_bad_trailer, 2);
        /* Outside the selectors: source, then destination, in each family (RFC 4301 5.2). */
        memcpy(bad, in6, len6);
        bad[8 + 5] = 3; /* 2001:db8:3::2, not the peer's /48 */
        EXPECT_DROP(bad, len6, 41, drop_esp_policy_mismatch, 1);
        memcpy(bad, in6, len6);
        bad[24 + 15] ^= 0xff; /* still our /48 */
        m = forged(&e, seq++, bad, len6, 41, &off);
        assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, m, off, &e.c), 0);
        rte_pktmbuf_free(m);
        bad[24 + 4] = 0xff; /* 2001:db8:ff01::..., not ours */
        EXPECT_DROP(bad, len6, 41, drop_esp_policy_mismatch, 2);
        memcpy(bad, in4, len4);
        bad[16 + 1] = 9; /* 10.9.0.1 */
        EXPECT_DROP(bad, len4, 4, drop_esp_policy_mismatch, 3);
        memcpy(bad, in4, len4);
        bad[12] = 11; /* 11.2.0.2 */
        EXPECT_DROP(bad, len4, 4, drop_esp_policy_mismatch, 4);
#undef EXPECT_DROP
        assert_int_equal(e.c.esp_decrypted, 1);
        esp_db_close(&e.s);
    }
    /* An SA with IPv6 selectors only refuses IPv4 inside, and an IPv4 one IPv6. */
    for (unsigned only = 4; only <= 6; only += 2) {
        const struct combo k = {6, only, &algs[0], false};
        struct env e;
        memset(&e, 0, sizeof(e));
        char why[160];
        esp_db_open(&e.s);
        e.k = k;
        e.child = child_for(&k);
        e.child.ts_local.nts = e.child.ts_remote.nts = 1;
        e.child.ts_local.ts[0] = subnet(only, only == 6 ? here6 : here4);
        e.child.ts_remote.ts[0] = subnet(only, only == 6 ? there6 : there4);
        assert_int_equal(dp_sadb_install(&e.s.db, &e.child, why, sizeof(why)), 0);
        uint8_t inner[256];
        unsigned other = only == 6 ? 4 : 6;
        size_t len = inner_packet(other, false, 64, 0, inner), off;
        struct rte_mbuf *m = forged(&e, 1, inner, len, other == 6 ? 41 : 4, &off);
        assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, m, off, &e.c), -1);
        rte_pktmbuf_free(m);
        assert_int_equal(e.c.drop_esp_policy_mismatch, 1);
        len = inner_packet(only, false, 64, 0, inner);
        m = forged(&e, 2, inner, len, only == 6 ? 41 : 4, &off);
        assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, m, off, &e.c), 0);
        rte_pktmbuf_free(m);
        esp_db_close(&e.s);
    }
}

/* Something to encapsulate that is neither IPv4 nor IPv6 is refused and counted. */
static void test_encrypt_not_ip(void **state)
{
    (void)state;
    const struct combo k = {6, 6, &algs[0], true};
    struct env e;
    env_open(&e, &k);
    uint8_t inner[128];
    size_t len = inner_packet(6, true, 64, 0, inner);
    inner[0] = 0x50; /* version 5 */
    struct rte_mbuf *m = plain_frame(6, inner, len);
    assert_int_equal(dp_esp_encrypt(&eng, e.out, m, ETH, &e.c), -1);
    rte_pktmbuf_free(m);
    /* An IPv6 header cut short. */
    inner[0] = 0x60;
    m = plain_frame(6, inner, 39);
    assert_int_equal(dp_esp_encrypt(&eng, e.out, m, ETH, &e.c), -1);
    rte_pktmbuf_free(m);
    assert_int_equal(e.c.drop_esp_not_ip, 2);
    /*
     * A payload length past the frame, and one so long that 40 + it passes
     * 65535 (whose trim would wrap and seal 64 KiB past the mbuf's data).
     */
    len = inner_packet(6, true, 64, 0, inner);
    for (unsigned i = 0; i < 2; i++) {
        put16(inner + 4, i == 0 ? 200 : 0xffff);
        m = plain_frame(6, inner, len);
        assert_int_equal(dp_esp_encrypt(&eng, e.out, m, ETH, &e.c), -1);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(e.c.drop_esp_no_room, 2);
    assert_int_equal(e.c.esp_encrypted, 0);
    assert_int_equal(e.out->seq, 0); /* no sequence number spent */
    esp_db_close(&e.s);
}

static void addr6(uint8_t out[16], uint16_t w2, uint16_t w3, uint16_t last)
{
    memset(out, 0, 16);
    out[0] = 0x20;
    out[1] = 0x01;
    out[2] = 0x0d;
    out[3] = 0xb8;
    put16(out + 4, w2);
    put16(out + 6, w3);
    put16(out + 14, last);
}

/* The IPv6 policy lookup: ranges and their edges, mixed sets, the newest SA first. */
static void test_spd6(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[64], why[160];
    assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
    const struct combo k = {6, 6, &algs[0], false};
    uint8_t lo[16], hi[16];
    /* A: 2001:db8:1::/48 -> 2001:db8:2::/48. */
    struct ike_child_sa a = child_for(&k);
    a.spi_in = 0xa1;
    a.spi_out = 0xa2;
    a.ts_local.nts = a.ts_remote.nts = 1;
    a.ts_local.ts[0] = subnet(6, here6);
    a.ts_remote.ts[0] = subnet(6, there6);
    /* B: the same source, to the range 2001:db8:3::10 - 2001:db8:3::ff or 10.3.0.0/16. */
    struct ike_child_sa b = a;
    b.spi_in = 0xb1;
    b.spi_out = 0xb2;
    addr6(lo, 3, 0, 0x10);
    addr6(hi, 3, 0, 0xff);
    b.ts_remote.nts = 2;
    b.ts_remote.ts[0] = range(6, lo, hi);
    b.ts_remote.ts[1] = subnet(4, (const uint8_t[]){10, 3, 0, 0});
    /* C: IPv4 only, 10.1.0.0/16 -> 10.2.0.0/16. */
    struct ike_child_sa cc = a;
    cc.spi_in = 0xc1;
    cc.spi_out = 0xc2;
    cc.ts_local.ts[0] = subnet(4, here4);
    cc.ts_remote.ts[0] = subnet(4, there4);
    assert_int_equal(dp_sadb_install(&db, &a, why, sizeof(why)), 0);
    assert_int_equal(dp_sadb_install(&db, &b, why, sizeof(why)), 0);
    assert_int_equal(dp_sadb_install(&db, &cc, why, sizeof(why)), 0);

    uint8_t src[16], dst[16];
    addr6(src, 1, 0, 5);
    addr6(dst, 2, 0, 9);
    const struct dp_esp_sa *sa = spd_probe6(&db, src, dst);
    assert_non_null(sa);
    assert_int_equal(sa->spi, 0xa2);
    /* The /48's last address is in, the address below its first is not. */
    memcpy(src, here6, 16);
    memset(src + 6, 0xff, 10);
    sa = spd_probe6(&db, src, dst);
    assert_non_null(sa);
    assert_int_equal(sa->spi, 0xa2);
    addr6(src, 0, 0xffff, 0xffff);
    memset(src + 8, 0xff, 8);
    assert_null(spd_probe6(&db, src, dst));
    /* B's range: both ends in, one past each out. */
    addr6(src, 1, 0, 5);
    static const struct {
        uint16_t last;
        uint32_t spi; /* 0: none */
    } b_cases[] = {{0x10, 0xb2}, {0xff, 0xb2}, {0x0f, 0}, {0x100, 0}};
    for (size_t i = 0; i < 4; i++) {
        addr6(dst, 3, 0, b_cases[i].last);
        sa = spd_probe6(&db, src, dst);
        if (b_cases[i].spi == 0) {
            assert_null(sa);
        } else {
            assert_non_null(sa);
            assert_int_equal(sa->spi, b_cases[i].spi);
        }
    }
    /* Destination to us, reversed: no outbound SA. */
    addr6(dst, 1, 0, 7);
    assert_null(spd_probe6(&db, src, dst));
    /* IPv4: C; B's IPv4 destination range does not help without an IPv4 source selector. */
    sa = spd_probe4(&db, ip4(here4), ip4(there4));
    assert_non_null(sa);
    assert_int_equal(sa->spi, 0xc2);
    assert_null(spd_probe4(&db, ip4(here4), ip4((const uint8_t[]){10, 3, 0, 1})));
    /* An IPv4-mapped IPv6 address is IPv6 to the policy: C's IPv4 ranges do not cover it. */
    uint8_t mapped_src[16] = {[10] = 0xff, [11] = 0xff, 10, 1, 0, 1};
    uint8_t mapped_dst[16] = {[10] = 0xff, [11] = 0xff, 10, 2, 0, 2};
    assert_null(spd_probe6(&db, mapped_src, mapped_dst));
    /* A rekey of A with the same selectors takes the traffic from now on (RFC 7296 2.8). */
    struct ike_child_sa a2 = a;
    a2.spi_in = 0xd1;
    a2.spi_out = 0xd2;
    assert_int_equal(dp_sadb_install(&db, &a2, why, sizeof(why)), 0);
    addr6(src, 1, 0, 5);
    addr6(dst, 2, 0, 9);
    sa = spd_probe6(&db, src, dst);
    assert_non_null(sa);
    assert_int_equal(sa->spi, 0xd2);
    assert_int_equal(dp_sadb_remove(&db, &a2), 0);
    sa = spd_probe6(&db, src, dst);
    assert_non_null(sa);
    assert_int_equal(sa->spi, 0xa2);
    dp_sadb_free(&db);
}

/* Outer families that differ, or that are neither 4 nor 6, are refused at install. */
static void test_install_families(void **state)
{
    (void)state;
    static const uint8_t fam[][2] = {{4, 6}, {6, 4}, {0, 0}, {6, 6}, {4, 4}};
    for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
        const struct combo k = {6, 6, &algs[0], true};
        struct ike_child_sa c = child_for(&k);
        c.local.family = fam[i][0];
        c.remote.family = fam[i][1];
        struct dp_sadb db;
        char err[64], why[160] = "";
        assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
        bool ok = fam[i][0] == fam[i][1] && fam[i][0] != 0;
        assert_int_equal(dp_sadb_install(&db, &c, why, sizeof(why)), ok ? 0 : -ENOTSUP);
        assert_int_equal(db.out->n, ok ? 1 : 0);
        if (ok) {
            const struct dp_esp_sa *sa = db.out->sa[0];
            assert_int_equal(sa->outer_family, fam[i][0]);
            assert_memory_equal(sa->remote_ip6, c.remote.ip, fam[i][0] == 6 ? 16 : 4);
            assert_int_equal(sa->remote_port, NAT_T_PORT);
        } else {
            assert_true(strlen(why) > 0);
        }
        dp_sadb_free(&db);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_every_combination, esp_db_teardown),
        cmocka_unit_test_teardown(test_max_inner, esp_db_teardown),
        cmocka_unit_test_teardown(test_malformed_ipv6_outer, esp_db_teardown),
        cmocka_unit_test_teardown(test_inner_checks, esp_db_teardown),
        cmocka_unit_test_teardown(test_encrypt_not_ip, esp_db_teardown),
        cmocka_unit_test(test_spd6),
        cmocka_unit_test(test_install_families),
    };
    return cmocka_run_group_tests(tests, group_setup, test_eal_teardown);
}
