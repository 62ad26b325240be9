/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/dp's ESP engine on mbufs (EAL with --no-huge, no ports), checked
 * against OpenSSL as an independent implementation: every packet veer seals
 * is opened with OpenSSL (HMAC, AES-CBC, AES-GCM) and every packet OpenSSL
 * seals is opened by veer, for every algorithm, with and without ESN. Then
 * the sequence numbers across 2^32, their exhaustion and the rekey request,
 * the replay window's edges, and every kind of bad packet, each with its
 * counter (a padding wrong in its last byte only among them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp_esp.h"
#include "spd_probe.h"
#include "dp_pkt.h"
#include "esp_db.h"
#include "esp_ossl.h"
#include "ike_consts.h"
#include "test_eal.h"

#define SPI_IN 0x1000u
#define SPI_OUT 0x2000u
#define ETH 14
#define OUTER (ETH + 20 + 8) /* Ethernet, IPv4, UDP 4500: where the ESP header starts */

static struct rte_mempool *pool;
static struct dp_esp_engine eng;

static const struct esp_alg algs[] = {
    {"aes128gcm16", IKE_ENCR_AES_GCM_16, 128, 0, 0, 16, "AES-128-GCM", NULL},
    {"aes192gcm16", IKE_ENCR_AES_GCM_16, 192, 0, 0, 16, "AES-192-GCM", NULL},
    {"aes256gcm16", IKE_ENCR_AES_GCM_16, 256, 0, 0, 16, "AES-256-GCM", NULL},
    {"aes128-sha256", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 32, 16, "AES-128-CBC",
     "SHA256"},
    {"aes256-sha256", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 32, 16, "AES-256-CBC",
     "SHA256"},
    {"aes192-sha256", IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_256_128, 32, 16, "AES-192-CBC",
     "SHA256"},
    {"aes128-sha384", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_384_192, 48, 24, "AES-128-CBC",
     "SHA384"},
    {"aes256-sha512", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, 64, 32, "AES-256-CBC",
     "SHA512"},
    {"aes128-sha1", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 20, 12, "AES-128-CBC", "SHA1"},
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

/* ---- setup ---- */

static int group_setup(void **state)
{
    (void)state;
    return test_eal_esp("test_esp", "512", 512, &pool, &eng);
}

/* A Child SA with distinct, reproducible keys in each direction. */
static struct ike_child_sa child_for(const struct esp_alg *a, bool esn)
{
    struct ike_child_sa c;
    esp_child_keyed(&c, a, esn, SPI_IN, SPI_OUT, (struct esp_key_seed){0x10, 0x80, 0x40, 0xc0}, 0);
    esp_child_v4_any(&c);
    return c;
}

struct env {
    struct esp_db s;
    struct ike_child_sa child;
    const struct esp_alg *alg;
    struct dp_esp_sa *in, *out;
    struct dp_worker_counters c;
};

static void env_open(struct env *e, const struct esp_alg *a, bool esn, uint32_t window)
{
    memset(e, 0, sizeof(*e));
    char why[160] = "";
    esp_db_open(&e->s);
    if (window != 0)
        e->s.db.replay_window = window;
    e->alg = a;
    e->child = child_for(a, esn);
    int rc = dp_sadb_install(&e->s.db, &e->child, why, sizeof(why));
    if (rc != 0)
        fail_msg("%s: install refused: %s", a->name, why);
    e->in = esp_db_sa_in(&e->s, SPI_IN);
    e->out = spd_probe4(&e->s.db, rte_cpu_to_be_32(0x0a010001), rte_cpu_to_be_32(0x0a020002));
    assert_non_null(e->out);
}

/* ---- frames ---- */

/* A plaintext Ethernet + IPv4 + UDP frame with `payload` bytes of a pattern. */
static struct rte_mbuf *plain_frame(size_t payload, uint8_t fill)
{
    static const struct rte_ether_addr a = {{2, 0, 0, 0, 0, 1}}, b = {{2, 0, 0, 0, 0, 2}};
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    for (size_t i = 0; i < payload; i++)
        *rte_pktmbuf_mtod_offset(m, uint8_t *, 42 + i) = (uint8_t)(fill + i);
    dp_build_udp4(m, &a, &b, rte_cpu_to_be_32(0x0a010001), rte_cpu_to_be_32(0x0a020002), 1000, 2000,
                  payload);
    return m;
}

/* Encrypts a plaintext frame with veer; returns the ESP frame (Ethernet header put back). */
static struct rte_mbuf *veer_seal(struct env *e, struct rte_mbuf *m)
{
    assert_int_equal(dp_esp_encrypt(&eng, e->out, m, ETH, &e->c), 0);
    assert_non_null(rte_pktmbuf_prepend(m, ETH));
    return m;
}

static int veer_open(struct env *e, struct rte_mbuf *m)
{
    return dp_esp_decrypt(&eng, &e->s.db, m, OUTER, &e->c);
}

/* ---- OpenSSL's side ---- */

/* An inner IPv4 packet of `len` bytes, then the ESP trailer with `pad` padding bytes. */
static size_t inner_with_trailer(size_t len, size_t pad, uint8_t next, uint8_t *pt)
{
    memset(pt, 0, 20);
    pt[0] = 0x45;
    pt[2] = (uint8_t)(len >> 8);
    pt[3] = (uint8_t)len;
    pt[8] = 64;
    pt[9] = 17;
    memcpy(pt + 12, (const uint8_t[]){10, 2, 0, 2, 10, 1, 0, 1}, 8);
    for (size_t i = 20; i < len; i++)
        pt[i] = (uint8_t)(i * 13);
    for (size_t i = 0; i < pad; i++)
        pt[len + i] = (uint8_t)(i + 1);
    pt[len + pad] = (uint8_t)pad;
    pt[len + pad + 1] = next;
    return len + pad + 2;
}

/* The padding RFC 4303 2.4 asks for: up to the cipher's block (16 for CBC, 4 for GCM). */
static size_t default_pad(const struct esp_alg *a, size_t len)
{
    size_t block = esp_alg_is_gcm(a) ? 4 : 16;
    return (block - (len + 2) % block) % block;
}

/* An ESP-in-UDP frame around an ESP packet OpenSSL made. */
static struct rte_mbuf *esp_frame(const uint8_t *esp, size_t len)
{
    static const struct rte_ether_addr a = {{2, 0, 0, 0, 0, 2}}, b = {{2, 0, 0, 0, 0, 1}};
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, OUTER), esp, len);
    dp_build_udp4(m, &a, &b, rte_cpu_to_be_32(0xc6336402), rte_cpu_to_be_32(0xc6336401), 4500, 4500,
                  len);
    return m;
}

static struct rte_mbuf *forged(struct env *e, uint64_t seq, size_t inner, size_t pad, uint8_t next)
{
    uint8_t pt[1600], esp[1700];
    size_t ptl = inner_with_trailer(inner, pad, next, pt);
    return esp_frame(esp, esp_ossl_seal(e->alg, &e->child, seq, pt, ptl, esp));
}

/* ---- tests ---- */

/* veer seals, OpenSSL opens: the ICV, the cipher, the padding 1, 2, 3 ... and next header 4. */
static void veer_to_openssl(const struct esp_alg *a, bool esn)
{
    struct env e;
    env_open(&e, a, esn, 0);
    static const size_t sizes[] = {0, 1, 13, 14, 15, 16, 100, 1358};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        struct rte_mbuf *m = veer_seal(&e, plain_frame(sizes[k], (uint8_t)k));
        const uint8_t *esp = rte_pktmbuf_mtod_offset(m, const uint8_t *, OUTER);
        size_t len = rte_pktmbuf_data_len(m) - OUTER;
        assert_int_equal((uint32_t)esp[0] << 24 | (uint32_t)esp[1] << 16 | esp[2] << 8 | esp[3],
                         SPI_OUT);
        assert_int_equal(esp[7], k + 1); /* sequence numbers 1, 2, 3 ... */
        uint8_t pt[2048];
        int n = esp_ossl_open(a, &e.child, true, esp, len, k + 1, pt);
        if (n < 0)
            fail_msg("%s%s: OpenSSL refused veer's packet of %zu bytes", a->name, esn ? "-esn" : "",
                     sizes[k]);
        size_t inner = 28 + sizes[k], pad = default_pad(a, inner);
        assert_int_equal((size_t)n, inner + pad + 2);
        assert_int_equal(pt[0], 0x45);
        for (size_t i = 0; i < sizes[k]; i++)
            assert_int_equal(pt[28 + i], (uint8_t)(k + i));
        for (size_t i = 0; i < pad; i++)
            assert_int_equal(pt[inner + i], i + 1);
        assert_int_equal(pt[n - 2], pad);
        assert_int_equal(pt[n - 1], 4);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(e.c.esp_encrypted, 8);
    esp_db_close(&e.s);
}

/* OpenSSL seals, veer opens, and the inner packet comes out whole. */
static void openssl_to_veer(const struct esp_alg *a, bool esn)
{
    struct env e;
    env_open(&e, a, esn, 0);
    static const size_t sizes[] = {20, 21, 36, 1400};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        uint8_t pt[1600];
        inner_with_trailer(sizes[k], 0, 4, pt);
        struct rte_mbuf *m = forged(&e, k + 1, sizes[k], default_pad(a, sizes[k]), 4);
        if (veer_open(&e, m) != 0)
            fail_msg("%s%s: veer refused OpenSSL's packet of %zu bytes (icv %llu)", a->name,
                     esn ? "-esn" : "", sizes[k], (unsigned long long)e.c.drop_esp_bad_icv);
        assert_int_equal(rte_pktmbuf_pkt_len(m), sizes[k]);
        assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), pt, sizes[k]);
        rte_pktmbuf_free(m);
    }
    assert_int_equal(e.c.esp_decrypted, 4);
    esp_db_close(&e.s);
}

static void test_every_algorithm(void **state)
{
    (void)state;
    for (size_t i = 0; i < NALGS; i++) {
        for (int esn = 0; esn <= 1; esn++) {
            veer_to_openssl(&algs[i], esn);
            openssl_to_veer(&algs[i], esn);
        }
    }
}

/* veer to veer: one SA's keys both ways (the same SPI and key in and out). */
static void test_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < NALGS; i++) {
        struct env e;
        env_open(&e, &algs[i], i % 2 == 0, 0);
        /* Make the inbound SA the outbound one's mirror. */
        struct ike_child_sa c = e.child;
        esp_db_close(&e.s);
        c.spi_in = c.spi_out;
        memcpy(c.encr_in, c.encr_out, sizeof(c.encr_in));
        memcpy(c.integ_in, c.integ_out, sizeof(c.integ_in));
        char why[160];
        esp_db_open(&e.s);
        assert_int_equal(dp_sadb_install(&e.s.db, &c, why, sizeof(why)), 0);
        e.out = spd_probe4(&e.s.db, rte_cpu_to_be_32(0x0a010001), rte_cpu_to_be_32(0x0a020002));
        for (size_t len = 0; len < 300; len += 37) {
            struct rte_mbuf *m = veer_seal(&e, plain_frame(len, (uint8_t)len));
            assert_int_equal(veer_open(&e, m), 0);
            assert_int_equal(rte_pktmbuf_pkt_len(m), 28 + len);
            for (size_t k = 0; k < len; k++)
                assert_int_equal(*rte_pktmbuf_mtod_offset(m, uint8_t *, 28 + k),
                                 (uint8_t)(len + k));
            rte_pktmbuf_free(m);
        }
        esp_db_close(&e.s);
    }
}

/* Two packets with the same plaintext get different, unpredictable-looking IVs under CBC. */
static void test_cbc_iv_differs(void **state)
{
    (void)state;
    struct env e;
    env_open(&e, &algs[3], false, 0);
    uint8_t iv[2][16], ct[2][16];
    for (int k = 0; k < 2; k++) {
        struct rte_mbuf *m = veer_seal(&e, plain_frame(40, 7));
        memcpy(iv[k], rte_pktmbuf_mtod_offset(m, uint8_t *, OUTER + 8), 16);
        memcpy(ct[k], rte_pktmbuf_mtod_offset(m, uint8_t *, OUTER + 24), 16);
        rte_pktmbuf_free(m);
    }
    assert_memory_not_equal(iv[0], iv[1], 16);
    assert_memory_not_equal(ct[0], ct[1], 16);
    /* Not the sequence number in clear, nor mostly zero. */
    unsigned zeros = 0;
    for (int i = 0; i < 16; i++)
        zeros += iv[1][i] == 0;
    assert_true(zeros < 8);
    esp_db_close(&e.s);
}

/* ESN across 2^32: the high bits are in the ICV and inferred on receipt (RFC 4303 A2). */
static void test_esn_across_2_32(void **state)
{
    (void)state;
    for (size_t i = 0; i < NALGS; i++) {
        const struct esp_alg *a = &algs[i];
        struct env e;
        env_open(&e, a, true, 64);
        e.out->seq = 0xfffffffeull;
        for (uint64_t want = 0xffffffffull; want <= 0x100000001ull; want++) {
            struct rte_mbuf *m = veer_seal(&e, plain_frame(30, 1));
            const uint8_t *esp = rte_pktmbuf_mtod_offset(m, const uint8_t *, OUTER);
            size_t len = rte_pktmbuf_data_len(m) - OUTER;
            uint8_t pt[256];
            assert_int_equal((uint32_t)esp[4] << 24 | (uint32_t)esp[5] << 16 | esp[6] << 8 | esp[7],
                             (uint32_t)want);
            assert_true(esp_ossl_open(a, &e.child, true, esp, len, want, pt) > 0);
            /* The same bytes with the high bits wrong do not verify. */
            assert_int_equal(esp_ossl_open(a, &e.child, true, esp, len, want ^ (1ull << 32), pt),
                             -1);
            rte_pktmbuf_free(m);
        }
        /* Inbound: top just below 2^32; packets from the next subspace are accepted. */
        e.in->replay.top = 0xfffffff0ull;
        static const uint64_t seqs[] = {0xfffffff8ull, 0x100000000ull, 0x100000003ull,
                                        0xfffffffaull, 0x100000001ull};
        for (size_t k = 0; k < 5; k++)
            assert_int_equal(
                veer_open(&e, forged(&e, seqs[k], 20, default_pad(a, 20), 4)) == 0 ? 0 : 1, 0);
        assert_int_equal(e.in->replay.top, 0x100000003ull);
        /* A packet made with the wrong high bits (one subspace behind) fails the ICV. */
        uint64_t before = e.c.drop_esp_bad_icv;
        struct rte_mbuf *m = forged(&e, 0x000000004ull, 20, default_pad(a, 20), 4);
        assert_int_equal(veer_open(&e, m), -1);
        assert_int_equal(e.c.drop_esp_bad_icv, before + 1);
        rte_pktmbuf_free(m);
        /* Replayed across the boundary. */
        m = forged(&e, 0x100000000ull, 20, default_pad(a, 20), 4);
        assert_int_equal(veer_open(&e, m), -1);
        assert_int_equal(e.c.drop_esp_replayed, 1);
        rte_pktmbuf_free(m);
        esp_db_close(&e.s);
    }
}

/* An outbound SA never wraps: the last number is sent, then every packet is a counted drop. */
static void test_sequence_exhaustion(void **state)
{
    (void)state;
    for (int esn = 0; esn <= 1; esn++) {
        struct env e;
        env_open(&e, &algs[3], esn, 0);
        const struct dp_esp_sa *due[4];
        assert_int_equal(dp_sadb_rekeys_wanted(&e.s.db, due, 4), 0);
        e.out->seq = e.out->seq_max - 2;
        for (int k = 0; k < 2; k++)
            rte_pktmbuf_free(veer_seal(&e, plain_frame(10, 0)));
        assert_int_equal(e.out->seq, e.out->seq_max);
        for (int k = 0; k < 3; k++) {
            struct rte_mbuf *m = plain_frame(10, 0);
            assert_int_equal(dp_esp_encrypt(&eng, e.out, m, ETH, &e.c), -1);
            rte_pktmbuf_free(m);
        }
        assert_int_equal(e.c.drop_esp_seq_exhausted, 3);
        assert_int_equal(e.out->seq, e.out->seq_max);
        /* The rekey request is reported once, with the Child SA it belongs to. */
        assert_int_equal(dp_sadb_rekeys_wanted(&e.s.db, due, 4), 1);
        assert_ptr_equal(due[0], e.out);
        assert_int_equal(due[0]->child_spi_in, SPI_IN);
        assert_int_equal(dp_sadb_rekeys_wanted(&e.s.db, due, 4), 0);
        esp_db_close(&e.s);
    }
    /* The request comes at three quarters of the space, long before the end. */
    struct env e;
    env_open(&e, &algs[0], false, 0);
    const struct dp_esp_sa *due[4];
    e.out->seq = 0xbffffffeull;
    rte_pktmbuf_free(veer_seal(&e, plain_frame(10, 0)));
    assert_int_equal(dp_sadb_rekeys_wanted(&e.s.db, due, 4), 0);
    rte_pktmbuf_free(veer_seal(&e, plain_frame(10, 0)));
    assert_int_equal(dp_sadb_rekeys_wanted(&e.s.db, due, 4), 1);
    esp_db_close(&e.s);
}

/* The window's pure functions: every edge, for several sizes. */
static void test_replay_window(void **state)
{
    (void)state;
    static const uint32_t windows[] = {64, 100, 1024, 4096};
    static uint64_t bits[128];
    for (size_t w = 0; w < 4; w++) {
        uint32_t W = windows[w];
        struct dp_replay r;
        memset(bits, 0xff, sizeof(bits));        /* init must not trust the memory... */
        memset(bits, 0, dp_replay_words(W) * 8); /* ...beyond what it was given, zeroed */
        dp_replay_init(&r, W, bits);
        assert_true(dp_replay_words(W) <= 128);
        assert_true(dp_replay_words(W) * 64 >= W + 64);
        assert_int_equal(dp_replay_check(&r, 0), DP_REPLAY_TOO_OLD);
        assert_int_equal(dp_replay_check(&r, 1), DP_REPLAY_OK);
        dp_replay_update(&r, 1);
        assert_int_equal(dp_replay_check(&r, 1), DP_REPLAY_SEEN);
        /* Slide to 5000: 1 is far behind, the whole window below 5000 is new. */
        dp_replay_update(&r, 5000);
        assert_int_equal(dp_replay_check(&r, 5000), DP_REPLAY_SEEN);
        assert_int_equal(dp_replay_check(&r, 5000 - W + 1), DP_REPLAY_OK);
        assert_int_equal(dp_replay_check(&r, 5000 - W), DP_REPLAY_TOO_OLD);
        for (uint64_t s = 5000 - W + 1; s < 5000; s++)
            assert_int_equal(dp_replay_check(&r, s), DP_REPLAY_OK);
        /* Fill the window out of order, then every one is seen. */
        for (uint64_t s = 5000 - W + 1; s < 5000; s += 2)
            dp_replay_update(&r, s);
        for (uint64_t s = 5000 - W + 2; s < 5000; s += 2)
            dp_replay_update(&r, s);
        for (uint64_t s = 5000 - W + 1; s <= 5000; s++)
            assert_int_equal(dp_replay_check(&r, s), DP_REPLAY_SEEN);
        /* A small slide: the old marks that stay inside stay, the new ones are clear. */
        dp_replay_update(&r, 5070);
        for (uint64_t s = 5070 - W + 1; s <= 5000; s++)
            assert_int_equal(dp_replay_check(&r, s), DP_REPLAY_SEEN);
        for (uint64_t s = 5001; s < 5070; s++)
            assert_int_equal(dp_replay_check(&r, s),
                             5070 - s < W ? DP_REPLAY_OK : DP_REPLAY_TOO_OLD);
        assert_int_equal(dp_replay_check(&r, 5070 - W), DP_REPLAY_TOO_OLD);
        /* A jump of exactly the window, and one far past the ring. */
        dp_replay_update(&r, 5070 + W);
        for (uint64_t s = 5071; s < 5070 + W; s++)
            assert_int_equal(dp_replay_check(&r, s), DP_REPLAY_OK);
        assert_int_equal(dp_replay_check(&r, 5070), DP_REPLAY_TOO_OLD);
        dp_replay_update(&r, 1ull << 40);
        for (uint64_t s = (1ull << 40) - W + 1; s < (1ull << 40); s++)
            assert_int_equal(dp_replay_check(&r, s), DP_REPLAY_OK);
        /* Near 2^64 - 1 nothing overflows. */
        dp_replay_update(&r, UINT64_MAX);
        assert_int_equal(dp_replay_check(&r, UINT64_MAX), DP_REPLAY_SEEN);
        assert_int_equal(dp_replay_check(&r, UINT64_MAX - 1), DP_REPLAY_OK);
        assert_int_equal(dp_replay_check(&r, UINT64_MAX - W), DP_REPLAY_TOO_OLD);
    }
}

/* RFC 4303 A2.2, both cases and their edges, against the same rule written out plainly. */
static void test_esn_inference(void **state)
{
    (void)state;
    uint64_t bits[4] = {0};
    struct dp_replay r;
    dp_replay_init(&r, 64, bits);
    /* Case A: window inside one subspace (Tl >= W - 1). Th = 5, Tl = 1000. */
    r.top = 5ull << 32 | 1000;
    assert_true(dp_esn_infer(&r, 1000) == (5ull << 32 | 1000));
    assert_true(dp_esn_infer(&r, 937) == (5ull << 32 | 937)); /* the window's bottom */
    assert_true(dp_esn_infer(&r, 936) == (6ull << 32 | 936)); /* below it: next subspace */
    assert_true(dp_esn_infer(&r, 0xffffffff) == (5ull << 32 | 0xffffffff));
    assert_true(dp_esn_infer(&r, 0) == (6ull << 32));
    /* Case B: the window spans (Tl < W - 1). Th = 5, Tl = 10: bottom is 2^32 - 53. */
    r.top = 5ull << 32 | 10;
    assert_true(dp_esn_infer(&r, 10) == (5ull << 32 | 10));
    assert_true(dp_esn_infer(&r, 0xffffffcb) == (4ull << 32 | 0xffffffcb));
    assert_true(dp_esn_infer(&r, 0xffffffca) == (5ull << 32 | 0xffffffca));
    assert_true(dp_esn_infer(&r, 0) == (5ull << 32));
    /* The edges of the number space: nothing below 0, nothing past 2^64 - 1. */
    r.top = 10;
    assert_true(dp_esn_infer(&r, 0xfffffff0) == 0);
    assert_true(dp_esn_infer(&r, 3) == 3);
    r.top = 0;
    assert_true(dp_esn_infer(&r, 1) == 1);
    r.top = UINT64_MAX;
    assert_true(dp_esn_infer(&r, 5) == 0);
}

/* Duplicates, too old, window slides and big jumps through whole packets and counters. */
static void test_replay_packets(void **state)
{
    (void)state;
    struct env e;
    env_open(&e, &algs[3], false, 64);
    const struct esp_alg *a = e.alg;
    struct rte_mbuf *m;
#define EXPECT(seq, rc)                                                                            \
    do {                                                                                           \
        m = forged(&e, (seq), 20, default_pad(a, 20), 4);                                          \
        assert_int_equal(veer_open(&e, m), (rc));                                                  \
        rte_pktmbuf_free(m);                                                                       \
    } while (0)
    EXPECT(1, 0);
    EXPECT(1, -1);
    assert_int_equal(e.c.drop_esp_replayed, 1);
    EXPECT(100, 0);
    EXPECT(37, 0);  /* the bottom of the window: 100 - 63 */
    EXPECT(36, -1); /* just below */
    assert_int_equal(e.c.drop_esp_too_old, 1);
    EXPECT(37, -1);
    assert_int_equal(e.c.drop_esp_replayed, 2);
    EXPECT(100000, 0); /* a big jump */
    EXPECT(99999, 0);
    EXPECT(100, -1);
    assert_int_equal(e.c.drop_esp_too_old, 2);
    EXPECT(0, -1); /* never sent */
    assert_int_equal(e.c.drop_esp_too_old, 3);
    /* A forged packet does not move the window: a genuine one with its number still passes. */
    m = forged(&e, 100010, 20, default_pad(a, 20), 4);
    rte_pktmbuf_mtod_offset(m, uint8_t *, rte_pktmbuf_data_len(m) - 1)[0] ^= 1;
    assert_int_equal(veer_open(&e, m), -1);
    rte_pktmbuf_free(m);
    assert_int_equal(e.c.drop_esp_bad_icv, 1);
    assert_int_equal(e.in->replay.top, 100000);
    EXPECT(100010, 0);
    assert_int_equal(e.c.esp_decrypted, 6);
#undef EXPECT
    esp_db_close(&e.s);
}

/* Authentic packets with a bad trailer: each reason has its counter. */
static void test_bad_trailers(void **state)
{
    (void)state;
    for (size_t i = 0; i < NALGS; i++) {
        const struct esp_alg *a = &algs[i];
        struct env e;
        env_open(&e, a, i % 2 == 1, 0);
        uint64_t seq = 1;
        /* Padding 1, 2, 4 instead of 1, 2, 3. */
        uint8_t pt[256], esp[512];
        size_t pad = default_pad(a, 20) + (esp_alg_is_gcm(a) ? 4 : 16);
        size_t ptl = inner_with_trailer(20, pad, 4, pt);
        pt[20 + 2] = 4;
        struct rte_mbuf *m = esp_frame(esp, esp_ossl_seal(a, &e.child, seq++, pt, ptl, esp));
        assert_int_equal(veer_open(&e, m), -1);
        rte_pktmbuf_free(m);
        assert_int_equal(e.c.drop_esp_bad_padding, 1);
        /* Next header 41 (IPv6), 59 (dummy). */
        m = forged(&e, seq++, 20, default_pad(a, 20), 41);
        assert_int_equal(veer_open(&e, m), -1);
        rte_pktmbuf_free(m);
        assert_int_equal(e.c.drop_esp_bad_next_header, 1);
        m = forged(&e, seq++, 20, default_pad(a, 20), 59);
        assert_int_equal(veer_open(&e, m), -1);
        rte_pktmbuf_free(m);
        assert_int_equal(e.c.drop_esp_dummy, 1);
        /* A pad length longer than the payload. */
        ptl = inner_with_trailer(20, default_pad(a, 20), 4, pt);
        pt[ptl - 2] = 250;
        m = esp_frame(esp, esp_ossl_seal(a, &e.child, seq++, pt, ptl, esp));
        assert_int_equal(veer_open(&e, m), -1);
        rte_pktmbuf_free(m);
        assert_int_equal(e.c.drop_esp_bad_trailer, 1);
        /* None of them was counted as decrypted, all moved the window (they were authentic). */
        assert_int_equal(e.c.esp_decrypted, 0);
        assert_int_equal(e.in->replay.top, seq - 1);
        esp_db_close(&e.s);
    }
}

/*
 * Padding whose last byte alone is wrong, under a valid ICV: every padding
 * byte is checked, the last one too, whatever the padding's length (one
 * byte, or a block more than needed). The same packets with the right last
 * byte open.
 */
static void test_padding_last_byte(void **state)
{
    (void)state;
    for (size_t i = 0; i < NALGS; i++) {
        const struct esp_alg *a = &algs[i];
        size_t block = esp_alg_is_gcm(a) ? 4 : 16;
        struct env e;
        env_open(&e, a, i % 2 == 0, 0);
        uint64_t seq = 1;
        /* An inner length whose default padding is 1 byte (21 or 29), then one block and more. */
        const size_t inner[] = {(20 + 3 + block - 1) / block * block - 3, 20};
        const size_t pads[] = {1, default_pad(a, 20) + block};
        for (size_t k = 0; k < 2; k++) {
            uint8_t pt[256], esp[512];
            size_t ptl = inner_with_trailer(inner[k], pads[k], 4, pt);
            assert_int_equal(ptl % block, 0);
            uint8_t *last = &pt[inner[k] + pads[k] - 1];
            assert_int_equal(*last, pads[k]);
            *last = (uint8_t)(pads[k] + 1);
            struct rte_mbuf *m = esp_frame(esp, esp_ossl_seal(a, &e.child, seq++, pt, ptl, esp));
            if (veer_open(&e, m) != -1)
                fail_msg("%s: padding ending in %u instead of %zu taken", a->name, *last, pads[k]);
            rte_pktmbuf_free(m);
            assert_int_equal(e.c.drop_esp_bad_padding, k + 1);
            assert_int_equal(e.c.esp_decrypted, k);
            *last = (uint8_t)pads[k];
            m = esp_frame(esp, esp_ossl_seal(a, &e.child, seq++, pt, ptl, esp));
            assert_int_equal(veer_open(&e, m), 0);
            assert_int_equal(rte_pktmbuf_pkt_len(m), inner[k]);
            rte_pktmbuf_free(m);
            assert_int_equal(e.c.esp_decrypted, k + 1);
        }
        assert_int_equal(e.c.drop_esp_bad_padding, 2);
        assert_int_equal(e.c.drop_esp_bad_trailer, 0);
        assert_int_equal(e.c.drop_esp_bad_icv, 0);
        esp_db_close(&e.s);
    }
}

/* Every truncation of a genuine packet and every flipped bit of its ESP part are refused. */
static void test_truncated_and_corrupted(void **state)
{
    (void)state;
    for (size_t i = 0; i < NALGS; i++) {
        const struct esp_alg *a = &algs[i];
        struct env e;
        env_open(&e, a, i % 2 == 0, 4096);
        uint8_t pt[256], esp[512];
        size_t ptl = inner_with_trailer(40, default_pad(a, 40), 4, pt);
        size_t len = esp_ossl_seal(a, &e.child, 7, pt, ptl, esp);
        for (size_t cut = 0; cut < len; cut++) {
            struct rte_mbuf *m = esp_frame(esp, cut);
            assert_int_equal(veer_open(&e, m), -1);
            rte_pktmbuf_free(m);
        }
        for (size_t bit = 8 * 8; bit < len * 8; bit += 5) { /* past SPI and sequence number */
            uint8_t bad[512];
            memcpy(bad, esp, len);
            bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            struct rte_mbuf *m = esp_frame(bad, len);
            assert_int_equal(veer_open(&e, m), -1);
            rte_pktmbuf_free(m);
        }
        uint64_t refused = e.c.drop_esp_runt + e.c.drop_esp_bad_length + e.c.drop_esp_bad_icv +
                           e.c.drop_esp_unknown_spi + e.c.drop_esp_too_old;
        assert_int_equal(refused, len + (len * 8 - 64 + 4) / 5);
        assert_int_equal(e.c.esp_decrypted, 0);
        if (!esp_alg_is_gcm(a))
            assert_true(e.c.drop_esp_bad_length > 0); /* cuts inside a cipher block */
        /* The genuine one still passes: nothing before moved the window. */
        struct rte_mbuf *m = esp_frame(esp, len);
        assert_int_equal(veer_open(&e, m), 0);
        rte_pktmbuf_free(m);
        esp_db_close(&e.s);
    }
}

/* What the ESP engine cannot do is refused at install, with a reason, and nothing is installed. */
static void test_unsupported_refused(void **state)
{
    (void)state;
    struct ike_child_sa bad[6];
    for (int i = 0; i < 6; i++)
        bad[i] = child_for(&algs[3], false);
    bad[0].alg.encr.id = IKE_ENCR_AES_GCM_12;
    bad[0].alg.integ = 0;
    bad[0].encr_key_len = 20;
    bad[1].alg.integ = IKE_INTEG_AES_XCBC_96;
    bad[2].alg.encr.id = IKE_ENCR_CHACHA20_POLY1305;
    bad[3].remote.family = 6;  /* outer families differ */
    bad[4].integ_key_len = 20; /* SHA-256 with a SHA-1-sized key */
    bad[5].alg.encr.key_bits = 512;
    for (int i = 0; i < 6; i++) {
        struct dp_sadb db;
        char err[64], why[160] = "";
        assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
        assert_int_equal(dp_sadb_install(&db, &bad[i], why, sizeof(why)), -ENOTSUP);
        assert_true(strlen(why) > 0);
        uint32_t spi = SPI_IN;
        void *d;
        assert_true(rte_hash_lookup_data(db.in, &spi, &d) < 0);
        assert_int_equal(db.out->n, 0);
        dp_sadb_free(&db);
    }
    /* The window's bounds are the dataplane's too. */
    struct dp_sadb db;
    char err[64], why[160] = "";
    assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
    db.replay_window = 5000;
    struct ike_child_sa ok = child_for(&algs[3], false);
    assert_true(dp_sadb_install(&db, &ok, why, sizeof(why)) < 0);
    dp_sadb_free(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_every_algorithm, esp_db_teardown),
        cmocka_unit_test_teardown(test_round_trip, esp_db_teardown),
        cmocka_unit_test_teardown(test_cbc_iv_differs, esp_db_teardown),
        cmocka_unit_test_teardown(test_esn_across_2_32, esp_db_teardown),
        cmocka_unit_test_teardown(test_sequence_exhaustion, esp_db_teardown),
        cmocka_unit_test_teardown(test_replay_window, esp_db_teardown),
        cmocka_unit_test_teardown(test_esn_inference, esp_db_teardown),
        cmocka_unit_test_teardown(test_replay_packets, esp_db_teardown),
        cmocka_unit_test_teardown(test_bad_trailers, esp_db_teardown),
        cmocka_unit_test_teardown(test_padding_last_byte, esp_db_teardown),
        cmocka_unit_test_teardown(test_truncated_and_corrupted, esp_db_teardown),
        cmocka_unit_test_teardown(test_unsupported_refused, esp_db_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, test_eal_teardown);
}
