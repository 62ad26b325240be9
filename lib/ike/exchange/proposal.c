/* SPDX-License-Identifier: BSD-3-Clause */
#include "ike_proposal.h"

#include <errno.h>
#include <string.h>

bool ike_encr_is_aead(uint16_t encr)
{
    return encr == IKE_ENCR_AES_GCM_8 || encr == IKE_ENCR_AES_GCM_12 ||
           encr == IKE_ENCR_AES_GCM_16 || encr == IKE_ENCR_CHACHA20_POLY1305 ||
           encr == IKE_ENCR_AES_CCM_8 || encr == IKE_ENCR_AES_CCM_12 || encr == IKE_ENCR_AES_CCM_16;
}

static bool has16(const uint16_t *list, unsigned n, uint16_t v)
{
    for (unsigned i = 0; i < n; i++) {
        if (list[i] == v)
            return true;
    }
    return false;
}

static bool has_encr(const struct ike_proposal_cfg *c, uint16_t id, uint16_t key_bits)
{
    for (unsigned i = 0; i < c->nencr; i++) {
        if (c->encr[i].id == id && c->encr[i].key_bits == key_bits)
            return true;
    }
    return false;
}

/* Does configuration `c` accept transform `t`? */
static bool accepts(const struct ike_proposal_cfg *c, const struct ike_transform *t)
{
    switch (t->type) {
    case IKE_TT_ENCR:
        return has_encr(c, t->id, t->key_len);
    case IKE_TT_PRF:
        return has16(c->prf, c->nprf, t->id);
    case IKE_TT_INTEG:
        return has16(c->integ, c->ninteg, t->id);
    case IKE_TT_DH:
        return has16(c->dh, c->ndh, t->id) || (t->id == IKE_DH_NONE && c->ndh == 0);
    case IKE_TT_ESN:
        return has16(c->esn, c->nesn, t->id);
    default:
        return false;
    }
}

/* Records transform t (of a known type) as the one chosen for its type. */
static void set_transform(struct ike_chosen *out, const struct ike_transform *t)
{
    switch (t->type) {
    case IKE_TT_ENCR:
        out->encr = (struct ike_encr_alg){t->id, t->key_len};
        break;
    case IKE_TT_PRF:
        out->prf = t->id;
        break;
    case IKE_TT_INTEG:
        out->integ = t->id;
        break;
    case IKE_TT_DH:
        out->dh = t->id;
        break;
    case IKE_TT_ESN:
        out->esn = t->id;
        break;
    }
}

/* Copies what identifies proposal p (number, protocol, SPI) into out. */
static void take_proposal(struct ike_chosen *out, const struct ike_proposal *p)
{
    out->num = p->num;
    out->protocol = p->protocol;
    out->spi_size = p->spi_size;
    memcpy(out->spi, p->spi, p->spi_size);
}

/* Picks from one offered proposal against one configuration; false when incomplete. */
static bool pick(const struct ike_sa_payload *sa, const struct ike_proposal *p,
                 const struct ike_proposal_cfg *c, struct ike_chosen *out)
{
    bool seen[6] = {false};
    bool got[6] = {false};
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < p->ntransforms; i++) {
        const struct ike_transform *t = ike_proposal_transform(sa, p, i);
        if (t->type == 0 || t->type > IKE_TT_ESN)
            continue; /* unknown transform types are ignored (RFC 7296 3.3.6) */
        seen[t->type] = true;
        if (got[t->type] || !accepts(c, t))
            continue;
        got[t->type] = true;
        set_transform(out, t);
    }
    /* Every type offered must be matched; some types must be present. */
    for (unsigned type = 1; type <= IKE_TT_ESN; type++) {
        if (seen[type] && !got[type])
            return false;
    }
    bool aead = ike_encr_is_aead(out->encr.id);
    if (!got[IKE_TT_ENCR] || (!aead && !got[IKE_TT_INTEG]) ||
        (aead && got[IKE_TT_INTEG] && out->integ != IKE_INTEG_NONE))
        return false;
    if (p->protocol == IKE_PROTO_IKE && (!got[IKE_TT_PRF] || !got[IKE_TT_DH]))
        return false;
    if (p->protocol == IKE_PROTO_ESP && !got[IKE_TT_ESN])
        return false;
    /* A configured PFS group must be offered. */
    if (p->protocol != IKE_PROTO_IKE && c->ndh > 0 && !got[IKE_TT_DH])
        return false;
    take_proposal(out, p);
    return true;
}

int ike_proposal_select(const struct ike_sa_payload *offered, const struct ike_proposal_cfg *cfg,
                        unsigned ncfg, uint8_t protocol, struct ike_chosen *out)
{
    for (unsigned i = 0; i < offered->nproposals; i++) {
        const struct ike_proposal *p = &offered->proposals[i];
        if (p->protocol != protocol)
            continue;
        for (unsigned c = 0; c < ncfg; c++) {
            if (cfg[c].protocol == protocol && pick(offered, p, &cfg[c], out))
                return 0;
        }
    }
    return -ENOENT;
}

int ike_proposal_from_reply(const struct ike_sa_payload *sa, struct ike_chosen *out)
{
    if (sa->nproposals != 1)
        return -EBADMSG;
    const struct ike_proposal *p = &sa->proposals[0];
    /* A reply must hold exactly one transform of each type it uses. */
    unsigned count[6] = {0};
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < p->ntransforms; i++) {
        const struct ike_transform *t = ike_proposal_transform(sa, p, i);
        if (t->type == 0 || t->type > IKE_TT_ESN || ++count[t->type] > 1)
            return -EBADMSG;
        set_transform(out, t);
    }
    if (count[IKE_TT_ENCR] != 1)
        return -EBADMSG;
    take_proposal(out, p);
    return 0;
}

bool ike_proposal_acceptable(const struct ike_chosen *chosen, const struct ike_proposal_cfg *cfg,
                             unsigned ncfg)
{
    for (unsigned c = 0; c < ncfg; c++) {
        const struct ike_proposal_cfg *k = &cfg[c];
        if (k->protocol != chosen->protocol || !has_encr(k, chosen->encr.id, chosen->encr.key_bits))
            continue;
        bool aead = ike_encr_is_aead(chosen->encr.id);
        if (!aead && !has16(k->integ, k->ninteg, chosen->integ))
            continue;
        if (aead && chosen->integ != IKE_INTEG_NONE)
            continue;
        if (k->protocol == IKE_PROTO_IKE && !has16(k->prf, k->nprf, chosen->prf))
            continue;
        if ((k->ndh > 0 || chosen->dh != IKE_DH_NONE) && !has16(k->dh, k->ndh, chosen->dh))
            continue;
        if (k->protocol == IKE_PROTO_ESP && !has16(k->esn, k->nesn, chosen->esn))
            continue;
        return true;
    }
    return false;
}

static void add(struct ike_sa_payload *sa, struct ike_proposal *p, uint8_t type, uint16_t id,
                uint16_t key_len)
{
    if (sa->ntransforms >= IKE_SA_MAX_TRANSFORMS || p->ntransforms == UINT8_MAX)
        return;
    sa->transforms[sa->ntransforms++] = (struct ike_transform){type, id, key_len};
    p->ntransforms++;
}

static struct ike_proposal *open_proposal(struct ike_sa_payload *sa, uint8_t num, uint8_t protocol,
                                          const uint8_t *spi, uint8_t spi_size)
{
    struct ike_proposal *p = &sa->proposals[sa->nproposals++];
    memset(p, 0, sizeof(*p));
    p->num = num;
    p->protocol = protocol;
    p->spi_size = spi_size;
    if (spi_size > 0)
        memcpy(p->spi, spi, spi_size);
    p->first = sa->ntransforms;
    return p;
}

void ike_proposal_offer(const struct ike_proposal_cfg *cfg, unsigned ncfg, const uint8_t *spi,
                        uint8_t spi_size, struct ike_sa_payload *out)
{
    out->nproposals = 0;
    out->ntransforms = 0;
    for (unsigned c = 0; c < ncfg && c < IKE_SA_MAX_PROPOSALS; c++) {
        const struct ike_proposal_cfg *k = &cfg[c];
        struct ike_proposal *p = open_proposal(out, (uint8_t)(c + 1), k->protocol, spi, spi_size);
        for (unsigned i = 0; i < k->nencr; i++)
            add(out, p, IKE_TT_ENCR, k->encr[i].id, k->encr[i].key_bits);
        for (unsigned i = 0; i < k->nprf; i++)
            add(out, p, IKE_TT_PRF, k->prf[i], 0);
        for (unsigned i = 0; i < k->ninteg; i++)
            add(out, p, IKE_TT_INTEG, k->integ[i], 0);
        for (unsigned i = 0; i < k->ndh; i++)
            add(out, p, IKE_TT_DH, k->dh[i], 0);
        for (unsigned i = 0; i < k->nesn; i++)
            add(out, p, IKE_TT_ESN, k->esn[i], 0);
    }
}

void ike_proposal_reply(const struct ike_chosen *c, struct ike_sa_payload *out)
{
    out->nproposals = 0;
    out->ntransforms = 0;
    struct ike_proposal *p = open_proposal(out, c->num, c->protocol, c->spi, c->spi_size);
    add(out, p, IKE_TT_ENCR, c->encr.id, c->encr.key_bits);
    if (c->protocol == IKE_PROTO_IKE)
        add(out, p, IKE_TT_PRF, c->prf, 0);
    if (!ike_encr_is_aead(c->encr.id))
        add(out, p, IKE_TT_INTEG, c->integ, 0);
    if (c->protocol == IKE_PROTO_IKE || c->dh != IKE_DH_NONE)
        add(out, p, IKE_TT_DH, c->dh, 0);
    if (c->protocol == IKE_PROTO_ESP)
        add(out, p, IKE_TT_ESN, c->esn, 0);
}

void ike_proposal_cfg_without_dh(const struct ike_proposal_cfg *in, unsigned n,
                                 struct ike_proposal_cfg *out)
{
    for (unsigned i = 0; i < n; i++) {
        out[i] = in[i];
        out[i].ndh = 0;
    }
}
