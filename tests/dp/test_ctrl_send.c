/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How the control lcore sends IKE (lib/dp/ctrl/ctrl.c, the lib/ike backend's
 * send): to a peer on a port's subnet directly, to a peer anywhere else
 * through the route table's next hop (clients come from the Internet behind
 * a default route), a route deleted at run time no longer used, an unknown
 * next hop asked for by ARP first, and a datagram longer than the port's
 * MTU sent as IPv4 fragments, and one over IPv6 as IPv6 fragments, that
 * reassemble (here, by offsets) to the datagram with a right UDP checksum.
 * Frames are read back from net_ring ports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "ring_port.h"
#include "dp_ctrl.h"
#include "dp_route_table.h"
#include "inet_sum.h"
#include "test_eal.h"
#include "test_pkt.h"

#define OUTSIDE 0

struct env {
    struct rte_mempool *pool;
    struct rte_ring *ring;
    struct dp_port ports[1];
    struct dp_neigh_table neigh;
    struct dp_route_table routes;
    struct dp_ctrl ctrl;
    struct ike_backend be;
};
static struct env *e;

static const struct rte_ether_addr router = {{2, 0, 0, 0, 0, 0xfe}}, peer = {{2, 0, 0, 0, 0, 2}};

static struct ike_addr addr(const char *text, uint16_t port)
{
    struct ike_addr a;
    assert_int_equal(ike_addr_parse(&a, text, port), 0);
    return a;
}

static unsigned sent(struct rte_mbuf **out, unsigned max)
{
    return rte_ring_dequeue_burst(e->ring, (void **)out, max, NULL);
}

static int send_ike(const char *to, const uint8_t *buf, size_t len)
{
    struct ike_addr local = addr("198.51.100.1", 4500), remote = addr(to, 4500);
    return e->be.send(e->be.opaque, &local, &remote, buf, len);
}

static const struct rte_ipv4_hdr *ip_of(const struct rte_mbuf *m)
{
    return rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static void test_on_link_and_routed(void **state)
{
    (void)state;
    uint8_t msg[200];
    memset(msg, 0x5a, sizeof(msg));
    struct rte_mbuf *f[8];
    assert_int_equal(send_ike("198.51.100.2", msg, sizeof(msg)), 0);
    assert_int_equal(sent(f, 8), 1);
    assert_memory_equal(rte_pktmbuf_mtod(f[0], uint8_t *), peer.addr_bytes, 6);
    rte_pktmbuf_free(f[0]);
    /* A client on the Internet: out through the default route's router, to the client. */
    assert_int_equal(send_ike("203.0.113.9", msg, sizeof(msg)), 0);
    assert_int_equal(sent(f, 8), 1);
    assert_memory_equal(rte_pktmbuf_mtod(f[0], uint8_t *), router.addr_bytes, 6);
    assert_int_equal(ip_of(f[0])->dst_addr, test_ip4(203, 0, 113, 9));
    assert_int_equal(rte_be_to_cpu_16(ip_of(f[0])->total_length), 20 + 8 + sizeof(msg));
    rte_pktmbuf_free(f[0]);
    assert_int_equal(e->ctrl.counters.tx_ike, 2);
    /* The default route deleted while veer runs: nothing leads there any more. */
    char err[128];
    struct ike_addr any = addr("0.0.0.0", 0);
    assert_int_equal(dp_route_table_del(&e->routes, &any, 0, err, sizeof(err)), 0);
    assert_int_equal(send_ike("203.0.113.9", msg, sizeof(msg)), -ENETUNREACH);
    assert_int_equal(e->ctrl.counters.tx_no_route, 1);
    assert_int_equal(sent(f, 8), 0);
    /* Back, via a router veer has not met yet: ARP for it first; IKE's retransmission goes. */
    struct conf_route r = {.to = any, .prefix_len = 0, .via = addr("198.51.100.253", 0)};
    assert_int_equal(dp_route_table_add(&e->routes, &r, err, sizeof(err)), 0);
    assert_int_equal(send_ike("203.0.113.9", msg, sizeof(msg)), -EAGAIN);
    assert_int_equal(sent(f, 8), 1);
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(f[0], const struct rte_ether_hdr *);
    assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_ARP);
    const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(eth + 1);
    assert_int_equal(arp->arp_data.arp_tip, test_ip4(198, 51, 100, 253));
    rte_pktmbuf_free(f[0]);
    assert_int_equal(e->ctrl.counters.tx_no_neighbour, 1);
}

static void test_big_datagram_fragmented(void **state)
{
    (void)state;
    static uint8_t msg[3000];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 13 + 1);
    assert_int_equal(send_ike("198.51.100.2", msg, sizeof(msg)), 0);
    struct rte_mbuf *f[8];
    unsigned n = sent(f, 8);
    assert_int_equal(n, 3); /* 3008 bytes of UDP in pieces of at most 1480 */
    static uint8_t udp[4000];
    size_t got = 0;
    uint16_t id = rte_be_to_cpu_16(ip_of(f[0])->packet_id);
    for (unsigned i = 0; i < n; i++) {
        const struct rte_ipv4_hdr *ip = ip_of(f[i]);
        size_t total = rte_be_to_cpu_16(ip->total_length);
        uint16_t field = rte_be_to_cpu_16(ip->fragment_offset);
        assert_true(total <= 1500);
        assert_int_equal(rte_pktmbuf_pkt_len(f[i]), 14 + total);
        assert_int_equal(rte_be_to_cpu_16(ip->packet_id), id);
        assert_int_equal((field & RTE_IPV4_HDR_OFFSET_MASK) * 8, got);
        assert_int_equal((field & RTE_IPV4_HDR_MF_FLAG) != 0, i + 1 < n);
        assert_int_equal(field & RTE_IPV4_HDR_DF_FLAG, 0);
        assert_int_equal(rte_ipv4_cksum(ip), 0); /* a right header sums to 0 */
        if (i + 1 < n)
            assert_int_equal((total - 20) % 8, 0);
        memcpy(udp + got, (const uint8_t *)(ip + 1), total - 20);
        got += total - 20;
        rte_pktmbuf_free(f[i]);
    }
    assert_int_equal(got, 8 + sizeof(msg));
    assert_memory_equal(udp + 8, msg, sizeof(msg));
    /* The UDP checksum over the reassembled datagram, summed here word by word (RFC 768). */
    uint8_t pseudo[12] = {198,         51, 100, 1, 198, 51, 100, 2, 0, 17, (uint8_t)(got >> 8),
                          (uint8_t)got};
    uint32_t sum = add_words(add_words(0, pseudo, sizeof(pseudo)), udp, got);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    assert_int_equal(sum, 0xffff);
    assert_int_equal(udp[2] << 8 | udp[3], 4500);
    assert_int_equal(e->ctrl.counters.tx_ike_fragmented, 1);
    /* The next one gets another identification. */
    assert_int_equal(send_ike("198.51.100.2", msg, sizeof(msg)), 0);
    n = sent(f, 8);
    assert_int_equal(n, 3);
    assert_int_not_equal(rte_be_to_cpu_16(ip_of(f[0])->packet_id), id);
    rte_pktmbuf_free_bulk(f, n);
}

static struct ike_addr addr6(uint8_t host, uint16_t port)
{
    struct ike_addr a = {.family = 6, .port = port};
    const uint8_t prefix[6] = {0x20, 0x01, 0x0d, 0xb8, 0, 1}; /* 2001:db8:1::/64 */
    memcpy(a.ip, prefix, sizeof(prefix));
    a.ip[15] = host;
    return a;
}

static int send_ike6(const uint8_t *buf, size_t len)
{
    struct ike_addr local = addr6(1, 500), remote = addr6(2, 500);
    return e->be.send(e->be.opaque, &local, &remote, buf, len);
}

/*
 * IKE over IPv6 longer than the port's MTU: veer is the source, the only
 * node that may fragment IPv6 (RFC 8200 5). Each fragment is checked on its
 * own and the datagram put together here by the fragments' offsets (not by
 * librte_ip_frag), its UDP checksum summed word by word.
 */
static void test_big_datagram_fragmented6(void **state)
{
    (void)state;
    static uint8_t msg[3000];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 11 + 5);
    e->ctrl.counters = (struct dp_ctrl_counters){0};
    assert_int_equal(send_ike6(msg, sizeof(msg)), 0);
    struct rte_mbuf *f[8];
    unsigned n = sent(f, 8);
    assert_int_equal(n, 3); /* 3008 bytes of UDP in pieces of at most 1500 - 48 */
    static uint8_t udp[4000];
    bool seen[4000 / 8] = {false};
    size_t total = 0;
    uint32_t id = 0;
    unsigned last = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(f[i], const struct rte_ether_hdr *);
        assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV6);
        assert_memory_equal(eth->dst_addr.addr_bytes, peer.addr_bytes, 6);
        const uint8_t *ip = (const uint8_t *)(eth + 1);
        size_t plen = (size_t)ip[4] << 8 | ip[5];
        assert_int_equal(ip[0] >> 4, 6);
        assert_int_equal(ip[6], IPPROTO_FRAGMENT);
        assert_int_equal(ip[7], 64);
        assert_memory_equal(ip + 8, addr6(1, 0).ip, 16);
        assert_memory_equal(ip + 24, addr6(2, 0).ip, 16);
        assert_true(40 + plen <= 1500);
        assert_int_equal(rte_pktmbuf_pkt_len(f[i]), 14 + 40 + plen);
        const uint8_t *fh = ip + 40;
        assert_int_equal(fh[0], IPPROTO_UDP);
        assert_int_equal(fh[1], 0);
        size_t ofs = (size_t)(fh[2] << 8 | (fh[3] & 0xf8));
        bool more = fh[3] & 1;
        assert_int_equal(fh[3] & 6, 0); /* reserved bits */
        uint32_t fid = (uint32_t)fh[4] << 24 | (uint32_t)fh[5] << 16 | (uint32_t)fh[6] << 8 | fh[7];
        if (i == 0)
            id = fid;
        assert_int_equal(fid, id);
        size_t data = plen - 8;
        if (more) {
            assert_int_equal(data % 8, 0);
        } else {
            last++;
            total = ofs + data;
        }
        assert_true(ofs + data <= sizeof(udp));
        for (size_t u = ofs / 8; u < (ofs + data + 7) / 8; u++) {
            assert_false(seen[u]); /* no overlap */
            seen[u] = true;
        }
        memcpy(udp + ofs, fh + 8, data);
        rte_pktmbuf_free(f[i]);
    }
    assert_int_equal(last, 1);
    assert_int_equal(total, 8 + sizeof(msg));
    for (size_t u = 0; u < (total + 7) / 8; u++)
        assert_true(seen[u]); /* no hole */
    assert_memory_equal(udp + 8, msg, sizeof(msg));
    assert_int_equal(udp[0] << 8 | udp[1], 500);
    assert_int_equal(udp[4] << 8 | udp[5], total);
    /* The UDP checksum over the whole datagram and IPv6's pseudo-header (RFC 8200 8.1). */
    uint8_t pseudo[8] = {0, 0, (uint8_t)(total >> 8), (uint8_t)total, 0, 0, 0, IPPROTO_UDP};
    uint32_t sum = add_words(add_words(add_words(0, addr6(1, 0).ip, 16), addr6(2, 0).ip, 16),
                             pseudo, sizeof(pseudo));
    sum = add_words(sum, udp, total);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    assert_int_equal(sum, 0xffff);
    assert_int_not_equal(udp[6] << 8 | udp[7], 0);
    assert_int_equal(e->ctrl.counters.tx_ike_fragmented, 1);
    assert_int_equal(e->ctrl.counters.tx_ike, 1);
    /* The next one gets another identification; a short one goes whole, as plain UDP. */
    assert_int_equal(send_ike6(msg, sizeof(msg)), 0);
    n = sent(f, 8);
    assert_int_equal(n, 3);
    const uint8_t *fh = rte_pktmbuf_mtod_offset(f[0], const uint8_t *, 14 + 40);
    assert_int_not_equal(
        (uint32_t)fh[4] << 24 | (uint32_t)fh[5] << 16 | (uint32_t)fh[6] << 8 | fh[7], id);
    rte_pktmbuf_free_bulk(f, n);
    assert_int_equal(send_ike6(msg, 1500 - 48), 0);
    assert_int_equal(sent(f, 8), 1);
    assert_int_equal(rte_pktmbuf_mtod_offset(f[0], const uint8_t *, 14)[6], IPPROTO_UDP);
    assert_int_equal(rte_pktmbuf_pkt_len(f[0]), 14 + 1500);
    rte_pktmbuf_free(f[0]);
    /* Longer than any IPv6 datagram can be: refused, counted, nothing sent. */
    static uint8_t huge[65530];
    assert_int_equal(send_ike6(huge, sizeof(huge)), -EMSGSIZE);
    assert_int_equal(sent(f, 8), 0);
    assert_int_equal(e->ctrl.counters.tx_too_big, 1);
    assert_int_equal(e->ctrl.counters.tx_ike_fragmented, 2);
    assert_int_equal(rte_mempool_avail_count(e->pool), 256);
}

static int group_setup(void **state)
{
    (void)state;
    if (test_eal_init("test_ctrl_send", "0", "400") < 0)
        return -1;
    static struct env env;
    e = &env;
    e->pool = rte_pktmbuf_pool_create("ctrlsend", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    struct dp_port *p = &e->ports[OUTSIDE];
    if (e->pool == NULL ||
        test_dp_port(p, OUTSIDE, "outside", test_ip4(198, 51, 100, 1), e->pool, NULL, &e->ring) < 0)
        return -1;
    test_dp_port_ip6(p, addr6(1, 0).ip);
    p->ctrl_txq = 0;
    dp_neigh_learn6(&e->neigh, addr6(2, 0).ip, p->id, &peer, DP_NEIGH_STATIC);
    dp_neigh_learn(&e->neigh, test_ip4(198, 51, 100, 254), p->id, &router, DP_NEIGH_STATIC);
    dp_neigh_learn(&e->neigh, test_ip4(198, 51, 100, 2), p->id, &peer, DP_NEIGH_STATIC);
    const uint16_t mtu[1] = {1500};
    struct conf_route dflt = {.to = addr("0.0.0.0", 0), .via = addr("198.51.100.254", 0)};
    char err[256];
    if (dp_route_table_init(&e->routes, e->ports, 1, mtu, NULL, &dflt, 1, NULL, err, sizeof(err)) <
        0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    e->ctrl = (struct dp_ctrl){
        .pool = e->pool, .ports = e->ports, .nports = 1, .neigh = &e->neigh, .routes = &e->routes};
    e->be = dp_ctrl_backend(&e->ctrl);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    dp_route_table_free(&e->routes);
    test_eal_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_on_link_and_routed),
        cmocka_unit_test(test_big_datagram_fragmented),
        cmocka_unit_test(test_big_datagram_fragmented6),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
