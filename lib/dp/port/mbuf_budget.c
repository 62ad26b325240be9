/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_mbuf_budget.h"

#include <stdio.h>
#include <string.h>

#include "dp_pkt.h"

void dp_mbuf_budget(const struct dp_port *ports, unsigned nports, unsigned nlcores,
                    unsigned cache_size, unsigned to_ctrl_ring, unsigned held,
                    struct dp_mbuf_budget *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < nports; i++)
        out->port_rings += dp_port_mbufs_held(&ports[i]);
    /* A per-lcore cache grows to 1.5 times its size before it flushes (rte_mempool.h). */
    out->caches = nlcores * (cache_size + cache_size / 2);
    out->to_ctrl = to_ctrl_ring;
    /* A received burst and the replies or copies made from it, per lcore. */
    out->in_flight = nlcores * 2 * DP_BURST;
    out->held = held;
    out->total = out->port_rings + out->caches + out->in_flight + out->held;
    out->with_ring = out->total + out->to_ctrl;
}

int dp_mbuf_budget_check(const struct dp_mbuf_budget *b, const struct dp_port *ports,
                         unsigned nports, unsigned mbufs_per_port, char *err, size_t err_len)
{
    unsigned have = mbufs_per_port * nports;
    if (nports == 0 || have >= b->with_ring)
        return 0;
    if (have >= b->total) {
        snprintf(err, err_len,
                 "dataplane.mbufs: %u per port (%u in all) hold the ports' rings, caches and "
                 "bursts (%u) but not also a full worker->control ring (%u more): a flood that "
                 "fills it would leave RX short; %u per port would cover it",
                 mbufs_per_port, have, b->total, b->to_ctrl, (b->with_ring + nports - 1) / nports);
        return 1;
    }
    int n = snprintf(err, err_len,
                     "dataplane.mbufs: %u per port (%u for %u ports) is too few: the pool must "
                     "hold %u at once (port rings %u:",
                     mbufs_per_port, have, nports, b->total, b->port_rings);
    for (unsigned i = 0; i < nports && n > 0 && (size_t)n < err_len; i++) {
        const struct dp_port *p = &ports[i];
        n += snprintf(err + n, err_len - (size_t)n, " %s %u RX x %u + %u TX x %u%s%s", p->name,
                      p->nrxq, p->rx_desc, p->ntxq, p->tx_desc,
                      p->ctrl_tx != NULL ? " + control ring" : "", i + 1 < nports ? ";" : "");
    }
    if (n > 0 && (size_t)n < err_len)
        snprintf(err + n, err_len - (size_t)n,
                 "; lcore caches %u; in flight %u; held for neighbours %u): set dataplane.mbufs "
                 "to at least %u (%u with room for a full worker->control ring), or lower the "
                 "ports' rx_desc/tx_desc",
                 b->caches, b->in_flight, b->held, (b->total + nports - 1) / nports,
                 (b->with_ring + nports - 1) / nports);
    return -1;
}
