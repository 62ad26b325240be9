/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cost of "is this ours" (dp_addrs_find), which the classifier asks for
 * every IPv4 and IPv6 packet a worker receives: nanoseconds per lookup for 2,
 * 4, 8 and 64 addresses (64: 8 ports of 8), half hits and all misses (transit
 * traffic misses every address). Usage: bench_addrs [-n LOOKUPS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dp_addrs.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* n addresses, every fourth IPv6, the rest 198.51.100.x. */
static void fill(struct dp_addrs *s, unsigned n)
{
    s->n = 0;
    for (unsigned i = 0; i < n; i++) {
        struct dp_addr a = {.family = i % 4 == 3 ? 6 : 4, .prefix_len = 24, .port = 0};
        a.ip[0] = 198;
        a.ip[1] = 51;
        a.ip[2] = 100;
        a.ip[3] = (uint8_t)(i + 1);
        s->a[s->n++] = a;
    }
}

/* ns per lookup of n_lookups, every `miss_every`th one an address not ours (1: all). */
static double run(const struct dp_addrs *s, long n_lookups, long miss_every)
{
    uint32_t hit, miss = 0x04030201;
    memcpy(&hit, s->a[0].ip, 4);
    volatile unsigned found = 0;
    double t0 = now_s();
    for (long i = 0; i < n_lookups; i++) {
        uint32_t x = i % miss_every == 0 ? miss : hit;
        found += dp_addrs_find(s, 4, &x) != NULL;
    }
    return (now_s() - t0) / (double)n_lookups * 1e9;
}

int main(int argc, char **argv)
{
    long n = 100000000;
    int opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        if (opt != 'n' || (n = atol(optarg)) <= 0) {
            fprintf(stderr, "usage: %s [-n LOOKUPS]\n", argv[0]);
            return 2;
        }
    }
    static struct dp_addrs s;
    const unsigned sizes[] = {2, 4, 8, 64};
    printf("addresses  half_hits_ns  all_misses_ns\n");
    for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        fill(&s, sizes[k]);
        printf("%9u  %12.2f  %13.2f\n", sizes[k], run(&s, n, 2), run(&s, n, 1));
    }
    return 0;
}
