/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration payload's rules (cp.c): a client's CFG_REQUEST as the
 * responder reads it, and a responder's CFG_REPLY as veer the initiator
 * reads it. Input: one control byte (bit 0: reply; bits 1-2: the families
 * an initiator asked for), then the CP payload's body. Oracles: a request
 * asks only for IPv4 and IPv6, a wanted address is of its family and not
 * the unspecified one, an unreadable payload leaves nothing asked; a reply
 * gives at most one address per family, only of the families asked for,
 * never the unspecified one, none when unreadable.
 */
#include "fuzz_common.h"
#include "ike_msg.h"
#include "ike_sa.h"

static bool unspecified(const struct ike_addr *a)
{
    for (unsigned i = 0; i < ike_addr_ip_len(a); i++) {
        if (a->ip[i] != 0)
            return false;
    }
    return true;
}

static void check_request(const struct ike_pl *pl)
{
    struct ike_cp_ask ask;
    int rc = ike_cp_parse_request(pl, &ask);
    FUZZ_CHECK(rc >= -1 && rc <= 1);
    FUZZ_CHECK((ask.families & ~(IKE_VIP_4 | IKE_VIP_6)) == 0);
    if (rc < 0)
        FUZZ_CHECK(ask.families == 0 && !ask.dns4 && !ask.dns6 && !ask.netmask);
    if (ask.want4.family != 0)
        FUZZ_CHECK(ask.want4.family == 4 && (ask.families & IKE_VIP_4) && !unspecified(&ask.want4));
    if (ask.want6.family != 0)
        FUZZ_CHECK(ask.want6.family == 6 && (ask.families & IKE_VIP_6) && !unspecified(&ask.want6));
}

static void check_reply(const struct ike_pl *pl, uint8_t want)
{
    struct ike_addr got[IKE_MAX_VIPS];
    unsigned n = 99;
    int rc = ike_cp_parse_reply(pl, want, got, &n);
    FUZZ_CHECK(rc >= -1 && n <= IKE_MAX_VIPS);
    if (rc < 0)
        FUZZ_CHECK(n == 0);
    for (unsigned i = 0; i < n; i++) {
        FUZZ_CHECK(got[i].family == 4 || got[i].family == 6);
        FUZZ_CHECK(want & (got[i].family == 4 ? IKE_VIP_4 : IKE_VIP_6));
        FUZZ_CHECK(!unspecified(&got[i]));
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(got[j].family != got[i].family);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 + 65535 - 4)
        return 0;
    struct ike_pl pl = ike_pl_from_body(IKE_PL_CP, data + 1, size - 1);
    if (data[0] & 1)
        check_reply(&pl, (uint8_t)((data[0] >> 1) & 3));
    else
        check_request(&pl);
    return 0;
}
