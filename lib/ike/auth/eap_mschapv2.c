/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2), MS-CHAPv2 (RFC 2759),
 * MPPE master keys (RFC 3079 3.4). MD4 and single DES live in OpenSSL 3's
 * legacy provider: it is loaded once, with the default one, into a library
 * context of our own so the process-wide default context stays as it was.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <string.h>

#include "ike_eap_mschapv2.h"

#define EAP_HDR_LEN 4
/* Code, Identifier, Length, Type, OpCode, MS-CHAPv2-ID, MS-Length. */
#define MS_HDR_LEN (EAP_HDR_LEN + 1 + 1 + 1 + 2)
#define RESPONSE_VALUE_LEN 49 /* Peer-Challenge 16, Reserved 8, NT-Response 24, Flags 1 */
#define RESPONSE_MIN_LEN (MS_HDR_LEN + 1 + RESPONSE_VALUE_LEN)
#define SHORT_LEN (EAP_HDR_LEN + 2) /* Success- and Failure-Response: Type, OpCode */
#define NAME_LEN (sizeof(IKE_MSCHAPV2_SERVER_NAME) - 1)
#define CHALLENGE_MSG_LEN (MS_HDR_LEN + 1 + IKE_MSCHAPV2_CHALLENGE_LEN + NAME_LEN)
/* Longest password hashed (RFC 2759 8.3: up to 256 Unicode characters). */
#define PASSWORD_MAX 256

/* ---- MD4 and DES from the legacy provider ---- */

static CRYPTO_ONCE legacy_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *md4;
static EVP_CIPHER *des_ecb;

static void legacy_load(void)
{
    OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();
    if (ctx == NULL || OSSL_PROVIDER_load(ctx, "legacy") == NULL ||
        OSSL_PROVIDER_load(ctx, "default") == NULL)
        return;
    md4 = EVP_MD_fetch(ctx, "MD4", NULL);
    des_ecb = EVP_CIPHER_fetch(ctx, "DES-ECB", NULL);
}

static bool legacy_ready(void)
{
    return CRYPTO_THREAD_run_once(&legacy_once, legacy_load) == 1 && md4 != NULL && des_ecb != NULL;
}

struct iov {
    const void *p;
    size_t n;
};

static bool digest(const EVP_MD *md, const struct iov *v, unsigned nv, uint8_t *out, unsigned want)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint8_t buf[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    bool ok = c != NULL && EVP_DigestInit_ex(c, md, NULL) == 1;
    for (unsigned i = 0; ok && i < nv; i++)
        ok = EVP_DigestUpdate(c, v[i].p, v[i].n) == 1;
    ok = ok && EVP_DigestFinal_ex(c, buf, &n) == 1 && n >= want;
    EVP_MD_CTX_free(c);
    if (ok)
        memcpy(out, buf, want);
    OPENSSL_cleanse(buf, sizeof(buf));
    return ok;
}

/* DES of one block under a 7-byte key spread over 8 bytes (RFC 2759 8.6; parity ignored). */
static bool des_block(const uint8_t key7[7], const uint8_t in[8], uint8_t out[8])
{
    uint8_t key[8];
    key[0] = key7[0];
    for (int i = 1; i < 7; i++)
        key[i] = (uint8_t)(key7[i - 1] << (8 - i) | key7[i] >> i);
    key[7] = (uint8_t)(key7[6] << 1);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    bool ok = c != NULL && EVP_EncryptInit_ex(c, des_ecb, NULL, key, NULL) == 1 &&
              EVP_CIPHER_CTX_set_padding(c, 0) == 1 && EVP_EncryptUpdate(c, out, &n, in, 8) == 1 &&
              EVP_EncryptFinal_ex(c, out + n, &m) == 1 && n + m == 8;
    EVP_CIPHER_CTX_free(c);
    OPENSSL_cleanse(key, sizeof(key));
    return ok;
}

/* ---- RFC 2759 8 and RFC 3079 3.4 ---- */

bool ike_mschapv2_nt_hash(const uint8_t *password, size_t len, uint8_t out[IKE_MSCHAPV2_HASH_LEN])
{
    uint8_t wide[2 * PASSWORD_MAX];
    if (len > PASSWORD_MAX || !legacy_ready())
        return false;
    for (size_t i = 0; i < len; i++) {
        wide[2 * i] = password[i];
        wide[2 * i + 1] = 0;
    }
    const struct iov v[] = {{wide, 2 * len}};
    bool ok = digest(md4, v, 1, out, IKE_MSCHAPV2_HASH_LEN);
    OPENSSL_cleanse(wide, sizeof(wide));
    return ok;
}

bool ike_mschapv2_challenge_hash(const uint8_t peer[16], const uint8_t auth[16],
                                 const uint8_t *user, size_t user_len, uint8_t out[8])
{
    /* RFC 2759 8.2: the user name without a "DOMAIN\" in front. */
    const uint8_t *bs = user_len > 0 ? memchr(user, '\\', user_len) : NULL;
    if (bs != NULL) {
        user_len -= (size_t)(bs + 1 - user);
        user = bs + 1;
    }
    const struct iov v[] = {{peer, 16}, {auth, 16}, {user, user_len}};
    return digest(EVP_sha1(), v, 3, out, 8);
}

bool ike_mschapv2_challenge_response(const uint8_t challenge_hash[8],
                                     const uint8_t hash[IKE_MSCHAPV2_HASH_LEN],
                                     uint8_t out[IKE_MSCHAPV2_NT_RESPONSE_LEN])
{
    uint8_t z[21] = {0};
    memcpy(z, hash, IKE_MSCHAPV2_HASH_LEN);
    bool ok = legacy_ready() && des_block(z, challenge_hash, out) &&
              des_block(z + 7, challenge_hash, out + 8) &&
              des_block(z + 14, challenge_hash, out + 16);
    OPENSSL_cleanse(z, sizeof(z));
    return ok;
}

static const char magic_server[] = "Magic server to client signing constant";
static const char magic_pad[] = "Pad to make it do more than one iteration";

bool ike_mschapv2_auth_response(const uint8_t hash[IKE_MSCHAPV2_HASH_LEN],
                                const uint8_t nt_response[IKE_MSCHAPV2_NT_RESPONSE_LEN],
                                const uint8_t challenge_hash[8],
                                uint8_t out[IKE_MSCHAPV2_AUTH_RESP_LEN])
{
    uint8_t hh[IKE_MSCHAPV2_HASH_LEN], d[20];
    const struct iov h[] = {{hash, IKE_MSCHAPV2_HASH_LEN}};
    bool ok = legacy_ready() && digest(md4, h, 1, hh, sizeof(hh));
    const struct iov v1[] = {{hh, sizeof(hh)},
                             {nt_response, IKE_MSCHAPV2_NT_RESPONSE_LEN},
                             {magic_server, sizeof(magic_server) - 1}};
    ok = ok && digest(EVP_sha1(), v1, 3, d, 20);
    const struct iov v2[] = {{d, 20}, {challenge_hash, 8}, {magic_pad, sizeof(magic_pad) - 1}};
    ok = ok && digest(EVP_sha1(), v2, 3, out, IKE_MSCHAPV2_AUTH_RESP_LEN);
    OPENSSL_cleanse(hh, sizeof(hh));
    return ok;
}

static const char magic_master[] = "This is the MPPE Master Key";
static const char magic_2[] =
    "On the client side, this is the send key; on the server side, it is the receive key.";
static const char magic_3[] =
    "On the client side, this is the receive key; on the server side, it is the send key.";

bool ike_mschapv2_master_key(const uint8_t hash[IKE_MSCHAPV2_HASH_LEN],
                             const uint8_t nt_response[IKE_MSCHAPV2_NT_RESPONSE_LEN],
                             uint8_t out[16])
{
    uint8_t hh[IKE_MSCHAPV2_HASH_LEN];
    const struct iov h[] = {{hash, IKE_MSCHAPV2_HASH_LEN}};
    bool ok = legacy_ready() && digest(md4, h, 1, hh, sizeof(hh));
    const struct iov v[] = {{hh, sizeof(hh)},
                            {nt_response, IKE_MSCHAPV2_NT_RESPONSE_LEN},
                            {magic_master, sizeof(magic_master) - 1}};
    ok = ok && digest(EVP_sha1(), v, 3, out, 16);
    OPENSSL_cleanse(hh, sizeof(hh));
    return ok;
}

bool ike_mschapv2_start_key(const uint8_t master[16], bool send, bool server, uint8_t out[16])
{
    static const uint8_t pad1[40] = {0};
    static const uint8_t pad2[40] = {0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
                                     0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
                                     0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
                                     0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2};
    /* RFC 3079 3.4 GetAsymmetricStartKey: Magic2 is the client's send, the server's receive. */
    const char *s = send == server ? magic_3 : magic_2;
    const struct iov v[] = {{master, 16}, {pad1, 40}, {s, sizeof(magic_2) - 1}, {pad2, 40}};
    return digest(EVP_sha1(), v, 4, out, 16);
}

bool ike_mschapv2_msk(const uint8_t hash[IKE_MSCHAPV2_HASH_LEN],
                      const uint8_t nt_response[IKE_MSCHAPV2_NT_RESPONSE_LEN],
                      uint8_t out[IKE_MSCHAPV2_MSK_LEN])
{
    uint8_t master[16];
    memset(out, 0, IKE_MSCHAPV2_MSK_LEN);
    bool ok = ike_mschapv2_master_key(hash, nt_response, master) &&
              ike_mschapv2_start_key(master, false, true, out) &&
              ike_mschapv2_start_key(master, true, true, out + 16);
    OPENSSL_cleanse(master, sizeof(master));
    return ok;
}

/* ---- messages ---- */

static size_t put_hdr(uint8_t *out, uint8_t code, uint8_t identifier, uint8_t op, uint8_t ms_id,
                      size_t len)
{
    out[0] = code;
    out[1] = identifier;
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    out[4] = IKE_EAP_TYPE_MSCHAPV2;
    out[5] = op;
    if (len >= MS_HDR_LEN) {
        out[6] = ms_id;
        out[7] = (uint8_t)((len - 5) >> 8);
        out[8] = (uint8_t)(len - 5);
    }
    return len;
}

static size_t put_code(uint8_t *out, uint8_t code, uint8_t identifier)
{
    out[0] = code;
    out[1] = identifier;
    out[2] = 0;
    out[3] = EAP_HDR_LEN;
    return EAP_HDR_LEN;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
}

size_t ike_mschapv2_server_start(struct ike_mschapv2_server *s, const uint8_t rnd[1 + 16],
                                 uint8_t *out)
{
    memset(s, 0, sizeof(*s));
    s->identifier = rnd[0];
    s->ms_id = rnd[0];
    s->phase = IKE_MSCHAPV2_WAIT_RESPONSE;
    memcpy(s->challenge, rnd + 1, IKE_MSCHAPV2_CHALLENGE_LEN);
    put_hdr(out, IKE_EAP_CODE_REQUEST, s->identifier, IKE_MSCHAPV2_OP_CHALLENGE, s->ms_id,
            CHALLENGE_MSG_LEN);
    out[MS_HDR_LEN] = IKE_MSCHAPV2_CHALLENGE_LEN;
    memcpy(out + MS_HDR_LEN + 1, s->challenge, IKE_MSCHAPV2_CHALLENGE_LEN);
    memcpy(out + MS_HDR_LEN + 1 + IKE_MSCHAPV2_CHALLENGE_LEN, IKE_MSCHAPV2_SERVER_NAME, NAME_LEN);
    return CHALLENGE_MSG_LEN;
}

static enum ike_eap_step server_end(struct ike_mschapv2_server *s, bool success, uint8_t *out,
                                    size_t *out_len)
{
    s->phase = IKE_MSCHAPV2_DONE;
    *out_len = put_code(out, success ? IKE_EAP_CODE_SUCCESS : IKE_EAP_CODE_FAILURE, s->identifier);
    if (!success) {
        OPENSSL_cleanse(s->msk, sizeof(s->msk));
        s->has_msk = false;
    }
    return success ? IKE_EAP_STEP_SUCCESS : IKE_EAP_STEP_FAILURE;
}

/* Why msg is no usable answer of op-code `op` (IKE_EAP_OK: it is). */
static enum ike_eap_reject problem(const struct ike_mschapv2_server *s, const uint8_t *msg,
                                   size_t len, uint8_t op)
{
    if (len < EAP_HDR_LEN + 1 || msg[0] != IKE_EAP_CODE_RESPONSE ||
        ((size_t)msg[2] << 8 | msg[3]) != len)
        return IKE_EAP_BAD_LENGTH;
    if (msg[1] != s->identifier)
        return IKE_EAP_BAD_IDENTIFIER;
    if (msg[4] == IKE_EAP_TYPE_NAK)
        return IKE_EAP_NAK;
    if (msg[4] != IKE_EAP_TYPE_MSCHAPV2)
        return IKE_EAP_BAD_TYPE;
    if (len < SHORT_LEN)
        return IKE_EAP_BAD_LENGTH;
    if (msg[5] != op)
        return IKE_EAP_BAD_OPCODE;
    if (op != IKE_MSCHAPV2_OP_RESPONSE)
        return IKE_EAP_OK;
    /* Response: MS-Length counts from OpCode; Value-Size is 49; a Name follows. */
    if (len < RESPONSE_MIN_LEN || ((size_t)msg[7] << 8 | msg[8]) != len - 5 ||
        msg[9] != RESPONSE_VALUE_LEN)
        return IKE_EAP_BAD_LENGTH;
    if (msg[6] != s->ms_id)
        return IKE_EAP_BAD_IDENTIFIER;
    return IKE_EAP_OK;
}

/* The Response of the peer (problem() passed): Success-Request or Failure-Request into out. */
static enum ike_eap_step server_response(struct ike_mschapv2_server *s, const uint8_t *msg,
                                         size_t len, const uint8_t *user, size_t user_len,
                                         const uint8_t *secret, size_t secret_len, uint8_t *out,
                                         size_t *out_len, enum ike_eap_reject *why)
{
    const uint8_t *peer_challenge = msg + MS_HDR_LEN + 1;
    const uint8_t *nt_response = peer_challenge + 16 + 8;
    const uint8_t *name = msg + RESPONSE_MIN_LEN;
    size_t name_len = len - RESPONSE_MIN_LEN;
    if (name_len != user_len || (user_len > 0 && memcmp(name, user, user_len) != 0)) {
        *why = IKE_EAP_NAME_MISMATCH;
        return server_end(s, false, out, out_len);
    }
    uint8_t hash[IKE_MSCHAPV2_HASH_LEN], ch[8], expect[IKE_MSCHAPV2_NT_RESPONSE_LEN];
    uint8_t auth[IKE_MSCHAPV2_AUTH_RESP_LEN];
    bool known = secret != NULL;
    /* An unknown user gets the same Failure-Request as a wrong password. */
    if (!known)
        memset(hash, 0, sizeof(hash));
    if ((known && !ike_mschapv2_nt_hash(secret, secret_len, hash)) ||
        !ike_mschapv2_challenge_hash(peer_challenge, s->challenge, name, name_len, ch) ||
        !ike_mschapv2_challenge_response(ch, hash, expect) ||
        !ike_mschapv2_auth_response(hash, expect, ch, auth) ||
        !ike_mschapv2_msk(hash, expect, s->msk)) {
        OPENSSL_cleanse(hash, sizeof(hash));
        *why = IKE_EAP_CRYPTO_FAILED;
        return server_end(s, false, out, out_len);
    }
    OPENSSL_cleanse(hash, sizeof(hash));
    bool right = known && CRYPTO_memcmp(expect, nt_response, sizeof(expect)) == 0;
    s->identifier++;
    char text[128];
    size_t n;
    if (right) {
        memcpy(text, "S=", 2);
        to_hex(auth, sizeof(auth), text + 2);
        static const char m[] = " M=Welcome to veer";
        memcpy(text + 2 + 2 * sizeof(auth), m, sizeof(m) - 1);
        n = 2 + 2 * sizeof(auth) + sizeof(m) - 1;
        s->has_msk = true;
        s->phase = IKE_MSCHAPV2_WAIT_SUCCESS_RESPONSE;
        *why = IKE_EAP_OK;
    } else {
        /* E=691 (authentication failure), R=0 (no retry), a fresh-looking C=, V=3. */
        static const char e[] = "E=691 R=0 C=";
        static const char m[] = " V=3 M=Authentication failed";
        memcpy(text, e, sizeof(e) - 1);
        to_hex(s->challenge, sizeof(s->challenge), text + sizeof(e) - 1);
        n = sizeof(e) - 1 + 2 * sizeof(s->challenge);
        memcpy(text + n, m, sizeof(m) - 1);
        n += sizeof(m) - 1;
        OPENSSL_cleanse(s->msk, sizeof(s->msk));
        s->phase = IKE_MSCHAPV2_WAIT_FAILURE_RESPONSE;
        *why = known ? IKE_EAP_WRONG_SECRET : IKE_EAP_UNKNOWN_USER;
    }
    uint8_t op = right ? IKE_MSCHAPV2_OP_SUCCESS : IKE_MSCHAPV2_OP_FAILURE;
    put_hdr(out, IKE_EAP_CODE_REQUEST, s->identifier, op, s->ms_id, MS_HDR_LEN + n);
    memcpy(out + MS_HDR_LEN, text, n);
    *out_len = MS_HDR_LEN + n;
    return IKE_EAP_STEP_REQUEST;
}

enum ike_eap_step ike_mschapv2_server_input(struct ike_mschapv2_server *s, const uint8_t *msg,
                                            size_t len, const uint8_t *user, size_t user_len,
                                            const uint8_t *secret, size_t secret_len, uint8_t *out,
                                            size_t *out_len, enum ike_eap_reject *why)
{
    switch (s->phase) {
    case IKE_MSCHAPV2_WAIT_RESPONSE:
        *why = problem(s, msg, len, IKE_MSCHAPV2_OP_RESPONSE);
        if (*why != IKE_EAP_OK)
            return server_end(s, false, out, out_len);
        return server_response(s, msg, len, user, user_len, secret, secret_len, out, out_len, why);
    case IKE_MSCHAPV2_WAIT_SUCCESS_RESPONSE:
        *why = problem(s, msg, len, IKE_MSCHAPV2_OP_SUCCESS);
        return server_end(s, *why == IKE_EAP_OK, out, out_len);
    case IKE_MSCHAPV2_WAIT_FAILURE_RESPONSE:
        /* The refusal was counted with the Failure-Request; whatever comes now, it ends. */
        *why = IKE_EAP_OK;
        return server_end(s, false, out, out_len);
    default:
        *why = IKE_EAP_BAD_OPCODE;
        return server_end(s, false, out, out_len);
    }
}

/* ---- the peer ---- */

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Whether the message text of a Success-Request starts with S=<our AuthenticatorResponse>. */
static bool success_verifies(const struct ike_mschapv2_peer *p, const uint8_t *text, size_t n)
{
    if (n < 2 + 2 * IKE_MSCHAPV2_AUTH_RESP_LEN || text[0] != 'S' || text[1] != '=' ||
        (n > 2 + 2 * IKE_MSCHAPV2_AUTH_RESP_LEN && text[2 + 2 * IKE_MSCHAPV2_AUTH_RESP_LEN] != ' '))
        return false;
    uint8_t got[IKE_MSCHAPV2_AUTH_RESP_LEN];
    for (size_t i = 0; i < sizeof(got); i++) {
        int hi = hex_value(text[2 + 2 * i]), lo = hex_value(text[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return false;
        got[i] = (uint8_t)(hi << 4 | lo);
    }
    return CRYPTO_memcmp(got, p->auth_response, sizeof(got)) == 0;
}

static long peer_challenge(struct ike_mschapv2_peer *p, const uint8_t *req, size_t len,
                           const uint8_t *identity, size_t identity_len, const uint8_t *secret,
                           size_t secret_len, const uint8_t rnd[16], uint8_t *out, size_t out_cap)
{
    size_t n = RESPONSE_MIN_LEN + identity_len;
    if (len < MS_HDR_LEN + 1 + IKE_MSCHAPV2_CHALLENGE_LEN ||
        req[MS_HDR_LEN] != IKE_MSCHAPV2_CHALLENGE_LEN || out_cap < n || n > 0xffff)
        return -1;
    uint8_t hash[IKE_MSCHAPV2_HASH_LEN], ch[8];
    uint8_t *value = out + MS_HDR_LEN + 1, *nt = value + 16 + 8;
    memset(value, 0, RESPONSE_VALUE_LEN);
    memcpy(value, rnd, 16);
    bool ok = ike_mschapv2_nt_hash(secret, secret_len, hash) &&
              ike_mschapv2_challenge_hash(rnd, req + MS_HDR_LEN + 1, identity, identity_len, ch) &&
              ike_mschapv2_challenge_response(ch, hash, nt) &&
              ike_mschapv2_auth_response(hash, nt, ch, p->auth_response) &&
              ike_mschapv2_msk(hash, nt, p->msk);
    OPENSSL_cleanse(hash, sizeof(hash));
    if (!ok)
        return -1;
    p->responded = true;
    p->has_msk = false;
    put_hdr(out, IKE_EAP_CODE_RESPONSE, req[1], IKE_MSCHAPV2_OP_RESPONSE, req[6], n);
    out[MS_HDR_LEN] = RESPONSE_VALUE_LEN;
    memcpy(out + RESPONSE_MIN_LEN, identity, identity_len);
    return (long)n;
}

long ike_mschapv2_peer_respond(struct ike_mschapv2_peer *p, const uint8_t *req, size_t len,
                               const uint8_t *identity, size_t identity_len, const uint8_t *secret,
                               size_t secret_len, const uint8_t rnd[16], uint8_t *out,
                               size_t out_cap)
{
    if (len < EAP_HDR_LEN + 1 || req[0] != IKE_EAP_CODE_REQUEST ||
        ((size_t)req[2] << 8 | req[3]) != len || out_cap < MS_HDR_LEN + 1)
        return -1;
    uint8_t identifier = req[1];
    if (req[4] == IKE_EAP_TYPE_IDENTITY) {
        if (out_cap < EAP_HDR_LEN + 1 + identity_len)
            return -1;
        put_code(out, IKE_EAP_CODE_RESPONSE, identifier);
        out[3] = (uint8_t)(EAP_HDR_LEN + 1 + identity_len);
        out[2] = (uint8_t)((EAP_HDR_LEN + 1 + identity_len) >> 8);
        out[4] = IKE_EAP_TYPE_IDENTITY;
        memcpy(out + 5, identity, identity_len);
        return (long)(EAP_HDR_LEN + 1 + identity_len);
    }
    if (req[4] != IKE_EAP_TYPE_MSCHAPV2) {
        /* Legacy Nak (RFC 3748 5.3.1): the method we do is MSCHAPv2. */
        put_code(out, IKE_EAP_CODE_RESPONSE, identifier);
        out[3] = EAP_HDR_LEN + 2;
        out[4] = IKE_EAP_TYPE_NAK;
        out[5] = IKE_EAP_TYPE_MSCHAPV2;
        return EAP_HDR_LEN + 2;
    }
    if (len < MS_HDR_LEN || ((size_t)req[7] << 8 | req[8]) != len - 5)
        return -1;
    switch (req[5]) {
    case IKE_MSCHAPV2_OP_CHALLENGE:
        return peer_challenge(p, req, len, identity, identity_len, secret, secret_len, rnd, out,
                              out_cap);
    case IKE_MSCHAPV2_OP_SUCCESS:
        if (!p->responded || !success_verifies(p, req + MS_HDR_LEN, len - MS_HDR_LEN))
            return -1;
        p->has_msk = true;
        return (long)put_hdr(out, IKE_EAP_CODE_RESPONSE, identifier, IKE_MSCHAPV2_OP_SUCCESS, 0,
                             SHORT_LEN);
    case IKE_MSCHAPV2_OP_FAILURE:
        p->has_msk = false;
        OPENSSL_cleanse(p->msk, sizeof(p->msk));
        return (long)put_hdr(out, IKE_EAP_CODE_RESPONSE, identifier, IKE_MSCHAPV2_OP_FAILURE, 0,
                             SHORT_LEN);
    default:
        return -1;
    }
}
