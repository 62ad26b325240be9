/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The QCD secret file (RFC 6290): IKE_QCD_SECRET_LEN random bytes, the same
 * across restarts and on every member of a cluster, kept like a private key.
 * A secret made anew would turn every client's stored token into a mismatch,
 * so a file that is there but wrong is an error, never replaced.
 */
#ifndef VEER_CONF_QCD_H
#define VEER_CONF_QCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_qcd.h"

/*
 * Reads the secret at path into out. When no file is there and create is
 * set, makes one first: random bytes written to a temporary file in the same
 * directory (mode 0600), fsync'd, renamed over path, the directory fsync'd.
 * 0; or -1 with one line in err naming the file and the fix: unreadable, not
 * a regular file, group- or world-accessible, or not IKE_QCD_SECRET_LEN bytes.
 */
int conf_qcd_secret_load(const char *path, bool create, uint8_t out[IKE_QCD_SECRET_LEN], char *err,
                         size_t err_len);

#endif
