/* SPDX-License-Identifier: BSD-3-Clause */
/* rte_ip_frag_table_del_expired_entries is still experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API 1

#include "dp_reass.h"

#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>

#include "dp_pkt.h"

#define FRAG_UNIT 8
#define MAX_IPV4_LEN 65535
/* Slots per hash bucket; the library allocates twice buckets x this, for two hash functions. */
#define BUCKET_ENTRIES 4

int dp_reass_init(struct dp_reass *r, unsigned flows, unsigned timeout_ms, uint64_t tsc_hz,
                  struct rte_mempool *big, int socket, char *err, size_t err_len)
{
    memset(r, 0, sizeof(*r));
    r->big = big;
    if (flows == 0)
        return 0;
    uint64_t max_cycles = tsc_hz / 1000 * timeout_ms;
    unsigned buckets = flows / BUCKET_ENTRIES > 0 ? flows / BUCKET_ENTRIES : 1;
    r->tbl = rte_ip_frag_table_create(buckets, BUCKET_ENTRIES, flows, max_cycles, socket);
    if (r->tbl == NULL) {
        snprintf(err, err_len, "reassembly table for %u datagrams: %s", flows,
                 rte_strerror(rte_errno));
        return -1;
    }
    return 0;
}

void dp_reass_free(struct dp_reass *r)
{
    dp_reass_flush(r);
    if (r->tbl != NULL)
        rte_ip_frag_table_destroy(r->tbl);
    r->tbl = NULL;
}

/*
 * What the library takes without complaint but could not turn into a
 * datagram: no data, data past 65535, or a fragment other than the last
 * whose data is not a whole number of 8-byte units (the next offset could
 * not follow it). Checked here so they are counted as invalid at once.
 */
static bool fragment_ok(const struct rte_ipv4_hdr *ip)
{
    size_t hl = dp_ipv4_hdr_len(ip), total = rte_be_to_cpu_16(ip->total_length);
    uint16_t field = rte_be_to_cpu_16(ip->fragment_offset);
    size_t ofs = (size_t)(field & RTE_IPV4_HDR_OFFSET_MASK) * FRAG_UNIT;
    size_t data = total - hl; /* dp_classify checked total >= hl */
    if (data == 0 || ofs + total > MAX_IPV4_LEN)
        return false;
    return (field & RTE_IPV4_HDR_MF_FLAG) == 0 || data % FRAG_UNIT == 0;
}

/*
 * The library leaves the datagram chained (first fragment, then the others'
 * data) with a zero header checksum: one segment again, in the first
 * fragment's own buffer when it has the room, else copied into `big`.
 */
static struct rte_mbuf *one_segment(struct dp_reass *r, struct rte_mbuf *m,
                                    struct dp_worker_counters *c)
{
    struct rte_ipv4_hdr *ip = dp_ipv4(m);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    if (rte_pktmbuf_linearize(m) == 0)
        return m;
    uint32_t len = rte_pktmbuf_pkt_len(m);
    struct rte_mbuf *whole = r->big != NULL ? rte_pktmbuf_alloc(r->big) : NULL;
    uint8_t *dst = whole != NULL && rte_pktmbuf_tailroom(whole) >= len
                       ? (uint8_t *)rte_pktmbuf_append(whole, (uint16_t)len)
                       : NULL;
    if (dst == NULL) {
        c->reass_no_mbuf++;
        rte_pktmbuf_free(whole);
        rte_pktmbuf_free(m);
        return NULL;
    }
    const void *src = rte_pktmbuf_read(m, 0, len, dst);
    if (src != dst)
        memcpy(dst, src, len);
    whole->port = m->port;
    rte_pktmbuf_free(m);
    return whole;
}

struct rte_mbuf *dp_reass_input(struct dp_reass *r, struct rte_mbuf *m, uint64_t now,
                                struct dp_worker_counters *c)
{
    if (r->tbl == NULL) {
        c->drop_ip_fragment++;
        rte_pktmbuf_free(m);
        return NULL;
    }
    c->reass_fragments++;
    struct rte_ipv4_hdr *ip = dp_ipv4(m);
    if (!fragment_ok(ip)) {
        c->reass_invalid++;
        rte_pktmbuf_free(m);
        return NULL;
    }
    m->l2_len = sizeof(struct rte_ether_hdr);
    m->l3_len = dp_ipv4_hdr_len(ip);
    uint32_t before = r->dr.cnt;
    struct rte_mbuf *whole = rte_ipv4_frag_reassemble_packet(r->tbl, &r->dr, m, now, ip);
    uint32_t freed = r->dr.cnt - before;
    if (whole == NULL) {
        /*
         * The library says only NULL. What it put on the death row tells why:
         * this fragment alone, refused for want of a slot; or the datagram's
         * fragments, given up as inconsistent (duplicate, overlap, hole, more
         * than it holds). Nothing: waiting for more.
         */
        if (freed == 1 && r->dr.row[r->dr.cnt - 1] == m)
            c->reass_table_full++;
        else if (freed > 0)
            c->reass_invalid++;
        return NULL;
    }
    whole = one_segment(r, whole, c);
    if (whole != NULL)
        c->reass_packets++;
    return whole;
}

void dp_reass_flush(struct dp_reass *r)
{
    if (r->dr.cnt > 0)
        rte_ip_frag_free_death_row(&r->dr, 0);
}

void dp_reass_expire(struct dp_reass *r, uint64_t now, struct dp_worker_counters *c)
{
    if (r->tbl == NULL)
        return;
    dp_reass_flush(r);
    rte_ip_frag_table_del_expired_entries(r->tbl, &r->dr, now);
    c->reass_timeouts += r->dr.cnt;
    dp_reass_flush(r);
}
