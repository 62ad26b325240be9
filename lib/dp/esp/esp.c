/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP tunnel mode (RFC 4303) on a worker: framing, trailer and padding,
 * sequence numbers (32-bit or ESN), the replay window, the outer IPv4 or
 * IPv6 (and UDP) header, and the inbound selector check. Inner and outer
 * families mix freely. The cipher itself is in esp_gcm.c and esp_cbc.c.
 */
#include "dp_esp.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_ring_elem.h>
#include <rte_udp.h>

#include "dp_esp_ts.h"
#include "dp_pkt.h"
#include "esp_crypto.h"

#define ESP_TRAILER 2 /* pad length, next header */
#define NEXT_IPV4 4
#define NEXT_IPV6 41
#define IPV6_HDR sizeof(struct rte_ipv6_hdr)
#define NEXT_NONE 59 /* a dummy packet (RFC 4303 2.6): dropped on receipt */
#define MAX_PAD 255
/* CBC payloads this long or longer may go to the widest manager (see split_cbc). */
#define WIDE_MIN_LEN 256

int dp_esp_engine_init(struct dp_esp_engine *e)
{
    e->gcm = alloc_mb_mgr(0);
    e->chain = alloc_mb_mgr(0);
    if (e->gcm == NULL || e->chain == NULL) {
        dp_esp_engine_free(e);
        return -1;
    }
    IMB_ARCH arch;
    init_mb_mgr_auto(e->gcm, &arch);
    init_mb_mgr_sse(e->chain);
    /* SHA-1/SHA-256 lanes of the widest manager; an SSE one is no wider than e->chain. */
    e->wide_lanes = arch == IMB_ARCH_AVX512 ? 16 : arch == IMB_ARCH_AVX2 ? 8 : 0;
    return 0;
}

void dp_esp_engine_free(struct dp_esp_engine *e)
{
    free_mb_mgr(e->gcm);
    free_mb_mgr(e->chain);
    e->gcm = e->chain = NULL;
}

/*
 * Which manager a burst's CBC + HMAC jobs go to. The SSE manager hashes with
 * the SHA extensions two lanes wide, so a few packets or a mix of sizes lose
 * little when it flushes; the CPU's widest manager (AVX-512 here: 16 lanes of
 * AES and SHA) is a third faster on bursts of big packets, but 4x slower when
 * it flushes a few lanes (tests/bench/bench_esp, docs/esp.md). So a
 * whole set of its lanes of big packets goes to it, the rest to SSE. The
 * results are the same bytes either way; only the time differs. GCM
 * operations are left out.
 */
struct cbc_split {
    struct dp_esp_op *narrow[DP_ESP_BURST], *wide[DP_ESP_BURST];
    unsigned nnarrow, nwide;
};

static void split_cbc(const struct dp_esp_engine *eng, struct dp_esp_op *ops, unsigned n,
                      struct cbc_split *s)
{
    unsigned big = 0;
    for (unsigned i = 0; i < n; i++)
        big += ops[i].sa->cipher == DP_ESP_AES_CBC && ops[i].len >= WIDE_MIN_LEN;
    unsigned take = eng->wide_lanes == 0 ? 0 : big / eng->wide_lanes * eng->wide_lanes;
    s->nnarrow = s->nwide = 0;
    for (unsigned i = 0; i < n; i++) {
        struct dp_esp_op *op = &ops[i];
        if (op->sa->cipher != DP_ESP_AES_CBC)
            continue;
        if (s->nwide < take && op->len >= WIDE_MIN_LEN)
            s->wide[s->nwide++] = op;
        else
            s->narrow[s->nnarrow++] = op;
    }
}

/* The crypto step of a burst: GCM one packet at a time, CBC + HMAC all in one go. */
static void seal_ops(struct dp_esp_engine *eng, struct dp_esp_op *ops, unsigned n)
{
    struct cbc_split cbc;
    split_cbc(eng, ops, n, &cbc);
    for (unsigned i = 0; i < n; i++) {
        struct dp_esp_op *op = &ops[i];
        if (op->sa->cipher == DP_ESP_AES_GCM)
            op->ok = dp_esp_gcm_seal(eng->gcm, op->sa, op->esp, op->len, op->seq);
    }
    dp_esp_cbc_seal_burst(eng->chain, cbc.narrow, cbc.nnarrow);
    dp_esp_cbc_seal_burst(eng->gcm, cbc.wide, cbc.nwide);
}

static void open_ops(struct dp_esp_engine *eng, struct dp_esp_op *ops, unsigned n)
{
    struct cbc_split cbc;
    split_cbc(eng, ops, n, &cbc);
    for (unsigned i = 0; i < n; i++) {
        struct dp_esp_op *op = &ops[i];
        if (op->sa->cipher == DP_ESP_AES_GCM)
            op->ok = dp_esp_gcm_open(eng->gcm, op->sa, op->esp, op->len, op->seq);
    }
    dp_esp_cbc_open_burst(eng->chain, cbc.narrow, cbc.nnarrow);
    dp_esp_cbc_open_burst(eng->gcm, cbc.wide, cbc.nwide);
}

/*
 * An operation's common fields, set one by one: a compound literal also
 * zeroed the 64 bytes of CBC tags that only CBC writes and reads (a
 * `rep stos` per packet, a tenth of the encryption's own work at 64 B).
 */
static void op_start(struct dp_esp_op *op, struct rte_mbuf *m, struct dp_esp_sa *sa, uint8_t *esp,
                     size_t len, uint64_t seq)
{
    op->m = m;
    op->sa = sa;
    op->esp = esp;
    op->len = len;
    op->seq = seq;
    op->inner_len = 0;
    op->outer = 0;
    op->ok = false;
    op->job_error = false;
}

/*
 * Outbound sequence numbers taken from an SA a run at a time: only the SA's
 * owner worker seals for it (dp_esp_sa.owner), but an SA moved in place
 * (dp_sadb_update) is briefly used in two copies, so the counter is atomic,
 * and one locked add per packet drained the store buffer of the packet just
 * written (a tenth of a 64-byte packet's own work). A run covers the packets of one burst in a row
 * for the same SA; numbers a run leaves unused (a packet dropped on the way)
 * are a gap the receiver's window does not mind. Numbers never wrap (RFC
 * 4303 3.3.3) and are never used twice, whichever worker sends.
 */
struct seq_run {
    const struct dp_esp_sa *sa;
    uint64_t next;
    uint64_t left;
};

/*
 * Reserves up to `want` numbers of sa for run; none once the SA has used
 * them all. From seq_soft on, the SA asks the control lcore for a rekey, once.
 */
static void reserve_seq(struct dp_esp_sa *sa, unsigned want, struct seq_run *run)
{
    /* Compare and swap, not add: the counter stops at seq_max and never wraps, even with ESN. */
    uint64_t used = __atomic_load_n(&sa->seq, __ATOMIC_RELAXED), take;
    do {
        take = used >= sa->seq_max ? 0 : RTE_MIN((uint64_t)want, sa->seq_max - used);
    } while (take > 0 && !__atomic_compare_exchange_n(&sa->seq, &used, used + take, true,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    run->sa = sa;
    run->next = used + 1;
    run->left = take;
    if (used + run->left >= sa->seq_soft &&
        __atomic_load_n(&sa->rekey_state, __ATOMIC_RELAXED) == DP_REKEY_NONE)
        __atomic_store_n(&sa->rekey_state, DP_REKEY_WANTED, __ATOMIC_RELAXED);
}

/* The next number for sa from run, reserving `ahead` more when run has none for it. */
static bool next_seq(struct dp_esp_sa *sa, struct seq_run *run, unsigned ahead, uint64_t *seq)
{
    if (run->sa != sa || run->left == 0)
        reserve_seq(sa, ahead, run);
    if (run->left == 0)
        return false;
    *seq = run->next++;
    run->left--;
    return true;
}

static size_t outer_len(const struct dp_esp_sa *sa)
{
    return (sa->outer_family == 6 ? IPV6_HDR : sizeof(struct rte_ipv4_hdr)) +
           (sa->udp_encap ? sizeof(struct rte_udp_hdr) : 0);
}

/*
 * The outer header's checksum from the values written, not read back: a
 * 16-byte load of the header just stored field by field cannot be served
 * from the store buffer and stalled every 64-byte packet for ~20 cycles.
 * One's complement sums do not depend on byte order (RFC 1071 2.B).
 */
static uint16_t outer_ipv4_cksum(uint16_t total_len, uint8_t proto, uint32_t src, uint32_t dst)
{
    uint32_t s = rte_be_to_cpu_32(src), d = rte_be_to_cpu_32(dst);
    uint32_t sum = ((uint32_t)RTE_IPV4_VHL_DEF << 8) + total_len +
                   ((uint32_t)DP_IP_DEFAULT_TTL << 8 | proto) + (s >> 16) + (s & 0xffff) +
                   (d >> 16) + (d & 0xffff);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return rte_cpu_to_be_16((uint16_t)~sum);
}

/*
 * TOS 0 and no DF: the inner packet's DSCP and ECN are not copied (RFC 4301
 * 5.1.2.1 lets the SA decide; veer's SAs copy nothing, in either family).
 */
static void outer_ipv4(const struct dp_esp_sa *sa, struct rte_ipv4_hdr *ip, size_t esp_len)
{
    uint16_t total = (uint16_t)(outer_len(sa) + esp_len);
    uint8_t proto = sa->udp_encap ? IPPROTO_UDP : IPPROTO_ESP;
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = 0;
    ip->total_length = rte_cpu_to_be_16(total);
    ip->packet_id = 0;
    ip->fragment_offset = 0;
    ip->time_to_live = DP_IP_DEFAULT_TTL;
    ip->next_proto_id = proto;
    ip->src_addr = sa->local_ip;
    ip->dst_addr = sa->remote_ip;
    ip->hdr_checksum = outer_ipv4_cksum(total, proto, sa->local_ip, sa->remote_ip);
    if (sa->udp_encap) {
        struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
        udp->src_port = rte_cpu_to_be_16(sa->local_port);
        udp->dst_port = rte_cpu_to_be_16(sa->remote_port);
        udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + esp_len));
        udp->dgram_cksum = 0; /* allowed for ESP in UDP over IPv4 (RFC 3948 2.1) */
    }
}

/* Traffic class and flow label 0, as IPv4's TOS is; no extension headers. */
static void outer_ipv6(const struct dp_esp_sa *sa, struct rte_ipv6_hdr *ip, size_t esp_len)
{
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
    ip->payload_len =
        rte_cpu_to_be_16((uint16_t)((sa->udp_encap ? sizeof(struct rte_udp_hdr) : 0) + esp_len));
    ip->proto = sa->udp_encap ? IPPROTO_UDP : IPPROTO_ESP;
    ip->hop_limits = DP_IP_DEFAULT_TTL;
    memcpy(ip->src_addr, sa->local_ip6, 16);
    memcpy(ip->dst_addr, sa->remote_ip6, 16);
    if (sa->udp_encap) {
        struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
        udp->src_port = rte_cpu_to_be_16(sa->local_port);
        udp->dst_port = rte_cpu_to_be_16(sa->remote_port);
        udp->dgram_len = ip->payload_len;
        /*
         * IPv6 has no header checksum, so UDP's is mandatory (RFC 8200 8.1):
         * the zero RFC 3948 allows over IPv4 would be dropped by the peer.
         */
        udp->dgram_cksum = 0;
        udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
    }
}

size_t dp_esp_max_inner(const struct dp_esp_sa *sa, size_t mtu)
{
    size_t overhead = outer_len(sa) + DP_ESP_HDR + sa->iv_len + sa->icv_len;
    if (mtu < overhead + sa->block)
        return 0;
    /* Payload and trailer fill whole blocks: the largest such fill, less the trailer. */
    return ((mtu - overhead) & ~(size_t)(sa->block - 1)) - ESP_TRAILER;
}

/*
 * The length an inner packet's own header gives, and the next header that
 * says which family it is (RFC 4303 2.6); 0 when it is neither IPv4 nor IPv6
 * or its header is not all there.
 */
static size_t inner_length(const uint8_t *l3, size_t avail, uint8_t *next)
{
    if (avail >= sizeof(struct rte_ipv4_hdr) && (l3[0] >> 4) == 4) {
        *next = NEXT_IPV4;
        return rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)l3)->total_length);
    }
    if (avail >= IPV6_HDR && (l3[0] >> 4) == 6) {
        *next = NEXT_IPV6;
        return IPV6_HDR + rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)l3)->payload_len);
    }
    return 0;
}

/* Everything of encapsulation before the cipher: 0 and op filled, or -1 with the drop counted. */
static int encrypt_prepare(struct dp_esp_sa *sa, struct rte_mbuf *m, size_t l3, struct seq_run *run,
                           unsigned ahead, struct dp_worker_counters *c, struct dp_esp_op *op)
{
    uint8_t next = 0;
    size_t inner_len = l3 < rte_pktmbuf_data_len(m)
                           ? inner_length(rte_pktmbuf_mtod_offset(m, const uint8_t *, l3),
                                          rte_pktmbuf_data_len(m) - l3, &next)
                           : 0;
    if (inner_len == 0) {
        c->drop_esp_not_ip++;
        return -1;
    }
    /* Payload, padding, pad length and next header fill whole cipher blocks (RFC 4303 2.4). */
    /* block is a power of two (dp_esp.h): masks, not two divisions per packet. */
    size_t pad = (0 - (inner_len + ESP_TRAILER)) & (size_t)(sa->block - 1);
    size_t outer = outer_len(sa);
    size_t head = DP_ESP_HDR + sa->iv_len, tail = pad + ESP_TRAILER + sa->icv_len;
    /* Claimed longer than it is (an IPv6 length past 65535 would wrap the trim): no room. */
    if (rte_pktmbuf_adj(m, (uint16_t)l3) == NULL || rte_pktmbuf_pkt_len(m) < inner_len ||
        rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - inner_len)) != 0 ||
        !rte_pktmbuf_is_contiguous(m) ||
        rte_pktmbuf_headroom(m) < sizeof(struct rte_ether_hdr) + outer + head ||
        rte_pktmbuf_tailroom(m) < tail) {
        c->drop_esp_no_room++;
        return -1;
    }
    uint64_t seq;
    if (!next_seq(sa, run, ahead, &seq)) {
        c->drop_esp_seq_exhausted++;
        return -1;
    }
    uint8_t *trailer = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)tail);
    for (size_t i = 0; i < pad; i++)
        trailer[i] = (uint8_t)(i + 1); /* the default padding: 1, 2, 3 ... (2.4) */
    trailer[pad] = (uint8_t)pad;
    trailer[pad + 1] = next;
    uint8_t *esp = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)head);
    dp_put32(esp, sa->spi);
    dp_put32(esp + 4, (uint32_t)seq); /* only the low 32 bits travel, also with ESN */
    op_start(op, m, sa, esp, inner_len + pad + ESP_TRAILER, seq);
    op->inner_len = inner_len;
    op->outer = outer;
    return 0;
}

/* Everything after the cipher: the outer header(s) in front of the ESP packet. */
static int encrypt_finish(const struct dp_esp_op *op, struct dp_worker_counters *c)
{
    struct dp_esp_sa *sa = op->sa;
    struct rte_mbuf *m = op->m;
    if (!op->ok) {
        c->drop_esp_crypto_error++;
        return -1;
    }
    size_t outer = op->outer, head = DP_ESP_HDR + sa->iv_len, plain = op->len;
    size_t esp_len = head + plain + sa->icv_len;
    void *hdr = rte_pktmbuf_prepend(m, (uint16_t)outer);
    if (sa->outer_family == 6)
        outer_ipv6(sa, hdr, esp_len);
    else
        outer_ipv4(sa, hdr, esp_len);
    sa->packets++;
    sa->bytes += op->inner_len;
    c->esp_encrypted++;
    return 0;
}

int dp_esp_encrypt(struct dp_esp_engine *eng, struct dp_esp_sa *sa, struct rte_mbuf *m, size_t l3,
                   struct dp_worker_counters *c)
{
    struct dp_esp_op op;
    struct seq_run run = {.sa = NULL};
    if (encrypt_prepare(sa, m, l3, &run, 1, c, &op) < 0)
        return -1;
    seal_ops(eng, &op, 1);
    return encrypt_finish(&op, c);
}

/*
 * AES-CBC + HMAC packets wait for the rest of the burst, to share the
 * manager's lanes. AES-GCM has nothing to gain by waiting (its direct API
 * takes one packet at full speed) and would only find it gone from the
 * cache: it is done at once, as measured (3-10 % faster at 64 and 1400 B).
 */
static bool waits_for_burst(const struct dp_esp_op *op)
{
    return op->sa->cipher == DP_ESP_AES_CBC;
}

/*
 * Up to DP_ESP_BURST packets: all framed, the CBC ones then all through the
 * cipher together, then finished.
 */
static void encrypt_chunk(struct dp_esp_engine *eng, struct dp_esp_sa *const sa[],
                          struct rte_mbuf *const m[], size_t l3, unsigned n, bool ok[],
                          struct dp_worker_counters *c)
{
    struct dp_esp_op ops[DP_ESP_BURST];
    unsigned slot[DP_ESP_BURST], nops = 0, same[DP_ESP_BURST];
    /* same[i]: packets from i on in a row for sa[i], the numbers a run reserves at i. */
    for (unsigned i = n; i-- > 0;)
        same[i] = i + 1 < n && sa[i + 1] == sa[i] ? same[i + 1] + 1 : 1;
    struct seq_run run = {.sa = NULL};
    for (unsigned i = 0; i < n; i++) {
        ok[i] = false;
        if (encrypt_prepare(sa[i], m[i], l3, &run, same[i], c, &ops[nops]) != 0)
            continue;
        if (!waits_for_burst(&ops[nops])) {
            seal_ops(eng, &ops[nops], 1);
            ok[i] = encrypt_finish(&ops[nops], c) == 0;
            continue;
        }
        slot[nops++] = i;
    }
    seal_ops(eng, ops, nops);
    for (unsigned k = 0; k < nops; k++)
        ok[slot[k]] = encrypt_finish(&ops[k], c) == 0;
}

void dp_esp_encrypt_burst(struct dp_esp_engine *eng, struct dp_esp_sa *const sa[],
                          struct rte_mbuf *const m[], size_t l3, unsigned n, bool ok[],
                          struct dp_worker_counters *c)
{
    for (unsigned i = 0; i < n; i += DP_ESP_BURST) {
        unsigned k = n - i < DP_ESP_BURST ? n - i : DP_ESP_BURST;
        encrypt_chunk(eng, sa + i, m + i, l3, k, ok + i, c);
    }
}

/* The full sequence number of a received packet: inferred with ESN (RFC 4303 A2). */
static uint64_t full_seq(const struct dp_esp_sa *sa, uint32_t seq_lo)
{
    return sa->esn ? dp_esn_infer(&sa->replay, seq_lo) : seq_lo;
}

/* window 0: a manually keyed SA without anti-replay (RFC 4303 3.3.3). */
static bool replay_ok(const struct dp_esp_sa *sa, uint64_t seq, struct dp_worker_counters *c)
{
    switch (sa->replay.window != 0 ? dp_replay_check(&sa->replay, seq) : DP_REPLAY_OK) {
    case DP_REPLAY_TOO_OLD:
        c->drop_esp_too_old++;
        return false;
    case DP_REPLAY_SEEN:
        c->drop_esp_replayed++;
        return false;
    default:
        return true;
    }
}

/* The default padding, 1, 2, 3 ... (RFC 4303 2.4), checked once the packet is authentic. */
static bool padding_ok(const uint8_t *pad, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (pad[i] != (uint8_t)(i + 1))
            return false;
    }
    return true;
}

/*
 * Trailer and inner header of an authenticated, decrypted payload: the next
 * header must name the inner packet's own version (4 for IPv4, 41 for IPv6).
 * Returns the inner packet's length by its header, or 0 (counted).
 */
static size_t check_trailer(const uint8_t *pt, size_t len, struct dp_worker_counters *c)
{
    uint8_t pad = pt[len - 2], next = pt[len - 1];
    if ((size_t)pad + ESP_TRAILER > len) {
        c->drop_esp_bad_trailer++;
        return 0;
    }
    if (next != NEXT_IPV4 && next != NEXT_IPV6) {
        if (next == NEXT_NONE)
            c->drop_esp_dummy++;
        else
            c->drop_esp_bad_next_header++;
        return 0;
    }
    size_t inner_len = len - ESP_TRAILER - pad;
    if (!padding_ok(pt + inner_len, pad)) {
        c->drop_esp_bad_padding++;
        return 0;
    }
    if (inner_len == 0) {
        c->drop_esp_bad_trailer++;
        return 0;
    }
    if ((pt[0] >> 4) != (next == NEXT_IPV4 ? 4 : 6)) {
        c->drop_esp_bad_next_header++;
        return 0;
    }
    uint8_t ignored;
    size_t claimed = inner_length(pt, inner_len, &ignored);
    size_t hdr = next == NEXT_IPV4 ? sizeof(struct rte_ipv4_hdr) : IPV6_HDR;
    if (claimed < hdr || claimed > inner_len) {
        c->drop_esp_bad_trailer++;
        return 0;
    }
    return claimed;
}

/*
 * RFC 4301 5.2: a decrypted packet (`len` bytes) must be one the SA was
 * negotiated for, from the peer's selectors to ours, protocol and ports
 * included; else a peer could inject traffic for any destination behind the
 * gateway.
 */
static bool selectors_cover(const struct dp_esp_sa *sa, const uint8_t *in, size_t len)
{
    struct dp_ts_pkt p;
    dp_ts_pkt_init(&p, in, len);
    if ((in[0] >> 4) == 4)
        return dp_ts_covers4(&sa->ts_remote, &sa->ts_local, sa->ts_l4, &p);
    return dp_ts_covers6(&sa->ts_remote, &sa->ts_local, sa->ts_l4, &p);
}

/*
 * Where the ESP packet in this frame ends, by its outer IPv4 or IPv6 header's
 * length, or 0 (counted). The caller found the ESP header at esp_off.
 */
static size_t outer_end(const struct rte_mbuf *m, size_t esp_off, struct dp_worker_counters *c)
{
    size_t l3 = sizeof(struct rte_ether_hdr), have = rte_pktmbuf_data_len(m);
    if (!rte_pktmbuf_is_contiguous(m) || have < l3 + sizeof(struct rte_ipv4_hdr)) {
        c->drop_esp_runt++;
        return 0;
    }
    const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3);
    if ((ip[0] >> 4) != 6)
        return l3 + rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)ip)->total_length);
    if (have < l3 + IPV6_HDR) {
        c->drop_esp_runt++;
        return 0;
    }
    const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)ip;
    /*
     * The classifier hands over ESP, or UDP/4500, right after the fixed
     * header only: veer walks no extension header chain (hop-by-hop options,
     * routing, fragment, destination options...), so with any of them, or
     * another next header, the ESP header is not where esp_off says.
     */
    size_t expect = l3 + IPV6_HDR;
    if (ip6->proto == IPPROTO_UDP)
        expect += sizeof(struct rte_udp_hdr);
    if ((ip6->proto != IPPROTO_ESP && ip6->proto != IPPROTO_UDP) || esp_off != expect) {
        c->drop_esp_ipv6_ext_header++;
        return 0;
    }
    /* Payload length 0 (a jumbogram, RFC 2675) ends before any ESP: counted as a runt below. */
    return l3 + IPV6_HDR + rte_be_to_cpu_16(ip6->payload_len);
}

/* Replay window and SA lookup before the cipher: 0 and op filled, or -1 with the drop counted. */
static int decrypt_prepare(const struct dp_sadb *db, struct rte_mbuf *m, size_t esp_off,
                           struct dp_worker_counters *c, struct dp_esp_op *op)
{
    size_t end = outer_end(m, esp_off, c);
    if (end == 0)
        return -1;
    /* The smallest ESP packet of any SA: header, 8-byte IV, trailer, 12-byte ICV. */
    if (end > rte_pktmbuf_data_len(m) || end < esp_off + DP_ESP_HDR + 8 + ESP_TRAILER + 12) {
        c->drop_esp_runt++;
        return -1;
    }
    uint8_t *esp = rte_pktmbuf_mtod_offset(m, uint8_t *, esp_off);
    uint32_t spi = dp_get32(esp);
    void *data = NULL;
    if (rte_hash_lookup_data(db->in, &spi, &data) < 0) {
        c->drop_esp_unknown_spi++;
        return -1;
    }
    struct dp_esp_sa *sa = data;
    size_t head = DP_ESP_HDR + sa->iv_len;
    if (end < esp_off + head + ESP_TRAILER + sa->icv_len) {
        c->drop_esp_runt++;
        return -1;
    }
    size_t ct_len = end - esp_off - head - sa->icv_len;
    /* CBC deciphers whole blocks only; GCM takes any length (strongSwan pads it to 4). */
    if (ct_len < ESP_TRAILER || (sa->cipher == DP_ESP_AES_CBC && ct_len % sa->block != 0)) {
        c->drop_esp_bad_length++;
        return -1;
    }
    uint64_t seq = full_seq(sa, dp_get32(esp + 4));
    if (!replay_ok(sa, seq, c))
        return -1;
    op_start(op, m, sa, esp, ct_len, seq);
    return 0;
}

/*
 * RFC 4555 3.12: whether an authentic packet came from where the SA's peer
 * sends from: the outer source address, and with ESP in UDP the source port
 * (a NAT's mapping); plain ESP to an SA in UDP, or the reverse, does not.
 * The frame's outer header follows its Ethernet header (outer_end checked
 * it); the peer's fields may be moved meanwhile (dp_esp.h).
 */
static bool from_sa_peer(const struct dp_esp_sa *sa, const struct rte_mbuf *m, const uint8_t *esp)
{
    const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(struct rte_ether_hdr));
    bool v6 = (ip[0] >> 4) == 6;
    uint8_t proto = v6 ? ((const struct rte_ipv6_hdr *)ip)->proto
                       : ((const struct rte_ipv4_hdr *)ip)->next_proto_id;
    bool encap = __atomic_load_n(&sa->udp_encap, __ATOMIC_RELAXED);
    if ((proto == IPPROTO_UDP) != encap || v6 != (sa->outer_family == 6))
        return false;
    if (encap) {
        const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(esp - sizeof(*udp));
        if (udp->src_port != rte_cpu_to_be_16(__atomic_load_n(&sa->remote_port, __ATOMIC_RELAXED)))
            return false;
    }
    const uint32_t *peer = (const uint32_t *)sa->remote_ip6;
    if (!v6)
        return ((const struct rte_ipv4_hdr *)ip)->src_addr ==
               __atomic_load_n(&peer[0], __ATOMIC_RELAXED);
    const uint8_t *src = ((const struct rte_ipv6_hdr *)ip)->src_addr;
    for (unsigned i = 0; i < 4; i++) {
        uint32_t w;
        memcpy(&w, src + 4 * i, 4);
        if (w != __atomic_load_n(&peer[i], __ATOMIC_RELAXED))
            return false;
    }
    return true;
}

/*
 * Authentic ESP from elsewhere to an SA whose peer is NATed (RFC 7296 2.23):
 * its NAT may have rebound. The control lcore hears of it through a ring
 * of its own, at most one report per SA at a time and one per interval, so
 * that no flood of packets makes it work; lib/ike then checks the peer
 * there before anything moves (docs/control-plane.md).
 */
static void report_rebind(const struct dp_sadb *db, struct dp_esp_sa *sa, const struct rte_mbuf *m,
                          const uint8_t *esp, struct dp_worker_counters *c)
{
    const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(struct rte_ether_hdr));
    bool v6 = (ip[0] >> 4) == 6;
    uint8_t proto = v6 ? ((const struct rte_ipv6_hdr *)ip)->proto
                       : ((const struct rte_ipv4_hdr *)ip)->next_proto_id;
    if (proto != IPPROTO_UDP) {
        c->esp_rebind_not_udp++;
        return;
    }
    if (__atomic_load_n(&sa->rebind_pending, __ATOMIC_ACQUIRE) != 0) {
        c->esp_rebind_held_pending++;
        return;
    }
    uint64_t now = rte_get_timer_cycles(),
             last = __atomic_load_n(&sa->rebind_last, __ATOMIC_RELAXED);
    if (last != 0 && now - last < db->rebind_interval) {
        c->esp_rebind_held_interval++;
        return;
    }
    uint8_t idle = 0;
    if (!__atomic_compare_exchange_n(&sa->rebind_pending, &idle, 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_RELAXED)) {
        c->esp_rebind_held_pending++; /* another worker took it */
        return;
    }
    __atomic_store_n(&sa->rebind_last, now, __ATOMIC_RELAXED);
    const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(esp - sizeof(*udp));
    struct dp_rebind_msg msg = {
        .spi = sa->spi, .port = rte_be_to_cpu_16(udp->src_port), .family = v6 ? 6 : 4};
    if (v6)
        memcpy(msg.ip, ((const struct rte_ipv6_hdr *)ip)->src_addr, 16);
    else
        memcpy(msg.ip, &((const struct rte_ipv4_hdr *)ip)->src_addr, 4);
    if (db->rebind == NULL || rte_ring_mp_enqueue_elem(db->rebind, &msg, sizeof(msg)) != 0) {
        __atomic_store_n(&sa->rebind_pending, 0, __ATOMIC_RELEASE);
        c->esp_rebind_ring_full++;
        return;
    }
    c->esp_rebind_notified++;
}

/* After the cipher: the window moves, the trailer is checked, m keeps the inner packet alone. */
static int decrypt_finish(const struct dp_sadb *db, const struct dp_esp_op *op,
                          struct dp_worker_counters *c)
{
    struct dp_esp_sa *sa = op->sa;
    if (!op->ok) {
        if (op->job_error)
            c->drop_esp_crypto_error++;
        else
            c->drop_esp_bad_icv++;
        return -1;
    }
    /*
     * Only a packet the ICV proved genuine moves the window (RFC 4303 3.4.3).
     * Checked again: a burst may hold the same sequence number twice, and
     * only the first to get here may pass.
     */
    if (sa->replay.window != 0) {
        if (!replay_ok(sa, op->seq, c))
            return -1;
        dp_replay_update(&sa->replay, op->seq);
    }
    struct rte_mbuf *m = op->m;
    size_t head = DP_ESP_HDR + sa->iv_len,
           esp_off = (size_t)(op->esp - rte_pktmbuf_mtod(m, uint8_t *));
    uint8_t *pt = op->esp + head;
    size_t inner_len = check_trailer(pt, op->len, c);
    if (inner_len == 0)
        return -1;
    if (!selectors_cover(sa, pt, inner_len)) {
        c->drop_esp_policy_mismatch++;
        return -1;
    }
    /*
     * ESP from elsewhere is authentic, and passed on: the client may be
     * moving (its ESP comes before its UPDATE_SA_ADDRESSES, and before our
     * return routability check ends), or behind a NAT that rebound. It only
     * proves nothing about where the peer is (RFC 4555 3.12): counted, and
     * left out of the liveness count.
     */
    if (from_sa_peer(sa, m, op->esp)) {
        sa->packets_from_peer++;
    } else {
        c->esp_in_other_source++;
        if (__atomic_load_n(&sa->esp_rebind, __ATOMIC_RELAXED))
            report_rebind(db, sa, m, op->esp, c);
    }
    rte_pktmbuf_adj(m, (uint16_t)(esp_off + head));
    rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - inner_len));
    sa->packets++;
    sa->bytes += inner_len;
    c->esp_decrypted++;
    return 0;
}

int dp_esp_decrypt(struct dp_esp_engine *eng, const struct dp_sadb *db, struct rte_mbuf *m,
                   size_t esp_off, struct dp_worker_counters *c)
{
    struct dp_esp_op op;
    if (decrypt_prepare(db, m, esp_off, c, &op) < 0)
        return -1;
    open_ops(eng, &op, 1);
    return decrypt_finish(db, &op, c);
}

static void decrypt_chunk(struct dp_esp_engine *eng, const struct dp_sadb *db,
                          struct rte_mbuf *const m[], const size_t esp_off[], unsigned n, bool ok[],
                          struct dp_worker_counters *c)
{
    struct dp_esp_op ops[DP_ESP_BURST];
    unsigned slot[DP_ESP_BURST], nops = 0;
    for (unsigned i = 0; i < n; i++) {
        ok[i] = false;
        if (decrypt_prepare(db, m[i], esp_off[i], c, &ops[nops]) != 0)
            continue;
        if (!waits_for_burst(&ops[nops])) {
            open_ops(eng, &ops[nops], 1);
            ok[i] = decrypt_finish(db, &ops[nops], c) == 0;
            continue;
        }
        slot[nops++] = i;
    }
    open_ops(eng, ops, nops);
    for (unsigned k = 0; k < nops; k++)
        ok[slot[k]] = decrypt_finish(db, &ops[k], c) == 0;
}

void dp_esp_decrypt_burst(struct dp_esp_engine *eng, const struct dp_sadb *db,
                          struct rte_mbuf *const m[], const size_t esp_off[], unsigned n, bool ok[],
                          struct dp_worker_counters *c)
{
    for (unsigned i = 0; i < n; i += DP_ESP_BURST) {
        unsigned k = n - i < DP_ESP_BURST ? n - i : DP_ESP_BURST;
        decrypt_chunk(eng, db, m + i, esp_off + i, k, ok + i, c);
    }
}
