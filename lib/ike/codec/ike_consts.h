/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 numbers used on the wire (IANA registries), as X-macro lists.
 *
 * Each list is the single source of the enum constants and of the printable
 * names used in logs, telemetry and tests: add a number here and both follow.
 */
#ifndef VEER_IKE_CONSTS_H
#define VEER_IKE_CONSTS_H

#include <stdint.h>

#define IKE_MAJOR_VERSION 2
#define IKE_HDR_LEN 28
#define IKE_GENERIC_HDR_LEN 4
#define IKE_NON_ESP_MARKER_LEN 4
#define IKE_PORT 500
#define IKE_NATT_PORT 4500

/* Header flags (RFC 7296 3.1). */
#define IKE_FLAG_INITIATOR 0x08
#define IKE_FLAG_VERSION 0x10
#define IKE_FLAG_RESPONSE 0x20

/* Generic payload header: the critical bit (RFC 7296 3.2). */
#define IKE_PAYLOAD_CRITICAL 0x80

/* Nonce data bounds (RFC 7296 3.9). */
#define IKE_NONCE_MIN 16
#define IKE_NONCE_MAX 256

#define IKE_EXCHANGE_LIST(X)                                                                       \
    X(IKE_SA_INIT, 34)                                                                             \
    X(IKE_AUTH, 35)                                                                                \
    X(CREATE_CHILD_SA, 36)                                                                         \
    X(INFORMATIONAL, 37)                                                                           \
    X(IKE_SESSION_RESUME, 38)                                                                      \
    X(IKE_INTERMEDIATE, 43)

#define IKE_PAYLOAD_LIST(X)                                                                        \
    X(NONE, 0)                                                                                     \
    X(SA, 33)                                                                                      \
    X(KE, 34)                                                                                      \
    X(IDI, 35)                                                                                     \
    X(IDR, 36)                                                                                     \
    X(CERT, 37)                                                                                    \
    X(CERTREQ, 38)                                                                                 \
    X(AUTH, 39)                                                                                    \
    X(NONCE, 40)                                                                                   \
    X(NOTIFY, 41)                                                                                  \
    X(DELETE, 42)                                                                                  \
    X(VENDOR, 43)                                                                                  \
    X(TSI, 44)                                                                                     \
    X(TSR, 45)                                                                                     \
    X(SK, 46)                                                                                      \
    X(CP, 47)                                                                                      \
    X(EAP, 48)                                                                                     \
    X(SKF, 53)

/* Error notify types (RFC 7296 3.10.1 and later RFCs). */
#define IKE_NOTIFY_ERROR_LIST(X)                                                                   \
    X(UNSUPPORTED_CRITICAL_PAYLOAD, 1)                                                             \
    X(INVALID_IKE_SPI, 4)                                                                          \
    X(INVALID_MAJOR_VERSION, 5)                                                                    \
    X(INVALID_SYNTAX, 7)                                                                           \
    X(INVALID_MESSAGE_ID, 9)                                                                       \
    X(INVALID_SPI, 11)                                                                             \
    X(NO_PROPOSAL_CHOSEN, 14)                                                                      \
    X(INVALID_KE_PAYLOAD, 17)                                                                      \
    X(AUTHENTICATION_FAILED, 24)                                                                   \
    X(SINGLE_PAIR_REQUIRED, 34)                                                                    \
    X(NO_ADDITIONAL_SAS, 35)                                                                       \
    X(INTERNAL_ADDRESS_FAILURE, 36)                                                                \
    X(FAILED_CP_REQUIRED, 37)                                                                      \
    X(TS_UNACCEPTABLE, 38)                                                                         \
    X(INVALID_SELECTORS, 39)                                                                       \
    X(UNACCEPTABLE_ADDRESSES, 40)                                                                  \
    X(UNEXPECTED_NAT_DETECTED, 41)                                                                 \
    X(USE_ASSIGNED_HOA, 42)                                                                        \
    X(TEMPORARY_FAILURE, 43)                                                                       \
    X(CHILD_SA_NOT_FOUND, 44)                                                                      \
    X(INVALID_GROUP_ID, 45)                                                                        \
    X(AUTHORIZATION_FAILED, 46)                                                                    \
    X(STATE_NOT_FOUND, 47)

/*
 * Status notify types. SWITCH_TO_IP_ADDRESS (draft-smyslov-ipsecme-ikev2-r-mobike)
 * has no IANA number: veer uses 40960 from the private-use range by default and
 * the configuration may override it (see docs/rfc-matrix.md).
 */
#define IKE_NOTIFY_STATUS_LIST(X)                                                                  \
    X(INITIAL_CONTACT, 16384)                                                                      \
    X(SET_WINDOW_SIZE, 16385)                                                                      \
    X(ADDITIONAL_TS_POSSIBLE, 16386)                                                               \
    X(IPCOMP_SUPPORTED, 16387)                                                                     \
    X(NAT_DETECTION_SOURCE_IP, 16388)                                                              \
    X(NAT_DETECTION_DESTINATION_IP, 16389)                                                         \
    X(COOKIE, 16390)                                                                               \
    X(USE_TRANSPORT_MODE, 16391)                                                                   \
    X(HTTP_CERT_LOOKUP_SUPPORTED, 16392)                                                           \
    X(REKEY_SA, 16393)                                                                             \
    X(ESP_TFC_PADDING_NOT_SUPPORTED, 16394)                                                        \
    X(NON_FIRST_FRAGMENTS_ALSO, 16395)                                                             \
    X(MOBIKE_SUPPORTED, 16396)                                                                     \
    X(ADDITIONAL_IP4_ADDRESS, 16397)                                                               \
    X(ADDITIONAL_IP6_ADDRESS, 16398)                                                               \
    X(NO_ADDITIONAL_ADDRESSES, 16399)                                                              \
    X(UPDATE_SA_ADDRESSES, 16400)                                                                  \
    X(COOKIE2, 16401)                                                                              \
    X(NO_NATS_ALLOWED, 16402)                                                                      \
    X(AUTH_LIFETIME, 16403)                                                                        \
    X(MULTIPLE_AUTH_SUPPORTED, 16404)                                                              \
    X(ANOTHER_AUTH_FOLLOWS, 16405)                                                                 \
    X(REDIRECT_SUPPORTED, 16406)                                                                   \
    X(REDIRECT, 16407)                                                                             \
    X(REDIRECTED_FROM, 16408)                                                                      \
    X(TICKET_LT_OPAQUE, 16409)                                                                     \
    X(TICKET_REQUEST, 16410)                                                                       \
    X(TICKET_ACK, 16411)                                                                           \
    X(TICKET_NACK, 16412)                                                                          \
    X(TICKET_OPAQUE, 16413)                                                                        \
    X(LINK_ID, 16414)                                                                              \
    X(USE_WESP_MODE, 16415)                                                                        \
    X(ROHC_SUPPORTED, 16416)                                                                       \
    X(EAP_ONLY_AUTHENTICATION, 16417)                                                              \
    X(CHILDLESS_IKEV2_SUPPORTED, 16418)                                                            \
    X(QUICK_CRASH_DETECTION, 16419)                                                                \
    X(IKEV2_MESSAGE_ID_SYNC_SUPPORTED, 16420)                                                      \
    X(IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED, 16421)                                                  \
    X(IKEV2_MESSAGE_ID_SYNC, 16422)                                                                \
    X(IPSEC_REPLAY_COUNTER_SYNC, 16423)                                                            \
    X(SECURE_PASSWORD_METHODS, 16424)                                                              \
    X(PSK_PERSIST, 16425)                                                                          \
    X(PSK_CONFIRM, 16426)                                                                          \
    X(ERX_SUPPORTED, 16427)                                                                        \
    X(IFOM_CAPABILITY, 16428)                                                                      \
    X(SENDER_REQUEST_ID, 16429)                                                                    \
    X(IKEV2_FRAGMENTATION_SUPPORTED, 16430)                                                        \
    X(SIGNATURE_HASH_ALGORITHMS, 16431)                                                            \
    X(CLONE_IKE_SA_SUPPORTED, 16432)                                                               \
    X(CLONE_IKE_SA, 16433)                                                                         \
    X(PUZZLE, 16434)                                                                               \
    X(USE_PPK, 16435)                                                                              \
    X(PPK_IDENTITY, 16436)                                                                         \
    X(NO_PPK_AUTH, 16437)                                                                          \
    X(INTERMEDIATE_EXCHANGE_SUPPORTED, 16438)                                                      \
    X(SWITCH_TO_IP_ADDRESS, 40960)

#define IKE_NOTIFY_LIST(X) IKE_NOTIFY_ERROR_LIST(X) IKE_NOTIFY_STATUS_LIST(X)

#define IKE_PROTOCOL_LIST(X)                                                                       \
    X(NONE, 0)                                                                                     \
    X(IKE, 1)                                                                                      \
    X(AH, 2)                                                                                       \
    X(ESP, 3)

#define IKE_TRANSFORM_TYPE_LIST(X)                                                                 \
    X(ENCR, 1)                                                                                     \
    X(PRF, 2)                                                                                      \
    X(INTEG, 3)                                                                                    \
    X(DH, 4)                                                                                       \
    X(ESN, 5)

#define IKE_ENCR_LIST(X)                                                                           \
    X(DES_IV64, 1)                                                                                 \
    X(DES, 2)                                                                                      \
    X(3DES, 3)                                                                                     \
    X(NULL, 11)                                                                                    \
    X(AES_CBC, 12)                                                                                 \
    X(AES_CTR, 13)                                                                                 \
    X(AES_CCM_8, 14)                                                                               \
    X(AES_CCM_12, 15)                                                                              \
    X(AES_CCM_16, 16)                                                                              \
    X(AES_GCM_8, 18)                                                                               \
    X(AES_GCM_12, 19)                                                                              \
    X(AES_GCM_16, 20)                                                                              \
    X(NULL_AUTH_AES_GMAC, 21)                                                                      \
    X(CAMELLIA_CBC, 23)                                                                            \
    X(CHACHA20_POLY1305, 28)

#define IKE_PRF_LIST(X)                                                                            \
    X(HMAC_MD5, 1)                                                                                 \
    X(HMAC_SHA1, 2)                                                                                \
    X(AES128_XCBC, 4)                                                                              \
    X(HMAC_SHA2_256, 5)                                                                            \
    X(HMAC_SHA2_384, 6)                                                                            \
    X(HMAC_SHA2_512, 7)                                                                            \
    X(AES128_CMAC, 8)

#define IKE_INTEG_LIST(X)                                                                          \
    X(NONE, 0)                                                                                     \
    X(HMAC_MD5_96, 1)                                                                              \
    X(HMAC_SHA1_96, 2)                                                                             \
    X(AES_XCBC_96, 5)                                                                              \
    X(AES_CMAC_96, 8)                                                                              \
    X(HMAC_SHA2_256_128, 12)                                                                       \
    X(HMAC_SHA2_384_192, 13)                                                                       \
    X(HMAC_SHA2_512_256, 14)

#define IKE_DH_LIST(X)                                                                             \
    X(NONE, 0)                                                                                     \
    X(MODP_1024, 2)                                                                                \
    X(MODP_1536, 5)                                                                                \
    X(MODP_2048, 14)                                                                               \
    X(MODP_3072, 15)                                                                               \
    X(MODP_4096, 16)                                                                               \
    X(MODP_6144, 17)                                                                               \
    X(MODP_8192, 18)                                                                               \
    X(ECP_256, 19)                                                                                 \
    X(ECP_384, 20)                                                                                 \
    X(ECP_521, 21)                                                                                 \
    X(ECP_256_BP, 28)                                                                              \
    X(ECP_384_BP, 29)                                                                              \
    X(ECP_512_BP, 30)                                                                              \
    X(CURVE25519, 31)                                                                              \
    X(CURVE448, 32)

#define IKE_ESN_LIST(X)                                                                            \
    X(NO_ESN, 0)                                                                                   \
    X(ESN, 1)

/* Transform attribute types (RFC 7296 3.3.5). */
#define IKE_TRANSFORM_ATTR_KEY_LENGTH 14

#define IKE_ID_TYPE_LIST(X)                                                                        \
    X(IPV4_ADDR, 1)                                                                                \
    X(FQDN, 2)                                                                                     \
    X(RFC822_ADDR, 3)                                                                              \
    X(IPV6_ADDR, 5)                                                                                \
    X(DER_ASN1_DN, 9)                                                                              \
    X(DER_ASN1_GN, 10)                                                                             \
    X(KEY_ID, 11)

/* New Responder GW Identity types (RFC 5685 10). */
#define IKE_GW_ID_TYPE_LIST(X)                                                                     \
    X(IPV4, 1)                                                                                     \
    X(IPV6, 2)                                                                                     \
    X(FQDN, 3)

#define IKE_AUTH_METHOD_LIST(X)                                                                    \
    X(RSA_SIG, 1)                                                                                  \
    X(SHARED_KEY, 2)                                                                               \
    X(DSS_SIG, 3)                                                                                  \
    X(ECDSA_P256, 9)                                                                               \
    X(ECDSA_P384, 10)                                                                              \
    X(ECDSA_P521, 11)                                                                              \
    X(GENERIC_SECURE_PASSWORD, 12)                                                                 \
    X(NULL_AUTH, 13)                                                                               \
    X(DIGITAL_SIGNATURE, 14)

#define IKE_CERT_ENCODING_LIST(X)                                                                  \
    X(PKCS7_X509, 1)                                                                               \
    X(PGP, 2)                                                                                      \
    X(DNS_SIGNED_KEY, 3)                                                                           \
    X(X509_SIGNATURE, 4)                                                                           \
    X(KERBEROS_TOKEN, 6)                                                                           \
    X(CRL, 7)                                                                                      \
    X(ARL, 8)                                                                                      \
    X(SPKI, 9)                                                                                     \
    X(X509_ATTRIBUTE, 10)                                                                          \
    X(RAW_RSA_KEY, 11)                                                                             \
    X(HASH_URL_X509_CERT, 12)                                                                      \
    X(HASH_URL_X509_BUNDLE, 13)

#define IKE_TS_TYPE_LIST(X)                                                                        \
    X(IPV4_ADDR_RANGE, 7)                                                                          \
    X(IPV6_ADDR_RANGE, 8)

#define IKE_CP_TYPE_LIST(X)                                                                        \
    X(REQUEST, 1)                                                                                  \
    X(REPLY, 2)                                                                                    \
    X(SET, 3)                                                                                      \
    X(ACK, 4)

#define IKE_CP_ATTR_LIST(X)                                                                        \
    X(INTERNAL_IP4_ADDRESS, 1)                                                                     \
    X(INTERNAL_IP4_NETMASK, 2)                                                                     \
    X(INTERNAL_IP4_DNS, 3)                                                                         \
    X(INTERNAL_IP4_NBNS, 4)                                                                        \
    X(INTERNAL_IP4_DHCP, 6)                                                                        \
    X(APPLICATION_VERSION, 7)                                                                      \
    X(INTERNAL_IP6_ADDRESS, 8)                                                                     \
    X(INTERNAL_IP6_DNS, 10)                                                                        \
    X(INTERNAL_IP6_DHCP, 12)                                                                       \
    X(INTERNAL_IP4_SUBNET, 13)                                                                     \
    X(SUPPORTED_ATTRIBUTES, 14)                                                                    \
    X(INTERNAL_IP6_SUBNET, 15)

/* Hash algorithms for SIGNATURE_HASH_ALGORITHMS (RFC 7427). */
#define IKE_HASH_ALG_LIST(X)                                                                       \
    X(SHA1, 1)                                                                                     \
    X(SHA2_256, 2)                                                                                 \
    X(SHA2_384, 3)                                                                                 \
    X(SHA2_512, 4)                                                                                 \
    X(IDENTITY, 5)

#define IKE_X_EXCHANGE(n, v) IKE_EXCH_##n = v,
#define IKE_X_PAYLOAD(n, v) IKE_PL_##n = v,
#define IKE_X_NOTIFY(n, v) IKE_N_##n = v,
#define IKE_X_PROTOCOL(n, v) IKE_PROTO_##n = v,
#define IKE_X_TRANSFORM_TYPE(n, v) IKE_TT_##n = v,
#define IKE_X_ENCR(n, v) IKE_ENCR_##n = v,
#define IKE_X_PRF(n, v) IKE_PRF_##n = v,
#define IKE_X_INTEG(n, v) IKE_INTEG_##n = v,
#define IKE_X_DH(n, v) IKE_DH_##n = v,
#define IKE_X_ESN(n, v) IKE_ESN_##n = v,
#define IKE_X_ID_TYPE(n, v) IKE_ID_##n = v,
#define IKE_X_GW_ID_TYPE(n, v) IKE_GW_##n = v,
#define IKE_X_AUTH_METHOD(n, v) IKE_AUTH_##n = v,
#define IKE_X_CERT_ENCODING(n, v) IKE_CERT_##n = v,
#define IKE_X_TS_TYPE(n, v) IKE_TS_##n = v,
#define IKE_X_CP_TYPE(n, v) IKE_CFG_##n = v,
#define IKE_X_CP_ATTR(n, v) IKE_CPA_##n = v,
#define IKE_X_HASH_ALG(n, v) IKE_HASH_##n = v,

enum ike_exchange { IKE_EXCHANGE_LIST(IKE_X_EXCHANGE) };
enum ike_payload_type { IKE_PAYLOAD_LIST(IKE_X_PAYLOAD) };
enum ike_notify_type { IKE_NOTIFY_LIST(IKE_X_NOTIFY) };
enum ike_protocol { IKE_PROTOCOL_LIST(IKE_X_PROTOCOL) };
enum ike_transform_type { IKE_TRANSFORM_TYPE_LIST(IKE_X_TRANSFORM_TYPE) };
enum ike_encr { IKE_ENCR_LIST(IKE_X_ENCR) };
enum ike_prf { IKE_PRF_LIST(IKE_X_PRF) };
enum ike_integ { IKE_INTEG_LIST(IKE_X_INTEG) };
enum ike_dh { IKE_DH_LIST(IKE_X_DH) };
enum ike_esn { IKE_ESN_LIST(IKE_X_ESN) };
enum ike_id_type { IKE_ID_TYPE_LIST(IKE_X_ID_TYPE) };
enum ike_gw_id_type { IKE_GW_ID_TYPE_LIST(IKE_X_GW_ID_TYPE) };
enum ike_auth_method { IKE_AUTH_METHOD_LIST(IKE_X_AUTH_METHOD) };
enum ike_cert_encoding { IKE_CERT_ENCODING_LIST(IKE_X_CERT_ENCODING) };
enum ike_ts_type { IKE_TS_TYPE_LIST(IKE_X_TS_TYPE) };
enum ike_cp_type { IKE_CP_TYPE_LIST(IKE_X_CP_TYPE) };
enum ike_cp_attr_type { IKE_CP_ATTR_LIST(IKE_X_CP_ATTR) };
enum ike_hash_alg { IKE_HASH_ALG_LIST(IKE_X_HASH_ALG) };

/*
 * Printable names ("IKE_SA_INIT", "REDIRECT_SUPPORTED", ...). Each returns NULL
 * for a number the list does not know, so callers can print the number instead.
 */
const char *ike_exchange_name(unsigned v);
const char *ike_payload_name(unsigned v);
const char *ike_notify_name(unsigned v);
const char *ike_protocol_name(unsigned v);
const char *ike_transform_type_name(unsigned v);
/* Name of transform ID `id` of transform type `type` (ENCR, PRF, INTEG, DH, ESN). */
const char *ike_transform_id_name(unsigned type, unsigned id);
const char *ike_id_type_name(unsigned v);
const char *ike_gw_id_type_name(unsigned v);
const char *ike_auth_method_name(unsigned v);
const char *ike_cert_encoding_name(unsigned v);
const char *ike_ts_type_name(unsigned v);
const char *ike_cp_type_name(unsigned v);
const char *ike_cp_attr_name(unsigned v);
const char *ike_hash_alg_name(unsigned v);

/* The payload types this codec knows (IKE_PAYLOAD_LIST but NONE), as a compile-time mask. */
#define IKE_X_KNOWN_BIT(n, v) | ((v) != 0 ? UINT64_C(1) << (v) : 0)
#define IKE_PL_KNOWN_MASK (0 IKE_PAYLOAD_LIST(IKE_X_KNOWN_BIT))

static inline int ike_payload_type_known(unsigned v)
{
    return v < 64 && ((IKE_PL_KNOWN_MASK >> v) & 1);
}

#endif
