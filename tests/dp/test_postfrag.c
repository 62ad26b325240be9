/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Post-fragmentation (RFC 4459 3, lib/dp/ip/post_frag.c) on real mbufs and two
 * dual-stack net_ring ports (EAL --no-huge), the outside one of MTU 1280, so
 * the tunnel's inner MTU is below IPv6's 1280 minimum. For outer IPv4 and
 * IPv6, plain ESP and ESP in UDP, AES-GCM and AES-CBC + HMAC:
 *
 * - an inner IPv6 packet of 1280 bytes leaves as outer fragments, each at
 *   most 1280 bytes, whose headers are checked field by field and which the
 *   test puts back together with its own code (offsets, no hole or overlap,
 *   one last fragment); the ESP packet they make is opened with OpenSSL (an
 *   implementation independent of veer's) and holds the original packet,
 *   its hop limit once less; veer's own reassembly gives the same bytes; a
 *   second packet has another identification;
 * - a packet exactly as long as the tunnel's inner MTU leaves whole;
 * - 1281 bytes gets Packet Too Big with 1280, nothing sealed;
 * - veer's own ICMPv6 Packet Too Big of 1280 bytes, about a decrypted packet
 *   too big for the inside link, goes back into the tunnel in fragments too.
 *
 * And the workers' identifications: each worker keeps to its own residue,
 * wrapping within it. Every mbuf is counted back into its pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dp_esp.h"
#include "dp_forward.h"
#include "dp_neigh.h"
#include "dp_post_frag.h"
#include "dp_reass.h"
#include "dp_route.h"
#include "dp_worker.h"
#include "fwd_env.h"
#include "esp_ossl.h"
#include "ike_consts.h"
#include "ring_port.h"
#include "inet_sum.h"
#include "test_eal.h"
#include "test_pkt.h"

#define OUTSIDE 0
#define INSIDE 1
#define ETH 14
#define IP4 20
#define IP6 40
#define FH 8
#define LINK_MTU 1280
#define BIG_POOL_SIZE 8
#define MAX_FRAMES 8
#define SPI_IN 0x5000u
#define SPI_OUT 0x6000u
#define NAT_T_PORT 4500

static const struct esp_alg gcm = {"aes128gcm16", IKE_ENCR_AES_GCM_16, 128, 0, 0, 16, "AES-128-GCM",
                                   NULL};
static const struct esp_alg cbc = {
    "aes256-sha256", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 32, 16,
    "AES-256-CBC",   "SHA256"};

/* One tunnel: outer family, UDP encapsulation, algorithm. */
struct combo {
    unsigned outer;
    bool udp;
    const struct esp_alg *alg;
};

static const struct combo combos[] = {
    {4, false, &gcm}, {4, true, &gcm}, {6, false, &gcm},
    {6, true, &gcm},  {4, true, &cbc}, {6, false, &cbc},
};

/* Outer: 198.51.100.1 / 2001:db8:1::1 (ours) and .2 / ::2 (the peer's). */
static const uint8_t gw4[4] = {198, 51, 100, 1}, peer4[4] = {198, 51, 100, 2};
static const uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
static const uint8_t peer6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2};
/* Inside: our 2001:db8:2::1, the host 2001:db8:2::2; behind the peer 2001:db8:a::5. */
static const uint8_t in6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1};
static const uint8_t host6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2};
static const uint8_t far6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xa, [15] = 5};

static const struct rte_ether_addr peer_mac = {{2, 0, 0, 0, 0, 2}}, host_mac = {{2, 0, 0, 0, 1, 2}};

struct env {
    struct fwd_env f;
    /* The tunnel of the running case. */
    struct combo k;
    struct ike_child_sa child;
    struct dp_sadb sadb;
    bool sadb_open;
    uint64_t seq_out, seq_in;
};
static struct env *e;

static uint32_t be32_of(const uint8_t *a)
{
    uint32_t v;
    memcpy(&v, a, 4);
    return v;
}

static int group_setup(void **state)
{
    (void)state;
    static struct env env;
    e = &env;
    /* Both links 1280: the tunnel's inner MTU is below it, the inside carries no more. */
    struct fwd_env_cfg cfg = fwd_env_cfg_std("test_postfrag");
    cfg.big_mbufs = BIG_POOL_SIZE;
    cfg.big_data_room = 4096;
    cfg.net6[OUTSIDE] = 1; /* gw6 */
    cfg.net6[INSIDE] = 2;  /* in6 */
    cfg.mtu[OUTSIDE] = cfg.mtu[INSIDE] = LINK_MTU;
    if (fwd_env_open(&e->f, &cfg) < 0)
        return -1;
    /* The cases' own constants are the addresses the fixture gave the ports. */
    if (memcmp(e->f.ports[OUTSIDE].ip6, gw6, 16) != 0 ||
        memcmp(e->f.ports[INSIDE].ip6, in6, 16) != 0)
        return -1;
    dp_neigh_learn(&e->f.neigh, be32_of(peer4), e->f.ports[OUTSIDE].id, &peer_mac, DP_NEIGH_STATIC);
    dp_neigh_learn6(&e->f.neigh, peer6, e->f.ports[OUTSIDE].id, &peer_mac, DP_NEIGH_STATIC);
    dp_neigh_learn6(&e->f.neigh, host6, e->f.ports[INSIDE].id, &host_mac, DP_NEIGH_STATIC);
    dp_frag_ids_init(&e->f.w.frag_ids, 0, 1);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fwd_env_close(&e->f);
    return 0;
}

static void close_tunnel(void)
{
    if (e->sadb_open)
        dp_sadb_free(&e->sadb);
    e->sadb_open = false;
    e->f.w.sadb = NULL;
}

static int reset(void **state)
{
    (void)state;
    close_tunnel();
    fwd_env_reset(&e->f);
    return 0;
}

/* Every mbuf back where it came from: nothing leaked, nothing held. */
static void pools_full(void)
{
    fwd_env_pools_full(&e->f);
}

/* A /64 around addr, as a selector. */
static struct ike_ts net64(const uint8_t *addr)
{
    struct ike_ts ts = {.type = IKE_TS_IPV6_ADDR_RANGE, .end_port = 65535};
    memcpy(ts.start_addr, addr, 8);
    memcpy(ts.end_addr, addr, 8);
    memset(ts.end_addr + 8, 0xff, 8);
    return ts;
}

/* Installs the Child SA of combo k: 2001:db8:2::/64 here, 2001:db8:a::/64 behind the peer. */
static void open_tunnel(const struct combo *k)
{
    const struct esp_alg *a = k->alg;
    struct ike_child_sa *c = &e->child;
    esp_child_keyed(c, a, false, SPI_IN, SPI_OUT, (struct esp_key_seed){0x13, 0x87, 0x35, 0xb9}, 0);
    c->local.family = c->remote.family = (uint8_t)k->outer;
    memcpy(c->local.ip, k->outer == 6 ? gw6 : gw4, k->outer == 6 ? 16 : 4);
    memcpy(c->remote.ip, k->outer == 6 ? peer6 : peer4, k->outer == 6 ? 16 : 4);
    c->udp_encap = k->udp;
    c->local.port = c->remote.port = k->udp ? NAT_T_PORT : 0;
    c->ts_local.nts = c->ts_remote.nts = 1;
    c->ts_local.ts[0] = net64(host6);
    c->ts_remote.ts[0] = net64(far6);
    char err[128], why[160] = "";
    assert_int_equal(dp_sadb_init(&e->sadb, 1, err, sizeof(err)), 0);
    e->sadb_open = true;
    if (dp_sadb_install(&e->sadb, c, why, sizeof(why)) != 0)
        fail_msg("install refused: %s", why);
    e->f.w.sadb = &e->sadb;
    e->k = *k;
    e->seq_out = 0;
    e->seq_in = 0;
}

/* The tunnel's inner MTU over the outside link: what one outer packet of 1280 bytes carries. */
static size_t tunnel_mtu(void)
{
    return dp_esp_max_inner(e->sadb.out->sa[0], LINK_MTU);
}

/* An IPv6 packet of `len` bytes from src to dst, UDP, its payload a known pattern. */
static void fill_ip6(uint8_t *p, size_t len, const uint8_t *src, const uint8_t *dst, uint8_t seed)
{
    struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
    memset(ip, 0, sizeof(*ip));
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len = rte_cpu_to_be_16((uint16_t)(len - IP6));
    ip->proto = IPPROTO_UDP;
    ip->hop_limits = 64;
    memcpy(ip->src_addr, src, 16);
    memcpy(ip->dst_addr, dst, 16);
    for (size_t i = IP6; i < len; i++)
        p[i] = (uint8_t)(i * 13 + seed);
}

/* A frame to port `port` from `mac` with `len` bytes of `type` at p. */
static struct rte_mbuf *frame(unsigned port, const struct rte_ether_addr *mac, uint16_t type,
                              const uint8_t *p, size_t len)
{
    return test_frame(e->f.pool, &e->f.ports[port], mac, type, p, len);
}

/* The host inside sends `pkt` (IPv6) towards the tunnel. */
static void from_host(const uint8_t *pkt, size_t len)
{
    struct rte_mbuf *m = frame(INSIDE, &host_mac, RTE_ETHER_TYPE_IPV6, pkt, len);
    assert_int_equal(dp_classify(m, &e->f.w.routes->addrs, &e->f.w.counters), DP_CLASS_PLAIN);
    dp_forward_plain(&e->f.w, &m, 1);
}

/* What the test put back together from a packet's outer fragments. */
struct outer {
    uint8_t l4[2048]; /* what follows the outer IP header: UDP and ESP, or ESP */
    size_t len;
    uint32_t id;
    unsigned nfrags;
};

/*
 * Checks each frame on the outside ring as one outer fragment of the combo's
 * family from us to the peer, at most LINK_MTU bytes of IP, and puts their
 * data together by offset (no overlap, no hole, one last fragment).
 */
static void reassemble_here(struct rte_mbuf **f, unsigned n, struct outer *o)
{
    bool seen[2048 / 8] = {false};
    size_t end = 0;
    bool have_last = false;
    memset(o, 0, sizeof(*o));
    o->nfrags = n;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = rte_pktmbuf_mtod(f[i], const uint8_t *);
        size_t flen = rte_pktmbuf_data_len(f[i]);
        assert_true(rte_pktmbuf_is_contiguous(f[i]));
        assert_true(flen <= ETH + LINK_MTU);
        const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
        assert_memory_equal(&eth->dst_addr, &peer_mac, 6);
        assert_memory_equal(&eth->src_addr, &e->f.ports[OUTSIDE].mac, 6);
        const uint8_t *ip = p + ETH;
        uint8_t proto = e->k.udp ? IPPROTO_UDP : IPPROTO_ESP;
        size_t off, data_len, hl;
        bool more;
        uint32_t id;
        if (e->k.outer == 4) {
            assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV4);
            hl = IP4;
            assert_int_equal(ip[0], 0x45);
            assert_int_equal((size_t)(ip[2] << 8 | ip[3]), flen - ETH);
            assert_int_equal(fold(add_words(0, ip, IP4)), 0xffff); /* header checksum */
            uint16_t field = (uint16_t)(ip[6] << 8 | ip[7]);
            assert_int_equal(field & 0x4000, 0); /* DF clear: veer's outer header never sets it */
            more = (field & 0x2000) != 0;
            off = (size_t)(field & 0x1fff) * 8;
            id = (uint32_t)(ip[4] << 8 | ip[5]);
            assert_int_equal(ip[9], proto);
            assert_memory_equal(ip + 12, gw4, 4);
            assert_memory_equal(ip + 16, peer4, 4);
        } else {
            assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV6);
            hl = IP6 + FH;
            assert_int_equal(ip[0] >> 4, 6);
            assert_int_equal((size_t)(ip[4] << 8 | ip[5]), flen - ETH - IP6);
            assert_int_equal(ip[6], IPPROTO_FRAGMENT);
            assert_memory_equal(ip + 8, gw6, 16);
            assert_memory_equal(ip + 24, peer6, 16);
            const uint8_t *fh = ip + IP6;
            assert_int_equal(fh[0], proto);
            assert_int_equal(fh[1], 0);
            assert_int_equal(fh[3] & 0x06, 0); /* reserved bits */
            more = (fh[3] & 1) != 0;
            off = (size_t)((fh[2] << 8 | fh[3]) >> 3) * 8;
            id = (uint32_t)fh[4] << 24 | (uint32_t)fh[5] << 16 | (uint32_t)fh[6] << 8 | fh[7];
        }
        data_len = flen - ETH - hl;
        if (i == 0)
            o->id = id;
        assert_int_equal(id, o->id);
        assert_true(data_len > 0 && off + data_len <= sizeof(o->l4));
        if (more)
            assert_int_equal(data_len % 8, 0);
        else {
            assert_false(have_last);
            have_last = true;
            end = off + data_len;
        }
        for (size_t b = off / 8; b < (off + data_len + 7) / 8; b++) {
            assert_false(seen[b]); /* no overlap */
            seen[b] = true;
        }
        memcpy(o->l4 + off, ip + hl, data_len);
    }
    assert_true(have_last);
    for (size_t b = 0; b < (end + 7) / 8; b++)
        assert_true(seen[b]); /* no hole */
    o->len = end;
}

/*
 * Opens the ESP packet in o with OpenSSL and veer's outbound keys: outer UDP
 * checked first when the tunnel has it; the inner packet is written to
 * inner, its length returned.
 */
static size_t open_here(const struct outer *o, uint8_t *inner)
{
    const uint8_t *esp = o->l4;
    size_t len = o->len;
    if (e->k.udp) {
        assert_int_equal(esp[0] << 8 | esp[1], NAT_T_PORT);
        assert_int_equal(esp[2] << 8 | esp[3], NAT_T_PORT);
        assert_int_equal((size_t)(esp[4] << 8 | esp[5]), len);
        if (e->k.outer == 6) {
            /* IPv6 needs the checksum (RFC 8200 8.1), over the whole datagram. */
            uint8_t pseudo[8] = {0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, IPPROTO_UDP};
            uint32_t sum = add_words(add_words(add_words(0, gw6, 16), peer6, 16), pseudo, 8);
            assert_int_equal(fold(add_words(sum, esp, len)), 0xffff);
        } else {
            assert_int_equal(esp[6] << 8 | esp[7], 0); /* RFC 3948 2.1 */
        }
        esp += 8;
        len -= 8;
    }
    assert_int_equal(be32_of(esp), rte_cpu_to_be_32(SPI_OUT));
    e->seq_out++;
    assert_int_equal(be32_of(esp + 4), rte_cpu_to_be_32((uint32_t)e->seq_out));
    static uint8_t pt[2048];
    int ptl = esp_ossl_open(e->k.alg, &e->child, true, esp, len, e->seq_out, pt);
    assert_true(ptl > 2);
    assert_int_equal(pt[ptl - 1], 41); /* next header: IPv6 */
    size_t pad = pt[ptl - 2];
    assert_true(pad + 2 <= (size_t)ptl);
    size_t n = (size_t)ptl - 2 - pad;
    for (size_t i = 0; i < pad; i++)
        assert_int_equal(pt[n + i], (uint8_t)(i + 1));
    memcpy(inner, pt, n);
    return n;
}

/* veer's own reassembly of copies of the fragments gives the ESP packet the test made. */
static void reassemble_by_veer(struct rte_mbuf **f, unsigned n, const struct outer *o)
{
    struct dp_reass r;
    struct dp_worker_counters c = {0};
    char err[128];
    assert_int_equal(dp_reass_init(&r, 4, 1000, rte_get_tsc_hz(), e->f.big, 0, err, sizeof(err)),
                     0);
    struct rte_mbuf *whole = NULL;
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *copy = rte_pktmbuf_copy(f[i], e->f.pool, 0, UINT32_MAX);
        assert_non_null(copy);
        struct rte_mbuf *got = dp_reass_input(&r, copy, rte_get_tsc_cycles(), &c);
        if (got != NULL) {
            assert_null(whole);
            whole = got;
        }
    }
    dp_reass_flush(&r);
    assert_non_null(whole);
    size_t hl = e->k.outer == 6 ? IP6 : IP4;
    assert_int_equal(rte_pktmbuf_pkt_len(whole), ETH + hl + o->len);
    assert_memory_equal(rte_pktmbuf_mtod_offset(whole, uint8_t *, ETH + hl), o->l4, o->len);
    assert_int_equal(c.reass_packets, 1);
    assert_int_equal(c.reass_invalid, 0);
    rte_pktmbuf_free(whole);
    dp_reass_free(&r);
}

/* What left by the outside port for one packet: fragments checked, joined and opened. */
static size_t take_outer(struct outer *o, uint8_t *inner, unsigned expect_frags)
{
    struct rte_mbuf *f[MAX_FRAMES];
    unsigned n = rte_ring_dequeue_burst(e->f.tx[OUTSIDE], (void **)f, MAX_FRAMES, NULL);
    assert_int_equal(n, expect_frags);
    if (n == 1) {
        /* Whole: one outer packet of at most the link's MTU, not a fragment. */
        size_t hl = e->k.outer == 6 ? IP6 : IP4;
        const uint8_t *ip = rte_pktmbuf_mtod_offset(f[0], const uint8_t *, ETH);
        assert_true(rte_pktmbuf_data_len(f[0]) <= ETH + LINK_MTU);
        if (e->k.outer == 6)
            assert_int_equal(ip[6], e->k.udp ? IPPROTO_UDP : IPPROTO_ESP);
        else
            assert_int_equal((ip[6] & 0x3f) | ip[7], 0); /* no MF, offset 0 */
        memset(o, 0, sizeof(*o));
        o->len = rte_pktmbuf_data_len(f[0]) - ETH - hl;
        o->nfrags = 1;
        memcpy(o->l4, ip + hl, o->len);
    } else {
        reassemble_here(f, n, o);
        reassemble_by_veer(f, n, o);
    }
    for (unsigned i = 0; i < n; i++)
        rte_pktmbuf_free(f[i]);
    return open_here(o, inner);
}

/* The packet as the host sent it, but for the hop limit veer took one from. */
static void expect_forwarded(const uint8_t *got, size_t got_len, const uint8_t *sent, size_t len)
{
    assert_int_equal(got_len, len);
    assert_memory_equal(got, sent, 7);
    assert_int_equal(got[7], sent[7] - 1);
    assert_memory_equal(got + 8, sent + 8, len - 8);
}

static void combo_name(const struct combo *k, char *out, size_t cap)
{
    snprintf(out, cap, "outer IPv%u %s %s", k->outer, k->udp ? "ESP in UDP" : "ESP", k->alg->name);
}

/*
 * The host's IPv6 packets into a tunnel whose inner MTU is below 1280: 1280
 * bytes leave in outer fragments, a second packet with another
 * identification, the tunnel's own MTU whole, 1281 bytes answered with
 * Packet Too Big saying 1280.
 */
static void test_ipv6_up_to_1280_post_fragmented(void **state)
{
    for (size_t ci = 0; ci < sizeof(combos) / sizeof(combos[0]); ci++) {
        const struct combo *k = &combos[ci];
        char name[64];
        combo_name(k, name, sizeof(name));
        print_message("  %s\n", name);
        reset(state);
        open_tunnel(k);
        size_t tunnel = tunnel_mtu();
        assert_true(tunnel > 1000 && tunnel < 1280);
        static uint8_t pkt[1400], inner[2048];
        struct outer o;
        /* 1280 bytes: in fragments, opened to the original. */
        fill_ip6(pkt, 1280, host6, far6, (uint8_t)ci);
        from_host(pkt, 1280);
        size_t n = take_outer(&o, inner, 2);
        expect_forwarded(inner, n, pkt, 1280);
        uint32_t first_id = o.id;
        /* Another, shorter but still past the tunnel's MTU: another identification. */
        fill_ip6(pkt, tunnel + 1, host6, far6, (uint8_t)(ci + 40));
        from_host(pkt, tunnel + 1);
        n = take_outer(&o, inner, 2);
        expect_forwarded(inner, n, pkt, tunnel + 1);
        assert_int_not_equal(o.id, first_id);
        /* Exactly the tunnel's MTU: one outer packet, no fragment. */
        fill_ip6(pkt, tunnel, host6, far6, (uint8_t)(ci + 80));
        from_host(pkt, tunnel);
        n = take_outer(&o, inner, 1);
        expect_forwarded(inner, n, pkt, tunnel);
        assert_int_equal(e->f.w.counters.esp_outer_fragmented, 2);
        assert_int_equal(e->f.w.counters.esp_outer_fragments, 4);
        assert_int_equal(e->f.w.counters.esp_encrypted, 3);
        /* 1281 bytes: Packet Too Big to the host with 1280, what the tunnel carries for IPv6. */
        fill_ip6(pkt, 1281, host6, far6, (uint8_t)(ci + 120));
        from_host(pkt, 1281);
        assert_int_equal(rte_ring_count(e->f.tx[OUTSIDE]), 0);
        struct rte_mbuf *out[4];
        assert_int_equal(rte_ring_dequeue_burst(e->f.tx[INSIDE], (void **)out, 4, NULL), 1);
        const uint8_t *p = rte_pktmbuf_mtod_offset(out[0], const uint8_t *, ETH);
        assert_int_equal(p[6], IPPROTO_ICMPV6);
        assert_memory_equal(p + 24, host6, 16);
        assert_int_equal(p[IP6], 2); /* Packet Too Big */
        assert_int_equal(be32_of(p + IP6 + 4), rte_cpu_to_be_32(1280));
        rte_pktmbuf_free(out[0]);
        assert_int_equal(e->f.w.counters.icmp6_packet_too_big, 1);
        assert_int_equal(e->f.w.counters.drop_ip6_too_big, 1);
        assert_int_equal(e->f.w.counters.esp_encrypted, 3);
        assert_int_equal(e->f.w.counters.drop_too_big + e->f.w.counters.frag_unfit, 0);
        close_tunnel();
        pools_full();
    }
}

/*
 * The peer's ESP packet (outer header of the combo, from the peer to us)
 * carrying `inner`, sealed with OpenSSL and veer's inbound keys.
 */
static struct rte_mbuf *from_peer(const uint8_t *inner, size_t len)
{
    static uint8_t buf[2048], pt[2048];
    const struct esp_alg *a = e->k.alg;
    size_t block = esp_alg_is_gcm(a) ? 4 : 16;
    size_t pad = (block - (len + 2) % block) % block;
    memcpy(pt, inner, len);
    for (size_t i = 0; i < pad; i++)
        pt[len + i] = (uint8_t)(i + 1);
    pt[len + pad] = (uint8_t)pad;
    pt[len + pad + 1] = 41;
    size_t hl = e->k.outer == 6 ? IP6 : IP4, udp = e->k.udp ? 8 : 0;
    size_t esp_len = esp_ossl_seal(a, &e->child, ++e->seq_in, pt, len + pad + 2, buf + hl + udp);
    size_t l4 = udp + esp_len;
    if (e->k.outer == 6) {
        struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)buf;
        *ip = (struct rte_ipv6_hdr){.vtc_flow = rte_cpu_to_be_32(6u << 28),
                                    .payload_len = rte_cpu_to_be_16((uint16_t)l4),
                                    .proto = e->k.udp ? IPPROTO_UDP : IPPROTO_ESP,
                                    .hop_limits = 64};
        memcpy(ip->src_addr, peer6, 16);
        memcpy(ip->dst_addr, gw6, 16);
    } else {
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
        *ip = (struct rte_ipv4_hdr){.version_ihl = 0x45,
                                    .total_length = rte_cpu_to_be_16((uint16_t)(IP4 + l4)),
                                    .time_to_live = 64,
                                    .next_proto_id = e->k.udp ? IPPROTO_UDP : IPPROTO_ESP,
                                    .src_addr = be32_of(peer4),
                                    .dst_addr = be32_of(gw4)};
        ip->hdr_checksum = rte_ipv4_cksum(ip);
    }
    if (e->k.udp) {
        struct rte_udp_hdr *u = (struct rte_udp_hdr *)(buf + hl);
        u->src_port = u->dst_port = rte_cpu_to_be_16(NAT_T_PORT);
        u->dgram_len = rte_cpu_to_be_16((uint16_t)l4);
        u->dgram_cksum = 0;
        if (e->k.outer == 6)
            u->dgram_cksum = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)buf, u);
    }
    return frame(OUTSIDE, &peer_mac, e->k.outer == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4,
                 buf, hl + l4);
}

/*
 * An error of veer's own is carried too: a 1400-byte packet from behind the
 * peer, too big for the 1280-byte inside link, is answered with a Packet
 * Too Big of 1280 bytes (RFC 4443 2.4 (c)), which goes back into the tunnel
 * in outer fragments and opens to that error.
 */
static void test_own_icmp6_error_post_fragmented(void **state)
{
    for (size_t ci = 0; ci < sizeof(combos) / sizeof(combos[0]); ci++) {
        const struct combo *k = &combos[ci];
        char name[64];
        combo_name(k, name, sizeof(name));
        print_message("  %s\n", name);
        reset(state);
        open_tunnel(k);
        static uint8_t pkt[1400], inner[2048];
        fill_ip6(pkt, sizeof(pkt), far6, host6, (uint8_t)(ci + 7));
        struct rte_mbuf *m = from_peer(pkt, sizeof(pkt));
        assert_int_equal(dp_classify(m, &e->f.w.routes->addrs, &e->f.w.counters), DP_CLASS_ESP);
        dp_forward_esp(&e->f.w, &m, 1);
        assert_int_equal(e->f.w.counters.esp_decrypted, 1);
        assert_int_equal(e->f.w.counters.drop_ip6_too_big, 1);
        assert_int_equal(rte_ring_count(e->f.tx[INSIDE]), 0);
        struct outer o;
        size_t n = take_outer(&o, inner, 2);
        assert_int_equal(n, 1280);
        assert_int_equal(inner[6], IPPROTO_ICMPV6);
        assert_memory_equal(inner + 8, in6, 16);
        assert_memory_equal(inner + 24, far6, 16);
        assert_int_equal(inner[IP6], 2);
        assert_int_equal(be32_of(inner + IP6 + 4), rte_cpu_to_be_32(LINK_MTU));
        /* It quotes the packet as it arrived, as much as fits. */
        assert_memory_equal(inner + IP6 + 8, pkt, 1280 - IP6 - 8);
        assert_int_equal(e->f.w.counters.esp_outer_fragmented, 1);
        close_tunnel();
        pools_full();
    }
}

/*
 * Identifications: worker w of N takes only those equal to w modulo N, a
 * whole cycle of IPv4's 16 bits without repeating itself, and wraps within
 * its residue (here forced near the top of IPv6's 32 bits).
 */
static void test_frag_ids(void **state)
{
    (void)state;
    enum { N = 3 };
    static bool used[N][0x10000];
    memset(used, 0, sizeof(used));
    struct dp_frag_ids ids[N];
    for (unsigned w = 0; w < N; w++) {
        dp_frag_ids_init(&ids[w], w, N);
        for (unsigned i = 0; i < 0x10000 / N; i++) {
            uint32_t id = dp_frag_ids_next(&ids[w], 4);
            assert_true(id < 0x10000);
            assert_int_equal(id % N, w);
            assert_false(used[w][id]);
            used[w][id] = true;
        }
        /* A cycle is over: the first one again. */
        uint32_t id = dp_frag_ids_next(&ids[w], 4);
        assert_true(used[w][id]);
        uint32_t a = dp_frag_ids_next(&ids[w], 6), b = dp_frag_ids_next(&ids[w], 6);
        assert_int_equal(a % N, w);
        assert_int_equal(b - a, N);
    }
    /* 2^32 is 1 modulo 3: a plain 32-bit counter would leave the residue when it wraps. */
    ids[2].next6 = 0xffffffffu / N * N - N + 2;
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(dp_frag_ids_next(&ids[2], 6) % N, 2);
    /* Never initialised (N taken as 1): still counts. */
    struct dp_frag_ids zero = {0};
    assert_int_equal(dp_frag_ids_next(&zero, 4), 0);
    assert_int_equal(dp_frag_ids_next(&zero, 4), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ipv6_up_to_1280_post_fragmented, reset, reset),
        cmocka_unit_test_setup_teardown(test_own_icmp6_error_post_fragmented, reset, reset),
        cmocka_unit_test(test_frag_ids),
    };
    return cmocka_run_group_tests_name("postfrag", tests, group_setup, group_teardown);
}
