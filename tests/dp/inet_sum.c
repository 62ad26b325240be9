/* SPDX-License-Identifier: BSD-3-Clause */
#include "inet_sum.h"

#include <string.h>

void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

uint32_t add_words(uint32_t sum, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)buf[i] << 8 | buf[i + 1];
    if (len % 2 != 0)
        sum += (uint32_t)buf[len - 1] << 8;
    return sum;
}

uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

uint32_t sum16(const uint8_t *p, size_t len, uint32_t acc)
{
    return fold(add_words(acc, p, len));
}

uint32_t udp6_sum(const uint8_t *ip6, const uint8_t *udp, size_t udp_len)
{
    uint8_t pseudo[40] = {0};
    memcpy(pseudo, ip6 + 8, 32);
    pseudo[34] = (uint8_t)(udp_len >> 8);
    pseudo[35] = (uint8_t)udp_len;
    pseudo[39] = 17;
    return sum16(udp, udp_len, sum16(pseudo, sizeof(pseudo), 0));
}
