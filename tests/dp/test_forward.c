/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing and ICMP errors in the workers (lib/dp/worker/forward.c, route.c, icmp.c)
 * on real mbufs and two net_ring ports whose TX rings the test reads back
 * (EAL --no-huge): route lookup order, TTL expiry and Fragmentation Needed
 * with the packets they send checked byte by byte, both directions (errors
 * about decrypted packets go back into the tunnel: opened again here), the
 * RFC 1812 cases where no error may be sent, and the rate limit.
 *
 * Each rte_lpm table takes 64 MB (its 2^24 first-level entries): hence -m 320.
 *
 * One Child SA with the same SPI and key both ways, so what the worker seals
 * can be opened again by the same SA and fed back in as the peer's ESP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "conf.h"
#include "loop_sa.h"
#include "ring_port.h"
#include "test_eal.h"
#include "test_pkt.h"
#include "dp_esp.h"
#include "spd_probe.h"
#include "dp_forward.h"
#include "dp_icmp.h"
#include "dp_neigh.h"
#include "dp_pkt.h"
#include "dp_route.h"
#include "dp_worker.h"
#include "fwd_env.h"

#define OUTSIDE 0
#define INSIDE 1
#define ETH 14

static struct fwd_env *e;

static const struct rte_ether_addr router_out = {{2, 0, 0, 0, 0, 0xfe}},
                                   router_in = {{2, 0, 0, 0, 1, 0xfe}},
                                   router_in2 = {{2, 0, 0, 0, 1, 0xfd}},
                                   host_in = {{2, 0, 0, 0, 1, 2}};

static int group_setup(void **state)
{
    static struct fwd_env env;
    e = &env;
    *state = e;
    /* Each port on one ring: what the worker sends is read back from it. */
    struct fwd_env_cfg cfg = fwd_env_cfg_std("test_forward");
    cfg.mem_mb = "320";
    cfg.one_ring = true;
    cfg.mtu[INSIDE] = 1400;
    if (fwd_env_open(e, &cfg) < 0)
        return -1;
    /* Every next hop is known: a test never meets ARP. */
    dp_neigh_learn(&e->neigh, test_ip4(198, 51, 100, 254), e->ports[OUTSIDE].id, &router_out,
                   DP_NEIGH_STATIC);
    dp_neigh_learn(&e->neigh, test_ip4(10, 2, 0, 254), e->ports[INSIDE].id, &router_in,
                   DP_NEIGH_STATIC);
    dp_neigh_learn(&e->neigh, test_ip4(10, 2, 0, 253), e->ports[INSIDE].id, &router_in2,
                   DP_NEIGH_STATIC);
    dp_neigh_learn(&e->neigh, test_ip4(10, 2, 0, 2), e->ports[INSIDE].id, &host_in,
                   DP_NEIGH_STATIC);
    char err[256];
    if (dp_routes_add(&e->routes, test_ip4(10, 9, 0, 0), 16, test_ip4(10, 2, 0, 254), INSIDE, err,
                      sizeof(err)) < 0 ||
        dp_routes_add(&e->routes, test_ip4(10, 9, 1, 0), 24, test_ip4(10, 2, 0, 253), -1, err,
                      sizeof(err)) < 0 ||
        /* Overlaps the inside subnet: the connected subnet must still win. */
        dp_routes_add(&e->routes, test_ip4(10, 2, 0, 128), 25, test_ip4(198, 51, 100, 254), -1, err,
                      sizeof(err)) < 0 ||
        dp_routes_add(&e->routes, 0, 0, test_ip4(198, 51, 100, 254), -1, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return fwd_env_static_sa(e, test_loop_sa_yaml);
}

/* An IPv4 packet of total length len (UDP, or proto with its first payload byte `type`). */
static void fill_ip(uint8_t *p, size_t len, uint32_t src, uint32_t dst, uint8_t ttl, bool df,
                    uint8_t proto, uint8_t type)
{
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
    *ip = (struct rte_ipv4_hdr){.version_ihl = RTE_IPV4_VHL_DEF,
                                .total_length = rte_cpu_to_be_16((uint16_t)len),
                                .packet_id = rte_cpu_to_be_16(0x1234),
                                .fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0,
                                .time_to_live = ttl,
                                .next_proto_id = proto,
                                .src_addr = src,
                                .dst_addr = dst};
    for (size_t i = sizeof(*ip); i < len; i++)
        p[i] = (uint8_t)(i * 7);
    p[sizeof(*ip)] = type;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* A plaintext frame arriving on the inside port. */
static struct rte_mbuf *plain_frame(size_t len, uint32_t src, uint32_t dst, uint8_t ttl, bool df,
                                    uint8_t proto, uint8_t type)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    assert_non_null(m);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH + len));
    assert_non_null(p);
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
    eth->dst_addr = e->ports[INSIDE].mac;
    eth->src_addr = host_in;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    fill_ip(p + ETH, len, src, dst, ttl, df, proto, type);
    m->port = e->ports[INSIDE].id;
    return m;
}

/* ESP from the peer carrying this inner packet, as a frame on the outside port. */
static struct rte_mbuf *esp_frame(size_t len, uint32_t src, uint32_t dst, uint8_t ttl, bool df,
                                  uint8_t proto, uint8_t type)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    assert_non_null(m);
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
    fill_ip(p, len, src, dst, ttl, df, proto, type);
    struct dp_esp_sa *sa = spd_probe4(&e->sadb, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5));
    assert_non_null(sa);
    struct dp_worker_counters c = {0};
    assert_int_equal(dp_esp_encrypt(&e->w.esp, sa, m, 0, &c), 0);
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, ETH);
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    m->port = e->ports[OUTSIDE].id;
    return m;
}

/* What the worker sent out of `port`: exactly `want` frames, returned in out. */
static void sent(unsigned port, struct rte_mbuf **out, unsigned want)
{
    unsigned n = rte_ring_dequeue_burst(e->tx[port], (void **)out, 16, NULL);
    assert_int_equal(n, want);
}

/* Opens an ESP frame the worker sent to the peer; the inner packet is at the mbuf's data. */
static void open_esp(struct rte_mbuf *m)
{
    const struct rte_ipv4_hdr *outer = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH);
    assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), router_out.addr_bytes, 6);
    assert_int_equal(outer->dst_addr, test_ip4(203, 0, 113, 2));
    assert_int_equal(outer->next_proto_id, IPPROTO_UDP);
    test_open_as_peer(&e->w.esp, &e->sadb, 0x1000, m, ETH + 20 + 8);
}

static void test_route_lookup(void **state)
{
    (void)state;
    struct dp_next_hop nh;
    /* A host of the connected subnet goes straight to it, despite a /25 route over it. */
    assert_true(dp_route_lookup(&e->routes, test_ip4(10, 2, 0, 200), &nh));
    assert_int_equal(nh.port_index, INSIDE);
    assert_int_equal(nh.ip, test_ip4(10, 2, 0, 200));
    assert_true(dp_route_lookup(&e->routes, test_ip4(10, 9, 5, 5), &nh));
    assert_int_equal(nh.port_index, INSIDE);
    assert_int_equal(nh.ip, test_ip4(10, 2, 0, 254));
    /* The /24 inside the /16 wins, and its port was found from its next hop. */
    assert_true(dp_route_lookup(&e->routes, test_ip4(10, 9, 1, 5), &nh));
    assert_int_equal(nh.ip, test_ip4(10, 2, 0, 253));
    assert_int_equal(nh.port_index, INSIDE);
    assert_ptr_equal(nh.port, &e->ports[INSIDE]);
    assert_true(dp_route_lookup(&e->routes, test_ip4(8, 8, 8, 8), &nh));
    assert_int_equal(nh.port_index, OUTSIDE);
    assert_int_equal(nh.ip, test_ip4(198, 51, 100, 254));
    /* Without a default route, an unknown destination has no route. */
    struct dp_routes r;
    char err[128];
    assert_int_equal(dp_routes_init(&r, "no_default", e->ports, 2, NULL, err, sizeof(err)), 0);
    assert_int_equal(
        dp_routes_add(&r, test_ip4(10, 9, 0, 0), 16, test_ip4(10, 2, 0, 254), -1, err, sizeof(err)),
        0);
    assert_false(dp_route_lookup(&r, test_ip4(8, 8, 8, 8), &nh));
    assert_true(dp_route_lookup(&r, test_ip4(10, 9, 0, 1), &nh));
    assert_true(dp_route_lookup(&r, test_ip4(198, 51, 100, 77), &nh));
    assert_int_equal(nh.ip, test_ip4(198, 51, 100, 77));
    assert_int_equal(r.mtu[OUTSIDE], CONF_MTU_DEFAULT);
    /* A next hop on no port's subnet, or not on the named port's, is refused. */
    assert_int_equal(dp_routes_add(&r, 0, 0, test_ip4(192, 0, 2, 1), -1, err, sizeof(err)), -1);
    assert_int_equal(dp_routes_add(&r, 0, 0, test_ip4(10, 2, 0, 254), OUTSIDE, err, sizeof(err)),
                     -1);

    /* Plaintext through the worker with no route to the peer: counted, nothing sent. */
    e->w.routes = &r;
    struct rte_mbuf *m =
        plain_frame(100, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 64, false, IPPROTO_UDP, 0);
    dp_forward_plain(&e->w, &m, 1);
    e->w.routes = &e->routes;
    assert_int_equal(e->w.counters.drop_no_route, 1);
    assert_int_equal(rte_ring_count(e->tx[OUTSIDE]) + rte_ring_count(e->tx[INSIDE]), 0);
    dp_routes_free(&r);
}

/* The inner packet goes to the peer through the default route, its TTL decremented once. */
static void test_plain_forwarded(void **state)
{
    (void)state;
    struct rte_mbuf *m =
        plain_frame(300, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 2, true, IPPROTO_UDP, 0);
    uint8_t before[300];
    memcpy(before, rte_pktmbuf_mtod_offset(m, uint8_t *, ETH), sizeof(before));
    dp_forward_plain(&e->w, &m, 1);
    struct rte_mbuf *out[16];
    sent(OUTSIDE, out, 1);
    open_esp(out[0]);
    const uint8_t *inner = rte_pktmbuf_mtod(out[0], uint8_t *);
    assert_int_equal(inner[8], 1); /* TTL 2 -> 1 */
    assert_memory_equal(inner + 12, before + 12, 300 - 12);
    assert_int_equal(rte_ipv4_cksum((const struct rte_ipv4_hdr *)inner), 0) /* still valid */;
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->w.counters.esp_encrypted, 1);
}

/* Checks an ICMP error (IPv4 at p): from src to dst, type/code, word 2, quoting `orig`. */
static void check_icmp(const uint8_t *p, uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
                       uint16_t mtu, const uint8_t *orig)
{
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
    assert_int_equal(ip->next_proto_id, IPPROTO_ICMP);
    assert_int_equal(ip->src_addr, src);
    assert_int_equal(ip->dst_addr, dst);
    assert_int_equal(rte_be_to_cpu_16(ip->total_length), 20 + 8 + 20 + 8);
    assert_int_equal(rte_raw_cksum(ip, 20), 0xffff); /* header checksum right */
    const uint8_t *icmp = p + 20;
    assert_int_equal(icmp[0], type);
    assert_int_equal(icmp[1], code);
    assert_int_equal(rte_raw_cksum(icmp, 8 + 28), 0xffff);
    assert_int_equal(icmp[4], 0);
    assert_int_equal(icmp[5], 0);
    assert_int_equal(icmp[6] << 8 | icmp[7], mtu);
    /* RFC 792: the offending IP header as it arrived and the first 8 bytes of its data. */
    assert_memory_equal(icmp + 8, orig, 28);
}

static void test_ttl_expired_plain(void **state)
{
    (void)state;
    for (uint8_t ttl = 0; ttl <= 1; ttl++) {
        struct rte_mbuf *m = plain_frame(200, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), ttl,
                                         false, IPPROTO_UDP, 0);
        uint8_t orig[28];
        memcpy(orig, rte_pktmbuf_mtod_offset(m, uint8_t *, ETH), sizeof(orig));
        dp_forward_plain(&e->w, &m, 1);
        struct rte_mbuf *out[16];
        sent(INSIDE, out, 1);
        const uint8_t *f = rte_pktmbuf_mtod(out[0], uint8_t *);
        assert_memory_equal(f, host_in.addr_bytes, 6);
        assert_memory_equal(f + 6, e->ports[INSIDE].mac.addr_bytes, 6);
        check_icmp(f + ETH, test_ip4(10, 2, 0, 1), test_ip4(10, 2, 0, 2), 11, 0, 0, orig);
        rte_pktmbuf_free(out[0]);
    }
    assert_int_equal(rte_ring_count(e->tx[OUTSIDE]), 0);
    assert_int_equal(e->w.counters.drop_ttl_expired, 2);
    assert_int_equal(e->w.counters.icmp_time_exceeded, 2);
}

/* A decrypted packet whose TTL runs out: the error goes back to its source, through the tunnel. */
static void test_ttl_expired_decrypted(void **state)
{
    (void)state;
    struct rte_mbuf *m =
        esp_frame(120, test_ip4(10, 1, 0, 5), test_ip4(10, 2, 0, 2), 1, false, IPPROTO_UDP, 0);
    uint8_t orig[120]; /* the inner packet as sealed: what the error must quote */
    fill_ip(orig, sizeof(orig), test_ip4(10, 1, 0, 5), test_ip4(10, 2, 0, 2), 1, false, IPPROTO_UDP,
            0);
    dp_forward_esp(&e->w, &m, 1);
    assert_int_equal(rte_ring_count(e->tx[INSIDE]), 0);
    struct rte_mbuf *out[16];
    sent(OUTSIDE, out, 1);
    open_esp(out[0]);
    check_icmp(rte_pktmbuf_mtod(out[0], uint8_t *), test_ip4(10, 2, 0, 1), test_ip4(10, 1, 0, 5),
               11, 0, 0, orig);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->w.counters.drop_ttl_expired, 1);
    assert_int_equal(e->w.counters.icmp_time_exceeded, 1);

    /* TTL 2: forwarded to the inside host with TTL 1. */
    m = esp_frame(120, test_ip4(10, 1, 0, 5), test_ip4(10, 2, 0, 2), 2, false, IPPROTO_UDP, 0);
    dp_forward_esp(&e->w, &m, 1);
    sent(INSIDE, out, 1);
    const uint8_t *f = rte_pktmbuf_mtod(out[0], uint8_t *);
    assert_memory_equal(f, host_in.addr_bytes, 6);
    assert_int_equal(f[ETH + 8], 1);
    rte_pktmbuf_free(out[0]);
}

/*
 * The tunnel's path MTU: 1500 less outer IPv4 (20), UDP (8), ESP header (8),
 * IV (8) and ICV (16) is 1440 for payload and trailer, in 4-byte blocks; less
 * the 2-byte trailer: 1438.
 */
#define TUNNEL_MTU 1438

static void test_frag_needed_plain(void **state)
{
    (void)state;
    struct dp_esp_sa *sa = spd_probe4(&e->sadb, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5));
    assert_int_equal(dp_esp_max_inner(sa, 1500), TUNNEL_MTU);
    /* The largest that fits leaves as a 1500-byte outer packet. */
    struct rte_mbuf *m = plain_frame(TUNNEL_MTU, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 64,
                                     true, IPPROTO_UDP, 0);
    dp_forward_plain(&e->w, &m, 1);
    struct rte_mbuf *out[16];
    sent(OUTSIDE, out, 1);
    assert_int_equal(rte_pktmbuf_pkt_len(out[0]), ETH + 1500);
    rte_pktmbuf_free(out[0]);
    /* One byte more with DF: Fragmentation Needed with the tunnel's MTU, nothing to the peer. */
    m = plain_frame(TUNNEL_MTU + 1, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 64, true,
                    IPPROTO_UDP, 0);
    uint8_t orig[28];
    memcpy(orig, rte_pktmbuf_mtod_offset(m, uint8_t *, ETH), sizeof(orig));
    dp_forward_plain(&e->w, &m, 1);
    sent(INSIDE, out, 1);
    check_icmp(rte_pktmbuf_mtod_offset(out[0], uint8_t *, ETH), test_ip4(10, 2, 0, 1),
               test_ip4(10, 2, 0, 2), 3, 4, TUNNEL_MTU, orig);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(rte_ring_count(e->tx[OUTSIDE]), 0);
    assert_int_equal(e->w.counters.drop_frag_needed, 1);
    assert_int_equal(e->w.counters.icmp_frag_needed, 1);
    /* Without DF: two fragments, each in an ESP packet that fits (tests/dp/test_ipfrag.c), no ICMP.
     */
    m = plain_frame(TUNNEL_MTU + 1, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 64, false,
                    IPPROTO_UDP, 0);
    dp_forward_plain(&e->w, &m, 1);
    assert_int_equal(rte_ring_count(e->tx[INSIDE]), 0);
    sent(OUTSIDE, out, 2);
    for (unsigned i = 0; i < 2; i++)
        assert_true(rte_pktmbuf_pkt_len(out[i]) <= ETH + 1500);
    rte_pktmbuf_free_bulk(out, 2);
    assert_int_equal(e->w.counters.frag_fragments, 2);
    assert_int_equal(e->w.counters.drop_too_big, 0);
    assert_int_equal(e->w.counters.icmp_frag_needed, 1);
}

/* The inside port's MTU is 1400: a bigger decrypted DF packet is answered through the tunnel. */
static void test_frag_needed_decrypted(void **state)
{
    (void)state;
    struct rte_mbuf *m =
        esp_frame(1401, test_ip4(10, 1, 0, 5), test_ip4(10, 2, 0, 2), 64, true, IPPROTO_UDP, 0);
    uint8_t inner[28];
    fill_ip(inner, 28, test_ip4(10, 1, 0, 5), test_ip4(10, 2, 0, 2), 64, true, IPPROTO_UDP, 0);
    /* fill_ip wrote total length 28 and its checksum: put back what the packet had. */
    ((struct rte_ipv4_hdr *)inner)->total_length = rte_cpu_to_be_16(1401);
    ((struct rte_ipv4_hdr *)inner)->hdr_checksum = 0;
    ((struct rte_ipv4_hdr *)inner)->hdr_checksum = rte_ipv4_cksum((struct rte_ipv4_hdr *)inner);
    dp_forward_esp(&e->w, &m, 1);
    assert_int_equal(rte_ring_count(e->tx[INSIDE]), 0);
    struct rte_mbuf *out[16];
    sent(OUTSIDE, out, 1);
    open_esp(out[0]);
    check_icmp(rte_pktmbuf_mtod(out[0], uint8_t *), test_ip4(10, 2, 0, 1), test_ip4(10, 1, 0, 5), 3,
               4, 1400, inner);
    rte_pktmbuf_free(out[0]);
    assert_int_equal(e->w.counters.icmp_frag_needed, 1);
    /* 1400 itself passes. */
    m = esp_frame(1400, test_ip4(10, 1, 0, 5), test_ip4(10, 2, 0, 2), 64, true, IPPROTO_UDP, 0);
    dp_forward_esp(&e->w, &m, 1);
    sent(INSIDE, out, 1);
    rte_pktmbuf_free(out[0]);
}

/* RFC 1812 4.3.2.7: no error about an ICMP error, a non-first fragment, or a link broadcast. */
static void test_no_icmp_about_errors(void **state)
{
    (void)state;
    static const uint8_t error_types[] = {3, 4, 5, 11, 12};
    struct rte_mbuf *m;
    for (unsigned i = 0; i < sizeof(error_types); i++) {
        m = plain_frame(100, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 1, false, IPPROTO_ICMP,
                        error_types[i]);
        dp_forward_plain(&e->w, &m, 1);
    }
    /* A big ICMP error with DF: dropped, never answered either. */
    m = plain_frame(1480, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 64, true, IPPROTO_ICMP, 3);
    dp_forward_plain(&e->w, &m, 1);
    /* A non-first fragment. */
    m = plain_frame(100, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 1, false, IPPROTO_UDP, 0);
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH);
    ip->fragment_offset = rte_cpu_to_be_16(185);
    dp_forward_plain(&e->w, &m, 1);
    /* Sent to the link-layer broadcast address. */
    m = plain_frame(100, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 1, false, IPPROTO_UDP, 0);
    memset(rte_pktmbuf_mtod(m, uint8_t *), 0xff, 6);
    dp_forward_plain(&e->w, &m, 1);
    assert_int_equal(rte_ring_count(e->tx[OUTSIDE]) + rte_ring_count(e->tx[INSIDE]), 0);
    assert_int_equal(e->w.counters.icmp_suppressed, 5 + 1 + 1 + 1);
    assert_int_equal(e->w.counters.drop_ttl_expired, 5 + 1 + 1);
    assert_int_equal(e->w.counters.drop_frag_needed, 1);
    assert_int_equal(e->w.counters.icmp_time_exceeded + e->w.counters.icmp_frag_needed, 0);

    /* An echo request (type 8) is no error: answered. */
    m = plain_frame(100, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 1, false, IPPROTO_ICMP, 8);
    dp_forward_plain(&e->w, &m, 1);
    struct rte_mbuf *out[16];
    sent(INSIDE, out, 1);
    rte_pktmbuf_free(out[0]);

    /* Addresses that are no single host, and the first fragment, checked directly. */
    uint8_t p[64];
    fill_ip(p, 64, test_ip4(10, 2, 0, 2), test_ip4(224, 0, 0, 5), 1, false, IPPROTO_UDP, 0);
    assert_false(dp_icmp_may_answer((struct rte_ipv4_hdr *)p, 64, &e->routes));
    fill_ip(p, 64, test_ip4(10, 2, 0, 2), test_ip4(255, 255, 255, 255), 1, false, IPPROTO_UDP, 0);
    assert_false(dp_icmp_may_answer((struct rte_ipv4_hdr *)p, 64, &e->routes));
    fill_ip(p, 64, test_ip4(10, 2, 0, 2), test_ip4(10, 2, 0, 255), 1, false, IPPROTO_UDP, 0);
    assert_false(dp_icmp_may_answer((struct rte_ipv4_hdr *)p, 64, &e->routes));
    fill_ip(p, 64, test_ip4(0, 0, 0, 0), test_ip4(10, 1, 0, 5), 1, false, IPPROTO_UDP, 0);
    assert_false(dp_icmp_may_answer((struct rte_ipv4_hdr *)p, 64, &e->routes));
    fill_ip(p, 64, test_ip4(127, 0, 0, 1), test_ip4(10, 1, 0, 5), 1, false, IPPROTO_UDP, 0);
    assert_false(dp_icmp_may_answer((struct rte_ipv4_hdr *)p, 64, &e->routes));
    fill_ip(p, 64, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 1, false, IPPROTO_UDP, 0);
    ((struct rte_ipv4_hdr *)p)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
    assert_true(dp_icmp_may_answer((struct rte_ipv4_hdr *)p, 64, &e->routes));
}

static void test_rate_limit(void **state)
{
    (void)state;
    /* A fake clock of 1000 cycles per second, 10 errors per second: bursts of 1. */
    struct dp_icmp_limiter l;
    dp_icmp_limiter_init(&l, 10, 1000, 5000);
    assert_true(dp_icmp_limiter_take(&l, 5000));
    assert_false(dp_icmp_limiter_take(&l, 5000));
    assert_false(dp_icmp_limiter_take(&l, 5099)); /* 99 ms: not a whole token */
    assert_true(dp_icmp_limiter_take(&l, 5100));
    assert_false(dp_icmp_limiter_take(&l, 5150));
    /* A long silence refills to the burst, not beyond, and does not overflow. */
    assert_true(dp_icmp_limiter_take(&l, UINT64_MAX / 2));
    assert_false(dp_icmp_limiter_take(&l, UINT64_MAX / 2));
    dp_icmp_limiter_init(&l, 1000, 1000, 0);
    unsigned got = 0;
    for (unsigned i = 0; i < 1000; i++)
        got += dp_icmp_limiter_take(&l, 0);
    assert_int_equal(got, 100);           /* a tenth of a second's worth */
    dp_icmp_limiter_init(&l, 0, 1000, 0); /* icmp_rate 0: never */
    assert_false(dp_icmp_limiter_take(&l, 1000000));

    /* Through the worker: 20/s gives a burst of 2 out of 10 expiring packets. */
    dp_icmp_limiter_init(&e->w.icmp, 20, rte_get_timer_hz(), rte_get_timer_cycles());
    struct rte_mbuf *m[10];
    for (unsigned i = 0; i < 10; i++)
        m[i] = plain_frame(100, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5), 1, false, IPPROTO_UDP,
                           0);
    dp_forward_plain(&e->w, m, 10);
    struct rte_mbuf *out[16];
    sent(INSIDE, out, 2);
    rte_pktmbuf_free_bulk(out, 2);
    assert_int_equal(e->w.counters.drop_ttl_expired, 10);
    assert_int_equal(e->w.counters.icmp_time_exceeded, 2);
    assert_int_equal(e->w.counters.icmp_rate_limited, 8);
}

/*
 * A burst through the worker's burst crypto step: what leaves, leaves in the
 * order it came, with consecutive sequence numbers; a packet dropped before
 * the crypto (TTL) or by it (a forged ICV) takes out only itself.
 */
static void test_burst_order(void **state)
{
    (void)state;
    enum { N = 12, EXPIRED = 4, FORGED = 7 };
    struct rte_mbuf *m[N], *out[16];
    for (unsigned k = 0; k < N; k++)
        m[k] = plain_frame(40 + k * 111, test_ip4(10, 2, 0, 2), test_ip4(10, 1, 0, 5),
                           k == EXPIRED ? 1 : 64, false, IPPROTO_UDP, 0);
    dp_forward_plain(&e->w, m, N);
    sent(INSIDE, out, 1); /* the Time Exceeded */
    rte_pktmbuf_free(out[0]);
    sent(OUTSIDE, out, N - 1);
    uint32_t first = 0;
    for (unsigned i = 0; i < N - 1; i++) {
        const uint8_t *esp = rte_pktmbuf_mtod_offset(out[i], const uint8_t *, ETH + 20 + 8);
        uint32_t seq = (uint32_t)esp[4] << 24 | (uint32_t)esp[5] << 16 | esp[6] << 8 | esp[7];
        if (i == 0)
            first = seq;
        assert_int_equal(seq, first + i);
        open_esp(out[i]);
        unsigned k = i < EXPIRED ? i : i + 1;
        assert_int_equal(rte_pktmbuf_pkt_len(out[i]), 40 + k * 111);
        rte_pktmbuf_free(out[i]);
    }
    assert_int_equal(e->w.counters.esp_encrypted, N - 1);

    for (unsigned k = 0; k < N; k++) {
        m[k] = esp_frame(40 + k * 111, test_ip4(10, 1, 0, 5), test_ip4(10, 2, 0, 2), 64, false,
                         IPPROTO_UDP, 0);
        if (k == FORGED)
            *rte_pktmbuf_mtod_offset(m[k], uint8_t *, rte_pktmbuf_data_len(m[k]) - 1) ^= 1;
    }
    dp_forward_esp(&e->w, m, N);
    sent(INSIDE, out, N - 1);
    for (unsigned i = 0; i < N - 1; i++) {
        unsigned k = i < FORGED ? i : i + 1;
        assert_int_equal(rte_pktmbuf_pkt_len(out[i]), ETH + 40 + k * 111);
        rte_pktmbuf_free(out[i]);
    }
    assert_int_equal(e->w.counters.drop_esp_bad_icv, 1);
    assert_int_equal(e->w.counters.esp_decrypted, N - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_route_lookup, fwd_env_test_reset),
        cmocka_unit_test_setup(test_plain_forwarded, fwd_env_test_reset),
        cmocka_unit_test_setup(test_ttl_expired_plain, fwd_env_test_reset),
        cmocka_unit_test_setup(test_ttl_expired_decrypted, fwd_env_test_reset),
        cmocka_unit_test_setup(test_frag_needed_plain, fwd_env_test_reset),
        cmocka_unit_test_setup(test_frag_needed_decrypted, fwd_env_test_reset),
        cmocka_unit_test_setup(test_no_icmp_about_errors, fwd_env_test_reset),
        cmocka_unit_test_setup(test_rate_limit, fwd_env_test_reset),
        cmocka_unit_test_setup(test_burst_order, fwd_env_test_reset),
    };
    return cmocka_run_group_tests_name("forward", tests, group_setup, fwd_env_group_teardown);
}
