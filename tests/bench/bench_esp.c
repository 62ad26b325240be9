/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP tunnel-mode throughput of lib/dp on one core through intel-ipsec-mb,
 * AES-GCM-128 and AES-CBC-128/256 + HMAC-SHA-256-128: dp_esp_encrypt (plaintext frame in,
 * ESP-in-UDP out) and dp_esp_decrypt (the reverse, replay window and ICV checked), at 64, 512 and
 * 1400-byte frames and IMIX (7:4:1 of 64, 570, 1518 bytes). Every operation starts from a fresh
 * copy of its input frame; the copy alone is timed too and subtracted. Prints figures; never passes
 * or fails. Packets go through dp_esp_encrypt_burst / dp_esp_decrypt_burst in bursts of -b (as a
 * worker hands them over); -b 1 takes the per-packet calls dp_esp_encrypt / dp_esp_decrypt instead.
 * -m picks the code path of the narrow AES-CBC + HMAC manager (default: the engine's, SSE), and
 * -w the lanes a burst's big CBC packets must fill to go to the widest manager (default: the
 * engine's choice for this CPU; 0: never).
 *
 * -r runs each pass that many times and keeps the fastest (the machines are shared).
 *
 *   bench_esp [-n PACKETS] [-a gcm|cbc] [-b BURST] [-m sse|avx2|avx512] [-w LANES] [-r REPEAT]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_esp.h"
#include "../dp/spd_probe.h"
#include "../dp/test_eal.h"
#include "bench_sa.h"
#include "dp_pkt.h"
#include "ike_consts.h"

#define SPI 0x01020304u
#define TEMPLATES 256

static struct dp_esp_sa *sa_out, *sa_in;

struct suite {
    const char *name;
    uint16_t encr, key_bits, integ;
    size_t encr_key_len, integ_key_len;
};

static const struct suite suites[] = {
    {"aes128gcm16", IKE_ENCR_AES_GCM_16, 128, 0, 20, 0},
    {"aes128-sha256", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 16, 32},
    {"aes256-sha256", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 32, 32},
};

static void install(struct dp_sadb *db, const struct suite *s)
{
    bench_loop_sa(db, "bench_esp", SPI, s->encr, s->key_bits, s->integ, s->encr_key_len,
                  s->integ_key_len);
    sa_out = spd_probe4(db, 0x0100000a, 0x0200000a);
    uint32_t spi = SPI;
    void *d;
    rte_hash_lookup_data(db->in, &spi, &d);
    sa_in = d;
}

/* A plaintext frame of `frame_len` bytes: Ethernet + IPv4 + UDP + payload. */
static void plain_frame(struct rte_mbuf *m, size_t frame_len)
{
    static const struct rte_ether_addr a = {{2, 0, 0, 0, 0, 1}}, b = {{2, 0, 0, 0, 0, 2}};
    size_t payload = frame_len - 42;
    memset(rte_pktmbuf_mtod_offset(m, uint8_t *, 42), 0x5a, payload);
    dp_build_udp4(m, &a, &b, rte_cpu_to_be_32(0x0a010001), rte_cpu_to_be_32(0x0a020002), 1000, 2000,
                  payload);
}

struct size_mix {
    const char *name;
    unsigned n;
    size_t len[12];
};

struct bench {
    struct rte_mempool *pool;
    struct dp_esp_engine *eng;
    struct dp_sadb *db;
    unsigned burst;
};

/* One burst of packets, already in m[], through the engine; exits on any drop. */
static void process(const struct bench *b, struct rte_mbuf **m, unsigned n, bool decrypt,
                    struct dp_worker_counters *c)
{
    if (b->burst == 1) {
        const struct rte_ipv4_hdr *ip = dp_ipv4(m[0]);
        if ((decrypt ? dp_esp_decrypt(b->eng, b->db, m[0], 14 + dp_ipv4_hdr_len(ip) + 8, c)
                     : dp_esp_encrypt(b->eng, sa_out, m[0], 14, c)) < 0)
            exit(2);
        return;
    }
    struct dp_esp_sa *sas[DP_ESP_BURST];
    size_t off[DP_ESP_BURST];
    bool ok[DP_ESP_BURST];
    for (unsigned i = 0; i < n; i++) {
        sas[i] = sa_out;
        off[i] = 14 + dp_ipv4_hdr_len(dp_ipv4(m[i])) + 8;
    }
    if (decrypt)
        dp_esp_decrypt_burst(b->eng, b->db, m, off, n, ok, c);
    else
        dp_esp_encrypt_burst(b->eng, sas, m, 14, n, ok, c);
    for (unsigned i = 0; i < n; i++) {
        if (!ok[i])
            exit(3);
    }
}

/*
 * Cycles per packet: `repeat` times a pass that only copies the input frames and a pass that also
 * processes them, the fastest of each kept before one is subtracted from the other (a pass the
 * scheduler interrupted is slower, never faster).
 */
static double run(const struct bench *b, const struct size_mix *mix, unsigned npkts, bool decrypt,
                  unsigned repeat, double *bytes_per_pkt)
{
    /* Templates: the frames each operation starts from. */
    static uint8_t tmpl[TEMPLATES][2048];
    static uint16_t tlen[TEMPLATES];
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    double inner = 0;
    sa_out->seq = 0;
    for (unsigned i = 0; i < TEMPLATES; i++) {
        struct rte_mbuf *m = rte_pktmbuf_alloc(b->pool);
        plain_frame(m, mix->len[i % mix->n]);
        inner += mix->len[i % mix->n] - 14;
        if (decrypt) {
            dp_esp_encrypt(b->eng, sa_out, m, 14, &c);
            rte_pktmbuf_prepend(m, 14);
        }
        tlen[i] = (uint16_t)rte_pktmbuf_data_len(m);
        memcpy(tmpl[i], rte_pktmbuf_mtod(m, uint8_t *), tlen[i]);
        rte_pktmbuf_free(m);
    }
    *bytes_per_pkt = inner / TEMPLATES;
    struct rte_mbuf *m[DP_ESP_BURST];
    if (rte_pktmbuf_alloc_bulk(b->pool, m, b->burst) != 0)
        exit(1);
    uint16_t headroom = rte_pktmbuf_headroom(m[0]);
    uint64_t copy = UINT64_MAX, total = UINT64_MAX;
    for (unsigned pass = 0; pass < 2 * repeat; pass++) {
        uint64_t t0 = rte_rdtsc();
        for (unsigned i = 0; i < npkts; i += b->burst) {
            unsigned n = npkts - i < b->burst ? npkts - i : b->burst;
            for (unsigned j = 0; j < n; j++) {
                unsigned k = (i + j) % TEMPLATES;
                if (decrypt && k == 0) {
                    /* the templates' sequence numbers start again (the window is wider) */
                    memset(sa_in->replay.bits, 0, dp_replay_words(sa_in->replay.window) * 8);
                    sa_in->replay.top = 0;
                }
                m[j]->data_off = headroom;
                m[j]->data_len = m[j]->pkt_len = tlen[k];
                memcpy(rte_pktmbuf_mtod(m[j], uint8_t *), tmpl[k], tlen[k]);
            }
            if (pass % 2 == 1)
                process(b, m, n, decrypt, &c);
        }
        uint64_t t = rte_rdtsc() - t0;
        if (pass % 2 == 0)
            copy = t < copy ? t : copy;
        else
            total = t < total ? t : total;
    }
    rte_pktmbuf_free_bulk(m, b->burst);
    return (double)(total - copy) / npkts;
}

/* Re-initialises the engine's AES-CBC + HMAC manager for another code path. */
static const char *chain_path(struct dp_esp_engine *eng, const char *name)
{
    if (name == NULL)
        return "sse";
    if (strcmp(name, "sse") == 0)
        init_mb_mgr_sse(eng->chain);
    else if (strcmp(name, "avx2") == 0)
        init_mb_mgr_avx2(eng->chain);
    else if (strcmp(name, "avx512") == 0)
        init_mb_mgr_avx512(eng->chain);
    else
        return NULL;
    return name;
}

int main(int argc, char **argv)
{
    if (test_eal_init("bench_esp", "0", "256") < 0)
        return 1;
    unsigned npkts = 2000000;
    const char *only = NULL, *path = NULL;
    unsigned burst = DP_ESP_BURST;
    long wide = -1;
    unsigned repeat = 1;
    int opt;
    while ((opt = getopt(argc, argv, "n:a:b:m:w:r:")) != -1) {
        if (opt == 'n')
            npkts = (unsigned)strtoul(optarg, NULL, 10);
        else if (opt == 'a')
            only = optarg;
        else if (opt == 'b')
            burst = (unsigned)strtoul(optarg, NULL, 10);
        else if (opt == 'm')
            path = optarg;
        else if (opt == 'w')
            wide = strtol(optarg, NULL, 10);
        else if (opt == 'r')
            repeat = (unsigned)strtoul(optarg, NULL, 10);
    }
    if (burst < 1 || burst > DP_ESP_BURST) {
        fprintf(stderr, "bench_esp: -b takes 1 to %u\n", DP_ESP_BURST);
        return 1;
    }
    struct rte_mempool *pool =
        rte_pktmbuf_pool_create("bench", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    struct dp_sadb db;
    char err[128];
    if (pool == NULL)
        return 1;
    struct dp_esp_engine eng;
    if (dp_esp_engine_init(&eng) < 0)
        return 1;
    const char *chain = chain_path(&eng, path);
    if (chain == NULL) {
        fprintf(stderr, "bench_esp: -m takes sse, avx2 or avx512\n");
        return 1;
    }
    if (wide >= 0)
        eng.wide_lanes = (unsigned)wide;
    struct bench b = {.pool = pool, .eng = &eng, .db = &db, .burst = burst};
    IMB_ARCH arch;
    IMB_MGR *probe = alloc_mb_mgr(0);
    init_mb_mgr_auto(probe, &arch);
    free_mb_mgr(probe);
    static const char *const arch_names[] = {"none", "no-aesni", "sse", "avx", "avx2", "avx512"};
    double hz = (double)rte_get_tsc_hz();
    printf("bench_esp: lib/dp ESP tunnel mode, ESP in UDP, one core, %s\n",
           burst == 1 ? "one packet per call" : "bursts per call");
    printf("burst %u; intel-ipsec-mb %s, code path %s for GCM, %s for CBC + HMAC, and %s for "
           "bursts of %u big CBC packets; TSC %.3f GHz; %u packets per figure, best of %u\n",
           burst, imb_get_version_str(), (unsigned)arch < 6 ? arch_names[arch] : "?", chain,
           eng.wide_lanes > 0 ? arch_names[arch] : "none", eng.wide_lanes, hz / 1e9, npkts, repeat);
    printf("(cycles per packet exclude the copy of the input frame, timed apart)\n\n");
    static const struct size_mix mixes[] = {
        {"64 B", 1, {64}},
        {"512 B", 1, {512}},
        {"1400 B", 1, {1400}},
        {"IMIX", 12, {64, 64, 64, 64, 64, 64, 64, 570, 570, 570, 570, 1518}},
    };
    printf("%-14s %-8s %-8s %10s %10s %10s\n", "suite", "frames", "op", "cyc/pkt", "Mpps", "Gbps");
    for (unsigned k = 0; k < sizeof(suites) / sizeof(suites[0]); k++) {
        bool gcm = suites[k].encr == IKE_ENCR_AES_GCM_16;
        if (only != NULL && strcmp(only, gcm ? "gcm" : "cbc") != 0)
            continue;
        if (dp_sadb_init(&db, 1, err, sizeof(err)) < 0)
            return 1;
        install(&db, &suites[k]);
        for (unsigned i = 0; i < sizeof(mixes) / sizeof(mixes[0]); i++) {
            for (int dec = 0; dec <= 1; dec++) {
                double bytes;
                double cyc = run(&b, &mixes[i], npkts, dec, repeat, &bytes);
                double mpps = hz / cyc / 1e6;
                printf("%-14s %-8s %-8s %10.0f %10.2f %10.2f\n", suites[k].name, mixes[i].name,
                       dec ? "decrypt" : "encrypt", cyc, mpps, mpps * bytes * 8 / 1e3);
            }
        }
        dp_sadb_free(&db);
    }
    printf("\nGbps counts the inner IP packet (the frame less its Ethernet header).\n");
    dp_esp_engine_free(&eng);
    rte_eal_cleanup();
    return 0;
}
