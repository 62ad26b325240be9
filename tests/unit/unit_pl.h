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

/*
 * Encodes with `encode` (its arguments after the writer are the macro's last
 * ones) into buf, an array, checks that the bytes are exactly `hex`, then
 * decodes them with `decode` into `out`, which must succeed: the round trip
 * each codec's vectors start with. A macro because every payload has its own
 * encoder, decoder and struct types, and so that cmocka reports the caller's line.
 */
#define UNIT_ROUND_TRIP(buf, hex, pl_type, decode, out, encode, ...)                               \
    do {                                                                                           \
        struct ike_writer rt_w_;                                                                   \
        unit_w_init(&rt_w_, (buf), sizeof(buf));                                                   \
        assert_int_equal(encode(&rt_w_, __VA_ARGS__), 0);                                          \
        UNIT_EXPECT_BYTES(&rt_w_, (hex));                                                          \
        struct ike_pl rt_pl_ = unit_pl_at((buf), 0, (pl_type));                                    \
        assert_int_equal(decode(&rt_pl_, (out), NULL), 0);                                         \
    } while (0)

/* A payload body the decoder must refuse, with the error code and offset it must name. */
struct unit_bad_pl {
    const char *hex;
    enum ike_err_code code;
    uint32_t offset; /* body offset + 4: the payload sits at offset 0 */
};

/*
 * Decodes each body of the table `bad` as a payload of pl_type into a
 * `out_type` with `decode`, and checks each refusal with UNIT_EXPECT_ERR;
 * the case number and body are printed first so a failure names its row.
 */
#define UNIT_EXPECT_ALL_REFUSED(bad, pl_type, decode, out_type)                                    \
    do {                                                                                           \
        for (unsigned i_ = 0; i_ < sizeof(bad) / sizeof((bad)[0]); i_++) {                         \
            uint8_t b_[128];                                                                       \
            size_t n_ = unit_hex((bad)[i_].hex, b_, sizeof(b_));                                   \
            struct ike_pl pl_ = ike_pl_from_body((pl_type), b_, n_);                               \
            out_type out_;                                                                         \
            struct ike_err err_ = {0};                                                             \
            print_message("case %u: %s %s\n", i_, ike_err_name((bad)[i_].code), (bad)[i_].hex);    \
            UNIT_EXPECT_ERR(decode(&pl_, &out_, &err_), err_, (bad)[i_].code, (pl_type),           \
                            (bad)[i_].offset);                                                     \
        }                                                                                          \
    } while (0)

#endif
