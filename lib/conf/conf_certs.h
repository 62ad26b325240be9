/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading the PEM files of certificates and keys for lib/conf (private to it). */
#ifndef VEER_CONF_CERTS_H
#define VEER_CONF_CERTS_H

#include <stdbool.h>
#include <stddef.h>

/* Largest PEM file read: a long chain fits many times over. */
#define CONF_PEM_MAX (256 * 1024)

/*
 * Reads a whole file into *text (malloc'ed, NUL-terminated), *len bytes.
 * With owner_only, a file that group or others may read is refused (private
 * keys, as psk_file). Returns 0, or -1 with the reason in why.
 */
int conf_read_file(const char *path, bool owner_only, char **text, size_t *len, char *why,
                   size_t why_len);

/* Wipes and frees what conf_read_file returned (key material must not linger). */
void conf_free_file(char *text, size_t len);

#endif
