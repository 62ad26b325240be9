/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP tunnel-mode throughput of lib/dp on one core through intel-ipsec-mb,
 * AES-GCM-128 and AES-CBC-128 + HMAC-SHA-256-128: dp_esp_encrypt (plaintext frame in, ESP-in-UDP
 * out) and dp_esp_decrypt (the reverse, replay window and ICV checked), at 64, 512 and 1400-byte
 * frames and IMIX (7:4:1 of 64, 570, 1518 bytes). Every operation starts from a fresh copy of its
 * input frame; the copy alone is timed too and subtracted. Prints figures; never passes or fails.
 *
 *   bench_esp [-n PACKETS] [-a gcm|cbc]     (default: both)
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
};

static void install(struct dp_sadb *db, const struct suite *s)
{
    struct ike_child_sa c;
    memset(&c, 0, sizeof(c));
    /* One key both ways, one SPI: what this side encrypts it can decrypt. */
    c.spi_in = c.spi_out = SPI;
    c.alg.encr.id = s->encr;
    c.alg.encr.key_bits = s->key_bits;
    c.alg.integ = s->integ;
    c.encr_key_len = s->encr_key_len;
    c.integ_key_len = s->integ_key_len;
    for (unsigned i = 0; i < sizeof(c.encr_in); i++)
        c.encr_in[i] = c.encr_out[i] = (uint8_t)(i * 7 + 1);
    for (unsigned i = 0; i < sizeof(c.integ_in); i++)
        c.integ_in[i] = c.integ_out[i] = (uint8_t)(i * 5 + 3);
    c.local.family = c.remote.family = 4;
    memcpy(c.local.ip, (const uint8_t[]){198, 51, 100, 1}, 4);
    memcpy(c.remote.ip, (const uint8_t[]){198, 51, 100, 2}, 4);
    c.udp_encap = true;
    c.remote.port = 4500;
    c.ts_local.nts = c.ts_remote.nts = 1;
    c.ts_local.ts[0] = (struct ike_ts){
        .type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535, .end_addr = {255, 255, 255, 255}};
    c.ts_remote.ts[0] = c.ts_local.ts[0];
    char why[160];
    if (dp_sadb_install(db, &c, why, sizeof(why)) != 0) {
        fprintf(stderr, "bench_esp: SA refused: %s\n", why);
        exit(1);
    }
    sa_out = dp_spd_lookup(db, 0x0100000a, 0x0200000a);
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

static double run(struct rte_mempool *pool, struct dp_esp_engine *mgr, struct dp_sadb *db,
                  const struct size_mix *mix, unsigned npkts, bool decrypt, double *bytes_per_pkt)
{
    /* Templates: the frames each operation starts from. */
    static uint8_t tmpl[TEMPLATES][2048];
    static uint16_t tlen[TEMPLATES];
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    double inner = 0;
    sa_out->seq = 0;
    for (unsigned i = 0; i < TEMPLATES; i++) {
        struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
        plain_frame(m, mix->len[i % mix->n]);
        inner += mix->len[i % mix->n] - 14;
        if (decrypt) {
            dp_esp_encrypt(mgr, sa_out, m, 14, &c);
            rte_pktmbuf_prepend(m, 14);
        }
        tlen[i] = (uint16_t)rte_pktmbuf_data_len(m);
        memcpy(tmpl[i], rte_pktmbuf_mtod(m, uint8_t *), tlen[i]);
        rte_pktmbuf_free(m);
    }
    *bytes_per_pkt = inner / TEMPLATES;
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    uint16_t headroom = rte_pktmbuf_headroom(m);
    uint64_t copy = 0, total = 0;
    for (unsigned pass = 0; pass < 2; pass++) {
        uint64_t t0 = rte_rdtsc();
        for (unsigned i = 0; i < npkts; i++) {
            unsigned k = i % TEMPLATES;
            if (decrypt && k == 0) {
                /* the templates' sequence numbers start again */
                memset(sa_in->replay.bits, 0, dp_replay_words(sa_in->replay.window) * 8);
                sa_in->replay.top = 0;
            }
            m->data_off = headroom;
            m->data_len = m->pkt_len = tlen[k];
            memcpy(rte_pktmbuf_mtod(m, uint8_t *), tmpl[k], tlen[k]);
            if (pass == 1) {
                if (decrypt) {
                    const struct rte_ipv4_hdr *ip = dp_ipv4(m);
                    if (dp_esp_decrypt(mgr, db, m, 14 + dp_ipv4_hdr_len(ip) + 8, &c) < 0)
                        exit(2);
                } else if (dp_esp_encrypt(mgr, sa_out, m, 14, &c) < 0) {
                    exit(3);
                }
            }
        }
        uint64_t t = rte_rdtsc() - t0;
        if (pass == 0)
            copy = t;
        else
            total = t;
    }
    rte_pktmbuf_free(m);
    return (double)(total - copy) / npkts;
}

int main(int argc, char **argv)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "--file-prefix=bench_esp_%d", (int)getpid());
    char *eal[] = {argv[0],
                   "-l",
                   "0",
                   "--no-huge",
                   "-m",
                   "256",
                   "--no-pci",
                   "--no-telemetry",
                   "--log-level=error",
                   prefix};
    if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0)
        return 1;
    unsigned npkts = 2000000;
    const char *only = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "n:a:")) != -1) {
        if (opt == 'n')
            npkts = (unsigned)strtoul(optarg, NULL, 10);
        else if (opt == 'a')
            only = optarg;
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
    IMB_ARCH arch;
    IMB_MGR *probe = alloc_mb_mgr(0);
    init_mb_mgr_auto(probe, &arch);
    free_mb_mgr(probe);
    static const char *const arch_names[] = {"none", "no-aesni", "sse", "avx", "avx2", "avx512"};
    double hz = (double)rte_get_tsc_hz();
    printf("bench_esp: lib/dp ESP tunnel mode, ESP in UDP, one core, one packet per call\n");
    printf("intel-ipsec-mb %s, code path %s for GCM, sse for CBC + HMAC; TSC %.3f GHz; %u packets "
           "per figure\n",
           imb_get_version_str(), (unsigned)arch < 6 ? arch_names[arch] : "?", hz / 1e9, npkts);
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
                double cyc = run(pool, &eng, &db, &mixes[i], npkts, dec, &bytes);
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
