/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * veer's own arguments (after EAL's "--"), and --check, which needs no EAL:
 *   veer --check CONFIG          load and validate, print OK or the error, exit
 *   veer --check-syntax CONFIG   the same without reading the secrets files it names
 * Either may also end a full command line ("veer -l 0,1 -- -c F --check"):
 * the EAL options before "--" are then ignored, and EAL is never started.
 */
#ifndef VEER_APP_ARGS_H
#define VEER_APP_ARGS_H

#include <stdbool.h>

#include "ike.h"

struct veer_args {
    const char *config;
    const char *state_file;
    enum ike_log_level log_level; /* of IKE's lines: -v, -q, --log-level; info by default */
};

/* Ours, after EAL took its own: 0, or -1 after printing the usage. Exits on --help. */
int veer_args_parse(struct veer_args *a, int argc, char **argv);

/*
 * When argv holds --check or --check-syntax: runs the check and returns the
 * exit status (0 OK, 1 the configuration is wrong, 2 bad usage). Otherwise -1,
 * before anything is printed: start EAL and run.
 */
int veer_check_main(int argc, char **argv);

struct veer_conf;
/*
 * Whether every peer with start_action start has a port to start from (an
 * address of its family): 0, or -1 after saying which has none on stderr.
 * Both --check and starting ask.
 */
int veer_check_start_peers(const struct veer_conf *conf, const char *config);

#endif
