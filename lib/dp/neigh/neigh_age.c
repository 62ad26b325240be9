/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Aging of learnt neighbours, both families (dp_neigh.h): what a host's
 * kernel does with REACHABLE, STALE, DELAY and PROBE (RFC 4861 7.3), reduced
 * to what a gateway needs. Without it a next hop whose MAC changed with no
 * gratuitous ARP or unsolicited advertisement (a replaced router, a moved VM)
 * would be sent to at its old MAC for good, and dead hosts would stay.
 *
 * Only the control lcore writes; every write goes under the slot's sequence
 * number as learning does, so workers read a whole entry or none. A cursor
 * per table bounds the slots looked at per call.
 */
#include <string.h>

#include "dp_neigh.h"

enum age_action { AGE_KEEP, AGE_PROBE, AGE_REMOVE };

static enum age_action age_action(const struct dp_neigh_aging *a, uint64_t updated_ns,
                                  uint64_t probed_ns, unsigned probes, uint64_t now_ns)
{
    if (updated_ns == DP_NEIGH_STATIC || now_ns < updated_ns ||
        now_ns - updated_ns < a->reachable_ns)
        return AGE_KEEP;
    /* The last probe gets its interval to be answered before the next, or before removal. */
    if (probes > 0 && (now_ns < probed_ns || now_ns - probed_ns < DP_NEIGH_PROBE_INTERVAL_NS))
        return AGE_KEEP;
    return probes >= a->probes ? AGE_REMOVE : AGE_PROBE;
}

/* The writer's half of the sequence lock: odd while the slot changes. */
static void write_begin(uint32_t *seq)
{
    __atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static void write_end(uint32_t *seq)
{
    __atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

/* One IPv4 slot; false when its probe is due but out has no room. */
static bool age_one4(struct dp_neigh_slot *s, const struct dp_neigh_aging *a, uint64_t now_ns,
                     struct dp_neigh_probe *out, unsigned max, unsigned *n, uint64_t *expired)
{
    if (s->ip == 0)
        return true;
    enum age_action act = age_action(a, s->updated_ns, s->probed_ns, s->probes, now_ns);
    if (act == AGE_KEEP)
        return true;
    if (act == AGE_PROBE && *n == max)
        return false;
    write_begin(&s->seq);
    if (act == AGE_REMOVE) {
        __atomic_store_n(&s->ip, 0, __ATOMIC_RELAXED);
        s->probes = 0;
        (*expired)++;
    } else {
        s->probes++;
        s->probed_ns = now_ns;
        out[*n] = (struct dp_neigh_probe){.family = 4, .port = s->port, .mac = s->mac};
        memcpy(out[*n].ip, &s->ip, 4);
        (*n)++;
    }
    write_end(&s->seq);
    return true;
}

static bool age_one6(struct dp_neigh6_slot *s, const struct dp_neigh_aging *a, uint64_t now_ns,
                     struct dp_neigh_probe *out, unsigned max, unsigned *n, uint64_t *expired)
{
    static const uint8_t unspecified[16];
    if (memcmp(s->ip, unspecified, 16) == 0)
        return true;
    enum age_action act = age_action(a, s->updated_ns, s->probed_ns, s->probes, now_ns);
    if (act == AGE_KEEP)
        return true;
    if (act == AGE_PROBE && *n == max)
        return false;
    write_begin(&s->seq);
    if (act == AGE_REMOVE) {
        memset(s->ip, 0, 16);
        s->probes = 0;
        (*expired)++;
    } else {
        s->probes++;
        s->probed_ns = now_ns;
        out[*n] = (struct dp_neigh_probe){.family = 6, .port = s->port, .mac = s->mac};
        memcpy(out[*n].ip, s->ip, 16);
        (*n)++;
    }
    write_end(&s->seq);
    return true;
}

unsigned dp_neigh_age(struct dp_neigh_table *t, const struct dp_neigh_aging *a, uint64_t now_ns,
                      struct dp_neigh_probe *out, unsigned max, uint64_t *expired)
{
    if (a->reachable_ns == 0)
        return 0;
    unsigned n = 0, max4 = max - max / 2;
    for (unsigned i = 0; i < DP_NEIGH_AGE_SLOTS; i++) {
        if (!age_one4(&t->slot[t->age_cursor4], a, now_ns, out, max4, &n, expired))
            break;
        t->age_cursor4 = (t->age_cursor4 + 1) & (DP_NEIGH_SLOTS - 1);
    }
    for (unsigned i = 0; i < DP_NEIGH_AGE_SLOTS; i++) {
        if (!age_one6(&t->slot6[t->age_cursor6], a, now_ns, out, max, &n, expired))
            break;
        t->age_cursor6 = (t->age_cursor6 + 1) & (DP_NEIGH6_SLOTS - 1);
    }
    return n;
}
