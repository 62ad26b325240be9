/* SPDX-License-Identifier: BSD-3-Clause */
#include "gcm_proposals.h"

void gcm_proposals(struct ike_peer_cfg *p, uint16_t key_bits)
{
    p->nike = 1;
    p->ike[0] = (struct ike_proposal_cfg){.protocol = IKE_PROTO_IKE,
                                          .nencr = 1,
                                          .encr = {{IKE_ENCR_AES_GCM_16, key_bits}},
                                          .nprf = 1,
                                          .prf = {IKE_PRF_HMAC_SHA2_256},
                                          .ndh = 1,
                                          .dh = {IKE_DH_CURVE25519}};
    p->nesp = 1;
    p->esp[0] = (struct ike_proposal_cfg){.protocol = IKE_PROTO_ESP,
                                          .nencr = 1,
                                          .encr = {{IKE_ENCR_AES_GCM_16, key_bits}},
                                          .nesn = 1,
                                          .esn = {IKE_ESN_NO_ESN}};
}
