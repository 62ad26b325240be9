/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Durations ("90", "30s", "20m", "8h", "1d"), in milliseconds too ("500ms"),
 * and byte counts ("500000", "64K", "2G").
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

/* The number at the start of s and the single unit letter after it, if any. */
static int split(const char *s, unsigned long long *num, char *unit)
{
    if (s[0] < '0' || s[0] > '9')
        return -EINVAL;
    char *end;
    errno = 0;
    *num = strtoull(s, &end, 10);
    if (errno != 0)
        return -ERANGE;
    *unit = end[0];
    if (end[0] != '\0' && end[1] != '\0')
        return -EINVAL;
    return 0;
}

int conf_parse_duration(const char *s, unsigned max_s, unsigned *out)
{
    unsigned long long n;
    char unit;
    int rc = split(s, &n, &unit);
    if (rc < 0)
        return rc;
    unsigned long long mul;
    switch (unit) {
    case '\0':
    case 's':
        mul = 1;
        break;
    case 'm':
        mul = 60;
        break;
    case 'h':
        mul = 3600;
        break;
    case 'd':
        mul = 86400;
        break;
    default:
        return -EINVAL;
    }
    if (n > max_s / mul)
        return -ERANGE;
    *out = (unsigned)(n * mul);
    return 0;
}

int conf_parse_duration_ms(const char *s, unsigned max_ms, unsigned *out)
{
    if (s[0] < '0' || s[0] > '9')
        return -EINVAL;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno != 0)
        return -ERANGE;
    static const struct {
        const char *unit;
        unsigned long long ms;
    } units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].unit) != 0)
            continue;
        if (n > max_ms / units[i].ms)
            return -ERANGE;
        *out = (unsigned)(n * units[i].ms);
        return 0;
    }
    return -EINVAL;
}

int conf_parse_bytes(const char *s, uint64_t *out)
{
    unsigned long long n;
    char unit;
    int rc = split(s, &n, &unit);
    if (rc < 0)
        return rc;
    unsigned shift;
    switch (unit) {
    case '\0':
        shift = 0;
        break;
    case 'K':
    case 'k':
        shift = 10;
        break;
    case 'M':
        shift = 20;
        break;
    case 'G':
        shift = 30;
        break;
    case 'T':
        shift = 40;
        break;
    default:
        return -EINVAL;
    }
    if (n > (UINT64_MAX >> shift))
        return -ERANGE;
    *out = (uint64_t)n << shift;
    return 0;
}
