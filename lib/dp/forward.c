/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_forward.h"

#include <string.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "dp_esp.h"
#include "dp_pkt.h"

static const struct dp_port *port_on_link(const struct dp_worker *w, uint32_t ip)
{
    for (unsigned i = 0; i < w->nports; i++) {
        if (dp_port_on_link(&w->ports[i], ip))
            return &w->ports[i];
    }
    return NULL;
}

/* Asks who has `ip`; the control lcore learns the answer. */
static void arp_request(struct dp_worker *w, const struct dp_port *p, uint32_t ip,
                        struct rte_mempool *pool)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    if (m == NULL)
        return;
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
    memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
    eth->src_addr = p->mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
    arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
    arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    arp->arp_hlen = RTE_ETHER_ADDR_LEN;
    arp->arp_plen = 4;
    arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
    arp->arp_data.arp_sha = p->mac;
    arp->arp_data.arp_sip = p->ip;
    memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
    arp->arp_data.arp_tip = ip;
    m->data_len = m->pkt_len = sizeof(*eth) + sizeof(*arp);
    if (rte_eth_tx_burst(p->id, (uint16_t)w->index, &m, 1) != 1)
        rte_pktmbuf_free(m);
}

/* Puts an Ethernet header to `next_hop` in front of the IPv4 packet at m's data and sends it. */
static void send_ip(struct dp_worker *w, struct rte_mbuf *m, const struct dp_port *p,
                    uint32_t next_hop)
{
    struct rte_ether_addr mac;
    uint16_t port_id;
    if (!w->neigh || !dp_neigh_lookup(w->neigh, next_hop, &mac, &port_id)) {
        w->counters.drop_no_neighbour++;
        arp_request(w, p, next_hop, m->pool);
        rte_pktmbuf_free(m);
        return;
    }
    struct rte_ether_hdr *eth =
        (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
    if (eth == NULL) {
        w->counters.drop_esp_no_room++;
        rte_pktmbuf_free(m);
        return;
    }
    eth->src_addr = p->mac;
    eth->dst_addr = mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    if (rte_eth_tx_burst(p->id, (uint16_t)w->index, &m, 1) == 1) {
        w->counters.tx_packets++;
    } else {
        w->counters.drop_tx_full++;
        rte_pktmbuf_free(m);
    }
}

/* A router decrements TTL; an expired packet goes no further. */
static bool ttl_ok(struct rte_ipv4_hdr *ip)
{
    if (ip->time_to_live <= 1)
        return false;
    ip->time_to_live--;
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    return true;
}

void dp_forward_esp(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        const struct rte_ipv4_hdr *outer = dp_ipv4(m);
        size_t off = sizeof(struct rte_ether_hdr) + dp_ipv4_hdr_len(outer) +
                     (outer->next_proto_id == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) : 0);
        if (dp_esp_decrypt(&w->esp, w->sadb, m, off, &w->counters) < 0) {
            rte_pktmbuf_free(m);
            continue;
        }
        struct rte_ipv4_hdr *inner = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
        const struct dp_port *p = port_on_link(w, inner->dst_addr);
        if (p == NULL || !ttl_ok(inner)) {
            w->counters.drop_no_route++;
            rte_pktmbuf_free(m);
            continue;
        }
        send_ip(w, m, p, inner->dst_addr);
    }
}

void dp_forward_plain(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        struct rte_ipv4_hdr *ip = dp_ipv4(m);
        struct dp_esp_sa *sa = dp_spd_lookup(w->sadb, ip->src_addr, ip->dst_addr);
        if (sa == NULL) {
            w->counters.drop_no_policy++;
            rte_pktmbuf_free(m);
            continue;
        }
        const struct dp_port *p = port_on_link(w, sa->remote_ip);
        if (p == NULL || !ttl_ok(ip)) {
            w->counters.drop_no_route++;
            rte_pktmbuf_free(m);
            continue;
        }
        if (dp_esp_encrypt(&w->esp, sa, m, sizeof(struct rte_ether_hdr), &w->counters) < 0) {
            rte_pktmbuf_free(m);
            continue;
        }
        send_ip(w, m, p, sa->remote_ip);
    }
}
