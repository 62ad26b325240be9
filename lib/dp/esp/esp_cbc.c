/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES-CBC (RFC 3602) with HMAC-SHA1-96 (RFC 2404) or HMAC-SHA2 (RFC 4868)
 * for ESP, through intel-ipsec-mb's job API with the keys and HMAC states
 * prepared at install time (esp_sa.c). A burst per call: every packet's job
 * is submitted before the manager is flushed, so the manager runs as many
 * packets side by side as it has lanes (CBC encryption is serial within one
 * packet: one packet alone leaves the other lanes idle). The manager hands
 * jobs back in the order they went in; each carries its operation in
 * user_data, and the manager is empty again when a burst call returns.
 */
#include <string.h>

#include "esp_crypto.h"

#define CBC_BLOCK 16

/* Called with each job the manager hands back. */
typedef void (*job_done_fn)(IMB_JOB *job);

/* Submits the job just filled in and takes every job the manager hands back. */
static void submit(IMB_MGR *mgr, job_done_fn done)
{
    for (IMB_JOB *job = IMB_SUBMIT_JOB(mgr); job != NULL; job = IMB_GET_COMPLETED_JOB(mgr))
        done(job);
}

/* The end of a burst: every job still in a lane is completed and handed back. */
static void flush(IMB_MGR *mgr, job_done_fn done)
{
    for (IMB_JOB *job = IMB_FLUSH_JOB(mgr); job != NULL; job = IMB_FLUSH_JOB(mgr))
        done(job);
}

static struct dp_esp_op *op_of(const IMB_JOB *job)
{
    return job->user_data;
}

static bool job_ok(IMB_JOB *job)
{
    struct dp_esp_op *op = op_of(job);
    if (job->status == IMB_STATUS_COMPLETED)
        return true;
    op->job_error = true;
    op->ok = false;
    return false;
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
static void fill_seal_job(IMB_JOB *job, struct dp_esp_op *op)
{
    const struct dp_esp_sa *sa = op->sa;
    uint8_t *iv = op->esp + DP_ESP_HDR, *icv = iv + CBC_BLOCK + op->len;
    memset(iv, 0, CBC_BLOCK);
    dp_put32(iv + 8, (uint32_t)(op->seq >> 32));
    dp_put32(iv + 12, (uint32_t)op->seq);
    job->cipher_mode = IMB_CIPHER_CBC;
    job->cipher_direction = IMB_DIR_ENCRYPT;
    job->chain_order = IMB_ORDER_CIPHER_HASH;
    job->enc_keys = sa->key.cbc.enc;
    job->dec_keys = sa->key.cbc.dec;
    job->key_len_in_bytes = key_bytes(sa);
    job->src = op->esp;
    job->dst = iv;
    job->cipher_start_src_offset_in_bytes = DP_ESP_HDR;
    job->msg_len_to_cipher_in_bytes = CBC_BLOCK + op->len;
    job->iv = sa->key.cbc.iv_seed;
    job->iv_len_in_bytes = CBC_BLOCK;
    set_hmac(job, sa, hashed_len(sa, icv, DP_ESP_HDR + CBC_BLOCK + op->len, op->seq), op->tag);
    job->user_data = op;
}

/* The tag goes where the ICV belongs only now: with ESN that place held the high bits. */
static void sealed(IMB_JOB *job)
{
    struct dp_esp_op *op = op_of(job);
    if (!job_ok(job))
        return;
    memcpy(op->esp + DP_ESP_HDR + CBC_BLOCK + op->len, op->tag, op->sa->icv_len);
    op->ok = true;
}

void dp_esp_cbc_seal_burst(IMB_MGR *mgr, struct dp_esp_op *const ops[], unsigned n)
{
    /* Flushing an empty manager is not free: a GCM-only burst must not pay for it. */
    if (n == 0)
        return;
    for (unsigned i = 0; i < n; i++) {
        ops[i]->ok = ops[i]->job_error = false;
        fill_seal_job(IMB_GET_NEXT_JOB(mgr), ops[i]);
        submit(mgr, sealed);
    }
    flush(mgr, sealed);
}

static uint8_t *icv_of(const struct dp_esp_op *op)
{
    return op->esp + DP_ESP_HDR + CBC_BLOCK + op->len;
}

static void fill_hash_job(IMB_JOB *job, struct dp_esp_op *op)
{
    const struct dp_esp_sa *sa = op->sa;
    uint8_t *icv = icv_of(op);
    memcpy(op->received, icv, sa->icv_len);
    job->cipher_mode = IMB_CIPHER_NULL;
    job->cipher_direction = IMB_DIR_DECRYPT;
    job->chain_order = IMB_ORDER_HASH_CIPHER;
    job->src = op->esp;
    job->dst = op->esp;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = 0;
    set_hmac(job, sa, hashed_len(sa, icv, DP_ESP_HDR + CBC_BLOCK + op->len, op->seq), op->tag);
    job->user_data = op;
}

static void hashed(IMB_JOB *job)
{
    struct dp_esp_op *op = op_of(job);
    /* the packet as it came, whatever follows */
    memcpy(icv_of(op), op->received, op->sa->icv_len);
    if (job_ok(job))
        op->ok = dp_esp_icv_equal(op->tag, op->received, op->sa->icv_len);
}

static void fill_decrypt_job(IMB_JOB *job, struct dp_esp_op *op)
{
    const struct dp_esp_sa *sa = op->sa;
    uint8_t *iv = op->esp + DP_ESP_HDR, *data = iv + CBC_BLOCK;
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
    job->msg_len_to_cipher_in_bytes = op->len;
    job->iv = iv;
    job->iv_len_in_bytes = CBC_BLOCK;
    job->user_data = op;
}

static void deciphered(IMB_JOB *job)
{
    op_of(job)->ok = job_ok(job);
}

/*
 * Every ICV is checked, in constant time, before anything is decrypted
 * (RFC 4303 3.4.4.1): a forged packet costs only the HMAC, and no
 * unauthenticated ciphertext ever meets the decryption (no padding oracle).
 * So two passes over the burst: all HMACs in the lanes together, then the
 * CBC decryption of the packets whose ICV matched.
 */
void dp_esp_cbc_open_burst(IMB_MGR *mgr, struct dp_esp_op *const ops[], unsigned n)
{
    if (n == 0)
        return;
    for (unsigned i = 0; i < n; i++) {
        ops[i]->ok = ops[i]->job_error = false;
        fill_hash_job(IMB_GET_NEXT_JOB(mgr), ops[i]);
        submit(mgr, hashed);
    }
    flush(mgr, hashed);
    for (unsigned i = 0; i < n; i++) {
        if (!ops[i]->ok)
            continue;
        fill_decrypt_job(IMB_GET_NEXT_JOB(mgr), ops[i]);
        submit(mgr, deciphered);
    }
    flush(mgr, deciphered);
}
