/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes an IKE_SA_INIT flood as a pcap: COUNT new requests from made-up
 * clients (random SPIs, nonces, source addresses in SRC_NET, source ports),
 * each built by app/veer-flood's own request builder (flood_ike.c), for
 * replay by pktgen-dpdk on real NICs (scripts/pktgen/) or by DPDK's net_pcap
 * (scripts/bench-appliance.sh).
 *
 *   gen_flood_pcap OUT.pcap COUNT [options]
 *     --dst IP               the gateway (default 198.51.100.1)
 *     --dst-mac MAC          its MAC (default 02:00:00:00:00:01)
 *     --src-mac MAC          the generator's (default 02:00:00:00:00:02)
 *     --src NET/LEN          client addresses (default 203.0.113.0/24)
 *     --no-redirect-supported   leave N(REDIRECT_SUPPORTED) out
 *     --seed N
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flood_ike.h"
#include "pcap_io.h"
#include "wire.h"

#define ETH_LEN 14
#define IP_LEN 20
#define UDP_LEN 8

struct opts {
    const char *out;
    unsigned long count;
    uint32_t dst, src_net, src_count; /* host order */
    uint8_t dst_mac[6], src_mac[6];
    int redirect_supported;
    uint64_t seed;
};

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static int parse_mac(const char *s, uint8_t *mac)
{
    unsigned v[6];
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return -1;
    for (unsigned i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longs[] = {{"dst", required_argument, NULL, 'd'},
                                          {"dst-mac", required_argument, NULL, 'm'},
                                          {"src-mac", required_argument, NULL, 'M'},
                                          {"src", required_argument, NULL, 's'},
                                          {"no-redirect-supported", no_argument, NULL, 'n'},
                                          {"seed", required_argument, NULL, 'S'},
                                          {NULL, 0, NULL, 0}};
    *o = (struct opts){.dst = 0xc6336401,
                       .src_net = 0xcb007100,
                       .src_count = 256,
                       .dst_mac = {2, 0, 0, 0, 0, 1},
                       .src_mac = {2, 0, 0, 0, 0, 2},
                       .redirect_supported = 1,
                       .seed = 0x5eed};
    int c;
    struct in_addr a;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        char net[32];
        unsigned len;
        switch (c) {
        case 'd':
            if (inet_pton(AF_INET, optarg, &a) != 1)
                return -1;
            o->dst = ntohl(a.s_addr);
            break;
        case 'm':
        case 'M':
            if (parse_mac(optarg, c == 'm' ? o->dst_mac : o->src_mac) < 0)
                return -1;
            break;
        case 's':
            if (sscanf(optarg, "%31[0-9.]/%u", net, &len) != 2 || len < 8 || len > 32 ||
                inet_pton(AF_INET, net, &a) != 1)
                return -1;
            o->src_count = len == 32 ? 1 : 1u << (32 - len);
            o->src_net = ntohl(a.s_addr) & ~(o->src_count - 1);
            break;
        case 'n':
            o->redirect_supported = 0;
            break;
        case 'S':
            o->seed = strtoull(optarg, NULL, 0) | 1;
            break;
        default:
            return -1;
        }
    }
    if (argc - optind != 2)
        return -1;
    o->out = argv[optind];
    o->count = strtoul(argv[optind + 1], NULL, 10);
    return o->count > 0 && o->count <= 10000000 ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct opts o;
    if (parse_args(argc, argv, &o) < 0) {
        fprintf(stderr, "usage: gen_flood_pcap OUT.pcap COUNT [--dst IP] [--dst-mac MAC] "
                        "[--src-mac MAC] [--src NET/LEN] [--no-redirect-supported] [--seed N]\n");
        return 2;
    }
    FILE *f = pcap_io_create(o.out);
    if (f == NULL) {
        perror(o.out);
        return 1;
    }
    uint64_t rng = o.seed;
    /* Any 32 bytes other than the few low-order points are a usable X25519 public value. */
    uint8_t ke[FLOOD_X25519_LEN], nonce[FLOOD_NONCE_LEN];
    for (unsigned i = 0; i < sizeof(ke); i++)
        ke[i] = (uint8_t)next_random(&rng);
    ke[31] &= 0x7f;
    static uint8_t frame[ETH_LEN + IP_LEN + UDP_LEN + FLOOD_REQUEST_MAX];
    int rc = 0;
    for (unsigned long n = 0; rc == 0 && n < o.count; n++) {
        for (unsigned i = 0; i < sizeof(nonce); i += 8) {
            uint64_t r = next_random(&rng);
            memcpy(nonce + i, &r, 8);
        }
        struct flood_ike_request req = {.spi_i = next_random(&rng) | 1,
                                        .ke = ke,
                                        .nonce = nonce,
                                        .redirect_supported = o.redirect_supported != 0};
        long len =
            flood_ike_build(&req, frame + ETH_LEN + IP_LEN + UDP_LEN, FLOOD_REQUEST_MAX, NULL);
        if (len < 0) {
            rc = 1;
            break;
        }
        uint64_t r = next_random(&rng);
        memcpy(frame, o.dst_mac, 6);
        memcpy(frame + 6, o.src_mac, 6);
        put16(frame + 12, 0x0800);
        uint8_t *ip = frame + ETH_LEN;
        memset(ip, 0, IP_LEN);
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)(IP_LEN + UDP_LEN + (size_t)len));
        ip[8] = 64;
        ip[9] = 17;
        put32(ip + 12, o.src_net + (uint32_t)(r % o.src_count));
        put32(ip + 16, o.dst);
        put16(ip + 10, ipv4_header_checksum(ip, IP_LEN));
        uint8_t *udp = ip + IP_LEN;
        put16(udp, (uint16_t)(1024 + (r >> 32) % 64512));
        put16(udp + 2, 500);
        put16(udp + 4, (uint16_t)(UDP_LEN + (size_t)len));
        put16(udp + 6, 0); /* optional over IPv4 */
        rc =
            pcap_io_write_frame(f, n, frame, ETH_LEN + IP_LEN + UDP_LEN + (size_t)len) == 0 ? 0 : 1;
    }
    if (fclose(f) != 0)
        rc = 1;
    return rc;
}
