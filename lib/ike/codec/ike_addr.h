/* SPDX-License-Identifier: BSD-3-Clause */
/* Transport addresses as lib/ike sees them: no sockaddr, no DPDK types. */
#ifndef VEER_IKE_ADDR_H
#define VEER_IKE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ike_addr {
    uint8_t family; /* 4 or 6 */
    uint16_t port;  /* host byte order */
    uint8_t ip[16]; /* network byte order; first 4 bytes for IPv4 */
};

static inline unsigned ike_addr_ip_len(const struct ike_addr *a)
{
    return a->family == 6 ? 16 : 4;
}

static inline bool ike_addr_ip_equal(const struct ike_addr *a, const struct ike_addr *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, ike_addr_ip_len(a)) == 0;
}

/* Same address and port. */
static inline bool ike_addr_equal(const struct ike_addr *a, const struct ike_addr *b)
{
    return ike_addr_ip_equal(a, b) && a->port == b->port;
}

/* Fills `a` from a textual IPv4 or IPv6 address; returns 0 or -EINVAL. */
int ike_addr_parse(struct ike_addr *a, const char *text, uint16_t port);

/* "198.51.100.2:4500" or "[2001:db8::2]:500" into out (truncated to cap). */
/* "[ipv6]:port" or "ipv4:port"; this many bytes always suffice. */
#define IKE_ADDR_STRLEN 56
void ike_addr_format(const struct ike_addr *a, char *out, size_t cap);

#endif
