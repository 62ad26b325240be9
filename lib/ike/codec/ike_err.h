/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Why a message was refused: one code per reason, so that every refusal can be
 * counted (an array indexed by enum ike_err_code) and logged precisely.
 */
#ifndef VEER_IKE_ERR_H
#define VEER_IKE_ERR_H

#include <stddef.h>
#include <stdint.h>

#define IKE_ERR_LIST(X)                                                                            \
    X(OK, "no error")                                                                              \
    /* header */                                                                                   \
    X(HDR_TRUNCATED, "shorter than the 28-byte IKE header")                                        \
    X(HDR_BAD_MAJOR_VERSION, "major version is not 2")                                             \
    X(HDR_LENGTH_MISMATCH, "header length differs from the datagram length")                       \
    X(HDR_LENGTH_TOO_SMALL, "header length is below 28")                                           \
    X(HDR_UNKNOWN_EXCHANGE, "unknown exchange type")                                               \
    X(NON_ESP_MARKER_MISSING, "port-4500 datagram lacks the 4-byte non-ESP marker")                \
    /* payload chain */                                                                            \
    X(PL_TRUNCATED_HEADER, "payload header runs past the end of the message")                      \
    X(PL_LENGTH_TOO_SHORT, "payload length is shorter than its generic header")                    \
    X(PL_LENGTH_OVERRUN, "payload length runs past the end of the message")                        \
    X(PL_TOO_MANY, "more payloads than the decoder bound")                                         \
    X(PL_UNSUPPORTED_CRITICAL, "unknown payload type with the critical bit set")                   \
    X(PL_SK_NOT_LAST, "SK or SKF payload is not the last payload")                                 \
    X(PL_TRAILING_DATA, "bytes follow the last payload")                                           \
    X(PL_BODY_TOO_SHORT, "payload body is shorter than its fixed fields")                          \
    X(PL_BODY_TOO_LONG, "payload body is longer than its type allows")                             \
    /* SA payload */                                                                               \
    X(SA_NO_PROPOSALS, "SA payload has no proposal")                                               \
    X(SA_PROP_TRUNCATED, "proposal substructure runs past the SA payload")                         \
    X(SA_PROP_BAD_LAST, "proposal last-substructure field is neither 0 nor 2")                     \
    X(SA_PROP_LAST_MISMATCH, "last-substructure field disagrees with the proposal position")       \
    X(SA_PROP_BAD_NUMBER, "proposal numbers do not start at 1 and rise by one")                    \
    X(SA_PROP_BAD_PROTOCOL, "proposal protocol is not IKE, AH or ESP")                             \
    X(SA_PROP_BAD_SPI_SIZE, "proposal SPI size does not fit its protocol")                         \
    X(SA_PROP_NO_TRANSFORMS, "proposal has no transform")                                          \
    X(SA_PROP_TRANSFORM_COUNT, "number of transforms differs from the proposal's count")           \
    X(SA_TOO_MANY_PROPOSALS, "more proposals than the decoder bound")                              \
    X(SA_TOO_MANY_TRANSFORMS, "more transforms than the decoder bound")                            \
    X(SA_XFORM_TRUNCATED, "transform substructure runs past its proposal")                         \
    X(SA_XFORM_BAD_LAST, "transform last-substructure field is neither 0 nor 3")                   \
    X(SA_XFORM_LAST_MISMATCH, "transform last-substructure field disagrees with its position")     \
    X(SA_ATTR_TRUNCATED, "transform attribute runs past its transform")                            \
    X(SA_ATTR_KEY_LENGTH_FORMAT, "key length attribute is not in TV format")                       \
    X(SA_ATTR_DUPLICATE, "the same attribute appears twice in a transform")                        \
    X(SA_ATTR_UNKNOWN, "unknown transform attribute")                                              \
    /* other payloads */                                                                           \
    X(NONCE_TOO_SHORT, "nonce is shorter than 16 bytes")                                           \
    X(NONCE_TOO_LONG, "nonce is longer than 256 bytes")                                            \
    X(NOTIFY_BAD_SPI_SIZE, "notify SPI size is not 0, 4 or 8")                                     \
    X(NOTIFY_SPI_TRUNCATED, "notify SPI runs past the payload")                                    \
    X(NOTIFY_BAD_DATA, "notify data does not fit its type")                                        \
    X(GW_ID_BAD_TYPE, "unknown gateway identity type")                                             \
    X(GW_ID_BAD_LENGTH, "gateway identity length does not fit its type or the payload")            \
    X(DELETE_BAD_PROTOCOL, "delete protocol is not IKE, AH or ESP")                                \
    X(DELETE_BAD_SPI_SIZE, "delete SPI size does not fit its protocol")                            \
    X(DELETE_SPI_COUNT, "delete SPI count disagrees with the payload length")                      \
    X(TS_NONE, "traffic selector payload has no selector")                                         \
    X(TS_TOO_MANY, "more traffic selectors than the decoder bound")                                \
    X(TS_TRUNCATED, "traffic selector runs past the payload")                                      \
    X(TS_BAD_TYPE, "unknown traffic selector type")                                                \
    X(TS_BAD_LENGTH, "traffic selector length does not fit its type")                              \
    X(TS_COUNT_MISMATCH, "number of selectors differs from the payload's count")                   \
    X(CP_BAD_TYPE, "configuration payload type is not 1-4")                                        \
    X(CP_ATTR_TRUNCATED, "configuration attribute runs past the payload")                          \
    X(CP_TOO_MANY_ATTRS, "more configuration attributes than the decoder bound")                   \
    X(EAP_BAD_LENGTH, "EAP length field disagrees with the payload")                               \
    X(SK_TOO_SHORT, "encrypted payload is shorter than IV plus ICV")                               \
    X(SKF_BAD_NUMBER, "fragment number is 0 or above the total")                                   \
    X(SKF_BAD_TOTAL, "total fragments is 0")                                                       \
    X(DELETE_TOO_MANY_SPIS, "more delete SPIs than the decoder bound")                             \
    X(EAP_BAD_CODE, "EAP code is not 1-4")                                                         \
    /* exchange rules */                                                                           \
    X(RULE_PAYLOAD_NOT_ALLOWED, "payload type not allowed in this exchange")                       \
    X(RULE_PAYLOAD_MISSING, "a required payload is missing")                                       \
    X(RULE_PAYLOAD_REPEATED, "payload appears more often than allowed")                            \
    X(RULE_MUST_BE_ENCRYPTED, "payload must be inside SK")                                         \
    X(RULE_MUST_NOT_BE_ENCRYPTED, "payload must not be inside SK")                                 \
    X(RULE_SK_MISSING, "exchange requires an SK or SKF payload")                                   \
    /* stateless IKE_SA_INIT responder */                                                          \
    X(SL_NOT_IKE_SA_INIT, "not an IKE_SA_INIT exchange")                                           \
    X(SL_RESPONSE_FLAG, "IKE_SA_INIT with the Response flag set")                                  \
    X(SL_NOT_INITIATOR, "IKE_SA_INIT request without the Initiator flag")                          \
    X(SL_NONZERO_SPI_R, "IKE_SA_INIT request with a non-zero responder SPI")                       \
    X(SL_ZERO_SPI_I, "IKE_SA_INIT request with a zero initiator SPI")                              \
    X(SL_NONZERO_MSG_ID, "IKE_SA_INIT request with a non-zero message ID")                         \
    X(SL_REPEATED_NOTIFY, "COOKIE or REDIRECTED_FROM notify appears twice")                        \
    X(SL_WOULD_AMPLIFY, "the reply would be larger than the request")                              \
    X(SL_NO_ROOM, "the reply buffer is too small")

#define IKE_X_ERR_ENUM(n, s) IKE_ERR_##n,
enum ike_err_code { IKE_ERR_LIST(IKE_X_ERR_ENUM) IKE_ERR__COUNT };
#undef IKE_X_ERR_ENUM

/* Where and why decoding failed. */
struct ike_err {
    uint16_t code;   /* enum ike_err_code */
    uint8_t payload; /* payload type being decoded, IKE_PL_NONE for the header */
    uint32_t offset; /* byte offset in the message where the fault was found */
};

/* Short symbolic name ("PL_LENGTH_OVERRUN") and a sentence for logs. */
const char *ike_err_name(unsigned code);
const char *ike_err_text(unsigned code);

/* "PL_LENGTH_OVERRUN in Notify at offset 132: payload length runs ..." */
int ike_err_format(const struct ike_err *err, char *buf, size_t size);

/* Records a fault (when err is non-NULL) and returns -EBADMSG, for `return ike_fail(...)`. */
__attribute__((cold)) int ike_fail(struct ike_err *err, enum ike_err_code code, uint8_t payload,
                                   size_t offset);

#endif
