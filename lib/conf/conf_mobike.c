/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MOBIKE's and r-MOBIKE's keys (docs/configuration.md#mobike): the gateway's
 * announced addresses, SWITCH_TO_IP_ADDRESS's number and timeout; a peer's
 * rmobike and switch_allow.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_loader.h"

static int mobike_address_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    (void)arg;
    struct veer_conf *c = l->conf;
    const char *s;
    if (conf_want_scalar(l, item, &s) < 0)
        return -1;
    if (i >= CONF_MAX_MOBIKE_ADDRS)
        return conf_fail(l, item, "at most %d addresses", CONF_MAX_MOBIKE_ADDRS);
    if (ike_addr_parse(&c->mobike_addrs[i], s, 0) < 0)
        return conf_fail(l, item, "not an IPv4 or IPv6 address: \"%s\"", s);
    c->nmobike_addrs = i + 1;
    return 0;
}

int conf_mobike_gateway_key(struct loader *l, const char *key, const yaml_node_t *v)
{
    struct ike_config *c = &l->conf->ike;
    const char *s;
    if (strcmp(key, "mobike_addresses") == 0)
        return conf_each_item(l, v, mobike_address_item, NULL);
    if (strcmp(key, "switch_notify") == 0) {
        unsigned n;
        if (conf_want_uint(l, v, 65535, &n) < 0)
            return -1;
        /* The private-use status range (RFC 7296 3.10.1): the draft has no number yet. */
        if (n < 40960)
            return conf_fail(l, v, "a private-use status type, 40960 to 65535");
        c->switch_notify = (uint16_t)n;
        return 0;
    }
    if (strcmp(key, "switch_timeout") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (conf_parse_duration(s, 3600, &c->switch_timeout_s) < 0 || c->switch_timeout_s == 0)
            return conf_fail(l, v, "expected a duration from 1s to 1h, got \"%s\"", s);
        return 0;
    }
    return 1;
}

/* "192.0.2.0/24" or "2001:db8::/32" (an address alone: all of it); no host bits. */
static int switch_allow_item(struct loader *l, const yaml_node_t *item, unsigned i, void *arg)
{
    struct ike_peer_cfg *p = arg;
    const char *s;
    if (conf_want_scalar(l, item, &s) < 0)
        return -1;
    if (i >= IKE_MAX_SWITCH_ALLOW)
        return conf_fail(l, item, "at most %d subnets", IKE_MAX_SWITCH_ALLOW);
    char text[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
    struct ike_prefix *dst = &p->switch_allow[i];
    if (alen >= sizeof(text))
        return conf_fail(l, item, "bad subnet \"%s\"", s);
    memcpy(text, s, alen);
    text[alen] = '\0';
    if (ike_addr_parse(&dst->addr, text, 0) < 0)
        return conf_fail(l, item, "not an IPv4 or IPv6 subnet: \"%s\"", s);
    unsigned bits = ike_addr_ip_len(&dst->addr) * 8, len = bits;
    if (slash != NULL) {
        char *end;
        unsigned long v = strtoul(slash + 1, &end, 10);
        if (*end != '\0' || end == slash + 1 || v > bits)
            return conf_fail(l, item, "bad prefix length in \"%s\"", s);
        len = (unsigned)v;
    }
    for (unsigned b = len; b < bits; b++) {
        if (dst->addr.ip[b / 8] & (0x80 >> (b % 8)))
            return conf_fail(l, item, "\"%s\" has host bits set", s);
    }
    dst->len = (uint8_t)len;
    p->nswitch_allow = i + 1;
    return 0;
}

int conf_mobike_peer_key(struct loader *l, struct ike_peer_cfg *p, const char *key,
                         const yaml_node_t *v)
{
    const char *s;
    if (strcmp(key, "rmobike") == 0) {
        if (conf_want_scalar(l, v, &s) < 0)
            return -1;
        if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
            p->rmobike = IKE_RMOBIKE_YES;
        else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
            p->rmobike = IKE_RMOBIKE_NO;
        else
            return conf_fail(l, v, "expected yes or no, got \"%s\"", s);
        return 0;
    }
    if (strcmp(key, "switch_allow") == 0)
        return conf_each_item(l, v, switch_allow_item, p);
    return 1;
}
