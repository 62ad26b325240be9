/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Microbenchmark of the virtual-IP pools (lib/ike/pool) at a million leases:
 * ns per acquire of a new identity, per release, per acquire of a returning
 * identity (its held lease back) and of an online one (one more reference),
 * and the memory each lease costs: the pool's own counter (stats.bytes) and
 * the resident set's growth (/proc/self/statm) while the leases are made.
 * An IPv4 /8 and an IPv6 /64, each in a child process of its own so that
 * the second does not reuse the first's freed memory. It prints figures and
 * never passes or fails (only a pool that refuses a lease stops it).
 *
 *   bench_pool [-n leases] [-r runs] [-c cpu]
 *
 * Identities are "user<i>@example.com" (RFC822_ADDR), built from a table
 * made beforehand; copying one into a struct ike_id is part of each figure.
 * Releases and returns run in a shuffled order. The release and return
 * figures are the best of `runs` rounds (release all, acquire all again),
 * by this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), printed beside the
 * wall clock's ns: on a loaded machine the wall clock counts other work.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#include "ike_consts.h"
#include "ike_pool.h"

#define DEFAULT_LEASES 1000000u
#define DEFAULT_RUNS 3u
#define NAME_MAX_LEN 32

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* This thread's CPU time: what a shared, loaded machine's wall clock adds is not in it. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

static void die(const char *what)
{
    fprintf(stderr, "bench_pool: %s\n", what);
    exit(1);
}

static long rss_bytes(void)
{
    long size, resident;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    int n = fscanf(f, "%ld %ld", &size, &resident);
    fclose(f);
    return n == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

struct bench {
    size_t n;
    char (*names)[NAME_MAX_LEN];
    uint8_t *lens;
    uint32_t *order; /* a shuffled permutation of 0..n-1 */
    struct ike_addr *addrs;
};

struct timing {
    double ns, cpu, cyc;
};

static struct timing per_op(uint64_t t, uint64_t cpu, uint64_t cyc, size_t n)
{
    return (struct timing){(double)t / (double)n, (double)cpu / (double)n, (double)cyc / (double)n};
}

static void set_id(struct ike_id *id, const struct bench *b, size_t i)
{
    id->len = b->lens[i];
    memcpy(id->data, b->names[i], id->len);
}

static struct timing acquire_all(struct ike_pool *p, struct bench *b, bool shuffled,
                                 uint64_t clock_ns)
{
    struct ike_id id;
    id.type = IKE_ID_RFC822_ADDR;
    uint64_t t0 = now_ns(), u0 = cpu_ns(), c0 = tsc();
    for (size_t k = 0; k < b->n; k++) {
        size_t i = shuffled ? b->order[k] : k;
        set_id(&id, b, i);
        if (ike_pool_acquire(p, &id, NULL, clock_ns, &b->addrs[i]) != 0)
            die("an acquire failed");
    }
    uint64_t c1 = tsc(), u1 = cpu_ns(), t1 = now_ns();
    return per_op(t1 - t0, u1 - u0, c1 - c0, b->n);
}

static struct timing release_all(struct ike_pool *p, struct bench *b, uint64_t clock_ns)
{
    uint64_t t0 = now_ns(), u0 = cpu_ns(), c0 = tsc();
    for (size_t k = 0; k < b->n; k++) {
        if (ike_pool_release(p, &b->addrs[b->order[k]], clock_ns) != 0)
            die("a release failed");
    }
    uint64_t c1 = tsc(), u1 = cpu_ns(), t1 = now_ns();
    return per_op(t1 - t0, u1 - u0, c1 - c0, b->n);
}

static void keep_best(struct timing *best, struct timing t, unsigned round)
{
    if (round == 0 || t.cpu < best->cpu)
        *best = t;
}

static void row(const char *name, struct timing t)
{
    printf("  %-46s %9.1f %9.1f %12.0f", name, t.ns, t.cpu, 1e9 / t.cpu);
    if (HAVE_TSC)
        printf(" %10.0f\n", t.cyc);
    else
        printf(" %10s\n", "n/a");
}

static void run_family(struct bench *b, const char *title, const char *first, const char *last,
                       uint8_t prefix_len, unsigned runs)
{
    struct ike_pool_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.name, sizeof(cfg.name), "bench");
    if (ike_addr_parse(&cfg.first, first, 0) != 0 || ike_addr_parse(&cfg.last, last, 0) != 0)
        die("bad range");
    cfg.prefix_len = prefix_len;
    cfg.hold_s = 3600;

    long rss0 = rss_bytes();
    struct ike_pool *p = ike_pool_new(&cfg, 0x5eed5eed12345678ull);
    if (p == NULL)
        die("ike_pool_new failed");
    struct ike_pool_stats empty, full;
    ike_pool_stats(p, &empty);

    struct timing fresh = acquire_all(p, b, false, 0);
    long rss1 = rss_bytes();
    ike_pool_stats(p, &full);
    if (full.online != b->n)
        die("not every lease is online");

    struct timing rel = {0, 0, 0}, back = {0, 0, 0}, again = {0, 0, 0};
    uint64_t clock_ns = 1000000000u;
    for (unsigned r = 0; r < runs; r++) {
        keep_best(&again, acquire_all(p, b, true, clock_ns), r); /* refs 1 -> 2 */
        release_all(p, b, clock_ns);                             /* 2 -> 1 */
        keep_best(&rel, release_all(p, b, clock_ns), r);         /* 1 -> 0: held */
        keep_best(&back, acquire_all(p, b, true, clock_ns), r);  /* held -> online */
        clock_ns += 1000000000u;
    }
    struct ike_pool_stats after;
    ike_pool_stats(p, &after);
    if (after.online != b->n || after.held != 0)
        die("the returning identities did not all get their leases back");

    printf("\n%s: %s - %s, %" PRIu64 " addresses, %zu leases\n", title, first, last, full.size,
           b->n);
    printf("  %-46s %9s %9s %12s %10s\n", "operation", "ns/op", "cpu ns/op", "per cpu sec",
           "TSC cyc/op");
    row("acquire, new identity (empty pool to full)", fresh);
    row("release, last reference (lease held)", rel);
    row("acquire, returning identity (held lease back)", back);
    row("acquire, online identity (one more reference)", again);
    double per_lease = (double)(full.bytes - empty.bytes) / (double)b->n;
    printf("  memory: pool counter %.1f bytes per lease (%" PRIu64 " bytes in all, %" PRIu64
           " empty)\n",
           per_lease, full.bytes, empty.bytes);
    if (rss0 >= 0 && rss1 >= 0)
        printf("  memory: resident set grew %.1f bytes per lease (%.1f MiB)\n",
               (double)(rss1 - rss0) / (double)b->n, (double)(rss1 - rss0) / 1048576.0);
    ike_pool_free(p);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_pool [-n leases] [-r runs] [-c cpu]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    size_t n = DEFAULT_LEASES;
    unsigned runs = DEFAULT_RUNS;
    int cpu = -1, opt;
    while ((opt = getopt(argc, argv, "n:r:c:h")) != -1) {
        switch (opt) {
        case 'n':
            n = (size_t)strtoull(optarg, NULL, 0);
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
    if (n == 0 || n > 16000000 || runs == 0 || optind != argc)
        usage();
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) != 0)
            perror("sched_setaffinity");
    }

    /* Everything the bench itself needs, made and touched before any RSS is read. */
    struct bench b = {.n = n};
    b.names = malloc(n * sizeof(*b.names));
    b.lens = malloc(n);
    b.order = malloc(n * sizeof(*b.order));
    b.addrs = malloc(n * sizeof(*b.addrs));
    if (b.names == NULL || b.lens == NULL || b.order == NULL || b.addrs == NULL)
        die("out of memory");
    memset(b.addrs, 0, n * sizeof(*b.addrs)); /* resident now, not during the figures */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        b.lens[i] = (uint8_t)snprintf(b.names[i], NAME_MAX_LEN, "user%zu@example.com", i);
        b.order[i] = (uint32_t)i;
    }
    for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates, xorshift64 */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = (size_t)(x % (i + 1));
        uint32_t t = b.order[i];
        b.order[i] = b.order[j];
        b.order[j] = t;
    }

    printf("bench_pool: lib/ike/pool, one thread%s\n",
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
    printf("%zu leases per pool, release and return: best of %u rounds; CPU %d\n", n, runs,
           sched_getcpu());
    fflush(stdout);

    static const struct {
        const char *title, *first, *last;
        uint8_t prefix_len;
    } fam[] = {
        {"IPv4 /8", "10.0.0.0", "10.255.255.255", 8},
        {"IPv6 /64", "2001:db8:0:1::", "2001:db8:0:1:ffff:ffff:ffff:ffff", 64},
    };
    for (unsigned f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
            die("fork failed");
        if (pid == 0) {
            run_family(&b, fam[f].title, fam[f].first, fam[f].last, fam[f].prefix_len, runs);
            fflush(stdout);
            _exit(0);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("a family's run failed");
    }
    free(b.names);
    free(b.lens);
    free(b.order);
    free(b.addrs);
    return 0;
}
