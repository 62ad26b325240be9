/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark of the IKE_SA_INIT fast path: message decoding, the stateless
 * scanner, REDIRECT / COOKIE replies and cookie checks, on real strongSwan
 * requests read from the captures in tests/data. It prints figures and never
 * passes or fails (only a setup that does not produce the path being measured
 * stops it, since its figures would be meaningless).
 *
 *   bench_stateless [-n iterations] [-r runs] [-c cpu] [data-dir]
 *
 * Every iteration writes a new SPIi (and a nonce byte) into the request, so no
 * result can be reused from the previous call; that store is part of each
 * figure. Each figure is the best of `runs` runs, the usual way to read through
 * the noise of a shared machine.
 */
#include <errno.h>
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

#include "ike_cookie.h"
#include "ike_msg.h"
#include "ike_payload.h"
#include "ike_rules.h"
#include "ike_stateless.h"
#include "pcap_io.h"

#ifndef VEER_TEST_DATA
#define VEER_TEST_DATA "tests/data"
#endif

#define NATT_PCAP "strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap"
#define DEFAULT_PCAP "strongswan-5.9.8-psk-default-proposals.pcap"
#define DEFAULT_ITERS 2000000u
#define DEFAULT_RUNS 5u
/* Requests and cookies prepared ahead for the paths whose input must verify. */
#define TABLE_LEN 1024u
#define SPI_BASE 0x5eed000000000001ull
#define NOW_NS 1000000000ull
#define NOTIFY_HDR_LEN 8
#define MAX_REQ 2048u

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

/* A request under test: its bytes and where the fields varied per iteration are. */
struct request {
    const char *label;
    size_t frame_len; /* the captured Ethernet frame, as capture tools show it */
    size_t len;       /* UDP payload = IKE message (port 500) */
    size_t nonce_off;
    size_t nonce_len;
    uint8_t buf[MAX_REQ];
};

/* Everything one benchmark body needs; `sink` keeps results observable. */
struct bench {
    struct request *req;
    struct ike_msg msg;
    struct ike_sa_payload sa;
    struct ike_cookie_keys keys;
    struct ike_sl_config cfg_redirect;
    struct ike_sl_config cfg_cookie;
    struct ike_addr client;
    struct ike_gw_id target;
    uint8_t out[MAX_REQ];
    /* ADMIT: TABLE_LEN requests, each with its SPIi and a cookie made for it. */
    uint8_t *admit_reqs;
    size_t admit_len;
    /* cookie_verify: TABLE_LEN cookies, one per SPIi. */
    uint8_t cookies[TABLE_LEN][IKE_COOKIE_LEN];
    uint64_t sink;
};

static void die(const char *what)
{
    fprintf(stderr, "bench_stateless: %s\n", what);
    exit(1);
}

static bool pick_fixed(void *opaque, const struct ike_addr *client,
                       const struct ike_gw_id *redirected_from, struct ike_gw_id *target)
{
    (void)client;
    (void)redirected_from;
    /* Only the bytes in use: a whole-struct copy (257 bytes) cost ~15 ns, a policy's cost. */
    const struct ike_gw_id *gw = opaque;
    target->type = gw->type;
    target->len = gw->len;
    memcpy(target->value, gw->value, gw->len);
    return true;
}

/* Writes a new SPIi and nonce byte: what differs between two clients' requests. */
static inline void vary(uint8_t *ike, size_t nonce_off, uint64_t i)
{
    ike_put64(ike, SPI_BASE + i);
    ike[nonce_off] = (uint8_t)i;
}

/* ---- the measured bodies: each runs `n` iterations and returns a checksum ---- */

/* The request of turn i: the bench's one request with a nonce of its own. */
static struct request *turn(struct bench *b, uint64_t i)
{
    struct request *r = b->req;
    vary(r->buf, r->nonce_off, i);
    return r;
}

/* Turn i's request decoded into b->msg and its rules checked, as the control plane starts. */
static int decode_checked(struct bench *b, uint64_t i, struct ike_err *err)
{
    const struct request *r = turn(b, i);
    int rc = ike_msg_decode(r->buf, r->len, &b->msg, err);
    return rc | ike_msg_check_rules(&b->msg, err);
}

static uint64_t body_decode_rules(struct bench *b, uint64_t n)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct ike_err err;
        acc += (uint64_t)decode_checked(b, i, &err) + b->msg.npayloads;
    }
    return acc;
}

/* What the control plane does with a request it admitted: every payload decoded. */
static uint64_t body_decode_full(struct bench *b, uint64_t n)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct ike_err err;
        int rc = decode_checked(b, i, &err);
        for (unsigned k = 0; rc == 0 && k < b->msg.npayloads; k++) {
            const struct ike_pl *pl = &b->msg.pl[k];
            switch (pl->type) {
            case IKE_PL_SA:
                rc |= ike_sa_decode(pl, &b->sa, &err);
                acc += b->sa.ntransforms;
                break;
            case IKE_PL_KE: {
                struct ike_ke_payload ke;
                rc |= ike_ke_decode(pl, &ke, &err);
                acc += ke.group;
                break;
            }
            case IKE_PL_NONCE: {
                struct ike_bytes nonce;
                rc |= ike_nonce_decode(pl, &nonce, &err);
                acc += nonce.len;
                break;
            }
            case IKE_PL_NOTIFY: {
                struct ike_notify_payload nt;
                rc |= ike_notify_decode(pl, &nt, &err);
                acc += nt.type;
                if (rc == 0 && nt.type == IKE_N_SIGNATURE_HASH_ALGORITHMS) {
                    uint16_t algs[IKE_MAX_HASH_ALGS];
                    unsigned nalgs = 0;
                    rc |= ike_notify_hash_algs_decode(&nt, algs, &nalgs, &err);
                    acc += nalgs;
                }
                break;
            }
            case IKE_PL_VENDOR: {
                struct ike_bytes vid;
                rc |= ike_vendor_decode(pl, &vid, &err);
                acc += vid.len;
                break;
            }
            default:
                break;
            }
        }
        acc += (uint64_t)rc;
    }
    return acc;
}

static uint64_t body_sl_parse(struct bench *b, uint64_t n)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        const struct request *r = turn(b, i);
        struct ike_sl_request req;
        struct ike_err err;
        int rc = ike_sl_parse(r->buf, r->len, false, &req, &err);
        acc += (uint64_t)rc + req.nonce.len + req.spi_i;
    }
    return acc;
}

static uint64_t respond_loop(struct bench *b, const struct ike_sl_config *cfg, uint64_t n)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        const struct request *r = turn(b, i);
        struct ike_sl_result res;
        ike_sl_respond(cfg, NOW_NS, &b->client, r->buf, r->len, false, b->out, sizeof(b->out),
                       &res);
        acc += res.action + res.reply_len + b->out[0];
    }
    return acc;
}

static uint64_t body_redirect(struct bench *b, uint64_t n)
{
    return respond_loop(b, &b->cfg_redirect, n);
}

static uint64_t body_cookie(struct bench *b, uint64_t n)
{
    return respond_loop(b, &b->cfg_cookie, n);
}

static uint64_t body_cookie_verify(struct bench *b, uint64_t n)
{
    uint64_t acc = 0;
    struct request *r = b->req;
    const uint8_t *ni = r->buf + r->nonce_off;
    for (uint64_t i = 0; i < n; i++) {
        unsigned k = (unsigned)(i % TABLE_LEN);
        acc += ike_cookie_verify(&b->keys, NOW_NS, b->cookies[k], IKE_COOKIE_LEN, ni, r->nonce_len,
                                 &b->client, SPI_BASE + k);
    }
    return acc;
}

static uint64_t body_admit(struct bench *b, uint64_t n)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *req = b->admit_reqs + (i % TABLE_LEN) * b->admit_len;
        struct ike_sl_result res;
        ike_sl_respond(&b->cfg_redirect, NOW_NS, &b->client, req, b->admit_len, false, b->out,
                       sizeof(b->out), &res);
        acc += res.action + res.cookie;
    }
    return acc;
}

/* ---- setup ---- */

static void load_request(struct request *r, const char *dir, const char *file, const char *label)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    struct pcap_udp *u = malloc(sizeof(*u));
    if (u == NULL)
        die("out of memory");
    int rc = pcap_io_read_udp(path, 0, u);
    if (rc < 0) {
        fprintf(stderr, "bench_stateless: %s: frame 0: %s\n", path, strerror(-rc));
        exit(1);
    }
    if (u->len > sizeof(r->buf))
        die("request larger than the bench buffer");
    memset(r, 0, sizeof(*r));
    r->label = label;
    r->len = u->len;
    /* Ethernet, IPv4 without options, UDP: how capture tools count the frame. */
    r->frame_len = 14 + 20 + 8 + u->len;
    memcpy(r->buf, u->payload, u->len);
    free(u);

    struct ike_msg *msg = malloc(sizeof(*msg));
    struct ike_err err;
    if (msg == NULL || ike_msg_decode(r->buf, r->len, msg, &err) < 0)
        die("captured request does not decode");
    const struct ike_pl *nonce = ike_msg_find(msg, IKE_PL_NONCE, NULL);
    if (nonce == NULL)
        die("captured request has no nonce");
    r->nonce_off = (size_t)(nonce->body - r->buf);
    r->nonce_len = nonce->len;
    free(msg);
}

/*
 * The same request with N(COOKIE) first, as a client sends it back (RFC 7296
 * 2.6), one copy per SPIi of the table, each with the cookie made for it.
 */
static void make_admit_table(struct bench *b)
{
    const struct request *r = b->req;
    size_t add = NOTIFY_HDR_LEN + IKE_COOKIE_LEN;
    b->admit_len = r->len + add;
    b->admit_reqs = malloc(TABLE_LEN * b->admit_len);
    if (b->admit_reqs == NULL)
        die("out of memory");
    for (unsigned k = 0; k < TABLE_LEN; k++) {
        uint8_t *q = b->admit_reqs + (size_t)k * b->admit_len;
        memcpy(q, r->buf, IKE_HDR_LEN);
        uint8_t *n = q + IKE_HDR_LEN;
        n[0] = r->buf[16];
        n[1] = 0;
        ike_put16(n + 2, (uint16_t)add);
        n[4] = IKE_PROTO_NONE;
        n[5] = 0;
        ike_put16(n + 6, IKE_N_COOKIE);
        memcpy(n + add, r->buf + IKE_HDR_LEN, r->len - IKE_HDR_LEN);
        q[16] = IKE_PL_NOTIFY;
        ike_put32(q + 24, (uint32_t)b->admit_len);
        ike_put64(q, SPI_BASE + k);
        const uint8_t *ni = q + r->nonce_off + add;
        ike_cookie_make(&b->keys, ni, r->nonce_len, &b->client, SPI_BASE + k, n + NOTIFY_HDR_LEN);
    }
}

static void make_cookie_table(struct bench *b)
{
    const struct request *r = b->req;
    for (unsigned k = 0; k < TABLE_LEN; k++)
        ike_cookie_make(&b->keys, r->buf + r->nonce_off, r->nonce_len, &b->client, SPI_BASE + k,
                        b->cookies[k]);
}

/* Runs each path once and stops if it is not the path the row claims to measure. */
static void check_paths(struct bench *b, size_t *redirect_len, size_t *cookie_len)
{
    struct request *r = b->req;
    struct ike_sl_result res;
    ike_sl_respond(&b->cfg_redirect, NOW_NS, &b->client, r->buf, r->len, false, b->out,
                   sizeof(b->out), &res);
    if (res.action != IKE_SL_REDIRECT)
        die("the REDIRECT setup does not redirect");
    *redirect_len = res.reply_len;
    ike_sl_respond(&b->cfg_cookie, NOW_NS, &b->client, r->buf, r->len, false, b->out,
                   sizeof(b->out), &res);
    if (res.action != IKE_SL_COOKIE)
        die("the COOKIE setup does not answer with a cookie");
    *cookie_len = res.reply_len;
    ike_sl_respond(&b->cfg_redirect, NOW_NS, &b->client, b->admit_reqs, b->admit_len, false, b->out,
                   sizeof(b->out), &res);
    if (res.action != IKE_SL_ADMIT)
        die("the ADMIT setup is not admitted");
    if (ike_cookie_verify(&b->keys, NOW_NS, b->cookies[1], IKE_COOKIE_LEN, r->buf + r->nonce_off,
                          r->nonce_len, &b->client, SPI_BASE + 1) != IKE_COOKIE_VALID)
        die("the cookie_verify setup does not verify");
    struct ike_err err;
    if (ike_msg_decode(r->buf, r->len, &b->msg, &err) < 0 || ike_msg_check_rules(&b->msg, &err))
        die("the request does not pass the rules");
    if (body_decode_full(b, 1) == 0)
        die("full decode failed");
}

/* ---- measuring and printing ---- */

typedef uint64_t (*bench_fn)(struct bench *b, uint64_t n);

struct row {
    const char *name;
    struct bench *b;
    size_t bytes;
    bench_fn fn;
    double best_ns;
    double best_cyc;
};

/*
 * Runs the first body for about a second before anything is timed: on these
 * machines the first few hundred milliseconds ran up to twice as slow (clock
 * ramping up, caches and predictors cold).
 */
static void warm_up(struct row *r)
{
    uint64_t until = now_ns() + 1000000000u;
    while (now_ns() < until)
        r->b->sink += r->fn(r->b, 10000);
}

/*
 * Every row runs once per round, rounds repeat `runs` times, and each row keeps
 * its best round: a burst of noise from a neighbour then costs one round of
 * several rows instead of every round of one row.
 */
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

static void print_row(const struct row *r)
{
    printf("%-54s %5zu %9.1f %9.2f", r->name, r->bytes, r->best_ns, 1000.0 / r->best_ns);
    if (HAVE_TSC)
        printf(" %10.0f\n", r->best_cyc);
    else
        printf(" %10s\n", "n/a");
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_stateless [-n iterations] [-r runs] [-c cpu] [data-dir]\n");
    exit(2);
}

/* One bench per request: its tables and configurations, set up and checked. */
static struct bench *bench_new(struct request *r, const struct ike_gw_id *target)
{
    struct bench *b = calloc(1, sizeof(*b));
    if (b == NULL)
        die("out of memory");
    static const uint8_t secret[IKE_COOKIE_SECRET_LEN] = "bench-secret-0123456789abcdefgh";
    ike_cookie_keys_init(&b->keys, secret);
    if (ike_addr_parse(&b->client, "198.51.100.2", IKE_PORT) < 0)
        die("address");
    b->req = r;
    b->target = *target;
    b->cfg_redirect = (struct ike_sl_config){
        .cookie_keys = &b->keys, .pick_redirect = pick_fixed, .pick_opaque = &b->target};
    /* No policy: a client that supports redirection still gets a COOKIE (no_policy). */
    b->cfg_cookie = (struct ike_sl_config){.cookie_keys = &b->keys};
    make_cookie_table(b);
    make_admit_table(b);
    return b;
}

#define MAX_ROWS 16

int main(int argc, char **argv)
{
    uint64_t iters = DEFAULT_ITERS;
    unsigned runs = DEFAULT_RUNS;
    int cpu = -1;
    int opt;
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
    if (iters == 0 || runs == 0 || argc - optind > 1)
        usage();
    const char *dir = optind < argc ? argv[optind] : VEER_TEST_DATA;
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) != 0)
            perror("sched_setaffinity");
    }

    struct request *reqs = calloc(2, sizeof(*reqs));
    if (reqs == NULL)
        die("out of memory");
    load_request(&reqs[0], dir, NATT_PCAP, "strongSwan AES-GCM/X25519");
    load_request(&reqs[1], dir, DEFAULT_PCAP, "strongSwan default proposals");
    const struct ike_gw_id target = {.type = IKE_GW_IPV4, .len = 4, .value = {192, 0, 2, 99}};
    struct bench *benches[2];
    size_t reply_len[2][2];
    for (unsigned i = 0; i < 2; i++) {
        benches[i] = bench_new(&reqs[i], &target);
        check_paths(benches[i], &reply_len[i][0], &reply_len[i][1]);
    }

    /* main's frame outlives every row that points at these names. */
    char names[MAX_ROWS][96];
    struct row rows[MAX_ROWS];
    unsigned nrows = 0;
#define ROW(bench, nbytes, func, ...)                                                              \
    do {                                                                                           \
        snprintf(names[nrows], sizeof(names[nrows]), __VA_ARGS__);                                 \
        rows[nrows] =                                                                              \
            (struct row){.name = names[nrows], .b = (bench), .bytes = (nbytes), .fn = (func)};     \
        nrows++;                                                                                   \
    } while (0)
    for (unsigned i = 0; i < 2; i++) {
        struct bench *b = benches[i];
        size_t n = reqs[i].len;
        ROW(b, n, body_decode_rules, "(a) msg_decode + check_rules [%zuB]", n);
        ROW(b, n, body_decode_full, "(a) full decode: + SA/KE/Nonce/Notify [%zuB]", n);
        ROW(b, n, body_sl_parse, "(b) ike_sl_parse [%zuB]", n);
        ROW(b, n, body_redirect, "(c) ike_sl_respond -> REDIRECT (IPv4 gw) [%zuB]", n);
        ROW(b, n, body_cookie, "(d) ike_sl_respond -> COOKIE (no policy) [%zuB]", n);
        if (i == 0)
            ROW(b, IKE_COOKIE_LEN, body_cookie_verify, "(e) ike_cookie_verify, valid (Ni %zu B)",
                reqs[i].nonce_len);
        ROW(b, b->admit_len, body_admit, "(f) ike_sl_respond, valid cookie -> ADMIT [%zuB]",
            b->admit_len);
    }
#undef ROW

    printf("bench_stateless: lib/ike stateless IKE_SA_INIT path, one thread%s\n",
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
    printf("data: %s; %" PRIu64 " iterations per run, best of %u interleaved runs; CPU %d\n", dir,
           iters, runs, sched_getcpu());
    for (unsigned i = 0; i < 2; i++)
        printf("request %u: %s, frame 0 of its capture: %zu-byte frame, %zu-byte IKE message, "
               "Ni %zu bytes\n",
               i, reqs[i].label, reqs[i].frame_len, reqs[i].len, reqs[i].nonce_len);
    fflush(stdout);

    uint64_t tot_ns = 0, tot_cyc = 0;
    measure_all(rows, nrows, iters, runs, &tot_ns, &tot_cyc);

    printf("\n%-54s %5s %9s %9s %10s\n", "operation", "bytes", "ns/op", "Mops/s", "TSC cyc/op");
    for (unsigned i = 0; i < nrows; i++)
        print_row(&rows[i]);
    printf("\nreplies (UDP payload bytes): REDIRECT %zu / %zu, COOKIE %zu / %zu "
           "for the %zu / %zu-byte requests\n",
           reply_len[0][0], reply_len[1][0], reply_len[0][1], reply_len[1][1], reqs[0].len,
           reqs[1].len);
    if (HAVE_TSC && tot_ns > 0)
        printf("TSC: %.3f GHz measured against CLOCK_MONOTONIC over all runs (TSC cycles "
               "tick at that constant rate, not the core's current clock)\n",
               (double)tot_cyc / (double)tot_ns);
    uint64_t sink = 0;
    for (unsigned i = 0; i < 2; i++) {
        sink += benches[i]->sink;
        free(benches[i]->admit_reqs);
        free(benches[i]);
    }
    printf("(checksum %" PRIu64 ")\n", sink);
    free(reqs);
    return 0;
}
