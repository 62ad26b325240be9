/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the traffic of the whole-appliance ESP benchmark (scripts/bench-appliance.sh)
 * as pcaps that DPDK's net_pcap replays (infinite_rx=1), for veer and for
 * ipsec-secgw alike:
 *
 *   plain-SIZE.pcap  IPv4/UDP 10.2.0.2:5000 -> 10.1.0.2:5001, SIZE bytes of IP,
 *                    arriving on the gateway's protected side to be encrypted;
 *   esp-SIZE.pcap    the same size of inner packet 10.1.0.2:5001 -> 10.2.0.2:5000
 *                    in ESP (tunnel mode, IP protocol 50) 198.51.100.2 -> 198.51.100.1,
 *                    SPI 0x2000, AES-GCM-128 (RFC 4106) with key 10 11 .. 1f and
 *                    salt b0 b1 b2 b3, sequence numbers 1..N, to be decrypted.
 *
 * SIZE is 64, 512, 1400 and imix (64:576:1500 as 7:4:1). The ESP is sealed
 * with OpenSSL, not with veer's engine, so the benchmark also cross-checks
 * the two (every packet veer decrypts was made by another implementation).
 * The outbound SA of the benchmark (SPI 0x1000, key 00 01 .. 0f, salt a0 a1
 * a2 a3) needs no pcap: the gateway makes that traffic.
 *
 *   gen_bench_pcap OUT_DIR [PACKETS_PER_FILE [GATEWAY_MAC]]
 *
 * GATEWAY_MAC (default 02:00:00:00:00:01) is the destination of every frame:
 * a real NIC takes only frames for its own address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pcap_io.h"
#include "wire.h"

#define ETH_LEN 14
#define IP_LEN 20
#define UDP_LEN 8
#define ESP_HDR_LEN 8
#define ESP_IV_LEN 8
#define ESP_ICV_LEN 16
#define GCM_KEY_LEN 16
#define SALT_LEN 4
#define IPPROTO_UDP_NUM 17
#define IPPROTO_ESP_NUM 50
#define NEXT_HEADER_IPV4 4
#define DEFAULT_PACKETS 1024
#define SPI_IN 0x2000u

struct addrs {
    uint8_t src[4], dst[4];
};

static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const struct addrs inner_out = {{10, 2, 0, 2}, {10, 1, 0, 2}};
static const struct addrs inner_in = {{10, 1, 0, 2}, {10, 2, 0, 2}};
static const struct addrs outer_in = {{198, 51, 100, 2}, {198, 51, 100, 1}};
static const uint8_t key_in[GCM_KEY_LEN] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                            0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
static const uint8_t salt_in[SALT_LEN] = {0xb0, 0xb1, 0xb2, 0xb3};

static void ipv4_header(uint8_t *h, size_t total, uint8_t proto, const struct addrs *a, uint16_t id)
{
    memset(h, 0, IP_LEN);
    h[0] = 0x45;
    put16(h + 2, (uint16_t)total);
    put16(h + 4, id);
    h[8] = 64;
    h[9] = proto;
    memcpy(h + 12, a->src, 4);
    memcpy(h + 16, a->dst, 4);
    put16(h + 10, ipv4_header_checksum(h, IP_LEN));
}

/*
 * An IPv4/UDP packet of `size` bytes, number n (from 1): the IP id and the
 * first 4 payload bytes carry n, then bytes counting up from 0, as
 * scripts/make-bench-pcaps.py writes them: the two generators must write the
 * same bytes (tests/dp/bench_pcaps_agree.sh).
 */
static void udp_packet(uint8_t *p, size_t size, const struct addrs *a, uint16_t sport,
                       uint16_t dport, uint32_t n)
{
    ipv4_header(p, size, IPPROTO_UDP_NUM, a, (uint16_t)n);
    uint8_t *u = p + IP_LEN;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, (uint16_t)(size - IP_LEN));
    put16(u + 6, 0);
    put32(u + UDP_LEN, n);
    for (size_t i = 0; i < size - IP_LEN - UDP_LEN - 4; i++)
        u[UDP_LEN + 4 + i] = (uint8_t)i;
    /* RFC 768: over the pseudo-header (addresses, protocol, UDP length) and the datagram. */
    size_t ulen = size - IP_LEN;
    uint32_t sum = IPPROTO_UDP_NUM + (uint32_t)ulen;
    for (unsigned i = 0; i < 8; i += 2)
        sum += (uint32_t)(p[12 + i] << 8 | p[13 + i]);
    for (size_t i = 0; i < ulen; i += 2)
        sum += (uint32_t)(u[i] << 8 | (i + 1 < ulen ? u[i + 1] : 0));
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t ck = (uint16_t)~sum;
    put16(u + 6, ck == 0 ? 0xffff : ck);
}

static void ethernet(uint8_t *f, const uint8_t *dst, const uint8_t *src)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    put16(f + 12, 0x0800);
}

/* Seals `inner` into an ESP frame with sequence number seq; returns the frame length or 0. */
static size_t esp_frame(EVP_CIPHER_CTX *ctx, const uint8_t *gw_mac, const uint8_t *inner,
                        size_t inner_len, uint32_t seq, uint8_t *f)
{
    /* RFC 4303 2.4: payload, padding 1, 2, 3..., pad length, next header; 4-byte aligned. */
    size_t pad = (4 - (inner_len + 2) % 4) % 4;
    size_t ct_len = inner_len + pad + 2;
    size_t esp_len = ESP_HDR_LEN + ESP_IV_LEN + ct_len + ESP_ICV_LEN;
    ethernet(f, gw_mac, peer_mac);
    ipv4_header(f + ETH_LEN, IP_LEN + esp_len, IPPROTO_ESP_NUM, &outer_in, 0);
    uint8_t *esp = f + ETH_LEN + IP_LEN;
    put32(esp, SPI_IN);
    put32(esp + 4, seq);
    /* The explicit IV (RFC 4106 3.1): any value never repeated under the key; the sequence. */
    uint8_t *iv = esp + ESP_HDR_LEN;
    memset(iv, 0, 4);
    put32(iv + 4, seq);
    uint8_t *ct = iv + ESP_IV_LEN;
    memcpy(ct, inner, inner_len);
    for (size_t i = 0; i < pad; i++)
        ct[inner_len + i] = (uint8_t)(i + 1);
    ct[inner_len + pad] = (uint8_t)pad;
    ct[inner_len + pad + 1] = NEXT_HEADER_IPV4;
    uint8_t nonce[SALT_LEN + ESP_IV_LEN];
    memcpy(nonce, salt_in, SALT_LEN);
    memcpy(nonce + SALT_LEN, iv, ESP_IV_LEN);
    int n = 0;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, sizeof(nonce), NULL) != 1 ||
        EVP_EncryptInit_ex(ctx, NULL, NULL, key_in, nonce) != 1 ||
        EVP_EncryptUpdate(ctx, NULL, &n, esp, ESP_HDR_LEN) != 1 || /* AAD: SPI, sequence */
        EVP_EncryptUpdate(ctx, ct, &n, ct, (int)ct_len) != 1 ||
        EVP_EncryptFinal_ex(ctx, ct + n, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, ESP_ICV_LEN, ct + ct_len) != 1)
        return 0;
    return ETH_LEN + IP_LEN + esp_len;
}

static size_t size_of(const char *name, unsigned i)
{
    /* 7:4:1 of 64/576/1500, interleaved in the order make-bench-pcaps.py uses. */
    static const size_t imix[12] = {64, 576, 64, 64, 1500, 64, 576, 64, 64, 576, 64, 576};
    return strcmp(name, "imix") == 0 ? imix[i % 12] : (size_t)atoi(name);
}

static int write_pair(const char *dir, const char *name, unsigned packets, const uint8_t *gw_mac,
                      EVP_CIPHER_CTX *ctx)
{
    char path[2][512];
    snprintf(path[0], sizeof(path[0]), "%s/plain-%s.pcap", dir, name);
    snprintf(path[1], sizeof(path[1]), "%s/esp-%s.pcap", dir, name);
    FILE *plain = pcap_io_create(path[0]), *esp = pcap_io_create(path[1]);
    int rc = plain != NULL && esp != NULL ? 0 : -EIO;
    static uint8_t frame[2048], inner[2048];
    for (unsigned i = 0; rc == 0 && i < packets; i++) {
        size_t size = size_of(name, i);
        ethernet(frame, gw_mac, peer_mac);
        udp_packet(frame + ETH_LEN, size, &inner_out, 5000, 5001, i + 1);
        rc = pcap_io_write_frame(plain, i, frame, ETH_LEN + size);
        udp_packet(inner, size, &inner_in, 5001, 5000, i + 1);
        size_t n = rc == 0 ? esp_frame(ctx, gw_mac, inner, size, i + 1, frame) : 0;
        rc = n == 0 ? -EIO : pcap_io_write_frame(esp, i, frame, n);
    }
    if (plain != NULL && fclose(plain) != 0)
        rc = -EIO;
    if (esp != NULL && fclose(esp) != 0)
        rc = -EIO;
    if (rc != 0)
        fprintf(stderr, "gen_bench_pcap: cannot write %s or %s\n", path[0], path[1]);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned m[6] = {0x02, 0, 0, 0, 0, 0x01};
    if (argc < 2 || argc > 4 ||
        (argc == 4 && sscanf(argv[3], "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4],
                             &m[5]) != 6)) {
        fprintf(stderr, "usage: gen_bench_pcap OUT_DIR [PACKETS_PER_FILE [GATEWAY_MAC]]\n");
        return 2;
    }
    uint8_t gw_mac[6];
    for (unsigned i = 0; i < 6; i++)
        gw_mac[i] = (uint8_t)m[i];
    unsigned packets = argc >= 3 ? (unsigned)atoi(argv[2]) : DEFAULT_PACKETS;
    if (packets == 0 || packets > 1000000) {
        fprintf(stderr, "gen_bench_pcap: PACKETS_PER_FILE must be 1..1000000\n");
        return 2;
    }
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    static const char *const names[] = {"64", "512", "1400", "imix"};
    int rc = ctx != NULL ? 0 : 1;
    for (unsigned i = 0; rc == 0 && i < sizeof(names) / sizeof(names[0]); i++)
        rc = write_pair(argv[1], names[i], packets, gw_mac, ctx);
    EVP_CIPHER_CTX_free(ctx);
    return rc == 0 ? 0 : 1;
}
