/* SPDX-License-Identifier: BSD-3-Clause */
/* veer-flood's own command line (after EAL's "--"). */
#ifndef VEER_FLOOD_ARGS_H
#define VEER_FLOOD_ARGS_H

#include <stdbool.h>
#include <stdint.h>

enum flood_mode {
    FLOOD_MODE_IKE, /* new IKE_SA_INIT requests from made-up clients */
    FLOOD_MODE_UDP, /* plain UDP datagrams, e.g. traffic for a gateway to protect */
};

struct flood_args {
    const char *device; /* a vdev string or PCI address, hot-plugged */
    uint16_t rx_queues; /* a memif peer's TX queue count (veer: workers + 1) */
    enum flood_mode mode;
    uint32_t local_ip;             /* our own address on the link, network order */
    uint8_t local_prefix;          /* its subnet */
    uint32_t dst_ip;               /* network order */
    uint16_t dst_port;             /* 500, or 4500 with the non-ESP marker */
    uint32_t src_net, src_count;   /* made-up sources: src_net .. src_net+src_count-1, host order */
    uint16_t sport_min, sport_max; /* made-up source ports */
    uint64_t rate;                 /* packets per second, 0: as fast as the port takes them */
    double duration;               /* seconds, 0: until --count or a signal */
    uint64_t count;                /* packets, 0: no limit */
    unsigned burst;
    bool redirect_supported;
    bool answer_cookies; /* return every COOKIE, as a real client would */
    unsigned size;       /* UDP mode: IP packet size in bytes */
    double stats_interval;
    uint64_t seed;
};

/* Parses argv (getopt style). 0, or -1 after printing what was wrong. */
int flood_args_parse(struct flood_args *a, int argc, char **argv);

#endif
