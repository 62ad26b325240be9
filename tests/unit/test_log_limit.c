/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log lines the network provokes are rate-limited per reason (log_limit.c):
 * a barrage of malformed datagrams writes a few lines and one sum, and
 * another reason in the same second has lines of its own.
 */
#include <stdio.h>
#include <string.h>

#include "ike.h"
#include "ike_consts.h"
#include "ike_lab.h"
#include "mock_backend.h"
#include "unit_util.h"

#define BARRAGE 1000
#define BURST 5 /* IKE_LOG_LIMIT_BURST */

/* A datagram too short for an IKE header: malformed whatever else it holds. */
static void send_garbage(struct lab *lab, unsigned n)
{
    uint8_t junk[20];
    memset(junk, 0xa5, sizeof(junk));
    for (unsigned i = 0; i < n; i++)
        ike_input(lab->gw, &lab->gw_addr, &lab->alice_addr, junk, sizeof(junk));
}

/* A protected request for an IKE SA the gateway never had. */
static void send_unknown_spi(struct lab *lab, unsigned n)
{
    uint8_t msg[IKE_HDR_LEN + 4 + 16 + 16];
    memset(msg, 0, sizeof(msg));
    for (unsigned i = 0; i < n; i++) {
        ike_put64(msg, 0x1111000000000000ull + i);
        ike_put64(msg + 8, 0x2222000000000000ull + i);
        msg[16] = IKE_PL_SK;
        msg[17] = IKE_MAJOR_VERSION << 4;
        msg[18] = IKE_EXCH_INFORMATIONAL;
        msg[19] = IKE_FLAG_INITIATOR;
        ike_put32(msg + 24, sizeof(msg));
        ike_put16(msg + IKE_HDR_LEN + 2, sizeof(msg) - IKE_HDR_LEN);
        ike_input(lab->gw, &lab->gw_addr, &lab->alice_addr, msg, sizeof(msg));
    }
}

static void test_barrage_summed(void **state)
{
    struct lab *lab = *state;
    lab->gw_node.verbose = false;
    lab_start(lab);
    const struct ike_counters *c = ike_get_counters(lab->gw);
    unsigned before = lab->gw_node.nlogs;
    send_garbage(lab, BARRAGE);
    assert_int_equal(c->rx_malformed, BARRAGE);
    assert_int_equal(lab->gw_node.nlogs - before, BURST);
    assert_int_equal(c->log_suppressed, BARRAGE - BURST);

    /* Another reason in the same second is not held back by the first. */
    before = lab->gw_node.nlogs;
    send_unknown_spi(lab, 20);
    assert_int_equal(c->rx_no_sa, 20);
    assert_int_equal(lab->gw_node.nlogs - before, BURST);
    assert_int_equal(c->log_suppressed, BARRAGE - BURST + 20 - BURST);

    /* Within the second the tick says nothing; after it, one sum per reason. */
    lab->net.now_ns += SEC / 2;
    before = lab->gw_node.nlogs;
    ike_tick(lab->gw);
    assert_int_equal(lab->gw_node.nlogs, before);
    lab->net.now_ns += SEC / 2 + 1;
    ike_tick(lab->gw);
    assert_int_equal(lab->gw_node.nlogs - before, 2);
    char want[80];
    snprintf(want, sizeof(want), "%u more lines like", 20 - BURST);
    assert_non_null(strstr(lab->gw_node.last_log, want));
    assert_non_null(strstr(lab->gw_node.last_log, "no IKE SA for"));
    /* Said once: the next tick is quiet, and the next second prints again. */
    before = lab->gw_node.nlogs;
    lab->net.now_ns += 2 * SEC;
    ike_tick(lab->gw);
    assert_int_equal(lab->gw_node.nlogs, before);
    send_garbage(lab, 1);
    assert_int_equal(lab->gw_node.nlogs - before, 1);
    assert_non_null(strstr(lab->gw_node.last_log, "dropped malformed message"));
}

/* The sum comes with the reason's next line when no tick came between. */
static void test_sum_before_next_line(void **state)
{
    struct lab *lab = *state;
    lab_start(lab);
    send_garbage(lab, BURST + 3);
    lab->net.now_ns += 2 * SEC;
    unsigned before = lab->gw_node.nlogs;
    send_garbage(lab, 1);
    assert_int_equal(lab->gw_node.nlogs - before, 2);
    assert_non_null(strstr(lab->gw_node.last_log, "dropped malformed message"));
    assert_int_equal(ike_get_counters(lab->gw)->log_suppressed, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        LAB_TEST(test_barrage_summed),
        LAB_TEST(test_sum_before_next_line),
    };
    return cmocka_run_group_tests_name("log_limit", tests, NULL, NULL);
}
