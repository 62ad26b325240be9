/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ESP tests' own SADB (test_esp.c, test_esp6.c, test_esp_burst.c): opened
 * and closed by each case, and closed by the test's teardown when a failed
 * assertion jumped past the case's own close.
 */
#ifndef VEER_TEST_ESP_DB_H
#define VEER_TEST_ESP_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_esp.h"

struct esp_db {
    struct dp_sadb db;
    bool open;
};

/* Opens s->db for one SA (the test fails otherwise); the one a teardown closes. */
void esp_db_open(struct esp_db *s);

/* Closes s->db if open. */
void esp_db_close(struct esp_db *s);

/* cmocka teardown: closes the SADB a failed case left open. */
int esp_db_teardown(void **state);

/* The inbound SA of SPI spi (host order); the test fails unless it is installed. */
struct dp_esp_sa *esp_db_sa_in(const struct esp_db *s, uint32_t spi);

#endif
