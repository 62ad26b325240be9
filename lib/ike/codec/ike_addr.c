/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

int ike_addr_parse(struct ike_addr *a, const char *text, uint16_t port)
{
    memset(a, 0, sizeof(*a));
    a->port = port;
    if (inet_pton(AF_INET, text, a->ip) == 1) {
        a->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, text, a->ip) == 1) {
        a->family = 6;
        return 0;
    }
    return -EINVAL;
}

void ike_addr_format(const struct ike_addr *a, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof(ip)) == NULL)
        snprintf(ip, sizeof(ip), "?");
    snprintf(out, cap, a->family == 6 ? "[%s]:%u" : "%s:%u", ip, a->port);
}
