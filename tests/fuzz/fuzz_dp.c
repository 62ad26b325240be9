/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: what a worker lcore does with a frame off the wire. Each
 * input is one Ethernet frame; it is classified, and then, by its class, put
 * through the admission gate (IKE, ARP), ESP decapsulation against a known SA
 * (ESP, ESP in UDP; AES-GCM, and AES-CBC + HMAC with and without ESN; outer IPv4 or IPv6) or the
 * policy lookup and ESP encapsulation (plaintext IPv4 or IPv6; IPv6 frames are dispatched here by
 * next header and port). ESP goes through dp_esp_decrypt_burst as a burst of two copies of the
 * frame (the second is a duplicate), plaintext through dp_esp_encrypt_burst as a burst of copies,
 * 17 when the frame is big enough for a set of the widest manager's lanes; the newest SA selects
 * protocols and ports, so every lookup reads the L4 header. Oracles besides the
 * sanitizers: the gate never answers with a reply longer than the request, and nothing forged
 * decrypts (no input knows the key). IPv6 frames also go through the classifier first, and every
 * frame's network layer is fed to the neighbour discovery parser (lib/dp/neigh/nd.c), which must
 * accept nothing but solicitations and advertisements.
 */
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dp_classify.h"
#include "dp_echo.h"
#include "dp_esp.h"
#include "dp_gate.h"
#include "dp_nd.h"
#include "dp_pkt.h"
#include "fuzz_common.h"
#include "fuzz_eal.h"

#define SPI 0x01020304u
#define COPIES 17 /* 16 lanes of the AVX-512 manager, and one for the SSE manager */

struct fuzz_dp {
    struct rte_mempool *pool;
    struct dp_sadb sadb;
    struct dp_esp_engine esp;
    struct dp_addrs local;
    struct dp_gate_shared gate;
    struct dp_gate_worker gw;
};

static struct fuzz_dp *env;

/*
 * The SA variants the ESP engine has, each under its own SPI: over IPv4,
 * AES-GCM-128, AES-CBC-256 + HMAC-SHA-512, and AES-CBC-128 + HMAC-SHA-256 with
 * ESN (which carries IPv4-outer plaintext); over IPv6, AES-GCM-256 in plain
 * ESP and AES-CBC-128 + HMAC-SHA1 with ESN in UDP (which carries the rest).
 */
static const uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}; /* 2001:db8::1 */

static void install_sa(struct dp_sadb *db, uint32_t spi, uint16_t encr, uint16_t bits,
                       uint16_t integ, size_t integ_len, bool esn, unsigned outer, bool udp)
{
    struct ike_child_sa c;
    memset(&c, 0, sizeof(c));
    c.spi_in = spi;
    c.spi_out = spi ^ 0x0a0b0c0d;
    c.alg.encr.id = encr;
    c.alg.encr.key_bits = bits;
    c.alg.integ = integ;
    c.alg.esn = esn ? IKE_ESN_ESN : IKE_ESN_NO_ESN;
    c.encr_key_len = bits / 8u + (encr == IKE_ENCR_AES_GCM_16 ? 4 : 0);
    c.integ_key_len = integ_len;
    memset(c.encr_in, 0x11, sizeof(c.encr_in));
    memset(c.encr_out, 0x22, sizeof(c.encr_out));
    memset(c.integ_in, 0x33, sizeof(c.integ_in));
    memset(c.integ_out, 0x44, sizeof(c.integ_out));
    c.local.family = c.remote.family = (uint8_t)outer;
    if (outer == 6) {
        memcpy(c.local.ip, gw6, 16);
        memcpy(c.remote.ip, gw6, 16);
        c.remote.ip[15] = 2;
    } else {
        memcpy(c.local.ip, (const uint8_t[]){198, 51, 100, 1}, 4);
        memcpy(c.remote.ip, (const uint8_t[]){198, 51, 100, 2}, 4);
    }
    c.udp_encap = udp;
    c.remote.port = udp ? 4500 : 0;
    /*
     * Both families; the IPv6-outer SAs, installed last, only the lower half
     * of each address space: plaintext of either family then reaches either
     * outer family, by its addresses.
     */
    c.ts_local.nts = c.ts_remote.nts = 2;
    c.ts_local.ts[0] = (struct ike_ts){
        .type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535, .end_addr = {255, 255, 255, 255}};
    c.ts_local.ts[1] = (struct ike_ts){.type = IKE_TS_IPV6_ADDR_RANGE, .end_port = 65535};
    memset(c.ts_local.ts[1].end_addr, 0xff, 16);
    if (outer == 6)
        c.ts_local.ts[0].end_addr[0] = c.ts_local.ts[1].end_addr[0] = 0x7f;
    c.ts_remote = c.ts_local;
    FUZZ_CHECK(dp_sadb_install(db, &c, NULL, 0) == 0);
}

/*
 * Installed last, so newest: selectors naming protocols and ports (TCP to
 * port 80, UDP from 53, ICMP echo requests, ICMPv6 and OPAQUE TCP over IPv6),
 * which every plaintext lookup tries first and which read its L4 header:
 * IPv4 options, IPv6 extension headers, fragments. Its SPIs are no input's.
 */
static void install_port_sa(struct dp_sadb *db)
{
    struct ike_child_sa c;
    memset(&c, 0, sizeof(c));
    c.spi_in = 0x7e570001;
    c.spi_out = 0x7e570002;
    c.alg.encr.id = IKE_ENCR_AES_GCM_16;
    c.alg.encr.key_bits = 128;
    c.alg.esn = IKE_ESN_NO_ESN;
    c.encr_key_len = 20;
    c.local.family = c.remote.family = 4;
    memcpy(c.local.ip, (const uint8_t[]){198, 51, 100, 1}, 4);
    memcpy(c.remote.ip, (const uint8_t[]){198, 51, 100, 2}, 4);
    const struct ike_ts all4 = {
        .type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535, .end_addr = {255, 255, 255, 255}};
    struct ike_ts all6 = {.type = IKE_TS_IPV6_ADDR_RANGE, .end_port = 65535};
    memset(all6.end_addr, 0xff, 16);
    c.ts_local.nts = c.ts_remote.nts = 4;
    for (unsigned i = 0; i < 4; i++)
        c.ts_local.ts[i] = c.ts_remote.ts[i] = i < 2 ? all4 : all6;
    c.ts_remote.ts[0].ip_proto = 6; /* tcp/80 */
    c.ts_remote.ts[0].start_port = c.ts_remote.ts[0].end_port = 80;
    c.ts_local.ts[1].ip_proto = 17; /* udp from 53 */
    c.ts_local.ts[1].start_port = c.ts_local.ts[1].end_port = 53;
    c.ts_remote.ts[1].ip_proto = 1; /* icmp/8 */
    c.ts_remote.ts[1].start_port = 0x0800;
    c.ts_remote.ts[1].end_port = 0x08ff;
    c.ts_remote.ts[2].ip_proto = 58;
    c.ts_remote.ts[3].ip_proto = 6; /* tcp/opaque */
    c.ts_remote.ts[3].start_port = 65535;
    c.ts_remote.ts[3].end_port = 0;
    FUZZ_CHECK(dp_sadb_install(db, &c, NULL, 0) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_eal_init("fuzz_dp");
    static struct fuzz_dp e;
    e.pool = rte_pktmbuf_pool_create("fuzz", 64, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    FUZZ_CHECK(e.pool != NULL);
    char err[128];
    FUZZ_CHECK(dp_sadb_init(&e.sadb, 1, err, sizeof(err)) == 0);
    install_sa(&e.sadb, SPI, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 0, false, 4, true);
    install_sa(&e.sadb, SPI + 2, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, 64, false, 4,
               true);
    install_sa(&e.sadb, SPI + 1, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 32, true, 4,
               true);
    install_sa(&e.sadb, SPI + 3, IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 0, false, 6, false);
    install_sa(&e.sadb, SPI + 4, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 20, true, 6, true);
    install_port_sa(&e.sadb);
    FUZZ_CHECK(dp_esp_engine_init(&e.esp) == 0);
    e.local.n = 4; /* IPv6: the SAs' address and the one the frame6-* seeds are sent to */
    e.local.a[0] = (struct dp_addr){.family = 4, .prefix_len = 24, .ip = {198, 51, 100, 1}};
    e.local.a[1] = (struct dp_addr){.family = 4, .prefix_len = 24, .ip = {198, 51, 100, 100}};
    e.local.a[2] = (struct dp_addr){.family = 6, .prefix_len = 64};
    memcpy(e.local.a[2].ip, gw6, 16);
    e.local.a[3] = (struct dp_addr){
        .family = 6, .prefix_len = 64, .ip = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1}};
    e.gate.mode = CONF_GATE_ON;
    /* Two targets and an anycast address of ours, so fuzzed requests reach every gate path. */
    static struct rp_table table;
    rp_table_init(&table, RP_WEIGHTED_RR, false);
    const struct ike_gw_id targets[2] = {{.type = IKE_GW_IPV4, .len = 4, .value = {192, 0, 2, 9}},
                                         {.type = IKE_GW_IPV4, .len = 4, .value = {192, 0, 2, 10}}};
    FUZZ_CHECK(rp_table_add(&table, &targets[0], 1) == 0);
    FUZZ_CHECK(rp_table_add(&table, &targets[1], 2) == 0);
    struct ike_addr anycast = {.family = 4, .ip = {198, 51, 100, 100}};
    FUZZ_CHECK(rp_table_add_anycast(&table, &anycast) == 0);
    rp_publish(&e.gate.redirect, &table);
    static const uint8_t secret[IKE_COOKIE_SECRET_LEN] = "fuzz_dp cookie secret 0123456789";
    struct ike_cookie_keys keys;
    ike_cookie_keys_init(&keys, secret);
    dp_gate_publish_keys(&e.gate, &keys);
    e.gw.shared = &e.gate;
    e.gw.nworkers = 1;
    env = &e;
    return 0;
}

/* n copies of m, or false when the pool ran dry (the copies made are freed). */
static bool copies(const struct rte_mbuf *m, struct rte_mbuf **out, unsigned n)
{
    if (rte_pktmbuf_alloc_bulk(env->pool, out, n) != 0)
        return false;
    for (unsigned i = 0; i < n; i++) {
        size_t len = rte_pktmbuf_data_len(m);
        memcpy(rte_pktmbuf_append(out[i], (uint16_t)len), rte_pktmbuf_mtod(m, const uint8_t *),
               len);
    }
    return true;
}

static void esp_in(struct rte_mbuf *m, struct dp_worker_counters *c)
{
    const struct rte_ipv4_hdr *ip = dp_ipv4(m);
    size_t off = sizeof(struct rte_ether_hdr) + dp_ipv4_hdr_len(ip) +
                 (ip->next_proto_id == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) : 0);
    struct rte_mbuf *pkts[2];
    size_t offs[2] = {off, off};
    bool ok[2];
    FUZZ_CHECK(copies(m, pkts, 2));
    dp_esp_decrypt_burst(&env->esp, &env->sadb, pkts, offs, 2, ok, c);
    FUZZ_CHECK(!ok[0] && !ok[1]);
    rte_pktmbuf_free_bulk(pkts, 2);
}

static void plain_out(struct rte_mbuf *m, struct dp_worker_counters *c)
{
    const struct rte_ipv4_hdr *ip = dp_ipv4(m);
    struct dp_esp_sa *sa =
        dp_spd_lookup(&env->sadb, ip, rte_pktmbuf_data_len(m) - sizeof(struct rte_ether_hdr));
    if (sa == NULL)
        return;
    unsigned n = rte_pktmbuf_data_len(m) >= 256 ? COPIES : 2;
    struct rte_mbuf *pkts[COPIES];
    struct dp_esp_sa *sas[COPIES];
    bool ok[COPIES];
    FUZZ_CHECK(copies(m, pkts, n));
    for (unsigned i = 0; i < n; i++)
        sas[i] = sa;
    dp_esp_encrypt_burst(&env->esp, sas, pkts, sizeof(struct rte_ether_hdr), n, ok, c);
    rte_pktmbuf_free_bulk(pkts, n);
}

/* An echo request to us: answered in place, the reply exactly the request's size. */
static void echo(struct rte_mbuf *m, struct dp_worker_counters *c)
{
    struct dp_icmp_limiter l;
    dp_icmp_limiter_init(&l, 1000, 1000000, 0); /* starts full */
    uint16_t len = rte_pktmbuf_data_len(m);
    if (dp_echo_answer(&l, m, 9000, 0, c))
        FUZZ_CHECK(rte_pktmbuf_data_len(m) == len);
}

static void gate(struct rte_mbuf *m, struct dp_worker_counters *c)
{
    uint32_t before = rte_pktmbuf_pkt_len(m);
    if (dp_gate_check(&env->gw, m, 1000, c) == DP_GATE_REPLIED)
        FUZZ_CHECK(rte_pktmbuf_pkt_len(m) <= before);
}

/*
 * An IPv6 frame: plaintext to encrypt unless it is to our address; there, ESP
 * or ESP in UDP/4500 (no marker) to decrypt, IKE on 500 or 4500 to the gate,
 * and anything else to the decrypter too, which must refuse extension headers.
 */
static void ipv6_frame(struct rte_mbuf *m, struct dp_worker_counters *c)
{
    const size_t eth = sizeof(struct rte_ether_hdr), ip6 = sizeof(struct rte_ipv6_hdr);
    size_t have = rte_pktmbuf_data_len(m);
    if (have < eth + ip6)
        return;
    const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, eth);
    if (memcmp(ip->dst_addr, gw6, 16) != 0) {
        struct dp_esp_sa *sa = dp_spd_lookup6(&env->sadb, ip, have - eth);
        if (sa != NULL)
            dp_esp_encrypt(&env->esp, sa, m, eth, c);
        return;
    }
    size_t off = eth + ip6;
    if (ip->proto == IPPROTO_UDP && have >= off + sizeof(struct rte_udp_hdr) + 4) {
        const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
        const uint8_t *marker = (const uint8_t *)(udp + 1);
        bool natt = rte_be_to_cpu_16(udp->dst_port) == DP_NATT_PORT;
        if (!natt || (marker[0] | marker[1] | marker[2] | marker[3]) == 0) {
            gate(m, c);
            return;
        }
        off += sizeof(struct rte_udp_hdr);
    }
    FUZZ_CHECK(dp_esp_decrypt(&env->esp, &env->sadb, m, off, c) < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(env->pool);
    FUZZ_CHECK(m != NULL);
    if (size > rte_pktmbuf_tailroom(m))
        size = rte_pktmbuf_tailroom(m);
    memcpy(rte_pktmbuf_append(m, (uint16_t)size), data, size);
    struct dp_worker_counters c;
    memset(&c, 0, sizeof(c));
    if (size > sizeof(struct rte_ether_hdr)) {
        struct dp_nd_msg nd;
        const uint8_t *l3 = data + sizeof(struct rte_ether_hdr);
        size_t l3_len = size - sizeof(struct rte_ether_hdr);
        if (dp_nd_parse(l3, l3_len, &nd) == DP_ND_OK)
            FUZZ_CHECK(nd.type == DP_ICMP6_NEIGHBOR_SOLICIT || nd.type == DP_ICMP6_NEIGHBOR_ADVERT);
    }
    if (size >= sizeof(struct rte_ether_hdr) &&
        rte_be_to_cpu_16(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type) ==
            RTE_ETHER_TYPE_IPV6) {
        if (dp_classify(m, &env->local, &c) == DP_CLASS_ECHO)
            echo(m, &c);
        ipv6_frame(m, &c);
        rte_pktmbuf_free(m);
        return 0;
    }
    switch (dp_classify(m, &env->local, &c)) {
    case DP_CLASS_CONTROL:
        gate(m, &c);
        break;
    case DP_CLASS_ESP:
        esp_in(m, &c);
        break;
    case DP_CLASS_PLAIN:
        plain_out(m, &c);
        break;
    case DP_CLASS_ECHO:
        echo(m, &c);
        break;
    default:
        break;
    }
    rte_pktmbuf_free(m);
    return 0;
}
