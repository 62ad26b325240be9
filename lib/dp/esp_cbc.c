/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES-CBC (RFC 3602) with HMAC-SHA1-96 (RFC 2404) or HMAC-SHA2 (RFC 4868)
 * for ESP, through intel-ipsec-mb's job API with the keys and HMAC states
 * prepared at install time (esp_sa.c). One packet per call: the job is
 * submitted and the manager flushed until it comes back.
 */
#include <string.h>

#include "esp_crypto.h"

#define CBC_BLOCK 16

/* Runs one job to completion. */
static bool run(IMB_MGR *mgr)
{
    IMB_JOB *job = IMB_SUBMIT_JOB(mgr);
    while (job == NULL)
        job = IMB_FLUSH_JOB(mgr);
    return job->status == IMB_STATUS_COMPLETED;
}

static uint64_t key_bytes(const struct dp_esp_sa *sa)
{
    return sa->key_bits / 8u;
}

/* The HMAC part of a job: over SPI, sequence number, IV and ciphertext (RFC 4303 2.8). */
static void set_hmac(IMB_JOB *job, const struct dp_esp_sa *sa, size_t hashed, uint8_t *tag)
{
    job->hash_alg = sa->hash;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = hashed;
    job->auth_tag_output = tag;
    job->auth_tag_output_len_in_bytes = sa->icv_len;
    job->u.HMAC._hashed_auth_key_xor_ipad = sa->key.cbc.ipad;
    job->u.HMAC._hashed_auth_key_xor_opad = sa->key.cbc.opad;
}

/*
 * With ESN the high 32 bits of the sequence number are hashed after the
 * payload though never sent (RFC 4303 2.2.1, 3.3.2.1): they go, for the
 * length of the hash, where the ICV will be. Returns how many bytes to hash.
 */
static size_t hashed_len(const struct dp_esp_sa *sa, uint8_t *icv_at, size_t payload_end,
                         uint64_t seq)
{
    if (!sa->esn)
        return payload_end;
    dp_put32(icv_at, (uint32_t)(seq >> 32));
    return payload_end + 4;
}

/*
 * The IV (RFC 3602 2.3: unpredictable, random per packet) costs no extra
 * call: the IV field is first filled with the sequence number and the whole
 * field plus payload is CBC-encrypted with the SA's secret random seed as
 * the initial vector. The field's ciphertext, AES_K(seed ^ seq), becomes the
 * packet's IV and the payload comes out CBC-encrypted under it, exactly as
 * if that IV had been drawn first. This is NIST SP 800-38A Appendix C's
 * first method (the forward cipher applied to a nonce under the same key):
 * the nonce is unique because the sequence number never repeats within an
 * SA, and nobody without the key can predict AES_K of it, which is all CBC
 * asks of an IV. A random number generator per packet would cost more and
 * share state between workers.
 */
bool dp_esp_cbc_seal(IMB_MGR *mgr, const struct dp_esp_sa *sa, uint8_t *esp, size_t len,
                     uint64_t seq)
{
    uint8_t *iv = esp + DP_ESP_HDR, *icv = iv + CBC_BLOCK + len;
    memset(iv, 0, CBC_BLOCK);
    dp_put32(iv + 8, (uint32_t)(seq >> 32));
    dp_put32(iv + 12, (uint32_t)seq);
    uint8_t tag[32];
    IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);
    job->cipher_mode = IMB_CIPHER_CBC;
    job->cipher_direction = IMB_DIR_ENCRYPT;
    job->chain_order = IMB_ORDER_CIPHER_HASH;
    job->enc_keys = sa->key.cbc.enc;
    job->dec_keys = sa->key.cbc.dec;
    job->key_len_in_bytes = key_bytes(sa);
    job->src = esp;
    job->dst = iv;
    job->cipher_start_src_offset_in_bytes = DP_ESP_HDR;
    job->msg_len_to_cipher_in_bytes = CBC_BLOCK + len;
    job->iv = sa->key.cbc.iv_seed;
    job->iv_len_in_bytes = CBC_BLOCK;
    set_hmac(job, sa, hashed_len(sa, icv, DP_ESP_HDR + CBC_BLOCK + len, seq), tag);
    if (!run(mgr))
        return false;
    memcpy(icv, tag, sa->icv_len);
    return true;
}

/*
 * The ICV is checked, in constant time, before anything is decrypted
 * (RFC 4303 3.4.4.1): a forged packet costs only the HMAC, and no
 * unauthenticated ciphertext ever meets the decryption (no padding oracle).
 */
bool dp_esp_cbc_open(IMB_MGR *mgr, const struct dp_esp_sa *sa, uint8_t *esp, size_t len,
                     uint64_t seq)
{
    uint8_t *iv = esp + DP_ESP_HDR, *data = iv + CBC_BLOCK, *icv = data + len;
    uint8_t received[32], tag[32];
    memcpy(received, icv, sa->icv_len);
    IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);
    job->cipher_mode = IMB_CIPHER_NULL;
    job->cipher_direction = IMB_DIR_DECRYPT;
    job->chain_order = IMB_ORDER_HASH_CIPHER;
    job->src = esp;
    job->dst = esp;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = 0;
    set_hmac(job, sa, hashed_len(sa, icv, DP_ESP_HDR + CBC_BLOCK + len, seq), tag);
    bool hashed = run(mgr);
    memcpy(icv, received, sa->icv_len); /* the packet as it came, whatever follows */
    if (!hashed || !dp_esp_icv_equal(tag, received, sa->icv_len))
        return false;
    job = IMB_GET_NEXT_JOB(mgr);
    job->cipher_mode = IMB_CIPHER_CBC;
    job->cipher_direction = IMB_DIR_DECRYPT;
    job->chain_order = IMB_ORDER_HASH_CIPHER;
    job->hash_alg = IMB_AUTH_NULL;
    job->enc_keys = sa->key.cbc.enc;
    job->dec_keys = sa->key.cbc.dec;
    job->key_len_in_bytes = key_bytes(sa);
    job->src = data;
    job->dst = data;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = len;
    job->iv = iv;
    job->iv_len_in_bytes = CBC_BLOCK;
    return run(mgr);
}
