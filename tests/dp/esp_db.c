/* SPDX-License-Identifier: BSD-3-Clause */
#include "esp_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <rte_hash.h>

/*
 * The SADB a case has open. cmocka's teardown gets only the test's state, and
 * the cases keep their SADB on their own stack: this is how it finds it after
 * a failed assertion longjmp'd out of the case.
 */
static struct esp_db *live;

void esp_db_open(struct esp_db *s)
{
    char err[128];
    assert_int_equal(dp_sadb_init(&s->db, 1, err, sizeof(err)), 0);
    s->open = true;
    live = s;
}

void esp_db_close(struct esp_db *s)
{
    if (s->open)
        dp_sadb_free(&s->db);
    s->open = false;
    live = NULL;
}

int esp_db_teardown(void **state)
{
    (void)state;
    if (live != NULL)
        esp_db_close(live);
    return 0;
}

struct dp_esp_sa *esp_db_sa_in(const struct esp_db *s, uint32_t spi)
{
    void *d = NULL;
    assert_true(rte_hash_lookup_data(s->db.in, &spi, &d) >= 0);
    return d;
}
