/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_sadb_update: a NATed peer's new outer address and port (RFC 7296 2.23)
 * reach the outbound SA without stopping the workers. Packets sealed after
 * the update go to the new address, their sequence numbers go on upwards
 * (never one reused), the SA's counters are kept, the inbound SA is left
 * alone, and an unknown SA is refused. MOBIKE's moves into and out of a NAT
 * switch ESP in UDP on and off the same way. Inbound, ESP from an address,
 * port or encapsulation other than the SA's peer's is passed on but counted
 * (esp_in_other_source) and is no proof of liveness (RFC 4555 3.12), and an
 * update moves the inbound SA's idea of its peer too. For a NATed peer
 * without MOBIKE (esp_rebind), authentic ESP in UDP from elsewhere is
 * reported to the control lcore through the rebinding ring: once per SA
 * until the control lcore takes it, and once per interval; forged and
 * replayed packets never are (docs/control-plane.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_esp.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dp_esp.h"
#include "spd_probe.h"
#include "dp_pkt.h"
#include "test_eal.h"

#define ETH 14

static struct rte_mempool *pool;
static struct dp_esp_engine eng;

static struct ike_child_sa gcm_child(void)
{
    struct ike_child_sa c;
    memset(&c, 0, sizeof(c));
    c.spi_in = 0x1000;
    c.spi_out = 0x2000;
    c.alg.encr.id = IKE_ENCR_AES_GCM_16;
    c.alg.encr.key_bits = 128;
    c.alg.esn = IKE_ESN_NO_ESN;
    c.encr_key_len = 20;
    for (unsigned i = 0; i < sizeof(c.encr_in); i++) {
        c.encr_in[i] = (uint8_t)(0x10 + i);
        c.encr_out[i] = (uint8_t)(0x80 + i);
    }
    assert_int_equal(ike_addr_parse(&c.local, "198.51.100.1", 4500), 0);
    assert_int_equal(ike_addr_parse(&c.remote, "203.0.113.9", 5500), 0);
    c.udp_encap = true;
    c.ts_local.nts = c.ts_remote.nts = 1;
    c.ts_local.ts[0] = (struct ike_ts){
        .type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535, .end_addr = {255, 255, 255, 255}};
    c.ts_remote.ts[0] = c.ts_local.ts[0];
    return c;
}

struct sealed {
    uint32_t dst;
    uint16_t dport;
    uint32_t seq;
};

/* Seals one plaintext frame with the SA the SPD gives now; returns where it went. */
static struct sealed seal_one(struct dp_sadb *db)
{
    static const struct rte_ether_addr a = {{2, 0, 0, 0, 0, 1}}, b = {{2, 0, 0, 0, 0, 2}};
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    dp_build_udp4(m, &a, &b, rte_cpu_to_be_32(0x0a020002), rte_cpu_to_be_32(0x0a010001), 1000, 2000,
                  64);
    struct dp_esp_sa *sa =
        spd_probe4(db, rte_cpu_to_be_32(0x0a020002), rte_cpu_to_be_32(0x0a010001));
    assert_non_null(sa);
    struct dp_worker_counters c = {0};
    assert_int_equal(dp_esp_encrypt(&eng, sa, m, ETH, &c), 0);
    const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
    const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
    const struct rte_esp_hdr *esp = (const struct rte_esp_hdr *)(udp + 1);
    struct sealed s = {.dst = ip->dst_addr,
                       .dport = rte_be_to_cpu_16(udp->dst_port),
                       .seq = rte_be_to_cpu_32(esp->seq)};
    assert_int_equal(rte_be_to_cpu_32(esp->spi), 0x2000);
    rte_pktmbuf_free(m);
    return s;
}

static void test_update_moves_outbound(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128], why[160] = "";
    assert_int_equal(dp_sadb_init(&db, 2, err, sizeof(err)), 0);
    struct ike_child_sa c = gcm_child();
    assert_int_equal(dp_sadb_install(&db, &c, why, sizeof(why)), 0);
    uint32_t spi = c.spi_in;
    void *in_before = NULL;
    assert_true(rte_hash_lookup_data(db.in, &spi, &in_before) >= 0);

    struct sealed s;
    for (unsigned i = 1; i <= 3; i++) {
        s = seal_one(&db);
        assert_int_equal(s.dst, rte_cpu_to_be_32(0xcb007109)); /* 203.0.113.9 */
        assert_int_equal(s.dport, 5500);
        assert_int_equal(s.seq, i);
    }
    /* The NAT rebinds: the peer now comes from another address and port. */
    assert_int_equal(ike_addr_parse(&c.remote, "203.0.113.10", 6500), 0);
    assert_int_equal(dp_sadb_update(&db, &c, why, sizeof(why)), 0);
    s = seal_one(&db);
    assert_int_equal(s.dst, rte_cpu_to_be_32(0xcb00710a));
    assert_int_equal(s.dport, 6500);
    /* Ahead of every number the old SA may have sent, by at most the headroom of 2 workers. */
    assert_true(s.seq > 3 && s.seq <= 3 + 2 * DP_UPDATE_SEQ_HEADROOM + 1);
    uint32_t after = s.seq;
    s = seal_one(&db);
    assert_int_equal(s.seq, after + 1);
    struct dp_esp_sa *out =
        spd_probe4(&db, rte_cpu_to_be_32(0x0a020002), rte_cpu_to_be_32(0x0a010001));
    assert_int_equal(out->packets, 5); /* 3 before, 2 after */
    /* Inbound: the same SA object, untouched. */
    void *in_after = NULL;
    assert_true(rte_hash_lookup_data(db.in, &spi, &in_after) >= 0);
    assert_ptr_equal(in_before, in_after);
    /* An SA the dataplane does not hold. */
    struct ike_child_sa other = c;
    other.spi_out = 0x9999;
    assert_int_equal(dp_sadb_update(&db, &other, why, sizeof(why)), -ENOENT);
    assert_non_null(strstr(why, "00009999"));
    dp_sadb_free(&db);
}

/* A Child SA that opens what it seals: one SPI and one key both ways. */
static struct ike_child_sa loop_child(void)
{
    struct ike_child_sa c = gcm_child();
    c.spi_in = c.spi_out = 0x3000;
    memcpy(c.encr_out, c.encr_in, sizeof(c.encr_in));
    return c;
}

/*
 * Seals one frame with the SA the SPD gives now and checks where it goes:
 * to `dst`, in UDP to `dport`, or plain ESP when dport is 0; the sequence
 * number comes back in *seq. The result is made into what the peer would
 * have sent from `src`:`sport` (network order address): an Ethernet frame to
 * us, ready to decrypt, its ESP header at *esp_off.
 */
static struct rte_mbuf *seal_as_peer(struct dp_sadb *db, uint32_t dst, uint16_t dport, uint32_t src,
                                     uint16_t sport, uint32_t *seq, size_t *esp_off)
{
    static const struct rte_ether_addr a = {{2, 0, 0, 0, 0, 1}}, b = {{2, 0, 0, 0, 0, 2}};
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    dp_build_udp4(m, &a, &b, rte_cpu_to_be_32(0x0a020002), rte_cpu_to_be_32(0x0a010001), 1000, 2000,
                  64);
    struct dp_esp_sa *sa =
        spd_probe4(db, rte_cpu_to_be_32(0x0a020002), rte_cpu_to_be_32(0x0a010001));
    assert_non_null(sa);
    struct dp_worker_counters c = {0};
    assert_int_equal(dp_esp_encrypt(&eng, sa, m, ETH, &c), 0);
    struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
    assert_int_equal(ip->dst_addr, dst);
    assert_int_equal(ip->next_proto_id, dport != 0 ? IPPROTO_UDP : IPPROTO_ESP);
    size_t esp = sizeof(*ip);
    if (dport != 0) {
        struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
        assert_int_equal(rte_be_to_cpu_16(udp->dst_port), dport);
        udp->src_port = rte_cpu_to_be_16(sport);
        udp->dst_port = rte_cpu_to_be_16(4500);
        esp += sizeof(*udp);
    }
    *seq = rte_be_to_cpu_32(rte_pktmbuf_mtod_offset(m, struct rte_esp_hdr *, esp)->seq);
    ip->dst_addr = ip->src_addr;
    ip->src_addr = src;
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
    assert_non_null(eth);
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    *esp_off = ETH + esp;
    return m;
}

/* Opens m as a worker would; it must open (ESP from elsewhere is passed on too). */
static void open_ok(struct dp_sadb *db, struct rte_mbuf *m, size_t esp_off,
                    struct dp_worker_counters *c)
{
    assert_int_equal(dp_esp_decrypt(&eng, db, m, esp_off, c), 0);
    rte_pktmbuf_free(m);
}

/* Seals as seal_as_peer and opens at once; the sequence number it had. */
static uint32_t through(struct dp_sadb *db, uint32_t dst, uint16_t dport, uint32_t src,
                        uint16_t sport, struct dp_worker_counters *c)
{
    uint32_t seq;
    size_t off;
    struct rte_mbuf *m = seal_as_peer(db, dst, dport, src, sport, &seq, &off);
    open_ok(db, m, off, c);
    return seq;
}

struct seen {
    uint64_t packets_in, last_in_ns;
};

static void note_traffic(void *arg, struct dp_esp_sa *out, struct dp_esp_sa *in,
                         const struct ike_child_traffic *t)
{
    (void)out;
    (void)in;
    struct seen *s = arg;
    s->packets_in = t->packets_in;
    s->last_in_ns = t->last_in_ns;
}

#define IP4(a, b, c, d) rte_cpu_to_be_32((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void test_mobike_moves_and_sources(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128], why[160] = "";
    assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
    struct ike_child_sa c = loop_child();
    assert_int_equal(dp_sadb_install(&db, &c, why, sizeof(why)), 0);
    struct dp_worker_counters wc = {0};
    uint32_t seq, last;
    size_t off;
    struct seen seen = {0};

    /* From the peer, 203.0.113.9:5500: proof it is there. */
    through(&db, IP4(203, 0, 113, 9), 5500, IP4(203, 0, 113, 9), 5500, &wc);
    assert_int_equal(wc.esp_in_other_source, 0);
    dp_sadb_traffic(&db, 100, note_traffic, &seen);
    assert_int_equal(seen.last_in_ns, 100);
    /* Authentic, but from another address, or another port: passed on, counted, no proof. */
    through(&db, IP4(203, 0, 113, 9), 5500, IP4(203, 0, 113, 10), 5500, &wc);
    through(&db, IP4(203, 0, 113, 9), 5500, IP4(203, 0, 113, 9), 6000, &wc);
    assert_int_equal(wc.esp_in_other_source, 2);
    assert_int_equal(wc.esp_decrypted, 3);
    dp_sadb_traffic(&db, 200, note_traffic, &seen);
    assert_int_equal(seen.packets_in, 3);
    assert_int_equal(seen.last_in_ns, 100);

    /* MOBIKE: the client moved behind another NAT mapping; the inbound SA follows too. */
    struct rte_mbuf *early =
        seal_as_peer(&db, IP4(203, 0, 113, 9), 5500, IP4(203, 0, 113, 10), 6500, &seq, &off);
    size_t early_off = off;
    last = seq;
    assert_int_equal(ike_addr_parse(&c.remote, "203.0.113.10", 6500), 0);
    assert_int_equal(dp_sadb_update(&db, &c, why, sizeof(why)), 0);
    seq = through(&db, IP4(203, 0, 113, 10), 6500, IP4(203, 0, 113, 10), 6500, &wc);
    assert_true(seq > last);
    last = seq;
    assert_int_equal(wc.esp_in_other_source, 2);
    seq = through(&db, IP4(203, 0, 113, 10), 6500, IP4(203, 0, 113, 9), 5500, &wc);
    assert_int_equal(wc.esp_in_other_source, 3);
    assert_int_equal(seq, last + 1);
    last = seq;
    dp_sadb_traffic(&db, 300, note_traffic, &seen);
    assert_int_equal(seen.last_in_ns, 300);

    /* MOBIKE out of the NAT, to 203.0.113.11: plain ESP from now on, numbers going on upwards. */
    c.udp_encap = false;
    assert_int_equal(ike_addr_parse(&c.remote, "203.0.113.11", 4500), 0);
    assert_int_equal(dp_sadb_update(&db, &c, why, sizeof(why)), 0);
    seq = through(&db, IP4(203, 0, 113, 11), 0, IP4(203, 0, 113, 11), 0, &wc);
    assert_true(seq > last);
    last = seq;
    assert_int_equal(wc.esp_in_other_source, 3);
    /* ESP in UDP from the old mapping, sealed before the move: now from elsewhere. */
    open_ok(&db, early, early_off, &wc);
    assert_int_equal(wc.esp_in_other_source, 4);
    dp_sadb_traffic(&db, 400, note_traffic, &seen);
    assert_int_equal(seen.last_in_ns, 400); /* the plain ESP from .11 */
    dp_sadb_traffic(&db, 500, note_traffic, &seen);
    assert_int_equal(seen.last_in_ns, 400);

    /* And into a NAT again: ESP in UDP to the mapping, numbers still upwards. */
    c.udp_encap = true;
    assert_int_equal(ike_addr_parse(&c.remote, "198.51.100.254", 20001), 0);
    assert_int_equal(dp_sadb_update(&db, &c, why, sizeof(why)), 0);
    seq = through(&db, IP4(198, 51, 100, 254), 20001, IP4(198, 51, 100, 254), 20001, &wc);
    assert_true(seq > last);
    assert_int_equal(wc.esp_in_other_source, 4);
    /* Plain ESP from the right address to an SA in UDP: not how the peer sends. */
    c.udp_encap = false;
    assert_int_equal(dp_sadb_update(&db, &c, why, sizeof(why)), 0);
    struct rte_mbuf *plain =
        seal_as_peer(&db, IP4(198, 51, 100, 254), 0, IP4(198, 51, 100, 254), 0, &seq, &off);
    c.udp_encap = true;
    assert_int_equal(dp_sadb_update(&db, &c, why, sizeof(why)), 0);
    open_ok(&db, plain, off, &wc);
    assert_int_equal(wc.esp_in_other_source, 5);
    assert_int_equal(wc.esp_decrypted, 9);
    assert_int_equal(wc.drop_esp_replayed + wc.drop_esp_bad_icv, 0);
    dp_sadb_free(&db);
}

/* Seals one frame over the IPv6 loop SA and makes it come from `src`:`sport`. */
static struct rte_mbuf *seal_as_peer6(struct dp_sadb *db, const char *src, uint16_t sport,
                                      size_t *esp_off)
{
    static const struct rte_ether_addr a = {{2, 0, 0, 0, 0, 1}}, b = {{2, 0, 0, 0, 0, 2}};
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    dp_build_udp4(m, &a, &b, rte_cpu_to_be_32(0x0a020002), rte_cpu_to_be_32(0x0a010001), 1000, 2000,
                  64);
    struct dp_esp_sa *sa =
        spd_probe4(db, rte_cpu_to_be_32(0x0a020002), rte_cpu_to_be_32(0x0a010001));
    assert_non_null(sa);
    struct dp_worker_counters c = {0};
    assert_int_equal(dp_esp_encrypt(&eng, sa, m, ETH, &c), 0);
    struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
    assert_int_equal(ip->proto, IPPROTO_UDP);
    struct ike_addr from;
    assert_int_equal(ike_addr_parse(&from, src, sport), 0);
    memcpy(ip->dst_addr, ip->src_addr, 16);
    memcpy(ip->src_addr, from.ip, 16);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    udp->src_port = rte_cpu_to_be_16(sport);
    udp->dst_port = rte_cpu_to_be_16(4500);
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
    assert_non_null(eth);
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
    *esp_off = ETH + sizeof(*ip) + sizeof(*udp);
    return m;
}

/* The same over IPv6 outer addresses: all 16 bytes compared, and moved. */
static void test_other_source6(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128], why[160] = "";
    assert_int_equal(dp_sadb_init(&db, 1, err, sizeof(err)), 0);
    struct ike_child_sa c = loop_child();
    assert_int_equal(ike_addr_parse(&c.local, "2001:db8::1", 4500), 0);
    assert_int_equal(ike_addr_parse(&c.remote, "2001:db8::9", 4500), 0);
    assert_int_equal(dp_sadb_install(&db, &c, why, sizeof(why)), 0);
    struct dp_worker_counters wc = {0};
    size_t off;
    struct rte_mbuf *m = seal_as_peer6(&db, "2001:db8::9", 4500, &off);
    open_ok(&db, m, off, &wc);
    assert_int_equal(wc.esp_in_other_source, 0);
    /* Another address differing in its last bit only, then in its first word only. */
    m = seal_as_peer6(&db, "2001:db8::8", 4500, &off);
    open_ok(&db, m, off, &wc);
    m = seal_as_peer6(&db, "2001:db9::9", 4500, &off);
    open_ok(&db, m, off, &wc);
    assert_int_equal(wc.esp_in_other_source, 2);
    /* The client moved to 2001:db8:1::7: from there it is the peer, from the old one not. */
    assert_int_equal(ike_addr_parse(&c.remote, "2001:db8:1::7", 4500), 0);
    assert_int_equal(dp_sadb_update(&db, &c, why, sizeof(why)), 0);
    m = seal_as_peer6(&db, "2001:db8:1::7", 4500, &off);
    open_ok(&db, m, off, &wc);
    assert_int_equal(wc.esp_in_other_source, 2);
    m = seal_as_peer6(&db, "2001:db8::9", 4500, &off);
    open_ok(&db, m, off, &wc);
    assert_int_equal(wc.esp_in_other_source, 3);
    assert_int_equal(wc.esp_decrypted, 5);
    dp_sadb_free(&db);
}

/* The reports in the ring: how many, the last one's source in *from. */
static unsigned take_rebinds(struct dp_sadb *db, struct ike_addr *from)
{
    struct dp_rebind r[8];
    unsigned n = dp_sadb_rebinds(db, r, 8);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(r[i].in->spi, 0x3000);
        *from = r[i].from;
    }
    return n;
}

static void test_rebind_reports(void **state)
{
    (void)state;
    struct dp_sadb db;
    char err[128], why[160] = "";
    assert_int_equal(dp_sadb_init(&db, 2, err, sizeof(err)), 0);
    struct ike_child_sa c = loop_child();
    c.esp_rebind = true;
    assert_int_equal(dp_sadb_install(&db, &c, why, sizeof(why)), 0);
    struct dp_worker_counters wc = {0};
    struct ike_addr from, want;
    uint32_t seq;
    size_t off;

    /* From the peer: nothing to report. */
    through(&db, IP4(203, 0, 113, 9), 5500, IP4(203, 0, 113, 9), 5500, &wc);
    assert_int_equal(take_rebinds(&db, &from), 0);
    /* The NAT rebound to port 6500: one report, the SA's next packets wait for it to be taken. */
    for (unsigned i = 0; i < 5; i++)
        through(&db, IP4(203, 0, 113, 9), 5500, IP4(203, 0, 113, 9), 6500, &wc);
    assert_int_equal(wc.esp_in_other_source, 5);
    assert_int_equal(wc.esp_rebind_notified, 1);
    assert_int_equal(wc.esp_rebind_held_pending, 4);
    assert_int_equal(take_rebinds(&db, &from), 1);
    assert_int_equal(ike_addr_parse(&want, "203.0.113.9", 6500), 0);
    assert_true(ike_addr_equal(&from, &want));
    /* Taken, but within the interval: counted, not reported. */
    through(&db, IP4(203, 0, 113, 9), 5500, IP4(203, 0, 113, 9), 6500, &wc);
    assert_int_equal(wc.esp_rebind_held_interval, 1);
    assert_int_equal(wc.esp_rebind_notified, 1);
    assert_int_equal(take_rebinds(&db, &from), 0);

    /* No interval from here: only authenticity and the one-at-a-time rule hold reports back. */
    db.rebind_interval = 0;
    /* A forged packet from elsewhere (broken ICV): dropped, never reported. */
    struct rte_mbuf *m =
        seal_as_peer(&db, IP4(203, 0, 113, 9), 5500, IP4(198, 51, 100, 7), 7000, &seq, &off);
    uint8_t *last = rte_pktmbuf_mtod_offset(m, uint8_t *, rte_pktmbuf_pkt_len(m) - 1);
    *last ^= 1;
    assert_int_equal(dp_esp_decrypt(&eng, &db, m, off, &wc), -1);
    rte_pktmbuf_free(m);
    assert_int_equal(wc.drop_esp_bad_icv, 1);
    assert_int_equal(wc.esp_in_other_source, 6);
    assert_int_equal(wc.esp_rebind_notified, 1);
    assert_int_equal(take_rebinds(&db, &from), 0);
    /* A genuine packet from elsewhere, then its replay: the first reported, the copy not. */
    m = seal_as_peer(&db, IP4(203, 0, 113, 9), 5500, IP4(198, 51, 100, 7), 7000, &seq, &off);
    struct rte_mbuf *copy = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
    assert_non_null(copy);
    open_ok(&db, m, off, &wc);
    assert_int_equal(wc.esp_rebind_notified, 2);
    assert_int_equal(take_rebinds(&db, &from), 1);
    assert_int_equal(dp_esp_decrypt(&eng, &db, copy, off, &wc), -1);
    rte_pktmbuf_free(copy);
    assert_int_equal(wc.drop_esp_replayed, 1);
    assert_int_equal(wc.esp_rebind_notified, 2);
    assert_int_equal(take_rebinds(&db, &from), 0);

    /* Plain ESP to the SA in UDP: no NAT did that, not reported. */
    c.udp_encap = false;
    assert_int_equal(dp_sadb_update(&db, &c, why, sizeof(why)), 0);
    struct rte_mbuf *plain =
        seal_as_peer(&db, IP4(203, 0, 113, 9), 0, IP4(203, 0, 113, 9), 0, &seq, &off);
    c.udp_encap = true;
    assert_int_equal(dp_sadb_update(&db, &c, why, sizeof(why)), 0);
    open_ok(&db, plain, off, &wc);
    assert_int_equal(wc.esp_rebind_not_udp, 1);
    assert_int_equal(take_rebinds(&db, &from), 0);

    /* MOBIKE on, or the peer no longer NATed: lib/ike clears esp_rebind, nothing reported. */
    c.esp_rebind = false;
    assert_int_equal(dp_sadb_update(&db, &c, why, sizeof(why)), 0);
    through(&db, IP4(203, 0, 113, 9), 5500, IP4(203, 0, 113, 9), 8000, &wc);
    assert_int_equal(wc.esp_rebind_notified, 2);
    assert_int_equal(take_rebinds(&db, &from), 0);
    assert_int_equal(wc.esp_rebind_ring_full, 0);
    dp_sadb_free(&db);
}

static int group_setup(void **state)
{
    (void)state;
    return test_eal_esp("test_sadb_update", "128", 64, &pool, &eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_update_moves_outbound),
                                       cmocka_unit_test(test_mobike_moves_and_sources),
                                       cmocka_unit_test(test_other_source6),
                                       cmocka_unit_test(test_rebind_reports)};
    return cmocka_run_group_tests(tests, group_setup, test_eal_teardown);
}
