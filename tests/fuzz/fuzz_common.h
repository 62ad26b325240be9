/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the libFuzzer targets: an oracle failure must stop the run with a
 * crash libFuzzer records (and a line saying which check), not an assert that
 * NDEBUG could remove.
 */
#ifndef VEER_FUZZ_COMMON_H
#define VEER_FUZZ_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_err.h"
#include "ike_payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
/* libFuzzer's own mutator, for custom mutators to call. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: oracle failed: %s\n", __FILE__, __LINE__, #cond);              \
            __builtin_trap();                                                                      \
        }                                                                                          \
    } while (0)

/*
 * A failed decode must say why with a real code and point inside what it was
 * given (`limit` is the message length): counters are indexed by the code and
 * logs print the offset.
 */
static inline void fuzz_check_err(int rc, const struct ike_err *err, size_t limit)
{
    if (rc == 0)
        return;
    FUZZ_CHECK(rc == -EBADMSG);
    FUZZ_CHECK(err->code != IKE_ERR_OK && err->code < IKE_ERR__COUNT);
    FUZZ_CHECK(err->offset <= limit);
    char line[256];
    int n = ike_err_format(err, line, sizeof(line));
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof(line));
}

static inline int fuzz_bytes_equal(const struct ike_bytes *a, const struct ike_bytes *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* Exact equality: ike_gw_id_equal() folds FQDN case, which a round trip must not need. */
static inline int fuzz_gw_same(const struct ike_gw_id *a, const struct ike_gw_id *b)
{
    return a->type == b->type && a->len == b->len && memcmp(a->value, b->value, a->len) == 0;
}

/*
 * A payload-aware mutation. Byte-level mutations rarely keep an IKE message
 * consistent: changing one payload's size needs the payload length, the header
 * length and the bytes to change together, so a fuzzer almost never reaches,
 * say, a 15-byte nonce inside an otherwise valid request. Half of the time this
 * picks one payload of the chain, lets libFuzzer mutate its body (size
 * included), and fixes both length fields; the other half is libFuzzer's
 * plain mutation, which keeps the broken-length cases coming.
 *
 * `ike` is where the IKE header starts in data (after any harness prefix and
 * non-ESP marker); with `ike` past the end or no IKEv2 header there, `chain` /
 * `first` describe a bare payload chain instead (the inner run of fuzz_msg).
 */
#define FUZZ_MUTATE_MAX_PAYLOADS 64

static inline uint32_t fuzz_rand(uint32_t *state)
{
    /* xorshift32: libFuzzer hands over a seed; the mutation must depend on it alone. */
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static inline size_t fuzz_mutate_chain(uint8_t *data, size_t size, size_t max_size, unsigned seed,
                                       size_t ike, size_t chain, uint8_t first)
{
    uint32_t rnd = seed;
    if (fuzz_rand(&rnd) % 2 == 0)
        return LLVMFuzzerMutate(data, size, max_size);
    bool have_hdr = ike <= size && size - ike >= 28 && data[ike + 17] >> 4 == 2;
    if (have_hdr) {
        chain = ike + 28;
        first = data[ike + 16];
    }
    /* The payloads whose generic headers are consistent, up to the first that is not. */
    size_t offs[FUZZ_MUTATE_MAX_PAYLOADS];
    unsigned n = 0;
    size_t pos = chain;
    uint8_t type = first;
    while (type != 0 && n < FUZZ_MUTATE_MAX_PAYLOADS && pos <= size && size - pos >= 4) {
        size_t plen = (size_t)data[pos + 2] << 8 | data[pos + 3];
        if (plen < 4 || plen > size - pos)
            break;
        offs[n++] = pos;
        if (type == 46 || type == 53) /* SK, SKF: what follows is ciphertext */
            break;
        type = data[pos];
        pos += plen;
    }
    if (n == 0)
        return LLVMFuzzerMutate(data, size, max_size);

    size_t off = offs[fuzz_rand(&rnd) % n];
    size_t plen = (size_t)data[off + 2] << 8 | data[off + 3];
    size_t body = off + 4, blen = plen - 4;
    size_t tail_off = off + plen, tail_len = size - tail_off;
    size_t room = max_size - size;
    if (room > 65535 - plen)
        room = 65535 - plen;
    uint8_t *tail = malloc(tail_len > 0 ? tail_len : 1);
    if (tail == NULL)
        return size;
    memcpy(tail, data + tail_off, tail_len);
    size_t nblen = blen == 0 && room == 0 ? 0 : LLVMFuzzerMutate(data + body, blen, blen + room);
    memcpy(data + body + nblen, tail, tail_len);
    free(tail);
    size_t nsize = size - blen + nblen;
    size_t nplen = nblen + 4;
    data[off + 2] = (uint8_t)(nplen >> 8);
    data[off + 3] = (uint8_t)nplen;
    if (have_hdr) {
        size_t ike_len = nsize - ike;
        data[ike + 24] = (uint8_t)(ike_len >> 24);
        data[ike + 25] = (uint8_t)(ike_len >> 16);
        data[ike + 26] = (uint8_t)(ike_len >> 8);
        data[ike + 27] = (uint8_t)ike_len;
    }
    return nsize;
}

#endif
