/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_post_frag.h"

#include <errno.h>
#include <stdlib.h>

#include <openssl/rand.h>
#include <rte_ip.h>

#include "dp_pkt.h"
#include "dp_src_frag.h"

/* IPv4's identifications are 16 bits, IPv6's 32. */
#define ID4_SPACE 0x10000ull
#define ID6_SPACE 0x100000000ull

void dp_frag_ids_init(struct dp_frag_ids *ids, unsigned index, unsigned nworkers)
{
    uint32_t r[2];
    if (RAND_bytes((unsigned char *)r, sizeof(r)) != 1)
        abort(); /* as the control lcore's: guessable identifications are not an option */
    uint32_t step = nworkers > 0 ? nworkers : 1;
    ids->step = step;
    ids->next4 = (uint32_t)(r[0] % (ID4_SPACE / step) * step + index % step);
    ids->next6 = (uint32_t)(r[1] % (ID6_SPACE / step) * step + index % step);
}

/*
 * The next identification of this worker's residue: the counter wraps at the
 * largest multiple of the step that fits the space, so it keeps its residue.
 */
static uint32_t next_id(uint32_t *counter, uint32_t step, uint64_t space)
{
    uint32_t id = *counter;
    step = step != 0 ? step : 1;
    *counter = (uint32_t)(((uint64_t)id + step) % (space / step * step));
    return id;
}

uint32_t dp_frag_ids_next(struct dp_frag_ids *ids, uint8_t family)
{
    return family == 6 ? next_id(&ids->next6, ids->step, ID6_SPACE)
                       : next_id(&ids->next4, ids->step, ID4_SPACE);
}

/* The outer header veer wrote (dp_esp_encrypt): no IPv4 options, no IPv6 extension headers. */
static bool describe(const struct rte_mbuf *m, struct dp_src_dgram *d)
{
    const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
    size_t avail = rte_pktmbuf_data_len(m);
    if (avail >= sizeof(struct rte_ipv4_hdr) && p[0] >> 4 == 4) {
        const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
        size_t hl = dp_ipv4_hdr_len(ip), total = rte_be_to_cpu_16(ip->total_length);
        if (hl < sizeof(*ip) || total < hl || total > avail)
            return false;
        *d = (struct dp_src_dgram){.family = 4,
                                   .proto = ip->next_proto_id,
                                   .src = (const uint8_t *)&ip->src_addr,
                                   .dst = (const uint8_t *)&ip->dst_addr,
                                   .payload = p + hl,
                                   .len = total - hl};
        return true;
    }
    if (avail >= sizeof(struct rte_ipv6_hdr) && p[0] >> 4 == 6) {
        const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)p;
        size_t len = rte_be_to_cpu_16(ip->payload_len);
        if (sizeof(*ip) + len > avail)
            return false;
        *d = (struct dp_src_dgram){.family = 6,
                                   .proto = ip->proto,
                                   .src = ip->src_addr,
                                   .dst = ip->dst_addr,
                                   .payload = p + sizeof(*ip),
                                   .len = len};
        return true;
    }
    return false;
}

unsigned dp_post_fragment(struct rte_mbuf *m, size_t mtu, struct dp_frag_ids *ids,
                          struct rte_mbuf **out, struct dp_worker_counters *c)
{
    struct dp_src_dgram d;
    int n = -EINVAL;
    if (rte_pktmbuf_is_contiguous(m) && describe(m, &d)) {
        n = dp_src_fragment(&d, mtu, dp_frag_ids_next(ids, d.family), m->pool, out,
                            DP_POST_FRAG_MAX);
    }
    rte_pktmbuf_free(m);
    if (n <= 0) {
        c->drop_too_big++;
        if (n == -ENOBUFS)
            c->frag_no_mbuf++;
        else
            c->frag_unfit++;
        return 0;
    }
    c->esp_outer_fragmented++;
    c->esp_outer_fragments += (uint64_t)n;
    return (unsigned)n;
}
