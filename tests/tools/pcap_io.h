/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classic pcap files (not pcapng) of Ethernet frames carrying UDP over IPv4 or
 * IPv6: just enough to take IKE datagrams out of the captures in tests/data and
 * to write generated replies that tshark can dissect. Shared by the benchmark
 * and the reply generator, which must not depend on cmocka.
 */
#ifndef VEER_TOOLS_PCAP_IO_H
#define VEER_TOOLS_PCAP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ike_addr.h"

/* Largest frame either side handles: an IKE datagram is at most 64 KiB. */
#define PCAP_IO_MAX_FRAME 65600

/* One UDP datagram found in a capture. */
struct pcap_udp {
    unsigned index; /* frame number, from 0 */
    struct ike_addr src;
    struct ike_addr dst;
    size_t len; /* UDP payload bytes */
    uint8_t payload[PCAP_IO_MAX_FRAME];
};

/*
 * Reads the UDP datagram in frame `index` of `path`. Returns 0, -ENOENT when
 * the file or the frame does not exist, -EPROTO when the frame is not
 * Ethernet/IPv4-or-IPv6/UDP or is cut short, -EIO on a malformed file.
 */
int pcap_io_read_udp(const char *path, unsigned index, struct pcap_udp *out);

/* Opens `path` for writing and writes the pcap file header (Ethernet, microseconds). */
FILE *pcap_io_create(const char *path);

/*
 * Appends one frame: Ethernet, IPv4 (with header checksum) or IPv6 per the
 * family of src and dst (which must match), and UDP with its checksum over the
 * pseudo-header. `usec` is the frame's timestamp. Returns 0, -EINVAL for mixed
 * families or a payload too big for one datagram, -EIO on a write error.
 */
int pcap_io_write_udp(FILE *f, uint64_t usec, const struct ike_addr *src,
                      const struct ike_addr *dst, const uint8_t *payload, size_t len);

/* Writes one whole Ethernet frame as it is. 0, -EINVAL (too long) or -EIO. */
int pcap_io_write_frame(FILE *f, uint64_t usec, const uint8_t *frame, size_t len);

#endif
