/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the payload codec tests (test_pl_*.c). */
#ifndef VEER_UNIT_PL_H
#define VEER_UNIT_PL_H

#include <errno.h>
#include <string.h>

#include "ike_payload.h"
#include "unit_util.h"

#define UNIT_SWAN_DEFAULT "strongswan-5.9.8-psk-default-proposals.pcap"
#define UNIT_SWAN_NATT "strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap"
#define UNIT_LIBRESWAN_REDIRECT "libreswan-4.10-redirect-replies.pcap"

/*
 * The view ike_msg_decode() gives of the payload whose generic header is at
 * `off` in the message `msg` (offsets from the IKE header). `type` is what the
 * previous next-payload field said; the caller checks that field itself.
 */
static inline struct ike_pl unit_pl_at(const uint8_t *msg, size_t off, uint8_t type)
{
    uint16_t len = ike_get16(msg + off + 2);
    assert_true(len >= IKE_GENERIC_HDR_LEN);
    struct ike_pl pl =
        ike_pl_from_body(type, msg + off + IKE_GENERIC_HDR_LEN, len - IKE_GENERIC_HDR_LEN);
    pl.offset = (uint32_t)off;
    pl.next = msg[off];
    pl.critical = (msg[off + 1] & IKE_PAYLOAD_CRITICAL) != 0;
    return pl;
}

/* A writer with no IKE header: the first payload starts at offset 0 of buf. */
static inline void unit_w_init(struct ike_writer *w, uint8_t *buf, size_t cap)
{
    memset(buf, 0xee, cap);
    ike_w_init(w, buf, cap, false);
}

/* Asserts that the writer holds exactly the bytes of `hex`. */
#define UNIT_EXPECT_BYTES(w, hex)                                                                  \
    do {                                                                                           \
        uint8_t want_[4096];                                                                       \
        size_t nwant_ = unit_hex((hex), want_, sizeof(want_));                                     \
        assert_false((w)->overflow);                                                               \
        assert_int_equal((w)->len, nwant_);                                                        \
        assert_memory_equal((w)->buf, want_, nwant_);                                              \
    } while (0)

/*
 * Asserts a refusal: -EBADMSG and the exact code, payload type and offset.
 * A macro so that cmocka reports the caller's line. Names are compared as
 * strings so a failure prints which code came instead.
 */
#define UNIT_EXPECT_ERR(rc, err, code_, payload_, offset_)                                         \
    do {                                                                                           \
        assert_int_equal((rc), -EBADMSG);                                                          \
        assert_string_equal(ike_err_name((err).code), ike_err_name(code_));                        \
        assert_int_equal((err).payload, (payload_));                                               \
        assert_int_equal((err).offset, (offset_));                                                 \
    } while (0)

#endif
