/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark of Quick Crash Detection's stateless reply (RFC 6290),
 * ike_qcd_reply(), what a worker lcore runs for each protected request on an
 * IKE SA the gateway lost in a restart: replies per second and cycles per
 * reply on one core. It prints figures and never passes or fails (only a
 * setup that does not produce the path being measured stops it).
 *
 *   bench_qcd [-n iterations] [-r runs] [-c cpu]
 *
 * Every iteration writes a new SPIr into the request, so every reply carries
 * a token of its own (the HMAC is the cost); that store is part of each
 * figure. Each figure is the best of `runs` interleaved runs.
 */
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#include "ike_consts.h"
#include "ike_qcd.h"
#include "ike_writer.h"

#define DEFAULT_ITERS 200000u
#define DEFAULT_RUNS 5u
#define SPI_I 0x0102030405060708ull
#define SPI_R_BASE 0x5eed000000000001ull
#define REQ_MAX 256

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t tsc(void)
{
#if HAVE_TSC
    return __rdtsc();
#else
    return 0;
#endif
}

struct bench {
    struct ike_qcd_keys keys;
    uint8_t req[REQ_MAX];
    size_t len;
    uint8_t out[REQ_MAX];
    uint64_t sink;
};

typedef uint64_t (*bench_fn)(struct bench *b, uint64_t n);

struct row {
    const char *name;
    struct bench *b;
    size_t bytes; /* the request's IKE message */
    bench_fn fn;
    double best_ns, best_cyc;
};

static void die(const char *what)
{
    fprintf(stderr, "bench_qcd: %s\n", what);
    exit(1);
}

/* A protected request of `total` bytes, HDR and one payload of type `first` filling it. */
static void make_request(struct bench *b, uint8_t first, size_t total, bool prev)
{
    memset(b, 0, sizeof(*b));
    for (unsigned i = 0; i < IKE_QCD_SECRET_LEN; i++) {
        b->keys.cur[i] = (uint8_t)(0x11 * i);
        b->keys.prev[i] = (uint8_t)(0x5a ^ i);
    }
    b->keys.has_prev = prev;
    ike_put64(b->req, SPI_I);
    ike_put64(b->req + 8, SPI_R_BASE);
    b->req[16] = first;
    b->req[17] = IKE_MAJOR_VERSION << 4;
    b->req[18] = IKE_EXCH_INFORMATIONAL;
    b->req[19] = IKE_FLAG_INITIATOR;
    ike_put32(b->req + 20, 2);
    ike_put32(b->req + 24, (uint32_t)total);
    ike_put16(b->req + 30, (uint16_t)(total - IKE_HDR_LEN));
    for (size_t i = 32; i < total; i++)
        b->req[i] = (uint8_t)(i * 29);
    b->len = total;
}

/* The request of turn i: its own SPIr, so its own token. */
static uint64_t body_reply(struct bench *b, uint64_t n)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        ike_put64(b->req + 8, SPI_R_BASE + i);
        enum ike_qcd_no_reply why;
        acc += (uint64_t)ike_qcd_reply(&b->keys, b->req, b->len, b->out, sizeof(b->out), &why) +
               b->out[IKE_QCD_REPLY_LEN - 1];
    }
    return acc;
}

/* The token alone: the HMAC-SHA-256 each reply costs once (twice during a rotation). */
static uint64_t body_token(struct bench *b, uint64_t n)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        acc += (uint64_t)ike_qcd_token(b->keys.cur, SPI_I, SPI_R_BASE + i, b->out) + b->out[0];
    }
    return acc;
}

static void check(struct bench *b, long want, const char *what)
{
    enum ike_qcd_no_reply why;
    if (ike_qcd_reply(&b->keys, b->req, b->len, b->out, sizeof(b->out), &why) != want)
        die(what);
}

static void warm_up(struct row *r)
{
    uint64_t until = now_ns() + 1000000000u;
    while (now_ns() < until)
        r->b->sink += r->fn(r->b, 1000);
}

static void measure_all(struct row *rows, unsigned nrows, uint64_t iters, unsigned runs,
                        uint64_t *tot_ns, uint64_t *tot_cyc)
{
    warm_up(&rows[0]);
    for (unsigned k = 0; k < runs; k++) {
        for (unsigned i = 0; i < nrows; i++) {
            struct row *r = &rows[i];
            uint64_t t0 = now_ns(), c0 = tsc();
            r->b->sink += r->fn(r->b, iters);
            uint64_t c1 = tsc(), t1 = now_ns();
            *tot_ns += t1 - t0;
            *tot_cyc += c1 - c0;
            double ns = (double)(t1 - t0) / (double)iters;
            if (k == 0 || ns < r->best_ns) {
                r->best_ns = ns;
                r->best_cyc = (double)(c1 - c0) / (double)iters;
            }
        }
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_qcd [-n iterations] [-r runs] [-c cpu]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t iters = DEFAULT_ITERS;
    unsigned runs = DEFAULT_RUNS;
    int cpu = -1, opt;
    while ((opt = getopt(argc, argv, "n:r:c:h")) != -1) {
        switch (opt) {
        case 'n':
            iters = strtoull(optarg, NULL, 0);
            break;
        case 'r':
            runs = (unsigned)strtoul(optarg, NULL, 0);
            break;
        case 'c':
            cpu = atoi(optarg);
            break;
        default:
            usage();
        }
    }
    if (iters == 0 || runs == 0 || optind != argc)
        usage();
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) != 0)
            perror("sched_setaffinity");
    }

    /*
     * 80 bytes: a liveness check padded so the reply fits (what lib/ike's
     * takers send); 116: room for two tokens during a secret rotation; an
     * unprotected request: refused before any HMAC.
     */
    static struct bench one, two, refused;
    make_request(&one, IKE_PL_SK, 80, false);
    make_request(&two, IKE_PL_SK, IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN, true);
    make_request(&refused, IKE_PL_NOTIFY, 80, false);
    check(&one, IKE_QCD_REPLY_LEN, "the one-token setup does not answer with one token");
    check(&two, IKE_QCD_REPLY_LEN + IKE_QCD_NOTIFY_LEN,
          "the rotation setup does not answer with two tokens");
    check(&refused, -1, "the unprotected setup is answered");

    struct row rows[] = {
        {"(a) ike_qcd_reply -> INVALID_IKE_SPI + 1 token", &one, one.len, body_reply, 0, 0},
        {"(b) ike_qcd_reply -> 2 tokens (secret rotation)", &two, two.len, body_reply, 0, 0},
        {"(c) ike_qcd_reply, unprotected: no reply", &refused, refused.len, body_reply, 0, 0},
        {"(d) ike_qcd_token alone (HMAC-SHA-256)", &one, 16, body_token, 0, 0},
    };
    unsigned nrows = sizeof(rows) / sizeof(rows[0]);

    printf("bench_qcd: lib/ike QCD maker's stateless reply, one thread%s\n",
           cpu >= 0 ? "" : " (not pinned; -c CPU pins it)");
    printf("compiler: %s %s, %s\n",
#if defined(__clang__)
           "clang",
#else
           "gcc",
#endif
           __VERSION__,
#if defined(__OPTIMIZE__) && defined(NDEBUG)
           "optimized, NDEBUG"
#elif defined(__OPTIMIZE__)
           "optimized, asserts on"
#else
           "NOT optimized: figures are not representative"
#endif
    );
    printf("%" PRIu64 " iterations per run, best of %u interleaved runs; CPU %d\n", iters, runs,
           sched_getcpu());
    fflush(stdout);

    uint64_t tot_ns = 0, tot_cyc = 0;
    measure_all(rows, nrows, iters, runs, &tot_ns, &tot_cyc);

    printf("\n%-50s %5s %9s %12s %10s\n", "operation", "bytes", "ns/op", "per second",
           "TSC cyc/op");
    for (unsigned i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        printf("%-50s %5zu %9.1f %12.0f", r->name, r->bytes, r->best_ns, 1e9 / r->best_ns);
        if (HAVE_TSC)
            printf(" %10.0f\n", r->best_cyc);
        else
            printf(" %10s\n", "n/a");
    }
    if (HAVE_TSC && tot_ns > 0)
        printf("TSC: %.3f GHz measured against CLOCK_MONOTONIC over all runs\n",
               (double)tot_cyc / (double)tot_ns);
    printf("(checksum %" PRIu64 ")\n", one.sink + two.sink + refused.sink);
    return 0;
}
