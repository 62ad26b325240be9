/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 fragments in the workers (lib/dp/ip/reass.c, reass6.c; RFC 8200 4.5) on
 * real mbufs and two dual-stack net_ring ports with separate RX and TX rings
 * (EAL --no-huge). Fragments are cut here, by the test's own code, never by
 * veer's or librte_ip_frag's.
 *
 * Reassembly of fragments to the gateway in order, out of order and last
 * first; duplicated, overlapping, too many, too long, empty, misaligned,
 * behind another extension header, with one after it, and first fragments
 * without their whole UDP header, each with its counter; atomic fragments
 * taken on their own (RFC 6946) even while a datagram with their
 * identification is in reassembly; IPv4 and IPv6 datagrams in one table;
 * timeouts. A worker lcore reassembles ESP in UDP over IPv6 (decrypted and
 * forwarded) and an IKE_AUTH over IPv6 (to the control ring, UDP checksum
 * summed here). Fragments not to us are never reassembled: protected or
 * forwarded as they are. And plaintext IPv4 without DF too big for a tunnel
 * with an IPv6 outer header is pre-fragmented, each fragment its own ESP
 * packet over IPv6 that fits the link; IPv6 too big gets Packet Too Big.
 * Every mbuf is counted back into its pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "conf.h"
#include "loop_sa.h"
#include "ring_port.h"
#include "spd_probe.h"
#include "dp_esp.h"
#include "dp_forward.h"
#include "dp_neigh.h"
#include "dp_pkt.h"
#include "dp_reass.h"
#include "dp_route.h"
#include "dp_worker.h"
#include "fwd_env.h"
#include "inet_sum.h"
#include "test_eal.h"
#include "test_pkt.h"

#define OUTSIDE 0
#define INSIDE 1
#define ETH 14
#define IP6 40
#define FH 8            /* the Fragment header */
#define FAKE_HZ 1000000 /* the table tests' clock: 1000 cycles per ms */
#define MAX_PIECES 16

static const char sa_yaml[] = "dataplane:\n"
                              "  ports: [{name: o, device: x, address: 198.51.100.1/24}]\n"
                              "  static_sas:\n"
                              "    - name: loop6\n"
                              "      local: 2001:db8:1::1\n"
                              "      remote: 2001:db8:1::2\n"
                              "      esp: aes128gcm16\n"
                              "      udp_encap: true\n"
                              "      spi_in: 0x2000\n"
                              "      spi_out: 0x2000\n"
                              "      key_in: 000102030405060708090a0b0c0d0e0fa0a1a2a3\n"
                              "      key_out: 000102030405060708090a0b0c0d0e0fa0a1a2a3\n"
                              "      local_ts: [10.2.0.0/24, 2001:db8:2::/64]\n"
                              "      remote_ts: [10.1.0.0/24, 2001:db8:a::/64]\n";

static struct fwd_env *e;

static const struct rte_ether_addr peer_mac = {{2, 0, 0, 0, 0, 2}}, host_mac = {{2, 0, 0, 0, 1, 2}};

static int group_setup(void **state)
{
    static struct fwd_env env;
    e = &env;
    *state = e;
    /* Dual-stack ports, 2001:db8:1::1 and 2001:db8:2::1; the worker lcore runs on the second. */
    struct fwd_env_cfg cfg = fwd_env_cfg_reass("test_ipfrag6");
    cfg.net6[OUTSIDE] = 1;
    cfg.net6[INSIDE] = 2;
    if (fwd_env_open(e, &cfg) < 0)
        return -1;
    uint8_t ip[16];
    test_a6(ip, 1, 2);
    dp_neigh_learn6(&e->neigh, ip, e->ports[OUTSIDE].id, &peer_mac, DP_NEIGH_STATIC);
    test_a6(ip, 2, 2);
    dp_neigh_learn6(&e->neigh, ip, e->ports[INSIDE].id, &host_mac, DP_NEIGH_STATIC);
    dp_neigh_learn(&e->neigh, test_ip4(10, 2, 0, 2), e->ports[INSIDE].id, &host_mac,
                   DP_NEIGH_STATIC);
    return fwd_env_static_sa(e, sa_yaml);
}

/* An IPv6 packet of `len` bytes, `proto` after the fixed header, its payload a known pattern. */
static void fill_ip6(uint8_t *p, size_t len, const uint8_t src[16], const uint8_t dst[16],
                     uint8_t proto, uint8_t seed)
{
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
    memset(ip, 0, sizeof(*ip));
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16((uint16_t)(len - IP6));
    ip->proto = proto;
    ip->hop_limits = 64;
    memcpy(ip->src_addr, src, 16);
    memcpy(ip->dst_addr, dst, 16);
    for (size_t i = IP6; i < len; i++)
        p[i] = (uint8_t)(i * 7 + seed);
}

/* UDP from the peer's port `port` to ours over IPv6, `len` bytes in all; its checksum right. */
static void fill_udp6(uint8_t *p, size_t len, uint16_t port, uint8_t seed)
{
    uint8_t peer[16], us[16];
    test_a6(peer, 1, 2);
    test_a6(us, 1, 1);
    fill_ip6(p, len, peer, us, IPPROTO_UDP, seed);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + IP6);
    udp->src_port = udp->dst_port = rte_cpu_to_be_16(port);
    udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - IP6));
    udp->dgram_cksum = 0;
    udp->dgram_cksum = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)p, udp);
}

/* A frame from `mac` to port `port` with `len` bytes at p after the Ethernet header. */
static struct rte_mbuf *frame(unsigned port, const struct rte_ether_addr *mac, const uint8_t *p,
                              size_t len)
{
    return test_frame(e->pool, &e->ports[port], mac, RTE_ETHER_TYPE_IPV6, p, len);
}

/*
 * One fragment of the IPv6 packet `pkt` (fixed header, then its payload) as
 * a frame from the peer: data bytes [ofs, ofs + n) of the payload behind a
 * Fragment header with the packet's next header, M as `more`.
 */
static struct rte_mbuf *piece(const uint8_t *pkt, size_t ofs, size_t n, bool more, uint32_t id)
{
    static uint8_t buf[IP6 + FH + 9000];
    assert_true(n <= 9000);
    memcpy(buf, pkt, IP6);
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)buf;
    ip->proto = IPPROTO_FRAGMENT;
    ip->payload_len = rte_cpu_to_be_16((uint16_t)(FH + n));
    uint8_t *fh = buf + IP6;
    fh[0] = ((const struct rte_ipv6_hdr *)pkt)->proto;
    fh[1] = 0;
    uint16_t field = (uint16_t)((ofs / 8) << 3 | (more ? 1 : 0));
    fh[2] = (uint8_t)(field >> 8);
    fh[3] = (uint8_t)field;
    uint32_t nid = rte_cpu_to_be_32(id);
    memcpy(fh + 4, &nid, 4);
    memcpy(buf + IP6 + FH, pkt + IP6 + ofs, n);
    return frame(OUTSIDE, &peer_mac, buf, IP6 + FH + n);
}

/* The packet `pkt` of `len` bytes cut into fragments of `chunk` data bytes (the last shorter). */
static unsigned cut(struct rte_mbuf **f, const uint8_t *pkt, size_t len, size_t chunk, uint32_t id)
{
    size_t data = len - IP6;
    unsigned n = 0;
    for (size_t ofs = 0; ofs < data; ofs += chunk) {
        assert_true(n < MAX_PIECES);
        size_t k = data - ofs < chunk ? data - ofs : chunk;
        f[n++] = piece(pkt, ofs, k, ofs + k < data, id);
    }
    return n;
}

/* The packet again, byte for byte, in one segment behind its Ethernet header. */
static void expect_whole(struct rte_mbuf *whole, const uint8_t *pkt, size_t len)
{
    assert_non_null(whole);
    assert_true(rte_pktmbuf_is_contiguous(whole));
    assert_int_equal(rte_pktmbuf_pkt_len(whole), ETH + len);
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(whole, const struct rte_ether_hdr *);
    assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV6);
    assert_memory_equal(rte_pktmbuf_mtod_offset(whole, const uint8_t *, ETH), pkt, len);
}

static const unsigned in_order[] = {0, 1, 2, 3}, shuffled[] = {2, 0, 3, 1},
                      reversed[] = {3, 2, 1, 0};

static void test_reassembly6_orders(void **state)
{
    (void)state;
    static uint8_t pkt[IP6 + 1500];
    struct rte_mbuf *f[MAX_PIECES];
    struct fwd_reass t;
    fwd_reass_open(&t, 4, e->big, FAKE_HZ);
    const unsigned *orders[] = {in_order, shuffled, reversed};
    for (unsigned k = 0; k < 3; k++) {
        fill_udp6(pkt, sizeof(pkt), 4500, (uint8_t)k);
        assert_int_equal(cut(f, pkt, sizeof(pkt), 400, 0x10000 + k), 4);
        struct rte_mbuf *whole = fwd_reass_feed(&t, f, orders[k], 4, 1);
        expect_whole(whole, pkt, sizeof(pkt));
        /* What the worker does next: classified like any frame, here ESP in UDP to us. */
        assert_int_equal(dp_classify(whole, &e->w.routes->addrs, &t.c), DP_CLASS_ESP);
        rte_pktmbuf_free(whole);
    }
    assert_int_equal(t.c.reass_fragments, 12);
    assert_int_equal(t.c.reass_packets, 3);
    assert_int_equal(t.c.reass_invalid + t.c.reass_timeouts + t.c.reass_table_full, 0);
    dp_reass_free(&t.r);
    fwd_env_pools_full(e);
}

/*
 * A wrong fragment makes its datagram (or itself) a counted drop: one each of
 * a middle fragment twice, the first twice, an overlap, nine fragments, data
 * past 65535, an empty fragment, a misaligned one; and the IPv6 header-chain
 * rules: a Fragment header behind destination options, an extension header
 * behind it, a first fragment without its whole UDP header, ICMPv6.
 */
static void test_reassembly6_invalid(void **state)
{
    (void)state;
    static uint8_t pkt[IP6 + 1500];
    struct rte_mbuf *f[MAX_PIECES];
    struct fwd_reass t;
    fwd_reass_open(&t, 4, e->big, FAKE_HZ);
    fill_udp6(pkt, sizeof(pkt), 4500, 1);
    /* A middle fragment twice. */
    cut(f, pkt, sizeof(pkt), 400, 1);
    f[4] = piece(pkt, 400, 400, true, 1);
    static const unsigned with_dup[] = {0, 1, 4, 2, 3};
    assert_null(fwd_reass_feed(&t, f, with_dup, 5, 1));
    assert_int_equal(t.c.reass_overlap, 1);
    /* The first twice. */
    cut(f, pkt, sizeof(pkt), 400, 2);
    f[4] = piece(pkt, 0, 400, true, 2);
    static const unsigned first_twice[] = {0, 4, 1, 2, 3};
    assert_null(fwd_reass_feed(&t, f, first_twice, 5, 1));
    assert_int_equal(t.c.reass_overlap, 2);
    /* Overlapping: the second fragment starts 8 bytes early, the total still adds up. */
    f[0] = piece(pkt, 0, 400, true, 3);
    f[1] = piece(pkt, 392, 400, true, 3);
    f[2] = piece(pkt, 800, 400, true, 3);
    f[3] = piece(pkt, 1200, 300, false, 3);
    assert_null(fwd_reass_feed(&t, f, in_order, 4, 1));
    assert_int_equal(t.c.reass_overlap, 3);
    assert_int_equal(t.c.reass_invalid, 3);
    /* Nine fragments: one more than librte_ip_frag holds per datagram. */
    static uint8_t nine[IP6 + 9 * 64];
    fill_udp6(nine, sizeof(nine), 4500, 2);
    assert_int_equal(cut(f, nine, sizeof(nine), 64, 4), 9);
    static const unsigned all9[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_null(fwd_reass_feed(&t, f, all9, 9, 1));
    assert_int_equal(t.c.reass_too_many, 1);
    assert_int_equal(t.c.reass_invalid, 4);
    /* Data past 65535: the last fragment at offset 65528 with 16 bytes. */
    static uint8_t shifted[IP6 + 65528 + 16];
    fill_udp6(shifted, sizeof(shifted) - 65528, 4500, 3);
    f[0] = piece(shifted, 65528, 16, false, 5);
    static const unsigned one[] = {0};
    assert_null(fwd_reass_feed(&t, f, one, 1, 1));
    assert_int_equal(t.c.reass_too_long, 1);
    /* Empty; and with M set, data not a multiple of 8. */
    f[0] = piece(pkt, 400, 0, true, 6);
    f[1] = piece(pkt, 400, 399, true, 6);
    static const unsigned two[] = {0, 1};
    assert_null(fwd_reass_feed(&t, f, two, 2, 1));
    assert_int_equal(t.c.reass_invalid, 7);
    /* A Fragment header behind destination options (the classifier sends it here). */
    struct rte_mbuf *m = piece(pkt, 0, 400, true, 7);
    struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH);
    ip->proto = IPPROTO_DSTOPTS;
    uint8_t *opts = (uint8_t *)(ip + 1);
    opts[0] = IPPROTO_FRAGMENT; /* as if the options' next header: a length of 0 */
    assert_int_equal(dp_classify(m, &e->w.routes->addrs, &t.c), DP_CLASS_FRAG);
    f[0] = m;
    assert_null(fwd_reass_feed(&t, f, one, 1, 1));
    assert_int_equal(t.c.reass6_bad_chain, 1);
    /* Destination options behind the Fragment header of a first fragment. */
    f[0] = piece(pkt, 0, 400, true, 8);
    rte_pktmbuf_mtod_offset(f[0], uint8_t *, ETH + IP6)[0] = IPPROTO_DSTOPTS;
    assert_null(fwd_reass_feed(&t, f, one, 1, 1));
    assert_int_equal(t.c.reass6_bad_chain, 2);
    /* A first fragment that ends inside its UDP header. */
    f[0] = piece(pkt, 0, 4, true, 9);
    assert_null(fwd_reass_feed(&t, f, one, 1, 1));
    assert_int_equal(t.c.reass6_bad_chain, 3);
    assert_int_equal(t.c.reass_invalid, 10);
    /* ICMPv6 to us is never taken in fragments (neighbour discovery is never fragmented). */
    static uint8_t icmp[IP6 + 800];
    uint8_t peer[16], us[16];
    test_a6(peer, 1, 2);
    test_a6(us, 1, 1);
    fill_ip6(icmp, sizeof(icmp), peer, us, IPPROTO_ICMPV6, 4);
    f[0] = piece(icmp, 0, 400, true, 10);
    assert_null(fwd_reass_feed(&t, f, one, 1, 1));
    assert_int_equal(t.c.drop_other_proto, 1);
    assert_int_equal(t.c.reass_invalid, 10);
    assert_int_equal(t.c.reass_packets + t.c.reass_timeouts + t.c.reass_table_full, 0);
    assert_int_equal(t.c.reass_fragments, 5 + 5 + 4 + 9 + 1 + 2 + 1 + 1 + 1 + 1);
    dp_reass_free(&t.r);
    fwd_env_pools_full(e);
}

/*
 * An atomic fragment (offset 0, no M) is the packet itself, taken on its own
 * (RFC 6946 4), even when a datagram with the same identification is being
 * reassembled, which completes as if it had not come.
 */
static void test_reassembly6_atomic(void **state)
{
    (void)state;
    static uint8_t ike[IP6 + 8 + 300], pkt[IP6 + 1500];
    fill_udp6(ike, sizeof(ike), 500, 9);
    fill_udp6(pkt, sizeof(pkt), 4500, 10);
    struct rte_mbuf *f[MAX_PIECES];
    struct fwd_reass t;
    fwd_reass_open(&t, 4, e->big, FAKE_HZ);
    cut(f, pkt, sizeof(pkt), 400, 0x77);
    static const unsigned first2[] = {0, 1}, last2[] = {2, 3};
    assert_null(fwd_reass_feed(&t, f, first2, 2, 1));
    struct rte_mbuf *atomic = piece(ike, 0, sizeof(ike) - IP6, false, 0x77);
    struct rte_mbuf *got = dp_reass_input(&t.r, atomic, 1, &t.c);
    expect_whole(got, ike, sizeof(ike));
    assert_int_equal(dp_classify(got, &e->w.routes->addrs, &t.c), DP_CLASS_CONTROL);
    rte_pktmbuf_free(got);
    got = fwd_reass_feed(&t, f, last2, 2, 1);
    expect_whole(got, pkt, sizeof(pkt));
    rte_pktmbuf_free(got);
    assert_int_equal(t.c.reass6_atomic, 1);
    assert_int_equal(t.c.reass_packets, 1);
    assert_int_equal(t.c.reass_invalid, 0);
    /* An atomic fragment whose Fragment header is followed by another: refused, not unwrapped. */
    atomic = piece(ike, 0, sizeof(ike) - IP6, false, 0x78);
    rte_pktmbuf_mtod_offset(atomic, uint8_t *, ETH + IP6)[0] = IPPROTO_FRAGMENT;
    assert_null(dp_reass_input(&t.r, atomic, 1, &t.c));
    dp_reass_flush(&t.r);
    assert_int_equal(t.c.reass6_bad_chain, 1);
    assert_int_equal(t.c.reass6_atomic, 1);
    dp_reass_free(&t.r);
    fwd_env_pools_full(e);
}

/* IPv4 and IPv6 datagrams share one table; what is not whole in time is freed and counted. */
static void test_reassembly6_mixed_and_timeout(void **state)
{
    (void)state;
    static uint8_t pkt[IP6 + 1500], v4[1500];
    fill_udp6(pkt, sizeof(pkt), 4500, 11);
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)v4;
    *ip = (struct rte_ipv4_hdr){.version_ihl = 0x45,
                                .total_length = rte_cpu_to_be_16(sizeof(v4)),
                                .packet_id = rte_cpu_to_be_16(0x77),
                                .time_to_live = 64,
                                .next_proto_id = IPPROTO_UDP,
                                .src_addr = test_ip4(203, 0, 113, 2),
                                .dst_addr = test_ip4(198, 51, 100, 1)};
    for (size_t i = 20; i < sizeof(v4); i++)
        v4[i] = (uint8_t)(i * 5);
    struct rte_mbuf *f6[MAX_PIECES], *f4[2];
    for (unsigned i = 0; i < 2; i++) {
        /* Two IPv4 fragments: 744 data bytes, then the rest. */
        static uint8_t buf[1500];
        size_t ofs = i == 0 ? 0 : 744, n = i == 0 ? 744 : sizeof(v4) - 20 - 744;
        memcpy(buf, v4, 20);
        struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)buf;
        h->total_length = rte_cpu_to_be_16((uint16_t)(20 + n));
        h->fragment_offset = rte_cpu_to_be_16((uint16_t)(ofs / 8 | (i == 0 ? 0x2000 : 0)));
        h->hdr_checksum = 0;
        h->hdr_checksum = rte_ipv4_cksum(h);
        memcpy(buf + 20, v4 + 20 + ofs, n);
        f4[i] = frame(OUTSIDE, &peer_mac, buf, 20 + n);
        rte_pktmbuf_mtod(f4[i], struct rte_ether_hdr *)->ether_type =
            rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    }
    struct fwd_reass t;
    fwd_reass_open(&t, 4, e->big, FAKE_HZ);
    cut(f6, pkt, sizeof(pkt), 400, 0x77); /* the same identification as the IPv4 one */
    struct rte_mbuf *whole4 = NULL, *whole6 = NULL;
    for (unsigned i = 0; i < 4; i++) {
        struct rte_mbuf *got = dp_reass_input(&t.r, f6[i], 1000, &t.c);
        whole6 = got != NULL ? got : whole6;
        if (i < 2) {
            got = dp_reass_input(&t.r, f4[1 - i], 1000, &t.c);
            whole4 = got != NULL ? got : whole4;
        }
    }
    expect_whole(whole6, pkt, sizeof(pkt));
    assert_non_null(whole4);
    assert_int_equal(rte_pktmbuf_pkt_len(whole4), ETH + sizeof(v4));
    assert_memory_equal(rte_pktmbuf_mtod_offset(whole4, uint8_t *, ETH + 20), v4 + 20,
                        sizeof(v4) - 20);
    rte_pktmbuf_free(whole4);
    rte_pktmbuf_free(whole6);
    /* Three of four fragments, then nothing: freed after the 100 ms, not before. */
    cut(f6, pkt, sizeof(pkt), 400, 0x79);
    static const unsigned first3[] = {0, 1, 2};
    assert_null(fwd_reass_feed(&t, f6, first3, 3, 1000));
    rte_pktmbuf_free(f6[3]);
    dp_reass_expire(&t.r, 1000 + 100 * 1000, &t.c);
    assert_int_equal(t.c.reass_timeouts, 0);
    dp_reass_expire(&t.r, 1000 + 100 * 1000 + 1, &t.c);
    assert_int_equal(t.c.reass_timeouts, 3);
    assert_int_equal(t.c.reass_packets, 2);
    assert_int_equal(t.c.reass_invalid, 0);
    dp_reass_free(&t.r);
    fwd_env_pools_full(e);
}

/* Whether an IPv6 UDP datagram's checksum is right, summed here word by word (RFC 8200 8.1). */
static bool udp6_sum_ok(const uint8_t *p)
{
    const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)p;
    size_t len = rte_be_to_cpu_16(ip->payload_len);
    uint8_t pseudo[8] = {0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, IPPROTO_UDP};
    uint32_t sum = add_words(add_words(add_words(0, ip->src_addr, 32), pseudo, 8), p + IP6, len);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

/*
 * Opens an ESP-in-UDP frame over IPv6 sent to the peer, with the peer's
 * selectors (the mirror of ours: RFC 4301 5.2's inbound check); the inner
 * packet is then at the mbuf's data.
 */
static void open_esp6(struct rte_mbuf *m)
{
    const struct rte_ipv6_hdr *outer = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH);
    uint8_t peer[16];
    test_a6(peer, 1, 2);
    assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), peer_mac.addr_bytes, 6);
    assert_memory_equal(outer->dst_addr, peer, 16);
    assert_int_equal(outer->proto, IPPROTO_UDP);
    test_open_as_peer(&e->w.esp, &e->sadb, 0x2000, m, ETH + IP6 + 8);
}

/*
 * The peer's ESP-in-UDP packet over IPv6 for `inner`, as it would send it:
 * our outbound SA seals it (same SPI and key both ways), the outer addresses
 * are turned round, the ports made 4500 and the UDP checksum made again.
 */
static size_t peer_esp6(const uint8_t *inner, size_t len, uint8_t *out)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    memcpy(rte_pktmbuf_append(m, (uint16_t)len), inner, len);
    uint8_t a[16], b[16];
    test_a6(a, 2, 2);
    test_a6(b, 0xa, 5);
    struct dp_esp_sa *sa = spd_probe6(&e->sadb, a, b);
    assert_non_null(sa);
    struct dp_worker_counters c = {0};
    assert_int_equal(dp_esp_encrypt(&e->w.esp, sa, m, 0, &c), 0);
    struct rte_ipv6_hdr *outer = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
    test_a6(outer->src_addr, 1, 2);
    test_a6(outer->dst_addr, 1, 1);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(outer + 1);
    udp->src_port = udp->dst_port = rte_cpu_to_be_16(4500);
    udp->dgram_cksum = 0;
    udp->dgram_cksum = rte_ipv6_udptcp_cksum(outer, udp);
    size_t n = rte_pktmbuf_pkt_len(m);
    memcpy(out, outer, n);
    rte_pktmbuf_free(m);
    return n;
}

/*
 * From the wire through a worker lcore: the peer's ESP-in-UDP packet over
 * IPv6 in three fragments (last first) is reassembled, decrypted, and its
 * inner IPv6 packet forwarded inside; an IKE_AUTH over IPv6 of 3000 bytes in
 * three fragments (middle first) reaches the control ring whole, its UDP
 * checksum right.
 */
static void test_worker_reassembles6(void **state)
{
    (void)state;
    static uint8_t inner[1400], esp[1600];
    uint8_t from[16], to[16];
    test_a6(from, 0xa, 5);
    test_a6(to, 2, 2);
    fill_ip6(inner, sizeof(inner), from, to, IPPROTO_UDP, 12);
    size_t esp_len = peer_esp6(inner, sizeof(inner), esp);
    struct rte_mbuf *f[MAX_PIECES];
    assert_int_equal(cut(f, esp, esp_len, 512, 0x4242), 3);
    for (int i = 2; i >= 0; i--)
        assert_int_equal(rte_ring_enqueue(e->rx[OUTSIDE], f[i]), 0);
    static uint8_t ike[IP6 + 8 + 2992];
    fill_udp6(ike, sizeof(ike), 500, 13);
    ike[IP6 + 8 + 18] = 35; /* IKE_AUTH */
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ike + IP6);
    udp->dgram_cksum = 0;
    udp->dgram_cksum = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)ike, udp);
    assert_true(udp6_sum_ok(ike));
    assert_int_equal(cut(f, ike, sizeof(ike), 1232, 0x4243), 3);
    static const int order[] = {1, 2, 0};
    for (int i = 0; i < 3; i++)
        assert_int_equal(rte_ring_enqueue(e->rx[OUTSIDE], f[order[i]]), 0);

    e->stop = false;
    unsigned lcore = rte_get_next_lcore(-1, 1, 0);
    assert_int_equal(rte_eal_remote_launch(dp_worker_main, &e->w, lcore), 0);
    /* Bounded: at most 5 s for what takes microseconds. */
    for (unsigned i = 0;
         i < 5000 && (rte_ring_count(e->tx[INSIDE]) < 1 || rte_ring_count(e->to_ctrl) < 1); i++)
        rte_delay_us_sleep(1000);
    e->stop = true;
    rte_eal_wait_lcore(lcore);

    struct rte_mbuf *out = NULL;
    assert_int_equal(rte_ring_dequeue(e->tx[INSIDE], (void **)&out), 0);
    assert_memory_equal(rte_pktmbuf_mtod(out, uint8_t *), host_mac.addr_bytes, 6);
    assert_int_equal(rte_pktmbuf_pkt_len(out), ETH + sizeof(inner));
    const uint8_t *p = rte_pktmbuf_mtod_offset(out, const uint8_t *, ETH);
    assert_int_equal(p[7], 63); /* hop limit, once less */
    assert_memory_equal(p, inner, 7);
    assert_memory_equal(p + 8, inner + 8, sizeof(inner) - 8);
    rte_pktmbuf_free(out);
    assert_int_equal(rte_ring_dequeue(e->to_ctrl, (void **)&out), 0);
    assert_true(rte_pktmbuf_is_contiguous(out));
    assert_int_equal(rte_pktmbuf_pkt_len(out), ETH + sizeof(ike));
    p = rte_pktmbuf_mtod_offset(out, const uint8_t *, ETH);
    assert_memory_equal(p, ike, sizeof(ike));
    assert_true(udp6_sum_ok(p));
    rte_pktmbuf_free(out);
    assert_int_equal(e->w.counters.reass_fragments, 6);
    assert_int_equal(e->w.counters.reass_packets, 2);
    assert_int_equal(e->w.counters.esp_decrypted, 1);
    assert_int_equal(e->w.counters.to_control, 1);
    assert_int_equal(e->w.counters.reass_invalid + e->w.counters.drop_ip_fragment, 0);
    fwd_env_pools_full(e);
}

/*
 * Fragments not to us are never reassembled (a router does not, RFC 8200
 * 4.5): a plaintext IPv6 fragment from inside is sealed as it is and opens
 * to the same bytes (hop limit once less); a decrypted inner fragment is
 * forwarded inside as it is.
 */
static void test_transit_fragments6(void **state)
{
    (void)state;
    static uint8_t pkt[IP6 + 1200], frag[IP6 + FH + 800];
    uint8_t host[16], far[16];
    test_a6(host, 2, 2);
    test_a6(far, 0xa, 5);
    fill_ip6(pkt, sizeof(pkt), host, far, IPPROTO_UDP, 14);
    struct rte_mbuf *m = piece(pkt, 0, 800, true, 0x99);
    memcpy(frag, rte_pktmbuf_mtod_offset(m, uint8_t *, ETH), sizeof(frag));
    rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr = host_mac;
    m->port = e->ports[INSIDE].id;
    assert_int_equal(dp_classify(m, &e->w.routes->addrs, &e->w.counters), DP_CLASS_PLAIN);
    dp_forward_plain(&e->w, &m, 1);
    struct rte_mbuf *out[4];
    assert_int_equal(rte_ring_dequeue_burst(e->tx[OUTSIDE], (void **)out, 4, NULL), 1);
    open_esp6(out[0]);
    assert_int_equal(rte_pktmbuf_data_len(out[0]), sizeof(frag));
    const uint8_t *p = rte_pktmbuf_mtod(out[0], const uint8_t *);
    assert_int_equal(p[7], 63);
    assert_memory_equal(p, frag, 7);
    assert_memory_equal(p + 8, frag + 8, sizeof(frag) - 8);
    rte_pktmbuf_free(out[0]);
    /* The other way: a fragment from behind the peer, decrypted, goes inside untouched. */
    fill_ip6(pkt, sizeof(pkt), far, host, IPPROTO_UDP, 15);
    m = piece(pkt, 800, 400, false, 0x9a);
    memcpy(frag, rte_pktmbuf_mtod_offset(m, uint8_t *, ETH), IP6 + FH + 400);
    rte_pktmbuf_free(m);
    static uint8_t esp[1600];
    size_t esp_len = peer_esp6(frag, IP6 + FH + 400, esp);
    m = frame(OUTSIDE, &peer_mac, esp, esp_len);
    assert_int_equal(dp_classify(m, &e->w.routes->addrs, &e->w.counters), DP_CLASS_ESP);
    dp_forward_esp(&e->w, &m, 1);
    assert_int_equal(rte_ring_dequeue_burst(e->tx[INSIDE], (void **)out, 4, NULL), 1);
    assert_int_equal(rte_pktmbuf_pkt_len(out[0]), ETH + IP6 + FH + 400);
    p = rte_pktmbuf_mtod_offset(out[0], const uint8_t *, ETH);
    assert_int_equal(p[7], 63);
    assert_memory_equal(p + 8, frag + 8, IP6 + FH + 400 - 8);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->w.counters.reass_fragments, 0);
    assert_int_equal(e->w.counters.esp_encrypted, 1);
    assert_int_equal(e->w.counters.esp_decrypted, 1);
    fwd_env_pools_full(e);
}

/*
 * Pre-fragmentation with an IPv6 outer header: a 2000-byte IPv4 packet
 * without DF, too long for the tunnel, leaves as two ESP-in-UDP packets over
 * IPv6 that each fit the 1500-byte link; opened, they are IPv4 fragments
 * that put the packet back together (checked here byte by byte). With DF, or
 * an IPv6 packet (never fragmented by a router): an ICMP error with the
 * tunnel's MTU, nothing sealed.
 */
static void test_prefragment_ipv6_outer(void **state)
{
    (void)state;
    static uint8_t orig[2000];
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)orig;
    *ip = (struct rte_ipv4_hdr){.version_ihl = 0x45,
                                .total_length = rte_cpu_to_be_16(sizeof(orig)),
                                .packet_id = rte_cpu_to_be_16(0x5151),
                                .time_to_live = 64,
                                .next_proto_id = IPPROTO_UDP,
                                .src_addr = test_ip4(10, 2, 0, 2),
                                .dst_addr = test_ip4(10, 1, 0, 5)};
    for (size_t i = 20; i < sizeof(orig); i++)
        orig[i] = (uint8_t)(i * 3 + 1);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    struct rte_mbuf *m = frame(INSIDE, &host_mac, orig, sizeof(orig));
    rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    dp_forward_plain(&e->w, &m, 1);
    struct rte_mbuf *out[8];
    assert_int_equal(rte_ring_dequeue_burst(e->tx[OUTSIDE], (void **)out, 8, NULL), 2);
    uint8_t a[16], b[16];
    test_a6(a, 2, 2);
    test_a6(b, 0xa, 5);
    size_t tunnel = dp_esp_max_inner(spd_probe6(&e->sadb, a, b), 1500);
    static uint8_t back[2000];
    size_t got = 0;
    for (unsigned i = 0; i < 2; i++) {
        assert_true(rte_pktmbuf_pkt_len(out[i]) <= ETH + 1500);
        open_esp6(out[i]);
        const struct rte_ipv4_hdr *f = rte_pktmbuf_mtod(out[i], const struct rte_ipv4_hdr *);
        size_t total = rte_be_to_cpu_16(f->total_length);
        uint16_t field = rte_be_to_cpu_16(f->fragment_offset);
        assert_true(total <= tunnel);
        assert_int_equal(rte_raw_cksum(f, 20), 0xffff);
        assert_int_equal(f->packet_id, ip->packet_id);
        assert_int_equal(f->time_to_live, 63);
        assert_int_equal((field & 0x1fff) * 8, got);
        assert_int_equal((field & RTE_IPV4_HDR_MF_FLAG) != 0, i == 0);
        memcpy(back + 20 + got, (const uint8_t *)f + 20, total - 20);
        got += total - 20;
        rte_pktmbuf_free(out[i]);
    }
    assert_int_equal(got, sizeof(orig) - 20);
    assert_memory_equal(back + 20, orig + 20, got);
    assert_int_equal(e->w.counters.frag_packets, 1);
    assert_int_equal(e->w.counters.esp_encrypted, 2);
    /* With DF: Fragmentation Needed to the host inside, with the tunnel's MTU. */
    ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    m = frame(INSIDE, &host_mac, orig, sizeof(orig));
    rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    dp_forward_plain(&e->w, &m, 1);
    assert_int_equal(rte_ring_count(e->tx[OUTSIDE]), 0);
    assert_int_equal(rte_ring_dequeue_burst(e->tx[INSIDE], (void **)out, 8, NULL), 1);
    const uint8_t *icmp = rte_pktmbuf_mtod_offset(out[0], const uint8_t *, ETH + 20);
    assert_int_equal(icmp[0], 3);
    assert_int_equal(icmp[1], 4);
    assert_int_equal(icmp[6] << 8 | icmp[7], tunnel);
    rte_pktmbuf_free(out[0]);
    /* IPv6 too big for the tunnel: Packet Too Big, never fragments. */
    static uint8_t big6[IP6 + 1960];
    fill_ip6(big6, sizeof(big6), a, b, IPPROTO_UDP, 16);
    m = frame(INSIDE, &host_mac, big6, sizeof(big6));
    dp_forward_plain(&e->w, &m, 1);
    assert_int_equal(rte_ring_count(e->tx[OUTSIDE]), 0);
    assert_int_equal(rte_ring_dequeue_burst(e->tx[INSIDE], (void **)out, 8, NULL), 1);
    icmp = rte_pktmbuf_mtod_offset(out[0], const uint8_t *, ETH + IP6);
    assert_int_equal(icmp[0], 2);
    assert_int_equal((size_t)icmp[6] << 8 | icmp[7], tunnel);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->w.counters.frag_packets, 1);
    assert_int_equal(e->w.counters.icmp_frag_needed, 1);
    assert_int_equal(e->w.counters.icmp6_packet_too_big, 1);
    fwd_env_pools_full(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reassembly6_orders, fwd_env_test_reset),
        cmocka_unit_test_setup(test_reassembly6_invalid, fwd_env_test_reset),
        cmocka_unit_test_setup(test_reassembly6_atomic, fwd_env_test_reset),
        cmocka_unit_test_setup(test_reassembly6_mixed_and_timeout, fwd_env_test_reset),
        cmocka_unit_test_setup(test_worker_reassembles6, fwd_env_test_reset),
        cmocka_unit_test_setup(test_transit_fragments6, fwd_env_test_reset),
        cmocka_unit_test_setup(test_prefragment_ipv6_outer, fwd_env_test_reset),
    };
    return cmocka_run_group_tests_name("frag6", tests, group_setup, fwd_env_group_teardown);
}
