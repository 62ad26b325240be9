/* SPDX-License-Identifier: BSD-3-Clause */
/* Printable names generated from the X-macro lists in ike_consts.h. */
#include "ike_consts.h"

#include <stddef.h>

#define IKE_NAME_CASE(n, v)                                                                        \
    case v:                                                                                        \
        return #n;

#define IKE_NAME_SWITCH(list, v)                                                                   \
    switch (v) {                                                                                   \
        list(IKE_NAME_CASE) default : return NULL;                                                 \
    }

#define IKE_NAME_FN(fn, list)                                                                      \
    const char *fn(unsigned v)                                                                     \
    {                                                                                              \
        IKE_NAME_SWITCH(list, v)                                                                   \
    }

IKE_NAME_FN(ike_exchange_name, IKE_EXCHANGE_LIST)
IKE_NAME_FN(ike_payload_name, IKE_PAYLOAD_LIST)
IKE_NAME_FN(ike_notify_name, IKE_NOTIFY_LIST)
IKE_NAME_FN(ike_protocol_name, IKE_PROTOCOL_LIST)
IKE_NAME_FN(ike_transform_type_name, IKE_TRANSFORM_TYPE_LIST)
IKE_NAME_FN(ike_id_type_name, IKE_ID_TYPE_LIST)
IKE_NAME_FN(ike_gw_id_type_name, IKE_GW_ID_TYPE_LIST)
IKE_NAME_FN(ike_auth_method_name, IKE_AUTH_METHOD_LIST)
IKE_NAME_FN(ike_cert_encoding_name, IKE_CERT_ENCODING_LIST)
IKE_NAME_FN(ike_ts_type_name, IKE_TS_TYPE_LIST)
IKE_NAME_FN(ike_cp_type_name, IKE_CP_TYPE_LIST)
IKE_NAME_FN(ike_cp_attr_name, IKE_CP_ATTR_LIST)
IKE_NAME_FN(ike_hash_alg_name, IKE_HASH_ALG_LIST)

const char *ike_transform_id_name(unsigned type, unsigned id)
{
    switch (type) {
    case IKE_TT_ENCR:
        IKE_NAME_SWITCH(IKE_ENCR_LIST, id)
    case IKE_TT_PRF:
        IKE_NAME_SWITCH(IKE_PRF_LIST, id)
    case IKE_TT_INTEG:
        IKE_NAME_SWITCH(IKE_INTEG_LIST, id)
    case IKE_TT_DH:
        IKE_NAME_SWITCH(IKE_DH_LIST, id)
    case IKE_TT_ESN:
        IKE_NAME_SWITCH(IKE_ESN_LIST, id)
    default:
        return NULL;
    }
}
