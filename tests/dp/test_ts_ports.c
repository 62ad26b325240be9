/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic selectors with a protocol and ports in the dataplane (RFC 4301
 * 4.4.1.1, 5.1, 5.2, 7): the next layer protocol and ports read from IPv4
 * (options too) and IPv6 (through extension headers, bounded) packets, ICMP
 * type and code in the port fields, fragments and unreadable ports as
 * OPAQUE; the outbound lookup picking among SAs that differ in ports alone,
 * by host and in the wide list, newest first; and the inbound check of
 * decrypted packets counting what the SA was not negotiated for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_esp.h"
#include "dp_esp_ts.h"
#include "inet_sum.h"
#include "test_eal.h"
#include "test_pkt.h"

#define ETH 14
#define ANY_PROTO 0
#define PROTO_MH 135

static struct rte_mempool *pool;
static struct dp_esp_engine eng;

/* ---- packets ---- */

/*
 * An IPv4 packet in b: `ihl` header words (options of 0x01, no-op), then 8
 * bytes of `proto` whose first four are the ports (ICMP: type, code in
 * sport). `frag`: the fragment offset field, host order. Returns its length.
 */
static size_t pkt4_opt(uint8_t *b, unsigned ihl, uint8_t proto, uint32_t src, uint32_t dst,
                       uint16_t sport, uint16_t dport, uint16_t frag)
{
    size_t hl = ihl * 4u, len = hl + 8;
    memset(b, 0x01, hl);
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;
    *ip = (struct rte_ipv4_hdr){.version_ihl = (uint8_t)(0x40 | ihl),
                                .total_length = rte_cpu_to_be_16((uint16_t)len),
                                .fragment_offset = rte_cpu_to_be_16(frag),
                                .time_to_live = 64,
                                .next_proto_id = proto,
                                .src_addr = src,
                                .dst_addr = dst};
    memset(b + hl, 0xee, 8);
    put16(b + hl, sport);
    put16(b + hl + 2, dport);
    return len;
}

static size_t pkt4(uint8_t *b, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
                   uint16_t dport)
{
    return pkt4_opt(b, 5, proto, src, dst, sport, dport, 0);
}

static const uint8_t net6_a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xa, [15] = 1};
static const uint8_t net6_b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xb, [15] = 2};

/*
 * An IPv6 packet from net6_a to net6_b: `next` after the fixed header, the
 * `ext` bytes of extension headers given (their own next-header fields set
 * by the caller), then 8 bytes of L4 with these ports. Returns its length.
 */
static size_t pkt6(uint8_t *b, uint8_t next, const uint8_t *ext, size_t ext_len, uint16_t sport,
                   uint16_t dport)
{
    size_t len = 40 + ext_len + 8;
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)b;
    *ip = (struct rte_ipv6_hdr){.vtc_flow = rte_cpu_to_be_32(6u << 28),
                                .payload_len = rte_cpu_to_be_16((uint16_t)(len - 40)),
                                .proto = next,
                                .hop_limits = 64};
    memcpy(ip->src_addr, net6_a, 16);
    memcpy(ip->dst_addr, net6_b, 16);
    if (ext_len != 0)
        memcpy(b + 40, ext, ext_len);
    memset(b + 40 + ext_len, 0xee, 8);
    put16(b + 40 + ext_len, sport);
    put16(b + 40 + ext_len + 2, dport);
    return len;
}

static struct dp_ts_l4 read4(const uint8_t *b, size_t len)
{
    struct dp_ts_l4 l4;
    memset(&l4, 0xa5, sizeof(l4));
    dp_ts_l4_read4(b, len, &l4);
    return l4;
}

static struct dp_ts_l4 read6(const uint8_t *b, size_t len)
{
    struct dp_ts_l4 l4;
    memset(&l4, 0xa5, sizeof(l4));
    dp_ts_l4_read6(b, len, &l4);
    return l4;
}

static void assert_ports(const struct dp_ts_l4 *l4, uint8_t proto, uint16_t sport, uint16_t dport)
{
    assert_true(l4->proto_known);
    assert_int_equal(l4->proto, proto);
    assert_true(l4->ports_known);
    assert_int_equal(l4->src_port, sport);
    assert_int_equal(l4->dst_port, dport);
}

static void assert_opaque(const struct dp_ts_l4 *l4, uint8_t proto)
{
    assert_true(l4->proto_known);
    assert_int_equal(l4->proto, proto);
    assert_false(l4->ports_known);
}

/* ---- reading the L4 header ---- */

static void test_read_ipv4(void **state)
{
    (void)state;
    uint8_t b[96];
    uint32_t a = test_ip4(10, 2, 0, 5), z = test_ip4(10, 1, 0, 9);
    size_t n = pkt4(b, IPPROTO_TCP, a, z, 40000, 80);
    struct dp_ts_l4 l4 = read4(b, n);
    assert_ports(&l4, IPPROTO_TCP, 40000, 80);
    l4 = read4(b, pkt4(b, IPPROTO_UDP, a, z, 0, 65535));
    assert_ports(&l4, IPPROTO_UDP, 0, 65535);
    l4 = read4(b, pkt4(b, IPPROTO_SCTP, a, z, 5060, 36412));
    assert_ports(&l4, IPPROTO_SCTP, 5060, 36412);
    /* ICMP: type and code, echo request 8/0 and port unreachable 3/3, in both ports. */
    l4 = read4(b, pkt4(b, IPPROTO_ICMP, a, z, 0x0800, 0x1234));
    assert_ports(&l4, IPPROTO_ICMP, 0x0800, 0x0800);
    l4 = read4(b, pkt4(b, IPPROTO_ICMP, a, z, 0x0303, 0));
    assert_ports(&l4, IPPROTO_ICMP, 0x0303, 0x0303);
    /* Options: the ports are where IHL says, not 20 bytes in (those bytes read 0x0101). */
    for (unsigned ihl = 6; ihl <= 15; ihl += 9) {
        l4 = read4(b, pkt4_opt(b, ihl, IPPROTO_TCP, a, z, 1234, 443, 0));
        assert_ports(&l4, IPPROTO_TCP, 1234, 443);
    }
    /* A first fragment (MF, offset 0) has its ports; the others have none: OPAQUE. */
    l4 = read4(b, pkt4_opt(b, 5, IPPROTO_UDP, a, z, 53, 5353, RTE_IPV4_HDR_MF_FLAG));
    assert_ports(&l4, IPPROTO_UDP, 53, 5353);
    l4 = read4(b, pkt4_opt(b, 5, IPPROTO_UDP, a, z, 53, 5353, RTE_IPV4_HDR_MF_FLAG | 1));
    assert_opaque(&l4, IPPROTO_UDP);
    l4 = read4(b, pkt4_opt(b, 5, IPPROTO_UDP, a, z, 53, 5353, 185)); /* the last one */
    assert_opaque(&l4, IPPROTO_UDP);
    l4 = read4(b, pkt4_opt(b, 5, IPPROTO_UDP, a, z, 53, 5353, RTE_IPV4_HDR_DF_FLAG));
    assert_ports(&l4, IPPROTO_UDP, 53, 5353);
    /* Ports cut short, by the buffer or by the packet's own length (the rest: link padding). */
    n = pkt4(b, IPPROTO_TCP, a, z, 1, 2);
    l4 = read4(b, 23);
    assert_opaque(&l4, IPPROTO_TCP);
    l4 = read4(b, 24);
    assert_ports(&l4, IPPROTO_TCP, 1, 2);
    put16(b + 2, 23);
    l4 = read4(b, n);
    assert_opaque(&l4, IPPROTO_TCP);
    n = pkt4(b, IPPROTO_ICMP, a, z, 0x0b00, 0);
    put16(b + 2, 22);
    l4 = read4(b, n);
    assert_ports(&l4, IPPROTO_ICMP, 0x0b00, 0x0b00);
    put16(b + 2, 21);
    l4 = read4(b, n);
    assert_opaque(&l4, IPPROTO_ICMP);
    /* A protocol without ports, and a header length below 20: OPAQUE. */
    l4 = read4(b, pkt4(b, IPPROTO_GRE, a, z, 1, 2));
    assert_opaque(&l4, IPPROTO_GRE);
    n = pkt4(b, IPPROTO_TCP, a, z, 1, 2);
    b[0] = 0x44;
    l4 = read4(b, n);
    assert_opaque(&l4, IPPROTO_TCP);
    /* Options longer than the packet. */
    n = pkt4_opt(b, 15, IPPROTO_TCP, a, z, 1, 2, 0);
    l4 = read4(b, 40);
    assert_opaque(&l4, IPPROTO_TCP);
}

static void test_read_ipv6(void **state)
{
    (void)state;
    uint8_t b[160];
    struct dp_ts_l4 l4 = read6(b, pkt6(b, IPPROTO_TCP, NULL, 0, 50000, 443));
    assert_ports(&l4, IPPROTO_TCP, 50000, 443);
    l4 = read6(b, pkt6(b, IPPROTO_ICMPV6, NULL, 0, 0x8000, 0));
    assert_ports(&l4, IPPROTO_ICMPV6, 0x8000, 0x8000);
    /* Mobility Header: its type (third byte) << 8. */
    uint8_t mh[8] = {59, 0, 5, 0};
    size_t n = pkt6(b, PROTO_MH, NULL, 0, 0, 0);
    memcpy(b + 40, mh, sizeof(mh));
    l4 = read6(b, n);
    assert_ports(&l4, PROTO_MH, 0x0500, 0x0500);
    /* Hop-by-hop (8 bytes), routing (24), destination options (16), then UDP. */
    uint8_t ext[48] = {0};
    ext[0] = IPPROTO_ROUTING;
    ext[8] = IPPROTO_DSTOPTS, ext[9] = 2;
    ext[32] = IPPROTO_UDP, ext[33] = 1;
    l4 = read6(b, pkt6(b, IPPROTO_HOPOPTS, ext, sizeof(ext), 5000, 53));
    assert_ports(&l4, IPPROTO_UDP, 5000, 53);
    /* AH (its length in 4-byte words, less 2), then TCP. */
    uint8_t ah[24] = {IPPROTO_TCP, 4};
    l4 = read6(b, pkt6(b, IPPROTO_AH, ah, sizeof(ah), 22, 2222));
    assert_ports(&l4, IPPROTO_TCP, 22, 2222);
    /* Fragment header: offset 0 (first, or atomic) walks on; else the protocol, OPAQUE ports. */
    uint8_t frag[8] = {IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 7};
    l4 = read6(b, pkt6(b, IPPROTO_FRAGMENT, frag, sizeof(frag), 4500, 4500));
    assert_ports(&l4, IPPROTO_UDP, 4500, 4500);
    frag[3] = 0;
    l4 = read6(b, pkt6(b, IPPROTO_FRAGMENT, frag, sizeof(frag), 4500, 4500));
    assert_ports(&l4, IPPROTO_UDP, 4500, 4500);
    frag[2] = 0x05, frag[3] = 0x01;
    l4 = read6(b, pkt6(b, IPPROTO_FRAGMENT, frag, sizeof(frag), 4500, 4500));
    assert_opaque(&l4, IPPROTO_UDP);
    frag[2] = 0, frag[3] = 0x08; /* offset 1, last fragment */
    l4 = read6(b, pkt6(b, IPPROTO_FRAGMENT, frag, sizeof(frag), 4500, 4500));
    assert_opaque(&l4, IPPROTO_UDP);
    /* A non-first fragment naming another extension header: the protocol is unknown. */
    frag[0] = IPPROTO_DSTOPTS;
    l4 = read6(b, pkt6(b, IPPROTO_FRAGMENT, frag, sizeof(frag), 4500, 4500));
    assert_false(l4.proto_known);
    assert_false(l4.ports_known);
    /* No next header, ESP: protocols without ports. */
    l4 = read6(b, pkt6(b, 59, NULL, 0, 1, 2));
    assert_opaque(&l4, 59);
    l4 = read6(b, pkt6(b, IPPROTO_ESP, NULL, 0, 1, 2));
    assert_opaque(&l4, IPPROTO_ESP);
    /* Eight extension headers are walked; a ninth leaves the protocol unknown. */
    uint8_t many[72];
    for (unsigned k = 8; k <= 9; k++) {
        memset(many, 0, sizeof(many));
        for (unsigned i = 0; i < k; i++)
            many[i * 8] = i + 1 < k ? IPPROTO_DSTOPTS : IPPROTO_TCP;
        l4 = read6(b, pkt6(b, IPPROTO_DSTOPTS, many, k * 8, 7, 8));
        if (k == 8) {
            assert_ports(&l4, IPPROTO_TCP, 7, 8);
        } else {
            assert_false(l4.proto_known);
            assert_false(l4.ports_known);
        }
    }
    /* An extension header longer than the packet, or cut short by the buffer. */
    ext[1] = 200;
    l4 = read6(b, pkt6(b, IPPROTO_HOPOPTS, ext, sizeof(ext), 5000, 53));
    assert_false(l4.proto_known);
    l4 = read6(b, 41);
    assert_false(l4.proto_known);
    /* Ports past the payload length (the rest: padding), or past the buffer. */
    n = pkt6(b, IPPROTO_UDP, NULL, 0, 1, 2);
    put16(b + 4, 3);
    l4 = read6(b, n);
    assert_opaque(&l4, IPPROTO_UDP);
    put16(b + 4, 8);
    l4 = read6(b, 43);
    assert_opaque(&l4, IPPROTO_UDP);
    l4 = read6(b, 44);
    assert_ports(&l4, IPPROTO_UDP, 1, 2);
}

/* ---- one selector against one packet ---- */

static struct ike_ts sel(uint8_t proto, uint16_t start, uint16_t end)
{
    return (struct ike_ts){.type = IKE_TS_IPV4_ADDR_RANGE,
                           .ip_proto = proto,
                           .start_port = start,
                           .end_port = end,
                           .end_addr = {255, 255, 255, 255}};
}

static void test_selector_rule(void **state)
{
    (void)state;
    struct dp_ts_l4 tcp = {.proto_known = true, .ports_known = true, .proto = IPPROTO_TCP};
    struct dp_ts_l4 frag = {.proto_known = true, .proto = IPPROTO_TCP};
    struct dp_ts_l4 unknown = {0};
    struct ike_ts any = sel(ANY_PROTO, 0, 65535), r = sel(IPPROTO_TCP, 500, 600);
    struct ike_ts opaque = sel(IPPROTO_TCP, 65535, 0), all_tcp = sel(IPPROTO_TCP, 0, 65535);
    /* A range's edges. */
    assert_false(dp_ts_l4_ok(&r, &tcp, 499));
    assert_true(dp_ts_l4_ok(&r, &tcp, 500));
    assert_true(dp_ts_l4_ok(&r, &tcp, 600));
    assert_false(dp_ts_l4_ok(&r, &tcp, 601));
    struct ike_ts one = sel(IPPROTO_TCP, 0, 0), top = sel(IPPROTO_TCP, 65535, 65535);
    assert_true(dp_ts_l4_ok(&one, &tcp, 0));
    assert_false(dp_ts_l4_ok(&one, &tcp, 1));
    assert_true(dp_ts_l4_ok(&top, &tcp, 65535));
    assert_false(dp_ts_l4_ok(&top, &tcp, 65534));
    /* Ports not readable: ANY and OPAQUE only. */
    assert_false(dp_ts_l4_ok(&r, &frag, 0));
    assert_true(dp_ts_l4_ok(&opaque, &frag, 0));
    assert_true(dp_ts_l4_ok(&all_tcp, &frag, 0));
    assert_true(dp_ts_l4_ok(&any, &frag, 0));
    assert_false(dp_ts_l4_ok(&opaque, &tcp, 0)); /* OPAQUE never takes ports that were read */
    assert_false(dp_ts_l4_ok(&opaque, &tcp, 65535));
    /* Protocols. */
    struct dp_ts_l4 udp = tcp;
    udp.proto = IPPROTO_UDP;
    assert_false(dp_ts_l4_ok(&all_tcp, &udp, 80));
    assert_true(dp_ts_l4_ok(&any, &udp, 80));
    assert_false(dp_ts_l4_ok(&all_tcp, &unknown, 0));
    assert_true(dp_ts_l4_ok(&any, &unknown, 0));
    /* A port range with any protocol: only packets whose ports were read and fit. */
    struct ike_ts ports_only = sel(ANY_PROTO, 80, 80);
    assert_true(dp_ts_l4_ok(&ports_only, &udp, 80));
    assert_false(dp_ts_l4_ok(&ports_only, &frag, 80));
    /* What makes an SA read L4 headers at all. */
    struct ike_ts_set s = {.nts = 2, .ts = {any, any}};
    assert_false(dp_ts_set_needs_l4(&s));
    s.ts[1] = sel(ANY_PROTO, 0, 65534);
    assert_true(dp_ts_set_needs_l4(&s));
    s.ts[1] = sel(IPPROTO_ICMP, 0, 65535);
    assert_true(dp_ts_set_needs_l4(&s));
}

/* ---- the outbound lookup ---- */

static struct ike_ts range4(uint32_t lo, uint32_t hi, uint8_t proto, uint16_t start, uint16_t end)
{
    struct ike_ts ts = sel(proto, start, end);
    memcpy(ts.start_addr, &lo, 4);
    memcpy(ts.end_addr, &hi, 4);
    return ts;
}

static struct ike_ts net6(const uint8_t net[16], uint8_t proto, uint16_t start, uint16_t end)
{
    struct ike_ts ts = {
        .type = IKE_TS_IPV6_ADDR_RANGE, .ip_proto = proto, .start_port = start, .end_port = end};
    memcpy(ts.start_addr, net, 6);
    memcpy(ts.end_addr, net, 6);
    memset(ts.end_addr + 6, 0xff, 10);
    return ts;
}

/* A Child SA numbered n (SPI out 0x80000 + n, in 0x10000 + n: or both n + 1 for a loop SA). */
static struct ike_child_sa child(uint32_t n, bool loop)
{
    struct ike_child_sa c;
    memset(&c, 0, sizeof(c));
    c.spi_in = loop ? n + 1 : 0x10000 + n;
    c.spi_out = loop ? n + 1 : 0x80000 + n;
    c.alg.encr.id = IKE_ENCR_AES_GCM_16;
    c.alg.encr.key_bits = 128;
    c.alg.esn = IKE_ESN_NO_ESN;
    c.encr_key_len = 20;
    for (unsigned i = 0; i < c.encr_key_len; i++)
        c.encr_in[i] = c.encr_out[i] = (uint8_t)(0x30 + i); /* a loop SA opens its own packets */
    assert_int_equal(ike_addr_parse(&c.local, "198.51.100.1", 500), 0);
    assert_int_equal(ike_addr_parse(&c.remote, "203.0.113.9", 500), 0);
    c.ts_local.nts = c.ts_remote.nts = 1;
    c.ts_local.ts[0] = range4(test_ip4(10, 2, 0, 0), test_ip4(10, 2, 0, 255), ANY_PROTO, 0, 65535);
    return c;
}

static void install(struct dp_sadb *db, const struct ike_child_sa *c)
{
    char why[160] = "";
    if (dp_sadb_install(db, c, why, sizeof(why)) != 0)
        fail_msg("install: %s", why);
}

/* The SPI out the SPD picks for an IPv4 packet of `len` bytes in b, or 0. */
static uint32_t picked(const struct dp_sadb *db, const uint8_t *b, size_t len)
{
    const struct dp_esp_sa *sa = dp_spd_lookup(db, (const struct rte_ipv4_hdr *)b, len);
    return sa != NULL ? sa->spi : 0;
}

static uint32_t picked6(const struct dp_sadb *db, const uint8_t *b, size_t len)
{
    const struct dp_esp_sa *sa = dp_spd_lookup6(db, (const struct rte_ipv6_hdr *)b, len);
    return sa != NULL ? sa->spi : 0;
}

/* What the SPD picks for a packet from 10.2.0.5 to dst. */
static uint32_t pick(const struct dp_sadb *db, uint8_t proto, uint32_t dst, uint16_t sport,
                     uint16_t dport)
{
    uint8_t b[64];
    return picked(db, b, pkt4(b, proto, test_ip4(10, 2, 0, 5), dst, sport, dport));
}

static void test_site_to_site_ports(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128];
    assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
    uint32_t lo = test_ip4(10, 1, 0, 0), hi = test_ip4(10, 1, 255, 255),
             dst = test_ip4(10, 1, 3, 4);
    /* web: 10.1.0.0/16[tcp/80] from sources [tcp/1024-65535]; dns: [udp/500-600] (newer). */
    struct ike_child_sa web = child(1, false), dns = child(2, false);
    web.ts_local.ts[0] =
        range4(test_ip4(10, 2, 0, 0), test_ip4(10, 2, 0, 255), IPPROTO_TCP, 1024, 65535);
    web.ts_remote.ts[0] = range4(lo, hi, IPPROTO_TCP, 80, 80);
    dns.ts_remote.ts[0] = range4(lo, hi, IPPROTO_UDP, 500, 600);
    install(&db, &web);
    install(&db, &dns);
    assert_true(db.out->sa[0]->ts_l4 && db.out->sa[1]->ts_l4);
    assert_int_equal(pick(&db, IPPROTO_TCP, dst, 40000, 80), 0x80001);
    assert_int_equal(pick(&db, IPPROTO_TCP, dst, 1024, 80), 0x80001);
    assert_int_equal(pick(&db, IPPROTO_TCP, dst, 1023, 80), 0); /* the source port too */
    assert_int_equal(pick(&db, IPPROTO_TCP, dst, 40000, 81), 0);
    assert_int_equal(pick(&db, IPPROTO_TCP, dst, 40000, 79), 0);
    assert_int_equal(pick(&db, IPPROTO_UDP, dst, 40000, 80), 0);
    assert_int_equal(pick(&db, IPPROTO_UDP, dst, 1, 500), 0x80002);
    assert_int_equal(pick(&db, IPPROTO_UDP, dst, 1, 600), 0x80002);
    assert_int_equal(pick(&db, IPPROTO_UDP, dst, 1, 499), 0);
    assert_int_equal(pick(&db, IPPROTO_UDP, dst, 1, 601), 0);
    assert_int_equal(pick(&db, IPPROTO_ICMP, dst, 0x0800, 0), 0);
    assert_int_equal(pick(&db, IPPROTO_TCP, test_ip4(10, 3, 0, 1), 40000, 80), 0); /* address */
    /* Options in front of the ports; a non-first fragment whose ports are unknown. */
    uint8_t b[96];
    assert_int_equal(
        picked(&db, b, pkt4_opt(b, 8, IPPROTO_TCP, test_ip4(10, 2, 0, 5), dst, 2000, 80, 0)),
        0x80001);
    assert_int_equal(
        picked(&db, b, pkt4_opt(b, 8, IPPROTO_TCP, test_ip4(10, 2, 0, 5), dst, 2000, 81, 0)), 0);
    assert_int_equal(
        picked(&db, b, pkt4_opt(b, 5, IPPROTO_TCP, test_ip4(10, 2, 0, 5), dst, 2000, 80, 1)), 0);
    /* An address-only SA, newest: takes everything it covers, and reads no L4 header. */
    struct ike_child_sa all = child(3, false);
    all.ts_remote.ts[0] = range4(lo, hi, ANY_PROTO, 0, 65535);
    install(&db, &all);
    assert_false(db.out->sa[0]->ts_l4);
    assert_int_equal(pick(&db, IPPROTO_TCP, dst, 40000, 81), 0x80003);
    assert_int_equal(pick(&db, IPPROTO_TCP, dst, 40000, 80), 0x80003);
    assert_int_equal(
        picked(&db, b, pkt4_opt(b, 5, IPPROTO_TCP, test_ip4(10, 2, 0, 5), dst, 2000, 80, 1)),
        0x80003);
    assert_int_equal(dp_sadb_remove(&db, &all), 0);
    assert_int_equal(pick(&db, IPPROTO_TCP, dst, 40000, 81), 0);
    /* An OPAQUE SA for the non-first fragments of the web traffic (RFC 4301 7.2). */
    struct ike_child_sa rest = child(4, false);
    rest.ts_remote.ts[0] = range4(lo, hi, IPPROTO_TCP, 65535, 0);
    install(&db, &rest);
    assert_int_equal(
        picked(&db, b, pkt4_opt(b, 5, IPPROTO_TCP, test_ip4(10, 2, 0, 5), dst, 2000, 80, 1)),
        0x80004);
    assert_int_equal(pick(&db, IPPROTO_TCP, dst, 40000, 80), 0x80001); /* ports read: not it */
    assert_int_equal(pick(&db, IPPROTO_TCP, dst, 40000, 81), 0);
    dp_sadb_free(&db);
}

static void test_road_warrior_ports(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128];
    assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
    uint32_t h = test_ip4(100, 64, 0, 1);
    /* Three SAs for one client, differing in protocol and ports alone, oldest first. */
    struct ike_child_sa any = child(1, false), game = child(2, false), ping = child(3, false);
    any.ts_remote.ts[0] = range4(h, h, ANY_PROTO, 0, 65535);
    game.ts_remote.ts[0] = range4(h, h, IPPROTO_UDP, 5000, 5000);
    ping.ts_remote.ts[0] = range4(h, h, IPPROTO_ICMP, 0x0800, 0x08ff); /* [icmp/8] */
    install(&db, &any);
    install(&db, &game);
    install(&db, &ping);
    assert_int_equal(db.spd.nhost, 1); /* all three in the host's list */
    assert_int_equal(pick(&db, IPPROTO_UDP, h, 7, 5000), 0x80002);
    assert_int_equal(pick(&db, IPPROTO_UDP, h, 7, 5001), 0x80001);
    assert_int_equal(pick(&db, IPPROTO_ICMP, h, 0x0800, 0), 0x80003);
    assert_int_equal(pick(&db, IPPROTO_ICMP, h, 0x08ff, 0), 0x80003);
    assert_int_equal(pick(&db, IPPROTO_ICMP, h, 0x0000, 0), 0x80001); /* echo reply */
    assert_int_equal(pick(&db, IPPROTO_ICMP, h, 0x0900, 0), 0x80001);
    assert_int_equal(pick(&db, IPPROTO_TCP, h, 7, 5000), 0x80001);
    /* Without the address-only SA, what the others do not name has no SA. */
    assert_int_equal(dp_sadb_remove(&db, &any), 0);
    assert_int_equal(pick(&db, IPPROTO_UDP, h, 7, 5001), 0);
    assert_int_equal(pick(&db, IPPROTO_ICMP, h, 0x0000, 0), 0);
    assert_int_equal(pick(&db, IPPROTO_UDP, h, 7, 5000), 0x80002);
    /* A newer site-to-site SA for TCP only over the client's range: TCP goes there, not UDP. */
    struct ike_child_sa tcp = child(4, false);
    tcp.ts_remote.ts[0] =
        range4(test_ip4(100, 64, 0, 0), test_ip4(100, 64, 255, 255), IPPROTO_TCP, 0, 65535);
    install(&db, &tcp);
    assert_int_equal(pick(&db, IPPROTO_TCP, h, 7, 5000), 0x80004);
    assert_int_equal(pick(&db, IPPROTO_UDP, h, 7, 5000), 0x80002);
    assert_int_equal(pick(&db, IPPROTO_ICMP, h, 0x0800, 0), 0x80003);
    /* A rekey of the UDP SA takes its traffic at once. */
    struct ike_child_sa game2 = child(5, false);
    game2.ts_remote = game.ts_remote;
    install(&db, &game2);
    assert_int_equal(pick(&db, IPPROTO_UDP, h, 7, 5000), 0x80005);
    assert_int_equal(dp_sadb_remove(&db, &game2), 0);
    assert_int_equal(pick(&db, IPPROTO_UDP, h, 7, 5000), 0x80002);
    dp_sadb_free(&db);
}

static void test_ipv6_ports(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128];
    assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
    /* https: net6_b[tcp/443]; echo requests: [ipv6-icmp/128] (both from net6_a). */
    struct ike_child_sa https = child(1, false), echo = child(2, false);
    https.ts_local.ts[0] = net6(net6_a, ANY_PROTO, 0, 65535);
    https.ts_remote.ts[0] = net6(net6_b, IPPROTO_TCP, 443, 443);
    echo.ts_local.ts[0] = https.ts_local.ts[0];
    echo.ts_remote.ts[0] = net6(net6_b, IPPROTO_ICMPV6, 0x8000, 0x80ff);
    install(&db, &https);
    install(&db, &echo);
    uint8_t b[160];
    assert_int_equal(picked6(&db, b, pkt6(b, IPPROTO_TCP, NULL, 0, 999, 443)), 0x80001);
    assert_int_equal(picked6(&db, b, pkt6(b, IPPROTO_TCP, NULL, 0, 999, 444)), 0);
    assert_int_equal(picked6(&db, b, pkt6(b, IPPROTO_UDP, NULL, 0, 999, 443)), 0);
    assert_int_equal(picked6(&db, b, pkt6(b, IPPROTO_ICMPV6, NULL, 0, 0x8000, 0)), 0x80002);
    assert_int_equal(picked6(&db, b, pkt6(b, IPPROTO_ICMPV6, NULL, 0, 0x8100, 0)), 0);
    /* Behind hop-by-hop and destination options. */
    uint8_t ext[16] = {IPPROTO_DSTOPTS, 0, 0, 0, 0, 0, 0, 0, IPPROTO_TCP};
    assert_int_equal(picked6(&db, b, pkt6(b, IPPROTO_HOPOPTS, ext, sizeof(ext), 1, 443)), 0x80001);
    /* Fragments: the first is matched by its ports; the others only by ANY or OPAQUE. */
    uint8_t frag[8] = {IPPROTO_TCP, 0, 0, 1};
    assert_int_equal(picked6(&db, b, pkt6(b, IPPROTO_FRAGMENT, frag, sizeof(frag), 1, 443)),
                     0x80001);
    frag[3] = 0x09;
    assert_int_equal(picked6(&db, b, pkt6(b, IPPROTO_FRAGMENT, frag, sizeof(frag), 1, 443)), 0);
    struct ike_child_sa rest = child(3, false);
    rest.ts_local.ts[0] = https.ts_local.ts[0];
    rest.ts_remote.ts[0] = net6(net6_b, IPPROTO_TCP, 65535, 0);
    install(&db, &rest);
    assert_int_equal(picked6(&db, b, pkt6(b, IPPROTO_FRAGMENT, frag, sizeof(frag), 1, 443)),
                     0x80003);
    /* Too many extension headers: the protocol is unknown, and no protocol selector takes it. */
    uint8_t many[72] = {0};
    for (unsigned i = 0; i < 9; i++)
        many[i * 8] = i < 8 ? IPPROTO_DSTOPTS : IPPROTO_TCP;
    assert_int_equal(picked6(&db, b, pkt6(b, IPPROTO_DSTOPTS, many, sizeof(many), 1, 443)), 0);
    dp_sadb_free(&db);
}

/* ---- the inbound check ---- */

/*
 * Seals the inner packet b with the loop SA's outbound half and opens it as
 * the peer's ESP: 0, or -1 with the drop counted in c.
 */
static int through(struct dp_sadb *db, uint32_t spi, const uint8_t *b, size_t len,
                   struct dp_worker_counters *c)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    memcpy(rte_pktmbuf_append(m, (uint16_t)len), b, len);
    struct dp_esp_sa *out = NULL;
    for (unsigned i = 0; i < db->out->n && out == NULL; i++)
        out = db->out->sa[i]->spi == spi ? db->out->sa[i] : NULL;
    assert_non_null(out);
    assert_int_equal(dp_esp_encrypt(&eng, out, m, 0, c), 0);
    assert_non_null(rte_pktmbuf_prepend(m, ETH));
    int rc = dp_esp_decrypt(&eng, db, m, ETH + 20, c);
    if (rc == 0)
        assert_memory_equal(rte_pktmbuf_mtod(m, const uint8_t *), b, len);
    rte_pktmbuf_free(m);
    return rc;
}

static void test_inbound_check(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128];
    assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
    /* From the peer's 10.1.0.0/16[udp/5000] to our 10.2.0.0/24 (any port). */
    struct ike_child_sa c4 = child(1, true);
    c4.ts_remote.ts[0] =
        range4(test_ip4(10, 1, 0, 0), test_ip4(10, 1, 255, 255), IPPROTO_UDP, 5000, 5000);
    install(&db, &c4);
    struct dp_worker_counters c = {0};
    uint8_t b[160];
    uint32_t peer = test_ip4(10, 1, 9, 9), us = test_ip4(10, 2, 0, 7);
    assert_int_equal(through(&db, 2, b, pkt4(b, IPPROTO_UDP, peer, us, 5000, 9999), &c), 0);
    assert_int_equal(c.esp_decrypted, 1);
    assert_int_equal(through(&db, 2, b, pkt4(b, IPPROTO_UDP, peer, us, 5001, 9999), &c), -1);
    assert_int_equal(c.drop_esp_policy_mismatch, 1);
    assert_int_equal(through(&db, 2, b, pkt4(b, IPPROTO_TCP, peer, us, 5000, 9999), &c), -1);
    assert_int_equal(c.drop_esp_policy_mismatch, 2);
    /* The peer's port is the source here: a destination port of 5000 is no use. */
    assert_int_equal(through(&db, 2, b, pkt4(b, IPPROTO_UDP, peer, us, 9999, 5000), &c), -1);
    assert_int_equal(c.drop_esp_policy_mismatch, 3);
    /* Options; a non-first fragment (its ports unknown: not for [udp/5000]). */
    assert_int_equal(through(&db, 2, b,
                             pkt4_opt(b, 10, IPPROTO_UDP, peer, us, 5000, 1, RTE_IPV4_HDR_MF_FLAG),
                             &c),
                     0);
    assert_int_equal(through(&db, 2, b, pkt4_opt(b, 5, IPPROTO_UDP, peer, us, 5000, 1, 3), &c), -1);
    assert_int_equal(c.drop_esp_policy_mismatch, 4);
    assert_int_equal(c.esp_decrypted, 2);
    /* IPv6 inside: from net6_a[tcp/22] to net6_b. */
    struct ike_child_sa c6 = child(10, true);
    c6.ts_local.ts[0] = net6(net6_b, ANY_PROTO, 0, 65535);
    c6.ts_remote.ts[0] = net6(net6_a, IPPROTO_TCP, 22, 22);
    install(&db, &c6);
    assert_int_equal(through(&db, 11, b, pkt6(b, IPPROTO_TCP, NULL, 0, 22, 40000), &c), 0);
    assert_int_equal(through(&db, 11, b, pkt6(b, IPPROTO_TCP, NULL, 0, 23, 40000), &c), -1);
    uint8_t ext[8] = {IPPROTO_TCP};
    assert_int_equal(through(&db, 11, b, pkt6(b, IPPROTO_DSTOPTS, ext, sizeof(ext), 22, 1), &c), 0);
    assert_int_equal(through(&db, 11, b, pkt6(b, IPPROTO_UDP, NULL, 0, 22, 40000), &c), -1);
    assert_int_equal(c.drop_esp_policy_mismatch, 6);
    assert_int_equal(c.esp_decrypted, 4);
    /* An address-only SA's check takes every protocol. */
    struct ike_child_sa open = child(20, true);
    open.ts_remote.ts[0] =
        range4(test_ip4(10, 5, 0, 0), test_ip4(10, 5, 0, 255), ANY_PROTO, 0, 65535);
    install(&db, &open);
    assert_int_equal(through(&db, 21, b, pkt4(b, IPPROTO_GRE, test_ip4(10, 5, 0, 1), us, 1, 2), &c),
                     0);
    assert_int_equal(c.drop_esp_policy_mismatch, 6);
    dp_sadb_free(&db);
}

static int group_setup(void **state)
{
    (void)state;
    return test_eal_esp("test_ts_ports", "512", 256, &pool, &eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_ipv4),          cmocka_unit_test(test_read_ipv6),
        cmocka_unit_test(test_selector_rule),      cmocka_unit_test(test_site_to_site_ports),
        cmocka_unit_test(test_road_warrior_ports), cmocka_unit_test(test_ipv6_ports),
        cmocka_unit_test(test_inbound_check),
    };
    return cmocka_run_group_tests(tests, group_setup, test_eal_teardown);
}
