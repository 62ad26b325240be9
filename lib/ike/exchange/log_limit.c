/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#include "ike_sa.h"

#define SECOND_NS 1000000000ull

/* Prints the sum of a second that is over, if anything was held back in it. */
static void report(struct ike_ctx *ctx, struct ike_log_limit_slot *s)
{
    if (s->suppressed == 0)
        return;
    /* The reason by its text up to the first conversion: enough to tell them apart. */
    int stem = 0;
    while (s->fmt[stem] != '\0' && s->fmt[stem] != '%' && stem < 60)
        stem++;
    ike_log(ctx, (enum ike_log_level)s->level, "%llu more lines like \"%.*s...\" suppressed",
            (unsigned long long)s->suppressed, stem, s->fmt);
    s->suppressed = 0;
}

/* The slot of this reason, or a free one, or the one whose last second is oldest. */
static struct ike_log_limit_slot *slot_for(struct ike_ctx *ctx, const char *fmt)
{
    struct ike_log_limit *l = &ctx->log_limit;
    struct ike_log_limit_slot *pick = &l->slot[0];
    for (unsigned i = 0; i < IKE_LOG_LIMIT_SLOTS; i++) {
        struct ike_log_limit_slot *s = &l->slot[i];
        if (s->fmt == fmt)
            return s;
        if (pick->fmt != NULL && (s->fmt == NULL || s->window_ns < pick->window_ns))
            pick = s;
    }
    if (pick->fmt != NULL)
        report(ctx, pick);
    *pick = (struct ike_log_limit_slot){.fmt = fmt};
    return pick;
}

bool ike_log_limit_admit(struct ike_ctx *ctx, enum ike_log_level level, const char *fmt)
{
    if (ctx->be.log == NULL)
        return false;
    uint64_t now = ike_now(ctx);
    struct ike_log_limit_slot *s = slot_for(ctx, fmt);
    if (s->printed == 0 || now - s->window_ns >= SECOND_NS) {
        report(ctx, s);
        s->window_ns = now;
        s->printed = 0;
    }
    s->level = (uint8_t)level;
    if (s->printed >= IKE_LOG_LIMIT_BURST) {
        s->suppressed++;
        ctx->counters.log_suppressed++;
        return false;
    }
    s->printed++;
    return true;
}

void ike_log_rl(struct ike_ctx *ctx, enum ike_log_level level, const char *fmt, ...)
{
    if (!ike_log_limit_admit(ctx, level, fmt))
        return;
    va_list ap;
    va_start(ap, fmt);
    ike_vlog(ctx, level, fmt, ap);
    va_end(ap);
}

void ike_log_limit_flush(struct ike_ctx *ctx)
{
    uint64_t now = ike_now(ctx);
    for (unsigned i = 0; i < IKE_LOG_LIMIT_SLOTS; i++) {
        struct ike_log_limit_slot *s = &ctx->log_limit.slot[i];
        if (s->fmt != NULL && s->suppressed > 0 && now - s->window_ns >= SECOND_NS) {
            report(ctx, s);
            /* A new second begins with the report, so a flood that goes on is summed once a second.
             */
            s->window_ns = now;
            s->printed = 0;
        }
    }
}
