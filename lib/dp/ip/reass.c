/* SPDX-License-Identifier: BSD-3-Clause */
/* rte_ip_frag_table_del_expired_entries is still experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API 1

#include "dp_reass.h"

#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>

#include "reass_priv.h"

/* Slots per hash bucket; the library allocates twice buckets x this, for two hash functions. */
#define BUCKET_ENTRIES 4
/* The library's slots for the middle fragments of one datagram: all but the first and last. */
#define MIDDLE_SLOTS (RTE_LIBRTE_IP_FRAG_MAX_FRAG - 2)

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
static bool fragment_ok(const struct dp_frag_id *f, struct dp_worker_counters *c)
{
    if (f->ofs + f->len > DP_REASS_MAX_DATA) {
        c->reass_too_long++;
        return false;
    }
    return f->len > 0 && (!f->more || f->len % DP_REASS_UNIT == 0);
}

bool dp_reass_identify(const struct rte_mbuf *m, struct dp_frag_id *f)
{
    const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
    if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
        return dp_reass6_identify(m, f);
    dp_reass4_identify(m, f);
    return true;
}

static bool same_datagram(const struct dp_frag_id *a, const struct dp_frag_id *b)
{
    return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

/* Whether m is the mbuf `head` or one of the segments chained behind it. */
static bool holds(const struct rte_mbuf *head, const struct rte_mbuf *m)
{
    for (const struct rte_mbuf *s = head; s != NULL; s = s->next) {
        if (s == m)
            return true;
    }
    return false;
}

/*
 * The library answered NULL and put `n` mbufs on the death row from index
 * `from`; `mine` is the fragment m just given to it. Nothing: waiting for
 * more. m alone: refused for want of a slot. Otherwise its datagram was
 * given up (or m is held and expired datagrams were evicted for room), and
 * the row tells why: each held fragment is still a chain head with its own
 * header (the library chains only behind heads), covering its data and that
 * of the segments chained behind it.
 */
static void count_refusal(const struct dp_reass *r, const struct rte_mbuf *m,
                          const struct dp_frag_id *mine, uint32_t from,
                          struct dp_worker_counters *c)
{
    uint32_t n = r->dr.cnt - from;
    struct rte_mbuf *const *row = r->dr.row + from;
    if (n == 0)
        return;
    if (n == 1 && row[0] == m) {
        c->reass_table_full++;
        return;
    }
    bool given_up = false;
    for (uint32_t i = 0; i < n; i++)
        given_up |= holds(row[i], m);
    struct dp_frag_id ours[RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1];
    unsigned nours = 0, middles = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct dp_frag_id f;
        if (row[i] == m)
            continue;
        if (!given_up || !dp_reass_identify(row[i], &f) || !same_datagram(&f, mine) ||
            nours == RTE_DIM(ours)) {
            c->reass_timeouts += row[i]->nb_segs; /* evicted: expired, the slot was wanted */
            continue;
        }
        f.len = rte_pktmbuf_pkt_len(row[i]) - row[i]->l2_len - row[i]->l3_len;
        middles += f.ofs > 0 && f.more;
        ours[nours++] = f;
    }
    if (!given_up)
        return; /* m waits in the table */
    c->reass_invalid++;
    if (nours < RTE_DIM(ours))
        ours[nours++] = *mine;
    for (unsigned i = 0; i < nours; i++) {
        for (unsigned j = i + 1; j < nours; j++) {
            if (ours[i].ofs < ours[j].ofs + ours[j].len &&
                ours[j].ofs < ours[i].ofs + ours[i].len) {
                c->reass_overlap++;
                return;
            }
        }
    }
    /* A middle fragment refused after every middle slot was taken: it is put on the row last. */
    if (row[n - 1] == m && mine->ofs > 0 && mine->more && middles == MIDDLE_SLOTS)
        c->reass_too_many++;
}

/*
 * The library leaves the datagram chained (first fragment, then the others'
 * data): one segment again, in the first fragment's own buffer when it has
 * the room, else copied into `big`.
 */
static struct rte_mbuf *one_segment(struct dp_reass *r, struct rte_mbuf *m,
                                    struct dp_worker_counters *c)
{
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
    /* The family's front end: its own rules, then its own call into the table. */
    bool v6 = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
              rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
    struct dp_frag_id f;
    enum dp_reass_verdict v = v6 ? dp_reass6_check(m, &f, c) : dp_reass4_check(m, &f, c);
    if (v == DP_REASS_ATOMIC)
        return dp_reass6_unwrap_atomic(m); /* a whole packet already: nothing to wait for */
    if (v == DP_REASS_REFUSE || !fragment_ok(&f, c)) {
        c->reass_invalid += v == DP_REASS_REFUSE ? 0 : 1;
        rte_pktmbuf_free(m);
        return NULL;
    }
    uint32_t before = r->dr.cnt;
    struct rte_mbuf *whole =
        v6 ? dp_reass6_submit(r->tbl, &r->dr, m, now) : dp_reass4_submit(r->tbl, &r->dr, m, now);
    if (whole == NULL) {
        count_refusal(r, m, &f, before, c);
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
