/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the kernel received on an af_packet port's interface, beside what
 * the PMD delivered. DPDK 22.11's af_packet PMD reports no receive losses
 * (imissed stays 0): when veer reads its packet ring too slowly the kernel
 * drops frames there and nobody counts them. The interface's own counter
 * (/sys/class/net/IFACE/statistics/rx_packets) saw every frame, so its
 * growth since the port started, less the PMD's ipackets, is what veer
 * never read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dp_port.h"

/* "net_af_packet0,iface=eth1,qpairs=2": the interface; false for other devices. */
static bool af_packet_iface(const char *device, char *out, size_t cap)
{
    if (strncmp(device, "net_af_packet", 13) != 0 && strncmp(device, "eth_af_packet", 13) != 0)
        return false;
    const char *p = strstr(device, "iface=");
    if (p == NULL)
        return false;
    p += 6;
    size_t n = strcspn(p, ",");
    if (n == 0 || n >= cap)
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

static bool read_counter(const char *iface, const char *name, uint64_t *out)
{
    char path[128];
    snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", iface, name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    bool ok = fscanf(f, "%" SCNu64, out) == 1;
    fclose(f);
    return ok;
}

void dp_port_kernel_rx_start(struct dp_port *p, const char *device)
{
    p->kernel_iface[0] = '\0';
    if (!af_packet_iface(device, p->kernel_iface, sizeof(p->kernel_iface)))
        return;
    if (!read_counter(p->kernel_iface, "rx_packets", &p->kernel_rx_base))
        p->kernel_iface[0] = '\0'; /* not in this namespace's sysfs: nothing to compare */
}

bool dp_port_kernel_rx(const struct dp_port *p, uint64_t ipackets, uint64_t *kernel_rx,
                       uint64_t *unread)
{
    uint64_t now;
    if (p->kernel_iface[0] == '\0' || !read_counter(p->kernel_iface, "rx_packets", &now))
        return false;
    *kernel_rx = now - p->kernel_rx_base;
    /* Read apart from the PMD's count: a frame in flight may be in one and not yet the other. */
    *unread = *kernel_rx > ipackets ? *kernel_rx - ipackets : 0;
    return true;
}
