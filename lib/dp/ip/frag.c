/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_frag.h"

#include <errno.h>
#include <string.h>

#include <rte_ip.h>

#include "dp_pkt.h"

#define FRAG_UNIT 8 /* fragment offsets count 8-byte units */
#define MAX_IPV4_LEN 65535
#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_COPIED 0x80 /* the option's copied flag: it goes into every fragment */

/*
 * The header of every fragment after the first: the fixed part and only the
 * options with the copied flag (security, source routes), padded with
 * end-of-options to whole words (RFC 791 3.1). Its length, or 0 when an
 * option's length runs past the header or is below 2.
 */
static size_t later_header(const uint8_t *hdr, size_t hl, uint8_t *out)
{
    size_t len = sizeof(struct rte_ipv4_hdr);
    memcpy(out, hdr, len);
    for (size_t i = len; i < hl;) {
        uint8_t type = hdr[i];
        if (type == OPT_EOL)
            break;
        if (type == OPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= hl || hdr[i + 1] < 2 || i + hdr[i + 1] > hl)
            return 0;
        if (type & OPT_COPIED) {
            memcpy(out + len, hdr + i, hdr[i + 1]);
            len += hdr[i + 1];
        }
        i += hdr[i + 1];
    }
    while (len % 4 != 0)
        out[len++] = OPT_EOL;
    out[0] = (uint8_t)(0x40 | len / 4);
    return len;
}

static void free_all(struct rte_mbuf **out, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        rte_pktmbuf_free(out[i]);
}

int dp_frag_ipv4(const struct rte_mbuf *m, size_t l3, size_t mtu, struct rte_mempool *pool,
                 struct rte_mbuf **out, unsigned max_out)
{
    if (!rte_pktmbuf_is_contiguous(m) || rte_pktmbuf_data_len(m) < l3 + sizeof(struct rte_ipv4_hdr))
        return -EINVAL;
    const uint8_t *pkt = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3);
    const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)pkt;
    size_t hl = dp_ipv4_hdr_len(ip), total = rte_be_to_cpu_16(ip->total_length);
    uint16_t field = rte_be_to_cpu_16(ip->fragment_offset);
    size_t base = (size_t)(field & RTE_IPV4_HDR_OFFSET_MASK) * FRAG_UNIT;
    bool more = (field & RTE_IPV4_HDR_MF_FLAG) != 0;
    if ((ip->version_ihl >> 4) != 4 || hl < sizeof(*ip) || total < hl ||
        l3 + total > rte_pktmbuf_data_len(m) || base + total - hl > MAX_IPV4_LEN)
        return -EINVAL;
    uint8_t later[60];
    size_t later_hl = later_header(pkt, hl, later);
    if (later_hl == 0)
        return -EINVAL;
    if (mtu < hl + FRAG_UNIT)
        return -EMSGSIZE;
    size_t data = total - hl;
    unsigned n = 0;
    for (size_t pos = 0; pos < data;) {
        size_t h = n == 0 ? hl : later_hl;
        /* All but the last carry a multiple of 8 bytes: the next offset must be expressible. */
        size_t len = data - pos <= mtu - h ? data - pos : (mtu - h) / FRAG_UNIT * FRAG_UNIT;
        struct rte_mbuf *f = n < max_out ? rte_pktmbuf_alloc(pool) : NULL;
        uint8_t *p = f != NULL ? (uint8_t *)rte_pktmbuf_append(f, (uint16_t)(h + len)) : NULL;
        if (p == NULL) {
            int why = n == max_out ? -EMSGSIZE : f == NULL ? -ENOMEM : -EMSGSIZE;
            rte_pktmbuf_free(f);
            free_all(out, n);
            return why;
        }
        memcpy(p, n == 0 ? pkt : later, h);
        memcpy(p + h, pkt + hl + pos, len);
        bool last = pos + len == data;
        struct rte_ipv4_hdr *fh = (struct rte_ipv4_hdr *)p;
        fh->total_length = rte_cpu_to_be_16((uint16_t)(h + len));
        fh->fragment_offset = rte_cpu_to_be_16((uint16_t)((base + pos) / FRAG_UNIT) |
                                               (!last || more ? RTE_IPV4_HDR_MF_FLAG : 0));
        fh->hdr_checksum = 0;
        fh->hdr_checksum = rte_ipv4_cksum(fh);
        f->port = m->port;
        out[n++] = f;
        pos += len;
    }
    return (int)n;
}

unsigned dp_frag_forward(struct rte_mbuf *m, size_t l3, size_t mtu, struct rte_mbuf **out,
                         struct dp_worker_counters *c)
{
    int n = dp_frag_ipv4(m, l3, mtu, m->pool, out, DP_FRAG_MAX);
    rte_pktmbuf_free(m);
    if (n <= 0) {
        c->drop_too_big++;
        if (n == -ENOMEM)
            c->frag_no_mbuf++;
        else
            c->frag_unfit++;
        return 0;
    }
    c->frag_packets++;
    c->frag_fragments += (uint64_t)n;
    return (unsigned)n;
}
