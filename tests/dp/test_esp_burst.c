/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/dp's burst crypto step (dp_esp_encrypt_burst, dp_esp_decrypt_burst):
 * bursts of mixed sizes over mixed SAs (AES-GCM and AES-CBC with several key
 * sizes and HMACs, with and without ESN) come out byte for byte as the
 * per-packet calls make them and as OpenSSL, an independent implementation,
 * opens or seals them. A bad ICV, a repeated sequence number or a job the
 * library refuses in the middle of a burst drops that packet alone, with its
 * counter, and an inauthentic CBC packet is never decrypted.
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

#include "dp_esp.h"
#include "dp_pkt.h"
#include "esp_db.h"
#include "esp_ossl.h"
#include "ike_consts.h"
#include "test_eal.h"

#define ETH 14
#define OUTER (ETH + 20 + 8) /* Ethernet, IPv4, UDP 4500: where the ESP header starts */
#define MAX_PKTS 40          /* more than one DP_ESP_BURST: the chunking is exercised too */

static struct rte_mempool *pool;
static struct dp_esp_engine eng;

/* One SA of a burst: its algorithm, and whether it has ESN. */
struct burst_alg {
    struct esp_alg alg;
    bool esn;
};

/* The SAs of one burst, side by side in one SA database. */
static const struct burst_alg algs[] = {
    {{"aes128gcm16", IKE_ENCR_AES_GCM_16, 128, 0, 0, 16, "AES-128-GCM", NULL}, false},
    {{"aes128-sha256", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 32, 16, "AES-128-CBC",
      "SHA256"},
     false},
    {{"aes256-sha256-esn", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 32, 16,
      "AES-256-CBC", "SHA256"},
     true},
    {{"aes256gcm16-esn", IKE_ENCR_AES_GCM_16, 256, 0, 0, 16, "AES-256-GCM", NULL}, true},
    {{"aes192-sha384", IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_384_192, 48, 24, "AES-192-CBC",
      "SHA384"},
     false},
    {{"aes256-sha512", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, 64, 32, "AES-256-CBC",
      "SHA512"},
     false},
    {{"aes128-sha1", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 20, 12, "AES-128-CBC", "SHA1"},
     false},
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

/* Inner packet lengths, cycled through a burst. */
struct sizes {
    const char *name;
    size_t n;
    size_t len[12];
};

/* Block edges, small and big: most bursts of these go to the narrow (SSE) manager. */
static const struct sizes mixed = {
    "mixed", 12, {28, 1400, 64, 29, 543, 44, 1000, 45, 170, 1458, 60, 300}};
/* Only big ones: a burst holds a whole set of the widest manager's lanes (dp_esp.h). */
static const struct sizes big = {"big", 6, {1400, 256, 1458, 511, 1024, 300}};

static uint32_t spi_in(size_t i)
{
    return 0x1000u + (uint32_t)i;
}

static uint32_t spi_out(size_t i)
{
    return 0x2000u + (uint32_t)i;
}

static int group_setup(void **state)
{
    (void)state;
    return test_eal_esp("test_esp_burst", "512", 512, &pool, &eng);
}

/* Child SA i: its own SPIs and reproducible keys, distinct per direction and per SA. */
static struct ike_child_sa child_for(size_t i)
{
    const struct esp_alg *a = &algs[i].alg;
    struct ike_child_sa c;
    esp_child_keyed(&c, a, algs[i].esn, spi_in(i), spi_out(i),
                    (struct esp_key_seed){0x10, 0x80, 0x40, 0xc0}, (unsigned)i);
    esp_child_v4_any(&c);
    return c;
}

struct env {
    struct esp_db s;
    struct ike_child_sa child[NALGS];
    struct dp_esp_sa *in[NALGS], *out[NALGS];
    struct dp_worker_counters c;
};

static void env_open(struct env *e)
{
    memset(e, 0, sizeof(*e));
    char why[160] = "";
    esp_db_open(&e->s);
    for (size_t i = 0; i < NALGS; i++) {
        e->child[i] = child_for(i);
        if (dp_sadb_install(&e->s.db, &e->child[i], why, sizeof(why)) != 0)
            fail_msg("%s: install refused: %s", algs[i].alg.name, why);
        e->in[i] = esp_db_sa_in(&e->s, spi_in(i));
    }
    for (unsigned k = 0; k < e->s.db.out->n; k++) {
        struct dp_esp_sa *sa = e->s.db.out->sa[k];
        assert_true(sa->spi >= spi_out(0) && sa->spi < spi_out(NALGS));
        e->out[sa->spi - spi_out(0)] = sa;
    }
    for (size_t i = 0; i < NALGS; i++)
        assert_non_null(e->out[i]);
}

/* Which SA packet k of a burst uses, and its inner length: every SA, every size, mixed. */
static size_t sa_of(unsigned k)
{
    return (k * 3 + k / NALGS) % NALGS;
}

static size_t size_of(const struct sizes *z, unsigned k)
{
    return z->len[k % z->n];
}

/* A plaintext Ethernet + IPv4 + UDP frame whose IPv4 packet is `inner` bytes long. */
static struct rte_mbuf *plain_frame(size_t inner, uint8_t fill)
{
    static const struct rte_ether_addr a = {{2, 0, 0, 0, 0, 1}}, b = {{2, 0, 0, 0, 0, 2}};
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    size_t payload = inner - 28;
    for (size_t i = 0; i < payload; i++)
        *rte_pktmbuf_mtod_offset(m, uint8_t *, 42 + i) = (uint8_t)(fill + i * 7);
    dp_build_udp4(m, &a, &b, rte_cpu_to_be_32(0x0a010001), rte_cpu_to_be_32(0x0a020002), 1000, 2000,
                  payload);
    return m;
}

static struct rte_mbuf *copy_of(const struct rte_mbuf *m)
{
    struct rte_mbuf *c = rte_pktmbuf_alloc(pool);
    assert_non_null(c);
    size_t len = rte_pktmbuf_data_len(m);
    memcpy(rte_pktmbuf_append(c, (uint16_t)len), rte_pktmbuf_mtod(m, const uint8_t *), len);
    return c;
}

static void assert_same_bytes(const struct rte_mbuf *a, const struct rte_mbuf *b)
{
    assert_int_equal(rte_pktmbuf_data_len(a), rte_pktmbuf_data_len(b));
    assert_memory_equal(rte_pktmbuf_mtod(a, const uint8_t *), rte_pktmbuf_mtod(b, const uint8_t *),
                        rte_pktmbuf_data_len(a));
}

/* ---- OpenSSL's side ---- */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The inner IPv4 packet OpenSSL protects: `len` bytes, a pattern of `fill`. */
static void inner_packet(size_t len, uint8_t fill, uint8_t *pt)
{
    memset(pt, 0, 20);
    pt[0] = 0x45;
    pt[2] = (uint8_t)(len >> 8);
    pt[3] = (uint8_t)len;
    pt[8] = 64;
    pt[9] = 17;
    memcpy(pt + 12, (const uint8_t[]){10, 2, 0, 2, 10, 1, 0, 1}, 8);
    for (size_t k = 20; k < len; k++)
        pt[k] = (uint8_t)(fill + k * 13);
}

/*
 * An ESP-in-UDP frame sealed by OpenSSL for veer's inbound SA i: the inner
 * packet, RFC 4303's default padding and trailer, sequence number seq.
 */
static struct rte_mbuf *ossl_frame(const struct ike_child_sa *c, size_t i, uint64_t seq,
                                   const uint8_t *inner, size_t inner_len)
{
    static const struct rte_ether_addr ma = {{2, 0, 0, 0, 0, 2}}, mb = {{2, 0, 0, 0, 0, 1}};
    const struct esp_alg *a = &algs[i].alg;
    size_t block = esp_alg_is_gcm(a) ? 4 : 16, pad = (block - (inner_len + 2) % block) % block;
    uint8_t pt[2048], esp[2100];
    memcpy(pt, inner, inner_len);
    for (size_t k = 0; k < pad; k++)
        pt[inner_len + k] = (uint8_t)(k + 1);
    pt[inner_len + pad] = (uint8_t)pad;
    pt[inner_len + pad + 1] = 4;
    size_t len = esp_ossl_seal(a, c, seq, pt, inner_len + pad + 2, esp);
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, OUTER), esp, len);
    dp_build_udp4(m, &ma, &mb, rte_cpu_to_be_32(0xc6336402), rte_cpu_to_be_32(0xc6336401), 4500,
                  4500, len);
    return m;
}

/* ---- tests ---- */

/*
 * A burst over every SA, with sizes from 28 to 1458 bytes: the same bytes as
 * the per-packet calls make from the same sequence numbers, and every packet
 * opens under OpenSSL to the inner packet it came from.
 */
static void encrypt_burst_matches(const struct sizes *z)
{
    struct env e;
    env_open(&e);
    /* High sequence numbers: ESN SAs cross 2^32 within the burst. */
    for (size_t i = 0; i < NALGS; i++)
        e.out[i]->seq = algs[i].esn ? 0xfffffffdull : 1000;
    struct rte_mbuf *burst[MAX_PKTS], *single[MAX_PKTS], *plain[MAX_PKTS];
    struct dp_esp_sa *sa[MAX_PKTS];
    bool ok[MAX_PKTS];
    for (unsigned k = 0; k < MAX_PKTS; k++) {
        plain[k] = plain_frame(size_of(z, k), (uint8_t)k);
        burst[k] = copy_of(plain[k]);
        single[k] = copy_of(plain[k]);
        sa[k] = e.out[sa_of(k)];
    }
    dp_esp_encrypt_burst(&eng, sa, burst, ETH, MAX_PKTS, ok, &e.c);
    for (unsigned k = 0; k < MAX_PKTS; k++)
        assert_true(ok[k]);
    assert_int_equal(e.c.esp_encrypted, MAX_PKTS);
    /* The same packets, one call each, from the same sequence numbers. */
    for (size_t i = 0; i < NALGS; i++)
        e.out[i]->seq = algs[i].esn ? 0xfffffffdull : 1000;
    for (unsigned k = 0; k < MAX_PKTS; k++)
        assert_int_equal(dp_esp_encrypt(&eng, sa[k], single[k], ETH, &e.c), 0);
    uint64_t next[NALGS];
    for (size_t i = 0; i < NALGS; i++)
        next[i] = (algs[i].esn ? 0xfffffffdull : 1000) + 1;
    for (unsigned k = 0; k < MAX_PKTS; k++) {
        assert_same_bytes(burst[k], single[k]);
        size_t i = sa_of(k);
        /* burst[k] starts at the outer IPv4 header: room left in front for Ethernet */
        const uint8_t *esp = rte_pktmbuf_mtod_offset(burst[k], const uint8_t *, OUTER - ETH);
        size_t len = rte_pktmbuf_data_len(burst[k]) - (OUTER - ETH);
        assert_int_equal(get32(esp), spi_out(i));
        assert_int_equal(get32(esp + 4), (uint32_t)next[i]);
        uint8_t pt[2048];
        int n = esp_ossl_open(&algs[i].alg, &e.child[i], true, esp, len, next[i], pt);
        if (n < 0)
            fail_msg("%s packet %u (%s, %zu bytes): OpenSSL refused it", z->name, k,
                     algs[i].alg.name, size_of(z, k));
        assert_true((size_t)n >= size_of(z, k) + 2);
        assert_memory_equal(pt, rte_pktmbuf_mtod_offset(plain[k], const uint8_t *, ETH),
                            size_of(z, k));
        assert_int_equal(pt[n - 1], 4);
        next[i]++;
    }
    for (unsigned k = 0; k < MAX_PKTS; k++) {
        rte_pktmbuf_free(burst[k]);
        rte_pktmbuf_free(single[k]);
        rte_pktmbuf_free(plain[k]);
    }
    esp_db_close(&e.s);
}

static void test_encrypt_burst_matches(void **state)
{
    (void)state;
    encrypt_burst_matches(&mixed);
    encrypt_burst_matches(&big);
}

/* An OpenSSL-made burst over every SA, with one forged ICV (and the ones that follow it intact). */
static void decrypt_burst_bad_icv(const struct sizes *z)
{
    struct env e;
    env_open(&e);
    enum { BAD = 17 }; /* in the middle of the first chunk; a CBC SA */
    assert_false(esp_alg_is_gcm(&algs[sa_of(BAD)].alg));
    struct rte_mbuf *burst[MAX_PKTS], *single[MAX_PKTS], *frame[MAX_PKTS];
    uint8_t inner[MAX_PKTS][1500];
    size_t off[MAX_PKTS];
    bool ok[MAX_PKTS];
    uint64_t seq[NALGS];
    for (size_t i = 0; i < NALGS; i++)
        seq[i] = algs[i].esn ? 0xfffffffdull : 1;
    for (unsigned k = 0; k < MAX_PKTS; k++) {
        size_t i = sa_of(k);
        inner_packet(size_of(z, k), (uint8_t)k, inner[k]);
        frame[k] = ossl_frame(&e.child[i], i, seq[i]++, inner[k], size_of(z, k));
        if (k == BAD)
            *rte_pktmbuf_mtod_offset(frame[k], uint8_t *, rte_pktmbuf_data_len(frame[k]) - 1) ^=
                0x01;
        burst[k] = copy_of(frame[k]);
        single[k] = copy_of(frame[k]);
        off[k] = OUTER;
    }
    /* ESN SAs: the window below 2^32, so the high bits are inferred. */
    for (size_t i = 0; i < NALGS; i++)
        e.in[i]->replay.top = algs[i].esn ? 0xffffffe0ull : 0;
    dp_esp_decrypt_burst(&eng, &e.s.db, burst, off, MAX_PKTS, ok, &e.c);
    for (unsigned k = 0; k < MAX_PKTS; k++) {
        if (k == BAD) {
            assert_false(ok[k]);
            /* Not decrypted: the forged packet is exactly as it came. */
            assert_same_bytes(burst[k], frame[k]);
            continue;
        }
        if (!ok[k])
            fail_msg("%s packet %u (%s, %zu bytes) refused", z->name, k, algs[sa_of(k)].alg.name,
                     size_of(z, k));
        assert_int_equal(rte_pktmbuf_pkt_len(burst[k]), size_of(z, k));
        assert_memory_equal(rte_pktmbuf_mtod(burst[k], const uint8_t *), inner[k], size_of(z, k));
    }
    assert_int_equal(e.c.drop_esp_bad_icv, 1);
    assert_int_equal(e.c.esp_decrypted, MAX_PKTS - 1);
    /* The per-packet calls from a fresh window: the same verdicts, the same bytes. */
    struct dp_worker_counters burst_counters = e.c;
    memset(&e.c, 0, sizeof(e.c));
    for (size_t i = 0; i < NALGS; i++) {
        memset(e.in[i]->replay.bits, 0, dp_replay_words(e.in[i]->replay.window) * 8);
        e.in[i]->replay.top = algs[i].esn ? 0xffffffe0ull : 0;
    }
    for (unsigned k = 0; k < MAX_PKTS; k++) {
        assert_int_equal(dp_esp_decrypt(&eng, &e.s.db, single[k], OUTER, &e.c), k == BAD ? -1 : 0);
        assert_same_bytes(burst[k], single[k]);
    }
    assert_memory_equal(&e.c, &burst_counters, sizeof(e.c));
    for (unsigned k = 0; k < MAX_PKTS; k++) {
        rte_pktmbuf_free(burst[k]);
        rte_pktmbuf_free(single[k]);
        rte_pktmbuf_free(frame[k]);
    }
    esp_db_close(&e.s);
}

static void test_decrypt_burst_bad_icv(void **state)
{
    (void)state;
    decrypt_burst_bad_icv(&mixed);
    decrypt_burst_bad_icv(&big);
}

/* The same packet twice in one burst: both pass the window before either is checked; one counts. */
static void test_decrypt_burst_duplicate(void **state)
{
    (void)state;
    struct env e;
    env_open(&e);
    uint8_t inner[100];
    inner_packet(sizeof(inner), 9, inner);
    struct rte_mbuf *m[4];
    size_t off[4] = {OUTER, OUTER, OUTER, OUTER};
    bool ok[4];
    m[0] = ossl_frame(&e.child[1], 1, 5, inner, sizeof(inner));
    m[1] = ossl_frame(&e.child[0], 0, 5, inner, sizeof(inner)); /* same number, other SA */
    m[2] = copy_of(m[0]);
    m[3] = ossl_frame(&e.child[1], 1, 6, inner, sizeof(inner));
    dp_esp_decrypt_burst(&eng, &e.s.db, m, off, 4, ok, &e.c);
    assert_true(ok[0]);
    assert_true(ok[1]);
    assert_false(ok[2]);
    assert_true(ok[3]);
    assert_int_equal(e.c.drop_esp_replayed, 1);
    assert_int_equal(e.c.esp_decrypted, 3);
    for (unsigned k = 0; k < 4; k++)
        rte_pktmbuf_free(m[k]);
    esp_db_close(&e.s);
}

/*
 * A job intel-ipsec-mb refuses (a key length it does not know, as a corrupted
 * SA would have) fails that packet alone, counted as a crypto error, in
 * both directions; the burst around it is unharmed.
 */
static void test_job_error_drops_one(void **state)
{
    (void)state;
    struct env e;
    env_open(&e);
    static struct dp_esp_sa broken; /* struct dp_esp_sa is 64-byte aligned */
    memcpy(&broken, e.out[1], sizeof(broken));
    broken.key_bits = 100;
    struct rte_mbuf *m[8];
    struct dp_esp_sa *sa[8];
    bool ok[8];
    for (unsigned k = 0; k < 8; k++) {
        m[k] = plain_frame(size_of(&mixed, k), (uint8_t)k);
        sa[k] = k == 3 ? &broken : e.out[k % 2 == 0 ? 1 : 4];
    }
    dp_esp_encrypt_burst(&eng, sa, m, ETH, 8, ok, &e.c);
    for (unsigned k = 0; k < 8; k++)
        assert_int_equal(ok[k], k != 3);
    assert_int_equal(e.c.drop_esp_crypto_error, 1);
    assert_int_equal(e.c.esp_encrypted, 7);
    for (unsigned k = 0; k < 8; k++)
        rte_pktmbuf_free(m[k]);

    /* Inbound: SA 4's key made unusable; its packet's HMAC passes, its decryption is refused. */
    memset(&e.c, 0, sizeof(e.c));
    uint8_t inner[200];
    inner_packet(sizeof(inner), 3, inner);
    size_t off[8];
    for (unsigned k = 0; k < 8; k++) {
        size_t i = k == 5 ? 4 : 1;
        m[k] = ossl_frame(&e.child[i], i, k + 1, inner, sizeof(inner));
        off[k] = OUTER;
    }
    uint16_t bits = e.in[4]->key_bits;
    e.in[4]->key_bits = 100;
    dp_esp_decrypt_burst(&eng, &e.s.db, m, off, 8, ok, &e.c);
    e.in[4]->key_bits = bits;
    for (unsigned k = 0; k < 8; k++)
        assert_int_equal(ok[k], k != 5);
    assert_int_equal(e.c.drop_esp_crypto_error, 1);
    assert_int_equal(e.c.drop_esp_bad_icv, 0);
    assert_int_equal(e.c.esp_decrypted, 7);
    for (unsigned k = 0; k < 8; k++)
        rte_pktmbuf_free(m[k]);
    esp_db_close(&e.s);
}

/* Packets dropped before the crypto (no room, unknown SPI) leave the burst's others alone. */
static void test_early_drops_in_burst(void **state)
{
    (void)state;
    struct env e;
    env_open(&e);
    uint8_t inner[64];
    inner_packet(sizeof(inner), 1, inner);
    struct rte_mbuf *m[3];
    size_t off[3] = {OUTER, OUTER, OUTER};
    bool ok[3];
    m[0] = ossl_frame(&e.child[2], 2, 1, inner, sizeof(inner));
    m[1] = ossl_frame(&e.child[2], 2, 2, inner, sizeof(inner));
    *rte_pktmbuf_mtod_offset(m[1], uint8_t *, OUTER + 3) ^= 0x80; /* SPI nobody has */
    m[2] = ossl_frame(&e.child[5], 5, 1, inner, sizeof(inner));
    e.in[2]->replay.top = 0; /* ESN SA: sequence numbers from 1 */
    dp_esp_decrypt_burst(&eng, &e.s.db, m, off, 3, ok, &e.c);
    assert_true(ok[0]);
    assert_false(ok[1]);
    assert_true(ok[2]);
    assert_int_equal(e.c.drop_esp_unknown_spi, 1);
    assert_memory_equal(rte_pktmbuf_mtod(m[2], const uint8_t *), inner, sizeof(inner));
    for (unsigned k = 0; k < 3; k++)
        rte_pktmbuf_free(m[k]);
    esp_db_close(&e.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_encrypt_burst_matches, esp_db_teardown),
        cmocka_unit_test_teardown(test_decrypt_burst_bad_icv, esp_db_teardown),
        cmocka_unit_test_teardown(test_decrypt_burst_duplicate, esp_db_teardown),
        cmocka_unit_test_teardown(test_job_error_drops_one, esp_db_teardown),
        cmocka_unit_test_teardown(test_early_drops_in_burst, esp_db_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, test_eal_teardown);
}
