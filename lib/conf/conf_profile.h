/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port profiles (drivers-cfg/NAME.yaml): what veer asks of one family of
 * devices (descriptor counts, RSS, offloads, MTU, promiscuous mode, how long
 * to wait for the link). A port names one (`profile: ixgbe`) or leaves it to
 * `auto` (lib/dp/port/port.c picks by the probed driver's name); any profile key
 * given on the port itself overrides the file. Offloads and RSS fields are
 * wishes: lib/dp masks them with what the device offers.
 *
 * No DPDK here: lib/conf is built without it, so fields and offloads are
 * veer's own bits and lib/dp maps them to RTE_ETH_* flags.
 */
#ifndef VEER_CONF_PROFILE_H
#define VEER_CONF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_PROFILE_NAME_MAX 32
#define CONF_PROFILE_DIR_MAX 256
#define CONF_PROFILE_AUTO "auto"

/* What RSS may hash on. */
enum conf_rss_field {
    CONF_RSS_IPV4 = 1u << 0,
    CONF_RSS_IPV6 = 1u << 1,
    CONF_RSS_UDP = 1u << 2, /* also spreads NAT-T (ESP in UDP 4500) by the peers' ports */
    CONF_RSS_TCP = 1u << 3,
    CONF_RSS_ESP = 1u << 4, /* the SPI of plain ESP (protocol 50) */
};

/* Offloads veer knows how to use (RX and TX share the bits; not every one exists both ways). */
enum conf_offload {
    CONF_OFFLOAD_IPV4_CKSUM = 1u << 0,
    CONF_OFFLOAD_UDP_CKSUM = 1u << 1,
    CONF_OFFLOAD_MULTI_SEG = 1u << 2, /* RX: scatter; TX: multi-segment mbufs */
    CONF_OFFLOAD_FAST_FREE = 1u << 3, /* TX only: one mempool, refcount 1 */
};

struct conf_port_profile {
    unsigned rx_desc, tx_desc; /* per queue */
    bool rss;                  /* spread flows over the workers' RX queues */
    uint32_t rss_fields;       /* enum conf_rss_field */
    uint32_t rx_offloads;      /* enum conf_offload */
    uint32_t tx_offloads;      /* enum conf_offload */
    unsigned mtu;              /* key device_mtu: the device's MTU, 0: leave it */
    bool promiscuous;
    unsigned link_wait_ms; /* at start, how long to wait for the link before going on */
};

/* Which keys were given (a profile must give all; a port overrides the ones it gives). */
enum conf_profile_key {
    CONF_PK_RX_DESC = 1u << 0,
    CONF_PK_TX_DESC = 1u << 1,
    CONF_PK_RSS = 1u << 2,
    CONF_PK_RSS_FIELDS = 1u << 3,
    CONF_PK_RX_OFFLOADS = 1u << 4,
    CONF_PK_TX_OFFLOADS = 1u << 5,
    CONF_PK_MTU = 1u << 6,
    CONF_PK_PROMISCUOUS = 1u << 7,
    CONF_PK_LINK_WAIT_MS = 1u << 8,
    CONF_PK_ALL = (1u << 9) - 1,
};

/* A port's own profile keys (dataplane.ports[i]), laid over its profile. */
struct conf_profile_overrides {
    uint32_t given; /* enum conf_profile_key */
    struct conf_port_profile values;
};

/*
 * Loads DIR/NAME.yaml. NAME: letters, digits, '_' and '-' only. Returns 0, or
 * -1 with "FILE:LINE: KEY: why" in err.
 */
int conf_profile_load(const char *dir, const char *name, struct conf_port_profile *out, char *err,
                      size_t err_len);

/* Lays the keys a port gave over its profile. */
void conf_profile_override(struct conf_port_profile *p, const struct conf_profile_overrides *o);

/*
 * Where profiles are when dataplane.drivers_cfg does not say: the source
 * tree's drivers-cfg/ for a program run from the build tree it was built in,
 * else the installed copy (DATADIR/veer/drivers-cfg).
 */
void conf_profile_default_dir(char *out, size_t cap);

/* Names as the files and `/veer/ports` spell them. */
const char *conf_rss_field_name(uint32_t bit);
const char *conf_offload_name(uint32_t bit);

#endif
