/* SPDX-License-Identifier: BSD-3-Clause */
/* EAP users' secrets for lib/conf (private to it): peers[].eap_secrets_file. */
#ifndef VEER_CONF_EAP_H
#define VEER_CONF_EAP_H

#include <stddef.h>

#include "ike.h"

/* Users one secrets file may hold. */
#define CONF_EAP_MAX_USERS 4096

/*
 * Reads an EAP secrets file: one "identity secret" per line (the secret runs
 * to the end of the line, spaces included), blank lines and lines starting
 * with '#' skipped. The file must be readable by its owner only, like
 * psk_file. Returns 0 with a malloc'ed array in *out (conf_eap_free()), or
 * -1 with "path:line: why" in why.
 */
int conf_eap_load(const char *path, struct ike_eap_secret **out, unsigned *n, char *why,
                  size_t why_len);
/* Wipes and frees what conf_eap_load() returned. */
void conf_eap_free(struct ike_eap_secret *s, unsigned n);

#endif
