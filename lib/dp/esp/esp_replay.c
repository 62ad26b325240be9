/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_esp_replay.h"

size_t dp_replay_words(uint32_t window)
{
    size_t need = (window + 63u) / 64u + 1u; /* the window plus the word being filled */
    size_t words = 1;
    while (words < need)
        words <<= 1;
    return words;
}

void dp_replay_init(struct dp_replay *r, uint32_t window, uint64_t *bits)
{
    r->top = 0;
    r->window = window;
    r->mask = (uint32_t)(dp_replay_words(window) - 1);
    r->bits = bits;
}

enum dp_replay_verdict dp_replay_check(const struct dp_replay *r, uint64_t seq)
{
    if (seq == 0)
        return DP_REPLAY_TOO_OLD;
    if (seq > r->top)
        return DP_REPLAY_OK;
    if (r->top - seq >= r->window)
        return DP_REPLAY_TOO_OLD;
    uint64_t word = r->bits[(seq >> 6) & r->mask];
    return (word >> (seq & 63)) & 1 ? DP_REPLAY_SEEN : DP_REPLAY_OK;
}

void dp_replay_update(struct dp_replay *r, uint64_t seq)
{
    if (seq > r->top) {
        /* Clear the words the window moves into; never more than the whole ring. */
        uint64_t from = (r->top >> 6) + 1, to = seq >> 6;
        if (to < from) {
            /* Still in top's word: nothing to clear. */
        } else if (to - from >= r->mask) {
            for (uint32_t i = 0; i <= r->mask; i++)
                r->bits[i] = 0;
        } else {
            for (uint64_t w = from; w <= to; w++)
                r->bits[w & r->mask] = 0;
        }
        r->top = seq;
    }
    r->bits[(seq >> 6) & r->mask] |= 1ull << (seq & 63);
}

uint64_t dp_esn_infer(const struct dp_replay *r, uint32_t seq_lo)
{
    uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
    uint32_t bottom = tl - (r->window - 1); /* modulo 2^32: wraps when the window spans */
    if (tl >= r->window - 1) {
        /* Case A: the window lies within one 2^32 subspace. */
        if (seq_lo >= bottom)
            return (uint64_t)th << 32 | seq_lo;
        if (th == UINT32_MAX)
            return 0;
        return (uint64_t)(th + 1) << 32 | seq_lo;
    }
    /* Case B: the window spans two subspaces; its bottom is in the one below. */
    if (seq_lo >= bottom) {
        if (th == 0)
            return 0;
        return (uint64_t)(th - 1) << 32 | seq_lo;
    }
    return (uint64_t)th << 32 | seq_lo;
}
