/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_esp.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_pkt.h"

#define ESP_HDR 8 /* SPI, sequence number */
#define GCM_IV 8  /* explicit IV: the sequence number (RFC 4106 3.1) */
#define GCM_ICV 16
#define ESP_TRAILER 2 /* pad length, next header */
#define NEXT_IPV4 4
#define NEXT_NONE 59 /* a dummy packet (RFC 4303 2.6): dropped on receipt */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void gcm(IMB_MGR *mgr, const struct dp_esp_sa *sa, bool enc, uint8_t *data, size_t len,
                const uint8_t iv[12], const uint8_t aad[8], uint8_t tag[GCM_ICV])
{
    struct gcm_context_data ctx;
    if (sa->key_bits == 256) {
        if (enc)
            IMB_AES256_GCM_ENC(mgr, &sa->key, &ctx, data, data, len, iv, aad, 8, tag, GCM_ICV);
        else
            IMB_AES256_GCM_DEC(mgr, &sa->key, &ctx, data, data, len, iv, aad, 8, tag, GCM_ICV);
    } else {
        if (enc)
            IMB_AES128_GCM_ENC(mgr, &sa->key, &ctx, data, data, len, iv, aad, 8, tag, GCM_ICV);
        else
            IMB_AES128_GCM_DEC(mgr, &sa->key, &ctx, data, data, len, iv, aad, 8, tag, GCM_ICV);
    }
}

int dp_esp_encrypt(IMB_MGR *mgr, struct dp_esp_sa *sa, struct rte_mbuf *m, size_t l3,
                   struct dp_worker_counters *c)
{
    const struct rte_ipv4_hdr *inner = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3);
    size_t inner_len = rte_be_to_cpu_16(inner->total_length);
    /* Payload, padding, pad length and next header end on a 4-byte boundary (RFC 4303 2.4). */
    size_t pad = (4 - (inner_len + ESP_TRAILER) % 4) % 4;
    size_t outer = sizeof(struct rte_ipv4_hdr) + (sa->udp_encap ? sizeof(struct rte_udp_hdr) : 0);
    if (rte_pktmbuf_adj(m, (uint16_t)l3) == NULL ||
        rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - inner_len)) != 0 ||
        !rte_pktmbuf_is_contiguous(m) ||
        rte_pktmbuf_headroom(m) < sizeof(struct rte_ether_hdr) + outer + ESP_HDR + GCM_IV ||
        rte_pktmbuf_tailroom(m) < pad + ESP_TRAILER + GCM_ICV) {
        c->drop_esp_no_room++;
        return -1;
    }
    uint8_t *trailer = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(pad + ESP_TRAILER + GCM_ICV));
    for (size_t i = 0; i < pad; i++)
        trailer[i] = (uint8_t)(i + 1); /* the default padding: 1, 2, 3 ... (2.4) */
    trailer[pad] = (uint8_t)pad;
    trailer[pad + 1] = NEXT_IPV4;
    uint8_t *esp = (uint8_t *)rte_pktmbuf_prepend(m, ESP_HDR + GCM_IV);
    uint64_t seq = __atomic_add_fetch(&sa->seq, 1, __ATOMIC_RELAXED);
    put32(esp, sa->spi);
    put32(esp + 4, (uint32_t)seq);
    uint8_t *iv = esp + ESP_HDR;
    rte_be64_t be = rte_cpu_to_be_64(seq);
    memcpy(iv, &be, GCM_IV);
    uint8_t nonce[12];
    memcpy(nonce, sa->salt, 4);
    memcpy(nonce + 4, iv, GCM_IV);
    size_t plain = inner_len + pad + ESP_TRAILER;
    gcm(mgr, sa, true, esp + ESP_HDR + GCM_IV, plain, nonce, esp, trailer + pad + ESP_TRAILER);

    size_t esp_len = ESP_HDR + GCM_IV + plain + GCM_ICV;
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, (uint16_t)outer);
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = 0;
    ip->total_length = rte_cpu_to_be_16((uint16_t)(outer + esp_len));
    ip->packet_id = 0;
    ip->fragment_offset = 0;
    ip->time_to_live = DP_IP_DEFAULT_TTL;
    ip->next_proto_id = sa->udp_encap ? IPPROTO_UDP : IPPROTO_ESP;
    ip->src_addr = sa->local_ip;
    ip->dst_addr = sa->remote_ip;
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    if (sa->udp_encap) {
        struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
        udp->src_port = rte_cpu_to_be_16(sa->local_port);
        udp->dst_port = rte_cpu_to_be_16(sa->remote_port);
        udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + esp_len));
        udp->dgram_cksum = 0; /* allowed for ESP in UDP over IPv4 (RFC 3948 2.1) */
    }
    sa->packets++;
    sa->bytes += inner_len;
    c->esp_encrypted++;
    return 0;
}

/* RFC 4303 3.4.3 and Appendix A2: a window of DP_REPLAY_WINDOW below the highest seen. */
static int replay_check(const struct dp_esp_sa *sa, uint32_t seq, struct dp_worker_counters *c)
{
    uint64_t top = sa->seq;
    if (seq == 0 || (seq <= top && top - seq >= DP_REPLAY_WINDOW)) {
        c->drop_esp_too_old++;
        return -1;
    }
    if (seq <= top && (sa->replay_bitmap >> (top - seq)) & 1) {
        c->drop_esp_replayed++;
        return -1;
    }
    return 0;
}

/* Only after the ICV proved the packet genuine does the window move. */
static void replay_update(struct dp_esp_sa *sa, uint32_t seq)
{
    if (seq > sa->seq) {
        uint64_t shift = seq - sa->seq;
        sa->replay_bitmap = shift >= DP_REPLAY_WINDOW ? 1 : (sa->replay_bitmap << shift) | 1;
        sa->seq = seq;
    } else {
        sa->replay_bitmap |= 1ull << (sa->seq - seq);
    }
}

static bool tags_equal(const uint8_t *a, const uint8_t *b)
{
    uint8_t diff = 0;
    for (unsigned i = 0; i < GCM_ICV; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

int dp_esp_decrypt(IMB_MGR *mgr, const struct dp_sadb *db, struct rte_mbuf *m, size_t esp_off,
                   struct dp_worker_counters *c)
{
    const struct rte_ipv4_hdr *ip = dp_ipv4(m);
    size_t end = sizeof(struct rte_ether_hdr) + rte_be_to_cpu_16(ip->total_length);
    if (!rte_pktmbuf_is_contiguous(m) || end > rte_pktmbuf_data_len(m) ||
        end < esp_off + ESP_HDR + GCM_IV + ESP_TRAILER + GCM_ICV) {
        c->drop_esp_runt++;
        return -1;
    }
    uint8_t *esp = rte_pktmbuf_mtod_offset(m, uint8_t *, esp_off);
    uint32_t spi = get32(esp), seq = get32(esp + 4);
    void *data = NULL;
    if (rte_hash_lookup_data(db->in, &spi, &data) < 0) {
        c->drop_esp_unknown_spi++;
        return -1;
    }
    struct dp_esp_sa *sa = data;
    if (replay_check(sa, seq, c) < 0)
        return -1;
    uint8_t nonce[12];
    memcpy(nonce, sa->salt, 4);
    memcpy(nonce + 4, esp + ESP_HDR, GCM_IV);
    uint8_t *ct = esp + ESP_HDR + GCM_IV;
    size_t ct_len = end - esp_off - ESP_HDR - GCM_IV - GCM_ICV;
    uint8_t tag[GCM_ICV];
    gcm(mgr, sa, false, ct, ct_len, nonce, esp, tag);
    if (!tags_equal(tag, ct + ct_len)) {
        c->drop_esp_bad_icv++;
        return -1;
    }
    replay_update(sa, seq);
    uint8_t pad = ct[ct_len - 2], next = ct[ct_len - 1];
    if ((size_t)pad + ESP_TRAILER > ct_len || next != NEXT_IPV4) {
        if (next == NEXT_NONE)
            c->drop_esp_dummy++;
        else
            c->drop_esp_bad_trailer++;
        return -1;
    }
    size_t inner_len = ct_len - ESP_TRAILER - pad;
    const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)ct;
    if (inner_len < sizeof(*in) || (in->version_ihl >> 4) != 4 ||
        rte_be_to_cpu_16(in->total_length) > inner_len) {
        c->drop_esp_bad_trailer++;
        return -1;
    }
    rte_pktmbuf_adj(m, (uint16_t)(esp_off + ESP_HDR + GCM_IV));
    rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - rte_be_to_cpu_16(in->total_length)));
    sa->packets++;
    sa->bytes += inner_len;
    c->esp_decrypted++;
    return 0;
}
