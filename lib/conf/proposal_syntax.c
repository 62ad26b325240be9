/* SPDX-License-Identifier: BSD-3-Clause */
/* Proposal strings in strongSwan's syntax, which operators already know. */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "ike_consts.h"

struct token {
    const char *name;
    uint8_t type; /* transform type */
    uint16_t id;
    uint16_t key_bits;
};

static const struct token tokens[] = {
    {"aes128gcm16", IKE_TT_ENCR, IKE_ENCR_AES_GCM_16, 128},
    {"aes192gcm16", IKE_TT_ENCR, IKE_ENCR_AES_GCM_16, 192},
    {"aes256gcm16", IKE_TT_ENCR, IKE_ENCR_AES_GCM_16, 256},
    {"aes128gcm12", IKE_TT_ENCR, IKE_ENCR_AES_GCM_12, 128},
    {"aes256gcm12", IKE_TT_ENCR, IKE_ENCR_AES_GCM_12, 256},
    {"aes128gcm8", IKE_TT_ENCR, IKE_ENCR_AES_GCM_8, 128},
    {"aes256gcm8", IKE_TT_ENCR, IKE_ENCR_AES_GCM_8, 256},
    {"aes128", IKE_TT_ENCR, IKE_ENCR_AES_CBC, 128},
    {"aes192", IKE_TT_ENCR, IKE_ENCR_AES_CBC, 192},
    {"aes256", IKE_TT_ENCR, IKE_ENCR_AES_CBC, 256},
    {"sha1", IKE_TT_INTEG, IKE_INTEG_HMAC_SHA1_96, 0},
    {"sha256", IKE_TT_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0},
    {"sha384", IKE_TT_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0},
    {"sha512", IKE_TT_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0},
    {"prfsha1", IKE_TT_PRF, IKE_PRF_HMAC_SHA1, 0},
    {"prfsha256", IKE_TT_PRF, IKE_PRF_HMAC_SHA2_256, 0},
    {"prfsha384", IKE_TT_PRF, IKE_PRF_HMAC_SHA2_384, 0},
    {"prfsha512", IKE_TT_PRF, IKE_PRF_HMAC_SHA2_512, 0},
    {"x25519", IKE_TT_DH, IKE_DH_CURVE25519, 0},
    {"curve25519", IKE_TT_DH, IKE_DH_CURVE25519, 0},
    {"x448", IKE_TT_DH, IKE_DH_CURVE448, 0},
    {"curve448", IKE_TT_DH, IKE_DH_CURVE448, 0},
    {"ecp256", IKE_TT_DH, IKE_DH_ECP_256, 0},
    {"ecp384", IKE_TT_DH, IKE_DH_ECP_384, 0},
    {"ecp521", IKE_TT_DH, IKE_DH_ECP_521, 0},
    {"modp2048", IKE_TT_DH, IKE_DH_MODP_2048, 0},
    {"modp3072", IKE_TT_DH, IKE_DH_MODP_3072, 0},
    {"modp4096", IKE_TT_DH, IKE_DH_MODP_4096, 0},
    {"esn", IKE_TT_ESN, IKE_ESN_ESN, 0},
    {"noesn", IKE_TT_ESN, IKE_ESN_NO_ESN, 0},
};

static const struct token *find_token(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        if (strlen(tokens[i].name) == len && strncmp(tokens[i].name, name, len) == 0)
            return &tokens[i];
    }
    return NULL;
}

static int add(struct ike_proposal_cfg *p, const struct token *t)
{
    switch (t->type) {
    case IKE_TT_ENCR:
        if (p->nencr == IKE_CFG_MAX_ALGS)
            return -1;
        p->encr[p->nencr++] = (struct ike_encr_alg){t->id, t->key_bits};
        return 0;
    case IKE_TT_INTEG:
        if (p->ninteg == IKE_CFG_MAX_ALGS)
            return -1;
        p->integ[p->ninteg++] = t->id;
        return 0;
    case IKE_TT_PRF:
        if (p->nprf == IKE_CFG_MAX_ALGS)
            return -1;
        p->prf[p->nprf++] = t->id;
        return 0;
    case IKE_TT_DH:
        if (p->ndh == IKE_CFG_MAX_ALGS)
            return -1;
        p->dh[p->ndh++] = t->id;
        return 0;
    default:
        if (p->nesn == 2)
            return -1;
        p->esn[p->nesn++] = t->id;
        return 0;
    }
}

/* strongSwan's rule: without explicit PRFs, the PRFs matching the integrity algorithms. */
static void default_prfs(struct ike_proposal_cfg *p)
{
    for (unsigned i = 0; i < p->ninteg; i++) {
        switch (p->integ[i]) {
        case IKE_INTEG_HMAC_SHA1_96:
            p->prf[p->nprf++] = IKE_PRF_HMAC_SHA1;
            break;
        case IKE_INTEG_HMAC_SHA2_256_128:
            p->prf[p->nprf++] = IKE_PRF_HMAC_SHA2_256;
            break;
        case IKE_INTEG_HMAC_SHA2_384_192:
            p->prf[p->nprf++] = IKE_PRF_HMAC_SHA2_384;
            break;
        case IKE_INTEG_HMAC_SHA2_512_256:
            p->prf[p->nprf++] = IKE_PRF_HMAC_SHA2_512;
            break;
        default:
            break;
        }
    }
}

int conf_parse_proposal(const char *text, uint8_t protocol, struct ike_proposal_cfg *out, char *err,
                        size_t err_len)
{
    memset(out, 0, sizeof(*out));
    out->protocol = protocol;
    const char *p = text;
    while (*p != '\0') {
        size_t len = strcspn(p, "-");
        const struct token *t = find_token(p, len);
        if (t == NULL || (protocol == IKE_PROTO_ESP && t->type == IKE_TT_PRF) ||
            (protocol == IKE_PROTO_IKE && t->type == IKE_TT_ESN) || add(out, t) < 0) {
            snprintf(err, err_len, "unknown or misplaced algorithm \"%.*s\" in \"%s\"", (int)len, p,
                     text);
            return -1;
        }
        p += len;
        if (*p == '-')
            p++;
    }
    if (out->nencr == 0) {
        snprintf(err, err_len, "no encryption algorithm in \"%s\"", text);
        return -1;
    }
    if (protocol == IKE_PROTO_IKE) {
        if (out->nprf == 0)
            default_prfs(out);
        if (out->nprf == 0 || out->ndh == 0) {
            snprintf(err, err_len, "an IKE proposal needs a PRF and a DH group: \"%s\"", text);
            return -1;
        }
    } else if (out->nesn == 0) {
        out->esn[out->nesn++] = IKE_ESN_NO_ESN;
    }
    return 0;
}
