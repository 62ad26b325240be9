/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration tests' texts: the peer every configuration needs, and a
 * text made of pieces loaded, or refused with a given message.
 */
#ifndef VEER_UNIT_CONF_H
#define VEER_UNIT_CONF_H

#include <stddef.h>

#include "conf.h"

/*
 * The first seven lines of a road-warrior peer (PSK, AES-GCM, X25519): a
 * string literal, so that the tests that count the lines of an error's
 * file:line can count them in one place.
 */
#define UNIT_CONF_PEER_HEAD                                                                        \
    "peers:\n"                                                                                     \
    "  - name: rw\n"                                                                               \
    "    local_id: gw.example\n"                                                                   \
    "    remote_id: '%any'\n"                                                                      \
    "    psk: labsecret\n"                                                                         \
    "    ike_proposals: [aes128gcm16-prfsha256-x25519]\n"                                          \
    "    esp_proposals: [aes128gcm16]\n"

/* The whole peer, nine lines, with selectors local_ts and remote_ts (literals). */
#define UNIT_CONF_PEER(local_ts, remote_ts)                                                        \
    UNIT_CONF_PEER_HEAD "    local_ts: [" local_ts "]\n"                                           \
                        "    remote_ts: [" remote_ts "]\n"

/*
 * Loads head, extra and tail (tail may be NULL) as the file `name`, into c
 * cleared first, with err emptied first; returns conf_load_string's result.
 */
int unit_conf_load(const char *name, const char *head, const char *extra, const char *tail,
                   struct veer_conf *c, char *err, size_t cap);

/* Fails the test unless the load returned rc -1 with `want` in its message err. */
void unit_conf_refused(int rc, const char *err, const char *want);

/*
 * unit_conf_load of head, extra and tail as `name`, then unit_conf_refused:
 * the one step every error case of the dataplane conf tests takes.
 */
void unit_conf_expect_refused(const char *name, const char *head, const char *extra,
                              const char *tail, const char *want);

#endif
