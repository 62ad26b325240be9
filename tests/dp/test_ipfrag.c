/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 fragmentation and reassembly in the workers (lib/dp/ip/frag.c, reass.c)
 * on real mbufs and two net_ring ports with separate RX and TX rings (EAL
 * --no-huge): pre-fragmentation before ESP (every fragment's ESP packet fits
 * the outside MTU, and opened again the fragments put the original back
 * together), decrypted packets fragmented for the inside port, options and
 * fragments of fragments, every failure counted; reassembly in order, out of
 * order, duplicated, overlapping, too many fragments (each with its reason),
 * timed out, table full, too long for an mbuf, each counted and every mbuf back in its pool; and a
 * worker lcore that reassembles ESP-in-UDP and an IKE message from the wire.
 *
 * One Child SA with the same SPI and key both ways, as in test_forward.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
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

#include "conf.h"
#include "loop_sa.h"
#include "ring_port.h"
#include "dp_esp.h"
#include "spd_probe.h"
#include "dp_forward.h"
#include "dp_frag.h"
#include "dp_neigh.h"
#include "dp_pkt.h"
#include "dp_reass.h"
#include "dp_route.h"
#include "dp_worker.h"
#include "fwd_env.h"
#include "test_eal.h"
#include "test_pkt.h"

#define OUTSIDE 0
#define INSIDE 1
#define ETH 14
#define TUNNEL_MTU 1438 /* 1500 less this SA's overhead: test_forward.c */
#define INSIDE_MTU 1400
#define FAKE_HZ 1000000 /* reassembly tests' clock: 1000 cycles per ms */

static struct fwd_env *e;

static const struct rte_ether_addr router_out = {{2, 0, 0, 0, 0, 0xfe}},
                                   host_in = {{2, 0, 0, 0, 1, 2}};

static int group_setup(void **state)
{
    static struct fwd_env env;
    e = &env;
    *state = e;
    /* Two lcores: the last test runs the worker on the second. */
    struct fwd_env_cfg cfg = fwd_env_cfg_reass("test_ipfrag");
    cfg.mtu[INSIDE] = INSIDE_MTU;
    if (fwd_env_open(e, &cfg) < 0)
        return -1;
    dp_neigh_learn(&e->neigh, test_ip4(198, 51, 100, 254), e->ports[OUTSIDE].id, &router_out,
                   DP_NEIGH_STATIC);
    dp_neigh_learn(&e->neigh, test_ip4(10, 2, 0, 2), e->ports[INSIDE].id, &host_in,
                   DP_NEIGH_STATIC);
    char err[256];
    if (dp_routes_add(&e->routes, 0, 0, test_ip4(198, 51, 100, 254), -1, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return fwd_env_static_sa(e, test_loop_sa_yaml);
}

/* An IPv4 packet of `len` bytes (header `hl` with options `opt`), its payload a known pattern. */
static void fill_ip_opt(uint8_t *p, size_t len, uint32_t src, uint32_t dst, uint8_t ttl, bool df,
                        uint8_t proto, uint16_t id, const uint8_t *opt, size_t opt_len)
{
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
    size_t hl = sizeof(*ip) + opt_len;
    *ip = (struct rte_ipv4_hdr){.version_ihl = (uint8_t)(0x40 | hl / 4),
                                .total_length = rte_cpu_to_be_16((uint16_t)len),
                                .packet_id = rte_cpu_to_be_16(id),
                                .fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0,
                                .time_to_live = ttl,
                                .next_proto_id = proto,
                                .src_addr = src,
                                .dst_addr = dst};
    if (opt_len > 0) /* memcpy from NULL is undefined even for 0 bytes */
        memcpy(p + sizeof(*ip), opt, opt_len);
    for (size_t i = hl; i < len; i++)
        p[i] = (uint8_t)(i * 7 + 3);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void fill_ip(uint8_t *p, size_t len, uint32_t src, uint32_t dst, uint8_t ttl, bool df)
{
    fill_ip_opt(p, len, src, dst, ttl, df, IPPROTO_UDP, 0x1234, NULL, 0);
}

/* A frame from `mac` to port `port` carrying the IPv4 packet `ip`. */
static struct rte_mbuf *frame(unsigned port, const struct rte_ether_addr *mac, const uint8_t *ip,
                              size_t len)
{
    return test_frame(e->pool, &e->ports[port], mac, RTE_ETHER_TYPE_IPV4, ip, len);
}

/* Puts an Ethernet header in front of an mbuf whose data is an IPv4 packet. */
static struct rte_mbuf *with_eth(struct rte_mbuf *m, unsigned port)
{
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, ETH);
    assert_non_null(eth);
    eth->dst_addr = e->ports[port].mac;
    eth->src_addr = router_out;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    m->port = e->ports[port].id;
    return m;
}

/*
 * Checks fragments (IPv4 at each mbuf's data, in order) against the packet
 * they were made of: each at most mtu long, header checksum right, the same
 * identification, addresses, protocol and `ttl`; offsets that follow each
 * other from `base`, data of 8-byte multiples but in the last, MF on all but
 * the last (and on it as `last_mf`), and the data the original's.
 */
static void check_fragments(struct rte_mbuf **f, unsigned n, const uint8_t *orig, size_t mtu,
                            uint8_t ttl, size_t base, bool last_mf)
{
    const struct rte_ipv4_hdr *o = (const struct rte_ipv4_hdr *)orig;
    size_t ohl = dp_ipv4_hdr_len(o), odata = rte_be_to_cpu_16(o->total_length) - ohl;
    size_t pos = 0;
    for (unsigned i = 0; i < n; i++) {
        assert_true(rte_pktmbuf_is_contiguous(f[i]));
        const uint8_t *p = rte_pktmbuf_mtod(f[i], const uint8_t *);
        const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
        size_t hl = dp_ipv4_hdr_len(ip), total = rte_be_to_cpu_16(ip->total_length);
        assert_int_equal(ip->version_ihl >> 4, 4);
        assert_true(total <= mtu);
        assert_int_equal(rte_pktmbuf_data_len(f[i]), total);
        assert_int_equal(rte_raw_cksum(ip, hl), 0xffff);
        assert_int_equal(ip->packet_id, o->packet_id);
        assert_int_equal(ip->src_addr, o->src_addr);
        assert_int_equal(ip->dst_addr, o->dst_addr);
        assert_int_equal(ip->next_proto_id, o->next_proto_id);
        assert_int_equal(ip->time_to_live, ttl);
        uint16_t field = rte_be_to_cpu_16(ip->fragment_offset);
        assert_int_equal((field & RTE_IPV4_HDR_OFFSET_MASK) * 8, base + pos);
        assert_int_equal(field & RTE_IPV4_HDR_DF_FLAG, 0);
        bool last = i + 1 == n;
        assert_int_equal((field & RTE_IPV4_HDR_MF_FLAG) != 0, last ? last_mf : true);
        if (!last)
            assert_int_equal((total - hl) % 8, 0);
        assert_memory_equal(p + hl, orig + ohl + pos, total - hl);
        pos += total - hl;
    }
    assert_int_equal(pos, odata);
}

/* Opens an ESP frame sent to the peer; the inner packet is then at the mbuf's data. */
static void open_esp(struct rte_mbuf *m)
{
    const struct rte_ipv4_hdr *outer = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH);
    assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), router_out.addr_bytes, 6);
    assert_int_equal(outer->dst_addr, test_ip4(203, 0, 113, 2));
    test_open_as_peer(&e->w.esp, &e->sadb, 0x1000, m, ETH + 20 + 8);
}

/* Reassembles fragments (IPv4 at each mbuf's data) with a table of its own; the whole or NULL. */
static struct rte_mbuf *reassemble(struct rte_mbuf **f, unsigned n, struct dp_worker_counters *c)
{
    struct dp_reass r;
    char err[128];
    assert_int_equal(dp_reass_init(&r, 4, 1000, FAKE_HZ, e->big, 0, err, sizeof(err)), 0);
    struct rte_mbuf *whole = NULL;
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *got = dp_reass_input(&r, with_eth(f[i], OUTSIDE), 1, c);
        if (got != NULL)
            whole = got;
    }
    dp_reass_free(&r);
    return whole;
}

/* The original again, with the TTL and checksum a router's forwarding gave it. */
static void expect_whole(struct rte_mbuf *whole, const uint8_t *orig, size_t len, uint8_t ttl)
{
    assert_non_null(whole);
    assert_true(rte_pktmbuf_is_contiguous(whole));
    assert_int_equal(rte_pktmbuf_pkt_len(whole), ETH + len);
    const uint8_t *p = rte_pktmbuf_mtod_offset(whole, const uint8_t *, ETH);
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
    assert_int_equal(rte_raw_cksum(ip, dp_ipv4_hdr_len(ip)), 0xffff);
    assert_int_equal(ip->time_to_live, ttl);
    assert_int_equal(ip->fragment_offset, 0);
    assert_memory_equal(p, orig, 8);
    assert_memory_equal(p + 12, orig + 12, len - 12);
}

/*
 * Pre-fragmentation: a 2000-byte plaintext packet without DF, too long for
 * the tunnel (1438), leaves as two ESP packets that each fit 1500 bytes;
 * opened, they are two fragments of the packet (TTL decremented once) that
 * reassemble to it.
 */
static void test_prefragment_before_esp(void **state)
{
    (void)state;
    static uint8_t orig[2000];
    fill_ip(orig, sizeof(orig), test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 64, false);
    struct rte_mbuf *m = frame(INSIDE, &host_in, orig, sizeof(orig));
    dp_forward_plain(&e->w, &m, 1);
    struct rte_mbuf *out[8];
    assert_int_equal(rte_ring_dequeue_burst(e->tx[OUTSIDE], (void **)out, 8, NULL), 2);
    assert_int_equal(rte_ring_count(e->tx[INSIDE]), 0);
    for (unsigned i = 0; i < 2; i++) {
        assert_true(rte_pktmbuf_pkt_len(out[i]) <= ETH + 1500);
        open_esp(out[i]);
    }
    /* The first fills the tunnel to the last 8-byte unit: 20 + 1416 bytes. */
    assert_int_equal(rte_pktmbuf_data_len(out[0]), 1436);
    check_fragments(out, 2, orig, TUNNEL_MTU, 63, 0, false);
    assert_int_equal(e->w.counters.frag_packets, 1);
    assert_int_equal(e->w.counters.frag_fragments, 2);
    assert_int_equal(e->w.counters.esp_encrypted, 2);
    assert_int_equal(e->w.counters.drop_too_big, 0);
    struct dp_worker_counters c = {0};
    struct rte_mbuf *whole = reassemble(out, 2, &c);
    expect_whole(whole, orig, sizeof(orig), 63);
    assert_int_equal(c.reass_packets, 1);
    rte_pktmbuf_free(whole);
    fwd_env_pools_full(e);
}

/* A decrypted 1900-byte packet without DF for the inside port (MTU 1400): two fragments. */
static void test_fragment_decrypted(void **state)
{
    (void)state;
    static uint8_t orig[1900];
    fill_ip(orig, sizeof(orig), test_ip4(10, 1, 0, 5), test_ip4(10, 2, 0, 2), 9, false);
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    memcpy(rte_pktmbuf_append(m, sizeof(orig)), orig, sizeof(orig));
    struct dp_esp_sa *sa = spd_probe4(&e->sadb, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5));
    struct dp_worker_counters c = {0};
    assert_int_equal(dp_esp_encrypt(&e->w.esp, sa, m, 0, &c), 0);
    dp_forward_esp(&e->w, &m, 0); /* nothing */
    m = with_eth(m, OUTSIDE);
    dp_forward_esp(&e->w, &m, 1);
    struct rte_mbuf *out[8];
    assert_int_equal(rte_ring_dequeue_burst(e->tx[INSIDE], (void **)out, 8, NULL), 2);
    for (unsigned i = 0; i < 2; i++) {
        assert_memory_equal(rte_pktmbuf_mtod(out[i], uint8_t *), host_in.addr_bytes, 6);
        rte_pktmbuf_adj(out[i], ETH);
    }
    check_fragments(out, 2, orig, INSIDE_MTU, 8, 0, false);
    assert_int_equal(e->w.counters.frag_packets, 1);
    assert_int_equal(e->w.counters.frag_fragments, 2);
    rte_pktmbuf_free_bulk(out, 2);
    /* With DF: Fragmentation Needed into the tunnel as before, nothing fragmented. */
    fill_ip(orig, sizeof(orig), test_ip4(10, 1, 0, 5), test_ip4(10, 2, 0, 2), 9, true);
    m = rte_pktmbuf_alloc(e->pool);
    memcpy(rte_pktmbuf_append(m, sizeof(orig)), orig, sizeof(orig));
    assert_int_equal(dp_esp_encrypt(&e->w.esp, sa, m, 0, &c), 0);
    m = with_eth(m, OUTSIDE);
    dp_forward_esp(&e->w, &m, 1);
    assert_int_equal(rte_ring_count(e->tx[INSIDE]), 0);
    assert_int_equal(rte_ring_dequeue_burst(e->tx[OUTSIDE], (void **)out, 8, NULL), 1);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->w.counters.icmp_frag_needed, 1);
    assert_int_equal(e->w.counters.frag_packets, 1);
    fwd_env_pools_full(e);
}

/*
 * Options: the first fragment has them all, later ones only those with the
 * copied flag (router alert here, not record route), padded to a word. And a
 * fragment fragmented again keeps its offset and, on its last piece, its MF.
 */
static void test_options_and_refragment(void **state)
{
    (void)state;
    static const uint8_t opt[12] = {0x94, 4, 0, 0,          /* router alert: copied */
                                    7,    7, 4, 0, 0, 0, 0, /* record route: first only */
                                    0};
    static uint8_t orig[1200];
    fill_ip_opt(orig, sizeof(orig), test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 30, false,
                IPPROTO_UDP, 0xbeef, opt, sizeof(opt));
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    memcpy(rte_pktmbuf_append(m, sizeof(orig)), orig, sizeof(orig));
    struct rte_mbuf *f[DP_FRAG_MAX];
    int n = dp_frag_ipv4(m, 0, 576, e->pool, f, DP_FRAG_MAX);
    assert_int_equal(n, 3);
    check_fragments(f, 3, orig, 576, 30, 0, false);
    assert_int_equal(rte_pktmbuf_mtod(f[0], uint8_t *)[0], 0x48);
    assert_memory_equal(rte_pktmbuf_mtod_offset(f[0], uint8_t *, 20), opt, sizeof(opt));
    for (int i = 1; i < n; i++) {
        const uint8_t *p = rte_pktmbuf_mtod(f[i], const uint8_t *);
        assert_int_equal(p[0], 0x46);
        assert_memory_equal(p + 20, opt, 4);
    }
    /* The middle fragment (MF set, 552 bytes of data) in three: offsets from its own, MF on all. */
    const uint8_t *mid = rte_pktmbuf_mtod(f[1], const uint8_t *);
    size_t mid_base = (rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)mid)->fragment_offset) &
                       RTE_IPV4_HDR_OFFSET_MASK) *
                      8;
    assert_int_equal(mid_base, 544); /* 576 - 32 = 544 bytes in the first */
    struct rte_mbuf *g[DP_FRAG_MAX];
    int k = dp_frag_ipv4(f[1], 0, 300, e->pool, g, DP_FRAG_MAX);
    assert_int_equal(k, 3);
    check_fragments(g, 3, mid, 300, 30, mid_base, true);
    rte_pktmbuf_free_bulk(g, 3);
    /* The last one (MF clear): its last piece keeps MF clear. */
    const uint8_t *last = rte_pktmbuf_mtod(f[2], const uint8_t *);
    k = dp_frag_ipv4(f[2], 0, 64, e->pool, g, DP_FRAG_MAX);
    assert_true(k > 1);
    size_t last_base = (rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)last)->fragment_offset) &
                        RTE_IPV4_HDR_OFFSET_MASK) *
                       8;
    check_fragments(g, (unsigned)k, last, 64, 30, last_base, false);
    rte_pktmbuf_free_bulk(g, (unsigned)k);
    /* All of them back together are the original. */
    struct dp_worker_counters c = {0};
    struct rte_mbuf *whole = reassemble(f, 3, &c);
    expect_whole(whole, orig, sizeof(orig), 30);
    rte_pktmbuf_free(whole);
    rte_pktmbuf_free(m);
    fwd_env_pools_full(e);
}

/* What cannot be fragmented is dropped and counted, and leaves nothing allocated. */
static void test_fragment_failures(void **state)
{
    (void)state;
    static uint8_t p[2000];
    struct rte_mbuf *f[DP_FRAG_MAX];
    /* An option whose length is 0 / runs past the header. */
    static const uint8_t bad0[4] = {0x94, 0, 0, 0}, bad_long[4] = {0x94, 9, 0, 0};
    fill_ip_opt(p, 1000, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 30, false, IPPROTO_UDP, 1,
                bad0, 4);
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    memcpy(rte_pktmbuf_append(m, 1000), p, 1000);
    assert_int_equal(dp_frag_ipv4(m, 0, 576, e->pool, f, DP_FRAG_MAX), -EINVAL);
    fill_ip_opt(rte_pktmbuf_mtod(m, uint8_t *), 1000, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5),
                30, false, IPPROTO_UDP, 1, bad_long, 4);
    assert_int_equal(dp_frag_ipv4(m, 0, 576, e->pool, f, DP_FRAG_MAX), -EINVAL);
    /* Total length past the buffer; an offset that would pass 65535. */
    fill_ip(rte_pktmbuf_mtod(m, uint8_t *), 1000, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 30,
            false);
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    ip->total_length = rte_cpu_to_be_16(1001);
    assert_int_equal(dp_frag_ipv4(m, 0, 576, e->pool, f, DP_FRAG_MAX), -EINVAL);
    ip->total_length = rte_cpu_to_be_16(1000);
    ip->fragment_offset = rte_cpu_to_be_16(8100);
    assert_int_equal(dp_frag_ipv4(m, 0, 576, e->pool, f, DP_FRAG_MAX), -EINVAL);
    ip->fragment_offset = 0;
    /* An MTU below header + 8; more fragments than room for them. */
    assert_int_equal(dp_frag_ipv4(m, 0, 27, e->pool, f, DP_FRAG_MAX), -EMSGSIZE);
    assert_int_equal(dp_frag_ipv4(m, 0, 28, e->pool, f, DP_FRAG_MAX), -EMSGSIZE); /* 123 */
    assert_int_equal(dp_frag_ipv4(m, 0, 576, e->pool, f, 1), -EMSGSIZE);
    /* An empty pool: -ENOMEM, and what was taken before is given back. */
    struct rte_mempool *tiny = rte_pktmbuf_pool_create("tiny", 2, 0, 0, 2048, 0);
    assert_non_null(tiny);
    assert_int_equal(dp_frag_ipv4(m, 0, 300, tiny, f, DP_FRAG_MAX), -ENOMEM);
    assert_int_equal(rte_mempool_avail_count(tiny), 2);
    rte_mempool_free(tiny);
    rte_pktmbuf_free(m);

    /* Through a worker: an ICMP error too big without DF with a broken option, then MTU 27. */
    fill_ip_opt(p, 1600, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 30, false, IPPROTO_UDP, 1,
                bad0, 4);
    m = frame(INSIDE, &host_in, p, 1600);
    dp_forward_plain(&e->w, &m, 1);
    assert_int_equal(e->w.counters.drop_too_big, 1);
    assert_int_equal(e->w.counters.frag_unfit, 1);
    assert_int_equal(rte_ring_count(e->tx[OUTSIDE]) + rte_ring_count(e->tx[INSIDE]), 0);
    fill_ip(p, 1600, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 30, false);
    m = frame(INSIDE, &host_in, p, 1600);
    struct rte_mempool *own = m->pool;
    assert_non_null(own);
    /* dp_frag_forward takes fragments from the packet's pool: give it one that is empty. */
    struct rte_mempool *empty = rte_pktmbuf_pool_create("empty", 1, 0, 0, 2048, 0);
    struct rte_mbuf *lone = rte_pktmbuf_alloc(empty);
    rte_pktmbuf_append(lone, (uint16_t)(ETH + 1600));
    memcpy(rte_pktmbuf_mtod(lone, uint8_t *), rte_pktmbuf_mtod(m, uint8_t *), ETH + 1600);
    lone->port = m->port;
    rte_pktmbuf_free(m);
    dp_forward_plain(&e->w, &lone, 1);
    assert_int_equal(e->w.counters.drop_too_big, 2);
    assert_int_equal(e->w.counters.frag_no_mbuf, 1);
    assert_int_equal(e->w.counters.frag_packets, 0);
    assert_int_equal(rte_mempool_avail_count(empty), 1);
    rte_mempool_free(empty);
    fwd_env_pools_full(e);
}

/* Fragments of a `len`-byte datagram to us (ESP in UDP), `chunk` data bytes each, into f[]. */
static unsigned make_fragments(struct rte_mbuf **f, size_t len, size_t chunk, uint16_t id,
                               uint8_t *orig)
{
    fill_ip_opt(orig, len, test_ip4(203, 0, 113, 2), test_ip4(198, 51, 100, 1), 64, false,
                IPPROTO_UDP, id, NULL, 0);
    struct rte_mbuf *m = rte_pktmbuf_alloc(len > 2000 ? e->big : e->pool);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
    assert_non_null(p);
    memcpy(p, orig, len);
    int n = dp_frag_ipv4(m, 0, 20 + chunk, e->pool, f, DP_FRAG_MAX);
    rte_pktmbuf_free(m);
    assert_true(n > 1);
    for (int i = 0; i < n; i++)
        with_eth(f[i], OUTSIDE);
    return (unsigned)n;
}

static void test_reassembly_orders(void **state)
{
    (void)state;
    static uint8_t orig[1500];
    struct rte_mbuf *f[DP_FRAG_MAX];
    struct fwd_reass t;
    fwd_reass_open(&t, 4, e->big, FAKE_HZ);
    /* In order, out of order, the last first. */
    static const unsigned in_order[] = {0, 1, 2, 3}, shuffled[] = {2, 0, 3, 1},
                          reversed[] = {3, 2, 1, 0};
    const unsigned *orders[] = {in_order, shuffled, reversed};
    for (unsigned k = 0; k < 3; k++) {
        assert_int_equal(make_fragments(f, sizeof(orig), 400, (uint16_t)(100 + k), orig), 4);
        struct rte_mbuf *whole = fwd_reass_feed(&t, f, orders[k], 4, 1);
        expect_whole(whole, orig, sizeof(orig), 64);
        rte_pktmbuf_free(whole);
    }
    assert_int_equal(t.c.reass_fragments, 12);
    assert_int_equal(t.c.reass_packets, 3);
    assert_int_equal(t.c.reass_invalid + t.c.reass_timeouts + t.c.reass_table_full, 0);
    dp_reass_free(&t.r);
    fwd_env_pools_full(e);
}

/* Duplicated, overlapping, too many, empty, misaligned: each datagram given up and counted. */
static void test_reassembly_invalid(void **state)
{
    (void)state;
    static uint8_t orig[1500];
    struct rte_mbuf *f[DP_FRAG_MAX], *dup;
    struct fwd_reass t;
    fwd_reass_open(&t, 4, e->big, FAKE_HZ);
    /* A middle fragment twice. */
    make_fragments(f, sizeof(orig), 400, 1, orig);
    dup = rte_pktmbuf_copy(f[1], e->pool, 0, UINT32_MAX);
    f[4] = dup;
    static const unsigned with_dup[] = {0, 1, 4, 2, 3};
    assert_null(fwd_reass_feed(&t, f, with_dup, 5, 1));
    assert_int_equal(t.c.reass_invalid, 1);
    /* The first fragment twice. */
    make_fragments(f, sizeof(orig), 400, 2, orig);
    f[4] = rte_pktmbuf_copy(f[0], e->pool, 0, UINT32_MAX);
    static const unsigned first_twice[] = {0, 4, 1, 2, 3};
    assert_null(fwd_reass_feed(&t, f, first_twice, 5, 1));
    assert_int_equal(t.c.reass_invalid, 2);
    /* Overlapping: the second fragment moved back 8 bytes over the first. */
    make_fragments(f, sizeof(orig), 400, 3, orig);
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(f[1], struct rte_ipv4_hdr *, ETH);
    ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | (400 / 8 - 1));
    static const unsigned all4[] = {0, 1, 2, 3};
    assert_null(fwd_reass_feed(&t, f, all4, 4, 1));
    assert_int_equal(t.c.reass_invalid, 3);
    /* Nine fragments: one more than the table holds per datagram. */
    static uint8_t nine[20 + 9 * 64];
    assert_int_equal(make_fragments(f, sizeof(nine), 64, 4, nine), 9);
    static const unsigned all9[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_null(fwd_reass_feed(&t, f, all9, 9, 1));
    assert_int_equal(t.c.reass_invalid, 4);
    /* The reasons: the duplicates and the overlap, then the ninth fragment. */
    assert_int_equal(t.c.reass_overlap, 3);
    assert_int_equal(t.c.reass_too_many, 1);
    /* A fragment without data, and one with MF whose data is not a multiple of 8. */
    make_fragments(f, sizeof(orig), 400, 5, orig);
    ip = rte_pktmbuf_mtod_offset(f[1], struct rte_ipv4_hdr *, ETH);
    ip->total_length = rte_cpu_to_be_16(20);
    ip = rte_pktmbuf_mtod_offset(f[2], struct rte_ipv4_hdr *, ETH);
    ip->total_length = rte_cpu_to_be_16(20 + 399);
    static const unsigned two[] = {1, 2};
    assert_null(fwd_reass_feed(&t, f, two, 2, 1));
    assert_int_equal(t.c.reass_invalid, 6);
    assert_int_equal(t.c.reass_overlap + t.c.reass_too_many + t.c.reass_too_long, 4);
    rte_pktmbuf_free(f[0]);
    rte_pktmbuf_free(f[3]);
    assert_int_equal(t.c.reass_packets, 0);
    dp_reass_free(&t.r);
    fwd_env_pools_full(e);
}

/* Incomplete datagrams go after the timeout; a full table refuses new ones until then. */
static void test_reassembly_timeout_and_full(void **state)
{
    (void)state;
    static uint8_t orig[1500];
    struct rte_mbuf *f[DP_FRAG_MAX];
    struct fwd_reass t;
    fwd_reass_open(&t, 1, e->big, FAKE_HZ); /* one datagram at a time, 100 ms */
    make_fragments(f, sizeof(orig), 400, 1, orig);
    static const unsigned first3[] = {0, 1, 2};
    assert_null(fwd_reass_feed(&t, f, first3, 3, 1000));
    struct rte_mbuf *g[DP_FRAG_MAX];
    make_fragments(g, sizeof(orig), 400, 2, orig);
    static const unsigned one[] = {0};
    assert_null(fwd_reass_feed(&t, g, one, 1, 1000 + 50 * 1000)); /* 50 ms on: still full */
    assert_int_equal(t.c.reass_table_full, 1);
    rte_pktmbuf_free_bulk(g + 1, 3);
    /* Not yet: nothing expires at 100 ms exactly. */
    dp_reass_expire(&t.r, 1000 + 100 * 1000, &t.c);
    assert_int_equal(t.c.reass_timeouts, 0);
    dp_reass_expire(&t.r, 1000 + 100 * 1000 + 1, &t.c);
    assert_int_equal(t.c.reass_timeouts, 3);
    /* The late last fragment starts a datagram of its own, which expires in turn. */
    static const unsigned late[] = {3};
    assert_null(fwd_reass_feed(&t, f, late, 1, 2000000));
    dp_reass_expire(&t.r, 2000000 + 100 * 1000 + 1, &t.c);
    assert_int_equal(t.c.reass_timeouts, 4);
    /* The table has room again. */
    make_fragments(g, sizeof(orig), 400, 3, orig);
    static const unsigned all4[] = {3, 1, 2, 0};
    struct rte_mbuf *whole = fwd_reass_feed(&t, g, all4, 4, 3000000);
    expect_whole(whole, orig, sizeof(orig), 64);
    rte_pktmbuf_free(whole);
    assert_int_equal(t.c.reass_fragments, 3 + 1 + 1 + 4);
    dp_reass_free(&t.r);
    fwd_env_pools_full(e);
}

/* Longer than the first fragment's mbuf: copied into the big pool; without one, counted. */
static void test_reassembly_big(void **state)
{
    (void)state;
    static uint8_t orig[6000];
    struct rte_mbuf *f[DP_FRAG_MAX];
    struct fwd_reass t;
    fwd_reass_open(&t, 4, e->big, FAKE_HZ);
    make_fragments(f, sizeof(orig), 1480, 1, orig);
    static const unsigned all5[] = {4, 0, 1, 2, 3};
    struct rte_mbuf *whole = fwd_reass_feed(&t, f, all5, 5, 1);
    expect_whole(whole, orig, sizeof(orig), 64);
    assert_ptr_equal(whole->pool, e->big);
    rte_pktmbuf_free(whole);
    dp_reass_free(&t.r);
    fwd_reass_open(&t, 4, NULL, FAKE_HZ);
    make_fragments(f, sizeof(orig), 1480, 2, orig);
    assert_null(fwd_reass_feed(&t, f, all5, 5, 1));
    assert_int_equal(t.c.reass_no_mbuf, 1);
    assert_int_equal(t.c.reass_packets, 0);
    dp_reass_free(&t.r);
    /* Reassembly off: every fragment to us a counted drop. */
    fwd_reass_open(&t, 0, NULL, FAKE_HZ);
    make_fragments(f, sizeof(orig), 1480, 3, orig);
    assert_null(fwd_reass_feed(&t, f, all5, 5, 1));
    assert_int_equal(t.c.drop_ip_fragment, 5);
    dp_reass_free(&t.r);
    fwd_env_pools_full(e);
}

/*
 * From the wire through a worker lcore: the peer's ESP-in-UDP packet in
 * three outer fragments (last first) is reassembled, decrypted and its inner
 * packet forwarded inside; an IKE_AUTH of 3000 bytes in three fragments
 * reaches the control ring whole.
 */
static void test_worker_reassembles(void **state)
{
    (void)state;
    static uint8_t inner[1400];
    fill_ip(inner, sizeof(inner), test_ip4(10, 1, 0, 5), test_ip4(10, 2, 0, 2), 64, false);
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    memcpy(rte_pktmbuf_append(m, sizeof(inner)), inner, sizeof(inner));
    struct dp_esp_sa *sa = spd_probe4(&e->sadb, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5));
    struct dp_worker_counters c = {0};
    assert_int_equal(dp_esp_encrypt(&e->w.esp, sa, m, 0, &c), 0);
    /* As the peer would send it: from 203.0.113.2 to us. */
    struct rte_ipv4_hdr *outer = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    outer->src_addr = test_ip4(203, 0, 113, 2);
    outer->dst_addr = test_ip4(198, 51, 100, 1);
    outer->packet_id = rte_cpu_to_be_16(0x4242);
    struct rte_udp_hdr *natt = (struct rte_udp_hdr *)(outer + 1);
    natt->src_port = natt->dst_port = rte_cpu_to_be_16(4500);
    outer->hdr_checksum = 0;
    outer->hdr_checksum = rte_ipv4_cksum(outer);
    struct rte_mbuf *f[DP_FRAG_MAX];
    int n = dp_frag_ipv4(m, 0, 576, e->pool, f, DP_FRAG_MAX);
    rte_pktmbuf_free(m);
    assert_int_equal(n, 3);
    for (int i = n - 1; i >= 0; i--)
        assert_int_equal(rte_ring_enqueue(e->rx[OUTSIDE], with_eth(f[i], OUTSIDE)), 0);
    /* IKE_AUTH (exchange 35) on UDP 500: passes the gate to the control lcore. */
    static uint8_t ike[20 + 8 + 3000 - 28];
    fill_ip_opt(ike, sizeof(ike), test_ip4(203, 0, 113, 2), test_ip4(198, 51, 100, 1), 64, false,
                IPPROTO_UDP, 0x77, NULL, 0);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ike + 20);
    udp->src_port = udp->dst_port = rte_cpu_to_be_16(500);
    udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(ike) - 20));
    udp->dgram_cksum = 0;
    ike[28 + 18] = 35;
    m = rte_pktmbuf_alloc(e->big);
    memcpy(rte_pktmbuf_append(m, sizeof(ike)), ike, sizeof(ike));
    n = dp_frag_ipv4(m, 0, 1280, e->pool, f, DP_FRAG_MAX);
    rte_pktmbuf_free(m);
    assert_int_equal(n, 3);
    static const int order[] = {1, 2, 0};
    for (int i = 0; i < n; i++)
        assert_int_equal(rte_ring_enqueue(e->rx[OUTSIDE], with_eth(f[order[i]], OUTSIDE)), 0);

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
    assert_int_equal(rte_pktmbuf_pkt_len(out), ETH + sizeof(inner));
    const uint8_t *p = rte_pktmbuf_mtod_offset(out, const uint8_t *, ETH);
    assert_int_equal(p[8], 63);
    assert_memory_equal(p + 12, inner + 12, sizeof(inner) - 12);
    rte_pktmbuf_free(out);
    assert_int_equal(rte_ring_dequeue(e->to_ctrl, (void **)&out), 0);
    assert_true(rte_pktmbuf_is_contiguous(out));
    assert_int_equal(rte_pktmbuf_pkt_len(out), ETH + sizeof(ike));
    p = rte_pktmbuf_mtod_offset(out, const uint8_t *, ETH);
    assert_int_equal(rte_raw_cksum(p, 20), 0xffff);
    assert_memory_equal(p + 20, ike + 20, sizeof(ike) - 20);
    rte_pktmbuf_free(out);
    assert_int_equal(e->w.counters.reass_fragments, 6);
    assert_int_equal(e->w.counters.reass_packets, 2);
    assert_int_equal(e->w.counters.esp_decrypted, 1);
    assert_int_equal(e->w.counters.to_control, 1);
    assert_int_equal(e->w.counters.drop_ip_fragment, 0);
    fwd_env_pools_full(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_prefragment_before_esp, fwd_env_test_reset),
        cmocka_unit_test_setup(test_fragment_decrypted, fwd_env_test_reset),
        cmocka_unit_test_setup(test_options_and_refragment, fwd_env_test_reset),
        cmocka_unit_test_setup(test_fragment_failures, fwd_env_test_reset),
        cmocka_unit_test_setup(test_reassembly_orders, fwd_env_test_reset),
        cmocka_unit_test_setup(test_reassembly_invalid, fwd_env_test_reset),
        cmocka_unit_test_setup(test_reassembly_timeout_and_full, fwd_env_test_reset),
        cmocka_unit_test_setup(test_reassembly_big, fwd_env_test_reset),
        cmocka_unit_test_setup(test_worker_reassembles, fwd_env_test_reset),
    };
    return cmocka_run_group_tests_name("frag", tests, group_setup, fwd_env_group_teardown);
}
