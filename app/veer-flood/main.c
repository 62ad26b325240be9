/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * veer-flood: a DPDK load generator for labs without pktgen. It sends new
 * IKE_SA_INIT requests from made-up clients (random SPIs, source addresses
 * and ports from ranges, a valid X25519 KE, with or without
 * REDIRECT_SUPPORTED) at a set rate or as fast as the port takes them, counts
 * the replies by kind, and can return every COOKIE as a real client would.
 * It also sends plain UDP streams for the dataplane benchmarks.
 *
 *   veer-flood -l 0 --no-huge -m 256 --no-pci -- --device DEV --local IP/LEN --dst IP ...
 *
 * One lcore does everything; the last lines of output are the totals, one
 * "key=value" line for scripts (docs/operations.md, "Load generator").
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dp_eal_dir.h"
#include "dp_pkt.h"
#include "flood_args.h"
#include "flood_ike.h"
#include "ike_consts.h"

#define NB_MBUFS 8191
#define MBUF_CACHE 256
#define RX_BURST 64
#define PORT_DESC 1024
#define ARP_TIMEOUT_S 3
#define LINK_TIMEOUT_S 10
#define DRAIN_MS 300 /* replies still on their way when sending stops */
#define FRAME_MAX                                                                                  \
    (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr) +     \
     IKE_NON_ESP_MARKER_LEN + FLOOD_REQUEST_MAX)
#define NONCE_SALT 0x9e3779b97f4a7c15ull

static volatile bool stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = true;
}

struct flood_counters {
    uint64_t sent, tx_full;
    uint64_t rx, rx_arp, arp_answered, rx_other;
    uint64_t replies[FLOOD_REPLY_KINDS];
    uint64_t cookies_returned;
};

struct flood {
    struct flood_args args;
    struct rte_mempool *pool;
    uint16_t port_id;
    struct rte_ether_addr mac;
    bool port_open;
    struct rte_ether_addr dst_mac;
    uint8_t ke[FLOOD_X25519_LEN];
    uint8_t nonce[FLOOD_NONCE_LEN]; /* the first 8 bytes are replaced per request */
    uint8_t frame[FRAME_MAX];       /* the template every packet is copied from */
    size_t frame_len;
    size_t ike_off; /* where the IKE header starts in the frame */
    struct flood_ike_layout layout;
    uint64_t rng;
    struct flood_counters c;
};

/* xorshift64*: fast, and plenty for made-up addresses and SPIs. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

/*
 * The varying part of a request's nonce is a function of its SPI, so that a
 * COOKIE can be answered with the same Ni (RFC 7296 2.6) without keeping any
 * state per request.
 */
static uint64_t nonce_word(uint64_t spi_i)
{
    return (spi_i ^ NONCE_SALT) * 0xff51afd7ed558ccdull;
}

static int make_x25519_public(uint8_t *pub)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    size_t len = FLOOD_X25519_LEN;
    int rc =
        key != NULL && EVP_PKEY_get_raw_public_key(key, pub, &len) == 1 && len == FLOOD_X25519_LEN
            ? 0
            : -1;
    EVP_PKEY_free(key);
    return rc;
}

static size_t udp_payload_off(void)
{
    return sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);
}

static bool natt(const struct flood *f)
{
    return f->args.dst_port == IKE_NATT_PORT;
}

/* Writes the Ethernet/IPv4/UDP headers of a frame carrying `payload_len` bytes. */
static void write_headers(struct flood *f, uint8_t *frame, size_t payload_len)
{
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    eth->dst_addr = f->dst_mac;
    eth->src_addr = f->mac;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    *ip = (struct rte_ipv4_hdr){
        .version_ihl = RTE_IPV4_VHL_DEF,
        .total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + payload_len)),
        .time_to_live = DP_IP_DEFAULT_TTL,
        .next_proto_id = IPPROTO_UDP,
        .dst_addr = f->args.dst_ip,
    };
    udp->dst_port = rte_cpu_to_be_16(f->args.dst_port);
    udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + payload_len));
    udp->dgram_cksum = 0; /* optional over IPv4, and it would change with every source */
}

static int build_template(struct flood *f)
{
    size_t off = udp_payload_off();
    if (f->args.mode == FLOOD_MODE_UDP) {
        size_t payload = f->args.size - sizeof(struct rte_ipv4_hdr) - sizeof(struct rte_udp_hdr);
        memset(f->frame, 0, sizeof(f->frame));
        write_headers(f, f->frame, payload);
        f->frame_len = off + payload;
        return 0;
    }
    size_t marker = natt(f) ? IKE_NON_ESP_MARKER_LEN : 0;
    memset(f->frame + off, 0, marker);
    f->ike_off = off + marker;
    struct flood_ike_request req = {.spi_i = 1,
                                    .ke = f->ke,
                                    .nonce = f->nonce,
                                    .redirect_supported = f->args.redirect_supported};
    long n = flood_ike_build(&req, f->frame + f->ike_off, FLOOD_REQUEST_MAX, &f->layout);
    if (n < 0)
        return -1;
    write_headers(f, f->frame, marker + (size_t)n);
    f->frame_len = f->ike_off + (size_t)n;
    return 0;
}

/* Fills one packet from the template with a new client: address, port, SPI, nonce. */
static void fill_packet(struct flood *f, struct rte_mbuf *m)
{
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
    rte_memcpy(p, f->frame, f->frame_len);
    m->data_len = (uint16_t)f->frame_len;
    m->pkt_len = f->frame_len;
    uint64_t r = next_random(&f->rng);
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + sizeof(struct rte_ether_hdr));
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    ip->src_addr = rte_cpu_to_be_32(f->args.src_net + (uint32_t)(r % f->args.src_count));
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    uint32_t span = (uint32_t)(f->args.sport_max - f->args.sport_min) + 1;
    udp->src_port = rte_cpu_to_be_16((uint16_t)(f->args.sport_min + (r >> 32) % span));
    if (f->args.mode != FLOOD_MODE_IKE)
        return;
    uint64_t spi = next_random(&f->rng) | 1; /* never zero */
    uint8_t *ike = p + f->ike_off;
    uint64_t spi_be = rte_cpu_to_be_64(spi), nw = rte_cpu_to_be_64(nonce_word(spi));
    memcpy(ike + f->layout.spi_i_off, &spi_be, 8);
    memcpy(ike + f->layout.nonce_off, &nw, 8);
}

/* Sends up to n new packets; returns how many the port took. */
static unsigned send_burst(struct flood *f, unsigned n)
{
    struct rte_mbuf *pkts[256];
    if (rte_pktmbuf_alloc_bulk(f->pool, pkts, n) != 0) {
        f->c.tx_full += n;
        return 0;
    }
    for (unsigned i = 0; i < n; i++)
        fill_packet(f, pkts[i]);
    uint16_t sent = rte_eth_tx_burst(f->port_id, 0, pkts, (uint16_t)n);
    if (sent < n) {
        f->c.tx_full += n - sent;
        rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    }
    f->c.sent += sent;
    return sent;
}

/* An ARP request for our address or one of the made-up clients: answered in place. */
static bool answer_arp(struct flood *f, struct rte_mbuf *m)
{
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(struct rte_arp_hdr))
        return false;
    struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
    if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
        return false;
    uint32_t tip = arp->arp_data.arp_tip;
    uint32_t host = rte_be_to_cpu_32(tip);
    if (tip != f->args.local_ip && (host - f->args.src_net) >= f->args.src_count)
        return false;
    arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
    arp->arp_data.arp_tha = arp->arp_data.arp_sha;
    arp->arp_data.arp_tip = arp->arp_data.arp_sip;
    arp->arp_data.arp_sha = f->mac;
    arp->arp_data.arp_sip = tip;
    eth->dst_addr = eth->src_addr;
    eth->src_addr = f->mac;
    return true;
}

/* Turns a COOKIE reply into the client's retry: same SPI, nonce and addresses, cookie first. */
static bool return_cookie(struct flood *f, struct rte_mbuf *m, const struct flood_reply *r)
{
    uint8_t cookie[FLOOD_COOKIE_MAX], nonce[FLOOD_NONCE_LEN];
    memcpy(cookie, r->cookie, r->cookie_len);
    memcpy(nonce, f->nonce, sizeof(nonce));
    uint64_t nw = rte_cpu_to_be_64(nonce_word(r->spi_i));
    memcpy(nonce, &nw, 8);
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((uint8_t *)ip + dp_ipv4_hdr_len(ip));
    struct rte_ether_addr gw_mac = eth->src_addr;
    uint32_t client_ip = ip->dst_addr, gw_ip = ip->src_addr;
    uint16_t client_port = rte_be_to_cpu_16(udp->dst_port),
             gw_port = rte_be_to_cpu_16(udp->src_port);
    size_t marker = gw_port == IKE_NATT_PORT ? IKE_NON_ESP_MARKER_LEN : 0;
    uint8_t *payload = rte_pktmbuf_mtod_offset(m, uint8_t *, udp_payload_off());
    if (rte_pktmbuf_tailroom(m) + rte_pktmbuf_data_len(m) <
        udp_payload_off() + marker + FLOOD_REQUEST_MAX)
        return false;
    struct flood_ike_request req = {.spi_i = r->spi_i,
                                    .ke = f->ke,
                                    .nonce = nonce,
                                    .cookie = cookie,
                                    .cookie_len = r->cookie_len,
                                    .redirect_supported = f->args.redirect_supported};
    memset(payload, 0, marker);
    long n = flood_ike_build(&req, payload + marker, FLOOD_REQUEST_MAX, NULL);
    if (n < 0)
        return false;
    dp_build_udp4(m, &f->mac, &gw_mac, client_ip, gw_ip, client_port, gw_port, marker + (size_t)n);
    return true;
}

/* Judges one received frame; returns true when it was turned into something to send. */
static bool handle_rx(struct flood *f, struct rte_mbuf *m)
{
    f->c.rx++;
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    if (rte_pktmbuf_data_len(m) < sizeof(*eth)) {
        f->c.rx_other++;
        return false;
    }
    if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
        f->c.rx_arp++;
        bool reply = answer_arp(f, m);
        f->c.arp_answered += reply;
        return reply;
    }
    const struct rte_ipv4_hdr *ip = dp_ipv4(m);
    if (ip == NULL || eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
        ip->next_proto_id != IPPROTO_UDP || ip->src_addr != f->args.dst_ip) {
        f->c.rx_other++;
        return false;
    }
    size_t l4 = sizeof(*eth) + dp_ipv4_hdr_len(ip);
    if (rte_pktmbuf_data_len(m) < l4 + sizeof(struct rte_udp_hdr)) {
        f->c.rx_other++;
        return false;
    }
    const struct rte_udp_hdr *udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, l4);
    uint16_t sport = rte_be_to_cpu_16(udp->src_port);
    size_t udp_len = rte_be_to_cpu_16(udp->dgram_len);
    size_t avail = rte_pktmbuf_data_len(m) - l4;
    if ((sport != IKE_PORT && sport != IKE_NATT_PORT) || udp_len < sizeof(*udp) ||
        udp_len > avail) {
        f->c.rx_other++;
        return false;
    }
    const uint8_t *ike = (const uint8_t *)(udp + 1);
    size_t len = udp_len - sizeof(*udp);
    if (sport == IKE_NATT_PORT) {
        static const uint8_t marker[IKE_NON_ESP_MARKER_LEN];
        if (len < sizeof(marker) || memcmp(ike, marker, sizeof(marker)) != 0) {
            f->c.rx_other++; /* ESP */
            return false;
        }
        ike += sizeof(marker);
        len -= sizeof(marker);
    }
    struct flood_reply r;
    flood_ike_classify(ike, len, &r);
    f->c.replies[r.kind]++;
    if (r.kind == FLOOD_REPLY_COOKIE && f->args.answer_cookies && return_cookie(f, m, &r)) {
        f->c.cookies_returned++;
        return true;
    }
    return false;
}

static void poll_queue(struct flood *f, uint16_t q)
{
    struct rte_mbuf *pkts[RX_BURST], *out[RX_BURST];
    uint16_t n = rte_eth_rx_burst(f->port_id, q, pkts, RX_BURST);
    unsigned nout = 0;
    for (uint16_t i = 0; i < n; i++) {
        if (handle_rx(f, pkts[i]))
            out[nout++] = pkts[i];
        else
            rte_pktmbuf_free(pkts[i]);
    }
    if (nout > 0) {
        uint16_t sent = rte_eth_tx_burst(f->port_id, 0, out, (uint16_t)nout);
        if (sent < nout) {
            f->c.tx_full += nout - sent;
            rte_pktmbuf_free_bulk(out + sent, nout - sent);
        }
    }
}

static void poll_rx(struct flood *f)
{
    for (uint16_t q = 0; q < f->args.rx_queues; q++)
        poll_queue(f, q);
}

/* Finds the gateway's MAC with ARP (bounded wait). */
static int resolve_dst(struct flood *f)
{
    uint64_t hz = rte_get_tsc_hz(), deadline = rte_rdtsc() + ARP_TIMEOUT_S * hz, next_ask = 0;
    uint16_t q = 0; /* every RX queue in turn: the answer comes on the peer's control queue */
    while (rte_rdtsc() < deadline && !stop_requested) {
        if (rte_rdtsc() >= next_ask) {
            struct rte_mbuf *m = rte_pktmbuf_alloc(f->pool);
            if (m == NULL)
                return -1;
            struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
            struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
            memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
            eth->src_addr = f->mac;
            eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
            *arp = (struct rte_arp_hdr){
                .arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER),
                .arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4),
                .arp_hlen = RTE_ETHER_ADDR_LEN,
                .arp_plen = 4,
                .arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST),
                .arp_data = {.arp_sha = f->mac,
                             .arp_sip = f->args.local_ip,
                             .arp_tip = f->args.dst_ip},
            };
            m->data_len = m->pkt_len = sizeof(*eth) + sizeof(*arp);
            if (rte_eth_tx_burst(f->port_id, 0, &m, 1) != 1)
                rte_pktmbuf_free(m);
            next_ask = rte_rdtsc() + hz / 4;
        }
        struct rte_mbuf *pkts[RX_BURST];
        uint16_t n = rte_eth_rx_burst(f->port_id, q, pkts, RX_BURST);
        q = (uint16_t)((q + 1) % f->args.rx_queues);
        for (uint16_t i = 0; i < n; i++) {
            struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
            struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
            if (rte_pktmbuf_data_len(pkts[i]) >= sizeof(*eth) + sizeof(*arp) &&
                eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
                arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY) &&
                arp->arp_data.arp_sip == f->args.dst_ip) {
                f->dst_mac = arp->arp_data.arp_sha;
                rte_pktmbuf_free_bulk(pkts + i, n - i);
                return 0;
            }
            rte_pktmbuf_free(pkts[i]);
        }
    }
    return -1;
}

static void print_totals(const struct flood *f, const char *what, double secs)
{
    const struct flood_counters *c = &f->c;
    uint64_t replies = 0;
    for (unsigned k = 0; k < FLOOD_REPLY_KINDS; k++)
        replies += c->replies[k];
    double s = secs > 0 ? secs : 1;
    printf("%s %.2f s: sent %" PRIu64 " (%.3f Mpps), replies %" PRIu64 " (%.3f Mpps):", what, secs,
           c->sent, c->sent / s / 1e6, replies, replies / s / 1e6);
    for (unsigned k = 0; k < FLOOD_REPLY_KINDS; k++)
        if (c->replies[k] > 0)
            printf(" %s %" PRIu64, flood_reply_kind_name(k), c->replies[k]);
    printf("\n");
    fflush(stdout);
}

static void print_result(const struct flood *f, double secs)
{
    const struct flood_counters *c = &f->c;
    printf("RESULT seconds=%.3f sent=%" PRIu64 " tx_full=%" PRIu64 " rx=%" PRIu64
           " arp_answered=%" PRIu64 " rx_other=%" PRIu64 " cookies_returned=%" PRIu64,
           secs, c->sent, c->tx_full, c->rx, c->arp_answered, c->rx_other, c->cookies_returned);
    for (unsigned k = 0; k < FLOOD_REPLY_KINDS; k++)
        printf(" %s=%" PRIu64, flood_reply_kind_name(k), c->replies[k]);
    printf("\n");
}

/* Sends for the configured time or count, at the configured rate, answering as it goes. */
static double run(struct flood *f)
{
    uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc();
    uint64_t end = f->args.duration > 0 ? start + (uint64_t)(f->args.duration * (double)hz) : 0;
    uint64_t stats_every = (uint64_t)(f->args.stats_interval * (double)hz),
             next_stats = start + stats_every;
    double per_tick = (double)f->args.rate / (double)hz;
    uint64_t now = start;
    while (!stop_requested) {
        now = rte_rdtsc();
        if ((end != 0 && now >= end) || (f->args.count != 0 && f->c.sent >= f->args.count))
            break;
        uint64_t n = f->args.burst;
        if (f->args.rate != 0) {
            uint64_t due = (uint64_t)((double)(now - start) * per_tick);
            n = due > f->c.sent ? RTE_MIN(due - f->c.sent, n) : 0;
        }
        if (f->args.count != 0)
            n = RTE_MIN(n, f->args.count - f->c.sent);
        if (n > 0)
            send_burst(f, (unsigned)n);
        poll_rx(f);
        if (stats_every != 0 && now >= next_stats) {
            print_totals(f, "veer-flood", (double)(now - start) / (double)hz);
            next_stats += stats_every;
        }
    }
    double secs = (double)(now - start) / (double)hz;
    uint64_t drain_end = rte_rdtsc() + hz * DRAIN_MS / 1000;
    while (rte_rdtsc() < drain_end)
        poll_rx(f);
    return secs;
}

/*
 * Hot-plugs and starts the port with the queue counts asked for: a memif peer
 * needs our RX queues to match its TX queues (veer: workers + 1) and our TX
 * queues its RX queues (veer: workers).
 */
static int open_port(struct flood *f, char *err, size_t err_len)
{
    char name[RTE_ETH_NAME_MAX_LEN];
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(f->args.device, ","), f->args.device);
    uint16_t id;
    int rc = 0;
    if (rte_eth_dev_get_port_by_name(name, &id) != 0 &&
        ((rc = rte_dev_probe(f->args.device)) < 0 ||
         rte_eth_dev_get_port_by_name(name, &id) != 0)) {
        snprintf(err, err_len, "cannot attach %s: %s", f->args.device,
                 rte_strerror(rc < 0 ? -rc : ENODEV));
        return -1;
    }
    f->port_id = id;
    struct rte_eth_conf conf = {0};
    rc = rte_eth_dev_configure(id, f->args.rx_queues, 1, &conf);
    uint16_t rxd = PORT_DESC, txd = PORT_DESC;
    if (rc == 0)
        rc = rte_eth_dev_adjust_nb_rx_tx_desc(id, &rxd, &txd);
    for (uint16_t q = 0; q < f->args.rx_queues && rc == 0; q++)
        rc = rte_eth_rx_queue_setup(id, q, rxd, (unsigned)rte_eth_dev_socket_id(id), NULL, f->pool);
    if (rc == 0)
        rc = rte_eth_tx_queue_setup(id, 0, txd, (unsigned)rte_eth_dev_socket_id(id), NULL);
    if (rc == 0)
        rc = rte_eth_macaddr_get(id, &f->mac);
    if (rc == 0)
        rc = rte_eth_dev_start(id);
    if (rc != 0) {
        snprintf(err, err_len, "port %s: %s", f->args.device, rte_strerror(-rc));
        return -1;
    }
    return 0;
}

/* memif and af_packet links come up a moment after the start: wait for it (bounded). */
static int wait_link_up(struct flood *f)
{
    uint64_t hz = rte_get_tsc_hz(), deadline = rte_rdtsc() + LINK_TIMEOUT_S * hz;
    while (rte_rdtsc() < deadline && !stop_requested) {
        struct rte_eth_link link;
        if (rte_eth_link_get_nowait(f->port_id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP)
            return 0;
        rte_delay_ms(10);
    }
    return -1;
}

static int setup(struct flood *f)
{
    char err[256];
    f->pool = rte_pktmbuf_pool_create("flood_pool", NB_MBUFS, MBUF_CACHE, 0,
                                      RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
    if (f->pool == NULL) {
        fprintf(stderr, "veer-flood: no memory for mbufs\n");
        return -1;
    }
    if (open_port(f, err, sizeof(err)) != 0) {
        fprintf(stderr, "veer-flood: %s\n", err);
        return -1;
    }
    f->port_open = true;
    rte_eth_promiscuous_enable(f->port_id); /* replies may be addressed to any client's MAC */
    if (wait_link_up(f) != 0) {
        fprintf(stderr, "veer-flood: port link still down after %d s\n", LINK_TIMEOUT_S);
        return -1;
    }
    if (resolve_dst(f) != 0) {
        fprintf(stderr, "veer-flood: no ARP answer from the gateway in %d s\n", ARP_TIMEOUT_S);
        return -1;
    }
    char mac[RTE_ETHER_ADDR_FMT_SIZE];
    rte_ether_format_addr(mac, sizeof(mac), &f->dst_mac);
    printf("veer-flood: gateway is at %s\n", mac);
    for (unsigned i = 0; i < sizeof(f->nonce); i++)
        f->nonce[i] = (uint8_t)next_random(&f->rng);
    if (f->args.mode == FLOOD_MODE_IKE && make_x25519_public(f->ke) != 0) {
        fprintf(stderr, "veer-flood: OpenSSL could not make an X25519 key\n");
        return -1;
    }
    if (build_template(f) != 0) {
        fprintf(stderr, "veer-flood: the request does not fit\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    /*
     * Scripts wait for its lines ("gateway is at", RESULT) through a pipe or a
     * file: line-buffered, they arrive when written. stdbuf cannot do this for
     * an ASan build (its preload comes before the ASan runtime).
     */
    setvbuf(stdout, NULL, _IOLBF, 0);
    int eal = rte_eal_init(argc, argv);
    if (eal < 0) {
        fprintf(stderr, "veer-flood: EAL initialisation failed\n");
        return 1;
    }
    char eal_dir[DP_EAL_DIR_MAX];
    dp_eal_dir_note(eal_dir);
    struct flood *f = calloc(1, sizeof(*f));
    if (f == NULL || flood_args_parse(&f->args, argc - eal, argv + eal) != 0) {
        free(f);
        rte_eal_cleanup();
        dp_eal_dir_remove(eal_dir);
        return 2;
    }
    f->rng = f->args.seed | 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    int rc = 1;
    if (setup(f) == 0) {
        double secs = run(f);
        print_totals(f, "veer-flood total", secs);
        print_result(f, secs);
        rc = 0;
    }
    if (f->port_open) {
        rte_eth_dev_stop(f->port_id);
        rte_eth_dev_close(f->port_id);
    }
    free(f);
    rte_eal_cleanup();
    dp_eal_dir_remove(eal_dir);
    return rc;
}
