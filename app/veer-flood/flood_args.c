/* SPDX-License-Identifier: BSD-3-Clause */
#include "flood_args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_BURST 32
#define MAX_RX_QUEUES 16
#define MAX_BURST 256
#define MIN_UDP_SIZE 28   /* IPv4 + UDP headers */
#define MAX_UDP_SIZE 1500 /* one Ethernet MTU */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: veer-flood [EAL options] -- --device DEV --local IP/LEN --dst IP [options]\n"
            "  --device DEV          the port: a vdev (net_memif0,role=client,socket=...) or PCI\n"
            "  --rx-queues N         RX queues to poll (default 1); over memif, as many as the\n"
            "                        peer has TX queues (veer: workers + 1)\n"
            "  --local IP/LEN        our address on the link (ARP answers, cookie replies)\n"
            "  --dst IP              the gateway under test\n"
            "  --mode ike|udp        IKE_SA_INIT requests (default) or plain UDP datagrams\n"
            "  --dst-port N          500 (default) or 4500 (with the non-ESP marker)\n"
            "  --src NET/LEN         made-up client addresses (default 203.0.113.0/24);\n"
            "                        veer-flood answers ARP for all of them\n"
            "  --sport MIN-MAX       made-up client ports (default 1024-65535)\n"
            "  --rate PPS            packets per second (default 0: as fast as possible)\n"
            "  --duration SECONDS    stop after this long (default 5)\n"
            "  --count N             stop after N packets\n"
            "  --burst N             packets per TX burst (default 32, at most 256)\n"
            "  --no-redirect-supported  leave N(REDIRECT_SUPPORTED) out of the requests\n"
            "  --answer-cookies      send each COOKIE back in a new request, as a client would\n"
            "  --size BYTES          UDP mode: IP packet size (28..1500, default 64)\n"
            "  --stats SECONDS       print running figures this often (default 1, 0: never)\n"
            "  --seed N              random seed (default: from the clock)\n");
}

static int parse_u64(const char *s, const char *what, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max) {
        fprintf(stderr, "veer-flood: %s: '%s' is not a number up to %" PRIu64 "\n", what, s, max);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, const char *what, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= 0) || v > 86400 * 365) {
        fprintf(stderr, "veer-flood: %s: '%s' is not a number of seconds\n", what, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* "a.b.c.d/len" -> network-order address and prefix length. */
static int parse_cidr(const char *s, const char *what, uint32_t *ip, uint8_t *len)
{
    char buf[32];
    const char *slash = strchr(s, '/');
    size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
    uint64_t l = 32;
    struct in_addr a;
    if (n >= sizeof(buf))
        goto bad;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, &a) != 1)
        goto bad;
    if (slash != NULL && parse_u64(slash + 1, what, 32, &l) != 0)
        return -1;
    *ip = a.s_addr;
    *len = (uint8_t)l;
    return 0;
bad:
    fprintf(stderr, "veer-flood: %s: '%s' is not an IPv4 address[/len]\n", what, s);
    return -1;
}

static int parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
    char buf[16];
    const char *dash = strchr(s, '-');
    uint64_t a, b;
    if (dash == NULL || (size_t)(dash - s) >= sizeof(buf)) {
        fprintf(stderr, "veer-flood: --sport: '%s' is not MIN-MAX\n", s);
        return -1;
    }
    memcpy(buf, s, (size_t)(dash - s));
    buf[dash - s] = '\0';
    if (parse_u64(buf, "--sport", UINT16_MAX, &a) != 0 ||
        parse_u64(dash + 1, "--sport", UINT16_MAX, &b) != 0)
        return -1;
    if (a == 0 || a > b) {
        fprintf(stderr, "veer-flood: --sport: '%s' is empty or starts at 0\n", s);
        return -1;
    }
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return 0;
}

enum {
    OPT_DEVICE = 256,
    OPT_RXQ,
    OPT_LOCAL,
    OPT_DST,
    OPT_MODE,
    OPT_DST_PORT,
    OPT_SRC,
    OPT_SPORT,
    OPT_RATE,
    OPT_DURATION,
    OPT_COUNT,
    OPT_BURST,
    OPT_NO_REDIRECT,
    OPT_COOKIES,
    OPT_SIZE,
    OPT_STATS,
    OPT_SEED,
};

static int parse_one(struct flood_args *a, int c, const char *v)
{
    uint64_t n;
    uint8_t len;
    uint32_t ip;
    switch (c) {
    case OPT_DEVICE:
        a->device = v;
        return 0;
    case OPT_RXQ:
        if (parse_u64(v, "--rx-queues", MAX_RX_QUEUES, &n) != 0 || n == 0)
            return -1;
        a->rx_queues = (uint16_t)n;
        return 0;
    case OPT_LOCAL:
        return parse_cidr(v, "--local", &a->local_ip, &a->local_prefix);
    case OPT_DST:
        if (parse_cidr(v, "--dst", &a->dst_ip, &len) != 0 || len != 32)
            return -1;
        return 0;
    case OPT_MODE:
        if (strcmp(v, "ike") == 0)
            a->mode = FLOOD_MODE_IKE;
        else if (strcmp(v, "udp") == 0)
            a->mode = FLOOD_MODE_UDP;
        else {
            fprintf(stderr, "veer-flood: --mode: '%s' is neither ike nor udp\n", v);
            return -1;
        }
        return 0;
    case OPT_DST_PORT:
        if (parse_u64(v, "--dst-port", UINT16_MAX, &n) != 0 || n == 0)
            return -1;
        a->dst_port = (uint16_t)n;
        return 0;
    case OPT_SRC:
        if (parse_cidr(v, "--src", &ip, &len) != 0 || len < 8) {
            fprintf(stderr, "veer-flood: --src: the prefix must be /8 or longer\n");
            return -1;
        }
        a->src_count = len == 32 ? 1 : 1u << (32 - len);
        a->src_net = ntohl(ip) & ~(a->src_count - 1);
        return 0;
    case OPT_SPORT:
        return parse_ports(v, &a->sport_min, &a->sport_max);
    case OPT_RATE:
        return parse_u64(v, "--rate", UINT64_C(1000000000), &a->rate);
    case OPT_DURATION:
        return parse_seconds(v, "--duration", &a->duration);
    case OPT_COUNT:
        return parse_u64(v, "--count", UINT64_MAX, &a->count);
    case OPT_BURST:
        if (parse_u64(v, "--burst", MAX_BURST, &n) != 0 || n == 0)
            return -1;
        a->burst = (unsigned)n;
        return 0;
    case OPT_NO_REDIRECT:
        a->redirect_supported = false;
        return 0;
    case OPT_COOKIES:
        a->answer_cookies = true;
        return 0;
    case OPT_SIZE:
        if (parse_u64(v, "--size", MAX_UDP_SIZE, &n) != 0 || n < MIN_UDP_SIZE) {
            fprintf(stderr, "veer-flood: --size must be %d..%d\n", MIN_UDP_SIZE, MAX_UDP_SIZE);
            return -1;
        }
        a->size = (unsigned)n;
        return 0;
    case OPT_STATS:
        return parse_seconds(v, "--stats", &a->stats_interval);
    case OPT_SEED:
        return parse_u64(v, "--seed", UINT64_MAX, &a->seed);
    default:
        return -1;
    }
}

int flood_args_parse(struct flood_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"device", required_argument, NULL, OPT_DEVICE},
        {"rx-queues", required_argument, NULL, OPT_RXQ},
        {"local", required_argument, NULL, OPT_LOCAL},
        {"dst", required_argument, NULL, OPT_DST},
        {"mode", required_argument, NULL, OPT_MODE},
        {"dst-port", required_argument, NULL, OPT_DST_PORT},
        {"src", required_argument, NULL, OPT_SRC},
        {"sport", required_argument, NULL, OPT_SPORT},
        {"rate", required_argument, NULL, OPT_RATE},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"count", required_argument, NULL, OPT_COUNT},
        {"burst", required_argument, NULL, OPT_BURST},
        {"no-redirect-supported", no_argument, NULL, OPT_NO_REDIRECT},
        {"answer-cookies", no_argument, NULL, OPT_COOKIES},
        {"size", required_argument, NULL, OPT_SIZE},
        {"stats", required_argument, NULL, OPT_STATS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    *a = (struct flood_args){
        .rx_queues = 1,
        .dst_port = 500,
        .src_net = 0xcb007100, /* 203.0.113.0/24 (TEST-NET-3) */
        .src_count = 256,
        .sport_min = 1024,
        .sport_max = UINT16_MAX,
        .duration = 5,
        .burst = DEFAULT_BURST,
        .redirect_supported = true,
        .size = 64,
        .stats_interval = 1,
        .seed = (uint64_t)time(NULL),
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            exit(0);
        }
        if (c == '?' || parse_one(a, c, optarg) != 0) {
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc || a->device == NULL || a->local_ip == 0 || a->dst_ip == 0) {
        fprintf(stderr, "veer-flood: --device, --local and --dst are required\n");
        usage(stderr);
        return -1;
    }
    return 0;
}
