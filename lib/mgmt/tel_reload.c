/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/reload: the configuration file read again on the control lcore (the
 * embedder's function, as SIGHUP does); /veer/reload/status: how many were
 * applied and refused, and the last one's time and outcome.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgmt_tel_priv.h"

void mgmt_tel_set_reload(struct mgmt_tel *t, mgmt_reload_fn fn, void *arg)
{
    t->reload = fn;
    t->reload_arg = arg;
}

void mgmt_tel_note_reload(struct mgmt_tel *t, bool applied, const char *msg)
{
    /* Rare and asked for by an operator: waiting for the telemetry thread's reply is fine. */
    pthread_mutex_lock(&t->lock);
    if (applied)
        t->reloads_applied++;
    else
        t->reloads_refused++;
    t->last_reload_unix_s = (int64_t)time(NULL);
    t->last_reload_applied = applied;
    snprintf(t->last_reload_msg, sizeof(t->last_reload_msg), "%s", msg);
    pthread_mutex_unlock(&t->lock);
}

int mgmt_tel_reload_apply(struct mgmt_tel *t, struct request *r)
{
    if (t->reload == NULL) {
        snprintf(r->msg, sizeof(r->msg), "this process cannot reload its configuration");
        return -ENOTSUP;
    }
    return t->reload(t->reload_arg, r->msg, sizeof(r->msg)) == 0 ? 0 : -EINVAL;
}

/* A message longer than a telemetry string, in parts of at most 127 bytes. */
static void add_long(struct rte_tel_data *d, const char *name, const char *msg)
{
    char part[RTE_TEL_MAX_STRING_LEN], key[32];
    size_t room = sizeof(part) - 1, len = strlen(msg);
    for (unsigned i = 0; i * room < len || i == 0; i++) {
        snprintf(part, sizeof(part), "%s", msg + i * room);
        if (i == 0)
            snprintf(key, sizeof(key), "%s", name);
        else
            snprintf(key, sizeof(key), "%s_%u", name, i + 1);
        rte_tel_data_add_dict_string(d, key, part);
    }
}

int mgmt_tel_error_long(struct rte_tel_data *d, const char *msg)
{
    rte_tel_data_start_dict(d);
    add_long(d, "error", msg);
    return 0;
}

int mgmt_tel_reload_reply(struct rte_tel_data *d, const struct request *r, int rc)
{
    if (rc < 0)
        return mgmt_tel_error_long(d, r->msg);
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "result", "applied");
    add_long(d, "message", r->msg);
    return 0;
}

static int cmd_reload(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/reload takes no parameters, got \"%s\"", params);
    struct request *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    r->kind = REQ_RELOAD;
    return mgmt_tel_run_request(d, r);
}

static int cmd_reload_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/reload/status takes no parameters, got \"%s\"", params);
    struct mgmt_tel *t = mgmt_tel_instance();
    pthread_mutex_lock(&t->lock);
    uint64_t applied = t->reloads_applied, refused = t->reloads_refused;
    int64_t when = t->last_reload_unix_s;
    bool ok = t->last_reload_applied;
    char msg[MGMT_RELOAD_MSG_MAX];
    snprintf(msg, sizeof(msg), "%s", t->last_reload_msg);
    pthread_mutex_unlock(&t->lock);
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "applied", applied);
    rte_tel_data_add_dict_u64(d, "refused", refused);
    rte_tel_data_add_dict_u64(d, "last_unix_s", (uint64_t)when);
    rte_tel_data_add_dict_string(d, "last_result", when == 0 ? "none" : ok ? "applied" : "refused");
    add_long(d, "last_message", msg);
    return 0;
}

void mgmt_tel_reload_register(void)
{
    rte_telemetry_register_cmd("/veer/reload", cmd_reload,
                               "Reads the configuration file again (as SIGHUP does)");
    rte_telemetry_register_cmd("/veer/reload/status", cmd_reload_status,
                               "Reloads applied and refused; the last one's time and outcome");
}
