/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What `--check` and `--check-syntax` print, the same for veer and veer-ike:
 * the secrets files not read, or that starting would create, one per line;
 * then one line, OK with what the program counts, or the loader's error as
 * "PROGRAM: FILE:LINE: key: why". And how both load a file to start.
 */
#ifndef VEER_CONF_CHECK_H
#define VEER_CONF_CHECK_H

#include <stdbool.h>

#include "conf.h"

/*
 * Loads path as starting would, but creates nothing (a missing QCD secret is
 * said on stdout); syntax_only (--check-syntax): the secrets files are
 * listed on stdout, not opened, and counted in *unread. 0: loaded
 * (conf_free it); -1: the error is on stderr, nothing to free.
 */
int conf_check_load(const char *prog, const char *path, bool syntax_only, struct veer_conf *conf,
                    unsigned *unread);

/*
 * Loads path to start with it: the files it names are read, and a missing
 * QCD secret is made (said on stderr). 0: loaded (conf_free it); -1: the
 * error is on stderr as "PROGRAM: FILE:LINE: key: why", nothing to free.
 */
int conf_start_load(const char *prog, const char *path, struct veer_conf *conf);

/* "PROGRAM: FILE: OK[ without its files] (SUMMARY[; N files not read])" on stdout. */
void conf_check_ok(const char *prog, const char *path, bool syntax_only, unsigned unread,
                   const char *summary);

/* "" for one, "s" for any other count: the summaries' plurals. */
const char *conf_plural(unsigned n);

#endif
