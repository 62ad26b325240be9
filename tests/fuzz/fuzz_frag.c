/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: IPv4 and IPv6 fragmentation and reassembly (lib/dp/
 * frag.c, src_frag.c, reass.c, reass6.c). An input is a sequence of
 * records, each [mtu selector][clock step][length, 2 bytes little-endian]
 * [Ethernet frame]. Every frame is classified as a worker would; fragments
 * to us, IPv4 or IPv6, go into one reassembly table that lives for the whole
 * input (so a sequence can complete, duplicate, overlap or overflow
 * datagrams, and mix the families), with the clock moving by the step; a
 * datagram made whole (or an IPv6 atomic fragment unwrapped) is classified
 * again. Every plaintext IPv4 frame is also fragmented at the record's MTU
 * as the workers do (frag.c); every plaintext IPv6 frame's payload is sent
 * as a UDP datagram in IPv6 fragments as the control lcore does (src_frag.c),
 * and every plaintext packet of either family is cut into outer fragments as
 * a worker cuts a sealed ESP packet (post_frag.c).
 *
 * Oracles besides the sanitizers: fragments never exceed the MTU and never
 * end off an 8-byte boundary but the last; a packet (or datagram) of 2 to 8
 * fragments, fed to a second table, comes back whole and byte for byte its
 * original; nothing reassembled is a fragment again; and at the end of each
 * input every mbuf is back in the pool (nothing leaked, nothing held).
 */
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dp_classify.h"
#include "dp_frag.h"
#include "dp_pkt.h"
#include "dp_post_frag.h"
#include "dp_reass.h"
#include "dp_src_frag.h"
#include "fuzz_common.h"
#include "fuzz_eal.h"

#define POOL 512
#define BIG_POOL 8
#define ETH 14
#define MAX_RECORDS 64
#define FAR_FUTURE (UINT64_MAX / 2)

struct fuzz_frag {
    struct rte_mempool *pool, *big;
    struct dp_addrs local;
    struct dp_reass reass, oracle;
    struct dp_frag_ids ids;
};

static struct fuzz_frag *env;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_eal_init("fuzz_frag");
    static struct fuzz_frag e;
    e.pool = rte_pktmbuf_pool_create("fuzz", POOL, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    e.big =
        rte_pktmbuf_pool_create("fuzz_big", BIG_POOL, 0, 0, RTE_PKTMBUF_HEADROOM + ETH + 12288, 0);
    FUZZ_CHECK(e.pool != NULL && e.big != NULL);
    char err[128];
    /* Small tables, short timeouts (1000 cycles a ms): full tables and expiry are reachable. */
    FUZZ_CHECK(dp_reass_init(&e.reass, 4, 10, 1000000, e.big, 0, err, sizeof(err)) == 0);
    FUZZ_CHECK(dp_reass_init(&e.oracle, 4, 10, 1000000, e.big, 0, err, sizeof(err)) == 0);
    e.local.n = 2;
    e.local.a[0] = (struct dp_addr){.family = 4, .prefix_len = 24, .ip = {198, 51, 100, 1}};
    e.local.a[1] = (struct dp_addr){
        .family = 6, .prefix_len = 64, .ip = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1}};
    dp_frag_ids_init(&e.ids, 0, 1);
    env = &e;
    return 0;
}

static struct rte_mbuf *frame_of(const uint8_t *data, size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(env->pool);
    FUZZ_CHECK(m != NULL);
    if (len > rte_pktmbuf_tailroom(m))
        len = rte_pktmbuf_tailroom(m);
    memcpy(rte_pktmbuf_append(m, (uint16_t)len), data, len);
    return m;
}

/* Feeds fragments (frames) to the oracle table, the last first; the one whole result. */
static struct rte_mbuf *oracle_reassemble(struct rte_mbuf **f, int n, uint64_t now)
{
    struct rte_mbuf *back = NULL;
    for (int i = n - 1; i >= 0; i--) {
        struct dp_worker_counters c = {0};
        struct rte_mbuf *got = dp_reass_input(&env->oracle, f[i], now, &c);
        FUZZ_CHECK(got == NULL || i == 0);
        back = got != NULL ? got : back;
    }
    dp_reass_flush(&env->oracle);
    return back;
}

/*
 * Fragments a plaintext frame at `mtu`; checks every fragment, and when the
 * packet was whole and made 2 to 8 fragments, that they reassemble to it.
 */
static void fragment(struct rte_mbuf *m, size_t mtu, uint64_t now)
{
    struct rte_mbuf *f[DP_FRAG_MAX];
    int n = dp_frag_ipv4(m, ETH, mtu, env->pool, f, DP_FRAG_MAX);
    if (n <= 0)
        return;
    const struct rte_ipv4_hdr *ip = dp_ipv4(m);
    size_t hl = dp_ipv4_hdr_len(ip), total = rte_be_to_cpu_16(ip->total_length);
    size_t data = 0;
    for (int i = 0; i < n; i++) {
        const struct rte_ipv4_hdr *fh = rte_pktmbuf_mtod(f[i], const struct rte_ipv4_hdr *);
        size_t len = rte_be_to_cpu_16(fh->total_length), fhl = dp_ipv4_hdr_len(fh);
        FUZZ_CHECK(len <= mtu && len == rte_pktmbuf_data_len(f[i]));
        FUZZ_CHECK(rte_raw_cksum(fh, fhl) == 0xffff);
        FUZZ_CHECK(i + 1 == n || (len - fhl) % 8 == 0);
        data += len - fhl;
    }
    FUZZ_CHECK(data == total - hl);
    bool whole = (rte_be_to_cpu_16(ip->fragment_offset) &
                  (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) == 0;
    if (!whole || n < 2 || n > 8) {
        for (int i = 0; i < n; i++)
            rte_pktmbuf_free(f[i]);
        return;
    }
    for (int i = 0; i < n; i++) {
        struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(f[i], ETH);
        FUZZ_CHECK(eth != NULL);
        eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    }
    struct rte_mbuf *back = oracle_reassemble(f, n, now); /* last first: the harder order */
    FUZZ_CHECK(back != NULL);
    FUZZ_CHECK(rte_pktmbuf_pkt_len(back) == ETH + total);
    FUZZ_CHECK(memcmp(rte_pktmbuf_mtod_offset(back, uint8_t *, ETH + hl), (const uint8_t *)ip + hl,
                      total - hl) == 0);
    rte_pktmbuf_free(back);
}

/*
 * Sends a plaintext IPv6 frame's payload as the control lcore sends a long
 * IKE datagram: UDP in IPv6 fragments of at most mtu; checks every fragment,
 * and when there are 2 to 8, that they reassemble to the datagram.
 */
static void fragment6(struct rte_mbuf *m, size_t mtu, uint64_t now)
{
    const struct rte_ipv6_hdr *ip =
        rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH); /* classify: complete */
    size_t plen = rte_be_to_cpu_16(ip->payload_len);
    static const struct rte_ether_addr mac = {{2, 0, 0, 0, 0, 1}};
    const struct dp_udp_dgram d = {.family = 6,
                                   .src = ip->src_addr,
                                   .dst = ip->dst_addr,
                                   .src_port = 500,
                                   .dst_port = 500,
                                   .payload = (const uint8_t *)(ip + 1),
                                   .len = plen,
                                   .src_mac = &mac,
                                   .dst_mac = &mac};
    struct rte_mbuf *f[DP_UDP_FRAG_MAX];
    int n = dp_udp_fragment(&d, mtu, 0x12345678, env->pool, f, DP_UDP_FRAG_MAX);
    if (n <= 0)
        return;
    size_t data = 0;
    for (int i = 0; i < n; i++) {
        const struct rte_ipv6_hdr *fh = rte_pktmbuf_mtod_offset(f[i], struct rte_ipv6_hdr *, ETH);
        size_t len = rte_be_to_cpu_16(fh->payload_len) - 8;
        FUZZ_CHECK(rte_pktmbuf_data_len(f[i]) == ETH + 48 + len && 48 + len <= mtu);
        FUZZ_CHECK(i + 1 == n || len % 8 == 0);
        data += len;
    }
    FUZZ_CHECK(data == 8 + plen);
    if (n < 2 || n > 8) {
        for (int i = 0; i < n; i++)
            rte_pktmbuf_free(f[i]);
        return;
    }
    struct rte_mbuf *back = oracle_reassemble(f, n, now);
    FUZZ_CHECK(back != NULL);
    FUZZ_CHECK(rte_pktmbuf_pkt_len(back) == ETH + 40 + 8 + plen);
    const struct rte_ipv6_hdr *bh = rte_pktmbuf_mtod_offset(back, struct rte_ipv6_hdr *, ETH);
    FUZZ_CHECK(bh->proto == IPPROTO_UDP && rte_be_to_cpu_16(bh->payload_len) == 8 + plen);
    FUZZ_CHECK(memcmp((const uint8_t *)(bh + 1) + 8, ip + 1, plen) == 0);
    rte_pktmbuf_free(back);
}

/*
 * Sends a plaintext frame's IP packet as a worker sends a sealed ESP packet
 * too long for the link (post_frag.c): outer fragments of at most mtu, each
 * checked, and when there are 2 to 8, joined by the oracle to what followed
 * the IP header.
 */
static void post_fragment(const struct rte_mbuf *m, size_t mtu, uint64_t now)
{
    const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, ETH);
    bool v6 = ip[0] >> 4 == 6;
    size_t hl = v6 ? 40 : dp_ipv4_hdr_len((const struct rte_ipv4_hdr *)ip);
    size_t len = v6 ? 40 + rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)ip)->payload_len)
                    : rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)ip)->total_length);
    struct rte_mbuf *sealed = rte_pktmbuf_copy(m, env->pool, ETH, (uint32_t)len);
    FUZZ_CHECK(sealed != NULL);
    struct rte_mbuf *f[DP_POST_FRAG_MAX];
    struct dp_worker_counters c = {0};
    unsigned n = dp_post_fragment(sealed, mtu, &env->ids, f, &c);
    FUZZ_CHECK(n == 0 ? c.drop_too_big == 1 : c.esp_outer_fragments == n);
    size_t fhl = v6 ? 48 : 20, data = 0;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = rte_pktmbuf_mtod(f[i], const uint8_t *);
        size_t flen = rte_pktmbuf_data_len(f[i]);
        size_t said = v6 ? 40 + (size_t)(p[4] << 8 | p[5]) : (size_t)(p[2] << 8 | p[3]);
        FUZZ_CHECK(said == flen && flen <= mtu && flen > fhl);
        FUZZ_CHECK(v6 ? p[6] == IPPROTO_FRAGMENT : rte_raw_cksum(p, 20) == 0xffff);
        FUZZ_CHECK(i + 1 == n || (flen - fhl) % 8 == 0);
        FUZZ_CHECK(rte_pktmbuf_headroom(f[i]) >= ETH);
        data += flen - fhl;
    }
    FUZZ_CHECK(n == 0 || data == len - hl);
    /* IPv6 reassembly takes only UDP or ESP after the Fragment header (RFC 7112, reass6.c). */
    uint8_t proto = v6 ? ((const struct rte_ipv6_hdr *)ip)->proto
                       : ((const struct rte_ipv4_hdr *)ip)->next_proto_id;
    if (n < 2 || n > 8 || (v6 && proto != IPPROTO_UDP && proto != IPPROTO_ESP)) {
        for (unsigned i = 0; i < n; i++)
            rte_pktmbuf_free(f[i]);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(f[i], ETH);
        eth->ether_type = rte_cpu_to_be_16(v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
    }
    struct rte_mbuf *back = oracle_reassemble(f, (int)n, now);
    FUZZ_CHECK(back != NULL);
    size_t bhl = v6 ? 40 : 20;
    FUZZ_CHECK(rte_pktmbuf_pkt_len(back) == ETH + bhl + len - hl);
    FUZZ_CHECK(memcmp(rte_pktmbuf_mtod_offset(back, uint8_t *, ETH + bhl), ip + hl, len - hl) == 0);
    rte_pktmbuf_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t now = 1;
    for (unsigned r = 0; r < MAX_RECORDS && size >= 4; r++) {
        size_t mtu = 68 + (size_t)data[0] * 8; /* 68 (RFC 791's minimum) to 2108 */
        now += (uint64_t)data[1] * 1000;       /* up to 255 ms a step */
        size_t len = (size_t)data[2] | (size_t)data[3] << 8;
        data += 4;
        size -= 4;
        if (len > size)
            len = size;
        struct rte_mbuf *m = frame_of(data, len);
        data += len;
        size -= len;
        struct dp_worker_counters c = {0};
        dp_reass_expire(&env->reass, now, &c);
        enum dp_class cls = dp_classify(m, &env->local, &c);
        if (cls == DP_CLASS_FRAG) {
            m = dp_reass_input(&env->reass, m, now, &c);
            dp_reass_flush(&env->reass);
            if (m == NULL)
                continue;
            FUZZ_CHECK(rte_pktmbuf_is_contiguous(m));
            cls = dp_classify(m, &env->local, &c);
            FUZZ_CHECK(cls != DP_CLASS_FRAG);
        }
        bool v6 = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
                  rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
        if (cls == DP_CLASS_PLAIN && !v6)
            fragment(m, mtu, now);
        else if (cls == DP_CLASS_PLAIN)
            fragment6(m, mtu, now);
        if (cls == DP_CLASS_PLAIN)
            post_fragment(m, mtu, now);
        rte_pktmbuf_free(m);
    }
    /* Nothing may outlive the input: what is still held expires now. */
    struct dp_worker_counters c = {0};
    dp_reass_expire(&env->reass, FAR_FUTURE, &c);
    dp_reass_expire(&env->oracle, FAR_FUTURE, &c);
    FUZZ_CHECK(rte_mempool_avail_count(env->pool) == POOL);
    FUZZ_CHECK(rte_mempool_avail_count(env->big) == BIG_POOL);
    return 0;
}
