/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A multihomed gateway: two uplinks on net_ring ports, the first with two
 * IPv4 addresses on one subnet, one on another and an IPv6 address, the
 * second with one address. Every address is ours to the classifier (IKE,
 * ESP, ND groups) and to the control lcore (ARP answered per port, IKE sent
 * from it and out of its port); each subnet is connected; the source is the
 * address whose subnet holds the destination, else the port's first; and
 * addresses added or removed at run time (the route table) change all of that,
 * with a gratuitous ARP for the new one, while refusals leave it as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dp_arp.h"
#include "dp_classify.h"
#include "dp_nd.h"
#include "dp_ctrl.h"
#include "dp_pkt.h"
#include "dp_route_table.h"
#include "ring_port.h"
#include "test_eal.h"
#include "test_pkt.h"

#define UP1 0
#define UP2 1

struct env {
    struct rte_mempool *pool;
    struct rte_ring *tx[2];
    struct rte_ring *to_ctrl;
    struct dp_port ports[2];
    struct dp_neigh_table neigh;
    struct dp_route_table routes;
    struct dp_ctrl ctrl;
    struct ike_backend be;
};
static struct env *e;

static const struct rte_ether_addr peer = {{2, 0, 0, 0, 0, 2}};

static struct dp_addr addr(const char *text, uint8_t len, unsigned port)
{
    struct ike_addr a;
    assert_int_equal(ike_addr_parse(&a, text, 0), 0);
    struct dp_addr d = {.family = a.family, .prefix_len = len, .port = (uint16_t)port};
    memcpy(d.ip, a.ip, a.family == 6 ? 16 : 4);
    return d;
}

static uint32_t ip4(const char *text)
{
    struct dp_addr a = addr(text, 32, 0);
    uint32_t ip;
    memcpy(&ip, a.ip, 4);
    return ip;
}

/* The list the configuration gives: up1 198.51.100.1/24, .11/24, 192.0.2.1/28, 2001:db8:1::1/64. */
static void configured(struct dp_addrs *s)
{
    s->n = 0;
    const struct dp_addr all[] = {
        addr("198.51.100.1", 24, UP1), addr("198.51.100.11", 24, UP1),
        addr("192.0.2.1", 28, UP1),    addr("2001:db8:1::1", 64, UP1),
        addr("203.0.113.1", 24, UP2),  addr("198.51.100.100", 32, DP_ADDR_NO_PORT),
    };
    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        assert_int_equal(dp_addrs_add(s, &all[i]), 0);
}

static void test_lookups(void **state)
{
    (void)state;
    static struct dp_addrs s;
    configured(&s);
    uint32_t x = ip4("198.51.100.11");
    const struct dp_addr *a = dp_addrs_find(&s, 4, &x);
    assert_non_null(a);
    assert_int_equal(a->port, UP1);
    x = ip4("198.51.100.12");
    assert_null(dp_addrs_find(&s, 4, &x));
    /* The same bytes in the other family are not ours. */
    struct dp_addr v6 = addr("2001:db8:1::1", 128, 0);
    assert_null(dp_addrs_find(&s, 4, v6.ip));
    assert_non_null(dp_addrs_find(&s, 6, v6.ip));
    /* Subnets: each address brings its own, on its port. */
    x = ip4("192.0.2.14");
    assert_true(dp_addrs_on_link(&s, UP1, 4, &x));
    assert_false(dp_addrs_on_link(&s, UP2, 4, &x));
    assert_int_equal(dp_addrs_link_port(&s, 4, &x), UP1);
    x = ip4("192.0.2.16"); /* past the /28 */
    assert_int_equal(dp_addrs_link_port(&s, 4, &x), -1);
    x = ip4("203.0.113.9");
    assert_int_equal(dp_addrs_link_port(&s, 4, &x), UP2);
    /* An anycast /32 is no connected subnet. */
    x = ip4("198.51.100.100");
    assert_int_equal(dp_addrs_link_port(&s, 4, &x), UP1); /* by 198.51.100.0/24, not itself */
    /* The source: the address whose subnet holds the destination, else the port's first. */
    x = ip4("192.0.2.9");
    assert_int_equal(dp_addrs_source(&s, UP1, 4, &x)->ip[0], 192);
    x = ip4("8.8.8.8");
    assert_memory_equal(dp_addrs_source(&s, UP1, 4, &x)->ip, "\xc6\x33\x64\x01", 4);
    assert_memory_equal(dp_addrs_source(&s, UP1, 4, NULL)->ip, "\xc6\x33\x64\x01", 4);
    assert_null(dp_addrs_source(&s, UP2, 6, v6.ip));
    /* Solicited-node groups of our IPv6 addresses, not of anybody's. */
    uint8_t group[16] = {0xff, 0x02, [11] = 1, [12] = 0xff, [13] = 0, [14] = 0, [15] = 1};
    assert_true(dp_addrs_solicited(&s, group));
    group[15] = 2;
    assert_false(dp_addrs_solicited(&s, group));
    /* Broadcast of each subnet of a port. */
    assert_true(dp_addrs_is_broadcast(&s, UP1, ip4("192.0.2.15")));
    assert_true(dp_addrs_is_broadcast(&s, UP1, ip4("198.51.100.255")));
    assert_false(dp_addrs_is_broadcast(&s, UP2, ip4("198.51.100.255")));
    /* Changes: a duplicate, a full port, an unknown address. */
    struct dp_addr dup = addr("198.51.100.11", 24, UP2);
    assert_int_equal(dp_addrs_add(&s, &dup), -EEXIST);
    for (unsigned i = 0; i < CONF_MAX_PORT_ADDRS - 1; i++) {
        char text[32];
        snprintf(text, sizeof(text), "10.7.0.%u", i + 1);
        struct dp_addr more = addr(text, 24, UP2);
        assert_int_equal(dp_addrs_add(&s, &more), 0);
    }
    struct dp_addr ninth = addr("10.7.0.99", 24, UP2);
    assert_int_equal(dp_addrs_add(&s, &ninth), -ENOSPC);
    x = ip4("198.51.100.11");
    assert_int_equal(dp_addrs_del(&s, UP2, 4, &x), -ENOENT); /* not up2's */
    assert_int_equal(dp_addrs_del(&s, UP1, 4, &x), 0);
    assert_null(dp_addrs_find(&s, 4, &x));
    assert_int_equal(dp_addrs_del(&s, UP1, 4, &x), -ENOENT);
}

/* An Ethernet + IPv4 frame to dst: UDP to dport with `len` payload bytes, or ESP. */
static struct rte_mbuf *frame4(uint32_t dst, uint8_t proto, uint16_t dport)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    assert_non_null(m);
    size_t payload = 40;
    if (proto == IPPROTO_UDP) {
        char *room =
            rte_pktmbuf_append(m, sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
                                      sizeof(struct rte_udp_hdr) + payload);
        assert_non_null(room);
        dp_build_udp4(m, &peer, &e->ports[UP1].mac, ip4("198.51.100.2"), dst, 500, dport, payload);
        return m;
    }
    uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, sizeof(struct rte_ether_hdr) +
                                                      sizeof(struct rte_ipv4_hdr) + payload);
    assert_non_null(p);
    memset(p, 0, rte_pktmbuf_data_len(m));
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
    ip->version_ihl = 0x45;
    ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + payload));
    ip->time_to_live = 64;
    ip->next_proto_id = proto;
    ip->src_addr = ip4("198.51.100.2");
    ip->dst_addr = dst;
    return m;
}

static enum dp_class classify(struct rte_mbuf *m)
{
    struct dp_worker_counters c = {0};
    enum dp_class k = dp_classify(m, &dp_route_table_current(&e->routes)->addrs, &c);
    rte_pktmbuf_free(m);
    return k;
}

static void test_classify_every_address(void **state)
{
    (void)state;
    assert_int_equal(classify(frame4(ip4("198.51.100.11"), IPPROTO_UDP, 500)), DP_CLASS_CONTROL);
    /* On 4500 after the non-ESP marker (a zero payload here): IKE too. */
    assert_int_equal(classify(frame4(ip4("198.51.100.11"), IPPROTO_UDP, 4500)), DP_CLASS_CONTROL);
    assert_int_equal(classify(frame4(ip4("203.0.113.1"), IPPROTO_ESP, 0)), DP_CLASS_ESP);
    assert_int_equal(classify(frame4(ip4("198.51.100.100"), IPPROTO_UDP, 500)), DP_CLASS_CONTROL);
    /* On our subnet but nobody's address of ours: to be protected or forwarded. */
    assert_int_equal(classify(frame4(ip4("198.51.100.12"), IPPROTO_ESP, 0)), DP_CLASS_PLAIN);
}

static void test_connected_subnets(void **state)
{
    (void)state;
    const struct dp_routes *r = dp_route_table_current(&e->routes);
    struct dp_next_hop nh;
    assert_true(dp_route_lookup(r, ip4("192.0.2.9"), &nh));
    assert_int_equal(nh.port_index, UP1);
    assert_int_equal(nh.ip, ip4("192.0.2.9"));
    assert_true(dp_route_lookup(r, ip4("203.0.113.77"), &nh));
    assert_int_equal(nh.port_index, UP2);
    /* Not connected: the default route's next hop. */
    assert_true(dp_route_lookup(r, ip4("192.0.2.99"), &nh));
    assert_int_equal(nh.ip, ip4("203.0.113.254"));
    /* A configured route whose next hop is on the port's second IPv4 subnet. */
    assert_true(dp_route_lookup(r, ip4("10.50.1.1"), &nh));
    assert_int_equal(nh.port_index, UP1);
    assert_int_equal(nh.ip, ip4("192.0.2.14"));
    struct dp_next_hop6 nh6;
    struct dp_addr v6 = addr("2001:db8:1::77", 128, 0);
    assert_true(dp_route_lookup6(r, v6.ip, &nh6));
    assert_int_equal(nh6.port_index, UP1);
}

/* An ARP request from the peer for tip, arriving on port; the ctrl lcore runs once. */
static void arp_ask(unsigned port, uint32_t sip, uint32_t tip)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    assert_non_null(m);
    dp_arp_build(m, &peer, RTE_ARP_OP_REQUEST, NULL, sip, tip);
    m->port = e->ports[port].id;
    assert_int_equal(rte_ring_enqueue(e->to_ctrl, m), 0);
    assert_int_equal(dp_ctrl_poll(&e->ctrl), 1);
}

/* The ARP packets port sent since, at most max: each one's opcode, sender and target. */
static unsigned arp_sent(unsigned port, uint16_t *op, uint32_t *sip, uint32_t *tip, unsigned max)
{
    struct rte_mbuf *f[8];
    unsigned n = rte_ring_dequeue_burst(e->tx[port], (void **)f, 8, NULL), k = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct rte_arp_hdr *a =
            rte_pktmbuf_mtod_offset(f[i], const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
        if (k < max) {
            op[k] = rte_be_to_cpu_16(a->arp_opcode);
            sip[k] = a->arp_data.arp_sip;
            tip[k] = a->arp_data.arp_tip;
            k++;
        }
    }
    rte_pktmbuf_free_bulk(f, n);
    return k;
}

static void test_arp_per_address(void **state)
{
    (void)state;
    uint16_t op[4];
    uint32_t sip[4], tip[4];
    arp_ask(UP1, ip4("198.51.100.2"), ip4("198.51.100.11"));
    assert_int_equal(arp_sent(UP1, op, sip, tip, 4), 1);
    assert_int_equal(op[0], RTE_ARP_OP_REPLY);
    assert_int_equal(sip[0], ip4("198.51.100.11"));
    arp_ask(UP1, ip4("192.0.2.2"), ip4("192.0.2.1"));
    assert_int_equal(arp_sent(UP1, op, sip, tip, 4), 1);
    assert_int_equal(sip[0], ip4("192.0.2.1"));
    /* Another port's address is not answered here (it is not on this link). */
    arp_ask(UP1, ip4("198.51.100.2"), ip4("203.0.113.1"));
    assert_int_equal(arp_sent(UP1, op, sip, tip, 4), 0);
    arp_ask(UP2, ip4("203.0.113.2"), ip4("203.0.113.1"));
    assert_int_equal(arp_sent(UP2, op, sip, tip, 4), 1);
    assert_int_equal(e->ctrl.counters.arp_replies, 3);
}

/* IKE from each address leaves by its port, from that address. */
static void test_ike_from_every_address(void **state)
{
    (void)state;
    uint8_t msg[100] = {0};
    struct ike_addr local, remote;
    assert_int_equal(ike_addr_parse(&local, "198.51.100.11", 500), 0);
    assert_int_equal(ike_addr_parse(&remote, "198.51.100.2", 500), 0);
    assert_int_equal(e->be.send(e->be.opaque, &local, &remote, msg, sizeof(msg)), 0);
    struct rte_mbuf *f[4];
    assert_int_equal(rte_ring_dequeue_burst(e->tx[UP1], (void **)f, 4, NULL), 1);
    const struct rte_ipv4_hdr *ip =
        rte_pktmbuf_mtod_offset(f[0], const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
    assert_int_equal(ip->src_addr, ip4("198.51.100.11"));
    rte_pktmbuf_free(f[0]);
    assert_int_equal(ike_addr_parse(&local, "203.0.113.1", 4500), 0);
    assert_int_equal(ike_addr_parse(&remote, "203.0.113.2", 4500), 0);
    assert_int_equal(e->be.send(e->be.opaque, &local, &remote, msg, sizeof(msg)), 0);
    assert_int_equal(rte_ring_dequeue_burst(e->tx[UP2], (void **)f, 4, NULL), 1);
    ip = rte_pktmbuf_mtod_offset(f[0], const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
    assert_int_equal(ip->src_addr, ip4("203.0.113.1"));
    rte_pktmbuf_free(f[0]);
    /* Not an address of ours: refused, counted. */
    assert_int_equal(ike_addr_parse(&local, "198.51.100.12", 500), 0);
    assert_int_equal(e->be.send(e->be.opaque, &local, &remote, msg, sizeof(msg)), -EADDRNOTAVAIL);
    assert_int_equal(e->ctrl.counters.tx_no_port, 1);
}

static void test_runtime_add_and_del(void **state)
{
    (void)state;
    char err[256];
    uint64_t before = dp_route_table_addr_changes(&e->routes);
    struct dp_addr a = addr("198.51.100.21", 24, UP1);
    assert_int_equal(classify(frame4(ip4("198.51.100.21"), IPPROTO_UDP, 500)), DP_CLASS_PLAIN);
    assert_int_equal(dp_route_table_addr_add(&e->routes, &a, err, sizeof(err)), 0);
    assert_int_equal(dp_route_table_addr_changes(&e->routes), before + 1);
    /* The workers' next table has it; the routes stayed. */
    assert_int_equal(classify(frame4(ip4("198.51.100.21"), IPPROTO_UDP, 500)), DP_CLASS_CONTROL);
    assert_int_equal(dp_route_table_current(&e->routes)->nhops, 2);
    /* The control lcore answers ARP for it, and tells the link about it once. */
    uint16_t op[4];
    uint32_t sip[4], tip[4];
    dp_ctrl_announce(&e->ctrl, dp_addrs_find(dp_ctrl_addrs(&e->ctrl), 4, a.ip));
    assert_int_equal(arp_sent(UP1, op, sip, tip, 4), 1);
    assert_int_equal(op[0], RTE_ARP_OP_REQUEST);
    assert_int_equal(sip[0], ip4("198.51.100.21"));
    assert_int_equal(tip[0], ip4("198.51.100.21"));
    arp_ask(UP1, ip4("198.51.100.2"), ip4("198.51.100.21"));
    assert_int_equal(arp_sent(UP1, op, sip, tip, 4), 1);
    assert_int_equal(op[0], RTE_ARP_OP_REPLY);
    /* A new subnet is connected at once. */
    struct dp_addr b = addr("10.9.0.1", 16, UP2);
    assert_int_equal(dp_route_table_addr_add(&e->routes, &b, err, sizeof(err)), 0);
    struct dp_next_hop nh;
    assert_true(dp_route_lookup(dp_route_table_current(&e->routes), ip4("10.9.3.3"), &nh));
    assert_int_equal(nh.port_index, UP2);
    assert_int_equal(nh.ip, ip4("10.9.3.3"));
    /* Refused, and nothing changed: twice, a port that does not exist. */
    before = dp_route_table_addr_changes(&e->routes);
    assert_int_equal(dp_route_table_addr_add(&e->routes, &a, err, sizeof(err)), -EEXIST);
    struct dp_addr c = addr("10.10.0.1", 24, 7);
    assert_int_equal(dp_route_table_addr_add(&e->routes, &c, err, sizeof(err)), -EINVAL);
    struct dp_addr narrow = addr("2001:db8:3::1", 64, UP2);
    assert_int_equal(dp_route_table_addr_add(&e->routes, &narrow, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "below IPv6's minimum"));
    /* The default route's next hop is on 203.0.113.1's subnet alone: that one stays. */
    struct dp_addr up2 = addr("203.0.113.1", 24, UP2);
    assert_int_equal(dp_route_table_addr_del(&e->routes, UP2, 4, up2.ip, err, sizeof(err)), -EBUSY);
    assert_non_null(strstr(err, "203.0.113.254"));
    struct dp_addr second = addr("192.0.2.1", 28, UP1);
    assert_int_equal(dp_route_table_addr_del(&e->routes, UP1, 4, second.ip, err, sizeof(err)),
                     -EBUSY);
    assert_int_equal(dp_route_table_addr_changes(&e->routes), before);
    /* Removed: not ours, no ARP answer, its subnet gone. */
    assert_int_equal(dp_route_table_addr_del(&e->routes, UP1, 4, a.ip, err, sizeof(err)), 0);
    assert_int_equal(classify(frame4(ip4("198.51.100.21"), IPPROTO_UDP, 500)), DP_CLASS_PLAIN);
    arp_ask(UP1, ip4("198.51.100.2"), ip4("198.51.100.21"));
    assert_int_equal(arp_sent(UP1, op, sip, tip, 4), 0);
    assert_int_equal(dp_route_table_addr_del(&e->routes, UP2, 4, b.ip, err, sizeof(err)), 0);
    assert_true(dp_route_lookup(dp_route_table_current(&e->routes), ip4("10.9.3.3"), &nh));
    assert_int_equal(nh.ip, ip4("203.0.113.254")); /* the default route now */
    assert_int_equal(dp_route_table_addr_del(&e->routes, UP1, 4, a.ip, err, sizeof(err)), -ENOENT);
    /* Two adds and two deletes went through; the refusals are not counted. */
    static struct dp_addrs copy;
    uint64_t edits;
    dp_route_table_addrs(&e->routes, &copy, &edits);
    assert_int_equal(edits, 4);
    assert_int_equal(copy.n, 6);
}

/* The one ND frame port sent, parsed (the test fails unless there is exactly one). */
static struct dp_nd_msg nd_sent(unsigned port, struct rte_ether_addr *dst_mac)
{
    struct rte_mbuf *f[4];
    assert_int_equal(rte_ring_dequeue_burst(e->tx[port], (void **)f, 4, NULL), 1);
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(f[0], const struct rte_ether_hdr *);
    *dst_mac = eth->dst_addr;
    struct dp_nd_msg nd;
    assert_int_equal(
        dp_nd_parse((const uint8_t *)(eth + 1), rte_pktmbuf_data_len(f[0]) - sizeof(*eth), &nd),
        DP_ND_OK);
    rte_pktmbuf_free(f[0]);
    return nd;
}

/* IPv6: an address added at run time is announced to all nodes and its solicitations answered. */
static void test_ipv6_added(void **state)
{
    (void)state;
    char err[256];
    struct dp_addr a = addr("2001:db8:1::5", 64, UP1), peer6 = addr("2001:db8:1::2", 128, 0);
    assert_int_equal(dp_route_table_addr_add(&e->routes, &a, err, sizeof(err)), 0);
    dp_ctrl_announce(&e->ctrl, dp_addrs_find(dp_ctrl_addrs(&e->ctrl), 6, a.ip));
    struct rte_ether_addr mac;
    struct dp_nd_msg nd = nd_sent(UP1, &mac);
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
    assert_int_equal(nd.type, DP_ICMP6_NEIGHBOR_ADVERT);
    assert_memory_equal(nd.target, a.ip, 16);
    assert_memory_equal(nd.dst, all_nodes, 16);
    assert_memory_equal(mac.addr_bytes, "\x33\x33\x00\x00\x00\x01", 6);
    assert_int_equal(nd.flags & DP_ND_FLAG_SOLICITED, 0);
    /* A solicitation for it from the peer: answered with it as target, to the peer. */
    struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
    assert_non_null(m);
    assert_true(dp_nd_build_solicit(m, &peer, peer6.ip, a.ip));
    m->port = e->ports[UP1].id;
    assert_int_equal(rte_ring_enqueue(e->to_ctrl, m), 0);
    assert_int_equal(dp_ctrl_poll(&e->ctrl), 1);
    nd = nd_sent(UP1, &mac);
    assert_int_equal(nd.type, DP_ICMP6_NEIGHBOR_ADVERT);
    assert_memory_equal(nd.target, a.ip, 16);
    assert_memory_equal(nd.dst, peer6.ip, 16);
    assert_true(nd.flags & DP_ND_FLAG_SOLICITED);
    /* The classifier takes its solicited-node group. */
    uint8_t group[16];
    dp_nd_solicited_node(a.ip, group);
    assert_true(dp_addrs_solicited(&dp_route_table_current(&e->routes)->addrs, group));
    assert_int_equal(dp_route_table_addr_del(&e->routes, UP1, 6, a.ip, err, sizeof(err)), 0);
    assert_false(dp_addrs_solicited(&dp_route_table_current(&e->routes)->addrs, group));
}

static void test_last_address_stays(void **state)
{
    (void)state;
    char err[256];
    /* A second address on up2 lets the default route's next hop move off 203.0.113.1 ... */
    struct dp_addr other = addr("203.0.113.9", 24, UP2), first = addr("203.0.113.1", 24, UP2);
    assert_int_equal(dp_route_table_addr_add(&e->routes, &other, err, sizeof(err)), 0);
    assert_int_equal(dp_route_table_addr_del(&e->routes, UP2, 4, first.ip, err, sizeof(err)), 0);
    /* ... but a port keeps one address at least. */
    assert_int_equal(dp_route_table_addr_del(&e->routes, UP2, 4, other.ip, err, sizeof(err)),
                     -EBUSY);
    assert_non_null(strstr(err, "last address"));
    /* The source for up2 is now the one left, also for the ARP of an unknown next hop. */
    uint32_t to = ip4("203.0.113.50");
    const struct dp_addr *src = dp_addrs_source(dp_ctrl_addrs(&e->ctrl), UP2, 4, &to);
    assert_memory_equal(src->ip, other.ip, 4);
    assert_int_equal(dp_route_table_addr_add(&e->routes, &first, err, sizeof(err)), 0);
    assert_int_equal(dp_route_table_addr_del(&e->routes, UP2, 4, other.ip, err, sizeof(err)), 0);
}

static int group_setup(void **state)
{
    (void)state;
    if (test_eal_init("test_multihome", "0", "400") < 0)
        return -1;
    static struct env env;
    e = &env;
    e->pool = rte_pktmbuf_pool_create("multihome", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    e->to_ctrl = rte_ring_create("mh_to_ctrl", 64, 0, RING_F_SC_DEQ);
    if (e->pool == NULL || e->to_ctrl == NULL ||
        test_dp_port(&e->ports[UP1], UP1, "up1", ip4("198.51.100.1"), e->pool, NULL, &e->tx[UP1]) <
            0 ||
        test_dp_port(&e->ports[UP2], UP2, "up2", ip4("203.0.113.1"), e->pool, NULL, &e->tx[UP2]) <
            0)
        return -1;
    e->ports[UP1].ctrl_txq = e->ports[UP2].ctrl_txq = 0;
    dp_neigh_learn(&e->neigh, ip4("198.51.100.2"), e->ports[UP1].id, &peer, DP_NEIGH_STATIC);
    dp_neigh_learn(&e->neigh, ip4("203.0.113.2"), e->ports[UP2].id, &peer, DP_NEIGH_STATIC);
    const uint16_t mtu[2] = {1500, 1000}; /* up2 cannot carry IPv6 */
    /* The default route on up2's subnet, another on up1's second subnet only. */
    struct conf_route routes[2];
    memset(routes, 0, sizeof(routes));
    routes[1].prefix_len = 16;
    if (ike_addr_parse(&routes[0].to, "0.0.0.0", 0) < 0 ||
        ike_addr_parse(&routes[0].via, "203.0.113.254", 0) < 0 ||
        ike_addr_parse(&routes[1].to, "10.50.0.0", 0) < 0 ||
        ike_addr_parse(&routes[1].via, "192.0.2.14", 0) < 0)
        return -1;
    char err[256];
    static struct dp_addrs s;
    configured(&s);
    if (dp_route_table_init(&e->routes, e->ports, 2, mtu, &s, routes, 2, NULL, err, sizeof(err)) <
        0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    e->ctrl = (struct dp_ctrl){.from_workers = e->to_ctrl,
                               .pool = e->pool,
                               .ports = e->ports,
                               .nports = 2,
                               .neigh = &e->neigh,
                               .routes = &e->routes};
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
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_classify_every_address),
        cmocka_unit_test(test_connected_subnets),
        cmocka_unit_test(test_arp_per_address),
        cmocka_unit_test(test_ike_from_every_address),
        cmocka_unit_test(test_runtime_add_and_del),
        cmocka_unit_test(test_ipv6_added),
        cmocka_unit_test(test_last_address_stays),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
