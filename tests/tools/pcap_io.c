/* SPDX-License-Identifier: BSD-3-Clause */
#include "pcap_io.h"

#include <errno.h>
#include <string.h>

#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_MAGIC_SWAPPED 0xd4c3b2a1u
#define PCAP_GLOBAL_HDR_LEN 24
#define PCAP_RECORD_HDR_LEN 16
#define LINKTYPE_ETHERNET 1

#define ETH_HDR_LEN 14
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_VLAN 0x8100
#define VLAN_TAG_LEN 4
#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define UDP_HDR_LEN 8
#define IPPROTO_UDP_NUM 17
#define IPV4_FLAG_DF 0x4000
#define IPV4_FRAG_MASK 0x3fff /* MF and the fragment offset */
#define TTL 64

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32_order(const uint8_t *p, bool swapped)
{
    if (swapped)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* pcap headers are written little-endian; the magic number tells readers so. */
static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Parses Ethernet / IP / UDP; fills everything in `out` but the index. */
static int parse_frame(const uint8_t *f, size_t n, struct pcap_udp *out)
{
    if (n < ETH_HDR_LEN)
        return -EPROTO;
    size_t pos = ETH_HDR_LEN;
    uint16_t type = get16(f + 12);
    if (type == ETH_TYPE_VLAN) {
        if (n < ETH_HDR_LEN + VLAN_TAG_LEN)
            return -EPROTO;
        type = get16(f + 16);
        pos += VLAN_TAG_LEN;
    }
    memset(&out->src, 0, sizeof(out->src));
    memset(&out->dst, 0, sizeof(out->dst));
    size_t ip_end;
    if (type == ETH_TYPE_IPV4) {
        if (n - pos < IPV4_HDR_LEN || f[pos] >> 4 != 4)
            return -EPROTO;
        size_t ihl = (size_t)(f[pos] & 0x0f) * 4;
        size_t total = get16(f + pos + 2);
        if (ihl < IPV4_HDR_LEN || total < ihl || total > n - pos || f[pos + 9] != IPPROTO_UDP_NUM ||
            (get16(f + pos + 6) & IPV4_FRAG_MASK) != 0)
            return -EPROTO;
        out->src.family = out->dst.family = 4;
        memcpy(out->src.ip, f + pos + 12, 4);
        memcpy(out->dst.ip, f + pos + 16, 4);
        ip_end = pos + total;
        pos += ihl;
    } else if (type == ETH_TYPE_IPV6) {
        /* Extension headers are not followed: the captures have none. */
        if (n - pos < IPV6_HDR_LEN || f[pos] >> 4 != 6 || f[pos + 6] != IPPROTO_UDP_NUM)
            return -EPROTO;
        size_t plen = get16(f + pos + 4);
        if (plen > n - pos - IPV6_HDR_LEN)
            return -EPROTO;
        out->src.family = out->dst.family = 6;
        memcpy(out->src.ip, f + pos + 8, 16);
        memcpy(out->dst.ip, f + pos + 24, 16);
        ip_end = pos + IPV6_HDR_LEN + plen;
        pos += IPV6_HDR_LEN;
    } else {
        return -EPROTO;
    }
    if (ip_end - pos < UDP_HDR_LEN)
        return -EPROTO;
    size_t ulen = get16(f + pos + 4);
    if (ulen < UDP_HDR_LEN || ulen > ip_end - pos)
        return -EPROTO;
    out->src.port = get16(f + pos);
    out->dst.port = get16(f + pos + 2);
    out->len = ulen - UDP_HDR_LEN;
    memcpy(out->payload, f + pos + UDP_HDR_LEN, out->len);
    return 0;
}

int pcap_io_read_udp(const char *path, unsigned index, struct pcap_udp *out)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return -ENOENT;
    uint8_t gh[PCAP_GLOBAL_HDR_LEN];
    int rc = -EIO;
    if (fread(gh, 1, sizeof(gh), fp) != sizeof(gh))
        goto out;
    uint32_t magic = get32_order(gh, false);
    if (magic != PCAP_MAGIC && magic != PCAP_MAGIC_SWAPPED)
        goto out;
    bool swapped = magic == PCAP_MAGIC_SWAPPED;
    if (get32_order(gh + 20, swapped) != LINKTYPE_ETHERNET) {
        rc = -EPROTO;
        goto out;
    }
    for (unsigned i = 0;; i++) {
        uint8_t rh[PCAP_RECORD_HDR_LEN];
        if (fread(rh, 1, sizeof(rh), fp) != sizeof(rh)) {
            rc = -ENOENT;
            goto out;
        }
        uint32_t incl = get32_order(rh + 8, swapped);
        if (incl > PCAP_IO_MAX_FRAME)
            goto out;
        if (i != index) {
            if (fseek(fp, (long)incl, SEEK_CUR) != 0)
                goto out;
            continue;
        }
        uint8_t frame[PCAP_IO_MAX_FRAME];
        if (fread(frame, 1, incl, fp) != incl)
            goto out;
        rc = parse_frame(frame, incl, out);
        out->index = index;
        goto out;
    }
out:
    fclose(fp);
    return rc;
}

FILE *pcap_io_create(const char *path)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return NULL;
    uint8_t gh[PCAP_GLOBAL_HDR_LEN] = {0};
    put32le(gh, PCAP_MAGIC);
    gh[4] = 2; /* version 2.4 */
    gh[6] = 4;
    put32le(gh + 16, PCAP_IO_MAX_FRAME); /* snaplen */
    put32le(gh + 20, LINKTYPE_ETHERNET);
    if (fwrite(gh, 1, sizeof(gh), fp) != sizeof(gh)) {
        fclose(fp);
        return NULL;
    }
    return fp;
}

/* One's-complement sum of 16-bit big-endian words (RFC 1071), not yet folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (; n >= 2; p += 2, n -= 2)
        sum += get16(p);
    if (n == 1)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int pcap_io_write_udp(FILE *f, uint64_t usec, const struct ike_addr *src,
                      const struct ike_addr *dst, const uint8_t *payload, size_t len)
{
    if (src->family != dst->family || (src->family != 4 && src->family != 6))
        return -EINVAL;
    bool v6 = src->family == 6;
    size_t ip_hdr = v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
    size_t udp_len = UDP_HDR_LEN + len;
    size_t ip_len = ip_hdr + udp_len;
    size_t frame_len = ETH_HDR_LEN + ip_len;
    if (udp_len > UINT16_MAX || (!v6 && ip_len > UINT16_MAX) || frame_len > PCAP_IO_MAX_FRAME)
        return -EINVAL;

    uint8_t frame[PCAP_IO_MAX_FRAME];
    memset(frame, 0, ETH_HDR_LEN + ip_hdr + UDP_HDR_LEN);
    /* Locally administered MACs: the gateway ends in 01, the client in 02. */
    static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x01};
    static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x02};
    bool from_gw = src->port == 500 || src->port == 4500;
    memcpy(frame, from_gw ? mac_b : mac_a, 6);
    memcpy(frame + 6, from_gw ? mac_a : mac_b, 6);
    put16(frame + 12, v6 ? ETH_TYPE_IPV6 : ETH_TYPE_IPV4);

    uint8_t *ip = frame + ETH_HDR_LEN;
    uint8_t *udp = ip + ip_hdr;
    uint32_t sum = 0;
    if (v6) {
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)udp_len);
        ip[6] = IPPROTO_UDP_NUM;
        ip[7] = TTL;
        memcpy(ip + 8, src->ip, 16);
        memcpy(ip + 24, dst->ip, 16);
        /* Pseudo-header (RFC 8200 8.1): addresses, upper-layer length, next header. */
        sum = csum_add(sum, ip + 8, 32);
        sum += (uint32_t)udp_len;
    } else {
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)ip_len);
        put16(ip + 6, IPV4_FLAG_DF);
        ip[8] = TTL;
        ip[9] = IPPROTO_UDP_NUM;
        memcpy(ip + 12, src->ip, 4);
        memcpy(ip + 16, dst->ip, 4);
        put16(ip + 10, csum_fold(csum_add(0, ip, IPV4_HDR_LEN)));
        /* Pseudo-header (RFC 768): addresses, zero, protocol, UDP length. */
        sum = csum_add(sum, ip + 12, 8);
        sum += (uint32_t)udp_len;
    }
    sum += IPPROTO_UDP_NUM;
    put16(udp, src->port);
    put16(udp + 2, dst->port);
    put16(udp + 4, (uint16_t)udp_len);
    memcpy(udp + UDP_HDR_LEN, payload, len);
    uint16_t ck = csum_fold(csum_add(sum, udp, udp_len));
    /* 0 means "no checksum" for UDP over IPv4 and is forbidden over IPv6 (RFC 768, 8200). */
    put16(udp + 6, ck == 0 ? 0xffff : ck);

    return pcap_io_write_frame(f, usec, frame, frame_len);
}

int pcap_io_write_frame(FILE *f, uint64_t usec, const uint8_t *frame, size_t len)
{
    if (len > PCAP_IO_MAX_FRAME)
        return -EINVAL;
    uint8_t rh[PCAP_RECORD_HDR_LEN];
    put32le(rh, (uint32_t)(usec / 1000000));
    put32le(rh + 4, (uint32_t)(usec % 1000000));
    put32le(rh + 8, (uint32_t)len);
    put32le(rh + 12, (uint32_t)len);
    if (fwrite(rh, 1, sizeof(rh), f) != sizeof(rh) || fwrite(frame, 1, len, f) != len)
        return -EIO;
    return 0;
}
