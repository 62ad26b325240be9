/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ways to hand intel-ipsec-mb 1.3 a burst of AES-CBC + HMAC-SHA-256 ESP
 * encryptions (cipher over IV field and payload, then HMAC over header, IV
 * and ciphertext, as lib/dp/esp/esp_cbc.c does), the crypto alone, one core:
 *
 *   job-1      IMB_SUBMIT_JOB and IMB_FLUSH_JOB per packet (veer before bursts)
 *   job-32     IMB_SUBMIT_JOB for a burst of 32, IMB_FLUSH_JOB at its end (veer now)
 *   burst-32   IMB_GET_NEXT_BURST / IMB_SUBMIT_BURST / IMB_FLUSH_BURST
 *   split-32   IMB_SUBMIT_CIPHER_BURST for the burst, then IMB_SUBMIT_HASH_BURST
 *
 * each on the SSE and the AVX-512 manager, AES-128 and AES-256, 64/512/1408-byte
 * payloads. Every way's output is first checked byte for byte against job-1's.
 * Cycles per packet, the fastest of -r passes of 256 packets. Prints figures; fails only when
 * the ways disagree.
 *
 *   bench_imb_cbc [-r REPEAT]
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <x86intrin.h>

#define BURST 32
#define PASS 256
#define HDR 8
#define IV 16
#define ICV 16
#define MAX_PAYLOAD 1408

struct keys {
    uint32_t enc[60] __attribute__((aligned(16)));
    uint32_t dec[60] __attribute__((aligned(16)));
    uint8_t ipad[32], opad[32];
    uint8_t seed[IV];
    unsigned key_bytes;
};

struct pkts {
    uint8_t buf[BURST][HDR + IV + MAX_PAYLOAD + ICV];
    size_t payload;
};

enum way { JOB_1, JOB_32, BURST_32, SPLIT_32, NWAYS };
static const char *const way_names[NWAYS] = {"job-1", "job-32", "burst-32", "split-32"};

static void fill_cipher(IMB_JOB *job, const struct keys *k, uint8_t *p, size_t payload)
{
    job->cipher_mode = IMB_CIPHER_CBC;
    job->cipher_direction = IMB_DIR_ENCRYPT;
    job->enc_keys = k->enc;
    job->dec_keys = k->dec;
    job->key_len_in_bytes = k->key_bytes;
    job->src = p;
    job->dst = p + HDR;
    job->cipher_start_src_offset_in_bytes = HDR;
    job->msg_len_to_cipher_in_bytes = IV + payload;
    job->iv = k->seed;
    job->iv_len_in_bytes = IV;
}

static void fill_hash(IMB_JOB *job, const struct keys *k, uint8_t *p, size_t payload)
{
    job->hash_alg = IMB_AUTH_HMAC_SHA_256;
    job->src = p;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = HDR + IV + payload;
    job->auth_tag_output = p + HDR + IV + payload;
    job->auth_tag_output_len_in_bytes = ICV;
    job->u.HMAC._hashed_auth_key_xor_ipad = k->ipad;
    job->u.HMAC._hashed_auth_key_xor_opad = k->opad;
}

static void fill_job(IMB_JOB *job, const struct keys *k, uint8_t *p, size_t payload)
{
    fill_cipher(job, k, p, payload);
    fill_hash(job, k, p, payload);
    job->chain_order = IMB_ORDER_CIPHER_HASH;
}

static void check(const IMB_JOB *job)
{
    if (job->status != IMB_STATUS_COMPLETED) {
        fprintf(stderr, "bench_imb_cbc: job failed, status %d\n", (int)job->status);
        exit(1);
    }
}

/* One burst of BURST packets, one of the ways. */
static void run_burst(IMB_MGR *mgr, enum way way, const struct keys *k, struct pkts *b)
{
    IMB_JOB *job;
    switch (way) {
    case JOB_1:
        for (unsigned i = 0; i < BURST; i++) {
            fill_job(IMB_GET_NEXT_JOB(mgr), k, b->buf[i], b->payload);
            job = IMB_SUBMIT_JOB(mgr);
            while (job == NULL)
                job = IMB_FLUSH_JOB(mgr);
            check(job);
        }
        break;
    case JOB_32:
        for (unsigned i = 0; i < BURST; i++) {
            fill_job(IMB_GET_NEXT_JOB(mgr), k, b->buf[i], b->payload);
            for (job = IMB_SUBMIT_JOB(mgr); job != NULL; job = IMB_GET_COMPLETED_JOB(mgr))
                check(job);
        }
        while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
            check(job);
        break;
    case BURST_32: {
        IMB_JOB *jobs[BURST];
        unsigned got = IMB_GET_NEXT_BURST(mgr, BURST, jobs);
        if (got != BURST)
            exit(1);
        for (unsigned i = 0; i < BURST; i++)
            fill_job(jobs[i], k, b->buf[i], b->payload);
        unsigned done = IMB_SUBMIT_BURST(mgr, BURST, jobs);
        for (unsigned i = 0; i < done; i++)
            check(jobs[i]);
        done = IMB_FLUSH_BURST(mgr, BURST, jobs);
        for (unsigned i = 0; i < done; i++)
            check(jobs[i]);
        break;
    }
    case SPLIT_32: {
        IMB_JOB jobs[BURST];
        for (unsigned i = 0; i < BURST; i++)
            fill_cipher(&jobs[i], k, b->buf[i], b->payload);
        IMB_SUBMIT_CIPHER_BURST(mgr, jobs, BURST, IMB_CIPHER_CBC, IMB_DIR_ENCRYPT,
                                k->key_bytes == 16 ? IMB_KEY_128_BYTES : IMB_KEY_256_BYTES);
        for (unsigned i = 0; i < BURST; i++)
            fill_hash(&jobs[i], k, b->buf[i], b->payload);
        IMB_SUBMIT_HASH_BURST(mgr, jobs, BURST, IMB_AUTH_HMAC_SHA_256);
        for (unsigned i = 0; i < BURST; i++)
            check(&jobs[i]);
        break;
    }
    default:
        break;
    }
}

static void fresh(struct pkts *b, size_t payload)
{
    b->payload = payload;
    for (unsigned i = 0; i < BURST; i++)
        for (size_t j = 0; j < sizeof(b->buf[i]); j++)
            b->buf[i][j] = (uint8_t)(i * 31 + j * 7);
}

int main(int argc, char **argv)
{
    unsigned repeat = 50;
    int opt;
    while ((opt = getopt(argc, argv, "r:")) != -1) {
        if (opt == 'r')
            repeat = (unsigned)strtoul(optarg, NULL, 10);
    }
    IMB_MGR *mgrs[2] = {alloc_mb_mgr(0), alloc_mb_mgr(0)};
    if (mgrs[0] == NULL || mgrs[1] == NULL)
        return 1;
    init_mb_mgr_sse(mgrs[0]);
    init_mb_mgr_avx512(mgrs[1]);
    static const char *const mgr_names[2] = {"sse", "avx512"};
    static struct pkts ref, b;
    static struct keys k;
    uint8_t key[32], block[64];
    for (unsigned i = 0; i < 32; i++)
        key[i] = (uint8_t)(i * 5 + 1);
    memset(block, 0x36, sizeof(block));
    IMB_SHA256_ONE_BLOCK(mgrs[0], block, k.ipad);
    memset(block, 0x5c, sizeof(block));
    IMB_SHA256_ONE_BLOCK(mgrs[0], block, k.opad);
    memset(k.seed, 0xa5, sizeof(k.seed));
    static const size_t payloads[] = {64, 512, 1408};
    printf("bench_imb_cbc: intel-ipsec-mb %s, AES-CBC + HMAC-SHA-256-128 encrypt, bursts of %u, "
           "cycles per packet (TSC), fastest of %u passes of %u packets\n\n",
           imb_get_version_str(), BURST, repeat, PASS);
    printf("%-7s %-7s %-8s", "manager", "key", "payload");
    for (unsigned w = 0; w < NWAYS; w++)
        printf(" %9s", way_names[w]);
    printf("\n");
    for (unsigned bits = 128; bits <= 256; bits += 128) {
        k.key_bytes = bits / 8;
        if (bits == 128)
            IMB_AES_KEYEXP_128(mgrs[0], key, k.enc, k.dec);
        else
            IMB_AES_KEYEXP_256(mgrs[0], key, k.enc, k.dec);
        for (unsigned m = 0; m < 2; m++) {
            for (unsigned s = 0; s < sizeof(payloads) / sizeof(payloads[0]); s++) {
                fresh(&ref, payloads[s]);
                run_burst(mgrs[0], JOB_1, &k, &ref);
                printf("%-7s AES-%-3u %-8zu", mgr_names[m], bits, payloads[s]);
                for (unsigned w = 0; w < NWAYS; w++) {
                    fresh(&b, payloads[s]);
                    run_burst(mgrs[m], (enum way)w, &k, &b);
                    if (memcmp(&b, &ref, sizeof(b)) != 0) {
                        fprintf(stderr, "\nbench_imb_cbc: %s on %s differs from job-1 on sse\n",
                                way_names[w], mgr_names[m]);
                        return 2;
                    }
                    uint64_t best = UINT64_MAX;
                    for (unsigned r = 0; r < repeat; r++) {
                        uint64_t t0 = __rdtsc();
                        for (unsigned i = 0; i < PASS / BURST; i++)
                            run_burst(mgrs[m], (enum way)w, &k, &b);
                        uint64_t t = __rdtsc() - t0;
                        best = t < best ? t : best;
                    }
                    printf(" %9.0f", (double)best / PASS);
                }
                printf("\n");
            }
        }
    }
    free_mb_mgr(mgrs[0]);
    free_mb_mgr(mgrs[1]);
    return 0;
}
