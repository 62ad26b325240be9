/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a reloaded configuration changes (SIGHUP, /veer/reload): the peers
 * added, changed and removed, and the settings that only a restart can
 * change (ports, lcores, pools...), which make the reload refused.
 */
#ifndef VEER_CONF_RELOAD_H
#define VEER_CONF_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* Settings compared for a restart; each is named once in restart[]. */
#define CONF_RELOAD_RESTART_MAX 32

struct conf_reload_diff {
    unsigned peers_added, peers_changed, peers_removed, peers_same;
    /*
     * The keys whose new value needs a restart ("dataplane.workers"), in
     * the order of the file's sections; none: the reload may go ahead.
     */
    unsigned nrestart;
    const char *restart[CONF_RELOAD_RESTART_MAX];
    bool routes_changed, neighbours_changed, redirect_changed, admission_changed;
};

/*
 * Compares the running configuration with the one just loaded. A peer is
 * matched by name; "changed" counts any difference of its settings or of
 * its PSK or EAP secrets (certificates are always taken anew). Never fails.
 */
void conf_reload_diff(const struct veer_conf *old, const struct veer_conf *next,
                      struct conf_reload_diff *d);

/*
 * d->restart as one line, "dataplane.workers, pools" (at most len bytes,
 * cut with "..."); "" when there are none.
 */
void conf_reload_restart_text(const struct conf_reload_diff *d, char *out, size_t len);

#endif
