/* SPDX-License-Identifier: BSD-3-Clause */
#include "test_pkt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>

void test_a6(uint8_t out[16], uint8_t net, uint8_t host)
{
    memset(out, 0, 16);
    out[0] = 0x20;
    out[1] = 0x01;
    out[2] = 0x0d;
    out[3] = 0xb8;
    out[5] = net;
    out[15] = host;
}

struct rte_mbuf *test_frame(struct rte_mempool *pool, const struct dp_port *p,
                            const struct rte_ether_addr *src, uint16_t type, const void *data,
                            size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    assert_non_null(m);
    uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(RTE_ETHER_HDR_LEN + len));
    assert_non_null(d);
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
    eth->dst_addr = p->mac;
    eth->src_addr = *src;
    eth->ether_type = rte_cpu_to_be_16(type);
    memcpy(d + RTE_ETHER_HDR_LEN, data, len);
    m->port = p->id;
    return m;
}

void test_drain(struct rte_ring *r)
{
    struct rte_mbuf *m;
    while (rte_ring_dequeue(r, (void **)&m) == 0)
        rte_pktmbuf_free(m);
}
