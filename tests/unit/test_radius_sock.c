/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/mgmt/radius_sock.c: the RADIUS sockets ask for a receive buffer that
 * holds an answer to every outstanding identifier (MGMT_RADIUS_RCVBUF), as
 * far as net.core.rmem_max lets them; with the default buffer, a server's
 * burst of answers overflowed it and each lost one cost a retransmission.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mgmt_radius_sock.h"

/* What SO_RCVBUF reports for a request of `want` bytes: Linux doubles the
 * request (for its own bookkeeping) after capping it at rmem_max. */
static int expected_rcvbuf(int want)
{
    FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");
    long max = 0;
    if (f != NULL) {
        if (fscanf(f, "%ld", &max) != 1)
            max = 0;
        fclose(f);
    }
    assert_true(max > 0); /* no /proc: nothing to compare with, a failure rather than a pass */
    return 2 * (int)(want < max ? want : max);
}

static int rcvbuf_of(int fd)
{
    int v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
    return v;
}

static void test_auth_and_acct_sockets_get_the_buffer(void **state)
{
    (void)state;
    struct ike_radius_cfg rc;
    memset(&rc, 0, sizeof(rc));
    rc.nservers = 2;
    rc.accounting = true;
    for (unsigned i = 0; i < rc.nservers; i++) {
        rc.servers[i].addr.family = 4;
        rc.servers[i].addr.ip[0] = 127;
        rc.servers[i].addr.ip[3] = 1;
        rc.servers[i].addr.port = (uint16_t)(18120 + i); /* connect() needs no listener */
    }
    struct mgmt_radius_socks *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    mgmt_radius_init(s);
    assert_int_equal(mgmt_radius_open(s, &rc), 0);
    assert_int_equal(mgmt_radius_nsockets(s), 4);
    int want = expected_rcvbuf(MGMT_RADIUS_RCVBUF);
    for (unsigned i = 0; i < mgmt_radius_nsockets(s); i++)
        assert_int_equal(rcvbuf_of(mgmt_radius_fd(s, i)), want);
    mgmt_radius_close(s);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_and_acct_sockets_get_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
