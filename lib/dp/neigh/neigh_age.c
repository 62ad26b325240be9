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
#include "neigh_slots.h"

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

/*
 * One slot of a family whose keys are len bytes; false when its probe is due
 * but out has no room.
 */
static bool age_one(struct dp_neigh_slot *s, uint8_t family, size_t len,
                    const struct dp_neigh_aging *a, uint64_t now_ns, struct dp_neigh_probe *out,
                    unsigned max, unsigned *n, uint64_t *expired)
{
    if (neigh_key_empty(s->ip, len))
        return true;
    enum age_action act = age_action(a, s->updated_ns, s->probed_ns, s->probes, now_ns);
    if (act == AGE_KEEP)
        return true;
    if (act == AGE_PROBE && *n == max)
        return false;
    neigh_write_begin(&s->seq);
    if (act == AGE_REMOVE) {
        memset(s->ip, 0, len);
        s->probes = 0;
        (*expired)++;
    } else {
        s->probes++;
        s->probed_ns = now_ns;
        out[*n] = (struct dp_neigh_probe){.family = family, .port = s->port, .mac = s->mac};
        memcpy(out[*n].ip, s->ip, len);
        (*n)++;
    }
    neigh_write_end(&s->seq);
    return true;
}

/* Looks at the next DP_NEIGH_AGE_SLOTS slots of one table from *cursor on. */
static void age_table(struct dp_neigh_slot *slots, unsigned *cursor, uint8_t family, size_t len,
                      const struct dp_neigh_aging *a, uint64_t now_ns, struct dp_neigh_probe *out,
                      unsigned max, unsigned *n, uint64_t *expired)
{
    for (unsigned i = 0; i < DP_NEIGH_AGE_SLOTS; i++) {
        if (!age_one(&slots[*cursor], family, len, a, now_ns, out, max, n, expired))
            break;
        *cursor = (*cursor + 1) & (DP_NEIGH_SLOTS - 1);
    }
}

unsigned dp_neigh_age(struct dp_neigh_table *t, const struct dp_neigh_aging *a, uint64_t now_ns,
                      struct dp_neigh_probe *out, unsigned max, uint64_t *expired)
{
    if (a->reachable_ns == 0)
        return 0;
    unsigned n = 0, max4 = max - max / 2;
    age_table(t->slot, &t->age_cursor4, 4, sizeof(uint32_t), a, now_ns, out, max4, &n, expired);
    age_table(t->slot6, &t->age_cursor6, 6, 16, a, now_ns, out, max, &n, expired);
    return n;
}
