/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What IPv4 fragmentation and reassembly cost a worker, on one core, in TSC
 * cycles per packet (lib/dp/ip/frag.c, reass.c), beside the ESP encryption they
 * go with: a 1438-byte plaintext packet (the most AES-GCM in UDP carries in a
 * 1500-byte outer packet) encrypted whole; a 2000-byte one fragmented at 1438
 * (two fragments), and fragmented and both fragments encrypted
 * (pre-fragmentation); and two fragments of a 2000-byte datagram reassembled
 * into one segment. Every operation starts from a fresh copy of its input
 * (the copy is timed alone and subtracted). Prints figures; never passes or
 * fails.
 *
 *   bench_frag [-n PACKETS]
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
#include "dp_frag.h"
#include "dp_pkt.h"
#include "dp_reass.h"
#include "ike_consts.h"

#define ETH 14
#define TUNNEL_MTU 1438

static struct dp_esp_sa *sa_out;

static void install(struct dp_sadb *db)
{
    /* AES-GCM: no integrity algorithm, no integrity key. */
    bench_loop_sa(db, "bench_frag", 0x01020304u, IKE_ENCR_AES_GCM_16, 128, 0, 20, 0);
    sa_out = spd_probe4(db, 0x0100000a, 0x0200000a);
}

/* An Ethernet frame carrying a UDP packet of `ip_len` bytes, without DF. */
static size_t make_frame(uint8_t *p, size_t ip_len, uint16_t id)
{
    memset(p, 0, ETH);
    p[12] = 0x08;
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + ETH);
    *ip = (struct rte_ipv4_hdr){.version_ihl = RTE_IPV4_VHL_DEF,
                                .total_length = rte_cpu_to_be_16((uint16_t)ip_len),
                                .packet_id = rte_cpu_to_be_16(id),
                                .time_to_live = 64,
                                .next_proto_id = IPPROTO_UDP,
                                .src_addr = rte_cpu_to_be_32(0x0a010001),
                                .dst_addr = rte_cpu_to_be_32(0x0a020002)};
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    memset(p + ETH + 20, 0x5a, ip_len - 20);
    return ETH + ip_len;
}

enum op { OP_ENCRYPT, OP_FRAGMENT, OP_FRAGMENT_ENCRYPT, OP_REASSEMBLE };

struct bench {
    struct rte_mempool *pool;
    struct dp_esp_engine esp;
    struct dp_reass reass;
    uint8_t frame[2][2048]; /* the input: a whole frame, or two fragment frames */
    size_t len[2];
};

/* Cycles per packet of `op`, less the copy of its input. */
static double run(struct bench *b, enum op op, unsigned n)
{
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    uint64_t copy = 0, total = 0;
    for (unsigned pass = 0; pass < 2; pass++) {
        uint64_t t0 = rte_rdtsc();
        for (unsigned i = 0; i < n; i++) {
            unsigned parts = op == OP_REASSEMBLE ? 2 : 1;
            struct rte_mbuf *m[2];
            for (unsigned k = 0; k < parts; k++) {
                m[k] = rte_pktmbuf_alloc(b->pool);
                memcpy(rte_pktmbuf_append(m[k], (uint16_t)b->len[k]), b->frame[k], b->len[k]);
                if (op == OP_REASSEMBLE) /* a new datagram each time */
                    rte_pktmbuf_mtod_offset(m[k], struct rte_ipv4_hdr *, ETH)->packet_id =
                        (uint16_t)i;
            }
            if (pass == 0) {
                for (unsigned k = 0; k < parts; k++)
                    rte_pktmbuf_free(m[k]);
                continue;
            }
            struct rte_mbuf *f[DP_FRAG_MAX], *whole = NULL;
            unsigned nf = 0;
            switch (op) {
            case OP_ENCRYPT:
                if (dp_esp_encrypt(&b->esp, sa_out, m[0], ETH, &c) < 0)
                    exit(2);
                rte_pktmbuf_free(m[0]);
                break;
            case OP_FRAGMENT:
            case OP_FRAGMENT_ENCRYPT:
                nf = dp_frag_forward(m[0], ETH, TUNNEL_MTU, f, &c);
                if (nf != 2)
                    exit(3);
                for (unsigned k = 0; k < nf; k++) {
                    if (op == OP_FRAGMENT_ENCRYPT &&
                        dp_esp_encrypt(&b->esp, sa_out, f[k], 0, &c) < 0)
                        exit(4);
                    rte_pktmbuf_free(f[k]);
                }
                break;
            case OP_REASSEMBLE:
                for (unsigned k = 0; k < 2; k++) {
                    struct rte_mbuf *got = dp_reass_input(&b->reass, m[k], t0, &c);
                    whole = got != NULL ? got : whole;
                }
                if (whole == NULL)
                    exit(5);
                rte_pktmbuf_free(whole);
                dp_reass_flush(&b->reass);
                break;
            }
        }
        uint64_t t = rte_rdtsc() - t0;
        if (pass == 0)
            copy = t;
        else
            total = t;
    }
    return (double)(total - copy) / n;
}

int main(int argc, char **argv)
{
    if (test_eal_init("bench_frag", "0", "256") < 0)
        return 1;
    unsigned n = 1000000;
    int opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        if (opt == 'n')
            n = (unsigned)strtoul(optarg, NULL, 10);
    }
    static struct bench b;
    struct dp_sadb db;
    char err[160];
    b.pool = rte_pktmbuf_pool_create("bench", 4096, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    if (b.pool == NULL || dp_sadb_init(&db, 1, err, sizeof(err)) < 0 ||
        dp_esp_engine_init(&b.esp) < 0 ||
        dp_reass_init(&b.reass, 1024, 1000, rte_get_tsc_hz(), NULL, 0, err, sizeof(err)) < 0) {
        fprintf(stderr, "bench_frag: setup failed\n");
        return 1;
    }
    install(&db);
    double hz = (double)rte_get_tsc_hz();
    printf("bench_frag: %u packets per figure, TSC %.2f GHz, AES-GCM-128 in UDP, tunnel MTU %u\n",
           n, hz / 1e9, TUNNEL_MTU);

    b.len[0] = make_frame(b.frame[0], TUNNEL_MTU, 1);
    double enc = run(&b, OP_ENCRYPT, n);
    printf("  encrypt a 1438-byte packet whole          %7.0f cycles  %6.2f Mpps\n", enc,
           hz / enc / 1e6);
    b.len[0] = make_frame(b.frame[0], 2000, 1);
    double frag = run(&b, OP_FRAGMENT, n);
    printf("  fragment a 2000-byte packet (2 pieces)    %7.0f cycles  %6.2f Mpps\n", frag,
           hz / frag / 1e6);
    double both = run(&b, OP_FRAGMENT_ENCRYPT, n);
    printf("  fragment it and encrypt both pieces       %7.0f cycles  %6.2f Mpps\n", both,
           hz / both / 1e6);
    /* The two fragments of that packet, as frames to reassemble. */
    struct rte_mbuf *m = rte_pktmbuf_alloc(b.pool), *f[DP_FRAG_MAX];
    memcpy(rte_pktmbuf_append(m, (uint16_t)b.len[0]), b.frame[0], b.len[0]);
    if (dp_frag_ipv4(m, ETH, TUNNEL_MTU, b.pool, f, DP_FRAG_MAX) != 2)
        return 1;
    uint8_t eth[ETH];
    memcpy(eth, b.frame[0], ETH);
    for (unsigned k = 0; k < 2; k++) {
        b.len[k] = ETH + rte_pktmbuf_data_len(f[k]);
        memcpy(b.frame[k], eth, ETH);
        memcpy(b.frame[k] + ETH, rte_pktmbuf_mtod(f[k], uint8_t *), rte_pktmbuf_data_len(f[k]));
        rte_pktmbuf_free(f[k]);
    }
    rte_pktmbuf_free(m);
    double reass = run(&b, OP_REASSEMBLE, n);
    printf("  reassemble 2 fragments of 2000 bytes      %7.0f cycles  %6.2f Mpps\n", reass,
           hz / reass / 1e6);
    dp_reass_free(&b.reass);
    dp_esp_engine_free(&b.esp);
    dp_sadb_free(&db);
    rte_eal_cleanup();
    return 0;
}
