/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/gauges: what veer holds now rather than what it counted, for a
 * monitoring system (app/veer-exporter): IKE SAs by state, half-open ones,
 * Child SAs, and how full the workers' ring to the control lcore is. The SA
 * figures come from the control lcore's 100 ms snapshot; the ring is read
 * in place (rte_ring_count reads two indexes, never waits).
 */
#include <ctype.h>
#include <stdio.h>

#include "mgmt_tel_priv.h"

static int cmd_gauges(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/gauges takes no parameters, got \"%s\"", params);
    struct mgmt_tel *t = mgmt_tel_instance();
    rte_tel_data_start_dict(d);
    pthread_mutex_lock(&t->lock);
    rte_tel_data_add_dict_u64(d, "ike_sas", t->nsas_total);
    for (unsigned s = 0; s < IKE_SA__STATES; s++) {
        /* "ike_sas_established": the state's name in lower case. */
        char key[48];
        int n = snprintf(key, sizeof(key), "ike_sas_%s", ike_sa_state_name((enum ike_sa_state)s));
        for (int i = 0; i < n && (size_t)i < sizeof(key); i++)
            key[i] = (char)tolower((unsigned char)key[i]);
        rte_tel_data_add_dict_u64(d, key, t->nsas_by_state[s]);
    }
    rte_tel_data_add_dict_u64(d, "ike_sas_half_open", t->half_open);
    rte_tel_data_add_dict_u64(d, "child_sas", t->nchild_sas);
    pthread_mutex_unlock(&t->lock);
    const struct rte_ring *ring = t->ctrl != NULL ? t->ctrl->from_workers : NULL;
    rte_tel_data_add_dict_u64(d, "control_ring_used", ring != NULL ? rte_ring_count(ring) : 0);
    rte_tel_data_add_dict_u64(d, "control_ring_size",
                              ring != NULL ? rte_ring_get_capacity(ring) : 0);
    return 0;
}

void mgmt_tel_gauges_register(void)
{
    rte_telemetry_register_cmd("/veer/gauges", cmd_gauges,
                               "IKE SAs by state, half-open, Child SAs, control ring occupancy");
}
