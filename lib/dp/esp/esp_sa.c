/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Child SA -> dataplane SA: checks that the ESP engine does the negotiated
 * transforms, and prepares everything a packet would otherwise recompute:
 * expanded AES keys, GHASH tables, HMAC inner and outer states, the CBC IV
 * seed, the sequence number limits and the replay window.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <rte_malloc.h>

#include "dp_esp.h"
#include "dp_esp_ts.h"
#include "ike_consts.h"

struct integ_alg {
    uint16_t ike_id;
    IMB_HASH_ALG hash;
    uint8_t key_len;   /* RFC 2404 / 4868: the key is as long as the hash */
    uint8_t icv_len;   /* truncated to half (SHA-1: 96 bits) */
    uint8_t block_len; /* HMAC's block: 64, or 128 for SHA-384/512 */
};

static const struct integ_alg integ_algs[] = {
    {IKE_INTEG_HMAC_SHA1_96, IMB_AUTH_HMAC_SHA_1, 20, 12, 64},
    {IKE_INTEG_HMAC_SHA2_256_128, IMB_AUTH_HMAC_SHA_256, 32, 16, 64},
    {IKE_INTEG_HMAC_SHA2_384_192, IMB_AUTH_HMAC_SHA_384, 48, 24, 128},
    {IKE_INTEG_HMAC_SHA2_512_256, IMB_AUTH_HMAC_SHA_512, 64, 32, 128},
};

static const struct integ_alg *find_integ(uint16_t id)
{
    for (size_t i = 0; i < sizeof(integ_algs) / sizeof(integ_algs[0]); i++) {
        if (integ_algs[i].ike_id == id)
            return &integ_algs[i];
    }
    return NULL;
}

static bool aes_bits_ok(uint16_t bits)
{
    return bits == 128 || bits == 192 || bits == 256;
}

bool dp_esp_sa_supported(const struct ike_child_sa *c, char *why, size_t why_len)
{
    const char *name = ike_transform_id_name(IKE_TT_ENCR, c->alg.encr.id);
    if ((c->local.family != 4 && c->local.family != 6) || c->local.family != c->remote.family) {
        snprintf(why, why_len, "outer addresses of families %u and %u", c->local.family,
                 c->remote.family);
        return false;
    }
    if (c->alg.esn != IKE_ESN_NO_ESN && c->alg.esn != IKE_ESN_ESN) {
        snprintf(why, why_len, "ESN transform %u", c->alg.esn);
        return false;
    }
    if (c->alg.encr.id == IKE_ENCR_AES_GCM_16) {
        if (!aes_bits_ok(c->alg.encr.key_bits) || c->alg.integ != IKE_INTEG_NONE ||
            c->encr_key_len != c->alg.encr.key_bits / 8u + 4) {
            snprintf(why, why_len, "%s-%u with integrity %u, %zu key bytes", name,
                     c->alg.encr.key_bits, c->alg.integ, c->encr_key_len);
            return false;
        }
        return true;
    }
    if (c->alg.encr.id == IKE_ENCR_AES_CBC) {
        const struct integ_alg *ia = find_integ(c->alg.integ);
        if (ia == NULL) {
            snprintf(why, why_len, "%s with integrity %s", name,
                     ike_transform_id_name(IKE_TT_INTEG, c->alg.integ));
            return false;
        }
        if (!aes_bits_ok(c->alg.encr.key_bits) || c->encr_key_len != c->alg.encr.key_bits / 8u ||
            c->integ_key_len != ia->key_len) {
            snprintf(why, why_len, "%s-%u: %zu/%zu key bytes", name, c->alg.encr.key_bits,
                     c->encr_key_len, c->integ_key_len);
            return false;
        }
        return true;
    }
    /* AES-GCM with 8 or 12-byte ICVs, CCM, ChaCha20-Poly1305, 3DES...: refused, never guessed. */
    snprintf(why, why_len, "cipher %s-%u", name, c->alg.encr.key_bits);
    return false;
}

/* HMAC's two key blocks hashed once (RFC 2104): the per-packet HMAC starts from these states. */
static void hmac_precompute(IMB_MGR *mgr, const struct integ_alg *ia, const uint8_t *key,
                            struct dp_esp_cbc_keys *k)
{
    uint8_t block[128];
    for (unsigned pass = 0; pass < 2; pass++) {
        uint8_t pad = pass == 0 ? 0x36 : 0x5c;
        uint8_t *out = pass == 0 ? k->ipad : k->opad;
        memset(block, pad, ia->block_len);
        for (unsigned i = 0; i < ia->key_len; i++)
            block[i] ^= key[i];
        switch (ia->hash) {
        case IMB_AUTH_HMAC_SHA_1:
            IMB_SHA1_ONE_BLOCK(mgr, block, out);
            break;
        case IMB_AUTH_HMAC_SHA_256:
            IMB_SHA256_ONE_BLOCK(mgr, block, out);
            break;
        case IMB_AUTH_HMAC_SHA_384:
            IMB_SHA384_ONE_BLOCK(mgr, block, out);
            break;
        default:
            IMB_SHA512_ONE_BLOCK(mgr, block, out);
            break;
        }
    }
    OPENSSL_cleanse(block, sizeof(block));
}

static void aes_expand(IMB_MGR *mgr, uint16_t bits, const uint8_t *key, struct dp_esp_cbc_keys *k)
{
    if (bits == 128)
        IMB_AES_KEYEXP_128(mgr, key, k->enc, k->dec);
    else if (bits == 192)
        IMB_AES_KEYEXP_192(mgr, key, k->enc, k->dec);
    else
        IMB_AES_KEYEXP_256(mgr, key, k->enc, k->dec);
}

static void gcm_expand(IMB_MGR *mgr, uint16_t bits, const uint8_t *key, struct gcm_key_data *k)
{
    if (bits == 128)
        IMB_AES128_GCM_PRE(mgr, key, k);
    else if (bits == 192)
        IMB_AES192_GCM_PRE(mgr, key, k);
    else
        IMB_AES256_GCM_PRE(mgr, key, k);
}

static bool prepare_keys(struct dp_esp_sa *sa, const struct ike_child_sa *c, bool inbound)
{
    /*
     * The GHASH tables differ between code paths (SSE, AVX2, VAES/AVX-512):
     * expand with the same automatic choice the workers' managers make.
     */
    IMB_MGR *mgr = alloc_mb_mgr(0);
    if (mgr == NULL)
        return false;
    IMB_ARCH arch;
    init_mb_mgr_auto(mgr, &arch);
    const uint8_t *key = inbound ? c->encr_in : c->encr_out;
    size_t klen = c->alg.encr.key_bits / 8u;
    bool ok = true;
    if (sa->cipher == DP_ESP_AES_GCM) {
        memcpy(sa->salt, key + klen, 4);
        gcm_expand(mgr, sa->key_bits, key, &sa->key.gcm);
    } else {
        aes_expand(mgr, sa->key_bits, key, &sa->key.cbc);
        hmac_precompute(mgr, find_integ(c->alg.integ), inbound ? c->integ_in : c->integ_out,
                        &sa->key.cbc);
        ok = RAND_bytes(sa->key.cbc.iv_seed, sizeof(sa->key.cbc.iv_seed)) == 1;
    }
    free_mb_mgr(mgr);
    return ok;
}

struct dp_esp_sa *dp_esp_sa_new(const struct ike_child_sa *c, bool inbound, uint32_t replay_window,
                                char *why, size_t why_len)
{
    if (!dp_esp_sa_supported(c, why, why_len))
        return NULL;
    /* 0: no anti-replay (manually keyed SAs only, RFC 4303 3.3.3); ESN needs the window. */
    if (inbound && replay_window == 0 && c->alg.esn == IKE_ESN_ESN) {
        snprintf(why, why_len, "ESN without an anti-replay window");
        return NULL;
    }
    if (inbound && replay_window != 0 &&
        (replay_window < DP_REPLAY_WINDOW_MIN || replay_window > DP_REPLAY_WINDOW_MAX)) {
        snprintf(why, why_len, "replay window %u out of %u..%u", replay_window,
                 DP_REPLAY_WINDOW_MIN, DP_REPLAY_WINDOW_MAX);
        return NULL;
    }
    size_t words = inbound && replay_window != 0 ? dp_replay_words(replay_window) : 0;
    struct dp_esp_sa *sa = rte_zmalloc("veer_sa", sizeof(*sa) + words * sizeof(uint64_t), 64);
    if (sa == NULL) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    sa->key_bits = c->alg.encr.key_bits;
    sa->esn = c->alg.esn == IKE_ESN_ESN;
    if (c->alg.encr.id == IKE_ENCR_AES_GCM_16) {
        sa->cipher = DP_ESP_AES_GCM;
        sa->iv_len = 8;
        sa->icv_len = 16;
        sa->block = 4;
    } else {
        const struct integ_alg *ia = find_integ(c->alg.integ);
        sa->cipher = DP_ESP_AES_CBC;
        sa->hash = ia->hash;
        sa->iv_len = 16;
        sa->icv_len = ia->icv_len;
        sa->block = 16;
    }
    if (!prepare_keys(sa, c, inbound)) {
        snprintf(why, why_len, "cannot prepare the keys (intel-ipsec-mb or randomness)");
        rte_free(sa);
        return NULL;
    }
    sa->spi = inbound ? c->spi_in : c->spi_out;
    sa->udp_encap = c->udp_encap;
    sa->esp_rebind = inbound && c->udp_encap && c->esp_rebind;
    sa->outer_family = c->local.family;
    memcpy(sa->local_ip6, c->local.ip, ike_addr_ip_len(&c->local));
    memcpy(sa->remote_ip6, c->remote.ip, ike_addr_ip_len(&c->remote));
    sa->local_port = c->udp_encap ? 4500 : 0;
    sa->remote_port = c->udp_encap ? c->remote.port : 0;
    sa->ts_local = c->ts_local;
    sa->ts_remote = c->ts_remote;
    sa->ts_l4 = dp_ts_set_needs_l4(&c->ts_local) || dp_ts_set_needs_l4(&c->ts_remote);
    sa->ike_spi_i = c->ike_spi_i;
    sa->ike_spi_r = c->ike_spi_r;
    sa->child_spi_in = c->spi_in;
    /* Never wrap (RFC 4303 3.3.3); ask for a rekey with a quarter of the space left. */
    sa->seq_max = sa->esn ? UINT64_MAX : UINT32_MAX;
    sa->seq_soft = sa->seq_max - sa->seq_max / 4;
    if (inbound)
        if (replay_window != 0)
            dp_replay_init(&sa->replay, replay_window, (uint64_t *)(sa + 1));
    return sa;
}
