/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bounded RADIUS codec for EAP pass-through (RFC 3579) and accounting
 * (RFC 2866): pure functions on byte buffers, no sockets, no clock, no
 * globals, so the single-threaded control plane never blocks on it and the
 * transport (retransmission, server choice) can be added around it.
 *
 *   - ike_radius_access_request() builds an Access-Request carrying an EAP
 *     message, with Message-Authenticator (RFC 3579 3.2);
 *   - ike_radius_parse_reply() checks an Access-Accept, -Reject or
 *     -Challenge (bounds, Response Authenticator, Message-Authenticator) and
 *     takes out the EAP message, State, Class, Session-Timeout,
 *     Acct-Interim-Interval, Framed addresses and the MSK from MS-MPPE-Recv-Key / -Send-Key (RFC
 * 2548);
 *   - ike_radius_acct_request() builds an Accounting-Request and
 *     ike_radius_acct_response_check() verifies the Accounting-Response.
 *
 * Every refusal has its own reason (enum ike_radius_reject) so that the
 * caller can count each. Tested in tests/unit/test_radius.c, fuzzed by
 * tests/fuzz/fuzz_radius.c, run against FreeRADIUS by
 * tests/interop/freeradius_codec.sh.
 */
#ifndef VEER_IKE_RADIUS_H
#define VEER_IKE_RADIUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_addr.h"

/* Packet codes (RFC 2865 3, RFC 2866 3). */
#define IKE_RADIUS_ACCESS_REQUEST 1
#define IKE_RADIUS_ACCESS_ACCEPT 2
#define IKE_RADIUS_ACCESS_REJECT 3
#define IKE_RADIUS_ACCOUNTING_REQUEST 4
#define IKE_RADIUS_ACCOUNTING_RESPONSE 5
#define IKE_RADIUS_ACCESS_CHALLENGE 11

/* Attribute types (RFC 2865 5, RFC 2866 5, RFC 2869 5, RFC 3162, RFC 6911). */
#define IKE_RADIUS_ATTR_USER_NAME 1
#define IKE_RADIUS_ATTR_USER_PASSWORD 2
#define IKE_RADIUS_ATTR_NAS_IP_ADDRESS 4
#define IKE_RADIUS_ATTR_NAS_PORT 5
#define IKE_RADIUS_ATTR_SERVICE_TYPE 6
#define IKE_RADIUS_ATTR_FRAMED_IP_ADDRESS 8
#define IKE_RADIUS_ATTR_FRAMED_MTU 12
#define IKE_RADIUS_ATTR_REPLY_MESSAGE 18
#define IKE_RADIUS_ATTR_STATE 24
#define IKE_RADIUS_ATTR_CLASS 25
#define IKE_RADIUS_ATTR_VENDOR_SPECIFIC 26
#define IKE_RADIUS_ATTR_SESSION_TIMEOUT 27
#define IKE_RADIUS_ATTR_CALLED_STATION_ID 30
#define IKE_RADIUS_ATTR_CALLING_STATION_ID 31
#define IKE_RADIUS_ATTR_NAS_IDENTIFIER 32
#define IKE_RADIUS_ATTR_ACCT_STATUS_TYPE 40
#define IKE_RADIUS_ATTR_ACCT_INPUT_OCTETS 42
#define IKE_RADIUS_ATTR_ACCT_OUTPUT_OCTETS 43
#define IKE_RADIUS_ATTR_ACCT_SESSION_ID 44
#define IKE_RADIUS_ATTR_ACCT_SESSION_TIME 46
#define IKE_RADIUS_ATTR_ACCT_INPUT_PACKETS 47
#define IKE_RADIUS_ATTR_ACCT_OUTPUT_PACKETS 48
#define IKE_RADIUS_ATTR_ACCT_TERMINATE_CAUSE 49
#define IKE_RADIUS_ATTR_ACCT_INPUT_GIGAWORDS 52
#define IKE_RADIUS_ATTR_ACCT_OUTPUT_GIGAWORDS 53
#define IKE_RADIUS_ATTR_EVENT_TIMESTAMP 55
#define IKE_RADIUS_ATTR_NAS_PORT_TYPE 61
#define IKE_RADIUS_ATTR_ACCT_INTERIM_INTERVAL 85
#define IKE_RADIUS_ATTR_EAP_MESSAGE 79
#define IKE_RADIUS_ATTR_MESSAGE_AUTHENTICATOR 80
#define IKE_RADIUS_ATTR_NAS_IPV6_ADDRESS 95
#define IKE_RADIUS_ATTR_FRAMED_IPV6_PREFIX 97
#define IKE_RADIUS_ATTR_FRAMED_IPV6_ADDRESS 168

#define IKE_RADIUS_VENDOR_MICROSOFT 311
#define IKE_RADIUS_MS_MPPE_SEND_KEY 16
#define IKE_RADIUS_MS_MPPE_RECV_KEY 17

#define IKE_RADIUS_SERVICE_FRAMED 2
#define IKE_RADIUS_NAS_PORT_VIRTUAL 5

/* Sizes (RFC 2865 3 and 5). */
#define IKE_RADIUS_HDR_LEN 20
#define IKE_RADIUS_AUTH_LEN 16
#define IKE_RADIUS_MAX_LEN 4096
#define IKE_RADIUS_ATTR_MAX_VALUE 253
/* The bounds of this codec: the EAP message of one reply, the Class values kept. */
#define IKE_RADIUS_EAP_MAX 2048
#define IKE_RADIUS_CLASS_MAX 4
/* EAP MSK = MS-MPPE-Recv-Key (32) || MS-MPPE-Send-Key (32), in strongSwan's eap-radius order. */
#define IKE_RADIUS_MPPE_KEY_LEN 32
#define IKE_RADIUS_MSK_LEN 64

/* Why a packet was refused (or could not be built): each can have a counter. */
#define IKE_RADIUS_REJECT_LIST(X)                                                                  \
    X(OK, "ok")                                                                                    \
    X(TRUNCATED, "shorter than the 20-byte RADIUS header")                                         \
    X(LENGTH_TOO_SMALL, "length field below 20")                                                   \
    X(LENGTH_TOO_LARGE, "length field above 4096")                                                 \
    X(LENGTH_OVERRUN, "length field larger than the datagram")                                     \
    X(UNKNOWN_CODE, "code is not one this side expects")                                           \
    X(ATTR_TOO_SHORT, "attribute length below 2")                                                  \
    X(ATTR_OVERRUN, "attribute runs past the packet length")                                       \
    X(ATTR_BAD_LENGTH, "attribute value length does not fit its type")                             \
    X(ATTR_REPEATED, "attribute appears more often than allowed")                                  \
    X(BAD_RESPONSE_AUTH, "wrong Response Authenticator")                                           \
    X(MA_MISSING, "EAP-Message without Message-Authenticator")                                     \
    X(BAD_MESSAGE_AUTH, "wrong Message-Authenticator")                                             \
    X(EAP_MISSING, "Access-Challenge without EAP-Message")                                         \
    X(EAP_TOO_LONG, "EAP-Message attributes longer than the codec bound")                          \
    X(EAP_BAD_LENGTH, "EAP length field disagrees with the EAP-Message attributes")                \
    X(MPPE_BAD_FORMAT, "MS-MPPE key attribute malformed (length, salt)")                           \
    X(MPPE_BAD_KEY, "MS-MPPE key decrypts to a wrong key length")                                  \
    X(MPPE_ONE_KEY, "only one of MS-MPPE-Recv-Key and MS-MPPE-Send-Key")                           \
    X(NO_ROOM, "the packet to build does not fit")                                                 \
    X(BAD_INPUT, "a value to encode is too long or missing")                                       \
    X(CRYPTO, "libcrypto failed")

#define IKE_X_RADIUS_ENUM(n, s) IKE_RADIUS_##n,
enum ike_radius_reject { IKE_RADIUS_REJECT_LIST(IKE_X_RADIUS_ENUM) IKE_RADIUS__COUNT };
#undef IKE_X_RADIUS_ENUM

/* "BAD_MESSAGE_AUTH" and a sentence for logs; "?" for codes out of range. */
const char *ike_radius_reject_name(unsigned r);
const char *ike_radius_reject_text(unsigned r);

/* What the NAS says about itself in every request; absent fields are left out. */
struct ike_radius_nas {
    const struct ike_addr *ip;     /* NAS-IP-Address (family 4) or NAS-IPv6-Address (6), or NULL */
    const char *identifier;        /* NAS-Identifier, or NULL */
    const char *called_station_id; /* Called-Station-Id, or NULL */
};

/* An Access-Request carrying one EAP message from the IKE client. */
struct ike_radius_access_req {
    uint8_t identifier;
    uint8_t authenticator[IKE_RADIUS_AUTH_LEN]; /* Request Authenticator: from a CSPRNG */
    const uint8_t *user_name;                   /* the EAP identity (1..253 bytes) */
    size_t user_name_len;
    const uint8_t *eap; /* the whole EAP packet, split into 253-byte EAP-Message attributes */
    size_t eap_len;
    const uint8_t *state; /* State of the last Access-Challenge, echoed; NULL: none */
    size_t state_len;
    const struct ike_addr *client; /* Calling-Station-Id "ip:port", or NULL */
    uint32_t framed_mtu;           /* Framed-MTU, 0: left out */
    struct ike_radius_nas nas;
};

/*
 * Writes the Access-Request (with NAS-Port-Type Virtual, Service-Type Framed
 * and a Message-Authenticator) into out. Returns its length, or -1 with
 * *why NO_ROOM (cap, or the 4096-byte limit) or BAD_INPUT.
 */
long ike_radius_access_request(const struct ike_radius_access_req *req, const uint8_t *secret,
                               size_t secret_len, uint8_t *out, size_t cap,
                               enum ike_radius_reject *why);

/* The Identifier of a datagram (to find the request it answers), or -1 below 20 bytes. */
int ike_radius_identifier(const uint8_t *pkt, size_t len);

struct ike_radius_class {
    uint8_t len;
    uint8_t value[IKE_RADIUS_ATTR_MAX_VALUE];
};

/* What an Access-Accept, -Reject or -Challenge said, once verified. */
struct ike_radius_reply {
    uint8_t code; /* IKE_RADIUS_ACCESS_ACCEPT, _REJECT or _CHALLENGE */
    uint8_t identifier;
    bool has_message_authenticator;
    uint8_t eap[IKE_RADIUS_EAP_MAX]; /* the EAP-Message attributes, joined */
    size_t eap_len;                  /* 0: none */
    uint8_t state[IKE_RADIUS_ATTR_MAX_VALUE];
    size_t state_len; /* 0: none */
    struct ike_radius_class classes[IKE_RADIUS_CLASS_MAX];
    unsigned nclass;
    unsigned class_dropped; /* Class values past IKE_RADIUS_CLASS_MAX; empty ones are skipped */
    bool has_session_timeout;
    uint32_t session_timeout; /* seconds */
    bool has_interim_interval;
    uint32_t interim_interval; /* Acct-Interim-Interval (RFC 2869 5.16), seconds */
    bool has_framed_ip;
    struct ike_addr framed_ip; /* Framed-IP-Address, family 4 */
    bool has_framed_ip6;
    struct ike_addr framed_ip6;    /* Framed-IPv6-Address, or the prefix of Framed-IPv6-Prefix */
    uint8_t framed_ip6_prefix_len; /* 128 for Framed-IPv6-Address */
    bool has_msk;
    uint8_t msk[IKE_RADIUS_MSK_LEN]; /* Recv || Send; 16-byte keys zero-padded (Accept only) */
};

/*
 * Verifies a reply to the Access-Request whose Request Authenticator was
 * `req_auth`: the bounds, the code, the Response Authenticator, the
 * Message-Authenticator (required with EAP-Message, checked whenever there),
 * then fills *out. The caller compares out->identifier with its request's
 * (ike_radius_identifier() gives it before parsing). Octets past the Length
 * field are padding and ignored (RFC 2865 3). Never reads outside pkt[0..len).
 */
enum ike_radius_reject ike_radius_parse_reply(const uint8_t *pkt, size_t len,
                                              const uint8_t req_auth[IKE_RADIUS_AUTH_LEN],
                                              const uint8_t *secret, size_t secret_len,
                                              struct ike_radius_reply *out);

/*
 * Decrypts one MS-MPPE-Send-Key or -Recv-Key value (RFC 2548 2.4.2: Salt(2)
 * then the encrypted String, a multiple of 16 bytes) with the secret and the
 * Request Authenticator. Writes the key into key (cap bytes) and its length
 * into *key_len. Returns OK, MPPE_BAD_FORMAT, MPPE_BAD_KEY or CRYPTO.
 */
enum ike_radius_reject ike_radius_mppe_decrypt(const uint8_t *value, size_t len,
                                               const uint8_t req_auth[IKE_RADIUS_AUTH_LEN],
                                               const uint8_t *secret, size_t secret_len,
                                               uint8_t *key, size_t cap, size_t *key_len);

/* Acct-Status-Type (RFC 2866 5.1). */
enum ike_radius_acct_status {
    IKE_RADIUS_ACCT_START = 1,
    IKE_RADIUS_ACCT_STOP = 2,
    IKE_RADIUS_ACCT_INTERIM = 3,
    IKE_RADIUS_ACCT_ON = 7,  /* the NAS starts: every session it had before is over */
    IKE_RADIUS_ACCT_OFF = 8, /* the NAS stops */
};

/* Acct-Terminate-Cause values veer uses (RFC 2866 5.10). */
#define IKE_RADIUS_TERM_USER_REQUEST 1
#define IKE_RADIUS_TERM_LOST_CARRIER 2
#define IKE_RADIUS_TERM_LOST_SERVICE 3
#define IKE_RADIUS_TERM_IDLE_TIMEOUT 4
#define IKE_RADIUS_TERM_SESSION_TIMEOUT 5
#define IKE_RADIUS_TERM_ADMIN_RESET 6
#define IKE_RADIUS_TERM_NAS_REQUEST 10
#define IKE_RADIUS_TERM_NAS_REBOOT 11

struct ike_radius_acct_req {
    uint8_t identifier;
    enum ike_radius_acct_status status;
    const char *session_id; /* Acct-Session-Id, 1..253 bytes */
    const uint8_t *user_name;
    size_t user_name_len;
    const struct ike_addr *framed_ip;  /* Framed-IP-Address (family 4), or NULL */
    const struct ike_addr *framed_ip6; /* Framed-IPv6-Address (family 6, RFC 6911), or NULL */
    const struct ike_addr *client;     /* Calling-Station-Id, or NULL */
    /* Counters, sent with Interim-Update and Stop only (octets: Gigawords for the top 32 bits). */
    uint64_t in_octets, out_octets;
    uint32_t in_packets, out_packets;
    uint32_t session_time;                  /* seconds, Interim-Update and Stop */
    uint32_t terminate_cause;               /* Stop only; 0: left out */
    uint32_t event_timestamp;               /* seconds since 1970, 0: left out */
    const struct ike_radius_class *classes; /* echoed from the Access-Accept */
    unsigned nclass;
    struct ike_radius_nas nas;
};

/*
 * Writes the Accounting-Request into out; its Request Authenticator
 * (out[4..20), MD5 over the packet with 16 zero octets there and the secret,
 * RFC 2866 3) is what ike_radius_acct_response_check() needs. Returns the
 * length, or -1 with *why NO_ROOM, BAD_INPUT or CRYPTO.
 */
long ike_radius_acct_request(const struct ike_radius_acct_req *req, const uint8_t *secret,
                             size_t secret_len, uint8_t *out, size_t cap,
                             enum ike_radius_reject *why);

/*
 * Verifies an Accounting-Response to the request whose Request Authenticator
 * was req_auth: bounds, code 5, Response Authenticator, and a
 * Message-Authenticator when one is there.
 */
enum ike_radius_reject ike_radius_acct_response_check(const uint8_t *pkt, size_t len,
                                                      const uint8_t req_auth[IKE_RADIUS_AUTH_LEN],
                                                      const uint8_t *secret, size_t secret_len);

#endif
