/* SPDX-License-Identifier: BSD-3-Clause */
#include "unit_util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

size_t unit_hex(const char *hex, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        int d = hex_digit((unsigned char)*hex);
        if (d < 0)
            continue;
        if (hi < 0) {
            hi = d;
            continue;
        }
        assert_true(n < cap);
        buf[n++] = (uint8_t)(hi << 4 | d);
        hi = -1;
    }
    assert_int_equal(hi, -1);
    return n;
}

size_t unit_pcap_udp_payload(const char *file, unsigned index, uint8_t *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", VEER_TEST_DATA, file);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t gh[24];
    assert_int_equal(fread(gh, 1, sizeof(gh), f), sizeof(gh));
    size_t result = 0;
    for (unsigned i = 0; i <= index; i++) {
        uint8_t rh[16];
        if (fread(rh, 1, sizeof(rh), f) != sizeof(rh))
            break;
        uint32_t incl = (uint32_t)rh[8] | (uint32_t)rh[9] << 8 | (uint32_t)rh[10] << 16 |
                        (uint32_t)rh[11] << 24;
        uint8_t frame[65536];
        if (incl > sizeof(frame) || fread(frame, 1, incl, f) != incl)
            break;
        if (i != index)
            continue;
        /* Ethernet (14) + IPv4 (IHL) + UDP (8) */
        assert_true(incl > 14 + 20 + 8);
        size_t ihl = (size_t)(frame[14] & 0x0f) * 4;
        size_t off = 14 + ihl + 8;
        assert_true(off <= incl);
        result = incl - off;
        assert_true(result <= cap);
        memcpy(buf, frame + off, result);
    }
    fclose(f);
    return result;
}
