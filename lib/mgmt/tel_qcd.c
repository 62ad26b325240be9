/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /veer/qcd: Quick Crash Detection in the workers (lib/dp/worker/qcd.c): the
 * table of our live IKE SPIs as the control lcore keeps it, whether the
 * workers answer, and their decisions summed over every worker
 * (/veer/workers has them per worker).
 */
#include <time.h>

#include "mgmt_tel_priv.h"

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* the workers' clock (worker.c) */
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmd_qcd(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    if (!mgmt_tel_no_params(params))
        return mgmt_tel_error(d, "/veer/qcd takes no parameters, got \"%s\"", params);
    const struct mgmt_tel *t = mgmt_tel_instance();
    const struct dp_qcd *q = t->ctrl != NULL ? t->ctrl->qcd : NULL;
    bool on = q != NULL && q->spis != NULL;
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "answering", dp_qcd_answering(q) ? "true" : "false");
    rte_tel_data_add_dict_u64(d, "rate_per_worker", on ? q->rate : 0);
    const char *prev = "none";
    if (on && q->keys.has_prev)
        prev = q->prev_until_ns == 0 || monotonic_ns() < q->prev_until_ns ? "in use" : "expired";
    rte_tel_data_add_dict_string(d, "previous_secret", prev);
    rte_tel_data_add_dict_u64(d, "spis", on ? __atomic_load_n(&q->nspis, __ATOMIC_RELAXED) : 0);
    rte_tel_data_add_dict_u64(d, "table_incomplete",
                              on ? __atomic_load_n(&q->incomplete, __ATOMIC_RELAXED) : 0);
    rte_tel_data_add_dict_u64(d, "spi_add_failed",
                              on ? __atomic_load_n(&q->add_failed, __ATOMIC_RELAXED) : 0);
#define ADD_SUM(n)                                                                                 \
    {                                                                                              \
        uint64_t sum = 0;                                                                          \
        for (unsigned w = 0; w < t->nworkers; w++)                                                 \
            sum += __atomic_load_n(&t->workers[w].counters.n, __ATOMIC_RELAXED);                   \
        rte_tel_data_add_dict_u64(d, #n, sum);                                                     \
    }
    DP_QCD_COUNTER_LIST(ADD_SUM)
#undef ADD_SUM
    return 0;
}

void mgmt_tel_qcd_register(void)
{
    rte_telemetry_register_cmd("/veer/qcd", cmd_qcd,
                               "QCD in the workers: the IKE SPI table and their replies, summed");
}
