/* SPDX-License-Identifier: BSD-3-Clause */
#include "unit_conf.h"

#include <stdio.h>
#include <string.h>

#include "unit_util.h"

int unit_conf_load(const char *name, const char *head, const char *extra, const char *tail,
                   struct veer_conf *c, char *err, size_t cap)
{
    char text[4096];
    int n = snprintf(text, sizeof(text), "%s%s%s", head, extra, tail != NULL ? tail : "");
    /* A cut text would be refused for the cut, not for what the test wrote. */
    assert_true(n > 0 && (size_t)n < sizeof(text));
    memset(c, 0, sizeof(*c));
    err[0] = '\0';
    return conf_load_string(text, name, c, err, cap);
}

void unit_conf_refused(int rc, const char *err, const char *want)
{
    assert_int_equal(rc, -1);
    if (strstr(err, want) == NULL)
        fail_msg("expected \"%s\" in \"%s\"", want, err);
}

void unit_conf_expect_refused(const char *name, const char *head, const char *extra,
                              const char *tail, const char *want)
{
    /* static: a loaded configuration is too large for the stack of a test. */
    static struct veer_conf c;
    char err[256];
    unit_conf_refused(unit_conf_load(name, head, extra, tail, &c, err, sizeof(err)), err, want);
}
